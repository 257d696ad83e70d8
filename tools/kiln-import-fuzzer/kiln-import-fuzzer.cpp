//===- kiln-import-fuzzer.cpp - libFuzzer entry for the ONNX importer -----===//
//
// Feeds arbitrary bytes to the importer: binary protobuf, or ONNX text syntax when the
// input starts with '<'. Any crash, sanitizer report, hang or abort is a bug; a
// diagnostic is the expected outcome for garbage. Run with scripts/fuzz.sh.
// StructureMutator.cpp supplies the mutations (ModelProto-aware, bytes as fallback).
//
//===----------------------------------------------------------------------===//

#include "frontend/Importer.h"
#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: nothing carries over, so every crash reproduces alone.
  mlir::DialectRegistry registry;
  registry.insert<kiln::onnxir::ONNXDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) { return mlir::success(); });

  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (!bytes.empty() && bytes.front() == '<')
    (void)kiln::frontend::importOnnxText(context, bytes, "fuzz-input");
  else
    (void)kiln::frontend::importOnnxBytes(context, bytes, "fuzz-input", /*baseDir=*/"");
  return 0;
}
