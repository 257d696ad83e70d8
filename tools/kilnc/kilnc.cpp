//===- kilnc.cpp - The Kiln compiler driver -------------------------------===//
//
//   kilnc MODEL.onnx -o MODEL.so [-O0..3] [--target-cpu=CPU] [--emit=mlir|llvm|obj|lib]
//         [--print-ir-after-all] [--timing] [--profile]
//         [--load-pass-plugin=P.so] [--kiln-extension=POINT:PIPELINE] [--kiln-stats]
//         [--disable-plugin=NAME]
//
// Imports an ONNX model (binary protobuf or ONNX text syntax) and compiles it into a
// shared library implementing kiln/model_abi.h. --emit=mlir stops after the after-import
// extension point (at -O0, where nothing runs there, right after the import).
//
// Outputs are written beside their path under a unique temporary name and renamed into
// place (tools/kilnc/OutputFile.h); an output that is one of the files kilnc reads is
// refused. Errors are one line on stderr and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/CpuBackend.h"
#include "frontend/Importer.h"
#include "ir/InitAllDialects.h"
#include "passes/Passes.h"
#include "kiln/Statistic.h"
#include "tools/kilnc/OutputFile.h"
#include "tools/kilnc/Plugins.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"

#include <signal.h>

using namespace llvm;

namespace {
enum class EmitKind { Mlir, Llvm, Obj, Lib };

cl::OptionCategory category("kilnc options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx | model.onnxtxt>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: the model name with the "
                                              "emitted kind's extension; '-' for stdout)"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::Lib), cl::cat(category),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir",
                          "the onnx-dialect module after import and the after-import "
                          "plugins (-O0: the plain import)"),
               clEnumValN(EmitKind::Llvm, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::Obj, "obj", "an object file"),
               clEnumValN(EmitKind::Lib, "lib", "a model library (.so) for the runtime")));
cl::opt<unsigned> optLevel("O", cl::desc("Optimization level (0-3)"), cl::init(2), cl::Prefix,
                           cl::cat(category));
cl::opt<std::string> targetCpu("target-cpu", cl::desc("CPU to compile for (default: the host)"),
                               cl::cat(category));
cl::opt<std::string> targetFeatures("target-features",
                                    cl::desc("LLVM feature string, with --target-cpu"),
                                    cl::cat(category));
cl::opt<bool> printIrAfterAll("print-ir-after-all", cl::desc("Print the IR after every pass"),
                              cl::cat(category));
cl::opt<bool> timing("timing", cl::desc("Report the time of each pass and phase"),
                     cl::cat(category));
cl::opt<bool> noChecker("no-onnx-checker",
                        cl::desc("Skip libonnx's model checker (opsets it knows only)"),
                        cl::cat(category));
cl::opt<bool> noOnnxShapeInference(
    "no-onnx-shape-inference",
    cl::desc("Skip libonnx's shape inference (opsets it knows only)"), cl::cat(category));
cl::opt<bool> noVersionConversion("no-version-conversion",
                                  cl::desc("Keep old opsets instead of converting them to 17"),
                                  cl::cat(category));
cl::opt<bool> report("report", cl::desc("Print what the compiler did (memory plan)"),
                    cl::cat(category));
cl::opt<bool> profile("profile",
                      cl::desc("Time each kernel at run time (kiln-run --profile prints it)"),
                      cl::cat(category));
cl::opt<bool> sanitizeAddress(
    "sanitize-address",
    cl::desc("Instrument the model with AddressSanitizer (it then runs only in an "
             "-fsanitize=address host, such as the sanitizer build's kiln-run)"),
    cl::init(false), cl::cat(category));
cl::opt<std::string> cCompiler("cc", cl::desc("C compiler used to link the model library"),
                               cl::cat(category));
cl::list<std::string> passPlugins("load-pass-plugin",
                                  cl::desc("Load a Kiln pass plugin (repeatable)"),
                                  cl::value_desc("plugin.so"), cl::cat(category));
cl::list<std::string> extensionSpecs(
    "kiln-extension",
    cl::desc("Run PIPELINE at an extension point of the pipeline: after-import, "
             "before-lowering, before-bufferize (repeatable)"),
    cl::value_desc("point:pipeline"), cl::cat(category));
cl::list<std::string> disabledPlugins(
    "disable-plugin", cl::desc("Do not load this shipped pass plugin at -O1 and above (repeatable)"),
    cl::value_desc("name"), cl::cat(category));
