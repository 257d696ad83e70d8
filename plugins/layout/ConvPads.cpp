//===- ConvPads.cpp - ONNX auto_pad resolved to explicit pads ---------------===//

#include "plugins/layout/ConvPads.h"

#include <algorithm>

namespace kiln::layout {

llvm::SmallVector<int64_t> samePads(bool upper, llvm::ArrayRef<int64_t> in,
                                    llvm::ArrayRef<int64_t> kernel,
                                    llvm::ArrayRef<int64_t> strides,
                                    llvm::ArrayRef<int64_t> dilations) {
  int64_t spatial = in.size();
  llvm::SmallVector<int64_t> pads(2 * spatial, 0);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t out = (in[i] + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(
        0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in[i]);
    pads[i] = upper ? total / 2 : total - total / 2;
    pads[spatial + i] = total - pads[i];
  }
  return pads;
}

} // namespace kiln::layout
