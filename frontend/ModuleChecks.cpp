//===- ModuleChecks.cpp - Kiln's checks on an imported module -------------===//

#include "frontend/ModuleChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <climits>
#include "kiln/NodeLoc.h"

#include <optional>

using namespace mlir;

namespace kiln::frontend {

NodeDiagnosticRewriter::NodeDiagnosticRewriter(MLIRContext &ctx) : ctx(ctx) {
  id = ctx.getDiagEngine().registerHandler([](Diagnostic &diag) -> LogicalResult {
    if (diag.getSeverity() != DiagnosticSeverity::Error || !isa<NameLoc>(diag.getLocation()))
      return failure();
    std::string text = diag.str();
    StringRef rest(text);
    if (!rest.consume_front("'onnx."))
      return failure();
    size_t end = rest.find("' op ");
    if (end == StringRef::npos)
      return failure();
    std::string opName = ("onnx." + rest.take_front(end)).str();
    // The new error does not start with "'onnx." and so goes to the next handler.
    emitError(diag.getLocation()) << kiln::describeNode(diag.getLocation(), opName) << ": "
                                  << rest.drop_front(end + 5);
    return success();
  });
}

NodeDiagnosticRewriter::~NodeDiagnosticRewriter() { ctx.getDiagEngine().eraseHandler(id); }

namespace {

std::string describeOp(Operation *op) { return kiln::describeNode(op); }

/// Bits per element; std::nullopt for types without a fixed width (strings),
/// which are then counted as one byte each.
std::optional<uint64_t> elementBits(Type type) {
  if (type.isIntOrFloat())
    return type.getIntOrFloatBitWidth();
  if (auto complex = dyn_cast<ComplexType>(type))
    if (std::optional<uint64_t> bits = elementBits(complex.getElementType()))
      return 2 * *bits;
  return std::nullopt;
}

/// Why a value of `type` cannot exist, or "" when it can (or is not static).
std::string sizeProblem(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return "";
  uint64_t count = 1;
  bool overflowed = false;
  for (int64_t dim : tensor.getShape()) {
    count = llvm::SaturatingMultiply(count, static_cast<uint64_t>(dim), &overflowed);
    if (overflowed)
      return "its element count overflows 64 bits";
  }
  uint64_t bits = elementBits(tensor.getElementType()).value_or(8);
  uint64_t totalBits = llvm::SaturatingMultiply(count, bits, &overflowed);
  if (overflowed)
    return "its byte size overflows 64 bits";
  uint64_t bytes = llvm::divideCeil(totalBits, 8);
  if (bytes <= kMaxTensorBytes)
    return "";
  return (llvm::Twine(count) + " elements take " + llvm::Twine(bytes) +
          " bytes, over Kiln's limit of 2^40 = " + llvm::Twine(kMaxTensorBytes) +
          " bytes per tensor")
      .str();
}

/// The ONNX op type of `op` (onnx.AveragePoolV11 -> AveragePool).
StringRef opTypeOf(Operation *op) {
  StringRef opType = op->getName().getStringRef();
  opType.consume_front("onnx.");
  size_t v = opType.rfind('V');
  if (v != StringRef::npos && v + 1 < opType.size() &&
      llvm::all_of(opType.drop_front(v + 1), llvm::isDigit))
    opType = opType.take_front(v);
  return opType;
}

/// Windows no model needs and no machine can run: a pooling window over more
/// than 2^31 elements, or a dilated kernel extent that overflows. Checked
/// before shape inference, whose window arithmetic assumes sane values. With
/// SAME padding no shape check catches kernel_shape = [2, 2^31 - 1]: the
/// backend then materializes a padded input of hundreds of GB.
LogicalResult checkWindows(ModuleOp module) {
  constexpr uint64_t kMaxWindowElements = uint64_t(1) << 31;
  WalkResult result = module.walk([&](Operation *op) {
    StringRef opType = opTypeOf(op);
    bool isPool = opType == "AveragePool" || opType == "MaxPool" || opType == "LpPool";
    if (!isPool && opType != "Conv" && opType != "ConvTranspose")
      return WalkResult::advance();
    auto kernel = op->getAttrOfType<DenseI64ArrayAttr>("kernel_shape");
    if (!kernel)
      return WalkResult::advance();
    auto dilations = op->getAttrOfType<DenseI64ArrayAttr>("dilations");
    uint64_t elements = 1;
    bool overflowed = false;
    for (auto [i, k] : llvm::enumerate(kernel.asArrayRef())) {
      int64_t d = dilations && i < dilations.size() ? dilations[i] : 1;
      if (k < 1 || d < 1)
        continue; // The verifier reports these.
      uint64_t extent = llvm::SaturatingMultiply(static_cast<uint64_t>(k - 1),
                                                 static_cast<uint64_t>(d), &overflowed);
      if (overflowed || extent >= uint64_t(INT64_MAX)) {
        emitError(op->getLoc()) << describeOp(op) << ": kernel_shape value " << k
                                << " with dilation " << d << " overflows the window extent";
        return WalkResult::interrupt();
      }
      elements = llvm::SaturatingMultiply(elements, extent + 1, &overflowed);
    }
    if (isPool && (overflowed || elements > kMaxWindowElements)) {
      InFlightDiagnostic diag = emitError(op->getLoc())
                                << describeOp(op) << ": the window of kernel_shape [";
      llvm::interleaveComma(kernel.asArrayRef(), diag);
      diag << "] covers " << (overflowed ? "over 2^64" : std::to_string(elements))
           << " elements, over Kiln's limit of 2^31";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// Convolutions whose weight rank differs from the input's: libonnx 1.12's
/// convPoolShapeInference indexes one by the other's rank (SIGSEGV on a
/// ConvInteger with a rank-5 weight and a rank-4 input), and not every conv
/// variant's verifier checks it. Runs after shape inference, so ranks are
/// known wherever they can be.
LogicalResult checkConvRanks(ModuleOp module) {
  WalkResult result = module.walk([&](Operation *op) {
    StringRef opType = opTypeOf(op);
    unsigned weight = opType == "QLinearConv" ? 3 : 1;
    if ((opType != "Conv" && opType != "ConvInteger" && opType != "ConvTranspose" &&
         opType != "QLinearConv") ||
        op->getNumOperands() <= weight)
      return WalkResult::advance();
    auto x = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
    auto w = dyn_cast<RankedTensorType>(op->getOperand(weight).getType());
    if (!x || !w || x.getRank() == w.getRank())
      return WalkResult::advance();
    emitError(op->getLoc()) << describeOp(op) << ": weight rank " << w.getRank()
                            << " != input rank " << x.getRank();
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

LogicalResult checkSizes(ModuleOp module) {
  // Pre-order: a graph's inputs are reported before the ops that use them.
  WalkResult result = module.walk<WalkOrder::PreOrder>([](Operation *op) {
    for (Region &region : op->getRegions())
      for (BlockArgument arg : region.getArguments()) {
        std::string problem = sizeProblem(arg.getType());
        if (problem.empty())
          continue;
        std::string what = "input #" + std::to_string(arg.getArgNumber());
        if (auto func = dyn_cast<func::FuncOp>(op)) {
          if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "onnx.name"))
            what = "'" + name.str() + "'";
          emitError(arg.getLoc()) << "graph input " << what << " of type " << arg.getType()
                                  << " is too large: " << problem;
        } else {
          emitError(arg.getLoc()) << describeOp(op) << ": subgraph " << what << " of type "
                                  << arg.getType() << " is too large: " << problem;
        }
        return WalkResult::interrupt();
      }
    for (OpResult res : op->getResults()) {
      std::string problem = sizeProblem(res.getType());
      if (problem.empty())
        continue;
      emitError(op->getLoc()) << describeOp(op) << ": output #" << res.getResultNumber()
                              << " of type " << res.getType() << " is too large: " << problem;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

} // namespace

LogicalResult checkImportedModule(ModuleOp module) {
  // The backend upgrades older op versions (onnx.AveragePoolV11) before its
  // shape inference, which only the newest ops implement; so does this check.
  if (failed(checkWindows(module)))
    return failure();
  OwningOpRef<ModuleOp> copy = module.clone();
  PassManager pm(module.getContext());
  pm.enableVerifier(true);
  pm.addPass(createUpgradeOnnxOps());
  pm.addPass(createInferShapes());
  if (failed(pm.run(*copy)) || failed(checkConvRanks(*copy)))
    return failure();
  return checkSizes(*copy);
}

} // namespace kiln::frontend
