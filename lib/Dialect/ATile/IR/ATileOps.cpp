//===- ATileOps.cpp - atile op verifiers and builders ---------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// What each tile op requires of its operands: shapes that compose (M x K by
// K x N), element types the tensor cores take, row addressing that names
// real dimensions, and asynchronous products read only through their wait.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/ATile/IR/ATileOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::atile;

#define GET_OP_CLASSES
#include "dialects/atile/ATileOps.cpp.inc"

int64_t mlir::atile::placeShared(int64_t &used, SmemType type) {
  const int64_t offset = (used + 1023) / 1024 * 1024;
  used = offset + type.getShape()[0] * type.getStageBytes();
  return offset;
}

SmallVector<std::pair<AllocOp, int64_t>>
mlir::atile::placeRings(Operation *kernel, int64_t &used) {
  SmallVector<std::pair<AllocOp, int64_t>> rings;
  kernel->walk([&](AllocOp alloc) {
    bool ring = llvm::any_of(alloc->getUsers(), [](Operation *user) {
      return isa<AcquireOp, AwaitOp, ReleaseOp>(user);
    });
    if (!ring)
      return;
    used = (used + 7) / 8 * 8;
    rings.push_back({alloc, used});
    used += 16 * alloc.getResult().getType().getShape()[0];
  });
  return rings;
}

std::pair<int64_t, int64_t>
mlir::atile::placeReduceScratch(Operation *kernel, int64_t &used) {
  int64_t warps = 1;
  if (auto block = kernel->getAttrOfType<DenseI32ArrayAttr>("known_block_size");
      block && !block.empty())
    warps = std::max<int64_t>(1, block[0] / 32);
  int64_t bytes = 0;
  kernel->walk([&](ReduceOp r) {
    if (r.getDim() != 0)
      return;
    FragType in = r.getInput().getType();
    const int64_t cols = in.getRank() == 2 ? in.getShape()[1] : 1;
    bytes = std::max(bytes, 4 * warps * cols);
  });
  if (!bytes)
    return {used, 0};
  const int64_t offset = (used + 15) / 16 * 16;
  used = offset + bytes;
  return {offset, bytes};
}

int64_t mlir::atile::sharedBytes(Operation *kernel) {
  int64_t bytes = 0;
  kernel->walk(
      [&](AllocOp alloc) { placeShared(bytes, alloc.getResult().getType()); });
  placeRings(kernel, bytes);
  placeReduceScratch(kernel, bytes);
  return bytes;
}

