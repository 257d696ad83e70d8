//===- QuantizeLinear.cpp - QuantizeLinear and DequantizeLinear to linalg -===//
//
// Part of Kiln. Both ops become one linalg.generic over the data tensor that
// reads the scale and zero point per tensor (scalar), per axis (1-D, along
// `axis`) or per block (the data's rank, `block_size` elements of `axis` per
// scale). Arithmetic is done in f32 (f64 for 32-bit integers), as the ONNX
// reference does: y = saturate(round_half_even(x / scale) + zero_point) and
// x = (q - zero_point) * scale.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/SmallFloat.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

template <typename OpTy> int64_t blockSizeOf(OpTy op) {
  return static_cast<int64_t>(op.getBlockSize());
}

/// The map reading a scale/zero-point of type `paramType` for each element of a data
/// tensor of rank `rank`, or null with `why` set when the layout is not one ONNX allows.
AffineMap getParamMap(MLIRContext *ctx, RankedTensorType dataType, RankedTensorType paramType,
                      int64_t axis, int64_t blockSize, std::string &why) {
  int64_t rank = dataType.getRank();
  int64_t paramRank = paramType.getRank();
  if (blockSize > 0) {
    if (paramRank != rank) {
      why = "blocked quantization needs a scale of the data's rank";
      return {};
    }
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      exprs.push_back(d == axis ? getAffineDimExpr(d, ctx).floorDiv(blockSize)
                                : getAffineDimExpr(d, ctx));
    return AffineMap::get(rank, 0, exprs, ctx);
  }
  if (paramRank == 0 || (paramRank == 1 && paramType.getDimSize(0) == 1 &&
                         (rank == 0 || dataType.getDimSize(axis) != 1))) {
    // Per tensor (a 1-element scale along a size-1 axis is read per axis, equivalently).
    SmallVector<AffineExpr> exprs(paramRank, getAffineConstantExpr(0, ctx));
    return AffineMap::get(rank, 0, exprs, ctx);
  }
  if (paramRank == 1 && rank > 0)
    return AffineMap::get(rank, 0, {getAffineDimExpr(axis, ctx)}, ctx);
  why = "the scale must be a scalar, 1-D along the axis, or blocked";
  return {};
}

/// Shared by both ops: checks the operands and emits the generic with `body`, which gets
/// (data, scale, zero point or null).
template <typename OpTy>
LogicalResult lowerQuantOp(OpTy op, ConversionPatternRewriter &rewriter,
                           const TypeConverter &converter, Value x, Value scale, Value zeroPoint,
                           function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
  if (!xType || !scaleType)
    return reject(rewriter, op, "the data and scale must be ranked tensors");
  RankedTensorType declared = getRankedResultType(rewriter, converter, op);
  if (!declared)
    return failure();
  auto zpType = zeroPoint ? dyn_cast<RankedTensorType>(zeroPoint.getType()) : RankedTensorType();
  if (zeroPoint && (!zpType || zpType.getNumElements() != scaleType.getNumElements()))
    return reject(rewriter, op, "the zero point must have as many elements as the scale");
  int64_t rank = xType.getRank();
  int64_t axis = static_cast<int64_t>(op.getAxis());
  if (axis < 0)
    axis += rank;
  bool perTensor = scaleType.getRank() == 0 ||
                   (scaleType.getRank() == 1 && scaleType.getDimSize(0) == 1 && blockSizeOf(op) == 0);
  if (axis < 0 || axis >= rank) {
    // The axis only matters for per-axis and blocked scales (its default, 1, is out of
    // range for 1-D data).
    if (!perTensor)
      return reject(rewriter, op, "axis " + Twine(static_cast<int64_t>(op.getAxis())) +
                                      " is out of range");
    axis = 0;
  }
  int64_t blockSize = static_cast<int64_t>(op.getBlockSize());
  if (blockSize < 0)
    return reject(rewriter, op, "block_size must not be negative");
  std::string why;
  MLIRContext *ctx = op.getContext();
  AffineMap paramMap = getParamMap(ctx, xType, scaleType, axis, blockSize, why);
  if (!paramMap)
    return reject(rewriter, op, why);
  AffineMap zpMap = zeroPoint ? getParamMap(ctx, xType, zpType, axis, blockSize, why) : AffineMap();
  if (zeroPoint && !zpMap)
    return reject(rewriter, op, why);

  Location loc = op.getLoc();
  // The parameters are read with the data's loop bounds: check their dynamic sizes.
  auto checkParam = [&](Value &param, AffineMap map, StringRef name) {
    auto type = cast<RankedTensorType>(param.getType());
    if (blockSize > 0) {
      for (int64_t d = 0; d < rank; ++d) {
        OpFoldResult size = tensor::getMixedSize(rewriter, loc, x, d);
        if (d == axis)
          size = getAsOpFoldResult(rewriter.createOrFold<arith::CeilDivSIOp>(
              loc, getValueOrCreateConstantIndexOp(rewriter, loc, size),
              arith::ConstantIndexOp::create(rewriter, loc, blockSize)));
        checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, param, d), size,
                        name + " has size {} in dim " + Twine(d) +
                            " where the blocked data implies {}");
      }
      return;
    }
    if (type.getRank() == 1 && !map.isConstant())
      param = checkOperandBroadcast(rewriter, loc, op, param,
                                    {tensor::getMixedSize(rewriter, loc, x, axis)}, name,
                                    "the data's axis");
  };
  checkParam(scale, paramMap, "the scale");
  if (zeroPoint)
    checkParam(zeroPoint, zpMap, "the zero point");
  auto resultType = RankedTensorType::get(xType.getShape(), declared.getElementType());
  Value init = createEmpty(rewriter, loc, resultType, getDynamicSizes(rewriter, loc, x));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<Value> inputs{x, scale};
  SmallVector<AffineMap> maps{identity, paramMap};
  if (zeroPoint) {
    inputs.push_back(zeroPoint);
    maps.push_back(zpMap);
  }
  maps.push_back(identity);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, resultType, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value y = body(b, l, args[0], args[1], zeroPoint ? args[2] : Value());
        linalg::YieldOp::create(b, l, y);
      });
  Value result = generic.getResult(0);
  result = castWithCheck(rewriter, loc, op, result, declared);
  rewriter.replaceOp(op, result);
  return success();
}

