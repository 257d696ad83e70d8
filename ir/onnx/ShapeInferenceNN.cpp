//===- ShapeInferenceNN.cpp - Shape inference of onnx NN ops --------------===//
//
// Convolution (and DeformConv), pooling (and LpPool, MaxUnpool), Col2Im, normalization,
// attention, Dropout, Flatten and Shrink.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// The shape of `value` padded to `rank` unknown dimensions when it is unranked.
SmallVector<int64_t> shapeOrDynamic(Value value, int64_t rank) {
  if (auto shape = getRankedShape(value.getType()))
    return SmallVector<int64_t>(*shape);
  return SmallVector<int64_t>(rank, kDynamic);
}

/// Type of an optional result: `none` stays `none`, otherwise `type`.
Type optionalResult(Value result, Type type) {
  return isa<NoneType>(result.getType()) ? result.getType() : type;
}

/// Shared by MaxPool and AveragePool: Y is [N, C, windows...]. The spatial rank
/// comes from kernel_shape, so an unranked X still gives a ranked Y.
template <typename PoolOp> FailureOr<TensorType> inferPool(PoolOp op) {
  Type elem = getTensorElementType(op.getX().getType());
  ArrayRef<int64_t> kernel = op.getKernelShape();
  int64_t rank = kernel.size() + 2;
  SmallVector<int64_t> x = shapeOrDynamic(op.getX(), rank);
  if (static_cast<int64_t>(x.size()) != rank)
    return op.emitOpError() << "input rank " << x.size() << " != 2 + kernel_shape size "
                            << kernel.size();
  auto emit = [&] { return op.emitOpError(); };
  WindowParams params;
  if (failed(getWindowParams(rank - 2, kernel, op.getStrides(), op.getDilations(), op.getPads(),
                             op.getAutoPad(), op.getCeilMode() != 0, params, emit)))
    return failure();
  auto spatial = computeWindowOutputDims(ArrayRef(x).drop_front(2), params, emit);
  if (failed(spatial))
    return failure();
  SmallVector<int64_t> dims{x[0], x[1]};
  dims.append(*spatial);
  return TensorType(RankedTensorType::get(dims, elem));
}

/// GlobalAveragePool/GlobalMaxPool: [N, C, 1, ...].
LogicalResult inferGlobalPool(Value x, SmallVectorImpl<Type> &resultTypes) {
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!type) {
    if (auto tensor = dyn_cast<TensorType>(x.getType()))
      resultTypes.push_back(tensor);
    return success();
  }
  if (type.getRank() < 2)
    return success();
  SmallVector<int64_t> dims(type.getShape().take_front(2));
  dims.resize(type.getRank(), 1);
  resultTypes.push_back(RankedTensorType::get(dims, type.getElementType()));
  return success();
}

/// Conv's output shape, shared with ConvInteger and QLinearConv (whose element type differs).
template <typename OpTy>
LogicalResult inferConvShape(OpTy op, Type elem, SmallVectorImpl<Type> &resultTypes) {
  auto xShape = getRankedShape(op.getX().getType());
  auto wShape = getRankedShape(op.getW().getType());
  int64_t rank = xShape ? xShape->size() : wShape ? wShape->size() : 0;
  if (rank == 0 && op.getKernelShape())
    rank = op.getKernelShape()->size() + 2;
  if (rank == 0) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  // Rank mismatches are the verifier's to report; nothing to infer from them.
  SmallVector<int64_t> x = shapeOrDynamic(op.getX(), rank);
  SmallVector<int64_t> w = shapeOrDynamic(op.getW(), rank);
  if (rank < 3 || static_cast<int64_t>(w.size()) != rank)
    return success();
  SmallVector<int64_t> kernel(ArrayRef(w).drop_front(2));
  if (op.getKernelShape())
    kernel.assign(op.getKernelShape()->begin(), op.getKernelShape()->end());
  auto emit = [&] { return op.emitOpError(); };
  WindowParams params;
  if (failed(getWindowParams(rank - 2, kernel, op.getStrides(), op.getDilations(), op.getPads(),
                             op.getAutoPad(), false, params, emit)))
    return failure();
  auto spatial = computeWindowOutputDims(ArrayRef(x).drop_front(2), params, emit);
  if (failed(spatial))
    return failure();
  SmallVector<int64_t> dims{x[0], w[0]};
  dims.append(*spatial);
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

} // namespace

LogicalResult ConvOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferConvShape(*this, getTensorElementType(getX().getType()), resultTypes);
}

