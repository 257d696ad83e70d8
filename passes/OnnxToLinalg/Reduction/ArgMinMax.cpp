//===- ArgMinMax.cpp - Lower onnx.ArgMax and onnx.ArgMin to linalg --------===//
//
// One reduction generic carrying (best value, its index); ties keep the first index
// unless select_last_index.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Reduction/Reduce.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/OpAttributes.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

/// ArgMax/ArgMin: a reduction carrying (best value, its index); ties keep the first index
/// unless select_last_index.
struct ArgLowering : OnnxNamedLoweringPattern {
  ArgLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name, bool isMax)
      : OnnxNamedLoweringPattern(converter, ctx, name), isMax(isMax) {}

  LogicalResult matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value data = operands[0];
    RankedTensorType dataType = getRankedInputType(rewriter, op, data);
    if (!dataType)
      return failure();
    int64_t rank = dataType.getRank();
    FailureOr<int64_t> normalized =
        onnxir::normalizeAxis(intAttrOr(op, "axis", 0), rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    bool keepDims = intAttrOr(op, "keepdims", 1) != 0;
    bool last = intAttrOr(op, "select_last_index", 0) != 0;
    if (resultType.getRank() != (keepDims ? rank : rank - 1))
      return reject(rewriter, op, "the result rank does not match keepdims");
    Location loc = op->getLoc();
    Type elementType = dataType.getElementType();
    bool isUnsigned = isUnsignedReduce(op);
    bool isFloat = isa<FloatType>(elementType);
    ReducedShape reduced = getReducedShape(rewriter, loc, data, {axis}, elementType);
    auto indexType = RankedTensorType::get(reduced.type.getShape(), rewriter.getI64Type());
    Value valueInit = createFilled(rewriter, loc, reduced.type, reduced.dynamic,
                                   extremeValue(elementType, /*largest=*/!isMax, isUnsigned));
    Value indexInit =
        createFilled(rewriter, loc, indexType, reduced.dynamic, rewriter.getI64IntegerAttr(0));
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank), reduced.map, reduced.map};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators[axis] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{reduced.type, indexType}, ValueRange{data},
        ValueRange{valueInit, indexInit}, maps, iterators,
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value x = args[0], best = args[1], bestIndex = args[2];
          Value better;
          if (isFloat) {
            auto pred = isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                              : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(b, nloc, pred, x, best);
          } else {
            using P = arith::CmpIPredicate;
            P pred = isMax
                         ? (last ? (isUnsigned ? P::uge : P::sge) : (isUnsigned ? P::ugt : P::sgt))
                         : (last ? (isUnsigned ? P::ule : P::sle) : (isUnsigned ? P::ult : P::slt));
            better = arith::CmpIOp::create(b, nloc, pred, x, best);
          }
          Value index = arith::IndexCastOp::create(b, nloc, b.getI64Type(),
                                                   linalg::IndexOp::create(b, nloc, axis));
          linalg::YieldOp::create(
              b, nloc,
              ValueRange{arith::SelectOp::create(b, nloc, better, x, best),
                         arith::SelectOp::create(b, nloc, better, index, bestIndex)});
        });
    Value indices = generic.getResult(1);
    Value result = keepDims ? insertUnitDims(rewriter, loc, indices, {axis}, resultType)
                            : castWithCheck(rewriter, loc, op, indices, resultType);
    rewriter.replaceOp(op, result);
    return success();
  }

  bool isMax;
};

} // namespace

void populateArgMinMaxPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (StringRef name : {"onnx.ArgMax", "onnx.ArgMaxV11"})
    patterns.add<ArgLowering>(converter, ctx, name, /*isMax=*/true);
  for (StringRef name : {"onnx.ArgMin", "onnx.ArgMinV11"})
    patterns.add<ArgLowering>(converter, ctx, name, /*isMax=*/false);
}

} // namespace kiln::conversion
