//===- Passes.h - The layout plugin's passes --------------------*- C++ -*-===//

#ifndef KILN_PLUGINS_LAYOUT_PASSES_H
#define KILN_PLUGINS_LAYOUT_PASSES_H

#include "ir/kiln/KilnDialect.h"
#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

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

} // namespace kiln::layout

#endif // KILN_PLUGINS_LAYOUT_PASSES_H
