//===- ImportQdq.cpp - QDQ models onto the 8-bit kernels -------------------===//
//
// kiln-import-qdq (Passes.td has the rewrite): a MatMul, Gemm or Conv of a model that
// was quantized elsewhere (QuantizeLinear/DequantizeLinear pairs, as ORT's
// quantize_static with QuantFormat.QDQ and quantization-aware training export it) reads
// DequantizeLinear(Aq) and DequantizeLinear(Wq). Computed as written, the weight would be
// dequantized on every run and the product done in f32. Instead the contraction takes
// the 8-bit operands (Int8Rewriter.h: MatMulInteger or ConvInteger, then the scales),
// and the DequantizeLinear ops left on constants (biases, weights the 8-bit kernels do
// not take) fold into f32 constants.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Folding/Literal.h"
#include "passes/Quantize/Int8Rewriter.h"

#include "kiln/Statistic.h"

namespace kiln {
#define GEN_PASS_DEF_IMPORTQDQ
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::quantize {
namespace {

bool isNone(Value v) { return !v || isa<NoneType>(v.getType()); }

bool is8Bit(Type type) {
  auto element = dyn_cast<IntegerType>(getElementTypeOrSelf(type));
  return element && element.getWidth() == 8;
}

/// A DequantizeLinear's scale and zero point as literals (the zero point null when
/// absent), when both are constants and it is not blocked.
struct Dequantization {
  DequantizeLinearOp op;
  folding::Literal scale;
  std::optional<folding::Literal> zero;
  int64_t axis = 1;
};

std::optional<Dequantization> matchDequantization(Value v) {
  auto op = v.getDefiningOp<DequantizeLinearOp>();
  if (!op || op.getBlockSize() != 0 || !is8Bit(op.getX().getType()))
    return std::nullopt;
  std::optional<folding::Literal> scale = folding::readConstant(op.getXScale());
  if (!scale || !scale->elementType.isF32())
    return std::nullopt;
  Dequantization d{op, std::move(*scale), std::nullopt, static_cast<int64_t>(op.getAxis())};
  if (!isNone(op.getXZeroPoint())) {
    d.zero = folding::readConstant(op.getXZeroPoint());
    if (!d.zero)
      return std::nullopt;
  }
  return d;
}

/// `lit`'s elements as floats.
std::vector<float> floatsOf(const folding::Literal &lit) {
  std::vector<float> out;
  for (int64_t i = 0, e = lit.numElements(); i < e; ++i)
    out.push_back(static_cast<float>(lit.getDouble(i)));
  return out;
}

struct ImportQdqPass : kiln::impl::ImportQdqBase<ImportQdqPass> {
  using ImportQdqBase::ImportQdqBase;

  kiln::PassStatistic numImported{this, "qdq-contractions",
                                  "QDQ contractions computed on their 8-bit operands"};
  kiln::PassStatistic numGathers{this, "qdq-gathers",
                                 "Gathers of a quantized table that gather its 8-bit rows"};
  kiln::PassStatistic numFolded{this, "qdq-folded-constants",
                                "DequantizeLinear of constants folded to f32"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<MatMulOp, GemmOp, ConvOp>(op))
        ops.push_back(op);
    });
    // Biases first (int32), so that the rewrite sees them as constants; the 8-bit
    // weights the rewrite does not take after it.
    foldConstantDequantizations(module, /*minBits=*/9);
    Int8Rewriter rewriter(module.getContext());
    for (Operation *op : ops)
      if (importContraction(op, rewriter))
        ++numImported;
    SmallVector<GatherOp> gathers;
    module.walk([&](GatherOp op) { gathers.push_back(op); });
    for (GatherOp op : gathers)
      if (importGather(op))
        ++numGathers;
    foldConstantDequantizations(module, /*minBits=*/8);
  }

