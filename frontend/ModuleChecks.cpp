//===- ModuleChecks.cpp - Kiln's checks on an imported module -------------===//

#include "frontend/ModuleChecks.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <optional>

using namespace mlir;

namespace kiln::frontend {
namespace {

/// "node 'conv1' (Conv)" or "node #3 (Conv)" from the op's NameLoc (the
/// importer's label for unnamed nodes already reads "#3 (Conv)").
std::string describeOp(Operation *op) {
  StringRef opType = op->getName().getStringRef();
  opType.consume_front("onnx.");
  // Older signatures are separate ops (onnx.AddV6) of the same ONNX op type.
  size_t v = opType.rfind('V');
  if (v != StringRef::npos && v + 1 < opType.size() &&
      llvm::all_of(opType.drop_front(v + 1), llvm::isDigit))
    opType = opType.take_front(v);
  if (auto name = dyn_cast<NameLoc>(op->getLoc())) {
    StringRef label = name.getName().strref();
    if (label.starts_with("#"))
      return ("node " + label).str();
    return ("node '" + label + "' (" + opType + ")").str();
  }
  return ("node (" + opType + ")").str();
}

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
  for (int64_t dim : tensor.getShape())
    if (llvm::MulOverflow<uint64_t>(count, static_cast<uint64_t>(dim), count))
      return "its element count overflows 64 bits";
  uint64_t bits = elementBits(tensor.getElementType()).value_or(8);
  uint64_t totalBits;
  if (llvm::MulOverflow(count, bits, totalBits))
    return "its byte size overflows 64 bits";
  uint64_t bytes = llvm::divideCeil(totalBits, 8);
  if (bytes <= kMaxTensorBytes)
    return "";
  return (llvm::Twine(count) + " elements take " + llvm::Twine(bytes) +
          " bytes, over Kiln's limit of 2^40 bytes per tensor")
      .str();
}

/// The dialect's shape inference over the whole module, as the InferShapes
/// pass does it (which the frontend cannot link).
LogicalResult inferShapes(ModuleOp module) {
  WalkResult result = module.walk<WalkOrder::PreOrder>([](Operation *op) {
    return failed(onnxir::refineResultTypes(op)) ? WalkResult::interrupt()
                                                  : WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  module.walk([](func::FuncOp func) {
    if (func.isExternal())
      return;
    Operation *ret = func.getBody().back().getTerminator();
    func.setFunctionType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                           ret->getOperandTypes()));
  });
  return success();
}

LogicalResult checkSizes(ModuleOp module) {
  WalkResult result = module.walk([](Operation *op) {
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
  OwningOpRef<ModuleOp> copy = module.clone();
  if (failed(inferShapes(*copy)) || failed(verify(*copy)))
    return failure();
  return checkSizes(*copy);
}

} // namespace kiln::frontend
