//===- Common.h - Shared helpers for lowering onnx to linalg -----*- C++ -*-===//
//
// The onnx-to-linalg lowering is split by ONNX operator category (Elementwise, MatMul,
// NN, Tensor, Reduction), one file each, mirroring tests/lit/conversion/. This header holds what
// every category needs: the type converter, numpy broadcasting, and constant matching.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_COMMON_H
#define KILN_PASSES_ONNXTOLINALG_COMMON_H

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>
#include <string>

namespace kiln::conversion {

/// Maps ONNX value types to the types linalg/arith work with: unsigned integer element
/// types become signless (arith is sign-agnostic; each pattern picks signed or unsigned
/// arithmetic from the *original* ONNX type), everything else is unchanged.
class OnnxTypeConverter : public mlir::TypeConverter {
public:
  OnnxTypeConverter();
};

/// Returns true if `type` (a tensor or element type) has an unsigned integer element type.
bool isUnsignedInt(mlir::Type type);

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

/// Computes the sizes of the numpy broadcast of shapes `inputs` (right-aligned) to a
/// result of shape `resultShape`, one per result dim, and checks at run time (kiln.check)
/// that each input size equals the result's or is 1, unless that holds by construction.
/// `names` name the inputs in the messages (default "input <i>").
llvm::SmallVector<mlir::OpFoldResult>
getCheckedBroadcastSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                         llvm::ArrayRef<llvm::SmallVector<mlir::OpFoldResult>> inputs,
                         llvm::ArrayRef<int64_t> resultShape,
                         llvm::ArrayRef<std::string> names = {});

/// Returns `input` when each of its dynamic dims is provably its `targetSizes` entry (one
/// per dim of `input`), else an scf.if that yields `input` itself unless some dynamic dim
/// is 1 at run time where the target is not, and then `input` broadcast there to the
/// target. Lets a consumer read `input` with identity maps in its dynamic dims.
mlir::Value broadcastDynamicOnes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                                 llvm::ArrayRef<mlir::OpFoldResult> targetSizes);

/// getCheckedBroadcastSizes over `inputs`, then broadcastDynamicOnes on each; returns the
/// operands to read with getBroadcastMap and sets `resultSizes`.
llvm::SmallVector<mlir::Value>
broadcastOperands(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                  mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                  llvm::SmallVectorImpl<mlir::OpFoldResult> &resultSizes);

/// Builds the indexing map that reads `inputType` broadcast to rank `resultRank`:
/// leading dims are dropped and static size-1 dims (where the result is not 1) read index 0.
/// Dynamic dims read the result's index (see broadcastDynamicOnes).
mlir::AffineMap getBroadcastMap(mlir::MLIRContext *ctx, mlir::RankedTensorType inputType,
                                mlir::RankedTensorType resultType);

/// Callback building the scalar body of an elementwise op from the input scalars.
using ScalarBodyBuilder =
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Emits a linalg.generic computing `body` elementwise over `inputs` numpy-broadcast to
/// `resultType`, with the run-time checks and dynamic-1 broadcasts of broadcastOperands.
/// `node` is the ONNX op the checks name (null: named from `loc`). Returns the result.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                             ScalarBodyBuilder body, mlir::Operation *node = nullptr);

/// The body of a multiply-accumulate linalg op over (a, b, acc): yields acc + a * b, with
/// float or integer arithmetic as the element type asks.
void yieldMulAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange args);

/// Creates a scalar arith.constant of `elementType` holding `value`.
mlir::Value createScalarConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type elementType,
                                 double value);

/// Converts a scalar between element types with ONNX Cast semantics (float<->int
/// truncates toward zero, bool is != 0). `srcUnsigned`/`dstUnsigned` give the ONNX
/// signedness of integer types, which the signless MLIR types no longer carry.
/// `saturate` and `roundMode` are Cast's attributes for float8 destinations.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                       mlir::Type dstType, bool srcUnsigned, bool dstUnsigned,
                       bool saturate = true, llvm::StringRef roundMode = "up");

/// Returns the result type of `op`'s result `index` after type conversion, as a ranked
/// tensor type, or null (after notifying a match failure) if it is not ranked.
mlir::RankedTensorType getRankedResultType(mlir::ConversionPatternRewriter &rewriter,
                                           const mlir::TypeConverter &converter,
                                           mlir::Operation *op, unsigned index = 0);

/// Declines to lower `op` and records `reason` for the pass's final error message. The
/// dialect conversion driver keeps notifyMatchFailure reasons to its debug log, so
/// patterns report through this instead of calling notifyMatchFailure directly.
mlir::LogicalResult reject(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                           const llvm::Twine &reason);

/// Collects the reasons given to reject() while it is alive (one per pass run).
class RejectionCollector {
public:
  RejectionCollector();
  ~RejectionCollector();
  /// The last reason recorded for an op at `loc`, or "" if none.
  llvm::StringRef reasonFor(mlir::Location loc) const;
  void record(mlir::Location loc, std::string reason) {
    reasons[loc.getAsOpaquePointer()] = std::move(reason);
  }

private:
  llvm::DenseMap<const void *, std::string> reasons;
  RejectionCollector *previous;
};

// Pattern population, one function per ONNX operator category.
void populateElementwisePatterns(const OnnxTypeConverter &converter,
                                 mlir::RewritePatternSet &patterns);
void populateMatMulPatterns(const OnnxTypeConverter &converter,
                            mlir::RewritePatternSet &patterns);
void populateNNPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateTensorPatterns(const OnnxTypeConverter &converter,
                            mlir::RewritePatternSet &patterns);
void populateQuantizePatterns(const OnnxTypeConverter &converter,
                              mlir::RewritePatternSet &patterns);
void populateReductionPatterns(const OnnxTypeConverter &converter,
                               mlir::RewritePatternSet &patterns);
void populateControlFlowPatterns(const OnnxTypeConverter &converter,
                                 mlir::RewritePatternSet &patterns);
void populateResizePatterns(const OnnxTypeConverter &converter,
                            mlir::RewritePatternSet &patterns);
void populateMiscPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Scatters, GatherND and TopK (Scatter.cpp), with OneHot, ConvTranspose and Einsum.
void populateScatterPatterns(const OnnxTypeConverter &converter,
                             mlir::RewritePatternSet &patterns);
/// OneHot, ConvTranspose and Einsum (IndexGenerics.cpp).
void populateIndexGenericPatterns(const OnnxTypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
void populateLossPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// kiln.conv_nhwc, the layout plugin's NHWC convolution (KilnConv.cpp).
void populateKilnConvPatterns(const OnnxTypeConverter &converter,
                              mlir::RewritePatternSet &patterns);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_COMMON_H
