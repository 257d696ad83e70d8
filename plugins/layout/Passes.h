//===- Passes.h - The layout plugin's passes --------------------*- C++ -*-===//

#ifndef KILN_PLUGINS_LAYOUT_PASSES_H
#define KILN_PLUGINS_LAYOUT_PASSES_H

#include "ir/kiln/KilnDialect.h"
#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace kiln {
class PassStatistic;
}

namespace kiln::layout {

#define GEN_PASS_DECL
#include "plugins/layout/Passes.h.inc"

/// The plugin's pipeline, run by kilnc after import, after the fusion plugin (so
/// BatchNorm and biases are already part of each Conv): NHWC convolutions, then the
/// Transposes between them cancelled; convs left between two transposes that are cheaper
/// channels-first go back, and their transposes cancel in a second sinking.
inline constexpr const char *kLayoutPipeline =
    "kiln-convert-layout-nhwc,kiln-sink-transposes,kiln-revert-lone-convs,"
    "kiln-sink-transposes,canonicalize,cse";

/// Adds kiln-convert-layout-nhwc's rewrite of group-1 ConvIntegers into channels-last
/// MatMulIntegers (ConvIntegerNhwc.cpp), counting the 1x1 stride-1 ones in `pointwise`
/// and the others (columns gathered by Pad, Slice and Concat) in `windowed`.
void populateConvIntegerNhwcPatterns(mlir::RewritePatternSet &patterns,
                                     kiln::PassStatistic &pointwise,
                                     kiln::PassStatistic &windowed);

} // namespace kiln::layout

#endif // KILN_PLUGINS_LAYOUT_PASSES_H
