//===- ReduceDims.cpp - Reductions over a subset of dims ------------------===//

#include "passes/OnnxToLinalg/Support/ReduceDims.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {

AffineMap getProjectionMap(MLIRContext *ctx, ArrayRef<bool> keep) {
  SmallVector<AffineExpr> exprs;
  for (size_t d = 0; d < keep.size(); ++d)
    if (keep[d])
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(keep.size(), 0, exprs, ctx);
}

Value reduceDims(OpBuilder &b, Location loc, Value input, ArrayRef<bool> reduced,
                 ValueRange keptInputs, Value init,
                 function_ref<Value(OpBuilder &, Location, Value, ValueRange, Value)> body) {
  MLIRContext *ctx = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<bool> keep;
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < inputType.getRank(); ++d) {
    keep.push_back(!reduced[d]);
    iterators.push_back(reduced[d] ? utils::IteratorType::reduction
                                   : utils::IteratorType::parallel);
    if (reduced[d])
      continue;
    shape.push_back(inputType.getDimSize(d));
    if (inputType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, input, d));
  }
  auto resultType = RankedTensorType::get(shape, init.getType());
  Value acc = fill(b, loc, createEmpty(b, loc, resultType, dynamicSizes), init);
  AffineMap projection = getProjectionMap(ctx, keep);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(inputType.getRank())};
  SmallVector<Value> inputs{input};
  for (Value kept : keptInputs) {
    maps.push_back(projection);
    inputs.push_back(kept);
  }
  maps.push_back(projection);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs, ValueRange{acc}, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value next =
                   body(nb, nloc, args.front(), args.slice(1, keptInputs.size()), args.back());
               linalg::YieldOp::create(nb, nloc, next);
             })
      .getResult(0);
}

Value getElementCount(OpBuilder &b, Location loc, Value input, ArrayRef<bool> selected, Type type) {
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t staticCount = 1;
  Value dynamicCount;
  for (int64_t d = 0; d < inputType.getRank(); ++d) {
    if (!selected[d])
      continue;
    if (!inputType.isDynamicDim(d)) {
      staticCount *= inputType.getDimSize(d);
      continue;
    }
    Value size = tensor::DimOp::create(b, loc, input, d);
    dynamicCount = dynamicCount ? Value(arith::MulIOp::create(b, loc, dynamicCount, size)) : size;
  }
  if (!dynamicCount)
    return createScalarConstant(b, loc, type, static_cast<double>(staticCount));
  dynamicCount = arith::MulIOp::create(b, loc, dynamicCount,
                                       arith::ConstantIndexOp::create(b, loc, staticCount));
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), dynamicCount);
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

} // namespace kiln::conversion
