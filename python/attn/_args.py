"""Checks of the scalar arguments of attn's ops, in one place.

Every op of ``attn.ops`` (and the module builders the GPU path and
``attn.precompile`` share) passes its scalar arguments, and the dtypes of
its numpy operands, through these functions before any IR is written, so a
bad value is refused with the op's and the argument's name instead of being
truncated (``window=2.9`` used to run as 2) or reaching the compiler as IR
it rejects. The rules:

- integers (``window``, ``block_size``, ``k``, tile sizes) are ``int`` or
  numpy integers, numpy's rule (``operator.index``): a float is refused even
  when whole (``2.0``), and so is a bool (a count is not a flag);
- numbers (``scale``, ``softcap``, ``error_budget``, ``decay``) are real
  numbers (``int``, ``float``, numpy scalars; not bools or strings), finite,
  within the argument's bounds;
- flags (``causal``, ``output_final_state``, ``use_qk_l2norm_in_kernel``) are
  ``True`` or ``False`` (numpy bools too), not 0 / 1 or None;
- choices (``precision_policy``) are one of their documented strings;
- numpy operands have a dtype the op takes (float32 / float16, int32
  indices, float32 scores and states).

A value of the wrong type raises :class:`ArgumentTypeError` (a
``TypeError``); a value out of range raises :class:`attn.CompilerError` (a
``ValueError``). Both are instances of ``CompilerError``, like everything
attn refuses, and both messages start with the op and name the argument.
"""

import math
import numbers
import operator

import numpy as np

from ._errors import CompilerError

# The largest finite f32: the kernels compute scales and caps in f32.
F32_MAX = 3.4028234663852886e38
I64_MAX = 2**63 - 1


class ArgumentTypeError(CompilerError, TypeError):
    """An op argument of the wrong type (a TypeError and a CompilerError)."""


def _what(value):
    """`value` as a message shows it: its type and its repr (cut short)."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return "%s %s" % (type(value).__name__, text)


def integer(op, name, value, lo=None, hi=None):
    """`value` as a Python int, checked: an int or numpy integer (no float,
    no bool) within [lo, hi] (either bound None: unbounded)."""
    if isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError("%s: %s must be an integer, got %s"
                                % (op, name, _what(value)))
    try:
        n = operator.index(value)
    except TypeError:
        raise ArgumentTypeError("%s: %s must be an integer, got %s"
                                % (op, name, _what(value))) from None
    if (lo is None or n >= lo) and (hi is None or n <= hi):
        return n
    if hi is None or (n < lo and hi == I64_MAX):
        rule = "at least %d" % lo
    elif lo is None:
        rule = "at most %d" % hi
    else:
        rule = "in [%d, %d]" % (lo, hi)
    raise CompilerError("%s: %s must be %s, got %d" % (op, name, rule, n))


def number(op, name, value, positive=False, at_most=None):
    """`value` as a Python float, checked: a real number (no bool, no
    string), finite, > 0 if `positive`, <= `at_most` unless None."""
    if isinstance(value, (bool, np.bool_)) or \
            not isinstance(value, numbers.Real):
        raise ArgumentTypeError("%s: %s must be a real number, got %s"
                                % (op, name, _what(value)))
    try:
        x = float(value)
    except OverflowError:  # an int beyond the float range
        x = float("inf") if value > 0 else float("-inf")
    if math.isfinite(x) and (not positive or x > 0) and \
            (at_most is None or x <= at_most):
        return x
    bounds = []
    if positive:
        bounds.append("> 0")
    if at_most is not None:
        bounds.append("<= %s" % ("%d" % at_most if float(at_most).is_integer()
                                 and abs(at_most) < 2**53 else repr(at_most)))
    raise CompilerError("%s: %s must be finite%s, got %r"
                        % (op, name, "".join(" and " + b for b in bounds), x))


def optional_number(op, name, value, positive=False, at_most=None):
    """None, or number(...)."""
    if value is None:
        return None
    return number(op, name, value, positive, at_most)


def numbers_1d(op, name, value, at_most=None):
    """A number or a non-empty 1-D sequence / array of numbers, each checked
    as by number(...); returned as a list of floats."""
    if isinstance(value, np.ndarray):
        if value.ndim > 1 or value.size == 0:
            raise CompilerError("%s: %s must be a number or a non-empty 1-D "
                                "sequence of numbers, got an array of shape %s"
                                % (op, name, value.shape))
        items = value.reshape(-1).tolist()
    elif isinstance(value, (list, tuple)):
        if not value:
            raise CompilerError("%s: %s must be a number or a non-empty 1-D "
                                "sequence of numbers, got %r" % (op, name, value))
        items = list(value)
    else:
        return [number(op, name, value, at_most=at_most)]
    return [number(op, "%s[%d]" % (name, i), x, at_most=at_most)
            for i, x in enumerate(items)]


def flag(op, name, value):
    """`value` as a Python bool: True or False (numpy bools too), nothing
    else (0 / 1 and None are refused: a flag is not a count)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError("%s: %s must be True or False, got %s"
                                % (op, name, _what(value)))
    return bool(value)


def string(op, name, value):
    """`value` if it is a str (ArgumentTypeError otherwise)."""
    if not isinstance(value, str):
        raise ArgumentTypeError("%s: %s must be a string, got %s"
                                % (op, name, _what(value)))
    return value


def choice(op, name, value, choices):
    """`value` if it is one of the strings `choices`."""
    if not isinstance(value, str):
        raise ArgumentTypeError("%s: %s must be one of %s; got %s"
                                % (op, name, ", ".join(map(repr, choices)),
                                   _what(value)))
    if value not in choices:
        raise CompilerError("%s: %s must be one of %s; got %r"
                            % (op, name, ", ".join(map(repr, choices)), value))
    return value


def dtype(op, name, array, allowed):
    """CompilerError unless numpy `array`'s dtype is one of `allowed`
    (numpy scalar types); worded as the verifier words its type rules."""
    if array.dtype not in [np.dtype(t) for t in allowed]:
        raise CompilerError("%s: %s must be ranked tensor of %s values, got "
                            "%s"
                            % (op, name, " or ".join(np.dtype(t).name
                                                     for t in allowed),
                               array.dtype))
