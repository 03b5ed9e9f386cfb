//===- ChunkMath.h - shared pieces of the linear/delta kernels --*- C++ -*-===//
//
// Part of the attn project: an MLIR compiler for attention variants.
//
//===----------------------------------------------------------------------===//
//
// attn.linear and attn.delta share everything but the delta rule's WY/UT
// transform: the log-space gate (none, one decay per head and step, one per
// key channel, or a constant per head) and its chunk-local cumsum b, chunk
// rows staged in f32 scratch (optionally L2-normalised and scaled), the
// decayed C x C score blocks, the chunk output through the entering state,
// the state scan across chunks, and the per-token decay and read-out of the
// recurrent form.
//
// Stability rule every builder here keeps: the only exponents formed are
// b_r - b_i with i <= r, b_r, and b_last - b_i, all <= 0 for gates <= 0
// (b is a running sum of terms <= 0, so it is non-increasing, and rounding
// is monotone, so the f32 cumsum and its differences keep that sign). With
// a sub-chunk plan the pairwise decays across sub-chunks are split at
// ref < r into exp(b_r - b_ref) * exp(b_ref - b_i) with i <= ref, again two
// exponents <= 0. The masked upper triangle is never exponentiated (its loop
// bounds exclude it), so gates near -20 per step leave every factor in
// [0, 1] (underflow to 0 is the exact answer to f32 precision).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_LIB_CONVERSION_ATTNTOCPU_CHUNKMATH_H
#define ATTN_LIB_CONVERSION_ATTNTOCPU_CHUNKMATH_H

#include "attn/Conversion/AttnToCPU/KernelBuilder.h"
#include "mlir/Support/LLVM.h"

namespace mlir::attn::cpu {

/// The log-space decay of one linear/delta op as its kernel reads it.
class LogGate {
public:
  enum class Kind { none, scalar, channel };

  /// No decay (plain linear attention, DeltaNet).
  LogGate() = default;
  /// The buffer of a gate operand: `[B, T, Hg]` (one decay per head and
  /// step) or `[B, T, Hg, K]` (one per key channel).
  static LogGate fromBuffer(Value gate);
  /// A constant log decay, one value for every head or one per head.
  static LogGate fromConstant(ArrayRef<double> decay);

  Kind kind() const { return gateKind; }
  bool decays() const { return gateKind != Kind::none; }
  bool perChannel() const { return gateKind == Kind::channel; }
  /// Columns of a cumsum buffer: K for a per-channel gate, 1 otherwise.
  int64_t width(int64_t headDim) const { return perChannel() ? headDim : 1; }

  /// The log decay g of step `t`, head `h` (channel `d`; ignored unless the
  /// gate is per channel), in f32.
  Value step(KernelBuilder &kb, Value b, Value t, Value h, Value d) const;
  /// The chunk-local cumsum `cum[r][c] = sum_{j <= r} g_{t0 + j}` for
  /// `r < n`, accumulated in f64. `cum` is `[C, width]` f64.
  void scan(KernelBuilder &kb, Value cum, Value b, Value t0, Value n,
            Value h) const;
  /// `cum[r][d]` for a per-channel gate, `cum[r][0]` otherwise, as f32.
  Value cumAt(KernelBuilder &kb, Value cum, Value r, Value d) const;
  /// `cum[r] - cum[i]` (column d as in cumAt), subtracted in f64 and then
  /// rounded to f32: the decay exponent between two rows of a chunk.
  Value cumDiff(KernelBuilder &kb, Value cum, Value r, Value i, Value d) const;

private:
  /// The constant of head `h` (a select chain when there is one per head).
  Value headConstant(KernelBuilder &kb, Value h) const;

