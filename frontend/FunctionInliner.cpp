//===- FunctionInliner.cpp - Inline model-local ONNX functions ------------===//

#include "frontend/FunctionInliner.h"

#include "llvm/ADT/StringMap.h"

#include <functional>
#include <map>
#include <tuple>
#include <vector>

using namespace mlir;
using namespace kiln::onnxpb;

namespace kiln::frontend {
namespace {

/// Guards against functions that (directly or not) call themselves, and
/// against call trees that double at every level.
constexpr int kMaxInlineDepth = 64;
constexpr unsigned kMaxInlinedCalls = 1u << 20;

using Renamer = std::function<std::string(const std::string &)>;

class Inliner {
public:
  Inliner(ModelProto &model, const ImportEnv &env) : model(model), env(env) {
    for (const FunctionProto &fn : model.functions())
      functions[{fn.domain(), fn.name(), fn.overload()}] = &fn;
  }

  LogicalResult run() {
    if (failed(inlineGraph(*model.mutable_graph(), 0)))
      return failure();
    for (const FunctionProto &fn : model.functions())
      for (const OperatorSetIdProto &opset : fn.opset_import())
        mergeOpset(opset);
    model.clear_functions();
    return success();
  }

private:
  void mergeOpset(const OperatorSetIdProto &opset) {
    for (const OperatorSetIdProto &existing : model.opset_import())
      if (normalizeDomain(existing.domain()) == normalizeDomain(opset.domain()))
        return;
    *model.add_opset_import() = opset;
  }

  const FunctionProto *lookup(const NodeProto &node) const {
    auto it = functions.find({node.domain(), node.op_type(), node.overload()});
    return it == functions.end() ? nullptr : it->second;
  }

  /// Inlines calls among `graph`'s nodes and inside its subgraphs.
  LogicalResult inlineGraph(GraphProto &graph, int depth) {
    std::vector<NodeProto> nodes;
    for (NodeProto &node : *graph.mutable_node())
      if (failed(inlineNode(std::move(node), graph, nodes, depth)))
        return failure();
    graph.clear_node();
    for (NodeProto &node : nodes)
      *graph.add_node() = std::move(node);
    return success();
  }

  LogicalResult inlineNode(NodeProto node, GraphProto &graph, std::vector<NodeProto> &out,
                           int depth) {
    for (AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g() && failed(inlineGraph(*attr.mutable_g(), depth)))
        return failure();
      for (GraphProto &g : *attr.mutable_graphs())
        if (failed(inlineGraph(g, depth)))
          return failure();
    }
    const FunctionProto *fn = lookup(node);
    if (!fn) {
      out.push_back(std::move(node));
      return success();
    }
    if (counter >= kMaxInlinedCalls)
      return env.fileError() << "more than " << kMaxInlinedCalls << " function calls to inline",
             failure();
    if (depth >= kMaxInlineDepth)
      return env.fileError() << "function '" << fn->name() << "' is nested more than "
                             << kMaxInlineDepth << " levels deep (recursive?)",
             failure();

    // Formal parameters map to the call's actual names; everything else in
    // the body gets a prefix unique to this call.
    std::string prefix =
        (node.name().empty() ? fn->name() : node.name()) + "$" + std::to_string(counter++) + "/";
    llvm::StringMap<std::string> actual;
    for (int i = 0; i < fn->input_size(); ++i)
      actual[fn->input(i)] = i < node.input_size() ? node.input(i) : "";
    for (int i = 0; i < fn->output_size(); ++i)
      if (i < node.output_size())
        actual[fn->output(i)] = node.output(i);
    Renamer rename = [&](const std::string &name) -> std::string {
      if (name.empty())
        return name;
      auto it = actual.find(name);
      return it != actual.end() ? it->second : prefix + name;
    };

    for (const ValueInfoProto &vi : fn->value_info()) {
      ValueInfoProto *copy = graph.add_value_info();
      *copy = vi;
      copy->set_name(rename(vi.name()));
    }
    std::vector<NodeProto> body;
    for (int i = 0; i < fn->node_size(); ++i) {
      NodeProto copy = fn->node(i);
      if (failed(rewriteNode(copy, node, *fn, rename)))
        return failure();
      copy.set_name(prefix +
                    (copy.name().empty() ? copy.op_type() + "_" + std::to_string(i) : copy.name()));
      body.push_back(std::move(copy));
    }
    for (NodeProto &inner : body)
      if (failed(inlineNode(std::move(inner), graph, out, depth + 1)))
        return failure();
    return success();
  }

  /// Renames values and resolves attribute references in a body node and its
  /// subgraphs.
  LogicalResult rewriteNode(NodeProto &node, const NodeProto &call, const FunctionProto &fn,
                            const Renamer &rename) {
    for (std::string &name : *node.mutable_input())
      name = rename(name);
    for (std::string &name : *node.mutable_output())
      name = rename(name);
    auto *attrs = node.mutable_attribute();
    for (int i = 0; i < attrs->size();) {
      AttributeProto &attr = (*attrs)[i];
      if (!attr.ref_attr_name().empty()) {
        const AttributeProto *source = findAttr(call, attr.ref_attr_name());
        if (!source)
          for (const AttributeProto &def : fn.attribute_proto())
            if (def.name() == attr.ref_attr_name())
              source = &def;
        if (!source) {
          // Unset optional attribute: the op sees no attribute at all.
          attrs->DeleteSubrange(i, 1);
          continue;
        }
        std::string name = attr.name();
        attr = *source;
        attr.set_name(name);
      }
      if (attr.has_g() && failed(rewriteGraph(*attr.mutable_g(), call, fn, rename)))
        return failure();
      for (GraphProto &g : *attr.mutable_graphs())
        if (failed(rewriteGraph(g, call, fn, rename)))
          return failure();
      ++i;
    }
    return success();
  }

  LogicalResult rewriteGraph(GraphProto &graph, const NodeProto &call, const FunctionProto &fn,
                             const Renamer &rename) {
    for (ValueInfoProto &vi : *graph.mutable_input())
      vi.set_name(rename(vi.name()));
    for (ValueInfoProto &vi : *graph.mutable_output())
      vi.set_name(rename(vi.name()));
    for (ValueInfoProto &vi : *graph.mutable_value_info())
      vi.set_name(rename(vi.name()));
    for (TensorProto &t : *graph.mutable_initializer())
      t.set_name(rename(t.name()));
    for (NodeProto &node : *graph.mutable_node())
      if (failed(rewriteNode(node, call, fn, rename)))
        return failure();
    return success();
  }

  static const AttributeProto *findAttr(const NodeProto &node, const std::string &name) {
    for (const AttributeProto &attr : node.attribute())
      if (attr.name() == name)
        return &attr;
    return nullptr;
  }

  ModelProto &model;
  const ImportEnv &env;
  std::map<std::tuple<std::string, std::string, std::string>, const FunctionProto *> functions;
  unsigned counter = 0;
};

} // namespace

LogicalResult inlineModelFunctions(ModelProto &model, const ImportEnv &env) {
  if (model.functions_size() == 0)
    return success();
  return Inliner(model, env).run();
}

} // namespace kiln::frontend