bool mlir::atile::tmaFillable(SmemType tile) {
  const int64_t rowBytes =
      tile.getCols() * tile.getElementType().getIntOrFloatBitWidth() / 8;
  if (rowBytes % 128)
    return false;
  if (tile.getSwizzle() == 128)
    return tile.getRows() % 8 == 0;
  return tile.getSwizzle() == 0 && tile.getRows() == 1;
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(shape, os, "x");
  return s;
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

LogicalResult ViewOp::verify() {
  unsigned space = cast<LLVM::LLVMPointerType>(getPtr().getType())
                       .getAddressSpace();
  if (space != 0 && space != 1)
    return emitOpError() << "views generic or global memory (address space 0 "
                            "or 1); got address space "
                         << space;
  ViewType type = getResult().getType();
  if (static_cast<int64_t>(getSizes().size()) != type.getNumDynamicDims())
    return emitOpError() << "takes one size per '?' extent of "
                         << getResult().getType() << " ("
                         << type.getNumDynamicDims() << "); got "
                         << getSizes().size();
  if (Value map = getTensormap();
      map && cast<LLVM::LLVMPointerType>(map.getType()).getAddressSpace() != 0)
    return emitOpError() << "takes its TMA descriptor as a generic pointer "
                            "(a by-value kernel argument); got "
                         << map.getType();
  return success();
}

LogicalResult GatherOp::verify() {
  ViewType src = getSrc().getType(), idx = getIndices().getType();
  ViewType res = getResult().getType();
  const int64_t dim = static_cast<int64_t>(getDim());
  if (dim + 1 >= src.getRank())
    return emitOpError() << "gathers along a dimension of " << src
                         << " other than its last (the columns); got dim = "
                         << dim;
  if (!idx.getElementType().isInteger(32))
    return emitOpError() << "reads its entries from an i32 view; got " << idx;
  if (static_cast<int64_t>(getOffsets().size()) + 1 != idx.getRank())
    return emitOpError() << "takes one offset per dimension of " << idx
                         << " but its last (the entries); got "
                         << getOffsets().size();
  SmallVector<int64_t> shape(src.getShape());
  shape[dim] = ShapedType::kDynamic;
  if (res.getShape() != ArrayRef<int64_t>(shape) ||
      res.getElementType() != src.getElementType())
    return emitOpError() << "result must be " << src << " with extent " << dim
                         << " dynamic; got " << res;
  if (!getSrc().getDefiningOp<ViewOp>() ||
      !getIndices().getDefiningOp<ViewOp>())
    return emitOpError() << "gathers from and through views that atile.view "
                            "makes";
  return success();
}

/// The ring ops name a staged buffer of the block.
static LogicalResult verifyRing(Operation *op, Value buffer) {
  if (!buffer.getDefiningOp<AllocOp>())
    return op->emitOpError() << "names a ring by its atile.alloc buffer";
  return success();
}
LogicalResult AcquireOp::verify() { return verifyRing(*this, getBuffer()); }

/// Turns alternate between the two consumers of an atile.warp_specialize.
static LogicalResult verifyTurn(Operation *op) {
  auto ws = op->getParentOfType<WarpSpecializeOp>();
  if (!ws || ws.getConsumers() != 2 ||
      !ws.getConsumer().isAncestor(op->getParentRegion()))
    return op->emitOpError() << "takes turns between the two consumers of an "
                                "atile.warp_specialize";
  return success();
}
LogicalResult TurnAcquireOp::verify() { return verifyTurn(*this); }
LogicalResult TurnReleaseOp::verify() { return verifyTurn(*this); }
LogicalResult AwaitOp::verify() { return verifyRing(*this, getBuffer()); }
LogicalResult ReleaseOp::verify() { return verifyRing(*this, getBuffer()); }

LogicalResult AllocOp::verify() {
  if (getResult().getType().getRank() != 3)
    return emitOpError() << "allocates stages x rows x cols buffers (rank 3); "
                            "pick one stage with atile.stage";
  return success();
}

LogicalResult StageOp::verify() {
  SmemType buf = getBuffer().getType(), tile = getResult().getType();
  if (buf.getRank() != 3)
    return emitOpError() << "takes a staged (rank-3) buffer; got " << buf;
  if (tile.getRank() != 2 || tile.getShape() != buf.getShape().drop_front() ||
      tile.getElementType() != buf.getElementType() ||
      tile.getSwizzle() != buf.getSwizzle())
    return emitOpError() << "result must be one stage of " << buf
                         << " (same rows, cols, element type and swizzle); got "
                         << tile;
  return success();
}

/// Row addressing shared by atile.copy and atile.store: `rows` lists
/// ascending dimensions of the view that are not its last one (when the
/// tile has columns), and every other dimension but the columns has one
/// offset operand.
static LogicalResult verifyRowAddressing(Operation *op, ViewType view,
                                         ArrayRef<int64_t> rows,
                                         size_t numOffsets, bool hasCols) {
  const int64_t rank = view.getRank();
  const int64_t rowDimLimit = hasCols ? rank - 1 : rank;
  if (rows.empty())
    return op->emitOpError() << "needs at least one row dimension";
  for (auto [i, d] : llvm::enumerate(rows)) {
    if (d < 0 || d >= rowDimLimit)
      return op->emitOpError()
             << "row dimension " << d << " is not a dimension of " << view
             << (hasCols ? " other than its last (the columns)" : "");
    if (i > 0 && d <= rows[i - 1])
      return op->emitOpError() << "row dimensions must be ascending";
  }
  const int64_t expected = rowDimLimit - static_cast<int64_t>(rows.size());
  if (static_cast<int64_t>(numOffsets) != expected)
    return op->emitOpError()
           << "takes one offset per dimension of " << view
           << " that is neither a row dimension nor the columns (" << expected
           << "); got " << numOffsets;
  return success();
}

/// Copies, stores and reads move whole rows of the view's last dimension:
/// its extent must be static and equal `cols` (the `what`'s columns).
static LogicalResult verifyWholeRows(Operation *op, StringRef verb,
                                     ViewType view, int64_t cols,
                                     StringRef what,
                                     StringRef unit = "columns") {
  const int64_t last = view.getShape().back();
  if (ShapedType::isDynamic(last) || last != cols)
    return op->emitOpError() << verb << " whole rows: the view's last extent "
                             << "must be static and equal the " << what
                             << "'s " << cols << " " << unit << "; got " << view;
  return success();
}

LogicalResult CopyOp::verify() {
  ViewType view = getSrc().getType();
  SmemType dst = getDst().getType();
  if (dst.getRank() != 2)
    return emitOpError() << "copies into one stage (a rank-2 tile); got "
                         << dst << " (use atile.stage)";
  if (view.getElementType() != dst.getElementType())
    return emitOpError() << "copies without conversion: " << view << " into "
                         << dst;
  if (failed(verifyWholeRows(*this, "copies", view, dst.getCols(), "tile")))
    return failure();
  if (failed(verifyRowAddressing(*this, view, getRows(), getOffsets().size(),
                                 /*hasCols=*/true)))
    return failure();
  if (getEngine() == CopyEngine::tma) {
    auto def = getSrc().getDefiningOp<ViewOp>();
    if (!def || !def.getTensormap())
      return emitOpError() << "with engine = tma reads a view with a "
                              "tensormap";
    if (getRows().size() != 1 || !tmaFillable(dst))
      return emitOpError() << "with engine = tma copies one row dimension "
                              "into a tile of whole 128-byte column blocks, "
                              "128-byte-swizzled or of one unswizzled row; "
                              "got "
                           << dst;
    if (!getDst().getDefiningOp<StageOp>())
      return emitOpError() << "with engine = tma copies into an atile.stage "
                              "of a ring (its stage's barrier completes)";
  }
  return success();
}

LogicalResult WaitOp::verify() {
  if (getTokens().empty() == !getPending())
    return emitOpError() << "waits for copy tokens or, without tokens, for "
                            "all but `pending` copies; not both, not neither";
  return success();
}

LogicalResult LoadOp::verify() {
  SmemType src = getSrc().getType();
  if (src.getRank() != 2)
    return emitOpError() << "loads one stage (a rank-2 tile); got " << src;
  const bool f32Tile = src.getElementType().isF32();
  if (getResult().getType().isF32()) {
    if (!f32Tile || getTranspose() ||
        static_cast<int64_t>(getRow()) >= src.getRows() ||
        static_cast<int64_t>(getCol()) >= src.getCols())
      return emitOpError() << "loads an f32 scalar from an element (row "
                           << getRow() << ", col " << getCol()
                           << ") inside an f32 tile; got " << src;
    return success();
  }
  if (getCol() != 0)
    return emitOpError() << "takes `col` for f32 scalars only";
  auto frag = cast<FragType>(getResult().getType());
  if (frag.getRank() == 1) {
    if (!f32Tile || !frag.getElementType().isF32() || src.getRows() != 1 ||
        src.getCols() != frag.getRows() || getTranspose() || getRow() != 0)
      return emitOpError() << "loads a rows fragment from a 1 x rows f32 "
                              "tile; got "
                           << frag << " from " << src;
    return success();
  }
  if (getTranspose()) {
    if (src.getElementType().getIntOrFloatBitWidth() != 16 ||
        frag.getRank() != 2 || !frag.getElementType().isF32() ||
        frag.getShape()[0] != src.getCols() ||
        frag.getShape()[1] != src.getRows())
      return emitOpError() << "with `transpose` makes the f32 cols x rows "
                              "fragment of a 16-bit tile; got "
                           << frag << " from " << src;
    return success();
  }
  // A column vector: a row of an f32 tile (whole 8-column
  // groups: a thread holds column pairs 8 n + 2 tq, + 1).
  if (frag.getRank() == 2 && frag.getRows() == 1 &&
      src.getElementType().isF32() && frag.getElementType().isF32() &&
      frag.getShape()[1] == src.getCols() && src.getCols() % 8 == 0) {
    if (static_cast<int64_t>(getRow()) >= src.getRows())
      return emitOpError() << "loads row " << getRow() << " of a tile of "
                           << src.getRows() << " rows";
    return success();
  }
  if (getRow() != 0)
    return emitOpError() << "takes `row` for column vectors only";
  if (frag.getShape() != src.getShape() ||
      frag.getElementType() != src.getElementType())
    return emitOpError() << "result must have the tile's shape and element "
                            "type, or be the 1 x cols f32 column vector of "
                            "a row of an f32 tile (cols a multiple of 8); "
                            "got "
                         << frag << " from " << src;
  return success();
}

LogicalResult StoreOp::verify() {
  ViewType view = getDst().getType();
  FragType frag = getValue().getType();
  if (view.getElementType() != frag.getElementType())
    return emitOpError() << "stores without conversion (atile.convert first): "
                         << frag << " into " << view;
  const bool hasCols = frag.getRank() == 2;
  if (getTranspose() && (!hasCols || getStaging()))
    return emitOpError() << "with `transpose` writes a rank-2 fragment "
                            "straight from registers; got "
                         << frag << (getStaging() ? " via a staging tile" : "");
  if (hasCols &&
      failed(verifyWholeRows(*this, "stores", view,
                             frag.getShape()[getTranspose() ? 0 : 1],
                             "fragment",
                             getTranspose() ? "rows (transposed)" : "columns")))
    return failure();
  if (Value staging = getStaging()) {
    auto tile = cast<SmemType>(staging.getType());
    if (!hasCols || frag.getElementType().getIntOrFloatBitWidth() != 16)
      return emitOpError() << "stages rank-2 16-bit fragments only; got "
                           << frag;
    if (tile.getShape().size() != 2 ||
        tile.getElementType() != frag.getElementType() ||
        tile.getRows() != frag.getShape()[0] ||
        tile.getCols() < frag.getShape()[1])
      return emitOpError() << "stages through a tile of the fragment's rows, "
                              "element type and at least its columns; got "
                           << tile << " for " << frag;
  }
  return verifyRowAddressing(*this, view, getRows(), getOffsets().size(),
                             hasCols);
}

LogicalResult SubtileOp::verify() {
  SmemType t = getTile().getType(), r = getResult().getType();
  const int64_t cols = getCols();
  const int64_t eb = t.getElementType().getIntOrFloatBitWidth() / 8;
  if (t.getRank() != 2 || t.getCols() % cols)
    return emitOpError() << "takes column blocks that divide one stage's "
                            "columns; got "
                         << cols << " of " << t;
  if (t.getSwizzle() ? (cols * eb) % t.getSwizzle() : (cols * eb) % 16)
    return emitOpError() << "takes whole swizzle spans (" << t.getSwizzle()
                         << " bytes; 16-byte chunks without a swizzle); got "
                         << cols << " columns of " << t;
  if (r.getRank() != 2 || r.getRows() != t.getRows() || r.getCols() != cols ||
      r.getElementType() != t.getElementType() ||
      r.getSwizzle() != t.getSwizzle())
    return emitOpError() << "result must be the " << t.getRows() << " x "
                         << cols << " tile in the same swizzle; got " << r;
  return success();
}

LogicalResult PutOp::verify() {
  SmemType dst = getDst().getType();
  FragType frag = getValue().getType();
  Type elem = frag.getElementType();
  if (frag.getRank() == 1) {
    if (!elem.isF32() || dst.getRank() != 2 || dst.getRows() != 1 ||
        dst.getCols() != frag.getRows() || !dst.getElementType().isF32())
      return emitOpError() << "puts a rows fragment into a 1 x rows f32 tile; "
                              "got "
                           << frag << " -> " << dst;
    return success();
  }
  if (dst.getRank() != 2 || frag.getRank() != 2 ||
      frag.getShape() != dst.getShape() || dst.getElementType() != elem)
    return emitOpError() << "writes a rank-2 fragment into one stage of the "
                            "same shape and element type; got "
                         << frag << " -> " << dst;
  if (!elem.isF32() && !elem.isBF16() && !elem.isF16())
    return emitOpError() << "puts f32, bf16 or f16 fragments; got " << frag;
  return success();
}

LogicalResult ReadOp::verify() {
  ViewType view = getSrc().getType();
  Type elem = view.getElementType();
  if (!elem.isF32() && !elem.isBF16() && !elem.isF16())
    return emitOpError() << "reads f32, bf16 or f16 views; got " << view;
  auto frag = dyn_cast<FragType>(getResult().getType());
  if (!getRow()) {
    if (frag || getRows())
      return emitOpError() << "without `rows` reads one scalar (an f32 "
                              "result, no rows attribute)";
    if (static_cast<int64_t>(getOffsets().size()) != view.getRank())
      return emitOpError() << "without `rows` takes one offset per dimension "
                              "of "
                           << view << "; got " << getOffsets().size();
    return success();
  }
  if (!frag || !frag.getElementType().isF32() || !getRows())
    return emitOpError() << "with `rows` reads an f32 fragment (and needs the "
                            "rows attribute); got "
                         << getResult().getType();
  const bool hasCols = frag.getRank() == 2;
  if (getTranspose() && !hasCols)
    return emitOpError() << "with `transpose` reads a rank-2 fragment; got "
                         << frag;
  if (hasCols &&
      failed(verifyWholeRows(*this, "reads", view,
                             frag.getShape()[getTranspose() ? 0 : 1],
                             "fragment",
                             getTranspose() ? "rows (transposed)" : "columns")))
    return failure();
  return verifyRowAddressing(*this, view, *getRows(), getOffsets().size(),
                             hasCols);
}

//===----------------------------------------------------------------------===//
// Computation
//===----------------------------------------------------------------------===//

LogicalResult FillOp::verify() {
  FragType t = getResult().getType();
  if (!t.getElementType().isF32())
    return emitOpError() << "fills f32 fragments; got " << t;
  return success();
}

static bool isMmaOperandType(Type t) {
  return t.isBF16() || t.isF16() || isa<Float8E4M3FNType, Float8E5M2Type>(t);
}

LogicalResult MmaOp::verify() {
  Type lhsType = getLhs().getType();
  ArrayRef<int64_t> a;
  Type aElem;
  if (auto f = dyn_cast<FragType>(lhsType)) {
    if (f.getRank() != 2)
      return emitOpError() << "lhs must be a rank-2 fragment; got " << f;
    a = f.getShape();
    aElem = f.getElementType();
  } else {
    auto s = cast<SmemType>(lhsType);
    if (s.getRank() != 2)
      return emitOpError() << "lhs must be one stage (rank 2); got " << s;
    a = s.getShape();
    aElem = s.getElementType();
  }
  SmemType rhs = getRhs().getType();
  if (rhs.getRank() != 2)
    return emitOpError() << "rhs must be one stage (rank 2); got " << rhs;
  if (aElem != rhs.getElementType() || !isMmaOperandType(aElem))
    return emitOpError()
           << "operands must share one of bf16, f16, f8E4M3FN, f8E5M2; got "
           << aElem << " and " << rhs.getElementType();
  const int64_t m = a[0], k = a[1];
  const int64_t rk = getTransposeRhs() ? rhs.getCols() : rhs.getRows();
  const int64_t n = getTransposeRhs() ? rhs.getRows() : rhs.getCols();
  if (rk != k)
    return emitOpError() << "lhs is " << shapeStr(a) << " (M x K) but rhs is "
                         << shapeStr(rhs.getShape())
                         << (getTransposeRhs() ? " (N x K, transpose_rhs)"
                                               : " (K x N)");
  FragType res = getResult().getType();
  if (res.getRank() != 2 || res.getShape()[0] != m || res.getShape()[1] != n ||
      !res.getElementType().isF32())
    return emitOpError() << "result must be a " << m << "x" << n
                         << " f32 fragment; got " << res;
  const int64_t kStep = aElem.getIntOrFloatBitWidth() == 8 ? 32 : 16;
  if (k % kStep || n % 8)
    return emitOpError() << "K must be a multiple of " << kStep
                         << " and N of 8 (the tensor-core steps); got K = " << k
                         << ", N = " << n;
  if (Value acc = getAcc(); acc && acc.getType() != res)
    return emitOpError() << "acc must have the result's type " << res
                         << "; got " << acc.getType();
  if (getAsync()) {
    for (Operation *user : getResult().getUsers())
      if (!isa<MmaWaitOp>(user))
        return emitOpError() << "is async: its result is read only through "
                                "atile.mma_wait; '"
                             << user->getName() << "' reads it";
  }
  return success();
}

LogicalResult MmaWaitOp::verify() {
  if (getValues().empty())
    return emitOpError() << "waits for at least one product";
  if (getPending() < 0)
    return emitOpError() << "pending must be non-negative; got "
                         << getPending();
  for (Value v : getValues()) {
    auto mma = v.getDefiningOp<MmaOp>();
    if (!mma || !mma.getAsync())
      return emitOpError() << "waits for results of atile.mma {async}";
  }
  return success();
}

/// `rows` is `full`'s row count, both fragments, rank 1 and 2.
static LogicalResult checkRowOf(Operation *op, FragType full, FragType rows,
                                StringRef what) {
  if (full.getRank() != 2 || rows.getRank() != 1 ||
      rows.getShape()[0] != full.getShape()[0])
    return op->emitOpError() << what << " must be a rank-1 fragment of "
                             << full.getShape()[0] << " rows; got " << rows;
  return success();
}

LogicalResult ReduceOp::verify() {
  FragType in = getInput().getType();
  if (!in.getElementType().isF32())
    return emitOpError() << "reduces f32 fragments";
  const int64_t dim = getDim();
  if (dim != 0 && dim != 1)
    return emitOpError() << "reduces along dim 1 (each row) or 0 (over the "
                            "rows); got "
                         << dim;
  if (in.getRank() == 1) {
    if (dim != 0 || !getResult().getType().isF32())
      return emitOpError() << "reduces a rank-1 fragment over its rows "
                              "(dim = 0) to one f32; got "
                           << getResult().getType();
    return success();
  }
  auto out = dyn_cast<FragType>(getResult().getType());
  if (!out || !out.getElementType().isF32())
    return emitOpError() << "reduces a rank-2 fragment to an f32 fragment";
  if (dim == 0) {
    if (out.getShape() != ArrayRef<int64_t>{1, in.getShape()[1]})
      return emitOpError() << "over the rows (dim = 0) makes a 1x"
                           << in.getShape()[1] << " fragment; got " << out;
    return success();
  }
  return checkRowOf(*this, in, out, "result");
}

LogicalResult MapOp::verifyRegions() {
  if (getInputs().empty())
    return emitOpError() << "maps at least one fragment";
  // The shape of the largest input (rank, then rows); every input is it,
  // its rows or its columns.
  ArrayRef<int64_t> full;
  for (Value v : getInputs()) {
    auto t = cast<FragType>(v.getType());
    if (t.getRank() > static_cast<int64_t>(full.size()) ||
        (t.getRank() == static_cast<int64_t>(full.size()) &&
         t.getShape()[0] > full[0]))
      full = t.getShape();
  }
  for (Value v : getInputs()) {
    auto t = cast<FragType>(v.getType());
    bool column = full.size() == 2 && t.getRank() == 2 &&
                  t.getShape()[0] == 1 && t.getShape()[1] == full[1];
    if (t.getShape() != full && t.getShape() != full.take_front(1) && !column)
      return emitOpError() << "inputs must be " << shapeStr(full)
                           << " fragments, their " << full[0]
                           << " rows or their " << (full.size() == 2 ? full.back() : 0)
                           << " columns (1 x cols); got " << t;
  }
  for (Type r : getResultTypes())
    if (cast<FragType>(r).getShape() != full)
      return emitOpError() << "results must be " << shapeStr(full)
                           << " fragments; got " << r;
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError() << "body takes one scalar per input ("
                         << getInputs().size() << "); got "
                         << body.getNumArguments();
  for (auto [arg, in] : llvm::zip(body.getArguments(), getInputs()))
    if (arg.getType() != cast<FragType>(in.getType()).getElementType())
      return emitOpError() << "body argument of type " << arg.getType()
                           << " for an input of " << in.getType();
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().size() != getNumResults())
    return emitOpError() << "body yields one scalar per result ("
                         << getNumResults() << "); got "
                         << yield.getValues().size();
  for (auto [v, r] : llvm::zip(yield.getValues(), getResultTypes()))
    if (v.getType() != cast<FragType>(r).getElementType())
      return emitOpError() << "body yields " << v.getType()
                           << " for a result of " << r;
  return success();
}

