//===- QuantizedRecurrence.h - DynamicQuantizeLSTM's 8-bit step product -*- C++ -*-===//
//
// ONNX Runtime's DynamicQuantizeLSTM multiplies R in 8 bits: each step it quantizes the
// hidden state h [B, H] to uint8 (Support/DynamicQuantization.h), multiplies it by the
// 8-bit R of the direction [H, 4H] in i32, and adds the product, scaled by h's scale
// times R's (per direction or per column), to the step's projected input:
//   G = XW[t] + ((q(h) - zp_h) x (R - zp_R)) * (scale_h * scale_R)
// Built so, the CPU backend runs the product with its VNNI kernel (Int8Operands.cpp)
// and reads a quarter of the bytes of an f32 R: the recurrence is memory-bound.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_RNN_QUANTIZEDRECURRENCE_H
#define KILN_PASSES_ONNXTOLINALG_RNN_QUANTIZEDRECURRENCE_H

#include "passes/OnnxToLinalg/RNN/Recurrence.h"

#include <optional>

namespace kiln::conversion {

/// R per direction as the kRecurrentWeight* attributes of an LSTM give it.
struct QuantizedRecurrentWeights {
  llvm::SmallVector<mlir::Value> weights; ///< [H, 4H] 8-bit constants
  llvm::SmallVector<mlir::Value> scales;  ///< [4H] f32 constants
  llvm::SmallVector<int32_t> zeroPoints;
  bool isUnsigned = false;
};

/// The 8-bit R of `spec.op`, built as constants, or nullopt when the op has no
/// kRecurrentWeightAttr (or attributes that do not fit the op's sizes).
std::optional<QuantizedRecurrentWeights>
readQuantizedRecurrentWeights(mlir::OpBuilder &b, mlir::Location loc, const RecurrenceSpec &spec);

/// The gates of one step of direction `direction`: `xw` [B, 4H] plus the 8-bit product of
/// `h` [B, H] and R, as the header says (`node`: the LSTM, for diagnostics).
mlir::Value quantizedRecurrentProduct(mlir::ConversionPatternRewriter &b, mlir::Location loc,
                                      mlir::Operation *node, mlir::Value h,
                                      const QuantizedRecurrentWeights &weights,
                                      int64_t direction, mlir::Value xw);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_RNN_QUANTIZEDRECURRENCE_H