  /// Rewrites `op` on its 8-bit operands if it reads an 8-bit activation with a scalar
  /// scale and zero point and a constant 8-bit weight with zero points of 0, per tensor or
  /// per output channel.
  bool importContraction(Operation *op, Int8Rewriter &rewriter) {
    std::optional<Dequantization> a = matchDequantization(op->getOperand(0));
    std::optional<Dequantization> w = matchDequantization(op->getOperand(1));
    if (!a || !w || a->scale.numElements() != 1 || (a->zero && a->zero->numElements() != 1))
      return false;
    std::optional<folding::Literal> values = folding::readConstant(w->op.getX());
    if (!values || (w->zero && llvm::any_of(w->zero->ints, [](int64_t z) { return z != 0; })))
      return false;
    Contraction c;
    c.op = op;
    c.a = op->getOperand(0);
    int64_t rank = values->shape.size();
    // The output-channel dim of the weight as the model holds it.
    int64_t channelDim;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      if (conv.getGroup() != 1 || rank < 3)
        return false; // the 8-bit convolution takes group 1
      c.conv = true;
      channelDim = 0;
      if (!isNone(conv.getB()))
        c.bias = conv.getB();
    } else if (auto gemm = dyn_cast<GemmOp>(op)) {
      if (rank != 2)
        return false;
      bool transB = gemm.getTransB() != 0;
      channelDim = transB ? 0 : 1;
      c.transA = gemm.getTransA() != 0;
      auto attr = [&](StringRef name) {
        auto value = op->getAttrOfType<FloatAttr>(name);
        return value ? value.getValueAsDouble() : 1.0;
      };
      c.alpha = attr("alpha");
      c.beta = attr("beta");
      if (!isNone(gemm.getC()) && c.beta != 0.0)
        c.bias = gemm.getC();
    } else {
      if (rank != 2)
        return false; // a batched weight: scales per batch and column
      channelDim = 1;
    }
    int64_t axis = w->axis < 0 ? w->axis + rank : w->axis;
    int64_t scales = w->scale.numElements();
    if (scales != 1 && (axis != channelDim || scales != values->shape[channelDim]))
      return false;
    // The weight as [K, N] (or the Conv's [M, C, k...]) with scales of its shape, the
    // reduced dims set to 1 (WeightQuantization.h).
    QuantizedWeight q;
    q.values = std::move(*values);
    bool transpose = isa<GemmOp>(op) && channelDim == 0;
    if (transpose)
      q.values = transposeLastTwo(q.values);
    int64_t channels = c.conv ? q.values.shape[0] : q.values.shape[1];
    SmallVector<int64_t> scaleShape(q.values.shape.size(), 1);
    scaleShape[c.conv ? 0 : 1] = channels;
    q.scales = folding::Literal::zeros(scaleShape, Float32Type::get(op->getContext()));
    std::vector<float> s = floatsOf(w->scale);
    for (int64_t i = 0; i < channels; ++i)
      q.scales.floats[i] = s[scales == 1 ? 0 : i];

