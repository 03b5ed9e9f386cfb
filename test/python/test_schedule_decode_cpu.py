"""The decode step of a whole schedule (attn-expand-schedule decode=true, run
on the CPU by attn-run) equals the prefill ops run over the extended
sequence: a 4-layer hybrid (KDA, Gated DeltaNet with GVA, GLA, GQA full
attention). Prefill of T tokens gives each linear / delta layer its state;
@h4_step then takes token T + 1 (and the softmax layer's KV cache of T + 1
tokens) through every layer; its outputs and new states must match the
last row and the final states of attn.ops over all T + 1 tokens, and every
layer's output and state (step and prefill) must match its float64
reference."""

import os
import subprocess

import numpy as np
import pytest

import attn
import references as ref
from attn import _jit

SCHEDULE = """
attn.schedule @h4 attributes {num_layers = 4 : i64} {
  attn.layer_kind @kda = #attn.layer<kind = delta, heads = 2, head_dim = 16, gate = vector>
  attn.layer_kind @gdn = #attn.layer<kind = delta, heads = 1, value_heads = 2, head_dim = 16, gate = scalar>
  attn.layer_kind @gla = #attn.layer<kind = linear, heads = 2, head_dim = 16, gate = vector>
  attn.layer_kind @full = #attn.layer<kind = full, heads = 4, kv_heads = 2, head_dim = 16>
  attn.layers [@kda, @gdn, @gla, @full]
}
"""


TOL = 1e-5  # f32 against float64


def _tool(name):
    path = os.path.join(_jit.build_dir(), "bin", name)
    if not os.path.exists(path):
        pytest.fail("%s is not built: %s" % (name, path))
    return path


