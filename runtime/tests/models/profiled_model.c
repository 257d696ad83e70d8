/*===- profiled_model.c - Test model with the optional profiling interface ---===*
 *
 * static_model.c plus what `kilnc --profile` adds: a kernel table and
 * kiln_model_run_profiled, which reports kernel 0 ("linalg.generic", node
 * "/relu/Relu") twice and kernel 1 ("linalg.matmul", "/fc/MatMul, /fc/Add") once,
 * spinning 2 ms inside it. With PROFILED_MODEL_INCOMPLETE the run entry point is
 * missing, which the runtime must reject.
 *
 *===----------------------------------------------------------------------===*/

#include "static_model.c"

#include <time.h>

static const kiln_model_profile_kernel kKernels[2] = {
    {"linalg.generic", "/relu/Relu", "Relu"},
    {"linalg.matmul", "/fc/MatMul, /fc/Add", "MatMul, Add"}};
static const kiln_model_profile_info kProfileInfo = {2, kKernels};

const kiln_model_profile_info *kiln_model_get_profile_info(void) { return &kProfileInfo; }

#ifndef PROFILED_MODEL_INCOMPLETE
static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int32_t kiln_model_run_profiled(const kiln_host_hooks *hooks, const kiln_profile_hooks *profile,
                                const kiln_model_buffer *inputs, const kiln_model_buffer *outputs,
                                void *arena, kiln_model_error *error) {
  profile->enter(profile->ctx, 0);
  int32_t rc = kiln_model_run(hooks, inputs, outputs, arena, error);
  profile->exit(profile->ctx, 0);
  profile->enter(profile->ctx, 1);
  double start = seconds();
  while (seconds() - start < 0.002) {
  }
  profile->exit(profile->ctx, 1);
  profile->enter(profile->ctx, 0);
  profile->exit(profile->ctx, 0);
  return rc;
}
#endif
