"""Read a directory of verbatim `aws ec2 describe-*` JSON outputs into a Topology.

Layouts. The directory holds the JSON files itself, or holds `aws_configs/` (the layout of the
Batfish collector, ratulm/bf-aws-snapshot). Below that root:

* `X.json` — one account and region. The region is derived from the data (subnets', ENIs' and
  instances' Availability Zones minus the zone letter), not Batfish's us-west-2 default.
* `<region>/X.json` — the folder names the region.
* `accounts/<account>/<region>/X.json` — the folders name the account and the region.

Every folder that holds JSON is one collection (one account in one region); all of them together
form one network. A resource's account is its own `OwnerId` when the data gives one, else the
folder's account, else the most common `OwnerId` of its folder.

Recognition. A file holds one or more JSON documents exactly as `aws … --output json` prints them
(pages appended one after another are read as one output), and each is read by its shape, never by
the file's name: `_by_shape` says how the outputs that share a key or lack their id are told apart
(describe-prefix-lists / describe-managed-prefix-lists, describe-vpc-attribute, and the outputs
tied by an id in the file name, `TIED_BY_FILE_NAME`). The value of a known key must be a JSON
array. Keys that describe nothing vpcemu forwards on (`IGNORED_KEYS`) and empty arrays are
skipped silently; outputs vpcemu knows but does not model (`RECOGNISED_KEYS`: VPN, flow logs…)
earn one warning that counts them; files and keys it does not recognise, one warning naming
them. Transit gateways,
their attachments, route tables and the collector's TGW wrapper files are read by
aws_json_transit.py (its docstring says how). Load balancers, target groups, endpoint services,
their permissions and connections, and the endpoints that use them (GWLB endpoints, interface
endpoints to endpoint services) are read by aws_json_elb.py, with the collector's ELB wrapper files
and vpcemu's TargetGroupAttributes and AllowedPrincipals wrappers (its docstring says how). Data
that AWS never returns (moto's output, say) is reported by the checks in aws_json_checks.py.

State filters (as AWS and Batfish apply them). Instances count only when `running`, peering
connections only when `active`, NAT gateways and VPC endpoints only when `available`, internet
gateway attachments only when `available`/`attached`. The ENIs of a resource filtered out go
with it. A route that points at something filtered out keeps AWS's state if it is `blackhole`;
if AWS says `active`, the route is kept as `blackhole` (the trace then shows BLACKHOLE_ROUTE) and
a warning says why (R17). A route whose target cannot be followed because the data does not hold
that kind of resource at all (its describe output was not collected in that folder, or vpcemu
does not read it from JSON) is handled the same way, with a warning.
A route whose target is missing from data that was collected is left active: validate.py reports it.

Prefix lists. describe-prefix-lists gives the AWS-managed service lists with their `Cidrs`;
describe-managed-prefix-lists (read under vpcemu's key `ManagedPrefixLists`) gives AWS-managed and
customer lists without entries, as AWS returns it. Their entries come from either or both of:

* an `Entries` array inside a list object, in the shape of get-managed-prefix-list-entries'
  `Entries` (`[{"Cidr": …, "Description": …}]`);
* get-managed-prefix-list-entries output, `{"Entries": [...]}`, tied to its list by the `pl-` id in
  its file name (or by a `PrefixListId` beside `Entries`, as a collector's wrapper has it).

All entries given for one list are merged. An AWS-managed list given without entries (moto's
describe-prefix-lists omits `Cidrs`) is left to the shipped snapshot of AWS-managed lists, with a
warning. The data's lists win: the snapshot fills in only the lists and ranges the data lacks
(`ensure_managed_prefix_lists`, R30), and a warning names the lists of the data's regions it filled.

DNS attributes come from describe-vpc-attribute (or fields merged into a VPC); without them, a VPC
holding an interface endpoint with private DNS has both on, others take AWS's defaults (R133).

vpcemu models IPv4 only for now: IPv6 blocks, addresses, routes, rules and prefix lists are skipped
with one warning that counts them; an IPv6-only subnet is left out with what is in it.

Every user-causable problem (unreadable or malformed JSON, a value of the wrong type, a missing
required field) raises InputError naming the file, the resource and the field.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .. import model as m
from ..services.aws_public import ensure_managed_prefix_lists, managed_prefix_lists
from .aws_json_checks import DataChecks
from .aws_json_elb import CONNECTION_KEYS, PROVIDER_KEYS, ElbReading
from .aws_json_transit import TRANSIT_KEYS, TransitGatewayReading
from .documents import read_json_text
from .errors import InputError, shown

# Outputs of AWS describe calls that vpcemu knows but does not model: one warning counts them.
RECOGNISED_KEYS = frozenset({
    "EgressOnlyInternetGateways", "VpnGateways", "VpnConnections", "CustomerGateways", "CarrierGateways",
    "LocalGateways", "LocalGatewayRouteTables", "FlowLogs", "ClientVpnEndpoints", "TransitGatewayConnects",
    "TransitGatewayConnectPeers", "TransitGatewayMulticastDomains", "TransitGatewayPolicyTables",
    "TransitGatewayRouteTableAnnouncements", "SecurityGroupRules", "NetworkInsightsPaths", "NetworkInsightsAnalyses",
    "TrafficMirrorSessions", "TrafficMirrorTargets", "TrafficMirrorFilters", "Ipv6Pools", "PublicIpv4Pools",
    "IpamPools", "Ipams", "VerifiedAccessEndpoints", "CoipPools", "KeyPairs", "Images", "Volumes", "Snapshots",
    "LaunchTemplates", "SpotInstanceRequests", "Hosts", "DBInstances", "DBSubnetGroups", "Rules",
    "ResourceRecordSets", "HostedZones", "DirectConnectGateways", "VirtualInterfaces", "Connections"})
IGNORED_KEYS = frozenset({"AvailabilityZones", "DhcpOptions", "Regions", "InstanceStatuses", "PlacementGroups",
                          "ServiceNames", "Tags"})
RESPONSE_KEYS = frozenset({"NextToken", "ResponseMetadata"})  # paging and boto3 metadata, not data
ENTRIES_KEY, ENTRIES_LIST_ID = "Entries", "PrefixListId"
SCALAR_KEYS = frozenset({ENTRIES_LIST_ID, "TransitGatewayRouteTableId", "AdditionalRoutesAvailable"})  # beside the array of a wrapper or output
VPC_ATTRIBUTES = "VpcAttributes"  # describe-vpc-attribute outputs, gathered under one key of vpcemu's own
VPC_ATTRIBUTE_KEYS = ("EnableDnsSupport", "EnableDnsHostnames")
MANAGED_LIST_FIELDS = ("AddressFamily", "OwnerId", "MaxEntries", "State", "PrefixListArn", "Version")
# output key -> (the id it lacks, that id in a file name, the wrapper key vpcemu reads, the command)
TIED_BY_FILE_NAME = {
    ENTRIES_KEY: (ENTRIES_LIST_ID, re.compile(r"pl-[0-9a-f]{8,17}"), None, "get-managed-prefix-list-entries"),
    "TransitGatewayRouteTablePropagations": ("TransitGatewayRouteTableId", re.compile(r"tgw-rtb-[0-9a-f]{8,17}"),
                                             "TransitGatewayPropagations",
                                             "get-transit-gateway-route-table-propagations"),
    "Routes": ("TransitGatewayRouteTableId", re.compile(r"tgw-rtb-[0-9a-f]{8,17}"), "TransitGatewayStaticRoutes",
               "search-transit-gateway-routes"),
}
READ_KEYS = ("Vpcs", VPC_ATTRIBUTES, "Subnets", "PrefixLists", "ManagedPrefixLists", ENTRIES_KEY, "SecurityGroups", "NetworkAcls",
             "InternetGateways", "Reservations", "Instances", "NetworkInterfaces", "NatGateways", *PROVIDER_KEYS,
             "VpcEndpoints", *CONNECTION_KEYS, "Addresses", "VpcPeeringConnections", *TRANSIT_KEYS, "RouteTables")
BATFISH_DEFAULT_REGION = "us-west-2"
UNKNOWN_ACCOUNT = "unknown"

PROTOCOLS = {"-1": -1, "all": -1, "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
RUNNING = "running"
AVAILABLE = "available"
ATTACHED_STATES = ("available", "attached")
ACTIVE = "active"
BLACKHOLE = "blackhole"
IMPLICIT_NACL_RULE = 32767  # the final `*` deny, implicit in the model (R113)

# Which describe output holds each kind of route target (to tell "not collected" from "missing").
TARGET_SOURCES = {"igw": ("InternetGateways",), "nat": ("NatGateways",), "gateway-endpoint": ("VpcEndpoints",),
                  "eni": ("NetworkInterfaces", "Reservations", "Instances"), "instance": ("Reservations", "Instances"),
                  "pcx": ("VpcPeeringConnections",), "tgw": ("TransitGateways",)}
NOT_READ_TARGETS: dict[str, str] = {}  # target kinds whose describe output is not read (none now)
_ZONE_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)")
GATEWAY_ENDPOINT, INTERFACE_ENDPOINT = "Gateway", "Interface"  # VpcEndpointType values vpcemu models


def load_aws_directory(path: str | Path) -> m.Topology:
    """A Topology from a directory of describe-* JSON (see the module docstring for layouts)."""
    return AwsJsonLoader(Path(path)).load()


# --- reading files ---------------------------------------------------------------------------------


@dataclass
class Collection:
    """One folder of JSON files: one account in one region."""

    directory: Path
    region_hint: str | None
    account_hint: str | None
    records: dict[str, list["Record"]] = field(default_factory=dict)  # the keys vpcemu reads
    collected: set[str] = field(default_factory=set)  # every key present, even with an empty array
    unread: dict[str, int] = field(default_factory=dict)  # keys with data that vpcemu does not read -> items
    unrecognised: set[str] = field(default_factory=set)  # files holding no describe output vpcemu knows
    untied: list[tuple[str, str]] = field(default_factory=list)  # (file, key) of outputs no id could be tied to
    region: str = BATFISH_DEFAULT_REGION
    account: str = UNKNOWN_ACCOUNT


class Record:
    """One JSON object of a describe output, with typed access that reports mistakes as InputError."""

    def __init__(self, data: dict, file: str, collection: Collection, resource: str, prefix: str = ""):
        self.data = data
        self.file = file
        self.collection = collection
        self.resource = resource
        self.prefix = prefix

    def error(self, field: str | None, message: str) -> InputError:
        name = f"{self.prefix}{field}" if field else (self.prefix.rstrip(".") or None)
        return InputError(message, file=self.file, resource=self.resource, field=name)

    def _value(self, key: str, expected: tuple[type, ...], what: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(key, "required field is missing")
            return None
        if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
            raise self.error(key, f"expected {what}, got {_json_type(value)}")
        return value

    def text(self, key: str) -> str:
        return self._value(key, (str,), "a string", True)

    def opt_text(self, key: str) -> str | None:
        return self._value(key, (str,), "a string", False)

    def flag(self, key: str, default: bool | None) -> bool | None:
        """A boolean, or describe-vpc-attribute's `{"Value": bool}` shape."""
        value = self.data.get(key)
        if isinstance(value, dict):
            return self.child(key).flag("Value", default)
        found = self._value(key, (bool,), "true or false", False)
        return default if found is None else found

    def number(self, key: str, required: bool = False) -> int | None:
        return self._value(key, (int,), "a whole number", required)

    def child(self, key: str) -> "Record | None":
        value = self._value(key, (dict,), "an object", False)
        return None if value is None else Record(value, self.file, self.collection, self.resource,
                                                 f"{self.prefix}{key}.")

    def children(self, key: str) -> list["Record"]:
        values = self._value(key, (list,), "a JSON array", False) or []
        out = []
        for i, value in enumerate(values):
            if not isinstance(value, dict):
                raise self.error(f"{key}[{i}]", f"expected an object, got {_json_type(value)}")
            out.append(Record(value, self.file, self.collection, self.resource, f"{self.prefix}{key}[{i}]."))
        return out

    def strings(self, key: str) -> list[str]:
        values = self._value(key, (list,), "a JSON array", False) or []
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise self.error(f"{key}[{i}]", f"expected a string, got {_json_type(value)}")
        return list(values)

    def name_tag(self) -> str | None:
        """The `Name` tag (`Tags`, or `TagSet` for network interfaces)."""
        for key in ("Tags", "TagSet"):
            for tag in self.children(key):
                if tag.opt_text("Key") == "Name":
                    return tag.opt_text("Value")
        return None

    def owner(self, key: str = "OwnerId") -> str:
        return self.opt_text(key) or self.collection.account


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a JSON array", str: "a string", bool: "true or false",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _configs_root(path: Path) -> Path:
    if not path.exists():
        raise InputError("no such file or directory", file=str(path))
    if not path.is_dir():
        raise InputError("not a directory of AWS JSON files", file=str(path))
    configs = path / "aws_configs"
    return configs if configs.is_dir() else path


