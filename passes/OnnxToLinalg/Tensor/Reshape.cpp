//===- Reshape.cpp - Lower onnx.Reshape -----------------------------------===//
//
// Reshapes become tensor.expand_shape / tensor.collapse_shape whenever the new shape is a
// regrouping of the old dims that can be proven at compile time: those ops keep the
// data's layout visible to fusion and bufferize to views. Only reshapes that are not a
// regrouping, or whose target shape is known only at run time, use tensor.reshape.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <numeric>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// One dim of a shape as far as it is known at compile time: a static size, the
/// (dynamic) size of dim `dim` of the reshaped data, or unknown.
struct SymDim {
  enum Kind { Static, DataDim, Unknown } kind = Unknown;
  int64_t value = 0; // the size (Static) or the data dim (DataDim)
  static SymDim of(int64_t v) { return {Static, v}; }
  static SymDim dim(int64_t d) { return {DataDim, d}; }
  bool operator==(const SymDim &o) const { return kind == o.kind && value == o.value; }
};

/// Follows entry `idx` of an ONNX shape tensor through the ops PyTorch emits for
/// `x.view(x.size(0), -1)` (Shape -> Gather -> Unsqueeze -> Concat) so that the common
/// dynamic-batch reshape still lowers to a collapse_shape. Returns the raw ONNX entry
/// (0 and -1 keep their Reshape meaning) or Unknown.
SymDim traceShapeEntry(Value shape, int64_t idx, Value data, int depth = 0) {
  if (depth > 8)
    return {};
  if (std::optional<SmallVector<int64_t>> ints = matchConstantI64s(shape)) {
    if (idx < static_cast<int64_t>(ints->size()))
      return SymDim::of((*ints)[idx]);
    return {};
  }
  Operation *def = shape.getDefiningOp();
  if (!def)
    return {};
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    for (Value input : concat.getInputs()) {
      auto type = dyn_cast<RankedTensorType>(input.getType());
      if (!type || type.getRank() != 1 || type.isDynamicDim(0))
        return {};
      if (idx < type.getDimSize(0))
        return traceShapeEntry(input, idx, data, depth + 1);
      idx -= type.getDimSize(0);
    }
    return {};
  }
  if (auto unsqueeze = dyn_cast<UnsqueezeOp>(def))
    return traceShapeEntry(unsqueeze.getData(), idx, data, depth + 1);
  if (auto gather = dyn_cast<GatherOp>(def)) {
    std::optional<SmallVector<int64_t>> indices = matchConstantI64s(gather.getIndices());
    auto srcType = dyn_cast<RankedTensorType>(gather.getData().getType());
    if (!indices || idx >= static_cast<int64_t>(indices->size()) || !srcType ||
        srcType.getRank() != 1 || srcType.isDynamicDim(0))
      return {};
    int64_t i = (*indices)[idx];
    return traceShapeEntry(gather.getData(), i < 0 ? i + srcType.getDimSize(0) : i, data,
                           depth + 1);
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    // x.size()[a:b] with constant a, b and step 1 (GPT-2's x.size()[:-1] + (h, d)).
    auto srcType = dyn_cast<RankedTensorType>(slice.getData().getType());
    std::optional<SmallVector<int64_t>> starts = matchConstantI64s(slice.getStarts());
    if (!srcType || srcType.getRank() != 1 || srcType.isDynamicDim(0) || !starts ||
        starts->size() != 1 || !isa<NoneType>(slice.getSteps().getType()))
      return {};
    int64_t n = srcType.getDimSize(0), start = (*starts)[0];
    start = std::clamp<int64_t>(start < 0 ? start + n : start, 0, n);
    return traceShapeEntry(slice.getData(), start + idx, data, depth + 1);
  }
  if (auto shapeOp = dyn_cast<ShapeOp>(def)) {
    auto type = dyn_cast<RankedTensorType>(shapeOp.getData().getType());
    if (!type)
      return {};
    int64_t rank = type.getRank();
    int64_t start = static_cast<int64_t>(shapeOp.getStart());
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    int64_t d = start + idx;
    if (d >= rank)
      return {};
    if (!type.isDynamicDim(d))
      return SymDim::of(type.getDimSize(d));
    if (shapeOp.getData() == data)
      return SymDim::dim(d);
  }
  return {};
}

