//===- QuantizeContractions.cpp - int8 quantization of contractions -------===//
//
// kiln-quantize-dynamic and kiln-quantize-static (Passes.td has the rewrites): MatMul,
// Gemm and Conv with constant f32 weights become DynamicQuantizeLinear (dynamic) or
// QuantizeLinear with calibrated constants (static) -> MatMulInteger / ConvInteger ->
// Cast -> Mul by the scales, as ONNX Runtime's quantizers write them. The 8-bit product
// is what backends/cpu/Int8Kernel.cpp computes with VNNI (u8 x s8 is its native form),
// and the Cast and Mul (and a bias Add) fuse into its epilogue. kiln-add-calibration-
// outputs returns the activations whose ranges the static scheme needs
// (StaticQuantization.h).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Folding/Literal.h"
#include "passes/Quantize/Int8Rewriter.h"
#include "passes/Quantize/QuantizationReport.h"
#include "passes/Quantize/Selection.h"
#include "passes/Quantize/StaticQuantization.h"
#include "passes/Quantize/WeightQuantization.h"

#include "kiln/NodeLoc.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_QUANTIZEDYNAMIC
#define GEN_PASS_DEF_QUANTIZESTATIC
#define GEN_PASS_DEF_ADDCALIBRATIONOUTPUTS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::quantize {
namespace {

constexpr llvm::StringLiteral kDynamicScheme =
    "u8 activation per tensor at run time, s8 weight per channel (symmetric)";
constexpr llvm::StringLiteral kStaticScheme =
    "u8 activation per tensor (calibrated), s8 weight per channel (symmetric)";


bool isNone(Value v) { return !v || isa<NoneType>(v.getType()); }

bool isF32(Value v) {
  auto type = dyn_cast<ShapedType>(v.getType());
  return type && type.getElementType().isF32();
}

int64_t intAttrOr(Operation *op, StringRef name, int64_t fallback) {
  auto attr = op->getAttrOfType<IntegerAttr>(name);
  return attr ? attr.getInt() : fallback;
}

double floatAttrOr(Operation *op, StringRef name, double fallback) {
  auto attr = op->getAttrOfType<FloatAttr>(name);
  return attr ? attr.getValueAsDouble() : fallback;
}

/// Reads the constant f32 weight `w` into `c.weight`; the reason it cannot be, if not.
std::string readWeight(Value w, StringRef what, Contraction &c) {
  std::optional<folding::Literal> lit = folding::readConstant(w);
  if (!lit)
    return (what + " is not a constant").str();
  if (!lit->elementType.isF32())
    return (what + " is not f32").str();
  c.weight = std::move(*lit);
  c.modelShape = c.weight.shape;
  return "";
}

/// Fills `c` for a MatMul, Gemm or Conv; returns why it stays f32 (empty: it can be
/// quantized, size and exclusion aside).
std::string analyze(Operation *op, Contraction &c) {
  c.op = op;
  c.a = op->getOperand(0);
  if (!isF32(c.a))
    return "A is not f32";
  if (auto matmul = dyn_cast<MatMulOp>(op)) {
    if (std::string why = readWeight(matmul.getB(), "B", c); !why.empty())
      return why;
    if (c.weight.shape.size() < 2)
      return "B is 1-D (a matrix-vector product)";
    auto aType = dyn_cast<RankedTensorType>(c.a.getType());
    if (c.weight.shape.size() > 2 && (!aType || aType.getRank() < 2))
      return "batched B with a 1-D or unranked A";
    return "";
  }
  if (auto gemm = dyn_cast<GemmOp>(op)) {
    if (std::string why = readWeight(gemm.getB(), "B", c); !why.empty())
      return why;
    if (c.weight.shape.size() != 2)
      return "B is not 2-D";
    if (intAttrOr(op, "transB", 0))
      c.weight = transposeLastTwo(c.weight);
    c.transA = intAttrOr(op, "transA", 0) != 0;
    c.alpha = floatAttrOr(op, "alpha", 1.0);
    c.beta = floatAttrOr(op, "beta", 1.0);
    if (!isNone(gemm.getC()) && c.beta != 0.0)
      c.bias = gemm.getC();
    return "";
  }
  auto conv = cast<ConvOp>(op);
  if (std::string why = readWeight(conv.getW(), "W", c); !why.empty())
    return why;
  if (c.weight.shape.size() < 3 || !isa<RankedTensorType>(c.a.getType()))
    return "X or W is not ranked";
  if (int64_t group = intAttrOr(op, "group", 1); group != 1)
    return llvm::formatv("grouped convolution (group = {0}; the 8-bit kernel takes group 1)",
                         group)
        .str();
  c.conv = true;
  if (!isNone(conv.getB()))
    c.bias = conv.getB();
  return "";
}

/// The weight elements one product multiplies: K x N (per batch), or all of a Conv's.
int64_t productElements(const Contraction &c) {
  if (c.conv)
    return c.weight.numElements();
  size_t rank = c.weight.shape.size();
  return c.weight.shape[rank - 2] * c.weight.shape[rank - 1];
}

RankedTensorType sameShape(Type type, Type element) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked ? RankedTensorType::get(ranked.getShape(), element) : RankedTensorType();
}

