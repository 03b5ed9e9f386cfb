//===- ImportHFConfig.cpp - Hugging Face model config -> attn.schedule ----===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// Reads a Hugging Face style config.json and prints the module of its
// attention schedule: one `attn.layer_kind` per distinct layer
// configuration and the per-layer sequence as `attn.layers` runs (the
// shortest repeating period first, so Kimi-Linear's 27 layers read
// `[@kda, @kda, @kda, @mla] x 6` then `[@kda, @kda, @mla]`). Formats (a
// config may hold several only when they give the same layers; otherwise
// the error names both keys):
//
// - Kimi-Linear: `linear_attn_config` {kda_layers, full_attn_layers (1-based,
//   or `kda_layer_index_base`), num_heads, head_dim, short_conv_kernel_size};
//   KDA layers (delta, per-channel gate), MLA full layers (q/k head dim
//   qk_nope_head_dim + qk_rope_head_dim, v_head_dim, kv_lora_rank).
// - MiniMax-01/M1: `attn_type_list` (0 = lightning linear attention with a
//   constant per-head decay, 1 = softmax attention).
// - generic `layer_types` ("full_attention", "sliding_attention" with
//   `sliding_window`, "linear_attention" with Qwen3-Next's linear_* fields,
//   "deepseek_sparse_attention" with index_topk / index_n_heads /
//   index_head_dim; legacy "attention" / "mamba" as transformers remaps).
// - Qwen3-Next without `layer_types`: `full_attention_interval` (layer i,
//   0-based, is full when (i + 1) % interval == 0), Gated DeltaNet linear
//   layers (linear_num_key_heads, linear_num_value_heads,
//   linear_key_head_dim, linear_value_head_dim, linear_conv_kernel_dim).
//
// Errors name the key and point at it (file:line:col of its first
// occurrence in the text).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/InitAllDialects.h"
#include "attn/Support/NestingLimit.h"
#include "attn/Target/HFConfig.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <map>

using namespace mlir;
namespace json = llvm::json;

namespace {
/// The largest size a config field may hold (heads, dims, windows, top-k;
/// layers are bounded by the same 2^20 as an attn.layers repeat).
constexpr int64_t kMaxSize = int64_t{1} << 20;
/// The deepest nesting of objects and lists a config may have.
constexpr unsigned kMaxJsonNesting = 256;

/// One layer configuration: `#attn.layer<...>` parameters in order.
struct LayerConfig {
  std::string kind;
  int64_t heads = 0, kvHeads = 0, valueHeads = 0, headDim = 0, valueDim = 0;
  std::string gate;
  int64_t window = 0, topk = 0, indexHeads = 0, indexDim = 0, conv = 0,
          kvLoraRank = 0;

  std::string attr() const {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "#attn.layer<kind = " << kind << ", heads = " << heads;
    auto opt = [&](StringRef name, int64_t v) {
      if (v)
        os << ", " << name << " = " << v;
    };
    opt("kv_heads", kvHeads);
    opt("value_heads", valueHeads);
    os << ", head_dim = " << headDim;
    opt("value_dim", valueDim);
    if (!gate.empty())
      os << ", gate = " << gate;
    opt("window", window);
    opt("topk", topk);
    opt("index_heads", indexHeads);
    opt("index_dim", indexDim);
    opt("conv", conv);
    opt("kv_lora_rank", kvLoraRank);
    os << ">";
    return s;
  }
};

class Importer {
public:
  Importer(llvm::SourceMgr &sm, MLIRContext *ctx) : sm(sm), ctx(ctx) {
    const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(sm.getMainFileID());
    text = buf->getBuffer();
    file = buf->getBufferIdentifier();
  }