Value optionalOperand(Value v) { return v && !isa<NoneType>(v.getType()) ? v : Value(); }

/// The float type quantization arithmetic runs in for an element type.
FloatType computeType(OpBuilder &b, Type element) {
  if (element.isF64() || (isa<IntegerType>(element) && element.getIntOrFloatBitWidth() >= 32))
    return b.getF64Type();
  return b.getF32Type();
}

struct QuantizeLinearLowering : OnnxLoweringPattern<QuantizeLinearOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;
  LogicalResult matchAndRewriteRanked(QuantizeLinearOp op, OpAdaptor adaptor,
                                      RankedTensorType declared,
                                      ConversionPatternRewriter &rewriter) const override {
    Type dst = declared.getElementType();
    bool dstUnsigned = isUnsignedInt(op.getY().getType());
    bool saturate = op.getSaturate() != 0;
    Value zp = optionalOperand(adaptor.getYZeroPoint());
    if (!isa<FloatType>(getElementTypeOrSelf(adaptor.getX().getType())))
      return reject(rewriter, op, "the input must be a float tensor");
    if (auto intType = dyn_cast<IntegerType>(dst)) {
      unsigned width = intType.getWidth();
      if (width < 2 || width > 32)
        return reject(rewriter, op, "cannot quantize to " + Twine(width) + "-bit integers");
      double lo = dstUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
      double hi = dstUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
      return lowerQuantOp(
          op, rewriter, *getTypeConverter(), adaptor.getX(), adaptor.getYScale(), zp,
          [&](OpBuilder &b, Location loc, Value x, Value scale, Value z) -> Value {
            FloatType ct = computeType(b, dst);
            Value v = arith::DivFOp::create(b, loc, castScalar(b, loc, x, ct, false, false),
                                            castScalar(b, loc, scale, ct, false, false));
            v = math::RoundEvenOp::create(b, loc, v);
            if (z)
              v = arith::AddFOp::create(b, loc, v, castScalar(b, loc, z, ct, dstUnsigned, false));
            v = arith::MaximumFOp::create(b, loc, v, createScalarConstant(b, loc, ct, lo));
            v = arith::MinimumFOp::create(b, loc, v, createScalarConstant(b, loc, ct, hi));
            return castScalar(b, loc, v, dst, false, dstUnsigned);
          });
    }
    if (isSmallFloat(dst))
      return lowerQuantOp(
          op, rewriter, *getTypeConverter(), adaptor.getX(), adaptor.getYScale(), zp,
          [&](OpBuilder &b, Location loc, Value x, Value scale, Value z) -> Value {
            Type f32 = b.getF32Type();
            Value v = arith::DivFOp::create(b, loc, castScalar(b, loc, x, f32, false, false),
                                            castScalar(b, loc, scale, f32, false, false));
            if (z)
              v = arith::AddFOp::create(b, loc, v, castScalar(b, loc, z, f32, false, false));
            return castScalar(b, loc, v, dst, false, false, saturate);
          });
    return reject(rewriter, op, "cannot quantize to this output type");
  }
};

struct DequantizeLinearLowering : OnnxLoweringPattern<DequantizeLinearOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;
  LogicalResult matchAndRewriteRanked(DequantizeLinearOp op, OpAdaptor adaptor,
                                      RankedTensorType declared,
                                      ConversionPatternRewriter &rewriter) const override {
    Type dst = declared.getElementType();
    if (!isa<FloatType>(dst))
      return reject(rewriter, op, "the output must be a float tensor");
    Type src = getElementTypeOrSelf(adaptor.getX().getType());
    if (!isa<IntegerType, FloatType>(src))
      return reject(rewriter, op, "the input must be an integer or float tensor");
    bool srcUnsigned = isUnsignedInt(op.getX().getType());
    Value zp = optionalOperand(adaptor.getXZeroPoint());
    return lowerQuantOp(
        op, rewriter, *getTypeConverter(), adaptor.getX(), adaptor.getXScale(), zp,
        [&](OpBuilder &b, Location loc, Value x, Value scale, Value z) -> Value {
          FloatType ct = computeType(b, src);
          if (dst.isF64())
            ct = b.getF64Type();
          Value v = castScalar(b, loc, x, ct, srcUnsigned, false);
          if (z)
            v = arith::SubFOp::create(b, loc, v, castScalar(b, loc, z, ct, srcUnsigned, false));
          v = arith::MulFOp::create(b, loc, v, castScalar(b, loc, scale, ct, false, false));
          return castScalar(b, loc, v, dst, false, false);
        });
  }
};

} // namespace

void populateQuantizeLinearPatterns(const OnnxTypeConverter &converter,
                                    RewritePatternSet &patterns) {
  patterns.add<QuantizeLinearLowering, DequantizeLinearLowering>(converter,
                                                                  patterns.getContext());
}

} // namespace kiln::conversion