Type tensorLike(Type type, Type element) {
  if (RankedTensorType ranked = sameShape(type, element))
    return ranked;
  return UnrankedTensorType::get(element);
}

/// The options every scheme shares.
struct SelectionOptions {
  llvm::ArrayRef<std::string> exclude;
  int64_t minWeightElements;
};

/// A contraction of the module and what becomes of it.
struct Candidate {
  Contraction c;
  LayerReport layer; ///< layer.detail: why it stays f32 when not quantized (yet)
  bool quantize = false;
};

/// Every MatMul, Gemm and Conv (and the layout plugin's NHWC Conv) of `module`, in
/// program order, with what would keep it in f32.
std::vector<Candidate> selectContractions(ModuleOp module, const SelectionOptions &options) {
  llvm::StringSet<> excluded;
  for (const std::string &name : options.exclude)
    excluded.insert(name);
  std::vector<Candidate> candidates;
  module.walk([&](Operation *op) {
    if (!isa<MatMulOp, GemmOp, ConvOp>(op) && op->getName().getStringRef() != "kiln.conv_nhwc")
      return;
    Candidate cand;
    cand.layer.node = joinedNames(op);
    cand.layer.opType = opTypeOf(op);
    Contraction &c = cand.c;
    std::string why;
    if (!isa<MatMulOp, GemmOp, ConvOp>(op)) {
      why = "NHWC convolution (kiln.conv_nhwc), which has no 8-bit form";
    } else {
      why = analyze(op, c);
      cand.layer.weightShape.assign(c.modelShape.begin(), c.modelShape.end());
    }
    if (why.empty() && llvm::any_of(nodeNames(op->getLoc()),
                                    [&](StringRef name) { return excluded.contains(name); }))
      why = "excluded (--quantize-exclude)";
    if (why.empty() && productElements(c) < options.minWeightElements)
      why = llvm::formatv("weight too small ({0} < {1} elements per product)",
                          productElements(c), options.minWeightElements)
                .str();
    cand.quantize = why.empty();
    cand.layer.detail = why;
    candidates.push_back(std::move(cand));
  });
  return candidates;
}

/// The error of a module where no contraction can be quantized: why, node by node.
LogicalResult nothingToQuantize(ModuleOp module, llvm::ArrayRef<Candidate> candidates,
                                const SelectionOptions &options) {
  InFlightDiagnostic diag = module.emitError()
                            << "nothing to quantize: no MatMul, Gemm or Conv with a "
                               "constant f32 weight of at least "
                            << options.minWeightElements << " elements per product";
  if (candidates.empty())
    diag << " (the model has no MatMul, Gemm or Conv)";
  for (const Candidate &c : candidates.take_front(5))
    diag << "; node '" << c.layer.node << "' (" << c.layer.opType << "): " << c.layer.detail;
  if (candidates.size() > 5)
    diag << "; and " << candidates.size() - 5 << " more";
  return failure();
}

