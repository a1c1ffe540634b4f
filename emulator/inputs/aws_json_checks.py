"""Checks of AWS JSON against what AWS itself returns, mixed into AwsJsonLoader (aws_json.py).

Data that no AWS account would return (moto's output is the usual source; the tests list its
differences in tests/inputs/test_moto_core.py) is reported, never taken silently: an error when vpcemu cannot forward
on it correctly, a warning naming the file, the resource and the field when the data can still be
read as AWS meant it. Each check wraps the reader of one describe-* key; the reader itself is
unchanged.

* PrefixLists (describe-prefix-lists) without `Cidrs`: AWS always lists them. Warning; the
  entries come from get-managed-prefix-list-entries or vpcemu's snapshot (R30).
* AWS-managed service lists (PrefixLists, ManagedPrefixLists and their entries) whose id is not
  AWS's for that name, or differs between the accounts of one region (AWS-managed ids are the same
  in every account of a region), or whose entries
  are another region's ranges of the same service in vpcemu's snapshot (moto gives every region
  us-east-1's): a warning each; the data's ids and entries are used all the same (R30, R36).
* NetworkAcls without the final `*` rules (rule 32767, one inbound and one outbound): AWS lists
  them on every ACL. Warning; the implicit deny applies all the same (R113).
* NatGateways: a primary address outside the NAT gateway's subnet, or a "public" IP that is not a
  public address (loopback, private…), is an error; an interface that AWS would type `nat_gateway`
  but the data types otherwise earns a warning (R118, R122).
* Interface endpoints (called by the endpoint reader in aws_json_elb.py): `DnsEntries` whose
  endpoint-specific names do not have AWS's `vpce-<id>-<suffix>[-<az>].<service>.vpce.amazonaws.com`
  form, interfaces not typed `vpc_endpoint`, and interfaces whose security groups are not the
  endpoint's `Groups` (AWS puts the endpoint's groups, the VPC's default one when none was chosen,
  on its interfaces, R45) earn warnings. An interface address outside its subnet is an error (validate.py, R43).
"""
from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from .. import model as m
from ..services.aws_public import managed_prefix_lists

if TYPE_CHECKING:
    from .aws_json import Record

FINAL_ACL_RULE = 32767
# Never an Elastic IP: this host, RFC 1918, shared (CGNAT), loopback, link-local, multicast, reserved.
# (The documentation ranges stay allowed: examples and tests use them as public addresses.)
NOT_PUBLIC = tuple(ipaddress.IPv4Network(n) for n in ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                                                       "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
                                                       "224.0.0.0/4", "240.0.0.0/4"))
_ENDPOINT_DNS = re.compile(r"^vpce-[0-9a-f]+-[0-9a-z]+(-[a-z]{2}(-[a-z]+)+-\d[a-z])?\.(?P<rest>.+)\.vpce\.amazonaws\.com$")


