//===- TransposeSinking.h - Shared pieces of kiln-sink-transposes -*- C++ -*-===//
//
// kiln-sink-transposes moves each onnx.Transpose down past the ops that do not care
// about the layout (elementwise ops, Concat, pools, reductions, Split, Slice, Resize,
// Pad, Softmax, reshapes of unit dims), rewriting the op's axis attributes and constant
// operands for the untransposed input, until it meets its inverse and both cancel. The
// patterns live in SinkTransposes.cpp (elementwise), SinkThroughReshape.cpp (Squeeze,
// Unsqueeze, Reshape) and SinkThroughStructural.cpp (the rest).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PLUGINS_LAYOUT_TRANSPOSESINKING_H
#define KILN_PLUGINS_LAYOUT_TRANSPOSESINKING_H

#include "ir/onnx/OnnxDialect.h"
#include "kiln/Statistic.h"

#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace kiln::layout {

/// The permutation of a ranked onnx.Transpose producing `v` (ONNX's default reverses
/// the dims), with `op` set to it; nullopt when `v` is not produced by one.
std::optional<llvm::SmallVector<int64_t>> transposePerm(mlir::Value v, onnxir::TransposeOp &op);

/// A new onnx.Transpose of ranked `x` by `perm`.
mlir::Value createTranspose(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                            llvm::ArrayRef<int64_t> perm);

/// Whether `v` is a statically shaped one-element tensor, which broadcasts the same in
/// any layout.
bool isScalarLike(mlir::Value v);

/// An onnx.Constant of i64 `values` (a 1-D tensor).
mlir::Value createI64Constant(mlir::OpBuilder &b, mlir::Location loc,
                              llvm::ArrayRef<int64_t> values);

/// The elements of a constant integer tensor `v` (i32 or i64), or nullopt.
std::optional<llvm::SmallVector<int64_t>> readIntConstant(mlir::Value v);

/// Replaces `op`'s results by Transpose(result of `clone`, perm) each, where `clone`
/// computes `op` on the untransposed input; the new Transposes carry `op`'s node
/// location.
void replaceWithTransposed(mlir::PatternRewriter &rewriter, mlir::Operation *op,
                           mlir::Operation *clone, llvm::ArrayRef<int64_t> perm);

/// Adds the patterns for Concat, MaxPool/AveragePool (to kiln.pool_nhwc),
/// GlobalAveragePool/GlobalMaxPool, the Reduce ops, Split, Slice, Resize, Pad and
/// Softmax/LogSoftmax; each sunk Transpose counts in `numSunk`.
void populateStructuralSinkPatterns(mlir::RewritePatternSet &patterns, kiln::PassStatistic &numSunk);

/// Adds the patterns for Squeeze, Unsqueeze and Reshapes that only remove or insert
/// dims of size 1 (SinkThroughReshape.cpp).
void populateReshapeSinkPatterns(mlir::RewritePatternSet &patterns, kiln::PassStatistic &numSunk);

} // namespace kiln::layout

#endif // KILN_PLUGINS_LAYOUT_TRANSPOSESINKING_H