/// The range of `op`'s activation: from `ranges` by node key, else its attribute.
std::optional<ActivationRange> rangeOf(Operation *op, const ActivationRanges &ranges) {
  auto it = ranges.find(joinedNames(op));
  if (it != ranges.end())
    return it->second;
  if (auto attr = op->getAttrOfType<DenseF64ArrayAttr>(kActivationRangeAttr);
      attr && attr.size() == 2)
    return ActivationRange{attr[0], attr[1]};
  return std::nullopt;
}

/// Appends `value` to the results of `func` (and its return), named `name`.
LogicalResult appendResult(func::FuncOp func, Value value, StringRef name) {
  Builder b(func.getContext());
  if (failed(func.insertResult(
          func.getNumResults(), value.getType(),
          b.getDictionaryAttr(b.getNamedAttr("onnx.name", b.getStringAttr(name))))))
    return failure();
  Operation *ret = func.getBody().back().getTerminator();
  ret->insertOperands(ret->getNumOperands(), value);
  return success();
}

/// Quantizes the selected contractions of `module` (static when `ranges` is given: those
/// without a range stay f32), records the report and fails when nothing was quantized
/// unless `allowNone`. With `layerOutputs`, each quantized top-level contraction's new
/// result is returned as kLayerOutputPrefix + its node key.
LogicalResult quantizeModule(ModuleOp module, const SelectionOptions &options, bool allowNone,
                             const ActivationRanges *ranges, bool layerOutputs = false) {
  if (failed(checkExcludedNamesExist(module, options.exclude)))
    return failure();
  std::vector<Candidate> candidates = selectContractions(module, options);
  Int8Rewriter rewriter(module.getContext());
  for (Candidate &cand : candidates) {
    Contraction &c = cand.c;
    std::optional<ActivationRange> range;
    if (cand.quantize && ranges) {
      range = rangeOf(c.op, *ranges);
      if (!range) {
        cand.quantize = false;
        cand.layer.detail = "no calibration range for its activation";
      }
    }
    if (!cand.quantize)
      continue;
    // A may be the result of a contraction rewritten (and erased) before this one: read
    // it from the op now.
    c.a = c.op->getOperand(0);
    SmallVector<int64_t> reduced;
    if (c.conv)
      for (int64_t d = 1, e = c.weight.shape.size(); d < e; ++d)
        reduced.push_back(d);
    else
      reduced.push_back(c.weight.shape.size() - 2);
    QuantizedWeight q = quantizeWeight(c.weight, reduced);
    cand.layer.quantized = true;
    cand.layer.detail = (ranges ? kStaticScheme : kDynamicScheme).str();
    cand.layer.weightSqnrDb = q.sqnrDb;
    llvm::SmallSetVector<Value, 4> operands(c.op->operand_begin(), c.op->operand_end());
    auto func = dyn_cast<func::FuncOp>(c.op->getParentOp());
    Value y = rewriter.rewrite(c, q, range);
    if (layerOutputs && func &&
        failed(appendResult(func, y, (kLayerOutputPrefix + cand.layer.node).str())))
      return failure();
    // The f32 weight and the bias that was folded with beta, unless used elsewhere.
    for (Value operand : operands)
      if (auto constant = operand.getDefiningOp<ConstantOp>(); constant && constant->use_empty())
        constant->erase();
  }

  MLIRContext *ctx = module.getContext();
  Builder b(ctx);
  module->setAttr(kQuantizationReportAttr,
                  b.getArrayAttr(llvm::map_to_vector(candidates, [&](const Candidate &cand) {
                    return Attribute(cand.layer.toAttr(ctx));
                  })));
  if (allowNone || llvm::any_of(candidates, [](const Candidate &c) { return c.layer.quantized; }))
    return success();
  return nothingToQuantize(module, candidates, options);
}

struct QuantizeDynamicPass : kiln::impl::QuantizeDynamicBase<QuantizeDynamicPass> {
  using QuantizeDynamicBase::QuantizeDynamicBase;

