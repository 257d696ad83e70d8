//===- device_test.cpp - Devices in the ABI and the C API -------*- C++ -*-===//
//
// Part of Kiln. This runtime runs models on the host only: a model compiled for
// another device is refused at load, a session on another device at creation,
// and every tensor, session and model reports the host.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include "kiln/model_abi.h"

#include <cstddef>

using namespace kiln::test;

TEST(Device, RuntimeListsOnlyTheHost) {
  EXPECT_EQ(kiln_runtime_devices(nullptr, 0), 1u);
  kiln_device devices[4] = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
  ASSERT_EQ(kiln_runtime_devices(devices, 4), 1u);
  EXPECT_EQ(devices[0].kind, KILN_DEVICE_HOST);
  EXPECT_EQ(devices[0].ordinal, 0);
  EXPECT_EQ(devices[1].kind, -1); // beyond count: untouched
  kiln_device host = kiln_device_host();
  EXPECT_EQ(host.kind, KILN_DEVICE_HOST);
  EXPECT_EQ(host.ordinal, 0);
}

TEST(Device, KindNames) {
  EXPECT_STREQ(kiln_device_kind_name(KILN_DEVICE_HOST), "host");
  EXPECT_STREQ(kiln_device_kind_name(KILN_DEVICE_CUDA), "cuda");
  EXPECT_STREQ(kiln_device_kind_name(42), "unknown");
  EXPECT_STREQ(kiln_status_code_name(KILN_STATUS_UNAVAILABLE), "UNAVAILABLE");
}

TEST(Device, AbiAndApiKindsAgree) {
  EXPECT_EQ(static_cast<int>(KILN_DEVICE_HOST), KILN_MODEL_DEVICE_HOST);
  EXPECT_EQ(static_cast<int>(KILN_DEVICE_CUDA), KILN_MODEL_DEVICE_CUDA);
}

TEST(Device, RefusesCudaModel) {
  kiln_model *m = nullptr;
  kiln_status *s = kiln_model_load(KILN_TEST_CUDA_MODEL, nullptr, &m);
  std::string msg = kiln_status_message(s);
  EXPECT_NE(msg.find(KILN_TEST_CUDA_MODEL), std::string::npos) << msg;
  expectError(s, KILN_STATUS_UNAVAILABLE,
              "(model 'static_relu') was compiled for device 'cuda', but this runtime runs "
              "models only on: host");
  EXPECT_EQ(m, nullptr);
}

TEST(Device, RefusesUnknownDeviceKind) {
  kiln_model *m = nullptr;
  expectError(kiln_model_load(KILN_TEST_UNKNOWN_DEVICE_MODEL, nullptr, &m),
              KILN_STATUS_INVALID_ARGUMENT,
              "names an unknown device kind 7 in kiln_model_info.device");
  EXPECT_EQ(m, nullptr);
}

TEST(Device, ModelsSessionsAndTensorsAreOnTheHost) {
  ModelPtr model = loadModel(KILN_TEST_ADD_MODEL);
  EXPECT_EQ(kiln_model_device_kind(model.get()), KILN_DEVICE_HOST);
  EXPECT_EQ(kiln_model_device_kind(nullptr), KILN_DEVICE_HOST);
  SessionPtr session = createSession(model.get(), 1);
  kiln_device d = kiln_session_device(session.get());
  EXPECT_EQ(d.kind, KILN_DEVICE_HOST);
  EXPECT_EQ(d.ordinal, 0);
  TensorPtr a = floatTensor({2, 4});
  EXPECT_EQ(kiln_tensor_device(a.get()).kind, KILN_DEVICE_HOST);
  float data[8] = {0};
  int64_t dims[2] = {2, 4};
  kiln_tensor *wrapped = nullptr;
  KILN_ASSERT_OK(kiln_tensor_wrap(1, 2, dims, data, sizeof(data), &wrapped));
  TensorPtr b(wrapped);
  EXPECT_EQ(kiln_tensor_device(b.get()).kind, KILN_DEVICE_HOST);
  EXPECT_EQ(kiln_tensor_device(nullptr).kind, KILN_DEVICE_HOST);

  const kiln_tensor *inputs[] = {a.get(), b.get()};
  kiln_tensor *outputs[] = {nullptr};
  KILN_ASSERT_OK(kiln_session_run(session.get(), inputs, 2, outputs, 1));
  EXPECT_EQ(kiln_tensor_device(outputs[0]).kind, KILN_DEVICE_HOST);
  EXPECT_EQ(kiln_tensor_device(outputs[0]).ordinal, 0);
  kiln_tensor_release(outputs[0]);
}

namespace {
kiln_status *createOn(kiln_model *model, kiln_device device, kiln_session **out) {
  kiln_session_options options;
  kiln_session_options_initialize(&options);
  EXPECT_EQ(options.device.kind, KILN_DEVICE_HOST);
  EXPECT_EQ(options.device.ordinal, 0);
  options.device = device;
  return kiln_session_create(model, &options, out);
}
} // namespace

TEST(Device, SessionOnAnotherDeviceIsRefused) {
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  kiln_session *s = nullptr;
  expectError(createOn(model.get(), kiln_device{KILN_DEVICE_CUDA, 0}, &s), KILN_STATUS_UNAVAILABLE,
              "device 'cuda:0' is not supported; this runtime runs models only on: host");
  EXPECT_EQ(s, nullptr);
  expectError(createOn(model.get(), kiln_device{KILN_DEVICE_HOST, 1}, &s),
              KILN_STATUS_INVALID_ARGUMENT, "no device 'host:1' (the host's ordinal is 0)");
  EXPECT_EQ(s, nullptr);
  expectError(createOn(model.get(), kiln_device{9, 0}, &s), KILN_STATUS_INVALID_ARGUMENT,
              "unknown device kind 9");
  EXPECT_EQ(s, nullptr);
  KILN_ASSERT_OK(createOn(model.get(), kiln_device_host(), &s));
  kiln_session_release(s);
}

TEST(Device, OlderSessionOptionsMeanTheHost) {
  // A caller built against the header before `device` passes a shorter struct.
  ModelPtr model = loadModel(KILN_TEST_STATIC_MODEL);
  kiln_session_options options;
  kiln_session_options_initialize(&options);
  options.struct_size = offsetof(kiln_session_options, device);
  options.device = kiln_device{KILN_DEVICE_CUDA, 3}; // beyond struct_size: ignored
  kiln_session *s = nullptr;
  KILN_ASSERT_OK(kiln_session_create(model.get(), &options, &s));
  SessionPtr session(s);
  EXPECT_EQ(kiln_session_device(s).kind, KILN_DEVICE_HOST);
  EXPECT_EQ(kiln_session_device(nullptr).kind, KILN_DEVICE_HOST);
}
