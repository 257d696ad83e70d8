//===- Window.h - Sliding windows of Conv and the pooling ops ---*- C++ -*-===//
//
// Conv, ConvTranspose and the pooling ops share their window arithmetic: kernel, strides,
// dilations, explicit or automatic pads and ceil_mode, the padded input and the output
// tensor whose sizes follow from them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_NN_WINDOW_H
#define KILN_PASSES_ONNXTOLINALG_NN_WINDOW_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {

/// The window of a Conv or pooling op along its spatial dims (all vectors have one entry
/// per spatial dim). `extraEnd` is the padding ceil_mode adds past the explicit pads so
/// the last, partial window is computed; `outSizes` holds kDynamic where the output size
/// is only known at run time.
struct Window {
  llvm::SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, extraEnd, outSizes;
  /// auto_pad SAME_UPPER/SAME_LOWER (`sameUpper` tells which) of a strided window on a
  /// dynamic size: the pads depend on the size, so padBegin/padEnd are 0 there and
  /// padSpatial and createWindowOutput compute them at run time (out = ceil(in / stride)).
  llvm::SmallVector<bool> runtimeSamePads;
  bool sameUpper = true;
  /// ceil_mode on a dynamic size: the output size is computed at run time
  /// (createWindowOutput) and extraEnd holds stride - 1, the most end padding ceil_mode
  /// can need (the windows past the real need read padding they never use).
  llvm::SmallVector<bool> runtimeCeil;

  /// Whether any padding (explicit, automatic or from ceil_mode) is applied.
  bool isPadded() const;
  /// Whether some pads are only known at run time (runtimeSamePads).
  bool hasRuntimePads() const { return llvm::is_contained(runtimeSamePads, true); }
};

/// Reads strides, dilations, pads, auto_pad (and ceil_mode if `ceilMode`) of `op` for an
/// NC... input of type `inputType` and a kernel of spatial size `kernel`. Notifies a match
/// failure and returns failure if the attributes are malformed or need static sizes that
/// are dynamic.
llvm::FailureOr<Window> getWindow(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                                  mlir::RankedTensorType inputType, llvm::ArrayRef<int64_t> kernel,
                                  bool ceilMode);

/// The begin and end pads of spatial dim `i` of `input` (NC...), also where they are only
/// known at run time (runtimeSamePads); ceil_mode's extra end padding is not included.
std::pair<mlir::Value, mlir::Value> spatialPads(mlir::OpBuilder &b, mlir::Location loc,
                                                mlir::Value input, const Window &window,
                                                int64_t i);

/// Pads the spatial dims of `input` (NC...) by the window's pads with `padValue`.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                       const Window &window, mlir::Value padValue);

/// Creates the tensor.empty for the N x `channels` x out... result of a windowed op over
/// `input`, filled with `fillValue` if given. Static sizes come from `resultType`; dynamic
/// spatial sizes are computed from the input size and the window. A static size over a
/// dynamic input is checked at run time against the computed one; `node` (the ONNX op)
/// is named in the message.
mlir::Value createWindowOutput(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                               mlir::RankedTensorType resultType, mlir::Value input,
                               mlir::OpFoldResult channels, const Window &window,
                               mlir::Value fillValue);

/// Returns an i64 DenseIntElementsAttr holding `values` (what the named conv and pooling
/// ops take for strides and dilations).
mlir::DenseIntElementsAttr getI64VectorAttr(mlir::OpBuilder &b, llvm::ArrayRef<int64_t> values);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_NN_WINDOW_H