  void runOnOperation() override {
    if (failed(quantizeModule(getOperation(), {exclude, minWeightElements}, allowNone,
                              /*ranges=*/nullptr)))
      signalPassFailure();
  }
};

struct QuantizeStaticPass : kiln::impl::QuantizeStaticBase<QuantizeStaticPass> {
  using QuantizeStaticBase::QuantizeStaticBase;
  QuantizeStaticPass(const QuantizeStaticOptions &options, ActivationRanges ranges)
      : QuantizeStaticBase(options), ranges(std::move(ranges)) {}

  void runOnOperation() override {
    if (failed(quantizeModule(getOperation(), {exclude, minWeightElements}, allowNone, &ranges,
                              layerOutputs)))
      signalPassFailure();
  }

  ActivationRanges ranges;
};

struct AddCalibrationOutputsPass
    : kiln::impl::AddCalibrationOutputsBase<AddCalibrationOutputsPass> {
  using AddCalibrationOutputsBase::AddCalibrationOutputsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkExcludedNamesExist(module, exclude)))
      return signalPassFailure();
    // The distinct activations of the quantizable top-level contractions, in program
    // order, with the node keys of their readers.
    llvm::MapVector<Value, SmallVector<Attribute>> activations;
    SmallVector<std::pair<Value, std::string>> layers;
    func::FuncOp main;
    Builder b(&getContext());
    SelectionOptions options{exclude, minWeightElements};
    std::vector<Candidate> candidates = selectContractions(module, options);
    for (Candidate &cand : candidates) {
      auto func = dyn_cast<func::FuncOp>(cand.c.op->getParentOp());
      if (!cand.quantize || !func || (main && func != main))
        continue;
      main = func;
      activations[cand.c.a].push_back(b.getStringAttr(cand.layer.node));
      if (layerOutputs)
        layers.push_back({cand.c.op->getResult(0), (kLayerOutputPrefix + cand.layer.node).str()});
    }
    // Static quantization would fail on such a module: fail before calibrating.
    if (activations.empty() && !allowNone) {
      (void)nothingToQuantize(module, candidates, options);
      return signalPassFailure();
    }
    SmallVector<Attribute> keys;
    for (auto [k, entry] : llvm::enumerate(activations)) {
      if (failed(appendResult(main, entry.first, (kCalibrationOutputPrefix + Twine(k)).str())))
        return signalPassFailure();
      keys.push_back(b.getArrayAttr(entry.second));
    }
    for (auto &[value, name] : layers)
      if (failed(appendResult(main, value, name)))
        return signalPassFailure();
    module->setAttr(kCalibrationOutputsAttr, b.getArrayAttr(keys));
  }
};

} // namespace

Int8Rewriter::Int8Rewriter(MLIRContext *ctx)
    : f32(Float32Type::get(ctx)), i32(IntegerType::get(ctx, 32)),
      u8(IntegerType::get(ctx, 8, IntegerType::Unsigned)) {}

Value Int8Rewriter::onnx(OpBuilder &b, Location loc, StringRef name, ValueRange operands,
                         Type result, ArrayRef<NamedAttribute> attrs) {
  OperationState state(loc, name);
  state.addOperands(operands);
  state.addAttributes(attrs);
  state.addTypes(result);
  return b.create(state)->getResult(0);
}

