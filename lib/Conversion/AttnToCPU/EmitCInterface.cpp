//===- EmitCInterface.cpp - attn-emit-c-interface -------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Marks public functions for C-interface wrappers: the calling convention of
// the CPU JIT's C API (memref descriptors passed by pointer).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNEMITCINTERFACEPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;

namespace {
struct AttnEmitCInterfacePass
    : mlir::attn::impl::AttnEmitCInterfacePassBase<AttnEmitCInterfacePass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp f) {
      if (f.isPublic() && !f.isExternal())
        f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                   UnitAttr::get(f.getContext()));
    });
  }
};
} // namespace
