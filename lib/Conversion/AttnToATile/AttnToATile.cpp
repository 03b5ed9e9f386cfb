//===- AttnToATile.cpp - convert-attn-to-atile ----------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The driver of the tile-program lowering: makes `gpu.module
// @attn_tile_kernels` with the target chip recorded as #atile.target, and
// hands each planned attn op to its family's file. Ops without a tile
// program yet are located errors, never skipped silently.
//
//===----------------------------------------------------------------------===//

#include "AttnToATile.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::attn {
#define GEN_PASS_DEF_CONVERTATTNTOATILEPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

Value tile_programs::map(
    ImplicitLocOpBuilder &b, Type result, ValueRange inputs,
    function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> body) {
  auto op = atile::MapOp::create(b, TypeRange{result}, inputs);
  Block *block = b.createBlock(&op.getBody());
  for (Value in : inputs)
    block->addArgument(cast<atile::FragType>(in.getType()).getElementType(),
                       b.getLoc());
  ImplicitLocOpBuilder inner(b.getLoc(), b.getContext());
  inner.setInsertionPointToStart(block);
  atile::YieldOp::create(inner, ValueRange{body(inner, block->getArguments())});
  b.setInsertionPointAfter(op);
  return op.getResult(0);
}

gpu::GPUFuncOp tile_programs::createKernel(ImplicitLocOpBuilder &b,
                                           gpu::GPUModuleOp module,
                                           StringRef name, int64_t pointers,
                                           int64_t sizes, int64_t maps,
                                           int64_t warps) {
  MLIRContext *ctx = module.getContext();
  SmallVector<Type> args(pointers, LLVM::LLVMPointerType::get(ctx, 1));
  args.append(sizes, b.getI64Type());
  args.append(maps, LLVM::LLVMPointerType::get(ctx));
  b.setInsertionPointToEnd(module.getBody());
  auto fn = gpu::GPUFuncOp::create(b, name, b.getFunctionType(args, {}));
  fn->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  if (maps) {
    SmallVector<int64_t> at;
    for (int64_t i = 0; i < maps; ++i)
      at.push_back(pointers + sizes + i);
    fn->setAttr(kTensorMapArgsAttr, b.getDenseI64ArrayAttr(at));
  }
  fn.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(32 * warps), 1, 1}));
  b.setInsertionPointToStart(&fn.getBody().front());
  return fn;
}

int64_t tile_programs::swizzleFor(int64_t rowBytes) {
  for (int64_t span : {128, 64, 32})
    if (rowBytes % span == 0)
      return span;
  return 0;
}

namespace {
struct ConvertAttnToATilePass
    : public mlir::attn::impl::ConvertAttnToATilePassBase<ConvertAttnToATilePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    std::string error;
    if (!target::lookupSupportedChip(chip, error)) {
      module.emitError() << "convert-attn-to-atile: " << error;
      return signalPassFailure();
    }
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<FullOp, SparseOp, IndexerOp, TopKOp, LinearOp, DeltaOp>(op))
        ops.push_back(op);
    });
    if (ops.empty())
      return;
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>("attn_tile_kernels");
    if (!kernels) {
      OpBuilder b(ctx);
      b.setInsertionPointToEnd(module.getBody());
      kernels = gpu::GPUModuleOp::create(b, module.getLoc(),
                                         "attn_tile_kernels");
      module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      b.getUnitAttr());
    }
    kernels->setAttr(atile::kTargetAttrName,
                     atile::TargetAttr::get(ctx, chip));
    bool failed = false;
    for (Operation *op : ops) {
      auto fn = op->getParentOfType<func::FuncOp>();
      std::string base = (fn ? fn.getSymName().str() : std::string("attn"));
      if (isa<FullOp>(op)) {
        failed |= mlir::failed(tile_programs::buildFullProgram(
            op, kernels, base + "_full_fwd", std::nullopt, overlap,
            tensorMaps));
        continue;
      }
      if (isa<SparseOp>(op)) { // gathered rows: no TMA, no overlap
        failed |= mlir::failed(tile_programs::buildFullProgram(
            op, kernels, base + "_sparse_fwd"));
        continue;
      }
      op->emitOpError() << "has no tile program yet (convert-attn-to-atile "
                           "covers attn.full and attn.sparse); "
                           "convert-attn-to-gpu compiles it";
      failed = true;
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
