//===- test_util.h - Helpers for the runtime tests --------------*- C++ -*-===//
//
// Part of Kiln. Paths of the test models come from CMake as macros.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_TESTS_TEST_UTIL_H
#define KILN_RUNTIME_TESTS_TEST_UTIL_H

#include "kiln/runtime.h"

#include <atomic>
#include <cstdlib>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

namespace kiln::test {

/// Unwraps a status: "OK" or "CODE: message"; frees it.
inline std::string describe(kiln_status *status) {
  if (!status)
    return "OK";
  std::string s = std::string(kiln_status_code_name(kiln_status_code(status))) + ": " +
                  kiln_status_message(status);
  kiln_status_free(status);
  return s;
}

#define KILN_ASSERT_OK(expr) ASSERT_EQ(::kiln::test::describe(expr), "OK")
#define KILN_EXPECT_OK(expr) EXPECT_EQ(::kiln::test::describe(expr), "OK")

/// Expects `status` to have `code` and a message containing `substring`.
inline void expectError(kiln_status *status, kiln_status_code_t code,
                        const std::string &substring) {
  ASSERT_NE(status, nullptr) << "expected " << kiln_status_code_name(code) << " containing '"
                             << substring << "'";
  EXPECT_EQ(kiln_status_code(status), code) << kiln_status_message(status);
  EXPECT_NE(std::string(kiln_status_message(status)).find(substring), std::string::npos)
      << "message: " << kiln_status_message(status) << "\nexpected to contain: " << substring;
  kiln_status_free(status);
}

struct ModelDeleter {
  void operator()(kiln_model *m) const { kiln_model_release(m); }
};
struct SessionDeleter {
  void operator()(kiln_session *s) const { kiln_session_release(s); }
};
struct TensorDeleter {
  void operator()(kiln_tensor *t) const { kiln_tensor_release(t); }
};
using ModelPtr = std::unique_ptr<kiln_model, ModelDeleter>;
using SessionPtr = std::unique_ptr<kiln_session, SessionDeleter>;
using TensorPtr = std::unique_ptr<kiln_tensor, TensorDeleter>;

inline ModelPtr loadModel(const char *path) {
  kiln_model *m = nullptr;
  kiln_status *s = kiln_model_load(path, nullptr, &m);
  EXPECT_EQ(describe(s), "OK");
  return ModelPtr(m);
}

inline SessionPtr createSession(kiln_model *model, int32_t threads = 0,
                                const kiln_allocator *allocator = nullptr) {
  kiln_session_options options;
  kiln_session_options_initialize(&options);
  options.num_threads = threads;
  if (allocator)
    options.allocator = *allocator;
  kiln_session *s = nullptr;
  EXPECT_EQ(describe(kiln_session_create(model, &options, &s)), "OK");
  return SessionPtr(s);
}

/// A float32 tensor filled with start, start+step, ...
inline TensorPtr floatTensor(std::vector<int64_t> dims, float start = 0, float step = 1) {
  kiln_tensor *t = nullptr;
  kiln_status *s =
      kiln_tensor_create(1, static_cast<int32_t>(dims.size()), dims.data(), nullptr, &t);
  EXPECT_EQ(describe(s), "OK");
  auto *data = static_cast<float *>(kiln_tensor_data(t));
  for (int64_t i = 0; i < kiln_tensor_num_elements(t); ++i)
    data[i] = start + step * static_cast<float>(i);
  return TensorPtr(t);
}

/// An allocator that counts live blocks.
struct CountingAllocator {
  std::atomic<int64_t> live{0}, total{0};
  kiln_allocator get() {
    return kiln_allocator{this,
                          [](void *ctx, size_t bytes, size_t alignment) -> void * {
                            auto *self = static_cast<CountingAllocator *>(ctx);
                            void *p = nullptr;
                            if (posix_memalign(&p, alignment, bytes) != 0)
                              return nullptr;
                            ++self->live;
                            ++self->total;
                            return p;
                          },
                          [](void *ctx, void *p) {
                            if (!p)
                              return;
                            --static_cast<CountingAllocator *>(ctx)->live;
                            std::free(p);
                          }};
  }
};

} // namespace kiln::test

#endif // KILN_RUNTIME_TESTS_TEST_UTIL_H
