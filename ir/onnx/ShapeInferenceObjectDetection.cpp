//===- ShapeInferenceObjectDetection.cpp - Shape inference of detection ops ===//
//
// RoiAlign: one output_height x output_width map per region and channel.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {

/// RoiAlign: R (regions of rois) x C (channels of X) x output_height x output_width.
LogicalResult RoiAlignOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getX().getType());
  SmallVector<int64_t> dims{kDynamic, kDynamic, static_cast<int64_t>(getOutputHeight()),
                            static_cast<int64_t>(getOutputWidth())};
  if (auto rois = getRankedShape(getRois().getType()); rois && rois->size() == 2)
    dims[0] = (*rois)[0];
  else if (auto batch = getRankedShape(getBatchIndices().getType()); batch && batch->size() == 1)
    dims[0] = (*batch)[0];
  if (auto x = getRankedShape(getX().getType()); x && x->size() == 4)
    dims[1] = (*x)[1];
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

} // namespace kiln::onnxir
