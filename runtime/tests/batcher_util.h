//===- batcher_util.h - Requests for the batcher tests ----------*- C++ -*-===//
//
// Part of Kiln. Requests to the batch model (models/batch_model.c) whose answers are
// exact and unique to each request, so every caller can check it got its own.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_TESTS_BATCHER_UTIL_H
#define KILN_RUNTIME_TESTS_BATCHER_UTIL_H

#include "test_util.h"

#include <atomic>
#include <string>

namespace kiln::test {

struct BatcherDeleter {
  void operator()(kiln_batcher *b) const { kiln_batcher_release(b); }
};
using BatcherPtr = std::unique_ptr<kiln_batcher, BatcherDeleter>;

inline BatcherPtr createBatcher(kiln_session *session, int64_t maxBatch, int64_t timeoutUs,
                                int64_t capacity = 1024, int32_t workers = 1) {
  kiln_batcher_options options;
  kiln_batcher_options_initialize(&options);
  options.max_batch = maxBatch;
  options.timeout_us = timeoutUs;
  options.queue_capacity = capacity;
  options.num_workers = workers;
  kiln_batcher *b = nullptr;
  EXPECT_EQ(describe(kiln_batcher_create(session, &options, &b)), "OK");
  return BatcherPtr(b);
}

inline kiln_batcher_stats batcherStats(const kiln_batcher *b) {
  kiln_batcher_stats stats{};
  stats.struct_size = sizeof(stats);
  EXPECT_EQ(describe(kiln_batcher_get_stats(b, &stats)), "OK");
  return stats;
}

/// One request to the batch model: x [rows, cols] and offset [rows], distinct per id.
struct BatchRequest {
  int64_t id = 0, rows = 1, cols = 4;
  TensorPtr x, offset;

  BatchRequest(int64_t id, int64_t rows, int64_t cols, float bad = 0)
      : id(id), rows(rows), cols(cols) {
    kiln_tensor *t = nullptr;
    int64_t xd[2] = {rows, cols};
    EXPECT_EQ(describe(kiln_tensor_create(1, 2, xd, nullptr, &t)), "OK");
    x.reset(t);
    EXPECT_EQ(describe(kiln_tensor_create(7, 1, &rows, nullptr, &t)), "OK");
    offset.reset(t);
    auto *xv = static_cast<float *>(kiln_tensor_data(x.get()));
    auto *ov = static_cast<int64_t *>(kiln_tensor_data(offset.get()));
    for (int64_t r = 0; r < rows; ++r) {
      ov[r] = id * 10 + r;
      for (int64_t c = 0; c < cols; ++c)
        xv[r * cols + c] = static_cast<float>((id % 1000) * 8 + r * cols + c);
    }
    if (bad != 0)
      xv[0] = bad;
  }
  const kiln_tensor *const *inputs() const {
    ptrs[0] = x.get();
    ptrs[1] = offset.get();
    return ptrs;
  }
  /// "" when y and s are this request's answer, else what is wrong.
  std::string check(kiln_tensor *const *outputs) const {
    const kiln_tensor *y = outputs[0], *s = outputs[1];
    if (!y || !s)
      return "missing output";
    if (kiln_tensor_rank(y) != 2 || kiln_tensor_dims(y)[0] != rows ||
        kiln_tensor_dims(y)[1] != cols || kiln_tensor_rank(s) != 1 ||
        kiln_tensor_dims(s)[0] != rows)
      return "wrong dims";
    auto *xv = static_cast<const float *>(kiln_tensor_data(x.get()));
    auto *yv = static_cast<const float *>(kiln_tensor_data(y));
    auto *sv = static_cast<const double *>(kiln_tensor_data(s));
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t c = 0; c < cols; ++c) {
        float want = 2 * xv[r * cols + c] + static_cast<float>(id * 10 + r);
        if (yv[r * cols + c] != want)
          return "request " + std::to_string(id) + ": y[" + std::to_string(r) + "," +
                 std::to_string(c) + "] = " + std::to_string(yv[r * cols + c]) + ", want " +
                 std::to_string(want);
        sum += want;
      }
      if (sv[r] != sum)
        return "request " + std::to_string(id) + ": wrong s";
    }
    return "";
  }

private:
  mutable const kiln_tensor *ptrs[2] = {nullptr, nullptr};
};

/// What an async request's callback saw; the callback fills it once.
struct Outcome {
  const BatchRequest *request = nullptr;
  std::atomic<int> calls{0};
  kiln_status_code_t code = KILN_STATUS_OK;
  std::string message, problem;

  static void callback(void *self, kiln_status *status, kiln_tensor **outputs, size_t n) {
    auto *o = static_cast<Outcome *>(self);
    o->code = kiln_status_code(status);
    o->message = kiln_status_message(status);
    kiln_status_free(status);
    if (!o->code)
      o->problem = n == 2 ? o->request->check(outputs) : "wrong output count";
    else
      for (size_t i = 0; i < n; ++i)
        if (outputs[i])
          o->problem = "an output on error";
    for (size_t i = 0; i < n; ++i)
      kiln_tensor_release(outputs[i]);
    o->calls.fetch_add(1, std::memory_order_release);
  }
};

} // namespace kiln::test

#endif // KILN_RUNTIME_TESTS_BATCHER_UTIL_H