cl::opt<bool> passStatistics("kiln-stats",
                             cl::desc("Print the pass statistics (kiln::PassStatistic counters) after the pipeline"),
                             cl::cat(category));

std::string defaultOutput() {
  if (emit == EmitKind::Mlir || emit == EmitKind::Llvm)
    return "-";
  SmallString<128> path(inputFile.getValue());
  sys::path::replace_extension(path, emit == EmitKind::Obj ? ".o" : ".so");
  return std::string(path);
}

int fail(const Twine &message) {
  errs() << "kilnc: error: " << message << "\n";
  return 1;
}

/// The termination signals the process was started ignoring (a job started with `&`
/// by a shell without job control ignores SIGINT). LLVM's handlers replace them and,
/// after removing the temporaries, re-raise an ignored signal that then does nothing:
/// the compile would go on and "succeed" with its output gone. They stay ignored.
std::vector<int> ignoredSignals() {
  std::vector<int> ignored;
  for (int sig : {SIGHUP, SIGINT, SIGTERM}) {
    struct sigaction action;
    if (sigaction(sig, nullptr, &action) == 0 && action.sa_handler == SIG_IGN)
      ignored.push_back(sig);
  }
  return ignored;
}

/// Everything kilnc reads that an output must not replace: the model, its
/// external-data files (only looked up when `output` exists: else it is none of them),
/// and pass plugins.
std::vector<std::string> filesRead(StringRef output) {
  std::vector<std::string> files{inputFile.getValue()};
  files.insert(files.end(), passPlugins.begin(), passPlugins.end());
  if (output != "-" && sys::fs::exists(output)) {
    std::vector<std::string> data = kiln::externalDataFiles(inputFile);
    files.insert(files.end(), data.begin(), data.end());
  }
  return files;
}

/// Writes `print`'s text to `out` and moves it into place.
int writeText(kiln::OutputFile &out, function_ref<void(raw_ostream &)> print) {
  print(out.stream());
  std::string error;
  return out.commit(error) ? 0 : fail(error);
}
} // namespace

