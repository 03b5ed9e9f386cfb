"""attn.delta / attn.linear prefill on the GPU (REQUIRES: a CUDA device and
torch): the chunked-form kernels (bf16 q/k/v, T > 16) through attn.ops.kda /
gated_delta_rule / delta_rule / linear_attn on CUDA tensors, against the
float64 naive recurrences of references.py: T = 17, 37, 1000, 4097 (not
multiples of the 64-token chunk), GVA (HV != H), initial and final states,
gates near -20 and exactly 0, L2-normalised q/k, constant per-head decays,
K = V = 64 and 128 (and K = 48 / V = 96, K = 64 / V = 32: the scan's
mma_sync path); rel. error < 1e-2. The chunked kernels pinned to T = 1
and T < 16 (one mostly empty chunk) too; the chunked and the recurrent form
agree on the same inputs."""

import zlib

import numpy as np
import pytest

import attn
import references as ref
from gpu_env import cuda_torch as _torch


def _rel(out, expect):
    out = out.double().cpu().numpy()
    assert not np.isnan(out).any(), "NaN in the output"
    return np.abs(out - expect).max() / max(np.abs(expect).max(), 1e-30)


CASES = [
    # name, B, T, H, HV, K, V, init, l2
    ("kda", 1, 17, 2, 2, 128, 128, False, True),
    ("kda", 1, 37, 2, 4, 128, 128, True, True),
    ("kda", 2, 1000, 2, 2, 64, 64, False, True),
    ("kda", 1, 4097, 1, 2, 128, 128, True, True),
    ("gdn", 1, 1000, 2, 4, 128, 128, True, True),
    ("gdn", 1, 4097, 2, 2, 64, 64, False, True),
    ("gdn", 3, 37, 1, 1, 128, 128, True, False),
    ("deltanet", 2, 37, 2, 2, 128, 128, True, True),
    ("deltanet", 1, 1000, 1, 2, 64, 64, False, False),
    ("linear", 1, 1000, 2, 2, 64, 64, True, False),
    ("linear_scalar", 1, 4097, 2, 2, 128, 128, False, False),
    ("gla", 2, 37, 2, 2, 128, 128, True, False),
    ("gla", 1, 1000, 1, 1, 64, 64, False, False),
    ("retnet", 1, 1000, 3, 3, 64, 64, True, False),
    # The scan with mma_sync on sm_90a too: value slices of 48 and 32
    # columns, 96-byte key rows (no wgmma).
    ("kda", 1, 300, 2, 2, 48, 96, True, True),
    ("linear_scalar", 2, 300, 1, 1, 64, 32, True, False),
]


