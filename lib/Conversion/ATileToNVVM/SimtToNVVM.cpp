//===- SimtToNVVM.cpp - plain-register fragments of the tile IR -----------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Fragments laid out without a tensor-core instruction (#atile.layout simt,
// programs without products such as the decode steps of attn.linear /
// attn.delta): each thread holds 4 consecutive columns of one row per pass,
// so a row of a rank-2 fragment moves as one 16-byte f32 vector (8 bytes
// for 16-bit elements). Reads widen bf16 / f16 to f32; rows past a view's
// end read the padding and are not written. Reductions over the rows run
// within the thread, over the lanes of a warp that hold other rows (xor
// shuffles) and across warps through the kernel's reduction scratch
// (atile::placeReduceScratch), between two barriers.
//
//===----------------------------------------------------------------------===//

#include "ATileToNVVM.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::atile;
using namespace mlir::atile::nvvm;

SmallVector<Value> nvvm::loadWidened(Lowering &l, Type elem, Value ptr,
                                     Value valid, Value pad, int64_t n) {
  auto &b = l.b;
  auto &g = l.g;
  const int64_t bits = elem.getIntOrFloatBitWidth();
  // Registers of the load: 32-bit words, or one 16-bit half.
  const int64_t words = n * bits / 32;
  const bool half = words == 0;
  Type reg = half ? Type(b.getI16Type()) : g.i32();
  const int64_t regs = half ? 1 : words;
  std::string text = "{ .reg .pred p;\nsetp.ne.b32 p, $" +
                     std::to_string(regs + 1) + ", 0;\n";
  std::string outs, cons;
  for (int64_t r = 0; r < regs; ++r) {
    text += std::string(half ? "mov.b16 $" : "mov.b32 $") + std::to_string(r) +
            ", 0;\n";
    outs += (r ? ", $" : "$") + std::to_string(r);
    cons += half ? "=h," : "=r,";
  }
  text += "@p ld.global" +
          std::string(regs == 1 ? "" : ".v" + std::to_string(regs)) +
          (half ? ".b16 " : ".b32 ") + (regs == 1 ? outs : "{" + outs + "}") +
          ", [$" + std::to_string(regs) + "]; }";
  cons += "l,r";
  Type result = regs == 1 ? reg
                          : Type(LLVM::LLVMStructType::getLiteral(
                                b.getContext(), SmallVector<Type>(regs, reg)));
  Value flag = arith::ExtUIOp::create(b, g.i32(), valid);
  // (No side effects, as GpuBuilder::loadGlobalIf: CSE may merge two equal
  // loads; tile programs never read what they wrote, atile.read is Pure.)
  auto asmOp = LLVM::InlineAsmOp::create(
      b, result, ValueRange{ptr, flag}, text, cons, /*has_side_effects=*/false,
      /*is_align_stack=*/false, LLVM::TailCallKind::None,
      LLVM::AsmDialectAttr(), ArrayAttr());
  SmallVector<Value> raw;
  for (int64_t r = 0; r < regs; ++r)
    raw.push_back(regs == 1 ? asmOp.getResult(0)
                            : LLVM::ExtractValueOp::create(
                                  b, asmOp.getResult(0), r)
                                  .getResult());
  Type f32 = b.getF32Type();
  SmallVector<Value> out;
  for (Value w : raw) {
    if (half) {
      Value x = LLVM::BitcastOp::create(b, elem, w);
      out.push_back(arith::ExtFOp::create(b, f32, x));
    } else if (bits == 32) {
      out.push_back(LLVM::BitcastOp::create(b, f32, w));
    } else {
      auto [lo, hi] = g.unpack2(w, elem);
      out.push_back(lo);
      out.push_back(hi);
    }
  }
  for (Value &v : out)
    v = g.select(valid, v, pad);
  return out;
}

