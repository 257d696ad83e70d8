//===- model_test.cpp - Loading and querying models -------------*- C++ -*-===//
//
// Part of Kiln. One test per way a load can succeed or fail.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include <cstdio>
#include <fstream>

using namespace kiln::test;

TEST(Model, LoadsAddModel) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  ASSERT_TRUE(model);
  EXPECT_EQ(kiln_model_num_inputs(model.get()), 2u);
  EXPECT_EQ(kiln_model_num_outputs(model.get()), 1u);
}

TEST(Model, WrongAbiVersion) {
  kiln_model *m = nullptr;
  expectError(kiln_model_load(KILN_TEST_BAD_ABI_MODEL, nullptr, &m), KILN_STATUS_ABI_MISMATCH,
              "was built for Kiln model ABI version 999, but this runtime supports version 4");
  EXPECT_EQ(m, nullptr);
}

TEST(Model, RefusesAbiVersion2) {
  // Version 2's kiln_model_info has no `device`: the runtime must not read past it.
  kiln_model *m = nullptr;
  expectError(kiln_model_load(KILN_TEST_ABI_V2_MODEL, nullptr, &m), KILN_STATUS_ABI_MISMATCH,
              "was built for Kiln model ABI version 2, but this runtime supports version 4; "
              "compile the model again");
  EXPECT_EQ(m, nullptr);
}

TEST(Model, MissingSymbol) {
  kiln_model *m = nullptr;
  kiln_status *s = kiln_model_load(KILN_TEST_MISSING_SYMBOL_MODEL, nullptr, &m);
  std::string msg = kiln_status_message(s);
  EXPECT_NE(msg.find(KILN_TEST_MISSING_SYMBOL_MODEL), std::string::npos) << msg;
  expectError(s, KILN_STATUS_NOT_FOUND, "does not export 'kiln_model_run'");
  EXPECT_EQ(m, nullptr);
}

TEST(Model, NotASharedLibrary) {
  std::string path = ::testing::TempDir() + "kiln_not_a_library.so";
  std::ofstream(path) << "this is not an ELF file\n";
  kiln_model *m = nullptr;
  expectError(kiln_model_load(path.c_str(), nullptr, &m), KILN_STATUS_INVALID_ARGUMENT,
              "cannot load model library '" + path + "'");
  EXPECT_EQ(m, nullptr);
  std::remove(path.c_str());
}

TEST(Model, NonexistentFile) {
  kiln_model *m = nullptr;
  expectError(kiln_model_load("/nonexistent/model.so", nullptr, &m), KILN_STATUS_NOT_FOUND,
              "model library '/nonexistent/model.so' does not exist");
}

TEST(Model, RejectsUnknownFlags) {
  kiln_model_load_options options;
  kiln_model_load_options_initialize(&options);
  options.flags = 4;
  kiln_model *m = nullptr;
  expectError(kiln_model_load(KILN_TEST_ADD_MODEL, &options, &m), KILN_STATUS_INVALID_ARGUMENT,
              "unknown flags 4");
}

TEST(Model, QueriesInfo) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  kiln_tensor_info info;
  KILN_ASSERT_OK(kiln_model_input_info(model.get(), 1, &info));
  EXPECT_STREQ(info.name, "b");
  EXPECT_EQ(info.dtype, 1);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_EQ(info.dims[1], 4);
  EXPECT_STREQ(info.dim_params[0], "N");
  EXPECT_STREQ(info.dim_params[1], "");
  KILN_ASSERT_OK(kiln_model_output_info(model.get(), 0, &info));
  EXPECT_STREQ(info.name, "y");
  expectError(kiln_model_input_info(model.get(), 2, &info), KILN_STATUS_INVALID_ARGUMENT,
              "index 2 out of range, model 'add' has 2 inputs");

  size_t index = 99;
  KILN_ASSERT_OK(kiln_model_find_input(model.get(), "b", &index));
  EXPECT_EQ(index, 1u);
  KILN_ASSERT_OK(kiln_model_find_output(model.get(), "y", &index));
  EXPECT_EQ(index, 0u);
  expectError(kiln_model_find_input(model.get(), "c", &index), KILN_STATUS_NOT_FOUND,
              "no input named 'c' (it has 'a', 'b')");

  kiln_model_metadata meta;
  KILN_ASSERT_OK(kiln_model_get_metadata(model.get(), &meta));
  EXPECT_STREQ(meta.model_name, "add");
  EXPECT_STREQ(meta.compiler, "hand-written");
  EXPECT_EQ(meta.arena_base_bytes, 64u);
  EXPECT_EQ(meta.arena_per_batch_bytes, 16u);
}

TEST(Model, StaticModelInfoHasRankZeroOutput) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  kiln_tensor_info info;
  KILN_ASSERT_OK(kiln_model_output_info(model.get(), 1, &info));
  EXPECT_STREQ(info.name, "positives");
  EXPECT_EQ(info.dtype, 7);
  EXPECT_EQ(info.rank, 0);
  KILN_ASSERT_OK(kiln_model_input_info(model.get(), 0, &info));
  EXPECT_STREQ(info.dim_params[0], ""); // the model gave NULL dim_params
}

TEST(Model, SessionKeepsModelAlive) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  SessionPtr session = createSession(model.get(), 1);
  model.reset(); // the session still holds a reference
  TensorPtr x = floatTensor({2, 3}, -2);
  const kiln_tensor *inputs[] = {x.get()};
  kiln_tensor *outputs[2] = {nullptr, nullptr};
  KILN_ASSERT_OK(kiln_session_run(session.get(), inputs, 1, outputs, 2));
  EXPECT_EQ(*static_cast<int64_t *>(kiln_tensor_data(outputs[1])), 3);
  kiln_tensor_release(outputs[0]);
  kiln_tensor_release(outputs[1]);
}

TEST(Runtime, Version) {
  EXPECT_NE(std::string(kiln_runtime_version()).find("model ABI 4"), std::string::npos);
  EXPECT_STREQ(kiln_status_message(nullptr), "");
  EXPECT_EQ(kiln_status_code(nullptr), KILN_STATUS_OK);
}
