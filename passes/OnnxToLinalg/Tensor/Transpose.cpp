//===- Transpose.cpp - Lower onnx.Transpose to linalg.transpose -----------===//
//
// A Transpose that only moves dims of size 1 (the layout passes leave them between 1-D
// convolutions viewed as 2-D ones) moves no data: it becomes a collapse of the unit dims
// and an expand to the result's shape, views instead of a copy.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// `data` reshaped to `type` through the shape without its unit dims, when `perm` keeps
/// every other dim in order; null otherwise.
Value reshapeUnitDimTranspose(OpBuilder &b, Location loc, Value data, RankedTensorType type,
                              ArrayRef<int64_t> perm) {
  auto dataType = cast<RankedTensorType>(data.getType());
  SmallVector<int64_t> moved, kept;
  for (int64_t p : perm)
    if (dataType.getDimSize(p) != 1)
      moved.push_back(p);
  if (moved.empty() || !llvm::is_sorted(moved) ||
      llvm::count_if(moved, [&](int64_t p) { return dataType.isDynamicDim(p); }) > 1)
    return Value();
  for (int64_t p : moved)
    kept.push_back(dataType.getDimSize(p));
  auto keptType = RankedTensorType::get(kept, dataType.getElementType());
  std::optional<SmallVector<ReassociationIndices>> collapse =
      getReassociationIndicesForReshape(dataType, keptType);
  std::optional<SmallVector<ReassociationIndices>> expand =
      getReassociationIndicesForReshape(keptType, type);
  if (!collapse || !expand)
    return Value();
  Value collapsed = tensor::CollapseShapeOp::create(b, loc, keptType, data, *collapse);
  return tensor::ExpandShapeOp::create(b, loc, type, collapsed, *expand);
}

struct TransposeLowering : OnnxLoweringPattern<TransposeOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(TransposeOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    RankedTensorType dataType = getRankedInputType(rewriter, op, adaptor.getData());
    if (!dataType)
      return failure();
    int64_t rank = dataType.getRank();
    SmallVector<int64_t> perm;
    if (auto attr = op.getPermAttr())
      perm.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
    else // ONNX default: reverse the dims
      perm = llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank)));
    if (static_cast<int64_t>(perm.size()) != rank)
      return reject(rewriter, op, "perm has the wrong length");
    Location loc = op.getLoc();
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamic;
    for (int64_t p : perm) {
      shape.push_back(dataType.getDimSize(p));
      if (dataType.isDynamicDim(p))
        dynamic.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getData(), p));
    }
    auto type = RankedTensorType::get(shape, resultType.getElementType());
    if (Value view = reshapeUnitDimTranspose(rewriter, loc, adaptor.getData(), type, perm)) {
      rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, view, resultType));
      return success();
    }
    Value init = createEmpty(rewriter, loc, type, dynamic);
    auto transpose = linalg::TransposeOp::create(rewriter, loc, adaptor.getData(), init, perm);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, transpose->getResult(0), resultType));
    return success();
  }
};

} // namespace

void populateTransposePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TransposeLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
