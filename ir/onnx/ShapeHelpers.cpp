//===- ShapeHelpers.cpp - Checks shared by onnx verifiers and inference ---===//

#include "ir/onnx/ShapeHelpers.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/SmallSet.h"

#include <cstring>

using namespace mlir;

namespace kiln::onnxir {

Type getElementTypeForOnnxDataType(MLIRContext *ctx, int64_t dataType) {
  Builder b(ctx);
  switch (dataType) {
  case 1:
    return b.getF32Type();
  case 2:
    return b.getIntegerType(8, /*isSigned=*/false);
  case 3:
    return b.getIntegerType(8);
  case 4:
    return b.getIntegerType(16, /*isSigned=*/false);
  case 5:
    return b.getIntegerType(16);
  case 6:
    return b.getIntegerType(32);
  case 7:
    return b.getIntegerType(64);
  case 8:
    return StringType::get(ctx);
  case 9:
    return b.getI1Type();
  case 10:
    return b.getF16Type();
  case 11:
    return b.getF64Type();
  case 12:
    return b.getIntegerType(32, /*isSigned=*/false);
  case 13:
    return b.getIntegerType(64, /*isSigned=*/false);
  case 14:
    return ComplexType::get(b.getF32Type());
  case 15:
    return ComplexType::get(b.getF64Type());
  case 16:
    return b.getBF16Type();
  case 17:
    return b.getType<Float8E4M3FNType>();
  case 18:
    return b.getType<Float8E4M3FNUZType>();
  case 19:
    return b.getType<Float8E5M2Type>();
  case 20:
    return b.getType<Float8E5M2FNUZType>();
  case 21:
    return b.getIntegerType(4, /*isSigned=*/false);
  case 22:
    return b.getIntegerType(4);
  case 23:
    return b.getType<Float4E2M1FNType>();
  case 24:
    return b.getType<Float8E8M0FNUType>();
  case 25:
    return b.getIntegerType(2, /*isSigned=*/false);
  case 26:
    return b.getIntegerType(2);
  default:
    return {};
  }
}

/// Returns the ElementsAttr behind a constant value: an `onnx.Constant` holding
/// `value` or an `arith.constant`, looking through the casts a conversion's type
/// converter inserts.
ElementsAttr getConstantElements(Value value) {
  while (auto cast = value.getDefiningOp<UnrealizedConversionCastOp>()) {
    if (cast.getInputs().size() != 1)
      return {};
    value = cast.getInputs().front();
  }
  Operation *op = value.getDefiningOp();
  if (!op)
    return {};
  if (auto constant = dyn_cast<ConstantOp>(op)) {
    if (ElementsAttr value = constant.getValueAttr())
      return value;
    // The scalar and list forms (value_int, value_ints, value_float, value_floats) as the
    // tensor they stand for; sparse_value and the string forms stay unmatched.
    Builder b(op->getContext());
    if (IntegerAttr i = constant.getValueIntAttr())
      return DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()), i.getInt());
    if (FloatAttr f = constant.getValueFloatAttr())
      return DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                    static_cast<float>(f.getValueAsDouble()));
    if (auto ints = constant.getValueIntsAttr())
      return DenseElementsAttr::get(
          RankedTensorType::get({static_cast<int64_t>(ints.size())}, b.getI64Type()),
          ints.asArrayRef());
    if (auto floats = constant.getValueFloatsAttr())
      return DenseElementsAttr::get(
          RankedTensorType::get({static_cast<int64_t>(floats.size())}, b.getF32Type()),
          floats.asArrayRef());
    return {};
  }
  if (auto constant = dyn_cast<arith::ConstantOp>(op))
    return dyn_cast<ElementsAttr>(constant.getValue());
  return {};
}

