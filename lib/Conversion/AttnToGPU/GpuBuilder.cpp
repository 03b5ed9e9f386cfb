//===- GpuBuilder.cpp - tile primitives for attn GPU kernels --------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//

#include "GpuBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include <limits>

using namespace mlir;
using namespace mlir::attn::gpu_kernels;

static constexpr llvm::StringLiteral kSharedName = "attn_dynamic_smem";

Type GpuBuilder::globalPtr() {
  return LLVM::LLVMPointerType::get(b.getContext(), 1);
}
Type GpuBuilder::sharedPtr() {
  return LLVM::LLVMPointerType::get(b.getContext(), 3);
}

Value GpuBuilder::c32(int64_t v) {
  return arith::ConstantIntOp::create(b, v, 32);
}
Value GpuBuilder::c64(int64_t v) {
  return arith::ConstantIntOp::create(b, v, 64);
}
Value GpuBuilder::f(double v) {
  return arith::ConstantFloatOp::create(b, b.getF32Type(),
                                        llvm::APFloat(static_cast<float>(v)));
}
Value GpuBuilder::negInf() {
  return f(-std::numeric_limits<double>::infinity());
}
Value GpuBuilder::add(Value x, Value y) {
  return arith::AddIOp::create(b, x, y);
}
Value GpuBuilder::sub(Value x, Value y) {
  return arith::SubIOp::create(b, x, y);
}
Value GpuBuilder::mul(Value x, Value y) {
  return arith::MulIOp::create(b, x, y);
}
Value GpuBuilder::divu(Value x, Value y) {
  return arith::DivUIOp::create(b, x, y);
}
Value GpuBuilder::remu(Value x, Value y) {
  return arith::RemUIOp::create(b, x, y);
}
Value GpuBuilder::divs(Value x, Value y) {
  return arith::DivSIOp::create(b, x, y);
}
Value GpuBuilder::min(Value x, Value y) {
  return arith::MinSIOp::create(b, x, y);
}
Value GpuBuilder::max(Value x, Value y) {
  return arith::MaxSIOp::create(b, x, y);
}
Value GpuBuilder::cdiv(Value x, Value y) {
  Value one = arith::ConstantIntOp::create(b, x.getType(), 1);
  return divs(add(x, sub(y, one)), y);
}
Value GpuBuilder::ult(Value x, Value y) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
}
Value GpuBuilder::slt(Value x, Value y) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x, y);
}
Value GpuBuilder::sle(Value x, Value y) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::sle, x, y);
}
Value GpuBuilder::eq(Value x, Value y) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::eq, x, y);
}
Value GpuBuilder::andI(Value x, Value y) {
  return arith::AndIOp::create(b, x, y);
}
Value GpuBuilder::orI(Value x, Value y) {
  return arith::OrIOp::create(b, x, y);
}
Value GpuBuilder::xorI(Value x, Value y) {
  return arith::XOrIOp::create(b, x, y);
}
Value GpuBuilder::select(Value c, Value x, Value y) {
  return arith::SelectOp::create(b, c, x, y);
}
Value GpuBuilder::toI64(Value x) {
  if (x.getType().isInteger(64))
    return x;
  return arith::ExtSIOp::create(b, i64(), x);
}
Value GpuBuilder::toI32(Value x) {
  if (x.getType().isInteger(32))
    return x;
  return arith::TruncIOp::create(b, i32(), x);
}
Value GpuBuilder::indexToI32(Value x) {
  return arith::IndexCastUIOp::create(b, i32(), x);
}

