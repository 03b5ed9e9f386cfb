"""Launch plans of the Python GPU launcher (python/attn/_gpu.py
Entry._plan) from real manifests, on the CPU: stand-in tensors, dtypes and
CUDA module (no torch, no GPU). The split-KV partials have zero elements
(a null pointer, no room in the workspace pool) exactly when the KV is not
split; a workspace a TMA descriptor describes keeps an address even when
empty; the pool's workspaces lie apart at 256-byte boundaries; a grid beyond
CUDA's limit is refused before any launch."""

import pytest

from attn import CompilerError, _gpu, ops

import launch_stand_ins as si


@pytest.fixture
def stand_ins(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTN_KERNEL_CACHE", str(tmp_path))
    for module, name, value in si.PATCHES:
        monkeypatch.setattr(module, name, value)
    if _gpu._compiler() is None:
        pytest.fail("the attn compiler library is not built: these tests "
                    "compile manifests")


def _plan(qs, ks, causal=True, options=""):
    entry, inputs = si.full_entry(qs, ks, causal, options)
    outputs, (pool_bytes, layout), launches = entry._plan(inputs, None,
                                                         si.Device())
    end = 0
    for _, offset, nbytes in sorted(layout, key=lambda w: w[1]):
        assert offset % 256 == 0 and offset >= end and nbytes > 0
        end = offset + nbytes
    assert end <= pool_bytes
    return {n: b for n, _, b in layout}, launches


def test_unsplit_prefill_has_no_partials(stand_ins):
    # 16 x 16 x 4 = 1024 row blocks: 4 per SM on 132 SMs, nsplit = 1.
    ws, launches = _plan((4, 2048, 16, 128), (4, 2048, 16, 128))
    assert "o_part" not in ws and "lse_part" not in ws
    assert not any(l.kernel.endswith("_combine") for l in launches)


def test_split_decode_has_partials(stand_ins):
    ws, launches = _plan((2, 1, 8, 128), (2, 5000, 2, 128))
    assert ws["o_part"] > 0 and ws["lse_part"] > 0
    assert any(l.kernel.endswith("_combine") for l in launches)


def test_mapped_workspace_keeps_an_address(stand_ins):
    # FP8: k8 / v8t are workspaces the forward kernel's TMA descriptors
    # describe; with no keys (S = 0) they have no elements but need one.
    ws, _ = _plan((1, 0, 4, 128), (1, 0, 4, 128), causal=False,
                  options=ops.pipeline_options("fp8"))
    assert ws["k8"] >= 1 and ws["v8t"] >= 1
    assert "o_part" not in ws


def test_grid_beyond_the_cuda_limit_is_refused(stand_ins):
    # The forward kernels' grid z is B * nsplit: CUDA takes at most 65535
    # blocks there (2^31 - 1 in x).
    with pytest.raises(CompilerError, match="above the CUDA limit 65535"):
        _plan((65536, 1, 1, 64), (65536, 1, 1, 64))
    _plan((65535, 1, 1, 64), (65535, 1, 1, 64))  # at the limit: fine
