//===- Target.h - What a backend implements ----------------------*- C++ -*-===//
//
// A target turns the module the shared pipeline produces (passes/Pipelines: bufferized
// linalg, the arena planned, the shape function cut) into a model library for one kind
// of device. Kiln's data flow, per target:
//
//   checkOptions ── lowerModel (Compiler.h): after-import passes, readModelSignature,
//   prepareModule, the shared pipeline, buildLoweringPipeline ── emit
//
// Targets register themselves by name (registerTarget); `kilnc --target=NAME` picks
// one. A new backend is a folder under backends/ with one Target subclass and a
// register function called from backends/AllTargets.cpp; nothing else changes.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKENDS_TARGET_TARGET_H
#define KILN_BACKENDS_TARGET_TARGET_H

#include "backends/target/ModelSignature.h"
#include "passes/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace kiln {

/// Everything a compile is asked to do: the shared pipeline's options plus the target's.
struct CompileOptions : PipelineOptions {
  std::string targetCpu;       ///< the processor (an LLVM CPU name on cpu); empty = the host's
  std::string targetFeatures;  ///< LLVM feature string; empty = the host's (or the CPU's)
  std::string cCompiler;       ///< compiles the glue and links; empty = the one Kiln was built with
  bool profile = false;        ///< time each kernel through the runtime (kiln-run --profile)
  /// Instrument the generated code and the glue with AddressSanitizer: the model then loads
  /// only into a host built with -fsanitize=address (the sanitizer build's kiln-run).
  bool sanitizeAddress = false;
  /// --precision=bf16: contractions with constant weights multiply in bf16 where the
  /// target can (f32 accumulation), except those of the `keepFp32` nodes.
  bool bf16 = false;
  /// --precision=fp16: constant weights of contractions stored in fp16 and widened to f32
  /// as the kernel loads them (f32 arithmetic), except those of the `keepFp32` nodes.
  bool fp16 = false;
  std::vector<std::string> keepFp32;
  /// Threads for LLVM's optimization and code generation (the module is split into as
  /// many parts); 0: this machine's cores, at most 8.
  unsigned compileThreads = 0;
};

/// What Target::emit writes.
enum class ArtifactKind {
  TargetIR, ///< the target's optimized IR as text (LLVM IR on cpu)
  Object,   ///< a relocatable object file
  Library,  ///< a model library (.so) the runtime loads
};

class Target {
public:
  virtual ~Target();

  /// The name `kilnc --target=` takes, and one line for `kilnc --help`.
  virtual llvm::StringRef name() const = 0;
  virtual llvm::StringRef description() const = 0;

  /// Dialects the target's passes create (the pipeline is parsed before it runs).
  virtual void registerDialects(mlir::DialectRegistry &registry) const {}
  /// Registers the target's passes; called once, before plugins load.
  virtual void registerPasses() const {}

  /// Checks the options before anything compiles (e.g. that targetCpu names a CPU
  /// this target can generate code for), with a one-line message in `error`.
  virtual mlir::LogicalResult checkOptions(const CompileOptions &options,
                                           std::string &error) const {
    return mlir::success();
  }

  /// Whether --precision=bf16 convolutions run so much faster than f32 ones on this
  /// target (AMX tiles) that Winograd's f32 products lose to the direct convolution: the
  /// shared pipeline then keeps Winograd for the --keep-fp32 nodes only.
  virtual bool bf16BeatsWinograd(const CompileOptions &options) const { return false; }

  /// Sees the module after import and shape refinement, before it is lowered.
  virtual void prepareModule(mlir::ModuleOp module, const CompileOptions &options) const {}

  /// Passes on the bufferized module before the arena is planned (kernels that fuse
  /// several linalg ops, so each fused output's lifetime starts with its kernel), as
  /// text; may be empty.
  virtual std::string buildBeforePlanningPipeline(const CompileOptions &options) const {
    return "";
  }

  /// The passes after the shared pipeline (buildBufferizationPipeline), as text.
  virtual std::string buildLoweringPipeline(const CompileOptions &options) const = 0;

  /// Writes the lowered module as `kind` to `os` (the caller checks the stream's
  /// errors). Phases nest under `timing`.
  virtual mlir::LogicalResult emit(mlir::ModuleOp module, const ModelSignature &signature,
                                   const CompileOptions &options, ArtifactKind kind,
                                   llvm::raw_ostream &os, mlir::TimingScope &timing,
                                   std::string &error) const = 0;
};

/// Adds a target to the registry (once per name).
void registerTarget(std::unique_ptr<Target> target);
/// Registers every target Kiln was built with (backends/AllTargets.cpp); safe to call again.
void registerAllTargets();
/// The target named `name`, or null.
const Target *lookupTarget(llvm::StringRef name);
/// Every registered target, by name.
std::vector<const Target *> registeredTargets();

} // namespace kiln

#endif // KILN_BACKENDS_TARGET_TARGET_H