Value GpuBuilder::fadd(Value x, Value y) {
  return arith::AddFOp::create(b, x, y);
}
Value GpuBuilder::fsub(Value x, Value y) {
  return arith::SubFOp::create(b, x, y);
}
Value GpuBuilder::fmul(Value x, Value y) {
  return arith::MulFOp::create(b, x, y);
}
Value GpuBuilder::fmax(Value x, Value y) {
  return arith::MaxNumFOp::create(b, x, y);
}
Value GpuBuilder::fmin(Value x, Value y) {
  return arith::MinNumFOp::create(b, x, y);
}
Value GpuBuilder::fma(Value x, Value y, Value z) {
  return LLVM::FMAOp::create(b, x, y, z);
}
Value GpuBuilder::fdiv(Value x, Value y) {
  return arith::DivFOp::create(b, x, y);
}
Value GpuBuilder::feq(Value x, Value y) {
  return arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, x, y);
}
Value GpuBuilder::fgt(Value x, Value y) {
  return arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, y);
}

Value GpuBuilder::exp2(Value x) {
  return LLVM::CallIntrinsicOp::create(
             b, f32(), b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f32"),
             ValueRange{x})
      .getResult(0);
}
Value GpuBuilder::log2(Value x) {
  return LLVM::CallIntrinsicOp::create(
             b, f32(), b.getStringAttr("llvm.nvvm.lg2.approx.f"), ValueRange{x})
      .getResult(0);
}
Value GpuBuilder::tanh(Value x) {
  // sm_75+ has tanh.approx.f32 (max rel. error 2^-11); LLVM 22 has no
  // intrinsic for it.
  auto asmOp = LLVM::InlineAsmOp::create(
      b, f32(), ValueRange{x}, "tanh.approx.f32 $0, $1;", "=f,f",
      /*has_side_effects=*/false, /*is_align_stack=*/false,
      LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  return asmOp.getResult(0);
}
Value GpuBuilder::pack2(Value lo, Value hi, Type elem) {
  auto v2f = VectorType::get({2}, f32());
  Value v = vector::FromElementsOp::create(b, v2f, ValueRange{lo, hi});
  Value h = arith::TruncFOp::create(b, VectorType::get({2}, elem), v);
  return LLVM::BitcastOp::create(b, i32(), h);
}

std::pair<Value, Value> GpuBuilder::unpack2(Value packed, Type elem) {
  Value h = LLVM::BitcastOp::create(b, VectorType::get({2}, elem), packed);
  Value v = arith::ExtFOp::create(b, VectorType::get({2}, f32()), h);
  Value lo = vector::ExtractOp::create(b, v, ArrayRef<int64_t>{0});
  Value hi = vector::ExtractOp::create(b, v, ArrayRef<int64_t>{1});
  return {lo, hi};
}

Value GpuBuilder::threadId() {
  return indexToI32(gpu::ThreadIdOp::create(b, gpu::Dimension::x));
}
Value GpuBuilder::blockId(gpu::Dimension d) {
  return indexToI32(gpu::BlockIdOp::create(b, d));
}

Value GpuBuilder::gep(Value base, Type elem, Value offset) {
  return LLVM::GEPOp::create(b, base.getType(), elem, base, ValueRange{offset},
                             LLVM::GEPNoWrapFlags::inbounds);
}

Value GpuBuilder::sharedBase(gpu::GPUModuleOp module) {
  if (!module.lookupSymbol(kSharedName)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), 0);
    LLVM::GlobalOp::create(b, type, /*isConstant=*/false,
                           LLVM::Linkage::External, kSharedName, Attribute(),
                           /*alignment=*/1024, /*addrSpace=*/3);
  }
  return LLVM::AddressOfOp::create(b, sharedPtr(), kSharedName);
}

Value GpuBuilder::loadGlobal(Type type, Value ptr) {
  return LLVM::LoadOp::create(b, type, ptr);
}
Value GpuBuilder::loadGlobalIf(Value ptr, Value valid, Value fallback) {
  Value flag = arith::ExtUIOp::create(b, i32(), valid);
  const bool f = fallback.getType().isF32(); // else i32
  std::string text = f ? "{ .reg .pred p;\nsetp.ne.b32 p, $2, 0;\nmov.f32 "
                         "$0, $3;\n@p ld.global.f32 $0, [$1]; }"
                       : "{ .reg .pred p;\nsetp.ne.b32 p, $2, 0;\nmov.b32 "
                         "$0, $3;\n@p ld.global.b32 $0, [$1]; }";
  auto asmOp = LLVM::InlineAsmOp::create(
      b, fallback.getType(), ValueRange{ptr, flag, fallback}, text,
      f ? "=f,l,r,f" : "=r,l,r,r", /*has_side_effects=*/false,
      /*is_align_stack=*/false, LLVM::TailCallKind::None,
      LLVM::AsmDialectAttr(), ArrayAttr());
  return asmOp.getResult(0);
}

