//===- device.cpp - kiln_device ---------------------------------*- C++ -*-===//
//
// Part of Kiln. The runtime's devices: the host now; a CUDA device later joins
// the table below (with its own memory and streams) without changing the C API.
//
//===----------------------------------------------------------------------===//

#include "device.h"

#include "kiln/model_abi.h"

#include <iterator>

using namespace kiln::runtime;

// The C API's kinds are the model ABI's (kiln_model_info.device).
static_assert(static_cast<int>(KILN_DEVICE_HOST) == KILN_MODEL_DEVICE_HOST &&
                  static_cast<int>(KILN_DEVICE_CUDA) == KILN_MODEL_DEVICE_CUDA,
              "kiln_device_kind_t differs from kiln_model_device");

namespace {
/// Every device this runtime can run models on, the host first.
constexpr kiln_device kDevices[] = {{KILN_DEVICE_HOST, 0}};
} // namespace

bool kiln::runtime::supportsDeviceKind(int32_t kind) {
  for (const kiln_device &d : kDevices)
    if (d.kind == kind)
      return true;
  return false;
}

bool kiln::runtime::isKnownDeviceKind(int32_t kind) {
  return kind == KILN_DEVICE_HOST || kind == KILN_DEVICE_CUDA;
}

bool kiln::runtime::hasDevice(const kiln_device &device) {
  for (const kiln_device &d : kDevices)
    if (d == device)
      return true;
  return false;
}

std::string kiln::runtime::formatDevice(const kiln_device &device) {
  std::string name = kiln_device_kind_name(device.kind);
  if (device.kind == KILN_DEVICE_HOST && device.ordinal == 0)
    return name;
  return name + ":" + std::to_string(device.ordinal);
}

std::string kiln::runtime::supportedDeviceKinds() {
  std::string s;
  for (const kiln_device &d : kDevices) {
    std::string name = kiln_device_kind_name(d.kind);
    if (s.find(name) == std::string::npos)
      s += (s.empty() ? "" : ", ") + name;
  }
  return s;
}

extern "C" {

kiln_device kiln_device_host(void) { return kiln_device{KILN_DEVICE_HOST, 0}; }

const char *kiln_device_kind_name(int32_t kind) {
  switch (kind) {
  case KILN_DEVICE_HOST:
    return "host";
  case KILN_DEVICE_CUDA:
    return "cuda";
  }
  return "unknown";
}

size_t kiln_runtime_devices(kiln_device *devices, size_t capacity) {
  size_t count = std::size(kDevices);
  for (size_t i = 0; devices && i < count && i < capacity; ++i)
    devices[i] = kDevices[i];
  return count;
}

} // extern "C"
