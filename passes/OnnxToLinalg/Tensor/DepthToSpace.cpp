//===- DepthToSpace.cpp - Lower DepthToSpace and SpaceToDepth -------------===//
//
// Both are index gathers on NCHW whose source index splits or merges the channel dim with
// blocks of the spatial dims.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// DepthToSpace (forward = true) and SpaceToDepth on NCHW: a gather whose source index
/// splits or merges the channel dim with blocks of the spatial dims.
template <typename OpTy, bool toSpace> struct BlockShuffleLowering : OnnxLoweringPattern<OpTy> {
  using OnnxLoweringPattern<OpTy>::OnnxLoweringPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult matchAndRewriteRanked(OpTy op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    if (!inputType || inputType.getRank() != 4 || resultType.getRank() != 4)
      return reject(rewriter, op, "the input is not a 4-D tensor");
    int64_t block = op.getBlocksize();
    if (block < 1)
      return reject(rewriter, op, "blocksize is not positive");
    bool crd = op.getMode() == "CRD";
    Location loc = op.getLoc();
    Value b = arith::ConstantIndexOp::create(rewriter, loc, block);
    Value bb = arith::ConstantIndexOp::create(rewriter, loc, block * block);
    SmallVector<Value> inSizes, sizes;
    for (int64_t d = 0; d < 4; ++d)
      inSizes.push_back(getDimValue(rewriter, loc, input, d));
    Value c = inSizes[1];
    if (toSpace)
      sizes = {inSizes[0], arith::DivUIOp::create(rewriter, loc, c, bb),
               arith::MulIOp::create(rewriter, loc, inSizes[2], b),
               arith::MulIOp::create(rewriter, loc, inSizes[3], b)};
    else
      sizes = {inSizes[0], arith::MulIOp::create(rewriter, loc, c, bb),
               arith::DivUIOp::create(rewriter, loc, inSizes[2], b),
               arith::DivUIOp::create(rewriter, loc, inSizes[3], b)};
    Value outC = sizes[1];
    Value result = buildIndexGather(
        rewriter, loc, resultType, sizes, input,
        [&](OpBuilder &nb, Location nloc, ValueRange idx) -> SmallVector<Value> {
          auto mul = [&](Value l, Value r) -> Value {
            return arith::MulIOp::create(nb, nloc, l, r);
          };
          auto add = [&](Value l, Value r) -> Value {
            return arith::AddIOp::create(nb, nloc, l, r);
          };
          auto div = [&](Value l, Value r) -> Value {
            return arith::DivUIOp::create(nb, nloc, l, r);
          };
          auto rem = [&](Value l, Value r) -> Value {
            return arith::RemUIOp::create(nb, nloc, l, r);
          };
          if (toSpace) {
            Value blk = add(mul(rem(idx[2], b), b), rem(idx[3], b));
            Value ch = crd ? add(mul(idx[1], bb), blk) : add(mul(blk, outC), idx[1]);
            return {idx[0], ch, div(idx[2], b), div(idx[3], b)};
          }
          if (crd)
            return {idx[0], div(idx[1], bb), add(mul(idx[2], b), div(rem(idx[1], bb), b)),
                    add(mul(idx[3], b), rem(rem(idx[1], bb), b))};
          Value blk = div(idx[1], c);
          return {idx[0], rem(idx[1], c), add(mul(idx[2], b), div(blk, b)),
                  add(mul(idx[3], b), rem(blk, b))};
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateDepthToSpacePatterns(const OnnxTypeConverter &converter,
                                  RewritePatternSet &patterns) {
  patterns.add<BlockShuffleLowering<DepthToSpaceOp, true>,
               BlockShuffleLowering<SpaceToDepthOp, false>>(converter, patterns.getContext());
}

} // namespace kiln::conversion
