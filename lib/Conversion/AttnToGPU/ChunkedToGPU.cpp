//===- ChunkedToGPU.cpp - chunked attn.linear / attn.delta kernels --------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The chunked (prefill) form of the linear and delta-rule ops in two
// kernels, both tile programs (AttnToATile/ChunkedPrepToATile.cpp and
// ChunkedScanToATile.cpp; this file writes their manifest entry), C = 64
// tokens per chunk, bf16 operands on tensor cores, f32 accumulation, gates
// and state:
//
// - `<fn>_{delta,linear}_prep`: one CTA of 4 warps per (chunk, value head,
//   batch), all chunks in parallel. Gate cumsum b (log2 units, f32) over
//   the chunk; A_kk = StrictTril(diag(beta) (K K^T . Gamma)) and A_qk =
//   scale Tril(Q K^T . Gamma) with Gamma_ij = exp2(b_i - b_j): one mma
//   product for no gate / one decay per head; for a per-channel gate (GLA,
//   KDA) the sub-chunk scheme — blocks of 16 rows, pairs in different
//   blocks through the later block's anchor e (the earlier block's last
//   row): (K_i . 2^(b_i - b_e)) (K_j . 2^(b_e - b_j))^T, both factors <= 1,
//   on tensor cores; the diagonal 16 x 16 blocks element by element in f32.
//   Every exponent formed is <= 0 (the masked upper triangle is clamped
//   before exp2), so gates near -20 stay finite. Delta: X = (I + A_kk)^-1
//   by forward substitution in f32 (one thread per column), then
//   W = X (diag(beta) K . 2^b) and U = X diag(beta) V on tensor cores.
//   Writes W, U (linear: U = V),
//   Qg = scale Q . 2^b, Kg = K . 2^(b_C - b), A_qk (bf16) and 2^(b_C) (f32)
//   to workspaces laid out [B, HV, chunks * 64, .] (rows past T are zeros).
// - `<fn>_{delta,linear}_scan`: one CTA per (slice of 16 * warps value
//   columns, value head, batch) walks the chunks in order with the f32
//   state in registers, transposed: each warp owns 16 value columns v and
//   holds S^T[v, :] as mma accumulators, which (packed to bf16) are the A
//   operand of the next products, FlashAttention-2's P trick. Per chunk:
//     V_new^T = U^T - S^T W^T                       (delta only)
//     O^T     = S^T Qg^T + V_new^T A_qk^T
//     S^T     = S^T diag(2^(b_C)) + V_new^T Kg
//   The next chunk's tiles are copied (double-buffered: by a TMA producer
//   warpgroup on sm_90a, cp.async otherwise) while this one computes; on
//   sm_90a the products are wgmma when V is a multiple of 64 and K of 64.
//   Initial and final states are [B, HV, K, V] f32.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "LinearDelta.h"
#include "attn/Dialect/ATile/IR/ATileOps.h"

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

namespace {
constexpr int64_t C = kGpuChunk;
/// A kernel's launch: threads per CTA, dynamic shared memory bytes and its
/// arguments by manifest name.
struct ChunkedLaunch {
  int64_t threads, smem;
  ArrayRef<const char *> args;
};
} // namespace

