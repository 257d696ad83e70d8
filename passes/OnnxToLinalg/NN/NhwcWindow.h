//===- NhwcWindow.h - Sliding windows over NHWC tensors ---------*- C++ -*-===//
//
// What the NHWC ops of the layout plugin (kiln.conv_nhwc, kiln.pool_nhwc) share: padding
// the spatial dims, the window's input map, and the output size.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_NN_NHWCWINDOW_H
#define KILN_PASSES_ONNXTOLINALG_NN_NHWCWINDOW_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace kiln::conversion {

/// Pads the spatial dims (1 and 2) of NHWC `x` by [top, left, bottom, right] with
/// `padValue`; `x` itself when every pad is 0.
mlir::Value padNhwc(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    llvm::ArrayRef<int64_t> pads, mlir::Value padValue);

/// The map (n, oh, ow, kh, kw, c) -> the NHWC input element the window reads.
mlir::AffineMap windowInputMap(mlir::MLIRContext *ctx, llvm::ArrayRef<int64_t> strides,
                               llvm::ArrayRef<int64_t> dilations);

/// [N, OH, OW] of a window over the padded NHWC `padded`: static where the sizes are,
/// else computed at run time after a check (naming `node`) that the dilated kernel fits.
llvm::SmallVector<mlir::OpFoldResult>
nhwcWindowSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node, mlir::Value padded,
                llvm::ArrayRef<int64_t> kernel, llvm::ArrayRef<int64_t> strides,
                llvm::ArrayRef<int64_t> dilations);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_NN_NHWCWINDOW_H
