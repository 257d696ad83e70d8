//===- LowerContractions.cpp - Matmul-like ops to register-tiled kernels ---===//
//
// Runs on buffers, before arena planning and before linalg becomes loops. For each f32 (or i32)
// contraction with one m, one n and one k dimension (linalg.matmul in any orientation,
// linalg.batch_matmul, contraction generics):
//   - B constant (a weight): packed at compile time into [ceil(N/cols)][K][cols] panels;
//     otherwise B must have n innermost with unit stride and is read in place;
//   - a zero fill of C right before it is dropped (the accumulators start at zero);
//   - the elementwise generic after it that reads C (bias, activation, residual add;
//     MatchEpilogue.cpp) becomes the tile's epilogue, applied in registers before the
//     store;
//   - the rest is MicroKernel.cpp: scf.parallel over tiles, vector FMAs in each.
// Anything else is left to the generic loop lowering.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"
#include "backends/cpu/Passes.h"
#include "kiln/NodeLoc.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <functional>
#include <map>

namespace kiln::cpu {
#define GEN_PASS_DEF_LOWERCONTRACTIONS
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;
using kiln::cpu::Contraction;
using kiln::cpu::Depthwise;
using kiln::cpu::Epilogue;
using kiln::cpu::TileShape;
using kiln::cpu::endsWithDim;
using kiln::cpu::innermostContiguous;
using kiln::cpu::linearCoefficients;
using kiln::cpu::isDimOrZeroMap;
using kiln::cpu::isPureOrAlloc;
using kiln::cpu::matchEpilogue;
using kiln::cpu::rootOf;
using kiln::cpu::constantData;

/// The f32 data of a constant global `v` reads (through reshapes only), row-major.
std::optional<ArrayRef<float>> kiln::cpu::constantData(Value v, ModuleOp module,
                                                       std::vector<float> &storage) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(def))
      v = def->getOperand(0);
    else
      break;
  }
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return std::nullopt;
  auto global = module.lookupSymbol<memref::GlobalOp>(get.getNameAttr());
  if (!global || !global.getConstant() || !global.getType().getLayout().isIdentity())
    return std::nullopt;
  Attribute init = global.getInitialValue().value_or(Attribute());
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(init)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    storage.assign(dense.getValues<float>().begin(), dense.getValues<float>().end());
    return ArrayRef<float>(storage);
  }
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(init)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || !resource.getElementType().isF32())
      return std::nullopt;
    ArrayRef<float> data = blob->getDataAs<float>();
    if (static_cast<int64_t>(data.size()) != global.getType().getNumElements())
      return std::nullopt;
    return data;
  }
  return std::nullopt;
}

