//===- Selection.h - What the quantization passes share ----------*- C++ -*-===//
//
// Helpers of the quantization passes (QuantizeContractions.cpp, QuantizeInt4Weights.cpp)
// for naming the nodes they consider and checking --quantize-exclude.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_QUANTIZE_SELECTION_H
#define KILN_PASSES_QUANTIZE_SELECTION_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace kiln::quantize {

/// The ONNX op type a node had before any fusion: from its location's metadata
/// (replacedNodesLoc), else the op's own name.
std::string opTypeOf(mlir::Operation *op);

/// The ONNX node names of `op`'s location, comma-separated (its node key).
std::string joinedNames(mlir::Operation *op);

/// Every name in `exclude` must name a node of the model (not an initializer, whose
/// onnx.Constant carries its name); an error on `module` otherwise.
mlir::LogicalResult checkExcludedNamesExist(mlir::ModuleOp module,
                                            llvm::ArrayRef<std::string> exclude);

} // namespace kiln::quantize

#endif // KILN_PASSES_QUANTIZE_SELECTION_H
