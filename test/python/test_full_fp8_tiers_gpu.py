"""Issue 15's acceptance tiers for FP8 attn.full on the GPU (REQUIRES: a
CUDA device and torch; kernels from the kernel cache, as
test_full_fp8_gpu.py). `precision_policy="fp8"` at the default budget (no
Hadamard rotation), B = 2, T = S = 1000 (not a multiple of 128), H = 8,
Hkv = 2 (GQA), D = 128 (the e4m3 wgmma kernel on sm_90a), bf16 inputs,
causal and not. Every run draws fresh inputs from a new seed, printed
(pytest -s) and named in each assertion; ATTN_FP8_SEED=N repeats a run.
bench/fp8_tiers.py measures the same at the bench shapes.

Kernel tier: does the kernel compute its scheme as accurately as plain
float32 would? Reference: the scheme evaluated in float64 on the same e4m3
operands (`emulate`): Q, K, V rounded as quant_rows / quant_vt round them
(per (batch, 128 tokens, head) amax; x * (448 / amax) in float32, rounded
to nearest even with saturation, scale amax / 448), scores
(Q8 . K8) sq sk / sqrt(D), and for each 128-key tile
P = round_e4m3(256 exp(s - m_run)) / 256 with m_run the row's running max
after that tile, which restarts at each KV split of the launcher's
choosing, times exp(m_run - m); l = the sum of the unrounded p;
O = sum P sv V8 / l. The kernel's relative L2 distance to it must be at
most 1.5x that of a naive emulation of the same scheme. For that ratio to
measure the kernel's arithmetic and nothing else, the naive emulation
must be

  (a) on bit-identical operands: the same e4m3 values and float32 scales
      (same float32 divisions and products as the quantisers), else it
      measures another quantisation;
  (b) the same P rule against the same reference max: per key tile,
      against the running max, restarting at the same KV split boundaries.
      What a full-score-matrix code does unasked, rounding 256 p against
      the final row max (the CPU backend's emulation), is another scheme,
      1e-2 to 2e-2 from the kernel's at this shape (so is another split
      count): with it the naive is that far from the reference and any
      kernel passes;
  (c) delivered in the kernel's output type: the kernel returns bf16,
      whose rounding alone puts it about 1.6e-3 from the float64 result; a
      float32 result sits about 1e-7 away, and no bf16 kernel could come
      within 1.5x of that. So the naive output is rounded to bf16 too
      (its float32 distance is printed as well);
  (d) otherwise plain float32: the whole score matrix Q8 K8^T as one
      float32 GEMM on the e4m3 values (exact products; TF32 off), torch.exp,
      P rounded by the float32 -> e4m3 cast, P V as one float32 GEMM.

Every arithmetic difference between the two (the kernel's e4m3 wgmma
accumulation, ex2.approx, the folded scale multiply, the online rescaling,
the split combine) flips some P roundings by one e4m3 step; that, with the
bf16 output rounding, is what the tier weighs. ops.full_attn must return
exactly the kernel run with the split count the emulation models; the
kernel run with one split (nsplit = 1) is held to the same bound against
the one-split emulation.

End-to-end tier, against float64 attention on the bf16 inputs themselves:
on i.i.d. N(0, 1) Q, K, V the SQNR is at least 25 dB (relative L2 at most
10^(-25/20) = 5.62e-2); on FlashAttention-3's outlier protocol (its
section 4.3: every entry of Q, K and V, independently, is
N(0, 1) + N(0, 100) * Bernoulli(0.001), i.e. 0.1% of the entries get an
extra N(0, 10^2) term) the RMSE is at most half that of a per-tensor FP8
baseline: one amax scale for each whole tensor Q, K, V, otherwise the same
scheme (P rule with one split, bf16 output) in float32 torch on the GPU.
Cosine similarity and max abs error are printed; NaN / inf never pass.
The kernel with the rotation (error_budget=1e-2, causal: the kernel cache
holds that set) is printed beside it, not asserted."""

import contextlib
import math
import os
import warnings

import pytest

from attn import _gpu, ops
from gpu_env import cuda_torch

_torch = cuda_torch

B, T, H, HKV, D = 2, 1000, 8, 2, 128
BLOCK = 128         # tokens per scale (quant_rows, quant_vt)
KV_TILE = 128       # keys per tile of the FP8 kernel at D = 128
Q_TILE = 64         # query rows (GQA-packed (t, head) pairs) per CTA
E4M3_MAX = 448.0
P_SCALE = 256.0     # P is rounded as 256 p
KERNEL_RATIO = 1.5  # kernel tier: at most 1.5x the naive emulation
SQNR_DB = 25.0      # end-to-end tier, i.i.d. inputs
FA3_RATIO = 2.0     # end-to-end tier, FA3 outliers: RMSE 2x below baseline
ROTATE_BUDGET = 1e-2


