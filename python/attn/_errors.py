"""Exceptions raised by the attn package."""


class AttnError(RuntimeError):
    """Something attn could not do (missing build, runtime failure)."""


class CompilerError(AttnError, ValueError):
    """The compiler rejected the program: its diagnostics are the message."""
