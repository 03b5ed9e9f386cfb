// fa3_proto.cu -- standalone FlashAttention-3-style forward attention prototype for sm_90a.
//
// bf16 Q,K,V,O in [B, T, H, D] (contiguous), D = 128, optional f32 LSE [B, H, T].
// Plain CUDA + inline PTX (no CUTLASS/CuTe) so that every instruction the tile-IR
// lowering must emit is visible.  See NOTES.md for the recipe.
//
// CTA = 3 warpgroups (384 threads):
//   WG0      producer: setmaxnreg.dec 24; thread 0 issues TMA (cp.async.bulk.tensor.4d)
//            for Q (once) and K/V tiles into a STAGES-deep ring with full/empty mbarriers.
//   WG1, WG2 consumers: setmaxnreg.inc 240; each owns 64 of the CTA's 128 query rows.
//            S = Q K^T   : wgmma m64n{BN}k16 SS (Q, K both K-major, 128B swizzle)
//            softmax     : registers, exp2 with log2(e)/sqrt(D) folded into one FFMA
//            O += P V    : wgmma m64n128k16 RS (P bf16 in registers, V MN-major smem)
//            OVERLAP     : issue QK^T(j) and PV(j-1) back to back, wait_group 1, softmax(j)
//                          runs while PV(j-1) is still on the tensor core.
//            PINGPONG    : named barriers 1/2 make the two consumer WGs alternate GEMM issue,
//                          so one WG's softmax overlaps the other WG's GEMMs.
//            (further flags: F_EARLY_RESCALE = FA3's O-rescale between QK and PV issue,
//             F_Q_IN_REGS = QK^T as RS wgmma, F_PERSIST = persistent CTAs; see VARIANTS below)
//   epilogue: O / l -> bf16 -> swizzled smem (reusing the WG's Q rows) -> TMA store (clips T).
//
// Build (shared lib driven from Python through ctypes):
//   nvcc -gencode=arch=compute_90a,code=sm_90a -O3 -Xptxas -v -shared -Xcompiler -fPIC \
//        fa3_proto.cu -o libfa3proto.so -lcuda
#include <cuda.h>
#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <stdint.h>
#include <stdio.h>
#include <algorithm>
#include "wgmma_gen.h"

#define DEV __device__ __forceinline__

static constexpr int HD = 128;          // head dim
static constexpr int BM = 128;          // query rows per CTA (2 consumer WGs x 64)
static constexpr int Q_HALF = BM * 128; // bytes of one 64-column (128 B) half of the Q tile

// ----------------------------------------------------------------------------- PTX helpers
DEV uint32_t smem_u32(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

DEV void mbar_init(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(bar), "r"(count) : "memory");
}
DEV void mbar_arrive_expect_tx(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(bytes) : "memory");
}
DEV void mbar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(bar) : "memory");
}
DEV uint32_t mbar_try_wait(uint32_t bar, uint32_t parity) {
  uint32_t ok;
  asm volatile(
      "{\n.reg .pred p;\n"
      "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
      "selp.u32 %0, 1, 0, p;\n}\n"
      : "=r"(ok) : "r"(bar), "r"(parity) : "memory");
  return ok;
}
DEV void mbar_wait(uint32_t bar, uint32_t parity) { while (!mbar_try_wait(bar, parity)) {} }

DEV void tma_load_4d(uint32_t dst, const CUtensorMap* map, uint32_t bar, int c0, int c1, int c2, int c3) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes"
      " [%0], [%1, {%3, %4, %5, %6}], [%2];"
      ::"r"(dst), "l"((uint64_t)map), "r"(bar), "r"(c0), "r"(c1), "r"(c2), "r"(c3) : "memory");
}
DEV void tma_store_4d(const CUtensorMap* map, uint32_t src, int c0, int c1, int c2, int c3) {
  asm volatile("cp.async.bulk.tensor.4d.global.shared::cta.bulk_group [%0, {%2, %3, %4, %5}], [%1];"
               ::"l"((uint64_t)map), "r"(src), "r"(c0), "r"(c1), "r"(c2), "r"(c3) : "memory");
}
DEV void tma_store_commit_and_wait() {
  asm volatile("cp.async.bulk.commit_group;" ::: "memory");
  asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
}
DEV void prefetch_tmap(const CUtensorMap* map) {
  asm volatile("prefetch.tensormap [%0];" ::"l"((uint64_t)map) : "memory");
}

