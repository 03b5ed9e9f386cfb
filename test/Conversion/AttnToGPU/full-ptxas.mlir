// The attn.full and attn.sparse kernels through the whole attn-to-nvvm pipeline for sm_90a
// and sm_80, head dims 64 and 128: the PTX uses tensor cores (wgmma for the
// forward kernel on sm_90a, mma.sync m16n8k16 bf16 / f16 elsewhere),
// ldmatrix and cp.async; where the CUDA toolkit is
// installed (`%if ptxas`: the PTX checks run everywhere) ptxas accepts every
// kernel for sm_90a with no spills.
// RUN: split-file %s %t
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/d128
// RUN: FileCheck %s --check-prefix=PTX < %t/d128/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/d128/attn_kernels.ptx -o %t/d128.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/d64.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/d64
// RUN: FileCheck %s --check-prefix=F16 < %t/d64/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/d64/attn_kernels.ptx -o %t/d64.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/sparse.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/sparse
// RUN: FileCheck %s --check-prefix=SPARSE < %t/sparse/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/sparse/attn_kernels.ptx -o %t/sparse.cubin 2>&1 | FileCheck %s --check-prefix=SPARSE-NOSPILL %}
// RUN: attn-opt %t/f32.mlir --attn-to-nvvm | %python %attn_src/scripts/extract-ptx.py - %t/f32
// RUN: FileCheck %s --check-prefix=F32 < %t/f32/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_90a -v %t/f32/attn_kernels.ptx -o %t/f32.cubin 2>&1 | FileCheck %s --check-prefix=NOSPILL %}
// RUN: attn-opt %t/d128.mlir --attn-to-nvvm=chip=sm_80 | %python %attn_src/scripts/extract-ptx.py - %t/sm80
// RUN: FileCheck %s --check-prefix=SM80 < %t/sm80/attn_kernels.ptx
// RUN: %if ptxas %{ %ptxas -arch=sm_80 %t/sm80/attn_kernels.ptx -o %t/sm80.cubin %}
// RUN: attn-opt %t/sparse.mlir --attn-to-nvvm=chip=sm_80 | %python %attn_src/scripts/extract-ptx.py - %t/sparse80
// RUN: %if ptxas %{ %ptxas -arch=sm_80 %t/sparse80/attn_kernels.ptx -o %t/sparse80.cubin %}

// PTX: .target sm_90a
// PTX: .extern .shared .align 1024 .b8 attn_dynamic_smem[];
// The forward kernel comes from the tile IR: wgmma on sm_90a
// (test/Conversion/ATileToNVVM/full.mlir checks it in detail).
// PTX: .entry prefill_full_fwd(
// PTX-DAG: cp.async.bulk.tensor.4d
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// PTX-DAG: ex2.approx.ftz.f32
// PTX: .entry prefill_full_decode(
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX: .entry prefill_full_combine(
// F16: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// SM80: .target sm_80
// SM80: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// NOSPILL: Compiling entry function '{{.*}}_full_combine' for 'sm_90a'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL: Compiling entry function '{{.*}}_full_decode' for 'sm_90a'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// NOSPILL: Compiling entry function '{{.*}}_full_fwd' for 'sm_90a'
// NOSPILL-NEXT: Function properties
// NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SPARSE: .entry dsa_sparse_fwd(
// SPARSE: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// SPARSE-NOSPILL: Compiling entry function 'dsa_sparse_combine' for 'sm_90a'
// SPARSE-NOSPILL-NEXT: Function properties
// SPARSE-NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SPARSE-NOSPILL: Compiling entry function 'dsa_sparse_fwd' for 'sm_90a'
// SPARSE-NOSPILL-NEXT: Function properties
// SPARSE-NOSPILL-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// f32 inputs: split_bf16 writes the bf16 hi / lo halves of Q, K and V; the
// prefill kernel makes three wgmma products per contraction (Q K^T on
// 128 x 32 tiles: m64n32k16; P V: m64n128k16), the decode kernel three
// mma.sync.
// F32: .entry f32_full_split_bf16(
// F32: cvt.rn.bf16x2.f32
// F32: .entry f32_full_fwd(
// F32-DAG: wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16
// F32-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// F32: .entry f32_full_decode(
// F32: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

//--- f32.mlir
func.func @f32(%q: tensor<?x?x?x128xf32>, %k: tensor<?x?x?x128xf32>, %v: tensor<?x?x?x128xf32>)
    -> tensor<?x?x?x128xf32> {
  %o = attn.full %q, %k, %v {causal}
      : (tensor<?x?x?x128xf32>, tensor<?x?x?x128xf32>, tensor<?x?x?x128xf32>) -> tensor<?x?x?x128xf32>
  return %o : tensor<?x?x?x128xf32>
}

//--- sparse.mlir
func.func @dsa(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>, %i: tensor<?x?x?x?xi32>)
    -> tensor<?x?x?x128xbf16> {
  %o = attn.sparse %q, %k, %v, %i {causal}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x?xi32>)
      -> tensor<?x?x?x128xbf16>
  return %o : tensor<?x?x?x128xbf16>
}

//--- d128.mlir
func.func @prefill(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>)
    -> (tensor<?x?x?x128xbf16>, tensor<?x?x?xf32>) {
  %o, %lse = attn.full %q, %k, %v {causal}
      : (tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>)
      -> (tensor<?x?x?x128xbf16>, tensor<?x?x?xf32>)
  return %o, %lse : tensor<?x?x?x128xbf16>, tensor<?x?x?xf32>
}

//--- d64.mlir
func.func @window(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>, %v: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %o = attn.full %q, %k, %v {causal, window = 256 : i64, softcap = 30.0 : f64}
      : (tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>) -> tensor<?x?x?x64xf16>
  return %o : tensor<?x?x?x64xf16>
}
