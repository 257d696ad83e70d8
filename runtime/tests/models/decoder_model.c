/*===- decoder_model.c - Test decoder with a KV cache for the generator ------===*
 *
 * A toy "transformer step" with the signature of a decoder exported with past, whose
 * arithmetic is exact (small integers in float32), so a test can demand bit-equal results
 * from a batched, padded run and a run alone:
 *   inputs  input_ids int64 [B, S], attention_mask int64 [B, P + S], position_ids int64
 *           [B, S], past_key_values.0.key float32 [B, 2, P, 3] (past on axis 2),
 *           cache_b float32 [B, P, 2] (past on axis 1);
 *   outputs logits float32 [B, S, 32], present.0.key [B, 2, P + S, 3], cache_b_out
 *           [B, P + S, 2].
 * Position t = P + j (query j) appends key[h][d] = (id * (h + 1) * (d + 2) + pos * (d + 1))
 * % 101 and b[e] = (3 id + 7 pos + e) % 53. Query j attends to every t' <= t whose mask is
 * not 0: with n of them and sum = key[0][t'][0] + 2 key[1][t'][2] + b[t'][1] over them,
 * v = sum + 13 n + 5 id, and logits[c] = -((v - c) mod 32): argmax is v mod 32. Padding
 * that leaked into attention (n), a wrong position id or a wrong slice of the cache would
 * change the token. An id outside [0, 32) or a position >= 64 fails the run with
 * KILN_MODEL_ERROR_INDEX, as GPT-2's embedding Gathers do.
 *
 *===----------------------------------------------------------------------===*/

#include "kiln/model_abi.h"

#include <stdio.h>
#include <string.h>

enum { kVocab = 32, kHeads = 2, kDim = 3, kB = 2, kPositions = 64 };

static const int64_t kIdsDims[2] = {-1, -1};
static const char *const kIdsParams[2] = {"batch", "seq"};
static const char *const kMaskParams[2] = {"batch", "total"};
static const int64_t kKeyDims[4] = {-1, kHeads, -1, kDim};
static const char *const kPastKeyParams[4] = {"batch", "", "past", ""};
static const char *const kPresentKeyParams[4] = {"batch", "", "total", ""};
static const int64_t kBDims[3] = {-1, -1, kB};
static const char *const kPastBParams[3] = {"batch", "past", ""};
static const char *const kPresentBParams[3] = {"batch", "total", ""};
static const int64_t kLogitsDims[3] = {-1, -1, kVocab};
static const char *const kLogitsParams[3] = {"batch", "seq", ""};

static const kiln_model_tensor_desc kInputs[5] = {
    {"input_ids", 7, 2, kIdsDims, kIdsParams, 0, 0},
    {"attention_mask", 7, 2, kIdsDims, kMaskParams, 0, 0},
    {"position_ids", 7, 2, kIdsDims, kIdsParams, 0, 0},
    {"past_key_values.0.key", 1, 4, kKeyDims, kPastKeyParams, 0, 0},
    {"cache_b", 1, 3, kBDims, kPastBParams, 0, 0}};
static const kiln_model_tensor_desc kOutputs[3] = {
    {"logits", 1, 3, kLogitsDims, kLogitsParams, 0, 0},
    {"present.0.key", 1, 4, kKeyDims, kPresentKeyParams, 0, 0},
    {"cache_b_out", 1, 3, kBDims, kPresentBParams, 0, 0}};
static const kiln_model_info kInfo = {
    KILN_MODEL_ABI_VERSION, 5,         3, kInputs, kOutputs, "decoder",
    "hand-written",         "generic", 0, 0,       0,        KILN_MODEL_DEVICE_HOST};

const kiln_model_info *kiln_model_get_info(void) { return &kInfo; }

