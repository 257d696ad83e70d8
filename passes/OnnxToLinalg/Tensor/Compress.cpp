//===- Compress.cpp - Lower onnx.Compress to a gather ---------------------===//
//
// Compress keeps the slices along `axis` (of the flattened input without one) whose
// `condition` entry is true. A scf.for over the condition lists the kept positions in a
// buffer and counts them, the result size only known at run time; one linalg.generic
// then gathers the kept slices.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct CompressLowering : OnnxLoweringPattern<CompressOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(CompressOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput(), condition = adaptor.getCondition();
    auto xType = getRankedInputType(rewriter, op, x);
    auto condType = getRankedInputType(rewriter, op, condition, "condition");
    if (!xType || !condType)
      return failure();
    if (condType.getRank() != 1)
      return reject(rewriter, op, "condition is not 1-D");
    Location loc = op.getLoc();
    int64_t axis = 0;
    if (std::optional<int64_t> attr = op.getAxis()) {
      FailureOr<int64_t> normalized = normalizeAxis(*attr, xType.getRank(), nullptr);
      if (failed(normalized))
        return reject(rewriter, op, "axis is out of range");
      axis = *normalized;
    } else {
      x = flattenAll(rewriter, loc, x);
    }
    auto srcType = cast<RankedTensorType>(x.getType());
    if (resultType.getRank() != srcType.getRank())
      return reject(rewriter, op, "the result rank is not the input's");
    SmallVector<Value> sizes = getSizes(rewriter, loc, x);
    Value length = getDimValue(rewriter, loc, condition, 0);
    checkSizes(rewriter, loc, op, arith::CmpIPredicate::sle, getAsOpFoldResult(length),
               getAsOpFoldResult(sizes[axis]),
               "condition has {} entries, more than the axis size {}");

    // The kept positions, listed in a buffer of the condition's length.
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto listType = RankedTensorType::get({ShapedType::kDynamic}, rewriter.getIndexType());
    Value list = createEmpty(rewriter, loc, listType, ValueRange{length});
    auto scan = scf::ForOp::create(
        rewriter, loc, zero, length, one, ValueRange{list, zero},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          Value keep = tensor::ExtractOp::create(b, l, condition, ValueRange{i});
          auto ifOp = scf::IfOp::create(
              b, l, keep,
              [&](OpBuilder &tb, Location tl) {
                Value next = tensor::InsertOp::create(tb, tl, i, acc[0], ValueRange{acc[1]});
                scf::YieldOp::create(tb, tl,
                                     ValueRange{next, arith::AddIOp::create(tb, tl, acc[1], one)});
              },
              [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, acc); });
          scf::YieldOp::create(b, l, ifOp.getResults());
        });
    Value kept = scan.getResult(0), count = scan.getResult(1);

    SmallVector<int64_t> shape(srcType.getShape());
    shape[axis] = ShapedType::kDynamic;
    auto gatherType = RankedTensorType::get(shape, resultType.getElementType());
    sizes[axis] = count;
    Value result =
        buildIndexGather(rewriter, loc, gatherType, sizes, x,
                         [&](OpBuilder &b, Location l, ValueRange idx) -> SmallVector<Value> {
                           SmallVector<Value> src(idx.begin(), idx.end());
                           src[axis] = tensor::ExtractOp::create(b, l, kept, ValueRange{idx[axis]});
                           return src;
                         });
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateCompressPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<CompressLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
