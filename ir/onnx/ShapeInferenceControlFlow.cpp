//===- ShapeInferenceControlFlow.cpp - Shape inference of If, Loop, Scan --===//
//
// A subgraph is typed from its owner: the body inputs of Loop and Scan take the types of
// the carried initial values and of one slice of each scanned input; the owner's results
// then follow from what the body yields. ONNX lets a Loop-carried value (and a Scan state)
// change its shape from one iteration to the next, so a carried input's type is the join
// of its initial value's and of every type the body yields for it: the body is inferred on
// a throwaway copy until that join stops changing, and only then for real (types only
// ever get more precise, so the real body must never be typed too precisely).
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// The least precise common description of `a` and `b`: dimensions that differ become
/// dynamic, ranks that differ give an unranked tensor. Non-tensor types and tensors of
/// different element types are left as `a` (the verifier or the lowering reports them).
Type joinTypes(Type a, Type b) {
  if (a == b)
    return a;
  auto ta = dyn_cast<TensorType>(a);
  auto tb = dyn_cast<TensorType>(b);
  if (!ta || !tb || ta.getElementType() != tb.getElementType())
    return a;
  if (!ta.hasRank() || !tb.hasRank() || ta.getRank() != tb.getRank())
    return UnrankedTensorType::get(ta.getElementType());
  SmallVector<int64_t> dims;
  for (auto [x, y] : llvm::zip(ta.getShape(), tb.getShape()))
    dims.push_back(x == y ? x : kDynamic);
  return RankedTensorType::get(dims, ta.getElementType());
}

/// The type of a carried value that enters the body as `arg` and leaves it as `yielded`:
/// a yield of unknown rank tells nothing (the lowering rejects it anyway).
Type joinCarried(Type arg, Type yielded) {
  auto t = dyn_cast<TensorType>(yielded);
  if (t && !t.hasRank())
    return arg;
  return joinTypes(arg, yielded);
}

/// `type` without the dimensions `drop` (ascending); null when `type` is not a ranked
/// tensor of a rank that has them.
Type dropDims(Type type, ArrayRef<int64_t> drop) {
  auto tensor = dyn_cast<TensorType>(type);
  if (!tensor)
    return {};
  if (!tensor.hasRank())
    return UnrankedTensorType::get(tensor.getElementType());
  SmallVector<int64_t> dims;
  for (auto [d, size] : llvm::enumerate(tensor.getShape()))
    if (!llvm::is_contained(drop, static_cast<int64_t>(d)))
      dims.push_back(size);
  if (dims.size() + drop.size() != static_cast<size_t>(tensor.getRank()))
    return {};
  return RankedTensorType::get(dims, tensor.getElementType());
}

/// `type` with `sizes` inserted before dimension `axis` (negative: counted from the end
/// of the result); unranked when `type` is, null when the axis is out of range.
Type insertDims(Type type, int64_t axis, ArrayRef<int64_t> sizes) {
  auto tensor = dyn_cast<TensorType>(type);
  if (!tensor)
    return {};
  if (!tensor.hasRank())
    return UnrankedTensorType::get(tensor.getElementType());
  int64_t rank = tensor.getRank() + static_cast<int64_t>(sizes.size());
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > tensor.getRank())
    return {};
  SmallVector<int64_t> dims(tensor.getShape());
  dims.insert(dims.begin() + axis, sizes.begin(), sizes.end());
  return RankedTensorType::get(dims, tensor.getElementType());
}

int64_t dimOf(Type type, int64_t axis) {
  auto shape = getRankedShape(type);
  if (!shape)
    return kDynamic;
  if (axis < 0)
    axis += static_cast<int64_t>(shape->size());
  return axis >= 0 && axis < static_cast<int64_t>(shape->size()) ? (*shape)[axis] : kDynamic;
}

int64_t attrAt(std::optional<ArrayRef<int64_t>> attr, int64_t i) {
  return attr && i < static_cast<int64_t>(attr->size()) ? (*attr)[i] : 0;
}

/// How the body of a Loop or Scan maps onto its operands.
struct BodySignature {
  /// The body input types that follow from the operands (null: nothing known), the first
  /// `numCarried` of them carried (fed back from the yields at `firstCarriedYield`).
  SmallVector<Type> argTypes;
  unsigned firstCarriedArg = 0, numCarried = 0, firstCarriedYield = 0;
};

