//===- ShapeHelpers.h - Checks shared by onnx verifiers and inference -*- C++ -*-===//
//
// Free functions used both by the op verifiers (Verifiers*.cpp) and by shape
// inference (ShapeInference*.cpp), so a rule such as "these shapes broadcast" is
// written once. Functions that can fail take an `EmitErrorFn`: when it is set they
// report why at the op (verifiers pass `[&] { return op.emitOpError(); }`), when it
// is null they fail silently (callers that only want to know).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_IR_ONNX_SHAPEHELPERS_H
#define KILN_IR_ONNX_SHAPEHELPERS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace kiln::onnxir {

/// Reports an error at the op being checked; null for silent checks.
using EmitErrorFn = llvm::function_ref<mlir::InFlightDiagnostic()>;

/// The dynamic-dimension marker, spelled short for the many shape rules.
inline constexpr int64_t kDynamic = mlir::ShapedType::kDynamic;

/// Returns the MLIR element type of an ONNX TensorProto data type number (the
/// `to` attribute of Cast, `dtype` of the generators), or null for an unknown or
/// undefined (0) number. Used by the importer as well.
mlir::Type getElementTypeForOnnxDataType(mlir::MLIRContext *ctx, int64_t dataType);

/// Returns the integer elements of `value` when it is produced by an
/// `onnx.Constant` (or, during lowering, an `arith.constant`, also behind the
/// conversion casts of a type converter) holding an integer DenseElementsAttr or
/// DenseResourceElementsAttr (32- or 64-bit), in row-major order, sign-extended.
/// The one constant matcher of the dialect, the verifiers and the lowerings.
std::optional<llvm::SmallVector<int64_t>> matchConstantI64s(mlir::Value value);

/// The elements behind `value` when it is an onnx.Constant or arith.constant (through
/// conversion casts), else null.
mlir::ElementsAttr getConstantElements(mlir::Value value);

/// Returns the values of a 0-D or 1-D integer shape tensor as far as they are
/// known at compile time, with kDynamic for an element that exists but is not
/// known (e.g. a dynamic dimension read by `Shape`). This is ONNX's data
/// propagation: it follows Constant, Shape (start/end), Gather with constant
/// indices, (Un)Squeeze, Identity, Concat, Slice with constant parameters, Cast
/// between integer types, and Add/Sub/Mul/Div of such tensors, so that the
/// PyTorch chain Concat(Unsqueeze(Gather(Shape(x), 0)), ..., [12, 64]) yields
/// [?, 128, 12, 64]. std::nullopt when not even the number of elements is known.
std::optional<llvm::SmallVector<int64_t>> getShapeTensorValues(mlir::Value value);

/// Returns the shape of `type` if it is a ranked tensor.
std::optional<llvm::ArrayRef<int64_t>> getRankedShape(mlir::Type type);

/// Returns the element type of a tensor type, or null for other types (`none`,
/// sequences, ...).
mlir::Type getTensorElementType(mlir::Type type);

/// Builds `tensor<shape x elem>`, or `tensor<* x elem>` when `shape` is unknown.
mlir::TensorType makeTensorType(std::optional<llvm::ArrayRef<int64_t>> shape,
                                mlir::Type elementType);

/// Returns true if two dimensions may be equal (either is dynamic, or equal).
inline bool dimsCompatible(int64_t a, int64_t b) {
  return a == kDynamic || b == kDynamic || a == b;
}

/// Multiplies dimensions; dynamic if any factor is.
int64_t mulDims(llvm::ArrayRef<int64_t> dims);

/// Normalizes `axis` in [-rank, rank) to [0, rank). `what` names the attribute in
/// the error (e.g. "axis").
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank, EmitErrorFn emitError,
                                       llvm::StringRef what = "axis");

/// Checks that `axis` indexes `input` (normalizeAxis against its rank) when the rank
/// is known; the error goes to `op`.
mlir::LogicalResult verifyAxisOf(mlir::Operation *op, mlir::Value input, int64_t axis);

/// Normalizes a list of axes against `rank` and rejects duplicates.
mlir::FailureOr<llvm::SmallVector<int64_t>> normalizeAxes(llvm::ArrayRef<int64_t> axes,
                                                          int64_t rank, EmitErrorFn emitError,
                                                          llvm::StringRef what = "axes");

