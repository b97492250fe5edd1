"""The fuzz corpora (cpp/fuzz/corpus/<target>/) replayed as regression tests: each file goes
through the same harness body libFuzzer runs (cpp/fuzz/<target>.cpp), in the built core. A
crash fails the run (under tox -e asan, a memory error too); a broken invariant raises
FuzzInvariantViolation. Inputs that once exposed a bug are named regress_*."""

from pathlib import Path

import pytest

from fasterapi.mcp import _core

CORPUS = Path(__file__).resolve().parents[2] / "cpp" / "fuzz" / "corpus"
INPUTS = sorted(p for p in CORPUS.glob("*/*") if p.is_file())


def test_every_target_has_a_corpus_and_every_corpus_a_target():
    assert sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) == sorted(_core.fuzz_targets())
    for target in _core.fuzz_targets():
        assert len(list((CORPUS / target).iterdir())) >= 5, target


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_input_keeps_the_invariants(path):
    _core.fuzz_replay(path.parent.name, path.read_bytes())


def test_an_unknown_target_is_refused():
    with pytest.raises(ValueError, match="no fuzz target named 'nope'"):
        _core.fuzz_replay("nope", b"")


def test_invariant_violations_are_assertion_errors():
    assert issubclass(_core.FuzzInvariantViolation, AssertionError)
