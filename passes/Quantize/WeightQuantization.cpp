//===- WeightQuantization.cpp - Compile-time int8 weights -----------------===//

#include "passes/Quantize/WeightQuantization.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;

namespace kiln::quantize {
namespace {

/// Row-major strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// For each element of a tensor of `shape`, the row-major index of its channel in the
/// tensor of `shape` with `reducedDims` set to 1.
std::vector<int64_t> channelIndices(ArrayRef<int64_t> shape, ArrayRef<int64_t> reducedDims,
                                    SmallVectorImpl<int64_t> &channelShape) {
  channelShape.assign(shape.begin(), shape.end());
  for (int64_t d : reducedDims)
    channelShape[d] = 1;
  SmallVector<int64_t> strides = stridesOf(shape), channelStrides = stridesOf(channelShape);
  for (int64_t d : reducedDims)
    channelStrides[d] = 0;
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  std::vector<int64_t> channel(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = 0;
    for (auto [size, stride, channelStride] : llvm::zip(shape, strides, channelStrides))
      c += (i / stride) % size * channelStride;
    channel[i] = c;
  }
  return channel;
}

} // namespace

QuantizedWeight quantizeWeight(const folding::Literal &weight, ArrayRef<int64_t> reducedDims) {
  MLIRContext *ctx = weight.elementType.getContext();
  SmallVector<int64_t> scaleShape;
  std::vector<int64_t> channel = channelIndices(weight.shape, reducedDims, scaleShape);

  QuantizedWeight q;
  q.scales = folding::Literal::zeros(scaleShape, Float32Type::get(ctx));
  std::vector<float> absMax(q.scales.numElements(), 0.0f);
  for (auto [i, w] : llvm::enumerate(weight.floats))
    absMax[channel[i]] = std::max(absMax[channel[i]], std::fabs(static_cast<float>(w)));
  for (auto [s, m] : llvm::zip(q.scales.floats, absMax))
    s = m > 0 ? static_cast<double>(m / 127.0f) : 1.0;

  q.values = folding::Literal::zeros(weight.shape, IntegerType::get(ctx, 8));
  double signal = 0, noise = 0;
  for (auto [i, w] : llvm::enumerate(weight.floats)) {
    float scale = static_cast<float>(q.scales.floats[channel[i]]);
    float v = std::nearbyint(static_cast<float>(w) / scale); // ties to even
    v = std::clamp(v, -127.0f, 127.0f);
    q.values.ints[i] = static_cast<int64_t>(v);
    double error = w - static_cast<double>(v) * scale;
    signal += w * w;
    noise += error * error;
  }
  q.sqnrDb = noise > 0 ? 10 * std::log10(signal / noise)
                       : std::numeric_limits<double>::infinity();
  return q;
}

folding::Literal transposeLastTwo(const folding::Literal &lit) {
  size_t rank = lit.shape.size();
  folding::Literal out = lit;
  std::swap(out.shape[rank - 1], out.shape[rank - 2]);
  int64_t rows = lit.shape[rank - 2], cols = lit.shape[rank - 1], plane = rows * cols;
  for (int64_t base = 0; base < lit.numElements(); base += plane)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        int64_t from = base + r * cols + c, to = base + c * rows + r;
        if (lit.isFloat())
          out.floats[to] = lit.floats[from];
        else
          out.ints[to] = lit.ints[from];
      }
  return out;
}

} // namespace kiln::quantize
