//===- HFConfig.h - import Hugging Face model configs ------------*- C++
//-*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// `attn-translate --import-hf-config`: a Hugging Face style config.json
// (generic `layer_types`, Qwen3-Next, Kimi-Linear, MiniMax-01/M1) becomes a
// module holding one `attn.schedule` (docs/hybrid-schedules.md).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_HFCONFIG_H
#define ATTN_TARGET_HFCONFIG_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::attn {

/// The schedule of the config in `sourceMgr`'s main buffer, or null after
/// an error at the offending key (file:line:col) naming it.
OwningOpRef<ModuleOp> importHFConfig(llvm::SourceMgr &sourceMgr,
                                     MLIRContext *context);

/// Registers `--import-hf-config` with mlir-translate's registry.
void registerImportHFConfig();

} // namespace mlir::attn

#endif // ATTN_TARGET_HFCONFIG_H
