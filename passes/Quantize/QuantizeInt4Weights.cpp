//===- QuantizeInt4Weights.cpp - Weight-only 4-bit quantization -----------===//
//
// kiln-quantize-int4-weights (Passes.td has the rewrite): the constant weights of MatMul
// and Gemm become blocked 4-bit DequantizeLinear, the form of int4 QDQ models and of
// ORT's MatMulNBits, and constant Gather tables (embeddings) int8 per row. The CPU
// backend keeps such weights 4-bit in its kernels (backends/cpu/Int4Weights.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Folding/Literal.h"
#include "passes/Quantize/QuantizationReport.h"
#include "passes/Quantize/Selection.h"
#include "passes/Quantize/WeightQuantization.h"

#include "kiln/NodeLoc.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln {
#define GEN_PASS_DEF_QUANTIZEINT4WEIGHTS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::quantize {
namespace {

/// The clipping factors of a block's range that quantizeBlocks tries.
constexpr float kClips[] = {1.0f, 0.95f, 0.9f, 0.85f, 0.8f, 0.75f, 0.7f};

/// A weight [K, N] quantized to 4 bits in blocks of `block` k rows per column.
struct BlockQuantized {
  folding::Literal values, scales, zeroPoints; ///< ui8 [K, N], f32 and ui8 [blocks, N]
  double sqnrDb = 0;
};

BlockQuantized quantizeBlocks(const folding::Literal &w, int64_t block) {
  MLIRContext *ctx = w.elementType.getContext();
  Type u8 = IntegerType::get(ctx, 8, IntegerType::Unsigned);
  int64_t k = w.shape[0], n = w.shape[1], blocks = (k + block - 1) / block;
  BlockQuantized q;
  q.values = folding::Literal::zeros({k, n}, u8);
  q.scales = folding::Literal::zeros({blocks, n}, Float32Type::get(ctx));
  q.zeroPoints = folding::Literal::zeros({blocks, n}, u8);
  double signal = 0, noise = 0;
  // The rounding of `v` with (scale, zero) and its error.
  auto quantize = [](float v, float scale, float zero) {
    return std::clamp(std::nearbyint(v / scale) + zero, 0.0f, 15.0f);
  };
  for (int64_t kb = 0; kb < blocks; ++kb) {
    int64_t end = std::min(k, (kb + 1) * block);
    for (int64_t c = 0; c < n; ++c) {
      // The block's range, widened to hold 0.
      float lo = 0, hi = 0;
      for (int64_t r = kb * block; r < end; ++r) {
        float v = static_cast<float>(w.floats[r * n + c]);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      // The range clipped by the factor of kClips that minimizes the block's squared
      // error: 16 levels spent on a block's rare extremes cost more on its other values
      // than clipping the extremes does.
      float bestScale = 1.0f, bestZero = 0.0f;
      double bestError = std::numeric_limits<double>::infinity();
      for (float clip : kClips) {
        float l = lo * clip, h = hi * clip;
        float scale = h > l ? static_cast<float>((static_cast<double>(h) - l) / 15.0) : 1.0f;
        float zero = std::clamp(std::nearbyint(-l / scale), 0.0f, 15.0f);
        double error = 0;
        for (int64_t r = kb * block; r < end; ++r) {
          float v = static_cast<float>(w.floats[r * n + c]);
          double e = v - static_cast<double>((quantize(v, scale, zero) - zero) * scale);
          error += e * e;
        }
        if (error < bestError) {
          bestError = error;
          bestScale = scale;
          bestZero = zero;
        }
      }
      q.scales.floats[kb * n + c] = bestScale;
      q.zeroPoints.ints[kb * n + c] = static_cast<int64_t>(bestZero);
      for (int64_t r = kb * block; r < end; ++r) {
        double v = w.floats[r * n + c];
        float u = quantize(static_cast<float>(v), bestScale, bestZero);
        q.values.ints[r * n + c] = static_cast<int64_t>(u);
        double error = v - static_cast<double>((u - bestZero) * bestScale);
        signal += v * v;
        noise += error * error;
      }
    }
  }
  q.sqnrDb = noise > 0 ? 10 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  return q;
}

Value onnxOp(OpBuilder &b, Location loc, StringRef name, ValueRange operands, Type result,
             ArrayRef<NamedAttribute> attrs = {}) {
  OperationState state(loc, name);
  state.addOperands(operands);
  state.addAttributes(attrs);
  state.addTypes(result);
  return b.create(state)->getResult(0);
}

/// The 2-D f32 constant weight `w` of `op` (Gemm's transposed when `transpose`), or why not.
std::string readWeight(Value w, bool transpose, folding::Literal &out,
                       std::vector<int64_t> &modelShape) {
  std::optional<folding::Literal> lit = folding::readConstant(w);
  if (!lit)
    return "B is not a constant";
  if (!lit->elementType.isF32())
    return "B is not f32";
  modelShape.assign(lit->shape.begin(), lit->shape.end());
  if (lit->shape.size() != 2)
    return llvm::formatv("B has rank {0} (the 4-bit kernel takes a 2-D weight)",
                         lit->shape.size())
        .str();
  out = transpose ? transposeLastTwo(*lit) : std::move(*lit);
  return "";
}

struct QuantizeInt4WeightsPass
    : kiln::impl::QuantizeInt4WeightsBase<QuantizeInt4WeightsPass> {
  using QuantizeInt4WeightsBase::QuantizeInt4WeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (blockSize < 16 || blockSize > 256 || (blockSize & (blockSize - 1))) {
      module.emitError() << "block size " << static_cast<int64_t>(blockSize)
                         << " is not supported (a power of two from 16 to 256)";
      return signalPassFailure();
    }
    if (failed(checkExcludedNamesExist(module, exclude)))
      return signalPassFailure();
    llvm::StringSet<> excluded;
    for (const std::string &name : exclude)
      excluded.insert(name);
    std::vector<LayerReport> layers;
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<MatMulOp, GemmOp>(op) ||
          (gatherTables && isa<GatherOp>(op)))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      LayerReport layer;
      layer.node = joinedNames(op);
      layer.opType = opTypeOf(op);
      std::string why = isa<GatherOp>(op) ? quantizeTable(cast<GatherOp>(op), layer, excluded)
                                          : quantizeProduct(op, layer, excluded);
      // A Gather of anything but a large constant table is not a candidate at all.
      if (isa<GatherOp>(op) && !layer.quantized && why == "-")
        continue;
      if (!layer.quantized)
        layer.detail = why;
      layers.push_back(std::move(layer));
    }
    MLIRContext *ctx = module.getContext();
    Builder b(ctx);
    module->setAttr(kQuantizationReportAttr,
                    b.getArrayAttr(llvm::map_to_vector(layers, [&](const LayerReport &layer) {
                      return Attribute(layer.toAttr(ctx));
                    })));
    if (allowNone || llvm::any_of(layers, [](const LayerReport &l) { return l.quantized; }))
      return;
    InFlightDiagnostic diag = module.emitError()
                              << "nothing to quantize: no MatMul or Gemm with a constant 2-D "
                                 "f32 weight of at least "
                              << static_cast<int64_t>(minWeightElements) << " elements";
    for (const LayerReport &layer : llvm::ArrayRef(layers).take_front(5))
      diag << "; node '" << layer.node << "' (" << layer.opType << "): " << layer.detail;
    signalPassFailure();
  }

  bool isExcluded(Operation *op, const llvm::StringSet<> &excluded) {
    return llvm::any_of(nodeNames(op->getLoc()),
                        [&](StringRef name) { return excluded.contains(name); });
  }

  /// MatMul or Gemm: B through a 4-bit DequantizeLinear. Returns why not, if not.
  std::string quantizeProduct(Operation *op, LayerReport &layer,
                              const llvm::StringSet<> &excluded) {
    auto type = dyn_cast<ShapedType>(op->getOperand(0).getType());
    if (!type || !type.getElementType().isF32())
      return "A is not f32";
    bool transB = false;
    if (auto gemm = dyn_cast<GemmOp>(op))
      transB = gemm.getTransB() != 0;
    folding::Literal w;
    std::string why = readWeight(op->getOperand(1), transB, w, layer.weightShape);
    if (!why.empty())
      return why;
    if (isExcluded(op, excluded))
      return "excluded (--quantize-exclude)";
    if (w.numElements() < minWeightElements)
      return llvm::formatv("weight too small ({0} < {1} elements)", w.numElements(),
                           minWeightElements)
          .str();
    BlockQuantized q = quantizeBlocks(w, blockSize);
    OpBuilder b(op);
    Location loc = replacedNodesLoc({op});
    Value values = folding::createConstant(b, loc, q.values);
    Value scales = folding::createConstant(b, loc, q.scales);
    Value zeros = folding::createConstant(b, loc, q.zeroPoints);
    Value weight = onnxOp(b, loc, "onnx.DequantizeLinear", {values, scales, zeros}, w.getType(),
                          {b.getNamedAttr("axis", b.getI64IntegerAttr(0)),
                           b.getNamedAttr("block_size", b.getI64IntegerAttr(blockSize))});
    Value old = op->getOperand(1);
    op->setOperand(1, weight);
    if (transB)
      op->setAttr("transB", b.getI64IntegerAttr(0));
    if (Operation *def = old.getDefiningOp(); def && def->use_empty())
      def->erase();
    layer.quantized = true;
    layer.precision = "int4";
    layer.detail = llvm::formatv("4-bit weight, asymmetric, blocks of {0} k rows per column "
                                 "(f32 activations)",
                                 static_cast<int64_t>(blockSize))
                       .str();
    layer.weightSqnrDb = q.sqnrDb;
    return "";
  }

  /// Gather along axis 0 of a constant 2-D f32 table: int8 rows. "-" when the op is no
  /// table lookup at all.
  std::string quantizeTable(GatherOp op, LayerReport &layer, const llvm::StringSet<> &excluded) {
    int64_t axis = static_cast<int64_t>(op.getAxis());
    std::optional<folding::Literal> table = folding::readConstant(op.getData());
    if (!table || !table->elementType.isF32() || table->shape.size() != 2 ||
        (axis != 0 && axis != -2) || table->numElements() < minWeightElements)
      return "-";
    layer.weightShape.assign(table->shape.begin(), table->shape.end());
    if (isExcluded(op, excluded))
      return "excluded (--quantize-exclude)";
    QuantizedWeight q = quantizeWeight(*table, {1});
    OpBuilder b(op);
    Location loc = replacedNodesLoc({op});
    MLIRContext *ctx = op.getContext();
    Type f32 = Float32Type::get(ctx), i8 = IntegerType::get(ctx, 8);
    Value values = folding::createConstant(b, loc, q.values);
    Value scales = folding::createConstant(b, loc, q.scales); // [V, 1]
    Type resultType = op.getType();
    auto withElement = [&](Type element, std::optional<int64_t> lastDim = std::nullopt) -> Type {
      auto ranked = dyn_cast<RankedTensorType>(resultType);
      if (!ranked)
        return UnrankedTensorType::get(element);
      SmallVector<int64_t> shape(ranked.getShape());
      if (lastDim)
        shape.back() = *lastDim;
      return RankedTensorType::get(shape, element);
    };
    NamedAttribute axisAttr = b.getNamedAttr("axis", b.getI64IntegerAttr(0));
    Value rows = onnxOp(b, loc, "onnx.Gather", {values, op.getIndices()}, withElement(i8),
                        {axisAttr});
    Value rowScales = onnxOp(b, loc, "onnx.Gather", {scales, op.getIndices()},
                             withElement(f32, 1), {axisAttr});
    Value wide = onnxOp(b, loc, "onnx.Cast", {rows}, withElement(f32),
                        {b.getNamedAttr("to", b.getI64IntegerAttr(1))});
    Value y = onnxOp(b, loc, "onnx.Mul", {wide, rowScales}, resultType);
    Value old = op.getData();
    op.getResult().replaceAllUsesWith(y);
    op->erase();
    if (Operation *def = old.getDefiningOp(); def && def->use_empty())
      def->erase();
    layer.quantized = true;
    layer.detail = "table rows int8, symmetric, one scale per row";
    layer.weightSqnrDb = q.sqnrDb;
    return "";
  }
};

} // namespace
} // namespace kiln::quantize
