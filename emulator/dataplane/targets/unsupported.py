"""Route targets vpcemu cannot forward through yet: said plainly, never guessed."""

def forward(fw, walk, cvpc, subnet, hop):
    what = f"route target kind {hop.kind!r}"
    return fw.drop(walk, "UNSUPPORTED_TARGET", hop.target_id or hop.kind, hop.kind,
                   f"forwarding through {what} is not implemented yet")