namespace {

bool hasF32Elements(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getElementType().isF32();
}

/// Whether `op`'s body is yield(out + in0 * in1) (either order), in f32 or i32.
bool isMulAddBody(linalg::GenericOp op) {
  Block *body = op.getBody();
  if (body->getOperations().size() != 3 || body->getNumArguments() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1)
    return false;
  Operation *add = yield.getOperand(0).getDefiningOp();
  if (!add || !isa<arith::AddFOp, arith::AddIOp>(add))
    return false;
  Value acc = body->getArgument(2);
  Value product = add->getOperand(0) == acc ? add->getOperand(1) : add->getOperand(0);
  Operation *mul = product.getDefiningOp();
  if (!mul || !isa<arith::MulFOp, arith::MulIOp>(mul) ||
      (add->getOperand(0) != acc && add->getOperand(1) != acc))
    return false;
  Value a0 = body->getArgument(0), a1 = body->getArgument(1);
  return (mul->getOperand(0) == a0 && mul->getOperand(1) == a1) ||
         (mul->getOperand(0) == a1 && mul->getOperand(1) == a0);
}

/// An implicit-GEMM convolution: a mul-add generic whose A map has window sums such as
/// oh * sh + kh * dh (A is read element by element, so any affine address works), while
/// B and C are read through plain dims. m dims are C's parallel dims that B lacks, n dims
/// those B and C share, k dims the reductions; linalg's contraction interface rejects
/// such maps, so they are classified here.
std::optional<Contraction> matchWindowContraction(linalg::LinalgOp linalgOp) {
  auto op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
  if (!op || !op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.hasIndexSemantics() || !isMulAddBody(op))
    return std::nullopt;
  Contraction ct;
  ct.op = op;
  ct.numLoops = op.getNumLoops();
  ct.a = op.getDpsInputOperand(0)->get();
  ct.b = op.getDpsInputOperand(1)->get();
  ct.c = op.getDpsInitOperand(0)->get();
  ct.mapA = op.getIndexingMapsArray()[0];
  ct.mapB = op.getIndexingMapsArray()[1];
  ct.mapC = op.getIndexingMapsArray()[2];
  auto elementOf = [](Value v) { return cast<MemRefType>(v.getType()).getElementType(); };
  Type element = elementOf(ct.c);
  if (!(element.isF32() || element.isInteger(32)) || elementOf(ct.a) != element ||
      elementOf(ct.b) != element)
    return std::nullopt;
  if (!isDimOrZeroMap(ct.mapB) || !ct.mapC.isProjectedPermutation() ||
      ct.mapC.getNumResults() == 0 || !innermostContiguous(ct.c))
    return std::nullopt;
  SmallVector<bool> inA(ct.numLoops, false), inB(ct.numLoops, false), inC(ct.numLoops, false);
  for (AffineExpr e : ct.mapA.getResults()) {
    std::optional<SmallVector<int64_t>> coeffs = linearCoefficients(e, ct.numLoops);
    if (!coeffs)
      return std::nullopt;
    for (unsigned d = 0; d < ct.numLoops; ++d)
      if ((*coeffs)[d] != 0) {
        if ((*coeffs)[d] < 0)
          return std::nullopt;
        inA[d] = true;
      }
  }
  for (AffineExpr e : ct.mapB.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e))
      inB[d.getPosition()] = true;
  for (AffineExpr e : ct.mapC.getResults())
    inC[cast<AffineDimExpr>(e).getPosition()] = true;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  ct.n = cast<AffineDimExpr>(ct.mapC.getResults().back()).getPosition();
  if (inA[ct.n] || !inB[ct.n])
    return std::nullopt;
  for (AffineExpr e : ct.mapC.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    if (d == ct.n)
      continue;
    if (inA[d] && !inB[d])
      ct.m.push_back(d);
    else
      ct.batch.push_back(d); // in B and C (and A or not): walked like batch dims
  }
  for (unsigned d = 0; d < ct.numLoops; ++d) {
    bool reduction = iterators[d] == utils::IteratorType::reduction;
    if (reduction != !inC[d] || (reduction && (!inA[d] || !inB[d])))
      return std::nullopt;
  }
  // k dims in A's order: by the first result of A each appears in.
  for (AffineExpr e : ct.mapA.getResults()) {
    SmallVector<int64_t> coeffs = *linearCoefficients(e, ct.numLoops);
    for (unsigned d = 0; d < ct.numLoops; ++d)
      if (coeffs[d] != 0 && iterators[d] == utils::IteratorType::reduction &&
          !llvm::is_contained(ct.k, static_cast<int64_t>(d)))
        ct.k.push_back(d);
  }
  if (ct.m.empty() || ct.k.empty())
    return std::nullopt;
  return ct;
}

