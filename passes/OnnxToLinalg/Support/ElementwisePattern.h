//===- ElementwisePattern.h - Elementwise op pattern ------------*- C++ -*-===//
//
// Every unary, binary and variadic elementwise ONNX op (with numpy broadcasting) becomes
// one linalg.generic whose body is a scalar function of the input elements: the op's
// category file registers an ElementwiseLowering per op name with that function. Later
// fusion merges chains of them into their producer.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_ELEMENTWISEPATTERN_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_ELEMENTWISEPATTERN_H

#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"

#include "mlir/Transforms/DialectConversion.h"

#include <functional>

namespace kiln::conversion {

/// What a scalar body sees: the op (for attributes), whether the ONNX element type of
/// the first input is an unsigned integer, and the result's element type.
struct ScalarContext {
  mlir::Operation *op;
  bool isUnsigned;
  mlir::Type resultElementType;
};

/// The scalar body of an elementwise op: the result element from the input elements.
using ScalarFn = std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange,
                                           const ScalarContext &)>;

/// Lowers any elementwise op whose non-`none` operands are all broadcast together.
struct ElementwiseLowering : OnnxNamedLoweringPattern {
  ElementwiseLowering(const mlir::TypeConverter &converter, mlir::MLIRContext *ctx,
                      llvm::StringRef opName, ScalarFn fn)
      : OnnxNamedLoweringPattern(converter, ctx, opName), fn(std::move(fn)) {}

  mlir::LogicalResult
  matchAndRewriteRanked(mlir::Operation *op, llvm::ArrayRef<mlir::Value> operands,
                        mlir::RankedTensorType resultType,
                        mlir::ConversionPatternRewriter &rewriter) const override;

  ScalarFn fn;
};

/// Whether the scalar `v` is a float.
inline bool isFloat(mlir::Value v) { return llvm::isa<mlir::FloatType>(v.getType()); }

/// A scalar constant of `like`'s type.
inline mlir::Value constantLike(mlir::OpBuilder &b, mlir::Location loc, mlir::Value like,
                                double value) {
  return createScalarConstant(b, loc, like.getType(), value);
}

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_ELEMENTWISEPATTERN_H
