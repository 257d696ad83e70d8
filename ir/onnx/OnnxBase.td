//===- OnnxBase.td - The onnx dialect, its types and op base class ---------===//
//
// Hand-written part of the `onnx` dialect. The op surface (OnnxOps.td and the
// OnnxOps<Category>.td files it includes) is generated from the ONNX schema registry by
// gen_onnx_ops.py and includes this file.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_ONNX_BASE_TD
#define KILN_ONNX_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "ir/onnx/OnnxInterfaces.td"

def ONNX_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::kiln::onnxir";
  let summary = "The ONNX operator set, one MLIR op per ONNX operator signature";
  let description = [{
    Every ONNX node imports 1:1 as an op of this dialect, named after its op type
    (`onnx.Conv`, `onnx.ml.Binarizer`), with the node name as its location. Attributes
    keep their ONNX names. Optional inputs and outputs are explicit: an omitted one is a
    value of type `none` (from `onnx.NoValue`). Older operator signatures that differ from
    the newest are kept as `onnx.<Op>V<version>` ops.
  }];
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
    void registerOps();
  }];
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class ONNX_Type<string name, string typeMnemonic> : TypeDef<ONNX_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def ONNX_StringType : ONNX_Type<"String", "string"> {
  let summary = "ONNX string element type";
}

def ONNX_SeqType : ONNX_Type<"Seq", "seq"> {
  let summary = "ONNX sequence of tensors (or of other values)";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def ONNX_OptType : ONNX_Type<"Opt", "opt"> {
  let summary = "ONNX optional value: holds one value of the element type, or none";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def ONNX_MapType : ONNX_Type<"Map", "map"> {
  let summary = "ONNX map from a key type to a value type";
  let parameters = (ins "::mlir::Type":$keyType, "::mlir::Type":$valueType);
  let assemblyFormat = "`<` $keyType `,` $valueType `>`";
}

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

class ONNX_Op<string mnemonic, list<Trait> traits = []> :
    Op<ONNX_Dialect, mnemonic, traits>;

def ONNX_NoValueOp : ONNX_Op<"NoValue", [Pure]> {
  let summary = "The absent value of an omitted optional input";
  let description = [{
    An omitted optional input of an ONNX node is an operand produced by this op, so every
    op has a fixed operand list: `%none = onnx.NoValue`.
  }];
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
}

def ONNX_YieldOp : ONNX_Op<"Yield", [Pure, Terminator, ReturnLike]> {
  let summary = "Returns the outputs of a subgraph (If branch, Loop or Scan body)";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

#endif // KILN_ONNX_BASE_TD
