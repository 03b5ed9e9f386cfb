//===- AttnToGPU.cpp - convert-attn-to-gpu --------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The entry of the GPU lowering. Each function holding one attn op becomes
// kernels in the module's `gpu.module @attn_kernels` plus an entry of the
// module's `attn.manifest` attribute, which says how to launch them (the
// launcher is the runtime: Python over the CUDA driver, or any host). The
// function itself is removed: its body now lives in the kernels. Ops without
// a GPU kernel builder yet are located errors, never dropped silently.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPUPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;
using namespace mlir::attn::gpu_kernels;

std::string gpu_kernels::dtypeName(Type elem) {
  std::string s;
  llvm::raw_string_ostream os(s);
  elem.print(os);
  return s;
}

ArrayAttr gpu_kernels::stringArray(MLIRContext *ctx,
                                   ArrayRef<std::string> items) {
  SmallVector<Attribute> attrs;
  for (const std::string &s : items)
    attrs.push_back(StringAttr::get(ctx, s));
  return ArrayAttr::get(ctx, attrs);
}

DictionaryAttr gpu_kernels::tensorEntry(MLIRContext *ctx, StringRef name,
                                        Type elem, ArrayRef<std::string> dims) {
  NamedAttrList e;
  e.append("name", StringAttr::get(ctx, name));
  e.append("dtype", StringAttr::get(ctx, dtypeName(elem)));
  e.append("shape", stringArray(ctx, dims));
  return e.getDictionary(ctx);
}

static bool isAttnCompute(Operation *op) {
  return isa<FullOp, SparseOp, IndexerOp, TopKOp, LinearOp, DeltaOp>(op);
}

/// The one attn op of `fn`, when `fn` is exactly "call that op on my
/// arguments and return its results" (tensor.cast on the way allowed).
static FailureOr<Operation *> singleAttnOp(func::FuncOp fn) {
  Operation *attnOp = nullptr;
  for (Operation &op : fn.getBody().front()) {
    if (isAttnCompute(&op)) {
      if (attnOp)
        return op.emitOpError()
               << "the GPU lowering compiles one attn op per function for "
                  "now; split '"
               << fn.getSymName() << "' into one function per op";
      attnOp = &op;
    } else if (!isa<func::ReturnOp, tensor::CastOp>(op)) {
      return op.emitOpError()
             << "cannot be lowered for the GPU: a function compiled by "
                "attn-to-nvvm holds one attn op, its arguments being the op's "
                "operands and its results the op's results";
    }
  }
  auto through = [](Value v) {
    while (auto cast = v.getDefiningOp<tensor::CastOp>())
      v = cast.getSource();
    return v;
  };
  for (auto [i, operand] : llvm::enumerate(attnOp->getOperands()))
    if (!isa<BlockArgument>(through(operand)))
      return attnOp->emitOpError()
             << "operand #" << i
             << " must be a function argument for the GPU lowering (the "
                "manifest binds each input to one)";
  auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
  if (ret.getNumOperands() != attnOp->getNumResults())
    return ret.emitOpError() << "must return exactly the attn op's results";
  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    if (through(v) != attnOp->getResult(i))
      return ret.emitOpError()
             << "result #" << i << " must be the attn op's result #" << i;
  return attnOp;
}

/// The GPU kernels compute every contraction at the inputs' element type
/// (f32 through the bf16x3 split, which keeps f32 accuracy), the delta rule's
/// solve in f32, and FP8 where their FP8 paths take it. A hand-set plan that
/// asks for anything else (qk = f16 on f32 inputs, say) would run as if it
/// were not there while the CPU backend emulates it: one plan, two results.
/// Refuse it instead, naming the contraction.
static LogicalResult checkPlannedPrecision(Operation *op,
                                           PrecisionAttr prec) {
  Value q = isa<IndexerOp>(op) ? cast<IndexerOp>(op).getQi()
                               : op->getOperand(0);
  Type input = cast<ShapedType>(q.getType()).getElementType();
  for (NamedAttribute entry : prec.getOperands()) {
    auto type = dyn_cast<TypeAttr>(entry.getValue());
    if (!type)
      continue; // the attribute's verifier reports it
    Type planned = type.getValue();
    StringRef name = entry.getName().getValue();
    if (isa<Float8E4M3FNType, Float8E5M2Type>(planned))
      continue; // the FP8 paths check their own plans
    Type computed = name == "solve" ? Float32Type::get(op->getContext())
                                    : input;
    if (planned != computed)
      return op->emitOpError()
             << "plans " << name << " = " << dtypeName(planned)
             << ", but the GPU kernels compute " << name << " in "
             << dtypeName(computed)
             << (name == "solve" ? "" : " (the inputs' type)")
             << " and do not emulate other precisions; plan " << name
             << " = " << dtypeName(computed)
             << " (or FP8 where the GPU has an FP8 "
             << "kernel), or run the plan on the CPU (attn-to-cpu emulates "
             << "it)";
  }
  return success();
}

