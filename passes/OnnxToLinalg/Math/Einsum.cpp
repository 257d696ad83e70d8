//===- Einsum.cpp - Lower onnx.Einsum to one linalg.generic ---------------===//
//
// Einsum's output labels are parallel loops and the other labels reductions.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <map>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Einsum as one generic: output labels are parallel loops, the other labels reductions.
struct EinsumLowering : OnnxLoweringPattern<EinsumOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(EinsumOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
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
      RankedTensorType type = getRankedInputType(rewriter, op, v, "an input");
      if (!type)
        return failure();
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

void populateEinsumPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<EinsumLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
