//===- CpuTarget.cpp - The host CPU target --------------------------------===//

#include "backends/cpu/CpuTarget.h"
#include "backends/target/Linker.h"
#include "backends/cpu/Contraction.h"
#include "backends/cpu/InstrumentProfile.h"
#include "backends/cpu/ObjectEmitter.h"
#include "backends/cpu/Passes.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace kiln::cpu {
namespace {

/// " keep-fp32=a,b" for kiln-lower-contractions (kilnc rejects names the option syntax
/// cannot carry), or "".
std::string keepFp32Option(const CompileOptions &options) {
  std::string list;
  for (const std::string &name : options.keepFp32)
    list += (list.empty() ? "" : ",") + name;
  return list.empty() ? "" : " keep-fp32=" + list;
}

class CpuTarget : public Target {
public:
  llvm::StringRef name() const override { return "cpu"; }
  llvm::StringRef description() const override {
    return "this machine's CPU, or --target-cpu (AVX2, AVX-512, VNNI, AMX as it has them)";
  }

  void registerPasses() const override { registerCpuPasses(); }

  LogicalResult checkOptions(const CompileOptions &options, std::string &error) const override {
    return checkTargetCpu(options, error);
  }

  // vdpbf16ps is no faster than two f32 FMAs; AMX's tdpbf16ps is 8 times faster.
  bool bf16BeatsWinograd(const CompileOptions &options) const override {
    return options.bf16 && chooseTileShape(options).amx;
  }

  void prepareModule(ModuleOp module, const CompileOptions &options) const override {
    if (options.profile)
      recordNodeOpTypes(module);
  }

  // Contractions and depthwise convolutions take their elementwise consumer as an
  // epilogue; lowered before the arena is planned, the consumer's output is seen live
  // while the kernel still reads its inputs, so the planner never overlaps them (which
  // would forbid the fusion).
  std::string buildBeforePlanningPipeline(const CompileOptions &options) const override {
    if (options.optLevel == 0)
      return "";
    TileShape tile = chooseTileShape(options);
    return "kiln-lower-contractions{tile-rows=" + std::to_string(tile.rows) +
           " tile-vectors=" + std::to_string(tile.vectors) +
           " vector-width=" + std::to_string(tile.width) +
           (tile.width == 16 ? " adapt-tiles=true" : "") + (tile.vnni ? " vnni=true" : "") +
           (options.bf16 && tile.bf16 ? " bf16=true" + keepFp32Option(options) : "") +
           (options.fp16 ? " fp16-weights=true" + keepFp32Option(options) : "") +
           (tile.amx ? " amx=true" : "") +
           "},canonicalize,cse";
  }

  std::string buildLoweringPipeline(const CompileOptions &options) const override {
    std::string p;
    if (options.optLevel > 0) {
      std::string width = std::to_string(chooseTileShape(options).width);
      p += "kiln-approximate-math,kiln-lower-copies,kiln-tile-transposes{vector-width=" + width +
           "},kiln-vectorize-elementwise{vector-width=" + width + "},kiln-relax-reductions,";
    }
    if (options.profile)
      p += "kiln-instrument-profile,";
    p += "convert-linalg-to-parallel-loops,canonicalize,kiln-outline-parallel-loops";
    // Checks become branches once every function is a CFG; parallel bodies are outlined
    // by then, so a failure in one is seen by its dispatch's caller (LowerChecks.cpp).
    p += ",convert-scf-to-cf,kiln-lower-checks,expand-strided-metadata,lower-affine,";
    p += options.optLevel > 0 ? "kiln-expand-arith" : "arith-expand";
    // The bf16 and 8-bit kernels' AMX tiles need the AMX legalization.
    TileShape tile = chooseTileShape(options);
    p += tile.amx ? ",convert-vector-to-llvm{enable-amx=true}" : ",convert-vector-to-llvm";
    p += ",convert-math-to-funcs,convert-math-to-llvm,convert-math-to-libm";
    // Heap buffers (those the arena does not hold) go through the glue's
    // _mlir_memref_to_llvm_alloc/free, i.e. the session's allocator (AbiGlue.cpp).
    p += ",convert-arith-to-llvm,convert-index-to-llvm,"
         "finalize-memref-to-llvm{use-generic-functions=true}";
    p += ",convert-func-to-llvm,convert-cf-to-llvm,convert-ub-to-llvm,"
         "reconcile-unrealized-casts";
    p += ",kiln-lower-parallel-dispatch,canonicalize";
    return p;
  }