/// Splits src and dst shapes into groups with equal products, each group holding either
/// one dynamic dim on both sides (the same data dim) or only static dims. Fails when the
/// reshape is not such a regrouping.
LogicalResult groupDims(ArrayRef<SymDim> src, ArrayRef<SymDim> dst,
                        SmallVector<ReassociationIndices> &srcGroups,
                        SmallVector<ReassociationIndices> &dstGroups) {
  size_t i = 0, k = 0;
  auto isOne = [](const SymDim &d) { return d.kind == SymDim::Static && d.value == 1; };
  while (i < src.size() && k < dst.size()) {
    ReassociationIndices sg, dg;
    // Unit dims before a dynamic dim join its group.
    while (i < src.size() && isOne(src[i]) && k < dst.size() && dst[k].kind != SymDim::Static)
      sg.push_back(i++);
    while (k < dst.size() && isOne(dst[k]) && i < src.size() && src[i].kind != SymDim::Static)
      dg.push_back(k++);
    if (i >= src.size() || k >= dst.size())
      return failure();
    if (src[i].kind != SymDim::Static || dst[k].kind != SymDim::Static) {
      if (!(src[i] == dst[k]))
        return failure();
      sg.push_back(i++);
      dg.push_back(k++);
    } else {
      int64_t p = src[i].value, q = dst[k].value;
      sg.push_back(i++);
      dg.push_back(k++);
      while (p != q) {
        if (p < q && i < src.size() && src[i].kind == SymDim::Static)
          p *= src[i].value, sg.push_back(i++);
        else if (q < p && k < dst.size() && dst[k].kind == SymDim::Static)
          q *= dst[k].value, dg.push_back(k++);
        else
          return failure();
      }
    }
    srcGroups.push_back(sg);
    dstGroups.push_back(dg);
  }
  // Trailing unit dims join the last group; a 0-d side has no groups at all.
  for (; i < src.size(); ++i) {
    if (!isOne(src[i]))
      return failure();
    if (!srcGroups.empty())
      srcGroups.back().push_back(i);
  }
  for (; k < dst.size(); ++k) {
    if (!isOne(dst[k]))
      return failure();
    if (!dstGroups.empty())
      dstGroups.back().push_back(k);
  }
  return success();
}

/// Reshapes `data` to `dstDims` (fully resolved, no Unknown) with collapse_shape and/or
/// expand_shape; returns null if the reshape is not a regrouping of dims.
Value buildRegroupingReshape(OpBuilder &b, Location loc, Value data, ArrayRef<SymDim> dstDims,
                             RankedTensorType resultType) {
  auto srcType = cast<RankedTensorType>(data.getType());
  SmallVector<SymDim> srcDims;
  for (int64_t d = 0; d < srcType.getRank(); ++d)
    srcDims.push_back(srcType.isDynamicDim(d) ? SymDim::dim(d) : SymDim::of(srcType.getDimSize(d)));
  SmallVector<ReassociationIndices> srcGroups, dstGroups;
  if (failed(groupDims(srcDims, dstDims, srcGroups, dstGroups)))
    return nullptr;
  // Collapse every group to one dim, then expand it to the destination's dims.
  Value current = data;
  if (llvm::any_of(srcGroups, [](auto &g) { return g.size() != 1; }) ||
      srcGroups.size() != srcDims.size())
    current = tensor::CollapseShapeOp::create(b, loc, data, srcGroups);
  if (llvm::any_of(dstGroups, [](auto &g) { return g.size() != 1; }) ||
      dstGroups.size() != dstDims.size()) {
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> outputShape;
    for (const SymDim &d : dstDims) {
      if (d.kind == SymDim::Static) {
        shape.push_back(d.value);
        outputShape.push_back(b.getIndexAttr(d.value));
      } else {
        shape.push_back(ShapedType::kDynamic);
        outputShape.push_back(OpFoldResult(tensor::DimOp::create(b, loc, data, d.value)));
      }
    }
    auto type = RankedTensorType::get(shape, srcType.getElementType());
    current = tensor::ExpandShapeOp::create(b, loc, type, current, dstGroups, outputShape);
  }
  // A dim copied from a dynamic input dim may be static in the result type (value_info).
  return castWithCheck(b, loc, nullptr, current, resultType);
}