def _collections(root: Path) -> list[Collection]:
    """Group the JSON files under `root` by folder; the folder's depth says what it names."""
    by_folder: dict[Path, list[Path]] = {}
    for file in sorted(root.rglob("*.json")):
        relative = file.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not file.is_file():
            continue
        by_folder.setdefault(file.parent, []).append(file)
    if not by_folder:
        raise InputError("no AWS JSON files (*.json) found", file=str(root))
    out = []
    for folder, files in by_folder.items():
        parts = folder.relative_to(root).parts
        region = parts[-1] if parts else None
        account = parts[-2] if len(parts) >= 2 else None
        collection = Collection(folder, region, account)
        for file in files:
            _read_file(file, collection)
        out.append(collection)
    return out


def _read_file(file: Path, collection: Collection) -> None:
    """Every JSON document in `file` (one, or several concatenated pages), each read by its shape."""
    name = str(file)
    for document in _documents(file):
        if not isinstance(document, dict):
            raise InputError(f"expected a JSON object as `aws ... --output json` prints it (such as "
                             f"{{\"Vpcs\": [...]}}), got {_json_type(document)}", file=name)
        shaped = _by_shape(document, file, collection)
        if not shaped:
            collection.unrecognised.add(name)
        for key, value in shaped.items():
            collection.collected.add(key)
            if key not in READ_KEYS:
                if value and key not in IGNORED_KEYS:
                    collection.unread[key] = collection.unread.get(key, 0) + len(value)
                continue
            records = collection.records.setdefault(key, [])
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    raise InputError(f"expected an object, got {_json_type(item)}", file=name, field=f"{key}[{i}]")
                records.append(Record(item, name, collection, f"{key}[{i}]"))


