//===- batcher_test.cpp - kiln_batcher: semantics ---------------*- C++ -*-===//
//
// Part of Kiln. Which models a batcher takes, what submit refuses, how requests are
// grouped, back-pressure, cancellation and close, and errors in a batch. The queued
// cases use a one-hour timeout: nothing runs until a batch is full or the batcher is
// closed, so the grouping is deterministic.
//
//===----------------------------------------------------------------------===//

#include "batcher_util.h"

#include <chrono>
#include <deque>
#include <thread>

using namespace kiln::test;

namespace {
constexpr int64_t kHour = int64_t(3600) * 1000 * 1000;

/// Waits (at most 20 s) until every outcome has had its callback.
bool waitAll(const std::deque<Outcome> &outcomes) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (const Outcome &o : outcomes)
    while (o.calls.load(std::memory_order_acquire) == 0) {
      if (std::chrono::steady_clock::now() > until)
        return false;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  return true;
}

struct Fixture {
  ModelPtr model = loadModel(KILN_TEST_BATCH_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  std::deque<BatchRequest> requests;
  std::deque<Outcome> outcomes;

  /// Submits request `id` (rows x cols) and records its outcome; returns submit's status.
  kiln_status *submit(kiln_batcher *b, int64_t id, int64_t rows = 1, int64_t cols = 4,
                      float bad = 0, uint64_t *ticket = nullptr) {
    requests.emplace_back(id, rows, cols, bad);
    outcomes.emplace_back();
    outcomes.back().request = &requests.back();
    kiln_status *st = kiln_batcher_submit(b, requests.back().inputs(), 2, Outcome::callback,
                                          &outcomes.back(), ticket);
    if (st) {
      outcomes.pop_back();
      requests.pop_back();
    }
    return st;
  }
};
} // namespace

TEST(Batcher, RefusesModelsWithoutABatchDimension) {
  ModelPtr stat = loadModel(KILN_TEST_STATIC_MODEL);
  SessionPtr session = createSession(stat.get(), 1);
  kiln_batcher *b = nullptr;
  expectError(kiln_batcher_create(session.get(), nullptr, &b), KILN_STATUS_INVALID_ARGUMENT,
              "input 'x' has dims [2,3], whose dim 0 is not dynamic");
  EXPECT_EQ(b, nullptr);
  ModelPtr optional = loadModel(KILN_TEST_OPTIONAL_MODEL);
  SessionPtr s2 = createSession(optional.get(), 1);
  expectError(kiln_batcher_create(s2.get(), nullptr, &b), KILN_STATUS_INVALID_ARGUMENT,
              "input 's' has dims [], whose dim 0 is not dynamic");
  ModelPtr seq = loadModel(KILN_TEST_SEQUENCE_MODEL);
  SessionPtr s3 = createSession(seq.get(), 1);
  expectError(kiln_batcher_create(s3.get(), nullptr, &b), KILN_STATUS_INVALID_ARGUMENT,
              "is a sequence");

  ModelPtr add = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr s4 = createSession(add.get(), 1);
  kiln_batcher_options options;
  kiln_batcher_options_initialize(&options);
  options.max_batch = 0;
  expectError(kiln_batcher_create(s4.get(), &options, &b), KILN_STATUS_INVALID_ARGUMENT,
              "max_batch must be >= 1");
  kiln_batcher_options_initialize(&options);
  options.queue_capacity = 0;
  expectError(kiln_batcher_create(s4.get(), &options, &b), KILN_STATUS_INVALID_ARGUMENT,
              "queue_capacity");
  kiln_batcher_options_initialize(&options);
  options.timeout_us = -1;
  expectError(kiln_batcher_create(s4.get(), &options, &b), KILN_STATUS_INVALID_ARGUMENT,
              "timeout_us");
  KILN_ASSERT_OK(kiln_batcher_create(s4.get(), nullptr, &b));
  kiln_batcher_release(b);
}

TEST(Batcher, RunReturnsTheCallersOwnRows) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 8, 100);
  for (int64_t rows : {1, 3}) {
    BatchRequest req(7 + rows, rows, 5);
    kiln_tensor *outs[2] = {nullptr, nullptr};
    KILN_ASSERT_OK(kiln_batcher_run(b.get(), req.inputs(), 2, outs, 2));
    EXPECT_EQ(req.check(outs), "");
    kiln_tensor_release(outs[0]);
    kiln_tensor_release(outs[1]);
  }
  kiln_tensor *given[2] = {nullptr, nullptr};
  BatchRequest req(1, 1, 4);
  kiln_tensor *y = nullptr;
  int64_t dims[2] = {1, 4};
  KILN_ASSERT_OK(kiln_tensor_create(1, 2, dims, nullptr, &y));
  given[0] = y;
  expectError(kiln_batcher_run(b.get(), req.inputs(), 2, given, 2), KILN_STATUS_INVALID_ARGUMENT,
              "outputs[0] must be NULL");
  kiln_tensor_release(y);
}