std::optional<SmallVector<int64_t>> matchConstantI64s(Value value) {
  ElementsAttr attr = getConstantElements(value);
  if (!attr || !isa<IntegerType>(attr.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> result;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr)) {
    for (const APInt &v : dense.getValues<APInt>())
      result.push_back(v.getSExtValue());
    return result;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  unsigned width = attr.getElementType().getIntOrFloatBitWidth();
  if (!blob || (width != 64 && width != 32))
    return std::nullopt;
  ArrayRef<char> data = blob->getData();
  size_t n = data.size() / (width / 8);
  for (size_t i = 0; i < n; ++i) {
    if (width == 64) {
      int64_t v;
      std::memcpy(&v, data.data() + i * 8, 8);
      result.push_back(v);
    } else {
      int32_t v;
      std::memcpy(&v, data.data() + i * 4, 4);
      result.push_back(v);
    }
  }
  return result;
}

namespace {

/// Shape chains are short; the bound only guards against pathological graphs.
constexpr unsigned kMaxShapeDepth = 32;
/// The longest tensor traced as shape values (dims, axes, pads of a rank-32 tensor).
constexpr int64_t kMaxShapeValues = 64;

using ShapeValues = std::optional<SmallVector<int64_t>>;

ShapeValues shapeValues(Value value, unsigned depth);

/// Elements [start, end) step `step` of `values`, with ONNX/Python slice clamping.
ShapeValues sliceValues(ArrayRef<int64_t> values, int64_t start, int64_t end, int64_t step) {
  int64_t n = values.size();
  if (step == 0)
    return std::nullopt;
  if (start < 0)
    start += n;
  if (end < 0)
    end += n;
  SmallVector<int64_t> result;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, n);
    end = std::clamp<int64_t>(end, 0, n);
    for (int64_t i = start; i < end; i += step)
      result.push_back(values[i]);
  } else {
    start = std::clamp<int64_t>(start, 0, n - 1);
    end = std::clamp<int64_t>(end, -1, n - 1);
    for (int64_t i = start; i > end; i += step)
      result.push_back(values[i]);
  }
  return result;
}

ShapeValues shapeOfShapeOp(ShapeOp op) {
  auto shape = getRankedShape(op.getData().getType());
  if (!shape)
    return std::nullopt;
  int64_t rank = shape->size();
  auto clampIndex = [&](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank); };
  int64_t start = clampIndex(static_cast<int64_t>(op.getStart()));
  int64_t end = op.getEnd() ? clampIndex(static_cast<int64_t>(*op.getEnd())) : rank;
  if (end <= start)
    return SmallVector<int64_t>{};
  return SmallVector<int64_t>(shape->slice(start, end - start));
}

ShapeValues shapeOfGather(GatherOp op, unsigned depth) {
  ShapeValues data = shapeValues(op.getData(), depth + 1);
  auto indices = matchConstantI64s(op.getIndices());
  auto indicesShape = getRankedShape(op.getIndices().getType());
  if (!data || !indices || !indicesShape || indicesShape->size() > 1 || op.getAxis() != 0)
    return std::nullopt;
  SmallVector<int64_t> result;
  int64_t n = data->size();
  for (int64_t i : *indices) {
    if (i < -n || i >= n)
      return std::nullopt;
    result.push_back((*data)[i < 0 ? i + n : i]);
  }
  return result;
}

ShapeValues shapeOfSlice(SliceOp op, unsigned depth) {
  ShapeValues data = shapeValues(op.getData(), depth + 1);
  auto starts = matchConstantI64s(op.getStarts());
  auto ends = matchConstantI64s(op.getEnds());
  if (!data || !starts || !ends || starts->size() != 1 || ends->size() != 1)
    return std::nullopt;
  if (!isa<NoneType>(op.getAxes().getType())) {
    auto axes = matchConstantI64s(op.getAxes());
    if (!axes || axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1))
      return std::nullopt;
  }
  int64_t step = 1;
  if (!isa<NoneType>(op.getSteps().getType())) {
    auto steps = matchConstantI64s(op.getSteps());
    if (!steps || steps->size() != 1)
      return std::nullopt;
    step = (*steps)[0];
  }
  return sliceValues(*data, (*starts)[0], (*ends)[0], step);
}

