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
  }];
}

#endif // KILN_EXAMPLE_PASSES_TD
