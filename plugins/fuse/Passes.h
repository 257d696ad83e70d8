//===- Passes.h - The fusion plugin's passes ---------------------*- C++ -*-===//

#ifndef KILN_PLUGINS_FUSE_PASSES_H
#define KILN_PLUGINS_FUSE_PASSES_H

#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln::fuse {

#define GEN_PASS_DECL
#include "plugins/fuse/Passes.h.inc"

} // namespace kiln::fuse

#endif // KILN_PLUGINS_FUSE_PASSES_H