/// Add/Sub/Mul/Div of two shape tensors, one of them possibly a single element.
ShapeValues shapeOfArithmetic(Operation *op, unsigned depth,
                              llvm::function_ref<std::optional<int64_t>(int64_t, int64_t)> fn) {
  ShapeValues lhs = shapeValues(op->getOperand(0), depth + 1);
  ShapeValues rhs = shapeValues(op->getOperand(1), depth + 1);
  if (!lhs || !rhs)
    return std::nullopt;
  size_t n = std::max(lhs->size(), rhs->size());
  if ((lhs->size() != n && lhs->size() != 1) || (rhs->size() != n && rhs->size() != 1))
    return std::nullopt;
  SmallVector<int64_t> result;
  for (size_t i = 0; i < n; ++i) {
    int64_t a = (*lhs)[lhs->size() == 1 ? 0 : i], b = (*rhs)[rhs->size() == 1 ? 0 : i];
    std::optional<int64_t> r;
    if (a != kDynamic && b != kDynamic)
      r = fn(a, b);
    result.push_back(r.value_or(kDynamic));
  }
  return result;
}

ShapeValues tracedShapeValues(Operation *def, unsigned depth) {
  if (auto shape = dyn_cast<ShapeOp>(def))
    return shapeOfShapeOp(shape);
  if (auto gather = dyn_cast<GatherOp>(def))
    return shapeOfGather(gather, depth);
  if (auto slice = dyn_cast<SliceOp>(def))
    return shapeOfSlice(slice, depth);
  // 0-D <-> 1-D of one element: the values are the same.
  if (auto unsqueeze = dyn_cast<UnsqueezeOp>(def))
    return shapeValues(unsqueeze.getData(), depth + 1);
  if (auto squeeze = dyn_cast<SqueezeOp>(def))
    return shapeValues(squeeze.getData(), depth + 1);
  if (auto identity = dyn_cast<IdentityOp>(def))
    return shapeValues(identity.getInput(), depth + 1);
  if (auto cast = dyn_cast<CastOp>(def)) {
    // Only integer to integer: float shape arithmetic is rare and may round.
    if (!isa_and_nonnull<IntegerType>(getTensorElementType(cast.getInput().getType())))
      return std::nullopt;
    return shapeValues(cast.getInput(), depth + 1);
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    if (concat.getAxis() != 0 && concat.getAxis() != -1)
      return std::nullopt;
    SmallVector<int64_t> result;
    for (Value input : concat.getInputs()) {
      ShapeValues values = shapeValues(input, depth + 1);
      if (!values)
        return std::nullopt;
      result.append(values->begin(), values->end());
    }
    return result;
  }
  // Size of a tensor whose shape is static (the rank in `Size(Shape(x))`).
  if (auto size = dyn_cast<SizeOp>(def)) {
    auto shape = getRankedShape(size.getData().getType());
    if (!shape)
      return std::nullopt;
    int64_t n = mulDims(*shape);
    return SmallVector<int64_t>{n};
  }
  // Range over known scalars (the reduction axes of decomposed normalizations).
  if (auto range = dyn_cast<RangeOp>(def)) {
    ShapeValues start = shapeValues(range.getStart(), depth + 1);
    ShapeValues limit = shapeValues(range.getLimit(), depth + 1);
    ShapeValues delta = shapeValues(range.getDelta(), depth + 1);
    if (!start || !limit || !delta || start->size() != 1 || limit->size() != 1 ||
        delta->size() != 1)
      return std::nullopt;
    int64_t a = (*start)[0], b = (*limit)[0], d = (*delta)[0];
    if (a == kDynamic || b == kDynamic || d == kDynamic || d == 0)
      return std::nullopt;
    int64_t count = std::max<int64_t>(0, (b - a + d + (d > 0 ? -1 : 1)) / d);
    if (count > kMaxShapeValues)
      return std::nullopt; // shape-like values are short; anything else is data
    SmallVector<int64_t> result;
    for (int64_t i = 0; i < count; ++i)
      result.push_back(a + i * d);
    return result;
  }
  using R = std::optional<int64_t>;
  if (isa<AddOp>(def))
    return shapeOfArithmetic(def, depth, [](int64_t a, int64_t b) -> R { return a + b; });
  if (isa<SubOp>(def))
    return shapeOfArithmetic(def, depth, [](int64_t a, int64_t b) -> R { return a - b; });
  if (isa<MulOp>(def))
    return shapeOfArithmetic(def, depth, [](int64_t a, int64_t b) -> R { return a * b; });
  if (isa<DivOp>(def))
    // Integer Div truncates toward zero, as C++ does.
    return shapeOfArithmetic(def, depth,
                             [](int64_t a, int64_t b) -> R { return b == 0 ? R() : R(a / b); });
  return std::nullopt;
}

