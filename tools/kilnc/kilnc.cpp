//===- kilnc.cpp - The Kiln compiler driver -------------------------------===//
//
//   kilnc MODEL.onnx [-o MODEL.so] [-O0..3] [--target=cpu] [--target-cpu=CPU]
//         [--emit=mlir|llvm|obj|lib] [--print-ir-after-all] [--timing] [--profile]
//         [--load-pass-plugin=P.so] [--kiln-extension=POINT:PIPELINE] [--kiln-stats]
//         [--disable-plugin=NAME] [--plugin-opt=NAME:KEY=VALUE] [--progress | --no-progress]
//         [--quantize=int8-dynamic|int8|int4-weights [--calibration-data=DIR]
//          [--calibration-method=minmax|percentile|entropy] [--block-size=ROWS]
//          [--quantize-exclude=NODE,...]
//          [--quantize-report=F.json]]
//         [--precision=fp32|bf16|fp16 [--keep-fp32=NODE,...]]
//
// Imports an ONNX model (binary protobuf or ONNX text syntax) and compiles it with a
// target (backends/target/Target.h) into a shared library implementing
// kiln/model_abi.h. --emit=mlir stops after the after-import extension point (at -O0,
// where nothing runs there, right after the import). `kilnc --help` lists Kiln's
// options; LLVM's and MLIR's are under --help-hidden.
//
// Outputs are written beside their path under a unique temporary name and renamed into
// place (tools/kilnc/OutputFile.h); an output that is one of the files kilnc reads is
// refused. Errors are one line on stderr and exit code 1.
//
//===----------------------------------------------------------------------===//

#include "backends/target/Compiler.h"
#include "frontend/Importer.h"
#include "ir/InitAllDialects.h"
#include "kiln/NodeLoc.h"
#include "passes/Passes.h"
#include "passes/Quantize/QuantizationReport.h"

#include "llvm/ADT/StringSet.h"
#include "kiln/Statistic.h"
#include "tools/kilnc/Calibration.h"
#include "tools/kilnc/OutputFile.h"
#include "tools/kilnc/Plugins.h"
#include "tools/kilnc/Progress.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Signals.h"
#include "llvm/Config/llvm-config.h"

#include <signal.h>

#include <set>
#include <string>

using namespace llvm;

namespace {
enum class EmitKind { Mlir, Llvm, Obj, Lib };

cl::OptionCategory category("kilnc options");
cl::opt<std::string> targetName("target",
                                cl::desc("Target to compile for (see --version for the list)"),
                                cl::init("cpu"), cl::cat(category));
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx | model.onnxtxt>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: the model's name with the "
                                              "emitted kind's extension, in the current "
                                              "directory; stdout for mlir and llvm; '-' for "
                                              "stdout)"),
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
cl::opt<std::string> targetCpu("target-cpu",
                               cl::desc("CPU to compile for, an LLVM CPU name such as x86-64-v3 "
                                        "or sapphirerapids (default: this machine's)"),
                               cl::cat(category));
cl::opt<std::string> targetFeatures("target-features",
                                    cl::desc("LLVM feature string, with --target-cpu"),
                                    cl::cat(category));
cl::opt<bool> printIrAfterAll("print-ir-after-all", cl::desc("Print the IR after every pass"),
                              cl::cat(category));
cl::opt<bool> winograd(
    "winograd",
    cl::desc("Compute 3x3 stride-1 convolutions with constant weights, at least 32 input "
             "and output channels and at least 7x7 outputs as Winograd F(2x2, 3x3): 2.25x "
             "fewer multiply-adds, float rounding slightly different (default on; "
             "--winograd=false: the direct convolution)"),
    cl::init(true), cl::cat(category));
cl::opt<unsigned> compileThreads(
    "compile-threads",
    cl::desc("Threads for LLVM's optimization and code generation, each compiling a part "
             "of the model (0, the default: this machine's cores, at most 8)"),
    cl::init(0), cl::cat(category));
cl::opt<bool> timing("timing", cl::desc("Report the time of each pass and phase"),
                     cl::cat(category));
