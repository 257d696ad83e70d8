//===- KilnDialect.cpp - Kiln's own ops -----------------------------------===//

#include "ir/kiln/KilnDialect.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::kilnir;

#include "ir/kiln/KilnDialect.cpp.inc"

void KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/kiln/KilnOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "ir/kiln/KilnOps.cpp.inc"

LogicalResult ConvNhwcOp::verify() {
  auto xType = cast<RankedTensorType>(getX().getType());
  auto wType = cast<RankedTensorType>(getW().getType());
  auto yType = cast<RankedTensorType>(getY().getType());
  if (xType.getRank() != 4 || wType.getRank() != 4 || yType.getRank() != 4)
    return emitOpError() << "x, w and y must have rank 4, got " << xType.getRank() << ", "
                         << wType.getRank() << " and " << yType.getRank();
  if (getStrides().size() != 2 || getDilations().size() != 2 || getPads().size() != 4)
    return emitOpError() << "expects 2 strides, 2 dilations and 4 pads, got "
                         << getStrides().size() << ", " << getDilations().size() << " and "
                         << getPads().size();
  if (llvm::any_of(getStrides(), [](int64_t s) { return s < 1; }) ||
      llvm::any_of(getDilations(), [](int64_t d) { return d < 1; }) ||
      llvm::any_of(getPads(), [](int64_t p) { return p < 0; }))
    return emitOpError() << "strides and dilations must be >= 1 and pads >= 0";
  int64_t group = getGroup();
  int64_t cg = wType.getDimSize(2), m = wType.getDimSize(3), c = xType.getDimSize(3);
  if (group < 1)
    return emitOpError() << "group " << group << " < 1";
  if (!ShapedType::isDynamic(m) && m % group != 0)
    return emitOpError() << "output channels " << m << " are not divisible by group " << group;
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(cg) && c != cg * group)
    return emitOpError() << "input channels " << c << " != " << cg << " * group " << group;
  if (!ShapedType::isDynamic(m) && !yType.isDynamicDim(3) && yType.getDimSize(3) != m)
    return emitOpError() << "result channels " << yType.getDimSize(3) << " != " << m;
  if (Value bias = getBias()) {
    auto bType = cast<RankedTensorType>(bias.getType());
    if (bType.getRank() != 1 ||
        (!bType.isDynamicDim(0) && !ShapedType::isDynamic(m) && bType.getDimSize(0) != m))
      return emitOpError() << "bias type " << bType << " is not [" << m << "]";
  }
  for (int64_t i = 0; i < 2; ++i) {
    int64_t in = xType.getDimSize(1 + i), k = wType.getDimSize(i), out = yType.getDimSize(1 + i);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k) || ShapedType::isDynamic(out))
      continue;
    int64_t span = in + getPads()[i] + getPads()[2 + i] - (k - 1) * getDilations()[i] - 1;
    int64_t want = span < 0 ? 0 : span / getStrides()[i] + 1;
    if (out != want)
      return emitOpError() << "result spatial dim " << i << " is " << out << ", expected "
                           << want;
  }
  return success();
}

LogicalResult PoolNhwcOp::verify() {
  auto xType = cast<RankedTensorType>(getX().getType());
  auto yType = cast<RankedTensorType>(getY().getType());
  if (xType.getRank() != 4 || yType.getRank() != 4)
    return emitOpError() << "x and y must have rank 4, got " << xType.getRank() << " and "
                         << yType.getRank();
  if (getKind() != "max" && getKind() != "avg")
    return emitOpError() << "kind must be \"max\" or \"avg\", got \"" << getKind() << "\"";
  if (getKernel().size() != 2 || getStrides().size() != 2 || getDilations().size() != 2 ||
      getPads().size() != 4)
    return emitOpError() << "expects 2 kernel sizes, 2 strides, 2 dilations and 4 pads";
  if (llvm::any_of(getKernel(), [](int64_t k) { return k < 1; }) ||
      llvm::any_of(getStrides(), [](int64_t s) { return s < 1; }) ||
      llvm::any_of(getDilations(), [](int64_t d) { return d < 1; }) ||
      llvm::any_of(getPads(), [](int64_t p) { return p < 0; }))
    return emitOpError() << "kernel sizes, strides and dilations must be >= 1 and pads >= 0";
  if (!xType.isDynamicDim(3) && !yType.isDynamicDim(3) &&
      xType.getDimSize(3) != yType.getDimSize(3))
    return emitOpError() << "result channels " << yType.getDimSize(3) << " != input channels "
                         << xType.getDimSize(3);
  for (int64_t i = 0; i < 2; ++i) {
    int64_t in = xType.getDimSize(1 + i), out = yType.getDimSize(1 + i);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out))
      continue;
    int64_t span = in + getPads()[i] + getPads()[2 + i] -
                   (getKernel()[i] - 1) * getDilations()[i] - 1;
    int64_t want = span < 0 ? 0 : span / getStrides()[i] + 1;
    if (out != want)
      return emitOpError() << "result spatial dim " << i << " is " << out << ", expected "
                           << want;
  }
  return success();
}

LogicalResult CheckOp::verify() {
  int32_t code = getCode();
  if (code != kCheckShape && code != kCheckMemory && code != kCheckIndex &&
      code != kCheckArithmetic)
    return emitOpError() << "code " << code
                         << " is not an error status of kiln/model_abi.h (1, 2, 4 or 5)";
  StringRef message = getMessage();
  size_t placeholders = 0;
  for (size_t at = message.find("{}"); at != StringRef::npos; at = message.find("{}", at + 2))
    ++placeholders;
  if (placeholders > 2)
    return emitOpError() << "message has " << placeholders << " '{}' placeholders, at most 2";
  return success();
}
