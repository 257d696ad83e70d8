//===- RotaryEmbedding.cpp - Lower onnx RotaryEmbedding to linalg ---------===//
//
// Rotary position embedding (opset 23). X is [B, H, S, D], or [B, S, H * D] with
// num_heads; the first R = rotary_embedding_dim (default D) entries of each head are
// rotated in pairs (x1, x2) by the angle of the token's position, the rest copied:
//
//   halves (default):  x1 = x[i], x2 = x[i + R/2]   for i < R/2
//   interleaved:       x1 = x[2i], x2 = x[2i + 1]
//   out1 = cos[p, i] x1 - sin[p, i] x2,  out2 = sin[p, i] x1 + cos[p, i] x2
//
// The caches are [P, R/2] read at position_ids[b, s] (checked to be in range), or
// [B, S, R/2] without position_ids. One linalg.generic over the output reads X and the
// caches at computed indices; the arithmetic is in the element type, as in the reference.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct RotaryEmbeddingLowering : OnnxLoweringPattern<RotaryEmbeddingOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(RotaryEmbeddingOp op, OpAdaptor adaptor,
                                      RankedTensorType outType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), cosCache = adaptor.getCosCache(), sinCache = adaptor.getSinCache();
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    if (!xType)
      return failure();
    if (!getRankedInputType(rewriter, op, cosCache, "cos_cache") ||
        !getRankedInputType(rewriter, op, sinCache, "sin_cache"))
      return failure();
    int64_t rank = xType.getRank();
    if (rank != 3 && rank != 4)
      return reject(rewriter, op, "X must be 3-D [B, S, H * D] or 4-D [B, H, S, D]");
    // The head size D must be static: it decides which entries rotate.
    int64_t headSize;
    if (rank == 4) {
      if (xType.isDynamicDim(3))
        return reject(rewriter, op, "the head size (X's last dim) must be static");
      headSize = xType.getDimSize(3);
    } else {
      std::optional<uint64_t> heads = op.getNumHeads();
      if (!heads || *heads == 0)
        return reject(rewriter, op, "a 3-D X needs a positive num_heads");
      if (xType.isDynamicDim(2) || xType.getDimSize(2) % static_cast<int64_t>(*heads) != 0)
        return reject(rewriter, op,
                      "X's hidden size must be static and divisible by num_heads " + Twine(*heads));
      headSize = xType.getDimSize(2) / static_cast<int64_t>(*heads);
    }
    int64_t rotary = op.getRotaryEmbeddingDim();
    if (rotary == 0)
      rotary = headSize;
    if (rotary < 0 || rotary > headSize || rotary % 2 != 0)
      return reject(rewriter, op,
                    "rotary_embedding_dim " + Twine(rotary) +
                        " must be even and at most the head size " + Twine(headSize));
    int64_t half = rotary / 2;
    bool interleaved = op.getInterleaved() != 0;

    // Sizes B and S, and the caches' shapes.
    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, x, 0);
    OpFoldResult seq = tensor::getMixedSize(rewriter, loc, x, rank == 4 ? 2 : 1);
    Value positions = adaptor.getPositionIds();
    bool hasPositions = !isa<NoneType>(positions.getType());
    int64_t cacheRank = hasPositions ? 2 : 3;
    for (auto [cache, name] : {std::pair{cosCache, "cos_cache"}, {sinCache, "sin_cache"}}) {
      auto type = cast<RankedTensorType>(cache.getType());
      if (type.getRank() != cacheRank)
        return reject(rewriter, op,
                      Twine(name) + " must be " +
                          (hasPositions ? "2-D [P, R/2] with position_ids"
                                        : "3-D [B, S, R/2] without position_ids"));
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, cache, cacheRank - 1),
                      rewriter.getIndexAttr(half),
                      Twine(name) + "'s last dim is {}, not rotary_embedding_dim / 2 = {}");
      if (!hasPositions) {
        checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, cache, 0), batch,
                        Twine(name) + "'s batch size {} != X's {}");
        checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, cache, 1), seq,
                        Twine(name) + "'s sequence length {} != X's {}");
      }
    }
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, cosCache, 0),
                    tensor::getMixedSize(rewriter, loc, sinCache, 0),
                    "cos_cache has {} rows, sin_cache {}");
    if (hasPositions) {
      RankedTensorType posType = getRankedInputType(rewriter, op, positions, "position_ids");
      if (!posType)
        return failure();
      if (posType.getRank() != 2)
        return reject(rewriter, op, "position_ids must be 2-D [B, S]");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, positions, 0), batch,
                      "position_ids' batch size {} != X's {}");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, positions, 1), seq,
                      "position_ids' sequence length {} != X's {}");
      Value rows = getDimValue(rewriter, loc, cosCache, 0);
      if (failed(checkIndices(rewriter, op, positions, {rows}, {0})))
        return failure();
    }

    // One generic over the output; its indices give (b, s, head offset i).
    SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, x);
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, xType.getElementType());
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(rank)};
    Value rows = hasPositions ? getDimValue(rewriter, loc, cosCache, 0) : Value();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{init.getType()}, ValueRange{}, ValueRange{init}, maps,
            SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange) {
              SmallVector<Value> idx;
              for (int64_t dim = 0; dim < rank; ++dim)
                idx.push_back(linalg::IndexOp::create(b, l, dim));
              auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
              Value bIdx = idx[0], sIdx = rank == 4 ? idx[2] : idx[1];
              // The offset within the head, and the index of the head's first entry in
              // X's last dim.
              Value last = idx[rank - 1];
              Value headStart = cst(0), i = last;
              if (rank == 3) {
                i = arith::RemUIOp::create(b, l, last, cst(headSize));
                headStart = arith::SubIOp::create(b, l, last, i);
              }
              SmallVector<Value> xIdx(idx);
              Value self = tensor::ExtractOp::create(b, l, x, xIdx);
              // Pair (p, is the second of the pair) and the partner's offset.
              Value p, second, partner;
              if (interleaved) {
                p = arith::DivUIOp::create(b, l, i, cst(2));
                second = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne,
                                               arith::RemUIOp::create(b, l, i, cst(2)), cst(0));
                partner =
                    arith::SelectOp::create(b, l, second, arith::SubIOp::create(b, l, i, cst(1)),
                                            arith::AddIOp::create(b, l, i, cst(1)));
              } else {
                second = arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge, i, cst(half));
                p = arith::SelectOp::create(b, l, second, arith::SubIOp::create(b, l, i, cst(half)),
                                            i);
                partner = arith::SelectOp::create(b, l, second, p,
                                                  arith::AddIOp::create(b, l, i, cst(half)));
              }
              Value rotates =
                  arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, i, cst(rotary));
              // Out-of-range reads are avoided for the entries that do not rotate.
              p = arith::SelectOp::create(b, l, rotates, p, cst(0));
              partner = arith::SelectOp::create(b, l, rotates, partner, i);
              xIdx[rank - 1] = arith::AddIOp::create(b, l, headStart, partner);
              Value other = tensor::ExtractOp::create(b, l, x, xIdx);
              SmallVector<Value> cacheIdx;
              if (hasPositions) {
                Value pos = tensor::ExtractOp::create(b, l, positions, ValueRange{bIdx, sIdx});
                cacheIdx = {normalizeIndex(b, l, pos, rows), p};
              } else {
                cacheIdx = {bIdx, sIdx, p};
              }
              Value c = tensor::ExtractOp::create(b, l, cosCache, cacheIdx);
              Value s = tensor::ExtractOp::create(b, l, sinCache, cacheIdx);
              // First of the pair: cos x1 - sin x2; second: sin x1 + cos x2 (x1 = other).
              Value first = arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, c, self),
                                                  arith::MulFOp::create(b, l, s, other));
              Value secondValue = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, s, other),
                                                        arith::MulFOp::create(b, l, c, self));
              Value rotated = arith::SelectOp::create(b, l, second, secondValue, first);
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::SelectOp::create(b, l, rotates, rotated, self)});
            })
            .getResult(0);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, outType, "Y"));
    return success();
  }
};

} // namespace

void populateRotaryEmbeddingPatterns(const OnnxTypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<RotaryEmbeddingLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
