/*===- sequence_model.c - Test model: a sequence in, a sequence out ---------===*
 *
 * Input xs: a sequence of float32 tensors of rank 2 (two buffers: packed data and an
 * int64 [n, 2] shape table, model_abi.h). Output ys: the sequence of 2 * x for each x,
 * in reverse order.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/model_abi.h"

#include <stddef.h>
#include <stdint.h>

static const int64_t kDataDims[1] = {-1};
static const int64_t kShapeDims[2] = {-1, 2};
static const kiln_model_tensor_desc kInputs[2] = {
    {"xs", 1, 1, kDataDims, NULL, KILN_MODEL_VALUE_SEQUENCE_DATA},
    {"xs", 7, 2, kShapeDims, NULL, KILN_MODEL_VALUE_SEQUENCE_SHAPES}};
static const kiln_model_tensor_desc kOutputs[2] = {
    {"ys", 1, 1, kDataDims, NULL, KILN_MODEL_VALUE_SEQUENCE_DATA},
    {"ys", 7, 2, kShapeDims, NULL, KILN_MODEL_VALUE_SEQUENCE_SHAPES}};
static const kiln_model_info kInfo = {KILN_MODEL_ABI_VERSION, 2, 2, kInputs, kOutputs,
                                      "sequence", "hand-written", "generic", 0, 0, 0,
                                      KILN_MODEL_DEVICE_HOST};

const kiln_model_info *kiln_model_get_info(void) { return &kInfo; }

int32_t kiln_model_output_dims(const kiln_model_buffer *inputs, int64_t *const *output_dims,
                               kiln_model_error *error) {
  (void)error;
  output_dims[0][0] = inputs[0].dims[0];
  output_dims[1][0] = inputs[1].dims[0];
  output_dims[1][1] = 2;
  return KILN_MODEL_OK;
}

int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *inputs,
                       const kiln_model_buffer *outputs, void *arena, kiln_model_error *error) {
  (void)hooks, (void)arena, (void)error;
  const float *x = (const float *)inputs[0].data;
  const int64_t *shapes = (const int64_t *)inputs[1].data;
  float *y = (float *)outputs[0].data;
  int64_t *outShapes = (int64_t *)outputs[1].data;
  int64_t n = inputs[1].dims[0], total = inputs[0].dims[0];
  /* Element k of the output is element n-1-k of the input. */
  int64_t end = total, at = 0;
  for (int64_t k = n - 1; k >= 0; --k) {
    int64_t size = shapes[2 * k] * shapes[2 * k + 1];
    for (int64_t i = 0; i < size; ++i)
      y[at + i] = 2 * x[end - size + i];
    at += size;
    end -= size;
    outShapes[2 * (n - 1 - k)] = shapes[2 * k];
    outShapes[2 * (n - 1 - k) + 1] = shapes[2 * k + 1];
  }
  return KILN_MODEL_OK;
}