int main(int argc, char **argv) {
  std::vector<int> ignored = ignoredSignals();
  InitLLVM init(argc, argv);
  for (int sig : ignored)
    signal(sig, SIG_IGN);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "Kiln: ahead-of-time compiler for ONNX models\n");
  if (optLevel > 3)
    return fail("-O" + Twine(optLevel.getValue()) + " is not a level (0-3)");
  std::string output = outputFile.empty() ? defaultOutput() : outputFile.getValue();
  if (output == "-" && emit == EmitKind::Lib)
    return fail("--emit=lib cannot write to stdout ('-o -'); name a file");
  std::unique_ptr<kiln::OutputFile> out;
  {
    // Checked and opened before compiling, so a bad -o fails in a moment, not after
    // minutes of compilation. From here on, the temporary is removed on SIGINT/SIGTERM.
    std::string error;
    if (!kiln::checkOutputIsNotAnInput(output, filesRead(output), error))
      return fail(error);
    out = kiln::OutputFile::create(output, error);
    if (!out)
      return fail(error);
  }
  std::map<kiln::ExtensionPoint, std::string> extensions;
  {
    std::string error;
    kiln::PluginSetup setup{argv[0], reinterpret_cast<void *>(&fail), optLevel, passPlugins,
                            extensionSpecs, disabledPlugins};
    if (!kiln::setUpPlugins(setup, extensions, error))
      return fail(error);
  }

  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  mlir::MLIRContext context(registry);

  mlir::DefaultTimingManager timingManager;
  mlir::applyDefaultTimingManagerCLOptions(timingManager);
  if (timing)
    timingManager.setEnabled(true);
  mlir::TimingScope rootTimer = timingManager.getRootScope();

  kiln::frontend::ImportOptions importOptions;
  importOptions.runChecker = !noChecker;
  importOptions.runShapeInference = !noOnnxShapeInference;
  importOptions.convertVersion = !noVersionConversion;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  {
    mlir::TimingScope importTimer = rootTimer.nest("Import");
    module = kiln::frontend::importOnnxFile(context, inputFile, importOptions);
  }
  if (!module)
    return 1;

  if (emit == EmitKind::Mlir) {
    // Where a pipeline runs at the after-import point (the shipped plugins' fusions at -O1
    // and up, --kiln-extension=after-import:...), the module after it, as the backend
    // lowers it; otherwise the plain import with refined types.
    mlir::PassManager pm(&context);
    if (extensions.count(kiln::ExtensionPoint::AfterImport)) {
      kiln::cpu::CompileOptions afterImport;
      afterImport.extensions = extensions;
      std::string error;
      if (failed(kiln::cpu::addAfterImportPasses(pm, afterImport, error)))
        return fail("bad after-import pipeline: " + error);
    } else {
      pm.addPass(kiln::createInferShapes());
    }
    if (failed(pm.run(*module)))
      return 1;
    if (passStatistics)
      kiln::printPassStatistics(errs());
    return writeText(*out, [&](raw_ostream &os) {
      module->print(os);
      os << "\n";
    });
  }

  mlir::TimingScope passTimer = rootTimer.nest("Passes");
  kiln::cpu::CompileOptions options;
  options.optLevel = optLevel;
  options.targetCpu = targetCpu;
  options.targetFeatures = targetFeatures;
  options.cCompiler = cCompiler;
  options.profile = profile;
  options.sanitizeAddress = sanitizeAddress;
  options.extensions = extensions;
  options.configurePassManager = [&](mlir::PassManager &pm) {
    if (printIrAfterAll) {
      context.disableMultithreading();
      pm.enableIRPrinting([](mlir::Pass *, mlir::Operation *) { return false; },
                          [](mlir::Pass *, mlir::Operation *) { return true; },
                          /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
    }
    if (timing)
      pm.enableTiming(passTimer);
#if LLVM_ENABLE_STATS // mlir::Pass::Statistic counts only in builds with assertions
    if (passStatistics)
      pm.enableStatistics();
#endif
  };

  kiln::cpu::ModelSignature signature;
  mlir::LogicalResult lowered = kiln::cpu::lowerToLLVMDialect(*module, options, signature);
  if (passStatistics)
    kiln::printPassStatistics(errs());
  if (failed(lowered))
    return 1;
  if (report) {
    const kiln::cpu::MemoryPlan &m = signature.memory;
    outs() << "memory: arena " << m.arenaBaseBytes << " B + " << m.arenaPerBatchBytes
           << " B per batch item for " << m.arenaBuffers << " intermediates; unshared they "
           << "take " << m.intermediatesBytes << " B at batch 1 (arena at batch 1: "
           << m.arenaBaseBytes + m.arenaPerBatchBytes << " B); " << m.heapBuffers
           << " left on the heap\n";
  }

  LLVMContext llvmContext;
  std::string cpuUsed;
  std::unique_ptr<Module> llvmModule;
  {
    mlir::TimingScope llvmTimer = rootTimer.nest("LLVM optimization");
    llvmModule = kiln::cpu::translateAndOptimize(*module, llvmContext, options, cpuUsed);
  }
  if (!llvmModule)
    return 1;
  if (emit == EmitKind::Llvm)
    return writeText(*out, [&](raw_ostream &os) { llvmModule->print(os, nullptr); });

  std::string error;
  if (emit == EmitKind::Obj) {
    mlir::TimingScope codegenTimer = rootTimer.nest("Code generation");
    if (failed(kiln::cpu::emitObjectFile(*llvmModule, options, out->stream(), error)))
      return fail(error);
    return out->commit(error) ? 0 : fail(error);
  }

  // The object the linker reads, in the temporary folder; a TempFile, so that it is
  // removed on SIGINT/SIGTERM too.
  SmallString<128> objectModel;
  sys::path::system_temp_directory(/*ErasedOnReboot=*/true, objectModel);
  sys::path::append(objectModel, "kiln-model-%%%%%%%%.o");
  Expected<sys::fs::TempFile> object = sys::fs::TempFile::create(objectModel);
  if (!object)
    return fail("cannot create a temporary object file: " + toString(object.takeError()));
  llvm::scope_exit discardObject([&] { consumeError(object->discard()); });
  {
    mlir::TimingScope codegenTimer = rootTimer.nest("Code generation");
    raw_fd_ostream objectStream(object->FD, /*shouldClose=*/false);
    if (failed(kiln::cpu::emitObjectFile(*llvmModule, options, objectStream, error)))
      return fail(error);
    objectStream.flush();
    if (std::error_code ec = objectStream.error()) {
      objectStream.clear_error();
      return fail("cannot write the temporary object '" + object->TmpName + "': " + ec.message());
    }
  }
  {
    mlir::TimingScope linkTimer = rootTimer.nest("Link");
    if (failed(kiln::cpu::linkModelLibrary(signature, cpuUsed, object->TmpName, out->stream(),
                                           options, error)))
      return fail("linking '" + output + "' failed: " + error);
  }
  return out->commit(error) ? 0 : fail(error);
}