DEV void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;" ::: "memory"); }
DEV void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory"); }
template <int N> DEV void wgmma_wait() { asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(N) : "memory"); }
template <int N> DEV void fence_regs(float (&r)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) asm volatile("" : "+f"(r[i])::"memory");
}
template <int N, int M> DEV void fence_regs(uint32_t (&r)[N][M]) {
#pragma unroll
  for (int i = 0; i < N; ++i)
#pragma unroll
    for (int j = 0; j < M; ++j) asm volatile("" : "+r"(r[i][j])::"memory");
}

DEV void named_bar_sync(int id, int n) { asm volatile("bar.sync %0, %1;" ::"r"(id), "r"(n) : "memory"); }
DEV void named_bar_arrive(int id, int n) { asm volatile("bar.arrive %0, %1;" ::"r"(id), "r"(n) : "memory"); }

DEV float ex2(float x) { float y; asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x)); return y; }
DEV uint32_t pack_bf16(float lo, float hi) {
  // cvt.rn.bf16x2.f32 d, a, b puts a in the upper half, b in the lower half.
  uint32_t r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

// wgmma shared-memory matrix descriptor (64 bit):
//   [0,14)  start address >> 4      [16,30) leading byte offset >> 4
//   [32,46) stride byte offset >> 4 [49,52) base offset (0: atoms 1024B aligned)
//   [62,64) layout: 1 = 128B swizzle
DEV uint64_t make_desc(uint32_t addr, uint32_t lbo, uint32_t sbo) {
  return (uint64_t)((addr & 0x3FFFF) >> 4) | ((uint64_t)((lbo >> 4) & 0x3FFF) << 16) |
         ((uint64_t)((sbo >> 4) & 0x3FFF) << 32) | (1ull << 62);
}

template <int BN> struct SGemm;
template <> struct SGemm<128> { DEV static void mma(float (&d)[64], uint64_t a, uint64_t b, int sc) { wgmma_ss_m64n128k16(d, a, b, sc); } };
template <> struct SGemm<176> { DEV static void mma(float (&d)[88], uint64_t a, uint64_t b, int sc) { wgmma_ss_m64n176k16(d, a, b, sc); } };
template <> struct SGemm<192> { DEV static void mma(float (&d)[96], uint64_t a, uint64_t b, int sc) { wgmma_ss_m64n192k16(d, a, b, sc); } };

// ----------------------------------------------------------------------------- kernel
template <int BN, int STAGES, bool PERSIST>
struct Cfg {
  static constexpr int KV_TILE = BN * HD * 2;        // bytes per K (or V) tile
  static constexpr int KV_HALF = BN * 128;           // bytes per 64-column half of a K/V tile
  static constexpr int OFF_Q = 0;
  static constexpr int OFF_K = OFF_Q + BM * HD * 2;
  static constexpr int OFF_V = OFF_K + STAGES * KV_TILE;
  static constexpr int OFF_O = OFF_V + STAGES * KV_TILE;        // separate O staging only if persistent
  static constexpr int OFF_BAR = OFF_O + (PERSIST ? BM * HD * 2 : 0);
  static constexpr int NBAR = 2 + 4 * STAGES;
  static constexpr int SMEM = OFF_BAR + NBAR * 8 + 1024;  // +1024 for manual alignment
  static constexpr int NS = BN / 2;                  // S accumulator regs / thread
  static constexpr int KP = BN / 16;                 // PV k-steps
};

// FLAGS bits: schedule ingredients, so each can be measured on its own
enum : int { F_OVERLAP = 1, F_PINGPONG = 2, F_EARLY_RESCALE = 4, F_Q_IN_REGS = 8, F_PERSIST = 16 };

struct Tile { int m_blk, h, b; };

template <int BN, int STAGES, bool CAUSAL, int FLAGS>
__global__ void __launch_bounds__(384, 1)
fa3_fwd_kernel(const __grid_constant__ CUtensorMap tmQ, const __grid_constant__ CUtensorMap tmK,
               const __grid_constant__ CUtensorMap tmV, const __grid_constant__ CUtensorMap tmO,
               float* __restrict__ lse, int B, int T, int H, float scale_log2, uint32_t v_lbo, uint32_t v_sbo) {
  constexpr bool OVERLAP = FLAGS & F_OVERLAP;          // intra-WG: softmax(j) overlaps PV(j-1)
  constexpr bool PINGPONG = FLAGS & F_PINGPONG;        // inter-WG: named-barrier GEMM turn taking
  constexpr bool EARLY = FLAGS & F_EARLY_RESCALE;      // FA3 order: O *= corr between QK and PV issue
  constexpr bool QREG = FLAGS & F_Q_IN_REGS;           // QK^T as RS wgmma with Q fragments in registers
  constexpr bool PERSIST = FLAGS & F_PERSIST;          // persistent CTAs, static tile striding
  using C = Cfg<BN, STAGES, PERSIST>;
  static_assert(!QREG || BN == 128, "Q in registers only fits the register budget at BN=128");
  static_assert(!PERSIST || OVERLAP, "persistent path implemented for the overlapped schedule");
  extern __shared__ uint8_t smem_raw[];
  const uint32_t base = (smem_u32(smem_raw) + 1023u) & ~1023u;
  const uint32_t sQ = base + C::OFF_Q, sK = base + C::OFF_K, sV = base + C::OFF_V;
  const uint32_t sO = PERSIST ? base + C::OFF_O : sQ;  // O staging (reuses Q when not persistent)
  const uint32_t barQ = base + C::OFF_BAR;
  const uint32_t barQempty = barQ + 8u * (1 + 4 * STAGES);
  auto barKfull = [&](int s) { return barQ + 8u * (1 + s); };
  auto barKempty = [&](int s) { return barQ + 8u * (1 + STAGES + s); };
  auto barVfull = [&](int s) { return barQ + 8u * (1 + 2 * STAGES + s); };
  auto barVempty = [&](int s) { return barQ + 8u * (1 + 3 * STAGES + s); };

  const int tid = threadIdx.x;
  const int wg = tid / 128;
  const int numM = (T + BM - 1) / BM;
  const int total = PERSIST ? numM * B * H : 1;
  const int t_first = PERSIST ? (int)blockIdx.x : 0;
  const int t_stride = PERSIST ? (int)gridDim.x : 1;
  auto tile_of = [&](int t) -> Tile {
    if (!PERSIST)
      return {CAUSAL ? numM - 1 - (int)blockIdx.x : (int)blockIdx.x, (int)blockIdx.y, (int)blockIdx.z};
    if (CAUSAL) {  // heaviest query blocks of all heads first (LPT), heads innermost
      const int mb = numM - 1 - t / (B * H), bh = t % (B * H);
      return {mb, bh % H, bh / H};
    }
    const int mb = t % numM, bh = t / numM;  // query blocks innermost: CTAs in flight share K/V in L2
    return {mb, bh % H, bh / H};
  };
  auto ntiles_of = [&](int m0) {
    const int n_end = CAUSAL ? min(T, m0 + BM) : T;
    return (n_end + BN - 1) / BN;
  };

  if (tid == 0) {
    mbar_init(barQ, 1);
    mbar_init(barQempty, 8);
    for (int s = 0; s < STAGES; ++s) {
      mbar_init(barKfull(s), 1);
      mbar_init(barVfull(s), 1);
      mbar_init(barKempty(s), 8);  // lane 0 of each of the 8 consumer warps
      mbar_init(barVempty(s), 8);
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  __syncthreads();

  if (wg == 0) {
    // ------------------------------------------------------------------- producer
    asm volatile("setmaxnreg.dec.sync.aligned.u32 24;\n" ::: "memory");
    if (tid == 0) {
      prefetch_tmap(&tmQ); prefetch_tmap(&tmK); prefetch_tmap(&tmV); prefetch_tmap(&tmO);
      int git = 0, tc = 0;  // global K/V ring counter, tile counter
      for (int t = t_first; t < total; t += t_stride, ++tc) {
        const Tile tl = tile_of(t);
        const int m0 = tl.m_blk * BM, n_tiles = ntiles_of(m0);
        mbar_wait(barQempty, (tc & 1) ^ 1);
        mbar_arrive_expect_tx(barQ, BM * HD * 2);
        tma_load_4d(sQ, &tmQ, barQ, 0, tl.h, m0, tl.b);
        tma_load_4d(sQ + Q_HALF, &tmQ, barQ, 64, tl.h, m0, tl.b);
        for (int it = 0; it < n_tiles; ++it, ++git) {
          const int j = n_tiles - 1 - it;          // masked (diagonal / ragged) tile first
          const int st = git % STAGES;
          const uint32_t ph = (git / STAGES) & 1;
          mbar_wait(barKempty(st), ph ^ 1);
          mbar_arrive_expect_tx(barKfull(st), C::KV_TILE);
          const uint32_t dk = sK + st * C::KV_TILE;
          tma_load_4d(dk, &tmK, barKfull(st), 0, tl.h, j * BN, tl.b);
          tma_load_4d(dk + C::KV_HALF, &tmK, barKfull(st), 64, tl.h, j * BN, tl.b);
          mbar_wait(barVempty(st), ph ^ 1);
          mbar_arrive_expect_tx(barVfull(st), C::KV_TILE);
          const uint32_t dv = sV + st * C::KV_TILE;
          tma_load_4d(dv, &tmV, barVfull(st), 0, tl.h, j * BN, tl.b);
          tma_load_4d(dv + C::KV_HALF, &tmV, barVfull(st), 64, tl.h, j * BN, tl.b);
        }
      }
    }
  } else {
    // ------------------------------------------------------------------- consumers
    asm volatile("setmaxnreg.inc.sync.aligned.u32 240;\n" ::: "memory");
    const int cg = wg - 1;                 // consumer group 0/1
    const int ltid = tid - 128 * wg;
    const int warp = ltid / 32, lane = ltid % 32;
    const int colq = 2 * (lane % 4);
    const int my_bar = 1 + cg, other_bar = 2 - cg;
    // Q rows of this WG start at sQ + 64*cg*128 (1024B atom aligned)
    const uint32_t sQw = sQ + 64 * cg * 128;
    const uint32_t sOw = sO + 64 * cg * 128;

    float o[64];
    float s[C::NS];
    uint32_t p[C::KP][4];
    uint32_t qf[QREG ? HD / 16 : 1][4];      // Q A-fragments (only with F_Q_IN_REGS)
    float m_s[2];                            // running max, already multiplied by scale_log2
    float l[2];                              // per-thread partial row sums (quad-reduced at end)
    int row_lo = 0, m0 = 0;                  // row of regs {4i+0,4i+1}; +8 for {4i+2,4i+3}
    bool final_tile = false;

    auto section_begin = [&]() { if (PINGPONG) named_bar_sync(my_bar, 256); };
    auto section_end = [&](bool last) {
      if (PINGPONG && !(cg == 1 && last && final_tile)) named_bar_arrive(other_bar, 256);
    };
    auto issue_qk = [&](int st) {
      const uint32_t kb = sK + st * C::KV_TILE;
#pragma unroll
      for (int kk = 0; kk < HD / 16; ++kk) {
        const uint64_t db = make_desc(kb + (kk / 4) * C::KV_HALF + (kk % 4) * 32, 16, 1024);
        if constexpr (QREG) {
          wgmma_rs_m64n128k16(*reinterpret_cast<float(*)[64]>(&s[0]), qf[kk], db, kk > 0);
        } else {
          const uint64_t da = make_desc(sQw + (kk / 4) * Q_HALF + (kk % 4) * 32, 16, 1024);
          SGemm<BN>::mma(s, da, db, kk > 0);
        }
      }
    };
    auto issue_pv = [&](int st) {
      const uint32_t vb = sV + st * C::KV_TILE;
#pragma unroll
      for (int kk = 0; kk < C::KP; ++kk) {
        const uint64_t db = make_desc(vb + kk * 16 * 128, v_lbo, v_sbo);
        wgmma_rs_m64n128k16_tb(o, p[kk], db, 1);
      }
    };
    auto mask = [&](int j) {
      const int n0 = j * BN;
      const bool need = (n0 + BN > T) || (CAUSAL && n0 + BN - 1 > m0 + 64 * cg);
      if (need) {
#pragma unroll
        for (int i = 0; i < BN / 8; ++i)
#pragma unroll
          for (int r = 0; r < 2; ++r)
#pragma unroll
            for (int e = 0; e < 2; ++e) {
              const int col = n0 + 8 * i + colq + e;
              const int row = row_lo + 8 * r;
              if (col >= T || (CAUSAL && col > row)) s[4 * i + 2 * r + e] = -INFINITY;
            }
      }
    };
    // online softmax on s (in place -> P in f32); returns correction factors for O.
    auto softmax = [&](float (&corr)[2]) {
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float mx = -INFINITY;
#pragma unroll
        for (int i = 0; i < BN / 8; ++i) mx = fmaxf(mx, fmaxf(s[4 * i + 2 * r], s[4 * i + 2 * r + 1]));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffff, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffff, mx, 2));
        const float m_new = fmaxf(m_s[r], mx * scale_log2);
        const float m_use = (m_new == -INFINITY) ? 0.f : m_new;
        corr[r] = ex2(m_s[r] - m_use);
        m_s[r] = m_new;
        float sum = 0.f;
#pragma unroll
        for (int i = 0; i < BN / 8; ++i)
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            const float pv = ex2(fmaf(s[4 * i + 2 * r + e], scale_log2, -m_use));
            s[4 * i + 2 * r + e] = pv;
            sum += pv;
          }
        l[r] = l[r] * corr[r] + sum;
      }
    };
    auto rescale_o = [&](const float (&corr)[2]) {
#pragma unroll
      for (int i = 0; i < 16; ++i) {
        o[4 * i + 0] *= corr[0]; o[4 * i + 1] *= corr[0];
        o[4 * i + 2] *= corr[1]; o[4 * i + 3] *= corr[1];
      }
      fence_regs(o);
    };
    // S accumulator fragment -> bf16 A fragment: identity re-pack, pairs of adjacent regs.
    auto convert_p = [&]() {
#pragma unroll
      for (int kk = 0; kk < C::KP; ++kk)
#pragma unroll
        for (int q = 0; q < 4; ++q) p[kk][q] = pack_bf16(s[8 * kk + 2 * q], s[8 * kk + 2 * q + 1]);
      fence_regs(p);
    };

    if (PINGPONG && cg == 1) named_bar_arrive(other_bar, 256);  // let WG1 go first
    int git = 0, tc = 0;
    for (int t = t_first; t < total; t += t_stride, ++tc) {
      const Tile tl = tile_of(t);
      m0 = tl.m_blk * BM;
      const int n_tiles = ntiles_of(m0);
      row_lo = m0 + 64 * cg + 16 * warp + lane / 4;
      final_tile = t + t_stride >= total;
#pragma unroll
      for (int i = 0; i < 64; ++i) o[i] = 0.f;
      m_s[0] = m_s[1] = -INFINITY;
      l[0] = l[1] = 0.f;
      auto stage = [&](int it) { return (git + it) % STAGES; };
      auto phase = [&](int it) { return (uint32_t)(((git + it) / STAGES) & 1); };
      // Q buffer may be refilled once this WG's last QK^T of the tile has completed
      auto release_q_if = [&](bool cond) { if (PERSIST && cond && lane == 0) mbar_arrive(barQempty); };

      mbar_wait(barQ, tc & 1);
      if constexpr (QREG) {
        // A fragment of m64nNk16: reg q holds (row + 8*(q&1), k = 16kk + 8*(q>>1) + 2*(lane%4) + {0,1})
#pragma unroll
        for (int kk = 0; kk < HD / 16; ++kk)
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            const int rowl = 16 * warp + lane / 4 + 8 * (q & 1);
            const int col = 16 * kk + 8 * (q >> 1) + colq;
            const uint32_t addr = sQw + (col / 64) * Q_HALF + rowl * 128 + ((((col % 64) / 8) ^ (rowl % 8)) * 16) + (col % 8) * 2;
            asm volatile("ld.shared.b32 %0, [%1];" : "=r"(qf[kk][q]) : "r"(addr) : "memory");
          }
        fence_regs(qf);
        release_q_if(true);
      }

      if (OVERLAP) {
        float corr[2];
        // prologue: first (last-index) tile
        {
          mbar_wait(barKfull(stage(0)), phase(0));
          section_begin();
          wgmma_fence();
          issue_qk(stage(0));
          wgmma_commit();
          section_end(false);
          wgmma_wait<0>();
          fence_regs(s);
          if (lane == 0) mbar_arrive(barKempty(stage(0)));
          release_q_if(!QREG && n_tiles == 1);
          mask(n_tiles - 1);
          softmax(corr);
          convert_p();
        }
        for (int it = 1; it < n_tiles; ++it) {
          const int j = n_tiles - 1 - it;
          const int st = stage(it), pst = stage(it - 1);
          mbar_wait(barKfull(st), phase(it));
          mbar_wait(barVfull(pst), phase(it - 1));   // before the fence: no branch between fence and wgmmas
          section_begin();
          wgmma_fence();
          issue_qk(st);
          wgmma_commit();
          if (EARLY) { rescale_o(corr); wgmma_fence(); }   // O regs written -> fence again before PV
          issue_pv(pst);
          wgmma_commit();
          section_end(false);
          wgmma_wait<1>();
          fence_regs(s);
          if (lane == 0) mbar_arrive(barKempty(st));
          release_q_if(!QREG && it == n_tiles - 1);
          mask(j);
          softmax(corr);
          wgmma_wait<0>();
          fence_regs(o);
          if (lane == 0) mbar_arrive(barVempty(pst));
          if (!EARLY) rescale_o(corr);
          convert_p();
        }
        {
          const int pst = stage(n_tiles - 1);
          mbar_wait(barVfull(pst), phase(n_tiles - 1));
          if (EARLY) rescale_o(corr);
          section_begin();
          wgmma_fence();
          issue_pv(pst);
          wgmma_commit();
          section_end(true);
          wgmma_wait<0>();
          fence_regs(o);
          if (lane == 0) mbar_arrive(barVempty(pst));
        }
      } else {
        for (int it = 0; it < n_tiles; ++it) {
          const int j = n_tiles - 1 - it;
          const int st = stage(it);
          mbar_wait(barKfull(st), phase(it));
          section_begin();
          wgmma_fence();
          issue_qk(st);
          wgmma_commit();
          section_end(false);
          wgmma_wait<0>();
          fence_regs(s);
          if (lane == 0) mbar_arrive(barKempty(st));
          mask(j);
          float corr[2];
          softmax(corr);
          rescale_o(corr);
          convert_p();
          mbar_wait(barVfull(st), phase(it));
          section_begin();
          wgmma_fence();
          issue_pv(st);
          wgmma_commit();
          section_end(it == n_tiles - 1);
          wgmma_wait<0>();
          fence_regs(o);
          if (lane == 0) mbar_arrive(barVempty(st));
        }
      }
      git += n_tiles;

      // ----------------------------------------------------------------- epilogue
      float inv[2];
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float lt = l[r];
        lt += __shfl_xor_sync(0xffffffff, lt, 1);
        lt += __shfl_xor_sync(0xffffffff, lt, 2);
        inv[r] = lt > 0.f ? 1.f / lt : 0.f;
        const int row = row_lo + 8 * r;
        if (lse != nullptr && (lane % 4) == 0 && row < T)
          lse[((size_t)tl.b * H + tl.h) * T + row] = (m_s[r] + __log2f(lt)) * 0.69314718055994531f;
      }
      if (PERSIST) {  // previous tile's TMA store must have finished reading the staging buffer
        if (ltid == 0) asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
        named_bar_sync(3 + cg, 128);
      }
      // O tile -> smem in the TMA 128B-swizzle layout (this WG's 64 rows, both halves)
      const int rloc = 64 * cg + 16 * warp + lane / 4;
