//===- EvaluateTensor.cpp - Shape and data-movement ONNX ops on constants ---===//
//
// Every op here moves elements without computing new ones: it yields an output shape
// and, for each output element, the index of the input element it copies.
//
//===----------------------------------------------------------------------===//

#include "passes/Folding/Evaluate.h"

#include "ir/onnx/OnnxDialect.h"

#include <cmath>
#include <numeric>

using namespace mlir;

namespace kiln::folding {
namespace {

using Shape = SmallVector<int64_t>;

int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t(1), std::multiplies<int64_t>());
}

/// Row-major strides of `shape`.
Shape stridesOf(ArrayRef<int64_t> shape) {
  Shape strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

/// The output of shape `shape` whose element i is `src`'s element `indices[i]`.
Literal pick(const Literal &src, ArrayRef<int64_t> shape, ArrayRef<int64_t> indices) {
  Literal out = Literal::zeros(shape, src.elementType);
  for (size_t i = 0; i < indices.size(); ++i) {
    if (src.isFloat())
      out.floats[i] = src.floats[indices[i]];
    else
      out.ints[i] = src.ints[indices[i]];
  }
  return out;
}

/// The same elements under a new shape.
Literal reshaped(const Literal &src, ArrayRef<int64_t> shape) {
  Literal out = src;
  out.shape.assign(shape.begin(), shape.end());
  return out;
}

/// Calls `body(outIndex, coordinates)` for every element of `shape` in row-major order.
template <typename Body> void forEachIndex(ArrayRef<int64_t> shape, Body body) {
  int64_t n = product(shape);
  Shape coord(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    body(i, ArrayRef<int64_t>(coord));
    for (size_t d = shape.size(); d-- > 0;) {
      if (++coord[d] < shape[d])
        break;
      coord[d] = 0;
    }
  }
}

std::optional<int64_t> normalize(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

int64_t intAttr(Operation *op, StringRef name, int64_t fallback) {
  auto attr = op->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : fallback;
}

bool isIntVector(const Operand &o) {
  return o && !o->isFloat() && o->shape.size() <= 1 && !o->elementType.isInteger(1);
}

std::optional<Literal> reshape(Operation *op, const Literal &data, const Literal &shapeLit) {
  bool allowZero = intAttr(op, "allowzero", 0) != 0;
  Shape shape(shapeLit.ints.begin(), shapeLit.ints.end());
  int64_t inferred = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowZero) {
      if (i >= data.shape.size())
        return std::nullopt;
      shape[i] = data.shape[i];
    }
    if (shape[i] == -1) {
      if (inferred >= 0)
        return std::nullopt;
      inferred = i;
    } else if (shape[i] < 0) {
      return std::nullopt;
    } else {
      known *= shape[i];
    }
  }
  if (inferred >= 0) {
    if (known == 0 || data.numElements() % known != 0)
      return std::nullopt;
    shape[inferred] = data.numElements() / known;
  }
  if (product(shape) != data.numElements())
    return std::nullopt;
  return reshaped(data, shape);
}

std::optional<Literal> transpose(Operation *op, const Literal &data) {
  int64_t rank = data.shape.size();
  Shape perm;
  if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>("perm"))
    perm.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != rank)
    return std::nullopt;
  Shape shape, inStrides = stridesOf(data.shape), strides;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank)
      return std::nullopt;
    shape.push_back(data.shape[p]);
    strides.push_back(inStrides[p]);
  }
  std::vector<int64_t> indices(product(shape));
  forEachIndex(shape, [&](int64_t i, ArrayRef<int64_t> c) {
    int64_t at = 0;
    for (size_t d = 0; d < c.size(); ++d)
      at += c[d] * strides[d];
    indices[i] = at;
  });
  return pick(data, shape, indices);
}

std::optional<Literal> concat(Operation *op, ArrayRef<Operand> inputs) {
  if (inputs.empty())
    return std::nullopt;
  int64_t rank = inputs[0]->shape.size();
  std::optional<int64_t> axis = normalize(intAttr(op, "axis", 0), rank);
  if (!axis)
    return std::nullopt;
  Shape shape = inputs[0]->shape;
  shape[*axis] = 0;
  for (const Operand &in : inputs) {
    if (static_cast<int64_t>(in->shape.size()) != rank || in->elementType != inputs[0]->elementType)
      return std::nullopt;
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && in->shape[d] != shape[d])
        return std::nullopt;
    shape[*axis] += in->shape[*axis];
  }
  // Row-major: outer (dims before axis) blocks, each the inputs' slabs in turn.
  int64_t outer = product(ArrayRef<int64_t>(shape).take_front(*axis));
  Literal out = Literal::zeros(shape, inputs[0]->elementType);
  int64_t at = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (const Operand &in : inputs) {
      int64_t slab = product(ArrayRef<int64_t>(in->shape).drop_front(*axis));
      for (int64_t j = 0; j < slab; ++j, ++at) {
        if (out.isFloat())
          out.floats[at] = in->floats[o * slab + j];
        else
          out.ints[at] = in->ints[o * slab + j];
      }
    }
  }
  return out;
}

