//===- peak_fma.cpp - Single-thread peak f32 FMA rate of this machine -----===//
//
//   kiln-peak-fma [--seconds S]
//
// Runs N independent chains of vfmadd (x = x * a + b) in zmm (AVX-512) and ymm (AVX2)
// registers on one thread and prints the best rate in GFLOP/s (an FMA is 2 flops).
// N is swept (8..24 for zmm, 8..12 for ymm) so that at least latency x ports chains
// are in flight (4 cycles x 2 ports = 8 on current x86 cores) without running out of
// registers. Each ISA runs only when the CPU supports it. Output, one line per ISA:
//
//   peak_fma isa=avx512 lanes=16 chains=16 gflops=123.45
//
//===----------------------------------------------------------------------===//

#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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
  }
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
