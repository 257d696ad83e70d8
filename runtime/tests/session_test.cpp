//===- session_test.cpp - Running models ------------------------*- C++ -*-===//
//
// Part of Kiln. Runtime-allocated and caller-provided outputs, arena growth,
// allocator accounting, staging of misaligned data and the thread pool.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include <cstring>
#include <dlfcn.h>

using namespace kiln::test;

namespace {
/// Runs the add model on [batch, 4] inputs and checks y = a + b.
void runAdd(kiln_session *session, int64_t batch, kiln_tensor *provided = nullptr) {
  TensorPtr a = floatTensor({batch, 4}, 0, 1);
  TensorPtr b = floatTensor({batch, 4}, 100, -0.5f);
  const kiln_tensor *inputs[] = {a.get(), b.get()};
  kiln_tensor *outputs[] = {provided};
  KILN_ASSERT_OK(kiln_session_run(session, inputs, 2, outputs, 1));
  TensorPtr owner(provided ? nullptr : outputs[0]);
  ASSERT_EQ(kiln_tensor_rank(outputs[0]), 2);
  EXPECT_EQ(kiln_tensor_dims(outputs[0])[0], batch);
  EXPECT_EQ(kiln_tensor_dims(outputs[0])[1], 4);
  auto *y = static_cast<const float *>(kiln_tensor_data(outputs[0]));
  for (int64_t i = 0; i < batch * 4; ++i)
    ASSERT_FLOAT_EQ(y[i], 100 + 0.5f * i) << "element " << i;
}

struct AddStats {
  int64_t maxInFlight = 0, grainViolations = 0, bodies = 0;
};

/// Reads the statistics the add model keeps (same handle as the runtime's).
AddStats addStats(bool reset = false) {
  void *handle = dlopen(KILN_TEST_ADD_MODEL, RTLD_NOW | RTLD_NOLOAD);
  EXPECT_NE(handle, nullptr);
  AddStats s;
  if (!handle)
    return s;
  auto stats =
      reinterpret_cast<void (*)(int64_t *, int64_t *, int64_t *)>(dlsym(handle, "add_model_stats"));
  auto resetFn = reinterpret_cast<void (*)()>(dlsym(handle, "add_model_reset_stats"));
  if (reset)
    resetFn();
  stats(&s.maxInFlight, &s.grainViolations, &s.bodies);
  dlclose(handle);
  return s;
}
} // namespace

TEST(Session, RunsWithRuntimeAllocatedOutputs) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get());
  runAdd(session.get(), 3);
}

TEST(Session, RunsWithCallerProvidedOutputs) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get());
  TensorPtr y = floatTensor({5, 4}, -1, 0);
  runAdd(session.get(), 5, y.get());
  // A second run reuses everything.
  runAdd(session.get(), 5, y.get());
}

TEST(Session, ArenaGrowsWithBatch) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get());
  EXPECT_GE(kiln_session_arena_bytes(session.get()), 64u + 16u);
  runAdd(session.get(), 1);
  uint64_t batch1 = kiln_session_arena_bytes(session.get());
  EXPECT_GE(batch1, 64u + 16u);
  runAdd(session.get(), 8);
  uint64_t batch8 = kiln_session_arena_bytes(session.get());
  EXPECT_GE(batch8, 64u + 16u * 8);
  EXPECT_GT(batch8, batch1);
  runAdd(session.get(), 2); // smaller batches keep the big arena
  EXPECT_EQ(kiln_session_arena_bytes(session.get()), batch8);
}

TEST(Session, EmptyBatch) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get());
  runAdd(session.get(), 0);
}

TEST(Session, StaticModelAndRankZeroOutput) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  SessionPtr session = createSession(model.get());
  TensorPtr x = floatTensor({2, 3}, -2.5f, 1);
  const kiln_tensor *inputs[] = {x.get()};
  kiln_tensor *outputs[2] = {nullptr, nullptr};
  KILN_ASSERT_OK(kiln_session_run(session.get(), inputs, 1, outputs, 2));
  TensorPtr y(outputs[0]), positives(outputs[1]);
  auto *yd = static_cast<const float *>(kiln_tensor_data(y.get()));
  EXPECT_FLOAT_EQ(yd[0], 0);
  EXPECT_FLOAT_EQ(yd[5], 2.5f);
  EXPECT_EQ(kiln_tensor_rank(positives.get()), 0);
  EXPECT_EQ(kiln_tensor_num_elements(positives.get()), 1);
  EXPECT_EQ(*static_cast<int64_t *>(kiln_tensor_data(positives.get())), 3);
}

