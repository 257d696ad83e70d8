//===- ObjectEmitter.cpp - LLVM dialect to an optimized object file -------===//

#include "backends/cpu/Contraction.h"
#include "backends/cpu/ObjectEmitter.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <algorithm>
#include <thread>

using namespace mlir;

namespace kiln::cpu {

static void initializeNativeTarget() {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
}

/// The CPU and feature string to compile for: the host's unless the user named a CPU.
static std::pair<std::string, std::string> resolveTarget(const CompileOptions &options) {
  if (!options.targetCpu.empty())
    return {options.targetCpu, options.targetFeatures};
  std::string features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    features += (features.empty() ? "" : ",") + std::string(feature.second ? "+" : "-") +
                feature.first().str();
  return {llvm::sys::getHostCPUName().str(), features};
}

static std::unique_ptr<llvm::TargetMachine> createTargetMachine(const CompileOptions &options,
                                                                std::string &error) {
  initializeNativeTarget();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  auto [cpu, features] = resolveTarget(options);
  llvm::CodeGenOptLevel level = options.optLevel == 0   ? llvm::CodeGenOptLevel::None
                                : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                                        : llvm::CodeGenOptLevel::Aggressive;
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt, level));
  if (!machine)
    error = "cannot create a target machine for CPU '" + cpu + "'";
  return machine;
}

LogicalResult checkTargetCpu(const CompileOptions &options, std::string &error) {
  if (options.targetCpu.empty() && options.targetFeatures.empty())
    return success();
  std::string lookupError;
  llvm::Triple triple(llvm::sys::getProcessTriple());
  initializeNativeTarget();
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!target) {
    error = lookupError;
    return failure();
  }
  auto [cpu, features] = resolveTarget(options);
  // Asked of a generic subtarget: one made for an unknown CPU warns on stderr.
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      target->createMCSubtargetInfo(triple, /*CPU=*/"", /*Features=*/""));
  if (!generic || !generic->isCPUStringValid(cpu)) {
    error = "--target-cpu='" + cpu + "' is not a CPU LLVM knows for " + triple.str() +
            " (`llc -mtriple=" + triple.str() + " -mcpu=help` lists them)";
    return failure();
  }
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(triple, cpu, /*Features=*/""));
  // A 32-bit CPU for a 64-bit triple passes the name check, then aborts in LLVM.
  if (triple.isX86() && triple.isArch64Bit() && !sti->checkFeatures("+64bit")) {
    error = "--target-cpu='" + cpu + "' is a 32-bit CPU; Kiln generates " + triple.str() +
            " code (name a 64-bit CPU such as x86-64, x86-64-v3, skylake-avx512)";
    return failure();
  }
  llvm::SmallVector<llvm::StringRef> names;
  llvm::StringRef(features).split(names, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef feature : names) {
    llvm::StringRef bare = feature.ltrim("+-");
    if (feature.size() == bare.size()) {
      error = "--target-features: '" + feature.str() + "' needs a '+' or '-' in front";
      return failure();
    }
    if (!llvm::any_of(sti->getAllProcessorFeatures(),
                      [&](const llvm::SubtargetFeatureKV &kv) { return bare == kv.Key; })) {
      error = "--target-features: '" + bare.str() + "' is not a feature LLVM knows for " +
              triple.str();
      return failure();
    }
  }
  return success();
}

TileShape chooseTileShape(const CompileOptions &options) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, error);
  TileShape tile; // AVX-512: 8 x 32 floats in 16 zmm accumulators
  if (!machine)
    return tile;
  const llvm::MCSubtargetInfo *sti = machine->getMCSubtargetInfo();
  if (sti->checkFeatures("+avx512f")) {
    tile.vnni = sti->checkFeatures("+avx512vnni,+avx512bw");
    tile.bf16 = sti->checkFeatures("+avx512bf16,+avx512bw");
    tile.amx = tile.vnni && tile.bf16 && sti->checkFeatures("+amx-tile,+amx-bf16,+amx-int8");
    return tile;
  }
  if (sti->checkFeatures("+avx2,+fma")) // 6 x 16 floats in 12 of the 16 ymm registers
    return TileShape{6, 2, 8};
  return TileShape{4, 2, 4}; // SSE: 8 of 16 xmm registers
}