ShapeValues shapeValues(Value value, unsigned depth) {
  auto type = dyn_cast<TensorType>(value.getType());
  if (!type || !isa<IntegerType>(type.getElementType()) || (type.hasRank() && type.getRank() > 1))
    return std::nullopt;
  if (ShapeValues ints = matchConstantI64s(value))
    return ints;
  // The number of elements, if the type tells it.
  std::optional<int64_t> length;
  if (type.hasRank())
    length = type.getRank() == 0 ? 1 : type.getDimSize(0);
  if (length == kDynamic)
    length.reset();
  // Shape-like values are short (about a rank each); a longer tensor is data, and a
  // vector of its length is not built (a [2^31 - 1] "shape" once asked for 16 GB).
  if (length && *length > kMaxShapeValues)
    return std::nullopt;
  ShapeValues result;
  if (Operation *def = value.getDefiningOp(); def && depth < kMaxShapeDepth)
    result = tracedShapeValues(def, depth);
  // A trace that disagrees with the type (an invalid model) is not trusted.
  if (result && (!length || static_cast<int64_t>(result->size()) == *length))
    return result;
  if (length)
    return SmallVector<int64_t>(*length, kDynamic);
  return std::nullopt;
}

} // namespace

std::optional<SmallVector<int64_t>> getShapeTensorValues(Value value) {
  return shapeValues(value, 0);
}

std::optional<ArrayRef<int64_t>> getRankedShape(Type type) {
  if (auto ranked = dyn_cast<RankedTensorType>(type))
    return ranked.getShape();
  return std::nullopt;
}

Type getTensorElementType(Type type) {
  if (auto tensor = dyn_cast<TensorType>(type))
    return tensor.getElementType();
  return {};
}

TensorType makeTensorType(std::optional<ArrayRef<int64_t>> shape, Type elementType) {
  if (shape)
    return RankedTensorType::get(*shape, elementType);
  return UnrankedTensorType::get(elementType);
}

int64_t mulDims(ArrayRef<int64_t> dims) {
  int64_t product = 1;
  for (int64_t d : dims) {
    if (d == kDynamic)
      return kDynamic;
    product *= d;
  }
  return product;
}

FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank, EmitErrorFn emitError,
                                 StringRef what) {
  if (axis < -rank || axis >= rank) {
    if (emitError)
      emitError() << what << " " << axis << " is out of range [" << -rank << ", " << rank << ")";
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

LogicalResult verifyAxisOf(Operation *op, Value input, int64_t axis) {
  auto shape = getRankedShape(input.getType());
  if (!shape)
    return success();
  return normalizeAxis(axis, shape->size(), [&] { return op->emitOpError(); });
}

FailureOr<SmallVector<int64_t>> normalizeAxes(ArrayRef<int64_t> axes, int64_t rank,
                                              EmitErrorFn emitError, StringRef what) {
  SmallVector<int64_t> result;
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t axis : axes) {
    FailureOr<int64_t> n = normalizeAxis(axis, rank, emitError, what);
    if (failed(n))
      return failure();
    if (!seen.insert(*n).second) {
      if (emitError)
        emitError() << what << " contains " << axis << " twice";
      return failure();
    }
    result.push_back(*n);
  }
  return result;
}

LogicalResult broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                              SmallVectorImpl<int64_t> &result, EmitErrorFn emitError) {
  size_t rank = std::max(lhs.size(), rhs.size());
  result.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the trailing dimension; missing leading dimensions are 1.
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (a == 1) {
      result[i] = b;
    } else if (b == 1) {
      result[i] = a;
    } else if (a == kDynamic) {
      result[i] = b;
    } else if (b == kDynamic || a == b) {
      result[i] = a;
    } else {
      if (emitError) {
        InFlightDiagnostic diag = emitError();
        diag << "shapes [";
        llvm::interleaveComma(lhs, diag,
                              [&](int64_t d) { d == kDynamic ? diag << "?" : diag << d; });
        diag << "] and [";
        llvm::interleaveComma(rhs, diag,
                              [&](int64_t d) { d == kDynamic ? diag << "?" : diag << d; });
        diag << "] are not broadcastable: dimension " << a << " != " << b;
      }
      return failure();
    }
  }
  return success();
}

