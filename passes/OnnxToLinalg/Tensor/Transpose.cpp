//===- Transpose.cpp - Lower onnx.Transpose to linalg.transpose -----------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

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
