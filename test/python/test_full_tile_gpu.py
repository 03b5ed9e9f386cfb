"""attn.full's forward kernel built through the tile IR (attn-to-nvvm's
default: convert-attn-to-gpu writes the kernel as a tile program, the atile
passes lower it) on the GPU (REQUIRES:
a CUDA device and torch), against the float64 reference of test_full_gpu.py
on fresh random inputs: shapes that are not tile multiples, GQA row packing,
causal / window / soft-cap, queries the last T of S keys, split-KV decoding
(T = 1: the one-warp decode program's split parts), D != Dv, f16; rel.
error < 1e-2 (bf16 / f16 inputs).
On sm_90a the default is the warp-specialised wgmma kernel (a TMA producer
warpgroup, two consumer warpgroups taking turns, the overlapped loop); each
case also
runs the tile IR with mma.sync (wgmma=false), without the overlapped loop
(tile-overlap=false), without warp specialisation (warp-specialize=false:
every warp a consumer, cp.async), without the consumers' ping-pong
(warp-pingpong=false) on the same inputs and checks all agree to within the
same bound.

Kernels come from the kernel cache (attn.precompile compiles these sets,
also with each of those options)."""

import zlib

import pytest

import attn
from gpu_env import cuda_torch
from test_full_gpu import reference, rel_err

_torch = cuda_torch

CASES = [
    # B, T, S, H, Hkv, D, Dv, causal, dtype, extra
    (1, 100, 100, 2, 2, 64, 64, True, "bf16", {}),
    (2, 257, 257, 4, 2, 128, 128, True, "bf16", {}),
    (1, 300, 300, 3, 1, 128, 128, False, "bf16", {}),
    (2, 77, 1000, 8, 2, 128, 128, True, "bf16", {}),      # T < S
    (3, 1, 5000, 8, 2, 128, 128, False, "bf16", {}),      # decode, split-KV
    (1, 3, 2049, 32, 4, 128, 128, True, "bf16", {}),      # 24 packed rows
    (1, 1, 1, 1, 1, 64, 64, True, "bf16", {}),            # T = S = 1
    (1, 513, 513, 2, 1, 64, 64, True, "bf16", {"window": 64}),
    (1, 200, 200, 2, 2, 128, 128, True, "bf16", {"softcap": 30.0}),
    (2, 130, 190, 4, 4, 64, 64, False, "f16", {"scale": 0.1}),
    (1, 129, 129, 4, 2, 128, 64, True, "bf16", {}),       # Dv != D
    (1, 1000, 1000, 2, 2, 64, 64, False, "f16", {}),
    (1, 4153, 4153, 4, 4, 128, 128, True, "bf16", {}),    # many tiles
    (1, 333, 333, 8, 1, 192, 128, True, "bf16", {}),      # MLA prefill shape
    (2, 1, 999, 8, 1, 192, 128, True, "bf16", {}),        # ... decoding
    (1, 260, 260, 2, 2, 256, 256, False, "bf16", {}),     # D = 256
    (1, 1, 700, 4, 2, 256, 256, False, "bf16", {}),       # ... decoding
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "B%dT%dS%dH%d-%dD%d-%d%s%s%s" % (
    c[0], c[1], c[2], c[3], c[4], c[5], c[6], "c" if c[7] else "", c[8],
    "".join("-%s%g" % kv for kv in sorted(c[9].items()))))
def test_full_tile_ir_matches_reference(case):
    torch = _torch()
    from attn import ops
    B, T, S, H, Hkv, D, Dv, causal, dt, extra = case
    dtype = {"bf16": torch.bfloat16, "f16": torch.float16}[dt]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(zlib.crc32(repr(case).encode()) ^ torch.seed() % 2**31)
    q = torch.randn(B, T, H, D, device="cuda", dtype=dtype, generator=gen)
    k = torch.randn(B, S, Hkv, D, device="cuda", dtype=dtype, generator=gen)
    v = torch.randn(B, S, Hkv, Dv, device="cuda", dtype=dtype, generator=gen)
    scale, window = extra.get("scale"), extra.get("window")
    softcap = extra.get("softcap")
    out = ops._gpu_full(q, k, v, causal, scale, window, softcap)
    ref = reference(q, k, v, causal, scale, window, softcap)
    err = rel_err(out, ref)
    assert err < 1e-2, "tile IR: rel. error %.3g" % err
    for options in ("wgmma=false", "tile-overlap=false",
                    "warp-specialize=false", "warp-pingpong=false"):
        other = ops._gpu_full(q, k, v, causal, scale, window, softcap,
                              options=options)
        assert rel_err(other, ref) < 1e-2, options
        assert rel_err(out, other.double()) < 1e-2, options
