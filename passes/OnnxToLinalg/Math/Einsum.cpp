//===- IndexGenerics.cpp - Lower OneHot, ConvTranspose and Einsum ---------===//
//
// Ops lowered to one linalg.generic whose body computes positions from the loop
// indices: OneHot compares each index with the position along the new axis,
// ConvTranspose reads the input with tensor.extract at the position a kernel tap maps
// back to, Einsum's output labels are parallel loops and the other labels reductions.
// None of them reads memory at a position taken from data, so none needs a run-time
// index check (OneHot's out-of-range indices select off_value, as ONNX says).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN.h"
#include "passes/OnnxToLinalg/ShapeChecks.h"
#include "passes/OnnxToLinalg/TensorUtils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <map>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Converts an integer or float scalar to i64 (floats truncate toward zero).
Value toI64(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  Type i64 = b.getI64Type();
  if (isa<FloatType>(v.getType()))
    return arith::FPToSIOp::create(b, loc, i64, v);
  unsigned width = v.getType().getIntOrFloatBitWidth();
  if (width == 64)
    return v;
  if (width > 64)
    return arith::TruncIOp::create(b, loc, i64, v);
  return isUnsigned ? Value(arith::ExtUIOp::create(b, loc, i64, v))
                    : Value(arith::ExtSIOp::create(b, loc, i64, v));
}

