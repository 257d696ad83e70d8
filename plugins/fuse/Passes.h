//===- Passes.h - The fusion plugin's passes ---------------------*- C++ -*-===//

#ifndef KILN_PLUGINS_FUSE_PASSES_H
#define KILN_PLUGINS_FUSE_PASSES_H

#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln::fuse {

#define GEN_PASS_DECL
#include "plugins/fuse/Passes.h.inc"

/// The plugin's pipeline, run by kilnc after import (upgrades, shape inference and the
/// built-in kiln-fold-constants, so weights and shapes are literal): fold BatchNorm into
/// Conv, recognize LayerNorm and GELU (so a Gelu after a contraction counts as its
/// activation), fold biases into the contractions, recognize attention, and fold (the
/// built-in pass again) the masks the attention rewrite leaves behind.
inline constexpr const char *kFusePipeline =
    "kiln-fold-conv-bn,kiln-fuse-layer-norm,kiln-fuse-gelu,"
    "kiln-fuse-bias,kiln-fuse-attention,kiln-fold-constants";

} // namespace kiln::fuse

#endif // KILN_PLUGINS_FUSE_PASSES_H
