"""`vpcemu collect`: save what a live AWS account's network looks like, for vpcemu to load.

    vpcemu collect -o DIR [--regions R1,R2] [--profile P] [--role-arn ARN]... [--include-caller]
                   [--endpoint-url URL]

It makes only read-only describe/get/search calls through boto3 (an optional extra:
`pip install 'vpcemu[collect]'`) and writes each answer as `aws … --output json` prints it: the
response without `ResponseMetadata` and paging tokens, every page's items concatenated into one
document (as the CLI does), datetimes as ISO 8601 text, indented by four. `vpcemu trace DIR …` (or
`emulator.load(DIR)`) then reads the folder.

Layout: `DIR/accounts/<account>/<region>/<command>.json`, one folder per account and region, e.g.
`describe-vpcs.json`, `describe-vpc-attribute-<vpc-id>-enableDnsSupport.json`,
`get-managed-prefix-list-entries-<pl-id>.json`, `get-transit-gateway-prefix-list-references-<tgw-rtb-id>.json`.
Outputs that do not name the resource they were asked about are written as the wrapper files the
importer reads, one element per resource with its id added, named by their key:
`TransitGatewayStaticRoutes.json` (search-transit-gateway-routes, static routes),
`TransitGatewayPropagations.json`, `AllowedPrincipals.json` (describe-vpc-endpoint-service-permissions),
`LoadBalancerListeners.json`, `LoadBalancerAttributes.json`, `LoadBalancerTargetHealth.json` and
`TargetGroupAttributes.json` (elbv2). `CALLS` and `collect_region` list every call.

Accounts: without `--role-arn`, the caller's own account. With `--role-arn` (repeatable), each
role is assumed from the caller's credentials (sts assume-role) and only the roles' accounts are
collected — the caller is then often a tooling account with no network of its own — unless
`--include-caller` adds it. Two sources that lead to the same account are refused.

Regions: `--regions` (comma-separated), or every region the account has enabled. Both come from
ec2 describe-regions, asked in the profile's region (us-east-1 when none is set): a region it does
not list, or one the account has not opted in to, is refused.

Credentials come only from boto3's usual sources (environment, `--profile`, the roles) and are
never printed or written. `--endpoint-url` sends every call to another endpoint (moto, LocalStack);
a call such an emulator does not implement (it answers with a server error or with no parsable
response) then writes no file and earns one warning, as an output that was not collected. Against
AWS itself every failure is fatal.

All or nothing: the snapshot is built in a hidden folder beside DIR (mode 0700: it describes
an account's network) and renamed to DIR only when every call has succeeded; on any failure the
folder is removed and DIR is left as it was. A DIR that exists and is not empty is refused.
Errors a user can cause (unknown profile, no credentials, a refused role, a region that does not
exist, an endpoint that cannot be reached, access denied on a call) are one line naming the call,
account and region (InputError), exit 2. Calls have bounded timeouts and retries (CONFIG), so an
unreachable endpoint fails within about a minute rather than hanging.
"""
from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .inputs.errors import InputError

INSTALL_HINT = "boto3 is not installed; install the collect extra: pip install 'vpcemu[collect]'"
DEFAULT_HOME_REGION = "us-east-1"
SESSION_NAME = "vpcemu-collect"
PAGING_KEYS = frozenset({"ResponseMetadata", "NextToken", "Marker", "NextMarker"})
# Connect/read timeouts in seconds and a bounded number of attempts: never hang on a dead endpoint.
CONFIG = {"connect_timeout": 5, "read_timeout": 20, "retries": {"max_attempts": 3, "mode": "standard"},
          "user_agent_extra": "vpcemu-collect"}
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
                    "Forbidden"})
BAD_CREDENTIALS = frozenset({"AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken",
                             "ExpiredTokenException", "RequestExpired", "InvalidAccessKeyId",
                             "UnrecognizedClientException"})
