"""Demonstrations 1 and 2 on the seed topology, with real programs in the lab's namespaces:
ping between subnets, a drop code when no route reaches the destination, and curl to the S3
stand-in through the gateway endpoint, the internet gateway and the NAT gateway."""
from __future__ import annotations

import json

import emulator
from emulator import model as m
from emulator.lab.plan import mac_for
from tests.lab.conftest import SEED, seed_with_icmp, vpcemu

NEEDS_ROOT = True

LAB_TOPOLOGY = seed_with_icmp
S3_NAME = "s3.eu-west-2.amazonaws.com"


def s3_address() -> str:
    """The address the VPC resolver gives for S3's regional name (R39: the gateway endpoint does
    not change DNS): where the lab's S3 stand-in lives."""
    (address,) = emulator.load(SEED).resolve(S3_NAME, "web-a")
    return address


def ids(lab) -> dict:
    network = emulator.load(lab.topology)
    topology = network.topology
    return {"gateway_endpoint": next(e.vpc_endpoint_id for e in topology.all(m.GatewayEndpoint)),
            "igw": next(g.internet_gateway_id for g in topology.all(m.InternetGateway)),
            "nat": next(n.nat_gateway_id for n in topology.all(m.NatGateway)),
            "private_a_table": network.port("app-a").subnet.route_table_id,
            "public_a_subnet": network.port("web-a").subnet.id,
            "app_a_eni": network.port("app-a").id}


def curl(lab, host: str, url: str, timeout: int = 5):
    return lab.exec(host, "curl", "-sS", "--max-time", str(timeout), url, timeout=timeout + 20)


# --- 1. ping ------------------------------------------------------------------------------------

def test_ping_between_instances_in_different_subnets_succeeds(module_lab):
    result = module_lab.exec("web-a", "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.0.10.10")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 received" in result.stdout
    assert "ttl=64" in result.stdout  # the VPC router is not a hop: no TTL decrement (R119 notes)
    (request,) = module_lab.flows(ingress="web-a", flow="10.0.0.10 > 10.0.10.10 icmp type 8")
    assert request["verdict"] == "delivered" and request["packets"] == 3
    assert any("allow" in rule and "icmp" in rule for rule in request["rules"])  # the rule added for the lab
    (reply,) = module_lab.flows(ingress="app-a", flow="10.0.10.10 > 10.0.0.10 icmp type 0")
    assert reply["verdict"] == "delivered" and reply["packets"] == 3


def test_ping_to_an_address_no_route_reaches_fails_and_the_drop_code_is_logged(module_lab):
    # 192.0.2.1 (TEST-NET-1): private-a's table has only the local route and the S3 endpoint (R1).
    result = module_lab.exec("app-a", "ping", "-c", "2", "-i", "0.2", "-W", "1", "192.0.2.1")
    assert result.returncode == 1 and "0 received" in result.stdout
    status = module_lab.status()
    (drop,) = [d for d in status["drops"] if d["ingress"] == "app-a" and "192.0.2.1" in d["flow"]]
    assert drop["code"] == "NO_ROUTE_TO_DESTINATION"
    assert drop["where"] == ids(module_lab)["private_a_table"]
    assert drop["packets"] == 2
    assert status["codes"]["NO_ROUTE_TO_DESTINATION"] >= 2
    text = module_lab_status_text(module_lab)
    assert "NO_ROUTE_TO_DESTINATION at " + ids(module_lab)["private_a_table"] in text


def test_ping_to_an_address_no_eni_owns_in_the_subnet_is_not_answered_and_logged(module_lab):
    result = module_lab.exec("web-a", "ping", "-c", "1", "-W", "1", "10.0.0.77")
    assert result.returncode != 0
    drops = [d for d in module_lab.status()["drops"] if "who-has 10.0.0.77" in d["flow"]]
    assert drops and drops[0]["code"] == "NO_ENI_FOR_DESTINATION"
    assert drops[0]["where"] == ids(module_lab)["public_a_subnet"]


def test_a_port_the_security_group_does_not_allow_is_dropped_at_the_eni(module_lab):
    # app allows tcp 8080 from web only (R104). Had the SYN reached app-a, its kernel would have
    # refused the connection (curl exit 7); dropped, it times out (exit 28).
    result = curl(module_lab, "web-a", "http://10.0.10.10:9000/", timeout=2)
    assert result.returncode == 28
    (drop,) = [d for d in module_lab.status()["drops"] if "> 10.0.10.10:9000 tcp" in d["flow"]]
    assert drop["code"] == "ENI_SG_RULES_MISMATCH" and drop["where"] == ids(module_lab)["app_a_eni"]


def module_lab_status_text(lab) -> str:
    result = vpcemu("lab", "status", "--name", lab.name)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- 2. curl to S3 ------------------------------------------------------------------------------

def test_curl_to_s3_goes_through_the_gateway_endpoint_not_the_igw(module_lab):
    known = ids(module_lab)
    result = curl(module_lab, "web-a", f"http://{s3_address()}/bucket/key")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["service"] == "com.amazonaws.eu-west-2.s3"
    assert answer["client"] == "10.0.0.10"  # the private address: no NAT on a gateway endpoint
    (request,) = module_lab.flows(ingress="web-a", flow=f"10.0.0.10:{answer['client_port']} > {s3_address()}:80")
    assert request["verdict"] == "delivered" and request["egress"] == "com.amazonaws.eu-west-2.s3"
    assert known["gateway_endpoint"] in request["path"] and known["igw"] not in request["path"]
    (reply,) = module_lab.flows(ingress="s3.eu-west-2", flow=f"> 10.0.0.10:{answer['client_port']} tcp")
    assert reply["verdict"] == "delivered"
    assert known["gateway_endpoint"] in reply["path"] and known["igw"] not in reply["path"]
    assert known["gateway_endpoint"] in module_lab_status_text(module_lab)


