//===- Passes.h - Passes of the CPU backend ----------------------*- C++ -*-===//

#ifndef KILN_BACKENDS_CPU_PASSES_H
#define KILN_BACKENDS_CPU_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

#include "kiln/Statistic.h"
#include "passes/Codegen/Passes.h"

namespace kiln::cpu {

#define GEN_PASS_DECL
#include "backends/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "backends/cpu/Passes.h.inc"

/// The C glue's entry point that forwards to the runtime's parallel_for hook.
inline constexpr llvm::StringLiteral kRuntimeParallelFor = "kiln_rt_parallel_for";

} // namespace kiln::cpu

#endif // KILN_BACKENDS_CPU_PASSES_H
