//===- Recurrence.cpp - The time loop of LSTM, GRU and RNN ----------------===//
//
// The attribute checks and the driver: projection, scf.for over the steps, sequence
// lengths, outputs. The tensor building blocks are in RecurrentKernels.cpp.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/RNN/Recurrence.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {

namespace {

bool staticMismatch(int64_t dim, int64_t want) {
  return !ShapedType::isDynamic(dim) && !ShapedType::isDynamic(want) && dim != want;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s + "]";
}

SmallVector<OpFoldResult> ones(OpBuilder &b, int64_t n) {
  return SmallVector<OpFoldResult>(n, b.getIndexAttr(1));
}

/// The index (layout 0: [time, batch, ...]; layout 1: [batch, time, ...]) of a 3-D
/// tensor's slice at `time`, with `rest` for the last dim.
struct StepSlicer {
  const RecurrenceSpec &spec;
  OpFoldResult batch;

  int64_t timeDim() const { return spec.batchFirst ? 1 : 0; }
  int64_t batchDim() const { return spec.batchFirst ? 0 : 1; }

  /// XW (or its reversed copy) at `time`, columns [col, col + width), as [B, width].
  Value readStep(OpBuilder &b, Location loc, Value xw, OpFoldResult time, int64_t col,
                 int64_t width) const {
    SmallVector<OpFoldResult> offsets(3), sizes(3);
    offsets[timeDim()] = time;
    offsets[batchDim()] = b.getIndexAttr(0);
    offsets[2] = b.getIndexAttr(col);
    sizes[timeDim()] = b.getIndexAttr(1);
    sizes[batchDim()] = batch;
    sizes[2] = b.getIndexAttr(width);
    auto type = RankedTensorType::get(
        {cast<RankedTensorType>(xw.getType()).getDimSize(batchDim()), width}, spec.elementType);
    return tensor::ExtractSliceOp::create(b, loc, type, xw, offsets, sizes, ones(b, 3));
  }

  /// Offsets and sizes of direction `d`'s [B, H] part of a state ([D, B, H] or [B, D, H]).
  void stateSlice(OpBuilder &b, int64_t d, SmallVectorImpl<OpFoldResult> &offsets,
                  SmallVectorImpl<OpFoldResult> &sizes) const {
    int64_t dirDim = spec.batchFirst ? 1 : 0, bDim = 1 - dirDim;
    offsets.assign(3, b.getIndexAttr(0));
    offsets[dirDim] = b.getIndexAttr(d);
    sizes.assign(3, b.getIndexAttr(spec.hidden));
    sizes[dirDim] = b.getIndexAttr(1);
    sizes[bDim] = batch;
  }

  /// Offsets and sizes of step `time`, direction `d` in Y ([T, D, B, H] or [B, T, D, H]).
  void outputSlice(OpBuilder &b, OpFoldResult time, int64_t d,
                   SmallVectorImpl<OpFoldResult> &offsets,
                   SmallVectorImpl<OpFoldResult> &sizes) const {
    offsets.assign(4, b.getIndexAttr(0));
    sizes.assign(4, b.getIndexAttr(1));
    int64_t t = spec.batchFirst ? 1 : 0, dir = t + 1, bDim = spec.batchFirst ? 0 : 2;
    offsets[t] = time;
    offsets[dir] = b.getIndexAttr(d);
    sizes[bDim] = batch;
    sizes[3] = b.getIndexAttr(spec.hidden);
  }
};

/// The sequence length of batch entry `batchIndex` as an index.
Value lengthAt(OpBuilder &b, Location loc, Value lens, Value batchIndex) {
  Value len = tensor::ExtractOp::create(b, loc, lens, ValueRange{batchIndex});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), len);
}

/// len - 1 - t clamped into [0, T - 1]: where step t of a reversed sequence reads.
Value reversedTime(OpBuilder &b, Location loc, Value len, Value t, Value seqLen) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value r = arith::SubIOp::create(b, loc, arith::SubIOp::create(b, loc, len, one), t);
  r = arith::MaxSIOp::create(b, loc, r, zero);
  return arith::MinSIOp::create(b, loc, r, arith::SubIOp::create(b, loc, seqLen, one));
}