#pragma unroll
      for (int i = 0; i < 16; ++i)
#pragma unroll
        for (int r = 0; r < 2; ++r) {
          const int rr = rloc + 8 * r;
          const uint32_t addr = sO + (i / 8) * Q_HALF + rr * 128 + (((i % 8) ^ (rr % 8)) * 16) + 4 * (lane % 4);
          const uint32_t v = pack_bf16(o[4 * i + 2 * r] * inv[r], o[4 * i + 2 * r + 1] * inv[r]);
          asm volatile("st.shared.b32 [%0], %1;" ::"r"(addr), "r"(v) : "memory");
        }
      asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
      named_bar_sync(3 + cg, 128);
      if (ltid == 0) {
        tma_store_4d(&tmO, sOw, 0, tl.h, m0 + 64 * cg, tl.b);
        tma_store_4d(&tmO, sOw + Q_HALF, 64, tl.h, m0 + 64 * cg, tl.b);
        asm volatile("cp.async.bulk.commit_group;" ::: "memory");
      }
    }
    if (ltid == 0) asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
  }
}

// ----------------------------------------------------------------------------- host side
static int make_map(CUtensorMap* m, void* ptr, int B, int T, int H, int box_rows) {
  cuuint64_t dims[4] = {(cuuint64_t)HD, (cuuint64_t)H, (cuuint64_t)T, (cuuint64_t)B};
  cuuint64_t strides[3] = {(cuuint64_t)HD * 2, (cuuint64_t)H * HD * 2, (cuuint64_t)T * H * HD * 2};
  cuuint32_t box[4] = {64, 1, (cuuint32_t)box_rows, 1};
  cuuint32_t estr[4] = {1, 1, 1, 1};
  CUresult r = cuTensorMapEncodeTiled(m, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 4, ptr, dims, strides, box, estr,
                                      CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                                      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) { fprintf(stderr, "cuTensorMapEncodeTiled failed %d\n", (int)r); return 1000 + (int)r; }
  return 0;
}

