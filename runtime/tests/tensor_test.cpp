//===- tensor_test.cpp - Host tensors ---------------------------*- C++ -*-===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "test_util.h"

#include <cstdint>

using namespace kiln::test;

TEST(Tensor, DtypeSizes) {
  struct {
    int32_t dtype;
    size_t size;
    const char *name;
  } cases[] = {{1, 4, "float32"},  {2, 1, "uint8"},    {3, 1, "int8"},    {4, 2, "uint16"},
               {5, 2, "int16"},    {6, 4, "int32"},    {7, 8, "int64"},   {9, 1, "bool"},
               {10, 2, "float16"}, {11, 8, "float64"}, {12, 4, "uint32"}, {13, 8, "uint64"},
               {16, 2, "bfloat16"},
               // float8 and float4 are bit patterns; the 4- and 2-bit types are unpacked.
               {17, 1, "float8e4m3fn"}, {18, 1, "float8e4m3fnuz"}, {19, 1, "float8e5m2"},
               {20, 1, "float8e5m2fnuz"}, {21, 1, "uint4"},       {22, 1, "int4"},
               {23, 1, "float4e2m1"},   {24, 1, "float8e8m0"},     {25, 1, "uint2"},
               {26, 1, "int2"}};
  for (auto &c : cases) {
    EXPECT_EQ(kiln_dtype_size(c.dtype), c.size) << c.name;
    EXPECT_STREQ(kiln_dtype_name(c.dtype), c.name);
  }
  EXPECT_EQ(kiln_dtype_size(8), 0u); // string
}

TEST(Tensor, CreateIsAlignedAndZeroed) {
  int64_t dims[] = {3, 5};
  kiln_tensor *t = nullptr;
  KILN_ASSERT_OK(kiln_tensor_create(7, 2, dims, nullptr, &t));
  TensorPtr owner(t);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(kiln_tensor_data(t)) % 64, 0u);
  EXPECT_EQ(kiln_tensor_byte_size(t), 3u * 5 * 8);
  EXPECT_EQ(kiln_tensor_num_elements(t), 15);
  EXPECT_EQ(kiln_tensor_rank(t), 2);
  EXPECT_EQ(kiln_tensor_dtype(t), 7);
  EXPECT_EQ(kiln_tensor_dims(t)[1], 5);
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ(static_cast<int64_t *>(kiln_tensor_data(t))[i], 0);
}

TEST(Tensor, CreateUsesAllocator) {
  CountingAllocator counter;
  kiln_allocator a = counter.get();
  int64_t dims[] = {0};
  kiln_tensor *t = nullptr;
  KILN_ASSERT_OK(kiln_tensor_create(1, 1, dims, &a, &t));
  EXPECT_NE(kiln_tensor_data(t), nullptr); // even when empty
  EXPECT_EQ(counter.live, 1);
  kiln_tensor_release(t);
  EXPECT_EQ(counter.live, 0);
}

TEST(Tensor, WrapDoesNotCopyOrFree) {
  float data[6] = {1, 2, 3, 4, 5, 6};
  int64_t dims[] = {2, 3};
  kiln_tensor *t = nullptr;
  KILN_ASSERT_OK(kiln_tensor_wrap(1, 2, dims, data, sizeof(data), &t));
  EXPECT_EQ(kiln_tensor_data(t), data);
  kiln_tensor_release(t);
  EXPECT_EQ(data[5], 6); // still ours
  expectError(kiln_tensor_wrap(1, 2, dims, data, 20, &t), KILN_STATUS_INVALID_ARGUMENT,
              "expected 24 bytes for dims [2,3] of float32, got 20");
}

TEST(Tensor, Errors) {
  kiln_tensor *t = nullptr;
  int64_t dims[] = {2, -1};
  expectError(kiln_tensor_create(8, 2, dims, nullptr, &t), KILN_STATUS_UNIMPLEMENTED,
              "unsupported dtype 8 (string)");
  expectError(kiln_tensor_create(1, 2, dims, nullptr, &t), KILN_STATUS_INVALID_ARGUMENT,
              "dim 1 must be >= 0, got -1");
  expectError(kiln_tensor_create(1, -1, dims, nullptr, &t), KILN_STATUS_INVALID_ARGUMENT,
              "rank must be >= 0");
  int64_t huge[] = {INT64_MAX, INT64_MAX};
  expectError(kiln_tensor_create(1, 2, huge, nullptr, &t), KILN_STATUS_INVALID_ARGUMENT,
              "too large");
  expectError(kiln_tensor_create(1, 0, nullptr, nullptr, nullptr), KILN_STATUS_INVALID_ARGUMENT,
              "out is NULL");
  EXPECT_EQ(t, nullptr);
}
