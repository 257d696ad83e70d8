//===- Pad.cpp - Lower onnx.Pad to tensor.pad or an index gather ----------===//
//
// Constant mode is tensor.pad; edge, reflect and wrap modes read the source at a clamped,
// mirrored or periodic index. Axes may be a run-time input (checked, then each dim takes
// the pads of the entry that names it).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Pad (opset 11+): constant mode is tensor.pad; edge, reflect and wrap modes read the
/// source at a clamped, mirrored or periodic index.
struct PadLowering : OnnxNamedLoweringPattern {
  using OnnxNamedLoweringPattern::OnnxNamedLoweringPattern;

  LogicalResult matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value data = operands[0];
    RankedTensorType dataType = getRankedInputType(rewriter, op, data);
    if (!dataType)
      return failure();
    int64_t rank = dataType.getRank();
    StringRef mode = "constant";
    if (auto attr = op->getAttrOfType<StringAttr>("mode"))
      mode = attr.getValue();
    if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "wrap")
      return reject(rewriter, op, "unknown pad mode '" + mode + "'");
    Location loc = op->getLoc();
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    // Run-time axes, each normalized into [0, rank) (checkIndices has bounded them).
    SmallVector<Value> runtimeAxes;
    if (operands.size() > 3 && !isa<NoneType>(operands[3].getType())) {
      if (std::optional<SmallVector<int64_t>> c = matchConstantI64s(operands[3])) {
        FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(*c, rank, nullptr);
        if (failed(normalized))
          return reject(rewriter, op, "an axis is out of range or repeated");
        axes = *normalized;
      } else {
        RankedTensorType axesType = getRankedInputType(rewriter, op, operands[3], "axes");
        if (!axesType)
          return failure();
        if (axesType.getRank() != 1 || axesType.isDynamicDim(0))
          return reject(rewriter, op, "run-time axes must be a 1-D tensor of static length");
        Value rankValue = cIdx(rewriter, loc, rank);
        if (failed(checkIndices(rewriter, op, operands[3], {rankValue}, {0})))
          return failure();
        axes.clear();
        for (Value a : getIndexValues(rewriter, loc, operands[3], axesType.getDimSize(0))) {
          Value negative = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt, a,
                                                 cIdx(rewriter, loc, 0));
          runtimeAxes.push_back(arith::SelectOp::create(
              rewriter, loc, negative, arith::AddIOp::create(rewriter, loc, a, rankValue), a));
          axes.push_back(-1);
        }
      }
    }
    int64_t n = axes.size();
    std::optional<SmallVector<int64_t>> constPads = matchConstantI64s(operands[1]);
    if (constPads && llvm::any_of(*constPads, [](int64_t p) { return p < 0; }))
      return reject(rewriter, op, "negative pads are not supported");
    SmallVector<Value> pads = getIndexValues(rewriter, loc, operands[1], 2 * n);
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0)),
        high(rank, rewriter.getIndexAttr(0));
    if (runtimeAxes.empty()) {
      for (int64_t i = 0; i < n; ++i) {
        low[axes[i]] = getAsOpFoldResult(pads[i]);
        high[axes[i]] = getAsOpFoldResult(pads[n + i]);
      }
    } else {
      // The pads of dim d are those of the entry of axes that names d (0 if none does).
      for (int64_t d = 0; d < rank; ++d) {
        Value lo = cIdx(rewriter, loc, 0), hi = lo;
        for (int64_t i = 0; i < n; ++i) {
          Value here = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                             runtimeAxes[i], cIdx(rewriter, loc, d));
          lo = arith::SelectOp::create(rewriter, loc, here, pads[i], lo);
          hi = arith::SelectOp::create(rewriter, loc, here, pads[n + i], hi);
        }
        low[d] = lo;
        high[d] = hi;
      }
    }
    if (!constPads)
      for (Value p : pads)
        checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(p),
                   rewriter.getIndexAttr(0),
                   "a pad is {}; negative pads (below {}) are not supported");
    if (mode == "constant") {
      Type elementType = resultType.getElementType();
      Value padValue =
          operands.size() > 2 && !isa<NoneType>(operands[2].getType())
              ? extractScalar(rewriter, loc, operands[2])
              : Value(arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(elementType)));
      Value padded = tensor::PadOp::create(rewriter, loc, Type(), data, low, high, padValue,
                                           /*nofold=*/false);
      rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, padded, resultType));
      return success();
    }
    SmallVector<Value> dims, sizes;
    for (int64_t d = 0; d < rank; ++d) {
      dims.push_back(getDimValue(rewriter, loc, data, d));
      Value lo = getValueOrCreateConstantIndexOp(rewriter, loc, low[d]);
      Value hi = getValueOrCreateConstantIndexOp(rewriter, loc, high[d]);
      sizes.push_back(arith::AddIOp::create(rewriter, loc, dims[d],
                                            arith::AddIOp::create(rewriter, loc, lo, hi)));
    }
    // The gather fills the result's static dims: they must be the padded sizes.
    for (int64_t d = 0; d < rank; ++d)
      if (!resultType.isDynamicDim(d) &&
          (dataType.isDynamicDim(d) || !getConstantIntValue(low[d]) ||
           !getConstantIntValue(high[d])))
        checkSizesEqual(rewriter, loc, op, sizes[d],
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "the padded input has size {} in dim " + Twine(d) +
                            " where the model's shapes imply {}");
    bool reflect = mode == "reflect", wrap = mode == "wrap";
    Value result = buildIndexGather(
        rewriter, loc, resultType, sizes, data, [&](OpBuilder &b, Location nloc, ValueRange idx) {
          SmallVector<Value> src;
          Value zero = cIdx(b, nloc, 0);
          for (int64_t d = 0; d < rank; ++d) {
            Value lo = getValueOrCreateConstantIndexOp(b, nloc, low[d]);
            Value j = arith::SubIOp::create(b, nloc, idx[d], lo);
            Value last = arith::SubIOp::create(b, nloc, dims[d], cIdx(b, nloc, 1));
            if (wrap) {
              // Periodic: j mod size, in [0, size) also for j < 0 (an empty dim reads
              // nothing; max keeps the remainder defined).
              Value size = arith::MaxSIOp::create(b, nloc, dims[d], cIdx(b, nloc, 1));
              Value r = arith::RemSIOp::create(b, nloc, j, size);
              Value negative = arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::slt, r, zero);
              j = arith::SelectOp::create(b, nloc, negative,
                                          arith::AddIOp::create(b, nloc, r, size), r);
            }
            if (reflect) {
              // Mirror without repeating the edge: -j below, 2 * last - j above.
              Value neg = arith::SubIOp::create(b, nloc, zero, j);
              j = arith::MaxSIOp::create(b, nloc, j, neg);
              Value mirrored = arith::SubIOp::create(
                  b, nloc, arith::MulIOp::create(b, nloc, last, cIdx(b, nloc, 2)), j);
              j = arith::MinSIOp::create(b, nloc, j, mirrored);
            }
            src.push_back(clampIdx(b, nloc, j, zero, last));
          }
          return src;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populatePadPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (StringRef name : {"onnx.Pad", "onnx.PadV13"})
    patterns.add<PadLowering>(converter, ctx, name);
}

} // namespace kiln::conversion
