"""attn.full on the GPU (REQUIRES: a CUDA device and torch): the kernels of
convert-attn-to-gpu launched from their manifest through attn.ops.full_attn
on CUDA tensors, against a float64 reference of the definition on fresh
random inputs. Shapes are not tile multiples; T = 1 decoding with split-KV,
GQA, windows, soft-cap, D != Dv, f16, f32. bf16 / f16 inputs: rel. error
< 1e-2; f32 inputs (bf16x3 split): < 1e-3.

Kernels come from the kernel cache: where attn's compiler is built they are
compiled on first use; a GPU machine without MLIR needs
`python3 -m attn.precompile` run beforehand on a compiler machine (these
configurations are in its list)."""

import math
import zlib

import pytest

import attn
from gpu_env import cuda_torch


_torch = cuda_torch


def reference(q, k, v, causal, scale=None, window=None, softcap=None):
    """float64 attention: q [B,T,H,D], k/v [B,S,Hkv,*]; query t at key
    position t + S - T."""
    torch = _torch()
    q, k, v = q.double(), k.double(), v.double()
    B, T, H, D = q.shape
    S, Hkv = k.shape[1], k.shape[2]
    g = H // Hkv
    k = k.repeat_interleave(g, dim=2)
    v = v.repeat_interleave(g, dim=2)
    scale = 1.0 / math.sqrt(D) if scale is None else scale
    s = torch.einsum("bthd,bshd->bhts", q, k) * scale
    if softcap is not None:
        s = softcap * torch.tanh(s / softcap)
    t = torch.arange(T, device=q.device)[:, None] + (S - T)
    j = torch.arange(S, device=q.device)[None, :]
    keep = torch.ones(T, S, dtype=torch.bool, device=q.device)
    if causal:
        keep &= j <= t
    if window is not None:
        keep &= j > t - window
    s = s.masked_fill(~keep, float("-inf"))
    p = torch.softmax(s, dim=-1)
    return torch.einsum("bhts,bshd->bthd", p, v)


def rel_err(out, ref):
    torch = _torch()
    assert not torch.isnan(out).any(), "NaN in the output"
    return ((out.double() - ref).abs().max() / ref.abs().max()).item()


