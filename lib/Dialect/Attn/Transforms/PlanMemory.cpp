//===- PlanMemory.cpp - attn-plan-memory ----------------------------------===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// What a hybrid schedule costs at a context length: KV cache of the softmax
// layers, recurrent state of the linear / delta layers, prefill FLOPs,
// FLOPs and bytes per decoded token — per layer kind, in total, and for the
// all-full counterpart; a table on stdout and, with json-out, JSON with a
// 1k .. 1M curve (formulas: the pass description in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"
#include <cmath>

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPLANMEMORYPASS
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;
namespace json = llvm::json;

namespace {
constexpr int64_t kChunk = 64;

/// What one layer costs at context L, batch B.
/// Held as doubles (exact below 2^53) so that no size the dialect admits
/// can overflow; byte totals are checked before they become integers.
struct Cost {
  double kvBytes = 0, stateBytes = 0, decodeBytes = 0;
  double prefillFlops = 0, decodeFlops = 0;
  void add(const Cost &o) {
    kvBytes += o.kvBytes;
    stateBytes += o.stateBytes;
    decodeBytes += o.decodeBytes;
    prefillFlops += o.prefillFlops;
    decodeFlops += o.decodeFlops;
  }
};

/// sum_{t=1}^{L} min(t, w) (w <= 0: no limit): visible keys of a causal
/// prompt.
double visiblePairs(int64_t L, int64_t w) {
  double l = static_cast<double>(L);
  if (w <= 0 || L <= w)
    return l * (l + 1) / 2;
  double ww = static_cast<double>(w);
  return ww * (ww + 1) / 2 + (l - ww) * ww;
}

bool isSoftmax(LayerKind k) {
  return k == LayerKind::full || k == LayerKind::sparse;
}

/// KV-cache bytes per cached token of a softmax layer (per sequence).
double kvPerToken(LayerAttr c, int64_t b) {
  double heads = c.getHeads();
  double kv = c.getKvHeads() ? c.getKvHeads() : heads;
  double d = c.getHeadDim(), dv = c.getValueDim() ? c.getValueDim() : d;
  double per =
      c.getKvLoraRank() ? double(c.getKvLoraRank()) * b : kv * (d + dv) * b;
  if (c.getKind() == LayerKind::sparse)
    per += double(c.getIndexDim()) * b;
  return per;
}

Cost layerCost(LayerAttr c, int64_t L, int64_t B, int64_t b) {
  Cost out;
  double heads = c.getHeads();
  double d = c.getHeadDim(), dv = c.getValueDim() ? c.getValueDim() : d;
  double Bd = static_cast<double>(B), Ld = static_cast<double>(L);
  if (isSoftmax(c.getKind())) {
    bool sparse = c.getKind() == LayerKind::sparse;
    int64_t limit = sparse ? c.getTopk() : c.getWindow();
    double cached = c.getWindow() > 0 ? std::min(L, c.getWindow()) : L;
    double per = kvPerToken(c, b);
    out.kvBytes = Bd * cached * per;
    double pairFlops = 2.0 * heads * (d + dv);
    out.prefillFlops = Bd * pairFlops * visiblePairs(L, limit);
    double seen = limit > 0 ? std::min(L, limit) : L;
    out.decodeFlops = Bd * pairFlops * seen;
    out.decodeBytes = out.kvBytes;
    if (sparse) {
      double idx = 2.0 * c.getIndexHeads() * c.getIndexDim();
      out.prefillFlops += Bd * idx * visiblePairs(L, 0);
      out.decodeFlops += Bd * idx * Ld;
      double entry = per - double(c.getIndexDim()) * b;
      out.decodeBytes = Bd * (seen * entry + Ld * c.getIndexDim() * b);
    }
    return out;
  }
  bool delta = c.getKind() == LayerKind::delta;
  double hv = c.getValueHeads() ? c.getValueHeads() : heads;
  double k = d, v = dv;
  out.stateBytes = Bd * hv * k * v * 4;
  if (c.getConv() > 0)
    out.stateBytes += Bd * (c.getConv() - 1) * (2 * heads * k + hv * v) * b;
  double kv = k * v, kpv = k + v;
  double perToken = delta ? hv * (6 * kv + 1.5 * kChunk * kpv +
                                  static_cast<double>(kChunk) * kChunk)
                          : hv * (4 * kv + kChunk * kpv);
  out.prefillFlops = Bd * Ld * perToken;
  out.decodeFlops = Bd * hv * kv * (delta ? 6 : 4);
  out.decodeBytes = 2 * out.stateBytes;
  return out;
}

/// The layer an all-full schedule has in place of `c`.
LayerAttr fullCounterpart(LayerAttr c, LayerAttr firstFull) {
  MLIRContext *ctx = c.getContext();
  if (c.getKind() == LayerKind::full)
    return c;
  if (c.getKind() == LayerKind::sparse)
    return LayerAttr::get(ctx, LayerKind::full, c.getHeads(), c.getKvHeads(),
                          c.getValueHeads(), c.getHeadDim(), c.getValueDim(),
                          GateKind::none, c.getWindow(), 0, 0, 0, 0, 0,
                          c.getKvLoraRank());
  if (firstFull)
    return firstFull;
  return LayerAttr::get(ctx, LayerKind::full, c.getHeads(), 0, 0,
                        c.getHeadDim(), c.getValueDim(), GateKind::none, 0, 0,
                        0, 0, 0, 0, 0);
}

std::string bytesText(double n) {
  double x = n;
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (x >= 1024 && u < 4) {
    x /= 1024;
    ++u;
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  if (u == 0)
    os << static_cast<int64_t>(n) << " B";
  else
    os << llvm::format("%.2f", x) << " " << units[u];
  return s;
}

std::string flopsText(double f) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.3g", f);
  return s;
}

/// Byte counts as JSON / printed integers (checked against 2^62 first).
int64_t bytes(double x) { return static_cast<int64_t>(x); }
constexpr double kMaxBytes = 4.6e18;

json::Object costJson(const Cost &c) {
  return json::Object{{"kv_cache_bytes", bytes(c.kvBytes)},
                      {"state_bytes", bytes(c.stateBytes)},
                      {"prefill_flops", c.prefillFlops},
                      {"decode_flops_per_token", c.decodeFlops},
                      {"decode_bytes_per_token", bytes(c.decodeBytes)}};
}

struct AttnPlanMemoryPass
    : mlir::attn::impl::AttnPlanMemoryPassBase<AttnPlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t b = 0;
    if (kvDtype == "bf16" || kvDtype == "f16")
      b = 2;
    else if (kvDtype == "f32")
      b = 4;
    else if (kvDtype == "fp8" || kvDtype == "e4m3" || kvDtype == "e5m2")
      b = 1;
    if (!b) {
      module.emitError() << "attn-plan-memory: unknown kv-dtype '" << kvDtype
                         << "' (bf16, f16, f32, fp8, e4m3, e5m2)";
      return signalPassFailure();
    }
    if (context <= 0 || batch <= 0) {
      module.emitError() << "attn-plan-memory: context and batch must be "
                            "positive, got context = "
                         << int64_t(context) << ", batch = " << int64_t(batch);
      return signalPassFailure();
    }
    SmallVector<ScheduleOp> schedules(module.getOps<ScheduleOp>());
    if (!jsonOut.empty() && schedules.size() != 1) {
      module.emitError() << "attn-plan-memory: json-out needs a module with "
                            "exactly one attn.schedule, found "
                         << schedules.size();
      return signalPassFailure();
    }
    for (ScheduleOp s : schedules)
      if (failed(plan(s, b)))
        return signalPassFailure();
  }

  LogicalResult plan(ScheduleOp schedule, int64_t b) {
    SmallVector<LayerKindOp> layers = schedule.getLayerSequence();
    LayerAttr firstFull;
    for (LayerKindOp k : schedule.getBody().front().getOps<LayerKindOp>())
      if (k.getConfig().getKind() == LayerKind::full) {
        firstFull = k.getConfig();
        break;
      }
    auto totals = [&](int64_t L, bool allFull) {
      Cost t;
      for (LayerKindOp l : layers) {
        LayerAttr c = l.getConfig();
        t.add(layerCost(allFull ? fullCounterpart(c, firstFull) : c, L, batch,
                        b));
      }
      return t;
    };
    Cost total = totals(context, false), full = totals(context, true);
    // The curve goes up to 1M tokens: check the largest context planned.
    int64_t maxContext = std::max<int64_t>(context, int64_t(1) << 20);
    Cost big = totals(maxContext, false), bigFull = totals(maxContext, true);
    for (double x : {big.kvBytes + big.stateBytes, big.decodeBytes,
                     bigFull.kvBytes + bigFull.stateBytes, bigFull.decodeBytes})
      if (!(x < kMaxBytes))
        return schedule.emitOpError()
               << "attn-plan-memory: the cache of this schedule at "
               << maxContext << " tokens exceeds 2^62 bytes";
    // State = KV: the context at which the linear / delta layers' state
    // equals the KV cache of their full counterparts.
    int64_t perToken = 0;
    for (LayerKindOp l : layers)
      if (!isSoftmax(l.getConfig().getKind()))
        perToken +=
            batch * kvPerToken(fullCounterpart(l.getConfig(), firstFull), b);
    int64_t crossover =
        perToken ? (total.stateBytes + perToken - 1) / perToken : 0;

    llvm::raw_ostream &os = llvm::outs();
    os << "memory plan @" << schedule.getSymName() << ": " << layers.size()
       << " layers, context " << int64_t(context) << ", batch "
       << int64_t(batch) << ", kv-dtype " << kvDtype << "\n";
    llvm::MapVector<Operation *, int64_t> counts;
    for (LayerKindOp l : layers)
      ++counts[l];
    size_t width = 0;
    for (auto &e : counts)
      width = std::max(width, cast<LayerKindOp>(e.first).getSymName().size());
    for (auto &e : counts) {
      auto k = cast<LayerKindOp>(e.first);
      LayerAttr c = k.getConfig();
      Cost one = layerCost(c, context, batch, b);
      os << "  @" << llvm::left_justify(k.getSymName(), width) << "  x"
         << llvm::left_justify(std::to_string(e.second), 4) << " "
         << llvm::left_justify(stringifyLayerKind(c.getKind()), 7);
      if (isSoftmax(c.getKind()))
        os << "KV cache " << bytesText(one.kvBytes) << " per layer";
      else
        os << "state " << bytesText(one.stateBytes) << " per layer";
      os << ", prefill " << flopsText(one.prefillFlops) << " FLOPs, decode "
         << flopsText(one.decodeFlops) << " FLOPs/token\n";
    }
    auto line = [&](StringRef what, const Cost &c) {
      os << "  " << what << ": KV cache " << bytesText(c.kvBytes) << " ("
         << bytes(c.kvBytes) << " B), state " << bytesText(c.stateBytes) << " ("
         << bytes(c.stateBytes) << " B), total "
         << bytesText(c.kvBytes + c.stateBytes) << "\n"
         << "    prefill " << flopsText(c.prefillFlops)
         << " FLOPs; per decoded token " << flopsText(c.decodeFlops)
         << " FLOPs, " << bytesText(c.decodeBytes) << " read/written\n";
    };
    line("total", total);
    line("all-full counterpart", full);
    if (full.kvBytes + full.stateBytes > 0)
      os << "  cache vs all-full: "
         << llvm::format("%.1f%%", 100.0 * (total.kvBytes + total.stateBytes) /
                                       (full.kvBytes + full.stateBytes))
         << "\n";
    if (perToken)
      os << "  state equals the KV cache of the same layers as full attention "
            "at context "
         << crossover << "\n";

    if (jsonOut.empty())
      return success();
    json::Array perLayer;
    for (auto [i, l] : llvm::enumerate(layers)) {
      json::Object o = costJson(layerCost(l.getConfig(), context, batch, b));
      o["layer"] = static_cast<int64_t>(i + 1);
      o["kind"] = l.getSymName().str();
      o["family"] = stringifyLayerKind(l.getConfig().getKind()).str();
      perLayer.push_back(std::move(o));
    }
    json::Array ctxs, cache, decode, fullCache, fullDecode;
    for (int64_t L = 1024; L <= (int64_t(1) << 20); L *= 2) {
      Cost t = totals(L, false), f = totals(L, true);
      ctxs.push_back(L);
      cache.push_back(bytes(t.kvBytes + t.stateBytes));
      decode.push_back(bytes(t.decodeBytes));
      fullCache.push_back(bytes(f.kvBytes + f.stateBytes));
      fullDecode.push_back(bytes(f.decodeBytes));
    }
    json::Object root = costJson(total);
    root["schedule"] = schedule.getSymName().str();
    root["num_layers"] = static_cast<int64_t>(layers.size());
    root["context"] = int64_t(context);
    root["batch"] = int64_t(batch);
    root["kv_dtype"] = std::string(kvDtype);
    root["total_cache_bytes"] = bytes(total.kvBytes + total.stateBytes);
    root["state_equals_kv_context"] = crossover;
    root["layers"] = std::move(perLayer);
    root["all_full"] = costJson(full);
    root["curve"] = json::Object{
        {"context", std::move(ctxs)},
        {"cache_bytes", std::move(cache)},
        {"decode_bytes_per_token", std::move(decode)},
        {"all_full_cache_bytes", std::move(fullCache)},
        {"all_full_decode_bytes_per_token", std::move(fullDecode)}};
    std::error_code ec;
    llvm::raw_fd_ostream f(jsonOut, ec, llvm::sys::fs::OF_Text);
    if (ec)
      return schedule.emitError() << "attn-plan-memory: cannot write '"
                                  << jsonOut << "': " << ec.message();
    f << llvm::formatv("{0:2}", json::Value(std::move(root))) << "\n";
    // A full disk shows when the buffer goes out: close and check, and
    // clear the error so the stream does not end the process over it.
    f.close();
    if (f.has_error()) {
      std::error_code err = f.error();
      f.clear_error();
      return schedule.emitError() << "attn-plan-memory: cannot write '"
                                  << jsonOut << "': " << err.message();
    }
    return success();
  }
};
} // namespace