QuantizedActivation Int8Rewriter::quantizeActivation(Value a, Location loc,
                                                     std::optional<ActivationRange> range) {
  auto it = activations.find(a);
  if (it != activations.end())
    return it->second;
  // Right after A's definition, so it dominates every contraction that reads A.
  OpBuilder b(a.getContext());
  if (Operation *def = a.getDefiningOp())
    b.setInsertionPointAfter(def);
  else
    b.setInsertionPointToStart(cast<BlockArgument>(a).getOwner());
  auto scalar = [](Type element) { return RankedTensorType::get({}, element); };
  if (range) {
    ActivationQuantization aq = quantizeRange(*range);
    Value scale = ConstantOp::create(
        b, loc, TypeRange{scalar(f32)}, ValueRange{},
        ArrayRef<NamedAttribute>{
            b.getNamedAttr("value", DenseElementsAttr::get(scalar(f32), aq.scale))});
    Value zeroPoint = ConstantOp::create(
        b, loc, TypeRange{scalar(u8)}, ValueRange{},
        ArrayRef<NamedAttribute>{b.getNamedAttr(
            "value", DenseElementsAttr::get(scalar(u8), ArrayRef<uint8_t>{aq.zeroPoint}))});
    Value values = onnx(b, loc, "onnx.QuantizeLinear", {a, scale, zeroPoint},
                        tensorLike(a.getType(), u8));
    QuantizedActivation q{values, scale, zeroPoint, aq.scale};
    activations[a] = q;
    return q;
  }
  auto dql = DynamicQuantizeLinearOp::create(
      b, loc, TypeRange{tensorLike(a.getType(), u8), scalar(f32), scalar(u8)}, a);
  QuantizedActivation q{dql.getY(), dql.getYScale(), dql.getYZeroPoint(), std::nullopt};
  activations[a] = q;
  return q;
}

Value Int8Rewriter::rewrite(Contraction &c, const QuantizedWeight &q,
                           std::optional<ActivationRange> range) {
  return rewriteWith(c, q, quantizeActivation(c.a, replacedNodesLoc({c.op}), range));
}

