"""What every GPU test needs first: a CUDA device the attn runtime can use
and torch seeing it; otherwise the test is skipped (never faked).

A skip for lack of a GPU says so in its reason (``NO_GPU``): conftest.py
counts these, and the GPU suite (``-m gpu``) exits with ``SKIP_EXIT`` when
they are all it has to report, so ctest shows the entry as Skipped, not
passed. ``ATTN_REQUIRE_GPU=1`` turns such a skip into a failure: on a GPU
machine a missing libcuda, device or torch then fails loudly (a missing
kernel cache entry or runtime library already fails with an AttnError)."""

import os

import pytest

from attn import _cuda

#: Prefix of the reason of every skip for lack of a GPU.
NO_GPU = "no GPU: "
#: pytest's exit status when the GPU suite skipped for lack of a GPU
#: (ctest's SKIP_RETURN_CODE of the pytest-gpu entry; automake's 77).
SKIP_EXIT = 77


def gpu_required():
    """True when ATTN_REQUIRE_GPU=1: a missing GPU is a failure."""
    return os.environ.get("ATTN_REQUIRE_GPU", "") == "1"


def no_gpu(why):
    """Skips the calling test for lack of a GPU (fails it under
    ATTN_REQUIRE_GPU=1)."""
    if gpu_required():
        pytest.fail("ATTN_REQUIRE_GPU=1 but " + why, pytrace=False)
    pytest.skip(NO_GPU + why)


def cuda_torch():
    """torch, when a CUDA device is usable; skips the calling test if not."""
    ok, why = _cuda.probe()
    if not ok:
        no_gpu("no CUDA device: " + why)
    try:
        import torch
    except ImportError as e:
        no_gpu("torch is not installed (%s)" % e)
    if not torch.cuda.is_available():
        no_gpu("torch sees no CUDA device")
    return torch
