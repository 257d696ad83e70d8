//===- Pipelines.h - The target-independent compilation pipeline -*- C++ -*-===//
//
// Every target compiles a model the same way up to planned buffers:
//
//   after import      kiln-upgrade-onnx-ops, kiln-infer-shapes, kiln-fold-constants (every
//                     level), kiln-quantize-dynamic, kiln-quantize-static or
//                     kiln-add-calibration-outputs when asked, the after-import
//                     extension point (the shipped fusions and layout at -O1 and up)
//   to linalg         before-lowering point, kiln-convert-onnx-to-linalg, elementwise
//                     fusion (-O1 and up), before-bufferize point
//   to buffers        the shape function, one-shot bufferization, outputs as out-params,
//                     output-copy elision (-O1 and up), the arena plan, deallocation
//
// A target (backends/target/Target.h) then appends its own lowering. The pipelines are
// textual, so they read like, and replay with, `kiln-opt --pass-pipeline=...`.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_PIPELINES_PIPELINES_H
#define KILN_PASSES_PIPELINES_PIPELINES_H

#include "kiln/ExtensionPoint.h"

#include "mlir/Pass/PassManager.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "passes/Quantize/StaticQuantization.h"

namespace kiln {

/// Post-training quantization (kilnc --quantize). At most one of the modes is set; each
/// runs its pass in the after-import stage, before the extension point.
struct QuantizeOptions {
  /// kiln-quantize-dynamic.
  bool dynamicInt8 = false;
  /// kiln-quantize-static with `ranges`.
  bool staticInt8 = false;
  /// kiln-add-calibration-outputs: the calibration model of static quantization.
  bool calibrationOutputs = false;
  /// Static: the calibrated activation ranges by node key (StaticQuantization.h).
  quantize::ActivationRanges ranges;
  /// Static and calibration: also return each layer's result (`layer-outputs`).
  bool layerOutputs = false;
  /// kiln-quantize-int4-weights with `blockSize` k rows per scale.
  bool int4Weights = false;
  int64_t blockSize = 32;
  /// ONNX node names kept in f32.
  std::vector<std::string> exclude;

  bool any() const { return dynamicInt8 || staticInt8 || calibrationOutputs || int4Weights; }
};

/// What the target-independent part of the pipeline needs to know.
struct PipelineOptions {
  unsigned optLevel = 2; ///< 0..3
  /// 3x3 stride-1 convolutions as Winograd F(2x2, 3x3) where it pays (kilnc --winograd,
  /// on by default).
  bool winograd = true;
  /// With `winograd`: only the convolutions of these ONNX nodes (all when empty).
  std::vector<std::string> winogradNodes;
  /// Textual pipelines run at the named points (plugins, --kiln-extension).
  std::map<ExtensionPoint, std::string> extensions;
  QuantizeOptions quantize;
  /// Lets the caller instrument each pass manager (IR printing, timing) before it runs.
  std::function<void(mlir::PassManager &)> configurePassManager;
};

/// Registers every pass a pipeline may name: MLIR's and Kiln's built-in ones. Safe to
/// call again. Hosts call it (and their targets' registerPasses) before loading
/// plugins, so no plugin can take a name the pipeline uses.
void registerPipelinePasses();

/// Adds the after-import stage: kiln-upgrade-onnx-ops, kiln-infer-shapes,
/// kiln-fold-constants (at every level), the quantization `options.quantize` asks for and
/// the after-import extension point's pipeline.
/// On a bad extension pipeline, fails with the parser's message in `error`.
mlir::LogicalResult addAfterImportPasses(mlir::OpPassManager &pm, const PipelineOptions &options,
                                         std::string &error);

/// The passes from the onnx dialect (after import) to bufferized linalg with the arena
/// planned, as a textual pipeline. `numModelInputs` tells kiln-plan-arena which
/// arguments of the entry function are model inputs. `beforePlanning` (a target's
/// pipeline, may be empty) runs on the buffers before the arena is planned, so the
/// planner sees the lifetimes of the target's fused kernels.
std::string buildBufferizationPipeline(const PipelineOptions &options, unsigned numModelInputs,
                                       const std::string &beforePlanning = "");

} // namespace kiln

#endif // KILN_PASSES_PIPELINES_PIPELINES_H
