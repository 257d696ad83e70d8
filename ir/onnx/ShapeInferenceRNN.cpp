//===- ShapeInferenceRNN.cpp - Shape inference of onnx LSTM, GRU, RNN -----===//
//
// With D directions and hidden size H, X [T, B, I] (layout 0) or [B, T, I] (layout 1):
//   Y        [T, D, B, H]   or [B, T, D, H]
//   Y_h, Y_c [D, B, H]      or [B, D, H]
// H comes from hidden_size, else from R [D, gates * H, H]. An absent output stays none.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

template <typename RecurrentOp>
LogicalResult inferRecurrent(RecurrentOp op, SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(op.getX().getType());
  StringRef direction = op.getDirection();
  int64_t numDirections = direction == "bidirectional" ? 2 : 1;
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return op.emitOpError() << "direction '" << direction
                            << "' is not forward, reverse or bidirectional";
  int64_t layout = op.getLayout();
  if (layout != 0 && layout != 1)
    return op.emitOpError() << "layout " << layout << " is not 0 or 1";
  int64_t hidden = kDynamic;
  if (std::optional<uint64_t> size = op.getHiddenSize())
    hidden = static_cast<int64_t>(*size);
  if (auto r = getRankedShape(op.getR().getType()); r && r->size() == 3) {
    if (!ShapedType::isDynamic((*r)[2]) && !ShapedType::isDynamic(hidden) && (*r)[2] != hidden)
      return op.emitOpError() << "hidden_size " << hidden << " != R's last dim " << (*r)[2];
    if (ShapedType::isDynamic(hidden))
      hidden = (*r)[2];
  }
  int64_t seq = kDynamic, batch = kDynamic;
  if (auto x = getRankedShape(op.getX().getType())) {
    if (x->size() != 3)
      return op.emitOpError() << "X has rank " << x->size() << " != 3";
    seq = (*x)[layout == 0 ? 0 : 1];
    batch = (*x)[layout == 0 ? 1 : 0];
  }
  auto tensor = [&](ArrayRef<int64_t> dims) -> Type {
    return RankedTensorType::get(dims, elem);
  };
  Type y = layout == 0 ? tensor({seq, numDirections, batch, hidden})
                       : tensor({batch, seq, numDirections, hidden});
  Type state = layout == 0 ? tensor({numDirections, batch, hidden})
                           : tensor({batch, numDirections, hidden});
  for (Value result : op->getResults()) {
    if (isa<NoneType>(result.getType()))
      resultTypes.push_back(result.getType());
    else
      resultTypes.push_back(result == op->getResult(0) ? y : state);
  }
  return success();
}

} // namespace

LogicalResult LSTMOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferRecurrent(*this, resultTypes);
}

LogicalResult GRUOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferRecurrent(*this, resultTypes);
}

LogicalResult RNNOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferRecurrent(*this, resultTypes);
}

} // namespace kiln::onnxir
