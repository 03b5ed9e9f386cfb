//===- AllocSizeGuard.cpp - saturating allocation sizes -------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Implements AllocSizeGuard.h: for each allocation call, the chain of
// llvm.mul / llvm.add / ptrtoint(getelementptr null[n]) (the element-size
// product the memref lowering emits) that computes its size is rebuilt
// before the call with umul/uadd.with.overflow and a select of 2^64 - 1
// on overflow; the original ops stay for their other users.
//
//===----------------------------------------------------------------------===//

#include "AllocSizeGuard.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace {
/// Rebuilds size computations in saturating arithmetic before one call.
class SizeGuard {
public:
  SizeGuard(OpBuilder &b, Location loc, const DataLayout &layout)
      : b(b), loc(loc), layout(layout) {}

  /// `v` computed in saturating unsigned arithmetic.
  Value guard(Value v) {
    auto it = done.find(v);
    if (it != done.end())
      return it->second;
    Value g = rebuild(v);
    done[v] = g;
    return g;
  }

private:
  Value rebuild(Value v) {
    auto type = dyn_cast<IntegerType>(v.getType());
    if (!type)
      return v;
    Operation *def = v.getDefiningOp();
    if (!def)
      return v;
    if (auto mul = dyn_cast<LLVM::MulOp>(def))
      return saturating<LLVM::UMulWithOverflowOp>(guard(mul.getLhs()),
                                                  guard(mul.getRhs()));
    if (auto add = dyn_cast<LLVM::AddOp>(def))
      return saturating<LLVM::UAddWithOverflowOp>(guard(add.getLhs()),
                                                  guard(add.getRhs()));
    // sizeof(T) * n written as ptrtoint(getelementptr null[n]).
    if (auto cast = dyn_cast<LLVM::PtrToIntOp>(def)) {
      auto gep = cast.getArg().getDefiningOp<LLVM::GEPOp>();
      if (!gep || !gep.getBase().getDefiningOp<LLVM::ZeroOp>() ||
          gep.getIndices().size() != 1)
        return v;
      uint64_t elementBytes = layout.getTypeSize(gep.getElemType());
      Value count;
      if (auto dynamic = llvm::dyn_cast_if_present<Value>(gep.getIndices()[0]))
        count = dynamic;
      else
        return v; // a constant index: folded, cannot overflow at run time
      if (count.getType() != type)
        return v;
      Value bytes = LLVM::ConstantOp::create(b, loc, type, elementBytes);
      return saturating<LLVM::UMulWithOverflowOp>(guard(count), bytes);
    }
    return v;
  }

  template <typename OverflowOp>
  Value saturating(Value lhs, Value rhs) {
    Type type = lhs.getType();
    auto pair =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {type, b.getI1Type()});
    Value both = OverflowOp::create(b, loc, pair, lhs, rhs);
    Value value = LLVM::ExtractValueOp::create(b, loc, both, 0);
    Value overflow = LLVM::ExtractValueOp::create(b, loc, both, 1);
    Value max = LLVM::ConstantOp::create(b, loc, type, -1);
    return LLVM::SelectOp::create(b, loc, overflow, max, value);
  }

  OpBuilder &b;
  Location loc;
  const DataLayout &layout;
  llvm::DenseMap<Value, Value> done;
};
} // namespace

void attn::guardAllocationSizes(ModuleOp module) {
  DataLayout layout(module);
  SmallVector<std::pair<LLVM::CallOp, unsigned>> calls;
  module.walk([&](LLVM::CallOp call) {
    std::optional<StringRef> callee = call.getCallee();
    if (!callee)
      return;
    if (*callee == "malloc" && call.getNumOperands() == 1)
      calls.push_back({call, 0});
    else if (*callee == "aligned_alloc" && call.getNumOperands() == 2)
      calls.push_back({call, 1});
  });
  for (auto [call, operand] : calls) {
    OpBuilder b(call);
    SizeGuard guard(b, call.getLoc(), layout);
    Value size = call->getOperand(operand);
    Value guarded = guard.guard(size);
    if (guarded != size)
      call->setOperand(operand, guarded);
  }
}
