/*===- static_model.c - Test model with static shapes -----------------------===*
 *
 * Input x: float32 [2, 3]. Outputs y = relu(x): float32 [2, 3], and
 * positives: int64 [] (rank 0), the number of elements of x above 0.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/model_abi.h"

#include <stddef.h>

static const int64_t kDims[2] = {2, 3};
static const kiln_model_tensor_desc kInputs[1] = {{"x", 1, 2, kDims, NULL}};
static const kiln_model_tensor_desc kOutputs[2] = {{"y", 1, 2, kDims, NULL},
                                                   {"positives", 7, 0, NULL, NULL}};
#ifndef STATIC_MODEL_ABI
#define STATIC_MODEL_ABI KILN_MODEL_ABI_VERSION
#endif
static const kiln_model_info kInfo = {
    STATIC_MODEL_ABI, 1, 2, kInputs, kOutputs, "static_relu", "hand-written", "generic", 0, 0, 0};

const kiln_model_info *kiln_model_get_info(void) { return &kInfo; }

int32_t kiln_model_output_dims(const kiln_model_buffer *inputs, int64_t *const *output_dims) {
  output_dims[0][0] = 2;
  output_dims[0][1] = 3;
  (void)inputs;
  return KILN_MODEL_OK;
}

#ifndef STATIC_MODEL_NO_RUN
int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *inputs,
                       const kiln_model_buffer *outputs, void *arena) {
  (void)hooks;
  (void)arena;
  const float *x = (const float *)inputs[0].data;
  float *y = (float *)outputs[0].data;
  int64_t *positives = (int64_t *)outputs[1].data;
  *positives = 0;
  for (int i = 0; i < 6; ++i) {
    y[i] = x[i] > 0 ? x[i] : 0;
    *positives += x[i] > 0;
  }
  return KILN_MODEL_OK;
}
#endif
