//===- ATileTypes.cpp - atile types and attributes ------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Parsing, printing and verification of the tile IR's types (views, shared
// buffers, fragments) and attributes (layouts, the target chip).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/ATile/IR/ATileTypes.h"
#include "attn/Dialect/ATile/IR/ATileDialect.h"
#include "attn/Target/GPU/TargetInfo.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::atile;

#include "dialects/atile/ATileEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/atile/ATileAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/atile/ATileTypes.cpp.inc"

void ATileDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/atile/ATileTypes.cpp.inc"
      >();
}

void ATileDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/atile/ATileAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Shapes: `<dims x elem ...>`
//===----------------------------------------------------------------------===//

static ParseResult parseShapeAndElement(AsmParser &parser,
                                        SmallVectorImpl<int64_t> &shape,
                                        Type &elem, bool allowDynamic) {
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, allowDynamic, /*withTrailingX=*/true) ||
      parser.parseType(elem))
    return failure();
  return success();
}

static void printShapeAndElement(AsmPrinter &printer, ArrayRef<int64_t> shape,
                                 Type elem) {
  printer << "<";
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      printer << "?";
    else
      printer << d;
    printer << "x";
  }
  printer << elem;
}

static bool isTileElement(Type t) {
  return t.isBF16() || t.isF16() || t.isF32() ||
         isa<Float8E4M3FNType, Float8E5M2Type>(t);
}

static LogicalResult checkStaticPositive(
    function_ref<InFlightDiagnostic()> emitError, StringRef what,
    ArrayRef<int64_t> shape) {
  for (int64_t d : shape)
    if (ShapedType::isDynamic(d) || d <= 0)
      return emitError() << what << " extents must be static and positive";
  return success();
}

//===----------------------------------------------------------------------===//
// ViewType
//===----------------------------------------------------------------------===//

Type ViewType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elem;
  if (parseShapeAndElement(parser, shape, elem, /*allowDynamic=*/true) ||
      parser.parseGreater())
    return {};
  return parser.getChecked<ViewType>(parser.getContext(), shape, elem);
}

void ViewType::print(AsmPrinter &printer) const {
  printShapeAndElement(printer, getShape(), getElementType());
  printer << ">";
}

LogicalResult ViewType::verify(function_ref<InFlightDiagnostic()> emitError,
                               ArrayRef<int64_t> shape, Type elem) {
  if (shape.empty())
    return emitError() << "a view has at least one dimension";
  for (int64_t d : shape)
    if (!ShapedType::isDynamic(d) && d < 0)
      return emitError() << "view extents are '?' or non-negative";
  if (!isTileElement(elem) && !elem.isInteger(32))
    return emitError() << "view element type must be bf16, f16, f32, "
                          "f8E4M3FN, f8E5M2 or i32; got "
                       << elem;
  return success();
}

int64_t ViewType::getNumDynamicDims() const {
  return llvm::count_if(getShape(), ShapedType::isDynamic);
}

//===----------------------------------------------------------------------===//
// SmemType
//===----------------------------------------------------------------------===//

Type SmemType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elem;
  int64_t swizzle = 0;
  if (parseShapeAndElement(parser, shape, elem, /*allowDynamic=*/false))
    return {};
  if (succeeded(parser.parseOptionalComma())) {
    if (parser.parseKeyword("swizzle") || parser.parseEqual() ||
        parser.parseInteger(swizzle))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<SmemType>(parser.getContext(), shape, elem,
                                     swizzle);
}

void SmemType::print(AsmPrinter &printer) const {
  printShapeAndElement(printer, getShape(), getElementType());
  if (getSwizzle())
    printer << ", swizzle = " << getSwizzle();
  printer << ">";
}

LogicalResult SmemType::verify(function_ref<InFlightDiagnostic()> emitError,
                               ArrayRef<int64_t> shape, Type elem,
                               int64_t swizzle) {
  if (shape.size() != 2 && shape.size() != 3)
    return emitError() << "shared buffers are stages x rows x cols (rank 3) "
                          "or one stage, rows x cols (rank 2); got rank "
                       << shape.size();
  if (failed(checkStaticPositive(emitError, "shared buffer", shape)))
    return failure();
  if (!isTileElement(elem) && !elem.isInteger(32))
    return emitError() << "shared buffer element type must be bf16, f16, f32, "
                          "f8E4M3FN, f8E5M2 or i32; got "
                       << elem;
  if (swizzle != 0 && swizzle != 32 && swizzle != 64 && swizzle != 128)
    return emitError() << "swizzle must be 0, 32, 64 or 128 bytes; got "
                       << swizzle;
  const int64_t rowBytes = shape.back() * elem.getIntOrFloatBitWidth() / 8;
  if (rowBytes % 16)
    return emitError() << "shared rows must be whole 16-byte chunks; "
                       << shape.back() << " x " << elem << " is " << rowBytes
                       << " bytes";
  if (swizzle && rowBytes % swizzle)
    return emitError() << "rows of " << rowBytes
                       << " bytes do not hold whole " << swizzle
                       << "-byte swizzle spans";
  return success();
}

int64_t SmemType::getStageBytes() const {
  return getRows() * getCols() * getElementType().getIntOrFloatBitWidth() / 8;
}

bool SmemType::isWgmmaOperand() const {
  const int64_t bits = getElementType().getIntOrFloatBitWidth();
  return (bits == 16 || bits == 8) && getSwizzle() == 128 &&
         (getCols() * bits / 8) % 128 == 0;
}

