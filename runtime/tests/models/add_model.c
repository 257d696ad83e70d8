/*===- add_model.c - Test model: y = a + b, dynamic batch -------------------===*
 *
 * Inputs a, b: float32 [N, 4] (dim_param "N"); output y: float32 [N, 4].
 * Uses every host hook: the sum goes through the activation arena (64 bytes of
 * header + 16 bytes per batch row), rows are split with parallel_for (grain 2),
 * one scratch block is left for the runtime to free, and two are freed in turn, the
 * second half the size of the first. Exports
 * add_model_stats() so tests can check the hooks.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/model_abi.h"

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define COLS 4
#define GRAIN 2

static const int64_t kDims[2] = {-1, COLS};
static const char *const kParams[2] = {"N", NULL};
static const kiln_model_tensor_desc kInputs[2] = {{"a", 1, 2, kDims, kParams, 0},
                                                  {"b", 1, 2, kDims, kParams, 0}};
static const kiln_model_tensor_desc kOutputs[1] = {{"y", 1, 2, kDims, kParams, 0}};
static const kiln_model_info kInfo = {KILN_MODEL_ABI_VERSION,
                                      2,
                                      1,
                                      kInputs,
                                      kOutputs,
                                      "add",
                                      "hand-written",
                                      "generic",
                                      /*arena_base_bytes=*/64,
                                      /*arena_per_batch_bytes=*/COLS * sizeof(float),
                                      /*intermediates_bytes=*/COLS * sizeof(float),
                                      KILN_MODEL_DEVICE_HOST};

/* Test statistics, updated atomically. */
static int64_t gInFlight, gMaxInFlight, gGrainViolations, gBodies;

void add_model_stats(int64_t *max_in_flight, int64_t *grain_violations, int64_t *bodies) {
  *max_in_flight = __atomic_load_n(&gMaxInFlight, __ATOMIC_SEQ_CST);
  *grain_violations = __atomic_load_n(&gGrainViolations, __ATOMIC_SEQ_CST);
  *bodies = __atomic_load_n(&gBodies, __ATOMIC_SEQ_CST);
}

void add_model_reset_stats(void) {
  __atomic_store_n(&gMaxInFlight, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&gGrainViolations, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&gBodies, 0, __ATOMIC_SEQ_CST);
}

const kiln_model_info *kiln_model_get_info(void) { return &kInfo; }

int32_t kiln_model_output_dims(const kiln_model_buffer *inputs, int64_t *const *output_dims,
                               kiln_model_error *error) {
  (void)error; /* a status without a message: the runtime supplies a generic one */
  const int64_t *a = inputs[0].dims, *b = inputs[1].dims;
  if (a[0] != b[0] || a[1] != COLS || b[1] != COLS)
    return KILN_MODEL_ERROR_SHAPE;
  output_dims[0][0] = a[0];
  output_dims[0][1] = COLS;
  return KILN_MODEL_OK;
}

typedef struct {
  const float *a, *b;
  float *tmp;
  int64_t rows;
} AddArgs;

static void addRows(void *arg, int64_t b, int64_t e) {
  const AddArgs *args = (const AddArgs *)arg;
  int64_t now = __atomic_add_fetch(&gInFlight, 1, __ATOMIC_SEQ_CST);
  int64_t max = __atomic_load_n(&gMaxInFlight, __ATOMIC_SEQ_CST);
  while (now > max && !__atomic_compare_exchange_n(&gMaxInFlight, &max, now, 0, __ATOMIC_SEQ_CST,
                                                   __ATOMIC_SEQ_CST)) {
  }
  __atomic_add_fetch(&gBodies, 1, __ATOMIC_SEQ_CST);
  if (e - b < GRAIN && e != args->rows)
    __atomic_add_fetch(&gGrainViolations, 1, __ATOMIC_SEQ_CST);
  for (int64_t i = b * COLS; i < e * COLS; ++i)
    args->tmp[i] = args->a[i] + args->b[i];
  /* Keep bodies alive a little so that threads overlap. */
  for (volatile int spin = 0; spin < 20000; ++spin) {
  }
  __atomic_sub_fetch(&gInFlight, 1, __ATOMIC_SEQ_CST);
}

int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *inputs,
                       const kiln_model_buffer *outputs, void *arena, kiln_model_error *error) {
  if (!arena || ((uintptr_t)arena % 64) != 0)
    return KILN_MODEL_ERROR_INTERNAL;
  for (int i = 0; i < 2; ++i)
    if (((uintptr_t)inputs[i].data % 64) != 0 || ((uintptr_t)outputs[0].data % 64) != 0)
      return KILN_MODEL_ERROR_INTERNAL;
  int64_t rows = inputs[0].dims[0];
  if (rows != inputs[1].dims[0] || rows != outputs[0].dims[0])
    return KILN_MODEL_ERROR_SHAPE;
  /* The arena header must be writable: the runtime sized it. */
  uint64_t *header = (uint64_t *)arena;
  for (int i = 0; i < 8; ++i)
    header[i] = 0x6b696c6eu;
  AddArgs args = {(const float *)inputs[0].data, (const float *)inputs[1].data,
                  (float *)((char *)arena + 64), rows};
  hooks->parallel_for(hooks->ctx, 0, rows, GRAIN, addRows, &args);

  /* One scratch block freed, one left for the runtime. */
  void *freed = hooks->alloc(hooks->ctx, 128);
  void *leaked = hooks->alloc(hooks->ctx, 256);
  if (!freed || !leaked || ((uintptr_t)leaked % 64) != 0) {
    if (error) {
      error->code = KILN_MODEL_ERROR_MEMORY;
      snprintf(error->message, sizeof(error->message),
               "node 'scratch' (Add): cannot allocate %d bytes", !freed ? 128 : 256);
    }
    return KILN_MODEL_ERROR_MEMORY;
  }
  hooks->free(hooks->ctx, freed);
  /* Two more, freed in turn: the second, half the first's size, can reuse its block. */
  for (int half = 0; half < 2; ++half) {
    int64_t bytes = (rows + 1) * (half ? 32768 : 65536);
    void *block = hooks->alloc(hooks->ctx, (uint64_t)bytes);
    if (!block) {
      if (error) {
        error->code = KILN_MODEL_ERROR_MEMORY;
        snprintf(error->message, sizeof(error->message),
                 "node 'scratch' (Add): cannot allocate %lld bytes", (long long)bytes);
      }
      return KILN_MODEL_ERROR_MEMORY;
    }
    hooks->free(hooks->ctx, block);
  }

  float *y = (float *)outputs[0].data;
  for (int64_t i = 0; i < rows * COLS; ++i)
    y[i] = args.tmp[i];
  return KILN_MODEL_OK;
}
