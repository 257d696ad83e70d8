//===- RecurrentKernels.cpp - Tensor building blocks of LSTM, GRU, RNN ----===//
//
// Weights as [K, N] (folded at compile time for f32 constants), the biases, the input
// projection, the per-step matmul and the [B, H] gate generic.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/RNN/Recurrence.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

SmallVector<OpFoldResult> ones(OpBuilder &b, int64_t n) {
  return SmallVector<OpFoldResult>(n, b.getIndexAttr(1));
}

Value zeroFilled(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamicSizes) {
  Value zero = createScalarConstant(b, loc, type.getElementType(), 0.0);
  return fill(b, loc, createEmpty(b, loc, type, dynamicSizes), zero);
}

/// out = in + bias[n] over the last dim (an epilogue the CPU backend fuses into the
/// matmul before it).
Value addBias(OpBuilder &b, Location loc, Value in, Value bias) {
  auto type = cast<RankedTensorType>(in.getType());
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap last = AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{in, bias},
             ValueRange{createEmptyLike(b, loc, type, in)},
             SmallVector<AffineMap>{identity, last, identity}, iterators,
             [](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l,
                                       ValueRange{arith::AddFOp::create(nb, l, args[0], args[1])});
             })
      .getResult(0);
}

} // namespace

Value weightsAsKN(OpBuilder &b, Location loc, Value w, int64_t d0, int64_t dc, int64_t n0,
                  int64_t nc) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t k = wType.getDimSize(2), n = wType.getDimSize(1);
  auto type = RankedTensorType::get({k, dc * nc}, wType.getElementType());
  if (std::optional<std::vector<float>> data = constantF32(w)) {
    std::vector<float> out(k * dc * nc);
    for (int64_t j = 0; j < dc; ++j)
      for (int64_t r = 0; r < nc; ++r)
        for (int64_t c = 0; c < k; ++c)
          out[c * dc * nc + j * nc + r] = (*data)[((d0 + j) * n + n0 + r) * k + c];
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, ArrayRef<float>(out)));
  }
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(d0), b.getIndexAttr(n0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(dc), b.getIndexAttr(nc), b.getIndexAttr(k)};
  Value slice = tensor::ExtractSliceOp::create(b, loc, w, offsets, sizes, ones(b, 3));
  auto transposedType = RankedTensorType::get({k, dc, nc}, wType.getElementType());
  Value transposed =
      linalg::TransposeOp::create(b, loc, slice, createEmpty(b, loc, transposedType, {}),
                                  SmallVector<int64_t>{2, 0, 1})
          ->getResult(0);
  return tensor::CollapseShapeOp::create(b, loc, type, transposed,
                                         SmallVector<ReassociationIndices>{{0}, {1, 2}});
}

Value projectionBias(OpBuilder &b, Location loc, const RecurrenceSpec &spec, Value bias,
                     int64_t rColumns) {
  if (isa<NoneType>(bias.getType()))
    return Value();
  int64_t d = spec.numDirections, gh = spec.gateWidth();
  auto half = [&](int64_t col) {
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(col)};
    SmallVector<OpFoldResult> sizes{b.getIndexAttr(d), b.getIndexAttr(gh)};
    return Value(tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({d, gh}, spec.elementType), bias, offsets, sizes,
        ones(b, 2)));
  };
  Value wb = half(0), rb = half(gh);
  auto type = RankedTensorType::get({d, gh}, spec.elementType);
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  Value sum = linalg::GenericOp::create(
                  b, loc, TypeRange{type}, ValueRange{wb, rb},
                  ValueRange{createEmpty(b, loc, type, {})},
                  SmallVector<AffineMap>(3, identity), iterators,
                  [&](OpBuilder &nb, Location l, ValueRange args) {
                    Value r = args[1];
                    if (rColumns < gh) {
                      Value col = linalg::IndexOp::create(nb, l, 1);
                      Value inR = arith::CmpIOp::create(
                          nb, l, arith::CmpIPredicate::slt, col,
                          arith::ConstantIndexOp::create(nb, l, rColumns));
                      r = arith::SelectOp::create(
                          nb, l, inR, r, createScalarConstant(nb, l, spec.elementType, 0.0));
                    }
                    linalg::YieldOp::create(nb, l,
                                            ValueRange{arith::AddFOp::create(nb, l, args[0], r)});
                  })
                  .getResult(0);
  return tensor::CollapseShapeOp::create(b, loc,
                                         RankedTensorType::get({d * gh}, spec.elementType), sum,
                                         SmallVector<ReassociationIndices>{{0, 1}});
}