LogicalResult MaskOp::verify() {
  FragType s = getScores().getType();
  if (s.getRank() != 2 || !s.getElementType().isF32())
    return emitOpError() << "masks rank-2 f32 score fragments; got " << s;
  if (Value g = getGathered()) {
    if (!g.getDefiningOp<GatherOp>())
      return emitOpError() << "takes its gathered keys from an atile.gather";
    if (getCausal() || getWindow())
      return emitOpError() << "with gathered keys takes no causal or window "
                              "(the gather's bound holds them)";
  }
  return success();
}

void OnlineSoftmaxOp::build(OpBuilder &b, OperationState &state, Value scores,
                            Value max, Value sum, float scale, Value rowScale,
                            int64_t log2ProbScale) {
  build(b, state, scores.getType(), max.getType(), max.getType(),
        max.getType(), scores, max, sum, rowScale, b.getF32FloatAttr(scale),
        b.getI64IntegerAttr(log2ProbScale));
}

LogicalResult OnlineSoftmaxOp::verify() {
  FragType s = getScores().getType();
  if (s.getRank() != 2 || !s.getElementType().isF32())
    return emitOpError() << "takes rank-2 f32 scores; got " << s;
  if (failed(checkRowOf(*this, s, getMax().getType(), "max")))
    return failure();
  if (!getMax().getType().getElementType().isF32())
    return emitOpError() << "statistics are f32";
  if (!(getScale().convertToFloat() > 0.0f))
    return emitOpError() << "scale must be positive";
  if (Value r = getRowScale()) {
    if (failed(checkRowOf(*this, s, cast<FragType>(r.getType()), "row_scale")))
      return failure();
    if (!cast<FragType>(r.getType()).getElementType().isF32())
      return emitOpError() << "row_scale is f32";
  }
  if (getLog2ProbScale() < 0 || getLog2ProbScale() > 64)
    return emitOpError() << "log2_prob_scale must be in [0, 64]; got "
                         << getLog2ProbScale();
  return success();
}

