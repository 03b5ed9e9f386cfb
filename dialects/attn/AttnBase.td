//===- AttnBase.td - attn dialect definition and base classes -*- tablegen -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// The attn dialect and the base classes its ops and attributes derive from,
// plus the tensor type constraints every attention op shares.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_BASE_TD
#define ATTN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::mlir::attn";
  let summary = "Attention variants: full, sparse, linear, delta rule, hybrids";
  let description = [{
    The `attn` dialect describes attention at tensor level, one op per family
    with the variant given by attributes and operand shapes:

    - `attn.full`: softmax attention (causal or not, GQA/MQA, sliding window,
      logit soft-cap, queries that are the last T of S keys);
    - `attn.sparse`: softmax attention over selected keys (DeepSeek DSA token
      top-k, NSA / MoBA block selection);
    - `attn.indexer` and `attn.topk`: the DSA lightning indexer and its
      selection;
    - `attn.linear`: linear attention, plain, scalar decay or GLA gated;
    - `attn.delta`: DeltaNet, Gated DeltaNet and Kimi Delta Attention;
    - `attn.schedule`: a named hybrid layer schedule (Kimi-Linear,
      Qwen3-Next, MiniMax-01, Jamba-like ...).

    Layout rule: activations are `[B, T, H, D]` (batch, time, heads, head
    dim); keys and values of full/sparse attention may have fewer heads than
    the queries (GQA, `H % Hkv == 0`); values of the delta family may have more
    heads than queries and keys (GVA, `HV % H == 0`). Recurrent states are
    `[B, HV, K, V]` f32. B, T, S and head counts may be dynamic (`?`); the
    verifiers check every relation whose dimensions are static.

    Passes record their decisions as attributes on the ops (`#attn.chunk`,
    `#attn.tile`, `#attn.precision`, `form`); a user may set them by hand and
    lowering never decides again.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Adds the attn attributes (defined in AttnAttrs.cpp).
    void registerAttributes();
  }];
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

class Attn_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Attn_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

// Element types an attention input may carry. FP8 appears where a precision
// decision puts it.
def Attn_InputElementType : AnyTypeOf<[BF16, F16, F32, F8E4M3FN, F8E5M2]>;
// Element types of outputs, gates and beta.
def Attn_FloatElementType : AnyTypeOf<[BF16, F16, F32]>;

def Attn_InputTensor : RankedTensorOf<[BF16, F16, F32, F8E4M3FN, F8E5M2]>;
def Attn_FloatTensor : RankedTensorOf<[BF16, F16, F32]>;
def Attn_F32Tensor : RankedTensorOf<[F32]>;
def Attn_I32Tensor : RankedTensorOf<[I32]>;

#endif // ATTN_BASE_TD
