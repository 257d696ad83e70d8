//===- allocator.cpp - The default host allocator ---------------*- C++ -*-===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "kiln/runtime.h"

#include <cstdlib>

namespace {
void *defaultAlloc(void *, size_t bytes, size_t alignment) {
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  void *p = nullptr;
  // posix_memalign(0) may return NULL; always hand out a real block.
  if (posix_memalign(&p, alignment, bytes ? bytes : 1) != 0)
    return nullptr;
  return p;
}

void defaultFree(void *, void *ptr) { std::free(ptr); }
} // namespace

extern "C" kiln_allocator kiln_allocator_default(void) {
  return kiln_allocator{nullptr, defaultAlloc, defaultFree};
}