LogicalResult ConvIntegerOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferConvShape(*this, IntegerType::get(getContext(), 32), resultTypes);
}

LogicalResult QLinearConvOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferConvShape(*this, getTensorElementType(getYZeroPoint().getType()), resultTypes);
}

LogicalResult MaxPoolOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  FailureOr<TensorType> y = inferPool(*this);
  if (failed(y))
    return failure();
  resultTypes.push_back(*y);
  resultTypes.push_back(optionalResult(getIndices(), y->clone(IntegerType::get(getContext(), 64))));
  return success();
}

LogicalResult AveragePoolOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  FailureOr<TensorType> y = inferPool(*this);
  if (failed(y))
    return failure();
  resultTypes.push_back(*y);
  return success();
}

LogicalResult GlobalAveragePoolOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferGlobalPool(getX(), resultTypes);
}

LogicalResult GlobalMaxPoolOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferGlobalPool(getX(), resultTypes);
}

LogicalResult BatchNormalizationOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto x = dyn_cast<TensorType>(getX().getType());
  if (!x)
    return success();
  resultTypes.push_back(x);
  // Training mode's running statistics are per channel, typed like the mean.
  int64_t channels = x.hasRank() && x.getRank() >= 2 ? x.getDimSize(1) : kDynamic;
  Type statElem = getTensorElementType(getInputMean().getType());
  if (!statElem)
    statElem = x.getElementType();
  Type stat = RankedTensorType::get({channels}, statElem);
  resultTypes.push_back(optionalResult(getRunningMean(), stat));
  resultTypes.push_back(optionalResult(getRunningVar(), stat));
  return success();
}

LogicalResult InstanceNormalizationOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  if (auto type = dyn_cast<TensorType>(getInput().getType()))
    resultTypes.push_back(type);
  return success();
}

LogicalResult LayerNormalizationOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto x = dyn_cast<TensorType>(getX().getType());
  if (!x)
    return success();
  resultTypes.push_back(x);
  // Mean and InvStdDev keep the leading dimensions and are 1 over the
  // normalized ones, in the precision named by stash_type.
  Type statElem = getElementTypeForOnnxDataType(getContext(), getStashType());
  if (!statElem)
    return emitOpError() << "stash_type " << getStashType() << " is not a known data type";
  Type stat = UnrankedTensorType::get(statElem);
  if (x.hasRank()) {
    auto axis =
        normalizeAxis(static_cast<int64_t>(getAxis()), x.getRank(), [&] { return emitOpError(); });
    if (failed(axis))
      return failure();
    SmallVector<int64_t> dims(x.getShape().take_front(*axis));
    dims.resize(x.getRank(), 1);
    stat = RankedTensorType::get(dims, statElem);
  }
  resultTypes.push_back(optionalResult(getMean(), stat));
  resultTypes.push_back(optionalResult(getInvStdDev(), stat));
  return success();
}

LogicalResult DropoutOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto data = dyn_cast<TensorType>(getData().getType());
  if (!data)
    return success();
  resultTypes.push_back(data);
  resultTypes.push_back(optionalResult(getMask(), data.clone(IntegerType::get(getContext(), 1))));
  return success();
}

LogicalResult RMSNormalizationOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  if (auto type = dyn_cast<TensorType>(getX().getType()))
    resultTypes.push_back(type);
  return success();
}

