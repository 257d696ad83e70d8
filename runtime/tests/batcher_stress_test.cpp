//===- batcher_stress_test.cpp - kiln_batcher under load --------*- C++ -*-===//
//
// Part of Kiln. Thousands of requests from many threads, each with its own values and
// each checking that it got exactly its own answer; back-pressure with retries;
// cancellations and a close racing with submits. Every accepted request must complete
// exactly once. Runs under ThreadSanitizer in CI (ctest -L tsan, scripts/test.sh); the
// sessions run inline (one thread) so that only the batcher's own threads interleave.
//
//===----------------------------------------------------------------------===//

#include "batcher_util.h"

#include <cstdio>
#include <deque>
#include <thread>

using namespace kiln::test;

namespace {
constexpr int kThreads = 16;
} // namespace

// 16 threads x 250 blocking runs, two shapes mixed, batches of up to 16 rows.
TEST(BatcherStress, ManyThreadsEachGetTheirOwnAnswer) {
  ModelPtr model = loadModel(KILN_TEST_BATCH_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  BatcherPtr b = createBatcher(session.get(), 16, 200, 4096, /*workers=*/2);
  constexpr int kRuns = 250;
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      for (int run = 0; run < kRuns; ++run) {
        int64_t id = t * kRuns + run;
        BatchRequest req(id, 1 + (run % 7 == 0), t % 2 ? 3 : 4);
        kiln_tensor *outs[2] = {nullptr, nullptr};
        kiln_status *st = kiln_batcher_run(b.get(), req.inputs(), 2, outs, 2);
        std::string problem = st ? describe(st) : req.check(outs);
        kiln_tensor_release(outs[0]);
        kiln_tensor_release(outs[1]);
        if (!problem.empty()) {
          if (failures++ < 5)
            ADD_FAILURE() << problem;
        }
      }
    });
  }
  for (std::thread &th : pool)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  kiln_batcher_stats stats = batcherStats(b.get());
  EXPECT_EQ(stats.requests, uint64_t(kThreads * kRuns));
  EXPECT_EQ(stats.completed, uint64_t(kThreads * kRuns));
  EXPECT_EQ(stats.failed + stats.cancelled + stats.rejected, 0u);
  EXPECT_LE(stats.largest_batch, 16u);
  EXPECT_GT(stats.largest_batch, 1u) << "16 threads never shared a batch";
  std::printf("%llu requests in %llu batches (mean %.2f rows, largest %llu)\n",
              (unsigned long long)stats.requests, (unsigned long long)stats.batches,
              double(stats.batched_rows) / double(stats.batches),
              (unsigned long long)stats.largest_batch);
}

// Async submits into a small queue, retried on RESOURCE_EXHAUSTED, while another thread
// cancels some of them: each accepted request completes once, with its own answer or
// CANCELLED.
TEST(BatcherStress, BackPressureAndCancellation) {
  ModelPtr model = loadModel(KILN_TEST_BATCH_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  BatcherPtr b = createBatcher(session.get(), 8, 100, /*capacity=*/8, /*workers=*/2);
  constexpr int kPerThread = 200, kSubmitters = 8;
  std::vector<std::deque<BatchRequest>> requests(kSubmitters);
  std::vector<std::deque<Outcome>> outcomes(kSubmitters);
  std::mutex ticketsMutex;
  std::vector<uint64_t> tickets;
  std::atomic<bool> submitting{true};
  std::atomic<uint64_t> retries{0}, cancelOk{0};
  std::thread canceller([&] {
    size_t next = 0;
    while (submitting.load()) {
      uint64_t ticket = 0;
      {
        std::lock_guard<std::mutex> lock(ticketsMutex);
        if (next < tickets.size()) {
          ticket = tickets[next];
          next += 3; // every third request
        }
      }
      if (!ticket) {
        std::this_thread::yield();
        continue;
      }
      kiln_status *st = kiln_batcher_cancel(b.get(), ticket);
      if (!st)
        ++cancelOk;
      else
        EXPECT_EQ(kiln_status_code(st), KILN_STATUS_NOT_FOUND) << kiln_status_message(st);
      kiln_status_free(st);
    }
  });
  std::vector<std::thread> pool;
  for (int t = 0; t < kSubmitters; ++t) {
    pool.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        requests[t].emplace_back(t * kPerThread + k, 1, 4);
        outcomes[t].emplace_back();
        outcomes[t].back().request = &requests[t].back();
        for (;;) {
          uint64_t ticket = 0;
          kiln_status *st = kiln_batcher_submit(b.get(), requests[t].back().inputs(), 2,
                                                Outcome::callback, &outcomes[t].back(), &ticket);
          if (!st) {
            std::lock_guard<std::mutex> lock(ticketsMutex);
            tickets.push_back(ticket);
            break;
          }
          EXPECT_EQ(kiln_status_code(st), KILN_STATUS_RESOURCE_EXHAUSTED);
          kiln_status_free(st);
          ++retries;
          std::this_thread::yield();
        }
      }
    });
  }
  for (std::thread &th : pool)
    th.join();
  submitting = false;
  canceller.join();
  kiln_batcher_close(b.get(), KILN_BATCHER_CLOSE_DRAIN);
  uint64_t ok = 0, cancelled = 0;
  for (const std::deque<Outcome> &list : outcomes)
    for (const Outcome &o : list) {
      ASSERT_EQ(o.calls.load(), 1) << "request " << o.request->id;
      EXPECT_EQ(o.problem, "") << "request " << o.request->id;
      if (o.code == KILN_STATUS_OK)
        ++ok;
      else if (o.code == KILN_STATUS_CANCELLED)
        ++cancelled;
      else
        ADD_FAILURE() << o.message;
    }
  EXPECT_EQ(ok + cancelled, uint64_t(kSubmitters * kPerThread));
  EXPECT_EQ(cancelled, cancelOk.load());
  kiln_batcher_stats stats = batcherStats(b.get());
  EXPECT_EQ(stats.completed, ok);
  EXPECT_EQ(stats.cancelled, cancelled);
  EXPECT_EQ(stats.rejected, retries.load());
  EXPECT_EQ(stats.queued, 0u);
  std::printf("%llu done, %llu cancelled, %llu submits refused (queue full)\n",
              (unsigned long long)ok, (unsigned long long)cancelled,
              (unsigned long long)retries.load());
}

