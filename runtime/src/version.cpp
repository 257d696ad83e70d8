//===- version.cpp - kiln_runtime_version -----------------------*- C++ -*-===//
//
// Part of Kiln.
//
//===----------------------------------------------------------------------===//

#include "kiln/model_abi.h"
#include "kiln/runtime.h"

#define KILN_STR2(x) #x
#define KILN_STR(x) KILN_STR2(x)

#ifndef KILN_RUNTIME_VERSION_STRING
#define KILN_RUNTIME_VERSION_STRING "0.1.0"
#endif

extern "C" const char *kiln_runtime_version(void) {
  return "kiln-runtime " KILN_RUNTIME_VERSION_STRING
         " (model ABI " KILN_STR(KILN_MODEL_ABI_VERSION) ")";
}