  OwningOpRef<ModuleOp> run();

private:
  /// The location of the first `"key"` in the text (the file's start when
  /// the key is absent).
  Location locOf(StringRef key) {
    size_t at = text.find(("\"" + key + "\"").str());
    unsigned line = 1, col = 1;
    if (at != StringRef::npos) {
      StringRef before = text.take_front(at);
      line = before.count('\n') + 1;
      size_t nl = before.rfind('\n');
      col = at - (nl == StringRef::npos ? 0 : nl + 1) + 1;
    }
    return FileLineColLoc::get(ctx, file, line, col);
  }
  /// The location of byte `offset` of the text.
  Location locAt(size_t offset);
  InFlightDiagnostic error(StringRef key) {
    return emitError(locOf(key)) << "'" << key << "': ";
  }
  /// An integer field of `o` (named `key` in messages); `fallback` when
  /// absent, an error when absent without one or not a positive integer.
  std::optional<int64_t> integer(const json::Object &o, StringRef key,
                                 std::optional<int64_t> fallback = {}) {
    const json::Value *v = o.get(key);
    if (!v || v->kind() == json::Value::Null) {
      if (fallback)
        return fallback;
      emitError(locOf(key)) << "missing field '" << key << "'";
      return std::nullopt;
    }
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i <= 0) {
      error(key) << "expected a positive integer";
      return std::nullopt;
    }
    // No attention config is this large; bounding sizes keeps every figure
    // derived from them (KV bytes at 1M tokens, FLOPs) far from overflow.
    if (*i > kMaxSize) {
      error(key) << *i << " is larger than " << kMaxSize;
      return std::nullopt;
    }
    return i;
  }
  /// A list of integers.
  std::optional<SmallVector<int64_t>> integers(const json::Object &o,
                                               StringRef key) {
    const json::Array *a = o.getArray(key);
    if (!a) {
      emitError(locOf(key)) << "missing list '" << key << "'";
      return std::nullopt;
    }
    SmallVector<int64_t> out;
    for (const json::Value &v : *a) {
      std::optional<int64_t> i = v.getAsInteger();
      if (!i) {
        error(key) << "expected a list of integers";
        return std::nullopt;
      }
      out.push_back(*i);
    }
    return out;
  }

  /// The softmax-attention layer of the model's top-level fields (GQA, or
  /// MLA where kv_lora_rank is set).
  std::optional<LayerConfig> fullLayer();
  /// Qwen3-Next's Gated DeltaNet layer (linear_* fields).
  std::optional<LayerConfig> gdnLayer();
  /// Index of `c` among the distinct layer kinds (added under `name` when
  /// new; names get a suffix when two configs would share one).
  int64_t kindOf(const LayerConfig &c, StringRef name);

  bool kimi(SmallVector<int64_t> &seq, int64_t n);
  bool minimax(SmallVector<int64_t> &seq, int64_t n);
  bool layerTypes(SmallVector<int64_t> &seq, int64_t n);
  bool qwen3Next(SmallVector<int64_t> &seq, int64_t n);

  llvm::SourceMgr &sm;
  MLIRContext *ctx;
  StringRef text, file;
  const json::Object *root = nullptr;
  SmallVector<std::pair<std::string, LayerConfig>> kinds;
};
} // namespace

std::optional<LayerConfig> Importer::fullLayer() {
  LayerConfig c;
  c.kind = "full";
  std::optional<int64_t> heads = integer(*root, "num_attention_heads");
  if (!heads)
    return std::nullopt;
  c.heads = *heads;
  // MLA wherever kv_lora_rank is given (not null): a value of the wrong type
  // is integer()'s located error, not plain full attention.
  const json::Value *lora = root->get("kv_lora_rank");
  if (lora && lora->kind() != json::Value::Null) {
    // MLA: the cache holds the latent; q/k head dim nope + rope.
    auto nope = integer(*root, "qk_nope_head_dim");
    auto rope = integer(*root, "qk_rope_head_dim");
    auto vdim = integer(*root, "v_head_dim");
    auto rank = integer(*root, "kv_lora_rank");
    if (!nope || !rope || !vdim || !rank)
      return std::nullopt;
    c.headDim = *nope + *rope;
    c.valueDim = *vdim == c.headDim ? 0 : *vdim;
    c.kvLoraRank = *rank;
    return c;
  }
  auto kv = integer(*root, "num_key_value_heads", c.heads);
  if (!kv)
    return std::nullopt;
  c.kvHeads = *kv == c.heads ? 0 : *kv;
  if (root->get("head_dim")) {
    auto d = integer(*root, "head_dim");
    if (!d)
      return std::nullopt;
    c.headDim = *d;
  } else {
    auto hidden = integer(*root, "hidden_size");
    if (!hidden)
      return std::nullopt;
    if (*hidden % c.heads) {
      error("hidden_size") << *hidden << " is not a multiple of "
                           << "num_attention_heads = " << c.heads
                           << " (give head_dim)";
      return std::nullopt;
    }
    c.headDim = *hidden / c.heads;
  }
  return c;
}

