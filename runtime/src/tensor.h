//===- tensor.h - The kiln_tensor object ------------------------*- C++ -*-===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_SRC_TENSOR_H
#define KILN_RUNTIME_SRC_TENSOR_H

#include "kiln/runtime.h"

#include <vector>

struct kiln_tensor {
  /// Where `data` lives: the host for every tensor of this runtime.
  kiln_device device{KILN_DEVICE_HOST, 0};
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  void *data = nullptr;
  size_t byteSize = 0;
  /// True when the runtime allocated `data` with `allocator` and frees it.
  bool owned = false;
  kiln_allocator allocator{};
};

namespace kiln::runtime {

/// Alignment of every runtime-allocated buffer (the model ABI requires 64).
constexpr size_t kBufferAlignment = 64;

/// Creates a runtime-owned tensor with `allocator` (must have alloc and free).
kiln_status *createTensor(int32_t dtype, int32_t rank, const int64_t *dims,
                          const kiln_allocator &allocator, kiln_tensor **out);

} // namespace kiln::runtime

#endif // KILN_RUNTIME_SRC_TENSOR_H
