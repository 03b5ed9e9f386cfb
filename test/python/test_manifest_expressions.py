"""The launch manifest's expression language as the Python launcher
evaluates it (python/attn/_gpu.py: checked against the grammar and compiled
once per expression): integers, size names, + - * / (integer division), one
comparison, cdiv(a, b), select(c, a, b); anything else, an unknown name or
a division by zero is refused with an AttnError naming the expression.
CPU only."""

import pytest

from attn import AttnError, _gpu

ENV = {"B": 2, "T": 37, "H": 8, "Hkv": 2, "S": 300, "nsplit": 1}


@pytest.mark.parametrize("expr, value", [
    ("B*T*H", 592),
    ("S - T", 263),
    ("7/2", 3),
    ("cdiv(T*(H/Hkv), 128)", 2),
    ("cdiv(7, 2)", 4),
    ("T*(H/Hkv) > 16", True),
    ("B == 3", False),
    ("select(nsplit > 1, nsplit*B*T*H*128, 0)", 0),
    ("select(nsplit < 2, 5, 6)", 5),
])
def test_values(expr, value):
    got = _gpu.evaluate(expr, ENV)
    assert got == value and type(got) is type(value)


def test_values_follow_the_sizes():
    # One compiled expression, many environments (a plan per shape).
    for T in (1, 17, 4096):
        assert _gpu.evaluate("cdiv(T, 128)", dict(ENV, T=T)) == -(-T // 128)


@pytest.mark.parametrize("expr", [
    "__import__('os')", "a.b", "x[0]", "2**3", "-(3)", "1 < 2 < 3",
    "cdiv(1)", "select(1, 2, 3, 4)", "cdiv(a=1, b=2)", "1 +", "'text'",
    "1.5", "lambda: 0", "B if T else H", "True",
])
def test_outside_the_grammar_is_refused(expr):
    with pytest.raises(AttnError, match="is not understood"):
        _gpu.evaluate(expr, ENV)


def test_unknown_name_is_named():
    with pytest.raises(AttnError, match="unknown name 'Q'"):
        _gpu.evaluate("Q + 1", ENV)


def test_division_by_zero_is_named():
    with pytest.raises(AttnError, match="division by zero"):
        _gpu.evaluate("B / (T - 37)", ENV)
