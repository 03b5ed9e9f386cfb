//===- FullToGPU.cpp - plans and manifests of the softmax kernels ---------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn.full / attn.sparse -> their kernels (tile programs from
// AttnToATile/FullToATile.cpp; FP8 plans also the quantisation kernels of
// QuantizeFp8.cpp, f32 the split_bf16 kernel of SplitBf16.cpp; the split-KV
// combine of FullCombine.cpp) and their manifest entry:
// the plan checks with located errors (tile, head dims, dtypes, FP8 plans),
// the launches (forward, one-warp decode variant, split-KV combine) and
// their workspaces and runtime parameters.
//
//===----------------------------------------------------------------------===//

#include "../AttnToATile/AttnToATile.h"
#include "Full.h"
#include "GpuBuilder.h"
#include "Kernels.h"
#include "llvm/ADT/StringExtras.h"
#include <cmath>

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;
using namespace mlir::attn::gpu_kernels::full;

//===----------------------------------------------------------------------===//
// Plan checks and the manifest entry
//===----------------------------------------------------------------------===//

/// The FP8 plan of an op whose #attn.precision asks for FP8, or a located
/// error saying what the FP8 kernels take.
static LogicalResult planFp8(Operation *op, PrecisionAttr prec,
                             const target::ChipInfo &chip, FullPlan &p) {
  auto e4m3 = [&](StringRef name) {
    return llvm::isa_and_nonnull<Float8E4M3FNType>(prec.getOperandType(name));
  };
  auto err = [&]() { return op->emitOpError() << "FP8 plan " << prec << ": "; };
  if (isa<SparseOp>(op))
    return err() << "the GPU has no FP8 sparse kernel (gathered K/V tiles); "
                    "plan it with attn-assign-precision policy=auto or off";
  if (!e4m3("qk") || !e4m3("pv"))
    return err() << "the GPU FP8 kernel takes qk and pv both f8E4M3FN";
  if (prec.getGranularity() != ScaleGranularity::block)
    return err() << "the GPU FP8 kernel takes granularity = block";
  if (prec.getHadamard() && !llvm::isPowerOf2_64(p.d))
    return err() << "the Hadamard rotation needs a power-of-two head dim, got "
                 << p.d;
  if (!(p.elem.isBF16() || p.elem.isF16()))
    return err() << "the GPU FP8 kernel quantises bf16 or f16 inputs, got "
                 << p.elem;
  if (p.d % 32 || p.kv % 32 || prec.getBlock() % p.kv)
    return err() << "the GPU FP8 kernel needs D and #attn.tile kv multiples "
                    "of 32 (one e4m3 mma k-step) and the scale block a "
                    "multiple of kv; got D = "
                 << p.d << ", kv = " << p.kv << ", block = " << prec.getBlock();
  // The V^T quantisation holds one scale block of V rows in shared memory.
  // (A block over the chip's bytes is refused before the product could
  // overflow.)
  const uint64_t block = prec.getBlock();
  if (block > chip.maxSharedPerBlock ||
      quantVtSharedBytes(static_cast<int64_t>(block), p.dv) >
          static_cast<int64_t>(chip.maxSharedPerBlock))
    return err() << "quantising V^T takes 2 x block x Dv + 16 bytes of "
                    "shared memory (block = "
                 << block << ", Dv = " << p.dv << "), more than "
                 << chip.name << "'s " << chip.maxSharedPerBlock
                 << " per block";
  const int64_t threads = p.threads();
  if ((p.q * p.d / 16) % threads || (p.kv * p.d / 16) % threads ||
      (p.dv * p.kv / 16) % threads)
    return err() << "the GPU FP8 kernel copies tiles in 16-byte chunks, an "
                    "equal number per thread: #attn.tile q = "
                 << p.q << ", kv = " << p.kv << " with " << threads
                 << " threads does not divide D = " << p.d << " / Dv = " << p.dv
                 << " tiles evenly";
  p.fp8 = true;
  p.hadamard = prec.getHadamard();
  p.scaleBlock = prec.getBlock();
  return success();
}

