/*===- alloc_failure_test.c - Every allocation of a run may fail -----------===*
 *
 * Usage: kiln_alloc_failure_test MODEL.so
 *
 * MODEL.so is tile_softmax.onnxtxt compiled by kilnc: Tile by a run-time repeat
 * count makes an intermediate whose size is no multiple of the batch, so the
 * generated code takes it from the session's allocator during the run.
 *
 * For k = 0, 1, 2, ... the session's allocator refuses its k-th request. Every
 * step must end with OK or RESOURCE_EXHAUSTED (never a crash), and once
 * everything is released no allocation may be left. The loop ends at the first
 * k where the whole run succeeds; the test fails unless at least one refusal
 * happened inside the model's run (the generated code's NULL check), so it
 * cannot pass with allocations that bypass the allocator.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int fail_at; /* index of the request to refuse; -1 = none */
  int requests;
  int live;
} counting_allocator;

static void *counting_alloc(void *ctx, size_t bytes, size_t alignment) {
  counting_allocator *a = (counting_allocator *)ctx;
  if (a->requests++ == a->fail_at)
    return NULL;
  void *p = NULL;
  if (posix_memalign(&p, alignment < sizeof(void *) ? sizeof(void *) : alignment,
                     bytes ? bytes : 1))
    return NULL;
  a->live++;
  return p;
}

static void counting_free(void *ctx, void *ptr) {
  counting_allocator *a = (counting_allocator *)ctx;
  if (ptr)
    a->live--;
  free(ptr);
}

/* 0: OK; 1: RESOURCE_EXHAUSTED (message in `where` if it came from the model); 2: wrong. */
static int judge(kiln_status *status, const char *step, int *in_model) {
  if (!status)
    return 0;
  kiln_status_code_t code = kiln_status_code(status);
  const char *message = kiln_status_message(status);
  int rc = code == KILN_STATUS_RESOURCE_EXHAUSTED ? 1 : 2;
  if (rc == 2)
    fprintf(stderr, "FAIL: %s returned %s: %s\n", step, kiln_status_code_name(code), message);
  else if (strstr(message, "cannot allocate"))
    *in_model = 1;
  kiln_status_free(status);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.so\n", argv[0]);
    return 2;
  }
  int refused_in_model = 0;
  for (int k = 0; k < 1000; ++k) {
    counting_allocator a = {k, 0, 0};
    kiln_allocator allocator = {&a, counting_alloc, counting_free};
    kiln_model *model = NULL;
    kiln_session *session = NULL;
    kiln_tensor *x = NULL, *repeats = NULL, *y = NULL;
    int64_t n = 3, one = 1;
    int rc = judge(kiln_model_load(argv[1], NULL, &model), "kiln_model_load", &refused_in_model);
    kiln_session_options options;
    kiln_session_options_initialize(&options);
    options.allocator = allocator;
    options.num_threads = 1;
    if (!rc)
      rc = judge(kiln_session_create(model, &options, &session), "kiln_session_create",
                 &refused_in_model);
    if (!rc)
      rc = judge(kiln_tensor_create(1, 1, &n, &allocator, &x), "kiln_tensor_create", &refused_in_model);
    if (!rc)
      rc = judge(kiln_tensor_create(7, 1, &one, &allocator, &repeats), "kiln_tensor_create",
                 &refused_in_model);
    if (!rc) {
      float *xs = (float *)kiln_tensor_data(x);
      for (int i = 0; i < n; ++i)
        xs[i] = (float)i;
      *(int64_t *)kiln_tensor_data(repeats) = 4;
      const kiln_tensor *inputs[2] = {x, repeats};
      rc = judge(kiln_session_run(session, inputs, 2, &y, 1), "kiln_session_run", &refused_in_model);
    }
    if (!rc) {
      /* softmax of 0 1 2 0 1 2 ...: the values sum to 1. */
      const float *ys = (const float *)kiln_tensor_data(y);
      double sum = 0;
      for (int64_t i = 0; i < kiln_tensor_num_elements(y); ++i)
        sum += ys[i];
      if (kiln_tensor_num_elements(y) != 12 || sum < 0.999 || sum > 1.001) {
        fprintf(stderr, "FAIL: wrong output (%lld values, sum %g)\n",
                (long long)kiln_tensor_num_elements(y), sum);
        rc = 2;
      }
    }
    kiln_tensor_release(x);
    kiln_tensor_release(repeats);
    kiln_tensor_release(y);
    kiln_session_release(session);
    kiln_model_release(model);
    if (a.live != 0) {
      fprintf(stderr, "FAIL: refusing request %d left %d allocations behind\n", k, a.live);
      return 1;
    }
    if (rc == 2)
      return 1;
    if (rc == 0) {
      if (!refused_in_model) {
        fprintf(stderr, "FAIL: no refusal reached the generated code's allocation check\n");
        return 1;
      }
      printf("every one of %d allocation failures was handled; the run succeeds after\n", k);
      return 0;
    }
  }
  fprintf(stderr, "FAIL: still failing after 1000 refused requests\n");
  return 1;
}