std::optional<Contraction> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  if (!linalg::isaContractionOpInterface(op))
    return matchWindowContraction(op);
  FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return std::nullopt;
  Contraction ct;
  ct.op = op;
  ct.numLoops = op.getNumLoops();
  if (ct.numLoops != dims->n.size() + dims->m.size() + dims->k.size() + dims->batch.size())
    return std::nullopt;
  OpOperand *a = op.getDpsInputOperand(0), *b = op.getDpsInputOperand(1),
            *c = op.getDpsInitOperand(0);
  ct.a = a->get();
  ct.b = b->get();
  ct.c = c->get();
  ct.mapA = op.getMatchingIndexingMap(a);
  ct.mapB = op.getMatchingIndexingMap(b);
  ct.mapC = op.getMatchingIndexingMap(c);
  // f32, or i32 throughout (the integer products of MatMulInteger and ConvInteger).
  auto elementOf = [](Value v) { return cast<MemRefType>(v.getType()).getElementType(); };
  Type element = elementOf(ct.c);
  if (!(element.isF32() || element.isInteger(32)) || elementOf(ct.a) != element ||
      elementOf(ct.b) != element)
    return std::nullopt;
  if (!isDimOrZeroMap(ct.mapA) || !isDimOrZeroMap(ct.mapB) || !isDimOrZeroMap(ct.mapC))
    return std::nullopt;
  if (!ct.mapC.isProjectedPermutation() || ct.mapC.getNumResults() == 0 ||
      !innermostContiguous(ct.c))
    return std::nullopt;
  // The vector dim is C's innermost, an n dim. Other n dims (in B and C, not in A, like
  // the image index of a convolution whose weights are A) are walked like batch dims.
  ct.n = cast<AffineDimExpr>(ct.mapC.getResults().back()).getPosition();
  if (!llvm::is_contained(dims->n, static_cast<unsigned>(ct.n)))
    return std::nullopt;
  // Batch and m dims, outermost first as C lays them out.
  for (AffineExpr e : ct.mapC.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    if (llvm::is_contained(dims->batch, d) ||
        (d != ct.n && llvm::is_contained(dims->n, d)))
      ct.batch.push_back(d);
    else if (llvm::is_contained(dims->m, d))
      ct.m.push_back(d);
  }
  // k dims in A's order (A's rows are usually contiguous along them).
  for (AffineExpr e : ct.mapA.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e); d && llvm::is_contained(dims->k, d.getPosition()))
      ct.k.push_back(d.getPosition());
  if (ct.batch.size() + 1 != dims->batch.size() + dims->n.size() ||
      ct.m.size() != dims->m.size() || ct.k.size() != dims->k.size())
    return std::nullopt;
  return ct;
}

/// Packs a constant 2-D B into panels; returns a get_global of the packed copy.
/// Packings are shared between contractions reading the same weight the same way.
class WeightPacker {
public:
  explicit WeightPacker(ModuleOp module) : module(module) {}

