//===- Unique.cpp - Lower onnx.Unique to scf loops ------------------------===//
//
// Unique over the slices along `axis` (the elements of the flattened input without
// one). Slices are compared lexicographically, element by element in row-major order;
// with N slices, scf loops compute (O(N^2) comparisons):
//   first[i]  the first slice equal to slice i (slice i is unique when first[i] == i),
//   rank[i]   for a unique slice, its position in the output: the number of unique
//             slices before it, in value order (sorted) or in input order (not sorted).
// The number of unique slices U is a run-time size. Y gathers the unique slices,
// `indices` are their positions, `inverse_indices[i]` = rank[first[i]], and `counts`
// counts the slices per rank.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// A unit-step scf.for over [0, ub) carrying `inits`.
ValueRange
forLoop(OpBuilder &b, Location loc, Value ub, ValueRange inits,
        function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)> body) {
  auto loop = scf::ForOp::create(b, loc, cIdx(b, loc, 0), ub, cIdx(b, loc, 1), inits,
                                 [&](OpBuilder &nb, Location l, Value iv, ValueRange args) {
                                   scf::YieldOp::create(nb, l, body(nb, l, iv, args));
                                 });
  return loop.getResults();
}

/// Compares slices of `x` along `axis`: the sign (-1, 0, 1 as i8) of slice i - slice j.
struct SliceComparator {
  Value x;
  int64_t axis;
  SmallVector<Value> sizes; // of x
  Value sliceElements;      // the product of the sizes but the axis's
  bool isUnsigned;

  /// x at element e (row-major over the other dims) of slice `i`.
  Value read(OpBuilder &b, Location loc, Value i, Value e) const {
    int64_t rank = sizes.size();
    SmallVector<Value> pos(rank);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (d == axis) {
        pos[d] = i;
        continue;
      }
      pos[d] = arith::RemUIOp::create(b, loc, e, sizes[d]);
      e = arith::DivUIOp::create(b, loc, e, sizes[d]);
    }
    return tensor::ExtractOp::create(b, loc, x, pos);
  }

  Value compare(OpBuilder &b, Location loc, Value i, Value j) const {
    Type i8 = b.getI8Type();
    Value zero = arith::ConstantIntOp::create(b, loc, i8, 0);
    return forLoop(b, loc, sliceElements, ValueRange{zero},
                   [&](OpBuilder &nb, Location l, Value e, ValueRange acc) -> SmallVector<Value> {
                     Value vi = read(nb, l, i, e), vj = read(nb, l, j, e);
                     Value lt = kiln::conversion::compare(nb, l, vi, vj, arith::CmpFPredicate::OLT,
                                                          arith::CmpIPredicate::slt,
                                                          arith::CmpIPredicate::ult, isUnsigned);
                     Value gt = kiln::conversion::compare(nb, l, vi, vj, arith::CmpFPredicate::OGT,
                                                          arith::CmpIPredicate::sgt,
                                                          arith::CmpIPredicate::ugt, isUnsigned);
                     Value sign = arith::SelectOp::create(
                         nb, l, lt, arith::ConstantIntOp::create(nb, l, i8, -1),
                         arith::SelectOp::create(nb, l, gt,
                                                 arith::ConstantIntOp::create(nb, l, i8, 1),
                                                 arith::ConstantIntOp::create(nb, l, i8, 0)));
                     Value undecided =
                         arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, acc[0],
                                               arith::ConstantIntOp::create(nb, l, i8, 0));
                     return {arith::SelectOp::create(nb, l, undecided, sign, acc[0])};
                   })
        .front();
  }
};