template <int BN, int STAGES, bool CAUSAL, int FLAGS>
static int launch(void* q, void* k, void* v, void* o, float* lse, int B, int T, int H, cudaStream_t st,
                  uint32_t v_lbo, uint32_t v_sbo) {
  using C = Cfg<BN, STAGES, (FLAGS & F_PERSIST) != 0>;
  auto kern = fa3_fwd_kernel<BN, STAGES, CAUSAL, FLAGS>;
  static bool attr = false;
  if (!attr) {
    cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, C::SMEM);
    if (e != cudaSuccess) { fprintf(stderr, "smem attr: %s (%d B)\n", cudaGetErrorString(e), C::SMEM); return 1; }
    attr = true;
  }
  CUtensorMap mq, mk, mv, mo;
  int rc;
  if ((rc = make_map(&mq, q, B, T, H, BM))) return rc;
  if ((rc = make_map(&mk, k, B, T, H, BN))) return rc;
  if ((rc = make_map(&mv, v, B, T, H, BN))) return rc;
  if ((rc = make_map(&mo, o, B, T, H, 64))) return rc;
  if (v_lbo == 0) v_lbo = C::KV_HALF;  // MN-major: byte distance between the two 64-col halves of V
  if (v_sbo == 0) v_sbo = 1024;        // MN-major: byte distance between 8-key row groups
  const int numM = (T + BM - 1) / BM;
  dim3 grid(numM, H, B);
  if (FLAGS & F_PERSIST) {
    static int sms = 0;
    if (!sms) cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    grid = dim3(std::min(sms, numM * B * H), 1, 1);
  }
  const float scale_log2 = 1.4426950408889634f / sqrtf((float)HD);
  kern<<<grid, 384, C::SMEM, st>>>(mq, mk, mv, mo, lse, B, T, H, scale_log2, v_lbo, v_sbo);
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) { fprintf(stderr, "launch: %s\n", cudaGetErrorString(e)); return 2; }
  return 0;
}