CASES = [
    # B, T, S, H, Hkv, D, Dv, causal, dtype, extra
    (1, 100, 100, 2, 2, 64, 64, True, "bf16", {}),
    (2, 257, 257, 4, 2, 128, 128, True, "bf16", {}),
    (1, 300, 300, 3, 1, 128, 128, False, "bf16", {}),
    (2, 77, 1000, 8, 2, 128, 128, True, "bf16", {}),      # T < S: chunked prefill
    (3, 1, 5000, 8, 2, 128, 128, False, "bf16", {}),      # decode, split-KV
    (2, 1, 777, 16, 1, 64, 64, True, "bf16", {}),         # decode, 16 packed rows
    (1, 3, 2049, 32, 4, 128, 128, True, "bf16", {}),      # T > 1 decode, 24 rows
    (1, 1, 1, 1, 1, 64, 64, True, "bf16", {}),            # T = S = 1
    (1, 513, 513, 2, 1, 64, 64, True, "bf16", {"window": 64}),
    (1, 200, 200, 2, 2, 128, 128, True, "bf16", {"softcap": 30.0}),
    (2, 130, 190, 4, 4, 64, 64, False, "f16", {"scale": 0.1}),
    (1, 129, 129, 4, 2, 128, 64, True, "bf16", {}),       # Dv != D
    (1, 1000, 1000, 2, 2, 64, 64, False, "f16", {}),
    # f32 inputs (bf16x3 split on tensor cores): rel. error < 1e-3.
    (2, 129, 129, 4, 2, 128, 128, True, "f32", {}),
    (1, 1, 3000, 8, 1, 64, 64, False, "f32", {}),        # decode, split-KV
    (1, 300, 300, 2, 2, 64, 64, False, "f32", {}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "B%dT%dS%dH%d-%dD%d-%d%s%s%s" % (
    c[0], c[1], c[2], c[3], c[4], c[5], c[6], "c" if c[7] else "", c[8],
    "".join("-%s" % k for k in c[9])))
def test_full_matches_float64(case):
    torch = _torch()
    B, T, S, H, Hkv, D, Dv, causal, dt, extra = case
    dtype = {"bf16": torch.bfloat16, "f16": torch.float16,
             "f32": torch.float32}[dt]
    gen = torch.Generator(device="cuda").manual_seed(zlib.crc32(repr(case).encode()))
    q = torch.randn(B, T, H, D, device="cuda", generator=gen).to(dtype)
    k = torch.randn(B, S, Hkv, D, device="cuda", generator=gen).to(dtype)
    v = torch.randn(B, S, Hkv, Dv, device="cuda", generator=gen).to(dtype)
    out = attn.ops.full_attn(q, k, v, causal=causal, **extra)
    assert out.shape == (B, T, H, Dv) and out.dtype == dtype and out.is_cuda
    ref = reference(q, k, v, causal, **extra)
    err = rel_err(out, ref)
    bound = 1e-3 if dt == "f32" else 1e-2
    assert err < bound, "relative error %.3g" % err


def test_repeated_calls_follow_their_tensors():
    """A launch plan lays its kernel parameters (buffer addresses, TMA
    descriptors) out once per shape and rewrites them per call: calls of
    one shape on different tensors, non-contiguous ones (copied per call)
    and the first tensors again each get their own result."""
    torch = _torch()
    gen = torch.Generator(device="cuda").manual_seed(7)

    def qkv():
        return [torch.randn(2, 150, 4, 128, device="cuda",
                            generator=gen).bfloat16() for _ in range(3)]
    first, second = qkv(), qkv()
    # The same shape through a transposed (non-contiguous) view.
    third = [t.transpose(1, 2).contiguous().transpose(1, 2) for t in qkv()]
    assert not third[0].is_contiguous()
    for args in (first, second, third, first):
        for causal in (True, False):
            out = attn.ops.full_attn(*args, causal=causal)
            assert rel_err(out, reference(*args, causal)) < 1e-2


def test_prefill_allocates_only_its_output():
    """A call that does not split the KV (here 16 x 16 x 4 = 1024 row
    blocks: enough for 4 per SM on a 132-SM card, so nsplit = 1) allocates
    no split-KV partials: the manifest gives o_part / lse_part zero
    elements when nsplit is 1 (they were the output's size in f32,
    allocated on every call)."""
    torch = _torch()
    q, k, v = [torch.randn(4, 2048, 16, 128, device="cuda").bfloat16()
               for _ in range(3)]
    attn.ops.full_attn(q, k, v, causal=True)  # kernels loaded, plan made
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    out = attn.ops.full_attn(q, k, v, causal=True)
    torch.cuda.synchronize()
    grown = torch.cuda.max_memory_allocated() - before
    assert grown <= out.numel() * out.element_size() + 4096, grown
    assert rel_err(out[:1], reference(q[:1], k[:1], v[:1], True)) < 1e-2


def test_concurrent_calls():
    """Two threads calling one op at one shape on their own tensors: the
    launch plan's parameter storage is shared (under a lock), so every
    call must still launch with its own addresses and TMA descriptors."""
    import threading
    torch = _torch()
    gen = torch.Generator(device="cuda").manual_seed(5)
    sets = [[torch.randn(1, 260, 4, 128, device="cuda",
                         generator=gen).bfloat16() for _ in range(3)]
            for _ in range(2)]
    refs = [reference(*qkv, False) for qkv in sets]
    outs = [[], []]

    def work(i):
        for _ in range(40):
            outs[i].append(attn.ops.full_attn(*sets[i], causal=False))
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    torch.cuda.synchronize()
    for i in range(2):
        assert len(outs[i]) == 40
        for out in outs[i]:
            assert rel_err(out, refs[i]) < 1e-2


def test_second_device():
    """Tensors on cuda:1 run there (the kernels are loaded into that
    device's primary context, launched on its current stream), in the same
    process as cuda:0 calls; prefill (TMA descriptors) and split-KV decode
    (a combine launch and workspaces). Needs two GPUs: skipped with that
    reason elsewhere (ATTN_REQUIRE_GPU does not ask for a second one)."""
    torch = _torch()
    if torch.cuda.device_count() < 2:
        pytest.skip("needs a second CUDA device")
    current = torch.cuda.current_device()
    for dev in ("cuda:1", "cuda:0", "cuda:1"):
        gen = torch.Generator(device=dev).manual_seed(11)
        for T, S in ((300, 300), (1, 5000)):
            q = torch.randn(2, T, 8, 128, device=dev, generator=gen).bfloat16()
            k = torch.randn(2, S, 2, 128, device=dev, generator=gen).bfloat16()
            v = torch.randn(2, S, 2, 128, device=dev, generator=gen).bfloat16()
            out = attn.ops.full_attn(q, k, v, causal=True)
            # The caller's current device does not move.
            assert torch.cuda.current_device() == current
            assert out.device == q.device
            assert rel_err(out, reference(q, k, v, True)) < 1e-2


def test_large_scores_stay_finite():
    """Scores near the f32 exp range (q, k ~ 30): the online max keeps
    every exponent <= 0."""
    torch = _torch()
    q = (torch.randn(1, 64, 2, 64, device="cuda") * 30).bfloat16()
    k = (torch.randn(1, 64, 2, 64, device="cuda") * 30).bfloat16()
    v = torch.randn(1, 64, 2, 64, device="cuda").bfloat16()
    out = attn.ops.full_attn(q, k, v, causal=True)
    assert rel_err(out, reference(q, k, v, True)) < 1e-2


def test_bad_shapes_are_errors():
    torch = _torch()
    q = torch.randn(1, 8, 3, 64, device="cuda").bfloat16()
    k = torch.randn(1, 8, 2, 64, device="cuda").bfloat16()
    with pytest.raises(attn.CompilerError):
        attn.ops.full_attn(q, k, k)        # H = 3 not a multiple of Hkv = 2
    with pytest.raises(attn.CompilerError):
        attn.ops.full_attn(q.double(), k.double(), k.double())  # f64: no kernel
    with pytest.raises(attn.CompilerError):
        attn.ops.full_attn(q, k.half(), k)                   # mixed dtypes
    # 2^28 x 8 packed query rows: past the kernels' 32-bit row indices
    # (stride-0 views: no memory behind them; refused before any launch).
    big = torch.zeros(1, 1, 1, 64, device="cuda").bfloat16()
    with pytest.raises(attn.CompilerError, match="below 2\\^31"):
        attn.ops.full_attn(big.expand(1, 2**28, 8, 64),
                           big.expand(1, 2**28, 1, 64),
                           big.expand(1, 2**28, 1, 64))
