//===- KernelHelpers.cpp - Index arithmetic, vector access, epilogues ----===//
//
// The pieces every register-tiled kernel (MicroKernel.cpp, DepthwiseKernel.cpp, ...)
// emits code with: an affine index expression as arith ops, a delinearized row, plain or
// masked vector loads and stores, and the fused elementwise epilogue cloned on vectors.
// Declared in Contraction.h.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace kiln::cpu {

Value emitIndex(OpBuilder &b, Location loc, AffineExpr e, ArrayRef<Value> iv) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return iv[d.getPosition()];
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return arith::ConstantIndexOp::create(b, loc, c.getValue());
  auto bin = cast<AffineBinaryOpExpr>(e);
  Value lhs = emitIndex(b, loc, bin.getLHS(), iv), rhs = emitIndex(b, loc, bin.getRHS(), iv);
  switch (bin.getKind()) {
  case AffineExprKind::Add:
    return arith::AddIOp::create(b, loc, lhs, rhs);
  case AffineExprKind::Mul:
    return arith::MulIOp::create(b, loc, lhs, rhs);
  // Only an epilogue's output map splits rows, by positive constants, of indices >= 0.
  case AffineExprKind::FloorDiv:
    return arith::DivUIOp::create(b, loc, lhs, rhs);
  case AffineExprKind::Mod:
    return arith::RemUIOp::create(b, loc, lhs, rhs);
  default:
    llvm_unreachable("the matchers admit only +, *, and floordiv/mod by constants");
  }
}

SmallVector<Value> emitDelinearize(OpBuilder &b, Location loc, Value linear,
                                   ArrayRef<Value> sizes) {
  if (sizes.size() <= 1)
    return SmallVector<Value>(sizes.size(), linear);
  return affine::AffineDelinearizeIndexOp::create(b, loc, linear, ValueRange(sizes))
      .getResults();
}

Value loadVector(OpBuilder &b, Location loc, Value memref, ValueRange idx, int64_t width,
                 Value mask) {
  auto type = VectorType::get({width}, cast<MemRefType>(memref.getType()).getElementType());
  if (!mask)
    return vector::LoadOp::create(b, loc, type, memref, idx);
  Value zero = arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  return vector::MaskedLoadOp::create(b, loc, type, memref, idx, mask, zero);
}

void storeVector(OpBuilder &b, Location loc, Value value, Value memref, ValueRange idx,
                 Value mask) {
  if (!mask)
    vector::StoreOp::create(b, loc, value, memref, idx);
  else
    vector::MaskedStoreOp::create(b, loc, memref, idx, mask, value);
}

Value emitVectorEpilogue(OpBuilder &b, Location loc, const Epilogue &epi, Value acc,
                         unsigned vectorDim, int64_t width, Value mask,
                         llvm::function_ref<SmallVector<Value>(AffineMap)> indices) {
  Block *body = linalg::GenericOp(epi.op).getBody();
  IRMapping map;
  for (auto [q, input] : llvm::enumerate(epi.inputs)) {
    Value arg = body->getArgument(q);
    if (q == epi.cInput) {
      map.map(arg, acc);
      continue;
    }
    AffineMap m = epi.inputMaps[q];
    SmallVector<Value> idx = indices(m);
    if (m.getNumResults() > 0 && m.getResults().back() == b.getAffineDimExpr(vectorDim)) {
      map.map(arg, loadVector(b, loc, input, idx, width, mask));
    } else {
      Value scalar = memref::LoadOp::create(b, loc, input, idx);
      map.map(arg, vector::BroadcastOp::create(
                       b, loc, VectorType::get({width}, scalar.getType()), scalar));
    }
  }
  for (Operation &inner : body->without_terminator()) {
    SmallVector<Value> operands;
    for (Value v : inner.getOperands()) {
      if (Value mapped = map.lookupOrNull(v)) {
        operands.push_back(mapped);
        continue;
      }
      // Defined above the body (a constant): splat it.
      operands.push_back(
          vector::BroadcastOp::create(b, loc, VectorType::get({width}, v.getType()), v));
    }
    OperationState state(loc, inner.getName());
    state.addOperands(operands);
    state.addAttributes(inner.getAttrs());
    for (Type t : inner.getResultTypes())
      state.addTypes(VectorType::get({width}, t));
    Operation *vectorOp = b.create(state);
    map.map(inner.getResults(), vectorOp->getResults());
  }
  return map.lookup(body->getTerminator()->getOperand(0));
}

std::optional<SmallVector<int64_t>> linearCoefficients(AffineExpr expr, unsigned numDims) {
  SmallVector<int64_t> coeffs(numDims, 0);
  std::function<bool(AffineExpr, int64_t)> walk = [&](AffineExpr e, int64_t scale) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) {
      coeffs[d.getPosition()] += scale;
      return true;
    }
    auto bin = dyn_cast<AffineBinaryOpExpr>(e);
    if (!bin)
      return false;
    if (bin.getKind() == AffineExprKind::Add)
      return walk(bin.getLHS(), scale) && walk(bin.getRHS(), scale);
    if (bin.getKind() == AffineExprKind::Mul) {
      if (auto c = dyn_cast<AffineConstantExpr>(bin.getRHS()))
        return walk(bin.getLHS(), scale * c.getValue());
      if (auto c = dyn_cast<AffineConstantExpr>(bin.getLHS()))
        return walk(bin.getRHS(), scale * c.getValue());
    }
    return false;
  };
  if (!walk(expr, 1))
    return std::nullopt;
  return coeffs;
}

} // namespace kiln::cpu
