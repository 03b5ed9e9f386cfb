//===- AttnEnums.td - attn enumerations -----------------------*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Enumerations used by attn attributes: layer kinds of hybrid schedules, gate
// kinds, the recurrent/chunked form decision and FP8 scale granularity.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_ENUMS_TD
#define ATTN_ENUMS_TD

include "mlir/IR/EnumAttr.td"
include "dialects/attn/AttnBase.td"

def Attn_LayerKind : I32EnumAttr<"LayerKind", "attention family of a layer", [
    I32EnumAttrCase<"full", 0>,
    I32EnumAttrCase<"sparse", 1>,
    I32EnumAttrCase<"linear", 2>,
    I32EnumAttrCase<"delta", 3>
  ]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_GateKind : I32EnumAttr<"GateKind", "decay gate of a linear/delta layer", [
    // No decay: plain linear attention, DeltaNet.
    I32EnumAttrCase<"none", 0>,
    // One log-space decay per head and step: simple GLA, Gated DeltaNet.
    I32EnumAttrCase<"scalar", 1>,
    // One log-space decay per key channel: GLA, Kimi Delta Attention.
    I32EnumAttrCase<"vector", 2>,
    // A data-independent decay per head: RetNet, Lightning attention.
    I32EnumAttrCase<"constant", 3>
  ]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

def Attn_Form : I32EnumAttr<"Form", "how a linear/delta op is computed", [
    // Token by token over the state: decode and very short sequences.
    I32EnumAttrCase<"recurrent", 0>,
    // Chunkwise parallel (WY/UT transform for the delta rule): prefill.
    I32EnumAttrCase<"chunked", 1>
  ]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}
def Attn_FormAttr : EnumAttr<Attn_Dialect, Attn_Form, "form"> {
  let assemblyFormat = "`<` $value `>`";
}

def Attn_ScaleGranularity : I32EnumAttr<"ScaleGranularity",
    "granularity of FP8 scale factors", [
    I32EnumAttrCase<"tensor", 0>,
    I32EnumAttrCase<"head", 1>,
    I32EnumAttrCase<"block", 2>,
    I32EnumAttrCase<"token", 3>
  ]> {
  let cppNamespace = "::mlir::attn";
  let genSpecializedAttr = 0;
}

#endif // ATTN_ENUMS_TD