/// The LLVM-dialect module as LLVM IR for the target, unoptimized; null (with an error on
/// the module) when translation fails.
static std::unique_ptr<llvm::Module> translateForTarget(ModuleOp module,
                                                        llvm::LLVMContext &llvmContext,
                                                        const CompileOptions &options,
                                                        std::string &targetCpuUsed) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  // The entry's argument attributes that describe the model's tensors (onnx.name,
  // onnx.dim_params, kiln.optional, kiln.presence) were read into the signature; LLVM IR
  // has no place for them.
  module.walk([](LLVM::LLVMFuncOp fn) {
    auto function = cast<FunctionOpInterface>(fn.getOperation());
    for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i) {
      SmallVector<StringAttr> names;
      for (NamedAttribute attr : function.getArgAttrs(i))
        if (attr.getName().strref().starts_with("onnx.") ||
            attr.getName().strref().starts_with("kiln."))
          names.push_back(attr.getName());
      for (StringAttr name : names)
        function.removeArgAttr(i, name);
    }
  });
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "kiln_model");
  if (!llvmModule) {
    module.emitError() << "translation to LLVM IR failed";
    return nullptr;
  }
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, error);
  if (!machine) {
    module.emitError() << error;
    return nullptr;
  }
  targetCpuUsed = machine->getTargetCPU().str();
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple());
  // Functions carry the CPU so LLVM's vectorizers use the full ISA (AVX2, AVX-512).
  for (llvm::Function &fn : *llvmModule) {
    if (fn.isDeclaration())
      continue;
    fn.addFnAttr("target-cpu", machine->getTargetCPU());
    fn.addFnAttr("target-features", machine->getTargetFeatureString());
    if (options.sanitizeAddress)
      fn.addFnAttr(llvm::Attribute::SanitizeAddress);
  }
  return llvmModule;
}

/// LLVM's pipeline at the options' level for the target CPU (plus AddressSanitizer).
static void optimizeForTarget(llvm::Module &module, const CompileOptions &options) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, error);
  if (!machine)
    return; // translateForTarget made one from the same options
  llvm::Module *llvmModule = &module;
  // AddressSanitizer on the generated code: every load and store of a kernel is checked
  // against the shadow memory of the (instrumented) host process that loads the model.
  auto addSanitizer = [&](llvm::ModulePassManager &mpm) {
    if (options.sanitizeAddress)
      mpm.addPass(llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions()));
  };
  if (options.optLevel == 0) {
    if (options.sanitizeAddress) {
      llvm::ModuleAnalysisManager mam;
      llvm::PassBuilder builder(machine.get());
      builder.registerModuleAnalyses(mam);
      llvm::FunctionAnalysisManager fam;
      builder.registerFunctionAnalyses(fam);
      mam.registerPass([&] { return llvm::FunctionAnalysisManagerModuleProxy(fam); });
      fam.registerPass([&] { return llvm::ModuleAnalysisManagerFunctionProxy(mam); });
      llvm::ModulePassManager passes;
      addSanitizer(passes);
      passes.run(*llvmModule, mam);
    }
    return;
  }

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(machine.get(), tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = options.optLevel == 1   ? llvm::OptimizationLevel::O1
                                  : options.optLevel == 2 ? llvm::OptimizationLevel::O2
                                                          : llvm::OptimizationLevel::O3;
  builder.registerOptimizerLastEPCallback(
      [&](llvm::ModulePassManager &mpm, llvm::OptimizationLevel, llvm::ThinOrFullLTOPhase) {
        addSanitizer(mpm);
      });
  llvm::ModulePassManager passes = builder.buildPerModuleDefaultPipeline(level);
  passes.run(*llvmModule, mam);
}

std::unique_ptr<llvm::Module> translateAndOptimize(ModuleOp module, llvm::LLVMContext &llvmContext,
                                                   const CompileOptions &options,
                                                   std::string &targetCpuUsed) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateForTarget(module, llvmContext, options, targetCpuUsed);
  if (llvmModule)
    optimizeForTarget(*llvmModule, options);
  return llvmModule;
}

LogicalResult emitObjectFile(llvm::Module &llvmModule, const CompileOptions &options,
                             llvm::raw_ostream &os, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(options, error);
  if (!machine)
    return failure();
  // Code generation patches the object in place (pwrite), which a pipe or device
  // cannot do, and an I/O error in the middle of it must not leave a half file:
  // emit into memory and hand the caller the bytes in one write, whose errors it checks.
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream objectStream(object);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, objectStream, nullptr,
                                   llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return failure();
  }
  codegen.run(llvmModule);
  os << llvm::StringRef(object.data(), object.size());
  return success();
}