def new_seed():
    s = os.environ.get("ATTN_FP8_SEED")
    return int(s) if s else int.from_bytes(os.urandom(4), "little")


def inputs(shape_q, shape_kv, seed, outliers=False, device="cuda"):
    """bf16 q, k, v: N(0, 1), or FA3's N(0, 1) + N(0, 100) Bernoulli(1e-3)."""
    import torch
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    out = []
    for shape in (shape_q, shape_kv, shape_kv):
        x = torch.randn(shape, generator=gen, device=device)
        if outliers:
            hit = torch.rand(shape, generator=gen, device=device) < 1e-3
            x = x + 10.0 * torch.randn(shape, generator=gen,
                                       device=device) * hit
        out.append(x.bfloat16())
    return out


def e4m3(x):
    """float32 x rounded to e4m3 as cvt.rn.satfinite does (nearest even,
    saturating at +-448; torch's cast alone makes overflow NaN)."""
    import torch
    return x.clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn).to(x.dtype)


def e4m3_exact(x):
    """float64 x rounded to e4m3 exactly (nearest even, saturating): the
    torch cast goes through float32, whose rounding can move a float64
    value onto an e4m3 midpoint first."""
    import torch
    a = x.abs().clamp(max=E4M3_MAX)
    _, e = torch.frexp(a)                    # a = f 2^e, f in [0.5, 1)
    expo = (e.to(torch.int64) - 1).clamp(min=-6) - 3   # the e4m3 step
    step = ((expo + 1023) << 52).view(torch.float64)   # 2^expo, exactly
    r = torch.minimum(torch.round(a / step) * step,
                      torch.full_like(a, E4M3_MAX))
    return torch.copysign(r, x)


