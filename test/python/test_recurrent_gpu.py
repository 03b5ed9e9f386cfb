"""attn.delta / attn.linear decode steps on the GPU (REQUIRES: a CUDA
device and torch): the recurrent-form kernel through attn.ops.kda /
gated_delta_rule / delta_rule / linear_attn on CUDA tensors, against the
float64 naive recurrences of references.py: T = 1 and small T (and f32 at
T = 40, which the recurrent form runs), GVA (HV != H), initial and final states, gates near -20 and exactly 0, L2-normalised
q/k, constant per-head decays, K = V = 64 and 128, K = 100 / V = 24 and
K = 48 / V = 40 (off the kernel's row passes and column slices); bf16/f16 rel. error
< 1e-2, f32 < 1e-3."""

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
    # name, B, T, H, HV, K, V, dtype, init, l2norm
    ("kda", 2, 1, 4, 8, 128, 128, "bf16", True, True),
    ("kda", 1, 5, 2, 2, 64, 64, "f32", False, False),
    ("gdn", 3, 1, 4, 8, 128, 128, "bf16", True, True),
    ("gdn", 1, 16, 2, 4, 64, 64, "f16", True, False),
    ("deltanet", 2, 3, 2, 2, 128, 128, "f32", True, True),
    ("linear", 2, 1, 4, 4, 128, 128, "bf16", True, False),
    ("linear_scalar", 1, 7, 2, 2, 64, 64, "f32", True, False),
    ("gla", 2, 4, 2, 2, 128, 128, "f16", False, False),
    ("retnet", 1, 9, 3, 3, 64, 64, "f32", True, False),
    # K and V off the kernel's row passes and 32-column state slices.
    ("gdn", 2, 3, 2, 4, 100, 24, "f32", True, True),
    ("kda", 3, 2, 1, 2, 48, 40, "bf16", True, False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "%s-B%dT%dH%d-%dK%dV%d-%s%s%s" % (
    c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], "-init" if c[8] else "",
    "-l2" if c[9] else ""))
def test_recurrent_matches_float64(case):
    torch = _torch()
    name, B, T, H, HV, K, V, dt, init, l2 = case
    dtype = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[dt]
    gen = torch.Generator(device="cuda").manual_seed(zlib.crc32(repr(case).encode()))

    def rnd(*shape, scale=1.0):
        return (torch.randn(*shape, device="cuda", generator=gen) * scale)
    q = rnd(B, T, H, K, scale=0.5).to(dtype)
    k = rnd(B, T, H, K, scale=0.5).to(dtype)
    v = rnd(B, T, HV, V).to(dtype)
    s0 = rnd(B, HV, K, V, scale=0.1) if init else None
    npy = lambda t: None if t is None else t.double().cpu().numpy()
    if name in ("kda", "gdn", "deltanet"):
        beta = torch.rand(B, T, HV, device="cuda", generator=gen)
        if name == "kda":
            g = -torch.rand(B, T, HV, K, device="cuda", generator=gen) * 3
            g[..., 0] = -20.0   # a channel that forgets
            g[..., 1] = 0.0     # one that never decays
        elif name == "gdn":
            g = -torch.rand(B, T, HV, device="cuda", generator=gen) * 3
            g[:, 0, 0] = -20.0
        else:
            g = None
        fn = {"kda": attn.ops.kda, "gdn": attn.ops.gated_delta_rule}.get(name)
        if fn is not None:
            o, st = fn(q, k, v, g, beta, initial_state=s0,
                       output_final_state=True, use_qk_l2norm_in_kernel=l2)
        else:
            o, st = attn.ops.delta_rule(q, k, v, beta, initial_state=s0,
                                        output_final_state=True,
                                        use_qk_l2norm_in_kernel=l2)
        eo, es = ref.delta_rule(npy(q), npy(k), npy(v), npy(beta), npy(g),
                                initial_state=npy(s0), use_qk_l2norm=l2)
    else:
        g, decay = None, None
        if name == "linear_scalar":
            g = -torch.rand(B, T, H, device="cuda", generator=gen) * 2
        elif name == "gla":
            g = -torch.rand(B, T, H, K, device="cuda", generator=gen) * 2
        elif name == "retnet":
            decay = [-0.1, -0.5, -1.0]
        o, st = attn.ops.linear_attn(q, k, v, g, initial_state=s0,
                                     output_final_state=True, decay=decay)
        eo, es = ref.linear_attn(npy(q), npy(k), npy(v), npy(g),
                                 initial_state=npy(s0), decay=decay)
    assert o.shape == (B, T, HV, V) and o.dtype == dtype and o.is_cuda
    assert st.shape == (B, HV, K, V) and st.dtype == torch.float32
    bound = 1e-3 if dt == "f32" else 1e-2
    assert _rel(o, eo) < bound, "o: relative error %.3g" % _rel(o, eo)
    assert _rel(st, es) < bound, "state: relative error %.3g" % _rel(st, es)


def test_long_f32_sequences_run_the_recurrent_form():
    # The chunked kernels take bf16; f32 inputs run the recurrent kernel at
    # any T (and keep their f32 accuracy).
    torch = _torch()
    gen = torch.Generator(device="cuda").manual_seed(7)
    q = torch.randn(1, 40, 2, 64, device="cuda", generator=gen)
    k = torch.randn(1, 40, 2, 64, device="cuda", generator=gen)
    v = torch.randn(1, 40, 2, 64, device="cuda", generator=gen)
    beta = torch.rand(1, 40, 2, device="cuda", generator=gen)
    o, st = attn.ops.delta_rule(q, k, v, beta, output_final_state=True,
                                use_qk_l2norm_in_kernel=True)
    npy = lambda t: t.double().cpu().numpy()
    eo, es = ref.delta_rule(npy(q), npy(k), npy(v), npy(beta),
                            use_qk_l2norm=True)
    assert _rel(o, eo) < 1e-3 and _rel(st, es) < 1e-3


def test_inputs_at_unaligned_offsets():
    # The decode step moves the state (and q / k / v) in 16-byte vectors: a
    # tensor that starts 4 bytes into its storage is copied by the launcher,
    # and the results equal those of aligned copies of the same values.
    torch = _torch()
    gen = torch.Generator(device="cuda").manual_seed(11)
    B, T, H, K, V = 2, 1, 2, 64, 64

    def shifted(*shape):
        n = 1
        for d in shape:
            n *= d
        flat = torch.randn(n + 1, device="cuda", generator=gen)
        return flat[1:].view(*shape)  # contiguous, 4 bytes off
    q, k, v = shifted(B, T, H, K), shifted(B, T, H, K), shifted(B, T, H, V)
    beta = torch.rand(B, T, H, device="cuda", generator=gen)
    g = -torch.rand(B, T, H, device="cuda", generator=gen)
    s0 = shifted(B, H, K, V).mul_(0.1)
    assert s0.data_ptr() % 16 != 0 and q.data_ptr() % 16 != 0
    o, st = attn.ops.gated_delta_rule(q, k, v, g, beta, initial_state=s0,
                                      output_final_state=True)
    o2, st2 = attn.ops.gated_delta_rule(q.clone(), k.clone(), v.clone(), g,
                                        beta, initial_state=s0.clone(),
                                        output_final_state=True)
    assert torch.equal(o, o2) and torch.equal(st, st2)
    npy = lambda t: t.double().cpu().numpy()
    eo, es = ref.delta_rule(npy(q), npy(k), npy(v), npy(beta), npy(g),
                            initial_state=npy(s0))
    assert _rel(o, eo) < 1e-3 and _rel(st, es) < 1e-3
