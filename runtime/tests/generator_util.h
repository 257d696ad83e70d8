//===- generator_util.h - Helpers for the generator tests -------*- C++ -*-===//
//
// Part of Kiln. The toy decoder (models/decoder_model.c) and a reference: greedy
// generation of one request alone, by plain kiln_session_run calls at batch 1 without
// padding (the present outputs fed back as the next past), which a request through the
// generator must match exactly (the toy's arithmetic is exact).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_TESTS_GENERATOR_UTIL_H
#define KILN_RUNTIME_TESTS_GENERATOR_UTIL_H

#include "kiln/generator.h"
#include "test_util.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace kiln::test {

struct GeneratorDeleter {
  void operator()(kiln_generator *g) const { kiln_generator_release(g); }
};
using GeneratorPtr = std::unique_ptr<kiln_generator, GeneratorDeleter>;

/// The toy decoder's description: past_key_values.0.key (axis 2), cache_b (axis 1).
inline kiln_decoder_desc toyDesc() {
  static const kiln_decoder_cache caches[2] = {{"past_key_values.0.key", "present.0.key", 2},
                                               {"cache_b", "cache_b_out", 1}};
  kiln_decoder_desc d;
  kiln_decoder_desc_initialize(&d);
  d.caches = caches;
  d.num_caches = 2;
  return d;
}

inline GeneratorPtr createGenerator(kiln_session *session, int32_t maxActive,
                                    int64_t capacity = 1024) {
  kiln_decoder_desc d = toyDesc();
  kiln_generator_options o;
  kiln_generator_options_initialize(&o);
  o.max_active = maxActive;
  o.queue_capacity = capacity;
  kiln_generator *g = nullptr;
  EXPECT_EQ(describe(kiln_generator_create(session, &d, &o, &g)), "OK");
  return GeneratorPtr(g);
}

inline kiln_generator_stats generatorStats(const kiln_generator *g) {
  kiln_generator_stats s{};
  s.struct_size = sizeof(s);
  EXPECT_EQ(describe(kiln_generator_get_stats(g, &s)), "OK");
  return s;
}

/// What one request produced: its tokens, the logits of each, and how it ended.
struct Generation {
  std::vector<int64_t> tokens;
  std::vector<std::vector<float>> logits;
  kiln_status_code_t code = KILN_STATUS_OK;
  std::string message;
};

/// Greedy generation of one request alone on the toy decoder (the reference).
inline Generation generateAlone(kiln_session *session, const std::vector<int64_t> &prompt,
                                int32_t maxNew, int64_t stop = -1) {
  Generation out;
  const int64_t kHeads = 2, kDim = 3, kB = 2;
  int64_t length = 0;
  TensorPtr pastKey, pastB;
  {
    kiln_tensor *t = nullptr;
    int64_t kd[4] = {1, kHeads, 0, kDim}, bd[3] = {1, 0, kB};
    EXPECT_EQ(describe(kiln_tensor_create(1, 4, kd, nullptr, &t)), "OK");
    pastKey.reset(t);
    EXPECT_EQ(describe(kiln_tensor_create(1, 3, bd, nullptr, &t)), "OK");
    pastB.reset(t);
  }
  std::vector<int64_t> feed = prompt;
  while (out.tokens.size() < static_cast<size_t>(maxNew)) {
    const int64_t seq = static_cast<int64_t>(feed.size());
    std::vector<int64_t> mask(static_cast<size_t>(length + seq), 1), pos;
    for (int64_t j = 0; j < seq; ++j)
      pos.push_back(length + j);
    int64_t idDims[2] = {1, seq}, maskDims[2] = {1, length + seq};
    kiln_tensor *ids = nullptr, *m = nullptr, *p = nullptr;
    EXPECT_EQ(describe(kiln_tensor_wrap(7, 2, idDims, feed.data(), feed.size() * 8, &ids)), "OK");
    EXPECT_EQ(describe(kiln_tensor_wrap(7, 2, maskDims, mask.data(), mask.size() * 8, &m)), "OK");
    EXPECT_EQ(describe(kiln_tensor_wrap(7, 2, idDims, pos.data(), pos.size() * 8, &p)), "OK");
    TensorPtr hold[3] = {TensorPtr(ids), TensorPtr(m), TensorPtr(p)};
    const kiln_tensor *ins[5] = {ids, m, p, pastKey.get(), pastB.get()};
    kiln_tensor *outs[3] = {nullptr, nullptr, nullptr};
    kiln_status *st = kiln_session_run(session, ins, 5, outs, 3);
    if (st) {
      out.code = kiln_status_code(st);
      out.message = kiln_status_message(st);
      kiln_status_free(st);
      return out;
    }
    TensorPtr logits(outs[0]);
    pastKey.reset(outs[1]);
    pastB.reset(outs[2]);
    const int64_t vocab = kiln_tensor_dims(logits.get())[2];
    const float *last =
        static_cast<const float *>(kiln_tensor_data(logits.get())) + (seq - 1) * vocab;
    int64_t best = 0;
    for (int64_t c = 1; c < vocab; ++c)
      if (last[c] > last[best])
        best = c;
    out.tokens.push_back(best);
    out.logits.emplace_back(last, last + vocab);
    length += seq;
    feed = {best};
    if (best == stop)
      break;
  }
  return out;
}

