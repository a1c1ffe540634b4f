"""Target `vgw-…`: toward a Site-to-Site VPN or Direct Connect, which vpcemu does not model."""

from ..pipeline import MTU_INTERNET, Responder


def forward(fw, walk, cvpc, subnet, hop):
    too_big = fw.cross_link(walk, MTU_INTERNET, hop.target_id, "vpn-gateway")  # R119: VPN 1500
    if too_big:
        return too_big
    return fw.exit(walk, hop.target_id, "vpn-gateway", "left toward the VPN or Direct Connect (not modelled)",
                   Responder("vpn-gateway", hop.target_id, vpc=cvpc))
