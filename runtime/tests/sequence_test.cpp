//===- sequence_test.cpp - Sequence inputs and outputs ----------*- C++ -*-===//
//
// Part of Kiln. kiln_sequence_pack/unpack and a model whose input and output are
// sequences (models/sequence_model.c).
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include "kiln/model_abi.h"

#include <vector>

using namespace kiln::test;

namespace {

TensorPtr floats(std::vector<int64_t> dims, std::vector<float> values) {
  kiln_tensor *t = nullptr;
  EXPECT_EQ(
      describe(kiln_tensor_create(1, static_cast<int32_t>(dims.size()), dims.data(), nullptr, &t)),
      "OK");
  float *data = static_cast<float *>(kiln_tensor_data(t));
  for (size_t i = 0; i < values.size(); ++i)
    data[i] = values[i];
  return TensorPtr(t);
}

} // namespace

TEST(Sequence, PackAndUnpackRoundTrip) {
  TensorPtr a = floats({2, 2}, {1, 2, 3, 4}), b = floats({1, 3}, {5, 6, 7}), c = floats({0, 3}, {});
  const kiln_tensor *elements[] = {a.get(), b.get(), c.get()};
  kiln_tensor *data = nullptr, *shapes = nullptr;
  KILN_ASSERT_OK(kiln_sequence_pack(elements, 3, 1, 2, &data, &shapes));
  TensorPtr dataOwner(data), shapesOwner(shapes);
  ASSERT_EQ(kiln_tensor_rank(data), 1);
  EXPECT_EQ(kiln_tensor_dims(data)[0], 7);
  ASSERT_EQ(kiln_tensor_rank(shapes), 2);
  EXPECT_EQ(kiln_tensor_dims(shapes)[0], 3);
  EXPECT_EQ(kiln_tensor_dims(shapes)[1], 2);
  const int64_t *table = static_cast<const int64_t *>(kiln_tensor_data(shapes));
  EXPECT_EQ(std::vector<int64_t>(table, table + 6), (std::vector<int64_t>{2, 2, 1, 3, 0, 3}));

  size_t count = 0;
  KILN_ASSERT_OK(kiln_sequence_unpack(data, shapes, nullptr, 0, &count));
  ASSERT_EQ(count, 3u);
  std::vector<kiln_tensor *> out(count);
  KILN_ASSERT_OK(kiln_sequence_unpack(data, shapes, out.data(), out.size(), &count));
  std::vector<TensorPtr> owners;
  for (kiln_tensor *t : out)
    owners.emplace_back(t);
  EXPECT_EQ(kiln_tensor_dims(out[1])[0], 1);
  EXPECT_EQ(kiln_tensor_dims(out[1])[1], 3);
  EXPECT_EQ(static_cast<float *>(kiln_tensor_data(out[1]))[2], 7);
  EXPECT_EQ(kiln_tensor_num_elements(out[2]), 0);
}