LogicalResult nvvm::lowerSimtRead(Lowering &l, ReadOp op, ViewOp view,
                                  const FragGeom &gm) {
  auto &g = l.g;
  auto type = cast<FragType>(op.getResult().getType());
  Type elem = view.getResult().getType().getElementType();
  Value base = l.lookup(view.getPtr()), row0 = l.toI64(op.getRow());
  Value pad = g.f(op.getPadding().convertToDouble());
  Regs regs;
  if (type.getRank() == 1) { // the values of the thread's rows
    for (int64_t i = 0; i < gm.passes; ++i) {
      Value lin = g.add(row0, g.toI64(l.simtRow(gm, i)));
      auto [off, valid] =
          l.rowAddress(view, *op.getRows(), op.getOffsets(), lin);
      regs.push_back(loadWidened(l, elem, g.gep(base, elem, off), valid, pad, 1)[0]);
    }
    l.frags[op.getResult()] = regs;
    return success();
  }
  Value col = g.toI64(l.simtCol(gm));
  for (int64_t i = 0; i < gm.passes; ++i) {
    Value lin = gm.column ? row0 : g.add(row0, g.toI64(l.simtRow(gm, i)));
    auto [off, valid] = l.rowAddress(view, *op.getRows(), op.getOffsets(), lin);
    llvm::append_range(regs, loadWidened(l, elem,
                                     g.gep(base, elem, g.add(off, col)), valid,
                                     pad, 4));
  }
  l.frags[op.getResult()] = regs;
  return success();
}

LogicalResult nvvm::lowerSimtStore(Lowering &l, StoreOp op, ViewOp view,
                                   const FragGeom &gm) {
  auto &g = l.g;
  auto &b = l.b;
  FragType type = op.getValue().getType();
  Type elem = type.getElementType();
  const Regs &regs = l.frags.lookup(op.getValue());
  Value base = l.lookup(view.getPtr()), row0 = l.toI64(op.getRow());
  if (op.getStaging())
    return op.emitOpError() << "stages no simt fragment (its rows leave as "
                               "16-byte vectors already)";
  const bool rowFrag = type.getRank() == 1;
  // Replicated values are written once: by the first lane of a row (row
  // fragments) or by the threads of row position 0 (column vectors).
  Value writer;
  if (rowFrag)
    writer = g.eq(g.remu(l.lane, g.c32(gm.lanes)), g.c32(0));
  else if (gm.column)
    writer = g.eq(l.simtRow(gm, 0), g.c32(0));
  for (int64_t i = 0; i < gm.passes; ++i) {
    Value lin = gm.column ? row0 : g.add(row0, g.toI64(l.simtRow(gm, i)));
    auto [off, valid] = l.rowAddress(view, op.getRows(), op.getOffsets(), lin);
    if (writer)
      valid = g.andI(valid, writer);
    auto guard = scf::IfOp::create(b, TypeRange{}, valid, false);
    OpBuilder::InsertionGuard ig(b);
    b.setInsertionPointToStart(guard.thenBlock());
    if (rowFrag) {
      g.storeGlobal(regs[i], g.gep(base, elem, off));
      continue;
    }
    Value at = g.gep(base, elem, g.add(off, g.toI64(l.simtCol(gm))));
    if (gm.packed) { // two packed pairs: 8 bytes
      auto v2 = VectorType::get({2}, g.i32());
      Value v = LLVM::UndefOp::create(b, v2);
      for (int64_t e = 0; e < 2; ++e)
        v = LLVM::InsertElementOp::create(b, v, regs[2 * i + e], g.c32(e));
      LLVM::StoreOp::create(b, v, at, /*alignment=*/8);
    } else {
      auto v4 = VectorType::get({4}, elem);
      Value v = LLVM::UndefOp::create(b, v4);
      for (int64_t e = 0; e < 4; ++e)
        v = LLVM::InsertElementOp::create(b, v, regs[4 * i + e], g.c32(e));
      LLVM::StoreOp::create(b, v, at, /*alignment=*/16);
    }
  }
  return success();
}