/// Columns [col, col + width) of `xw` with each sequence reversed within its own
/// length: out[t, b, n] = xw[len_b - 1 - t, b, col + n] (clamped; steps past the length
/// are masked by the loop).
Value reverseSequences(OpBuilder &b, Location loc, const StepSlicer &slicer, Value xw,
                       Value lens, Value seqLen, int64_t col, int64_t width) {
  auto xwType = cast<RankedTensorType>(xw.getType());
  auto type = RankedTensorType::get({xwType.getDimSize(0), xwType.getDimSize(1), width},
                                    xwType.getElementType());
  SmallVector<Value> sizes{getDimValue(b, loc, xw, 0), getDimValue(b, loc, xw, 1),
                           arith::ConstantIndexOp::create(b, loc, width)};
  int64_t timeDim = slicer.timeDim(), batchDim = slicer.batchDim();
  return buildIndexGather(b, loc, type, sizes, xw,
                          [&](OpBuilder &nb, Location l, ValueRange ivs) {
                            Value len = lengthAt(nb, l, lens, ivs[batchDim]);
                            SmallVector<Value> idx(ivs);
                            idx[timeDim] = reversedTime(nb, l, len, ivs[timeDim], seqLen);
                            idx[2] = arith::AddIOp::create(
                                nb, l, ivs[2], arith::ConstantIndexOp::create(nb, l, col));
                            return idx;
                          });
}

/// Y with the reversed directions' sequences (computed in reversed time) put back in
/// order, zeros past each length.
Value unreverseOutput(OpBuilder &b, Location loc, const RecurrenceSpec &spec, Value y,
                      Value lens, Value seqLen) {
  auto type = cast<RankedTensorType>(y.getType());
  int64_t tDim = spec.batchFirst ? 1 : 0, dDim = tDim + 1, bDim = spec.batchFirst ? 0 : 2;
  Value init = createEmptyLike(b, loc, type, y);
  MLIRContext *ctx = b.getContext();
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
      SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(4, ctx)}, iterators,
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> ivs;
        for (int64_t d = 0; d < 4; ++d)
          ivs.push_back(linalg::IndexOp::create(nb, l, d));
        Value len = lengthAt(nb, l, lens, ivs[bDim]);
        Value valid =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, ivs[tDim], len);
        SmallVector<Value> src(ivs);
        src[tDim] = reversedTime(nb, l, len, ivs[tDim], seqLen);
        // Which directions were reversed: a select on the direction index.
        Value isReversed = arith::ConstantIntOp::create(nb, l, 0, 1);
        for (int64_t d = 0; d < spec.numDirections; ++d) {
          if (!spec.reversed[d])
            continue;
          Value here = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, ivs[dDim],
                                             arith::ConstantIndexOp::create(nb, l, d));
          isReversed = arith::OrIOp::create(nb, l, isReversed, here);
        }
        src[tDim] = arith::SelectOp::create(nb, l, isReversed, src[tDim], ivs[tDim]);
        Value v = tensor::ExtractOp::create(nb, l, y, src);
        Value zero = createScalarConstant(nb, l, spec.elementType, 0.0);
        Value keep = arith::OrIOp::create(
            nb, l, valid, arith::XOrIOp::create(nb, l, isReversed,
                                                arith::ConstantIntOp::create(nb, l, 1, 1)));
        linalg::YieldOp::create(nb, l, ValueRange{arith::SelectOp::create(nb, l, keep, v, zero)});
      });
  return generic.getResult(0);
}

/// Masks one step with sequence lengths: where step `t` is past a sequence's end the
/// states keep their old values and the output is zero. Returns the states, then y.
SmallVector<Value> maskStep(OpBuilder &b, Location loc, const RecurrenceSpec &spec, Value lens,
                            Value t, ValueRange newStates, ValueRange oldStates) {
  MLIRContext *ctx = b.getContext();
  int64_t n = newStates.size();
  auto type = cast<RankedTensorType>(newStates[0].getType());
  SmallVector<Value> inputs{lens};
  inputs.append(newStates.begin(), newStates.end());
  inputs.append(oldStates.begin(), oldStates.end());
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<AffineMap> maps{AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx)};
  maps.append(2 * n + n + 1, identity);
  SmallVector<Value> inits;
  for (int64_t i = 0; i < n + 1; ++i)
    inits.push_back(createEmptyLike(b, loc, type, newStates[0]));
  SmallVector<Type> types(n + 1, type);
  Type lenType = cast<RankedTensorType>(lens.getType()).getElementType();
  Value tLen = arith::IndexCastOp::create(b, loc, lenType, t);
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, types, inputs, inits, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value valid = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, tLen, args[0]);
        SmallVector<Value> results;
        for (int64_t i = 0; i < n; ++i)
          results.push_back(arith::SelectOp::create(nb, l, valid, args[1 + i], args[1 + n + i]));
        Value zero = createScalarConstant(nb, l, spec.elementType, 0.0);
        results.push_back(arith::SelectOp::create(nb, l, valid, args[1], zero));
        linalg::YieldOp::create(nb, l, results);
      });
  return SmallVector<Value>(generic.getResults());
}

} // namespace

