"""The route table's index (literal and prefix patterns by hash, the rest scanned) gives
exactly what a plain first-to-last scan gives: the first match and the first 8 matches."""

from hypothesis import given, settings, strategies as st

from fasterapi.mcp import _core

ALPHABET = "ab_*?"
names = st.text(alphabet="ab_", max_size=5)
patterns = st.one_of(st.just(""), st.text(alphabet=ALPHABET, max_size=5))
routes = st.lists(st.tuples(patterns, patterns, patterns), max_size=30)


def reference(table, kind, name):
    hits = []
    for i, route in enumerate(table):
        catch_all = all(p == "" for p in route)
        if catch_all or (route[kind] != "" and _core.match_pattern(route[kind], name)):
            hits.append(i)
    return (hits[0] if hits else -1), hits[:8]


@settings(max_examples=500, deadline=None)
@given(table=routes, kind=st.integers(0, 2), name=names)
def test_the_index_agrees_with_a_plain_scan(table, kind, name):
    first, all_ = _core.route_match_all(table, kind, name)
    assert (first, list(all_)) == reference(table, kind, name)


def test_many_literal_and_prefix_routes():
    table = [(f"tool_{i}", "", "") for i in range(2000)] + [("ns_*", "", ""), ("*", "", "")]
    assert _core.route_match_all(table, 0, "tool_1999") == (1999, [1999, 2001])
    assert _core.route_match_all(table, 0, "ns_x") == (2000, [2000, 2001])
    assert _core.route_match_all(table, 1, "file://x") == (-1, [])
