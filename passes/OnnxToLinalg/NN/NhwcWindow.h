//===- NhwcWindow.h - Sliding windows over channels-last tensors -*- C++ -*-===//
//
// What the channels-last ops of the layout plugin (kiln.conv_nhwc, kiln.pool_nhwc) share:
// padding the spatial dims, the window's input map, and the output size. Each works for
// any number S of spatial dims (NHWC: 2, NDHWC: 3), taken from the sizes of its lists.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_NN_NHWCWINDOW_H
#define KILN_PASSES_ONNXTOLINALG_NN_NHWCWINDOW_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace kiln::conversion {

/// Pads the S spatial dims (1 to S) of channels-last `x` by `pads` (S begins, then S
/// ends: [top, left, bottom, right] in 2-D) with `padValue`; `x` itself when every pad is 0.
mlir::Value padNhwc(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    llvm::ArrayRef<int64_t> pads, mlir::Value padValue);

/// The map (n, o_1..o_S, k_1..k_S, c) -> the channels-last input element the window reads
/// (in 2-D: (n, oh, ow, kh, kw, c)); S is the number of strides.
mlir::AffineMap windowInputMap(mlir::MLIRContext *ctx, llvm::ArrayRef<int64_t> strides,
                               llvm::ArrayRef<int64_t> dilations);

/// [N, O_1..O_S] of a window over the padded channels-last `padded` (S the kernel's
/// size; [N, OH, OW] in 2-D): static where the sizes are,
/// else computed at run time after a check (naming `node`) that the dilated kernel fits.
llvm::SmallVector<mlir::OpFoldResult>
nhwcWindowSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node, mlir::Value padded,
                llvm::ArrayRef<int64_t> kernel, llvm::ArrayRef<int64_t> strides,
                llvm::ArrayRef<int64_t> dilations);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_NN_NHWCWINDOW_H
