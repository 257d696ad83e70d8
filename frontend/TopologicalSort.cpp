//===- TopologicalSort.cpp - Put a graph's nodes in dependency order ------===//

#include "frontend/TopologicalSort.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <functional>
#include <queue>
#include <vector>

namespace kiln::frontend {
namespace {

/// Every name the nodes of `graph` (and of its subgraphs, recursively) read.
void collectUsedNames(const onnxpb::GraphProto &graph, llvm::StringSet<> &names) {
  for (const onnxpb::NodeProto &node : graph.node()) {
    for (const std::string &input : node.input())
      if (!input.empty())
        names.insert(input);
    for (const onnxpb::AttributeProto &attr : node.attribute()) {
      if (attr.has_g())
        collectUsedNames(attr.g(), names);
      for (const onnxpb::GraphProto &g : attr.graphs())
        collectUsedNames(g, names);
    }
  }
}

} // namespace

bool sortNodesTopologically(onnxpb::GraphProto &graph) {
  bool moved = false;
  for (onnxpb::NodeProto &node : *graph.mutable_node())
    for (onnxpb::AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        moved |= sortNodesTopologically(*attr.mutable_g());
      for (onnxpb::GraphProto &g : *attr.mutable_graphs())
        moved |= sortNodesTopologically(g);
    }

  int numNodes = graph.node_size();
  llvm::StringMap<int> producer;
  for (int i = 0; i < numNodes; ++i)
    for (const std::string &output : graph.node(i).output())
      if (!output.empty())
        producer.try_emplace(output, i);

  // Edges producer -> consumer; a name not produced here comes from outside (a graph
  // input, an initializer, an outer scope) and orders nothing.
  std::vector<llvm::SmallVector<int, 2>> consumers(numNodes);
  std::vector<int> pending(numNodes, 0);
  bool outOfOrder = false;
  for (int i = 0; i < numNodes; ++i) {
    const onnxpb::NodeProto &node = graph.node(i);
    llvm::StringSet<> used;
    for (const std::string &input : node.input())
      if (!input.empty())
        used.insert(input);
    for (const onnxpb::AttributeProto &attr : node.attribute()) {
      if (attr.has_g())
        collectUsedNames(attr.g(), used);
      for (const onnxpb::GraphProto &g : attr.graphs())
        collectUsedNames(g, used);
    }
    llvm::DenseSet<int> producers;
    for (const auto &name : used) {
      auto it = producer.find(name.getKey());
      if (it != producer.end() && it->second != i && producers.insert(it->second).second) {
        consumers[it->second].push_back(i);
        ++pending[i];
        outOfOrder |= it->second > i;
      }
    }
  }
  if (!outOfOrder)
    return moved;

  // Kahn's algorithm, always taking the ready node that came first.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < numNodes; ++i)
    if (pending[i] == 0)
      ready.push(i);
  std::vector<int> order;
  order.reserve(numNodes);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int consumer : consumers[i])
      if (--pending[consumer] == 0)
        ready.push(consumer);
  }
  if (static_cast<int>(order.size()) != numNodes)
    return moved; // a cycle: the importer reports it

  google::protobuf::RepeatedPtrField<onnxpb::NodeProto> sorted;
  sorted.Reserve(numNodes);
  for (int i : order)
    sorted.Add()->Swap(graph.mutable_node(i));
  graph.mutable_node()->Swap(&sorted);
  return true;
}

} // namespace kiln::frontend