Value GpuBuilder::loadF32x8(Value src) {
  auto v4 = VectorType::get({4}, f32());
  Value a = LLVM::LoadOp::create(b, v4, src, /*alignment=*/16);
  Value c = LLVM::LoadOp::create(b, v4, gep(src, f32(), c32(4)),
                                 /*alignment=*/16);
  return vector::ShuffleOp::create(b, a, c,
                                   ArrayRef<int64_t>{0, 1, 2, 3, 4, 5, 6, 7});
}

std::pair<Value, Value> GpuBuilder::splitBf16(Value x) {
  auto v8 = VectorType::get({8}, f32());
  auto h8 = VectorType::get({8}, b.getBF16Type());
  Value hi = arith::TruncFOp::create(b, h8, x);
  Value rest = arith::SubFOp::create(b, x, arith::ExtFOp::create(b, v8, hi));
  return {hi, arith::TruncFOp::create(b, h8, rest)};
}

void GpuBuilder::storeGlobal(Value value, Value ptr) {
  LLVM::StoreOp::create(b, value, ptr);
}

void GpuBuilder::cpAsync16(Value dst, Value src, Value valid, Value fallback) {
  Value from = LLVM::SelectOp::create(b, valid, src, fallback);
  Value bytes = select(valid, c32(16), c32(0));
  NVVM::CpAsyncOp::create(b, dst, from, 16, NVVM::LoadCacheModifierKind::CG,
                          bytes);
}
void GpuBuilder::cpAsyncCommit() { NVVM::CpAsyncCommitGroupOp::create(b); }
void GpuBuilder::cpAsyncWait(int n) { NVVM::CpAsyncWaitGroupOp::create(b, n); }
void GpuBuilder::barrier() { gpu::BarrierOp::create(b); }

Frag4 GpuBuilder::ldmatrix4(Value addr, bool trans) {
  Type i32T = i32();
  auto st = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                             {i32T, i32T, i32T, i32T});
  Value r = NVVM::LdMatrixOp::create(
      b, st, addr, 4u, trans ? NVVM::MMALayout::col : NVVM::MMALayout::row,
      NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
      NVVM::LdStMatrixEltType::B16);
  Frag4 out;
  for (int i = 0; i < 4; ++i)
    out[i] = LLVM::ExtractValueOp::create(b, r, i);
  return out;
}

Acc4 GpuBuilder::mma(const Frag4 &a, Value b0, Value b1, const Acc4 &acc,
                     Type elem) {
  Type f32T = f32();
  auto st = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                             {f32T, f32T, f32T, f32T});
  NVVM::MMATypes t = elem.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  // bf16 operands go as i32 registers, f16 ones as vector<2xf16> (what the
  // intrinsics' signatures say).
  auto operand = [&](Value v) -> Value {
    if (elem.isBF16())
      return v;
    return LLVM::BitcastOp::create(b, VectorType::get({2}, elem), v);
  };
  Value r = NVVM::MmaOp::create(
      b, st,
      ValueRange{operand(a[0]), operand(a[1]), operand(a[2]), operand(a[3])},
      ValueRange{operand(b0), operand(b1)},
      ValueRange{acc[0], acc[1], acc[2], acc[3]}, ArrayRef<int64_t>{16, 8, 16},
      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{t, t},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  Acc4 out;
  for (int i = 0; i < 4; ++i)
    out[i] = LLVM::ExtractValueOp::create(b, r, i);
  return out;
}

