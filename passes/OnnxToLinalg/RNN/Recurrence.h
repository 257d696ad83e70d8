//===- Recurrence.h - What LSTM, GRU and RNN lowerings share ----*- C++ -*-===//
//
// The three recurrent ops lower alike:
//   1. the input projection of every step and direction as one matrix multiply,
//      XW[T, B, D * G * H] = X[T * B, I] x W'[I, D * G * H] + biases (layout 1 keeps X
//      as [B, T, I] and XW as [B, T, ...]);
//   2. an scf.for over the T steps that carries each direction's states ([B, H] each)
//      and Y; its body, per direction, slices that step's XW and hands it with the
//      states to the op's cell (its recurrent matmul and gate math);
//   3. with sequence_lens, steps past a sequence's end keep its state and write zeros;
//      a reverse direction runs over a per-sequence reversed copy of XW and its part of
//      Y is reversed back at the end.
// Weights are transposed to [K, N] once: at compile time when they are f32 constants
// (so the CPU backend packs them), at run time otherwise.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_RNN_RECURRENCE_H
#define KILN_PASSES_ONNXTOLINALG_RNN_RECURRENCE_H

#include "passes/OnnxToLinalg/RNN/Activations.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>
#include <optional>

namespace kiln::conversion {

/// A unit attribute on onnx.LSTM, set where DynamicQuantizeLSTM is upgraded to it: each
/// step multiplies R by the hidden state quantized to uint8 (one scale per direction and
/// step, Support/DynamicQuantization.h) and dequantized, as ONNX Runtime's kernel does.
inline constexpr llvm::StringLiteral kQuantizeHiddenAttr = "kiln.quantize_hidden_u8";

/// With kQuantizeHiddenAttr, where R and its scales and zero points are constants, the
/// upgrade also hands the lowering R as ONNX Runtime multiplies it, so that each step's
/// product is an 8-bit one (RNN/QuantizedRecurrence.h): the 8-bit R [D, H, 4H] (i8, its
/// bits; kRecurrentWeightUnsignedAttr when they are uint8), its scales [D, 4H] (f32) and
/// one zero point per direction [D] (i32).
inline constexpr llvm::StringLiteral kRecurrentWeightAttr = "kiln.recurrent_weight";
inline constexpr llvm::StringLiteral kRecurrentWeightUnsignedAttr = "kiln.recurrent_weight_unsigned";
inline constexpr llvm::StringLiteral kRecurrentScaleAttr = "kiln.recurrent_scale";
inline constexpr llvm::StringLiteral kRecurrentZeroPointAttr = "kiln.recurrent_zero_point";

/// The attributes and sizes every recurrent op has, checked.
struct RecurrenceSpec {
  mlir::Operation *op = nullptr;
  mlir::Type elementType;
  int64_t numGates = 1;      ///< 4 (LSTM: i, o, f, c), 3 (GRU: z, r, h) or 1 (RNN)
  int64_t numDirections = 1;
  llvm::SmallVector<bool, 2> reversed; ///< per direction
  bool batchFirst = false;   ///< layout = 1
  int64_t hidden = 0;        ///< static
  std::optional<double> clip;
  int64_t activationsPerDirection = 1;
  llvm::SmallVector<Activation> activations; ///< activationsPerDirection per direction