NOT_ENABLED = frozenset({"OptInRequired"})
NOT_IMPLEMENTED = frozenset({"InvalidAction", "NotImplemented", "UnsupportedOperation"})
GONE_STATES = frozenset({"deleting", "deleted", "delete-in-progress", "delete-complete"})  # not to be asked about
DNS_ATTRIBUTES = (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames"))

# Region-wide calls, each written to `<command>.json` as the CLI prints it.
CALLS = (
    ("ec2", "describe_vpcs"),
    ("ec2", "describe_subnets"),
    ("ec2", "describe_route_tables"),
    ("ec2", "describe_internet_gateways"),
    ("ec2", "describe_egress_only_internet_gateways"),
    ("ec2", "describe_nat_gateways"),
    ("ec2", "describe_network_interfaces"),
    ("ec2", "describe_instances"),
    ("ec2", "describe_security_groups"),
    ("ec2", "describe_network_acls"),
    ("ec2", "describe_vpc_endpoints"),
    ("ec2", "describe_prefix_lists"),
    ("ec2", "describe_managed_prefix_lists"),
    ("ec2", "describe_addresses"),
    ("ec2", "describe_vpc_peering_connections"),
    ("ec2", "describe_transit_gateways"),
    ("ec2", "describe_transit_gateway_attachments"),
    ("ec2", "describe_transit_gateway_vpc_attachments"),
    ("ec2", "describe_transit_gateway_peering_attachments"),
    ("ec2", "describe_transit_gateway_route_tables"),
    ("ec2", "describe_vpc_endpoint_service_configurations"),
    ("ec2", "describe_vpc_endpoint_connections"),
    ("elbv2", "describe_load_balancers"),
    ("elbv2", "describe_target_groups"),
)


def command(method: str) -> str:
    """The CLI's name of a boto3 method: describe_vpcs -> describe-vpcs."""
    return method.replace("_", "-")


@dataclass
class Source:
    """One account to collect: a boto3 session and how it was obtained (for messages)."""

    session: Any
    label: str
    account: str = ""


@dataclass
class Collector:
    """Calls for one account in one region, with the errors turned into one-line InputErrors."""

    session: Any
    account: str
    region: str
    endpoint_url: str | None
    warn: Callable[[str], None]
    unsupported: set[tuple[str, str]] = field(default_factory=set)  # shared across regions and accounts
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str):
        if service not in self._clients:
            from botocore.config import Config

            self._clients[service] = self.session.client(service, region_name=self.region,
                                                         endpoint_url=self.endpoint_url, config=Config(**CONFIG))
        return self._clients[service]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def call(self, service: str, method: str, gone_ok: bool = False, **kwargs) -> dict | None:
        """The whole answer (every page), as the CLI prints it; None when skipped (see module doc)."""
        if (service, method) in self.unsupported:
            return None
        client = self.client(service)
        try:
            if client.can_paginate(method):
                response = client.get_paginator(method).paginate(**kwargs).build_full_result()
            else:
                response = getattr(client, method)(**kwargs)
        except Exception as error:  # noqa: BLE001  every botocore failure becomes one line (or a skip)
            return self._failed(service, method, kwargs, error, gone_ok)
        return {k: as_printed(v) for k, v in response.items() if k not in PAGING_KEYS}

    def _failed(self, service: str, method: str, kwargs: dict, error: Exception, gone_ok: bool) -> None:
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.parsers import ResponseParserError

        where = f"{service} {command(method)}{_about(kwargs)}"
        if isinstance(error, ClientError):
            details = error.response.get("Error", {})
            code, message = details.get("Code", "?"), _one_line(details.get("Message", ""))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if gone_ok and code.endswith(("NotFound", "NotFoundException")):
                self.warn(f"{self.at()}: {where}: deleted while collecting ({code}), left out")
                return None
            if self.endpoint_url and (code in NOT_IMPLEMENTED or status >= 500):
                return self._skip(service, method, where, code)
            if code in DENIED:
                raise self._error(where, f"access denied ({code}): {message}")
            if code in BAD_CREDENTIALS:
                raise self._error(where, f"the credentials were refused ({code}): {message}")
            if code in NOT_ENABLED:
                raise self._error(where, f"the region is not enabled for this account ({code})")
            raise self._error(where, f"{code}: {message}")
        if isinstance(error, ResponseParserError) and self.endpoint_url:
            return self._skip(service, method, where, "no parsable response")
        if isinstance(error, BotoCoreError):
            raise self._error(where, _one_line(str(error)))
        raise error

    def _skip(self, service: str, method: str, where: str, why: str) -> None:
        self.unsupported.add((service, method))
        self.warn(f"{where}: the endpoint does not implement it ({why}); not collected")
        return None

    def at(self) -> str:
        if self.account.isdigit():
            return f"account {self.account} region {self.region}"
        return f"{self.account} in {self.region}"  # before the account is known: "the caller", "role …"

    def _error(self, where: str, message: str) -> InputError:
        return InputError(message, resource=self.at(), field=where)


