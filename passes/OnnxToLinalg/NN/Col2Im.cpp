//===- Col2Im.cpp - Lower Col2Im ------------------------------------------===//
//
// Col2Im sums the columns of N x (C * K) x L back into an N x C x image... tensor, K being
// the number of positions in a block and L the number of sliding blocks. It becomes one
// linalg.generic over the output with a reduction over the K block positions (a
// tensor.empty of size K carries that loop's bound): output position p receives block
// position k of block b where p + pad_begin = b * stride + k * dilation on every axis, so
// the body divides, checks that the remainder is 0 and the block inside the grid of
// blocks, and adds the tensor.extract'ed column element (its index clamped, masked when
// the position is not covered). image_shape and block_shape may be run-time values; the
// sizes they imply are checked against the input at run time.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct Col2ImLowering : OnnxLoweringPattern<Col2ImOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(Col2ImOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    RankedTensorType inputType = getRankedInputType(rewriter, op, input);
    RankedTensorType imageType =
        getRankedInputType(rewriter, op, adaptor.getImageShape(), "image_shape");
    RankedTensorType blockType =
        getRankedInputType(rewriter, op, adaptor.getBlockShape(), "block_shape");
    if (!inputType || !imageType || !blockType)
      return failure();
    if (inputType.getRank() != 3)
      return reject(rewriter, op, "the input must be N x (C * block size) x blocks");
    if (imageType.getRank() != 1 || imageType.isDynamicDim(0))
      return reject(rewriter, op, "image_shape must be a 1-D tensor of static length");
    int64_t spatial = imageType.getDimSize(0);
    if (spatial < 1 || resultType.getRank() != spatial + 2)
      return reject(rewriter, op,
                    "the result must be N x C x image... with one dim per entry "
                    "of image_shape");
    if (blockType.getRank() != 1 ||
        (!blockType.isDynamicDim(0) && blockType.getDimSize(0) != spatial))
      return reject(rewriter, op, "block_shape must have as many entries as image_shape");
    Type elemType = inputType.getElementType();
    if (!isa<FloatType>(elemType) &&
        !(isa<IntegerType>(elemType) && elemType.getIntOrFloatBitWidth() > 1))
      return reject(rewriter, op, "only numeric tensors are supported");
    auto attrOr = [&](std::optional<ArrayRef<int64_t>> attr, size_t size,
                      int64_t fallback) -> SmallVector<int64_t> {
      if (attr)
        return llvm::to_vector(*attr);
      return SmallVector<int64_t>(size, fallback);
    };
    SmallVector<int64_t> dilations = attrOr(op.getDilations(), spatial, 1);
    SmallVector<int64_t> strides = attrOr(op.getStrides(), spatial, 1);
    SmallVector<int64_t> pads = attrOr(op.getPads(), 2 * spatial, 0);
    if (static_cast<int64_t>(dilations.size()) != spatial ||
        static_cast<int64_t>(strides.size()) != spatial ||
        static_cast<int64_t>(pads.size()) != 2 * spatial)
      return reject(rewriter, op,
                    "dilations, strides and pads must have one entry per image "
                    "axis (two for pads)");
    if (llvm::any_of(dilations, [](int64_t v) { return v < 1; }) ||
        llvm::any_of(strides, [](int64_t v) { return v < 1; }) ||
        llvm::any_of(pads, [](int64_t v) { return v < 0; }))
      return reject(rewriter, op, "dilations and strides must be positive, pads not negative");

    Location loc = op.getLoc();
    checkSizesEqual(
        rewriter, loc, op, tensor::getMixedSize(rewriter, loc, adaptor.getBlockShape(), 0),
        rewriter.getIndexAttr(spatial), "block_shape has {} entries where image_shape has {}");
    SmallVector<Value> image = getIndexValues(rewriter, loc, adaptor.getImageShape(), spatial);
    SmallVector<Value> block = getIndexValues(rewriter, loc, adaptor.getBlockShape(), spatial);
    auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    Value one = cst(1);
    // blocks[i] = (image + pads - dilation * (block - 1) - 1) / stride + 1 on each axis.
    SmallVector<Value> blocks;
    Value blockSize = one, blockCount = one;
    for (int64_t i = 0; i < spatial; ++i) {
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(block[i]),
                 rewriter.getIndexAttr(1),
                 "block_shape has {} in axis " + Twine(i) + ", which is below {}");
      // Divisions below must not trap before the check has stopped the run.
      block[i] = rewriter.createOrFold<arith::MaxSIOp>(loc, block[i], one);
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(image[i]),
                 rewriter.getIndexAttr(0),
                 "image_shape has {} in axis " + Twine(i) + ", which is below {}");
      Value extent = rewriter.createOrFold<arith::MulIOp>(
          loc, cst(dilations[i]), rewriter.createOrFold<arith::SubIOp>(loc, block[i], one));
      Value span = rewriter.createOrFold<arith::SubIOp>(
          loc,
          rewriter.createOrFold<arith::AddIOp>(loc, image[i], cst(pads[i] + pads[spatial + i])),
          rewriter.createOrFold<arith::AddIOp>(loc, extent, one));
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(span),
                 rewriter.getIndexAttr(0),
                 "the padded image is {} elements short of one block in axis " + Twine(i) +
                     " (needs >= {})");
      blocks.push_back(rewriter.createOrFold<arith::AddIOp>(
          loc, rewriter.createOrFold<arith::DivSIOp>(loc, span, cst(strides[i])), one));
      blockSize = rewriter.createOrFold<arith::MulIOp>(loc, blockSize, block[i]);
      blockCount = rewriter.createOrFold<arith::MulIOp>(loc, blockCount, blocks[i]);
    }
    Value columns = getDimValue(rewriter, loc, input, 1);
    Value channels = rewriter.createOrFold<arith::DivUIOp>(loc, columns, blockSize);
    checkSizesEqual(
        rewriter, loc, op,
        getAsOpFoldResult(rewriter.createOrFold<arith::RemUIOp>(loc, columns, blockSize)),
        rewriter.getIndexAttr(0),
        "dim 1 of the input leaves {} over a multiple of the block size ({} wanted)");
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, input, 2),
                    getAsOpFoldResult(blockCount),
                    "the input has {} blocks where image_shape and block_shape imply {}");
    SmallVector<Value> outSizes{getDimValue(rewriter, loc, input, 0), channels};
    outSizes.append(image);
    for (int64_t d = 0; d < spatial + 2; ++d)
      if (!resultType.isDynamicDim(d))
        checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(outSizes[d]),
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "the output has size {} in dim " + Twine(d) +
                            " where the model's shapes imply {}");

    int64_t rank = spatial + 2;
    MLIRContext *ctx = rewriter.getContext();
    Value positions = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{getAsOpFoldResult(blockSize)}, rewriter.getI1Type());
    SmallVector<AffineMap> maps{
        AffineMap::get(rank + 1, 0, getAffineDimExpr(rank, ctx)),
        AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
    Value zero = createScalarConstant(rewriter, loc, elemType, 0);
    Value init = fill(
        rewriter, loc,
        createEmpty(rewriter, loc, resultType, dynamicSizesOf(rewriter, loc, resultType, outSizes)),
        zero);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value lastBlock = rewriter.createOrFold<arith::SubIOp>(loc, blockCount, one);
    auto body = [&](OpBuilder &b, Location nloc, ValueRange args) {
      auto c = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, nloc, v); };
      auto cmp = [&](arith::CmpIPredicate p, Value l, Value r) -> Value {
        return arith::CmpIOp::create(b, nloc, p, l, r);
      };
      Value k = linalg::IndexOp::create(b, nloc, rank);
      // Block position k, innermost axis fastest, and the block each axis lands in.
      Value rest = k, valid, blockIndex = c(0);
      SmallVector<Value> kk(spatial), bb(spatial);
      for (int64_t i = spatial - 1; i >= 0; --i) {
        kk[i] = arith::RemUIOp::create(b, nloc, rest, block[i]);
        rest = arith::DivUIOp::create(b, nloc, rest, block[i]);
      }
      for (int64_t i = 0; i < spatial; ++i) {
        Value p = linalg::IndexOp::create(b, nloc, i + 2);
        // q = p + pad_begin - k * dilation must be b * stride with 0 <= b < blocks.
        Value q = arith::SubIOp::create(b, nloc, arith::AddIOp::create(b, nloc, p, c(pads[i])),
                                        arith::MulIOp::create(b, nloc, kk[i], c(dilations[i])));
        Value bi = arith::DivSIOp::create(b, nloc, q, c(strides[i]));
        Value ok =
            cmp(arith::CmpIPredicate::eq, arith::RemSIOp::create(b, nloc, q, c(strides[i])), c(0));
        ok = arith::AndIOp::create(b, nloc, ok, cmp(arith::CmpIPredicate::sge, q, c(0)));
        ok = arith::AndIOp::create(b, nloc, ok, cmp(arith::CmpIPredicate::slt, bi, blocks[i]));
        valid = valid ? arith::AndIOp::create(b, nloc, valid, ok).getResult() : ok;
        blockIndex = arith::AddIOp::create(
            b, nloc, arith::MulIOp::create(b, nloc, blockIndex, blocks[i]), bi);
      }
      Value l = clampIdx(b, nloc, blockIndex, c(0), lastBlock);
      Value n = linalg::IndexOp::create(b, nloc, 0), ch = linalg::IndexOp::create(b, nloc, 1);
      Value column =
          arith::AddIOp::create(b, nloc, arith::MulIOp::create(b, nloc, ch, blockSize), k);
      Value v = tensor::ExtractOp::create(b, nloc, input, ValueRange{n, column, l});
      v = arith::SelectOp::create(b, nloc, valid, v, zero);
      Value acc = isa<FloatType>(elemType) ? Value(arith::AddFOp::create(b, nloc, args[1], v))
                                           : Value(arith::AddIOp::create(b, nloc, args[1], v));
      linalg::YieldOp::create(b, nloc, acc);
    };
    auto generic =
        linalg::GenericOp::create(rewriter, loc, TypeRange{resultType}, ValueRange{positions},
                                  ValueRange{init}, maps, iterators, body);
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateCol2ImPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<Col2ImLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