  int64_t gateWidth() const { return numGates * hidden; }
  const Activation &activation(int64_t direction, int64_t index) const {
    return activations[direction * activationsPerDirection + index];
  }
};

/// Reads and checks the attributes and the X, W, R operand types of `op`; declines the
/// op (reject) and returns failure on anything unsupported.
llvm::FailureOr<RecurrenceSpec> parseRecurrence(mlir::ConversionPatternRewriter &rewriter,
                                                mlir::Operation *op, mlir::Value x,
                                                mlir::Value w, mlir::Value r, int64_t numGates,
                                                llvm::ArrayRef<ActivationKind> defaults);

/// Checks an optional operand: none, or a ranked tensor whose static dims agree with
/// `shape` (kDynamic matches anything). Declines the op otherwise.
mlir::LogicalResult checkOptionalOperand(mlir::ConversionPatternRewriter &rewriter,
                                         mlir::Operation *op, mlir::Value value,
                                         llvm::StringRef name, llvm::ArrayRef<int64_t> shape);

/// Checks the operands every recurrent op shares: B [D, 2 * gates * H], sequence_lens
/// [batch] and the initial states ([D, batch, H], or [batch, D, H] with layout = 1), each
/// optional; `states` pairs each state operand with its ONNX name.
mlir::LogicalResult
checkSharedOperands(mlir::ConversionPatternRewriter &rewriter, const RecurrenceSpec &spec,
                    mlir::Value x, mlir::Value bias, mlir::Value lens,
                    llvm::ArrayRef<std::pair<mlir::Value, llvm::StringRef>> states);

/// `w` [D, N, K] restricted to directions [d0, d0 + dc) and rows [n0, n0 + nc), as
/// [K, dc * nc]: out[k, j * nc + n] = w[d0 + j, n0 + n, k].
mlir::Value weightsAsKN(mlir::OpBuilder &b, mlir::Location loc, mlir::Value w, int64_t d0,
                        int64_t dc, int64_t n0, int64_t nc);

/// B [D, 2 * G * H] as the bias of the projection, [D * G * H]: Wb + Rb, where Rb is
/// left out for columns (within a direction) at or past `rColumns`. Null if B is none.
mlir::Value projectionBias(mlir::OpBuilder &b, mlir::Location loc, const RecurrenceSpec &spec,
                           mlir::Value bias, int64_t rColumns);

/// x [A0, A1, I] x wKN [I, N] (+ bias [N]) -> [A0, A1, N]: one linalg.matmul on
/// [A0 * A1, I] (a contraction generic when both A0 and A1 are dynamic).
mlir::Value projectInputs(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value wKN,
                          mlir::Value bias);

/// Columns [col, col + width) of a 2-D tensor.
mlir::Value columns(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t, int64_t col,
                    int64_t width);

/// Entries [begin, begin + size) of direction `d` of a [D, N] tensor, as [size].
mlir::Value directionVector(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t, int64_t d,
                            int64_t begin, int64_t size);

/// `lhs` [B, K] x `rhs` [K, N] accumulated into `acc` [B, N] (zeros when null).
mlir::Value matmulInto(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs, mlir::Value rhs,
                       mlir::Value acc);

/// A linalg.generic over [B, H] (the shape of `like`): `inputs` are [B, H] tensors read at
/// (b, j) or [H] vectors read at (j); it has `numResults` [B, H] results, computed by
/// `body` from the input scalars.
using ScalarBody = std::function<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;
llvm::SmallVector<mlir::Value> buildCellGeneric(mlir::OpBuilder &b, mlir::Location loc,
                                                mlir::Value like, mlir::ValueRange inputs,
                                                int64_t numResults, const ScalarBody &body);

/// clip(x) = min(max(x, -clip), clip) when the op has a clip, else x.
mlir::Value clipScalar(mlir::OpBuilder &b, mlir::Location loc, const RecurrenceSpec &spec,
                       mlir::Value x);

/// One step of one direction: from that step's projected input `xw` [B, G * H] and the
/// direction's states ([B, H] each: h, then c for LSTM), the new states.
using CellFn = std::function<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, int64_t direction, mlir::Value xw,
    mlir::ValueRange states)>;

/// The operands of a recurrent op that the driver uses.
struct RecurrenceOperands {
  mlir::Value x, w, bias, sequenceLens;
  /// initial_h, then initial_c for LSTM; each may be none.
  llvm::SmallVector<mlir::Value, 2> initialStates;
};

/// Builds the projection, the time loop and the outputs, and replaces `spec.op`: its
/// result 0 is Y, then one result per state (Y_h, Y_c); none results stay unused.
/// `rColumns` as for projectionBias.
mlir::LogicalResult lowerRecurrence(mlir::ConversionPatternRewriter &rewriter,
                                    const mlir::TypeConverter &converter,
                                    const RecurrenceSpec &spec,
                                    const RecurrenceOperands &operands, int64_t rColumns,
                                    const CellFn &cell);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_RNN_RECURRENCE_H