  /// `half`: an f32 weight is packed in fp16 (rounded to nearest even). Sets
  /// ct.packedBatch to the batch dims B has (each gets a leading dim of the packing).
  Value pack(OpBuilder &b, Contraction &ct, int64_t cols, bool half = false) {
    // B[batch..., k..., n] in any order, static and row-major; the packed row index is
    // the k dims linearized in ct.k order.
    auto type = cast<MemRefType>(ct.b.getType());
    if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
        !ct.mapB.isProjectedPermutation())
      return Value();
    SmallVector<int64_t> batchDims;
    for (AffineExpr e : ct.mapB.getResults())
      if (int64_t d = cast<AffineDimExpr>(e).getPosition(); llvm::is_contained(ct.batch, d))
        batchDims.push_back(d);
    if (ct.mapB.getNumResults() != ct.k.size() + 1 + batchDims.size())
      return Value();
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)))
      return Value();
    int64_t nStride = 0, nSize = 0;
    SmallVector<int64_t> batchStrides, batchSizes;
    for (int64_t d : batchDims) {
      unsigned pos = *ct.mapB.getResultPosition(b.getAffineDimExpr(d));
      batchStrides.push_back(strides[pos]);
      batchSizes.push_back(type.getDimSize(pos));
    }
    SmallVector<int64_t> kStrides, kSizes;
    for (int64_t d : ct.k) {
      std::optional<unsigned> pos = ct.mapB.getResultPosition(b.getAffineDimExpr(d));
      if (!pos)
        return Value();
      kStrides.push_back(strides[*pos]);
      kSizes.push_back(type.getDimSize(*pos));
    }
    std::optional<unsigned> nPos = ct.mapB.getResultPosition(b.getAffineDimExpr(ct.n));
    if (!nPos)
      return Value();
    nStride = strides[*nPos];
    nSize = type.getDimSize(*nPos);
    // The weight as 32-bit words: f32 data, or the i32 widening of an 8-bit constant
    // (MatMulInteger's weight minus its zero point), computed here instead of at run time.
    Type elementType = type.getElementType();
    std::vector<uint32_t> words;
    std::string rootName;
    if (elementType.isF32()) {
      std::vector<float> storage;
      std::optional<ArrayRef<float>> data = constantData(ct.b, module, storage);
      if (!data)
        return Value();
      for (float value : *data)
        words.push_back(llvm::bit_cast<uint32_t>(value));
      rootName = rootOf(ct.b).getDefiningOp<memref::GetGlobalOp>().getName().str();
    } else {
      std::optional<std::vector<uint32_t>> widened =
          kiln::cpu::widenedConstant(ct.b, ct.op, module);
      if (!widened)
        return Value();
      words = std::move(*widened);
      rootName = "widened " + std::to_string(packed.size()); // not shared
    }

    int64_t kSize = 1;
    for (int64_t size : kSizes)
      kSize *= size;
    int64_t panels = (nSize + cols - 1) / cols;
    std::string map;
    llvm::raw_string_ostream os(map);
    half = half && elementType.isF32();
    os << rootName << "/" << ct.mapB << "/" << type << "/" << cols << "/" << ct.n
       << (half ? "/f16" : "");
    for (int64_t d : ct.k)
      os << "," << d;
    std::string key = os.str();
    Type packedElement = half ? Type(Float16Type::get(b.getContext())) : elementType;
    SmallVector<int64_t> packedShape(batchSizes);
    packedShape.append({panels, kSize, cols});
    auto packedType = MemRefType::get(packedShape, packedElement);
    // Element offsets of a linear index over `sizes` (outermost first) with `strides`.
    auto offsetOf = [](int64_t linear, ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides) {
      int64_t result = 0;
      for (int64_t d = sizes.size() - 1; d >= 0; --d) {
        result += linear % sizes[d] * strides[d];
        linear /= sizes[d];
      }
      return result;
    };
    int64_t batchCount = 1;
    for (int64_t size : batchSizes)
      batchCount *= size;
    auto it = packed.find(key);
    if (it == packed.end()) {
      int64_t perBatch = panels * kSize * cols;
      std::vector<uint32_t> out(batchCount * perBatch, 0);
      for (int64_t bi = 0; bi < batchCount; ++bi) {
        int64_t bOffset = offsetOf(bi, batchSizes, batchStrides);
        for (int64_t k = 0; k < kSize; ++k) {
          int64_t kOffset = bOffset + offsetOf(k, kSizes, kStrides);
          for (int64_t n = 0; n < nSize; ++n)
            out[bi * perBatch + ((n / cols) * kSize + k) * cols + n % cols] =
                words[kOffset + n * nStride];
        }
      }
      std::string name = ("__kiln_packed_" + Twine(packed.size())).str();
      while (module.lookupSymbol(name))
        name += "_";
      OpBuilder mb(module.getBodyRegion());
      mb.setInsertionPointToStart(module.getBody());
      auto tensorType = RankedTensorType::get(packedType.getShape(), packedElement);
      AsmResourceBlob blob;
      if (half) {
        std::vector<uint16_t> halves(out.size());
        for (size_t i = 0; i < out.size(); ++i) {
          llvm::APFloat value(llvm::bit_cast<float>(out[i]));
          bool lost;
          value.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven, &lost);
          halves[i] = static_cast<uint16_t>(value.bitcastToAPInt().getZExtValue());
        }
        blob = HeapAsmResourceBlob::allocateAndCopyInferAlign<uint16_t>(halves);
      } else {
        blob = HeapAsmResourceBlob::allocateAndCopyInferAlign<uint32_t>(out);
      }
      auto attr = DenseResourceElementsAttr::get(tensorType, name, std::move(blob));
      memref::GlobalOp::create(mb, ct.op->getLoc(), name, mb.getStringAttr("private"),
                               packedType, attr, /*constant=*/true, mb.getI64IntegerAttr(64));
      it = packed.emplace(key, name).first;
    }
    ct.packedBatch = batchDims;
    return memref::GetGlobalOp::create(b, ct.op->getLoc(), packedType, it->second);
  }

private:
  ModuleOp module;
  std::map<std::string, std::string> packed;
};