def quantise(x, block=BLOCK):
    """(x8, scale) as quant_rows / quant_vt make them: x [B, T, H, D], per
    (batch, `block` tokens, head) amax = max |x| (block=None: one amax for
    the whole tensor, the per-tensor baseline), x * (448 / amax) in float32
    rounded to e4m3; scale = amax / 448 (both 1 where amax is 0). x8 holds
    the e4m3 values (exact in float32); scale is per token, [B, T, H]."""
    import torch
    Bx, Tx, Hx, Dx = x.shape
    xf = x.float()
    if block is None:
        amax = xf.abs().amax().reshape(1, 1, 1).expand(Bx, 1, Hx)
        per = Tx
    else:
        nb = -(-Tx // block)
        xp = xf.new_zeros(Bx, nb * block, Hx, Dx)
        xp[:, :Tx] = xf
        amax = xp.view(Bx, nb, block, Hx, Dx).abs().amax(dim=(2, 4))
        per = block
    ok = (amax > 0) & torch.isfinite(amax)
    one = torch.ones_like(amax)
    fmax = torch.full_like(amax, E4M3_MAX)
    # tensor / tensor: one correctly rounded division, as div.rn.f32 (a
    # Python scalar operand would become a multiply by a reciprocal).
    inv = torch.where(ok, fmax / torch.where(ok, amax, one), one)
    scale = torch.where(ok, amax / fmax, one)
    inv_t = inv.repeat_interleave(per, dim=1)[:, :Tx]
    x8 = e4m3(xf * inv_t[..., None])
    return x8, scale.repeat_interleave(per, dim=1)[:, :Tx].contiguous()


def split_tiles(Tq, S, Hq, Hkv, causal, nsplit, device="cuda"):
    """[H, T]: key tiles per KV split for query t of head h, as
    the softmax tile program (FullToATile.cpp) divides a CTA's band: rows are (t, head of the group)
    pairs, 64 per CTA; the band ends after the CTA's last query (causal) or
    at S, holds cdiv(band, 128) tiles, and split s takes tiles
    [s per, (s + 1) per) with per = cdiv(tiles, nsplit)."""
    import torch
    g = Hq // Hkv
    t = torch.arange(Tq, device=device)
    row = t[None, :] * g + torch.arange(g, device=device)[:, None]  # [g, T]
    row_end = torch.clamp((row // Q_TILE + 1) * Q_TILE, max=Tq * g)
    t_last = (row_end - 1) // g
    if causal:
        kv_hi = torch.clamp(t_last + (S - Tq) + 1, max=S)
    else:
        kv_hi = torch.full_like(row, S)
    tiles = (kv_hi + KV_TILE - 1) // KV_TILE
    per = torch.clamp((tiles + nsplit - 1) // nsplit, min=1)
    return per.repeat(Hkv, 1)  # head h = hk * g + (head of the group)


@contextlib.contextmanager
def ieee_fp32():
    """float32 GEMMs in float32 (TF32 off) inside the block."""
    import torch
    m = torch.backends.cuda.matmul
    with warnings.catch_warnings():  # torch >= 2.9 calls the flag legacy
        warnings.simplefilter("ignore")
        tf32 = m.allow_tf32  # False unless someone turned it on
        if tf32:
            m.allow_tf32 = False
    try:
        yield
    finally:
        if tf32:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.allow_tf32 = True


def emulate(q8, sq, k8, sk, v8, sv, causal, per, dtype, rows=None,
            chunk=256):
    """The FP8 scheme on e4m3 operands (x8 values, per-token scales from
    `quantise`) in `dtype` (float64: the reference; float32: the naive
    emulation) for query `rows` (default all), `chunk` rows at a time:
    [B, len(rows), H, Dv] in `dtype`. `per` = split_tiles(...)."""
    import torch
    Bq, Tq, Hq, Dq = q8.shape
    S, Hkv = k8.shape[1], k8.shape[2]
    g = Hq // Hkv
    dev = q8.device
    if rows is None:
        rows = torch.arange(Tq, device=dev)
    nt = -(-S // KV_TILE)
    ninf = float("-inf")
    scale = 1.0 / math.sqrt(Dq)
    round_p = e4m3_exact if dtype == torch.float64 else e4m3

    def heads(x):  # [B, S, Hkv, ...] -> [B, H, S, ...]
        return x.to(dtype).repeat_interleave(g, dim=2).transpose(1, 2)
    kx, vx, skx, svx = heads(k8), heads(v8), heads(sk), heads(sv)
    key = torch.arange(S, device=dev)
    tile = torch.arange(nt, device=dev)
    out = []
    with ieee_fp32():
        for r0 in range(0, rows.numel(), chunk):
            r = rows[r0:r0 + chunk]
            qr = q8[:, r].to(dtype).transpose(1, 2)          # [B, H, R, D]
            sqr = sq[:, r].to(dtype).transpose(1, 2)         # [B, H, R]
            s = (qr @ kx.transpose(-1, -2)) * (
                sqr[..., None] * skx[:, :, None, :] * scale)  # [B, H, R, S]
            if causal:
                keep = key[None, :] <= r[:, None] + (S - Tq)
                s = s.masked_fill(~keep, ninf)
            pad = s.new_full(s.shape[:-1] + (nt * KV_TILE,), ninf)
            pad[..., :S] = s
            tiles = pad.view(s.shape[:-1] + (nt, KV_TILE))
            tmax = tiles.amax(-1)                             # [B, H, R, nt]
            start = tile[None, None, :] % per[:, r, None] == 0  # [H, R, nt]
            run = tmax.clone()
            for j in range(1, nt):
                run[..., j] = torch.where(
                    start[..., j], tmax[..., j],
                    torch.maximum(run[..., j - 1], tmax[..., j]))
            live = run > ninf
            run0 = torch.where(live, run, torch.zeros_like(run))
            p = torch.exp(tiles - run0[..., None])            # 0 if masked
            pr = round_p(p * P_SCALE) / P_SCALE
            m = tmax.amax(-1)
            m0 = torch.where(m > ninf, m, torch.zeros_like(m))
            w = torch.where(live, torch.exp(run0 - m0[..., None]),
                            torch.zeros_like(run0))
            pr = (pr * w[..., None]).view(pad.shape)[..., :S]
            l = torch.exp(s - m0[..., None]).sum(-1)          # unrounded p
            o = ((pr * svx[:, :, None, :]) @ vx) / l[..., None]
            out.append(o.transpose(1, 2))
    return torch.cat(out, dim=1)


def exact(q, k, v, causal, rows=None, chunk=256):
    """float64 softmax attention of the given (bf16) q, k, v for query
    `rows`: [B, len(rows), H, Dv]."""
    import torch
    Tq, Dq = q.shape[1], q.shape[3]
    S, g = k.shape[1], q.shape[2] // k.shape[2]
    if rows is None:
        rows = torch.arange(Tq, device=q.device)
    kx = k.double().repeat_interleave(g, dim=2).transpose(1, 2)
    vx = v.double().repeat_interleave(g, dim=2).transpose(1, 2)
    key = torch.arange(S, device=q.device)
    out = []
    for r0 in range(0, rows.numel(), chunk):
        r = rows[r0:r0 + chunk]
        s = (q[:, r].double().transpose(1, 2) @ kx.transpose(-1, -2)) \
            / math.sqrt(Dq)
        if causal:
            s = s.masked_fill(~(key[None, :] <= r[:, None] + (S - Tq)),
                              float("-inf"))
        out.append((torch.softmax(s, dim=-1) @ vx).transpose(1, 2))
    return torch.cat(out, dim=1)


def metrics(o, ref):
    """Distances of o to the float64 `ref` (NaN / inf fail)."""
    import torch
    assert torch.isfinite(o).all(), "NaN or inf in the output"
    o = o.double()
    d = o - ref
    rel = (d.norm() / ref.norm()).item()
    return {"rel": rel,
            "sqnr_db": -20.0 * math.log10(rel) if rel > 0 else math.inf,
            "rmse": d.pow(2).mean().sqrt().item(),
            "cos": ((o * ref).sum() / (o.norm() * ref.norm())).item(),
            "maxabs": d.abs().max().item()}


def launcher(q, k, v, causal, budget=3e-2):
    """The FP8 kernels' manifest entry for q, k, v (what ops.full_attn
    runs) and the KV split count its launcher picks on this card."""
    el = [_gpu.element_of(x) for x in (q, k, v)]
    ir = ops.full_module_ir(tuple(q.shape), tuple(k.shape), tuple(v.shape),
                            el, causal, None, None)
    entry = _gpu.entry_for(ir, q.device, ops.pipeline_options("fp8", budget))
    spec = entry.entry["params"]["nsplit"]
    env = entry.bind({"q": q, "k": k, "v": v})
    return entry, _gpu.choose_nsplit(spec, env, q.device)


def kernel_tier(q, k, v, causal, rows=None, check_api=True):
    """The kernel tier on q, k, v: for the launcher's split count (checked
    to be what ops.full_attn runs) and for one split, the kernel's and the
    naive emulation's relative L2 distances to the float64 scheme."""
    import torch
    entry, nsplit = launcher(q, k, v, causal)
    qkv = {"q": q, "k": k, "v": v}
    o = entry.run(qkv, params={"nsplit": nsplit})[0]
    if check_api:
        api = ops.full_attn(q, k, v, causal=causal, precision_policy="fp8")
        assert torch.equal(api, o), \
            "ops.full_attn is not the kernel run with nsplit = %d" % nsplit
    (q8, sq), (k8, sk), (v8, sv) = quantise(q), quantise(k), quantise(v)
    Tq, S, Hq, Hkv = q.shape[1], k.shape[1], q.shape[2], k.shape[2]
    out = []
    for n in sorted({nsplit, 1}, reverse=True):
        on = o if n == nsplit else entry.run(qkv, params={"nsplit": n})[0]
        if rows is not None:
            on = on[:, rows]
        per = split_tiles(Tq, S, Hq, Hkv, causal, n, q.device)
        ref = emulate(q8, sq, k8, sk, v8, sv, causal, per, torch.float64, rows)
        naive = emulate(q8, sq, k8, sk, v8, sv, causal, per, torch.float32,
                        rows)
        out.append({"nsplit": n, "kernel": metrics(on, ref)["rel"],
                    "naive": metrics(naive.to(on.dtype), ref)["rel"],
                    "naive_f32": metrics(naive, ref)["rel"]})
    return out


def fa3_tier(q, k, v, causal, rows=None):
    """End-to-end on q, k, v: ops.full_attn FP8 (and, causal, with the
    rotation), the per-tensor baseline; metrics against float64."""
    import torch
    ref = exact(q, k, v, causal, rows)

    def pick(o):
        return o if rows is None else o[:, rows]
    res = {"ours": metrics(pick(ops.full_attn(
        q, k, v, causal=causal, precision_policy="fp8")), ref)}
    if causal:  # the rotated kernel set the kernel cache holds
        res["rotated"] = metrics(pick(ops.full_attn(
            q, k, v, causal=True, precision_policy="fp8",
            error_budget=ROTATE_BUDGET)), ref)
    (q8, sq), (k8, sk), (v8, sv) = (quantise(x, None) for x in (q, k, v))
    per = split_tiles(q.shape[1], k.shape[1], q.shape[2], k.shape[2], causal,
                      1, q.device)
    base = emulate(q8, sq, k8, sk, v8, sv, causal, per, torch.float32, rows)
    res["baseline"] = metrics(base.to(q.dtype), ref)
    return res


def fmt(m):
    return ("rel %.3e (SQNR %.2f dB) rmse %.3e cos %.6f maxabs %.3e"
            % (m["rel"], m["sqnr_db"], m["rmse"], m["cos"], m["maxabs"]))


def test_e4m3_roundings_agree():
    """The float64 rounding of the reference is the torch cast's on
    float32 values (midpoints, subnormals, saturation included)."""
    torch = _torch()
    x = torch.exp(torch.empty(1 << 20, device="cuda").uniform_(-14, 6.5))
    grid = e4m3(torch.linspace(0, 448, 1 << 16, device="cuda"))
    mid = (grid[1:] + grid[:-1]) / 2
    x = torch.cat([x, -x, mid, grid, torch.tensor([0.0, 460.0, 1e4, 2e-3],
                                                  device="cuda")])
    assert torch.equal(e4m3_exact(x.double()), e4m3(x).double())


# Known gaps of today's FP8 kernel (the tile program; measured on an
# H200, bench/RESULTS.md "FP8 accuracy tiers"): strict, so a kernel that
# meets the tier turns these into failures that ask for the marks' removal.
KERNEL_TIER_GAP = pytest.mark.xfail(
    strict=True,
    reason="issue 15: the FP8 kernel's error is 1.6-2.4x the naive emulation's "
           "(3.5-5.8e-3 beyond the bf16 floor; inferred: Hopper's reduced FP8 "
           "accumulation flipping P roundings), limit 1.5x")
FA3_TIER_GAP = pytest.mark.xfail(
    strict=True,
    reason="issue 15: per-block e4m3 scales give 1.10-1.25x lower RMSE than "
           "per-tensor ones on FA3's outlier protocol, not 2x; the Hadamard "
           "rotation reaches 1.4-2.5x (not the default plan here)")


@KERNEL_TIER_GAP
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_kernel_tier(causal):
    torch = _torch()
    seed = new_seed()
    q, k, v = inputs((B, T, H, D), (B, T, HKV, D), seed)
    res = kernel_tier(q, k, v, causal)
    for r in res:
        print("kernel tier seed %d causal=%s nsplit=%d: kernel %.3e, naive "
              "(bf16 out) %.3e -> ratio %.2f (limit %.1f); naive in f32 "
              "%.2e; kernel beyond the bf16 floor ~%.2e"
              % (seed, causal, r["nsplit"], r["kernel"], r["naive"],
                 r["kernel"] / r["naive"], KERNEL_RATIO, r["naive_f32"],
                 math.sqrt(max(r["kernel"] ** 2 - r["naive"] ** 2, 0.0))))
    for r in res:
        assert r["kernel"] <= KERNEL_RATIO * r["naive"], \
            ("seed %d nsplit %d: kernel %.3e > %.1f x naive %.3e"
             % (seed, r["nsplit"], r["kernel"], KERNEL_RATIO, r["naive"]))


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_end_to_end_iid(causal):
    torch = _torch()
    seed = new_seed()
    q, k, v = inputs((B, T, H, D), (B, T, HKV, D), seed)
    o = ops.full_attn(q, k, v, causal=causal, precision_policy="fp8")
    m = metrics(o, exact(q, k, v, causal))
    print("end-to-end i.i.d. seed %d causal=%s: %s" % (seed, causal, fmt(m)))
    assert torch.isfinite(o).all()
    assert m["sqnr_db"] >= SQNR_DB, \
        "seed %d: SQNR %.2f dB < %.0f dB (rel %.3e)" % (
            seed, m["sqnr_db"], SQNR_DB, m["rel"])


@FA3_TIER_GAP
@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_end_to_end_fa3_outliers(causal):
    _torch()
    seed = new_seed()
    q, k, v = inputs((B, T, H, D), (B, T, HKV, D), seed, outliers=True)
    res = fa3_tier(q, k, v, causal)
    for name, m in res.items():
        print("end-to-end FA3 outliers seed %d causal=%s %s: %s"
              % (seed, causal, name, fmt(m)))
    ours, base = res["ours"]["rmse"], res["baseline"]["rmse"]
    print("  baseline / ours RMSE = %.2f (needed >= %.1f)"
          % (base / ours, FA3_RATIO))
    assert ours * FA3_RATIO <= base, \
        ("seed %d: RMSE %.3e, per-tensor baseline %.3e: %.2fx lower, "
         "not %.1fx" % (seed, ours, base, base / ours, FA3_RATIO))