def collect(output: str | Path, *, regions: Iterable[str] | None = None, profile: str | None = None,
            role_arns: Iterable[str] = (), include_caller: bool = False, endpoint_url: str | None = None,
            progress: Callable[[str], None] | None = None, warn: Callable[[str], None] | None = None) -> Path:
    """Collect every account and region into a new folder `output` (see the module docstring);
    returns its path. Raises InputError, leaving nothing behind, on any failure."""
    try:
        import boto3  # noqa: F401  only to say how to install it
    except ImportError:
        raise InputError(INSTALL_HINT, field="collect") from None
    out = Path(os.path.abspath(output))
    _check_output(out)
    requested = _region_list(regions)
    role_arns = list(role_arns)
    progress = progress or (lambda line: None)
    warn = warn or (lambda line: None)
    base = _session(profile)
    home = base.region_name or DEFAULT_HOME_REGION
    sources = _sources(base, home, role_arns, include_caller, endpoint_url)
    unsupported: set[tuple[str, str]] = set()
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.collect-", dir=out.parent))
    except OSError as error:
        raise InputError(f"cannot create a folder beside it: {error.strerror}", file=str(out)) from None
    try:
        for source in sources:
            names = _regions(source, home, requested, endpoint_url, warn, unsupported)
            for region in names:
                folder = tmp / "accounts" / source.account / region
                folder.mkdir(parents=True)
                collector = Collector(source.session, source.account, region, endpoint_url, warn, unsupported)
                try:
                    count = collect_region(collector, folder)
                finally:
                    collector.close()
                progress(f"account {source.account} region {region}: {count} files")
        if out.exists():
            out.rmdir()  # checked empty above; os.replace cannot replace a directory on every system
        os.replace(tmp, out)
    except OSError as error:  # a full disk, or DIR filled by someone else meanwhile: nothing is kept
        raise InputError(f"cannot write the snapshot: {error.strerror or error}", file=str(out)) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def collect_region(c: Collector, folder: Path) -> int:
    """Every call for one account and region into `folder`; returns the number of files written."""
    written = 0

    def write(name: str, document: dict | None) -> None:
        nonlocal written
        if document is not None:
            _write(folder / f"{name}.json", document)
            written += 1

    data: dict[str, dict] = {}  # method -> answer; {} when the endpoint does not implement it
    for service, method in CALLS:
        data[method] = c.call(service, method) or {}
        write(command(method), data[method] or None)

    for vpc_id in _ids(data["describe_vpcs"], "Vpcs", "VpcId"):
        for attribute, _key in DNS_ATTRIBUTES:
            write(f"describe-vpc-attribute-{vpc_id}-{attribute}",
                  c.call("ec2", "describe_vpc_attribute", gone_ok=True, VpcId=vpc_id, Attribute=attribute))

    for pl_id in _ids(data["describe_managed_prefix_lists"], "PrefixLists", "PrefixListId"):
        write(f"get-managed-prefix-list-entries-{pl_id}",
              c.call("ec2", "get_managed_prefix_list_entries", gone_ok=True, PrefixListId=pl_id))

    tables = _ids(data["describe_transit_gateway_route_tables"], "TransitGatewayRouteTables",
                  "TransitGatewayRouteTableId")
    static, propagations = [], []
    for table_id in tables:
        routes = c.call("ec2", "search_transit_gateway_routes", gone_ok=True, TransitGatewayRouteTableId=table_id,
                        Filters=[{"Name": "type", "Values": ["static"]}])
        if routes is not None:
            if routes.get("AdditionalRoutesAvailable"):
                c.warn(f"{c.at()}: ec2 search-transit-gateway-routes {table_id}: AWS returned only part of the "
                       f"static routes (AdditionalRoutesAvailable)")
            static.append({"TransitGatewayRouteTableId": table_id, **routes})
        found = c.call("ec2", "get_transit_gateway_route_table_propagations", gone_ok=True,
                       TransitGatewayRouteTableId=table_id)
        if found is not None:
            propagations.append({"TransitGatewayRouteTableId": table_id, **found})
        write(f"get-transit-gateway-prefix-list-references-{table_id}",
              c.call("ec2", "get_transit_gateway_prefix_list_references", gone_ok=True,
                     TransitGatewayRouteTableId=table_id))
    if data["describe_transit_gateway_route_tables"]:  # each wrapper is written when its listing was collected
        write("TransitGatewayStaticRoutes", {"TransitGatewayStaticRoutes": static})
        write("TransitGatewayPropagations", {"TransitGatewayPropagations": propagations})

    if data["describe_vpc_endpoint_service_configurations"]:
        principals = []
        for service_id in _ids(data["describe_vpc_endpoint_service_configurations"], "ServiceConfigurations",
                               "ServiceId"):
            found = c.call("ec2", "describe_vpc_endpoint_service_permissions", gone_ok=True, ServiceId=service_id)
            if found is not None:
                principals.append({"ServiceId": service_id, "AllowedPrincipals": found.get("AllowedPrincipals", [])})
        write("AllowedPrincipals", {"AllowedPrincipals": principals})

    if data["describe_load_balancers"]:
        listeners, attributes = [], []
        for arn in _ids(data["describe_load_balancers"], "LoadBalancers", "LoadBalancerArn"):
            found = c.call("elbv2", "describe_listeners", gone_ok=True, LoadBalancerArn=arn)
            if found is not None:
                listeners.append({"LoadBalancerArn": arn, "Listeners": found.get("Listeners", [])})
            found = c.call("elbv2", "describe_load_balancer_attributes", gone_ok=True, LoadBalancerArn=arn)
            if found is not None:
                attributes.append({"LoadBalancerArn": arn, "Attributes": found.get("Attributes", [])})
        write("LoadBalancerListeners", {"LoadBalancerListeners": listeners})
        write("LoadBalancerAttributes", {"LoadBalancerAttributes": attributes})
    if data["describe_target_groups"]:
        health, group_attributes = [], []
        for arn in _ids(data["describe_target_groups"], "TargetGroups", "TargetGroupArn"):
            found = c.call("elbv2", "describe_target_health", gone_ok=True, TargetGroupArn=arn)
            if found is not None:
                health.append({"TargetGroupArn": arn,
                               "TargetHealthDescriptions": found.get("TargetHealthDescriptions", [])})
            found = c.call("elbv2", "describe_target_group_attributes", gone_ok=True, TargetGroupArn=arn)
            if found is not None:
                group_attributes.append({"TargetGroupArn": arn, "Attributes": found.get("Attributes", [])})
        write("LoadBalancerTargetHealth", {"LoadBalancerTargetHealth": health})
        write("TargetGroupAttributes", {"TargetGroupAttributes": group_attributes})
    return written


