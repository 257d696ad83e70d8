//===- CpuBackend.cpp - ONNX module to LLVM dialect -----------------------===//

#include "backends/cpu/CpuBackend.h"
#include "backends/cpu/Contraction.h"
#include "backends/cpu/InstrumentProfile.h"
#include "backends/cpu/Passes.h"
#include "kiln/NodeLoc.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"

#include <mutex>

using namespace mlir;

namespace kiln::cpu {

/// The passes from the onnx dialect to the LLVM dialect, as a textual pipeline so it
/// reads like (and can be replayed with) `kiln-opt --pass-pipeline=...`.
static std::string buildPipeline(const CompileOptions &options, unsigned numInputs) {
  auto extension = [&](ExtensionPoint point) {
    auto it = options.extensions.find(point);
    return it == options.extensions.end() || it->second.empty() ? "" : "," + it->second;
  };
  std::string p = "canonicalize" + extension(ExtensionPoint::BeforeLowering);
  p += ",kiln-convert-onnx-to-linalg,canonicalize,cse";
  if (options.optLevel > 0)
    p += ",kiln-fuse-elementwise,canonicalize,cse";
  p += extension(ExtensionPoint::BeforeBufferize);
  // The shape function is cut from the entry function while both are still on tensors.
  p += ",kiln-create-shape-function,canonicalize,cse";
  // Loop-carried tensors (Loop/Scan bodies) may yield fresh buffers each iteration.
  p += ",one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops "
       "function-boundary-type-conversion=identity-layout-map},canonicalize,cse";
  p += ",buffer-results-to-out-params{modify-public-functions}";
  if (options.optLevel > 0)
    p += ",kiln-elide-output-copies";
  p += ",kiln-plan-arena{num-model-inputs=" + std::to_string(numInputs) + "}";
  p += ",buffer-deallocation-pipeline";
  if (options.optLevel > 0) {
    TileShape tile = chooseTileShape(options);
    p += ",kiln-lower-contractions{tile-rows=" + std::to_string(tile.rows) +
         " tile-vectors=" + std::to_string(tile.vectors) +
         " vector-width=" + std::to_string(tile.width) + "},canonicalize,cse";
    p += ",kiln-approximate-math,kiln-lower-copies,kiln-relax-reductions";
  }
  if (options.profile)
    p += ",kiln-instrument-profile";
  p += ",convert-linalg-to-parallel-loops,canonicalize,kiln-outline-parallel-loops";
  // Checks become branches once every function is a CFG; parallel bodies are outlined
  // by then, so a failure in one is seen by its dispatch's caller (LowerChecks.cpp).
  p += ",convert-scf-to-cf,kiln-lower-checks,expand-strided-metadata,lower-affine,arith-expand,convert-vector-to-llvm";
  p += ",convert-math-to-funcs,convert-math-to-llvm,convert-math-to-libm";
  // Heap buffers (those the arena does not hold) go through the glue's
  // _mlir_memref_to_llvm_alloc/free, i.e. the session's allocator (AbiGlue.cpp).
  p += ",convert-arith-to-llvm,convert-index-to-llvm,"
       "finalize-memref-to-llvm{use-generic-functions=true}";
  p += ",convert-func-to-llvm,convert-cf-to-llvm,convert-ub-to-llvm,reconcile-unrealized-casts";
  p += ",kiln-lower-parallel-dispatch,canonicalize";
  return p;
}

void registerPipelinePasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    mlir::registerAllPasses();
    kiln::registerKilnPasses();
    kiln::cpu::registerCpuPasses();
  });
}

LogicalResult addAfterImportPasses(OpPassManager &pm, const CompileOptions &options,
                                   std::string &error) {
  pm.addPass(kiln::createUpgradeOnnxOps());
  pm.addPass(kiln::createInferShapes());
  auto afterImport = options.extensions.find(ExtensionPoint::AfterImport);
  if (afterImport == options.extensions.end() || afterImport->second.empty())
    return success();
  llvm::raw_string_ostream errorStream(error);
  return parsePassPipeline(afterImport->second, pm, errorStream);
}

LogicalResult lowerToLLVMDialect(ModuleOp module, const CompileOptions &options,
                                 ModelSignature &signature) {
  registerPipelinePasses();
  MLIRContext *ctx = module.getContext();

  // Refine types first: the model's interface is read from the refined signature.
  {
    PassManager pm(ctx);
    if (options.configurePassManager)
      options.configurePassManager(pm);
    std::string error;
    if (failed(addAfterImportPasses(pm, options, error)))
      return module.emitError() << "bad after-import pipeline: " << error;
    if (failed(pm.run(module)))
      return failure();
  }
  FailureOr<ModelSignature> sig = readModelSignature(module);
  if (failed(sig))
    return failure();
  signature = std::move(*sig);
  if (options.profile)
    recordNodeOpTypes(module);

  auto main = module.lookupSymbol<func::FuncOp>("main");
  main.setName(kEntryName);
  main->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));

  PassManager pm(ctx);
  if (options.configurePassManager)
    options.configurePassManager(pm);
  std::string pipeline = buildPipeline(options, signature.inputs.size());
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(pipeline, pm, errorStream)))
    return module.emitError() << "internal error: bad CPU pipeline: " << error;
  // Past the onnx-to-linalg lowering an error is a compiler limitation, not a model
  // error; still name the ONNX node it came from so the user knows where to look.
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
      // A NameLoc, or the FusedLoc of the nodes a plugin fused (root first).
      llvm::SmallSetVector<StringRef, 4> nodes = kiln::nodeNames(diag.getLocation());
      std::string text = diag.str();
      if (diag.getSeverity() != DiagnosticSeverity::Error || nodes.empty() ||
          StringRef(text).starts_with("node "))
        return failure(); // already names the node, or has no node to name
      InFlightDiagnostic error = emitError(diag.getLocation()) << kiln::describeNode(diag.getLocation());
      if (nodes.size() > 1)
        error << " (fused with '" << llvm::join(nodes.getArrayRef().drop_front(), "', '")
              << "')";
      error << ": code generation failed: " << text;
      return success();
    });
    result = pm.run(module);
  }
  if (failed(result))
    return failure();
  auto read = [&](StringRef name) -> int64_t {
    auto attr = module->getAttrOfType<IntegerAttr>(name);
    return attr ? attr.getInt() : 0;
  };
  signature.memory.arenaBaseBytes = read("kiln.arena_base_bytes");
  signature.memory.arenaPerBatchBytes = read("kiln.arena_per_batch_bytes");
  signature.memory.intermediatesBytes = read("kiln.intermediates_bytes");
  signature.memory.arenaBuffers = read("kiln.arena_buffers");
  signature.memory.heapBuffers = read("kiln.heap_buffers");
  if (auto kernels = module->getAttrOfType<ArrayAttr>(kProfileKernelsAttr)) {
    for (auto k : kernels.getAsRange<DictionaryAttr>()) {
      auto field = [&](StringRef key) { return k.getAs<StringAttr>(key).getValue().str(); };
      signature.profileKernels.push_back({field("kernel"), field("nodes"), field("op_types")});
    }
  }
  return success();
}

} // namespace kiln::cpu
