//===- Tile.cpp - Lower onnx.Tile to linalg.generic -----------------------===//
//
// Tile reads the input at the result index modulo the input size.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Tile: out[i] = input[i mod input dims].
struct TileLowering : OnnxLoweringPattern<TileOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(TileOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    if (!inputType || inputType.getRank() != resultType.getRank())
      return reject(rewriter, op, "the input is not ranked like the result");
    int64_t rank = inputType.getRank();
    Location loc = op.getLoc();
    SmallVector<Value> repeats = getIndexValues(rewriter, loc, adaptor.getRepeats(), rank);
    SmallVector<Value> dims, sizes;
    for (int64_t d = 0; d < rank; ++d) {
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, repeats[d],
                 rewriter.getIndexAttr(0),
                 "repeats has {} for dim " + Twine(d) + " (expected >= {})");
      dims.push_back(getDimValue(rewriter, loc, input, d));
      sizes.push_back(rewriter.createOrFold<arith::MulIOp>(loc, dims[d], repeats[d]));
      if (!resultType.isDynamicDim(d))
        checkSizesEqual(rewriter, loc, op, sizes[d],
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "the tiled size is {} in dim " + Twine(d) +
                            " where the model's shapes imply {}");
    }
    Value result = buildIndexGather(
        rewriter, loc, resultType, sizes, input, [&](OpBuilder &b, Location nloc, ValueRange idx) {
          SmallVector<Value> src;
          for (int64_t d = 0; d < rank; ++d)
            src.push_back(arith::RemUIOp::create(b, nloc, idx[d], dims[d]));
          return src;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateTilePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TileLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