/// Q, K, V are [B, H, S, D] or, 3-D, [B, S, H * D] with the head counts in q_num_heads and
/// kv_num_heads. Y has Q's layout with V's head size; present_key/value are
/// [B, Hkv, P + S_kv, D] (P from past_key) and qk_matmul_output is [B, Hq, S_q, P + S_kv].
LogicalResult AttentionOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto q = getRankedShape(getQ().getType()), k = getRankedShape(getK().getType()),
       v = getRankedShape(getV().getType());
  if (!q || !k || !v)
    return success();
  int64_t rank = q->size();
  if ((rank != 3 && rank != 4) || static_cast<int64_t>(k->size()) != rank ||
      static_cast<int64_t>(v->size()) != rank)
    return emitOpError() << "Q, K and V must all be 3-D or all 4-D, got ranks " << rank << ", "
                         << k->size() << ", " << v->size();
  auto divide = [](int64_t size, int64_t by) {
    return ShapedType::isDynamic(size) || by <= 0 ? kDynamic : size / by;
  };
  // [B, H, S, D] of each input.
  auto heads = [&](ArrayRef<int64_t> shape, std::optional<uint64_t> count) {
    if (rank == 4)
      return SmallVector<int64_t>(shape);
    int64_t h = count ? static_cast<int64_t>(*count) : kDynamic;
    return SmallVector<int64_t>{shape[0], h, shape[1], divide(shape[2], h)};
  };
  SmallVector<int64_t> q4 = heads(*q, getQNumHeads()), k4 = heads(*k, getKvNumHeads()),
                       v4 = heads(*v, getKvNumHeads());
  int64_t past = 0;
  if (!isa<NoneType>(getPastKey().getType())) {
    auto pastKey = getRankedShape(getPastKey().getType());
    past = pastKey && pastKey->size() == 4 ? (*pastKey)[2] : kDynamic;
  }
  int64_t kvLen =
      ShapedType::isDynamic(past) || ShapedType::isDynamic(k4[2]) ? kDynamic : past + k4[2];
  Type elem = getTensorElementType(getQ().getType());
  SmallVector<int64_t> y = rank == 4 ? SmallVector<int64_t>{q4[0], q4[1], q4[2], v4[3]}
                                     : SmallVector<int64_t>{(*q)[0], (*q)[1], kDynamic};
  if (rank == 3 && !ShapedType::isDynamic(q4[1]) && !ShapedType::isDynamic(v4[3]))
    y[2] = q4[1] * v4[3];
  resultTypes.push_back(RankedTensorType::get(y, elem));
  resultTypes.push_back(
      optionalResult(getPresentKey(), RankedTensorType::get({k4[0], k4[1], kvLen, k4[3]}, elem)));
  resultTypes.push_back(
      optionalResult(getPresentValue(), RankedTensorType::get({v4[0], v4[1], kvLen, v4[3]}, elem)));
  resultTypes.push_back(optionalResult(getQkMatmulOutput(),
                                       RankedTensorType::get({q4[0], q4[1], q4[2], kvLen}, elem)));
  return success();
}

/// Q, K, V are [B, T, H * D] (H = q_num_heads for Q, kv_num_heads for K and V): the
/// output is [B, T, Hq * Dv], the state [B, Hkv, Dk, Dv] with Dk from Q.
LogicalResult LinearAttentionOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  int64_t hq = getQNumHeads(), hkv = getKvNumHeads();
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    return emitOpError() << "q_num_heads (" << hq << ") must be a positive multiple of "
                         << "kv_num_heads (" << hkv << ")";
  SmallVector<int64_t> q = shapeOrDynamic(getQuery(), 3), v = shapeOrDynamic(getValue(), 3);
  if (q.size() != 3 || v.size() != 3)
    return emitOpError() << "query and value must be 3-D [B, T, H * D], got ranks " << q.size()
                         << " and " << v.size();
  auto divide = [](int64_t size, int64_t by) {
    return ShapedType::isDynamic(size) ? kDynamic : size / by;
  };
  int64_t dk = divide(q[2], hq), dv = divide(v[2], hkv);
  Type elem = getTensorElementType(getQuery().getType());
  Type stateElem = isa<NoneType>(getPastState().getType())
                       ? elem
                       : getTensorElementType(getPastState().getType());
  resultTypes.push_back(
      RankedTensorType::get({q[0], q[1], ShapedType::isDynamic(dv) ? kDynamic : hq * dv}, elem));
  resultTypes.push_back(RankedTensorType::get({q[0], hkv, dk, dv}, stateElem));
  return success();
}

/// input [B, C, L] and weight [C, 1, K]: the output has the input's shape, the state is
/// [B, C, K - 1].
LogicalResult CausalConvWithStateOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  SmallVector<int64_t> x = shapeOrDynamic(getInput(), 3), w = shapeOrDynamic(getWeight(), 3);
  if (x.size() != 3 || w.size() != 3)
    return emitOpError() << "input and weight must be 3-D, got ranks " << x.size() << " and "
                         << w.size();
  Type elem = getTensorElementType(getInput().getType());
  resultTypes.push_back(RankedTensorType::get(x, elem));
  int64_t k = w[2];
  resultTypes.push_back(RankedTensorType::get(
      {x[0], x[1], ShapedType::isDynamic(k) || k < 1 ? kDynamic : k - 1}, elem));
  return success();
}

LogicalResult RotaryEmbeddingOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getX(), Type(), resultTypes);
}

LogicalResult ShrinkOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getOperation()->getOperand(0), Type(), resultTypes);
}

