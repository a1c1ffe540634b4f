"""Target `vgw-…`: toward a Site-to-Site VPN or Direct Connect, which vpcemu does not model."""


def forward(fw, walk, cvpc, subnet, hop):
    return fw.exit(walk, hop.target_id, "vpn-gateway", "left toward the VPN or Direct Connect (not modelled)")