template <typename OpT>
static FailureOr<FullPlan> planFor(OpT op, const target::ChipInfo &chip) {
  TileAttr tile = op.getTileAttr();
  if (!tile)
    return op.emitOpError()
           << "has no #attn.tile; run attn-tile{target=<chip>} (or the "
              "attn-plan pipeline) before convert-attn-to-gpu";
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  auto kType = cast<RankedTensorType>(op.getK().getType());
  auto vType = cast<RankedTensorType>(op.getV().getType());
  Type elem = qType.getElementType();
  if (!(elem.isBF16() || elem.isF16() || elem.isF32()) ||
      kType.getElementType() != elem || vType.getElementType() != elem)
    return op.emitOpError()
           << "GPU kernels take q, k and v all bf16, all f16 or all f32; got "
           << qType.getElementType() << ", " << kType.getElementType() << ", "
           << vType.getElementType();
  FullPlan p;
  p.elem = elem;
  p.d = qType.getDimSize(3);
  p.dv = vType.getDimSize(3);
  if (ShapedType::isDynamic(p.d) || ShapedType::isDynamic(p.dv))
    return op.emitOpError() << "GPU kernels need static head dims D and Dv";
  if (p.d % 16 || p.dv % 16 || p.d > 256 || p.dv > 256)
    return op.emitOpError() << "GPU kernels take head dims that are multiples "
                               "of 16 up to 256; got D = "
                            << p.d << ", Dv = " << p.dv;
  p.q = tile.getQ();
  p.kv = tile.getKv();
  p.warps = tile.getWarps();
  if (p.kv % 16 || p.q % (16 * p.warps))
    return op.emitOpError()
           << "GPU kernels need #attn.tile kv a multiple of 16 and q a "
              "multiple of 16 x warps (16 rows per mma tile); got q = "
           << p.q << ", kv = " << p.kv << ", warps = " << p.warps;
  const int64_t threads = p.threads();
  if ((p.q * p.d / 8) % threads || (p.kv * p.d / 8) % threads ||
      (p.kv * p.dv / 8) % threads)
    return op.emitOpError()
           << "GPU kernels copy tiles in 16-byte chunks, an equal number per "
              "thread: #attn.tile q = "
           << p.q << ", kv = " << p.kv << " with " << threads
           << " threads does not divide D = " << p.d << " / Dv = " << p.dv
           << " tiles evenly";
  if (PrecisionAttr prec = op.getPrecisionAttr(); prec && prec.usesFp8()) {
    if (failed(planFp8(op, prec, chip, p)))
      return failure();
  }
  if constexpr (std::is_same_v<OpT, FullOp>) {
    p.lse = static_cast<bool>(op.getLse());
  } else {
    p.sparse = true;
    p.lse = false;
    if (std::optional<uint64_t> bs = op.getBlockSize())
      p.blockSize = static_cast<int64_t>(*bs);
  }
  return p;
}

static StringAttr str(MLIRContext *ctx, const Twine &t) {
  return StringAttr::get(ctx, t);
}

