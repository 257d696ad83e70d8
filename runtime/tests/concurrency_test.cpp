//===- concurrency_test.cpp - Sessions run concurrently ---------*- C++ -*-===//
//
// Part of Kiln. Several sessions on one model, each driven by its own thread.
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

TEST(Concurrency, OverlappingRunsOnOneSessionAreRefused) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  TensorPtr a = floatTensor({4096, 4}), b = floatTensor({4096, 4});
  TensorPtr y = floatTensor({4096, 4});
  const kiln_tensor *inputs[] = {a.get(), b.get()};
  std::atomic<int> refused{0}, ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int run = 0; run < 20; ++run) {
        kiln_tensor *outputs[] = {nullptr};
        kiln_status *s = kiln_session_run(session.get(), inputs, 2, outputs, 1);
        if (!s) {
          ++ok;
          kiln_tensor_release(outputs[0]);
        } else {
          EXPECT_EQ(kiln_status_code(s), KILN_STATUS_FAILED_PRECONDITION);
          ++refused;
          kiln_status_free(s);
        }
      }
    });
  for (auto &th : threads)
    th.join();
  EXPECT_GT(ok, 0);
  EXPECT_EQ(ok + refused, 80);
}
