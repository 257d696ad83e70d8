//===- If.cpp - Lower onnx.If to scf.if -----------------------------------===//
//
// Each branch's results are cast to the op's result types; a sequence output is the two
// tensors of its packed form (SequenceValue.h).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ControlFlow/Regions.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/SequenceValue.h"
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
    // A sequence output takes two results of the scf.if (SequenceValue.h).
    FailureOr<SmallVector<SmallVector<Type, 2>>> resultTypes =
        convertValueTypes(*getTypeConverter(), op.getResultTypes());
    if (failed(resultTypes) || !hasRankedOrSequenceBody(op.getThenBranch()) ||
        !hasRankedOrSequenceBody(op.getElseBranch()))
      return reject(rewriter, op, "a branch output's rank is unknown, or it is not a tensor "
                                  "or a sequence of tensors of known rank (optionals are not "
                                  "supported)");
    SmallVector<Type> flatTypes;
    for (const SmallVector<Type, 2> &types : *resultTypes)
      llvm::append_range(flatTypes, types);
    if (op.getNumResults() == 0)
      return reject(rewriter, op, "the op has no outputs");
    Location loc = op.getLoc();
    Value cond = extractScalar(rewriter, loc, adaptor.getCond());
    auto ifOp = scf::IfOp::create(rewriter, loc, flatTypes, cond, /*addThenBlock=*/true,
                                  /*addElseBlock=*/true);
    for (auto [from, to] : {std::pair<Region *, Region *>{&op.getThenBranch(),
                                                          &ifOp.getThenRegion()},
                            {&op.getElseBranch(), &ifOp.getElseRegion()}}) {
      Block *dest = &to->front();
      YieldOp yield = mergeBody(rewriter, loc, *from, dest, {});
      // A yielded sequence has its two tensors only once its producer is lowered: the
      // onnx.Yield stays, for YieldInIfLowering.
      if (flatTypes.size() != op.getNumResults())
        continue;
      rewriter.setInsertionPoint(yield);
      SmallVector<Value> values;
      for (auto [value, types] : llvm::zip(yield.getValues(), *resultTypes))
        values.push_back(adapt(rewriter, loc, value, types.front()));
      scf::YieldOp::create(rewriter, loc, values);
      rewriter.eraseOp(yield);
    }
    SmallVector<SmallVector<Value>> replacements;
    unsigned next = 0;
    for (const SmallVector<Type, 2> &types : *resultTypes) {
      replacements.emplace_back(ifOp.getResults().slice(next, types.size()));
      next += types.size();
    }
    rewriter.replaceOpWithMultiple(op, replacements);
    return success();
  }
};

/// The onnx.Yield of a branch that yields a sequence, once in its scf.if: an scf.yield of
/// the lowered values (a sequence's two tensors), cast to the scf.if's result types.
struct YieldInIfLowering : OpConversionPattern<YieldOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(YieldOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto ifOp = dyn_cast<scf::IfOp>(op->getParentOp());
    if (!ifOp)
      return failure();
    SmallVector<Value> values;
    for (ValueRange converted : adaptor.getOperands())
      llvm::append_range(values, converted);
    if (values.size() != ifOp.getNumResults())
      return reject(rewriter, op, "the branch yields values of other kinds than the If's outputs");
    for (unsigned i = 0; i < values.size(); ++i)
      values[i] = castTo(rewriter, op.getLoc(), values[i], ifOp.getResultTypes()[i]);
    rewriter.replaceOpWithNewOp<scf::YieldOp>(op, values);
    return success();
  }
};

/// Loop: while (i < M && cond) { cond, v... = body(i, cond, v...); scan[i] = ...; ++i }.

} // namespace

void populateIfPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<IfLowering, YieldInIfLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
