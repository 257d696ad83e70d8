//===- StaticQuantization.h - Calibrated int8 activations --------*- C++ -*-===//
//
// Static int8 quantization (kilnc --quantize=int8) fixes each quantized contraction's
// activation scale and zero point at compile time from a range measured on calibration
// data. Two passes of QuantizeContractions.cpp take part:
//
//   kiln-add-calibration-outputs  returns the f32 activation (A) of every contraction
//                                 that would be quantized as an extra model output
//                                 "kiln.calibration.<k>"; the module attribute
//                                 `kiln.calibration_outputs` lists, for each k, the
//                                 contractions (their node keys) that read it.
//   kiln-quantize-static          the rewrite, with each A's range from the C++ map
//                                 given to createQuantizeStaticWithRanges or else from
//                                 the contraction's `kiln.activation_range` attribute
//                                 (array<f64: min, max>; lit tests).
//
// With `layer-outputs`, both also return each (quantized) contraction's result as
// "kiln.layer:<node key>", so that kilnc can compare each layer's quantized output with
// the f32 one on the calibration data.
//
// A node key is the contraction's ONNX node name(s), comma-separated when fused: the
// same in both passes since both run at the same point of the pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_QUANTIZE_STATICQUANTIZATION_H
#define KILN_PASSES_QUANTIZE_STATICQUANTIZATION_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::quantize {

inline constexpr llvm::StringLiteral kActivationRangeAttr = "kiln.activation_range";
inline constexpr llvm::StringLiteral kCalibrationOutputsAttr = "kiln.calibration_outputs";
inline constexpr llvm::StringLiteral kCalibrationOutputPrefix = "kiln.calibration.";
/// The prefix of the contraction results both passes return with `layer-outputs`, then
/// the node key: the f32 and the quantized result of one layer have the same name.
inline constexpr llvm::StringLiteral kLayerOutputPrefix = "kiln.layer:";

/// The range of an activation's values on the calibration data.
struct ActivationRange {
  double min = 0, max = 0;
};
/// Ranges by node key.
using ActivationRanges = std::map<std::string, ActivationRange>;

/// The u8 asymmetric quantization of a range, as ONNX Runtime's quantizer computes it:
/// the range is widened to hold 0, scale = (max - min) / 255 (1 for an empty range),
/// zero point = round(-min / scale) clamped to [0, 255].
struct ActivationQuantization {
  float scale = 1;
  uint8_t zeroPoint = 0;
};
ActivationQuantization quantizeRange(ActivationRange range);

/// The calibration outputs' node keys (kCalibrationOutputsAttr): element k lists the
/// contractions reading output "kiln.calibration.<k>".
std::vector<std::vector<std::string>> readCalibrationOutputs(mlir::ModuleOp module);

} // namespace kiln::quantize

namespace kiln {
struct QuantizeStaticOptions;
/// kiln-quantize-static with the ranges of `ranges` (by node key) ahead of attributes.
std::unique_ptr<mlir::Pass> createQuantizeStaticWithRanges(const QuantizeStaticOptions &options,
                                                           quantize::ActivationRanges ranges);
} // namespace kiln

#endif // KILN_PASSES_QUANTIZE_STATICQUANTIZATION_H