  Kind gateKind = Kind::none;
  Value buffer;
  SmallVector<double> constant;
};

/// Loads rows `t0 .. t0 + n - 1` of `x[b, :, h, :]` (`[B, T, H, D]`) into the
/// f32 scratch `dst` (`[C, D]`). With `l2norm` each row becomes
/// `x / sqrt(sum x^2 + 1e-6)` (FLA's convention); then it is multiplied by
/// `scale`.
void loadRows(KernelBuilder &kb, Value x, Value b, Value t0, Value n, Value h,
              Value dst, bool l2norm = false, double scale = 1.0);

/// Loads `init[b, h]` (`[B, H, K, V]` f32) into the state `[K, V]`, or zeros
/// when `init` is null.
void loadState(KernelBuilder &kb, Value init, Value b, Value h, Value state);
/// Stores the state into `final[b, h]`; nothing when `final` is null.
void storeState(KernelBuilder &kb, Value state, Value final, Value b, Value h);

/// One C x C block of decayed scores against the chunk's keys `y`:
/// `dst[r][i] = rowScale[r] * sum_d x[r][d] y[i][d] exp(cum[r][d] -
/// cum[i][d])` for `r < n` and `i < r` (`i <= r` when `inclusive`).
/// `rowScale` (`[C]`) may be null.
struct ScoreBlock {
  Value x, dst;
  bool inclusive;
  Value rowScale = nullptr;
};

/// The sub-chunk plan of decayedScores and its scratch: with a per-channel
/// gate and `#attn.chunk<sub_chunk = s>`, 0 < s < C, the rebased rows of
/// the cross-sub-chunk products (`[C - s, K]` for y~, `[s, K]` per block for
/// x~). Empty (no sub-chunking) otherwise. Create it next to the kernel's
/// other scratch, before any loop: scf.for is an allocation scope, so a
/// buffer created inside one would be re-allocated every iteration.
struct SubChunks {
  int64_t size = 0;
  Value rebasedY;
  SmallVector<Value> rebasedX;

  static SubChunks create(KernelBuilder &kb, const LogGate &gate, int64_t chunk,
                          int64_t subChunk, int64_t headDim,
                          unsigned numBlocks);
  explicit operator bool() const { return size > 0; }
};

/// Fills every block in one pass over the lower triangle, so each pairwise
/// decay is formed once and shared (the delta rule's k-k and q-k blocks). A
/// decay per step is factored out of the sum. The upper triangle is neither
/// formed nor exponentiated.
///
/// With a sub-chunk plan of s rows (per-channel gates only) the chunk is
/// split again as in FLA's chunk_gla / chunk_kda:
/// - pairs inside one sub-chunk use the direct exp(cum[r][d] - cum[i][d]);
/// - pairs (r, i) with i in an earlier sub-chunk than r go through
///   ref = the last row before r's sub-chunk:
///     exp(b_r - b_i) = exp(b_r - b_ref) * exp(b_ref - b_i),
///   i.e. block rows x~_r = x_r * exp(b_r - b_ref) (once per row, shared by
///   the blocks) against y~_i = y_i * exp(b_ref - b_i) (once per earlier row
///   and sub-chunk), so the cross-sub-chunk scores are plain dot products.
/// That forms O(C K (s + C / s)) exponentials instead of O(C^2 K).
void decayedScores(KernelBuilder &kb, const LogGate &gate, Value cum, Value y,
                   Value n, ArrayRef<ScoreBlock> blocks,
                   const SubChunks &subChunks = {});

/// The chunk output for rows `r < n`:
/// `o[b, t0 + r, h, :] = (q_r * exp(cum_r)) S + sum_{i <= r} p[r][i] x_i`,
/// the entering state's contribution plus the intra-chunk term. `acc` is a
/// `[V]` f32 scratch row.
void chunkOutput(KernelBuilder &kb, const LogGate &gate, Value cum, Value q,
                 Value state, Value p, Value x, Value n, Value o, Value b,
                 Value t0, Value h, Value acc);

/// The state scan over one chunk of `n` rows:
/// `S <- diag(exp(cum_last)) S + (k * exp(cum_last - cum))^T x`.
void chunkStateUpdate(KernelBuilder &kb, const LogGate &gate, Value cum,
                      Value k, Value x, Value n, Value state);

/// Recurrent form: `S <- diag(exp(g_t)) S` for step `t`, head `h`.
void decayState(KernelBuilder &kb, const LogGate &gate, Value b, Value t,
                Value h, Value state);
/// Recurrent form: `o[b, t, h, :] = S^T q_0` (`q` is `[1, K]` f32 scratch
/// already scaled); `acc` is a `[V]` f32 scratch row.
void readOut(KernelBuilder &kb, Value state, Value q, Value o, Value b, Value t,
             Value h, Value acc);

} // namespace mlir::attn::cpu

#endif // ATTN_LIB_CONVERSION_ATTNTOCPU_CHUNKMATH_H