std::optional<Literal> gather(Operation *op, const Literal &data, const Literal &indices) {
  int64_t rank = data.shape.size();
  std::optional<int64_t> axis = normalize(intAttr(op, "axis", 0), rank);
  if (!axis || indices.isFloat())
    return std::nullopt;
  int64_t extent = data.shape[*axis];
  Shape shape(data.shape.begin(), data.shape.begin() + *axis);
  shape.append(indices.shape.begin(), indices.shape.end());
  shape.append(data.shape.begin() + *axis + 1, data.shape.end());
  int64_t outer = product(ArrayRef<int64_t>(data.shape).take_front(*axis));
  int64_t inner = product(ArrayRef<int64_t>(data.shape).drop_front(*axis + 1));
  std::vector<int64_t> picked;
  picked.reserve(product(shape));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : indices.ints) {
      if (index < -extent || index >= extent)
        return std::nullopt;
      if (index < 0)
        index += extent;
      for (int64_t j = 0; j < inner; ++j)
        picked.push_back((o * extent + index) * inner + j);
    }
  }
  return pick(data, shape, picked);
}

std::optional<Literal> slice(const Literal &data, ArrayRef<Operand> operands) {
  int64_t rank = data.shape.size();
  for (size_t i = 1; i < operands.size(); ++i)
    if (operands[i] && !isIntVector(operands[i]))
      return std::nullopt;
  const std::vector<int64_t> &starts = operands[1]->ints, &ends = operands[2]->ints;
  size_t n = starts.size();
  std::vector<int64_t> axes, steps(n, 1);
  if (operands.size() > 3 && operands[3])
    axes = operands[3]->ints;
  else
    for (size_t i = 0; i < n; ++i)
      axes.push_back(i);
  if (operands.size() > 4 && operands[4])
    steps = operands[4]->ints;
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    return std::nullopt;
  Shape start(rank, 0), step(rank, 1), shape = data.shape;
  for (size_t i = 0; i < n; ++i) {
    std::optional<int64_t> axis = normalize(axes[i], rank);
    if (!axis || steps[i] == 0)
      return std::nullopt;
    int64_t dim = data.shape[*axis], s = starts[i], e = ends[i], st = steps[i];
    // ONNX clamping: to [0, dim] for positive steps, [-1, dim - 1] for negative ones.
    if (s < 0)
      s += dim;
    if (e < 0)
      e += dim;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      shape[*axis] = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<int64_t>(s, -1, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      shape[*axis] = s > e ? (s - e - st - 1) / -st : 0;
    }
    start[*axis] = s;
    step[*axis] = st;
  }
  Shape strides = stridesOf(data.shape);
  std::vector<int64_t> indices(product(shape));
  forEachIndex(shape, [&](int64_t i, ArrayRef<int64_t> c) {
    int64_t at = 0;
    for (int64_t d = 0; d < rank; ++d)
      at += (start[d] + c[d] * step[d]) * strides[d];
    indices[i] = at;
  });
  return pick(data, shape, indices);
}

std::optional<Literal> constantOfShape(Operation *op, const Literal &shapeLit) {
  auto type = dyn_cast<TensorType>(op->getResult(0).getType());
  if (!type || !isSupportedElementType(type.getElementType()))
    return std::nullopt;
  for (int64_t d : shapeLit.ints)
    if (d < 0)
      return std::nullopt;
  Literal out = Literal::zeros(shapeLit.ints, type.getElementType());
  if (auto value = op->getAttrOfType<DenseElementsAttr>("value")) {
    if (value.getNumElements() != 1 || value.getElementType() != out.elementType)
      return std::nullopt;
    if (out.isFloat()) {
      llvm::APFloat f = value.getValues<llvm::APFloat>()[0];
      bool lost;
      f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
      std::fill(out.floats.begin(), out.floats.end(), f.convertToDouble());
    } else {
      llvm::APInt v = value.getValues<llvm::APInt>()[0];
      int64_t i = wrapToIntType(static_cast<int64_t>(v.getZExtValue()), out.elementType);
      if (!cast<IntegerType>(out.elementType).isUnsigned() && v.getBitWidth() < 64)
        i = v.getSExtValue();
      std::fill(out.ints.begin(), out.ints.end(), i);
    }
  } else if (op->hasAttr("value")) {
    return std::nullopt;
  }
  return out;
}