LogicalResult nvvm::lowerSimtReduce(Lowering &l, ReduceOp op,
                                    const FragGeom &gm) {
  auto &g = l.g;
  const bool max = op.getKind() == ReduceKind::max;
  auto combine = [&](Value a, Value b) {
    return !a ? b : max ? g.fmax(a, b) : g.fadd(a, b);
  };
  const Regs &x = l.frags[op.getInput()];
  FragType in = op.getInput().getType();
  if (op.getDim() == 1) { // each row: its 4 columns, then its lanes
    Regs out;
    for (int64_t i = 0; i < gm.passes; ++i) {
      Value acc;
      for (int64_t e = 0; e < 4; ++e)
        acc = combine(acc, x[4 * i + e]);
      for (int64_t off = 1; off < gm.lanes; off *= 2)
        acc = combine(acc, g.shflXor(acc, off));
      out.push_back(acc);
    }
    l.frags[op.getResult()] = out;
    return success();
  }
  // A column vector is its own sum (max) over its one row.
  if (gm.column) {
    l.frags[op.getResult()] = x;
    return success();
  }
  // Over the rows: the thread's passes, the warp's other rows (lanes that
  // differ in the bits above `lanes`), then the warps.
  const bool total = in.getRank() == 1;
  const int64_t width = total ? 1 : 4;
  SmallVector<Value> part(width);
  for (int64_t i = 0; i < gm.passes; ++i)
    for (int64_t e = 0; e < width; ++e)
      part[e] = combine(part[e], x[width * i + e]);
  for (Value &p : part)
    for (int64_t off = gm.lanes; off < 32; off *= 2)
      p = combine(p, g.shflXor(p, static_cast<int>(off)));
  if (gm.warps > 1) {
    if (!l.reduceScratch)
      return op.emitOpError() << "has no reduction scratch (the kernel's "
                                 "known_block_size must name its warps)";
    auto &b = l.b;
    Type f32 = b.getF32Type();
    const int64_t cols = total ? 1 : gm.cols;
    // Slot (warp, column); columns of the thread: its 4, or 1 for a total.
    Value col = total ? g.c32(0) : l.simtCol(gm);
    Value first = total ? g.eq(l.lane, g.c32(0))
                        : g.ult(l.lane, g.c32(gm.lanes));
    l.sync();
    {
      auto guard = scf::IfOp::create(b, TypeRange{}, first, false);
      OpBuilder::InsertionGuard ig(b);
      b.setInsertionPointToStart(guard.thenBlock());
      Value at = g.add(g.mul(l.warp, g.c32(cols)), col);
      for (int64_t e = 0; e < width; ++e)
        g.storeGlobal(part[e],
                      g.gep(l.reduceScratch, f32, g.add(at, g.c32(e))));
    }
    l.sync();
    for (int64_t e = 0; e < width; ++e) {
      Value acc;
      for (int64_t w = 0; w < gm.warps; ++w)
        acc = combine(acc, g.loadGlobal(f32, g.gep(l.reduceScratch, f32,
                                                   g.add(col, g.c32(w * cols + e)))));
      part[e] = acc;
    }
  }
  if (total) {
    l.scalars.map(op.getResult(), part[0]);
    return success();
  }
  l.frags[op.getResult()] = Regs(part.begin(), part.end());
  return success();
}

LogicalResult nvvm::lowerSimtConvert(Lowering &l, ConvertOp op,
                                     const FragGeom &gin) {
  auto &g = l.g;
  FragType in = op.getInput().getType(), out = op.getResult().getType();
  Type from = in.getElementType(), to = out.getElementType();
  const Regs &x = l.frags[op.getInput()];
  if (in.getRank() != 2)
    return op.emitOpError() << "converts rank-2 fragments only";
  Regs wide;
  if (from.isF32()) {
    wide = x;
  } else {
    for (Value p : x) {
      auto [lo, hi] = g.unpack2(p, from);
      wide.push_back(lo);
      wide.push_back(hi);
    }
  }
  if (to.isF32()) {
    l.frags[op.getResult()] = wide;
    return success();
  }
  if (to.getIntOrFloatBitWidth() != 16)
    return op.emitOpError() << "converts simt fragments between f32, bf16 "
                               "and f16 only";
  Regs y;
  for (size_t i = 0; i < wide.size(); i += 2)
    y.push_back(g.pack2(wide[i], wide[i + 1], to));
  l.frags[op.getResult()] = y;
  return success();
}