Acc4 GpuBuilder::mmaFp8(const Frag4 &a, Value b0, Value b1, const Acc4 &acc) {
  // LLVM 22's NVPTX has the intrinsic, but nvvm.mma.sync does not take the
  // e4m3 m16n8k32 shape: inline PTX, accumulators tied to the results.
  Type f32T = f32();
  auto st = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                             {f32T, f32T, f32T, f32T});
  auto asmOp = LLVM::InlineAsmOp::create(
      b, st,
      ValueRange{a[0], a[1], a[2], a[3], b0, b1, acc[0], acc[1], acc[2],
                 acc[3]},
      "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 {$0,$1,$2,$3}, "
      "{$4,$5,$6,$7}, {$8,$9}, {$10,$11,$12,$13};",
      "=f,=f,=f,=f,r,r,r,r,r,r,0,1,2,3", /*has_side_effects=*/false,
      /*is_align_stack=*/false, LLVM::TailCallKind::None,
      LLVM::AsmDialectAttr(), ArrayAttr());
  Acc4 out;
  for (int i = 0; i < 4; ++i)
    out[i] = LLVM::ExtractValueOp::create(b, asmOp.getResult(0), i);
  return out;
}

Value GpuBuilder::wgmmaDesc(Value addr, int64_t lbo, int64_t sbo) {
  return wgmmaDescAt(wgmmaDescLow(addr, lbo), 0, sbo);
}

Value GpuBuilder::wgmmaDescLow(Value addr, int64_t lbo) {
  // start address >> 4 (bits 0-13), leading byte offset >> 4 (bits 16-29;
  // unused by swizzled K-major tiles).
  Value a = isa<LLVM::LLVMPointerType>(addr.getType())
                ? LLVM::PtrToIntOp::create(b, i32(), addr).getResult()
                : addr;
  Value start = andI(LLVM::LShrOp::create(b, a, c32(4)), c32(0x3FFF));
  return orI(start, c32((lbo >> 4) << 16));
}

Value GpuBuilder::wgmmaDescAt(Value low, int64_t offset, int64_t sbo) {
  // The high word: stride byte offset >> 4 (bits 32-45; 1024: 8 rows of
  // 128 bytes), 128-byte swizzle (bits 62-63 = 1).
  Value word = low;
  if (offset)
    word = add(low, c32(offset >> 4));
  return LLVM::OrOp::create(b, LLVM::ZExtOp::create(b, i64(), word),
                            c64(((sbo >> 4) << 32) | (int64_t(1) << 62)));
}

SmallVector<Value> GpuBuilder::wgmmaChain(StringRef instr,
                                          StringRef immediates,
                                          ArrayRef<Value> acc,
                                          ArrayRef<Value> a, bool aRegs,
                                          ArrayRef<Value> bDesc, bool wait) {
  // Operands: the accumulators as outputs, the same tied as inputs, A (a
  // descriptor or 4 registers a step), B descriptors, the scale-d flag (1:
  // accumulate).
  const int64_t regs = acc.size(), steps = bDesc.size();
  const int64_t flag = 2 * regs + steps * (aRegs ? 4 : 1) + steps;
  std::string text = "{\n.reg .pred p;\nsetp.ne.b32 p, $" +
                     std::to_string(flag) + ", 0;\nwgmma.fence.sync.aligned;\n";
  std::string d;
  for (int64_t i = 0; i < regs; ++i)
    d += (i ? ",$" : "$") + std::to_string(i);
  int64_t next = 2 * regs;
  SmallVector<std::string> aOps;
  for (int64_t k = 0; k < steps; ++k) {
    if (!aRegs) {
      aOps.push_back("$" + std::to_string(next++));
      continue;
    }
    std::string r;
    for (int i = 0; i < 4; ++i)
      r += (i ? ",$" : "$") + std::to_string(next++);
    aOps.push_back("{" + r + "}");
  }
  for (int64_t k = 0; k < steps; ++k)
    text += "wgmma.mma_async.sync.aligned." + instr.str() + " {" + d + "}, " +
            aOps[k] + ", $" + std::to_string(next++) + ", p, " +
            immediates.str() + ";\n";
  text += "wgmma.commit_group.sync.aligned;\n";
  if (wait)
    text += "wgmma.wait_group.sync.aligned 0;\n";
  text += "}";
  std::string cons;
  for (int64_t i = 0; i < regs; ++i)
    cons += "=f,";
  for (int64_t i = 0; i < regs; ++i)
    cons += std::to_string(i) + ",";
  for (int64_t k = 0; k < steps; ++k)
    cons += aRegs ? "r,r,r,r," : "l,";
  for (int64_t k = 0; k < steps; ++k)
    cons += "l,";
  cons += "r,~{memory}";
  SmallVector<Value> operands(acc.begin(), acc.end());
  operands.append(a.begin(), a.end());
  operands.append(bDesc.begin(), bDesc.end());
  operands.push_back(c32(1));
  SmallVector<Type> fields(regs, f32());
  auto st = LLVM::LLVMStructType::getLiteral(b.getContext(), fields);
  auto asmOp = LLVM::InlineAsmOp::create(
      b, st, operands, text, cons, /*has_side_effects=*/true,
      /*is_align_stack=*/false, LLVM::TailCallKind::None,
      LLVM::AsmDialectAttr(), ArrayAttr());
  SmallVector<Value> out;
  for (int64_t i = 0; i < regs; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, asmOp.getResult(0), i));
  return out;
}

