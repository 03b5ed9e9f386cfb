//===- AttnAttrs.cpp - attn enums and attribute verifiers -----------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Generated enum/attribute definitions and the rules each attribute states in
// its ODS description: chunk and tile sizes, precision choices, and the
// per-kind consistency of a hybrid-schedule layer configuration.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnAttrs.h"
#include "VerifyUtils.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::attn;

#include "dialects/attn/AttnEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/attn/AttnAttrs.cpp.inc"

void AttnDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/attn/AttnAttrs.cpp.inc"
      >();
}

static bool isPow2In(int64_t v, int64_t lo, int64_t hi) {
  return v >= lo && v <= hi && llvm::isPowerOf2_64(static_cast<uint64_t>(v));
}

//===----------------------------------------------------------------------===//
// #attn.chunk
//===----------------------------------------------------------------------===//

LogicalResult ChunkAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t size, int64_t subChunk) {
  if (!isPow2In(size, 16, 256))
    return emitError() << "#attn.chunk: 'size' must be a power of two in "
                          "[16, 256], got "
                       << size;
  if (subChunk != 0 && (!isPow2In(subChunk, 1, size) || size % subChunk != 0))
    return emitError() << "#attn.chunk: 'sub_chunk' must be 0 or a power of "
                          "two dividing 'size' = "
                       << size << ", got " << subChunk;
  return success();
}

//===----------------------------------------------------------------------===//
// #attn.tile
//===----------------------------------------------------------------------===//

LogicalResult TileAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               int64_t q, int64_t kv, int64_t stages,
                               int64_t splitKv, int64_t warps) {
  if (!isPow2In(q, 16, 256))
    return emitError() << "#attn.tile: 'q' must be a power of two in [16, "
                          "256], got "
                       << q;
  if (!isPow2In(kv, 16, 256))
    return emitError() << "#attn.tile: 'kv' must be a power of two in [16, "
                          "256], got "
                       << kv;
  if (stages < 1 || stages > 8)
    return emitError() << "#attn.tile: 'stages' must be in [1, 8], got "
                       << stages;
  if (splitKv < 1)
    return emitError() << "#attn.tile: 'split_kv' must be at least 1, got "
                       << splitKv;
  if (!isPow2In(warps, 1, 16))
    return emitError() << "#attn.tile: 'warps' must be 1, 2, 4, 8 or 16, got "
                       << warps;
  return success();
}

//===----------------------------------------------------------------------===//
// #attn.precision
//===----------------------------------------------------------------------===//

static bool isPrecisionOperandType(Type t) {
  return llvm::isa<BFloat16Type, Float16Type, Float32Type, Float8E4M3FNType,
                   Float8E5M2Type>(t);
}

LogicalResult
PrecisionAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      DictionaryAttr operands, Type accumulator,
                      ScaleGranularity granularity, int64_t block,
                      bool hadamard) {
  (void)hadamard;
  if (!operands)
    return emitError() << "#attn.precision: 'operands' must be a dictionary";
  for (NamedAttribute entry : operands) {
    auto typeAttr = llvm::dyn_cast<TypeAttr>(entry.getValue());
    if (!typeAttr || !isPrecisionOperandType(typeAttr.getValue()))
      return emitError() << "#attn.precision: contraction '"
                         << entry.getName().strref()
                         << "' must map to one of bf16, f16, f32, f8E4M3FN, "
                            "f8E5M2, got "
                         << entry.getValue();
  }
  if (!accumulator || !accumulator.isF32())
    return emitError() << "#attn.precision: 'accumulator' must be f32, got "
                       << accumulator;
  if (granularity == ScaleGranularity::block && block <= 0)
    return emitError() << "#attn.precision: 'granularity = block' needs a "
                          "positive 'block', got "
                       << block;
  if (granularity != ScaleGranularity::block && block != 0)
    return emitError() << "#attn.precision: 'block' is only meaningful with "
                          "'granularity = block', got granularity = "
                       << stringifyScaleGranularity(granularity);
  return success();
}

Type PrecisionAttr::getOperandType(llvm::StringRef contraction) const {
  if (auto t = llvm::dyn_cast_or_null<TypeAttr>(getOperands().get(contraction)))
    return t.getValue();
  return {};
}

bool PrecisionAttr::usesFp8() const {
  return llvm::any_of(getOperands(), [](NamedAttribute e) {
    auto t = llvm::dyn_cast<TypeAttr>(e.getValue());
    return t && llvm::isa<Float8E4M3FNType, Float8E5M2Type>(t.getValue());
  });
}