def test_curl_to_s3_from_a_subnet_without_the_endpoint_route_goes_through_the_igw(module_lab):
    known = ids(module_lab)
    result = curl(module_lab, "web-b", f"http://{s3_address()}/bucket/key")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["client"] == "18.130.11.10"  # web-b's public IPv4: the IGW's 1:1 NAT (R120)
    (request,) = module_lab.flows(ingress="web-b", flow=f":{answer['client_port']} > {s3_address()}:80")
    assert known["igw"] in request["path"] and known["gateway_endpoint"] not in request["path"]
    (reply,) = module_lab.flows(ingress="s3.eu-west-2", flow=f"> 18.130.11.10:{answer['client_port']} tcp")
    assert reply["verdict"] == "delivered" and known["igw"] in reply["path"]


def test_curl_to_s3_through_the_nat_gateway_shows_its_public_address(module_lab):
    known = ids(module_lab)
    result = curl(module_lab, "batch-1", f"http://{s3_address()}/")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["client"] == "18.130.11.5"  # the NAT gateway's Elastic IP (R122)
    (request,) = [f for f in module_lab.flows(ingress="batch-1") if f"{s3_address()}:80" in f["flow"]][:1]
    assert request["path"].index(known["nat"]) < request["path"].index(known["igw"])


def test_without_a_route_to_s3_the_connection_times_out(module_lab):
    result = curl(module_lab, "app-b", f"http://{s3_address()}/", timeout=2)
    assert result.returncode == 28
    drops = [d for d in module_lab.status()["drops"] if d["ingress"] == "app-b" and s3_address() in d["flow"]]
    assert drops and drops[0]["code"] == "NO_ROUTE_TO_DESTINATION"


def test_the_interface_endpoint_answers_inside_the_vpc(module_lab):
    result = curl(module_lab, "app-a", "http://10.0.10.100:443/")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["service"] == "com.amazonaws.eu-west-2.dynamodb" and answer["client"] == "10.0.10.10"


# --- 4. dig against the VPC resolver -----------------------------------------------------------

def test_dig_against_the_resolver_returns_the_interface_endpoint_eni_with_private_dns_on(module_lab):
    # R50: DynamoDB's regional name answers with the endpoint's ENIs, the client's AZ first;
    # R131: at the VPC CIDR's base + 2, which /etc/resolv.conf of every host names.
    result = module_lab.exec("app-b", "dig", "+short", "+time=2", "+tries=1", "@10.0.0.2", "dynamodb.eu-west-2.amazonaws.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["10.0.11.100", "10.0.10.100"]
    rows = module_lab.flows(ingress="app-b", flow="> 10.0.0.2:53 udp")
    assert rows and rows[0]["egress"] == "AmazonProvidedDNS" and rows[0]["note"] == "answered by the VPC resolver"
    # the gateway endpoint changes no DNS (R39): S3's name keeps its public address
    s3 = module_lab.exec("web-a", "dig", "+short", "+time=2", "+tries=1", "@169.254.169.253", S3_NAME)
    assert s3.stdout.split() == [s3_address()]


def test_names_resolve_through_resolv_conf_so_curl_works_by_name(module_lab):
    result = curl(module_lab, "web-a", f"http://{S3_NAME}/by-name")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["client"] == "10.0.0.10"  # through the gateway endpoint again


def test_dns_is_answered_whatever_the_security_groups_say(module_lab):
    # R111: app's group allows nothing from the resolver, and no SG or NACL filters DNS anyway.
    result = module_lab.exec("app-a", "dig", "+short", "+time=2", "+tries=1", "@10.0.0.2", S3_NAME)
    assert result.stdout.split() == [s3_address()]


# --- ICMP errors where AWS sends them (R119) ------------------------------------------------------

def test_a_df_packet_bigger_than_the_igw_link_gets_fragmentation_needed_back(module_lab):
    result = module_lab.exec("web-b", "ping", "-c", "2", "-i", "0.3", "-W", "1", "-M", "do", "-s", "2000", s3_address())
    assert result.returncode != 0
    assert "Frag needed and DF set (mtu = 1500)" in result.stdout
    known = ids(module_lab)
    drops = [d for d in module_lab.status()["drops"] if d["ingress"] == "web-b" and d["code"] == "MTU_EXCEEDED"]
    assert drops and drops[0]["where"] == known["igw"]
    assert module_lab.status()["counters"]["icmp-frag-needed-sent"] >= 1
    # a packet that fits goes through (web's group allows ICMP from the VPC only: S3's echo
    # replies are replies of a tracked flow, R105)
    small = module_lab.exec("web-b", "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1400", s3_address())
    assert small.returncode == 0, small.stdout


def test_the_hosts_have_the_enis_addresses_macs_mtu_and_routes(module_lab):
    network = emulator.load(module_lab.topology)
    port = network.port("app-a")
    link = json.loads(module_lab.exec("app-a", "ip", "-j", "addr", "show", "eth0").stdout)[0]
    assert [a["local"] for a in link["addr_info"] if a["family"] == "inet"] == ["10.0.10.10"]
    assert link["mtu"] == 9001  # R119
    assert link["address"] == mac_for(port.id)
    routes = json.loads(module_lab.exec("app-a", "ip", "-j", "route", "show", "default").stdout)
    assert routes[0]["gateway"] == "10.0.10.1"  # the subnet router, base + 1 (R132)
    resolv = module_lab.exec("app-a", "cat", "/etc/resolv.conf").stdout
    assert "nameserver 10.0.0.2" in resolv  # the VPC resolver (R131)
