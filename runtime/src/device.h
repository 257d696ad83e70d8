//===- device.h - Devices of the runtime ------------------------*- C++ -*-===//
//
// Part of Kiln. Which devices this runtime runs models on (the host only, for
// now) and how they are named in messages.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_DEVICE_H
#define KILN_RUNTIME_SRC_DEVICE_H

#include "kiln/runtime.h"

#include <string>

namespace kiln::runtime {

/// True when this runtime can run models on devices of `kind`.
bool supportsDeviceKind(int32_t kind);

/// True when `kind` is one of kiln_device_kind_t's values (supported or not).
bool isKnownDeviceKind(int32_t kind);

/// True when `device` is one this runtime has (kiln_runtime_devices lists it).
bool hasDevice(const kiln_device &device);

/// "host", "cuda:1": the kind's name, and the ordinal for devices other than the host.
std::string formatDevice(const kiln_device &device);

/// The kinds this runtime supports, for messages: "host".
std::string supportedDeviceKinds();

inline bool operator==(const kiln_device &a, const kiln_device &b) {
  return a.kind == b.kind && a.ordinal == b.ordinal;
}
inline bool operator!=(const kiln_device &a, const kiln_device &b) { return !(a == b); }

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SRC_DEVICE_H
