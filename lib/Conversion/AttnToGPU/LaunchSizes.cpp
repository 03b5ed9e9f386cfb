//===- LaunchSizes.cpp - attn-launch-sizes --------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The manifest's block size and dynamic shared memory of each tile-program
// launch, as the tile passes left the kernel (see the pass description).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNLAUNCHSIZESPASS
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using mlir::attn::kSharedBytesAttr;

namespace {
struct AttnLaunchSizesPass
    : mlir::attn::impl::AttnLaunchSizesPassBase<AttnLaunchSizesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entries = module->getAttrOfType<ArrayAttr>("attn.manifest");
    if (!entries)
      return;
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    // Kernel name -> (threads, bytes) of the kernels the tile IR lowered.
    llvm::StringMap<std::pair<int64_t, int64_t>> sizes;
    module.walk([&](Operation *fn) {
      auto bytes = fn->getAttrOfType<IntegerAttr>(kSharedBytesAttr);
      auto sym = fn->getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
      if (!bytes || !sym)
        return;
      int64_t threads = 0;
      for (StringRef name : {"gpu.known_block_size", "known_block_size",
                             "nvvm.maxntid"})
        if (auto block = fn->getAttrOfType<DenseI32ArrayAttr>(name);
            block && !block.empty())
          threads = block[0];
      sizes[sym.getValue()] = std::make_pair(threads, bytes.getInt());
      fn->removeAttr(kSharedBytesAttr);
    });
    SmallVector<Attribute> updated;
    for (Attribute e : entries) {
      auto entry = dyn_cast<DictionaryAttr>(e);
      auto launches = entry ? entry.getAs<ArrayAttr>("launches") : ArrayAttr();
      if (!launches) {
        updated.push_back(e);
        continue;
      }
      SmallVector<Attribute> ls;
      for (Attribute a : launches) {
        auto launch = dyn_cast<DictionaryAttr>(a);
        auto kernel = launch ? launch.getAs<StringAttr>("kernel") : StringAttr();
        auto it = kernel ? sizes.find(kernel.getValue()) : sizes.end();
        if (it == sizes.end()) {
          ls.push_back(a);
          continue;
        }
        NamedAttrList l(launch);
        if (it->second.first)
          l.set("block", b.getI64ArrayAttr({it->second.first, 1, 1}));
        l.set("smem", b.getI64IntegerAttr(it->second.second));
        ls.push_back(l.getDictionary(ctx));
      }
      NamedAttrList d(entry);
      d.set("launches", ArrayAttr::get(ctx, ls));
      updated.push_back(d.getDictionary(ctx));
    }
    module->setAttr("attn.manifest", ArrayAttr::get(ctx, updated));
  }
};
} // namespace