def test_decode_step_of_a_hybrid_equals_prefill(tmp_path):
    rng = ref.rng()
    B, T = 2, 37  # T + 1 = 38 tokens: not a multiple of the 64-token chunk
    f32 = np.float32

    def rnd(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(f32)

    def unit(x):
        return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(f32)

    # Per layer: inputs over all T + 1 tokens.
    kda = dict(q=rnd(B, T + 1, 2, 16), k=rnd(B, T + 1, 2, 16),
               v=rnd(B, T + 1, 2, 16), beta=rng.random((B, T + 1, 2)).astype(f32),
               g=(-rng.random((B, T + 1, 2, 16)) * 2).astype(f32))
    kda["g"][..., 0] = -20.0
    gdn = dict(q=rnd(B, T + 1, 1, 16), k=rnd(B, T + 1, 1, 16),
               v=rnd(B, T + 1, 2, 16), beta=rng.random((B, T + 1, 2)).astype(f32),
               g=(-rng.random((B, T + 1, 2)) * 0.5).astype(f32))
    gla = dict(q=rnd(B, T + 1, 2, 16, scale=0.5), k=rnd(B, T + 1, 2, 16, scale=0.5),
               v=rnd(B, T + 1, 2, 16),
               g=(-rng.random((B, T + 1, 2, 16)) * 0.5).astype(f32))
    full = dict(q=rnd(B, T + 1, 4, 16), k=rnd(B, T + 1, 2, 16),
                v=rnd(B, T + 1, 2, 16))

    # Prefill over T tokens: the states entering the step.
    def head(d):
        return {n: a[:, :T] for n, a in d.items()}
    s_kda = attn.ops.kda(**{n: head(kda)[n] for n in ("q", "k", "v", "g", "beta")},
                         output_final_state=True, use_qk_l2norm_in_kernel=True)[1]
    s_gdn = attn.ops.gated_delta_rule(
        **{n: head(gdn)[n] for n in ("q", "k", "v", "g", "beta")},
        output_final_state=True, use_qk_l2norm_in_kernel=True)[1]
    s_gla = attn.ops.linear_attn(**{n: head(gla)[n] for n in ("q", "k", "v", "g")},
                                 output_final_state=True)[1]

    # Prefill over T + 1 tokens: what the step must reproduce.
    o_kda, f_kda = attn.ops.kda(kda["q"], kda["k"], kda["v"], kda["g"], kda["beta"],
                                output_final_state=True,
                                use_qk_l2norm_in_kernel=True)
    o_gdn, f_gdn = attn.ops.gated_delta_rule(
        gdn["q"], gdn["k"], gdn["v"], gdn["g"], gdn["beta"],
        output_final_state=True, use_qk_l2norm_in_kernel=True)
    o_gla, f_gla = attn.ops.linear_attn(gla["q"], gla["k"], gla["v"], gla["g"],
                                        output_final_state=True)
    o_full = attn.ops.full_attn(full["q"], full["k"], full["v"], causal=True)

    # The step: token T only (index T), states after T tokens, the full
    # layer's KV cache of all T + 1 tokens.
    last = lambda a: np.ascontiguousarray(a[:, T:T + 1])
    args = [last(kda["q"]), last(kda["k"]), last(kda["v"]), last(kda["beta"]),
            last(kda["g"]), s_kda,
            last(gdn["q"]), last(gdn["k"]), last(gdn["v"]), last(gdn["beta"]),
            last(gdn["g"]), s_gdn,
            last(gla["q"]), last(gla["k"]), last(gla["v"]), last(gla["g"]), s_gla,
            last(full["q"]), full["k"], full["v"]]
    paths = []
    for i, a in enumerate(args):
        p = tmp_path / ("in%02d.npy" % i)
        np.save(p, np.ascontiguousarray(a, dtype=f32))
        paths.append(str(p))
    src = tmp_path / "h4.mlir"
    src.write_text(SCHEDULE)
    step = tmp_path / "h4_step.mlir"
    r = subprocess.run([_tool("attn-opt"), str(src),
                        "--attn-expand-schedule=decode=true dtype=f32",
                        "-o", str(step)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "schedule @h4: 4 layers -> 4 distinct kernels" in r.stderr
    r = subprocess.run([_tool("attn-run"), str(step), "--func=h4_step"]
                       + ["--input=%s" % p for p in paths]
                       + ["--output-dir=%s" % tmp_path],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = [np.load(tmp_path / ("h4_step.%d.npy" % i)) for i in range(7)]

    # The step against the prefill ops over T + 1 tokens (decode and
    # prefill paths agree) ...
    step = [("KDA output", out[0], o_kda[:, T:T + 1]),
            ("KDA state", out[1], f_kda),
            ("GDN output", out[2], o_gdn[:, T:T + 1]),
            ("GDN state", out[3], f_gdn),
            ("GLA output", out[4], o_gla[:, T:T + 1]),
            ("GLA state", out[5], f_gla),
            ("full attention output", out[6], o_full[:, T:T + 1])]
    for what, got, want in step:
        ref.assert_close(got, want, TOL, what + " vs prefill")

    # ... and every layer, step and prefill, against its float64 reference
    # (a bug shared by both paths fails here).
    e_kda = ref.delta_rule(kda["q"], kda["k"], kda["v"], kda["beta"],
                           kda["g"], use_qk_l2norm=True)
    e_gdn = ref.delta_rule(gdn["q"], gdn["k"], gdn["v"], gdn["beta"],
                           gdn["g"], use_qk_l2norm=True)
    e_gla = ref.linear_attn(gla["q"], gla["k"], gla["v"], gla["g"])
    e_full, _ = ref.full_attn(full["q"], full["k"], full["v"], causal=True)
    exact = [e_kda[0][:, T:T + 1], e_kda[1], e_gdn[0][:, T:T + 1], e_gdn[1],
             e_gla[0][:, T:T + 1], e_gla[1], e_full[:, T:T + 1]]
    for (what, got, _), want in zip(step, exact):
        ref.assert_close(got, want, TOL, what + " vs float64")
    prefill = [("KDA", o_kda, f_kda, e_kda), ("GDN", o_gdn, f_gdn, e_gdn),
               ("GLA", o_gla, f_gla, e_gla)]
    for what, o, f, (eo, es) in prefill:
        ref.assert_close(o, eo, TOL, what + " prefill output vs float64")
        ref.assert_close(f, es, TOL, what + " prefill state vs float64")
    ref.assert_close(o_full, e_full, TOL, "full prefill output vs float64")
    # The states entering the step, too.
    for what, got, ref_fn in [
            ("KDA", s_kda, lambda: ref.delta_rule(
                *(head(kda)[n] for n in ("q", "k", "v", "beta", "g")),
                use_qk_l2norm=True)),
            ("GDN", s_gdn, lambda: ref.delta_rule(
                *(head(gdn)[n] for n in ("q", "k", "v", "beta", "g")),
                use_qk_l2norm=True)),
            ("GLA", s_gla, lambda: ref.linear_attn(
                *(head(gla)[n] for n in ("q", "k", "v", "g"))))]:
        ref.assert_close(got, ref_fn()[1], TOL,
                         what + " state after T tokens vs float64")