Value Int8Rewriter::rewriteWith(Contraction &c, const QuantizedWeight &q,
                               const QuantizedActivation &a) {
  Operation *op = c.op;
  Location loc = replacedNodesLoc({op});
  OpBuilder b(op);
  Value x = a.values;
  if (c.transA) {
    Type element = getElementTypeOrSelf(x.getType());
    Type type = UnrankedTensorType::get(element);
    if (auto ranked = dyn_cast<RankedTensorType>(x.getType()))
      type = RankedTensorType::get({ranked.getDimSize(1), ranked.getDimSize(0)}, element);
    x = onnx(b, loc, "onnx.Transpose", {x}, type,
             {b.getNamedAttr("perm", b.getDenseI64ArrayAttr({1, 0}))});
  }
  Type resultType = op->getResult(0).getType();
  Value weight = folding::createConstant(b, loc, q.values);
  Value none = NoValueOp::create(b, loc, b.getNoneType());
  Value product;
  if (c.conv) {
    SmallVector<NamedAttribute> attrs;
    for (StringRef name : {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"})
      if (Attribute attr = op->getAttr(name))
        attrs.push_back(b.getNamedAttr(name, attr));
    product = onnx(b, loc, "onnx.ConvInteger", {x, weight, a.zeroPoint, none},
                   tensorLike(resultType, i32), attrs);
  } else {
    product = onnx(b, loc, "onnx.MatMulInteger", {x, weight, a.zeroPoint, none},
                   tensorLike(resultType, i32));
  }
  Value y = onnx(b, loc, "onnx.Cast", {product}, tensorLike(resultType, f32),
                 {b.getNamedAttr("to", b.getI64IntegerAttr(1))});

  // The weight's scales, laid out to broadcast against Y: [N] for a 2-D B, [..., 1, N]
  // for a batched one, [M, 1, ...] against a Conv's [N, M, spatial...]. A constant
  // activation scale folds into them.
  folding::Literal scales = q.scales;
  for (double &s : scales.floats)
    s = folding::roundToFloatType(s * c.alpha * a.constantScale.value_or(1.0f), f32);
  if (c.conv)
    scales.shape.pop_back();
  else if (scales.shape.size() == 2)
    scales.shape.erase(scales.shape.begin());
  Value scale = folding::createConstant(b, loc, scales);
  if (!a.constantScale)
    scale = onnx(b, loc, "onnx.Mul", {a.scale, scale}, scales.getType());
  y = onnx(b, loc, "onnx.Mul", {y, scale}, resultType);

  if (c.bias) {
    Value bias = c.bias;
    std::optional<folding::Literal> lit = folding::readConstant(bias);
    if (lit && lit->elementType.isF32()) {
      for (double &v : lit->floats)
        v = folding::roundToFloatType(v * c.beta, f32);
      if (c.conv) // [M] -> [M, 1, ...]
        lit->shape.append(scales.shape.size() - 1, 1);
      bias = folding::createConstant(b, loc, *lit);
    } else if (c.conv) {
      SmallVector<int64_t> shape{-1};
      shape.append(scales.shape.size() - 1, 1);
      auto shapeType = RankedTensorType::get({static_cast<int64_t>(shape.size())},
                                             b.getI64Type());
      Value target = ConstantOp::create(
          b, loc, TypeRange{shapeType}, ValueRange{},
          ArrayRef<NamedAttribute>{
              b.getNamedAttr("value", DenseIntElementsAttr::get(shapeType, shape))});
      bias = onnx(b, loc, "onnx.Reshape", {bias, target}, UnrankedTensorType::get(f32));
    } else if (c.beta != 1.0) {
      auto betaType = RankedTensorType::get({}, f32);
      Value beta = ConstantOp::create(
          b, loc, TypeRange{betaType}, ValueRange{},
          ArrayRef<NamedAttribute>{b.getNamedAttr(
              "value", DenseElementsAttr::get(betaType, static_cast<float>(c.beta)))});
      bias = onnx(b, loc, "onnx.Mul", {bias, beta}, bias.getType());
    }
    y = onnx(b, loc, "onnx.Add", {y, bias}, resultType);
  }
  op->getResult(0).replaceAllUsesWith(y);
  op->erase();
  return y;
}

/// The ONNX op type a node had before any fusion: from its location's metadata
/// (replacedNodesLoc), else the op's own name.
std::string opTypeOf(Operation *op) {
  llvm::MapVector<StringAttr, StringAttr> types;
  collectNodeOpTypes(op, op->getLoc(), types);
  if (op->getName().getDialectNamespace() == "onnx")
    return op->getName().stripDialect().str();
  return types.empty() ? op->getName().getStringRef().str() : types.front().second.str();
}

std::string joinedNames(Operation *op) {
  return llvm::join(nodeNames(op->getLoc()), ", ");
}

/// Every name in `exclude` must name a node of the model (not an initializer, whose
/// onnx.Constant carries its name).
LogicalResult checkExcludedNamesExist(ModuleOp module, llvm::ArrayRef<std::string> exclude) {
  llvm::StringSet<> known;
  module.walk([&](Operation *op) {
    if (isa<ConstantOp, NoValueOp>(op))
      return;
    for (StringRef name : nodeNames(op->getLoc()))
      known.insert(name);
  });
  for (const std::string &name : exclude)
    if (!known.contains(name))
      return module.emitError() << "--quantize-exclude: the model has no node named '" << name
                                << "'";
  return success();
}

ActivationQuantization quantizeRange(ActivationRange range) {
  double lo = std::min(range.min, 0.0), hi = std::max(range.max, 0.0);
  ActivationQuantization q;
  if (!(hi > lo)) // empty or NaN: every value quantizes to the zero point 0
    return q;
  q.scale = static_cast<float>((hi - lo) / 255.0);
  double zp = std::nearbyint(-lo / q.scale);
  q.zeroPoint = static_cast<uint8_t>(std::clamp(zp, 0.0, 255.0));
  return q;
}

std::vector<std::vector<std::string>> readCalibrationOutputs(ModuleOp module) {
  std::vector<std::vector<std::string>> outputs;
  if (auto array = module->getAttrOfType<ArrayAttr>(kCalibrationOutputsAttr))
    for (auto readers : array.getAsRange<ArrayAttr>()) {
      std::vector<std::string> &keys = outputs.emplace_back();
      for (StringAttr key : readers.getAsRange<StringAttr>())
        keys.push_back(key.getValue().str());
    }
  return outputs;
}

} // namespace kiln::quantize

std::unique_ptr<Pass> kiln::createQuantizeStaticWithRanges(const QuantizeStaticOptions &options,
                                                           quantize::ActivationRanges ranges) {
  return std::make_unique<quantize::QuantizeStaticPass>(options, std::move(ranges));
}
