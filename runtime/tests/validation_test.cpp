//===- validation_test.cpp - Errors caught before a model runs --*- C++ -*-===//
//
// Part of Kiln. Every message names the tensor and says what was expected and
// what was given.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

using namespace kiln::test;

namespace {
class Validation : public ::testing::Test {
protected:
  void SetUp() override {
    addModel = loadModel(KILN_TEST_ADD_MODEL);
    add = createSession(addModel.get(), 1);
    staticModel = loadModel(KILN_TEST_STATIC_MODEL);
    relu = createSession(staticModel.get(), 1);
  }

  /// Runs the add model and expects an error; no output may be returned.
  void expectAddError(const kiln_tensor *a, const kiln_tensor *b, const std::string &message,
                      kiln_tensor *provided = nullptr) {
    const kiln_tensor *inputs[] = {a, b};
    kiln_tensor *outputs[] = {provided};
    expectError(kiln_session_run(add.get(), inputs, 2, outputs, 1), KILN_STATUS_INVALID_ARGUMENT,
                message);
    EXPECT_EQ(outputs[0], provided);
  }

  void expectReluError(const kiln_tensor *x, const std::string &message) {
    const kiln_tensor *inputs[] = {x};
    kiln_tensor *outputs[2] = {nullptr, nullptr};
    expectError(kiln_session_run(relu.get(), inputs, 1, outputs, 2), KILN_STATUS_INVALID_ARGUMENT,
                message);
    EXPECT_EQ(outputs[0], nullptr);
    EXPECT_EQ(outputs[1], nullptr);
  }

  ModelPtr addModel, staticModel;
  SessionPtr add, relu;
};
} // namespace

TEST_F(Validation, InputCount) {
  TensorPtr a = floatTensor({2, 4});
  const kiln_tensor *inputs[] = {a.get()};
  kiln_tensor *outputs[] = {nullptr};
  expectError(kiln_session_run(add.get(), inputs, 1, outputs, 1), KILN_STATUS_INVALID_ARGUMENT,
              "model 'add' expects 2 inputs, got 1");
}

TEST_F(Validation, OutputCount) {
  TensorPtr a = floatTensor({2, 4}), b = floatTensor({2, 4});
  const kiln_tensor *inputs[] = {a.get(), b.get()};
  kiln_tensor *outputs[2] = {nullptr, nullptr};
  expectError(kiln_session_run(add.get(), inputs, 2, outputs, 2), KILN_STATUS_INVALID_ARGUMENT,
              "model 'add' has 1 outputs, got 2");
}

TEST_F(Validation, NullInput) {
  TensorPtr a = floatTensor({2, 4});
  expectAddError(a.get(), nullptr, "input 'b' (index 1): tensor is NULL");
}

TEST_F(Validation, Dtype) {
  int64_t dims[] = {2, 3};
  kiln_tensor *x = nullptr;
  KILN_ASSERT_OK(kiln_tensor_create(7, 2, dims, nullptr, &x));
  TensorPtr owner(x);
  expectReluError(x, "input 'x': expected dtype float32, got int64");
}

TEST_F(Validation, Rank) {
  TensorPtr x = floatTensor({6});
  expectReluError(x.get(), "input 'x': expected rank 2 [2,3], got rank 1 [6]");
}

TEST_F(Validation, StaticDim) {
  TensorPtr x = floatTensor({2, 4});
  expectReluError(x.get(), "input 'x' dim 1: expected 3, got 4");
  TensorPtr a = floatTensor({2, 5}), b = floatTensor({2, 4});
  expectAddError(a.get(), b.get(), "input 'a' dim 1: expected 4, got 5");
}

TEST_F(Validation, InconsistentDimParam) {
  TensorPtr a = floatTensor({2, 4}), b = floatTensor({3, 4});
  expectAddError(a.get(), b.get(), "input 'b' dim 0 ('N'): expected 2 (as in input 'a'), got 3");
}

TEST_F(Validation, CallerOutputDims) {
  TensorPtr a = floatTensor({2, 4}), b = floatTensor({2, 4});
  TensorPtr y = floatTensor({3, 4});
  expectAddError(a.get(), b.get(), "output 'y': expected dims [2,4], got [3,4]", y.get());
  TensorPtr y1 = floatTensor({8});
  expectAddError(a.get(), b.get(), "output 'y': expected dims [2,4], got [8]", y1.get());
}

TEST_F(Validation, CallerOutputDtype) {
  TensorPtr a = floatTensor({2, 4}), b = floatTensor({2, 4});
  int64_t dims[] = {2, 4};
  kiln_tensor *y = nullptr;
  KILN_ASSERT_OK(kiln_tensor_create(11, 2, dims, nullptr, &y));
  TensorPtr owner(y);
  expectAddError(a.get(), b.get(), "output 'y': expected dtype float32, got float64", y);
}

TEST_F(Validation, NoRuntimeOutputLeaksOnError) {
  CountingAllocator counter;
  kiln_allocator allocator = counter.get();
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  SessionPtr session = createSession(model.get(), 1, &allocator);
  int64_t live = counter.live;
  TensorPtr x = floatTensor({2, 3});
  int64_t dims[] = {1};
  kiln_tensor *bad = nullptr;
  KILN_ASSERT_OK(kiln_tensor_create(7, 1, dims, nullptr, &bad));
  TensorPtr owner(bad);
  // outputs[0] would be created; outputs[1] is wrong: nothing may be created.
  const kiln_tensor *inputs[] = {x.get()};
  kiln_tensor *outputs[2] = {nullptr, bad};
  expectError(kiln_session_run(session.get(), inputs, 1, outputs, 2), KILN_STATUS_INVALID_ARGUMENT,
              "output 'positives': expected dims [], got [1]");
  EXPECT_EQ(outputs[0], nullptr);
  EXPECT_EQ(counter.live, live);
}
