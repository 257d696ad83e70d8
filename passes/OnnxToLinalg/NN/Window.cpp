//===- Window.cpp - Sliding windows of Conv and the pooling ops -----------===//

#include "passes/OnnxToLinalg/NN/Window.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace kiln::conversion {

bool Window::isPadded() const {
  for (size_t i = 0; i < kernel.size(); ++i)
    if (padBegin[i] || padEnd[i] || extraEnd[i] || runtimeSamePads[i])
      return true;
  return false;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

FailureOr<Window> getWindow(ConversionPatternRewriter &rewriter, Operation *op,
                            RankedTensorType inputType, ArrayRef<int64_t> kernel, bool ceilMode) {
  int64_t n = kernel.size();
  if (inputType.getRank() != n + 2)
    return reject(rewriter, op, "the input rank does not match the kernel rank + 2");
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  // Reads an INTS attribute of `size` entries, or `fallback` in each if it is absent.
  auto readInts = [&](StringRef name, size_t size, int64_t fallback,
                      SmallVector<int64_t> &out) -> LogicalResult {
    auto attr = op->getAttrOfType<DenseI64ArrayAttr>(name);
    if (!attr) {
      out.assign(size, fallback);
      return success();
    }
    if (attr.size() != static_cast<int64_t>(size))
      return reject(rewriter, op,
                    "'" + Twine(name) + "' has " + Twine(attr.size()) + " entries, expected " +
                        Twine(size));
    out.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
    return success();
  };
  SmallVector<int64_t> pads;
  if (failed(readInts("strides", n, 1, w.strides)) ||
      failed(readInts("dilations", n, 1, w.dilations)) || failed(readInts("pads", 2 * n, 0, pads)))
    return failure();
  for (int64_t i = 0; i < n; ++i)
    if (w.strides[i] < 1 || w.dilations[i] < 1 || w.kernel[i] < 1 || pads[i] < 0 || pads[n + i] < 0)
      return reject(rewriter, 
          op, "strides, dilations and kernel sizes must be positive and pads non-negative");

  StringRef autoPad = "NOTSET";
  if (auto attr = op->getAttrOfType<StringAttr>("auto_pad"))
    autoPad = attr.getValue();
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (!same && autoPad != "NOTSET" && autoPad != "VALID")
    return reject(rewriter, op, "unknown auto_pad '" + autoPad.str() + "'");

  w.sameUpper = autoPad == "SAME_UPPER";
  for (int64_t i = 0; i < n; ++i) {
    int64_t in = inputType.getDimSize(i + 2);
    bool runtimePads = false;
    int64_t s = w.strides[i];
    int64_t effective = (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t begin = pads[i], end = pads[n + i];
    if (autoPad == "VALID") {
      begin = end = 0;
    } else if (same) {
      // The total pad makes out = ceil(in / stride); with stride 1 it does not depend on
      // the input size, so dynamic spatial dims work there.
      int64_t total;
      if (s == 1) {
        total = effective - 1;
      } else if (ShapedType::isDynamic(in)) {
        total = 0;
        runtimePads = true; // padSpatial computes them
      } else {
        total = std::max<int64_t>(0, (ceilDiv(in, s) - 1) * s + effective - in);
      }
      // SAME_UPPER puts the odd extra pad at the end, SAME_LOWER at the beginning.
      begin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end = total - begin;
    }
    w.padBegin.push_back(begin);
    w.padEnd.push_back(end);
    w.runtimeSamePads.push_back(runtimePads);

    if (ShapedType::isDynamic(in)) {
      if (ceilMode && runtimePads)
        return reject(rewriter, op, "ceil_mode with auto_pad SAME needs static spatial sizes");
      w.runtimeCeil.push_back(ceilMode);
      w.extraEnd.push_back(ceilMode ? s - 1 : 0);
      w.outSizes.push_back(ShapedType::kDynamic);
      continue;
    }
    w.runtimeCeil.push_back(false);
    int64_t span = in + begin + end - effective;
    if (span < 0)
      return reject(rewriter, op, "the window is larger than the padded input");
    int64_t out = ceilMode ? ceilDiv(span, s) + 1 : span / s + 1;
    // A window that would start in the end padding is dropped (ONNX and PyTorch agree).
    if (ceilMode && (out - 1) * s >= in + begin)
      --out;
    w.outSizes.push_back(out);
    w.extraEnd.push_back(std::max<int64_t>(0, (out - 1) * s + effective - (in + begin + end)));
  }
  return w;
}

/// ceil(in / stride) for the run-time SAME pads.
static Value sameOutSize(OpBuilder &b, Location loc, Value in, int64_t stride) {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  return arith::DivUIOp::create(b, loc, arith::AddIOp::create(b, loc, in, cst(stride - 1)),
                                cst(stride));
}

std::pair<Value, Value> spatialPads(OpBuilder &b, Location loc, Value input,
                                    const Window &window, int64_t i) {
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  if (!window.runtimeSamePads[i])
    return {cst(window.padBegin[i]), cst(window.padEnd[i])};
  // total = max(0, (ceil(in / s) - 1) * s + effective - in); SAME_UPPER puts the odd one
  // at the end.
  int64_t s = window.strides[i];
  int64_t effective = (window.kernel[i] - 1) * window.dilations[i] + 1;
  Value in = tensor::DimOp::create(b, loc, input, i + 2);
  Value out = sameOutSize(b, loc, in, s);
  Value covered = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, out, cst(1)), cst(s)),
      cst(effective));
  Value total =
      arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, covered, in), cst(0));
  Value half = arith::DivUIOp::create(b, loc, total, cst(2));
  Value begin = window.sameUpper ? half : Value(arith::SubIOp::create(b, loc, total, half));
  return {begin, arith::SubIOp::create(b, loc, total, begin)};
}

