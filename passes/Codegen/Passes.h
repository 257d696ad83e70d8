//===- Passes.h - Target-independent code generation passes ------*- C++ -*-===//
//
// From linalg on tensors to planned buffers, shared by every target (Passes.td): the
// names below are the symbols a compiled model's code and its C glue share.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_CODEGEN_PASSES_H
#define KILN_PASSES_CODEGEN_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Pass/Pass.h"

#include "kiln/Statistic.h"

namespace kiln {

#define GEN_PASS_DECL
#include "passes/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Codegen/Passes.h.inc"

/// Name of the entry function every target compiles, and of its shape function.
inline constexpr llvm::StringLiteral kEntryName = "kiln_main";
inline constexpr llvm::StringLiteral kShapeFunctionName = "kiln_output_dims";
/// The C glue's error entry points (kiln-lower-checks): record a failure, and ask
/// whether the run has failed.
inline constexpr llvm::StringLiteral kRuntimeFail = "kiln_rt_fail";
inline constexpr llvm::StringLiteral kRuntimeFailed = "kiln_rt_failed";
/// Prefix of the placeholder functions a target's loop outlining calls (the CPU's
/// kiln-outline-parallel-loops), and of the bodies they dispatch; kiln-lower-checks
/// follows a failure out of a body through its dispatch.
inline constexpr llvm::StringLiteral kDispatchPrefix = "kiln_dispatch_par";
inline constexpr llvm::StringLiteral kParallelBodyPrefix = "kiln_par_body";

} // namespace kiln

#endif // KILN_PASSES_CODEGEN_PASSES_H