LogicalResult ConvertOp::verify() {
  FragType in = getInput().getType(), out = getResult().getType();
  if (in.getShape() != out.getShape())
    return emitOpError() << "keeps the shape; got " << in << " -> " << out;
  if (isa<Float8E4M3FNType, Float8E5M2Type>(out.getElementType()) &&
      !(in.getElementType().isF32() && out.getRank() == 2 &&
        isa<Float8E4M3FNType>(out.getElementType())))
    return emitOpError() << "makes FP8 only from rank-2 f32 fragments and "
                            "only f8E4M3FN (values already in range; with a "
                            "scale per row use atile.quantize); got "
                         << in << " -> " << out;
  return success();
}

LogicalResult QuantizeOp::verify() {
  FragType in = getInput().getType(), out = getResult().getType();
  if (in.getRank() != 2 || out.getShape() != in.getShape())
    return emitOpError() << "quantises a rank-2 fragment into one of the same "
                            "shape; got "
                         << in << " -> " << out;
  if (!isa<Float8E4M3FNType, Float8E5M2Type>(out.getElementType()))
    return emitOpError() << "result must be f8E4M3FN or f8E5M2; got "
                         << out.getElementType();
  if (!getScale().getType().getElementType().isF32())
    return emitOpError() << "scales are f32";
  return checkRowOf(*this, in, getScale().getType(), "scale");
}