/// The e4m3 instruction of an accumulator of `regs` registers (N = 2 regs).
static std::string e4m3Instr(size_t regs) {
  return "m64n" + std::to_string(2 * regs) + "k32.f32.e4m3.e4m3";
}

SmallVector<Value> GpuBuilder::wgmmaFp8SS(ArrayRef<Value> descA,
                                          ArrayRef<Value> descB,
                                          ArrayRef<Value> acc) {
  return wgmmaChain(e4m3Instr(acc.size()), "1, 1", acc, descA,
                    /*aRegs=*/false, descB, /*wait=*/true);
}

Value GpuBuilder::opaque(Value x) {
  auto asmOp = LLVM::InlineAsmOp::create(
      b, i32(), ValueRange{x}, "mov.b32 $0, $1;", "=r,r",
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  return asmOp.getResult(0);
}

void GpuBuilder::fenceProxyAsync() {
  LLVM::InlineAsmOp::create(
      b, TypeRange{}, ValueRange{}, "fence.proxy.async.shared::cta;", "",
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
}

Value GpuBuilder::packE4m3x4(Value x0, Value x1, Value x2, Value x3) {
  // cvt ...e4m3x2.f32 d, a, b puts a in the upper byte of d.
  auto asmOp = LLVM::InlineAsmOp::create(
      b, i32(), ValueRange{x0, x1, x2, x3},
      "{ .reg .b16 lo, hi;\n"
      "cvt.rn.satfinite.e4m3x2.f32 lo, $2, $1;\n"
      "cvt.rn.satfinite.e4m3x2.f32 hi, $4, $3;\n"
      "mov.b32 $0, {lo, hi}; }",
      "=r,f,f,f,f", /*has_side_effects=*/false, /*is_align_stack=*/false,
      LLVM::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  return asmOp.getResult(0);
}

void GpuBuilder::mmaPairs(const Frag4 &a, const Frag4 *aLo, const Frag4 &b,
                          const Frag4 *bLo, Acc4 &acc0, Acc4 &acc1, Type elem) {
  acc0 = mma(a, b[0], b[1], acc0, elem);
  acc1 = mma(a, b[2], b[3], acc1, elem);
  if (!aLo || !bLo)
    return;
  acc0 = mma(a, (*bLo)[0], (*bLo)[1], acc0, elem);
  acc1 = mma(a, (*bLo)[2], (*bLo)[3], acc1, elem);
  acc0 = mma(*aLo, b[0], b[1], acc0, elem);
  acc1 = mma(*aLo, b[2], b[3], acc1, elem);
}

Value GpuBuilder::shflXor(Value v, int offset) {
  return gpu::ShuffleOp::create(b, v, offset, 32, gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

int64_t GpuBuilder::swizzleFor(int64_t chunksPerRow) {
  int64_t low = chunksPerRow & -chunksPerRow;
  return std::min<int64_t>(8, low);
}

Value GpuBuilder::swizzled(Value row, Value chunk, Value rowMask,
                           int64_t chunksPerRow) {
  Value c = xorI(chunk, rowMask);
  return mul(add(mul(row, c32(chunksPerRow)), c), c32(16));
}

gpu::GPUFuncOp mlir::attn::gpu_kernels::createKernel(
    ImplicitLocOpBuilder &b, gpu::GPUModuleOp module, StringRef name,
    int64_t pointers, int64_t sizes, int64_t threads) {
  SmallVector<Type> args(pointers,
                         LLVM::LLVMPointerType::get(b.getContext(), 1));
  args.append(sizes, b.getI64Type());
  b.setInsertionPointToEnd(module.getBody());
  auto fn = gpu::GPUFuncOp::create(b, name, b.getFunctionType(args, {}));
  fn->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  fn.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(threads), 1, 1}));
  b.setInsertionPointToStart(&fn.getBody().front());
  return fn;
}

void mlir::attn::gpu_kernels::copyTile(
    GpuBuilder &g, Value smem, int64_t rows, int64_t cols, int64_t threads,
    Value tid, Value fallback,
    llvm::function_ref<std::pair<Value, Value>(Value, Value)> source) {
  const int64_t cpr = cols / 8, total = rows * cpr;
  const int64_t swz = GpuBuilder::swizzleFor(cpr);
  for (int64_t i = 0; i < total / threads; ++i) {
    Value chunk = g.add(g.c32(i * threads), tid);
    Value row = g.divu(chunk, g.c32(cpr));
    Value c = g.remu(chunk, g.c32(cpr));
    Value off = g.swizzled(row, c, g.andI(row, g.c32(swz - 1)), cpr);
    Value dst = g.gep(smem, g.builder().getI8Type(), off);
    auto [valid, src] = source(row, c);
    g.cpAsync16(dst, src, valid, fallback);
  }
}

void mlir::attn::gpu_kernels::splitTile(
    GpuBuilder &g, Value hiTile, Value loTile, int64_t rows, int64_t cols,
    int64_t threads, Value tid,
    llvm::function_ref<std::pair<Value, Value>(Value, Value)> source) {
  ImplicitLocOpBuilder &b = g.builder();
  const int64_t cpr = cols / 8, total = rows * cpr;
  const int64_t swz = GpuBuilder::swizzleFor(cpr);
  auto v8 = VectorType::get({8}, g.f32());
  for (int64_t i = 0; i < total / threads; ++i) {
    Value chunk = g.add(g.c32(i * threads), tid);
    Value row = g.divu(chunk, g.c32(cpr));
    Value c = g.remu(chunk, g.c32(cpr));
    Value off = g.swizzled(row, c, g.andI(row, g.c32(swz - 1)), cpr);
    auto [valid, src] = source(row, c);
    auto ifOp = scf::IfOp::create(b, TypeRange{v8}, valid, true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      scf::YieldOp::create(b, g.loadF32x8(src));
      b.setInsertionPointToStart(ifOp.elseBlock());
      Value zeros = arith::ConstantOp::create(
          b, DenseElementsAttr::get(v8, b.getF32FloatAttr(0.0f)));
      scf::YieldOp::create(b, zeros);
    }
    auto [hi, lo] = g.splitBf16(ifOp.getResult(0));
    LLVM::StoreOp::create(b, hi, g.gep(hiTile, b.getI8Type(), off),
                          /*alignment=*/16);
    LLVM::StoreOp::create(b, lo, g.gep(loTile, b.getI8Type(), off),
                          /*alignment=*/16);
  }
}
