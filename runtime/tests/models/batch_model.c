/*===- batch_model.c - Test model for the batcher ---------------------------===*
 *
 * Inputs x: float32 [N, K] and offset: int64 [N] (dim_params "N", "K").
 * Outputs y = 2 * x + offset (per row): float32 [N, K]; s: float64 [N], the sum of
 * each row of y. Rows are independent, as the batcher requires. A value of x below
 * -1000 fails the run with KILN_MODEL_ERROR_INDEX (a run-time check on input values).
 * Exports batch_model_max_rows(), the largest N it has run, so tests can see batches.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/model_abi.h"

#include <stdint.h>
#include <stdio.h>

static const int64_t kXDims[2] = {-1, -1};
static const char *const kXParams[2] = {"N", "K"};
static const int64_t kRowDims[1] = {-1};
static const char *const kRowParams[1] = {"N"};
static const kiln_model_tensor_desc kInputs[2] = {{"x", 1, 2, kXDims, kXParams, 0},
                                                  {"offset", 7, 1, kRowDims, kRowParams, 0}};
static const kiln_model_tensor_desc kOutputs[2] = {{"y", 1, 2, kXDims, kXParams, 0},
                                                   {"s", 11, 1, kRowDims, kRowParams, 0}};
static const kiln_model_info kInfo = {KILN_MODEL_ABI_VERSION,
                                      2,
                                      2,
                                      kInputs,
                                      kOutputs,
                                      "batch",
                                      "hand-written",
                                      "generic",
                                      /*arena_base_bytes=*/0,
                                      /*arena_per_batch_bytes=*/0,
                                      /*intermediates_bytes=*/0,
                                      KILN_MODEL_DEVICE_HOST};

static int64_t gMaxRows;

int64_t batch_model_max_rows(void) { return __atomic_load_n(&gMaxRows, __ATOMIC_SEQ_CST); }

const kiln_model_info *kiln_model_get_info(void) { return &kInfo; }

int32_t kiln_model_output_dims(const kiln_model_buffer *inputs, int64_t *const *output_dims,
                               kiln_model_error *error) {
  (void)error;
  const int64_t *x = inputs[0].dims, *offset = inputs[1].dims;
  if (x[0] != offset[0])
    return KILN_MODEL_ERROR_SHAPE;
  output_dims[0][0] = x[0];
  output_dims[0][1] = x[1];
  output_dims[1][0] = x[0];
  return KILN_MODEL_OK;
}

int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *inputs,
                       const kiln_model_buffer *outputs, void *arena, kiln_model_error *error) {
  (void)hooks;
  (void)arena;
  int64_t rows = inputs[0].dims[0], cols = inputs[0].dims[1];
  const float *x = (const float *)inputs[0].data;
  const int64_t *offset = (const int64_t *)inputs[1].data;
  float *y = (float *)outputs[0].data;
  double *s = (double *)outputs[1].data;
  for (int64_t i = 0; i < rows * cols; ++i) {
    if (x[i] < -1000.0f) {
      if (error) {
        error->code = KILN_MODEL_ERROR_INDEX;
        snprintf(error->message, sizeof(error->message),
                 "node 'check' (Gather): x = %g in row %lld is out of range", (double)x[i],
                 (long long)(i / cols));
      }
      return KILN_MODEL_ERROR_INDEX;
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) {
      y[r * cols + c] = 2.0f * x[r * cols + c] + (float)offset[r];
      sum += y[r * cols + c];
    }
    s[r] = sum;
  }
  int64_t max = __atomic_load_n(&gMaxRows, __ATOMIC_SEQ_CST);
  while (rows > max && !__atomic_compare_exchange_n(&gMaxRows, &max, rows, 0, __ATOMIC_SEQ_CST,
                                                    __ATOMIC_SEQ_CST)) {
  }
  return KILN_MODEL_OK;
}