// variant table: id, name, BN, STAGES, FLAGS
#define OV F_OVERLAP
#define PP F_PINGPONG
#define ER F_EARLY_RESCALE
#define QR F_Q_IN_REGS
#define PS F_PERSIST
#define VARIANTS(X)                                     \
  X(0, "bn128_s2_ovl_pp", 128, 2, OV | PP)              \
  X(1, "bn128_s3_ovl_pp", 128, 3, OV | PP)              \
  X(2, "bn128_s2_ovl", 128, 2, OV)                      \
  X(3, "bn128_s2_pp", 128, 2, PP)                       \
  X(4, "bn128_s2_plain", 128, 2, 0)                     \
  X(5, "bn176_s2_ovl_pp", 176, 2, OV | PP)              \
  X(6, "bn176_s2_ovl", 176, 2, OV)                      \
  X(7, "bn192_s2_ovl_pp", 192, 2, OV | PP)              \
  X(8, "bn128_s2_ovl_pp_er", 128, 2, OV | PP | ER)      \
  X(9, "bn128_s2_ovl_pp_qr", 128, 2, OV | PP | QR)      \
  X(10, "bn128_s2_ovl_pp_er_qr", 128, 2, OV | PP | ER | QR) \
  X(11, "bn176_s2_ovl_pp_er", 176, 2, OV | PP | ER)     \
  X(12, "bn192_s2_ovl_pp_er", 192, 2, OV | PP | ER)     \
  X(13, "bn128_s2_ovl_pp_ps", 128, 2, OV | PP | PS)     \
  X(14, "bn128_s2_ovl_pp_er_ps", 128, 2, OV | PP | ER | PS)

extern "C" int fa3_num_variants() { return 15; }
extern "C" const char* fa3_variant_name(int i) {
#define NAME(id, nm, bn, s, fl) if (i == id) return nm;
  VARIANTS(NAME)
#undef NAME
  return "";
}
extern "C" int fa3_fwd(int variant, void* q, void* k, void* v, void* o, void* lse, int B, int T, int H,
                       int causal, void* stream, unsigned v_lbo, unsigned v_sbo) {
  cudaStream_t st = (cudaStream_t)stream;
  float* L = (float*)lse;
#define DISPATCH(id, nm, bn, s, fl)                                                     \
  if (variant == id) {                                                                  \
    if (causal) return launch<bn, s, true, fl>(q, k, v, o, L, B, T, H, st, v_lbo, v_sbo); \
    return launch<bn, s, false, fl>(q, k, v, o, L, B, T, H, st, v_lbo, v_sbo);            \
  }
  VARIANTS(DISPATCH)
#undef DISPATCH
  return 99;
}