ChunkedKernels gpu_kernels::buildChunked(gpu::GPUModuleOp module,
                                         StringRef prefix,
                                         const LinearDeltaPlan &p,
                                         bool tensorMaps, Location loc) {
  MLIRContext *ctx = module.getContext();
  Builder b(ctx);
  const char *kind = p.delta ? "_delta" : "_linear";
  std::string prep = (prefix + kind + "_prep").str();
  std::string scan = (prefix + kind + "_scan").str();
  const int64_t warps = tile_programs::chunkedScanWarps(p.v);
  gpu::GPUFuncOp prepFn =
      tile_programs::buildChunkedPrepProgram(module, prep, p, C, loc);
  ChunkedLaunch prepLaunch = {128, atile::sharedBytes(prepFn),
                              tile_programs::kChunkedPrepArgs};
  gpu::GPUFuncOp scanFn = tile_programs::buildChunkedScanProgram(
      module, scan, p, C, tensorMaps, loc);
  ChunkedLaunch scanLaunch = {32 * warps, atile::sharedBytes(scanFn),
                              tile_programs::kChunkedScanArgs};
  SmallVector<StringRef> maps = tile_programs::chunkedScanMaps(p, tensorMaps);

  ChunkedKernels out;
  std::string k = std::to_string(p.k), v = std::to_string(p.v);
  std::string rows =
      "B*HV*cdiv(T," + std::to_string(C) + ")*" + std::to_string(C);
  auto workspace = [&](StringRef name, StringRef dtype, std::string elements) {
    NamedAttrList w;
    w.append("name", b.getStringAttr(name));
    w.append("dtype", b.getStringAttr(dtype));
    w.append("elements", b.getStringAttr(elements));
    out.workspaces.push_back(w.getDictionary(ctx));
  };
  if (p.delta)
    workspace("w", "bf16", rows + "*" + k);
  // (The linear form's U is V: the scan reads the input.)
  if (p.delta)
    workspace("u", "bf16", rows + "*" + v);
  workspace("qg", "bf16", rows + "*" + k);
  workspace("kg", "bf16", rows + "*" + k);
  workspace("aqk", "bf16", rows + "*" + std::to_string(C));
  workspace("gc", "f32", "B*HV*cdiv(T," + std::to_string(C) + ")*" + k);

  // The scan's TMA descriptors: workspace [B, HV, chunks * C, cols] (U by
  // 64-column slices: [B, HV, chunks * C, V / 64, 64]; the decays
  // [B, HV, chunks, K] f32). Each box and swizzle is read off the staged
  // tile the program's copies through that descriptor fill, so the two
  // cannot disagree: one 128-byte column block of the tile's rows (a box of
  // one along every other view dimension; innermost first), in the tile's
  // swizzle (TMA swizzles by shared address: the decays' 1-row tile is
  // unswizzled, or it would land permuted).
  llvm::StringMap<std::pair<SmallVector<int64_t>, int64_t>> boxes;
  const unsigned firstMap = scanFn.getNumArguments() - maps.size();
  scanFn.walk([&](atile::CopyOp copy) {
    auto view = copy.getSrc().getDefiningOp<atile::ViewOp>();
    auto arg = view ? dyn_cast_or_null<BlockArgument>(view.getTensormap())
                    : BlockArgument();
    if (!arg)
      return;
    atile::SmemType tile = copy.getDst().getType();
    const int64_t rank = view.getResult().getType().getRank();
    SmallVector<int64_t> box = {128 * 8 /
                                tile.getElementType().getIntOrFloatBitWidth()};
    for (int64_t d = rank - 2; d >= 0; --d)
      box.push_back(d == copy.getRows()[0] ? tile.getRows() : 1);
    boxes[maps[arg.getArgNumber() - firstMap]] = {box, tile.getSwizzle()};
  });
  std::string padded = "cdiv(T," + std::to_string(C) + ")*" + std::to_string(C);
  for (StringRef m : maps) {
    assert(boxes.count(m) && "every TMA descriptor of the scan is copied from");
    NamedAttrList e;
    e.append("name", b.getStringAttr(m + "_map"));
    const bool input = m == "u" && !p.delta;
    e.append("tensor", b.getStringAttr(input ? "v" : m));
    SmallVector<std::string> shape = {"B", "HV", padded};
    if (m == "gc")
      shape = {"B", "HV", "cdiv(T," + std::to_string(C) + ")", k};
    else if (input)
      shape = {"B", "T", "HV", std::to_string(p.v / 64), "64"};
    else if (m == "u")
      shape.append({std::to_string(p.v / 64), "64"});
    else
      shape.push_back(m == "aqk" ? std::to_string(C) : k);
    e.append("box", b.getI64ArrayAttr(boxes[m].first));
    e.append("swizzle", b.getI64IntegerAttr(boxes[m].second));
    e.append("shape", stringArray(ctx, shape));
    out.tensormaps.push_back(e.getDictionary(ctx));
  }

  auto launch = [&](StringRef kernel, ArrayRef<std::string> grid,
                    const ChunkedLaunch &k, ArrayRef<StringRef> mapArgs) {
    NamedAttrList l;
    l.append("kernel", b.getStringAttr(kernel));
    l.append("grid", stringArray(ctx, grid));
    l.append("block", b.getI64ArrayAttr({k.threads, 1, 1}));
    l.append("smem", b.getI64IntegerAttr(k.smem));
    SmallVector<std::string> args(k.args.begin(), k.args.end());
    // The linear form passes V where the delta form passes its U workspace
    // (the prep does not read it).
    if (!p.delta)
      for (std::string &a : args)
        if (a == "u")
          a = "v";
    for (StringRef m : mapArgs)
      args.push_back((m + "_map").str());
    l.append("args", stringArray(ctx, args));
    out.launches.push_back(l.getDictionary(ctx));
  };
  launch(prep, {"cdiv(T," + std::to_string(C) + ")", "HV", "B"}, prepLaunch,
         {});
  launch(scan, {std::to_string(p.v / (16 * warps)), "HV", "B"}, scanLaunch,
         maps);
  return out;
}
