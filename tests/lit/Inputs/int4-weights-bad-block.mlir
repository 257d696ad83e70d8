// Input of passes/kiln-quantize-int4-weights-errors.mlir: a block size that is not a power of two.

// expected-error @below {{block size 24 is not supported (a power of two from 16 to 256)}}
module {
  func.func @m(%a: tensor<3x64xf32>) -> tensor<3x64xf32> {
    %w = "onnx.Constant"() <{value = dense<1.0> : tensor<64x64xf32>}> : () -> tensor<64x64xf32>
    %0 = "onnx.MatMul"(%a, %w) : (tensor<3x64xf32>, tensor<64x64xf32>) -> tensor<3x64xf32> loc("mm")
    return %0 : tensor<3x64xf32>
  }
}