// A request that fails a check is refused by submit and never reaches a batch.
TEST(Batcher, SubmitRefusesBadRequests) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 4, kHour);
  BatchRequest good(1, 1, 4);
  kiln_tensor *wrong = nullptr;
  int64_t dims[2] = {1, 4};
  KILN_ASSERT_OK(kiln_tensor_create(6, 2, dims, nullptr, &wrong)); // int32, not float32
  TensorPtr wrongPtr(wrong);
  const kiln_tensor *bad[2] = {wrong, good.offset.get()};
  expectError(kiln_batcher_submit(b.get(), bad, 2, Outcome::callback, nullptr, nullptr),
              KILN_STATUS_INVALID_ARGUMENT, "expected dtype float32, got int32");
  BatchRequest two(2, 2, 4);
  const kiln_tensor *mixed[2] = {good.x.get(), two.offset.get()};
  expectError(kiln_batcher_submit(b.get(), mixed, 2, Outcome::callback, nullptr, nullptr),
              KILN_STATUS_INVALID_ARGUMENT, "('N')");
  BatchRequest big(3, 5, 4);
  expectError(kiln_batcher_submit(b.get(), big.inputs(), 2, Outcome::callback, nullptr, nullptr),
              KILN_STATUS_INVALID_ARGUMENT, "more than max_batch 4");
  BatchRequest empty(4, 0, 4);
  expectError(kiln_batcher_submit(b.get(), empty.inputs(), 2, Outcome::callback, nullptr, nullptr),
              KILN_STATUS_INVALID_ARGUMENT, "at least 1, got 0");
  expectError(kiln_batcher_submit(b.get(), good.inputs(), 1, Outcome::callback, nullptr, nullptr),
              KILN_STATUS_INVALID_ARGUMENT, "expects 2 inputs, got 1");
  expectError(kiln_batcher_submit(b.get(), good.inputs(), 2, nullptr, nullptr, nullptr),
              KILN_STATUS_INVALID_ARGUMENT, "callback is NULL");
  EXPECT_EQ(batcherStats(b.get()).requests, 0u);
}

// Requests group only with requests whose other dims agree; the oldest opens each batch.
TEST(Batcher, GroupsRequestsWhoseOtherDimsAgree) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 64, kHour);
  for (int64_t id = 0; id < 12; ++id)
    KILN_ASSERT_OK(f.submit(b.get(), id, 1 + id % 2, id % 3 == 0 ? 3 : 5));
  EXPECT_EQ(batcherStats(b.get()).queued, 12u);
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_DRAIN); // runs the queue without waiting
  ASSERT_TRUE(waitAll(f.outcomes));
  for (const Outcome &o : f.outcomes) {
    EXPECT_EQ(o.calls.load(), 1);
    EXPECT_EQ(o.code, KILN_STATUS_OK) << o.message;
    EXPECT_EQ(o.problem, "");
  }
  kiln_batcher_stats stats = batcherStats(b.get());
  EXPECT_EQ(stats.batches, 2u); // cols 3 (ids 0, 3, 6, 9) and cols 5 (the other 8)
  EXPECT_EQ(stats.batched_rows, 18u);
  EXPECT_EQ(stats.largest_batch, 12u);
  EXPECT_EQ(stats.completed, 12u);
  EXPECT_EQ(stats.queued, 0u);
}

