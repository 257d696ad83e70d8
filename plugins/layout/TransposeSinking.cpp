//===- TransposeSinking.cpp - Shared pieces of kiln-sink-transposes -------===//

#include "plugins/layout/TransposeSinking.h"

#include "kiln/NodeLoc.h"
#include "passes/Folding/Literal.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::layout {

std::optional<SmallVector<int64_t>> transposePerm(Value v, TransposeOp &op) {
  op = v.getDefiningOp<TransposeOp>();
  if (!op)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(op.getData().getType());
  if (!type)
    return std::nullopt;
  if (std::optional<ArrayRef<int64_t>> perm = op.getPerm())
    return SmallVector<int64_t>(*perm);
  SmallVector<int64_t> reversed;
  for (int64_t d = type.getRank() - 1; d >= 0; --d)
    reversed.push_back(d);
  return reversed;
}

Value createTranspose(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return TransposeOp::create(b, loc, TypeRange{resultType}, ValueRange{x},
                             ArrayRef<NamedAttribute>{
                                 b.getNamedAttr("perm", b.getDenseI64ArrayAttr(perm))})
      .getResult();
}

bool isScalarLike(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() && type.getNumElements() == 1;
}

Value createI64Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, b.getI64Type());
  auto value = DenseElementsAttr::get(type, values);
  return ConstantOp::create(b, loc, TypeRange{type}, ValueRange{},
                            ArrayRef<NamedAttribute>{b.getNamedAttr("value", value)})
      .getResult();
}

std::optional<SmallVector<int64_t>> readIntConstant(Value v) {
  std::optional<folding::Literal> lit = folding::isConstant(v) ? folding::readConstant(v)
                                                               : std::nullopt;
  if (!lit || lit->isFloat())
    return std::nullopt;
  return SmallVector<int64_t>(lit->ints.begin(), lit->ints.end());
}

void replaceWithTransposed(PatternRewriter &rewriter, Operation *op, Operation *clone,
                           ArrayRef<int64_t> perm) {
  Location loc = kiln::replacedNodesLoc(op);
  SmallVector<Value> replacements;
  for (Value result : clone->getResults())
    replacements.push_back(createTranspose(rewriter, loc, result, perm));
  rewriter.replaceOp(op, replacements);
}

} // namespace kiln::layout