//===----------------------------------------------------------------------===//
// FragType
//===----------------------------------------------------------------------===//

Type FragType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elem;
  LayoutAttr layout;
  if (parseShapeAndElement(parser, shape, elem, /*allowDynamic=*/false))
    return {};
  if (succeeded(parser.parseOptionalComma())) {
    Attribute attr;
    if (parser.parseAttribute(attr))
      return {};
    layout = dyn_cast<LayoutAttr>(attr);
    if (!layout) {
      parser.emitError(parser.getCurrentLocation(),
                       "expected an #atile.layout");
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<FragType>(parser.getContext(), shape, elem, layout);
}

void FragType::print(AsmPrinter &printer) const {
  printShapeAndElement(printer, getShape(), getElementType());
  if (getLayout())
    printer << ", " << getLayout();
  printer << ">";
}

LogicalResult FragType::verify(function_ref<InFlightDiagnostic()> emitError,
                               ArrayRef<int64_t> shape, Type elem,
                               LayoutAttr layout) {
  if (shape.size() != 1 && shape.size() != 2)
    return emitError() << "fragments are rows x cols (rank 2) or one value per "
                          "row (rank 1); got rank "
                       << shape.size();
  if (failed(checkStaticPositive(emitError, "fragment", shape)))
    return failure();
  if (!isTileElement(elem))
    return emitError() << "fragment element type must be bf16, f16, f32, "
                          "f8E4M3FN or f8E5M2; got "
                       << elem;
  if (!layout)
    return success();
  if ((layout.getOperand() == Operand::row) != (shape.size() == 1))
    return emitError() << "'row' layouts are for rank-1 fragments and the "
                          "others for rank-2 ones";
  if (layout.getInstr() == Instr::simt) {
    if (!elem.isF32() && !elem.isBF16() && !elem.isF16())
      return emitError() << "simt fragments hold f32, bf16 or f16; got "
                         << elem;
    if (shape.size() == 2 && shape[1] != 4 * layout.getLanes())
      return emitError() << "a simt fragment over " << layout.getLanes()
                         << " lanes per row has " << 4 * layout.getLanes()
                         << " columns; got " << shape[1];
    if (layout.rowsPerOwner(shape[0]) == 0)
      return emitError() << shape[0] << " rows do not split into whole "
                            "passes of "
                         << layout.rowsPerPass() << " rows (simt, "
                         << layout.getWarps() << " warps)";
    return success();
  }
  if (layout.rowsPerOwner(shape[0]) == 0)
    return emitError() << shape[0] << " rows do not split into whole "
                       << stringifyInstr(layout.getInstr()) << " tiles over "
                       << layout.getWarps() << " warps";
  if (shape.size() == 2 && shape[1] % 8)
    return emitError() << "fragment columns must be a multiple of 8 (the "
                          "instruction's n); got "
                       << shape[1];
  return success();
}

FragType FragType::withElementType(Type elem) const {
  return FragType::get(getShape(), elem, getLayout());
}

FragType FragType::withLayout(LayoutAttr layout) const {
  return FragType::get(getShape(), getElementType(), layout);
}

//===----------------------------------------------------------------------===//
// LayoutAttr, TargetAttr
//===----------------------------------------------------------------------===//

LogicalResult LayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 Instr instr, Operand operand, int64_t warps,
                                 int64_t lanes) {
  if (warps < 1 || warps > 32)
    return emitError() << "warps must be in [1, 32]; got " << warps;
  if (instr == Instr::wgmma && warps % 4)
    return emitError() << "wgmma layouts span whole warpgroups (4 warps); got "
                       << warps << " warps";
  if ((instr == Instr::simt) != (lanes != 0))
    return emitError() << "simt layouts, and only they, name their lanes per "
                          "row";
  if (instr == Instr::simt && (lanes < 1 || lanes > 32 || 32 % lanes))
    return emitError() << "lanes per row must divide 32; got " << lanes;
  if (instr == Instr::simt && operand == Operand::lhs)
    return emitError() << "simt fragments are no product operand ('acc' or "
                          "'row')";
  return success();
}

int64_t LayoutAttr::rowsPerPass() const {
  return getLanes() ? 32 / getLanes() * getWarps() : 0;
}

int64_t LayoutAttr::rowsPerOwner(int64_t rows) const {
  if (getInstr() == Instr::simt) {
    if (getOperand() != Operand::row && rows == 1)
      return 1;
    return rows % rowsPerPass() ? 0 : rows / rowsPerPass();
  }
  // A column vector (1 x cols) of an f32 accumulator layout: every thread
  // holds the columns its accumulator elements have.
  if (getOperand() == Operand::acc && rows == 1)
    return 1;
  const bool wg = getInstr() == Instr::wgmma;
  const int64_t owners = wg ? getWarps() / 4 : getWarps();
  const int64_t tileRows = wg ? 64 : 16;
  if (owners <= 0 || rows % owners || (rows / owners) % tileRows)
    return 0;
  return rows / owners;
}

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef chip) {
  std::string error;
  if (!attn::target::lookupSupportedChip(chip, error))
    return emitError() << error;
  return success();
}

const attn::target::ChipInfo *mlir::atile::getTargetChip(Operation *op) {
  for (Operation *at = op; at; at = at->getParentOp())
    if (auto target = at->getAttrOfType<TargetAttr>(kTargetAttrName))
      return attn::target::lookupChip(target.getChip());
  return nullptr;
}