def _documents(file: Path) -> list[Any]:
    """The JSON documents of a file: one, or pages of one command saved one after another."""
    name = str(file)
    try:
        text = read_json_text(file)  # a regular file, bounded in size, UTF-8: else one InputError
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read: {error.__class__.__name__}", file=name) from None
    decoder, documents, at = json.JSONDecoder(), [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            break
        try:
            document, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as error:
            raise InputError(f"malformed JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                             file=name) from None
        except RecursionError:
            raise InputError("malformed JSON: nested too deeply", file=name) from None
        except ValueError as error:  # a number of more digits than Python converts
            raise InputError(f"malformed JSON: {error}", file=name) from None
        documents.append(document)
    if not documents:
        raise InputError("empty file: expected the JSON that `aws ... --output json` prints", file=name)
    return documents


def _by_shape(document: dict, file: Path, collection: Collection) -> dict[str, list]:
    """The arrays of one describe output under the keys vpcemu reads them by.

    Most outputs are `{"Key": [...]}` and keep their key. Some are told apart by their shape:
    describe-prefix-lists and describe-managed-prefix-lists both print `PrefixLists` (an item of the
    second has `AddressFamily`, `OwnerId`, `State`…, one of the first has `Cidrs`); describe-vpc-attribute
    prints one object (`{"VpcId": …, "EnableDnsSupport": {"Value": …}}`); describe-listeners prints
    `Listeners`, each naming its load balancer. A few outputs do not repeat the id they were asked
    for, which is on the command line and, as people save them, in the file name (`TIED_BY_FILE_NAME`):
    get-managed-prefix-list-entries (`pl-…`), get-transit-gateway-route-table-propagations and
    search-transit-gateway-routes (`tgw-rtb-…`).
    """
    name = str(file)
    if isinstance(document.get("VpcId"), str) and any(k in document for k in VPC_ATTRIBUTE_KEYS):
        return {VPC_ATTRIBUTES: [document]}
    if not any(k in KNOWN_KEYS for k in document):
        return {}  # no describe output vpcemu knows: the file is named in one warning
    out: dict[str, list] = {}
    for key, value in document.items():
        if key in RESPONSE_KEYS or (key in SCALAR_KEYS and not isinstance(value, (dict, list))):
            continue
        if key not in KNOWN_KEYS and not isinstance(value, list):
            continue  # a field of something else beside a known output: not vpcemu's to judge
        if not isinstance(value, list):
            raise InputError(f"expected a JSON array, got {_json_type(value)}", file=name, field=key)
        if key in TIED_BY_FILE_NAME:
            key, value = _tie_by_file_name(key, document, value, file, collection)
        elif key == "Listeners":
            key, value = "LoadBalancerListeners", _grouped(value, "LoadBalancerArn", "Listeners")
        elif key == "PrefixLists":
            managed = [item for item in value if isinstance(item, dict) and _is_managed_list(item)]
            if managed:
                out.setdefault("ManagedPrefixLists", []).extend(managed)
                value = [item for item in value if not (isinstance(item, dict) and _is_managed_list(item))]
                if not value:
                    continue
        out.setdefault(key, []).extend(value)
    return out


KNOWN_KEYS = frozenset({*READ_KEYS, *IGNORED_KEYS, *RECOGNISED_KEYS, *TIED_BY_FILE_NAME, "Listeners"})


def _is_managed_list(item: dict) -> bool:
    return "Cidrs" not in item and any(k in item for k in MANAGED_LIST_FIELDS)


def _grouped(items: list, id_key: str, items_key: str) -> list:
    """Items that each name their parent, as the collector's wrappers: one per parent."""
    groups: dict[Any, list] = {}
    for item in items:
        groups.setdefault(item.get(id_key) if isinstance(item, dict) else None, []).append(item)
    return [{id_key: parent, items_key: members} for parent, members in groups.items()]


def _tie_by_file_name(key: str, document: dict, items: list, file: Path,
                      collection: Collection) -> tuple[str, list]:
    """An output that lacks the id it was asked for gains it from the document (a collector's wrapper)
    or from the one id of that kind in its file name; without one it is left out with a warning."""
    id_key, pattern, wrapper, _ = TIED_BY_FILE_NAME[key]
    parent = document.get(id_key)
    if parent is not None and not isinstance(parent, str):
        raise InputError(f"expected a string, got {_json_type(parent)}", file=str(file), field=id_key)
    if parent is None:
        found = sorted(set(pattern.findall(file.name)))
        if len(found) != 1:
            collection.untied.append((str(file), key))
            return key, []
        parent = found[0]
    if wrapper is None:  # each item carries the id itself
        return key, [dict(item, **{id_key: parent}) if isinstance(item, dict) else item for item in items]
    return wrapper, [{id_key: parent, key: items}]


def _is_ipv6(cidr: str) -> bool:
    return ":" in cidr


def _zone_region(zone: str | None) -> str | None:
    match = _ZONE_REGION.match(zone or "")
    return match.group(1) if match else None


# --- building the topology -------------------------------------------------------------------------


class AwsJsonLoader(TransitGatewayReading, ElbReading, DataChecks):
    """Builds one Topology from every collection under a directory."""

    def __init__(self, path: Path):
        self.path = path
        self.topology = m.Topology(source=str(path))
        self.collections: list[Collection] = []
        self.filtered: dict[str, str] = {}  # resource id -> why it was left out ("stopped", "deleted"…)
        self.endpoint_types: dict[str, str] = {}  # every vpce- id in the data -> its VpcEndpointType
        self.ipv6: Counter[str] = Counter()
        self.prefix_entries: dict[str, list[tuple[str, Record]]] = {}
        self.instance_interfaces: list[tuple[m.Instance, Record]] = []  # (instance, its ENI as it lists it)
        self.dns_attributes: dict[str, set[str]] = {}  # VPC id -> the DNS attributes the data gives
        self.ipv6_lists: set[str] = set()  # prefix lists of family IPv6, skipped with what refers to them

    def load(self) -> m.Topology:
        self.collections = _collections(_configs_root(self.path))
        for collection in self.collections:
            self.place(collection)
        readers = {"Vpcs": self.read_vpc, VPC_ATTRIBUTES: self.read_vpc_attributes, "Subnets": self.read_subnet, "PrefixLists": self.read_prefix_list_checked,
                   "ManagedPrefixLists": self.read_managed_prefix_list_checked,
                   ENTRIES_KEY: self.read_prefix_list_entry_checked,
                   "SecurityGroups": self.read_security_group, "NetworkAcls": self.read_network_acl_checked,
                   "InternetGateways": self.read_internet_gateway, "Reservations": self.read_reservation,
                   "Instances": self.read_instance, "NetworkInterfaces": self.read_network_interface,
                   "NatGateways": self.read_nat_gateway_checked, "VpcEndpoints": self.read_vpc_endpoint,
                   "ServiceDetails": self.read_service_detail, "TargetGroups": self.read_target_group,
                   "LoadBalancerTargetHealth": self.read_target_health, "TargetGroupAttributes": self.read_elb_attributes,
                   "LoadBalancers": self.read_load_balancer, "LoadBalancerListeners": self.read_listeners,
                   "LoadBalancerAttributes": self.read_elb_attributes,
                   "ServiceConfigurations": self.read_service_configuration,
                   "AllowedPrincipals": self.read_allowed_principals,
                   "VpcEndpointConnections": self.read_endpoint_connection,
                   "Addresses": self.read_address, "VpcPeeringConnections": self.read_peering,
                   "TransitGateways": self.read_transit_gateway, "TransitGatewayRouteTables": self.read_tgw_route_table,
                   "TransitGatewayVpcAttachments": self.read_tgw_vpc_attachment,
                   "TransitGatewayPeeringAttachments": self.read_tgw_peering_attachment,
                   "TransitGatewayAttachments": self.read_tgw_attachment,
                   "TransitGatewayPrefixListReferences": self.read_tgw_prefix_list_reference,
                   "TransitGatewayPropagations": self.read_tgw_propagations,
                   "TransitGatewayStaticRoutes": self.read_tgw_static_routes,
                   "RouteTables": self.read_route_table}
        for key in READ_KEYS:
            for record in self.records(key):
                readers[key](record)
            if key == ENTRIES_KEY:
                self.finish_prefix_lists()
            if key == "NetworkInterfaces":
                self.attach_instance_interfaces()
        self.infer_dns_attributes()
        self.summarise_warnings()
        regions = {c.region for c in self.collections}
        filled = [name for name in ensure_managed_prefix_lists(self.topology) if name.split(".")[2] in regions]
        if filled:  # other regions' lists are background (R36): AWS address space the data never describes
            self.topology.warnings.append(
                f"{self.path}: the data lacks {len(filled)} AWS-managed prefix list(s) that vpcemu's snapshot holds; "
                f"the snapshot fills them in, without the ranges the data's own lists hold (R30): {', '.join(filled)}")
        return self.topology

    def records(self, key: str) -> Iterator[Record]:
        for collection in self.collections:
            yield from collection.records.get(key, [])

    def add(self, resource: m.Resource, record: Record) -> None:
        self.topology.add(resource)
        self.topology.origins[resource.id] = record.file

    def warn(self, record: Record, message: str) -> None:
        self.topology.warnings.append(f"{record.file}: {record.resource}: {message}")

    # --- where each collection sits: region and account ------------------------------------------

    def place(self, c: Collection) -> None:
        zones = [r.opt_text("AvailabilityZone") for r in c.records.get("Subnets", [])]
        zones += [r.opt_text("AvailabilityZone") for r in c.records.get("NetworkInterfaces", [])]
        instances = [i for r in c.records.get("Reservations", []) for i in r.children("Instances")]
        for instance in instances + c.records.get("Instances", []):
            placement = instance.child("Placement")
            zones.append(placement.opt_text("AvailabilityZone") if placement else None)
        regions = Counter(r for r in map(_zone_region, zones) if r)
        where = str(c.directory)  # a folder whose name is no region (say `snapshot1/`) is read like a flat one
        if c.region_hint and _zone_region(c.region_hint) == c.region_hint:
            c.region = c.region_hint
            others = sorted(set(regions) - {c.region_hint})
            if others:
                self.topology.warnings.append(f"{where}: the folder names region {c.region_hint}, but the data's "
                                              f"Availability Zones are in {', '.join(others)}; using {c.region_hint}")
        elif regions:
            c.region = regions.most_common(1)[0][0]
            if len(regions) > 1:
                self.topology.warnings.append(f"{where}: Availability Zones of several regions "
                                              f"({', '.join(sorted(regions))}) in one folder; using {c.region}")
        else:
            self.topology.warnings.append(f"{where}: no Availability Zone in the data to tell the region; "
                                          f"using Batfish's default {BATFISH_DEFAULT_REGION}")
        owners = Counter(r.data["OwnerId"] for records in c.records.values() for r in records
                         if isinstance(r.data.get("OwnerId"), str))
        if c.account_hint:
            c.account = c.account_hint
            others = sorted(set(owners) - {c.account_hint})
            if others:
                self.topology.warnings.append(f"{where}: the folder names account {c.account_hint}, but the data's "
                                              f"OwnerId fields say {', '.join(others)}; each resource keeps its "
                                              f"own OwnerId")
        elif owners:
            c.account = owners.most_common(1)[0][0]

    # --- VPCs, subnets, prefix lists ---------------------------------------------------------------

    def read_vpc(self, r: Record) -> None:
        r.resource = vpc_id = r.text("VpcId")
        primary = r.opt_text("CidrBlock")
        blocks: list[str] = []
        for association in r.children("CidrBlockAssociationSet"):
            state = association.child("CidrBlockState")
            if state is not None and state.opt_text("State") not in (None, "associated"):
                continue  # disassociated (or not yet associated) blocks route nothing
            blocks.append(association.text("CidrBlock"))
        if primary and primary in blocks:
            blocks.remove(primary)
        if primary:
            blocks.insert(0, primary)  # R131: the primary CIDR first
        if not blocks:
            raise r.error("CidrBlock", "a VPC needs an IPv4 CIDR block")
        self.ipv6["VPC IPv6 CIDR blocks"] += len(r.children("Ipv6CidrBlockAssociationSet"))
        is_default = r.flag("IsDefault", False)
        given = self.dns_attributes.setdefault(vpc_id, set())
        given.update(k for k in VPC_ATTRIBUTE_KEYS if r.data.get(k) is not None)
        self.add(m.Vpc(vpc_id, blocks, r.collection.region, r.owner(), name=r.name_tag(), is_default=is_default,
                       enable_dns_support=r.flag("EnableDnsSupport", True),
                       enable_dns_hostnames=r.flag("EnableDnsHostnames", is_default)), r)  # R133 defaults

    def read_vpc_attributes(self, r: Record) -> None:
        """describe-vpc-attribute: one of a VPC's DNS attributes, `{"Value": true|false}` (R133)."""
        r.resource = vpc_id = r.text("VpcId")
        vpc = self.topology.get(vpc_id, m.Vpc)
        if vpc is None:
            if vpc_id not in self.filtered:
                self.warn(r, f"attributes of {vpc_id}, which no describe-vpcs output of the data holds; ignored")
            return
        for key, attribute in (("EnableDnsSupport", "enable_dns_support"), ("EnableDnsHostnames", "enable_dns_hostnames")):
            value = r.flag(key, None)
            if value is not None:
                setattr(vpc, attribute, value)
                self.dns_attributes.setdefault(vpc_id, set()).add(key)

    def infer_dns_attributes(self) -> None:
        """VPCs whose DNS attributes the data lacks: infer from evidence, else AWS's defaults (R133, R50)."""
        private_dns = {e.vpc_id for e in self.topology.all(m.InterfaceEndpoint) if e.private_dns_enabled}
        inferred, defaulted = [], []
        for vpc in self.topology.all(m.Vpc):
            if set(VPC_ATTRIBUTE_KEYS) <= self.dns_attributes.get(vpc.vpc_id, set()):
                continue
            if vpc.vpc_id in private_dns:  # AWS accepts private DNS on an endpoint only with both attributes on
                vpc.enable_dns_support = vpc.enable_dns_hostnames = True
                inferred.append(vpc.vpc_id)
            else:
                defaulted.append(vpc.vpc_id)
        if not inferred and not defaulted:
            return
        said = []
        if inferred:
            said.append(f"{', '.join(inferred)} hold an interface endpoint with private DNS, which AWS allows only "
                        f"with both on, so both are taken as on")
        if defaulted:
            said.append(f"{', '.join(defaulted)} take AWS's defaults (DNS support on; DNS hostnames on only in a "
                        f"default VPC)")
        self.topology.warnings.append(
            f"{self.path}: no describe-vpc-attribute output for the DNS attributes of {len(inferred) + len(defaulted)} "
            f"VPC(s) (R133): {'; '.join(said)}. To be exact, save `aws ec2 describe-vpc-attribute --vpc-id VPC "
            f"--attribute enableDnsSupport` and `… --attribute enableDnsHostnames` beside the other files")

    def vpc_owner(self, vpc_id: str, r: Record) -> str:
        vpc = self.topology.get(vpc_id, m.Vpc)
        return r.opt_text("OwnerId") or (vpc.owner_id if vpc else r.collection.account)

    def region_of(self, vpc_id: str | None, r: Record) -> str:
        vpc = self.topology.get(vpc_id or "", m.Vpc)
        return vpc.region if vpc else r.collection.region

    def read_subnet(self, r: Record) -> None:
        r.resource = subnet_id = r.text("SubnetId")
        vpc_id = r.text("VpcId")
        self.ipv6["subnet IPv6 CIDR blocks"] += len(r.children("Ipv6CidrBlockAssociationSet"))
        if r.opt_text("CidrBlock") is None and (r.flag("Ipv6Native", False) or r.children("Ipv6CidrBlockAssociationSet")):
            self.ipv6["IPv6-only subnets (with what is in them)"] += 1
            self.filtered[subnet_id] = "an IPv6-only subnet"
            return
        self.add(m.Subnet(subnet_id, vpc_id, r.text("CidrBlock"), r.text("AvailabilityZone"),
                          self.region_of(vpc_id, r), self.vpc_owner(vpc_id, r), name=r.name_tag(),
                          availability_zone_id=r.opt_text("AvailabilityZoneId")), r)

    def read_aws_prefix_list(self, r: Record) -> None:
        """describe-prefix-lists: AWS-managed service lists with their Cidrs."""
        r.resource = pl_id = r.text("PrefixListId")
        name = r.text("PrefixListName")
        cidrs = r.strings("Cidrs")
        ipv4 = [c for c in cidrs if not _is_ipv6(c)]
        if cidrs and not ipv4:
            self.skip_ipv6_list(pl_id)
            return
        self.ipv6["IPv6 prefix-list entries"] += len(cidrs) - len(ipv4)
        region = _zone_region(name.split(".", 2)[-1]) or r.collection.region
        existing = self.topology.get(pl_id, m.PrefixList)
        if existing is None:
            self.add(m.PrefixList(pl_id, name, [], region, "AWS", name=name), r)
        for cidr in ipv4:
            self.add_prefix_entry(pl_id, cidr, r)

    def read_managed_prefix_list(self, r: Record) -> None:
        """describe-managed-prefix-lists, optionally with get-managed-prefix-list-entries' Entries inside."""
        r.resource = pl_id = r.text("PrefixListId")
        if (r.opt_text("AddressFamily") or "IPv4") != "IPv4":
            self.skip_ipv6_list(pl_id)
            return
        state = r.opt_text("State") or ""
        if state.startswith("delete"):
            self.filtered[pl_id] = state
            return
        name = r.text("PrefixListName")
        owner = r.owner()
        if self.topology.get(pl_id, m.PrefixList) is None:
            region = _zone_region(name.split(".", 2)[-1]) if owner == "AWS" else None
            self.add(m.PrefixList(pl_id, name, [], region or r.collection.region, owner,
                                  max_entries=r.number("MaxEntries"), name=r.name_tag() or name), r)
        for entry in r.children(ENTRIES_KEY):
            self.add_prefix_entry(pl_id, entry.text("Cidr"), entry)

    def read_prefix_list_entry(self, r: Record) -> None:
        """One entry of a separate get-managed-prefix-list-entries file (its PrefixListId added on read)."""
        pl_id = r.text(ENTRIES_LIST_ID)
        r.resource = pl_id
        self.add_prefix_entry(pl_id, r.text("Cidr"), r)

    def add_prefix_entry(self, pl_id: str, cidr: str, r: Record) -> None:
        if pl_id in self.ipv6_lists:
            return  # counted with its list
        if _is_ipv6(cidr):
            self.ipv6["IPv6 prefix-list entries"] += 1
            return
        from ..dataplane.fib import parse_cidr  # checked here: the managed-list snapshot is merged before validate

        try:
            parse_cidr(cidr)
        except ValueError:
            raise r.error("Cidr", f"invalid IPv4 CIDR {shown(cidr)}") from None
        self.prefix_entries.setdefault(pl_id, []).append((cidr, r))

    def skip_ipv6_list(self, pl_id: str) -> None:
        """A list of family IPv6; describe-prefix-lists may have listed it already, without Cidrs (moto)."""
        if pl_id not in self.ipv6_lists:
            self.ipv6_lists.add(pl_id)
            self.ipv6["IPv6 prefix lists"] += 1
            if self.topology.get(pl_id, m.PrefixList) is not None:
                self.topology.remove(pl_id)
                self.topology.origins.pop(pl_id, None)
            self.prefix_entries.pop(pl_id, None)

    def finish_prefix_lists(self) -> None:
        for pl_id, entries in self.prefix_entries.items():
            pl = self.topology.get(pl_id, m.PrefixList)
            if pl is None:
                if pl_id in self.filtered:
                    continue
                raise entries[0][1].error(None, f"entries for {pl_id}, but neither PrefixLists nor "
                                                f"ManagedPrefixLists describes that list")
            for cidr, _ in entries:
                if cidr not in pl.cidrs:
                    pl.cidrs.append(cidr)
        shipped = managed_prefix_lists()
        for pl in self.topology.all(m.PrefixList):
            if pl.cidrs:
                continue
            origin = self.topology.origin(pl.id)
            known = next((s for s in shipped if pl.aws_managed and pl.prefix_list_name == s.prefix_list_name), None)
            if known is not None:
                pl.cidrs = list(known.cidrs)
                self.topology.warnings.append(f"{origin}: {pl.label}: the data gives no entries; those of vpcemu's "
                                              f"snapshot of AWS-managed lists are used (R30)")
            else:
                self.topology.warnings.append(f"{origin}: {pl.label}: no entries were given "
                                              f"(get-managed-prefix-list-entries); routes and rules using it match "
                                              f"nothing")

    # --- security groups and network ACLs ----------------------------------------------------------

    def read_security_group(self, r: Record) -> None:
        r.resource = group_id = r.text("GroupId")
        vpc_id = r.text("VpcId")
        group = m.SecurityGroup(group_id, r.text("GroupName"), vpc_id, self.region_of(vpc_id, r),
                                self.vpc_owner(vpc_id, r), name=r.name_tag())
        group.ingress = [rule for p in r.children("IpPermissions") for rule in self.permission(p)]
        group.egress = [rule for p in r.children("IpPermissionsEgress") for rule in self.permission(p)]
        self.add(group, r)

    def permission(self, p: Record) -> list[m.SecurityGroupRule]:
        """One IpPermission: one rule per peer (R108). ICMP keeps type in FromPort and code in ToPort."""
        proto = self.protocol(p, "IpProtocol")
        lo = hi = None
        if proto in (6, 17, 1):
            lo, hi = p.number("FromPort"), p.number("ToPort")
            if proto != 1 and (lo == -1 or hi == -1):
                lo = hi = None
        self.ipv6["security group IPv6 ranges"] += len(p.children("Ipv6Ranges"))
        rules = []
        for peer in p.children("IpRanges"):
            rules.append(m.SecurityGroupRule(proto, lo, hi, cidr_ipv4=peer.text("CidrIp"),
                                             description=peer.opt_text("Description") or ""))
        for peer in p.children("PrefixListIds"):
            if peer.text("PrefixListId") in self.ipv6_lists:
                self.ipv6["security group rules to IPv6 prefix lists"] += 1
                continue
            rules.append(m.SecurityGroupRule(proto, lo, hi, prefix_list_id=peer.text("PrefixListId"),
                                             description=peer.opt_text("Description") or ""))
        for peer in p.children("UserIdGroupPairs"):
            rules.append(m.SecurityGroupRule(proto, lo, hi, referenced_group_id=peer.text("GroupId"),
                                             description=peer.opt_text("Description") or ""))
        return rules

    @staticmethod
    def protocol(r: Record, key: str) -> int:
        """IpProtocol / Protocol: a name, a number (as AWS's string or an integer) or -1 for all."""
        value = r.data.get(key)
        if value is None:
            raise r.error(key, "required field is missing")
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.lower() in PROTOCOLS:
            return PROTOCOLS[value.lower()]
        elif isinstance(value, str) and value.lstrip("-").isdigit():
            number = int(value)
        else:
            raise r.error(key, f"expected a protocol name, number or -1, got {value!r}")
        if not -1 <= number <= 255:
            raise r.error(key, f"protocol number {number} is outside 0-255")
        return number

    def read_network_acl(self, r: Record) -> None:
        r.resource = acl_id = r.text("NetworkAclId")
        vpc_id = r.text("VpcId")
        acl = m.NetworkAcl(acl_id, vpc_id, self.region_of(vpc_id, r), self.vpc_owner(vpc_id, r),
                           is_default=r.flag("IsDefault", False), name=r.name_tag())
        for entry in r.children("Entries"):
            number = entry.number("RuleNumber", required=True)
            if number == IMPLICIT_NACL_RULE:
                continue  # the final * deny is implicit in the model (R113)
            cidr = entry.opt_text("CidrBlock")
            if cidr is None:
                if entry.opt_text("Ipv6CidrBlock"):
                    self.ipv6["network ACL IPv6 entries"] += 1
                    continue
                raise entry.error("CidrBlock", "required field is missing")
            action = entry.text("RuleAction").lower()
            if action not in ("allow", "deny"):
                raise entry.error("RuleAction", f"expected allow or deny, got {action!r}")
            egress = entry.flag("Egress", None)
            if egress is None:
                raise entry.error("Egress", "required field is missing")
            out = m.NetworkAclEntry(number, self.protocol(entry, "Protocol"), action, egress, cidr)
            ports = entry.child("PortRange")
            if ports is not None and out.protocol in (6, 17):
                out.port_from, out.port_to = ports.number("From"), ports.number("To")
            icmp = entry.child("IcmpTypeCode")
            if icmp is not None and out.protocol == 1:
                out.icmp_type, out.icmp_code = icmp.number("Type"), icmp.number("Code")
            acl.entries.append(out)
        acl.subnet_ids = [a.text("SubnetId") for a in r.children("Associations")
                          if a.opt_text("SubnetId") and a.text("SubnetId") not in self.filtered]
        self.add(acl, r)

    # --- gateways ---------------------------------------------------------------------------------

    def read_internet_gateway(self, r: Record) -> None:
        r.resource = igw_id = r.text("InternetGatewayId")
        attached = [a.text("VpcId") for a in r.children("Attachments")
                    if (a.opt_text("State") or "available") in ATTACHED_STATES]
        if not attached:
            states = [a.opt_text("State") or "?" for a in r.children("Attachments")]
            self.filtered[igw_id] = f"not attached ({', '.join(states)})" if states else "not attached"
        vpc_id = attached[0] if attached else None
        self.add(m.InternetGateway(igw_id, vpc_id, self.region_of(vpc_id, r), r.owner(), name=r.name_tag()), r)

    def read_nat_gateway(self, r: Record) -> None:
        r.resource = nat_id = r.text("NatGatewayId")
        state = r.text("State")
        addresses = r.children("NatGatewayAddresses")
        if state != AVAILABLE:
            self.filtered[nat_id] = state
            for address in addresses:
                eni_id = address.opt_text("NetworkInterfaceId")
                if eni_id:
                    self.drop_interface(eni_id, f"the interface of {nat_id}, which is {state}")
            return
        if not addresses:
            raise r.error("NatGatewayAddresses", "an available NAT gateway has at least one address")
        primary = next((a for a in addresses if a.flag("IsPrimary", False)), addresses[0])
        if len(addresses) > 1:
            self.warn(r, f"{nat_id} has {len(addresses)} addresses; vpcemu translates to the primary one only")
        subnet_id, vpc_id = r.text("SubnetId"), r.text("VpcId")
        eni_id, private = primary.text("NetworkInterfaceId"), primary.text("PrivateIp")
        public = primary.opt_text("PublicIp")
        connectivity = r.opt_text("ConnectivityType") or "public"
        if connectivity == "public" and not public:
            self.warn(r, f"{nat_id} is a public NAT gateway without a public IP: its traffic cannot leave "
                         f"through an internet gateway (R122)")
        region, owner = self.region_of(vpc_id, r), self.vpc_owner(vpc_id, r)
        self.add(m.NatGateway(nat_id, subnet_id, vpc_id, eni_id, private, region, owner, public_ip=public,
                              connectivity_type=connectivity, state=state, name=r.name_tag()), r)
        eni = self.topology.get(eni_id, m.NetworkInterface)
        if eni is None and "NetworkInterfaces" not in r.collection.collected:
            # The NAT gateway's own description is enough to build its requester-managed ENI (R118).
            self.add(m.NetworkInterface(eni_id, subnet_id, vpc_id, [private], region, owner,
                                        association_public_ip=public, source_dest_check=False,
                                        interface_type="nat_gateway", requester_managed=True,
                                        description=f"Interface for NAT Gateway {nat_id}"), r)
        elif eni is not None and eni.association_public_ip is None and public:
            eni.association_public_ip = public

    def read_endpoint(self, r: Record) -> None:
        r.resource = endpoint_id = r.text("VpcEndpointId")
        kind = r.text("VpcEndpointType")
        self.endpoint_types[endpoint_id] = kind
        state = r.text("State")
        if state.lower() != AVAILABLE:
            self.filtered[endpoint_id] = state
            for eni_id in r.strings("NetworkInterfaceIds"):
                self.drop_interface(eni_id, f"an interface of {endpoint_id}, which is {state}")
            return
        vpc_id = r.text("VpcId")
        common = dict(region=self.region_of(vpc_id, r), owner_id=self.vpc_owner(vpc_id, r), name=r.name_tag())
        if kind == GATEWAY_ENDPOINT:
            self.add(m.GatewayEndpoint(endpoint_id, vpc_id, r.text("ServiceName"),
                                       route_table_ids=r.strings("RouteTableIds"), state=AVAILABLE, **common), r)
        elif kind == INTERFACE_ENDPOINT:
            enis = r.strings("NetworkInterfaceIds")
            missing = [e for e in enis if self.topology.get(e, m.NetworkInterface) is None]
            if missing and "NetworkInterfaces" not in r.collection.collected:
                self.warn(r, f"{endpoint_id}: its network interfaces ({', '.join(missing)}) are not in the data "
                             f"(no NetworkInterfaces output was collected); it is left without them")
                enis = [e for e in enis if e not in missing]
            groups = [g.text("GroupId") for g in r.children("Groups")]
            self.add(m.InterfaceEndpoint(endpoint_id, vpc_id, r.text("ServiceName"), subnet_ids=r.strings("SubnetIds"),
                                         network_interface_ids=enis, groups=groups,
                                         private_dns_enabled=r.flag("PrivateDnsEnabled", True), state=AVAILABLE,
                                         dns_names=self.endpoint_dns_names(r, endpoint_id), **common), r)
        else:
            self.warn(r, f"{endpoint_id} is a {kind} endpoint, which vpcemu does not understand yet; it is ignored")

    # --- instances and network interfaces ---------------------------------------------------------

    def read_reservation(self, r: Record) -> None:
        r.resource = r.opt_text("ReservationId") or r.resource
        for instance in r.children("Instances"):
            self.read_instance(instance, reservation_owner=r.opt_text("OwnerId"))

    def read_instance(self, r: Record, reservation_owner: str | None = None) -> None:
        r.resource = instance_id = r.text("InstanceId")
        state_record = r.child("State")
        if state_record is None:
            raise r.error("State", "required field is missing")
        state = state_record.text("Name")
        interfaces = sorted(r.children("NetworkInterfaces"), key=lambda n: self.device_index(n))
        if state == RUNNING and r.opt_text("SubnetId") in self.filtered:
            state = f"in {self.filtered[r.text('SubnetId')]}"  # left out with it (IPv6-only)
        if state != RUNNING:
            self.filtered[instance_id] = state
            for eni in interfaces:
                self.drop_interface(eni.text("NetworkInterfaceId"), f"attached to {instance_id}, which is {state}")
            return
        if not interfaces:
            raise r.error("NetworkInterfaces", "a running instance in a VPC has at least one network interface")
        metadata = r.child("MetadataOptions")
        http_endpoint = (metadata.opt_text("HttpEndpoint") if metadata else None) or "enabled"
        if http_endpoint not in ("enabled", "disabled"):
            raise metadata.error("HttpEndpoint", f"expected enabled or disabled, got {http_endpoint!r}")
        instance = m.Instance(instance_id, [n.text("NetworkInterfaceId") for n in interfaces],
                              self.region_of(r.opt_text("VpcId"), r), reservation_owner or r.collection.account,
                              state=state, name=r.name_tag(), metadata_http_endpoint=http_endpoint)
        self.add(instance, r)
        self.instance_interfaces.extend((instance, n) for n in interfaces)

    @staticmethod
    def device_index(eni: Record) -> int:
        attachment = eni.child("Attachment")
        index = attachment.number("DeviceIndex") if attachment else None
        return index if index is not None else 0

    def drop_interface(self, eni_id: str, why: str) -> None:
        self.filtered.setdefault(eni_id, why)
        if self.topology.get(eni_id, m.NetworkInterface) is not None:
            self.topology.remove(eni_id)
            self.topology.origins.pop(eni_id, None)

    def read_network_interface(self, r: Record, instance_id: str | None = None) -> None:
        r.resource = eni_id = r.text("NetworkInterfaceId")
        if eni_id in self.filtered:
            return
        attachment = r.child("Attachment")
        if instance_id is None and attachment is not None:
            attached_to = attachment.opt_text("InstanceId")
            if attached_to in self.filtered:
                self.filtered[eni_id] = f"attached to {attached_to}, which is {self.filtered[attached_to]}"
                return
            if attachment.opt_text("Status") in ("attached", "attaching", None):
                instance_id = attached_to
        addresses: list[str] = []
        secondary_public: list[tuple[str, Record]] = []
        for item in r.children("PrivateIpAddresses"):
            address = item.text("PrivateIpAddress")
            primary = item.flag("Primary", False)
            addresses.insert(0, address) if primary else addresses.append(address)
            association = item.child("Association")
            if association is not None and not primary and association.opt_text("PublicIp"):
                secondary_public.append((address, association))
        primary_address = r.opt_text("PrivateIpAddress")
        if primary_address and primary_address not in addresses:
            addresses.insert(0, primary_address)
        elif primary_address:
            addresses.remove(primary_address)
            addresses.insert(0, primary_address)
        subnet_id, vpc_id = r.text("SubnetId"), r.text("VpcId")
        if subnet_id in self.filtered or (not addresses and r.children("Ipv6Addresses")):
            self.filtered[eni_id] = "IPv6-only"  # counted with its subnet, or here when its subnet is dual-stack
            if subnet_id not in self.filtered:
                self.ipv6["IPv6-only network interfaces"] += 1
            return
        if not addresses:
            raise r.error("PrivateIpAddress", "required field is missing")
        self.ipv6["network interface IPv6 addresses"] += len(r.children("Ipv6Addresses"))
        association = r.child("Association")
        source_dest_check = r.flag("SourceDestCheck", True)
        eni = m.NetworkInterface(
            eni_id, subnet_id, vpc_id, addresses, self.region_of(vpc_id, r), self.vpc_owner(vpc_id, r),
            groups=[g.text("GroupId") for g in r.children("Groups")],
            association_public_ip=association.opt_text("PublicIp") if association else None,
            source_dest_check=source_dest_check, interface_type=r.opt_text("InterfaceType") or "interface",
            attachment_instance_id=instance_id, requester_managed=r.flag("RequesterManaged", False),
            description=r.opt_text("Description") or "", name=r.name_tag())
        self.add(eni, r)
        for address, public in secondary_public:
            allocation = public.opt_text("AllocationId")
            if allocation is None:
                self.warn(r, f"{eni_id}: public IP {public.opt_text('PublicIp')} of secondary address {address} has "
                             f"no AllocationId; vpcemu maps only Elastic IPs to secondary addresses")
                continue
            if self.topology.get(allocation, m.ElasticIp) is None:
                self.add(m.ElasticIp(allocation, public.text("PublicIp"), eni.region, eni.owner_id,
                                     network_interface_id=eni_id, private_ip_address=address), r)

    def attach_instance_interfaces(self) -> None:
        """Instances list their ENIs too: link them, and build the ones NetworkInterfaces lacks."""
        for instance, record in self.instance_interfaces:
            eni_id = record.text("NetworkInterfaceId")
            eni = self.topology.get(eni_id, m.NetworkInterface)
            if eni is None:
                if eni_id in self.filtered:
                    continue
                self.read_network_interface(record, instance.instance_id)
                eni = self.topology.get(eni_id, m.NetworkInterface)
            eni.attachment_instance_id = instance.instance_id

    def read_address(self, r: Record) -> None:
        """describe-addresses: Elastic IPs and the private address each one maps to (R120)."""
        public = r.text("PublicIp")
        r.resource = allocation = r.opt_text("AllocationId")
        if allocation is None:
            raise r.error("AllocationId", "required field is missing (EC2-Classic addresses are not modelled)")
        if self.topology.get(allocation, m.ElasticIp) is not None:
            return
        eni_id = r.opt_text("NetworkInterfaceId")
        eni = self.topology.get(eni_id or "", m.NetworkInterface)
        owner = r.opt_text("NetworkInterfaceOwnerId") or (eni.owner_id if eni else r.collection.account)
        self.add(m.ElasticIp(allocation, public, eni.region if eni else r.collection.region, owner,
                             network_interface_id=eni_id, private_ip_address=r.opt_text("PrivateIpAddress"),
                             name=r.name_tag()), r)

    # --- peering connections ----------------------------------------------------------------------

    def read_peering(self, r: Record) -> None:
        """Active peerings only (R77); a peering listed by both accounts is kept once, the requester's copy."""
        r.resource = pcx_id = r.text("VpcPeeringConnectionId")
        status = r.child("Status")
        code = status.text("Code") if status else None
        if code != ACTIVE:
            if self.topology.get(pcx_id, m.VpcPeeringConnection) is None:
                self.filtered.setdefault(pcx_id, code or "without a status")
            return
        requester, accepter = r.child("RequesterVpcInfo"), r.child("AccepterVpcInfo")
        if requester is None or accepter is None:
            raise r.error("RequesterVpcInfo" if requester is None else "AccepterVpcInfo", "required field is missing")
        self.filtered.pop(pcx_id, None)
        requester_owner = requester.opt_text("OwnerId")
        if self.topology.get(pcx_id, m.VpcPeeringConnection) is not None and not self.holds(r.collection,
                                                                                            requester_owner):
            return  # the accepter's copy of a peering already read
        for side in (requester, accepter):
            vpc_id = side.text("VpcId")
            if self.topology.get(vpc_id, m.Vpc) is None and not self.was_collected(side):
                self.warn(r, f"{pcx_id}: {vpc_id} (account {side.opt_text('OwnerId') or '?'}, region "
                             f"{side.opt_text('Region') or '?'}) was not collected; the peering is ignored")
                self.filtered[pcx_id] = "joined to a VPC outside the data"
                return
        region = requester.opt_text("Region") or self.region_of(requester.text("VpcId"), r)
        self.add(m.VpcPeeringConnection(pcx_id, requester.text("VpcId"), accepter.text("VpcId"), region,
                                        requester_owner or r.collection.account, status=ACTIVE, name=r.name_tag()), r)

    def was_collected(self, side: Record) -> bool:
        """Whether the account and region of one side of a peering are among the folders read."""
        owner, region = side.opt_text("OwnerId"), side.opt_text("Region")
        return any(self.holds(c, owner) and (region is None or region == c.region) and "Vpcs" in c.collected
                   for c in self.collections)

    @staticmethod
    def holds(c: Collection, owner: str | None) -> bool:
        """Whether `c` was collected in account `owner` (by its folder or by its VPCs' OwnerId)."""
        if owner is None or owner == c.account:
            return True
        return any(r.data.get("OwnerId") == owner for r in c.records.get("Vpcs", []))

    # --- route tables -----------------------------------------------------------------------------

    def read_route_table(self, r: Record) -> None:
        r.resource = table_id = r.text("RouteTableId")
        vpc_id = r.text("VpcId")
        table = m.RouteTable(table_id, vpc_id, self.region_of(vpc_id, r), self.vpc_owner(vpc_id, r),
                             name=r.name_tag())
        for association in r.children("Associations"):
            state = association.child("AssociationState")
            if state is not None and state.opt_text("State") not in (None, "associated"):
                continue
            if association.flag("Main", False):
                table.main = True
            if association.opt_text("SubnetId") and association.text("SubnetId") not in self.filtered:
                table.subnet_ids.append(association.text("SubnetId"))
            if association.opt_text("GatewayId"):
                table.gateway_ids.append(association.text("GatewayId"))
        for route_record in r.children("Routes"):
            route = self.route(route_record, table)
            if route is not None:
                table.routes.append(route)
        self.add(table, r)

    def route(self, r: Record, table: m.RouteTable) -> m.Route | None:
        route = m.Route(destination_cidr_block=r.opt_text("DestinationCidrBlock"),
                        destination_prefix_list_id=r.opt_text("DestinationPrefixListId"),
                        state=r.opt_text("State") or ACTIVE, origin=r.opt_text("Origin") or m.routing.ORIGIN_STATIC)
        if route.destination_prefix_list_id in self.ipv6_lists:
            self.ipv6["routes to IPv6 prefix lists"] += 1
            return None
        if route.destination_cidr_block is None and route.destination_prefix_list_id is None:
            if r.opt_text("DestinationIpv6CidrBlock"):
                self.ipv6["IPv6 routes"] += 1
                return None
            raise r.error("DestinationCidrBlock", "a route needs DestinationCidrBlock or DestinationPrefixListId")
        if route.state not in (ACTIVE, BLACKHOLE):
            raise r.error("State", f"expected active or blackhole, got {route.state!r}")
        gateway = r.opt_text("GatewayId")
        if gateway and gateway.startswith("vpce-") and self.endpoint_types.get(gateway) not in (None, GATEWAY_ENDPOINT):
            route.vpc_endpoint_id = gateway  # AWS reports a GWLB endpoint target in GatewayId (R18)
        else:
            route.gateway_id = gateway
        route.nat_gateway_id = r.opt_text("NatGatewayId")
        route.network_interface_id = r.opt_text("NetworkInterfaceId")
        route.instance_id = r.opt_text("InstanceId")
        route.vpc_peering_connection_id = r.opt_text("VpcPeeringConnectionId")
        route.transit_gateway_id = r.opt_text("TransitGatewayId")
        route.vpc_endpoint_id = route.vpc_endpoint_id or r.opt_text("VpcEndpointId")
        other = next((r.opt_text(k) for k in ("EgressOnlyInternetGatewayId", "CarrierGatewayId", "LocalGatewayId",
                                              "CoreNetworkArn") if r.opt_text(k)), None)
        if route.target_id is None and other:
            route.gateway_id = other
            return self.unfollowable(route, r, table, f"vpcemu does not model target {other}")
        if route.target_id is None:
            raise r.error("GatewayId", f"route {route.destination} has no target")
        if route.state == ACTIVE:
            return self.check_target(route, r, table)
        return route

    def check_target(self, route: m.Route, r: Record, table: m.RouteTable) -> m.Route:
        """An active route whose target was filtered out or cannot be read becomes blackhole (R17)."""
        target = route.target_id
        kind = route.target_kind
        if target in self.filtered:
            return self.unfollowable(route, r, table, f"{target} is {self.filtered[target]}")
        if kind in NOT_READ_TARGETS:
            return self.unfollowable(route, r, table, NOT_READ_TARGETS[kind])
        igw = self.topology.get(target or "", m.InternetGateway) if kind == "igw" else None
        if igw is not None and igw.vpc_id not in (None, table.vpc_id):
            return self.unfollowable(route, r, table, f"{target} is attached to {igw.vpc_id}, not {table.vpc_id}")
        sources = TARGET_SOURCES.get(kind)
        present = self.topology.get(target or "") is not None
        if sources and not present and not any(s in r.collection.collected for s in sources):
            return self.unfollowable(route, r, table,
                                     f"no {' or '.join(sources)} output was collected, so {target} cannot be followed")
        return route

    def unfollowable(self, route: m.Route, r: Record, table: m.RouteTable, why: str) -> m.Route:
        was = route.state
        route.state = BLACKHOLE
        if was == ACTIVE:
            self.warn(r, f"route {route.destination} -> {route.target_id} is active in the data, but {why}; it is "
                         f"kept as blackhole (R17)")
        return route

    # --- warnings that cover the whole load -------------------------------------------------------

    def summarise_warnings(self) -> None:
        unread: Counter[str] = Counter()
        unknown: dict[str, list[str]] = {}
        for c in self.collections:
            for key, count in c.unread.items():
                if key in RECOGNISED_KEYS:
                    unread[key] += count
                else:
                    unknown.setdefault(key, []).append(str(c.directory))
        if unread:
            counts = ", ".join(f"{n} {key}" for key, n in sorted(unread.items()))
            self.topology.warnings.append(f"{self.path}: recognised but not modelled by vpcemu, so ignored: {counts}")
        unrecognised = sorted({f for c in self.collections for f in c.unrecognised})
        if unknown or unrecognised:
            keys = "; ".join(f"{key} (in {', '.join(sorted(set(where)))})" for key, where in sorted(unknown.items()))
            files = f"files with no describe output in them: {', '.join(unrecognised)}" if unrecognised else ""
            self.topology.warnings.append(f"{self.path}: not recognised as AWS describe output, so ignored: "
                                          f"{'; '.join(p for p in (keys, files) if p)}")
        for c in self.collections:
            for file, key in c.untied:
                id_key, _, _, command = TIED_BY_FILE_NAME[key]
                self.topology.warnings.append(
                    f"{file}: {key}: {command} output does not say which {id_key} it is for; name the file after it "
                    f"(for example {id_key.replace('Id', '').lower()}-….json holding the id) — its data is ignored")
        if self.ipv6:
            counts = ", ".join(f"{n} {what}" for what, n in sorted(self.ipv6.items()) if n)
            if counts:
                self.topology.warnings.append(f"{self.path}: vpcemu models IPv4 only (R2); skipped {counts}")
