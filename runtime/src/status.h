//===- status.h - Internal helpers for kiln_status --------------*- C++ -*-===//
//
// Part of Kiln. Builds kiln_status objects and guards the C boundary so that no
// C++ exception escapes the API.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_STATUS_H
#define KILN_RUNTIME_SRC_STATUS_H

#include "kiln/runtime.h"

#include <cstdint>
#include <new>
#include <sstream>
#include <string>
#include <vector>

struct kiln_status {
  kiln_status_code_t code;
  std::string message;
};

namespace kiln::runtime {

/// Returns a new status (or a static out-of-memory status if allocation fails).
kiln_status *makeStatus(kiln_status_code_t code, const std::string &message);

/// Builds a status from stream-style pieces: error(CODE, "a ", 1, " b").
template <typename... Args> kiln_status *error(kiln_status_code_t code, const Args &...args) {
  std::ostringstream os;
  (os << ... << args);
  return makeStatus(code, os.str());
}

/// Formats dims as "[2,3,-1]".
std::string formatDims(const int64_t *dims, int32_t rank);
inline std::string formatDims(const std::vector<int64_t> &dims) {
  return formatDims(dims.data(), static_cast<int32_t>(dims.size()));
}

/// Multiplies dims (all >= 0) and the element size; false on overflow.
bool computeByteSize(int32_t dtype, int32_t rank, const int64_t *dims, size_t &bytes);

/// Converts an exception in flight to a status; call from a catch(...) block.
kiln_status *statusFromCurrentException(const char *where);

} // namespace kiln::runtime

/// Wraps the body of an API function that returns kiln_status*.
#define KILN_API_GUARD_BEGIN try {
#define KILN_API_GUARD_END(where)                                                                  \
  }                                                                                                \
  catch (...) {                                                                                    \
    return ::kiln::runtime::statusFromCurrentException(where);                                     \
  }

#endif // KILN_RUNTIME_SRC_STATUS_H