std::optional<LayerConfig> Importer::gdnLayer() {
  LayerConfig c;
  c.kind = "delta";
  c.gate = "scalar";
  auto kh = integer(*root, "linear_num_key_heads");
  auto vh = integer(*root, "linear_num_value_heads");
  auto kd = integer(*root, "linear_key_head_dim");
  auto vd = integer(*root, "linear_value_head_dim");
  auto conv = integer(*root, "linear_conv_kernel_dim", 0);
  if (!kh || !vh || !kd || !vd || !conv)
    return std::nullopt;
  if (*vh % *kh) {
    error("linear_num_value_heads")
        << *vh << " is not a multiple of linear_num_key_heads = " << *kh;
    return std::nullopt;
  }
  c.heads = *kh;
  c.valueHeads = *vh == *kh ? 0 : *vh;
  c.headDim = *kd;
  c.valueDim = *vd == *kd ? 0 : *vd;
  c.conv = *conv;
  return c;
}

int64_t Importer::kindOf(const LayerConfig &c, StringRef name) {
  std::string attr = c.attr();
  for (auto [i, k] : llvm::enumerate(kinds))
    if (k.second.attr() == attr)
      return i;
  std::string sym = name.str();
  for (int n = 2; llvm::any_of(kinds, [&](auto &k) { return k.first == sym; });
       ++n)
    sym = (name + "_" + Twine(n)).str();
  kinds.push_back({sym, c});
  return kinds.size() - 1;
}

bool Importer::kimi(SmallVector<int64_t> &seq, int64_t n) {
  const json::Object *lac = root->getObject("linear_attn_config");
  auto kdaLayers = integers(*lac, "kda_layers");
  auto fullLayers = integers(*lac, "full_attn_layers");
  if (!kdaLayers || !fullLayers)
    return false;
  // 1-based layer lists unless kda_layer_index_base says 0; anything else
  // (a string, 2) is an error, not a silent 1.
  int64_t base = 1;
  if (const json::Value *b = lac->get("kda_layer_index_base");
      b && b->kind() != json::Value::Null) {
    std::optional<int64_t> v = b->getAsInteger();
    if (!v || (*v != 0 && *v != 1)) {
      error("kda_layer_index_base") << "expected 0 or 1";
      return false;
    }
    base = *v;
  }
  LayerConfig kda;
  kda.kind = "delta";
  kda.gate = "vector";
  auto heads = integer(*lac, "num_heads");
  auto dim = integer(*lac, "head_dim");
  auto conv = integer(*lac, "short_conv_kernel_size", 0);
  if (!heads || !dim || !conv)
    return false;
  kda.heads = *heads;
  kda.headDim = *dim;
  kda.conv = *conv;
  std::optional<LayerConfig> mla = fullLayer();
  if (!mla)
    return false;
  int64_t kdaKind = kindOf(kda, "kda");
  int64_t fullKind = kindOf(*mla, mla->kvLoraRank ? "mla" : "full");
  seq.assign(n, -1);
  for (auto [key, list, kind] :
       {std::make_tuple("kda_layers", &*kdaLayers, kdaKind),
        std::make_tuple("full_attn_layers", &*fullLayers, fullKind)}) {
    for (int64_t l : *list) {
      int64_t i = l - base;
      if (i < 0 || i >= n) {
        error(key) << "layer " << l << " is out of range " << base << " .. "
                   << n - 1 + base << " (num_hidden_layers = " << n
                   << ", index base " << base << ")";
        return false;
      }
      if (seq[i] != -1) {
        error(key) << "layer " << l << " is listed twice";
        return false;
      }
      seq[i] = kind;
    }
  }
  for (int64_t i = 0; i < n; ++i)
    if (seq[i] == -1) {
      error("full_attn_layers")
          << "layer " << i + base
          << " is in neither kda_layers nor full_attn_layers ("
          << kdaLayers->size() << " + " << fullLayers->size()
          << " layers listed, num_hidden_layers = " << n << ")";
      return false;
    }
  return true;
}

