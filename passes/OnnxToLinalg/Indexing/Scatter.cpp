//===- Scatter.cpp - Lower scatters, GatherND and TopK ---------------------===//
//
// Index-driven ops that do not fit a single parallel generic over the result:
//  - ScatterElements / Scatter / ScatterND copy the data into the result and then walk the
//    updates in order with an scf.for nest doing tensor.extract + tensor.insert, so that
//    duplicate indices behave as ONNX says (reduction none: the last update wins).
//  - TopK selects, per slice along the axis, the k best elements one at a time (O(k*n)):
//    pick j is the best element strictly after pick j-1 in the (value, index) order.
//  - GatherND is a linalg.generic over the result.
// Indices are data: each lowering checks them once before its kernel (Checks.h).
// OneHot, ConvTranspose and Einsum are in IndexGenerics.cpp.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Checks.h"
#include "passes/OnnxToLinalg/ShapeChecks.h"
#include "passes/OnnxToLinalg/TensorUtils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Converts an index element to `index`, adding `dim` when it is negative.
Value wrapIndex(OpBuilder &b, Location loc, Value index, Value dim) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  return arith::SelectOp::create(b, loc, isNeg, arith::AddIOp::create(b, loc, i, dim), i);
}

/// Builds a zero-based, unit-step scf.for nest over `ubs` carrying `inits`.
SmallVector<Value> loopNest(OpBuilder &b, Location loc, ArrayRef<Value> ubs, ValueRange inits,
                            function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange,
                                                            ValueRange)>
                                body) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs(ubs.size(), zero), steps(ubs.size(), one);
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, inits,
      [&](OpBuilder &nb, Location nloc, ValueRange ivs, ValueRange iters) -> scf::ValueVector {
        SmallVector<Value> r = body(nb, nloc, ivs, iters);
        return scf::ValueVector(r.begin(), r.end());
      });
  return SmallVector<Value>(nest.results.begin(), nest.results.end());
}

/// Combines the current value with an update per the scatter `reduction`.
Value combine(OpBuilder &b, Location loc, StringRef reduction, Value old, Value upd,
              bool isUnsigned) {
  bool f = isa<FloatType>(old.getType());
  if (reduction == "add")
    return f ? Value(arith::AddFOp::create(b, loc, old, upd))
             : Value(arith::AddIOp::create(b, loc, old, upd));
  if (reduction == "mul")
    return f ? Value(arith::MulFOp::create(b, loc, old, upd))
             : Value(arith::MulIOp::create(b, loc, old, upd));
  if (reduction == "max") {
    if (f)
      return arith::MaximumFOp::create(b, loc, old, upd);
    return isUnsigned ? Value(arith::MaxUIOp::create(b, loc, old, upd))
                      : Value(arith::MaxSIOp::create(b, loc, old, upd));
  }
  if (reduction == "min") {
    if (f)
      return arith::MinimumFOp::create(b, loc, old, upd);
    return isUnsigned ? Value(arith::MinUIOp::create(b, loc, old, upd))
                      : Value(arith::MinSIOp::create(b, loc, old, upd));
  }
  return upd;
}

bool isKnownReduction(StringRef r) {
  return r == "none" || r == "add" || r == "mul" || r == "max" || r == "min";
}