//===----------------------------------------------------------------------===//
// The chunked form of linear and delta-rule attention
//===----------------------------------------------------------------------===//

LogicalResult IotaOp::verify() {
  FragType t = getResult().getType();
  if (!t.getElementType().isF32() ||
      !(t.getRank() == 1 || (t.getRank() == 2 && t.getRows() == 1)))
    return emitOpError() << "makes an f32 rows fragment or a 1 x cols column "
                            "vector; got "
                         << t;
  return success();
}

LogicalResult ScanOp::verify() {
  SmemType t = getTile().getType();
  if (t.getRank() != 2 || !t.getElementType().isF32())
    return emitOpError() << "scans one stage of an f32 tile; got " << t;
  return success();
}

LogicalResult GatedGramOp::verify() {
  SmemType k = getKeys().getType(), q = getQueries().getType(),
           g = getGates().getType();
  if (k != q || k.getRank() != 2 ||
      k.getElementType().getIntOrFloatBitWidth() != 16)
    return emitOpError() << "takes keys and queries as 16-bit tiles of one "
                            "type (one stage); got "
                         << k << " and " << q;
  if (g.getRank() != 2 || !g.getElementType().isF32() ||
      g.getShape() != k.getShape())
    return emitOpError() << "takes gates as an f32 tile of the keys' shape; "
                            "got "
                         << g;
  const int64_t rows = k.getRows(), cols = k.getCols();
  if (rows % 16 || cols % 16)
    return emitOpError() << "takes whole 16 x 16 blocks; got " << k;
  auto want = FragType::get({rows, rows}, Float32Type::get(getContext()));
  for (Value r : {getKk(), getQk()}) {
    auto t = cast<FragType>(r.getType());
    if (t.getShape() != want.getShape() || !t.getElementType().isF32())
      return emitOpError() << "results are " << rows << " x " << rows
                           << " f32 fragments; got " << t;
  }
  return success();
}