FailureOr<std::optional<SmallVector<int64_t>>> broadcastTypes(TypeRange types,
                                                              EmitErrorFn emitError) {
  SmallVector<int64_t> result;
  bool allRanked = true;
  for (Type type : types) {
    std::optional<ArrayRef<int64_t>> shape = getRankedShape(type);
    if (!shape) {
      allRanked = false;
      continue;
    }
    // Keep checking the ranked ones so an error is found even next to an
    // unranked operand.
    SmallVector<int64_t> next;
    if (failed(broadcastShapes(result, *shape, next, emitError)))
      return failure();
    result = std::move(next);
  }
  if (!allRanked)
    return std::optional<SmallVector<int64_t>>();
  return std::optional<SmallVector<int64_t>>(std::move(result));
}

LogicalResult getWindowParams(int64_t spatialRank, ArrayRef<int64_t> kernel,
                              std::optional<ArrayRef<int64_t>> strides,
                              std::optional<ArrayRef<int64_t>> dilations,
                              std::optional<ArrayRef<int64_t>> pads, StringRef autoPad,
                              bool ceilMode, WindowParams &params, EmitErrorFn emitError) {
  auto fail = [&](auto &&...parts) {
    if (emitError)
      (emitError() << ... << parts);
    return failure();
  };
  if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER" &&
      autoPad != "VALID")
    return fail("auto_pad \"", autoPad, "\" is not one of NOTSET, SAME_UPPER, ",
                "SAME_LOWER, VALID");
  if (static_cast<int64_t>(kernel.size()) != spatialRank)
    return fail("kernel_shape has ", kernel.size(), " values for ", spatialRank,
                " spatial dimensions");
  auto checkList = [&](std::optional<ArrayRef<int64_t>> list, StringRef name, int64_t size,
                       int64_t fill, int64_t minValue,
                       SmallVectorImpl<int64_t> &out) -> LogicalResult {
    if (!list) {
      out.assign(size, fill);
      return success();
    }
    if (static_cast<int64_t>(list->size()) != size)
      return fail(name, " has ", list->size(), " values, expected ", size);
    for (int64_t v : *list)
      if (v < minValue)
        return fail(name, " value ", v, " is less than ", minValue);
    out.assign(list->begin(), list->end());
    return success();
  };
  for (int64_t k : kernel)
    if (k != kDynamic && k < 1)
      return fail("kernel_shape value ", k, " is less than 1");
  params.kernel.assign(kernel.begin(), kernel.end());
  if (failed(checkList(strides, "strides", spatialRank, 1, 1, params.strides)) ||
      failed(checkList(dilations, "dilations", spatialRank, 1, 1, params.dilations)) ||
      failed(checkList(pads, "pads", 2 * spatialRank, 0, 0, params.pads)))
    return failure();
  params.autoPad = autoPad;
  params.ceilMode = ceilMode;
  return success();
}

FailureOr<SmallVector<int64_t>> computeWindowOutputDims(ArrayRef<int64_t> inputDims,
                                                        const WindowParams &params,
                                                        EmitErrorFn emitError) {
  size_t n = inputDims.size();
  SmallVector<int64_t> out;
  for (size_t i = 0; i < n; ++i) {
    int64_t in = inputDims[i], stride = params.strides[i];
    if (in == kDynamic) {
      out.push_back(kDynamic);
      continue;
    }
    // SAME_* pad so that the output covers ceil(in / stride) windows whatever
    // the kernel.
    if (params.autoPad == "SAME_UPPER" || params.autoPad == "SAME_LOWER") {
      out.push_back(llvm::divideCeil(in, stride));
      continue;
    }
    int64_t k = params.kernel[i];
    if (k == kDynamic) {
      out.push_back(kDynamic);
      continue;
    }
    int64_t effectiveKernel = (k - 1) * params.dilations[i] + 1;
    int64_t padBegin = 0, padded = in;
    if (params.autoPad == "NOTSET") {
      padBegin = params.pads[i];
      padded += params.pads[i] + params.pads[i + n];
    }
    if (padded < effectiveKernel) {
      if (emitError)
        emitError() << "padded input size " << padded << " of spatial dimension " << i
                    << " is smaller than the effective kernel size " << effectiveKernel;
      return failure();
    }
    int64_t span = padded - effectiveKernel;
    int64_t size = (params.ceilMode ? llvm::divideCeil(span, stride) : span / stride) + 1;
    // As PyTorch and the ONNX reference: with ceil_mode the last window must
    // start inside the input or the left padding, not in the right padding.
    if (params.ceilMode && (size - 1) * stride >= in + padBegin)
      --size;
    out.push_back(size);
  }
  return out;
}

