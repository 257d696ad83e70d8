//===- Pipelines.cpp - The target-independent compilation pipeline --------===//

#include "passes/Pipelines/Pipelines.h"
#include "passes/Codegen/Passes.h"
#include "passes/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"

#include <mutex>

using namespace mlir;

namespace kiln {

void registerPipelinePasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    mlir::registerAllPasses();
    registerKilnPasses();
    registerCodegenPasses();
  });
}

LogicalResult addAfterImportPasses(OpPassManager &pm, const PipelineOptions &options,
                                   std::string &error) {
  pm.addPass(createUpgradeOnnxOps());
  pm.addPass(createLowerOptionals());
  pm.addPass(createInferShapes());
  // Before folding: the half weights' Casts to f32 fold into f32 constants.
  pm.addPass(createWidenHalfContractions());
  pm.addPass(createFoldConstants());
  // QDQ models' contractions onto the 8-bit kernels (before the layout plugin, as the
  // quantization passes below).
  pm.addPass(createImportQdq());
  pm.addPass(createResolveRuntimeRanks());
  pm.addPass(createPruneInvalidBranches());
  // Before the plugins: the quantized Convs become ConvIntegers, which the layout plugin
  // then makes channels-last MatMulIntegers (its weight the packed operand of the VNNI
  // kernel) next to its f32 NHWC convolutions. A BatchNorm after a quantized Conv becomes
  // a per-channel Mul and Add that fuse into its epilogue; per-channel weight scales make
  // the result the same as folding it first.
  const QuantizeOptions &q = options.quantize;
  if (q.dynamicInt8) {
    QuantizeDynamicOptions quantize;
    quantize.exclude.assign(q.exclude.begin(), q.exclude.end());
    pm.addPass(createQuantizeDynamic(quantize));
  }
  if (q.staticInt8) {
    QuantizeStaticOptions quantize;
    quantize.exclude.assign(q.exclude.begin(), q.exclude.end());
    quantize.layerOutputs = q.layerOutputs;
    pm.addPass(createQuantizeStaticWithRanges(quantize, q.ranges));
  }
  if (q.int4Weights) {
    QuantizeInt4WeightsOptions quantize;
    quantize.exclude.assign(q.exclude.begin(), q.exclude.end());
    quantize.blockSize = q.blockSize;
    pm.addPass(createQuantizeInt4Weights(quantize));
  }
  if (q.calibrationOutputs) {
    AddCalibrationOutputsOptions calibration;
    calibration.exclude.assign(q.exclude.begin(), q.exclude.end());
    calibration.layerOutputs = q.layerOutputs;
    pm.addPass(createAddCalibrationOutputs(calibration));
  }
  auto afterImport = options.extensions.find(ExtensionPoint::AfterImport);
  if (afterImport == options.extensions.end() || afterImport->second.empty())
    return success();
  llvm::raw_string_ostream errorStream(error);
  return parsePassPipeline(afterImport->second, pm, errorStream);
}

std::string buildBufferizationPipeline(const PipelineOptions &options, unsigned numModelInputs,
                                       const std::string &beforePlanning) {
  auto extension = [&](ExtensionPoint point) {
    auto it = options.extensions.find(point);
    return it == options.extensions.end() || it->second.empty() ? "" : "," + it->second;
  };
  std::string p = "canonicalize" + extension(ExtensionPoint::BeforeLowering);
  p += ",kiln-convert-onnx-to-linalg";
  if (options.winograd) {
    p += "{winograd=true";
    if (!options.winogradNodes.empty())
      p += " winograd-nodes=" + llvm::join(options.winogradNodes, ",");
    p += "}";
  }
  p += ",canonicalize,cse";
  if (options.optLevel > 0)
    p += ",kiln-fuse-elementwise,canonicalize,cse";
  p += extension(ExtensionPoint::BeforeBufferize);
  // The shape function is cut from the entry function while both are still on tensors.
  p += ",kiln-create-shape-function,canonicalize,cse";
  // Padded convolution inputs and concatenations: the producer writes into the padded or
  // concatenated buffer (no copy).
  if (options.optLevel > 0)
    p += ",kiln-decompose-pads,kiln-decompose-concats,eliminate-empty-tensors,canonicalize,"
         "kiln-untie-fill-inits";
  // Loop-carried tensors (Loop/Scan bodies) may yield fresh buffers each iteration.
  p += ",one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops "
       "function-boundary-type-conversion=identity-layout-map},canonicalize,cse,canonicalize";
  p += ",buffer-results-to-out-params{modify-public-functions}";
  if (options.optLevel > 0)
    p += ",kiln-elide-output-copies,kiln-forward-slice-copies";
  if (!beforePlanning.empty())
    p += "," + beforePlanning;
  p += ",kiln-plan-arena{num-model-inputs=" + std::to_string(numModelInputs) + "}";
  p += ",buffer-deallocation-pipeline,kiln-shrink-buffer-lifetimes";
  return p;
}

} // namespace kiln
