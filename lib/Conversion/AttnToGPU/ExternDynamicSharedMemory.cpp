//===- ExternDynamicSharedMemory.cpp - attn-extern-dynamic-shared-memory --===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Works around an MLIR 22.1 defect measured on an H200: the internal global
// that gpu.dynamic_shared_memory lowers to overlaps static shared memory.
// Making it an extern, 1024-aligned array places the dynamic buffer after
// every static shared variable (see the pass description).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNEXTERNDYNAMICSHAREDMEMORYPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;

namespace {
/// NVVM's shared address space.
constexpr unsigned kSharedAddressSpace = 3;
/// 128-byte swizzled TMA tiles need 1024-byte aligned shared memory.
constexpr uint64_t kDynamicSharedAlignment = 1024;

struct AttnExternDynamicSharedMemoryPass
    : mlir::attn::impl::AttnExternDynamicSharedMemoryPassBase<
          AttnExternDynamicSharedMemoryPass> {
  void runOnOperation() override {
    getOperation().walk([](LLVM::GlobalOp global) {
      if (global.getAddrSpace() != kSharedAddressSpace ||
          !global.getSymName().starts_with("__dynamic_shmem__"))
        return;
      global.setLinkage(LLVM::Linkage::External);
      global.setAlignment(kDynamicSharedAlignment);
    });
  }
};
} // namespace
