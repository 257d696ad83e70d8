//===- NhwcWindow.cpp - Sliding windows over channels-last tensors --------===//

#include "passes/OnnxToLinalg/NN/NhwcWindow.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {

Value padNhwc(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> pads, Value padValue) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return x;
  int64_t spatial = pads.size() / 2;
  SmallVector<OpFoldResult> low{b.getIndexAttr(0)}, high{b.getIndexAttr(0)};
  for (int64_t i = 0; i < spatial; ++i) {
    low.push_back(b.getIndexAttr(pads[i]));
    high.push_back(b.getIndexAttr(pads[spatial + i]));
  }
  low.push_back(b.getIndexAttr(0));
  high.push_back(b.getIndexAttr(0));
  return tensor::PadOp::create(b, loc, Type(), x, low, high, padValue);
}

AffineMap windowInputMap(MLIRContext *ctx, ArrayRef<int64_t> strides,
                         ArrayRef<int64_t> dilations) {
  int64_t spatial = strides.size();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> exprs{d(0)};
  for (int64_t i = 0; i < spatial; ++i)
    exprs.push_back(d(1 + i) * strides[i] + d(1 + spatial + i) * dilations[i]);
  exprs.push_back(d(1 + 2 * spatial));
  return AffineMap::get(2 + 2 * spatial, 0, exprs, ctx);
}

SmallVector<OpFoldResult> nhwcWindowSizes(OpBuilder &b, Location loc, Operation *node,
                                          Value padded, ArrayRef<int64_t> kernel,
                                          ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> dilations) {
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, padded, 0)};
  for (int64_t i = 0, e = kernel.size(); i < e; ++i) {
    int64_t extent = (kernel[i] - 1) * dilations[i] + 1;
    OpFoldResult size = tensor::getMixedSize(b, loc, padded, 1 + i);
    if (std::optional<int64_t> known = getConstantIntValue(size)) {
      sizes.push_back(b.getIndexAttr(*known < extent ? 0 : (*known - extent) / strides[i] + 1));
      continue;
    }
    checkSizes(b, loc, node, arith::CmpIPredicate::sge, size, b.getIndexAttr(extent),
               "X has size {} in spatial dim " + Twine(i) +
                   " once padded, less than the dilated kernel needs ({})");
    Value span = arith::SubIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, size),
                                       arith::ConstantIndexOp::create(b, loc, extent));
    Value steps = arith::DivUIOp::create(b, loc, span,
                                         arith::ConstantIndexOp::create(b, loc, strides[i]));
    sizes.push_back(
        arith::AddIOp::create(b, loc, steps, arith::ConstantIndexOp::create(b, loc, 1))
            .getResult());
  }
  return sizes;
}

} // namespace kiln::conversion