Value projectInputs(OpBuilder &b, Location loc, Value x, Value wKN, Value bias) {
  auto xType = cast<RankedTensorType>(x.getType());
  int64_t n = cast<RankedTensorType>(wKN.getType()).getDimSize(1);
  Type elementType = xType.getElementType();
  int64_t a0 = xType.getDimSize(0), a1 = xType.getDimSize(1);
  auto resultType = RankedTensorType::get({a0, a1, n}, elementType);
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < 2; ++d)
    if (xType.isDynamicDim(d))
      dynamic.push_back(getDimValue(b, loc, x, d));
  if (dynamic.size() <= 1) {
    // [A0, A1, I] -> [A0 * A1, I]: a plain linalg.matmul.
    SmallVector<ReassociationIndices> groups{{0, 1}, {2}};
    Value rows = tensor::CollapseShapeOp::create(b, loc, x, groups);
    auto type2 = RankedTensorType::get(
        {cast<RankedTensorType>(rows.getType()).getDimSize(0), n}, elementType);
    SmallVector<Value> dynamic2;
    if (type2.isDynamicDim(0))
      dynamic2.push_back(getDimValue(b, loc, rows, 0));
    Value product = linalg::MatmulOp::create(b, loc, TypeRange{type2}, ValueRange{rows, wKN},
                                             zeroFilled(b, loc, type2, dynamic2))
                        .getResult(0);
    if (bias)
      product = addBias(b, loc, product, bias);
    SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, x, 0),
                                    tensor::getMixedSize(b, loc, x, 1), b.getIndexAttr(n)};
    return expandShape(b, loc, resultType, product, groups, sizes);
  }
  // Both dims dynamic: a contraction generic over (a0, a1, n, k), which the CPU backend
  // also treats as one matmul of a0 * a1 rows (no reshape with two dynamic dims).
  MLIRContext *ctx = b.getContext();
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(4, 0, {dim(0), dim(1), dim(3)}, ctx),
                              AffineMap::get(4, 0, {dim(3), dim(2)}, ctx),
                              AffineMap::get(4, 0, {dim(0), dim(1), dim(2)}, ctx)};
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value product = linalg::GenericOp::create(b, loc, TypeRange{resultType}, ValueRange{x, wKN},
                                            ValueRange{zeroFilled(b, loc, resultType, dynamic)},
                                            maps, iterators, yieldMulAdd)
                      .getResult(0);
  return bias ? addBias(b, loc, product, bias) : product;
}

Value columns(OpBuilder &b, Location loc, Value t, int64_t col, int64_t width) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(col)};
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, t, 0), b.getIndexAttr(width)};
  auto sliceType = RankedTensorType::get({type.getDimSize(0), width}, type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, sliceType, t, offsets, sizes, ones(b, 2));
}

Value directionVector(OpBuilder &b, Location loc, Value t, int64_t d, int64_t begin,
                      int64_t size) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(d), b.getIndexAttr(begin)};
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), b.getIndexAttr(size)};
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({size}, type.getElementType()), t, offsets, sizes,
      ones(b, 2));
}

Value matmulInto(OpBuilder &b, Location loc, Value lhs, Value rhs, Value acc) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  int64_t n = cast<RankedTensorType>(rhs.getType()).getDimSize(1);
  auto type = RankedTensorType::get({lhsType.getDimSize(0), n}, lhsType.getElementType());
  if (!acc) {
    SmallVector<Value> dynamic;
    if (type.isDynamicDim(0))
      dynamic.push_back(getDimValue(b, loc, lhs, 0));
    acc = zeroFilled(b, loc, type, dynamic);
  }
  return linalg::MatmulOp::create(b, loc, TypeRange{type}, ValueRange{lhs, rhs}, acc)
      .getResult(0);
}

SmallVector<Value> buildCellGeneric(OpBuilder &b, Location loc, Value like, ValueRange inputs,
                                    int64_t numResults, const ScalarBody &body) {
  auto type = cast<RankedTensorType>(like.getType());
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap column = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(cast<RankedTensorType>(input.getType()).getRank() == 1 ? column : identity);
  maps.append(numResults, identity);
  SmallVector<Value> inits;
  for (int64_t i = 0; i < numResults; ++i)
    inits.push_back(createEmptyLike(b, loc, type, like));
  SmallVector<Type> types(numResults, type);
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, types, inputs, inits, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args.take_front(inputs.size())));
      });
  return SmallVector<Value>(generic.getResults());
}

} // namespace kiln::conversion
