//===- TopologicalSort.h - Put a graph's nodes in dependency order -*- C++ -*-===//
//
// ONNX requires a graph's nodes in topological order, but real exporters do not always
// write them so (ONNX Runtime's float16 converter appends Cast nodes at the end) and ONNX
// Runtime sorts them on load. Kiln does the same before anything else looks at the graph.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_TOPOLOGICALSORT_H
#define KILN_FRONTEND_TOPOLOGICALSORT_H

#include "frontend/proto/kiln_onnx.pb.h"

namespace kiln::frontend {

/// Reorders the nodes of `graph` and of every subgraph so that each node comes after the
/// producers of its inputs (including names its subgraphs use from this graph), keeping
/// the original order wherever the dependencies allow. A graph with a cycle, or whose
/// nodes use a name no node or input defines, is left as it is for the importer's checks
/// to report. Returns whether anything moved.
bool sortNodesTopologically(onnxpb::GraphProto &graph);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_TOPOLOGICALSORT_H