// A close racing with submitters: each request is refused by submit (closed) or
// completes exactly once, run or cancelled. Both close modes.
TEST(BatcherStress, CloseRacingWithSubmits) {
  ModelPtr model = loadModel(KILN_TEST_BATCH_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  for (int32_t mode : {KILN_BATCHER_CLOSE_DRAIN, KILN_BATCHER_CLOSE_CANCEL}) {
    BatcherPtr b = createBatcher(session.get(), 8, 500, 64);
    constexpr int kSubmitters = 6;
    std::vector<std::deque<BatchRequest>> requests(kSubmitters);
    std::vector<std::deque<Outcome>> outcomes(kSubmitters);
    std::atomic<int> started{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < kSubmitters; ++t) {
      pool.emplace_back([&, t] {
        ++started;
        for (int k = 0;; ++k) {
          requests[t].emplace_back(t * 100000 + k, 1, 4);
          outcomes[t].emplace_back();
          outcomes[t].back().request = &requests[t].back();
          kiln_status *st = kiln_batcher_submit(b.get(), requests[t].back().inputs(), 2,
                                                Outcome::callback, &outcomes[t].back(), nullptr);
          kiln_status_code_t code = kiln_status_code(st);
          kiln_status_free(st);
          if (code == KILN_STATUS_RESOURCE_EXHAUSTED || code == KILN_STATUS_FAILED_PRECONDITION) {
            outcomes[t].pop_back();
            requests[t].pop_back();
          }
          if (code == KILN_STATUS_FAILED_PRECONDITION)
            return; // closed
          EXPECT_TRUE(code == KILN_STATUS_OK || code == KILN_STATUS_RESOURCE_EXHAUSTED) << code;
          if (code == KILN_STATUS_RESOURCE_EXHAUSTED)
            std::this_thread::yield();
        }
      });
    }
    while (started.load() < kSubmitters)
      std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    kiln_batcher_close(b.get(), mode);
    for (std::thread &th : pool)
      th.join();
    uint64_t total = 0, ok = 0;
    for (const std::deque<Outcome> &list : outcomes)
      for (const Outcome &o : list) {
        ++total;
        ASSERT_EQ(o.calls.load(), 1) << "request " << o.request->id;
        EXPECT_EQ(o.problem, "");
        EXPECT_TRUE(o.code == KILN_STATUS_OK || o.code == KILN_STATUS_CANCELLED) << o.message;
        ok += o.code == KILN_STATUS_OK;
        if (mode == KILN_BATCHER_CLOSE_DRAIN)
          EXPECT_EQ(o.code, KILN_STATUS_OK) << o.message;
      }
    kiln_batcher_stats stats = batcherStats(b.get());
    EXPECT_EQ(stats.requests, total);
    EXPECT_EQ(stats.completed, ok);
    EXPECT_EQ(stats.completed + stats.cancelled, total);
    EXPECT_GT(total, 0u);
  }
}

// Checking requests at submit takes no run context of the session's: the session keeps
// one activation arena per concurrent batched run (here one worker: one run at a time),
// not one per submitting thread. The add model's sum goes through its arena.
TEST(BatcherStress, SubmittersDoNotMultiplyTheSessionsArenas) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  BatcherPtr b = createBatcher(session.get(), 16, 200, 1024, /*workers=*/1);
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      for (int run = 0; run < 40; ++run) {
        float base = static_cast<float>(t * 1000 + run * 4);
        TensorPtr a = floatTensor({1, 4}, base, 1);
        TensorPtr c = floatTensor({1, 4}, 1, 0);
        const kiln_tensor *inputs[] = {a.get(), c.get()};
        kiln_tensor *outputs[] = {nullptr};
        kiln_status *st = kiln_batcher_run(b.get(), inputs, 2, outputs, 1);
        if (st) {
          ADD_FAILURE() << describe(st);
          ++failures;
          continue;
        }
        TensorPtr y(outputs[0]);
        auto *yd = static_cast<const float *>(kiln_tensor_data(y.get()));
        for (int i = 0; i < 4; ++i)
          if (yd[i] != base + static_cast<float>(i) + 1)
            ++failures;
      }
    });
  }
  for (std::thread &th : pool)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  // One context (the one the session made up front, which the worker reuses) with the
  // add model's arena for at most 16 rows: 64 + 16 * 16 bytes. Were the submit checks
  // to take the session's contexts, the worker would come to grow the arenas of several.
  EXPECT_LE(kiln_session_arena_bytes(session.get()), 64u + 16u * 16u);
}
