//===- ResultTypes.h - Types of node outputs --------------------*- C++ -*-===//
//
// The single place that decides the MLIR type of a node output. The dialect's
// shape inference interface is meant to plug in here later.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_RESULTTYPES_H
#define KILN_FRONTEND_RESULTTYPES_H

#include "frontend/ImportEnv.h"
#include "frontend/OpRegistry.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

namespace kiln::frontend {

/// Everything known about one node output when its type is decided.
struct ResultTypeQuery {
  const onnxpb::NodeProto &node;
  const OpSignature &sig;
  /// Index among the op's results (variadic tails count one each).
  unsigned resultIndex;
  /// The op's operands, one per formal input (variadic tails flattened).
  mlir::ValueRange operands;
  /// The op's imported attributes.
  const mlir::NamedAttrList &attrs;
  /// Types yielded by each of the op's regions (If/Loop/Scan bodies).
  llvm::ArrayRef<mlir::TypeRange> regionYieldTypes;
  /// Declared type of the output (graph output / value_info, possibly filled
  /// by libonnx shape inference), or null.
  const onnxpb::TypeProto *declared;
};

/// Returns the output's type: the declared type when it is complete, else a
/// per-op rule (Cast's `to`, Constant's value, the signature's type rules) as
/// an unranked tensor. Emits "cannot infer the type of output ..." at `site`
/// when nothing applies.
mlir::FailureOr<mlir::Type> inferResultType(const ResultTypeQuery &query, const ImportEnv &env,
                                            const ErrorSite &site);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_RESULTTYPES_H