LogicalResult lowerScatterElements(ConversionPatternRewriter &rewriter, Operation *op,
                                   RankedTensorType resultType, Value data, Value indices,
                                   Value updates, int64_t axisAttr, StringRef reduction,
                                   bool isUnsigned) {
  auto dataType = dyn_cast<RankedTensorType>(data.getType());
  auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
  auto updatesType = dyn_cast<RankedTensorType>(updates.getType());
  if (!dataType || !indicesType || !updatesType ||
      indicesType.getRank() != dataType.getRank() ||
      updatesType.getRank() != dataType.getRank())
    return reject(rewriter, op, "data, indices and updates are not ranked alike");
  if (!isKnownReduction(reduction))
    return reject(rewriter, op, "unsupported reduction '" + reduction + "'");
  int64_t rank = dataType.getRank();
  FailureOr<int64_t> normalized = normalizeAxis(axisAttr, rank, /*emitError=*/nullptr);
  if (failed(normalized))
    return reject(rewriter, op, "axis is out of range");
  int64_t axis = *normalized;
  Location loc = op->getLoc();
  Value init = castWithCheck(rewriter, loc, op, data, resultType);
  SmallVector<Value> ubs;
  for (int64_t d = 0; d < rank; ++d)
    ubs.push_back(getDimValue(rewriter, loc, indices, d));
  Value axisDim = getDimValue(rewriter, loc, data, axis);
  if (failed(checkIndices(rewriter, op, indices, {axisDim}, {axis})))
    return failure();
  SmallVector<Value> results = loopNest(
      rewriter, loc, ubs, ValueRange{init},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iters) -> SmallVector<Value> {
        Value idx = tensor::ExtractOp::create(b, l, indices, ivs);
        SmallVector<Value> dst(ivs.begin(), ivs.end());
        dst[axis] = wrapIndex(b, l, idx, axisDim);
        Value v = tensor::ExtractOp::create(b, l, updates, ivs);
        if (reduction != "none") {
          Value old = tensor::ExtractOp::create(b, l, iters[0], dst);
          v = combine(b, l, reduction, old, v, isUnsigned);
        }
        return {tensor::InsertOp::create(b, l, v, iters[0], dst).getResult()};
      });
  rewriter.replaceOp(op, results[0]);
  return success();
}

struct ScatterElementsLowering : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    return lowerScatterElements(rewriter, op, resultType, adaptor.getData(), adaptor.getIndices(),
                                adaptor.getUpdates(), static_cast<int64_t>(op.getAxis()),
                                op.getReduction(), isUnsignedInt(op.getData().getType()));
  }
};

struct ScatterLowering : OpConversionPattern<ScatterOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ScatterOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    return lowerScatterElements(rewriter, op, resultType, adaptor.getData(), adaptor.getIndices(),
                                adaptor.getUpdates(), static_cast<int64_t>(op.getAxis()), "none",
                                false);
  }
};

/// ScatterND: data[indices[i][:k]] (op)= updates[i] for i over indices.shape[:-1], in order.
struct ScatterNDLowering : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto updatesType = dyn_cast<RankedTensorType>(updates.getType());
    if (!dataType || !indicesType || !updatesType || indicesType.getRank() < 1)
      return reject(rewriter, op, "an input is not a ranked tensor");
    int64_t r = dataType.getRank(), q = indicesType.getRank();
    int64_t k = indicesType.getDimSize(q - 1);
    if (ShapedType::isDynamic(k) || k > r)
      return reject(rewriter, op, "the last dim of indices is not static and <= data rank");
    if (updatesType.getRank() != q - 1 + r - k)
      return reject(rewriter, op, "the updates rank is not q - 1 + r - k");
    StringRef reduction = op.getReduction();
    if (!isKnownReduction(reduction))
      return reject(rewriter, op, "unsupported reduction '" + reduction + "'");
    bool isUnsigned = isUnsignedInt(op.getData().getType());
    Location loc = op.getLoc();
    Value init = castWithCheck(rewriter, loc, op, data, resultType);
    SmallVector<Value> ubs, dataDims;
    for (int64_t d = 0; d < updatesType.getRank(); ++d)
      ubs.push_back(getDimValue(rewriter, loc, updates, d));
    SmallVector<int64_t> axes;
    for (int64_t d = 0; d < k; ++d) {
      dataDims.push_back(getDimValue(rewriter, loc, data, d));
      axes.push_back(d);
    }
    if (k > 0 && failed(checkIndices(rewriter, op, indices, dataDims, axes)))
      return failure();
    SmallVector<Value> results = loopNest(
        rewriter, loc, ubs, ValueRange{init},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iters) -> SmallVector<Value> {
          SmallVector<Value> dst;
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> pos(ivs.begin(), ivs.begin() + (q - 1));
            pos.push_back(arith::ConstantIndexOp::create(b, l, j));
            Value idx = tensor::ExtractOp::create(b, l, indices, pos);
            dst.push_back(wrapIndex(b, l, idx, dataDims[j]));
          }
          dst.append(ivs.begin() + (q - 1), ivs.end());
          Value v = tensor::ExtractOp::create(b, l, updates, ivs);
          if (reduction != "none") {
            Value old = tensor::ExtractOp::create(b, l, iters[0], dst);
            v = combine(b, l, reduction, old, v, isUnsigned);
          }
          return {tensor::InsertOp::create(b, l, v, iters[0], dst).getResult()};
        });
    rewriter.replaceOp(op, results[0]);
    return success();
  }
};

