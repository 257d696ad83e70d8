//===- Compiler.cpp - An imported model through a target ------------------===//

#include "backends/target/Compiler.h"
#include "kiln/NodeLoc.h"
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace kiln {

/// Past the onnx-to-linalg lowering an error is a compiler limitation, not a model
/// error; still name the ONNX node it came from so the user knows where to look.
static LogicalResult runNamingNodes(PassManager &pm, ModuleOp module) {
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diag) {
    // A NameLoc, or the FusedLoc of the nodes a plugin fused (root first).
    llvm::SmallSetVector<StringRef, 4> nodes = nodeNames(diag.getLocation());
    std::string text = diag.str();
    if (diag.getSeverity() != DiagnosticSeverity::Error || nodes.empty() ||
        StringRef(text).starts_with("node "))
      return failure(); // already names the node, or has no node to name
    InFlightDiagnostic error = emitError(diag.getLocation()) << describeNode(diag.getLocation());
    if (nodes.size() > 1)
      error << " (fused with '" << llvm::join(nodes.getArrayRef().drop_front(), "', '") << "')";
    error << ": code generation failed: " << text;
    return success();
  });
  return pm.run(module);
}

/// What the shared passes and the target recorded on the module.
static void readMemoryPlan(ModuleOp module, ModelSignature &signature) {
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
}

LogicalResult lowerModel(ModuleOp module, const Target &target, const CompileOptions &options,
                         ModelSignature &signature) {
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
  target.prepareModule(module, options);

  auto main = module.lookupSymbol<func::FuncOp>("main");
  main.setName(kEntryName);
  main->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));

  PipelineOptions shared = options;
  if (options.winograd && target.bf16BeatsWinograd(options)) {
    shared.winogradNodes = options.keepFp32;
    shared.winograd = !options.keepFp32.empty();
  }
  PassManager pm(ctx);
  if (options.configurePassManager)
    options.configurePassManager(pm);
  std::string pipeline =
      buildBufferizationPipeline(shared, signature.numInputArguments(),
                                 target.buildBeforePlanningPipeline(options)) +
      "," + target.buildLoweringPipeline(options);
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(pipeline, pm, errorStream)))
    return module.emitError() << "internal error: bad " << target.name()
                              << " pipeline: " << error;
  if (failed(runNamingNodes(pm, module)))
    return failure();
  readMemoryPlan(module, signature);
  return success();
}

} // namespace kiln
