//===- Evaluate.h - ONNX op semantics on constant tensors --------*- C++ -*-===//
//
// Computes one onnx op on constant operands with the exact ONNX semantics (numpy
// broadcasting, integer wrap-around and truncating division, float results rounded once
// to the element type), for kiln-fold-constants. Covers the ops PyTorch exports around
// shapes and weights; any other op, or an operand combination the rules below do not
// cover, is not folded.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_FOLDING_EVALUATE_H
#define KILN_PASSES_FOLDING_EVALUATE_H

#include "passes/Folding/Literal.h"

#include "mlir/IR/Operation.h"

namespace kiln::folding {

/// An operand of the op being folded: a constant, or absent (an omitted optional input).
using Operand = std::optional<Literal>;

/// The results of `op` given its operands (one per operand, in order), or nullopt when
/// the op or these operands are not covered.
std::optional<llvm::SmallVector<Literal>> evaluate(mlir::Operation *op,
                                                   llvm::ArrayRef<Operand> operands);

/// Elementwise and broadcasting ops (Add, Cast, Sqrt, Where, ...); see evaluate().
std::optional<Literal> evaluateMath(mlir::Operation *op, llvm::ArrayRef<Operand> operands);
/// Shape and data-movement ops (Reshape, Transpose, Concat, Gather, Slice, ...).
std::optional<Literal> evaluateTensor(mlir::Operation *op, llvm::ArrayRef<Operand> operands);

} // namespace kiln::folding

#endif // KILN_PASSES_FOLDING_EVALUATE_H