    OpBuilder b(op);
    QuantizedActivation qa;
    qa.values = a->op.getX();
    qa.scale = a->op.getXScale();
    qa.constantScale = floatsOf(a->scale)[0];
    qa.zeroPoint = a->zero ? a->op.getXZeroPoint()
                           : NoValueOp::create(b, a->op.getLoc(), b.getNoneType()).getResult();
    rewriter.rewriteWith(c, q, qa);
    for (Operation *dq : {a->op.getOperation(), w->op.getOperation()})
      eraseIfDead(dq);
    return true;
  }

  /// Gather(DequantizeLinear(T), i) with a scale that does not vary along the gathered
  /// axis becomes DequantizeLinear(Gather(T, i)): a quantized embedding table stays
  /// 8-bit and only the rows gathered are dequantized (folding the table to f32 would
  /// quadruple its bytes, dequantizing it whole would cost a pass over it every run).
  bool importGather(GatherOp op) {
    auto dq = op.getData().getDefiningOp<DequantizeLinearOp>();
    auto dataType = dq ? dyn_cast<RankedTensorType>(dq.getX().getType()) : RankedTensorType();
    auto indexType = dyn_cast<RankedTensorType>(op.getIndices().getType());
    auto scaleType = dq ? dyn_cast<RankedTensorType>(dq.getXScale().getType()) : RankedTensorType();
    if (!dq || dq.getBlockSize() != 0 || !dataType || !indexType || !scaleType ||
        !folding::isConstant(dq.getX()))
      return false;
    int64_t rank = dataType.getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    axis = axis < 0 ? axis + rank : axis;
    int64_t scaleAxis = static_cast<int64_t>(dq.getAxis());
    scaleAxis = scaleAxis < 0 ? scaleAxis + rank : scaleAxis;
    bool perTensor = scaleType.getNumElements() == 1;
    if (axis < 0 || axis >= rank || (!perTensor && (scaleAxis == axis || scaleAxis < 0 ||
                                                    scaleAxis >= rank)))
      return false;
    // The scale's axis in the gathered result: [data[:axis], indices..., data[axis+1:]].
    int64_t newAxis = scaleAxis < axis ? scaleAxis : scaleAxis - 1 + indexType.getRank();
    SmallVector<int64_t> shape(dataType.getShape().take_front(axis));
    shape.append(indexType.getShape().begin(), indexType.getShape().end());
    shape.append(dataType.getShape().begin() + axis + 1, dataType.getShape().end());
    OpBuilder b(op);
    OperationState gather(op.getLoc(), op->getName());
    gather.addOperands({dq.getX(), op.getIndices()});
    gather.addAttributes(op->getAttrs());
    gather.addTypes(RankedTensorType::get(shape, dataType.getElementType()));
    Value rows = b.create(gather)->getResult(0);
    OperationState dequantize(dq.getLoc(), dq->getName());
    dequantize.addOperands({rows, dq.getXScale(), dq.getXZeroPoint()});
    dequantize.addAttributes(dq->getAttrs());
    dequantize.addTypes(op.getType());
    Operation *result = b.create(dequantize);
    if (!perTensor)
      result->setAttr("axis", b.getI64IntegerAttr(newAxis));
    op.getResult().replaceAllUsesWith(result->getResult(0));
    op->erase();
    eraseIfDead(dq);
    return true;
  }

  /// Erases `op` if nothing uses it, and then its operands' constants that nothing uses.
  static void eraseIfDead(Operation *op) {
    if (!op->use_empty())
      return;
    SmallVector<Operation *> operands;
    for (Value v : op->getOperands())
      if (Operation *def = v.getDefiningOp(); def && isa<ConstantOp, NoValueOp>(def))
        operands.push_back(def);
    op->erase();
    for (Operation *def : operands)
      if (def->use_empty())
        def->erase();
  }

  /// DequantizeLinear of constants of at least `minBits` bits (a bias, a weight left in
  /// f32) as f32 constants: else they run on every call. 4-bit ones stay: the CPU backend
  /// keeps such weights 4-bit (backends/cpu/Int4Weights.cpp).
  void foldConstantDequantizations(ModuleOp module, unsigned minBits) {
    SmallVector<DequantizeLinearOp> dqs;
    module.walk([&](DequantizeLinearOp op) { dqs.push_back(op); });
    for (DequantizeLinearOp op : dqs) {
      auto resultType = dyn_cast<RankedTensorType>(op.getType());
      auto element = dyn_cast<IntegerType>(getElementTypeOrSelf(op.getX().getType()));
      if (!resultType || !resultType.getElementType().isF32() || !element ||
          element.getWidth() < minBits || op.getBlockSize() != 0)
        continue;
      std::optional<folding::Literal> x = folding::readConstant(op.getX());
      std::optional<folding::Literal> scale = folding::readConstant(op.getXScale());
      std::optional<folding::Literal> zero;
      if (!isNone(op.getXZeroPoint()))
        zero = folding::readConstant(op.getXZeroPoint());
      if (!x || !scale || (!isNone(op.getXZeroPoint()) && !zero) ||
          !scale->elementType.isF32())
        continue;
      int64_t rank = x->shape.size(), n = x->numElements();
      int64_t axis = static_cast<int64_t>(op.getAxis());
      axis = axis < 0 ? axis + rank : axis;
      int64_t params = scale->numElements();
      // Per tensor, or per axis (a 1-D scale along `axis`).
      if (params != 1 && (axis < 0 || axis >= rank || params != x->shape[axis]))
        continue;
      if (zero && zero->numElements() != params)
        continue;
      int64_t inner = 1;
      for (int64_t d = axis + 1; d < rank; ++d)
        inner *= x->shape[d];
      folding::Literal out = folding::Literal::zeros(x->shape, resultType.getElementType());
      for (int64_t i = 0; i < n; ++i) {
        int64_t p = params == 1 ? 0 : (i / inner) % params;
        double z = zero ? zero->getDouble(p) : 0.0;
        out.floats[i] = folding::roundToFloatType(
            static_cast<double>(static_cast<float>(x->getDouble(i) - z) *
                                static_cast<float>(scale->getDouble(p))),
            out.elementType);
      }
      OpBuilder b(op);
      op.getResult().replaceAllUsesWith(folding::createConstant(b, op.getLoc(), out));
      eraseIfDead(op);
      ++numFolded;
    }
  }
};

} // namespace
} // namespace kiln::quantize
