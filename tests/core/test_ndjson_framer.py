"""The sans-IO ndjson framer (no sockets): however the bytes are split, the same lines
come out; an over-long line is reported once and never buffered whole."""

from hypothesis import given, settings, strategies as st

from fasterapi.mcp import _core


def drain(framer):
    out = []
    while True:
        item = framer.next()
        if item is None:
            return out
        out.append(item)


lines = st.lists(st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"\n", b"x").replace(b"\r", b"y")),
                 max_size=12)


@settings(max_examples=500, deadline=None)
@given(lines, st.data())
def test_any_split_yields_the_same_lines(msgs, data):
    stream = b"".join(m + b"\n" for m in msgs)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    framer = _core.NdjsonFramer(1024)
    out, prev = [], 0
    for cut in cuts + [len(stream)]:
        framer.feed(stream[prev:cut])
        out += drain(framer)
        prev = cut
    assert out == msgs


def test_blank_lines_are_skipped_and_crlf_tolerated():
    framer = _core.NdjsonFramer(100)
    framer.feed(b"\n\r\n{\"a\":1}\r\n\n{}\n")
    assert drain(framer) == [b'{"a":1}', b"{}"]


def test_oversized_line_is_reported_once_then_framing_resumes():
    framer = _core.NdjsonFramer(10)
    framer.feed(b"x" * 25)
    assert drain(framer) == []
    framer.feed(b"y" * 25)
    framer.feed(b"zz\n{\"ok\":1}\n")
    out = drain(framer)
    assert len(out) == 2 and isinstance(out[0], int) and out[0] == 52
    assert out[1] == b'{"ok":1}'


def test_a_line_exactly_at_the_limit_passes():
    framer = _core.NdjsonFramer(5)
    framer.feed(b"12345\n123456\n")
    assert drain(framer) == [b"12345", 6]


def test_a_crlf_line_at_the_limit_is_taken_when_the_lf_comes_later():
    # Found by the ndjson_framer fuzz target: the CR used to count against the limit.
    framer = _core.NdjsonFramer(4)
    framer.feed(b"abcd\r")
    assert drain(framer) == []
    framer.feed(b"\n")
    assert drain(framer) == [b"abcd"]


def test_a_line_over_the_limit_is_known_before_it_ends():
    # A peer whose line never ends must not be waited on: the crossing is visible at once.
    framer = _core.NdjsonFramer(10)
    framer.feed(b"x" * 8)
    assert drain(framer) == [] and framer.overflowing_bytes() == 0
    framer.feed(b"x" * 8)
    assert drain(framer) == [] and framer.overflowing_bytes() == 16
    framer.feed(b"x" * 100)
    assert drain(framer) == [] and framer.overflowing_bytes() == 116
    framer.feed(b"x\n{}\n")
    assert drain(framer) == [117, b"{}"] and framer.overflowing_bytes() == 0
