import pytest

from mcp_fakes.calc import CalcError, evaluate, render


@pytest.mark.parametrize("text,value", [
    ("2+3", 5), ("7/2", 3.5), ("6/2", 3), ("2*(3+4)", 14), ("-3+1", -2), ("1 - -1", 2),
    ("2*3+4*5", 26), ("(1+2)*(3+4)/7", 3), ("1.5*2", 3), ("10-2-3", 5), ("8/2/2", 2),
])
def test_evaluates(text, value):
    assert evaluate(text) == value


def test_renders_naturally():
    assert render(evaluate("2+3")) == "5"
    assert render(evaluate("7/2")) == "3.5"


@pytest.mark.parametrize("text", ["", "1+", "(1", "1)", "2**3", "__import__('os')", "1/0", "1 2"])
def test_rejects(text):
    with pytest.raises(CalcError):
        evaluate(text)