Value padSpatial(OpBuilder &b, Location loc, Value input, const Window &window, Value padValue) {
  if (!window.isPadded())
    return input;
  SmallVector<OpFoldResult> low(2, b.getIndexAttr(0)), high(2, b.getIndexAttr(0));
  for (size_t i = 0; i < window.kernel.size(); ++i) {
    if (!window.runtimeSamePads[i]) {
      low.push_back(b.getIndexAttr(window.padBegin[i]));
      high.push_back(b.getIndexAttr(window.padEnd[i] + window.extraEnd[i]));
      continue;
    }
    auto [begin, end] = spatialPads(b, loc, input, window, i);
    low.push_back(begin);
    high.push_back(end);
  }
  return tensor::PadOp::create(b, loc, Type(), input, low, high, padValue);
}

Value createWindowOutput(OpBuilder &b, Location loc, Operation *node, RankedTensorType resultType,
                         Value input, OpFoldResult channels, const Window &window,
                         Value fillValue) {
  SmallVector<Value> dynamicSizes;
  auto inputType = cast<RankedTensorType>(input.getType());
  for (int64_t d = 0; d < resultType.getRank(); ++d) {
    // A static output dim over a dynamic input dim is a promise of shape inference (or
    // value_info) that the kernel, which reads the input through the window, relies on.
    bool dynamicIn = d == 1 ? !getConstantIntValue(channels).has_value()
                            : d < inputType.getRank() && inputType.isDynamicDim(d);
    if (!resultType.isDynamicDim(d) && !dynamicIn)
      continue;
    OpFoldResult want;
    if (d == 0) {
      want = tensor::getMixedSize(b, loc, input, 0);
    } else if (d == 1) {
      want = channels;
    } else {
      // out = (in + padBegin + padEnd - effectiveKernel) floordiv stride + 1
      int64_t i = d - 2;
      int64_t effective = (window.kernel[i] - 1) * window.dilations[i] + 1;
      Value in = tensor::DimOp::create(b, loc, input, d);
      auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
      if (window.runtimeSamePads[i]) {
        want = OpFoldResult(sameOutSize(b, loc, in, window.strides[i]));
        if (resultType.isDynamicDim(d))
          dynamicSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, want));
        else
          checkSizesEqual(b, loc, node, want, b.getIndexAttr(resultType.getDimSize(d)),
                          "the input implies size {} in dim " + Twine(d) +
                              " of the output where the model's shapes imply {}");
        continue;
      }
      if (window.runtimeCeil[i]) {
        // out = ceil(span / stride) + 1, less the last window if it would start in the
        // end padding (as getWindow does for static sizes).
        int64_t s = window.strides[i];
        Value span = arith::AddIOp::create(
            b, loc, in, cst(window.padBegin[i] + window.padEnd[i] - effective));
        Value out = arith::AddIOp::create(
            b, loc, arith::CeilDivSIOp::create(b, loc, span, cst(s)), cst(1));
        Value lastStart = arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, out, cst(1)),
                                                cst(s));
        Value inPads = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::sge, lastStart,
            arith::AddIOp::create(b, loc, in, cst(window.padBegin[i])));
        want = OpFoldResult(
            arith::SelectOp::create(b, loc, inPads, arith::SubIOp::create(b, loc, out, cst(1)), out)
                .getResult());
      } else {
        Value span = arith::AddIOp::create(
            b, loc, in, cst(window.padBegin[i] + window.padEnd[i] + window.extraEnd[i] - effective));
        Value out = arith::DivSIOp::create(b, loc, span, cst(window.strides[i]));
        want = OpFoldResult(arith::AddIOp::create(b, loc, out, cst(1)).getResult());
      }
    }
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, want));
    else
      checkSizesEqual(b, loc, node, want, b.getIndexAttr(resultType.getDimSize(d)),
                      "the input implies size {} in dim " + Twine(d) +
                          " of the output where the model's shapes imply {}");
  }
  Value empty = createEmpty(b, loc, resultType, dynamicSizes);
  return fillValue ? fill(b, loc, empty, fillValue) : empty;
}

DenseIntElementsAttr getI64VectorAttr(OpBuilder &b, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, b.getI64Type());
  return DenseIntElementsAttr::get(type, values);
}

} // namespace kiln::conversion
