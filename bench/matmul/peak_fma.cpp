//===- peak_fma.cpp - Single-thread peak multiply-add rates of this machine -===//
//
//   kiln-peak-fma [--seconds S]
//
// Runs N independent chains of vfmadd (x = x * a + b) in zmm (AVX-512) and ymm (AVX2)
// registers on one thread and prints the best rate in GFLOP/s (an FMA is 2 flops).
// N is swept (8..24 for zmm, 8..12 for ymm) so that at least latency x ports chains
// are in flight (4 cycles x 2 ports = 8 on current x86 cores) without running out of
// registers. The reduced-precision products the bf16 and 8-bit kernels use are measured
// the same way: vdpbf16ps (AVX-512 BF16, 2 products per f32 lane) and vpdpbusd (AVX-512
// VNNI, 4 per i32 lane) in 16 chains, and AMX's tdpbf16ps and tdpbusd (16 x 16 x 32 and
// 16 x 16 x 64 products) in 4 accumulator tiles, after Linux grants the tile state. A
// multiply-add counts 2 operations throughout (GOP/s for the 8-bit rates). Each ISA runs
// only when the CPU supports it. Output, one line per ISA:
//
//   peak_fma isa=avx512 lanes=16 chains=16 gflops=123.45
//   peak_fma isa=amx_bf16 lanes=8192 chains=4 gflops=1234.56
//
//===----------------------------------------------------------------------===//

#include <immintrin.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <sys/syscall.h>
#include <unistd.h>

namespace {

volatile float kA = 0.999999f, kB = 1e-7f; // opaque to the optimizer

using Clock = std::chrono::steady_clock;

template <int N> __attribute__((target("avx512f"))) double runZmm(long iters) {
  __m512 a = _mm512_set1_ps(kA), b = _mm512_set1_ps(kB), x[N];
  for (int i = 0; i < N; ++i)
    x[i] = _mm512_set1_ps(static_cast<float>(i));
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < N; ++i)
      x[i] = _mm512_fmadd_ps(x[i], a, b);
  __m512 sum = x[0];
  for (int i = 1; i < N; ++i)
    sum = _mm512_add_ps(sum, x[i]);
  return _mm512_reduce_add_ps(sum);
}

template <int N> __attribute__((target("avx2,fma"))) double runYmm(long iters) {
  __m256 a = _mm256_set1_ps(kA), b = _mm256_set1_ps(kB), x[N];
  for (int i = 0; i < N; ++i)
    x[i] = _mm256_set1_ps(static_cast<float>(i));
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < N; ++i)
      x[i] = _mm256_fmadd_ps(x[i], a, b);
  __m256 sum = x[0];
  for (int i = 1; i < N; ++i)
    sum = _mm256_add_ps(sum, x[i]);
  float out[8];
  _mm256_storeu_ps(out, sum);
  return out[0] + out[7];
}

template <int N> __attribute__((target("avx512f,avx512bf16"))) double runBf16(long iters) {
  __m512bh a = (__m512bh)_mm512_set1_ps(kA), b = (__m512bh)_mm512_set1_ps(kB);
  __m512 x[N];
  for (int i = 0; i < N; ++i)
    x[i] = _mm512_set1_ps(static_cast<float>(i));
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < N; ++i)
      x[i] = _mm512_dpbf16_ps(x[i], a, b);
  __m512 sum = x[0];
  for (int i = 1; i < N; ++i)
    sum = _mm512_add_ps(sum, x[i]);
  return _mm512_reduce_add_ps(sum);
}

template <int N> __attribute__((target("avx512f,avx512vnni"))) double runVnni(long iters) {
  __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(5), x[N];
  for (int i = 0; i < N; ++i)
    x[i] = _mm512_set1_epi32(i);
  for (long it = 0; it < iters; ++it) {
    for (int i = 0; i < N; ++i)
      x[i] = _mm512_dpbusd_epi32(x[i], a, b);
    // Integer sums of constants would be folded into one multiplication.
    for (int i = 0; i < N; ++i)
      asm volatile("" : "+v"(x[i]));
  }
  __m512i sum = x[0];
  for (int i = 1; i < N; ++i)
    sum = _mm512_add_epi32(sum, x[i]);
  return _mm512_reduce_add_epi32(sum);
}

/// Linux hands out AMX's tile data state only on request (as the runtime asks for it).
bool amxGranted() {
  constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) == 0;
}

/// Tiles 0..3 are 16 x 16 accumulators, 4..7 16 x 64-byte sources.
__attribute__((target("amx-tile"))) void configureTiles() {
  alignas(64) uint8_t config[64] = {};
  config[0] = 1; // palette 1
  for (int t = 0; t < 8; ++t) {
    config[16 + 2 * t] = 64; // bytes per row
    config[48 + t] = 16;     // rows
  }
  _tile_loadconfig(config);
}