FailureOr<RecurrenceSpec> parseRecurrence(ConversionPatternRewriter &rewriter, Operation *op,
                                          Value x, Value w, Value r, int64_t numGates,
                                          ArrayRef<ActivationKind> defaults) {
  RecurrenceSpec spec;
  spec.op = op;
  spec.numGates = numGates;
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto wType = dyn_cast<RankedTensorType>(w.getType());
  auto rType = dyn_cast<RankedTensorType>(r.getType());
  if (!xType || !wType || !rType || xType.getRank() != 3 || wType.getRank() != 3 ||
      rType.getRank() != 3)
    return reject(rewriter, op, "X, W and R must be 3-D ranked tensors");
  spec.elementType = xType.getElementType();
  if (!isa<FloatType>(spec.elementType) || wType.getElementType() != spec.elementType ||
      rType.getElementType() != spec.elementType)
    return reject(rewriter, op, "X, W and R must have one floating-point element type");

  StringRef direction = "forward";
  if (auto attr = op->getAttrOfType<StringAttr>("direction"))
    direction = attr.getValue();
  if (direction == "forward" || direction == "foward") { // GRU-1's default is misspelt
    spec.reversed = {false};
  } else if (direction == "reverse") {
    spec.reversed = {true};
  } else if (direction == "bidirectional") {
    spec.reversed = {false, true};
  } else {
    return reject(rewriter, op,
                  "direction '" + direction + "' is not forward, reverse or bidirectional");
  }
  spec.numDirections = spec.reversed.size();
  int64_t layout = 0;
  if (auto attr = op->getAttrOfType<IntegerAttr>("layout"))
    layout = attr.getInt();
  if (layout != 0 && layout != 1)
    return reject(rewriter, op, "layout " + std::to_string(layout) + " is not 0 or 1");
  spec.batchFirst = layout == 1;

  int64_t hidden = rType.getDimSize(2);
  if (auto attr = op->getAttrOfType<IntegerAttr>("hidden_size")) {
    if (staticMismatch(hidden, attr.getInt()))
      return reject(rewriter, op,
                    "hidden_size " + std::to_string(attr.getInt()) + " != R's last dim " +
                        std::to_string(hidden));
    hidden = attr.getInt();
  }
  if (ShapedType::isDynamic(hidden) || hidden <= 0)
    return reject(rewriter, op, "the hidden size is not static (set hidden_size or give R a "
                                "static shape)");
  spec.hidden = hidden;
  int64_t d = spec.numDirections, gh = numGates * hidden;
  std::string gates = std::to_string(numGates);
  if (staticMismatch(wType.getDimSize(0), d) || staticMismatch(wType.getDimSize(1), gh) ||
      staticMismatch(wType.getDimSize(2), xType.getDimSize(2)))
    return reject(rewriter, op,
                  "W has shape " + shapeString(wType.getShape()) + "; expected [" +
                      std::to_string(d) + ", " + gates + " * " + std::to_string(hidden) +
                      ", input_size " + shapeString(xType.getShape().drop_front(2)) + "]");
  if (staticMismatch(rType.getDimSize(0), d) || staticMismatch(rType.getDimSize(1), gh))
    return reject(rewriter, op,
                  "R has shape " + shapeString(rType.getShape()) + "; expected [" +
                      std::to_string(d) + ", " + gates + " * " + std::to_string(hidden) + ", " +
                      std::to_string(hidden) + "]");
  if (!wType.hasStaticShape() || !rType.hasStaticShape())
    return reject(rewriter, op, "W and R must have static shapes");

  if (auto attr = op->getAttrOfType<FloatAttr>("clip")) {
    double clip = attr.getValueAsDouble();
    if (!(clip > 0.0))
      return reject(rewriter, op, "clip " + std::to_string(clip) + " is not positive");
    spec.clip = clip;
  }
  spec.activationsPerDirection = defaults.size();
  std::string error;
  FailureOr<SmallVector<Activation>> activations =
      parseActivations(op, defaults, spec.numDirections, error);
  if (failed(activations))
    return reject(rewriter, op, error);
  spec.activations = std::move(*activations);
  return spec;
}