//===----------------------------------------------------------------------===//
// #attn.layer
//===----------------------------------------------------------------------===//

LogicalResult LayerAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                LayerKind kind, int64_t heads, int64_t kvHeads,
                                int64_t valueHeads, int64_t headDim,
                                int64_t valueDim, GateKind gate, int64_t window,
                                int64_t topk, int64_t blockSize,
                                int64_t indexHeads, int64_t indexDim,
                                int64_t conv, int64_t kvLoraRank) {
  llvm::StringRef k = stringifyLayerKind(kind);
  auto fail = [&]() -> InFlightDiagnostic {
    return emitError() << "#attn.layer (kind = " << k << "): ";
  };
  struct Field {
    const char *name;
    int64_t value;
  };
  for (Field f : {Field{"heads", heads}, Field{"head_dim", headDim}})
    if (f.value <= 0)
      return fail() << "'" << f.name << "' must be positive, got " << f.value;
  for (Field f :
       {Field{"kv_heads", kvHeads}, Field{"value_heads", valueHeads},
        Field{"value_dim", valueDim}, Field{"window", window},
        Field{"topk", topk}, Field{"block_size", blockSize},
        Field{"index_heads", indexHeads}, Field{"index_dim", indexDim},
        Field{"conv", conv}, Field{"kv_lora_rank", kvLoraRank}})
    if (f.value < 0)
      return fail() << "'" << f.name << "' must not be negative, got "
                    << f.value;

  bool softmax = kind == LayerKind::full || kind == LayerKind::sparse;
  bool recurrent = !softmax;
  auto onlyFor = [&](const char *name, int64_t value, bool allowed,
                     const char *kinds) -> LogicalResult {
    if (value == 0 || allowed)
      return success();
    return fail() << "'" << name << "' applies only to " << kinds << " layers";
  };
  if (failed(onlyFor("kv_heads", kvHeads, softmax, "full/sparse")) ||
      failed(onlyFor("kv_lora_rank", kvLoraRank, softmax, "full/sparse")) ||
      failed(onlyFor("value_heads", valueHeads, kind == LayerKind::delta,
                     "delta")) ||
      failed(onlyFor("window", window, kind == LayerKind::full, "full")) ||
      failed(onlyFor("topk", topk, kind == LayerKind::sparse, "sparse")) ||
      failed(onlyFor("block_size", blockSize, kind == LayerKind::sparse,
                     "sparse")) ||
      failed(onlyFor("index_heads", indexHeads, kind == LayerKind::sparse,
                     "sparse")) ||
      failed(onlyFor("index_dim", indexDim, kind == LayerKind::sparse,
                     "sparse")) ||
      failed(onlyFor("conv", conv, recurrent, "linear/delta")))
    return failure();

  if (kvHeads != 0 && heads % kvHeads != 0)
    return fail() << "'heads' = " << heads
                  << " must be a multiple of 'kv_heads' = " << kvHeads;
  if (valueHeads != 0 && valueHeads % heads != 0)
    return fail() << "'value_heads' = " << valueHeads
                  << " must be a multiple of 'heads' = " << heads;
  if (gate != GateKind::none && softmax)
    return fail() << "'gate' applies only to linear/delta layers";
  if (kind == LayerKind::delta && gate == GateKind::constant)
    return fail() << "'gate = constant' is not a delta-rule variant; use "
                     "none (DeltaNet), scalar (Gated DeltaNet) or vector (KDA)";
  if (kind == LayerKind::sparse && topk == 0)
    return fail() << "sparse layers need 'topk' (selected tokens, or blocks "
                     "with 'block_size')";
  // A layer must be one its layer functions can take: the ops'
  // verifiers bound these (attn-expand-schedule would otherwise generate
  // invalid IR).
  if (topk > kMaxTopK)
    return fail() << "'topk' must be at most " << kMaxTopK
                  << " (attn.topk's limit), got " << topk;
  if (blockSize > kMaxBlockSize)
    return fail() << "'block_size' must be at most 2^31 (attn.sparse's "
                     "limit), got "
                  << blockSize;
  if ((indexHeads == 0) != (indexDim == 0))
    return fail() << "'index_heads' and 'index_dim' go together";
  if (indexHeads != 0 && blockSize != 0)
    return fail() << "a DSA indexer ('index_heads') selects tokens; it does "
                     "not combine with 'block_size'";
  return success();
}
