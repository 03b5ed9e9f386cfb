//===- InitAllDialects.h - register attn and the dialects it uses -*- C++
//-*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// One place that says which dialects an attn tool (attn-opt, the C API, an
// embedding compiler) needs: attn itself plus the upstream dialects its
// pipelines produce.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_INITALLDIALECTS_H
#define ATTN_INITALLDIALECTS_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::attn {

/// Adds attn and the upstream dialects its passes and pipelines use.
void registerAllDialects(DialectRegistry &registry);

} // namespace mlir::attn

#endif // ATTN_INITALLDIALECTS_H
