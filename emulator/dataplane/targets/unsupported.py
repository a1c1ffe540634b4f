"""Route targets vpcemu cannot forward through yet: said plainly, never guessed."""

_PLANNED = {"gwlb-endpoint": "Gateway Load Balancer endpoints"}


def forward(fw, walk, cvpc, subnet, hop):
    what = _PLANNED.get(hop.kind, f"route target kind {hop.kind!r}")
    return fw.drop(walk, "UNSUPPORTED_TARGET", hop.target_id or hop.kind, hop.kind,
                   f"forwarding through {what} is not implemented yet")