std::optional<BodySignature> bodySignature(Operation *op) {
  BodySignature sig;
  MLIRContext *ctx = op->getContext();
  if (auto loop = dyn_cast<LoopOp>(op)) {
    // (iteration number, condition, carried...).
    sig.argTypes = {RankedTensorType::get({}, IntegerType::get(ctx, 64)),
                    RankedTensorType::get({}, IntegerType::get(ctx, 1))};
    llvm::append_range(sig.argTypes, loop.getVInitial().getTypes());
    sig.firstCarriedArg = 2;
    sig.numCarried = loop.getVInitial().size();
    sig.firstCarriedYield = 1;
    return sig;
  }
  if (auto scan = dyn_cast<ScanOp>(op)) {
    // (states..., one slice of each scanned input along its axis).
    ValueRange operands = scan.getInitialStateAndScanInputs();
    int64_t numInputs = scan.getNumScanInputs();
    if (numInputs < 0 || numInputs > static_cast<int64_t>(operands.size()))
      return std::nullopt;
    sig.numCarried = operands.size() - numInputs;
    llvm::append_range(sig.argTypes, operands.take_front(sig.numCarried).getTypes());
    for (auto [j, input] : llvm::enumerate(operands.drop_front(sig.numCarried))) {
      int64_t axis = attrAt(scan.getScanInputAxes(), j);
      auto shape = getRankedShape(input.getType());
      if (shape && axis < 0)
        axis += static_cast<int64_t>(shape->size());
      sig.argTypes.push_back(dropDims(input.getType(), {axis}));
    }
    return sig;
  }
  if (auto scan = dyn_cast<ScanV8Op>(op)) {
    // Scan-8 runs the body per batch entry: states [B, ...] and inputs [B, T, ...].
    ValueRange operands = scan.getInitialStateAndScanInputs();
    int64_t numInputs = scan.getNumScanInputs();
    if (numInputs < 0 || numInputs > static_cast<int64_t>(operands.size()))
      return std::nullopt;
    sig.numCarried = operands.size() - numInputs;
    for (Value state : operands.take_front(sig.numCarried))
      sig.argTypes.push_back(dropDims(state.getType(), {0}));
    for (Value input : operands.drop_front(sig.numCarried))
      sig.argTypes.push_back(dropDims(input.getType(), {0, 1}));
    return sig;
  }
  return std::nullopt;
}

/// Sets the argument types of `block` (null: keep).
void setArgTypes(Block &block, ArrayRef<Type> types) {
  for (auto [arg, type] : llvm::zip(block.getArguments(), types))
    if (type)
      arg.setType(type);
}

/// A body input's type from its operand, refined by the type the model declared for it
/// where that is compatible and more precise; the join of the two where they conflict.
Type mergeDeclared(Type declared, Type fromOperand) {
  if (!fromOperand)
    return declared;
  auto d = dyn_cast<TensorType>(declared);
  auto o = dyn_cast<TensorType>(fromOperand);
  if (!d || !o || d.getElementType() != o.getElementType())
    return declared;
  if (!d.hasRank())
    return fromOperand;
  if (!o.hasRank())
    return declared;
  if (d.getRank() != o.getRank())
    return joinTypes(declared, fromOperand);
  SmallVector<int64_t> dims;
  for (auto [x, y] : llvm::zip(d.getShape(), o.getShape())) {
    if (x != kDynamic && y != kDynamic && x != y)
      return joinTypes(declared, fromOperand);
    dims.push_back(x == kDynamic ? y : x);
  }
  return RankedTensorType::get(dims, d.getElementType());
}

LogicalResult inferBlock(Block &block);

/// Types the body of a Loop or Scan from the op's operands (see the file comment).
void refineBodyArguments(Operation *op) {
  std::optional<BodySignature> sig = bodySignature(op);
  if (!sig || op->getNumRegions() != 1 || op->getRegion(0).empty())
    return;
  Block &body = op->getRegion(0).front();
  if (body.getNumArguments() != sig->argTypes.size())
    return; // The lowering reports the mismatch.
  SmallVector<Type> types;
  for (auto [arg, type] : llvm::zip(body.getArguments(), sig->argTypes))
    types.push_back(mergeDeclared(arg.getType(), type));

  // Widen the carried types until the body yields nothing they do not describe. Each
  // round only loses precision, so this ends; the bound is a safeguard.
  unsigned carriedArg = sig->firstCarriedArg, carriedYield = sig->firstCarriedYield;
  for (int round = 0; sig->numCarried > 0 && round < 8; ++round) {
    Operation *trial = op->clone();
    Block &trialBody = trial->getRegion(0).front();
    setArgTypes(trialBody, types);
    LogicalResult inferred = success();
    {
      // Errors of the trial are reported by the real inference.
      ScopedDiagnosticHandler silence(op->getContext(), [](Diagnostic &) { return success(); });
      inferred = inferBlock(trialBody);
    }
    TypeRange yielded = trialBody.getTerminator()->getOperandTypes();
    bool changed = false;
    if (succeeded(inferred) && yielded.size() >= carriedYield + sig->numCarried) {
      for (unsigned j = 0; j < sig->numCarried; ++j) {
        Type joined = joinCarried(types[carriedArg + j], yielded[carriedYield + j]);
        changed |= joined != types[carriedArg + j];
        types[carriedArg + j] = joined;
      }
    }
    trial->destroy();
    if (!changed)
      break;
  }
  setArgTypes(body, types);
}