/// The tile for `ct` when 32 vector registers hold it (AVX-512): `base` unless another
/// shape wastes fewer lanes and rows on the last tiles of a static N and M, among
/// shapes whose accumulators + B vectors + the broadcast fit: 6-12 rows of 2 vectors,
/// 8 x 3, 6 x 4, 8 x 1. 48 output channels: one 8 x 48 panel instead of 32 and a
/// half-empty 16; a 7 x 7 image (M = 49): 7-row tiles instead of six of 8 and one of 1;
/// M = 20 (a sequence's steps into a classifier): two 10-row tiles instead of 8 + 8 + 4.
TileShape adaptTile(TileShape base, const Contraction &ct) {
  SmallVector<int64_t> ranges = linalg::LinalgOp(ct.op).getStaticLoopRanges();
  int64_t n = ranges[ct.n], m = 1;
  for (int64_t d : ct.m)
    m = ShapedType::isDynamic(ranges[d]) || m == ShapedType::kDynamic ? ShapedType::kDynamic
                                                                     : m * ranges[d];
  if (ShapedType::isDynamic(n) || n <= 0)
    return base;
  auto padded = [](int64_t size, int64_t tile) { return (size + tile - 1) / tile * tile; };
  // The fraction of the tiles' lanes that hold results (M counts only when static).
  auto efficiency = [&](const TileShape &t) {
    double e = static_cast<double>(n) / padded(n, t.cols());
    if (!ShapedType::isDynamic(m) && m > 0)
      e *= static_cast<double>(m) / padded(m, t.rows);
    return e;
  };
  TileShape best = base;
  for (auto [rows, vectors] :
       {std::pair<int64_t, int64_t>{7, 2}, {6, 2}, {9, 2}, {10, 2}, {11, 2}, {12, 2}, {8, 3},
        {6, 4}, {8, 1}}) {
    // One vector per row only for N within one vector: otherwise the tile reloads A as
    // often as it multiplies.
    if (vectors == 1 && n > base.width)
      continue;
    TileShape candidate = base;
    candidate.rows = rows;
    candidate.vectors = vectors;
    if (efficiency(candidate) > efficiency(best) + 1e-9)
      best = candidate;
  }
  return best;
}

/// The constant C is filled with by the op right before the contraction, if any.
linalg::FillOp precedingZeroFill(const Contraction &ct, std::optional<TypedAttr> &value) {
  Operation *prev = ct.op->getPrevNode();
  while (prev && isPureOrAlloc(prev))
    prev = prev->getPrevNode();
  auto fill = dyn_cast_or_null<linalg::FillOp>(prev);
  if (!fill || fill.getDpsInitOperand(0)->get() != ct.c)
    return nullptr;
  auto cst = fill.getDpsInputOperand(0)->get().getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return nullptr;
  value = cast<TypedAttr>(cst.getValue());
  return fill;
}

