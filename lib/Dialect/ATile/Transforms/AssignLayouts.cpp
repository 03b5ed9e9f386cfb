//===- AssignLayouts.cpp - atile-assign-layouts ---------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The instruction decisions of a tile program, recorded as fragment layouts
// and copy engines (see Passes.td). The choice depends on the chip (the
// gpu.module's #atile.target) and the kernel's warps, never on the algorithm.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "attn/Dialect/ATile/Transforms/Passes.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::atile {
#define GEN_PASS_DEF_ATILEASSIGNLAYOUTSPASS
#include "attn/Dialect/ATile/Transforms/Passes.h.inc"
} // namespace mlir::atile

using namespace mlir;
using namespace mlir::atile;

/// The layout a fragment of `type` gets in a kernel of `warps` warps
/// (`lanes` per row with simt).
static LayoutAttr layoutFor(FragType type, Instr instr, int64_t warps,
                            int64_t lanes) {
  Operand role = type.getRank() == 1 ? Operand::row
                 : type.getElementType().isF32() || instr == Instr::simt
                     ? Operand::acc
                     : Operand::lhs;
  return LayoutAttr::get(type.getContext(), instr, role, warps,
                         instr == Instr::simt ? lanes : 0);
}

/// Gives `v` a layout if it is a fragment without one; fails (with a
/// located error on `at`) when the fragment does not split over the warps.
static LogicalResult assign(Value v, Instr instr, int64_t warps, int64_t lanes,
                            Operation *at) {
  auto type = dyn_cast<FragType>(v.getType());
  if (!type || type.getLayout())
    return success();
  LayoutAttr layout = layoutFor(type, instr, warps, lanes);
  if (failed(FragType::verify([&] { return at->emitOpError(); },
                              type.getShape(), type.getElementType(), layout)))
    return failure();
  v.setType(type.withLayout(layout));
  return success();
}

/// Whether every product of `fn` (of `warps` warps) fits one m64nNk16 wgmma
/// chain per warpgroup.
static bool fitsWgmma(gpu::GPUFuncOp fn, int64_t warps) {
  bool fits = warps % 4 == 0, any = false;
  fn.walk([&](MmaOp mma) {
    any = true;
    FragType res = mma.getResult().getType();
    SmemType rhs = mma.getRhs().getType();
    auto lhsTile = dyn_cast<SmemType>(mma.getLhs().getType());
    // (8-bit operands: K-major only.)
    fits &= res.getRows() == 16 * warps && res.getShape()[1] <= 256 &&
            rhs.isWgmmaOperand() && (!lhsTile || lhsTile.isWgmmaOperand()) &&
            (rhs.getElementType().getIntOrFloatBitWidth() != 8 ||
             mma.getTransposeRhs());
  });
  return fits && any;
}

namespace {
struct ATileAssignLayoutsPass
    : public mlir::atile::impl::ATileAssignLayoutsPassBase<ATileAssignLayoutsPass> {
  using Base::Base;
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    bool any = false;
    module.walk([&](Operation *op) {
      if (isa_and_nonnull<ATileDialect>(op->getDialect()))
        any = true;
    });
    if (!any)
      return;
    const attn::target::ChipInfo *chip = getTargetChip(module);
    if (!chip) {
      module.emitError() << "atile-assign-layouts needs the gpu.module's "
                            "atile.target (#atile.target<\"<chip>\">)";
      return signalPassFailure();
    }
    for (auto fn : module.getOps<gpu::GPUFuncOp>()) {
      std::optional<ArrayRef<int32_t>> block = fn.getKnownBlockSize();
      bool hasTiles = false;
      fn.walk([&](Operation *op) {
        hasTiles |= isa_and_nonnull<ATileDialect>(op->getDialect());
      });
      if (!hasTiles)
        continue;
      if (!block || (*block)[0] % 32 || (*block)[1] != 1 || (*block)[2] != 1) {
        fn.emitOpError() << "a tile program needs known_block_size = [32 x "
                            "warps, 1, 1]";
        return signalPassFailure();
      }
      const int64_t warps = (*block)[0] / 32;
      // Products, and the ops whose fragments follow a product's layout
      // (shared-tile loads, masks and softmax of scores).
      bool products = false;
      fn.walk([&](Operation *op) {
        products |= isa<MmaOp, LoadOp, MaskOp, OnlineSoftmaxOp>(op);
      });
      Instr instr = wgmma && chip->wgmma && fitsWgmma(fn, warps)
                        ? Instr::wgmma
                        : Instr::mma_sync;
      // A program without products: plain registers, 16-byte column
      // vectors, one column width for the whole program.
      int64_t lanes = 0;
      if (!products) {
        instr = Instr::simt;
        FragType wide;
        WalkResult cols = fn.walk([&](Operation *op) {
          for (Value res : op->getResults()) {
            auto type = dyn_cast<FragType>(res.getType());
            if (!type || type.getRank() != 2)
              continue;
            if (wide && wide.getShape()[1] != type.getShape()[1]) {
              op->emitOpError()
                  << "makes a " << type << " in a program without products "
                  << "whose fragments have " << wide.getShape()[1]
                  << " columns: plain-register (simt) programs take one "
                     "column width";
              return WalkResult::interrupt();
            }
            wide = type;
          }
          return WalkResult::advance();
        });
        if (cols.wasInterrupted())
          return signalPassFailure();
        const int64_t width = wide ? wide.getShape()[1] : 4;
        lanes = width / 4;
        if (width % 4 || lanes > 32 || 32 % lanes) {
          fn.emitOpError() << "a program without products lays its "
                              "fragments' columns out in 4-element vectors "
                              "over lanes dividing 32: 4, 8, 16, 32, 64 or "
                              "128 columns; got "
                           << width;
          return signalPassFailure();
        }
      }
      WalkResult r = fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (auto loop = dyn_cast<scf::ForOp>(op))
          for (Value arg : loop.getRegionIterArgs())
            if (failed(assign(arg, instr, warps, lanes, op)))
              return WalkResult::interrupt();
        for (Value res : op->getResults())
          if (failed(assign(res, instr, warps, lanes, op)))
            return WalkResult::interrupt();
        if (auto copy = dyn_cast<CopyOp>(op); copy && !copy.getEngine())
          copy.setEngineAttr(
              CopyEngineAttr::get(op->getContext(), CopyEngine::cp_async));
        return WalkResult::advance();
      });
      if (r.wasInterrupted())
        return signalPassFailure();
    }
  }
};
} // namespace
