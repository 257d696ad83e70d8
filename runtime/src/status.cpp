//===- status.cpp - kiln_status ---------------------------------*- C++ -*-===//
//
// Part of Kiln. Status objects, the version string and exception translation.
//
//===----------------------------------------------------------------------===//

#include "status.h"

#include <exception>

using namespace kiln::runtime;

namespace {
// Returned when even the status cannot be allocated; kiln_status_free skips it.
kiln_status outOfMemoryStatus{KILN_STATUS_RESOURCE_EXHAUSTED, "out of memory"};
} // namespace

kiln_status *kiln::runtime::makeStatus(kiln_status_code_t code, const std::string &message) {
  try {
    return new kiln_status{code, message};
  } catch (...) {
    return &outOfMemoryStatus;
  }
}

std::string kiln::runtime::formatDims(const int64_t *dims, int32_t rank) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      s += ",";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

bool kiln::runtime::computeByteSize(int32_t dtype, int32_t rank, const int64_t *dims,
                                    size_t &bytes) {
  size_t total = kiln_dtype_size(dtype);
  for (int32_t i = 0; i < rank; ++i) {
    if (dims[i] < 0)
      return false;
    auto d = static_cast<size_t>(dims[i]);
    if (d != 0 && total > SIZE_MAX / d)
      return false;
    total *= d;
  }
  // Keep sizes representable as int64 element counts too.
  if (total > static_cast<size_t>(INT64_MAX))
    return false;
  bytes = total;
  return true;
}

kiln_status *kiln::runtime::statusFromCurrentException(const char *where) {
  try {
    throw;
  } catch (const std::bad_alloc &) {
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, where, ": out of memory");
  } catch (const std::exception &e) {
    return error(KILN_STATUS_INTERNAL, where, ": unexpected exception: ", e.what());
  } catch (...) {
    return error(KILN_STATUS_INTERNAL, where, ": unexpected unknown exception");
  }
}

extern "C" {

kiln_status_code_t kiln_status_code(const kiln_status *status) {
  return status ? status->code : KILN_STATUS_OK;
}

const char *kiln_status_message(const kiln_status *status) {
  return status ? status->message.c_str() : "";
}

void kiln_status_free(kiln_status *status) {
  if (status != &outOfMemoryStatus)
    delete status;
}

const char *kiln_status_code_name(kiln_status_code_t code) {
  switch (code) {
  case KILN_STATUS_OK:
    return "OK";
  case KILN_STATUS_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case KILN_STATUS_NOT_FOUND:
    return "NOT_FOUND";
  case KILN_STATUS_FAILED_PRECONDITION:
    return "FAILED_PRECONDITION";
  case KILN_STATUS_RESOURCE_EXHAUSTED:
    return "RESOURCE_EXHAUSTED";
  case KILN_STATUS_INTERNAL:
    return "INTERNAL";
  case KILN_STATUS_UNIMPLEMENTED:
    return "UNIMPLEMENTED";
  case KILN_STATUS_ABI_MISMATCH:
    return "ABI_MISMATCH";
  case KILN_STATUS_UNAVAILABLE:
    return "UNAVAILABLE";
  case KILN_STATUS_CANCELLED:
    return "CANCELLED";
  }
  return "UNKNOWN";
}

} // extern "C"
