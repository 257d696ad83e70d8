/*===- hello_world.c - Load and run a Kiln model with the C API -------------===*
 *
 * Usage: kiln_hello_world MODEL.so
 *
 * Loads a compiled model, creates a session, fills every input with
 * 0, 0.5, 1, ... (dynamic dims set to 2), runs it, prints every float32 output
 * row by row, and releases everything. Every call that can fail returns a
 * kiln_status*; NULL means success.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <stdio.h>

/* Prints and frees a failed status; returns 1 on error, 0 otherwise. */
static int failed(kiln_status *status) {
  if (!status)
    return 0;
  fprintf(stderr, "error: %s\n", kiln_status_message(status));
  kiln_status_free(status);
  return 1;
}

#define MAX_IO 16

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.so\n", argv[0]);
    return 2;
  }
  printf("%s\n", kiln_runtime_version());

  /* 1. Load the model library. */
  kiln_model *model = NULL;
  if (failed(kiln_model_load(argv[1], NULL, &model)))
    return 1;
  size_t num_inputs = kiln_model_num_inputs(model);
  size_t num_outputs = kiln_model_num_outputs(model);
  if (num_inputs > MAX_IO || num_outputs > MAX_IO) {
    kiln_model_release(model);
    return 1;
  }

  /* 2. A session: thread pool + activation arena. Options are optional. */
  kiln_session_options options;
  kiln_session_options_initialize(&options);
  options.num_threads = 2;
  kiln_session *session = NULL;
  int rc = failed(kiln_session_create(model, &options, &session));

  /* 3. One runtime-allocated tensor per input, shaped from the model info. */
  kiln_tensor *inputs[MAX_IO] = {0};
  kiln_tensor *outputs[MAX_IO] = {0}; /* NULL: the runtime creates them */
  for (size_t i = 0; !rc && i < num_inputs; ++i) {
    kiln_tensor_info info;
    rc = failed(kiln_model_input_info(model, i, &info));
    int64_t dims[8];
    for (int32_t d = 0; !rc && d < info.rank && d < 8; ++d)
      dims[d] = info.dims[d] < 0 ? 2 : info.dims[d];
    if (!rc)
      rc = failed(kiln_tensor_create(info.dtype, info.rank, dims, NULL, &inputs[i]));
    if (!rc && info.dtype == 1) {
      float *data = (float *)kiln_tensor_data(inputs[i]);
      for (int64_t e = 0; e < kiln_tensor_num_elements(inputs[i]); ++e)
        data[e] = 0.5f * (float)e;
    }
  }

  /* 4. Run. */
  if (!rc)
    rc = failed(kiln_session_run(session, (const kiln_tensor *const *)inputs, num_inputs, outputs,
                                 num_outputs));

  /* 5. Print float32 outputs, one row per line. */
  for (size_t o = 0; !rc && o < num_outputs; ++o) {
    kiln_tensor_info info;
    rc = failed(kiln_model_output_info(model, o, &info));
    if (rc || kiln_tensor_dtype(outputs[o]) != 1)
      continue;
    const float *y = (const float *)kiln_tensor_data(outputs[o]);
    int32_t rank = kiln_tensor_rank(outputs[o]);
    int64_t cols = rank ? kiln_tensor_dims(outputs[o])[rank - 1] : 1;
    int64_t n = kiln_tensor_num_elements(outputs[o]);
    for (int64_t r = 0; cols && r < n / cols; ++r) {
      printf("%s[%lld] = [", info.name, (long long)r);
      for (int64_t c = 0; c < cols; ++c)
        printf(" %g", (double)y[r * cols + c]);
      printf(" ]\n");
    }
  }

  /* 6. Clean up: tensors, session, model (any order; NULL is fine). */
  for (size_t i = 0; i < MAX_IO; ++i) {
    kiln_tensor_release(inputs[i]);
    kiln_tensor_release(outputs[i]);
  }
  kiln_session_release(session);
  kiln_model_release(model);
  return rc;
}