# --- accounts and regions -------------------------------------------------------------------------


def _session(profile: str | None):
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.Session(profile_name=profile)
    except BotoCoreError as error:  # ProfileNotFound, a broken config file
        raise InputError(_one_line(str(error)), field="--profile") from None


def _sources(base, home: str, role_arns: list[str], include_caller: bool, endpoint_url: str | None) -> list[Source]:
    """The accounts to collect, each with its account id, in the order given (caller first)."""
    import boto3

    sources = []
    caller = Collector(base, "the caller", home, endpoint_url, lambda line: None)
    if include_caller or not role_arns:
        sources.append(Source(base, "the caller"))
    for arn in role_arns:
        try:
            answer = caller.call("sts", "assume_role", RoleArn=arn, RoleSessionName=SESSION_NAME)
        finally:
            caller.close()
        credentials = (answer or {}).get("Credentials")
        if not credentials:
            raise InputError("the endpoint gave no credentials", field=f"sts assume-role {arn}")
        session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                                aws_secret_access_key=credentials["SecretAccessKey"],
                                aws_session_token=credentials["SessionToken"], region_name=home)
        sources.append(Source(session, f"role {arn}"))
    seen: dict[str, str] = {}
    for source in sources:
        asking = Collector(source.session, source.label, home, endpoint_url, lambda line: None)
        try:
            identity = asking.call("sts", "get_caller_identity") or {}
        finally:
            asking.close()
        source.account = str(identity.get("Account", ""))
        if not source.account.isdigit():
            raise InputError("sts get-caller-identity named no account", field=source.label)
        if source.account in seen:
            raise InputError(f"{seen[source.account]} and {source.label} are the same account {source.account}; "
                             f"give each account once", field="--role-arn")
        seen[source.account] = source.label
    return sources


def _region_list(regions: Iterable[str] | str | None) -> list[str] | None:
    if regions is None:
        return None
    if isinstance(regions, str):
        regions = regions.split(",")
    names = list(dict.fromkeys(r.strip() for r in regions if r.strip()))
    if not names:
        raise InputError("no region given", field="--regions")
    return names


