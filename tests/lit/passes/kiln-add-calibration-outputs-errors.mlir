// RUN: kiln-opt --split-input-file --verify-diagnostics --kiln-add-calibration-outputs="exclude=mm,nope" %s

// Tests that the calibration variant of static quantization fails as kiln-quantize-static
// would, before any calibration: an unknown name in the exclude list.
// expected-error @below {{--quantize-exclude: the model has no node named 'nope'}}
module {
  func.func @unknown_exclude(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
    %w = "onnx.Constant"() <{value = dense<1.0> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
    %0 = "onnx.MatMul"(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("mm")
    return %0 : tensor<3x2xf32>
  }
}

// -----

// Tests that a module with nothing to quantize is an error that says why for each node
// (here both excluded nodes, and one below the default min-weight-elements of 4096).
// expected-error @below {{nothing to quantize: no MatMul, Gemm or Conv with a constant f32 weight of at least 4096 elements per product; node 'mm' (MatMul): excluded (--quantize-exclude); node 'nope' (MatMul): excluded (--quantize-exclude); node 'small' (MatMul): weight too small (64 < 4096 elements per product)}}
module {
  func.func @nothing(%a: tensor<3x8xf32>) -> (tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>) {
    %w = "onnx.Constant"() <{value = dense<1.0> : tensor<8x8xf32>}> : () -> tensor<8x8xf32>
    %0 = "onnx.MatMul"(%a, %w) : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32> loc("mm")
    %1 = "onnx.MatMul"(%a, %w) : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32> loc("nope")
    %2 = "onnx.MatMul"(%a, %w) : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32> loc("small")
    return %0, %1, %2 : tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>
  }
}

