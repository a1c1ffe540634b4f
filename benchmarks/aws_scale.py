"""A large AWS JSON folder, as `aws ec2 describe-*` writes it (issue #14).

`aws_folder(path, vpcs, per_vpc)` writes Vpcs.json, Subnets.json, RouteTables.json, SecurityGroups.json,
NetworkAcls.json, InternetGateways.json, NetworkInterfaces.json and Reservations.json: `vpcs` VPCs, each
with `per_vpc` subnets, `per_vpc` route tables (the main one and one per subnet but the first) and
`per_vpc` security groups (the default one and groups referring to their neighbour), one instance per
VPC. 500 VPCs × 100 gives 50,000 route tables and 50,000 security groups, within AWS's per-VPC quotas.

`python benchmarks/aws_scale.py [VPCS [PER_VPC]]` writes the folder and times `emulator.load` on it,
then `vpcemu import` in a subprocess.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCOUNT, REGION = "111122223333", "eu-west-2"


def _cidr(v: int) -> str:
    return f"10.{v // 2}.{(v % 2) * 128}.0/17"


def _subnet_cidr(v: int, s: int) -> str:
    return f"10.{v // 2}.{(v % 2) * 128 + s}.0/24"


def aws_folder(path: Path, vpcs: int, per_vpc: int) -> None:
    """Writes the describe outputs of `vpcs` VPCs with `per_vpc` subnets, route tables and groups each."""
    if per_vpc > 128:
        raise ValueError("at most 128 /24 subnets fit in each VPC's /17")
    path.mkdir(parents=True, exist_ok=True)
    out: dict[str, list] = {k: [] for k in ("Vpcs", "Subnets", "RouteTables", "SecurityGroups", "NetworkAcls",
                                            "InternetGateways", "NetworkInterfaces", "Reservations")}
    anywhere = [{"CidrIp": "0.0.0.0/0"}]
    egress_all = {"IpProtocol": "-1", "IpRanges": anywhere, "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
    acl_entries = [{"RuleNumber": n, "Protocol": "-1", "RuleAction": a, "Egress": e, "CidrBlock": "0.0.0.0/0"}
                   for e in (True, False) for n, a in ((100, "allow"), (32767, "deny"))]
    for v in range(vpcs):
        vpc, igw, cidr = f"vpc-{v:08x}", f"igw-{v:08x}", _cidr(v)
        out["Vpcs"].append({"VpcId": vpc, "CidrBlock": cidr, "OwnerId": ACCOUNT, "IsDefault": False,
                            "State": "available", "Tags": [{"Key": "Name", "Value": f"vpc{v}"}],
                            "CidrBlockAssociationSet": [{"CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}]})
        out["InternetGateways"].append({"InternetGatewayId": igw, "OwnerId": ACCOUNT, "Tags": [],
                                        "Attachments": [{"VpcId": vpc, "State": "available"}]})
        subnets = [f"subnet-{v:06x}{s:02x}" for s in range(per_vpc)]
        for s, subnet in enumerate(subnets):
            out["Subnets"].append({"SubnetId": subnet, "VpcId": vpc, "CidrBlock": _subnet_cidr(v, s),
                                   "AvailabilityZone": f"{REGION}{'abc'[s % 3]}", "OwnerId": ACCOUNT,
                                   "State": "available", "Tags": []})
        local = {"DestinationCidrBlock": cidr, "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"}
        for t in range(per_vpc):
            associations = [{"Main": True, "AssociationState": {"State": "associated"}}] if t == 0 else \
                [{"Main": False, "SubnetId": subnets[t], "AssociationState": {"State": "associated"}}]
            routes = [dict(local)]
            if t:
                routes += [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active", "Origin": "CreateRoute"},
                           {"DestinationCidrBlock": f"100.64.{t}.0/24", "GatewayId": igw, "State": "active",
                            "Origin": "CreateRoute"}]
            out["RouteTables"].append({"RouteTableId": f"rtb-{v:06x}{t:02x}", "VpcId": vpc, "OwnerId": ACCOUNT,
                                       "Tags": [], "Associations": associations, "Routes": routes})
        for g in range(per_vpc):
            group = f"sg-{v:06x}{g:02x}"
            peer = f"sg-{v:06x}{(g - 1) % per_vpc:02x}"
            ingress = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}],
                        "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []},
                       {"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                        "UserIdGroupPairs": [{"GroupId": peer, "UserId": ACCOUNT}]}]
            out["SecurityGroups"].append({"GroupId": group, "GroupName": "default" if g == 0 else f"g{g}",
                                          "VpcId": vpc, "OwnerId": ACCOUNT, "Description": f"group {g}",
                                          "IpPermissions": ingress, "IpPermissionsEgress": [dict(egress_all)]})
        out["NetworkAcls"].append({"NetworkAclId": f"acl-{v:08x}", "VpcId": vpc, "IsDefault": True, "OwnerId": ACCOUNT,
                                   "Entries": acl_entries, "Tags": [],
                                   "Associations": [{"NetworkAclId": f"acl-{v:08x}", "SubnetId": s} for s in subnets]})
        ip = _subnet_cidr(v, per_vpc - 1).replace(".0/24", ".10")
        eni = {"NetworkInterfaceId": f"eni-{v:08x}", "SubnetId": subnets[-1], "VpcId": vpc,
               "AvailabilityZone": f"{REGION}{'abc'[(per_vpc - 1) % 3]}", "PrivateIpAddress": ip,
               "PrivateIpAddresses": [{"PrivateIpAddress": ip, "Primary": True}],
               "Groups": [{"GroupId": f"sg-{v:06x}{per_vpc - 1:02x}"}], "SourceDestCheck": True,
               "InterfaceType": "interface", "OwnerId": ACCOUNT, "Status": "in-use", "RequesterManaged": False,
               "Description": "", "TagSet": [],
               "Attachment": {"InstanceId": f"i-{v:08x}", "DeviceIndex": 0, "Status": "attached"}}
        out["NetworkInterfaces"].append(eni)
        out["Reservations"].append({"ReservationId": f"r-{v:08x}", "OwnerId": ACCOUNT, "Groups": [], "Instances": [
            {"InstanceId": f"i-{v:08x}", "State": {"Code": 16, "Name": "running"}, "VpcId": vpc,
             "SubnetId": subnets[-1], "PrivateIpAddress": ip, "Placement": {"AvailabilityZone": eni["AvailabilityZone"]},
             "Tags": [{"Key": "Name", "Value": f"host{v}"}], "NetworkInterfaces": [dict(eni)]}]})
    for key, items in out.items():
        (path / f"{key}.json").write_text(json.dumps({key: items}, indent=1))


# `vpcemu import FOLDER -o OUT` in a child process, printing its peak RSS in MiB.
IMPORT = ("import resource, sys; from emulator.cli import main; code = main(['import', sys.argv[1], '-o', sys.argv[2]]); "
          "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024); sys.exit(code)")


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    import emulator

    vpcs = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    per_vpc = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    with tempfile.TemporaryDirectory(prefix="vpcemu-aws-") as tmp:
        folder = Path(tmp) / "aws"
        aws_folder(folder, vpcs, per_vpc)
        started = time.perf_counter()
        emulator.load(folder)
        print(f"{vpcs * per_vpc} route tables and groups: emulator.load {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", IMPORT, str(folder), str(Path(tmp) / "out.yaml")],
                       check=True, cwd=root, stderr=subprocess.DEVNULL)
        print(f"vpcemu import {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
