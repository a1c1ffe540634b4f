"""R101's first-propagated-wins check, indexed, against the pairwise comparison it replaced.

`pairwise` is the original check, kept verbatim as the reference: it compares each CIDR with every
CIDR kept before it. The indexed one must keep, skip and blame exactly the same, in the same order.
"""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from emulator.dataplane import fib as F
from emulator.dataplane.compile import first_propagated_wins


def pairwise(offered: list[tuple[str, str]]):
    kept: list[tuple[str, str]] = []
    skipped: list[tuple[str, str, str]] = []
    for cidr, attachment_id in offered:
        net = F.parse_cidr(cidr)
        clash = next((other for c, other in kept if other != attachment_id
                      and (F.contains(F.parse_cidr(c), net) or F.contains(net, F.parse_cidr(c)))), None)
        if clash:
            skipped.append((cidr, attachment_id, clash))
        else:
            kept.append((cidr, attachment_id))
    return kept, skipped


# Few attachments and a narrow address space, so that most sets hold overlaps, repeats and nesting;
# host bits may be set (R19 clears them).
cidrs = st.builds(lambda second, third, fourth, length: f"10.{second}.{third}.{fourth}/{length}",
                  st.integers(0, 3), st.integers(0, 3), st.sampled_from([0, 128, 255]),
                  st.one_of(st.integers(8, 32), st.sampled_from([24, 25, 32])))
offers = st.lists(st.tuples(st.one_of(cidrs, st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "10.1.2.3/32"])),
                            st.sampled_from(["tgw-attach-a", "tgw-attach-b", "tgw-attach-c", "tgw-attach-d"])),
                  max_size=40)


@settings(max_examples=500, deadline=None)
@given(offers)
@example([("10.0.0.255/32", "tgw-attach-a"), ("10.0.0.0/24", "tgw-attach-b")])  # a kept CIDR at the very end
def test_the_indexed_check_keeps_and_blames_as_the_pairwise_one(offered):
    assert first_propagated_wins(offered) == pairwise(offered)


def test_a_cidr_overlapping_several_kept_ones_blames_the_earliest_kept_not_the_lowest_address():
    offered = [("10.0.2.0/24", "b"), ("10.0.1.0/24", "c"), ("10.0.0.0/16", "d"), ("10.0.0.0/8", "b"),
               ("10.0.2.128/25", "b")]
    kept, skipped = first_propagated_wins(offered)
    assert kept == [("10.0.2.0/24", "b"), ("10.0.1.0/24", "c"), ("10.0.2.128/25", "b")]  # b may overlap itself
    assert skipped == [("10.0.0.0/16", "d", "b"), ("10.0.0.0/8", "b", "c")]
    assert (kept, skipped) == pairwise(offered)
