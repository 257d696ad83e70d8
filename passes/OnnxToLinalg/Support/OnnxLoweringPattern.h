//===- OnnxLoweringPattern.h - The opening of every lowering ----*- C++ -*-===//
//
// Every onnx-to-linalg pattern starts alike: it needs its op's result type converted to a
// ranked tensor type (shape inference gives the rank; an op it could not type is
// declined with one message) and usually a ranked input. OnnxLoweringPattern (one op
// class) and OnnxNamedLoweringPattern (registered by op name, for a pattern that serves
// several ops or op versions) do the first and hand matchAndRewriteRanked the result
// type; getRankedInputType does the second.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_ONNXLOWERINGPATTERN_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_ONNXLOWERINGPATTERN_H

#include "passes/OnnxToLinalg/Support/Rejection.h"

#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {

/// Lowers an `OpTy` whose result (result 0) converts to a ranked tensor type, and declines
/// (reject) an op whose result type does not.
template <typename OpTy> class OnnxLoweringPattern : public mlir::OpConversionPattern<OpTy> {
public:
  using mlir::OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  /// Lowers `op`; `resultType` is the converted type of its result 0.
  virtual mlir::LogicalResult
  matchAndRewriteRanked(OpTy op, OpAdaptor adaptor, mlir::RankedTensorType resultType,
                        mlir::ConversionPatternRewriter &rewriter) const = 0;

  mlir::LogicalResult matchAndRewrite(OpTy op, OpAdaptor adaptor,
                                      mlir::ConversionPatternRewriter &rewriter) const final {
    mlir::RankedTensorType resultType =
        getRankedResultType(rewriter, *this->getTypeConverter(), op);
    if (!resultType)
      return mlir::failure();
    return matchAndRewriteRanked(op, adaptor, resultType, rewriter);
  }
};

/// OnnxLoweringPattern for a pattern registered by op name: one pattern class for several
/// ops or op versions (onnx.Squeeze and onnx.SqueezeV11, ...).
class OnnxNamedLoweringPattern : public mlir::ConversionPattern {
public:
  OnnxNamedLoweringPattern(const mlir::TypeConverter &converter, mlir::MLIRContext *ctx,
                           llvm::StringRef opName)
      : ConversionPattern(converter, opName, /*benefit=*/1, ctx) {}

  /// Lowers `op`; `resultType` is the converted type of its result 0.
  virtual mlir::LogicalResult
  matchAndRewriteRanked(mlir::Operation *op, llvm::ArrayRef<mlir::Value> operands,
                        mlir::RankedTensorType resultType,
                        mlir::ConversionPatternRewriter &rewriter) const = 0;

  mlir::LogicalResult matchAndRewrite(mlir::Operation *op, llvm::ArrayRef<mlir::Value> operands,
                                      mlir::ConversionPatternRewriter &rewriter) const final {
    mlir::RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return mlir::failure();
    return matchAndRewriteRanked(op, operands, resultType, rewriter);
  }
};

/// The type of `input` if it is a ranked tensor; otherwise null, after declining `op`
/// with "<what> is not a ranked tensor".
mlir::RankedTensorType getRankedInputType(mlir::ConversionPatternRewriter &rewriter,
                                          mlir::Operation *op, mlir::Value input,
                                          llvm::StringRef what = "the input");

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_ONNXLOWERINGPATTERN_H