/// Infers the ops of `block` in order; an op with regions after the ops of its regions,
/// whose arguments it types first.
LogicalResult inferBlock(Block &block) {
  for (Operation &op : block) {
    if (op.getNumRegions() != 0) {
      refineBodyArguments(&op);
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          if (failed(inferBlock(inner)))
            return failure();
    }
    if (failed(refineResultTypes(&op)))
      return failure();
  }
  return success();
}

TypeRange yieldedTypes(Region &region) {
  if (region.empty() || region.front().empty())
    return {};
  return region.front().getTerminator()->getOperandTypes();
}

/// Carried results: the join of what enters and what leaves the body.
void inferCarried(Block &body, unsigned firstArg, TypeRange yielded, unsigned firstYield,
                  unsigned numCarried, ValueRange initial, SmallVectorImpl<Type> &resultTypes) {
  for (unsigned j = 0; j < numCarried; ++j) {
    Type in = firstArg + j < body.getNumArguments() ? body.getArgument(firstArg + j).getType()
                                                    : initial[j].getType();
    Type joined = joinTypes(in, initial[j].getType());
    if (firstYield + j < yielded.size())
      joined = joinCarried(joined, yielded[firstYield + j]);
    resultTypes.push_back(joined);
  }
}

} // namespace

LogicalResult inferShapesInRegion(Region &region) {
  for (Block &block : region)
    if (failed(inferBlock(block)))
      return failure();
  return success();
}

LogicalResult IfOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  TypeRange thenTypes = yieldedTypes(getThenBranch());
  TypeRange elseTypes = yieldedTypes(getElseBranch());
  if (thenTypes.size() != getNumResults() || elseTypes.size() != getNumResults())
    return success();
  for (auto [a, b] : llvm::zip(thenTypes, elseTypes))
    resultTypes.push_back(joinTypes(a, b));
  return success();
}

LogicalResult LoopOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  TypeRange yielded = yieldedTypes(getBody());
  unsigned numCarried = getVInitial().size();
  if (yielded.size() != 1 + getNumResults() || getNumResults() < numCarried || getBody().empty())
    return success();
  inferCarried(getBody().front(), 2, yielded, 1, numCarried, getVInitial(), resultTypes);
  // Scan outputs stack one value per iteration; the count is only known at run time.
  for (Type type : yielded.drop_front(1 + numCarried)) {
    Type stacked = insertDims(type, 0, {kDynamic});
    resultTypes.push_back(stacked ? stacked : type);
  }
  return success();
}

LogicalResult ScanOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  ValueRange operands = getInitialStateAndScanInputs();
  int64_t numInputs = getNumScanInputs();
  TypeRange yielded = yieldedTypes(getBody());
  if (numInputs < 1 || numInputs > static_cast<int64_t>(operands.size()) ||
      yielded.size() != getNumResults() || getBody().empty())
    return success();
  unsigned numStates = operands.size() - numInputs;
  if (getNumResults() < numStates)
    return success();
  inferCarried(getBody().front(), 0, yielded, 0, numStates, operands.take_front(numStates),
               resultTypes);
  int64_t length = dimOf(operands[numStates].getType(), attrAt(getScanInputAxes(), 0));
  for (auto [k, type] : llvm::enumerate(yielded.drop_front(numStates))) {
    Type stacked = insertDims(type, attrAt(getScanOutputAxes(), k), {length});
    if (!stacked)
      return emitOpError() << "scan_output_axes[" << k << "] is out of range for an output of type "
                           << type;
    resultTypes.push_back(stacked);
  }
  return success();
}

/// Scan-8: states keep their initial type [B, ...]; scan outputs are [B, T, ...], T the
/// inputs' maximum sequence length (shorter sequences are padded).
LogicalResult ScanV8Op::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  ValueRange operands = getInitialStateAndScanInputs();
  int64_t numInputs = getNumScanInputs();
  TypeRange yielded = yieldedTypes(getBody());
  if (numInputs < 1 || numInputs > static_cast<int64_t>(operands.size()) ||
      yielded.size() != getNumResults())
    return success();
  unsigned numStates = operands.size() - numInputs;
  if (getNumResults() < numStates)
    return success();
  llvm::append_range(resultTypes, operands.take_front(numStates).getTypes());
  Value input = operands[numStates];
  int64_t batch = dimOf(input.getType(), 0), length = dimOf(input.getType(), 1);
  for (Type type : yielded.drop_front(numStates)) {
    Type stacked = insertDims(type, 0, {batch, length});
    resultTypes.push_back(stacked ? stacked : type);
  }
  return success();
}

} // namespace kiln::onnxir