def _inputs(torch, case):
    name, B, T, H, HV, K, V, init, l2 = case
    gen = torch.Generator(device="cuda").manual_seed(zlib.crc32(repr(case).encode()))

    def rnd(*shape, scale=1.0):
        return torch.randn(*shape, device="cuda", generator=gen) * scale
    q = rnd(B, T, H, K, scale=0.5)
    k = rnd(B, T, H, K, scale=0.5)
    if name in ("kda", "gdn", "deltanet") and not l2:
        # The delta rule needs unit keys: normalise them here instead.
        k = k / k.norm(dim=-1, keepdim=True)
    if name in ("linear", "linear_scalar", "gla", "retnet"):
        q, k = q / K ** 0.25, k / K ** 0.25  # keep a growing state moderate
    inp = {"q": q.to(torch.bfloat16), "k": k.to(torch.bfloat16),
           "v": rnd(B, T, HV, V).to(torch.bfloat16),
           "s0": rnd(B, HV, K, V, scale=0.1) if init else None,
           "beta": None, "g": None, "decay": None}
    if name in ("kda", "gdn", "deltanet"):
        inp["beta"] = torch.rand(B, T, HV, device="cuda", generator=gen)
    if name == "kda":
        g = -torch.rand(B, T, HV, K, device="cuda", generator=gen) * 0.5
        g[..., 0] = -20.0   # a channel that forgets at once
        g[..., 1] = 0.0     # one that never decays
        g[:, T // 2, :, :] = -20.0  # a token that wipes the state
        inp["g"] = g
    elif name == "gdn":
        g = -torch.rand(B, T, HV, device="cuda", generator=gen) * 0.2
        g[:, T // 3] = -20.0
        inp["g"] = g
    elif name == "linear_scalar":
        inp["g"] = -torch.rand(B, T, H, device="cuda", generator=gen) * 0.1
    elif name == "gla":
        g = -torch.rand(B, T, H, K, device="cuda", generator=gen) * 0.3
        g[..., 0] = -20.0
        inp["g"] = g
    elif name == "retnet":
        inp["decay"] = [-0.1, -0.5, -1.0]  # as attn.precompile
    return inp


def _run(case, inp, form=None, options=""):
    name, l2 = case[0], case[8]
    kind = "delta" if name in ("kda", "gdn", "deltanet") else "linear"
    if form is not None:  # the internal entry point, to pin the form
        return attn.ops._gpu_recurrent(
            kind, inp["q"], inp["k"], inp["v"], inp["beta"], inp["g"], None,
            inp["s0"], True, l2 if kind == "delta" else False, inp["decay"],
            form=form, options=options)
    if name == "kda":
        return attn.ops.kda(inp["q"], inp["k"], inp["v"], inp["g"], inp["beta"],
                            initial_state=inp["s0"], output_final_state=True,
                            use_qk_l2norm_in_kernel=l2)
    if name == "gdn":
        return attn.ops.gated_delta_rule(
            inp["q"], inp["k"], inp["v"], inp["g"], inp["beta"],
            initial_state=inp["s0"], output_final_state=True,
            use_qk_l2norm_in_kernel=l2)
    if name == "deltanet":
        return attn.ops.delta_rule(inp["q"], inp["k"], inp["v"], inp["beta"],
                                   initial_state=inp["s0"],
                                   output_final_state=True,
                                   use_qk_l2norm_in_kernel=l2)
    return attn.ops.linear_attn(inp["q"], inp["k"], inp["v"], inp["g"],
                                initial_state=inp["s0"],
                                output_final_state=True, decay=inp["decay"])


def _expected(case, inp):
    """(o, final state) of the float64 naive recurrence on the same inputs."""
    name, l2 = case[0], case[8]
    npy = lambda t: None if t is None else t.double().cpu().numpy()
    if name in ("kda", "gdn", "deltanet"):
        return ref.delta_rule(npy(inp["q"]), npy(inp["k"]), npy(inp["v"]),
                              npy(inp["beta"]), npy(inp["g"]),
                              initial_state=npy(inp["s0"]), use_qk_l2norm=l2)
    return ref.linear_attn(npy(inp["q"]), npy(inp["k"]), npy(inp["v"]),
                           npy(inp["g"]), initial_state=npy(inp["s0"]),
                           decay=inp["decay"])


def _ids(c):
    return "%s-B%dT%dH%d-%dK%dV%d%s%s" % (
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], "-init" if c[7] else "",
        "-l2" if c[8] else "")


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_chunked_matches_float64(case):
    torch = _torch()
    name, B, T, H, HV, K, V, init, l2 = case
    inp = _inputs(torch, case)
    o, st = _run(case, inp)
    eo, es = _expected(case, inp)
    assert o.shape == (B, T, HV, V) and o.dtype == torch.bfloat16 and o.is_cuda
    assert st.shape == (B, HV, K, V) and st.dtype == torch.float32
    assert _rel(o, eo) < 1e-2, "o: relative error %.3g" % _rel(o, eo)
    assert _rel(st, es) < 1e-2, "state: relative error %.3g" % _rel(st, es)


@pytest.mark.parametrize("case", [CASES[1], CASES[6], CASES[11]], ids=_ids)
def test_chunked_and_recurrent_forms_agree(case):
    torch = _torch()
    inp = _inputs(torch, case)
    oc, sc = _run(case, inp, form="chunked")
    orr, sr = _run(case, inp, form="recurrent")
    assert _rel(oc, orr.double().cpu().numpy()) < 1e-2
    assert _rel(sc, sr.double().cpu().numpy()) < 1e-2


SHORT = [
    # The chunked kernels at T = 1 and T < 16 (a single, mostly empty chunk),
    # pinned to the chunked form (the ops would pick the step kernel).
    ("kda", 2, 1, 2, 4, 128, 128, True, True),
    ("gdn", 1, 5, 2, 2, 64, 64, True, True),
    ("deltanet", 1, 1, 2, 2, 128, 128, False, True),
    ("gla", 1, 3, 2, 2, 128, 128, True, False),
    ("linear_scalar", 2, 1, 2, 2, 128, 128, False, False),
]


@pytest.mark.parametrize("case", SHORT, ids=_ids)
def test_chunked_form_at_t1_and_short_t(case):
    torch = _torch()
    inp = _inputs(torch, case)
    o, st = _run(case, inp, form="chunked")
    eo, es = _expected(case, inp)
    assert _rel(o, eo) < 1e-2, "o: relative error %.3g" % _rel(o, eo)
    assert _rel(st, es) < 1e-2, "state: relative error %.3g" % _rel(st, es)


@pytest.mark.parametrize("case", [CASES[1], CASES[3]], ids=_ids)
def test_chunked_scan_without_warp_specialisation(case):
    """The scan's cp.async program (every warp copies; the default on sm_90a
    gives the tiles to a TMA producer warp): the same numbers."""
    torch = _torch()
    inp = _inputs(torch, case)
    o, st = _run(case, inp, form="chunked", options="warp-specialize=false")
    eo, es = _expected(case, inp)
    assert _rel(o, eo) < 1e-2, "o: relative error %.3g" % _rel(o, eo)
    assert _rel(st, es) < 1e-2, "state: relative error %.3g" % _rel(st, es)
    od, sd = _run(case, inp, form="chunked")
    assert _rel(o, od.double().cpu().numpy()) < 1e-2
    assert _rel(st, sd.double().cpu().numpy()) < 1e-2
