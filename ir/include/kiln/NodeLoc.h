//===- NodeLoc.h - Locations for ops that replace ONNX nodes -----*- C++ -*-===//
//
// The importer gives each op the NameLoc of its ONNX node, and the profiler
// (`kilnc --profile`) names each kernel's nodes and op types from it: a node's op type
// is that of the onnx op carrying its bare NameLoc. A rewrite that replaces nodes must
// not give a new op (a prepacked weight, a transpose, a kiln op) the bare NameLoc of a
// node of another op type, and must keep the replaced nodes' op types. Such ops take
// replacedNodesLoc(root, others...): a FusedLoc of the nodes' locations, root first,
// whose metadata maps each node name to its ONNX op type:
//
//   loc(fused<{"/conv1/Conv" = "Conv"}>["/conv1/Conv"])
//
//===----------------------------------------------------------------------===//

#ifndef KILN_NODELOC_H
#define KILN_NODELOC_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <string>

namespace kiln {

/// The ONNX node names in `loc` (a NameLoc, or a FusedLoc of several, root first).
inline llvm::SmallSetVector<llvm::StringRef, 4> nodeNames(mlir::Location loc) {
  llvm::SmallSetVector<llvm::StringRef, 4> names;
  loc->walk([&](mlir::Location inner) {
    if (auto name = llvm::dyn_cast<mlir::NameLoc>(inner))
      names.insert(name.getName().getValue());
    return mlir::WalkResult::advance();
  });
  return names;
}

/// Adds the node names -> ONNX op types that `loc` of an `op` records to `types`
/// (first entry wins): a bare NameLoc on an onnx op, and the metadata of the
/// replacedNodesLoc FusedLocs in `loc`.
inline void collectNodeOpTypes(mlir::Operation *op, mlir::Location loc,
                               llvm::MapVector<mlir::StringAttr, mlir::StringAttr> &types) {
  mlir::MLIRContext *ctx = loc->getContext();
  if (auto name = llvm::dyn_cast<mlir::NameLoc>(loc)) {
    // NoValue stands for an absent optional input; it carries its user's location.
    if (op && op->getName().getDialectNamespace() == "onnx" &&
        op->getName().stripDialect() != "NoValue")
      types.try_emplace(name.getName(),
                        mlir::StringAttr::get(ctx, op->getName().stripDialect()));
    return;
  }
  loc->walk([&](mlir::Location inner) {
    if (auto fused = llvm::dyn_cast<mlir::FusedLoc>(inner))
      if (auto dict = llvm::dyn_cast_or_null<mlir::DictionaryAttr>(fused.getMetadata()))
        for (mlir::NamedAttribute entry : dict)
          if (auto type = llvm::dyn_cast<mlir::StringAttr>(entry.getValue()))
            types.try_emplace(entry.getName(), type);
    return mlir::WalkResult::advance();
  });
}

/// The location for ops created in place of `nodes` (the pattern's root first): a
/// FusedLoc of their node locations whose metadata names each node's ONNX op type.
inline mlir::Location replacedNodesLoc(llvm::ArrayRef<mlir::Operation *> nodes) {
  mlir::MLIRContext *ctx = nodes.front()->getContext();
  llvm::SetVector<mlir::Location> locs;
  llvm::MapVector<mlir::StringAttr, mlir::StringAttr> types;
  for (mlir::Operation *node : nodes) {
    mlir::Location loc = node->getLoc();
    collectNodeOpTypes(node, loc, types);
    auto fused = llvm::dyn_cast<mlir::FusedLoc>(loc);
    if (fused && llvm::isa_and_nonnull<mlir::DictionaryAttr>(fused.getMetadata()))
      locs.insert(fused.getLocations().begin(), fused.getLocations().end());
    else
      locs.insert(loc);
  }
  llvm::SmallVector<mlir::NamedAttribute> entries;
  for (auto &[name, type] : types)
    entries.emplace_back(name, type);
  if (entries.empty())
    return mlir::FusedLoc::get(ctx, locs.getArrayRef());
  return mlir::FusedLoc::get(ctx, locs.getArrayRef(), mlir::DictionaryAttr::get(ctx, entries));
}

/// The ONNX op type of an op name: "onnx.ResizeV13" -> "Resize" (older signatures are
/// separate ops, onnx.<Op>V<n>, of the same ONNX op type; users never see that suffix), and
/// "onnx.ms.Attention" -> "Attention" (ONNX Runtime's contrib ops).
inline llvm::StringRef onnxOpType(llvm::StringRef opName) {
  opName.consume_front("onnx.");
  opName.consume_front("ms.");
  opName.consume_front("kiln.");
  size_t v = opName.rfind('V');
  if (v != llvm::StringRef::npos && v > 0 && v + 1 < opName.size() &&
      llvm::all_of(opName.drop_front(v + 1), llvm::isDigit))
    opName = opName.take_front(v);
  return opName;
}

/// How every message names the ONNX node behind `loc` (a NameLoc, or a FusedLoc whose
/// first name is the root node): "node 'conv1' (Conv)". An unnamed node, which the importer
/// labels "#3 (Conv)" by its index and op type, reads "node #3 (Conv)". `opName` is an op
/// name or ONNX op type (see onnxOpType); without one the op type is left out.
inline std::string describeNode(mlir::Location loc, llvm::StringRef opName = "") {
  llvm::StringRef opType = onnxOpType(opName);
  llvm::SmallSetVector<llvm::StringRef, 4> names = nodeNames(loc);
  if (names.empty())
    return opType.empty() ? std::string("node <unnamed>") : ("node (" + opType + ")").str();
  llvm::StringRef name = names[0];
  if (name.starts_with("#"))
    return ("node " + name).str();
  if (opType.empty())
    return ("node '" + name + "'").str();
  return ("node '" + name + "' (" + opType + ")").str();
}

/// describeNode for an op that carries its node's location.
inline std::string describeNode(mlir::Operation *op) {
  return describeNode(op->getLoc(), op->getName().getStringRef());
}

} // namespace kiln

#endif // KILN_NODELOC_H