/// OneHot: out[..., a, ...] = indices[...] (wrapped by depth) == a ? on : off.
struct OneHotLowering : OpConversionPattern<OneHotOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(OneHotOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value indices = adaptor.getIndices(), depth = adaptor.getDepth(),
          values = adaptor.getValues();
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto valuesType = dyn_cast<RankedTensorType>(values.getType());
    auto depthType = dyn_cast<RankedTensorType>(depth.getType());
    if (!indicesType || !valuesType || !depthType || valuesType.getRank() != 1)
      return reject(rewriter, op, "an input is not a ranked tensor");
    int64_t q = indicesType.getRank(), rank = q + 1;
    if (resultType.getRank() != rank)
      return reject(rewriter, op, "the result rank is not indices rank + 1");
    if (valuesType.getElementType() != resultType.getElementType())
      return reject(rewriter, op, "values and result element types differ");
    FailureOr<int64_t> normalized =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    Location loc = op.getLoc();
    bool indicesUnsigned = isUnsignedInt(op.getIndices().getType());
    Value depth64 = toI64(rewriter, loc, extractScalar(rewriter, loc, depth),
                          isUnsignedInt(op.getDepth().getType()));
    Value off = tensor::ExtractOp::create(rewriter, loc, values,
                                          ValueRange{arith::ConstantIndexOp::create(rewriter, loc, 0)});
    Value on = tensor::ExtractOp::create(rewriter, loc, values,
                                         ValueRange{arith::ConstantIndexOp::create(rewriter, loc, 1)});
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d) {
      if (!resultType.isDynamicDim(d))
        continue;
      if (d == axis)
        dyn.push_back(arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), depth64));
      else
        dyn.push_back(getDimValue(rewriter, loc, indices, d < axis ? d : d - 1));
    }
    Value init = createEmpty(rewriter, loc, resultType, dyn);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        exprs.push_back(getAffineDimExpr(d, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(rank, 0, exprs, ctx),
                                rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{indices}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value idx = toI64(b, l, args[0], indicesUnsigned);
          Value zero = arith::ConstantIntOp::create(b, l, b.getI64Type(), 0);
          Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
          idx = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, idx, depth64), idx);
          Value pos = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                                 linalg::IndexOp::create(b, l, axis));
          Value eq = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, idx, pos);
          linalg::YieldOp::create(b, l, arith::SelectOp::create(b, l, eq, on, off).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// ConvTranspose as one generic over (N, M, out spatial..., c, kernel...): each kernel tap
/// reads the input at (o + pad_begin - k * dilation) / stride when that divides exactly
/// and is in range.
struct ConvTransposeLowering : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value x = adaptor.getX(), w = adaptor.getW();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto wType = dyn_cast<RankedTensorType>(w.getType());
    if (!xType || !wType || xType.getRank() < 3 || wType.getRank() != xType.getRank() ||
        resultType.getRank() != xType.getRank())
      return reject(rewriter, op, "X, W and the result are not ranked alike");
    if (!isa<FloatType>(resultType.getElementType()))
      return reject(rewriter, op, "only float ConvTranspose is supported");
    if (!wType.hasStaticShape() || xType.isDynamicDim(1))
      return reject(rewriter, op, "W's shape or X's channel count is not static");
    int64_t ns = xType.getRank() - 2;
    for (int64_t i = 0; i < ns; ++i)
      if (xType.isDynamicDim(2 + i))
        return reject(rewriter, op, "X's spatial dims are not static");
    int64_t group = static_cast<int64_t>(op.getGroup());
    int64_t channels = xType.getDimSize(1);
    if (group <= 0 || channels % group != 0 || wType.getDimSize(0) != channels)
      return reject(rewriter, op, "channels do not match W and group");
    int64_t cg = channels / group, mg = wType.getDimSize(1), m = mg * group;
    auto attr = [&](std::optional<ArrayRef<int64_t>> v, int64_t size, int64_t dflt) {
      SmallVector<int64_t> r(size, dflt);
      if (v && static_cast<int64_t>(v->size()) == size)
        r.assign(v->begin(), v->end());
      return r;
    };
    SmallVector<int64_t> strides = attr(op.getStrides(), ns, 1);
    SmallVector<int64_t> dilations = attr(op.getDilations(), ns, 1);
    SmallVector<int64_t> outPad = attr(op.getOutputPadding(), ns, 0);
    SmallVector<int64_t> pads = attr(op.getPads(), 2 * ns, 0);
    SmallVector<int64_t> kernel(wType.getShape().begin() + 2, wType.getShape().end());
    StringRef autoPad = op.getAutoPad();
    std::optional<ArrayRef<int64_t>> outShapeAttr = op.getOutputShape();
    SmallVector<int64_t> outShape(ns);
    bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    if (autoPad == "VALID")
      pads.assign(2 * ns, 0);
    for (int64_t i = 0; i < ns; ++i) {
      int64_t in = xType.getDimSize(2 + i), ke = (kernel[i] - 1) * dilations[i] + 1;
      if (outShapeAttr && static_cast<int64_t>(outShapeAttr->size()) == ns)
        outShape[i] = (*outShapeAttr)[i];
      else if (same)
        outShape[i] = in * strides[i];
      else
        outShape[i] = strides[i] * (in - 1) + outPad[i] + ke - pads[i] - pads[ns + i];
      if (same) {
        int64_t total = strides[i] * (in - 1) + outPad[i] + ke - outShape[i];
        int64_t half = total / 2;
        pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
        pads[ns + i] = total - pads[i];
      }
      if (!resultType.isDynamicDim(2 + i) && resultType.getDimSize(2 + i) != outShape[i])
        return reject(rewriter, op, "the inferred output shape does not match the attributes");
    }
    if (!resultType.isDynamicDim(1) && resultType.getDimSize(1) != m)
      return reject(rewriter, op, "the result channel count is not W.shape[1] * group");
    Location loc = op.getLoc();
    // Iterate over (n, g, mm, o..., c, k...) with W viewed as [g, c, mm, k...] and the
    // result as [n, g, mm, o...], so every map is a projection.
    SmallVector<int64_t> shape{xType.getDimSize(0), group, mg};
    shape.append(outShape);
    auto accType = RankedTensorType::get(shape, resultType.getElementType());
    SmallVector<int64_t> wShape{group, cg, mg};
    wShape.append(kernel);
    SmallVector<ReassociationIndices> wGroups{{0, 1}, {2}};
    for (int64_t i = 0; i < ns; ++i)
      wGroups.push_back({3 + i});
    auto wExpType = RankedTensorType::get(wShape, wType.getElementType());
    Value wExp = tensor::ExpandShapeOp::create(rewriter, loc, wExpType, w, wGroups);
    SmallVector<Value> dyn;
    if (accType.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(rewriter, loc, x, 0));
    Value zero = createScalarConstant(rewriter, loc, accType.getElementType(), 0);
    Value init = linalg::FillOp::create(rewriter, loc, zero, createEmpty(rewriter, loc, accType, dyn))
                     .getResult(0);

    MLIRContext *ctx = rewriter.getContext();
    int64_t loops = 3 + ns + 1 + ns, cDim = 3 + ns;
    SmallVector<AffineExpr> wExprs{getAffineDimExpr(1, ctx), getAffineDimExpr(cDim, ctx),
                                   getAffineDimExpr(2, ctx)};
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < ns; ++i)
      wExprs.push_back(getAffineDimExpr(cDim + 1 + i, ctx));
    for (int64_t d = 0; d < 3 + ns; ++d)
      outExprs.push_back(getAffineDimExpr(d, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, wExprs, ctx),
                                AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
    for (int64_t d = cDim; d < loops; ++d)
      iterators[d] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, ValueRange{wExp}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto cst = [&](int64_t v) { return Value(arith::ConstantIndexOp::create(b, l, v)); };
          Value g = linalg::IndexOp::create(b, l, 1);
          Value c = linalg::IndexOp::create(b, l, cDim);
          Value channel =
              arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, g, cst(cg)), c);
          SmallVector<Value> src{linalg::IndexOp::create(b, l, 0), channel};
          Value valid = arith::ConstantIntOp::create(b, l, b.getI1Type(), 1);
          for (int64_t i = 0; i < ns; ++i) {
            Value o = linalg::IndexOp::create(b, l, 3 + i);
            Value k = linalg::IndexOp::create(b, l, cDim + 1 + i);
            Value t = arith::SubIOp::create(b, l, arith::AddIOp::create(b, l, o, cst(pads[i])),
                                            arith::MulIOp::create(b, l, k, cst(dilations[i])));
            Value nonNeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, t, cst(0));
            Value tc = arith::SelectOp::create(b, l, nonNeg, t, cst(0));
            Value divisible = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq, arith::RemUIOp::create(b, l, tc, cst(strides[i])),
                cst(0));
            Value qv = arith::DivUIOp::create(b, l, tc, cst(strides[i]));
            Value inRange = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, qv,
                                                  cst(xType.getDimSize(2 + i)));
            valid = arith::AndIOp::create(
                b, l, valid,
                arith::AndIOp::create(b, l, nonNeg, arith::AndIOp::create(b, l, divisible, inRange)));
            src.push_back(arith::SelectOp::create(b, l, inRange, qv, cst(0)));
          }
          Value xv = tensor::ExtractOp::create(b, l, x, src);
          Value zeroF = createScalarConstant(b, l, xv.getType(), 0);
          xv = arith::SelectOp::create(b, l, valid, xv, zeroF);
          Value prod = arith::MulFOp::create(b, l, xv, args[0]);
          linalg::YieldOp::create(b, l, arith::AddFOp::create(b, l, args[1], prod).getResult());
        });
    SmallVector<ReassociationIndices> outGroups{{0}, {1, 2}};
    for (int64_t i = 0; i < ns; ++i)
      outGroups.push_back({3 + i});
    SmallVector<int64_t> outFull{xType.getDimSize(0), m};
    outFull.append(outShape);
    Value collapsed = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get(outFull, resultType.getElementType()),
        generic.getResult(0), outGroups);
    Value result = collapsed;
    if (!isa<NoneType>(adaptor.getB().getType()))
      result = addChannelBias(rewriter, loc, result, adaptor.getB());
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

