"""One handler per route target. Each `forward(fw, walk, vpc, subnet, hop)` returns an Outcome."""
from __future__ import annotations

from ...model import routing as r
from . import (eni, gateway_endpoint, gwlbe, igw, interface_endpoint, local, nat, pcx, privatelink, tgw,  # noqa: F401
               unsupported, vgw)

HANDLERS = {
    r.LOCAL: local.forward,
    r.IGW: igw.forward,
    r.NAT: nat.forward,
    r.GATEWAY_ENDPOINT: gateway_endpoint.forward,
    r.ENI: eni.forward,
    r.INSTANCE: eni.forward,
    r.PCX: pcx.forward,
    r.VGW: vgw.forward,
    r.TGW: tgw.forward,
    r.GWLB_ENDPOINT: gwlbe.forward,
}


def dispatch(fw, walk, cvpc, subnet, hop):
    handler = HANDLERS.get(hop.kind, unsupported.forward)
    return handler(fw, walk, cvpc, subnet, hop)
