//===- ConvPads.h - ONNX auto_pad resolved to explicit pads -----*- C++ -*-===//
//
// The layout plugin's convolution rewrites (ConvertLayoutNhwc.cpp for Conv,
// ConvIntegerNhwc.cpp for ConvInteger) take explicit pads; this is ONNX's SAME_UPPER /
// SAME_LOWER rule that gives them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PLUGINS_LAYOUT_CONVPADS_H
#define KILN_PLUGINS_LAYOUT_CONVPADS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace kiln::layout {

/// The pads [begin..., end...] that auto_pad "SAME_UPPER" or "SAME_LOWER" (`upper`)
/// gives a window of `kernel`, `strides` and `dilations` over the spatial sizes `in`: the
/// output has ceil(in / stride) positions, and the odd pad goes at the end (UPPER) or the
/// beginning (LOWER). With stride 1 the total is the dilated kernel's extent less 1 for
/// any size, so a size may then be unknown (any value, e.g. 0).
llvm::SmallVector<int64_t> samePads(bool upper, llvm::ArrayRef<int64_t> in,
                                    llvm::ArrayRef<int64_t> kernel,
                                    llvm::ArrayRef<int64_t> strides,
                                    llvm::ArrayRef<int64_t> dilations);

} // namespace kiln::layout

#endif // KILN_PLUGINS_LAYOUT_CONVPADS_H