LogicalResult checkOptionalOperand(ConversionPatternRewriter &rewriter, Operation *op,
                                   Value value, StringRef name, ArrayRef<int64_t> shape) {
  if (isa<NoneType>(value.getType()))
    return success();
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() != static_cast<int64_t>(shape.size()))
    return reject(rewriter, op,
                  name + " must be a ranked tensor of rank " + std::to_string(shape.size()));
  for (auto [dim, want] : llvm::zip(type.getShape(), shape))
    if (staticMismatch(dim, want))
      return reject(rewriter, op,
                    name + " has shape " + shapeString(type.getShape()) + "; expected " +
                        shapeString(shape));
  return success();
}

LogicalResult checkSharedOperands(ConversionPatternRewriter &rewriter, const RecurrenceSpec &spec,
                                  Value x, Value bias, Value lens,
                                  ArrayRef<std::pair<Value, StringRef>> states) {
  int64_t d = spec.numDirections, hidden = spec.hidden;
  int64_t batch = cast<RankedTensorType>(x.getType()).getDimSize(spec.batchFirst ? 0 : 1);
  SmallVector<int64_t> stateShape = spec.batchFirst ? SmallVector<int64_t>{batch, d, hidden}
                                                    : SmallVector<int64_t>{d, batch, hidden};
  if (failed(checkOptionalOperand(rewriter, spec.op, bias, "B", {d, 2 * spec.gateWidth()})) ||
      failed(checkOptionalOperand(rewriter, spec.op, lens, "sequence_lens", {batch})))
    return failure();
  for (auto [state, name] : states)
    if (failed(checkOptionalOperand(rewriter, spec.op, state, name, stateShape)))
      return failure();
  return success();
}

Value clipScalar(OpBuilder &b, Location loc, const RecurrenceSpec &spec, Value x) {
  if (!spec.clip)
    return x;
  Value hi = createScalarConstant(b, loc, x.getType(), *spec.clip);
  Value lo = createScalarConstant(b, loc, x.getType(), -*spec.clip);
  return arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, lo), hi);
}