class DataChecks:
    """Wrappers of AwsJsonLoader's readers that report data AWS never returns."""

    def read_prefix_list_checked(self, r: "Record") -> None:
        r.resource = r.text("PrefixListId")
        if "Cidrs" not in r.data:
            self.warn(r, "Cidrs: missing; AWS's describe-prefix-lists always lists them, so the data was not "
                         "produced by AWS (moto omits them); entries come from get-managed-prefix-list-entries, or "
                         "else from vpcemu's snapshot (R30)")
        self.read_aws_prefix_list(r)
        self.check_managed_list(r, r.resource, r.text("PrefixListName"), r.strings("Cidrs"), "Cidrs")

    def read_managed_prefix_list_checked(self, r: "Record") -> None:
        self.read_managed_prefix_list(r)
        if r.opt_text("OwnerId") == "AWS" and (r.opt_text("AddressFamily") or "IPv4") == "IPv4":
            cidrs = [e.text("Cidr") for e in r.children("Entries")]
            self.check_managed_list(r, r.text("PrefixListId"), r.text("PrefixListName"), cidrs, "Entries")

    def read_prefix_list_entry_checked(self, r: "Record") -> None:
        self.read_prefix_list_entry(r)
        pl = self.topology.get(r.resource, m.PrefixList)
        if pl is not None and pl.aws_managed:
            self.check_managed_list(r, pl.prefix_list_id, pl.prefix_list_name, [r.text("Cidr")], "Cidr")

    def check_managed_list(self, r: "Record", pl_id: str, name: str, cidrs: list[str], field: str) -> None:
        """An AWS-managed list's id and entries against vpcemu's snapshot of AWS's lists (R30)."""
        seen = self.__dict__.setdefault("_checked_lists", {})
        first = seen.setdefault(("name", r.collection.region, name), (pl_id, r.file))
        if first[0] != pl_id and ("twin", pl_id) not in seen:
            seen[("twin", pl_id)] = True
            self.warn(r, f"PrefixListId: {name} is {first[0]} in {first[1]}; an AWS-managed list has the same id in "
                         f"every account of a region, so the data was not produced by AWS (moto draws an id per "
                         f"account); both are kept")
        shipped = {p.prefix_list_name: p for p in managed_prefix_lists()}
        known = shipped.get(name)
        if known is None:
            return  # a list vpcemu ships no snapshot of
        if known.prefix_list_id != pl_id and ("id", pl_id) not in seen:
            seen[("id", pl_id)] = True
            self.warn(r, f"PrefixListId: AWS's {name} is {known.prefix_list_id} in every account, not {pl_id}, so the "
                         f"data was not produced by AWS (moto draws random ids); {pl_id} is used")
        service = name.split(".", 3)[-1]
        others = [p for p in shipped.values() if p.prefix_list_name.split(".", 3)[-1] == service and p is not known]
        for cidr in cidrs:
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                continue  # validate.py names malformed CIDRs
            if any(network.overlaps(ipaddress.ip_network(c)) for c in known.cidrs):
                continue
            owner = next((p for p in others if any(network.overlaps(ipaddress.ip_network(c)) for c in p.cidrs)), None)
            if owner is not None and ("range", pl_id) not in seen:
                seen[("range", pl_id)] = True
                self.warn(r, f"{field}: {cidr} is {owner.prefix_list_name}'s range in vpcemu's snapshot of AWS-managed "
                             f"lists, not {name}'s, so the data was not produced by AWS in that region (moto gives "
                             f"every region us-east-1's lists); the data's entries are used (R30, R36)")

    def read_network_acl_checked(self, r: "Record") -> None:
        self.read_network_acl(r)
        numbers = {(e.number("RuleNumber"), e.flag("Egress", None)) for e in r.children("Entries")
                   if e.opt_text("CidrBlock") is not None}  # the IPv4 rules; IPv6 has its own 32767
        missing = [direction for direction, egress in (("outbound", True), ("inbound", False))
                   if (FINAL_ACL_RULE, egress) not in numbers]
        if missing:
            self.warn(r, f"Entries: no {' or '.join(missing)} rule {FINAL_ACL_RULE} (*); AWS lists the final deny of "
                         f"every network ACL, so the data was not produced by AWS (moto omits it on custom ACLs); "
                         f"the implicit deny applies all the same (R113)")

    def read_nat_gateway_checked(self, r: "Record") -> None:
        addresses = r.children("NatGatewayAddresses")
        state = r.opt_text("State")
        self.read_nat_gateway(r)
        nat = self.topology.get(r.opt_text("NatGatewayId") or "", m.NatGateway)
        if nat is None or state != "available":
            return
        primary = next((i for i, a in enumerate(addresses) if a.flag("IsPrimary", False)), 0)
        where = f"NatGatewayAddresses[{primary}]"
        subnet = self.topology.get(nat.subnet_id, m.Subnet)
        try:
            private = ipaddress.IPv4Address(nat.private_ip)
        except ValueError:
            raise r.error(f"{where}.PrivateIp", f"invalid IPv4 address {nat.private_ip!r}") from None
        try:
            network = ipaddress.IPv4Network(subnet.cidr_block) if subnet is not None else None
        except ValueError:
            network = None  # validate.py names a malformed subnet CIDR
        if network is not None and private not in network:
            raise r.error(f"{where}.PrivateIp", f"{nat.private_ip} is outside the NAT gateway's subnet "
                                               f"{subnet.subnet_id} ({subnet.cidr_block}); AWS takes it from that "
                                               f"subnet (R118)")
        if nat.public_ip is not None:
            try:
                public = ipaddress.IPv4Address(nat.public_ip)
            except ValueError:
                raise r.error(f"{where}.PublicIp", f"invalid IPv4 address {nat.public_ip!r}") from None
            if any(public in network for network in NOT_PUBLIC):
                raise r.error(f"{where}.PublicIp", f"{nat.public_ip} is not a public IPv4 address; a public NAT "
                                                   f"gateway's Elastic IP is one (R122)")
        eni = self.topology.get(nat.network_interface_id, m.NetworkInterface)
        if eni is not None and eni.interface_type != "nat_gateway":
            self.warn(r, f"{where}.NetworkInterfaceId: {eni.id} has InterfaceType {eni.interface_type!r}; AWS types a "
                         f"NAT gateway's interface nat_gateway (R118), so the data was not produced by AWS")
        if eni is not None and nat.private_ip not in eni.private_ip_addresses:
            raise r.error(f"{where}.PrivateIp", f"{nat.private_ip} is not an address of {eni.id} "
                                               f"({', '.join(eni.private_ip_addresses)})")

    @staticmethod
    def endpoint_dns_names(r: "Record", endpoint_id: str) -> list[str]:
        """The endpoint-specific names of DnsEntries (R49); the data's names are the ones answered."""
        names = [(e.opt_text("DnsName") or "").lower().rstrip(".") for e in r.children("DnsEntries")]
        return [n for n in names if n.startswith(endpoint_id)]

    def check_interface_endpoint(self, r: "Record") -> None:
        """Descriptive data of an interface endpoint as describe-vpc-endpoints shows it (R43, R45, R49)."""
        endpoint_id = r.text("VpcEndpointId")
        for i, entry in enumerate(r.children("DnsEntries")):
            name = entry.opt_text("DnsName") or ""
            if not name.startswith(endpoint_id):
                continue  # a private DNS name (R50)
            if not _ENDPOINT_DNS.match(name):
                self.warn(r, f"DnsEntries[{i}].DnsName: {name!r} is not of AWS's form "
                             f"vpce-<id>-<suffix>[-<zone>].<service>.vpce.amazonaws.com (R49); vpcemu's resolver "
                             f"answers the data's names as they are")
                break
        enis = [self.topology.get(e, m.NetworkInterface) for e in r.strings("NetworkInterfaceIds")]
        enis = [e for e in enis if e is not None]
        odd = [f"{e.id} ({e.interface_type})" for e in enis if e.interface_type != "vpc_endpoint"]
        if odd:
            self.warn(r, f"NetworkInterfaceIds: {', '.join(odd)}: AWS types an interface endpoint's interfaces "
                         f"vpc_endpoint (R43), so the data was not produced by AWS")
        groups = sorted(g.text("GroupId") for g in r.children("Groups"))
        differ = [f"{e.id} ({', '.join(e.groups) or 'none'})" for e in enis if sorted(e.groups) != groups]
        if differ:
            self.warn(r, f"Groups: {', '.join(groups) or 'none'}, but its interfaces carry other groups: "
                         f"{'; '.join(differ)}; AWS puts the endpoint's security groups (the VPC's default group when "
                         f"none was chosen) on its interfaces (R45), so the data was not produced by AWS; the "
                         f"interfaces' groups are applied")
