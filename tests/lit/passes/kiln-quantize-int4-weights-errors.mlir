// RUN: kiln-opt --split-input-file --verify-diagnostics --kiln-quantize-int4-weights="exclude=mm,nope" %s
// RUN: kiln-opt --verify-diagnostics --kiln-quantize-int4-weights="block-size=24" %S/../Inputs/int4-weights-bad-block.mlir

// Tests that a name in the exclude list that no node has is an error naming it.
// expected-error @below {{--quantize-exclude: the model has no node named 'nope'}}
module {
  func.func @unknown_exclude(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
    %w = "onnx.Constant"() <{value = dense<1.0> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
    %0 = "onnx.MatMul"(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("mm")
    return %0 : tensor<3x2xf32>
  }
}

// -----

// Tests that a module with nothing to quantize is an error that says why for each node:
// excluded, too small, a weight computed at run time.
// expected-error @below {{nothing to quantize: no MatMul or Gemm with a constant 2-D f32 weight of at least 4096 elements; node 'mm' (MatMul): excluded (--quantize-exclude); node 'nope' (MatMul): excluded (--quantize-exclude); node 'small' (MatMul): weight too small (64 < 4096 elements); node 'dynamic' (MatMul): B is not a constant}}
module {
  func.func @nothing(%a: tensor<3x8xf32>, %b: tensor<8x8xf32>) -> (tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>) {
    %w = "onnx.Constant"() <{value = dense<1.0> : tensor<8x8xf32>}> : () -> tensor<8x8xf32>
    %0 = "onnx.MatMul"(%a, %w) : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32> loc("mm")
    %1 = "onnx.MatMul"(%a, %w) : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32> loc("nope")
    %2 = "onnx.MatMul"(%a, %w) : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32> loc("small")
    %3 = "onnx.MatMul"(%a, %b) : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32> loc("dynamic")
    return %0, %1, %2, %3 : tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>
  }
}