LogicalResult lowerRecurrence(ConversionPatternRewriter &rewriter, const TypeConverter &converter,
                              const RecurrenceSpec &spec, const RecurrenceOperands &operands,
                              int64_t rColumns, const CellFn &cell) {
  Operation *op = spec.op;
  Location loc = op->getLoc();
  OpBuilder &b = rewriter;
  int64_t numDirections = spec.numDirections, hidden = spec.hidden, gh = spec.gateWidth();
  int64_t numStates = operands.initialStates.size();

  SmallVector<RankedTensorType> resultTypes(op->getNumResults());
  for (unsigned i = 0; i < op->getNumResults(); ++i) {
    if (isa<NoneType>(op->getResult(i).getType()))
      continue;
    resultTypes[i] = getRankedResultType(rewriter, converter, op, i);
    if (!resultTypes[i])
      return failure();
  }
  bool needY = static_cast<bool>(resultTypes[0]);

  Value x = operands.x;
  auto xType = cast<RankedTensorType>(x.getType());
  StepSlicer slicer{spec, tensor::getMixedSize(b, loc, x, spec.batchFirst ? 0 : 1)};
  int64_t timeDim = slicer.timeDim(), batchDim = slicer.batchDim();
  Value seqLen = getDimValue(b, loc, x, timeDim);
  Value batch = getDimValue(b, loc, x, batchDim);
  int64_t staticBatch = xType.getDimSize(batchDim), staticSeq = xType.getDimSize(timeDim);

  Value lens;
  if (!isa<NoneType>(operands.sequenceLens.getType())) {
    lens = operands.sequenceLens;
    checkSizesEqual(b, loc, op, tensor::getMixedSize(b, loc, lens, 0), slicer.batch,
                    "sequence_lens has {} entries but the batch size is {}");
  }

  // The input projection of every step and direction: one matrix multiply.
  Value wKN = weightsAsKN(b, loc, operands.w, 0, numDirections, 0, gh);
  Value bias = projectionBias(b, loc, spec, operands.bias, rColumns);
  Value xw = projectInputs(b, loc, x, wKN, bias);
  SmallVector<Value> reversedXw(numDirections);
  bool unreverse = false;
  for (int64_t d = 0; d < numDirections; ++d) {
    if (spec.reversed[d] && lens) {
      reversedXw[d] = reverseSequences(b, loc, slicer, xw, lens, seqLen, d * gh, gh);
      unreverse = true;
    }
  }

  // Loop-carried values: each direction's states, then Y.
  auto stateType = RankedTensorType::get({staticBatch, hidden}, spec.elementType);
  SmallVector<Value> batchSizes;
  if (ShapedType::isDynamic(staticBatch))
    batchSizes.push_back(batch);
  SmallVector<Value> inits;
  for (int64_t d = 0; d < numDirections; ++d) {
    for (int64_t s = 0; s < numStates; ++s) {
      Value initial = operands.initialStates[s];
      if (isa<NoneType>(initial.getType())) {
        Value zero = createScalarConstant(b, loc, spec.elementType, 0.0);
        inits.push_back(fill(b, loc, createEmpty(b, loc, stateType, batchSizes), zero));
        continue;
      }
      if (d == 0)
        checkSizesEqual(b, loc, op,
                        tensor::getMixedSize(b, loc, initial, spec.batchFirst ? 0 : 1),
                        slicer.batch, "an initial state has batch size {} but X has {}");
      SmallVector<OpFoldResult> offsets, sizes;
      slicer.stateSlice(b, d, offsets, sizes);
      inits.push_back(tensor::ExtractSliceOp::create(b, loc, stateType, initial, offsets, sizes,
                                                     ones(b, 3)));
    }
  }
  RankedTensorType yType;
  if (needY) {
    SmallVector<int64_t> shape =
        spec.batchFirst ? SmallVector<int64_t>{staticBatch, staticSeq, numDirections, hidden}
                        : SmallVector<int64_t>{staticSeq, numDirections, staticBatch, hidden};
    yType = RankedTensorType::get(shape, spec.elementType);
    SmallVector<Value> dynamic;
    if (spec.batchFirst) {
      if (ShapedType::isDynamic(staticBatch))
        dynamic.push_back(batch);
      if (ShapedType::isDynamic(staticSeq))
        dynamic.push_back(seqLen);
    } else {
      if (ShapedType::isDynamic(staticSeq))
        dynamic.push_back(seqLen);
      if (ShapedType::isDynamic(staticBatch))
        dynamic.push_back(batch);
    }
    inits.push_back(createEmpty(b, loc, yType, dynamic));
  }

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(b, loc, zero, seqLen, one, inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value t = loop.getInductionVar();
    Value last = arith::SubIOp::create(b, loc, seqLen, one);
    Value tReversed = arith::SubIOp::create(b, loc, last, t);
    ValueRange args = loop.getRegionIterArgs();
    SmallVector<Value> next;
    Value y = needY ? args.back() : Value();
    for (int64_t d = 0; d < numDirections; ++d) {
      // Without lengths a reverse direction walks the steps backwards; with them it
      // walks its reversed copy forwards (and Y is put back in order after the loop).
      bool walkBackwards = spec.reversed[d] && !lens;
      Value time = walkBackwards ? tReversed : t;
      Value xwStep = reversedXw[d] ? slicer.readStep(b, loc, reversedXw[d], time, 0, gh)
                                   : slicer.readStep(b, loc, xw, time, d * gh, gh);
      ValueRange states = args.slice(d * numStates, numStates);
      SmallVector<Value> updated = cell(b, loc, d, xwStep, states);
      Value out = updated[0];
      if (lens) {
        updated = maskStep(b, loc, spec, lens, t, updated, states);
        out = updated.pop_back_val();
      }
      next.append(updated);
      if (needY) {
        SmallVector<OpFoldResult> offsets, sizes;
        slicer.outputSlice(b, time, d, offsets, sizes);
        y = tensor::InsertSliceOp::create(b, loc, out, y, offsets, sizes, ones(b, 4));
      }
    }
    if (needY)
      next.push_back(y);
    scf::YieldOp::create(b, loc, next);
  }

  // Outputs: Y, then each state gathered over the directions.
  SmallVector<Value> results(op->getNumResults());
  if (needY) {
    Value y = loop.getResults().back();
    if (unreverse)
      y = unreverseOutput(b, loc, spec, y, lens, seqLen);
    results[0] = castTo(b, loc, y, resultTypes[0]);
  }
  for (int64_t s = 0; s < numStates; ++s) {
    if (!resultTypes[1 + s])
      continue;
    SmallVector<int64_t> shape =
        spec.batchFirst ? SmallVector<int64_t>{staticBatch, numDirections, hidden}
                        : SmallVector<int64_t>{numDirections, staticBatch, hidden};
    Value state = createEmpty(b, loc, RankedTensorType::get(shape, spec.elementType), batchSizes);
    for (int64_t d = 0; d < numDirections; ++d) {
      SmallVector<OpFoldResult> offsets, sizes;
      slicer.stateSlice(b, d, offsets, sizes);
      state = tensor::InsertSliceOp::create(b, loc, loop.getResult(d * numStates + s), state,
                                            offsets, sizes, ones(b, 3));
    }
    results[1 + s] = castTo(b, loc, state, resultTypes[1 + s]);
  }
  rewriter.replaceOp(op, results);
  return success();
}

} // namespace kiln::conversion