/// GatherND with batch_dims b: out[i, rest] = data[i[:b], indices[i], rest].
struct GatherNDLowering : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    if (!dataType || !indicesType || indicesType.getRank() < 1)
      return reject(rewriter, op, "an input is not a ranked tensor");
    int64_t r = dataType.getRank(), q = indicesType.getRank();
    int64_t bd = static_cast<int64_t>(op.getBatchDims());
    int64_t k = indicesType.getDimSize(q - 1);
    if (ShapedType::isDynamic(k) || bd + k > r || bd > q - 1)
      return reject(rewriter, op, "the last dim of indices is not static and <= data rank");
    int64_t resultRank = q - 1 + r - k - bd;
    if (resultType.getRank() != resultRank)
      return reject(rewriter, op, "the result rank is not q - 1 + r - k - batch_dims");
    Location loc = op.getLoc();
    SmallVector<Value> sizes, dataDims;
    for (int64_t d = 0; d < resultRank; ++d)
      sizes.push_back(d < q - 1 ? getDimValue(rewriter, loc, indices, d)
                                : getDimValue(rewriter, loc, data, bd + k + d - (q - 1)));
    SmallVector<int64_t> axes;
    for (int64_t j = 0; j < k; ++j) {
      dataDims.push_back(getDimValue(rewriter, loc, data, bd + j));
      axes.push_back(bd + j);
    }
    if (k > 0 && failed(checkIndices(rewriter, op, indices, dataDims, axes)))
      return failure();
    Value result = buildIndexGather(
        rewriter, loc, resultType, sizes, data, [&](OpBuilder &b, Location l, ValueRange idx) {
          SmallVector<Value> src(idx.begin(), idx.begin() + bd);
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> pos(idx.begin(), idx.begin() + (q - 1));
            pos.push_back(arith::ConstantIndexOp::create(b, l, j));
            Value v = tensor::ExtractOp::create(b, l, indices, pos);
            src.push_back(wrapIndex(b, l, v, dataDims[j]));
          }
          src.append(idx.begin() + (q - 1), idx.end());
          return src;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// TopK by repeated selection: pick j is the best element strictly after pick j - 1 in the
/// order (value descending for largest / ascending for smallest, then index ascending).
struct TopKLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType valuesType = getRankedResultType(rewriter, *getTypeConverter(), op, 0);
    RankedTensorType indicesType = getRankedResultType(rewriter, *getTypeConverter(), op, 1);
    if (!valuesType || !indicesType)
      return failure();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!xType || xType.getRank() != valuesType.getRank() ||
        indicesType.getRank() != xType.getRank())
      return reject(rewriter, op, "the input is not ranked like the results");
    Type elemType = xType.getElementType();
    if (!isa<FloatType, IntegerType>(elemType))
      return reject(rewriter, op, "unsupported element type");
    int64_t rank = xType.getRank();
    FailureOr<int64_t> normalized =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    bool largest = op.getLargest() != 0;
    bool isUnsigned = isUnsignedInt(op.getX().getType());
    Location loc = op.getLoc();
    Value kVal;
    if (std::optional<SmallVector<int64_t>> kc = matchConstantI64s(adaptor.getK());
        kc && kc->size() == 1)
      kVal = arith::ConstantIndexOp::create(rewriter, loc, (*kc)[0]);
    else
      kVal = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                        extractScalar(rewriter, loc, adaptor.getK()));
    SmallVector<Value> vDyn, iDyn, outerUbs;
    for (int64_t d = 0; d < rank; ++d) {
      Value size = d == axis ? kVal : getDimValue(rewriter, loc, x, d);
      if (valuesType.isDynamicDim(d))
        vDyn.push_back(size);
      if (indicesType.isDynamicDim(d))
        iDyn.push_back(size);
      if (d != axis)
        outerUbs.push_back(size);
    }
    Value n = getDimValue(rewriter, loc, x, axis);
    Value vInit = createEmpty(rewriter, loc, valuesType, vDyn);
    Value iInit = createEmpty(rewriter, loc, indicesType, iDyn);
    Type i64 = rewriter.getI64Type();

    // a before b in the selection order.
    auto before = [&](OpBuilder &b, Location l, Value av, Value ai, Value bv, Value bi) {
      Value better, equal;
      if (isa<FloatType>(elemType)) {
        better = arith::CmpFOp::create(
            b, l, largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, av, bv);
        equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, av, bv);
      } else {
        arith::CmpIPredicate p = largest ? (isUnsigned ? arith::CmpIPredicate::ugt
                                                       : arith::CmpIPredicate::sgt)
                                         : (isUnsigned ? arith::CmpIPredicate::ult
                                                       : arith::CmpIPredicate::slt);
        better = arith::CmpIOp::create(b, l, p, av, bv);
        equal = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, av, bv);
      }
      Value lower = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, ai, bi);
      return Value(arith::OrIOp::create(b, l, better, arith::AndIOp::create(b, l, equal, lower)));
    };

    SmallVector<Value> results = loopNest(
        rewriter, loc, outerUbs, ValueRange{vInit, iInit},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iters) -> SmallVector<Value> {
          auto position = [&](Value axisIndex) {
            SmallVector<Value> pos;
            for (int64_t d = 0, o = 0; d < rank; ++d)
              pos.push_back(d == axis ? axisIndex : ivs[o++]);
            return pos;
          };
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value one = arith::ConstantIndexOp::create(b, l, 1);
          Value zeroElem = createScalarConstant(b, l, elemType, 0);
          Value falseV = arith::ConstantIntOp::create(b, l, b.getI1Type(), 0);
          auto jLoop = scf::ForOp::create(
              b, l, zero, kVal, one, ValueRange{iters[0], iters[1], zeroElem, zero},
              [&](OpBuilder &jb, Location jl, Value j, ValueRange jargs) {
                Value first = arith::CmpIOp::create(jb, jl, arith::CmpIPredicate::eq, j, zero);
                Value prevV = jargs[2], prevI = jargs[3];
                auto iLoop = scf::ForOp::create(
                    jb, jl, zero, n, one, ValueRange{zeroElem, zero, falseV},
                    [&](OpBuilder &ib, Location il, Value i, ValueRange iargs) {
                      Value c = tensor::ExtractOp::create(ib, il, x, position(i));
                      Value valid = arith::OrIOp::create(ib, il, first,
                                                         before(ib, il, prevV, prevI, c, i));
                      Value notFound = arith::XOrIOp::create(
                          ib, il, iargs[2], arith::ConstantIntOp::create(ib, il, ib.getI1Type(), 1));
                      Value better = arith::OrIOp::create(
                          ib, il, notFound, before(ib, il, c, i, iargs[0], iargs[1]));
                      Value take = arith::AndIOp::create(ib, il, valid, better);
                      scf::YieldOp::create(
                          ib, il,
                          ValueRange{arith::SelectOp::create(ib, il, take, c, iargs[0]),
                                     arith::SelectOp::create(ib, il, take, i, iargs[1]),
                                     arith::OrIOp::create(ib, il, iargs[2], take)});
                    });
                Value bestV = iLoop.getResult(0), bestI = iLoop.getResult(1);
                SmallVector<Value> pos = position(j);
                Value vals = tensor::InsertOp::create(jb, jl, bestV, jargs[0], pos);
                Value idx64 = arith::IndexCastOp::create(jb, jl, i64, bestI);
                Value idxs = tensor::InsertOp::create(jb, jl, idx64, jargs[1], pos);
                scf::YieldOp::create(jb, jl, ValueRange{vals, idxs, bestV, bestI});
              });
          return {jLoop.getResult(0), jLoop.getResult(1)};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateScatterPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ScatterElementsLowering, ScatterLowering, ScatterNDLowering, GatherNDLowering,
               TopKLowering>(converter, patterns.getContext());
  populateIndexGenericPatterns(converter, patterns);
}

} // namespace kiln::conversion