/// Einsum as one generic: output labels are parallel loops, the other labels reductions.
struct EinsumLowering : OpConversionPattern<EinsumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(EinsumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    std::string eq;
    for (char ch : op.getEquation())
      if (ch != ' ')
        eq.push_back(ch);
    ValueRange inputs = adaptor.getInputs();
    std::string lhs = eq, rhs;
    bool explicitOut = false;
    if (size_t arrow = eq.find("->"); arrow != std::string::npos) {
      lhs = eq.substr(0, arrow);
      rhs = eq.substr(arrow + 2);
      explicitOut = true;
    }
    SmallVector<std::string> terms;
    {
      size_t start = 0;
      while (true) {
        size_t comma = lhs.find(',', start);
        terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos
                                                                     : comma - start));
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
    }
    if (terms.size() != inputs.size())
      return reject(rewriter, op, "the equation's operand count does not match the inputs");
    // Labels: letters are their char code; ellipsis dim e is 256 + e (right-aligned).
    SmallVector<SmallVector<int>> opLabels;
    SmallVector<RankedTensorType> types;
    int64_t maxEll = 0;
    auto countLetters = [](const std::string &t) {
      int64_t n = 0;
      for (char ch : t)
        n += std::isalpha(static_cast<unsigned char>(ch)) ? 1 : 0;
      return n;
    };
    for (auto [t, v] : llvm::zip(terms, inputs)) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type)
        return reject(rewriter, op, "an input is not a ranked tensor");
      types.push_back(type);
      size_t ell = t.find("...");
      int64_t letters = countLetters(t);
      if (ell == std::string::npos && letters != type.getRank())
        return reject(rewriter, op, "a term's length does not match its input's rank");
      if (ell != std::string::npos)
        maxEll = std::max(maxEll, type.getRank() - letters);
    }
    for (auto [t, type] : llvm::zip(terms, types)) {
      SmallVector<int> labels;
      int64_t e = type.getRank() - countLetters(t);
      for (size_t i = 0; i < t.size();) {
        if (t.compare(i, 3, "...") == 0) {
          if (e < 0)
            return reject(rewriter, op, "bad ellipsis");
          for (int64_t j = 0; j < e; ++j)
            labels.push_back(256 + static_cast<int>(maxEll - e + j));
          i += 3;
        } else if (std::isalpha(static_cast<unsigned char>(t[i]))) {
          labels.push_back(t[i++]);
        } else {
          return reject(rewriter, op, "unsupported character in the equation");
        }
      }
      opLabels.push_back(labels);
    }
    SmallVector<int> outLabels;
    if (explicitOut) {
      for (size_t i = 0; i < rhs.size();) {
        if (rhs.compare(i, 3, "...") == 0) {
          for (int64_t j = 0; j < maxEll; ++j)
            outLabels.push_back(256 + static_cast<int>(j));
          i += 3;
        } else if (std::isalpha(static_cast<unsigned char>(rhs[i]))) {
          outLabels.push_back(rhs[i++]);
        } else {
          return reject(rewriter, op, "unsupported character in the equation");
        }
      }
    } else {
      std::map<int, int> counts;
      for (auto &labels : opLabels)
        for (int lab : labels)
          ++counts[lab];
      for (int64_t j = 0; j < maxEll; ++j)
        outLabels.push_back(256 + static_cast<int>(j));
      for (auto [lab, cnt] : counts)
        if (lab < 256 && cnt == 1)
          outLabels.push_back(lab);
    }
    if (static_cast<int64_t>(outLabels.size()) != resultType.getRank())
      return reject(rewriter, op, "the output term does not match the result rank");
    // Loop dims: output labels, then the summed ones in order of appearance.
    SmallVector<int> loopLabels(outLabels);
    for (auto &labels : opLabels)
      for (int lab : labels)
        if (!llvm::is_contained(loopLabels, lab))
          loopLabels.push_back(lab);
    // Label sizes (static where known, must agree) and a source for dynamic ones.
    std::map<int, int64_t> staticSize;
    std::map<int, std::pair<unsigned, int64_t>> sourceOf;
    for (auto [i, labels] : llvm::enumerate(opLabels))
      for (auto [d, lab] : llvm::enumerate(labels)) {
        int64_t s = types[i].getDimSize(d);
        if (!sourceOf.count(lab))
          sourceOf[lab] = {static_cast<unsigned>(i), static_cast<int64_t>(d)};
        if (ShapedType::isDynamic(s))
          continue;
        auto it = staticSize.find(lab);
        if (it != staticSize.end() && it->second != s)
          return reject(rewriter, op, "a label has differing sizes (broadcasting is unsupported)");
        staticSize[lab] = s;
      }
    for (int lab : outLabels)
      if (!sourceOf.count(lab))
        return reject(rewriter, op, "an output label does not appear in the inputs");

    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type elemType = resultType.getElementType();
    Type computeType = elemType;
    if (isa<FloatType>(elemType) && elemType.getIntOrFloatBitWidth() < 32)
      computeType = rewriter.getF32Type();
    auto accType = RankedTensorType::get(resultType.getShape(), computeType);
    SmallVector<Value> dyn;
    for (auto [d, lab] : llvm::enumerate(outLabels))
      if (accType.isDynamicDim(d)) {
        auto [i, dim] = sourceOf[lab];
        dyn.push_back(tensor::DimOp::create(rewriter, loc, inputs[i], dim));
      }
    Value zero = createScalarConstant(rewriter, loc, computeType, 0);
    Value init = linalg::FillOp::create(rewriter, loc, zero, createEmpty(rewriter, loc, accType, dyn))
                     .getResult(0);
    int64_t loops = loopLabels.size();
    auto dimOf = [&](int lab) {
      return getAffineDimExpr(
          static_cast<unsigned>(llvm::find(loopLabels, lab) - loopLabels.begin()), ctx);
    };
    SmallVector<AffineMap> maps;
    for (auto &labels : opLabels) {
      SmallVector<AffineExpr> exprs;
      for (int lab : labels)
        exprs.push_back(dimOf(lab));
      maps.push_back(AffineMap::get(loops, 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    for (int lab : outLabels)
      outExprs.push_back(dimOf(lab));
    maps.push_back(AffineMap::get(loops, 0, outExprs, ctx));
    SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
    for (int64_t d = outLabels.size(); d < loops; ++d)
      iterators[d] = utils::IteratorType::reduction;
    bool isFloat = isa<FloatType>(computeType);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accType}, inputs, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value prod;
          for (Value a : args.drop_back()) {
            if (a.getType() != computeType)
              a = arith::ExtFOp::create(b, l, computeType, a);
            prod = !prod ? a
                   : isFloat ? Value(arith::MulFOp::create(b, l, prod, a))
                             : Value(arith::MulIOp::create(b, l, prod, a));
          }
          if (!prod)
            prod = createScalarConstant(b, l, computeType, 1);
          Value acc = args.back();
          linalg::YieldOp::create(b, l,
                                  isFloat ? Value(arith::AddFOp::create(b, l, acc, prod))
                                          : Value(arith::AddIOp::create(b, l, acc, prod)));
        });
    Value result = generic.getResult(0);
    if (computeType != elemType)
      result = buildElementwise(rewriter, loc, resultType, ValueRange{result},
                                [&](OpBuilder &b, Location l, ValueRange args) {
                                  return Value(arith::TruncFOp::create(b, l, elemType, args[0]));
                                });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateIndexGenericPatterns(const OnnxTypeConverter &converter,
                                  RewritePatternSet &patterns) {
  patterns.add<OneHotLowering, ConvTransposeLowering, EinsumLowering>(converter,
                                                                      patterns.getContext());
}

} // namespace kiln::conversion