/// The f32 channels-last depthwise convolution generic the Conv lowering emits (see
/// Depthwise in Contraction.h): loops (n, o..., k..., c) for 2 or 3 spatial dims, body
/// out + in * w.
std::optional<Depthwise> matchDepthwise(linalg::LinalgOp linalgOp) {
  auto op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
  if (!op || !op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.hasIndexSemantics())
    return std::nullopt;
  unsigned numLoops = op.getNumLoops();
  if (numLoops != 6 && numLoops != 8)
    return std::nullopt;
  unsigned spatial = (numLoops - 2) / 2, cDim = numLoops - 1;
  using utils::IteratorType;
  SmallVector<IteratorType> expected(1 + spatial, IteratorType::parallel);
  expected.append(spatial, IteratorType::reduction);
  expected.push_back(IteratorType::parallel);
  if (op.getIteratorTypesArray() != expected)
    return std::nullopt;
  Value in = op.getDpsInputOperand(0)->get(), w = op.getDpsInputOperand(1)->get();
  Value out = op.getDpsInitOperand(0)->get();
  for (Value v : {in, out})
    if (!hasF32Elements(v) || !innermostContiguous(v))
      return std::nullopt;
  // Body: yield(out + in * w) (either operand order), or, for a pool whose second input
  // only gives the window's shape, yield(out + in) or yield(maximumf(out, in)).
  Block *body = op.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Operation *combineOp =
      yield.getNumOperands() == 1 ? yield.getOperand(0).getDefiningOp() : nullptr;
  if (!combineOp || combineOp->getNumOperands() != 2 ||
      !isa<arith::AddFOp, arith::MaximumFOp>(combineOp))
    return std::nullopt;
  Value acc = body->getArgument(2), a0 = body->getArgument(0), a1 = body->getArgument(1);
  Value lhs = combineOp->getOperand(0), rhs = combineOp->getOperand(1);
  if (lhs != acc && rhs != acc)
    return std::nullopt;
  Value joined = lhs == acc ? rhs : lhs;
  Depthwise::Combine combine;
  if (body->getOperations().size() == 2 && joined == a0) {
    combine = isa<arith::MaximumFOp>(combineOp) ? Depthwise::Combine::Max
                                                : Depthwise::Combine::Add;
  } else {
    auto mulOp = joined.getDefiningOp<arith::MulFOp>();
    if (!isa<arith::AddFOp>(combineOp) || !mulOp || body->getOperations().size() != 3 ||
        !((mulOp.getLhs() == a0 && mulOp.getRhs() == a1) ||
          (mulOp.getLhs() == a1 && mulOp.getRhs() == a0)) ||
        !hasF32Elements(w) || !innermostContiguous(w))
      return std::nullopt;
    combine = Depthwise::Combine::MulAdd;
  }
  // Maps: out (n, o..., c), w (k..., c) (a pool's window: (k...)), in (n, o_i * s_i +
  // k_i * d_i..., c).
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> outExprs{d(0)}, wExprs;
  for (unsigned i = 0; i < spatial; ++i) {
    outExprs.push_back(d(1 + i));
    wExprs.push_back(d(1 + spatial + i));
  }
  outExprs.push_back(d(cDim));
  if (combine == Depthwise::Combine::MulAdd)
    wExprs.push_back(d(cDim));
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[2] != AffineMap::get(numLoops, 0, outExprs, ctx) ||
      maps[1] != AffineMap::get(numLoops, 0, wExprs, ctx) ||
      maps[0].getNumResults() != spatial + 2 || maps[0].getResult(0) != d(0) ||
      maps[0].getResult(spatial + 1) != d(cDim))
    return std::nullopt;
  Depthwise dw;
  dw.op = op;
  dw.combine = combine;
  dw.input = in;
  dw.filter = w;
  dw.output = out;
  dw.spatial = spatial;
  for (unsigned i = 0; i < spatial; ++i) {
    std::optional<SmallVector<int64_t>> coeffs =
        linearCoefficients(maps[0].getResult(1 + i), numLoops);
    if (!coeffs)
      return std::nullopt;
    unsigned outDim = 1 + i, tapDim = 1 + spatial + i;
    for (unsigned j = 0; j < numLoops; ++j)
      if (j != outDim && j != tapDim && (*coeffs)[j] != 0)
        return std::nullopt;
    if ((*coeffs)[outDim] < 1 || (*coeffs)[tapDim] < 1)
      return std::nullopt;
    dw.strides.push_back((*coeffs)[outDim]);
    dw.dilations.push_back((*coeffs)[tapDim]);
  }
  return dw;
}

