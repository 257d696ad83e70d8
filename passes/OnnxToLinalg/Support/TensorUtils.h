//===- TensorUtils.h - Building and reshaping tensors -----------*- C++ -*-===//
//
// Tensor construction and shape arithmetic shared by the lowerings of every category:
// empty and filled tensors, dynamic sizes, unit-dim insertion and removal, gathers whose
// source index is computed. Sizes are index Values folded to constants where the shape
// is static, so static programs lower to static IR.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_TENSORUTILS_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_TENSORUTILS_H

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

#include <optional>
#include <vector>

namespace kiln::conversion {

/// Creates a tensor.empty of `type`, taking each dynamic size from `dynamicSizes`
/// (one Value per dynamic dimension, in order).
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                        mlir::ValueRange dynamicSizes);

/// Expands `src` to `resultType` by splitting dims along `groups`, the result's sizes
/// being `outputShape`. Emits tensor.expand_shape when every group has at most one
/// dynamic dim, and tensor.reshape otherwise: upstream expand-strided-metadata cannot
/// lower (and crashes on) a memref.expand_shape with two dynamic dims in one group.
mlir::Value expandShape(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType resultType,
                        mlir::Value src, llvm::ArrayRef<mlir::ReassociationIndices> groups,
                        llvm::ArrayRef<mlir::OpFoldResult> outputShape);

/// Returns the dynamic sizes of `value` (a ranked tensor), one index Value per dynamic dim.
llvm::SmallVector<mlir::Value> getDynamicSizes(mlir::OpBuilder &b, mlir::Location loc,
                                               mlir::Value value);

/// Returns the sizes of every dimension of `value` as OpFoldResults.
llvm::SmallVector<mlir::OpFoldResult> getMixedSizes(mlir::OpBuilder &b, mlir::Location loc,
                                                    mlir::Value value);

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

/// Returns `value` as a 1-D tensor of all its elements in row-major order (a rank-0
/// tensor becomes one element; a 1-D one is returned as is).
mlir::Value flattenAll(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

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

/// Creates a tensor.empty of `type` taking each dynamic size from the same dim of
/// `like` (which has `type`'s rank; it may be less static than `type`).
mlir::Value createEmptyLike(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                            mlir::Value like);

/// Returns `init` filled with `value` by linalg.fill.
mlir::Value fill(mlir::OpBuilder &b, mlir::Location loc, mlir::Value init, mlir::Value value);

/// Builds a generic over `resultType` that keeps `input[i]` (or `one` when `input` is
/// null) where `keep(row, col)` holds and zero elsewhere; rows and cols are the last two
/// dims, their sizes in `sizes` (Trilu, EyeLike).
mlir::Value buildMatrixMask(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType resultType, mlir::Value input,
    llvm::ArrayRef<mlir::Value> sizes,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value)>
        keep);

/// Builds a zero-based, unit-step scf.for nest over `ubs` carrying `inits`; `body(b, loc,
/// ivs, iters)` returns the values yielded. Returns the nest's results.
llvm::SmallVector<mlir::Value> loopNest(
    mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<mlir::Value> ubs,
    mlir::ValueRange inits,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::OpBuilder &, mlir::Location,
                                                      mlir::ValueRange, mlir::ValueRange)>
        body);

/// An empty slice may start at the dim's size, which extract_slice rejects once the
/// offset folds to a constant; where a size is the constant 0, start at 0 instead.
void zeroOffsetsOfEmptyDims(mlir::OpBuilder &b,
                            llvm::SmallVectorImpl<mlir::OpFoldResult> &offsets,
                            llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// The data of a static f32 arith.constant (dense or resource), row-major; nullopt for
/// anything else.
std::optional<std::vector<float>> constantF32(mlir::Value v);

/// Clamps the index `v` into [lo, hi], folding when everything is constant.
mlir::Value clampIdx(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::Value lo,
                     mlir::Value hi);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_TENSORUTILS_H