FailureOr<SmallVector<int64_t>> computeMatMulShape(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                                                   EmitErrorFn emitError) {
  if (lhs.empty() || rhs.empty()) {
    if (emitError)
      emitError() << "operands must have rank >= 1, got ranks " << lhs.size() << " and "
                  << rhs.size();
    return failure();
  }
  SmallVector<int64_t> a(lhs), b(rhs);
  if (lhs.size() == 1)
    a.insert(a.begin(), 1);
  if (rhs.size() == 1)
    b.push_back(1);
  int64_t k = a.back(), kb = b[b.size() - 2];
  if (!dimsCompatible(k, kb)) {
    if (emitError)
      emitError() << "contraction dimension " << k << " of A != " << kb << " of B";
    return failure();
  }
  SmallVector<int64_t> result;
  if (failed(
          broadcastShapes(ArrayRef(a).drop_back(2), ArrayRef(b).drop_back(2), result, emitError)))
    return failure();
  if (lhs.size() != 1)
    result.push_back(a[a.size() - 2]);
  if (rhs.size() != 1)
    result.push_back(b.back());
  return result;
}

FailureOr<SmallVector<int64_t>> computeGemmShape(Type a, Type b, bool transA, bool transB,
                                                 EmitErrorFn emitError) {
  // An unranked operand is still 2-D for a valid Gemm: its dimensions are unknown.
  SmallVector<int64_t> dynamic2D(2, kDynamic);
  ArrayRef<int64_t> sa = getRankedShape(a).value_or(dynamic2D);
  ArrayRef<int64_t> sb = getRankedShape(b).value_or(dynamic2D);
  if (sa.size() != 2 || sb.size() != 2) {
    if (emitError)
      emitError() << "A and B must be 2-D, got ranks " << sa.size() << " and " << sb.size();
    return failure();
  }
  int64_t m = transA ? sa[1] : sa[0], ka = transA ? sa[0] : sa[1];
  int64_t kb = transB ? sb[1] : sb[0], n = transB ? sb[0] : sb[1];
  if (!dimsCompatible(ka, kb)) {
    if (emitError)
      emitError() << "contraction dimension " << ka << " of A != " << kb << " of B";
    return failure();
  }
  return SmallVector<int64_t>{m, n};
}

LogicalResult inferUnary(Value input, Type elem, SmallVectorImpl<Type> &resultTypes) {
  auto type = dyn_cast<TensorType>(input.getType());
  if (!type)
    return success();
  resultTypes.push_back(type.clone(elem ? elem : type.getElementType()));
  return success();
}

LogicalResult inferBroadcast(Operation *op, ValueRange operands, unsigned elemFrom, Type elem,
                             SmallVectorImpl<Type> &resultTypes) {
  if (operands.empty())
    return success();
  if (!elem)
    elem = getTensorElementType(operands[elemFrom].getType());
  if (!elem)
    return success();
  auto shape = broadcastTypes(operands.getTypes(), [&] { return op->emitOpError(); });
  if (failed(shape))
    return failure();
  std::optional<ArrayRef<int64_t>> dims;
  if (*shape)
    dims = ArrayRef<int64_t>(**shape);
  resultTypes.push_back(makeTensorType(dims, elem));
  return success();
}

LogicalResult inferLikeOperand(Value shapeFrom, Value elemFrom,
                               SmallVectorImpl<Type> &resultTypes) {
  resultTypes.push_back(
      makeTensorType(getRankedShape(shapeFrom.getType()), getTensorElementType(elemFrom.getType())));
  return success();
}

Type dynamicOfRank(int64_t rank, Type elem) {
  if (rank > kMaxDerivedRank)
    return UnrankedTensorType::get(elem);
  return RankedTensorType::get(SmallVector<int64_t>(rank, kDynamic), elem);
}

} // namespace kiln::onnxir
