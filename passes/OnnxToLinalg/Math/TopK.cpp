//===- TopK.cpp - Lower onnx.TopK to scf loops ----------------------------===//
//
// TopK selects, per slice along the axis, the k best elements one at a time (O(k*n)):
// pick j is the best element strictly after pick j-1 in the (value, index) order.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
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

void populateTopKPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TopKLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