/// Four independent tile products per iteration: tdpbusd (u8 x s8) with `Int8`, else
/// tdpbf16ps. Both target features are enabled; the caller runs only what the CPU has.
template <bool Int8>
__attribute__((target("amx-tile,amx-bf16,amx-int8"))) double runAmx(long iters) {
  alignas(64) static uint8_t src[16 * 64];
  alignas(64) static int32_t out[16 * 16]; // f32 or i32 sums, read as bits
  configureTiles();
  _tile_zero(0), _tile_zero(1), _tile_zero(2), _tile_zero(3);
  _tile_loadd(4, src, 64), _tile_loadd(5, src, 64);
  _tile_loadd(6, src, 64), _tile_loadd(7, src, 64);
  for (long it = 0; it < iters; ++it) {
    if constexpr (Int8) {
      _tile_dpbusd(0, 4, 6);
      _tile_dpbusd(1, 4, 7);
      _tile_dpbusd(2, 5, 6);
      _tile_dpbusd(3, 5, 7);
    } else {
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
  }
  _tile_stored(0, out, 64);
  _tile_release();
  return out[0];
}

/// Best GFLOP/s of `run` over repetitions filling about `seconds`.
template <typename Fn> double measure(Fn run, int lanes, int chains, double seconds) {
  double sink = 0, best = 0;
  long iters = 1 << 16;
  // Calibrate to ~20 ms per repetition (also warms up the clock and AVX-512 power state).
  for (;;) {
    auto t0 = Clock::now();
    sink += run(iters);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s > 0.02)
      break;
    iters *= 2;
  }
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  do {
    auto t0 = Clock::now();
    sink += run(iters);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    double gflops = 2.0 * lanes * chains * static_cast<double>(iters) / s / 1e9;
    if (gflops > best)
      best = gflops;
  } while (Clock::now() < end);
  if (sink == 42.0) // keeps the results alive
    std::puts("");
  return best;
}

/// Keeps the best rate over the chain counts tried.
struct Best {
  double gflops = 0;
  int chains = 0;
  void offer(double g, int n) {
    if (g > gflops)
      gflops = g, chains = n;
  }
};

void sweepZmm(double seconds) {
  Best best;
  best.offer(measure(runZmm<8>, 16, 8, seconds), 8);
  best.offer(measure(runZmm<12>, 16, 12, seconds), 12);
  best.offer(measure(runZmm<16>, 16, 16, seconds), 16);
  best.offer(measure(runZmm<24>, 16, 24, seconds), 24);
  std::printf("peak_fma isa=avx512 lanes=16 chains=%d gflops=%.2f\n", best.chains, best.gflops);
}

void sweepBf16(double seconds) {
  // A vdpbf16ps lane is 2 bf16 products summed into f32: 32 multiply-adds per zmm.
  Best best;
  best.offer(measure(runBf16<12>, 32, 12, seconds), 12);
  best.offer(measure(runBf16<16>, 32, 16, seconds), 16);
  std::printf("peak_fma isa=avx512_bf16 lanes=32 chains=%d gflops=%.2f\n", best.chains,
              best.gflops);
}

void sweepVnni(double seconds) {
  // A vpdpbusd lane is 4 u8 x s8 products summed into i32: 64 multiply-adds per zmm.
  Best best;
  best.offer(measure(runVnni<12>, 64, 12, seconds), 12);
  best.offer(measure(runVnni<16>, 64, 16, seconds), 16);
  std::printf("peak_fma isa=avx512_vnni lanes=64 chains=%d gflops=%.2f\n", best.chains,
              best.gflops);
}

void sweepAmx(double seconds, bool bf16, bool int8) {
  // Four tile products per iteration: 16 x 16 x 32 (bf16) or 16 x 16 x 64 (int8)
  // multiply-adds each, counted as "lanes" x 4 chains.
  if (bf16)
    std::printf("peak_fma isa=amx_bf16 lanes=8192 chains=4 gflops=%.2f\n",
                measure(runAmx<false>, 8192, 4, seconds));
  if (int8)
    std::printf("peak_fma isa=amx_int8 lanes=16384 chains=4 gflops=%.2f\n",
                measure(runAmx<true>, 16384, 4, seconds));
}

void sweepYmm(double seconds) {
  Best best;
  best.offer(measure(runYmm<8>, 8, 8, seconds), 8);
  best.offer(measure(runYmm<10>, 8, 10, seconds), 10);
  best.offer(measure(runYmm<12>, 8, 12, seconds), 12);
  std::printf("peak_fma isa=avx2 lanes=8 chains=%d gflops=%.2f\n", best.chains, best.gflops);
}

} // namespace

int main(int argc, char **argv) {
  double seconds = 0.3; // per ISA and chain count
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: kiln-peak-fma [--seconds S]\n");
      return 1;
    }
  }
  __builtin_cpu_init();
  bool any = false;
  if (__builtin_cpu_supports("avx512f")) {
    sweepZmm(seconds);
    any = true;
    if (__builtin_cpu_supports("avx512bf16"))
      sweepBf16(seconds);
    if (__builtin_cpu_supports("avx512vnni"))
      sweepVnni(seconds);
  }
  bool amxBf16 = __builtin_cpu_supports("amx-bf16"), amxInt8 = __builtin_cpu_supports("amx-int8");
  if ((amxBf16 || amxInt8) && amxGranted())
    sweepAmx(seconds, amxBf16, amxInt8);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    sweepYmm(seconds);
    any = true;
  }
  if (!any) {
    std::fprintf(stderr, "kiln-peak-fma: this CPU has neither AVX-512F nor AVX2+FMA\n");
    return 1;
  }
  return 0;
}
