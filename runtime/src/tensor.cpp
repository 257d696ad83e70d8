//===- tensor.cpp - kiln_tensor ---------------------------------*- C++ -*-===//
//
// Part of Kiln. Host tensors: runtime-allocated (create) or caller-owned (wrap).
//
//===----------------------------------------------------------------------===//

#include "tensor.h"
#include "status.h"

#include <cstring>
#include <memory>

using namespace kiln::runtime;

namespace {
kiln_status *checkShape(const char *fn, int32_t dtype, int32_t rank, const int64_t *dims,
                        size_t &bytes) {
  if (kiln_dtype_size(dtype) == 0)
    return error(KILN_STATUS_UNIMPLEMENTED, fn, ": unsupported dtype ", dtype, " (",
                 kiln_dtype_name(dtype), ")");
  if (rank < 0)
    return error(KILN_STATUS_INVALID_ARGUMENT, fn, ": rank must be >= 0, got ", rank);
  if (rank > 0 && !dims)
    return error(KILN_STATUS_INVALID_ARGUMENT, fn, ": dims is NULL for rank ", rank);
  for (int32_t i = 0; i < rank; ++i)
    if (dims[i] < 0)
      return error(KILN_STATUS_INVALID_ARGUMENT, fn, ": dim ", i, " must be >= 0, got ", dims[i],
                   " in ", formatDims(dims, rank));
  if (!computeByteSize(dtype, rank, dims, bytes))
    return error(KILN_STATUS_INVALID_ARGUMENT, fn, ": tensor of dims ", formatDims(dims, rank),
                 " and dtype ", kiln_dtype_name(dtype), " is too large");
  return nullptr;
}
} // namespace

kiln_status *kiln::runtime::createTensor(int32_t dtype, int32_t rank, const int64_t *dims,
                                         const kiln_allocator &allocator, kiln_tensor **out) {
  size_t bytes = 0;
  if (kiln_status *s = checkShape("kiln_tensor_create", dtype, rank, dims, bytes))
    return s;
  auto tensor = std::make_unique<kiln_tensor>();
  tensor->dtype = dtype;
  tensor->dims.assign(dims, dims + rank);
  tensor->byteSize = bytes;
  tensor->allocator = allocator;
  tensor->data = allocator.alloc(allocator.ctx, bytes ? bytes : 1, kBufferAlignment);
  if (!tensor->data)
    return error(KILN_STATUS_RESOURCE_EXHAUSTED, "kiln_tensor_create: cannot allocate ", bytes,
                 " bytes for a tensor of dims ", formatDims(dims, rank));
  tensor->owned = true;
  std::memset(tensor->data, 0, bytes);
  *out = tensor.release();
  return nullptr;
}

extern "C" {

kiln_status *kiln_tensor_create(int32_t dtype, int32_t rank, const int64_t *dims,
                                const kiln_allocator *allocator, kiln_tensor **out) {
  KILN_API_GUARD_BEGIN
  if (!out)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_tensor_create: out is NULL");
  *out = nullptr;
  kiln_allocator a = allocator && allocator->alloc ? *allocator : kiln_allocator_default();
  if (!a.free)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_tensor_create: allocator has no free");
  return createTensor(dtype, rank, dims, a, out);
  KILN_API_GUARD_END("kiln_tensor_create")
}

kiln_status *kiln_tensor_wrap(int32_t dtype, int32_t rank, const int64_t *dims, void *data,
                              size_t byte_size, kiln_tensor **out) {
  KILN_API_GUARD_BEGIN
  if (!out)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_tensor_wrap: out is NULL");
  *out = nullptr;
  size_t bytes = 0;
  if (kiln_status *s = checkShape("kiln_tensor_wrap", dtype, rank, dims, bytes))
    return s;
  if (byte_size != bytes)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_tensor_wrap: expected ", bytes,
                 " bytes for dims ", formatDims(dims, rank), " of ", kiln_dtype_name(dtype),
                 ", got ", byte_size);
  if (!data && bytes)
    return error(KILN_STATUS_INVALID_ARGUMENT, "kiln_tensor_wrap: data is NULL");
  auto tensor = std::make_unique<kiln_tensor>();
  tensor->dtype = dtype;
  tensor->dims.assign(dims, dims + rank);
  tensor->byteSize = bytes;
  tensor->data = data;
  *out = tensor.release();
  return nullptr;
  KILN_API_GUARD_END("kiln_tensor_wrap")
}

void kiln_tensor_release(kiln_tensor *tensor) {
  if (!tensor)
    return;
  if (tensor->owned)
    tensor->allocator.free(tensor->allocator.ctx, tensor->data);
  delete tensor;
}

int32_t kiln_tensor_dtype(const kiln_tensor *t) { return t ? t->dtype : 0; }
int32_t kiln_tensor_rank(const kiln_tensor *t) {
  return t ? static_cast<int32_t>(t->dims.size()) : 0;
}
const int64_t *kiln_tensor_dims(const kiln_tensor *t) { return t ? t->dims.data() : nullptr; }
void *kiln_tensor_data(const kiln_tensor *t) { return t ? t->data : nullptr; }
size_t kiln_tensor_byte_size(const kiln_tensor *t) { return t ? t->byteSize : 0; }
kiln_device kiln_tensor_device(const kiln_tensor *t) { return t ? t->device : kiln_device_host(); }
int64_t kiln_tensor_num_elements(const kiln_tensor *t) {
  if (!t)
    return 0;
  int64_t n = 1;
  for (int64_t d : t->dims)
    n *= d;
  return n;
}

} // extern "C"