/// Callbacks that record a request's tokens and logits; wait() until `done` ran.
struct Recorder {
  Generation got;
  std::atomic<int> doneCalls{0};
  std::vector<int64_t> doneTokens;
  /// When set, token() blocks until release() (to hold the scheduler in a step).
  bool gate = false;
  std::mutex mutex;
  std::condition_variable cv;
  bool released = false, finished = false;
  int tokenCalls = 0;

  kiln_generate_callbacks callbacks() { return {this, &Recorder::token, &Recorder::done}; }

  static void token(void *self, int64_t token, const float *logits, int64_t vocab) {
    auto *r = static_cast<Recorder *>(self);
    std::unique_lock<std::mutex> lock(r->mutex);
    r->got.tokens.push_back(token);
    r->got.logits.emplace_back(logits, logits + vocab);
    ++r->tokenCalls;
    r->cv.notify_all();
    if (r->gate)
      r->cv.wait(lock, [&] { return r->released; });
  }
  static void done(void *self, kiln_status *status, const int64_t *tokens, size_t n) {
    auto *r = static_cast<Recorder *>(self);
    std::lock_guard<std::mutex> lock(r->mutex);
    r->got.code = kiln_status_code(status);
    r->got.message = kiln_status_message(status);
    kiln_status_free(status);
    r->doneTokens.assign(tokens, tokens + n);
    r->doneCalls.fetch_add(1);
    r->finished = true;
    r->cv.notify_all();
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    released = true;
    cv.notify_all();
  }
  void waitTokens(int n) {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return tokenCalls >= n; });
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return finished; });
  }
};

inline kiln_status *submit(kiln_generator *g, const std::vector<int64_t> &prompt, int32_t maxNew,
                           Recorder &rec, uint64_t *ticket = nullptr, int64_t stop = -1) {
  kiln_generate_request r;
  kiln_generate_request_initialize(&r);
  r.prompt = prompt.data();
  r.prompt_length = prompt.size();
  r.max_new_tokens = maxNew;
  r.stop_token = stop;
  kiln_generate_callbacks cb = rec.callbacks();
  return kiln_generator_submit(g, &r, &cb, ticket);
}

/// "" when `got` equals `want` exactly (tokens and logits), else the first difference.
inline std::string compareGenerations(const Generation &got, const Generation &want) {
  if (got.tokens != want.tokens) {
    std::string s = "tokens differ: got";
    for (int64_t t : got.tokens)
      s += " " + std::to_string(t);
    s += ", want";
    for (int64_t t : want.tokens)
      s += " " + std::to_string(t);
    return s;
  }
  for (size_t i = 0; i < got.logits.size(); ++i)
    if (got.logits[i] != want.logits[i])
      return "logits of token " + std::to_string(i) + " differ";
  return "";
}

} // namespace kiln::test

#endif // KILN_RUNTIME_TESTS_GENERATOR_UTIL_H