// A full batch runs at once, without waiting for the timeout.
TEST(Batcher, AFullBatchDoesNotWaitForTheTimeout) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 4, kHour);
  for (int64_t id = 0; id < 3; ++id)
    KILN_ASSERT_OK(f.submit(b.get(), id));
  KILN_ASSERT_OK(f.submit(b.get(), 3, 1, 5)); // another shape: not in the batch
  KILN_ASSERT_OK(f.submit(b.get(), 4));       // the fourth row: the batch is full
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (f.outcomes[4].calls.load(std::memory_order_acquire) == 0 &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  for (int k : {0, 1, 2, 4}) {
    ASSERT_EQ(f.outcomes[k].calls.load(std::memory_order_acquire), 1) << k;
    EXPECT_EQ(f.outcomes[k].problem, "");
  }
  EXPECT_EQ(f.outcomes[3].calls.load(), 0); // still waiting for company
  EXPECT_EQ(batcherStats(b.get()).largest_batch, 4u);
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_DRAIN);
  EXPECT_EQ(f.outcomes[3].calls.load(), 1);
  EXPECT_EQ(f.outcomes[3].problem, "");
}

// The timeout counts from the oldest request: a lone request runs after it.
TEST(Batcher, ALoneRequestRunsAfterTheTimeout) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 64, 2000);
  auto start = std::chrono::steady_clock::now();
  BatchRequest req(5, 1, 4);
  kiln_tensor *outs[2] = {nullptr, nullptr};
  KILN_ASSERT_OK(kiln_batcher_run(b.get(), req.inputs(), 2, outs, 2));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::microseconds(2000));
  EXPECT_EQ(req.check(outs), "");
  kiln_tensor_release(outs[0]);
  kiln_tensor_release(outs[1]);
}

// A full queue refuses the submit (back-pressure); nothing queued is lost.
TEST(Batcher, AFullQueueRefusesSubmits) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 64, kHour, /*capacity=*/4);
  for (int64_t id = 0; id < 4; ++id)
    KILN_ASSERT_OK(f.submit(b.get(), id));
  expectError(f.submit(b.get(), 4), KILN_STATUS_RESOURCE_EXHAUSTED, "the queue is full (4");
  kiln_batcher_stats stats = batcherStats(b.get());
  EXPECT_EQ(stats.rejected, 1u);
  EXPECT_EQ(stats.queued, 4u);
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_DRAIN);
  for (const Outcome &o : f.outcomes) {
    EXPECT_EQ(o.calls.load(), 1);
    EXPECT_EQ(o.problem, "");
  }
  EXPECT_EQ(batcherStats(b.get()).completed, 4u);
}

TEST(Batcher, CancelTakesAQueuedRequestOut) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 64, kHour);
  uint64_t tickets[3];
  for (int64_t id = 0; id < 3; ++id)
    KILN_ASSERT_OK(f.submit(b.get(), id, 1, 4, 0, &tickets[id]));
  KILN_ASSERT_OK(kiln_batcher_cancel(b.get(), tickets[1]));
  EXPECT_EQ(f.outcomes[1].calls.load(), 1); // called before cancel returned
  EXPECT_EQ(f.outcomes[1].code, KILN_STATUS_CANCELLED);
  expectError(kiln_batcher_cancel(b.get(), tickets[1]), KILN_STATUS_NOT_FOUND, "not queued");
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_DRAIN);
  for (int k : {0, 2}) {
    EXPECT_EQ(f.outcomes[k].calls.load(), 1);
    EXPECT_EQ(f.outcomes[k].code, KILN_STATUS_OK);
    EXPECT_EQ(f.outcomes[k].problem, "");
  }
  expectError(kiln_batcher_cancel(b.get(), tickets[0]), KILN_STATUS_NOT_FOUND, "not queued");
  kiln_batcher_stats stats = batcherStats(b.get());
  EXPECT_EQ(stats.cancelled, 1u);
  EXPECT_EQ(stats.completed, 2u);
}

// close(CANCEL) completes the queued requests with CANCELLED; later submits fail.
TEST(Batcher, CloseCancelsPendingRequests) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 64, kHour);
  for (int64_t id = 0; id < 5; ++id)
    KILN_ASSERT_OK(f.submit(b.get(), id));
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_CANCEL);
  for (const Outcome &o : f.outcomes) {
    EXPECT_EQ(o.calls.load(), 1);
    EXPECT_EQ(o.code, KILN_STATUS_CANCELLED);
    EXPECT_NE(o.message.find("closed before the request ran"), std::string::npos) << o.message;
    EXPECT_EQ(o.problem, "");
  }
  expectError(f.submit(b.get(), 9), KILN_STATUS_FAILED_PRECONDITION, "the batcher is closed");
  BatchRequest req(9, 1, 4);
  kiln_tensor *outs[2] = {nullptr, nullptr};
  expectError(kiln_batcher_run(b.get(), req.inputs(), 2, outs, 2), KILN_STATUS_FAILED_PRECONDITION,
              "closed");
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_DRAIN); // idempotent
  EXPECT_EQ(batcherStats(b.get()).cancelled, 5u);
}

