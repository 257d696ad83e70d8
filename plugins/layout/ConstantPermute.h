//===- ConstantPermute.h - Transposing onnx.Constant data -------*- C++ -*-===//
//
// The layout passes transpose constants at compile time: Conv weights into the
// [KH, KW, C, M] form kiln.conv_nhwc takes, and the per-channel constants of
// elementwise ops into the NHWC broadcast shape. Both work on the constant's raw bytes,
// so every element type of whole bytes is handled alike.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PLUGINS_LAYOUT_CONSTANTPERMUTE_H
#define KILN_PLUGINS_LAYOUT_CONSTANTPERMUTE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace kiln::layout {

/// The `value` of the onnx.Constant producing `v` when it is a DenseElementsAttr or a
/// DenseResourceElementsAttr with loaded data of whole-byte elements; else null.
mlir::ElementsAttr getConstantValue(mlir::Value v);

/// Creates an onnx.Constant holding `value` viewed as `shape` (the same element count)
/// and transposed by `perm` (result dim i is source dim perm[i]). Returns null when the
/// data cannot be read.
mlir::Value createPermutedConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::ElementsAttr value,
                                   llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> perm);

/// `shape` transposed by `perm`: result[i] = shape[perm[i]].
llvm::SmallVector<int64_t> permuteShape(llvm::ArrayRef<int64_t> shape,
                                        llvm::ArrayRef<int64_t> perm);

/// The inverse permutation: inverse[perm[i]] = i.
llvm::SmallVector<int64_t> invertPermutation(llvm::ArrayRef<int64_t> perm);

} // namespace kiln::layout

#endif // KILN_PLUGINS_LAYOUT_CONSTANTPERMUTE_H