/// The kernels and manifest entry of attn.full (`kind` "full") or
/// attn.sparse ("sparse").
static FailureOr<DictionaryAttr> buildSoftmax(Operation *op, const FullPlan &p,
                                   int64_t splitKv, StringRef kind,
                                   const KernelSite &site) {
  MLIRContext *ctx = op->getContext();
  std::string base = site.prefix + "_" + kind.str();
  std::string fwd = base + "_fwd", decode = base + "_decode";
  std::string combine = base + "_combine";
  const int64_t combineThreads = (p.dv + 31) / 32 * 32;
  // Decoding (at most 16 packed query rows: T x H/Hkv) gets a one-warp
  // variant of the same kernel: one mma row tile, no idle warps, more CTAs
  // per SM to keep loads in flight.
  // (Sparse blocks serve one query each already: no decode variant; nor
  // for f32 above D = 128, whose one-warp kernel spills 500 bytes: the
  // prefill kernel decodes there.)
  const bool decodeVariant =
      !p.sparse && !(p.split() && std::max(p.d, p.dv) > 128);
  // The one-warp decode kernel: 16 packed rows; key tiles of 32 keys (16
  // above D = 128 and for f32's hi and lo tiles; FP8: the plan's tile up to
  // 64 keys, so that P is rounded against the same running maxima as in the
  // prefill kernel and its emulation when the plan's tile is 64 keys, a
  // scale block holding whole tiles), 2 stages (a 64-key tile spilled 692
  // bytes at D = 128 on sm_90a, 32 keys 688 at D = 256 and 40 for f32 at
  // D = 128: one warp copies a whole tile and holds a 16 x Dv output; the 2
  // stages keep as many bytes in flight).
  const tile_programs::RowBlock decodeRows{
      16,
      p.fp8                                    ? std::min<int64_t>(p.kv, 64)
      : std::max(p.d, p.dv) > 128 || p.split() ? 16
                                               : 32,
      2, 1};
  std::string quantRows = base + "_quant_rows", quantVt = base + "_quant_vt";
  if (p.fp8) {
    buildQuantRowsKernel(site.module, quantRows, p.d, p.scaleBlock, p.elem,
                         p.hadamard, op->getLoc());
    buildQuantVtKernel(site.module, quantVt, p.dv, p.scaleBlock, p.elem,
                       op->getLoc());
  }
  std::string splitBf16 = base + "_split_bf16";
  if (p.split())
    buildSplitBf16Kernel(site.module, splitBf16, op->getLoc());
  // The prefill tile program takes TMA descriptors of K and V (128-byte
  // column blocks of whole rows, a KV tile of rows per box) for the
  // warp-specialised wgmma kernel; FP8 where its tiles have 128-byte rows
  // (D = Dv = 128 and 128-key tiles; otherwise its program copies by
  // cp.async, mma.sync e4m3). Sparse K / V rows are gathered and f32 reads
  // its bf16 halves: cp.async, no descriptors.
  const bool fp8Maps = site.chip.wgmma && p.d == 128 && p.dv == 128 &&
                       p.kv % 128 == 0;
  const bool maps =
      site.tensorMaps && !p.sparse && !p.split() && (!p.fp8 || fp8Maps);
  // The overlapped loop on wgmma chips; FP8 runs the serial loop (its fresh
  // per-tile P V accumulator does not fit next to the overlapped loop's
  // registers: 96 bytes of spills), as do sparse and f32 (mma.sync blocks of
  // one warp; three products per contraction).
  const bool overlap = site.tileOverlap && site.chip.wgmma && !p.fp8 &&
                       !p.sparse && !p.split();
  auto program = [&](StringRef name, std::optional<tile_programs::RowBlock> rows,
                     bool overlapped, bool tensorMaps) -> FailureOr<int64_t> {
    FailureOr<gpu::GPUFuncOp> fn = tile_programs::buildFullProgram(
        op, site.module, name, rows, overlapped, tensorMaps);
    if (failed(fn))
      return failure();
    const int64_t bytes = atile::sharedBytes(*fn);
    if (bytes > site.chip.maxSharedPerBlock)
      return op->emitOpError()
             << "tile needs " << bytes << " bytes of shared memory ("
             << name << "); " << site.chip.name << " allows at most "
             << site.chip.maxSharedPerBlock << " per block";
    return bytes;
  };
  FailureOr<int64_t> fwdSmem = program(fwd, std::nullopt, overlap, maps);
  if (failed(fwdSmem))
    return failure();
  int64_t decodeSmem = 0;
  if (decodeVariant) {
    FailureOr<int64_t> bytes = program(decode, decodeRows, false, false);
    if (failed(bytes))
      return failure();
    decodeSmem = *bytes;
  }
  buildCombineKernel(site.module, combine, p, combineThreads, op->getLoc());

  Builder b(ctx);
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  std::string d = std::to_string(p.d), dv = std::to_string(p.dv);
  std::string elem = dtypeName(p.elem);
  SmallVector<Attribute> inputs = {
      tensorEntry(ctx, "q", p.elem, {"B", "T", "H", d}),
      tensorEntry(ctx, "k", p.elem, {"B", "S", "Hkv", d}),
      tensorEntry(ctx, "v", p.elem, {"B", "S", "Hkv", dv})};
  if (p.sparse)
    inputs.push_back(tensorEntry(ctx, "idx", IntegerType::get(ctx, 32),
                                 {"B", "T", "Hkv", "N"}));
  SmallVector<Attribute> outputs = {
      tensorEntry(ctx, "o", p.elem, {"B", "T", "H", dv})};
  if (p.lse)
    outputs.push_back(tensorEntry(ctx, "lse", b.getF32Type(), {"B", "T", "H"}));

  NamedAttrList sizes;
  sizes.append("B", stringArray(ctx, {"q", "0"}));
  sizes.append("T", stringArray(ctx, {"q", "1"}));
  sizes.append("H", stringArray(ctx, {"q", "2"}));
  sizes.append("S", stringArray(ctx, {"k", "1"}));
  sizes.append("Hkv", stringArray(ctx, {"k", "2"}));
  if (p.sparse)
    sizes.append("N", stringArray(ctx, {"idx", "3"}));

  // nsplit: chosen by the launcher for the card it runs on (docs/gpu-
  // backend.md): enough CTAs for `ctas_per_sm` waves of the SMs, at most
  // the plan's split_kv and one split per KV tile.
  std::string q = std::to_string(p.q), kv = std::to_string(p.kv);
  std::string rowBlocks =
      p.sparse ? "T*cdiv(H/Hkv, " + q + ")" : "cdiv(T*(H/Hkv), " + q + ")";
  std::string decodeBlocks = "cdiv(T*(H/Hkv), 16)";
  const char *isDecode = "T*(H/Hkv) <= 16";
  NamedAttrList nsplit;
  nsplit.append("max", i64(splitKv));
  nsplit.append("blocks",
                str(ctx, !decodeVariant ? rowBlocks + "*Hkv*B"
                                        : "select(" + std::string(isDecode) + ", " +
                                        decodeBlocks + ", " + rowBlocks +
                                        ")*Hkv*B"));
  nsplit.append(
      "tiles",
      str(ctx, p.sparse ? "cdiv(N*" + std::to_string(p.blockSize.value_or(1)) +
                              ", " + kv + ")"
                        : "cdiv(S, " + kv + ")"));
  nsplit.append("ctas_per_sm", i64(4));
  NamedAttrList params;
  params.append("nsplit", nsplit.getDictionary(ctx));

  auto workspace = [&](StringRef name, StringRef elements,
                       StringRef dtype = "f32") {
    NamedAttrList w;
    w.append("name", str(ctx, name));
    w.append("dtype", str(ctx, dtype));
    w.append("elements", str(ctx, elements));
    return w.getDictionary(ctx);
  };
  // The split-KV partials exist only when the KV is split (nsplit > 1):
  // zero elements otherwise, which the launchers pass as a null pointer
  // (a prefill at T = 16k would otherwise hold 134 MB of them per call).
  SmallVector<Attribute> workspaces = {
      workspace("o_part", "select(nsplit > 1, nsplit*B*T*H*" + dv + ", 0)"),
      workspace("lse_part", "select(nsplit > 1, nsplit*B*T*H, 0)")};
  // f32: the bf16 halves of Q, K and V.
  std::string nq = "B*T*H*" + d, nk = "B*S*Hkv*" + d, nv = "B*S*Hkv*" + dv;
  if (p.split()) {
    for (auto [name, n] : {std::pair<StringRef, std::string>{"q", nq},
                           {"k", nk},
                           {"v", nv}}) {
      workspaces.push_back(workspace((name + "_hi").str(), n, "bf16"));
      workspaces.push_back(workspace((name + "_lo").str(), n, "bf16"));
    }
  }
  std::string nbT = "cdiv(T, " + std::to_string(p.scaleBlock) + ")";
  std::string nbS = "cdiv(S, " + std::to_string(p.scaleBlock) + ")";
  if (p.fp8) {
    auto bytes = [&](StringRef name, const std::string &elements) {
      return workspace(name, elements, "u8");
    };
    workspaces.push_back(bytes("q8", "B*T*H*" + d));
    workspaces.push_back(bytes("k8", "B*S*Hkv*" + d));
    workspaces.push_back(bytes("v8t", "B*Hkv*" + dv + "*" + nbS + "*" +
                                          std::to_string(p.scaleBlock)));
    workspaces.push_back(workspace("sq", "B*T*H"));
    workspaces.push_back(workspace("sk", "B*S*Hkv"));
    workspaces.push_back(workspace("sv", "B*Hkv*" + nbS));
  }

  auto launch = [&](StringRef kernel, ArrayRef<std::string> grid,
                    int64_t threads, int64_t smem, ArrayRef<const char *> args,
                    StringRef when) {
    NamedAttrList l;
    l.append("kernel", str(ctx, kernel));
    l.append("grid", stringArray(ctx, grid));
    l.append("block", b.getI64ArrayAttr({threads, 1, 1}));
    l.append("smem", i64(smem));
    SmallVector<std::string> names(args.begin(), args.end());
    l.append("args", stringArray(ctx, names));
    if (!when.empty())
      l.append("when", str(ctx, when));
    return l.getDictionary(ctx);
  };
  SmallVector<Attribute> launches;
  ArrayRef<const char *> fwdArgs = kFwdArgNames;
  if (p.fp8)
    fwdArgs = kFp8FwdArgNames;
  if (p.split())
    fwdArgs = kSplitFwdArgNames;
  SmallVector<const char *> mappedArgs(fwdArgs.begin(), fwdArgs.end());
  SmallVector<Attribute> tensormaps;
  if (maps) {
    const int64_t eb = p.fp8 ? 1 : p.elem.getIntOrFloatBitWidth() / 8;
    // `box` innermost first; `shape` (outermost first) for a workspace,
    // which has none of its own.
    auto tensormap = [&](StringRef name, StringRef tensor,
                         ArrayRef<int64_t> box,
                         ArrayRef<std::string> shape) {
      NamedAttrList m;
      m.append("name", str(ctx, name));
      m.append("tensor", str(ctx, tensor));
      m.append("box", b.getI64ArrayAttr(box));
      m.append("swizzle", i64(128));
      if (!shape.empty())
        m.append("shape", stringArray(ctx, shape));
      return m.getDictionary(ctx);
    };
    if (p.fp8) {
      // K8 [B, S, Hkv, D]: one 128-byte column block, one head, kv rows,
      // one batch. V8t [B, Hkv, Dv, blocks of kv keys, kv]: kv keys, one
      // block, the Dv channels as rows, one head, one batch.
      std::string blocks = nbS + "*" + std::to_string(p.scaleBlock / p.kv);
      tensormaps = {
          tensormap("k_map", "k8", {128, 1, p.kv, 1}, {"B", "S", "Hkv", d}),
          tensormap("v_map", "v8t", {p.kv, 1, p.dv, 1, 1},
                    {"B", "Hkv", dv, blocks, kv})};
    } else {
      // K, V [B, S, Hkv, D]: one 128-byte column block, one head, kv rows,
      // one batch.
      tensormaps = {tensormap("k_map", "k", {128 / eb, 1, p.kv, 1}, {}),
                    tensormap("v_map", "v", {128 / eb, 1, p.kv, 1}, {})};
    }
    mappedArgs.push_back("k_map");
    mappedArgs.push_back("v_map");
  }
  if (p.fp8) {
    // Quantise Q, K (rows) and V (transposed) first.
    const char *qArgs[] = {"q", "q8", "sq", "B", "T", "H"};
    const char *kArgs[] = {"k", "k8", "sk", "B", "S", "Hkv"};
    const char *vArgs[] = {"v", "v8t", "sv", "B", "S", "Hkv"};
    launches.push_back(launch(quantRows, {nbT, "H", "B"}, 128, 16, qArgs, ""));
    launches.push_back(
        launch(quantRows, {nbS, "Hkv", "B"}, 128, 16, kArgs, ""));
    launches.push_back(launch(quantVt, {nbS, "Hkv", "B"}, 128,
                              quantVtSharedBytes(p.scaleBlock, p.dv), vArgs,
                              ""));
  }
  if (p.split()) {
    // Split Q, K and V into their bf16 halves first.
    const char *qArgs[] = {"q", "q_hi", "q_lo", "nq"};
    const char *kArgs[] = {"k", "k_hi", "k_lo", "nk"};
    const char *vArgs[] = {"v", "v_hi", "v_lo", "nv"};
    launches.push_back(launch(splitBf16, {"cdiv(" + nq + ", 2048)", "1", "1"},
                              256, 0, qArgs, ""));
    launches.push_back(launch(splitBf16, {"cdiv(" + nk + ", 2048)", "1", "1"},
                              256, 0, kArgs, ""));
    launches.push_back(launch(splitBf16, {"cdiv(" + nv + ", 2048)", "1", "1"},
                              256, 0, vArgs, ""));
  }
  if (!decodeVariant) {
    launches.push_back(launch(fwd, {rowBlocks, "Hkv", "B*nsplit"}, p.threads(),
                              *fwdSmem, fwdArgs, ""));
  } else {
    launches.push_back(launch(fwd, {rowBlocks, "Hkv", "B*nsplit"},
                              p.threads(), *fwdSmem,
                              maps ? ArrayRef<const char *>(mappedArgs)
                                   : fwdArgs,
                              "T*(H/Hkv) > 16"));
    launches.push_back(launch(decode, {decodeBlocks, "Hkv", "B*nsplit"},
                              32 * decodeRows.warps, decodeSmem, fwdArgs,
                              isDecode));
  }
  launches.push_back(launch(combine, {"B*T*H", "1", "1"}, combineThreads, 0,
                            kCombineArgNames, "nsplit > 1"));

  NamedAttrList tile;
  tile.append("q", i64(p.q));
  tile.append("kv", i64(p.kv));
  tile.append("warps", i64(p.warps));

  NamedAttrList entry;
  entry.append("op", str(ctx, op->getName().getStringRef()));
  entry.append("inputs", ArrayAttr::get(ctx, inputs));
  entry.append("outputs", ArrayAttr::get(ctx, outputs));
  entry.append("sizes", sizes.getDictionary(ctx));
  entry.append("params", params.getDictionary(ctx));
  entry.append("values", [&] {
    NamedAttrList v;
    v.append("rows", str(ctx, "B*T*H"));
    if (p.split()) {
      v.append("nq", str(ctx, nq));
      v.append("nk", str(ctx, nk));
      v.append("nv", str(ctx, nv));
    }
    return v.getDictionary(ctx);
  }());
  entry.append("workspaces", ArrayAttr::get(ctx, workspaces));
  if (!tensormaps.empty())
    entry.append("tensormaps", ArrayAttr::get(ctx, tensormaps));
  {
    // The tile programs index packed query rows and keys in 32 bits
    // (atile.mask, atile.copy's row decomposition).
    auto limit = [&](StringRef expr, StringRef what) {
      NamedAttrList l;
      l.append("expr", str(ctx, expr));
      l.append("below", i64(int64_t(1) << 31));
      l.append("what", str(ctx, what));
      return l.getDictionary(ctx);
    };
    SmallVector<Attribute> limits = {
        limit("T*(H/Hkv)", "query rows T x H/Hkv"), limit("S", "keys S")};
    if (p.sparse) // gathered positions N x block_size
      limits.push_back(limit("N*" + std::to_string(p.blockSize.value_or(1)),
                             "selected keys N x block_size"));
    entry.append("limits", b.getArrayAttr(limits));
  }
  entry.append("launches", ArrayAttr::get(ctx, launches));
  entry.append("tile", tile.getDictionary(ctx));
  if (p.fp8)
    entry.append(
        "precision",
        str(ctx, "e4m3 qk and pv, scales per " + std::to_string(p.scaleBlock) +
                     " tokens" +
                     (p.hadamard ? ", Hadamard rotation of Q and K" : "")));
  return entry.getDictionary(ctx);
}

FailureOr<DictionaryAttr> gpu_kernels::buildFull(FullOp op,
                                                 const KernelSite &site) {
  FailureOr<FullPlan> plan = planFor(op, site.chip);
  if (failed(plan))
    return failure();
  return buildSoftmax(op, *plan, op.getTileAttr().getSplitKv(), "full", site);
}

FailureOr<DictionaryAttr> gpu_kernels::buildSparse(SparseOp op,
                                                   const KernelSite &site) {
  FailureOr<FullPlan> plan = planFor(op, site.chip);
  if (failed(plan))
    return failure();
  return buildSoftmax(op, *plan, op.getTileAttr().getSplitKv(), "sparse", site);
}
