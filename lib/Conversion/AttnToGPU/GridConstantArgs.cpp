//===- GridConstantArgs.cpp - attn-grid-constant-args ---------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Kernel arguments passed by value as __grid_constant__ (TMA descriptors):
// convert-gpu-to-nvvm drops a gpu.func argument's llvm.byval, and the NVVM
// verifier takes nvvm.grid_constant on llvm.func only, so kernels name
// such arguments in a function attribute that this pass turns into
// argument attributes after the conversion (see the pass description).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNGRIDCONSTANTARGSPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using mlir::attn::kTensorMapArgsAttr;

namespace {
/// A CUtensorMap: 128 bytes, 64-byte aligned.
constexpr int64_t kTensorMapBytes = 128;
constexpr int64_t kTensorMapAlign = 64;

struct AttnGridConstantArgsPass
    : mlir::attn::impl::AttnGridConstantArgsPassBase<AttnGridConstantArgsPass> {
  void runOnOperation() override {
    bool failedAny = false;
    getOperation().walk([&](LLVM::LLVMFuncOp fn) {
      auto args = fn->getAttrOfType<DenseI64ArrayAttr>(kTensorMapArgsAttr);
      if (!args)
        return;
      fn->removeAttr(kTensorMapArgsAttr);
      Builder b(fn.getContext());
      for (int64_t i : args.asArrayRef()) {
        if (i < 0 || i >= static_cast<int64_t>(fn.getNumArguments()) ||
            !isa<LLVM::LLVMPointerType>(fn.getArgument(i).getType())) {
          fn.emitOpError() << "names argument " << i << " in "
                           << kTensorMapArgsAttr
                           << ", which is not a pointer argument";
          failedAny = true;
          return;
        }
        fn.setArgAttr(i, LLVM::LLVMDialect::getByValAttrName(),
                      TypeAttr::get(LLVM::LLVMArrayType::get(
                          b.getI8Type(), kTensorMapBytes)));
        fn.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                      b.getI64IntegerAttr(kTensorMapAlign));
        fn.setArgAttr(i, NVVM::NVVMDialect::getGridConstantAttrName(),
                      b.getUnitAttr());
      }
    });
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
