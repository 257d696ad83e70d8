//===- Validation.h - Structural checks on ONNX graphs ----------*- C++ -*-===//
//
// The importer's own checks. They always run, because libonnx's checker only
// knows opsets up to 17 and is skipped for newer models.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_VALIDATION_H
#define KILN_FRONTEND_VALIDATION_H

#include "frontend/ImportEnv.h"
#include "frontend/OpRegistry.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/IR/ValueRange.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

namespace kiln::frontend {

/// Which node of a graph defines each name, to tell "used before it is
/// defined" (graph not topologically sorted) from "never defined".
class GraphIndex {
public:
  /// Indexes `graph`; reports names defined twice (graph inputs, initializers
  /// not also listed as inputs, node outputs) at `site`.
  mlir::LogicalResult build(const onnxpb::GraphProto &graph, const ErrorSite &site,
                            llvm::function_ref<ErrorSite(int)> nodeSite);

  /// Index of the node producing `name`, or -1.
  int producerOf(llvm::StringRef name) const {
    auto it = producers.find(name);
    return it == producers.end() ? -1 : it->second;
  }

private:
  llvm::StringMap<int> producers;
};

/// The name of `node` (the `index`-th of its graph) in locations: its own
/// name, or "#<index> (<OpType>)" when it has none.
std::string nodeLabel(const onnxpb::NodeProto &node, int index);

/// How messages refer to a node: "node '<name>' (<OpType>)", or
/// "node #<index> (<OpType>)" for an unnamed one.
std::string describeNode(const onnxpb::NodeProto &node, int index);

/// Where errors about `node` (the `index`-th of its graph) go: a NameLoc with
/// its label and the prefix describeNode() + ": ".
ErrorSite nodeErrorSite(mlir::MLIRContext &ctx, const onnxpb::NodeProto &node, int index);

/// Refuses IR versions newer than the onnx-ml.proto Kiln is built from and
/// opsets newer than the ONNX schemas the dialect is generated from, for every
/// domain Kiln knows: such a model may use semantics Kiln would silently get
/// wrong.
mlir::LogicalResult checkModelVersions(const onnxpb::ModelProto &model, const ImportEnv &env);

/// Checks that every name used in `graph` and its subgraphs is defined before
/// use and every graph output exists. Runs before libonnx, whose version
/// converter crashes on such graphs instead of reporting them.
mlir::LogicalResult checkGraphNames(const onnxpb::GraphProto &graph, const ImportEnv &env);

/// Checks a node's input/output counts and GRAPH attributes against the
/// signature of the op it resolved to.
mlir::LogicalResult checkNodeSignature(const onnxpb::NodeProto &node, const OpSignature &sig,
                                       const ErrorSite &site);

/// Checks that `node`'s inputs bound to one type parameter of its ONNX schema have one
/// element type (MatMul's A and B are both T: float times double is refused, as ONNX
/// Runtime refuses it). `operands` are the node's inputs in order, `sinceVersion` the
/// version of the op the node resolved to: libonnx's schema is consulted only when it
/// has that very version (it knows opsets up to 17).
mlir::LogicalResult checkTypeParameters(const onnxpb::NodeProto &node, llvm::StringRef domain,
                                        int64_t sinceVersion, mlir::ValueRange operands,
                                        const ErrorSite &site);

/// Reports an input that is not defined when `node` needs it: either produced
/// by a later node (graph not topologically sorted) or not at all.
void reportUndefinedInput(const onnxpb::GraphProto &graph, const GraphIndex &index,
                          llvm::StringRef input, const ErrorSite &site);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_VALIDATION_H
