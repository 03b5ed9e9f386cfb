//===- InitAllPasses.h - register the attn passes ---------------*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Registers every attn pass (and, later, pipeline) with the global registry,
// so that tools reach them by flag.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_INITALLPASSES_H
#define ATTN_INITALLPASSES_H

namespace mlir::attn {

/// Registers all attn passes and pipelines.
void registerAllPasses();

} // namespace mlir::attn

#endif // ATTN_INITALLPASSES_H
