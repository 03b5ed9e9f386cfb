"""What every GPU test needs first: a CUDA device the attn runtime can use
and torch seeing it; otherwise the test is skipped (never faked)."""

import pytest

from attn import _cuda


def cuda_torch():
    """torch, when a CUDA device is usable; skips the calling test if not."""
    ok, why = _cuda.probe()
    if not ok:
        pytest.skip("no CUDA device: " + why)
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device")
    return torch
