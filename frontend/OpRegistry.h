//===- OpRegistry.h - ONNX op -> onnx dialect op table ----------*- C++ -*-===//
//
// Internal to the frontend. Answers "which onnx dialect op implements this
// ONNX op at this opset, and what is its signature", from the table the
// dialect generates (ir/onnx/OnnxOpVersions.inc).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_OPREGISTRY_H
#define KILN_FRONTEND_OPREGISTRY_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace kiln::frontend {

/// Operand/result signature of one onnx dialect op.
struct OpSignature {
  llvm::StringRef mlirName;
  unsigned numInputs = 0;
  bool lastInputVariadic = false;
  unsigned numOutputs = 0;
  bool lastOutputVariadic = false;
  /// One rule per formal output: "inN", "inN|<type>" (input N's element type, or the
  /// MLIR element type when input N is absent), an MLIR element type, or "?".
  llvm::SmallVector<llvm::StringRef> outputTypeRules;
  /// GRAPH attribute names, in region order.
  llvm::SmallVector<llvm::StringRef> regionAttrNames;
};

/// Result of resolving a node against the table.
struct ResolvedOp {
  int64_t sinceVersion;
  const OpSignature *sig;
};

/// Returns the op implementing `opType` in (normalized) `domain` at `opset`:
/// the row with the largest since_version <= opset. std::nullopt when the op
/// is unknown or only exists at newer opsets.
std::optional<ResolvedOp> resolveOp(llvm::StringRef domain, llvm::StringRef opType, int64_t opset);

/// True when the table has any op in `domain`.
bool isKnownDomain(llvm::StringRef domain);

/// The newest opset of (normalized) `domain` the table was generated from: the
/// largest since_version of any of its ops (28 for the default domain with
/// onnx 1.23). std::nullopt for domains the table does not know.
std::optional<int64_t> newestOpset(llvm::StringRef domain);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_OPREGISTRY_H
