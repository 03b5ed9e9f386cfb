//===- Passes.td - attn conversion passes ---------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Passes that lower planned attn ops to kernels: loops over buffers for the
// CPU backend (and, later, gpu.module kernels for NVVM).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToCPUPass : Pass<"convert-attn-to-cpu", "mlir::ModuleOp"> {
  let summary = "Lower planned attn ops to the CPU form of their kernels";
  let description = [{
    Replaces every attn op by the loop nest of its algorithm, on buffers
    (`bufferization.to_buffer` of the operands, `memref.alloc` results
    wrapped back with `bufferization.to_tensor`), at the op's position:

    - `attn.full`: FlashAttention-style online softmax over KV tiles of the
      op's `#attn.tile` (the T x S score matrix is never formed: one q-tile x
      kv-tile block of scores at a time, running max and sum in f32);
    - `attn.sparse`: the same online softmax over the selected keys;
    - `attn.indexer`, `attn.topk`: tiled scores, then per-query selection;
    - `attn.linear`, `attn.delta`: the chunked form of `#attn.chunk`
      (intra-chunk WY/UT transform for the delta rule, log-space
      cumulative gates, an f32 state scan across chunks), or the recurrent
      form when `form = recurrent`.

    Lowering consumes the plan and never decides: an op without its plan
    (`tile`, or `form` and, for the chunked form, `chunk`) is an error that
    names the pass to run. Head dimensions must be static. Scratch buffers
    (tile- and chunk-sized) sit at the function entry: on the stack up to
    256 KiB per function, on the heap beyond. `attn.schedule` ops
    are declarations and are removed.

    Precision. A `#attn.precision` plan on `attn.full`, `attn.sparse` or
    `attn.indexer` is emulated exactly (the GPU kernels follow the same
    scheme), so tests measure the planned error: operands whose planned
    type rounds them (`qk` for Q and K / qi and ki, `pv` for V) are first
    copied to f32 as the contraction sees them. FP8 (`f8E4M3FN`,
    `f8E5M2`): one scale per group of `granularity` (`block`: per (batch,
    head, floor(t / block)); `head`: per (batch, head); `token`: per (batch,
    token, head); `tensor`: one; ki counts as one head), amax = max |x|
    over the group, the copy holds roundTo(x * FMAX / amax) * amax / FMAX
    (FMAX = 448 / 57344; scale 1 when amax is 0 or not finite); rounding
    is to nearest even with saturation to the largest finite value (PTX
    `cvt.rn.satfinite`; NaN stays NaN). bf16 / f16: rounded to nearest even,
    no scale. `hadamard = true` first multiplies every Q / K row by the
    normalised Sylvester Hadamard matrix H / sqrt(D) (D a power of two, else
    a located error). The probabilities multiplying V become roundTo(p *
    256) / 256 (FP8 `pv`) or roundTo(p) (bf16 / f16); the row sum keeps p.
    A plan in the operands' own type (or f32) changes nothing. FP8 plans on
    `attn.linear` / `attn.delta` are located errors (no FP8 path).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect",
    "mlir::bufferization::BufferizationDialect"
  ];
}

