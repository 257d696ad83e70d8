//===- optional_test.cpp - Optional model inputs ----------------*- C++ -*-===//
//
// Part of Kiln. An optional input (ONNX optional<tensor>) may be passed as NULL to
// kiln_session_run: the model sees it absent. A NULL for any other input is an error.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include <cstdint>

using namespace kiln::test;

namespace {

/// Runs the optional model; returns the status, fills y and present on success.
std::string runOptional(kiln_session *session, const kiln_tensor *x, const kiln_tensor *s,
                        TensorPtr &y, TensorPtr &present) {
  const kiln_tensor *inputs[] = {x, s};
  kiln_tensor *outputs[2] = {nullptr, nullptr};
  std::string status = describe(kiln_session_run(session, inputs, 2, outputs, 2));
  y.reset(outputs[0]);
  present.reset(outputs[1]);
  return status;
}

} // namespace

TEST(Optional, InputIsOptional) {
  ModelPtr model = loadModel(KILN_TEST_OPTIONAL_MODEL);
  EXPECT_EQ(kiln_model_input_is_optional(model.get(), 0), 1);
  EXPECT_EQ(kiln_model_input_is_optional(model.get(), 1), 0);
  EXPECT_EQ(kiln_model_input_is_optional(model.get(), 2), 0);
  EXPECT_EQ(kiln_model_input_is_optional(nullptr, 0), 0);
}

TEST(Optional, AbsentInput) {
  ModelPtr model = loadModel(KILN_TEST_OPTIONAL_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  TensorPtr s = floatTensor({}, 5);
  TensorPtr y, present;
  ASSERT_EQ(runOptional(session.get(), nullptr, s.get(), y, present), "OK");
  ASSERT_EQ(kiln_tensor_rank(y.get()), 1);
  EXPECT_EQ(kiln_tensor_dims(y.get())[0], 0);
  EXPECT_EQ(*static_cast<uint8_t *>(kiln_tensor_data(present.get())), 0);
}

TEST(Optional, PresentInput) {
  ModelPtr model = loadModel(KILN_TEST_OPTIONAL_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  TensorPtr x = floatTensor({3}, 1), s = floatTensor({}, 5);
  TensorPtr y, present;
  ASSERT_EQ(runOptional(session.get(), x.get(), s.get(), y, present), "OK");
  ASSERT_EQ(kiln_tensor_dims(y.get())[0], 3);
  const float *data = static_cast<const float *>(kiln_tensor_data(y.get()));
  EXPECT_EQ(data[0], 6);
  EXPECT_EQ(data[2], 8);
  EXPECT_EQ(*static_cast<uint8_t *>(kiln_tensor_data(present.get())), 1);
  // The same session runs again with the input absent.
  ASSERT_EQ(runOptional(session.get(), nullptr, s.get(), y, present), "OK");
  EXPECT_EQ(*static_cast<uint8_t *>(kiln_tensor_data(present.get())), 0);
}

TEST(Optional, AbsentRequiredInputIsAnError) {
  ModelPtr model = loadModel(KILN_TEST_OPTIONAL_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  TensorPtr x = floatTensor({3});
  const kiln_tensor *inputs[] = {x.get(), nullptr};
  kiln_tensor *outputs[2] = {nullptr, nullptr};
  expectError(kiln_session_run(session.get(), inputs, 2, outputs, 2),
              KILN_STATUS_INVALID_ARGUMENT,
              "input 's' (index 1): tensor is NULL, but only an optional input may be absent");
  EXPECT_EQ(outputs[0], nullptr);
  EXPECT_EQ(outputs[1], nullptr);
}
