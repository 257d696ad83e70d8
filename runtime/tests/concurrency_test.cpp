//===- concurrency_test.cpp - Sessions run concurrently ---------*- C++ -*-===//
//
// Part of Kiln. Several sessions on one model, each driven by its own thread, and
// one session driven by many threads at once.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include <thread>

using namespace kiln::test;

TEST(Concurrency, SessionsOnOneModel) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  constexpr int kThreads = 4, kRuns = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SessionPtr session = createSession(model.get(), t % 2 ? 2 : 1);
      for (int run = 0; run < kRuns; ++run) {
        int64_t batch = 1 + (t * 7 + run) % 13;
        TensorPtr a = floatTensor({batch, 4}, static_cast<float>(t), 1);
        TensorPtr b = floatTensor({batch, 4}, static_cast<float>(run), 2);
        const kiln_tensor *inputs[] = {a.get(), b.get()};
        kiln_tensor *outputs[] = {nullptr};
        kiln_status *s = kiln_session_run(session.get(), inputs, 2, outputs, 1);
        if (s) {
          ADD_FAILURE() << describe(s);
          ++failures;
          continue;
        }
        TensorPtr y(outputs[0]);
        auto *yd = static_cast<const float *>(kiln_tensor_data(y.get()));
        for (int64_t i = 0; i < batch * 4; ++i)
          if (yd[i] != static_cast<float>(t + run) + 3.0f * i) {
            ++failures;
            break;
          }
      }
    });
  }
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures, 0);
}

namespace {
/// Runs the add model on `session` from `threads` threads, `runs` times each, every run
/// with its own batch and values, and counts the runs whose answer was not their own.
int runOnSharedSession(kiln_session *session, int threads, int runs) {
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int run = 0; run < runs; ++run) {
        int64_t batch = 1 + (t * 5 + run) % 11;
        float base = static_cast<float>(t * 1000 + run);
        TensorPtr a = floatTensor({batch, 4}, base, 1);
        TensorPtr b = floatTensor({batch, 4}, static_cast<float>(t), 2);
        const kiln_tensor *inputs[] = {a.get(), b.get()};
        kiln_tensor *outputs[] = {nullptr};
        kiln_status *s = kiln_session_run(session, inputs, 2, outputs, 1);
        if (s) {
          ADD_FAILURE() << describe(s);
          ++failures;
          continue;
        }
        TensorPtr y(outputs[0]);
        const int64_t *dims = kiln_tensor_dims(y.get());
        auto *yd = static_cast<const float *>(kiln_tensor_data(y.get()));
        bool ok = dims[0] == batch && dims[1] == 4;
        for (int64_t i = 0; ok && i < batch * 4; ++i)
          ok = yd[i] == base + static_cast<float>(t) + 3.0f * i;
        if (!ok)
          ++failures;
      }
    });
  }
  for (auto &th : pool)
    th.join();
  return failures;
}
} // namespace

// One session run by many threads at once: each run takes its own activation arena
// from the session's pool (the add model's sum goes through the arena, so a shared
// arena would mix answers), inline and on the session's thread pool.
TEST(Concurrency, ManyThreadsOnOneSession) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  for (int32_t threads : {1, 2}) {
    SessionPtr session = createSession(model.get(), threads);
    EXPECT_EQ(runOnSharedSession(session.get(), 8, 100), 0) << "session threads " << threads;
  }
}

// The pool keeps its contexts: once it has one per concurrent run and the largest
// batch, more runs allocate no further arena.
TEST(Concurrency, SharedSessionReusesArenas) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  uint64_t single = kiln_session_arena_bytes(session.get());
  EXPECT_EQ(runOnSharedSession(session.get(), 4, 50), 0);
  uint64_t grown = kiln_session_arena_bytes(session.get());
  EXPECT_GE(grown, single);
  // At most one arena per thread, each for at most batch 11.
  EXPECT_LE(grown, 4 * (64u + 16u * 11u + 64u));
  EXPECT_EQ(runOnSharedSession(session.get(), 1, 50), 0);
  EXPECT_EQ(kiln_session_arena_bytes(session.get()), grown);
}