int32_t kiln_model_output_dims(const kiln_model_buffer *in, int64_t *const *out,
                               kiln_model_error *error) {
  const int64_t *ids = in[0].dims, *mask = in[1].dims, *pos = in[2].dims, *key = in[3].dims,
                *b = in[4].dims;
  int64_t batch = ids[0], seq = ids[1], past = key[2];
  if (mask[0] != batch || pos[0] != batch || key[0] != batch || b[0] != batch || pos[1] != seq ||
      b[1] != past || mask[1] != past + seq) {
    if (error) {
      error->code = KILN_MODEL_ERROR_SHAPE;
      snprintf(error->message, sizeof(error->message), "decoder: inconsistent input dims");
    }
    return KILN_MODEL_ERROR_SHAPE;
  }
  out[0][0] = batch, out[0][1] = seq, out[0][2] = kVocab;
  out[1][0] = batch, out[1][1] = kHeads, out[1][2] = past + seq, out[1][3] = kDim;
  out[2][0] = batch, out[2][1] = past + seq, out[2][2] = kB;
  return KILN_MODEL_OK;
}

static int32_t fail(kiln_model_error *error, const char *what, long long value) {
  if (error) {
    error->code = KILN_MODEL_ERROR_INDEX;
    snprintf(error->message, sizeof(error->message),
             "node 'decoder' (Gather): %s %lld is out of range", what, value);
  }
  return KILN_MODEL_ERROR_INDEX;
}

int32_t kiln_model_run(const kiln_host_hooks *hooks, const kiln_model_buffer *in,
                       const kiln_model_buffer *out, void *arena, kiln_model_error *error) {
  (void)hooks;
  (void)arena;
  const int64_t batch = in[0].dims[0], seq = in[0].dims[1], past = in[3].dims[2];
  const int64_t total = past + seq;
  const int64_t *ids = (const int64_t *)in[0].data, *mask = (const int64_t *)in[1].data,
                *pos = (const int64_t *)in[2].data;
  const float *pastKey = (const float *)in[3].data, *pastB = (const float *)in[4].data;
  float *logits = (float *)out[0].data, *key = (float *)out[1].data, *b = (float *)out[2].data;
  for (int64_t i = 0; i < batch * seq; ++i) {
    if (ids[i] < 0 || ids[i] >= kVocab)
      return fail(error, "token id", (long long)ids[i]);
    if (pos[i] < 0 || pos[i] >= kPositions)
      return fail(error, "position", (long long)pos[i]);
  }
  for (int64_t r = 0; r < batch; ++r) {
    /* present = past ++ new, per head (key) and per row (b) */
    for (int64_t h = 0; h < kHeads; ++h) {
      float *dst = key + ((r * kHeads + h) * total) * kDim;
      if (past)
        memcpy(dst, pastKey + ((r * kHeads + h) * past) * kDim, sizeof(float) * past * kDim);
      for (int64_t j = 0; j < seq; ++j)
        for (int64_t d = 0; d < kDim; ++d) {
          int64_t id = ids[r * seq + j], p = pos[r * seq + j];
          dst[(past + j) * kDim + d] = (float)((id * (h + 1) * (d + 2) + p * (d + 1)) % 101);
        }
    }
    if (past)
      memcpy(b + r * total * kB, pastB + r * past * kB, sizeof(float) * past * kB);
    for (int64_t j = 0; j < seq; ++j)
      for (int64_t e = 0; e < kB; ++e) {
        int64_t id = ids[r * seq + j], p = pos[r * seq + j];
        b[(r * total + past + j) * kB + e] = (float)((3 * id + 7 * p + e) % 53);
      }
    for (int64_t j = 0; j < seq; ++j) {
      int64_t sum = 0, n = 0;
      for (int64_t t = 0; t <= past + j; ++t) {
        if (mask[r * total + t] == 0)
          continue;
        const float *k0 = key + ((r * kHeads + 0) * total + t) * kDim;
        const float *k1 = key + ((r * kHeads + 1) * total + t) * kDim;
        sum += (int64_t)k0[0] + 2 * (int64_t)k1[2] + (int64_t)b[(r * total + t) * kB + 1];
        ++n;
      }
      int64_t v = sum + 13 * n + 5 * ids[r * seq + j];
      for (int64_t c = 0; c < kVocab; ++c)
        logits[(r * seq + j) * kVocab + c] = -(float)((((v - c) % kVocab) + kVocab) % kVocab);
    }
  }
  return KILN_MODEL_OK;
}
