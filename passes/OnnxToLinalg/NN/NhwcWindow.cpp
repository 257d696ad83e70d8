//===- NhwcWindow.cpp - Sliding windows over NHWC tensors -----------------===//

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
  SmallVector<OpFoldResult> low{b.getIndexAttr(0), b.getIndexAttr(pads[0]),
                                b.getIndexAttr(pads[1]), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> high{b.getIndexAttr(0), b.getIndexAttr(pads[2]),
                                 b.getIndexAttr(pads[3]), b.getIndexAttr(0)};
  return tensor::PadOp::create(b, loc, Type(), x, low, high, padValue);
}

AffineMap windowInputMap(MLIRContext *ctx, ArrayRef<int64_t> strides,
                         ArrayRef<int64_t> dilations) {
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  return AffineMap::get(6, 0,
                        {d(0), d(1) * strides[0] + d(3) * dilations[0],
                         d(2) * strides[1] + d(4) * dilations[1], d(5)},
                        ctx);
}

SmallVector<OpFoldResult> nhwcWindowSizes(OpBuilder &b, Location loc, Operation *node,
                                          Value padded, ArrayRef<int64_t> kernel,
                                          ArrayRef<int64_t> strides,
                                          ArrayRef<int64_t> dilations) {
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, padded, 0)};
  for (int64_t i = 0; i < 2; ++i) {
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