bool Importer::minimax(SmallVector<int64_t> &seq, int64_t n) {
  auto types = integers(*root, "attn_type_list");
  if (!types)
    return false;
  if (static_cast<int64_t>(types->size()) != n) {
    error("attn_type_list")
        << "has " << types->size() << " entries; num_hidden_layers = " << n;
    return false;
  }
  std::optional<LayerConfig> full = fullLayer();
  if (!full)
    return false;
  LayerConfig lin = *full;
  lin.kind = "linear";
  lin.gate = "constant";
  lin.kvHeads = 0;
  for (int64_t t : *types) {
    if (t != 0 && t != 1) {
      error("attn_type_list") << "unknown layer kind " << t
                              << " (0 = lightning linear, 1 = softmax)";
      return false;
    }
    seq.push_back(t == 1 ? kindOf(*full, "full") : kindOf(lin, "lightning"));
  }
  return true;
}

bool Importer::layerTypes(SmallVector<int64_t> &seq, int64_t n) {
  const json::Array *types = root->getArray("layer_types");
  if (static_cast<int64_t>(types->size()) != n) {
    error("layer_types") << "has " << types->size()
                         << " entries; num_hidden_layers = " << n;
    return false;
  }
  for (const json::Value &v : *types) {
    std::optional<StringRef> t = v.getAsString();
    if (!t) {
      error("layer_types") << "expected a list of strings";
      return false;
    }
    std::optional<LayerConfig> c;
    StringRef name;
    if (*t == "full_attention" || *t == "attention") {
      c = fullLayer();
      name = c && c->kvLoraRank ? "mla" : "full";
    } else if (*t == "sliding_attention") {
      c = fullLayer();
      if (c) {
        auto w = integer(*root, "sliding_window");
        if (!w)
          return false;
        c->window = *w;
      }
      name = "sliding";
    } else if (*t == "linear_attention" || *t == "mamba") {
      if (!root->get("linear_num_value_heads")) {
        error("layer_types")
            << "layer type '" << *t
            << "' needs the Gated DeltaNet fields linear_num_key_heads, "
               "linear_num_value_heads, linear_key_head_dim, "
               "linear_value_head_dim (missing field "
               "'linear_num_value_heads')";
        return false;
      }
      c = gdnLayer();
      name = "gdn";
    } else if (*t == "deepseek_sparse_attention") {
      c = fullLayer();
      if (c) {
        auto topk = integer(*root, "index_topk");
        auto ih = integer(*root, "index_n_heads");
        auto id = integer(*root, "index_head_dim");
        if (!topk || !ih || !id)
          return false;
        c->kind = "sparse";
        c->topk = *topk;
        c->indexHeads = *ih;
        c->indexDim = *id;
      }
      name = "dsa";
    } else {
      error("layer_types")
          << "unknown layer type '" << *t
          << "' (known: full_attention, sliding_attention, linear_attention, "
             "deepseek_sparse_attention; attention, mamba)";
      return false;
    }
    if (!c)
      return false;
    seq.push_back(kindOf(*c, name));
  }
  return true;
}

bool Importer::qwen3Next(SmallVector<int64_t> &seq, int64_t n) {
  auto interval = integer(*root, "full_attention_interval");
  if (!interval)
    return false;
  std::optional<LayerConfig> gdn = gdnLayer(), full = fullLayer();
  if (!gdn || !full)
    return false;
  for (int64_t i = 0; i < n; ++i)
    seq.push_back((i + 1) % *interval == 0 ? kindOf(*full, "full")
                                           : kindOf(*gdn, "gdn"));
  return true;
}

Location Importer::locAt(size_t offset) {
  StringRef before = text.take_front(offset);
  unsigned line = before.count('\n') + 1;
  size_t nl = before.rfind('\n');
  unsigned col = offset - (nl == StringRef::npos ? 0 : nl + 1) + 1;
  return FileLineColLoc::get(ctx, file, line, col);
}