/// Computes the numpy (multidirectional) broadcast of two shapes. A dynamic
/// dimension against 1 stays dynamic, against N > 1 becomes N (the only valid
/// value). Fails only when two static dimensions differ and neither is 1.
mlir::LogicalResult broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs,
                                    llvm::SmallVectorImpl<int64_t> &result, EmitErrorFn emitError);

/// Broadcasts the shapes of all `types`: the result shape, std::nullopt if any is
/// unranked, or failure if two shapes are incompatible.
mlir::FailureOr<std::optional<llvm::SmallVector<int64_t>>> broadcastTypes(mlir::TypeRange types,
                                                                          EmitErrorFn emitError);

/// Sliding-window parameters of Conv/ConvTranspose/MaxPool/AveragePool with the
/// ONNX defaults applied: strides and dilations 1, pads 0.
struct WindowParams {
  llvm::SmallVector<int64_t> kernel, strides, dilations, pads;
  llvm::StringRef autoPad = "NOTSET";
  bool ceilMode = false;
};

/// Checks the window attributes against the spatial rank and fills `params`:
/// every list sized to the spatial rank (pads twice), strides, dilations and the
/// kernel positive, pads non-negative, `auto_pad` a known value.
mlir::LogicalResult getWindowParams(int64_t spatialRank, llvm::ArrayRef<int64_t> kernel,
                                    std::optional<llvm::ArrayRef<int64_t>> strides,
                                    std::optional<llvm::ArrayRef<int64_t>> dilations,
                                    std::optional<llvm::ArrayRef<int64_t>> pads,
                                    llvm::StringRef autoPad, bool ceilMode, WindowParams &params,
                                    EmitErrorFn emitError);

/// Output spatial sizes of a convolution or pooling window over `inputDims`
/// (dynamic stays dynamic), following the ONNX formulas incl. auto_pad and
/// ceil_mode.
mlir::FailureOr<llvm::SmallVector<int64_t>>
computeWindowOutputDims(llvm::ArrayRef<int64_t> inputDims, const WindowParams &params,
                        EmitErrorFn emitError);

/// Result shape of numpy-style MatMul: 1-D operands are promoted (and the added
/// dimension dropped again), batch dimensions broadcast. Fails when an operand is
/// 0-D, the contraction dimensions differ, or the batch dimensions do not
/// broadcast.
mlir::FailureOr<llvm::SmallVector<int64_t>>
computeMatMulShape(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs, EmitErrorFn emitError);

/// Result shape [M, N] of Gemm from the (possibly unranked) A and B types. Fails
/// when A or B is not 2-D or the contraction dimensions differ.
mlir::FailureOr<llvm::SmallVector<int64_t>>
computeGemmShape(mlir::Type a, mlir::Type b, bool transA, bool transB, EmitErrorFn emitError);

/// Shape inference rules shared by the ShapeInference<Category>.cpp files.

/// The result has the shape of `input`, and its element type unless `elem` is
/// given. Nothing is inferred for a non-tensor input (Identity of a sequence).
mlir::LogicalResult inferUnary(mlir::Value input, mlir::Type elem,
                               llvm::SmallVectorImpl<mlir::Type> &resultTypes);

/// The result shape is the numpy broadcast of all `operands`; its element type is
/// `elem`, or that of `operands[elemFrom]`.
mlir::LogicalResult inferBroadcast(mlir::Operation *op, mlir::ValueRange operands,
                                   unsigned elemFrom, mlir::Type elem,
                                   llvm::SmallVectorImpl<mlir::Type> &resultTypes);

/// The result has the element type of `elemFrom` and the shape of `shapeFrom`.
mlir::LogicalResult inferLikeOperand(mlir::Value shapeFrom, mlir::Value elemFrom,
                                     llvm::SmallVectorImpl<mlir::Type> &resultTypes);

/// The highest rank inference derives from an operand's length (a shape or axes input).
/// Real models stay far below it; a declared length of 2^31 must not become a type of
/// that rank (the fuzzer's 16 GB allocation).
constexpr int64_t kMaxDerivedRank = 256;

/// `tensor<? x ... x elem>` of the given rank; unranked past kMaxDerivedRank.
mlir::Type dynamicOfRank(int64_t rank, mlir::Type elem);

} // namespace kiln::onnxir

#endif // KILN_IR_ONNX_SHAPEHELPERS_H
