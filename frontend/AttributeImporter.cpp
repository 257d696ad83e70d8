//===- AttributeImporter.cpp - ONNX attributes -> MLIR attributes ---------===//

#include "frontend/AttributeImporter.h"

#include "frontend/TensorImporter.h"
#include "frontend/TypeImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using kiln::onnxpb::AttributeProto;

namespace kiln::frontend {

AttributeProto::AttributeType attributeKind(const AttributeProto &attr) {
  if (attr.type() != AttributeProto::UNDEFINED)
    return attr.type();
  if (attr.has_f())
    return AttributeProto::FLOAT;
  if (attr.has_i())
    return AttributeProto::INT;
  if (attr.has_s())
    return AttributeProto::STRING;
  if (attr.has_t())
    return AttributeProto::TENSOR;
  if (attr.has_g())
    return AttributeProto::GRAPH;
  if (attr.has_tp())
    return AttributeProto::TYPE_PROTO;
  if (attr.floats_size())
    return AttributeProto::FLOATS;
  if (attr.ints_size())
    return AttributeProto::INTS;
  if (attr.strings_size())
    return AttributeProto::STRINGS;
  if (attr.tensors_size())
    return AttributeProto::TENSORS;
  if (attr.graphs_size())
    return AttributeProto::GRAPHS;
  return AttributeProto::UNDEFINED;
}

FailureOr<NamedAttribute> importAttribute(const AttributeProto &attr, const ImportEnv &env,
                                          const ErrorSite &site) {
  Builder b(&env.ctx);
  auto unsupported = [&](StringRef what) {
    return site.emit() << "unsupported: " << what << " attribute '" << attr.name() << "'",
           failure();
  };
  if (!attr.ref_attr_name().empty())
    return unsupported("reference (ref_attr_name) outside a function");
  if (attr.name().empty())
    return site.emit() << "attribute without a name", failure();

  Attribute value;
  switch (attributeKind(attr)) {
  case AttributeProto::FLOAT:
    value = b.getF32FloatAttr(attr.f());
    break;
  case AttributeProto::INT:
    value = b.getI64IntegerAttr(attr.i());
    break;
  case AttributeProto::STRING:
    value = b.getStringAttr(attr.s());
    break;
  case AttributeProto::FLOATS:
    value = b.getDenseF32ArrayAttr(SmallVector<float>(attr.floats().begin(), attr.floats().end()));
    break;
  case AttributeProto::INTS:
    value = b.getDenseI64ArrayAttr(SmallVector<int64_t>(attr.ints().begin(), attr.ints().end()));
    break;
  case AttributeProto::STRINGS: {
    SmallVector<Attribute> strings;
    for (const std::string &s : attr.strings())
      strings.push_back(b.getStringAttr(s));
    value = b.getArrayAttr(strings);
    break;
  }
  case AttributeProto::TENSOR: {
    FailureOr<ElementsAttr> tensor = importTensor(attr.t(), env, site);
    if (failed(tensor))
      return failure();
    value = *tensor;
    break;
  }
  case AttributeProto::TENSORS: {
    SmallVector<Attribute> tensors;
    for (const auto &t : attr.tensors()) {
      FailureOr<ElementsAttr> tensor = importTensor(t, env, site);
      if (failed(tensor))
        return failure();
      tensors.push_back(*tensor);
    }
    value = b.getArrayAttr(tensors);
    break;
  }
  case AttributeProto::TYPE_PROTO: {
    FailureOr<Type> type =
        importType(env.ctx, attr.tp(), site, ("attribute '" + attr.name() + "'"));
    if (failed(type))
      return failure();
    value = TypeAttr::get(*type);
    break;
  }
  case AttributeProto::GRAPH:
    return site.emit() << "graph attribute '" << attr.name() << "' is not a region of this op",
           failure();
  case AttributeProto::SPARSE_TENSOR:
    return unsupported("sparse tensor");
  case AttributeProto::SPARSE_TENSORS:
    return unsupported("sparse tensors");
  case AttributeProto::GRAPHS:
    return unsupported("GRAPHS");
  case AttributeProto::TYPE_PROTOS:
    return unsupported("TYPE_PROTOS");
  default:
    return site.emit() << "attribute '" << attr.name() << "' has an unknown or undefined type",
           failure();
  }
  return NamedAttribute(b.getStringAttr(attr.name()), value);
}

} // namespace kiln::frontend