// Releasing a batcher drains it: every queued request runs.
TEST(Batcher, ReleaseDrainsPendingRequests) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 3, kHour);
  for (int64_t id = 0; id < 7; ++id)
    KILN_ASSERT_OK(f.submit(b.get(), id));
  b.reset();
  for (const Outcome &o : f.outcomes) {
    EXPECT_EQ(o.calls.load(), 1);
    EXPECT_EQ(o.code, KILN_STATUS_OK) << o.message;
    EXPECT_EQ(o.problem, "");
  }
}

// A value check that fails in a batched run is traced to its request: the others of
// the batch still get their answers.
TEST(Batcher, AFailingRequestDoesNotPoisonItsBatch) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 3, kHour);
  KILN_ASSERT_OK(f.submit(b.get(), 0));
  KILN_ASSERT_OK(f.submit(b.get(), 1, 1, 4, /*bad=*/-5000));
  KILN_ASSERT_OK(f.submit(b.get(), 2)); // full: the batch runs
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_DRAIN);
  EXPECT_EQ(f.outcomes[0].problem, "");
  EXPECT_EQ(f.outcomes[2].problem, "");
  EXPECT_EQ(f.outcomes[1].code, KILN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(f.outcomes[1].message.find("x = -5000 in row 0 is out of range"), std::string::npos)
      << f.outcomes[1].message;
  kiln_batcher_stats stats = batcherStats(b.get());
  EXPECT_EQ(stats.split_batches, 1u);
  EXPECT_EQ(stats.completed, 2u);
  EXPECT_EQ(stats.failed, 1u);
}

// Any other failure of a batched run reaches every request of the batch: here the
// session's allocator refuses the batch's buffers (each request alone would fit).
TEST(Batcher, ABatchErrorReachesEveryCaller) {
  ModelPtr model = loadModel(KILN_TEST_BATCH_MODEL);
  kiln_allocator small{nullptr,
                       [](void *, size_t bytes, size_t alignment) -> void * {
                         void *p = nullptr;
                         if (bytes >= 1000 || posix_memalign(&p, alignment, bytes) != 0)
                           return nullptr;
                         return p;
                       },
                       [](void *, void *p) { std::free(p); }};
  SessionPtr session = createSession(model.get(), 1, &small);
  BatcherPtr b = createBatcher(session.get(), 80, kHour);
  BatchRequest r0(0, 40, 4), r1(1, 40, 4); // 640 bytes of x each, 1280 together
  Outcome o0, o1;
  o0.request = &r0;
  o1.request = &r1;
  KILN_ASSERT_OK(kiln_batcher_submit(b.get(), r0.inputs(), 2, Outcome::callback, &o0, nullptr));
  KILN_ASSERT_OK(kiln_batcher_submit(b.get(), r1.inputs(), 2, Outcome::callback, &o1, nullptr));
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_DRAIN);
  for (const Outcome *o : {&o0, &o1}) {
    EXPECT_EQ(o->calls.load(), 1);
    EXPECT_EQ(o->code, KILN_STATUS_RESOURCE_EXHAUSTED);
    EXPECT_NE(o->message.find("cannot allocate 1280 bytes"), std::string::npos) << o->message;
    EXPECT_EQ(o->problem, "");
  }
  kiln_batcher_stats stats = batcherStats(b.get());
  EXPECT_EQ(stats.failed, 2u);
  EXPECT_EQ(stats.batches, 1u);
}

TEST(Batcher, StatsOfASmallerStruct) {
  Fixture f;
  BatcherPtr b = createBatcher(f.session.get(), 4, 0);
  kiln_batcher_stats stats{};
  stats.struct_size = offsetof(kiln_batcher_stats, rejected);
  stats.rejected = 77;
  KILN_ASSERT_OK(kiln_batcher_get_stats(b.get(), &stats));
  EXPECT_EQ(stats.rejected, 77u); // past the caller's struct: untouched
  stats.struct_size = 1;
  expectError(kiln_batcher_get_stats(b.get(), &stats), KILN_STATUS_INVALID_ARGUMENT, "struct_size");
}
