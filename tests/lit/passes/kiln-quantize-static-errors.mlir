// RUN: kiln-opt --verify-diagnostics --kiln-quantize-static="min-weight-elements=4" %s

// Tests a static quantization without a range for any contraction.
// expected-error @below {{nothing to quantize: no MatMul, Gemm or Conv with a constant f32 weight of at least 4 elements per product; node 'mm' (MatMul): no calibration range for its activation}}
module {
  func.func @no_ranges(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
    %w = "onnx.Constant"() <{value = dense<1.0> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
    %0 = "onnx.MatMul"(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("mm")
    return %0 : tensor<3x2xf32>
  }
}
