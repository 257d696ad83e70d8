//===- model_error_test.cpp - Errors reported by compiled models ----------===//
//
// Part of Kiln. The model ABI's error path (kiln_model_error, since ABI version 2): a failed
// run-time check in kiln_model_run or kiln_model_output_dims becomes a kiln_status
// whose code follows the model status and whose message is the model's, and a
// failing allocator surfaces as RESOURCE_EXHAUSTED with nothing leaked.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

using namespace kiln::test;

namespace {

/// Runs the static model on x = [first, 1, 2, 3, 4, 5] and returns the status.
kiln_status *runStatic(kiln_session *session, float first) {
  TensorPtr x = floatTensor({2, 3}, 0, 1);
  static_cast<float *>(kiln_tensor_data(x.get()))[0] = first;
  const kiln_tensor *inputs[] = {x.get()};
  kiln_tensor *outputs[2] = {nullptr, nullptr};
  kiln_status *st = kiln_session_run(session, inputs, 1, outputs, 2);
  if (st) {
    EXPECT_EQ(outputs[0], nullptr); // outputs the run created are released on error
    EXPECT_EQ(outputs[1], nullptr);
  }
  kiln_tensor_release(outputs[0]);
  kiln_tensor_release(outputs[1]);
  return st;
}

/// An allocator that fails every allocation once `failAfter` have succeeded.
struct FailingAllocator {
  std::atomic<int64_t> failAfter{0}, live{0};
  kiln_allocator get() {
    return kiln_allocator{this,
                          [](void *ctx, size_t bytes, size_t alignment) -> void * {
                            auto *self = static_cast<FailingAllocator *>(ctx);
                            if (self->failAfter-- <= 0)
                              return nullptr;
                            void *p = nullptr;
                            if (posix_memalign(&p, alignment, bytes) != 0)
                              return nullptr;
                            ++self->live;
                            return p;
                          },
                          [](void *ctx, void *p) {
                            if (!p)
                              return;
                            --static_cast<FailingAllocator *>(ctx)->live;
                            std::free(p);
                          }};
  }
};

} // namespace

TEST(ModelError, IndexErrorIsInvalidArgumentWithTheModelsMessage) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  SessionPtr session = createSession(model.get());
  expectError(runStatic(session.get(), -1000), KILN_STATUS_INVALID_ARGUMENT,
              "model 'static_relu' failed: node '/emb/Gather' (Gather): index 30522 is out of "
              "range for axis 0 of size 30522");
  // The session is usable after a failed run.
  KILN_EXPECT_OK(runStatic(session.get(), 1));
}

TEST(ModelError, ArithmeticErrorIsInvalidArgument) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  SessionPtr session = createSession(model.get());
  expectError(runStatic(session.get(), -3000), KILN_STATUS_INVALID_ARGUMENT,
              "node '/d/Div' (Div): integer division by zero");
}

TEST(ModelError, ShapeFunctionErrorNamesNodeAndInputs) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  SessionPtr session = createSession(model.get());
  kiln_status *st = runStatic(session.get(), -2000);
  std::string message = kiln_status_message(st);
  EXPECT_NE(message.find("(inputs 'x' [2,3])"), std::string::npos) << message;
  expectError(st, KILN_STATUS_INVALID_ARGUMENT,
              "node '/r/Reshape' (Reshape): cannot reshape 6 elements to 4");
}

TEST(ModelError, StatusWithoutMessage) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  SessionPtr session = createSession(model.get());
  expectError(runStatic(session.get(), -4000), KILN_STATUS_INTERNAL,
              "model 'static_relu' failed with code 3");
}

TEST(ModelError, FailingAllocatorIsResourceExhaustedAndLeaksNothing) {
  FailingAllocator failing;
  kiln_allocator allocator = failing.get();
  {
    ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
    // Session create takes the arena, the run its output tensor; the model's first
    // scratch allocation then fails.
    failing.failAfter = 2;
    SessionPtr session = createSession(model.get(), 1, &allocator);
    TensorPtr a = floatTensor({2, 4}), b = floatTensor({2, 4});
    const kiln_tensor *inputs[] = {a.get(), b.get()};
    kiln_tensor *outputs[] = {nullptr};
    expectError(kiln_session_run(session.get(), inputs, 2, outputs, 1),
                KILN_STATUS_RESOURCE_EXHAUSTED,
                "model 'add' failed: node 'scratch' (Add): cannot allocate 128 bytes");
    EXPECT_EQ(outputs[0], nullptr);
    EXPECT_EQ(failing.live, 1); // only the arena
  }
  EXPECT_EQ(failing.live, 0);
}

TEST(ModelError, RefusesAbiVersion1) {
  kiln_model *m = nullptr;
  expectError(kiln_model_load(KILN_TEST_ABI_V1_MODEL, nullptr, &m), KILN_STATUS_ABI_MISMATCH,
              "was built for Kiln model ABI version 1, but this runtime supports version 4; "
              "compile the model again");
  EXPECT_EQ(m, nullptr);
}
