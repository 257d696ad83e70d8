//===- If.cpp - Lower onnx.If to scf.if -----------------------------------===//
//
// Each branch's results are cast to the op's result types.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ControlFlow/Regions.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct IfLowering : OpConversionPattern<IfOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(IfOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    // Branches that return different ranks: kiln-fold-constants keeps one when the
    // condition is known at compile time (a rank check); a run-time choice of rank has no
    // compiled form.
    auto yielded = [](Region &region) { return region.front().getTerminator()->getOperandTypes(); };
    for (auto [i, types] :
         llvm::enumerate(llvm::zip(yielded(op.getThenBranch()), yielded(op.getElseBranch())))) {
      auto thenType = dyn_cast<RankedTensorType>(std::get<0>(types));
      auto elseType = dyn_cast<RankedTensorType>(std::get<1>(types));
      if (thenType && elseType && thenType.getRank() != elseType.getRank())
        return reject(rewriter, op,
                      "output " + Twine(i) + " has rank " + Twine(thenType.getRank()) +
                          " in the then branch and " + Twine(elseType.getRank()) +
                          " in the else branch, and the condition is only known at run time");
    }
    FailureOr<SmallVector<Type>> resultTypes =
        convertRanked(*getTypeConverter(), op.getResultTypes());
    if (failed(resultTypes) || !hasRankedBody(op.getThenBranch()) ||
        !hasRankedBody(op.getElseBranch()))
      return reject(rewriter, op, "a branch output's rank is unknown, or it is not a tensor "
                                  "(sequences and optionals are not supported)");
    if (op.getNumResults() == 0)
      return reject(rewriter, op, "the op has no outputs");
    Location loc = op.getLoc();
    Value cond = extractScalar(rewriter, loc, adaptor.getCond());
    auto ifOp = scf::IfOp::create(rewriter, loc, *resultTypes, cond, /*addThenBlock=*/true,
                                  /*addElseBlock=*/true);
    for (auto [from, to] : {std::pair<Region *, Region *>{&op.getThenBranch(),
                                                          &ifOp.getThenRegion()},
                            {&op.getElseBranch(), &ifOp.getElseRegion()}}) {
      Block *dest = &to->front();
      YieldOp yield = mergeBody(rewriter, loc, *from, dest, {});
      rewriter.setInsertionPoint(yield);
      SmallVector<Value> values;
      for (auto [value, type] : llvm::zip(yield.getValues(), *resultTypes))
        values.push_back(adapt(rewriter, loc, value, type));
      scf::YieldOp::create(rewriter, loc, values);
      rewriter.eraseOp(yield);
    }
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

/// Loop: while (i < M && cond) { cond, v... = body(i, cond, v...); scan[i] = ...; ++i }.

} // namespace

void populateIfPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<IfLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
