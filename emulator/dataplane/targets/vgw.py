"""Target `vgw-…`: toward a Site-to-Site VPN or Direct Connect, which vpcemu does not model."""

from ..pipeline import Responder


def forward(fw, walk, cvpc, subnet, hop):
    return fw.exit(walk, hop.target_id, "vpn-gateway", "left toward the VPN or Direct Connect (not modelled)",
                   Responder("vpn-gateway", hop.target_id, vpc=cvpc))
