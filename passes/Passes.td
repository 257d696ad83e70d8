//===- Passes.td - Kiln's built-in passes ----------------------------------===//

#ifndef KILN_PASSES_TD
#define KILN_PASSES_TD

include "mlir/Pass/PassBase.td"

def InferShapes : Pass<"kiln-infer-shapes", "mlir::ModuleOp"> {
  let summary = "Refine onnx op result types with the dialect's shape inference";
  let description = [{
    Visits every op of the onnx dialect in order and refines its result types (element
    type, rank, static dimensions) with its `ShapeInferenceOpInterface`. Function result
    types follow the values they return. Types only ever get more precise.

    Before:
    ```mlir
    %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<*xf32>
    ```
    After:
    ```mlir
    %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "mlir::func::FuncDialect"];
}

#endif // KILN_PASSES_TD