def AttnEmitCInterfacePass : Pass<"attn-emit-c-interface", "mlir::ModuleOp"> {
  let summary = "Give public functions a C interface for callers outside MLIR";
  let description = [{
    Marks every public function with a body `llvm.emit_c_interface`, so that
    convert-func-to-llvm emits `_mlir_ciface_<name>` taking pointers to memref
    descriptors: the entry points the CPU JIT, attn-run and Python call
    (attn-c/CpuJit.h). Part of attn-to-cpu (option `emit-c-interface`).
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def AttnExternDynamicSharedMemoryPass
    : Pass<"attn-extern-dynamic-shared-memory", "mlir::gpu::GPUModuleOp"> {
  let summary = "Make gpu.dynamic_shared_memory an extern, 1024-aligned array";
  let description = [{
    MLIR 22 lowers `gpu.dynamic_shared_memory` to an internal 0-byte
    `__dynamic_shmem__N` global that ptxas places right next to static
    shared variables: on an H200 the dynamic buffer started 8 bytes before
    an mbarrier and overwrote it (research/mlir22-hwcheck, check 4a). Run
    after convert-gpu-to-nvvm: each such global becomes external with
    alignment 1024 (PTX `.extern .shared .align 1024 .b8 x[]`), which puts
    the dynamic buffer after all static shared memory, aligned as 128-byte
    swizzled TMA tiles require (check 4b).
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def AttnGridConstantArgsPass
    : Pass<"attn-grid-constant-args", "mlir::gpu::GPUModuleOp"> {
  let summary = "Pass the arguments a kernel names in attn.tensormap_args by value (__grid_constant__)";
  let description = [{
    Tile programs take TMA descriptors (`CUtensorMap`, 128 bytes) by value,
    as CUDA C++ does with `const __grid_constant__ CUtensorMap`: the launcher
    passes the 128 bytes as the argument's value and TMA reads them in the
    kernel's parameter space. MLIR 22's convert-gpu-to-nvvm drops a
    gpu.func argument's `llvm.byval` and the NVVM verifier accepts
    `nvvm.grid_constant` on llvm.func only, so the kernel lists such
    arguments (`!llvm.ptr`) in its `attn.tensormap_args` attribute; after
    the conversion this pass gives each `llvm.byval = !llvm.array<128 x
    i8>`, `llvm.align = 64` and `nvvm.grid_constant`
    (research/mlir22-examples/tma_grid_constant.mlir, checked on an H200)
    and drops the attribute.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::NVVM::NVVMDialect"];
}

def AttnLaunchSizesPass : Pass<"attn-launch-sizes", "mlir::ModuleOp"> {
  let summary = "Write the tile kernels' final block size and shared memory into the manifest";
  let description = [{
    convert-attn-to-gpu writes the launch manifest before the tile passes
    run, and those may change a kernel's block (atile-warp-specialize adds
    the producer's warps) and shared memory (ring barriers). convert-atile-
    to-nvvm records each kernel's dynamic shared memory in
    `attn.shared_bytes`; this pass, run after it, sets the `block` and
    `smem` of every manifest launch of such a kernel from its block size
    and that attribute, and drops the attribute.
  }];
}

def ConvertAttnToATilePass : Pass<"convert-attn-to-atile", "mlir::ModuleOp"> {
  let summary = "Write each planned attn op's algorithm as an atile tile program";
  let description = [{
    The algorithm half of the GPU lowering, one file per family
    (`lib/Conversion/AttnToATile/<Family>ToATile.cpp`): every planned op
    gets a tile program, a `gpu.func` in `gpu.module @attn_tile_kernels`
    (made when missing, `atile.target` set to `chip`), named
    `<function>_<family>_fwd`, whose arguments follow the family's kernel
    ABI (`docs/gpu-backend.md`: global pointers, then int64 sizes). The
    program states the algorithm only: which tiles are copied where, the
    products, masks, the online softmax and the stores, over
    `#attn.tile`'s `q`, `kv`, `stages` and `warps`. Instructions, copy
    engines, pipelining and warp roles are left to the atile passes
    (`atile-assign-layouts`, ...); nothing here is chip-specific beyond
    the target attribute.

    Families with a tile program: `attn.full` forward (bf16 / f16 inputs,
    causal, sliding window, soft-cap, GQA row packing, queries that are the
    last T of S keys, LSE output; `split_kv = 1`). Other ops, FP8 plans,
    f32 inputs and split-KV plans are located errors naming the reason;
    `convert-attn-to-gpu` still compiles them (and, until the tile IR is
    lowered to NVVM, compiles `attn.full` too: this pass leaves the attn
    ops in place).
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::gpu::GPUDialect",
    "mlir::LLVM::LLVMDialect", "mlir::math::MathDialect",
    "mlir::scf::SCFDialect", "mlir::atile::ATileDialect"
  ];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target GPU, recorded as the gpu.module's #atile.target">,
    Option<"overlap", "overlap", "bool", /*default=*/"false",
           "Rotate attn.full's loop so that a tile's softmax overlaps the "
           "asynchronous products of the next">,
    Option<"tensorMaps", "tensormaps", "bool", /*default=*/"false",
           "Programs take TMA descriptors of the K and V they stream (kernel "
           "arguments by value, attn.tensormap_args)">
  ];
}

def ConvertATileToNVVMPass
    : Pass<"convert-atile-to-nvvm", "mlir::gpu::GPUModuleOp"> {
  let summary = "Lower tile programs to per-thread NVVM, LLVM and scf";
  let description = [{
    Rewrites every `gpu.func` of the module that holds atile ops into what
    each thread does, as the rest of attn-to-nvvm expects it: fragments
    become per-thread registers in the layout's instruction fragment
    (loop-carried through scf.for), shared buffers slices of the kernel's
    one dynamic shared-memory array (1024-aligned, in allocation order;
    more than the `#atile.target` chip allows is an error), global views
    their pointer and extents. One file per instruction family:

    - copies (`CopyToNVVM.cpp`): `cp_async` copies as 16-byte `cp.async`
      chunks with zero fill past the rows' end, one commit group per copy,
      a barrier first when the buffer may still be read; waits as
      `cp.async.wait_group` (later copies stay in flight) plus a barrier;
      loads by `ldmatrix`; stores as each thread's pairs;
    - products (`MmaToNVVM.cpp`): `mma_sync` layouts as `mma.sync.m16n8k16`
      (bf16 / f16), operands from registers or by `ldmatrix` (`.trans` for a
      K x N tile); `wgmma` layouts as one `wgmma.mma_async` m64nNk16 chain
      per warpgroup (inline asm: A from a shared-memory descriptor or
      registers, B from a descriptor, K-major or MN-major), fenced and
      committed, and waited for at once or, for `async` products, by their
      `atile.mma_wait` (`wgmma.wait_group N`, the accumulators tied through
      it); after cp.async waits, `fence.proxy.async` makes the tiles
      visible to wgmma;
    - register math (`MathToNVVM.cpp`): maps (math.exp2 / log2 / tanh as
      ex2 / lg2 / tanh approximations), row reductions with quad shuffles,
      masks evaluated only on tiles that need them, the online softmax,
      f32 -> bf16 / f16 packing.

    Needs the layouts and engines of `atile-assign-layouts`. Not lowered
    yet (located errors): wgmma with more than 64 rows a warpgroup, TMA
    copies, FP8 fragments, `atile.quantize` and `atile.warp_specialize`.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::gpu::GPUDialect",
    "mlir::LLVM::LLVMDialect", "mlir::NVVM::NVVMDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def ConvertAttnToGPUPass : Pass<"convert-attn-to-gpu", "mlir::ModuleOp"> {
  let summary = "Lower planned attn ops to gpu.module kernels and a launch manifest";
  let description = [{
    The GPU counterpart of convert-attn-to-cpu. Each function that holds one
    planned attn op (its arguments the op's operands, its results the op's
    results) becomes kernels in `gpu.module @attn_kernels`, named
    `<function>_<kernel>`, and an entry of the module attribute
    `attn.manifest`: inputs and outputs with their shapes, where each runtime
    size comes from, workspaces, runtime parameters (`nsplit`) and the
    launches (grid and block as expressions over the sizes, dynamic shared
    memory, arguments by name: bare global pointers and int64 sizes). The
    function is removed; the launcher (the CUDA runtime, Python) runs the
    kernels from the manifest without MLIR.

    `attn.full` and `attn.sparse` become tile programs (FullToATile.cpp:
    FlashAttention's online softmax with GQA row packing, causal / window /
    soft-cap, LSE, split-KV with a combine kernel; sparse keys gathered
    through the index table, one query per block; f32 inputs through a
    bf16x3 split kernel, FP8 plans through quantisation kernels), lowered by
    atile-pipeline, atile-assign-layouts and convert-atile-to-nvvm in
    attn-to-nvvm: warp-specialised wgmma with TMA on sm_90a, mma.sync
    elsewhere. `attn.linear` and `attn.delta` in the recurrent form (the
    decode step) become tile programs too (RecurrentToATile.cpp: a block per
    slice of 32 value columns, value head and batch holds its K x 32 slice
    of the f32 state in plain-register fragments, moved in 16-byte vectors;
    K <= 256, V a multiple of 4). Kernel builders: `attn.indexer` (mma.sync
    scores, weighted ReLU, row reduction over the index heads); `attn.topk`
    (per-query radix select, ties to the smaller position, bitonic sort;
    k <= 4096); `attn.linear` and `attn.delta` in the chunked form
    (chunks of 64, bf16 q/k/v, K <= 128: a prep kernel per chunk for the
    intra-chunk WY/UT work on tensor cores, then a scan kernel carrying the
    f32 state across chunks in mma accumulators). `attn.schedule` ops are
    declarations and are removed. As the
    first pass of attn-to-nvvm it also checks the pipeline's target options.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::gpu::GPUDialect",
    "mlir::LLVM::LLVMDialect", "mlir::NVVM::NVVMDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
    "mlir::math::MathDialect", "mlir::atile::ATileDialect"
  ];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target GPU: a chip of attn's target description (sm_80, sm_86, "
           "sm_89, sm_90a, sm_100a, sm_120, ...)">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "PTX features the kernels will be compiled with (attn-to-nvvm's "
           "`features`; empty: the chip's PTX ISA version); checked against "
           "the chip and the kernels' instructions">,
    Option<"format", "format", "std::string", /*default=*/"\"isa\"",
           "Binary format the pipeline emits: isa, bin, fatbin or llvm">,
    Option<"toolkit", "toolkit", "std::string", /*default=*/"\"\"",
           "CUDA toolkit root the pipeline hands gpu-module-to-binary "
           "(attn-to-nvvm's `toolkit`); must be a directory when given">,
    ListOption<"funcs", "funcs", "std::string",
               "Compile only these functions (default: every function holding "
               "an attn op); the others are left as they are">,
    Option<"tileOverlap", "tile-overlap", "bool", /*default=*/"true",
           "Tile programs of attn.full on chips with wgmma overlap a tile's "
           "softmax with the asynchronous products of the next "
           "(FlashAttention-3's intra-warpgroup schedule; 3-12% faster on "
           "an H200, bench/RESULTS.md)">,
    Option<"tensorMaps", "tensormaps", "bool", /*default=*/"true",
           "attn.full's prefill tile program takes TMA descriptors of K and "
           "V, and the chunked linear / delta scan of its workspaces (by "
           "value, encoded by the launcher from the manifest's "
           "`tensormaps`) on chips with wgmma, for atile-warp-specialize's "
           "TMA producer">
  ];
}

#endif // ATTN_CONVERSION_PASSES_TD