LogicalResult FlattenOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getInput().getType());
  auto input = getRankedShape(getInput().getType());
  if (!input) {
    resultTypes.push_back(dynamicOfRank(2, elem));
    return success();
  }
  // Flatten's axis may equal the rank (all dimensions go to the outer size).
  int64_t rank = input->size(), axis = static_cast<int64_t>(getAxis());
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return success();
  resultTypes.push_back(RankedTensorType::get(
      {mulDims(input->take_front(axis)), mulDims(input->drop_front(axis))}, elem));
  return success();
}

LogicalResult LpPoolOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  FailureOr<TensorType> y = inferPool(*this);
  if (failed(y))
    return failure();
  resultTypes.push_back(*y);
  return success();
}

LogicalResult GlobalLpPoolOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferGlobalPool(getX(), resultTypes);
}

/// Col2Im: N x C x image..., C = dim 1 of the input / the block size, one image dim per
/// entry of image_shape.
LogicalResult Col2ImOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getInput().getType());
  auto imageShape = getRankedShape(getImageShape().getType());
  if (!imageShape || imageShape->size() != 1 || (*imageShape)[0] == kDynamic ||
      (*imageShape)[0] > kMaxDerivedRank)
    return success();
  int64_t spatial = (*imageShape)[0];
  SmallVector<int64_t> dims(spatial + 2, kDynamic);
  auto input = getRankedShape(getInput().getType());
  if (input && input->size() == 3) {
    dims[0] = (*input)[0];
    auto block = matchConstantI64s(getBlockShape());
    int64_t blockSize = 1;
    for (int64_t b : block ? *block : SmallVector<int64_t>{})
      blockSize *= b;
    if (block && blockSize > 0 && (*input)[1] != kDynamic && (*input)[1] % blockSize == 0)
      dims[1] = (*input)[1] / blockSize;
  }
  if (auto image = matchConstantI64s(getImageShape()))
    for (int64_t d = 0; d < spatial; ++d)
      dims[d + 2] = (*image)[d] >= 0 ? (*image)[d] : kDynamic;
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

/// DeformConv: N (from X) x M (from W) x the offset's spatial dims.
LogicalResult DeformConvOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getX().getType());
  auto x = getRankedShape(getX().getType());
  auto w = getRankedShape(getW().getType());
  auto offset = getRankedShape(getOffset().getType());
  std::optional<int64_t> rank;
  for (auto shape : {x, w, offset})
    if (shape)
      rank = shape->size();
  if (!rank || *rank < 3)
    return success();
  SmallVector<int64_t> dims(*rank, kDynamic);
  if (x && static_cast<int64_t>(x->size()) == *rank)
    dims[0] = (*x)[0];
  if (w && static_cast<int64_t>(w->size()) == *rank)
    dims[1] = (*w)[0];
  if (offset && static_cast<int64_t>(offset->size()) == *rank) {
    if (dims[0] == kDynamic)
      dims[0] = (*offset)[0];
    for (int64_t d = 2; d < *rank; ++d)
      dims[d] = (*offset)[d];
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

/// MaxUnpool: output_shape when it is a constant, else N x C x ((in - 1) * stride - pads +
/// kernel) per spatial dim.
LogicalResult MaxUnpoolOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getX().getType());
  ArrayRef<int64_t> kernel = getKernelShape();
  int64_t spatial = kernel.size(), rank = spatial + 2;
  if (!isa<NoneType>(getOutputShape().getType())) {
    auto wanted = matchConstantI64s(getOutputShape());
    SmallVector<int64_t> dims(rank, kDynamic);
    if (wanted && static_cast<int64_t>(wanted->size()) == rank)
      for (int64_t d = 0; d < rank; ++d)
        dims[d] = (*wanted)[d] >= 0 ? (*wanted)[d] : kDynamic;
    resultTypes.push_back(RankedTensorType::get(dims, elem));
    return success();
  }
  SmallVector<int64_t> x = shapeOrDynamic(getX(), rank);
  if (static_cast<int64_t>(x.size()) != rank)
    return success();
  SmallVector<int64_t> strides(spatial, 1), pads(2 * spatial, 0);
  if (auto attr = getStrides())
    strides.assign(attr->begin(), attr->end());
  if (auto attr = getPads())
    pads.assign(attr->begin(), attr->end());
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return success();
  SmallVector<int64_t> dims{x[0], x[1]};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = x[i + 2];
    dims.push_back(in == kDynamic
                       ? kDynamic
                       : (in - 1) * strides[i] - pads[i] - pads[spatial + i] + kernel[i]);
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

} // namespace kiln::onnxir