std::optional<Literal> range(const Literal &start, const Literal &limit, const Literal &delta) {
  if (start.numElements() != 1 || limit.numElements() != 1 || delta.numElements() != 1 ||
      start.elementType != limit.elementType || start.elementType != delta.elementType)
    return std::nullopt;
  double s = start.getDouble(0), l = limit.getDouble(0), d = delta.getDouble(0);
  if (d == 0)
    return std::nullopt;
  int64_t n = std::max<int64_t>(static_cast<int64_t>(std::ceil((l - s) / d)), 0);
  Literal out = Literal::zeros({n}, start.elementType);
  for (int64_t i = 0; i < n; ++i) {
    // The spec's loop: each element is start + i * delta in the element type.
    if (out.isFloat())
      out.floats[i] = roundToFloatType(s + double(i) * d, out.elementType);
    else
      out.ints[i] = wrapToIntType(start.ints[0] + i * delta.ints[0], out.elementType);
  }
  return out;
}

} // namespace

std::optional<Literal> evaluateTensor(Operation *op, ArrayRef<Operand> operands) {
  StringRef name = op->getName().stripDialect();
  for (size_t i = 0; i < operands.size(); ++i)
    if (!operands[i] && !(name == "Squeeze" || name == "Slice"))
      return std::nullopt;
  if (operands.empty() || !operands[0])
    return std::nullopt;
  const Literal &x = *operands[0];
  int64_t rank = x.shape.size();
  if (name == "Identity")
    return x;
  if (name == "Reshape" && isIntVector(operands[1]))
    return reshape(op, x, *operands[1]);
  if (name == "Transpose")
    return transpose(op, x);
  if (name == "Concat")
    return concat(op, operands);
  if (name == "Gather")
    return gather(op, x, *operands[1]);
  if (name == "Slice" && operands.size() >= 3 && operands[1] && operands[2])
    return slice(x, operands);
  if (name == "ConstantOfShape" && isIntVector(operands[0]))
    return constantOfShape(op, x);
  if (name == "Range" && operands.size() == 3)
    return range(x, *operands[1], *operands[2]);
  if (name == "Unsqueeze" && isIntVector(operands[1])) {
    int64_t outRank = rank + operands[1]->numElements();
    Shape shape(outRank, 0);
    for (int64_t a : operands[1]->ints) {
      std::optional<int64_t> axis = normalize(a, outRank);
      if (!axis || shape[*axis] == 1)
        return std::nullopt;
      shape[*axis] = 1;
    }
    auto dim = x.shape.begin();
    for (int64_t &d : shape)
      if (d == 0)
        d = *dim++;
    return reshaped(x, shape);
  }
  if (name == "Squeeze") {
    SmallVector<bool> drop(rank, false);
    if (operands.size() > 1 && operands[1]) {
      if (!isIntVector(operands[1]))
        return std::nullopt;
      for (int64_t a : operands[1]->ints) {
        std::optional<int64_t> axis = normalize(a, rank);
        if (!axis || x.shape[*axis] != 1)
          return std::nullopt;
        drop[*axis] = true;
      }
    } else {
      for (int64_t d = 0; d < rank; ++d)
        drop[d] = x.shape[d] == 1;
    }
    Shape shape;
    for (int64_t d = 0; d < rank; ++d)
      if (!drop[d])
        shape.push_back(x.shape[d]);
    return reshaped(x, shape);
  }
  if (name == "Flatten") {
    int64_t axis = intAttr(op, "axis", 1);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis > rank)
      return std::nullopt;
    ArrayRef<int64_t> dims(x.shape);
    return reshaped(x, {product(dims.take_front(axis)), product(dims.drop_front(axis))});
  }
  if (name == "Expand" && isIntVector(operands[1])) {
    std::optional<Shape> shape = broadcastShapes(x.shape, operands[1]->ints);
    if (!shape)
      return std::nullopt;
    return pick(x, *shape, broadcastIndices(x.shape, *shape));
  }
  if (name == "Tile" && isIntVector(operands[1]) && operands[1]->numElements() == rank) {
    Shape shape;
    for (int64_t d = 0; d < rank; ++d) {
      if (operands[1]->ints[d] < 0)
        return std::nullopt;
      shape.push_back(x.shape[d] * operands[1]->ints[d]);
    }
    Shape strides = stridesOf(x.shape);
    std::vector<int64_t> indices(product(shape));
    forEachIndex(shape, [&](int64_t i, ArrayRef<int64_t> c) {
      int64_t at = 0;
      for (int64_t d = 0; d < rank; ++d)
        at += (c[d] % x.shape[d]) * strides[d];
      indices[i] = at;
    });
    return pick(x, shape, indices);
  }
  return std::nullopt;
}

std::optional<SmallVector<Literal>> evaluate(Operation *op, ArrayRef<Operand> operands) {
  if (op->getNumResults() != 1)
    return std::nullopt;
  std::optional<Literal> result = evaluateTensor(op, operands);
  if (!result)
    result = evaluateMath(op, operands);
  if (!result)
    return std::nullopt;
  return SmallVector<Literal>{std::move(*result)};
}

} // namespace kiln::folding
