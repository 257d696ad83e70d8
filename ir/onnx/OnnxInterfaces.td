//===- OnnxInterfaces.td - Interfaces of the onnx dialect ------------------===//

#ifndef KILN_ONNX_INTERFACES_TD
#define KILN_ONNX_INTERFACES_TD

include "mlir/IR/OpBase.td"

def ShapeInferenceOpInterface : OpInterface<"ShapeInferenceOpInterface"> {
  let cppNamespace = "::kiln::onnxir";
  let description = [{
    An op that can refine its result types (element type, rank, static dimensions) from
    its operands and attributes. Used by the importer when a model carries no type for an
    intermediate value, and by the `kiln-infer-shapes` pass after graph rewrites.
    Inference only ever refines: a result that is already more precise is kept.
  }];
  let methods = [
    InterfaceMethod<[{
        Computes refined result types. Returns failure (after emitting an error at the
        op's location) only when the operands are inconsistent; returns success without
        changes when nothing more can be inferred.
      }],
      "::mlir::LogicalResult", "inferShapes",
      (ins "::llvm::SmallVectorImpl<::mlir::Type> &":$resultTypes)>,
  ];
}

#endif // KILN_ONNX_INTERFACES_TD
