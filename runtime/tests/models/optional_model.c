/*===- optional_model.c - Test model with an optional input -----------------===*
 *
 * Inputs x: float32 [N] (dim_param "N"), optional; s: float32 [], required.
 * Outputs y: float32 [N], x + s when x is present and empty (N = 0) when it is absent;
 * present: bool [], whether x is present. An absent optional input arrives as a
 * buffer whose data and dims are NULL (model_abi.h, version 4).
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/model_abi.h"

#include <stddef.h>
#include <stdint.h>

static const int64_t kDims[1] = {-1};
static const char *const kParams[1] = {"N"};
static const kiln_model_tensor_desc kInputs[2] = {{"x", 1, 1, kDims, kParams, 0, 1},
                                                  {"s", 1, 0, NULL, NULL, 0}};
static const kiln_model_tensor_desc kOutputs[2] = {{"y", 1, 1, kDims, kParams, 0},
                                                   {"present", 9, 0, NULL, NULL, 0}};
static const kiln_model_info kInfo = {KILN_MODEL_ABI_VERSION,
                                      2,
                                      2,
                                      kInputs,
                                      kOutputs,
                                      "optional",
                                      "hand-written",
                                      "generic",
                                      0,
                                      0,
                                      0,
                                      KILN_MODEL_DEVICE_HOST};

const kiln_model_info *kiln_model_get_info(void) { return &kInfo; }

int32_t kiln_model_output_dims(const kiln_model_buffer *inputs, int64_t *const *output_dims,
                               kiln_model_error *error) {
  (void)error;
  if (!inputs[1].data) /* the runtime never passes a required input absent */
    return KILN_MODEL_ERROR_INTERNAL;
  output_dims[0][0] = inputs[0].data ? inputs[0].dims[0] : 0;
  return KILN_MODEL_OK;
}

int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *inputs,
                       const kiln_model_buffer *outputs, void *arena, kiln_model_error *error) {
  (void)hooks, (void)arena, (void)error;
  const float *x = (const float *)inputs[0].data;
  float s = *(const float *)inputs[1].data;
  float *y = (float *)outputs[0].data;
  if (x && inputs[0].dims == NULL)
    return KILN_MODEL_ERROR_INTERNAL;
  int64_t n = x ? inputs[0].dims[0] : 0;
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] + s;
  *(uint8_t *)outputs[1].data = x != NULL;
  return KILN_MODEL_OK;
}