unsigned compileThreads(const CompileOptions &options) {
  if (options.compileThreads > 0)
    return options.compileThreads;
  return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

LogicalResult emitObjectFiles(ModuleOp module, const CompileOptions &options,
                              std::vector<std::string> &objects, std::string &targetCpuUsed,
                              std::string &error) {
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> whole =
      translateForTarget(module, llvmContext, options, targetCpuUsed);
  if (!whole)
    return failure(); // reported on the module
  unsigned functions = llvm::count_if(*whole, [](const llvm::Function &fn) {
    return !fn.isDeclaration();
  });
  unsigned parts = std::min(compileThreads(options), std::max(functions, 1u));
  // AddressSanitizer gives each module a constructor of its own; keep one module there.
  if (options.sanitizeAddress)
    parts = 1;
  auto compile = [&](llvm::Module &part, std::string &object, std::string &partError) {
    optimizeForTarget(part, options);
    llvm::raw_string_ostream os(object);
    return emitObjectFile(part, options, os, partError);
  };
  if (parts == 1) {
    objects.assign(1, std::string());
    return compile(*whole, objects[0], error);
  }
  // The large constants (weights) move to a module of their own, which this thread
  // compiles while the others compile the code: they need no optimization, and copying
  // them into the partitions' bitcode would cost more than their code generation.
  auto data = std::make_unique<llvm::Module>("kiln_model_data", llvmContext);
  data->setDataLayout(whole->getDataLayout());
  data->setTargetTriple(whole->getTargetTriple());
  constexpr uint64_t kLargeBytes = 64 << 10;
  const llvm::DataLayout &layout = whole->getDataLayout();
  // Internal constants nothing reads (a weight the contraction kernels read packed) would
  // be linked in once externalized; LLVM's global DCE drops them in the one-part build.
  for (llvm::GlobalVariable &global : llvm::make_early_inc_range(whole->globals()))
    if (global.hasLocalLinkage() && global.use_empty())
      global.eraseFromParent();
  for (llvm::GlobalVariable &global : whole->globals()) {
    if (!global.hasInitializer() || !global.isConstant() ||
        layout.getTypeAllocSize(global.getValueType()) < kLargeBytes)
      continue;
    auto *copy = new llvm::GlobalVariable(*data, global.getValueType(), /*isConstant=*/true,
                                          llvm::GlobalValue::ExternalLinkage,
                                          global.getInitializer(), global.getName());
    copy->setAlignment(global.getAlign());
    copy->setVisibility(llvm::GlobalValue::HiddenVisibility);
    copy->setUnnamedAddr(global.getUnnamedAddr());
    global.setInitializer(nullptr);
    global.setLinkage(llvm::GlobalValue::ExternalLinkage);
    global.setVisibility(llvm::GlobalValue::HiddenVisibility);
  }
  // Partitions of about equal size (functions round robin, largest first); each becomes
  // bitcode, read back into a context of its own, and is optimized and compiled on a
  // thread of its own. Internal symbols become hidden globals so the parts link.
  std::vector<llvm::SmallVector<char, 0>> bitcode;
  llvm::SplitModule(
      *whole, parts,
      [&](std::unique_ptr<llvm::Module> part) {
        bitcode.emplace_back();
        llvm::raw_svector_ostream os(bitcode.back());
        llvm::WriteBitcodeToFile(*part, os);
      },
      /*PreserveLocals=*/false, /*RoundRobin=*/true);
  whole.reset();
  objects.assign(bitcode.size() + 1, std::string());
  std::vector<std::string> errors(bitcode.size());
  std::vector<char> ok(bitcode.size(), 0);
  std::vector<std::thread> workers;
  for (size_t i = 0; i < bitcode.size(); ++i)
    workers.emplace_back([&, i] {
      llvm::LLVMContext context;
      llvm::Expected<std::unique_ptr<llvm::Module>> part = llvm::parseBitcodeFile(
          llvm::MemoryBufferRef(llvm::StringRef(bitcode[i].data(), bitcode[i].size()),
                                "kiln_model_part"),
          context);
      if (!part) {
        errors[i] = "cannot read back a partition: " + llvm::toString(part.takeError());
        return;
      }
      ok[i] = succeeded(compile(**part, objects[i], errors[i]));
    });
  std::string dataError;
  bool dataOk = false;
  {
    llvm::raw_string_ostream os(objects.back());
    dataOk = succeeded(emitObjectFile(*data, options, os, dataError));
  }
  for (std::thread &worker : workers)
    worker.join();
  if (!dataOk) {
    error = dataError;
    return failure();
  }
  for (size_t i = 0; i < bitcode.size(); ++i)
    if (!ok[i]) {
      error = errors[i];
      return failure();
    }
  return success();
}

} // namespace kiln::cpu