LogicalResult TrilSolveOp::verify() {
  FragType a = getA().getType(), x = getX().getType();
  if (a.getRank() != 2 || a.getShape()[0] != a.getShape()[1] ||
      !a.getElementType().isF32() || a.getShape()[0] % 16)
    return emitOpError() << "solves a square f32 fragment of whole 16-row "
                            "blocks; got "
                         << a;
  if (x.getShape() != a.getShape() || !x.getElementType().isF32())
    return emitOpError() << "result has the matrix's shape, f32; got " << x;
  SmemType s = getScratch().getType();
  const int64_t n = a.getShape()[0];
  if (s.getRank() != 2 || !s.getElementType().isF32() ||
      s.getRows() * s.getCols() < 2 * n * n)
    return emitOpError() << "needs an f32 scratch tile of at least "
                         << 2 * n * n << " elements; got " << s;
  return success();
}

//===----------------------------------------------------------------------===//
// Warp specialisation
//===----------------------------------------------------------------------===//

LogicalResult WarpSpecializeOp::verify() {
  if (getProducerRegs().has_value() != getConsumerRegs().has_value())
    return emitOpError() << "takes both register budgets or neither";
  // Up to 256 threads every thread may hold 255 registers (ptxas ignores
  // setmaxnreg there); above, the budgets are what lets consumers hold
  // more than 65536 / threads.
  const int64_t threads = 32 * (getProducerWarps() + 4 * getConsumers());
  if (getProducerRegs().has_value() != (threads > 256))
    return emitOpError() << "takes register budgets if and only if the block "
                            "has more than 256 threads; it has "
                         << threads;
  if (getProducerRegs()) {
    const int64_t producer = *getProducerRegs(), consumer = *getConsumerRegs();
    // setmaxnreg takes multiples of 8 in [24, 256].
    for (int64_t r : {producer, consumer})
      if (r < 24 || r > 256 || r % 8)
        return emitOpError() << "register budgets must be multiples of 8 in "
                                "[24, 256] (setmaxnreg); got "
                             << r;
    if (producer > consumer)
      return emitOpError() << "gives the producer (" << producer
                           << " registers) more than the consumers ("
                           << consumer << ")";
    const int64_t warps = getProducerWarps() + 4 * getConsumers();
    const int64_t total =
        32 * (getProducerWarps() * producer + 4 * getConsumers() * consumer);
    if (total > 65536)
      return emitOpError() << warps << " warps at these budgets need " << total
                           << " registers; a multiprocessor has 65536";
  }
  if (getProducer().getNumArguments() != 0)
    return emitOpError() << "producer region takes no arguments";
  if (getConsumer().getNumArguments() != 1 ||
      !getConsumer().getArgument(0).getType().isIndex())
    return emitOpError() << "consumer region takes one index argument (the "
                            "consumer's index)";
  return success();
}
