//===- Passes.h - The example plugin's passes --------------------*- C++ -*-===//

#ifndef KILN_EXAMPLE_PASSES_H
#define KILN_EXAMPLE_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln::example {
#define GEN_PASS_DECL
#include "Passes.h.inc"
} // namespace kiln::example

#endif // KILN_EXAMPLE_PASSES_H