TEST(Session, StagesMisalignedCallerData) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  // The add model fails with INTERNAL when it sees a misaligned buffer.
  alignas(64) float storage[3][2 * 4 + 1];
  float *a = storage[0] + 1, *b = storage[1] + 1, *y = storage[2] + 1;
  for (int i = 0; i < 8; ++i) {
    a[i] = static_cast<float>(i);
    b[i] = 10;
  }
  int64_t dims[] = {2, 4};
  kiln_tensor *ta, *tb, *ty;
  KILN_ASSERT_OK(kiln_tensor_wrap(1, 2, dims, a, 32, &ta));
  KILN_ASSERT_OK(kiln_tensor_wrap(1, 2, dims, b, 32, &tb));
  KILN_ASSERT_OK(kiln_tensor_wrap(1, 2, dims, y, 32, &ty));
  TensorPtr oa(ta), ob(tb), oy(ty);
  const kiln_tensor *inputs[] = {ta, tb};
  kiln_tensor *outputs[] = {ty};
  KILN_ASSERT_OK(kiln_session_run(session.get(), inputs, 2, outputs, 1));
  for (int i = 0; i < 8; ++i)
    EXPECT_FLOAT_EQ(y[i], 10.0f + i);
}

TEST(Session, AllocatorAccountsForEverything) {
  CountingAllocator counter;
  kiln_allocator allocator = counter.get();
  {
    ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
    SessionPtr session = createSession(model.get(), 2, &allocator);
    int64_t afterCreate = counter.live;
    EXPECT_EQ(afterCreate, 1); // the arena
    runAdd(session.get(), 4);  // creates and releases an output
    // The model's scratch blocks are kept for the next run: one it frees, one it leaves,
    // and one for its two last requests (the second, half the size, reuses the first's
    // block instead of fresh memory).
    EXPECT_GE(counter.live, afterCreate);
    EXPECT_LE(counter.live, afterCreate + 3);
    // Steady state with caller outputs: no allocation at all, the cached blocks serve.
    TensorPtr y = floatTensor({4, 4});
    runAdd(session.get(), 4, y.get());
    int64_t totalBefore = counter.total;
    runAdd(session.get(), 4, y.get());
    EXPECT_EQ(counter.total - totalBefore, 0);
  }
  // Destroying the session frees the cache too.
  EXPECT_EQ(counter.live, 0);
}

TEST(Session, ScratchCacheSettlesAcrossSizes) {
  CountingAllocator counter;
  kiln_allocator allocator = counter.get();
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  SessionPtr session = createSession(model.get(), 1, &allocator);
  // Dynamic sizes that alternate (requests of a server): once each size has run, a
  // request takes the smallest cached block that fits, so no run allocates again.
  TensorPtr y8 = floatTensor({8, 4}), y4 = floatTensor({4, 4});
  runAdd(session.get(), 8, y8.get());
  runAdd(session.get(), 4, y4.get());
  int64_t totalBefore = counter.total;
  for (int i = 0; i < 4; ++i) {
    runAdd(session.get(), 4, y4.get());
    runAdd(session.get(), 8, y8.get());
  }
  EXPECT_EQ(counter.total - totalBefore, 0);
}

TEST(Session, Threads) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  for (int32_t threads : {1, 2, 0}) {
    SessionPtr session = createSession(model.get(), threads);
    int32_t actual = kiln_session_num_threads(session.get());
    if (threads)
      EXPECT_EQ(actual, threads);
    else
      EXPECT_GE(actual, 1);
    addStats(/*reset=*/true);
    for (int64_t batch : {1, 7, 64, 301})
      runAdd(session.get(), batch);
    AddStats s = addStats();
    EXPECT_EQ(s.grainViolations, 0) << "threads " << threads;
    EXPECT_GE(s.maxInFlight, 1);
    EXPECT_LE(s.maxInFlight, actual) << "threads " << threads;
    if (threads == 1)
      EXPECT_EQ(s.bodies, 4); // one inline body per run
    else if (actual > 1)
      EXPECT_GT(s.bodies, 4); // the pool split the larger batches
  }
}

TEST(Session, RejectsBadOptions) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  kiln_session_options options;
  kiln_session_options_initialize(&options);
  options.num_threads = -3;
  kiln_session *s = nullptr;
  expectError(kiln_session_create(model.get(), &options, &s), KILN_STATUS_INVALID_ARGUMENT,
              "num_threads must be >= 0 (0 = all cores), got -3");
  options.struct_size = 0;
  expectError(kiln_session_create(model.get(), &options, &s), KILN_STATUS_INVALID_ARGUMENT,
              "struct_size");
  EXPECT_EQ(s, nullptr);
  // NULL options mean defaults.
  KILN_ASSERT_OK(kiln_session_create(model.get(), nullptr, &s));
  kiln_session_release(s);
}
