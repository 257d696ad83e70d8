//===- TensorUtils.h - Helpers shared by the Tensor-category lowerings -*- C++ -*-===//
//
// The Tensor category is split over several files (Tensor, Reshape, Slice, Gather); the
// shape arithmetic they share lives here. Sizes are index Values folded to constants where
// the shape is static, so static programs lower to static IR.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_TENSORUTILS_H
#define KILN_PASSES_ONNXTOLINALG_TENSORUTILS_H

#include "passes/OnnxToLinalg/Common.h"

namespace kiln::conversion {

/// Returns `n` index Values read from a 1-D integer tensor: constants when the tensor is a
/// constant, tensor.extract + index_cast otherwise.
llvm::SmallVector<mlir::Value> getIndexValues(mlir::OpBuilder &b, mlir::Location loc,
                                              mlir::Value tensor, int64_t n);

/// Returns the single element of a one-element tensor (any rank) as a scalar.
mlir::Value extractScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);

/// Returns the size of dimension `dim` of `value` as an index Value (constant if static).
mlir::Value getDimValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, int64_t dim);

/// Returns the dynamic entries of `sizes` for `type` (one per dynamic dim of `type`).
llvm::SmallVector<mlir::Value> dynamicSizesOf(mlir::OpBuilder &b, mlir::Location loc,
                                              mlir::RankedTensorType type,
                                              llvm::ArrayRef<mlir::Value> sizes);

/// Inserts static unit dims into `src` so that it has `resultType`; `unitDims` are the
/// positions (in the result) of the new dims. Emits tensor.expand_shape.
mlir::Value insertUnitDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                           llvm::ArrayRef<int64_t> unitDims, mlir::RankedTensorType resultType);

/// Drops the dims `unitDims` (positions in `src`, all of size 1 at run time) so that `src`
/// has `resultType`. Emits tensor.collapse_shape.
mlir::Value dropUnitDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                         llvm::ArrayRef<int64_t> unitDims, mlir::RankedTensorType resultType);

/// Casts `value` to `type` with tensor.cast when their static shapes differ.
mlir::Value castTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, mlir::Type type);

/// Computes the source indices for one result element from the result indices.
using IndexMapFn = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Builds a linalg.generic producing `resultType` whose element at each index is
/// `source[indexFn(index)]`. For the data movement ops (Tile, Pad, reverse) whose source
/// index is not an affine function of the result index.
mlir::Value buildIndexGather(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType, llvm::ArrayRef<mlir::Value> sizes,
                             mlir::Value source, IndexMapFn indexFn);

/// Per dim d < `rank`, an i1 Value that is true when the 1-D integer tensor `axes` (a
/// run-time value; negative entries count from the back) lists d. `isEmpty` is set to an i1
/// that is true when `axes` has no entries.
llvm::SmallVector<mlir::Value> getAxisFlags(mlir::OpBuilder &b, mlir::Location loc,
                                            mlir::Value axes, int64_t rank, mlir::Value &isEmpty);

/// Returns the `resultRank` sizes left when the dims whose i1 in `dropped` is true are
/// removed from `sizes` (run-time selects; the caller knows how many remain).
llvm::SmallVector<mlir::Value> compactSizes(mlir::OpBuilder &b, mlir::Location loc,
                                            llvm::ArrayRef<mlir::Value> sizes,
                                            llvm::ArrayRef<mlir::Value> dropped,
                                            int64_t resultRank);

/// Reshapes `src` to `resultType` with the run-time index `sizes` (tensor.reshape).
mlir::Value reshapeToSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                           llvm::ArrayRef<mlir::Value> sizes, mlir::RankedTensorType resultType);

/// Squeeze and Unsqueeze whose `axes` is not a constant: when it is a 1-D tensor, the result
/// shape is computed at run time and applied with tensor.reshape (DynamicAxes.cpp);
/// otherwise the op is rejected.
mlir::LogicalResult lowerSqueezeWithDynamicAxes(mlir::ConversionPatternRewriter &rewriter,
                                                mlir::Operation *op, mlir::Value data,
                                                mlir::Value axes,
                                                mlir::RankedTensorType resultType);
mlir::LogicalResult lowerUnsqueezeWithDynamicAxes(mlir::ConversionPatternRewriter &rewriter,
                                                  mlir::Operation *op, mlir::Value data,
                                                  mlir::Value axes,
                                                  mlir::RankedTensorType resultType);

// Pattern population of the Tensor category, one function per file.
void populateReshapePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateSlicePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateGatherPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_TENSORUTILS_H
