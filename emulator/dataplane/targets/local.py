"""Target `local`: delivery inside the VPC (R5)."""


def forward(fw, walk, cvpc, subnet, hop):
    return fw.deliver_in_vpc(walk, cvpc, came_from=subnet)
