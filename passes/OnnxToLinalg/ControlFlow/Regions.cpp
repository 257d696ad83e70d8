//===- Regions.cpp - Moving ONNX subgraphs into scf ops -------------------===//

#include "passes/OnnxToLinalg/ControlFlow/Regions.h"
#include "passes/OnnxToLinalg/Support/SequenceValue.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {

Value adapt(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  auto from = cast<RankedTensorType>(value.getType());
  auto to = cast<RankedTensorType>(type);
  if (from.getElementType() != to.getElementType()) {
    auto reinterpreted = RankedTensorType::get(from.getShape(), to.getElementType());
    value = UnrealizedConversionCastOp::create(b, loc, TypeRange{reinterpreted}, value)
                .getResult(0);
  }
  return castTo(b, loc, value, type);
}

FailureOr<SmallVector<Type>> convertRanked(const TypeConverter &converter, TypeRange types) {
  SmallVector<Type> result;
  for (Type type : types) {
    auto converted = dyn_cast_or_null<RankedTensorType>(converter.convertType(type));
    if (!converted)
      return failure();
    result.push_back(converted);
  }
  return result;
}

YieldOp mergeBody(ConversionPatternRewriter &rewriter, Location loc, Region &region, Block *dest,
                  ValueRange args) {
  Block &body = region.front();
  SmallVector<Value> replacements;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToEnd(dest);
  for (auto [arg, value] : llvm::zip(body.getArguments(), args))
    replacements.push_back(adapt(rewriter, loc, value, arg.getType()));
  auto yield = cast<YieldOp>(body.getTerminator());
  rewriter.mergeBlocks(&body, dest, replacements);
  return yield;
}

/// The lowered types of each output: one ranked tensor, or the two of a sequence.
FailureOr<SmallVector<SmallVector<Type, 2>>> convertValueTypes(const TypeConverter &converter,
                                                               TypeRange types) {
  SmallVector<SmallVector<Type, 2>> result;
  for (Type type : types) {
    if (isa<SeqType>(type)) {
      RankedTensorType element = getSequenceElementType(converter, type);
      if (!element)
        return failure();
      result.push_back(getPackedSequenceTypes(element));
      continue;
    }
    auto converted = dyn_cast_or_null<RankedTensorType>(converter.convertType(type));
    if (!converted)
      return failure();
    result.push_back({converted});
  }
  return result;
}

/// Every body argument and yielded value is a ranked tensor or a sequence of them.
bool hasRankedOrSequenceBody(Region &region) {
  auto ok = [](Type type) {
    if (auto seq = dyn_cast<SeqType>(type))
      type = seq.getElementType();
    return isa<RankedTensorType>(type);
  };
  Block &body = region.front();
  return llvm::all_of(body.getArgumentTypes(), ok) &&
         llvm::all_of(body.getTerminator()->getOperandTypes(), ok);
}

bool hasRankedBody(Region &region) {
  Block &body = region.front();
  auto ranked = [](Type type) { return isa<RankedTensorType>(type); };
  return llvm::all_of(body.getArgumentTypes(), ranked) &&
         llvm::all_of(body.getTerminator()->getOperandTypes(), ranked);
}

} // namespace kiln::conversion