struct ReshapeLowering : OnnxLoweringPattern<ReshapeOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ReshapeOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    RankedTensorType dataType = getRankedInputType(rewriter, op, data, "the data");
    if (!dataType)
      return failure();
    auto shapeType = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
    if (!shapeType || shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
      return reject(rewriter, op, "the shape input does not have a static length");
    int64_t rank = shapeType.getDimSize(0);
    if (rank != resultType.getRank())
      return reject(rewriter, op, "the shape length differs from the result rank");
    bool allowZero = op.getAllowzero() != 0;
    Location loc = op.getLoc();

    // Resolve what is known at compile time: 0 copies a data dim, -1 is inferred below.
    SmallVector<SymDim> dims;
    int64_t inferred = -1;
    // Entries not traced to a constant or a dim of the data: their resolution below is
    // what shape inference or resolveLastDynamic assumed, so it is checked at run time.
    SmallVector<int64_t> assumed;
    for (int64_t i = 0; i < rank; ++i) {
      SymDim d = traceShapeEntry(op.getShape(), i, op.getData());
      // Shape inference's data propagation may know more than the trace (a static
      // result dim), but only from what the model promised about its inputs.
      if (d.kind == SymDim::Unknown && !resultType.isDynamicDim(i)) {
        dims.push_back(SymDim::of(resultType.getDimSize(i)));
        assumed.push_back(i);
        continue;
      }
      if (d.kind == SymDim::Unknown)
        assumed.push_back(i);
      if (d.kind == SymDim::Static && d.value == 0 && !allowZero) {
        if (i >= dataType.getRank())
          return reject(rewriter, op, "a 0 in the shape has no data dim to copy");
        d = dataType.isDynamicDim(i) ? SymDim::dim(i) : SymDim::of(dataType.getDimSize(i));
      } else if (d.kind == SymDim::Static && d.value == -1) {
        inferred = i;
      } else if (d.kind == SymDim::DataDim && !dataType.isDynamicDim(d.value)) {
        d = SymDim::of(dataType.getDimSize(d.value));
      }
      dims.push_back(d);
    }
    if (inferred >= 0)
      dims[inferred] = inferDim(dataType, dims, inferred);
    resolveLastDynamic(dataType, dims);
    // The run-time sizes with their checks, built at most once.
    SmallVector<Value> sizes;
    auto runtimeSizes = [&]() -> ArrayRef<Value> {
      if (sizes.empty())
        sizes = computeReshapeSizes(rewriter, loc, op, data, adaptor.getShape(), rank, allowZero);
      return sizes;
    };
    if (llvm::none_of(dims, [](const SymDim &d) { return d.kind == SymDim::Unknown; })) {
      if (!assumed.empty()) {
        // The -1 entry (if any) was derived from the assumed ones: check them all.
        (void)runtimeSizes(); // for its checks
        for (int64_t i = 0; i < rank; ++i) {
          OpFoldResult want = dims[i].kind == SymDim::Static
                                  ? OpFoldResult(rewriter.getIndexAttr(dims[i].value))
                                  : tensor::getMixedSize(rewriter, loc, data, dims[i].value);
          checkSizesEqual(rewriter, loc, op, sizes[i], want,
                          "the requested shape has {} in dim " + Twine(i) +
                              " where the model's shapes imply {}");
        }
      }
      if (Value result = buildRegroupingReshape(rewriter, loc, data, dims, resultType)) {
        rewriter.replaceOp(op, result);
        return success();
      }
    }

    // General case: compute the target shape at run time and use tensor.reshape.
    SmallVector<Value> elements;
    for (auto [i, v] : llvm::enumerate(runtimeSizes())) {
      if (!resultType.isDynamicDim(i))
        checkSizesEqual(rewriter, loc, op, v, rewriter.getIndexAttr(resultType.getDimSize(i)),
                        "the requested shape has {} in dim " + Twine(i) +
                            " where shape inference derived {}");
      elements.push_back(arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), v));
    }
    Value shape = tensor::FromElementsOp::create(
        rewriter, loc, RankedTensorType::get({rank}, rewriter.getI64Type()), elements);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, resultType, data, shape);
    return success();
  }

  /// The sizes Reshape produces from the run-time `shape` (0 copies the data's dim
  /// unless `allowZero`, one -1 takes the rest), checking what ONNX Runtime checks: no
  /// entry below -1, at most one -1, no 0 past the data's rank to copy, and an element
  /// count equal to the data's (for a -1: the others' product divides it and is not 0).
  static SmallVector<Value> computeReshapeSizes(OpBuilder &b, Location loc, Operation *op,
                                                Value data, Value shapeTensor, int64_t rank,
                                                bool allowZero) {
    auto dataType = cast<RankedTensorType>(data.getType());
    SmallVector<Value> raw = getIndexValues(b, loc, shapeTensor, rank);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value minusOne = arith::ConstantIndexOp::create(b, loc, -1);
    auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) {
      return b.createOrFold<arith::CmpIOp>(loc, p, x, y);
    };
    Value total = one;
    for (int64_t d = 0; d < dataType.getRank(); ++d)
      total = b.createOrFold<arith::MulIOp>(loc, total, getDimValue(b, loc, data, d));
    SmallVector<Value> sizes;
    Value known = one, inferredCount = zero;
    for (int64_t i = 0; i < rank; ++i) {
      Value v = raw[i];
      checkSizes(b, loc, op, arith::CmpIPredicate::sge, v, b.getIndexAttr(-1),
                 "the requested shape has {} in dim " + Twine(i) + " (expected >= {})");
      if (!allowZero && i < dataType.getRank()) {
        Value isZero = cmp(arith::CmpIPredicate::eq, v, zero);
        v = b.createOrFold<arith::SelectOp>(loc, isZero, getDimValue(b, loc, data, i), v);
      } else if (!allowZero) {
        checkSizes(b, loc, op, arith::CmpIPredicate::ne, v, zero,
                   "the requested shape has {} in dim " + Twine(i) +
                       ", past the input's rank, where a 0 has no input dim to copy "
                       "(expected not {})");
      }
      Value isInferred = cmp(arith::CmpIPredicate::eq, v, minusOne);
      known = b.createOrFold<arith::MulIOp>(
          loc, known, b.createOrFold<arith::SelectOp>(loc, isInferred, one, v));
      inferredCount = b.createOrFold<arith::AddIOp>(
          loc, inferredCount, b.createOrFold<arith::SelectOp>(loc, isInferred, one, zero));
      sizes.push_back(v);
    }
    checkSizes(b, loc, op, arith::CmpIPredicate::sle, inferredCount, one,
               "the requested shape has {} entries of -1 (expected at most {})");
    Value hasInferred = cmp(arith::CmpIPredicate::eq, inferredCount, one);
    // With a -1: known != 0 and known divides total. Without: known == total.
    Value safeKnown = b.createOrFold<arith::SelectOp>(
        loc, cmp(arith::CmpIPredicate::eq, known, zero), one, known);
    Value rem = b.createOrFold<arith::RemUIOp>(loc, total, safeKnown);
    Value divides = b.createOrFold<arith::AndIOp>(
        loc, cmp(arith::CmpIPredicate::ne, known, zero), cmp(arith::CmpIPredicate::eq, rem, zero));
    Value ok = b.createOrFold<arith::SelectOp>(loc, hasInferred, divides,
                                               cmp(arith::CmpIPredicate::eq, known, total));
    emitShapeCheck(b, loc, op, ok, total, known,
                   "the input has {} elements, which the requested shape cannot hold (its "
                   "entries other than -1 multiply to {})");
    Value inferredSize = b.createOrFold<arith::DivUIOp>(loc, total, safeKnown);
    for (Value &v : sizes)
      v = b.createOrFold<arith::SelectOp>(loc, cmp(arith::CmpIPredicate::eq, v, minusOne),
                                          inferredSize, v);
    return sizes;
  }

  /// When exactly one entry is unknown and the data has exactly one dynamic dim not
  /// named by another entry, the unknown entry is that dim if the static parts agree:
  /// (d * P = D * P with P != 0 means d = D). This covers a target computed from another
  /// tensor's shape (GPT-2 reshapes a Split output with a Shape of the Split input).
  static void resolveLastDynamic(RankedTensorType dataType, MutableArrayRef<SymDim> dims) {
    auto unknown = llvm::make_filter_range(
        llvm::seq<size_t>(0, dims.size()), [&](size_t i) { return dims[i].kind == SymDim::Unknown; });
    if (llvm::range_size(unknown) != 1)
      return;
    size_t target = *unknown.begin();
    int64_t staticData = 1, staticDims = 1;
    SmallVector<int64_t> dynamic;
    for (int64_t d = 0; d < dataType.getRank(); ++d) {
      if (dataType.isDynamicDim(d))
        dynamic.push_back(d);
      else
        staticData *= dataType.getDimSize(d);
    }
    for (const SymDim &d : dims) {
      if (d.kind == SymDim::Static)
        staticDims *= d.value;
      else if (d.kind == SymDim::DataDim)
        llvm::erase(dynamic, d.value);
    }
    if (dynamic.size() == 1 && staticData == staticDims && staticData != 0)
      dims[target] = SymDim::dim(dynamic.front());
  }

  /// The -1 entry: the data's size divided by the other entries, when that is a static
  /// size or exactly one dynamic data dim.
  static SymDim inferDim(RankedTensorType dataType, ArrayRef<SymDim> dims, int64_t inferred) {
    int64_t coefficient = 1;
    SmallVector<int64_t> dynamic;
    for (int64_t d = 0; d < dataType.getRank(); ++d) {
      if (dataType.isDynamicDim(d))
        dynamic.push_back(d);
      else
        coefficient *= dataType.getDimSize(d);
    }
    int64_t divisor = 1;
    for (int64_t i = 0; i < static_cast<int64_t>(dims.size()); ++i) {
      if (i == inferred)
        continue;
      if (dims[i].kind == SymDim::Unknown)
        return {};
      if (dims[i].kind == SymDim::Static) {
        divisor *= dims[i].value;
        continue;
      }
      auto it = llvm::find(dynamic, dims[i].value);
      if (it == dynamic.end())
        return {};
      dynamic.erase(it);
    }
    if (divisor == 0 || coefficient % divisor != 0)
      return {};
    if (dynamic.empty())
      return SymDim::of(coefficient / divisor);
    if (dynamic.size() == 1 && coefficient == divisor)
      return SymDim::dim(dynamic.front());
    return {};
  }
};

} // namespace

void populateReshapePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