TEST(Sequence, PackRejectsMixedElements) {
  TensorPtr a = floats({2}, {1, 2}), b = floats({1, 1}, {3});
  const kiln_tensor *elements[] = {a.get(), b.get()};
  kiln_tensor *data = nullptr, *shapes = nullptr;
  kiln_status *st = kiln_sequence_pack(elements, 2, 1, 1, &data, &shapes);
  EXPECT_EQ(kiln_status_code(st), KILN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(describe(st).find("rank"), std::string::npos);
  st = kiln_sequence_pack(elements, 1, 7, 1, &data, &shapes);
  EXPECT_EQ(kiln_status_code(st), KILN_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(describe(st).find("dtype"), std::string::npos);
  EXPECT_EQ(data, nullptr);
}

TEST(Sequence, UnpackRejectsInconsistentTable) {
  TensorPtr data = floats({3}, {1, 2, 3});
  int64_t dims[] = {1, 1};
  kiln_tensor *shapes = nullptr;
  KILN_ASSERT_OK(kiln_tensor_create(7, 2, dims, nullptr, &shapes));
  TensorPtr owner(shapes);
  static_cast<int64_t *>(kiln_tensor_data(shapes))[0] = 2; // 2 values, not 3
  size_t count = 0;
  kiln_status *st = kiln_sequence_unpack(data.get(), shapes, nullptr, 0, &count);
  EXPECT_EQ(kiln_status_code(st), KILN_STATUS_INVALID_ARGUMENT);
  kiln_status_free(st);
}

TEST(Sequence, ModelRunsOnSequences) {
  kiln_model *raw = nullptr;
  KILN_ASSERT_OK(kiln_model_load(KILN_TEST_SEQUENCE_MODEL, nullptr, &raw));
  ModelPtr model(raw);
  ASSERT_EQ(kiln_model_num_inputs(raw), 2u);
  EXPECT_EQ(kiln_model_input_kind(raw, 0), KILN_MODEL_VALUE_SEQUENCE_DATA);
  EXPECT_EQ(kiln_model_input_kind(raw, 1), KILN_MODEL_VALUE_SEQUENCE_SHAPES);
  EXPECT_EQ(kiln_model_output_kind(raw, 0), KILN_MODEL_VALUE_SEQUENCE_DATA);
  EXPECT_EQ(kiln_model_input_kind(raw, 2), -1);
  kiln_session *session = nullptr;
  KILN_ASSERT_OK(kiln_session_create(raw, nullptr, &session));
  SessionPtr sessionOwner(session);

  TensorPtr a = floats({1, 2}, {1, 2}), b = floats({3, 1}, {3, 4, 5});
  const kiln_tensor *elements[] = {a.get(), b.get()};
  kiln_tensor *data = nullptr, *shapes = nullptr;
  KILN_ASSERT_OK(kiln_sequence_pack(elements, 2, 1, 2, &data, &shapes));
  TensorPtr dataOwner(data), shapesOwner(shapes);
  const kiln_tensor *inputs[] = {data, shapes};
  kiln_tensor *outputs[2] = {nullptr, nullptr};
  KILN_ASSERT_OK(kiln_session_run(session, inputs, 2, outputs, 2));
  TensorPtr out0(outputs[0]), out1(outputs[1]);
  size_t count = 0;
  kiln_tensor *ys[2] = {nullptr, nullptr};
  KILN_ASSERT_OK(kiln_sequence_unpack(outputs[0], outputs[1], ys, 2, &count));
  TensorPtr y0(ys[0]), y1(ys[1]);
  ASSERT_EQ(count, 2u);
  EXPECT_EQ(kiln_tensor_dims(ys[0])[0], 3);
  EXPECT_EQ(static_cast<float *>(kiln_tensor_data(ys[0]))[2], 10);
  EXPECT_EQ(kiln_tensor_dims(ys[1])[1], 2);
  EXPECT_EQ(static_cast<float *>(kiln_tensor_data(ys[1]))[1], 4);
}

TEST(Sequence, ModelRejectsWrongElementRankOrDtype) {
  kiln_model *raw = nullptr;
  KILN_ASSERT_OK(kiln_model_load(KILN_TEST_SEQUENCE_MODEL, nullptr, &raw));
  ModelPtr model(raw);
  kiln_session *session = nullptr;
  KILN_ASSERT_OK(kiln_session_create(raw, nullptr, &session));
  SessionPtr sessionOwner(session);
  // Elements of rank 1 where the model takes rank 2: the shape table is [n, 1].
  TensorPtr a = floats({2}, {1, 2});
  const kiln_tensor *elements[] = {a.get()};
  kiln_tensor *data = nullptr, *shapes = nullptr;
  KILN_ASSERT_OK(kiln_sequence_pack(elements, 1, 1, 1, &data, &shapes));
  TensorPtr dataOwner(data), shapesOwner(shapes);
  const kiln_tensor *inputs[] = {data, shapes};
  kiln_tensor *outputs[2] = {nullptr, nullptr};
  kiln_status *st = kiln_session_run(session, inputs, 2, outputs, 2);
  EXPECT_EQ(kiln_status_code(st), KILN_STATUS_INVALID_ARGUMENT);
  kiln_status_free(st);
  // int64 elements where the model takes float32.
  int64_t dims[] = {1, 1};
  kiln_tensor *i64 = nullptr;
  KILN_ASSERT_OK(kiln_tensor_create(7, 2, dims, nullptr, &i64));
  TensorPtr i64Owner(i64);
  const kiln_tensor *ints[] = {i64};
  kiln_tensor *data2 = nullptr, *shapes2 = nullptr;
  KILN_ASSERT_OK(kiln_sequence_pack(ints, 1, 7, 2, &data2, &shapes2));
  TensorPtr data2Owner(data2), shapes2Owner(shapes2);
  const kiln_tensor *inputs2[] = {data2, shapes2};
  st = kiln_session_run(session, inputs2, 2, outputs, 2);
  EXPECT_EQ(kiln_status_code(st), KILN_STATUS_INVALID_ARGUMENT);
  kiln_status_free(st);
}
