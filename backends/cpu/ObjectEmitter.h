//===- ObjectEmitter.h - LLVM dialect to an optimized object file -*- C++ -*-===//
//
// The CPU target's last steps (CpuTarget.cpp): the LLVM-dialect module to LLVM IR,
// LLVM's O-level pipeline for the target CPU, and an object file.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKENDS_CPU_OBJECTEMITTER_H
#define KILN_BACKENDS_CPU_OBJECTEMITTER_H

#include "backends/target/Target.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class raw_ostream;
} // namespace llvm

namespace kiln::cpu {

/// Checks that options.targetCpu (when set) is a CPU LLVM can generate code for on this
/// host's architecture, and that options.targetFeatures only names known features.
mlir::LogicalResult checkTargetCpu(const CompileOptions &options, std::string &error);

/// Translates an LLVM-dialect module to LLVM IR and optimizes it for the target.
/// `targetCpuUsed` is the CPU it was compiled for (the host's unless one was named).
std::unique_ptr<llvm::Module> translateAndOptimize(mlir::ModuleOp module,
                                                   llvm::LLVMContext &llvmContext,
                                                   const CompileOptions &options,
                                                   std::string &targetCpuUsed);

/// Emits `llvmModule` as a relocatable PIC object file into `os`. The caller checks
/// the stream's errors (os.has_error()) after flushing it.
mlir::LogicalResult emitObjectFile(llvm::Module &llvmModule, const CompileOptions &options,
                                   llvm::raw_ostream &os, std::string &error);

/// The threads LLVM's optimization and code generation use: options.compileThreads, or
/// this machine's cores (at most 8) when it is 0.
unsigned compileThreads(const CompileOptions &options);

/// Translates an LLVM-dialect module to LLVM IR, splits it into up to compileThreads()
/// partitions of about equal size, and optimizes and compiles them in parallel: one
/// relocatable PIC object per partition in `objects` (their bytes), to be linked together.
/// One partition (the whole module) with AddressSanitizer or a single thread.
mlir::LogicalResult emitObjectFiles(mlir::ModuleOp module, const CompileOptions &options,
                                    std::vector<std::string> &objects,
                                    std::string &targetCpuUsed, std::string &error);

} // namespace kiln::cpu

#endif // KILN_BACKENDS_CPU_OBJECTEMITTER_H
