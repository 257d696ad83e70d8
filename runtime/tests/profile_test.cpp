//===- profile_test.cpp - Per-kernel profiles of profiled models -*- C++ -*-===//
//
// Part of Kiln. models/profiled_model.c stands in for a `kilnc --profile` model.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include <thread>

using namespace kiln::test;

namespace {
void runOnce(kiln_session *session) {
  TensorPtr x = floatTensor({2, 3}, -1.0f, 0.5f);
  const kiln_tensor *in[] = {x.get()};
  kiln_tensor *out[2] = {nullptr, nullptr};
  KILN_ASSERT_OK(kiln_session_run(session, in, 1, out, 2));
  kiln_tensor_release(out[0]);
  kiln_tensor_release(out[1]);
}
} // namespace

TEST(Profile, CountsAndTimesEachKernel) {
  ModelPtr model = loadModel(KILN_TEST_PROFILED_MODEL);
  ASSERT_EQ(kiln_model_num_profile_kernels(model.get()), 2u);
  SessionPtr session = createSession(model.get(), 1);
  runOnce(session.get());
  runOnce(session.get());

  kiln_profile_entry relu, fc;
  KILN_ASSERT_OK(kiln_session_profile_entry(session.get(), 0, &relu));
  KILN_ASSERT_OK(kiln_session_profile_entry(session.get(), 1, &fc));
  EXPECT_STREQ(relu.kernel, "linalg.generic");
  EXPECT_STREQ(relu.nodes, "/relu/Relu");
  EXPECT_STREQ(fc.op_types, "MatMul, Add");
  EXPECT_EQ(relu.calls, 4u); // twice per run
  EXPECT_EQ(fc.calls, 2u);
  EXPECT_GE(fc.total_ns, 4'000'000u); // 2 ms spun per run
  uint64_t runs = 0, runNs = 0;
  kiln_session_profile_totals(session.get(), &runs, &runNs);
  EXPECT_EQ(runs, 2u);
  EXPECT_GE(runNs, relu.total_ns + fc.total_ns);

  kiln_session_profile_reset(session.get());
  KILN_ASSERT_OK(kiln_session_profile_entry(session.get(), 1, &fc));
  EXPECT_EQ(fc.calls, 0u);
  EXPECT_EQ(fc.total_ns, 0u);
  kiln_session_profile_totals(session.get(), &runs, nullptr);
  EXPECT_EQ(runs, 0u);
}

TEST(Profile, SessionsKeepTheirOwnTimes) {
  ModelPtr model = loadModel(KILN_TEST_PROFILED_MODEL);
  SessionPtr a = createSession(model.get(), 2), b = createSession(model.get(), 1);
  runOnce(a.get());
  kiln_profile_entry ea, eb;
  KILN_ASSERT_OK(kiln_session_profile_entry(a.get(), 1, &ea));
  KILN_ASSERT_OK(kiln_session_profile_entry(b.get(), 1, &eb));
  EXPECT_EQ(ea.calls, 1u);
  EXPECT_EQ(eb.calls, 0u);
}

// Concurrent runs on one session each time into their own run context; the session's
// profile is the sum over them.
TEST(Profile, ConcurrentRunsAddUp) {
  ModelPtr model = loadModel(KILN_TEST_PROFILED_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  constexpr int kThreads = 3, kRuns = 4;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int run = 0; run < kRuns; ++run)
        runOnce(session.get());
    });
  for (auto &th : threads)
    th.join();
  kiln_profile_entry relu, fc;
  KILN_ASSERT_OK(kiln_session_profile_entry(session.get(), 0, &relu));
  KILN_ASSERT_OK(kiln_session_profile_entry(session.get(), 1, &fc));
  EXPECT_EQ(relu.calls, 2u * kThreads * kRuns);
  EXPECT_EQ(fc.calls, 1u * kThreads * kRuns);
  uint64_t runs = 0;
  kiln_session_profile_totals(session.get(), &runs, nullptr);
  EXPECT_EQ(runs, 1u * kThreads * kRuns);
  kiln_session_profile_reset(session.get());
  kiln_session_profile_totals(session.get(), &runs, nullptr);
  EXPECT_EQ(runs, 0u);
}

TEST(Profile, IndexOutOfRange) {
  ModelPtr model = loadModel(KILN_TEST_PROFILED_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  kiln_profile_entry e;
  expectError(kiln_session_profile_entry(session.get(), 2, &e), KILN_STATUS_INVALID_ARGUMENT,
              "index 2 out of range, model 'static_relu' has 2 profiled kernels");
}

TEST(Profile, UnprofiledModelHasNoKernels) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  EXPECT_EQ(kiln_model_num_profile_kernels(model.get()), 0u);
  SessionPtr session = createSession(model.get(), 1);
  runOnce(session.get());
  uint64_t runs = 1;
  kiln_session_profile_totals(session.get(), &runs, nullptr);
  EXPECT_EQ(runs, 0u);
  kiln_profile_entry e;
  expectError(kiln_session_profile_entry(session.get(), 0, &e), KILN_STATUS_INVALID_ARGUMENT,
              "has 0 profiled kernels");
}

TEST(Profile, IncompleteInterfaceIsRejected) {
  kiln_model *m = nullptr;
  expectError(kiln_model_load(KILN_TEST_INCOMPLETE_PROFILE_MODEL, nullptr, &m),
              KILN_STATUS_INVALID_ARGUMENT,
              "has an incomplete profiling interface (kiln_model_get_profile_info and "
              "kiln_model_run_profiled go together)");
  EXPECT_EQ(m, nullptr);
}
