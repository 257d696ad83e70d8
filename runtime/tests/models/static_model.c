/*===- static_model.c - Test model with static shapes -----------------------===*
 *
 * Input x: float32 [2, 3]. Outputs y = relu(x): float32 [2, 3], and
 * positives: int64 [] (rank 0), the number of elements of x above 0.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/model_abi.h"

#include <stddef.h>
#include <string.h>

static const int64_t kDims[2] = {2, 3};
static const kiln_model_tensor_desc kInputs[1] = {{"x", 1, 2, kDims, NULL, 0}};
static const kiln_model_tensor_desc kOutputs[2] = {{"y", 1, 2, kDims, NULL, 0},
                                                   {"positives", 7, 0, NULL, NULL, 0}};
#ifndef STATIC_MODEL_ABI
#define STATIC_MODEL_ABI KILN_MODEL_ABI_VERSION
#endif
#ifndef STATIC_MODEL_DEVICE
#define STATIC_MODEL_DEVICE KILN_MODEL_DEVICE_HOST
#endif
static const kiln_model_info kInfo = {
    STATIC_MODEL_ABI, 1,         2, kInputs, kOutputs, "static_relu",
    "hand-written",   "generic", 0, 0,       0,        STATIC_MODEL_DEVICE};

const kiln_model_info *kiln_model_get_info(void) { return &kInfo; }

/* Reports `code` with a message in the style of kilnc's run-time checks. */
static int32_t fail(kiln_model_error *error, int32_t code, const char *message) {
  if (error) {
    error->code = code;
    strncpy(error->message, message, sizeof(error->message) - 1);
    error->message[sizeof(error->message) - 1] = 0;
  }
  return code;
}

/* x[0] == -2000 stands for inputs whose shapes a check of the shape function rejects. */
int32_t kiln_model_output_dims(const kiln_model_buffer *inputs, int64_t *const *output_dims,
                               kiln_model_error *error) {
  if (((const float *)inputs[0].data)[0] == -2000.0f)
    return fail(error, KILN_MODEL_ERROR_SHAPE,
                "node '/r/Reshape' (Reshape): cannot reshape 6 elements to 4");
  output_dims[0][0] = 2;
  output_dims[0][1] = 3;
  return KILN_MODEL_OK;
}

#ifndef STATIC_MODEL_NO_RUN
/* x[0] == -1000 is an out-of-range index and x[0] == -3000 a division by zero, as
   generated checks report them; -4000 an error without a message. */
int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *inputs,
                       const kiln_model_buffer *outputs, void *arena, kiln_model_error *error) {
  (void)hooks;
  (void)arena;
  const float *x = (const float *)inputs[0].data;
  if (x[0] == -1000.0f)
    return fail(error, KILN_MODEL_ERROR_INDEX,
                "node '/emb/Gather' (Gather): index 30522 is out of range for axis 0 of size "
                "30522");
  if (x[0] == -4000.0f)
    return KILN_MODEL_ERROR_INTERNAL; /* no message: the runtime makes one */
  if (x[0] == -3000.0f)
    return fail(error, KILN_MODEL_ERROR_ARITHMETIC,
                "node '/d/Div' (Div): integer division by zero");
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