  LogicalResult emit(ModuleOp module, const ModelSignature &signature,
                     const CompileOptions &options, ArtifactKind kind, llvm::raw_ostream &os,
                     TimingScope &timing, std::string &error) const override {
    if (kind == ArtifactKind::Library)
      return emitLibrary(module, signature, options, os, timing, error);
    llvm::LLVMContext llvmContext;
    std::string cpuUsed;
    std::unique_ptr<llvm::Module> llvmModule;
    {
      TimingScope llvmTimer = timing.nest("LLVM optimization");
      llvmModule = translateAndOptimize(module, llvmContext, options, cpuUsed);
    }
    if (!llvmModule)
      return failure(); // already reported on the module
    if (kind == ArtifactKind::TargetIR) {
      llvmModule->print(os, nullptr);
      return success();
    }
    TimingScope codegenTimer = timing.nest("Code generation");
    return emitObjectFile(*llvmModule, options, os, error);
  }

private:
  /// LLVM optimizes and compiles the module in parallel parts (emitObjectFiles), each
  /// part's object goes to a temporary file (a TempFile, so that SIGINT/SIGTERM remove
  /// it too), then the glue is linked around them.
  LogicalResult emitLibrary(ModuleOp module, const ModelSignature &signature,
                            const CompileOptions &options, llvm::raw_ostream &os,
                            TimingScope &timing, std::string &error) const {
    std::vector<std::string> objects;
    std::string cpuUsed;
    {
      TimingScope llvmTimer = timing.nest(
          "LLVM optimization and code generation, " + std::to_string(compileThreads(options)) +
          " threads");
      if (failed(emitObjectFiles(module, options, objects, cpuUsed, error)))
        return failure();
    }
    llvm::SmallString<128> objectModel;
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/true, objectModel);
    llvm::sys::path::append(objectModel, "kiln-model-%%%%%%%%.o");
    std::vector<llvm::sys::fs::TempFile> files;
    llvm::scope_exit discardObjects([&] {
      for (llvm::sys::fs::TempFile &file : files)
        llvm::consumeError(file.discard());
    });
    std::vector<std::string> paths;
    for (const std::string &bytes : objects) {
      llvm::Expected<llvm::sys::fs::TempFile> object =
          llvm::sys::fs::TempFile::create(objectModel);
      if (!object) {
        error = "cannot create a temporary object file: " + llvm::toString(object.takeError());
        return failure();
      }
      files.push_back(std::move(*object));
      llvm::raw_fd_ostream objectStream(files.back().FD, /*shouldClose=*/false);
      objectStream << bytes;
      objectStream.flush();
      if (std::error_code ec = objectStream.error()) {
        objectStream.clear_error();
        error = "cannot write the temporary object '" + files.back().TmpName +
                "': " + ec.message();
        return failure();
      }
      paths.push_back(files.back().TmpName);
    }
    TimingScope linkTimer = timing.nest("Link");
    LinkOptions link{options.cCompiler, cpuUsed, options.sanitizeAddress};
    if (failed(linkModelLibrary(signature, paths, link, os, error))) {
      error = "linking failed: " + error;
      return failure();
    }
    return success();
  }
};

} // namespace

void registerCpuTarget() { registerTarget(std::make_unique<CpuTarget>()); }

} // namespace kiln::cpu