namespace {
struct ConvertAttnToGPUPass
    : mlir::attn::impl::ConvertAttnToGPUPassBase<ConvertAttnToGPUPass> {
  using ConvertAttnToGPUPassBase::ConvertAttnToGPUPassBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    // Target options arrive as text: reject what the upstream passes would
    // crash on or misread (an empty chip, options smuggled into it, a chip
    // LLVM's NVPTX backend or attn's kernels do not know), also when the
    // module has no attn op: the chip reaches gpu-module-to-binary anyway.
    std::string chipError;
    const target::ChipInfo *chipInfo = target::lookupSupportedChip(chip, chipError);
    if (!chipInfo) {
      emitError(module.getLoc()) << "attn-to-nvvm: " << chipError;
      return signalPassFailure();
    }
    unsigned ptx = target::ptxVersionOf(features, *chipInfo, chipError);
    if (!ptx) {
      emitError(module.getLoc()) << "attn-to-nvvm: " << chipError;
      return signalPassFailure();
    }
    // gpu-module-to-binary reports a missing toolkit but goes on (its pass
    // succeeds, so tools exited 0): refuse it here, before any work.
    if (!toolkit.empty() && !llvm::sys::fs::is_directory(toolkit)) {
      emitError(module.getLoc())
          << "attn-to-nvvm: toolkit '" << toolkit
          << "' is not a directory (expected a CUDA toolkit root holding "
             "nvvm/libdevice and bin/ptxas, e.g. /usr/local/cuda)";
      return signalPassFailure();
    }
    // Kernels already in the module (hand-written, or tile programs) reach
    // the NVVM translation, which exits on a block size it cannot print
    // (nvvm.maxntid): refuse sizes no launch could have.
    WalkResult sizes = module.walk([&](gpu::GPUFuncOp fn) {
      for (auto [what, dims] :
           {std::pair("known_block_size", fn.getKnownBlockSize()),
            std::pair("known_grid_size", fn.getKnownGridSize())}) {
        if (!dims)
          continue;
        int64_t product = 1;
        for (int32_t d : *dims) {
          if (d <= 0) {
            fn.emitOpError() << what << " must be positive; got " << d;
            return WalkResult::interrupt();
          }
          product *= d;
        }
        if (StringRef(what) == "known_block_size" && product > 1024) {
          fn.emitOpError() << "known_block_size asks for " << product
                           << " threads; a block has at most 1024";
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    if (sizes.wasInterrupted())
      return signalPassFailure();
    if (!llvm::is_contained({"isa", "bin", "fatbin", "llvm"}, format)) {
      emitError(module.getLoc()) << "attn-to-nvvm: unknown format '" << format
                                 << "'; expected isa, bin, fatbin or llvm";
      return signalPassFailure();
    }
    module.walk([](ScheduleOp s) { s->erase(); });

    llvm::StringSet<> converted;
    SmallVector<func::FuncOp> fns;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.isExternal() &&
          (funcs.empty() || llvm::is_contained(funcs, fn.getSymName())) &&
          llvm::any_of(fn.getBody().front(),
                       [](Operation &op) { return isAttnCompute(&op); }))
        fns.push_back(fn);
    // A named function that does not exist is an error, not a no-op.
    bool failedAny = false;
    for (const std::string &name : funcs)
      if (!module.lookupSymbol<func::FuncOp>(name)) {
        emitError(module.getLoc())
            << "convert-attn-to-gpu: no function named '" << name << "'";
        failedAny = true;
      }
    // Nested attn ops (inside loops, other regions) are not supported.
    module.walk([&](Operation *op) {
      if (isAttnCompute(op) && !isa<func::FuncOp>(op->getParentOp())) {
        op->emitOpError() << "must sit directly in a function body for the "
                             "GPU lowering";
        failedAny = true;
      }
    });
    if (failedAny)
      return signalPassFailure();
    if (fns.empty())
      return;

    OpBuilder b(ctx);
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>("attn_kernels");
    if (!kernels) {
      b.setInsertionPointToEnd(module.getBody());
      kernels = gpu::GPUModuleOp::create(b, module.getLoc(), "attn_kernels");
    }
    // The chip the tile programs are compiled for (the tile passes ask it).
    kernels->setAttr(atile::kTargetAttrName,
                     atile::TargetAttr::get(ctx, chipInfo->name));
    SmallVector<Attribute> entries;
    if (auto old = module->getAttrOfType<ArrayAttr>("attn.manifest"))
      entries.append(old.begin(), old.end());
    for (func::FuncOp fn : fns) {
      FailureOr<Operation *> op = singleAttnOp(fn);
      if (failed(op)) {
        failedAny = true;
        continue;
      }
      KernelSite site{kernels, fn.getSymName().str(), *chipInfo, tileOverlap,
                      tensorMaps && chipInfo->wgmma};
      FailureOr<DictionaryAttr> entry;
      // attn.full, attn.sparse and attn.indexer check their FP8 plans
      // themselves.
      auto prec = (*op)->getAttrOfType<PrecisionAttr>("precision");
      if (prec && failed(checkPlannedPrecision(*op, prec))) {
        failedAny = true;
        continue;
      }
      if (prec && prec.usesFp8() && !chipInfo->fp8MmaSync()) {
        (*op)->emitOpError()
            << "plans FP8 contractions (" << prec << "), which need FP8 "
            << "tensor cores (sm_89 and newer); chip is " << chip;
        failedAny = true;
        continue;
      }
      if (prec && prec.usesFp8() && ptx < target::kFp8MmaPtx) {
        (*op)->emitOpError()
            << "plans FP8 contractions (" << prec << "), which need PTX ISA "
            << "8.4 or later; features = '" << features << "' asks for "
            << ptx / 10 << "." << ptx % 10;
        failedAny = true;
        continue;
      }
      if (auto p = prec;
          p && p.usesFp8() && !isa<FullOp, SparseOp, IndexerOp>(*op)) {
        (*op)->emitOpError()
            << "plans FP8 contractions (" << p
            << "); the GPU kernels have no FP8 path yet: plan with "
               "attn-assign-precision policy=off";
        failedAny = true;
        continue;
      }
      if (auto full = dyn_cast<FullOp>(*op)) {
        entry = buildFull(full, site);
      } else if (auto sparse = dyn_cast<SparseOp>(*op)) {
        entry = buildSparse(sparse, site);
      } else if (auto indexer = dyn_cast<IndexerOp>(*op)) {
        entry = buildIndexer(indexer, site);
      } else if (auto topk = dyn_cast<TopKOp>(*op)) {
        entry = buildTopK(topk, site);
      } else if (auto delta = dyn_cast<DeltaOp>(*op)) {
        entry = buildDelta(delta, site);
      } else if (auto linear = dyn_cast<LinearOp>(*op)) {
        entry = buildLinear(linear, site);
      } else {
        (*op)->emitOpError() << "has no GPU kernel builder yet; the CPU "
                                "backend (attn-to-cpu) runs it";
        failedAny = true;
        continue;
      }
      if (failed(entry)) {
        failedAny = true;
        continue;
      }
      NamedAttrList named(*entry);
      named.set("name", b.getStringAttr(fn.getSymName()));
      // Which function argument feeds each input (the manifest names inputs
      // by their role in the op: q, k, v, ...).
      SmallVector<Attribute> inputs;
      for (auto [input, operand] : llvm::zip(
               cast<ArrayAttr>(named.get("inputs")), (*op)->getOperands())) {
        Value v = operand;
        while (auto cast = v.getDefiningOp<tensor::CastOp>())
          v = cast.getSource();
        NamedAttrList in(cast<DictionaryAttr>(input));
        in.set("arg",
               b.getI64IntegerAttr(cast<BlockArgument>(v).getArgNumber()));
        inputs.push_back(in.getDictionary(ctx));
      }
      named.set("inputs", b.getArrayAttr(inputs));
      entries.push_back(named.getDictionary(ctx));
      converted.insert(fn.getSymName().str());
      fn->erase();
    }
    if (failedAny)
      return signalPassFailure();
    // Host functions calling compiled ones (a schedule's decode step @S_step)
    // go too: the manifest's entries are what a launcher runs.
    SmallVector<func::FuncOp> callers;
    for (auto fn : module.getOps<func::FuncOp>()) {
      bool calls = false;
      fn.walk([&](func::CallOp call) {
        calls |= converted.contains(call.getCallee());
      });
      if (calls)
        callers.push_back(fn);
    }
    for (func::FuncOp fn : callers)
      fn->erase();
    module->setAttr("attn.manifest", ArrayAttr::get(ctx, entries));
  }
};
} // namespace
