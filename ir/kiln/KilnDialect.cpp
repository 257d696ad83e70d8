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
  int64_t rank = xType.getRank(), spatial = rank - 2;
  if ((rank != 4 && rank != 5) || wType.getRank() != rank || yType.getRank() != rank)
    return emitOpError() << "x, w and y must all have rank 4 (NHWC) or 5 (NDHWC), got "
                         << xType.getRank() << ", " << wType.getRank() << " and "
                         << yType.getRank();
  if (static_cast<int64_t>(getStrides().size()) != spatial ||
      static_cast<int64_t>(getDilations().size()) != spatial ||
      static_cast<int64_t>(getPads().size()) != 2 * spatial)
    return emitOpError() << "expects " << spatial << " strides, " << spatial
                         << " dilations and " << 2 * spatial << " pads, got "
                         << getStrides().size() << ", " << getDilations().size() << " and "
                         << getPads().size();
  if (llvm::any_of(getStrides(), [](int64_t s) { return s < 1; }) ||
      llvm::any_of(getDilations(), [](int64_t d) { return d < 1; }) ||
      llvm::any_of(getPads(), [](int64_t p) { return p < 0; }))
    return emitOpError() << "strides and dilations must be >= 1 and pads >= 0";
  int64_t group = getGroup();
  int64_t cg = wType.getDimSize(spatial), m = wType.getDimSize(spatial + 1),
          c = xType.getDimSize(spatial + 1);
  if (group < 1)
    return emitOpError() << "group " << group << " < 1";
  if (!ShapedType::isDynamic(m) && m % group != 0)
    return emitOpError() << "output channels " << m << " are not divisible by group " << group;
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(cg) && c != cg * group)
    return emitOpError() << "input channels " << c << " != " << cg << " * group " << group;
  if (!ShapedType::isDynamic(m) && !yType.isDynamicDim(rank - 1) &&
      yType.getDimSize(rank - 1) != m)
    return emitOpError() << "result channels " << yType.getDimSize(rank - 1) << " != " << m;
  if (Value bias = getBias()) {
    auto bType = cast<RankedTensorType>(bias.getType());
    if (bType.getRank() != 1 ||
        (!bType.isDynamicDim(0) && !ShapedType::isDynamic(m) && bType.getDimSize(0) != m))
      return emitOpError() << "bias type " << bType << " is not [" << m << "]";
  }
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = xType.getDimSize(1 + i), k = wType.getDimSize(i), out = yType.getDimSize(1 + i);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(k) || ShapedType::isDynamic(out))
      continue;
    int64_t span = in + getPads()[i] + getPads()[spatial + i] - (k - 1) * getDilations()[i] - 1;
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
  int64_t rank = xType.getRank(), spatial = rank - 2;
  if ((rank != 4 && rank != 5) || yType.getRank() != rank)
    return emitOpError() << "x and y must both have rank 4 (NHWC) or 5 (NDHWC), got "
                         << xType.getRank() << " and " << yType.getRank();
  if (getKind() != "max" && getKind() != "avg")
    return emitOpError() << "kind must be \"max\" or \"avg\", got \"" << getKind() << "\"";
  if (static_cast<int64_t>(getKernel().size()) != spatial ||
      static_cast<int64_t>(getStrides().size()) != spatial ||
      static_cast<int64_t>(getDilations().size()) != spatial ||
      static_cast<int64_t>(getPads().size()) != 2 * spatial)
    return emitOpError() << "expects " << spatial << " kernel sizes, " << spatial
                         << " strides, " << spatial << " dilations and " << 2 * spatial
                         << " pads";
  if (llvm::any_of(getKernel(), [](int64_t k) { return k < 1; }) ||
      llvm::any_of(getStrides(), [](int64_t s) { return s < 1; }) ||
      llvm::any_of(getDilations(), [](int64_t d) { return d < 1; }) ||
      llvm::any_of(getPads(), [](int64_t p) { return p < 0; }))
    return emitOpError() << "kernel sizes, strides and dilations must be >= 1 and pads >= 0";
  if (!xType.isDynamicDim(rank - 1) && !yType.isDynamicDim(rank - 1) &&
      xType.getDimSize(rank - 1) != yType.getDimSize(rank - 1))
    return emitOpError() << "result channels " << yType.getDimSize(rank - 1)
                         << " != input channels " << xType.getDimSize(rank - 1);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = xType.getDimSize(1 + i), out = yType.getDimSize(1 + i);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out))
      continue;
    int64_t span = in + getPads()[i] + getPads()[spatial + i] -
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
