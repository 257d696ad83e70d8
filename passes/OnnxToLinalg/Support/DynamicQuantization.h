//===- DynamicQuantization.h - uint8 parameters from a tensor's range -*- C++ -*-===//
//
// Dynamic quantization to uint8 as ONNX's DynamicQuantizeLinear defines it and ONNX
// Runtime's quantized kernels compute it (GetQuantizationParameter, MlasQuantizeLinear):
//   lo = min(0, min(x)), hi = max(0, max(x))
//   scale = (hi == lo ? 1 : hi - lo) / 255
//   zero_point = round_half_even(clamp(0 - lo / scale, 0, 255))
//   q = clamp(round_half_even(x / scale) + zero_point, 0, 255)
// all in f32. DynamicQuantizeLinear returns q; DynamicQuantizeLSTM multiplies its hidden
// state as (q - zero_point) * scale.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_DYNAMICQUANTIZATION_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_DYNAMICQUANTIZATION_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace kiln::conversion {

/// f32 scalars (not tensors) for the whole of a tensor.
struct U8QuantParams {
  mlir::Value scale;
  mlir::Value zeroPoint; ///< integral, in [0, 255], as f32
};

/// scale and zero point for all of `x` (a ranked f32 tensor, any rank). NaN propagates.
U8QuantParams dynamicU8Params(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// q = clamp(round_half_even(x / scale) + zero_point, 0, 255) elementwise, as
/// `type`'s element type (an 8-bit integer, unsigned as ONNX's uint8).
mlir::Value quantizeU8(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       const U8QuantParams &params, mlir::RankedTensorType type);

/// (q - zero_point) * scale, with q as quantizeU8 computes it, elementwise in f32: `x`
/// rounded to the grid a uint8 quantization of it can represent.
mlir::Value fakeQuantizeU8(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                           const U8QuantParams &params);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_DYNAMICQUANTIZATION_H