def _regions(source: Source, home: str, requested: list[str] | None, endpoint_url: str | None,
             warn: Callable[[str], None], unsupported: set) -> list[str]:
    """The regions to collect for one account: the requested ones, each checked, or every enabled one."""
    collector = Collector(source.session, source.account, home, endpoint_url, warn, unsupported)
    try:
        answer = collector.call("ec2", "describe_regions", AllRegions=True) or {}
    finally:
        collector.close()
    status = {r["RegionName"]: r.get("OptInStatus", "opt-in-not-required") for r in answer.get("Regions", [])}
    if requested is None:
        return sorted(name for name, state in status.items() if state != "not-opted-in")
    for name in requested:
        if name not in status:
            raise InputError(f"no such region (ec2 describe-regions in {home} does not list it)",
                             resource=f"account {source.account}", field=f"--regions {name}")
        if status[name] == "not-opted-in":
            raise InputError("the account has not enabled this region", resource=f"account {source.account}",
                             field=f"--regions {name}")
    return requested


# --- output ---------------------------------------------------------------------------------------


def _check_output(out: Path) -> None:
    """DIR must be new (or an empty folder) in a folder that exists: nothing of the user's is overwritten."""
    if out.exists() or out.is_symlink():
        if not out.is_dir() or out.is_symlink():
            raise InputError("exists and is not a folder; give a new folder", file=str(out))
        if any(out.iterdir()):
            raise InputError("exists and is not empty; give a new or empty folder", file=str(out))
    if not out.parent.is_dir():
        raise InputError("no such folder to create the snapshot in", file=str(out.parent))
    if not os.access(out.parent, os.W_OK):
        raise InputError("cannot write in this folder", file=str(out.parent))


def _write(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")


def as_printed(value: Any) -> Any:
    """JSON-ready: datetimes as ISO 8601 text, as the AWS CLI prints them."""
    if isinstance(value, dict):
        return {k: as_printed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_printed(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def _ids(document: dict, key: str, id_key: str) -> list[str]:
    """The ids of the items of one output that per-resource calls can still ask about."""
    return [item[id_key] for item in document.get(key, [])
            if id_key in item and str(item.get("State", item.get("ServiceState", ""))).lower() not in GONE_STATES]


def _about(kwargs: dict) -> str:
    """The resource a per-resource call asked about, for its error line."""
    shown = [str(v) for k, v in kwargs.items() if k.endswith(("Id", "Arn")) or k == "Attribute"]
    return (" " + " ".join(shown)) if shown else ""


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 300 else text[:297] + "..."


# --- the command line -----------------------------------------------------------------------------


def add_parser(verbs) -> None:
    """`vpcemu collect` (registered in emulator/cli.py)."""
    p = verbs.add_parser("collect", help="save a live AWS account's network as describe-* JSON (needs boto3)",
                         description="Save every account and region as `aws ec2 describe-*` prints it, into a "
                                     "new folder that `vpcemu trace` reads. Read-only calls only.")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="a new (or empty) folder: DIR/accounts/<account>/<region>/*.json")
    p.add_argument("--regions", metavar="R1,R2", help="comma-separated regions (default: every enabled region)")
    p.add_argument("--profile", metavar="P", help="an AWS CLI profile (default: boto3's usual credential sources)")
    p.add_argument("--role-arn", dest="role_arns", action="append", default=[], metavar="ARN",
                   help="assume this role and collect its account (repeatable; the caller's own account is "
                        "then left out unless --include-caller)")
    p.add_argument("--include-caller", action="store_true",
                   help="with --role-arn, also collect the caller's own account")
    p.add_argument("--endpoint-url", metavar="URL", help="send every call to this endpoint (an emulator such as moto)")


def run(args) -> int:
    """The verb: collect, with one progress line per region and the warnings on stderr."""
    import sys

    def say(line: str) -> None:
        print(f"vpcemu: collect: {line}", file=sys.stderr)

    def warn(line: str) -> None:
        print(f"vpcemu: warning: {line}", file=sys.stderr)

    try:
        collect(args.output, regions=args.regions, profile=args.profile, role_arns=args.role_arns,
                include_caller=args.include_caller, endpoint_url=args.endpoint_url, progress=say, warn=warn)
    except InputError as error:
        error.file = error.file or args.output
        raise
    return 0