cl::opt<bool> noChecker("no-onnx-checker",
                        cl::desc("Skip libonnx's model checker (opsets it knows only)"),
                        cl::cat(category));
cl::opt<bool> noOnnxShapeInference(
    "no-onnx-shape-inference",
    cl::desc("Skip libonnx's shape inference (opsets it knows only)"), cl::cat(category));
cl::opt<bool> convertOpset(
    "libonnx-version-conversion",
    cl::desc("Convert opsets older than 17 with libonnx's version converter before importing "
             "(off: Kiln upgrades every older op version itself, exactly)"),
    cl::cat(category));
// The default since older op versions are upgraded in the dialect; kept for old scripts.
cl::opt<bool> noVersionConversion("no-version-conversion", cl::Hidden,
                                  cl::desc("Does nothing: no conversion is the default"),
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
cl::list<std::string> pluginOptions(
    "plugin-opt",
    cl::desc("Set option KEY of the loaded pass plugin NAME to VALUE (repeatable)"),
    cl::value_desc("name:key=value"), cl::cat(category));
cl::opt<cl::boolOrDefault> progress(
    "progress", cl::desc("Show a progress line on compiles longer than 3 s (default: when "
                         "stderr is a terminal)"),
    cl::cat(category));
cl::opt<std::string> quantizeMode(
    "quantize",
    cl::desc("Quantize the model: int8-dynamic (MatMul/Gemm/Conv weights to int8 per channel "
             "at compile time, activations to uint8 per tensor at run time) or int8 (static: "
             "activation scales from --calibration-data) or int4-weights (MatMul/Gemm weights "
             "to 4 bits in blocks of --block-size k rows, embedding tables to int8 per row; "
             "f32 activations and arithmetic)"),
    cl::value_desc("mode"), cl::cat(category));
cl::opt<int64_t> blockSize(
    "block-size",
    cl::desc("--quantize=int4-weights: k rows per scale and zero point (16, 32, 64, 128 or 256; "
             "default 32)"),
    cl::value_desc("rows"), cl::init(0), cl::cat(category));
cl::list<std::string> quantizeExclude(
    "quantize-exclude", cl::desc("ONNX nodes kept in f32 by --quantize (repeatable)"),
    cl::value_desc("node,..."), cl::CommaSeparated, cl::cat(category));
cl::opt<std::string> precision(
    "precision",
    cl::desc("Arithmetic of the contractions with constant weights (MatMul, Gemm, Conv): fp32 "
             "(default), bf16 (operands rounded to bf16, f32 accumulation; other ops stay "
             "f32; needs AVX-512 BF16, else the model stays f32 with a warning) or fp16 "
             "(weights stored in fp16, half the bytes, widened to f32 as they are loaded; "
             "f32 arithmetic)"),
    cl::value_desc("fp32|bf16|fp16"), cl::init("fp32"), cl::cat(category));
cl::list<std::string> keepFp32("keep-fp32",
                               cl::desc("ONNX nodes kept in f32 by --precision (repeatable)"),
                               cl::value_desc("node,..."), cl::CommaSeparated, cl::cat(category));
cl::opt<std::string> quantizeReport(
    "quantize-report",
    cl::desc("Write what --quantize quantized and what it kept in f32 (and why) as JSON"),
    cl::value_desc("file.json"), cl::cat(category));
cl::opt<std::string> calibrationData(
    "calibration-data",
    cl::desc("--quantize=int8: a folder with one sub-folder per sample, each with one "
             "<input name>.npy per model input"),
    cl::value_desc("dir"), cl::cat(category));
cl::opt<std::string> calibrationMethod(
    "calibration-method",
    cl::desc("--quantize=int8: how activation ranges are set from the calibration data: "
             "minmax (default), percentile (99.99%), entropy (KL divergence)"),
    cl::value_desc("method"), cl::cat(category));
cl::opt<bool> passStatistics("kiln-stats",
                             cl::desc("Print the pass statistics (kiln::PassStatistic counters) after the pipeline"),
                             cl::cat(category));

/// The model's file name with the emitted kind's extension, in the current directory
/// (as a C compiler's a.out: an output never lands beside a model in a read-only or
/// shared folder unless asked).
std::string defaultOutput() {
  if (emit == EmitKind::Mlir || emit == EmitKind::Llvm)
    return "-";
  SmallString<128> path(sys::path::filename(inputFile.getValue()));
  sys::path::replace_extension(path, emit == EmitKind::Obj ? ".o" : ".so");
  return std::string(path);
}

void printVersion(raw_ostream &os) {
  os << "kilnc (Kiln) " << KILN_VERSION << "\n"
     << "  LLVM and MLIR " << LLVM_VERSION_STRING << "\n"
     << "  ONNX: IR version up to " << kiln::frontend::newestIrVersion()
     << ", ai.onnx opsets up to " << kiln::frontend::newestDefaultOpset()
     << "; libonnx " << KILN_ONNX_VERSION << " (checker, shape inference, version converter)\n"
     << "  targets:";
  kiln::registerAllTargets();
  for (const kiln::Target *target : kiln::registeredTargets())
    os << " " << target->name();
  os << "\n";
}

int fail(const Twine &message) {
  errs() << "kilnc: error: " << message << "\n";
  return 1;
}

/// Remembers the pass that failed, so that a failure no diagnostic explains (a pass
/// that signals failure silently, a greedy rewrite that never converges) still names it.
class FailedPass : public mlir::PassInstrumentation {
public:
  explicit FailedPass(std::string &name) : name(name) {}
  void runAfterPassFailed(mlir::Pass *pass, mlir::Operation *) override {
    if (name.empty())
      name = pass->getArgument().empty() ? pass->getName().str() : pass->getArgument().str();
  }

private:
  std::string &name;
};

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

/// Checks the --quantize options and sets `options` (and, for int8, the calibration
/// samples and method) from them; false after an error.
bool setUpQuantization(kiln::CompileOptions &options, std::vector<std::string> &samples,
                       kiln::CalibrationMethod &method) {
  if (quantizeMode != "int8" && (!calibrationData.empty() || !calibrationMethod.empty()))
    return fail("--calibration-data and --calibration-method need --quantize=int8"), false;
  if (quantizeMode.empty()) {
    if (!quantizeExclude.empty() || !quantizeReport.empty())
      return fail("--quantize-exclude and --quantize-report need --quantize"), false;
    return true;
  }
  if (quantizeMode != "int4-weights" && blockSize.getNumOccurrences())
    return fail("--block-size needs --quantize=int4-weights"), false;
  if (quantizeMode != "int8-dynamic" && quantizeMode != "int8" && quantizeMode != "int4-weights")
    return fail("--quantize=" + quantizeMode + ": no such mode (int8-dynamic, int8, "
                "int4-weights)"), false;
  options.quantize.exclude.assign(quantizeExclude.begin(), quantizeExclude.end());
  if (quantizeMode == "int4-weights") {
    int64_t rows = blockSize.getNumOccurrences() ? blockSize.getValue() : 32;
    if (rows < 16 || rows > 256 || (rows & (rows - 1)))
      return fail("--block-size=" + Twine(rows) + ": must be 16, 32, 64, 128 or 256"), false;
    options.quantize.int4Weights = true;
    options.quantize.blockSize = rows;
    return true;
  }
  if (quantizeMode == "int8-dynamic") {
    options.quantize.dynamicInt8 = true;
    return true;
  }
  if (calibrationData.empty())
    return fail("--quantize=int8 needs --calibration-data=DIR (one sub-folder per sample, "
                "each with one <input name>.npy per model input)"), false;
  StringRef name = calibrationMethod.empty() ? "minmax" : StringRef(calibrationMethod);
  if (name == "minmax")
    method = kiln::CalibrationMethod::MinMax;
  else if (name == "percentile")
    method = kiln::CalibrationMethod::Percentile;
  else if (name == "entropy")
    method = kiln::CalibrationMethod::Entropy;
  else
    return fail("--calibration-method=" + name + ": no such method (minmax, percentile, "
                "entropy)"), false;
  std::string error;
  if (!kiln::listCalibrationSamples(calibrationData, samples, error))
    return fail(error), false;
  options.quantize.staticInt8 = true;
  return true;
}

/// Compiles `module` with `options` into the library `path`; false after an error
/// (already printed).
bool compileLibrary(mlir::ModuleOp module, const kiln::Target &target,
                    const kiln::CompileOptions &options, mlir::TimingScope &timer,
                    const std::string &path) {
  kiln::ModelSignature signature;
  if (failed(kiln::lowerModel(module, target, options, signature)))
    return false;
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return fail("'" + path + "': " + ec.message()), false;
  std::string error;
  if (failed(target.emit(module, signature, options, kiln::ArtifactKind::Library, os, timer,
                         error)))
    return (error.empty() || fail(error)), false;
  os.close();
  if (os.has_error())
    return fail("'" + path + "': " + os.error().message()), false;
  return true;
}

/// Static int8 (--quantize=int8): compiles `module`'s calibration variant (with the
/// layers' f32 outputs) into a temporary library, runs it on the calibration samples
/// and sets `options.quantize.ranges`. Then compiles the quantized model with the layers'
/// outputs into another and compares the two on the samples into `accuracy`. The
/// temporaries' paths go into `temporaries` (the caller removes them; so does SIGINT).
/// False after an error (printed).
bool calibrateModel(mlir::ModuleOp module, const kiln::Target &target,
                    kiln::CompileOptions &options, mlir::TimingScope &timer,
                    std::vector<std::string> &temporaries,
                    const std::vector<std::string> &samples, kiln::CalibrationMethod method,
                    kiln::Accuracy &accuracy) {
  // `keys`: the calibration variant, the f32 reference (also under --precision=bf16).
  auto compileVariant = [&](kiln::QuantizeOptions quantize, StringRef name,
                            std::vector<std::vector<std::string>> *keys) {
    mlir::OwningOpRef<mlir::ModuleOp> variant = module.clone();
    kiln::CompileOptions variantOptions = options;
    if (keys)
      variantOptions.bf16 = variantOptions.fp16 = false;
    variantOptions.quantize = std::move(quantize);
    variantOptions.quantize.layerOutputs = true;
    variantOptions.profile = false;
    SmallString<256> library;
    if (std::error_code ec = sys::fs::createTemporaryFile(name, "so", library))
      return fail("cannot create a temporary file: " + ec.message()), std::string();
    temporaries.push_back(std::string(library));
    sys::RemoveFileOnSignal(library);
    if (!compileLibrary(*variant, target, variantOptions, timer, std::string(library)))
      return std::string();
    if (keys)
      *keys = kiln::quantize::readCalibrationOutputs(*variant);
    return std::string(library);
  };
  kiln::QuantizeOptions calibration;
  calibration.calibrationOutputs = true;
  calibration.exclude = options.quantize.exclude;
  std::vector<std::vector<std::string>> keys;
  std::string reference = compileVariant(calibration, "kilnc-calibration", &keys);
  if (reference.empty())
    return false;
  std::string error;
  if (!kiln::calibrate(reference, samples, keys, method, options.quantize.ranges, error))
    return fail(error), false;
  std::string probe = compileVariant(options.quantize, "kilnc-quantized-probe", nullptr);
  if (probe.empty())
    return false;
  if (!kiln::compareOnSamples(reference, probe, samples, accuracy, error))
    return fail("comparing the quantized model with f32: " + error), false;
  return true;
}

/// Checks --precision and --keep-fp32 and sets `options` from them; false after an error.
bool setUpPrecision(kiln::CompileOptions &options) {
  if (precision != "fp32" && precision != "bf16" && precision != "fp16")
    return fail("--precision=" + precision + ": no such precision (fp32, bf16, fp16)"), false;
  if (precision == "fp32" && !keepFp32.empty())
    return fail("--keep-fp32 needs --precision=bf16 or fp16"), false;
  for (const std::string &name : keepFp32)
    if (name.empty() || name.find_first_of(",{} \"'") != std::string::npos)
      return fail("--keep-fp32: node name '" + name +
                  "' is empty or has a character the option cannot pass (, { } space or quote)"),
             false;
  options.bf16 = precision == "bf16";
  options.fp16 = precision == "fp16";
  options.keepFp32.assign(keepFp32.begin(), keepFp32.end());
  return true;
}

/// Fails naming the first --keep-fp32 node that no op of the imported `module` comes from.
bool checkKeptNodesExist(mlir::ModuleOp module) {
  llvm::StringSet<> names;
  module.walk([&](mlir::Operation *op) {
    for (llvm::StringRef name : kiln::nodeNames(op->getLoc()))
      names.insert(name);
  });
  for (const std::string &name : keepFp32)
    if (!names.contains(name))
      return fail("--keep-fp32: the model has no node named '" + name + "'"), false;
  return true;
}

/// What --precision=bf16 or fp16 did, on stderr (the counts kiln-lower-contractions left
/// on the module).
void reportPrecision(mlir::ModuleOp module) {
  auto count = [&](llvm::StringRef attr) -> int64_t {
    auto value = module->getAttrOfType<mlir::IntegerAttr>(attr);
    return value ? value.getInt() : -1;
  };
  if (int64_t stored = count("kiln.fp16_contractions"); stored >= 0) {
    errs() << "precision fp16: " << stored
           << " contractions with constant weights stored in fp16 (widened to f32 as they are "
              "loaded; f32 arithmetic), "
           << count("kiln.fp16_kept_f32") << " kept in f32 by --keep-fp32, "
           << count("kiln.fp16_ineligible")
           << " other f32 contractions (a weight that is not a packable constant) stay f32\n";
    return;
  }
  int64_t converted = count("kiln.bf16_contractions");
  if (converted < 0) {
    errs() << "kilnc: warning: --precision=bf16: the target has no AVX-512 BF16; the model "
              "was compiled in f32\n";
    return;
  }
  errs() << "precision bf16: " << converted << " contractions with constant weights in bf16, "
         << count("kiln.bf16_kept_f32") << " kept in f32 by --keep-fp32, "
         << count("kiln.bf16_ineligible")
         << " other f32 contractions (no constant weight, or one the bf16 kernel cannot "
            "pack) stay f32\n";
}

/// Prints the quantization table on stderr and writes the JSON report into `report`
/// (null: none asked), which the caller commits with the output.
void reportQuantization(mlir::ModuleOp module, kiln::OutputFile *report,
                        const kiln::Accuracy &accuracy) {
  std::vector<kiln::quantize::LayerReport> layers = kiln::quantize::readQuantizationReport(module);
  for (kiln::quantize::LayerReport &layer : layers)
    if (auto it = accuracy.layerSqnrDb.find(layer.node);
        layer.quantized && it != accuracy.layerSqnrDb.end())
      layer.outputSqnrDb = it->second;
  kiln::quantize::printQuantizationTable(errs(), layers, quantizeMode, accuracy.outputs);
  if (report)
    kiln::quantize::writeQuantizationJson(report->stream(), layers, quantizeMode,
                                          accuracy.outputs);
}

/// Moves `out` and the quantization report (if any) into place.
int commitOutputs(kiln::OutputFile &out, kiln::OutputFile *report) {
  std::string error;
  if (!out.commit(error) || (report && !report->commit(error)))
    return fail(error);
  return 0;
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
  cl::SetVersionPrinter(printVersion);
  // --help lists Kiln's options; LLVM's and MLIR's stay usable, under --help-hidden.
  // (cl::HideUnrelatedOptions would hide them from --help-hidden too.)
  for (auto &[name, option] : cl::getRegisteredOptions()) {
    bool shown = llvm::any_of(option->Categories, [](const cl::OptionCategory *c) {
      return c == &category || c->getName() == "Generic Options"; // --help, --version
    });
    if (!shown && option->getOptionHiddenFlag() == cl::NotHidden)
      option->setHiddenFlag(cl::Hidden);
  }
  cl::ParseCommandLineOptions(argc, argv, "Kiln: ahead-of-time compiler for ONNX models\n");
  if (optLevel > 3)
    return fail("-O" + Twine(optLevel.getValue()) + " is not a level (0-3)");

  kiln::registerAllTargets();
  const kiln::Target *target = kiln::lookupTarget(targetName);
  if (!target) {
    std::string names;
    for (const kiln::Target *t : kiln::registeredTargets())
      names += (names.empty() ? "" : ", ") + t->name().str();
    return fail("--target=" + targetName + ": no such target (this kilnc has: " + names + ")");
  }
  kiln::CompileOptions options;
  options.optLevel = optLevel;
  options.winograd = winograd;
  options.compileThreads = compileThreads;
  options.targetCpu = targetCpu;
  options.targetFeatures = targetFeatures;
  options.cCompiler = cCompiler;
  options.profile = profile;
  options.sanitizeAddress = sanitizeAddress;
  {
    std::string error;
    if (failed(target->checkOptions(options, error)))
      return fail(error);
  }
  std::vector<std::string> calibrationSamples;
  kiln::CalibrationMethod method = kiln::CalibrationMethod::MinMax;
  if (!setUpQuantization(options, calibrationSamples, method) || !setUpPrecision(options))
    return 1;
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
  std::unique_ptr<kiln::OutputFile> reportOut;
  if (!quantizeReport.empty()) {
    std::string error;
    if (quantizeReport == output)
      return fail("--quantize-report names the output file '" + output + "'");
    std::vector<std::string> read = filesRead(quantizeReport);
    read.push_back(output);
    if (!kiln::checkOutputIsNotAnInput(quantizeReport, read, error))
      return fail(error);
    reportOut = kiln::OutputFile::create(quantizeReport, error);
    if (!reportOut)
      return fail(error);
  }
  {
    std::string error;
    kiln::PluginSetup setup{argv[0], reinterpret_cast<void *>(&fail), optLevel, passPlugins,
                            extensionSpecs, disabledPlugins, pluginOptions};
    if (!kiln::setUpPlugins(setup, options.extensions, error))
      return fail(error);
  }

  mlir::DialectRegistry registry;
  kiln::registerAllDialects(registry);
  target->registerDialects(registry);
  mlir::MLIRContext context(registry);

  bool showProgress = progress == cl::BOU_UNSET ? sys::Process::StandardErrIsDisplayed()
                                                : progress == cl::BOU_TRUE;
  kiln::Progress progressLine(sys::path::filename(inputFile.getValue()), showProgress);
  // A message erases the progress line first, so the two never share a line.
  // MLIR's fallback prints errors only; warnings (a declared output shape that the
  // inferred one overrides, a pruned If branch) are printed here the same way.
  unsigned errorsReported = 0;
  std::set<std::string> warningsPrinted;
  std::string failedPass;
  // A failed compile with no error printed names the pass that failed.
  auto passFailure = [&]() {
    if (errorsReported == 0 && !failedPass.empty())
      fail("pass '" + failedPass + "' failed without saying why (an internal error)");
    return 1;
  };
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic &diag) {
    progressLine.clear();
    if (diag.getSeverity() == mlir::DiagnosticSeverity::Error)
      ++errorsReported;
    if (diag.getSeverity() != mlir::DiagnosticSeverity::Warning)
      return mlir::failure(); // printed by the next handler
    // The import's checks run shape inference on a copy before the pipeline does, so
    // the same warning can come up more than once: print it once.
    std::string text;
    llvm::raw_string_ostream(text) << diag.getLocation() << ": warning: " << diag;
    if (warningsPrinted.insert(text).second)
      llvm::errs() << text << "\n";
    return mlir::success();
  });

  mlir::DefaultTimingManager timingManager;
  mlir::applyDefaultTimingManagerCLOptions(timingManager);
  if (timing)
    timingManager.setEnabled(true);
  mlir::TimingScope rootTimer = timingManager.getRootScope();

  kiln::frontend::ImportOptions importOptions;
  importOptions.runChecker = !noChecker;
  importOptions.runShapeInference = !noOnnxShapeInference;
  importOptions.convertVersion = convertOpset && !noVersionConversion;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  {
    progressLine.setPhase("import");
    mlir::TimingScope importTimer = rootTimer.nest("Import");
    module = kiln::frontend::importOnnxFile(context, inputFile, importOptions);
  }
  if (!module)
    return 1;
  if (!checkKeptNodesExist(*module))
    return 1;

  // Static int8: the calibration model, and the quantized one with its layers' outputs
  // for the report, are compiled into temporary libraries and run.
  std::vector<std::string> temporaries;
  kiln::Accuracy accuracy;
  llvm::scope_exit removeTemporaries([&] {
    for (const std::string &path : temporaries) {
      sys::fs::remove(path);
      sys::DontRemoveFileOnSignal(path);
    }
  });
  if (options.quantize.staticInt8) {
    progressLine.setPhase("calibration");
    mlir::TimingScope calibrationTimer = rootTimer.nest("Calibration");
    if (!calibrateModel(*module, *target, options, calibrationTimer, temporaries,
                        calibrationSamples, method, accuracy))
      return 1;
    kiln::resetPassStatistics();
  }

  if (emit == EmitKind::Mlir) {
    // Where a pipeline runs at the after-import point (the shipped plugins' fusions at -O1
    // and up, --kiln-extension=after-import:...), the module after it, as the backend
    // lowers it; otherwise the plain import with refined types.
    mlir::PassManager pm(&context);
    pm.addInstrumentation(progressLine.passInstrumentation());
    pm.addInstrumentation(std::make_unique<FailedPass>(failedPass));
    if (options.extensions.count(kiln::ExtensionPoint::AfterImport) ||
        options.quantize.any()) {
      std::string error;
      if (failed(kiln::addAfterImportPasses(pm, options, error)))
        return fail("bad after-import pipeline: " + error);
    } else {
      pm.addPass(kiln::createInferShapes());
    }
    if (failed(pm.run(*module)))
      return passFailure();
    if (passStatistics)
      kiln::printPassStatistics(errs());
    if (options.quantize.any())
      reportQuantization(*module, reportOut.get(), accuracy);
    module->print(out->stream());
    out->stream() << "\n";
    return commitOutputs(*out, reportOut.get());
  }

  // Timed as one phase: the pass timings nest under it, so the report adds up.
  mlir::TimingScope passTimer = rootTimer.nest("Passes");
  options.configurePassManager = [&](mlir::PassManager &pm) {
    pm.addInstrumentation(progressLine.passInstrumentation());
    pm.addInstrumentation(std::make_unique<FailedPass>(failedPass));
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

  kiln::ModelSignature signature;
  mlir::LogicalResult lowered = kiln::lowerModel(*module, *target, options, signature);
  passTimer.stop();
  if (passStatistics)
    kiln::printPassStatistics(errs());
  if (failed(lowered))
    return passFailure();
  if (options.quantize.any()) {
    progressLine.clear();
    reportQuantization(*module, reportOut.get(), accuracy);
  }
  if (options.bf16 || options.fp16) {
    progressLine.clear();
    reportPrecision(*module);
  }
  if (report) {
    const kiln::MemoryPlan &m = signature.memory;
    outs() << "memory: arena " << m.arenaBaseBytes << " B + " << m.arenaPerBatchBytes
           << " B per batch item for " << m.arenaBuffers << " intermediates; unshared they "
           << "take " << m.intermediatesBytes << " B at batch 1 (arena at batch 1: "
           << m.arenaBaseBytes + m.arenaPerBatchBytes << " B); " << m.heapBuffers
           << " left on the heap\n";
  }

  progressLine.setPhase(emit == EmitKind::Lib ? "LLVM optimization, code generation, link"
                                               : "LLVM optimization, code generation");
  kiln::ArtifactKind kind = emit == EmitKind::Llvm  ? kiln::ArtifactKind::TargetIR
                            : emit == EmitKind::Obj ? kiln::ArtifactKind::Object
                                                    : kiln::ArtifactKind::Library;
  std::string error;
  if (failed(target->emit(*module, signature, options, kind, out->stream(), rootTimer, error)))
    return error.empty() ? 1 : fail("'" + output + "': " + error);
  return commitOutputs(*out, reportOut.get());
}