OwningOpRef<ModuleOp> Importer::run() {
  // llvm::json::parse recurses once per level: bound the nesting first (a
  // model config nests three or four levels). The IR scanner serves: outside
  // strings JSON has only { } [ ] of its brackets.
  if (std::optional<size_t> at = attn::findDeepNesting(text, kMaxJsonNesting)) {
    emitError(locAt(*at)) << "the config nests objects and lists more than "
                          << kMaxJsonNesting << " levels deep";
    return nullptr;
  }
  llvm::Expected<json::Value> parsed = json::parse(text);
  if (!parsed) {
    std::string msg = llvm::toString(parsed.takeError());
    emitError(FileLineColLoc::get(ctx, file, 1, 1))
        << "not a JSON model config: " << msg;
    return nullptr;
  }
  root = parsed->getAsObject();
  if (!root) {
    emitError(FileLineColLoc::get(ctx, file, 1, 1))
        << "expected a JSON object (a model config)";
    return nullptr;
  }
  auto n = integer(*root, "num_hidden_layers");
  if (!n)
    return nullptr;

  // Every schedule source the config has (null counts as absent). Two that
  // disagree are an error naming both: taking one would silently drop the
  // other. (Qwen3-Next configs carry full_attention_interval and a
  // layer_types list saying the same.)
  using Build = bool (Importer::*)(SmallVector<int64_t> &, int64_t);
  struct Source {
    StringRef key;
    Build build;
  };
  const Source sources[] = {{"linear_attn_config", &Importer::kimi},
                            {"attn_type_list", &Importer::minimax},
                            {"layer_types", &Importer::layerTypes},
                            {"full_attention_interval", &Importer::qwen3Next}};
  SmallVector<int64_t> seq;
  StringRef firstKey;
  for (const Source &source : sources) {
    const json::Value *v = root->get(source.key);
    if (!v || v->kind() == json::Value::Null)
      continue;
    if (source.key == "linear_attn_config" && !v->getAsObject()) {
      error(source.key) << "expected an object";
      return nullptr;
    }
    if (source.key == "layer_types" && !v->getAsArray()) {
      error(source.key) << "expected a list of strings";
      return nullptr;
    }
    SmallVector<int64_t> mine;
    if (!(this->*source.build)(mine, *n))
      return nullptr;
    if (firstKey.empty()) {
      firstKey = source.key;
      seq = std::move(mine);
      continue;
    }
    for (int64_t i = 0; i < *n; ++i)
      if (seq[i] != mine[i]) {
        error(source.key) << "the config gives the layer schedule twice, as '"
                          << firstKey << "' and as '" << source.key
                          << "', and they disagree at layer " << i << " ("
                          << kinds[seq[i]].second.attr() << " vs "
                          << kinds[mine[i]].second.attr()
                          << "); keep one of them";
        return nullptr;
      }
  }
  if (firstKey.empty()) {
    emitError(FileLineColLoc::get(ctx, file, 1, 1))
        << "no layer schedule in the config: expected one of "
           "'linear_attn_config' (Kimi-Linear), 'attn_type_list' (MiniMax), "
           "'layer_types', 'full_attention_interval' (Qwen3-Next)";
    return nullptr;
  }

  std::string name = "model";
  if (std::optional<StringRef> mt = root->getString("model_type"))
    if (!mt->empty()) {
      name.clear();
      for (char ch : *mt)
        name.push_back(llvm::isAlnum(ch) ? ch : '_');
    }
  std::string ir;
  llvm::raw_string_ostream os(ir);
  os << "// imported from " << file << "\n";
  os << "attn.schedule @" << name << " attributes {num_layers = " << *n
     << " : i64} {\n";
  for (auto &[sym, c] : kinds)
    os << "  attn.layer_kind @" << sym << " = " << c.attr() << "\n";
  os << "  attn.layers [";
  for (auto [i, k] : llvm::enumerate(seq))
    os << (i ? ", " : "") << "@" << kinds[k].first;
  os << "]\n}\n";

  DialectRegistry registry;
  attn::registerAllDialects(registry);
  ctx->appendDialectRegistry(registry);
  ctx->loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(ir, ParserConfig(ctx), file);
  if (!module)
    return nullptr;
  // The flat list as runs of repeated patterns.
  for (attn::ScheduleOp s : module->getOps<attn::ScheduleOp>())
    s.setLayerSequence(s.getLayerSequence());
  return module;
}

OwningOpRef<ModuleOp> mlir::attn::importHFConfig(llvm::SourceMgr &sourceMgr,
                                                 MLIRContext *context) {
  return Importer(sourceMgr, context).run();
}

void mlir::attn::registerImportHFConfig() {
  TranslateToMLIRRegistration reg(
      "import-hf-config",
      "import a Hugging Face model config.json as an attn.schedule",
      [](llvm::SourceMgr &sm, MLIRContext *ctx) -> OwningOpRef<Operation *> {
        OwningOpRef<ModuleOp> m = mlir::attn::importHFConfig(sm, ctx);
        if (!m)
          return nullptr;
        return OwningOpRef<Operation *>(m.release());
      },
      [](DialectRegistry &registry) {
        mlir::attn::registerAllDialects(registry);
      });
}
