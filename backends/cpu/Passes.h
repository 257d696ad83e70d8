//===- Passes.h - Passes of the CPU backend ----------------------*- C++ -*-===//

#ifndef KILN_BACKENDS_CPU_PASSES_H
#define KILN_BACKENDS_CPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

#include "kiln/Statistic.h"

namespace kiln::cpu {

#define GEN_PASS_DECL
#include "backends/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "backends/cpu/Passes.h.inc"

/// Name of the entry function the backend compiles, and of its shape function.
inline constexpr llvm::StringLiteral kEntryName = "kiln_main";
inline constexpr llvm::StringLiteral kShapeFunctionName = "kiln_output_dims";
/// Prefix of the placeholder functions kiln-outline-parallel-loops calls.
inline constexpr llvm::StringLiteral kDispatchPrefix = "kiln_dispatch_par";
/// The C glue's entry point that forwards to the runtime's parallel_for hook.
inline constexpr llvm::StringLiteral kRuntimeParallelFor = "kiln_rt_parallel_for";
/// Prefix of the outlined parallel bodies.
inline constexpr llvm::StringLiteral kParallelBodyPrefix = "kiln_par_body";
/// The C glue's error entry points (kiln-lower-checks): record a failure, and ask
/// whether the run has failed.
inline constexpr llvm::StringLiteral kRuntimeFail = "kiln_rt_fail";
inline constexpr llvm::StringLiteral kRuntimeFailed = "kiln_rt_failed";

} // namespace kiln::cpu

#endif // KILN_BACKENDS_CPU_PASSES_H
