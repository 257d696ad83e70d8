//===- CpuBackend.h - ONNX module to native model library --------*- C++ -*-===//
//
// The CPU backend takes an imported module (onnx dialect, entry @main) and produces a
// shared library implementing kiln/model_abi.h:
//
//   lowerToLLVMDialect: shape refinement, onnx -> linalg, elementwise fusion, the
//     shape function, bufferization, parallel loops outlined to the runtime's
//     parallel-for, LLVM dialect;
//   emitObject: LLVM IR, LLVM's O-level pipeline for the target CPU, an object file;
//   linkModelLibrary: the C ABI glue plus the object, linked into model.so.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKENDS_CPU_CPUBACKEND_H
#define KILN_BACKENDS_CPU_CPUBACKEND_H

#include "backends/cpu/ModelSignature.h"
#include "kiln/ExtensionPoint.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <functional>
#include <map>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class raw_ostream;
} // namespace llvm

namespace kiln::cpu {

struct CompileOptions {
  unsigned optLevel = 2;       ///< 0..3, for both MLIR fusion and LLVM
  std::string targetCpu;       ///< LLVM CPU name; empty = the host CPU
  std::string targetFeatures;  ///< LLVM feature string; empty = the host's (or the CPU's)
  std::string cCompiler;       ///< compiles the glue and links; empty = the one Kiln was built with
  bool profile = false;        ///< time each kernel through the runtime (kiln-instrument-profile)
  /// Instrument the generated code and the glue with AddressSanitizer: the model then loads
  /// only into a host built with -fsanitize=address (the sanitizer build's kiln-run).
  bool sanitizeAddress = false;
  /// Lets the caller instrument the pass manager (IR printing, timing) before it runs.
  std::function<void(mlir::PassManager &)> configurePassManager;
  /// Textual pipelines run at the named points of the pipeline (plugins, --kiln-extension).
  std::map<ExtensionPoint, std::string> extensions;
};

/// Registers every pass the pipeline names (MLIR's and Kiln's); safe to call again.
/// Hosts call it before loading plugins, so no plugin can take a name the pipeline uses.
void registerPipelinePasses();

/// Adds the first stage of lowerToLLVMDialect: kiln-upgrade-onnx-ops, kiln-infer-shapes
/// and the after-import extension point's pipeline (the shipped fusions at -O1 and up).
/// On a bad extension pipeline, fails with the parser's message in `error`.
mlir::LogicalResult addAfterImportPasses(mlir::OpPassManager &pm, const CompileOptions &options,
                                         std::string &error);

/// Runs the passes that take an imported module to the LLVM dialect. On success,
/// `signature` holds the model's interface as the C ABI describes it.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module, const CompileOptions &options,
                                       ModelSignature &signature);

/// Translates an LLVM-dialect module to LLVM IR and optimizes it for the target.
std::unique_ptr<llvm::Module> translateAndOptimize(mlir::ModuleOp module,
                                                   llvm::LLVMContext &llvmContext,
                                                   const CompileOptions &options,
                                                   std::string &targetCpuUsed);

/// Emits `llvmModule` as a relocatable PIC object file into `os`. The caller checks
/// the stream's errors (os.has_error()) after flushing it.
mlir::LogicalResult emitObjectFile(llvm::Module &llvmModule, const CompileOptions &options,
                                   llvm::raw_ostream &os, std::string &error);

/// Writes the ABI glue to a private temporary folder, compiles and links it with
/// `objectPath` into a shared library there, and writes the library's bytes to `os`
/// (the caller checks the stream's errors). The C compiler runs in a process group of
/// its own: SIGINT, SIGTERM or SIGHUP during the link stop it, remove the folder and
/// then re-raise the signal, so the process ends as that signal's default action (or
/// an earlier handler, e.g. LLVM's file removal) says.
mlir::LogicalResult linkModelLibrary(const ModelSignature &signature,
                                     llvm::StringRef targetCpu, llvm::StringRef objectPath,
                                     llvm::raw_ostream &os, const CompileOptions &options,
                                     std::string &error);

} // namespace kiln::cpu

#endif // KILN_BACKENDS_CPU_CPUBACKEND_H