struct LowerContractionsPass
    : kiln::cpu::impl::LowerContractionsBase<LowerContractionsPass> {
  using LowerContractionsBase::LowerContractionsBase;

  kiln::PassStatistic numLowered{this, "contractions", "Contractions lowered to register tiles"};
  kiln::PassStatistic numEpilogues{this, "epilogues",
                                   "Elementwise consumers fused as tile epilogues"};
  kiln::PassStatistic numPacked{this, "packed-weights",
                                "Constant B operands packed at compile time"};

  kiln::PassStatistic numInt8{this, "int8-contractions",
                              "8-bit contractions lowered to the VNNI kernel"};
  kiln::PassStatistic numInt4{this, "int4-weights",
                              "f32 contractions reading 4-bit weights (dequantized in the kernel)"};
  kiln::PassStatistic numBf16{this, "bf16-contractions",
                              "f32 contractions lowered to the AVX-512 BF16 kernel"};
  kiln::PassStatistic numDepthwise{this, "depthwise",
                                   "Depthwise convolutions lowered to register tiles"};
  kiln::PassStatistic numPools{this, "pools",
                               "Channels-last sum and max pools lowered to register tiles"};

  /// Erases the ops a kernel replaced (null ones skipped), remembering them in `erased`.
  static void eraseLowered(std::initializer_list<Operation *> ops,
                           llvm::SmallPtrSetImpl<Operation *> &erased) {
    for (Operation *dead : ops)
      if (dead && erased.insert(dead).second)
        dead->erase();
  }

  /// Lowers `dw` with its zero fill and elementwise consumer (matched as for a
  /// contraction whose C is the output and whose vector dim is the channel dim).
  void lowerDepthwise(Depthwise &dw, llvm::SmallPtrSetImpl<Operation *> &erased) {
    Contraction asContraction;
    asContraction.op = dw.op;
    asContraction.a = dw.input;
    asContraction.b = dw.filter;
    asContraction.c = dw.output;
    asContraction.mapC = dw.op.getIndexingMapsArray()[2];
    asContraction.numLoops = dw.op.getNumLoops();
    asContraction.n = asContraction.numLoops - 1;
    std::optional<Epilogue> epi = matchEpilogue(asContraction);
    if (epi && epi->outputMap)
      epi.reset(); // the depthwise kernel stores with C's indices only
    linalg::FillOp fill = precedingZeroFill(asContraction, dw.initValue);
    OpBuilder b(dw.op);
    if (epi)
      b.setInsertionPoint(epi->op);
    emitDepthwise(b, dw, epi ? &*epi : nullptr, vectorWidth);
    eraseLowered({epi ? epi->op.getOperation() : nullptr, dw.op.getOperation(),
                  fill ? fill.getOperation() : nullptr},
                 erased);
    if (dw.combine == Depthwise::Combine::MulAdd)
      ++numDepthwise;
    else
      ++numPools;
    if (epi)
      ++numEpilogues;
  }

  /// Lowers `ct` with the VNNI kernel (Int8Kernel.cpp) if its operands are widened bytes.
  bool lowerInt8(Contraction &ct, llvm::SmallPtrSetImpl<Operation *> &erased,
                 const TileShape &tile) {
    std::optional<Epilogue> epi = matchEpilogue(ct);
    Operation *at = epi ? epi->op.getOperation() : ct.op.getOperation();
    std::optional<kiln::cpu::Int8Contraction> q = kiln::cpu::matchInt8Contraction(ct, at);
    // The epilogue writes while the kernel reads the 8-bit buffers.
    auto written = [&](Value narrow) { return narrow && rootOf(narrow) == rootOf(epi->output); };
    if (!q || (epi && (written(q->a.narrow) || written(q->b.narrow))))
      return false;
    linalg::FillOp fill = precedingZeroFill(ct, q->ct.initValue);
    OpBuilder b(at);
    kiln::cpu::emitInt8Contraction(b, getOperation(), *q, epi ? &*epi : nullptr, tile);
    eraseLowered({epi ? epi->op.getOperation() : nullptr, ct.op.getOperation(),
                  fill ? fill.getOperation() : nullptr},
                 erased);
    ++numLowered, ++numInt8;
    numEpilogues += epi ? 1 : 0;
    return true;
  }

  /// Whether `op`'s location names a node of keep-fp32.
  bool keptInF32(Operation *op) {
    return llvm::any_of(kiln::nodeNames(op->getLoc()),
                        [&](StringRef name) { return llvm::is_contained(keepFp32, name); });
  }

  /// Lowers `ct` with the AVX-512 BF16 kernel (Bf16Kernel.cpp) if its B is a constant.
  bool lowerBf16(Contraction &ct, llvm::SmallPtrSetImpl<Operation *> &erased,
                 const TileShape &tile) {
    std::optional<Epilogue> epi = matchEpilogue(ct);
    std::optional<TypedAttr> initValue;
    linalg::FillOp fill = precedingZeroFill(ct, initValue);
    Contraction withInit = ct;
    withInit.initValue = initValue;
    OpBuilder b(epi ? epi->op.getOperation() : ct.op.getOperation());
    if (!kiln::cpu::emitBf16Contraction(b, getOperation(), withInit, epi ? &*epi : nullptr,
                                        tile))
      return false;
    eraseLowered({epi ? epi->op.getOperation() : nullptr, ct.op.getOperation(),
                  fill ? fill.getOperation() : nullptr},
                 erased);
    ++numLowered, ++numBf16;
    numEpilogues += epi ? 1 : 0;
    return true;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // With bf16: what happened to each f32 contraction, for kilnc's report.
    int64_t bf16Count = 0, keptCount = 0, f32Count = 0, fp16Count = 0;
    TileShape baseTile;
    baseTile.rows = tileRows;
    baseTile.vectors = tileVectors;
    baseTile.width = vectorWidth;
    baseTile.amx = amx;
    if (baseTile.rows < 1 || baseTile.vectors < 1 || baseTile.width < 1) {
      module.emitError("kiln-lower-contractions: tile sizes must be positive");
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> candidates;
    module.walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<scf::ParallelOp>())
        candidates.push_back(op);
    });
    WeightPacker packer(module);
    kiln::cpu::Int4Packer int4Packer(module);
    // A lowering erases its epilogue and zero fill, which may be later candidates.
    llvm::SmallPtrSet<Operation *, 16> erased;
    for (linalg::LinalgOp op : candidates) {
      if (erased.contains(op))
        continue;
      std::optional<Contraction> ct = matchContraction(op);
      if (!ct) {
        if (std::optional<Depthwise> dw = matchDepthwise(op))
          lowerDepthwise(*dw, erased);
        continue;
      }
      OpBuilder b(op);
      TileShape tile = adaptTiles ? adaptTile(baseTile, *ct) : baseTile;
      if (vnni && tile.width == 16 && lowerInt8(*ct, erased, tile))
        continue;
      // A 4-bit weight (dequantized by a generic this replaces) stays 4-bit.
      bool int4 = packWeights && hasF32Elements(ct->c) && int4Packer.pack(b, *ct, tile.cols());
      if (bf16 && tile.width == 16 && hasF32Elements(ct->c) && !int4) {
        if (keptInF32(op)) {
          ++keptCount;
        } else if (lowerBf16(*ct, erased, tile)) {
          ++bf16Count;
          continue;
        } else {
          ++f32Count;
        }
      }
      if (Value a = kiln::cpu::foldWidenedConstant(b, ct->a, op, module))
        ct->a = a; // a convolution's 8-bit weight, widened at compile time
      bool half = fp16Weights && hasF32Elements(ct->c) && !int4;
      if (half && keptInF32(op)) {
        half = false;
        ++keptCount;
      }
      if (int4) {
        ++numInt4;
      } else if (!endsWithDim(ct->mapB, ct->n) || !innermostContiguous(ct->b) || packWeights) {
        ct->packedB = packWeights ? packer.pack(b, *ct, tile.cols(), half) : Value();
        if (!ct->packedB && (!endsWithDim(ct->mapB, ct->n) || !innermostContiguous(ct->b)))
          continue;
      }
      std::optional<Epilogue> epi = matchEpilogue(*ct);
      linalg::FillOp fill = precedingZeroFill(*ct, ct->initValue);
      // With an epilogue the code goes where the epilogue was: its output may be
      // allocated between the two.
      if (epi)
        b.setInsertionPoint(epi->op);
      emitContraction(b, *ct, epi ? &*epi : nullptr, tile);
      eraseLowered({epi ? epi->op.getOperation() : nullptr, op.getOperation(),
                    fill ? fill.getOperation() : nullptr},
                   erased);
      ++numLowered;
      if (epi)
        ++numEpilogues;
      if (ct->packedB)
        ++numPacked;
      if (half && ct->packedB &&
          cast<MemRefType>(ct->packedB.getType()).getElementType().isF16())
        ++fp16Count;
      else if (half)
        ++f32Count;
    }
    // The widenings the packed weights and the VNNI kernels replaced.
    kiln::cpu::eraseDeadStores(module);
    if (bf16) {
      Builder b(module.getContext());
      module->setAttr("kiln.bf16_contractions", b.getI64IntegerAttr(bf16Count));
      module->setAttr("kiln.bf16_kept_f32", b.getI64IntegerAttr(keptCount));
      module->setAttr("kiln.bf16_ineligible", b.getI64IntegerAttr(f32Count));
    }
    if (fp16Weights) {
      Builder b(module.getContext());
      module->setAttr("kiln.fp16_contractions", b.getI64IntegerAttr(fp16Count));
      module->setAttr("kiln.fp16_kept_f32", b.getI64IntegerAttr(keptCount));
      module->setAttr("kiln.fp16_ineligible", b.getI64IntegerAttr(f32Count));
    }
  }
};

} // namespace