struct UniqueLowering : OpConversionPattern<UniqueOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(UniqueOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    SmallVector<RankedTensorType> resultTypes;
    for (unsigned r = 0; r < 4; ++r) {
      RankedTensorType t = getRankedResultType(rewriter, *getTypeConverter(), op, r);
      if (!t)
        return failure();
      resultTypes.push_back(t);
    }
    Value x = adaptor.getX();
    auto xType = getRankedInputType(rewriter, op, x);
    if (!xType)
      return failure();
    Type elemType = xType.getElementType();
    if (!elemType.isIntOrFloat())
      return reject(rewriter, op, "unsupported element type");
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
    int64_t rank = srcType.getRank();
    if (resultTypes[0].getRank() != rank)
      return reject(rewriter, op, "the result rank is not the input's");
    bool sorted = op.getSorted() != 0;

    SliceComparator cmp{x, axis, getSizes(rewriter, loc, x), Value(),
                        isUnsignedInt(op.getX().getType()) || elemType.isInteger(1)};
    Value one = cIdx(rewriter, loc, 1), zero = cIdx(rewriter, loc, 0);
    cmp.sliceElements = one;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        cmp.sliceElements =
            rewriter.createOrFold<arith::MulIOp>(loc, cmp.sliceElements, cmp.sizes[d]);
    Value n = cmp.sizes[axis];
    auto indexVector = RankedTensorType::get({ShapedType::kDynamic}, rewriter.getIndexType());
    auto isZero = [](OpBuilder &b, Location l, Value v) {
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v,
                                   arith::ConstantIntOp::create(b, l, b.getI8Type(), 0));
    };

    // first[i]: the lowest j with slice j == slice i.
    Value first =
        forLoop(rewriter, loc, n, ValueRange{createEmpty(rewriter, loc, indexVector, n)},
                [&](OpBuilder &b, Location l, Value i, ValueRange acc) -> SmallVector<Value> {
                  Value f = forLoop(b, l, i, ValueRange{i},
                                    [&](OpBuilder &b, Location l, Value j,
                                        ValueRange best) -> SmallVector<Value> {
                                      Value take = arith::AndIOp::create(
                                          b, l,
                                          arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                                best[0], i),
                                          isZero(b, l, cmp.compare(b, l, i, j)));
                                      return {arith::SelectOp::create(b, l, take, j, best[0])};
                                    })
                                .front();
                  return {tensor::InsertOp::create(b, l, f, acc[0], ValueRange{i})};
                })
            .front();
    auto isFirst = [&](OpBuilder &b, Location l, Value i) -> Value {
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                   tensor::ExtractOp::create(b, l, first, ValueRange{i}), i);
    };
    // rank[i] (meaningful where slice i is unique) and the number of unique slices.
    ValueRange ranked = forLoop(
        rewriter, loc, n, ValueRange{createEmpty(rewriter, loc, indexVector, n), zero},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) -> SmallVector<Value> {
          Value r =
              forLoop(
                  b, l, n, ValueRange{cIdx(b, l, 0)},
                  [&](OpBuilder &b, Location l, Value j, ValueRange count) -> SmallVector<Value> {
                    Value before =
                        sorted ? arith::CmpIOp::create(
                                     b, l, arith::CmpIPredicate::slt, cmp.compare(b, l, j, i),
                                     arith::ConstantIntOp::create(b, l, b.getI8Type(), 0))
                               : arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, j, i);
                    Value counted = arith::AndIOp::create(b, l, isFirst(b, l, j), before);
                    return {arith::AddIOp::create(
                        b, l, count[0],
                        arith::SelectOp::create(b, l, counted, cIdx(b, l, 1), cIdx(b, l, 0)))};
                  })
                  .front();
          Value unique =
              arith::SelectOp::create(b, l, isFirst(b, l, i), cIdx(b, l, 1), cIdx(b, l, 0));
          return {tensor::InsertOp::create(b, l, r, acc[0], ValueRange{i}),
                  arith::AddIOp::create(b, l, acc[1], unique)};
        });
    Value rankOf = ranked[0], numUnique = ranked[1];

    // The unique slices' positions, counts and the inverse indices.
    Type i64 = rewriter.getI64Type();
    auto i64Vector = RankedTensorType::get({ShapedType::kDynamic}, i64);
    Value positions0 = createEmpty(rewriter, loc, indexVector, numUnique);
    Value counts0 = fill(rewriter, loc, createEmpty(rewriter, loc, i64Vector, numUnique),
                         arith::ConstantIntOp::create(rewriter, loc, i64, 0));
    Value inverse0 = createEmpty(rewriter, loc, i64Vector, n);
    ValueRange filled = forLoop(
        rewriter, loc, n, ValueRange{positions0, counts0, inverse0},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) -> SmallVector<Value> {
          Value r = tensor::ExtractOp::create(
              b, l, rankOf, ValueRange{tensor::ExtractOp::create(b, l, first, ValueRange{i})});
          auto ifOp = scf::IfOp::create(
              b, l, isFirst(b, l, i),
              [&](OpBuilder &tb, Location tl) {
                scf::YieldOp::create(
                    tb, tl, ValueRange{tensor::InsertOp::create(tb, tl, i, acc[0], ValueRange{r})});
              },
              [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, acc[0]); });
          Value c = tensor::ExtractOp::create(b, l, acc[1], ValueRange{r});
          c = arith::AddIOp::create(b, l, c, arith::ConstantIntOp::create(b, l, i64, 1));
          Value counts = tensor::InsertOp::create(b, l, c, acc[1], ValueRange{r});
          Value inverse = tensor::InsertOp::create(b, l, arith::IndexCastOp::create(b, l, i64, r),
                                                   acc[2], ValueRange{i});
          return {ifOp.getResult(0), counts, inverse};
        });
    Value positions = filled[0];

    SmallVector<int64_t> shape(srcType.getShape());
    shape[axis] = ShapedType::kDynamic;
    auto yType = RankedTensorType::get(shape, resultTypes[0].getElementType());
    SmallVector<Value> ySizes(cmp.sizes);
    ySizes[axis] = numUnique;
    Value y = buildIndexGather(rewriter, loc, yType, ySizes, x,
                               [&](OpBuilder &b, Location l, ValueRange idx) -> SmallVector<Value> {
                                 SmallVector<Value> src(idx.begin(), idx.end());
                                 src[axis] = tensor::ExtractOp::create(b, l, positions,
                                                                       ValueRange{idx[axis]});
                                 return src;
                               });
    Value indices = linalg::GenericOp::create(
                        rewriter, loc, TypeRange{i64Vector}, ValueRange{positions},
                        ValueRange{createEmpty(rewriter, loc, i64Vector, numUnique)},
                        SmallVector<AffineMap>(2, rewriter.getMultiDimIdentityMap(1)),
                        SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          linalg::YieldOp::create(
                              b, l, arith::IndexCastOp::create(b, l, i64, args[0]).getResult());
                        })
                        .getResult(0);
    SmallVector<Value> results{y, indices, filled[2], filled[1]};
    for (unsigned r = 0; r < 4; ++r)
      results[r] = castWithCheck(rewriter, loc, op, results[r], resultTypes[r],
                                 r == 0   ? "Y"
                                 : r == 1 ? "indices"
                                 : r == 2 ? "inverse_indices"
                                          : "counts");
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateUniquePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<UniqueLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
