//===- Passes.td - The example plugin's passes -----------------------------===//

#ifndef KILN_EXAMPLE_PASSES_TD
#define KILN_EXAMPLE_PASSES_TD

include "mlir/Pass/PassBase.td"

def RemoveIdentity : Pass<"kiln-example-remove-identity", "mlir::func::FuncOp"> {
  let summary = "Replace onnx.Identity by its input";
  let description = [{
    An ONNX Identity node forwards its input. Where its result has the input's type,
    every use of the result can read the input instead and the node goes away.

    Before:
    ```mlir
    %0 = "onnx.Identity"(%x) : (tensor<2xf32>) -> tensor<2xf32>
    %1 = "onnx.Relu"(%0) : (tensor<2xf32>) -> tensor<2xf32>
    ```
    After:
    ```mlir
    %1 = "onnx.Relu"(%x) : (tensor<2xf32>) -> tensor<2xf32>
    ```

    With `keep-outputs`, an Identity whose result the function returns (an ONNX graph
    output) stays, so that output keeps a node of its own (an output that copies an
    input, say).
  }];
  let options = [
    Option<"keepOutputs", "keep-outputs", "bool", /*default=*/"false",
           "Keep an Identity whose result is a function result (a graph output)">
  ];
}

#endif // KILN_EXAMPLE_PASSES_TD
