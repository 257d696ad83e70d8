// RUN: kiln-opt --split-input-file --verify-diagnostics %s

func.func @add_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Add' op shapes [2, 3] and [4] are not broadcastable: dimension 3 != 4}}
  %0 = "onnx.Add"(%a, %b) : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @pow_not_broadcastable(%a: tensor<5x?xf32>, %b: tensor<3x1xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{dimension 5 != 3}}
  %0 = "onnx.Pow"(%a, %b) : (tensor<5x?xf32>, tensor<3x1xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{contraction dimension 3 of A != 4 of B}}
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{A must have rank >= 1}}
  %0 = "onnx.MatMul"(%a, %b) : (tensor<f32>, tensor<4x5xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gemm_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{A and B must be 2-D, got ranks 3 and 2}}
  %0 = "onnx.Gemm"(%a, %b, %none) : (tensor<2x3x4xf32>, tensor<4x5xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gemm_inner(%a: tensor<3x2xf32>, %b: tensor<3x5xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{contraction dimension 3 of A != 5 of B}}
  %0 = "onnx.Gemm"(%a, %b, %none) {transA = 1 : i64, transB = 1 : i64} : (tensor<3x2xf32>, tensor<3x5xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gemm_bias(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>, %c: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{C dimension 4 != 1 and != result dimension 5}}
  %0 = "onnx.Gemm"(%a, %b, %c) : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{axis 2 is out of range [-2, 2)}}
  %0 = "onnx.Softmax"(%x) {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @log_softmax_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{axis -3 is out of range [-2, 2)}}
  %0 = "onnx.LogSoftmax"(%x) {axis = -3 : i64} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{input rank 4 != weight rank 3}}
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_channels(%x: tensor<1x6x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{input channels 6 != weight channels 2 * group 2}}
  %0 = "onnx.Conv"(%x, %w, %none) {group = 2 : i64} : (tensor<1x6x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{group 0 must be >= 1}}
  %0 = "onnx.Conv"(%x, %w, %none) {group = 0 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_out_channels_group(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{output channels 6 are not divisible by group 4}}
  %0 = "onnx.Conv"(%x, %w, %none) {group = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<5xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{bias size 5 != output channels 4}}
  %0 = "onnx.Conv"(%x, %w, %b) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<5xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_bias_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<1x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{bias must be 1-D, got rank 2}}
  %0 = "onnx.Conv"(%x, %w, %b) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_kernel_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{kernel_shape has 1 values for 2 spatial dimensions}}
  %0 = "onnx.Conv"(%x, %w, %none) {kernel_shape = array<i64: 3>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_kernel_mismatch(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{kernel_shape value 5 != weight spatial dimension 3}}
  %0 = "onnx.Conv"(%x, %w, %none) {kernel_shape = array<i64: 5, 3>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{strides has 3 values, expected 2}}
  %0 = "onnx.Conv"(%x, %w, %none) {strides = array<i64: 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_dilations(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{dilations value 0 is less than 1}}
  %0 = "onnx.Conv"(%x, %w, %none) {dilations = array<i64: 1, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{pads has 2 values, expected 4}}
  %0 = "onnx.Conv"(%x, %w, %none) {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_negative_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{pads value -1 is less than 0}}
  %0 = "onnx.Conv"(%x, %w, %none) {pads = array<i64: 1, 1, -1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_auto_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{auto_pad "SAME" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID}}
  %0 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{input channels 3 != weight dimension 0 4}}
  %0 = "onnx.ConvTranspose"(%x, %w, %none) : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_transpose_bias(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{bias size 2 != output channels 4}}
  %0 = "onnx.ConvTranspose"(%x, %w, %b) {group = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>, tensor<2xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{output_padding has 1 values for 2 spatial dimensions}}
  %0 = "onnx.ConvTranspose"(%x, %w, %none) {output_padding = array<i64: 1>} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @maxpool_kernel(%x: tensor<1x3x8x8xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{kernel_shape has 3 values for 2 spatial dimensions}}
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 2, 2, 2>} : (tensor<1x3x8x8xf32>) -> (tensor<*xf32>, none)
  return %0#0 : tensor<*xf32>
}

// -----

func.func @avgpool_strides(%x: tensor<1x3x8x8xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{strides value 0 is less than 1}}
  %0 = "onnx.AveragePool"(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @avgpool_kernel_value(%x: tensor<1x3x8x8xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{kernel_shape value 0 is less than 1}}
  %0 = "onnx.AveragePool"(%x) {kernel_shape = array<i64: 2, 0>} : (tensor<1x3x8x8xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @batchnorm_scale(%x: tensor<2x8x4x4xf32>, %s: tensor<8xf32>, %m: tensor<6xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{input_mean size 6 != input channels 8}}
  %0:3 = "onnx.BatchNormalization"(%x, %s, %s, %m, %s) : (tensor<2x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<6xf32>, tensor<8xf32>) -> (tensor<*xf32>, none, none)
  return %0#0 : tensor<*xf32>
}

// -----

func.func @batchnorm_rank(%x: tensor<2x8x4x4xf32>, %s: tensor<8x1xf32>, %m: tensor<8xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{scale must be 1-D, got rank 2}}
  %0:3 = "onnx.BatchNormalization"(%x, %s, %m, %m, %m) : (tensor<2x8x4x4xf32>, tensor<8x1xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<*xf32>, none, none)
  return %0#0 : tensor<*xf32>
}

// -----

func.func @layernorm_axis(%x: tensor<2x8xf32>, %s: tensor<8xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{axis 2 is out of range [-2, 2)}}
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) {axis = 2 : i64} : (tensor<2x8xf32>, tensor<8xf32>, none) -> (tensor<*xf32>, none, none)
  return %0#0 : tensor<*xf32>
}

// -----

func.func @reshape_two_inferred(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() {value = dense<[-1, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{shape has 2 or more -1 values, at most 1 is allowed}}
  %0 = "onnx.Reshape"(%x, %c) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @reshape_negative(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() {value = dense<[-2, 12]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{shape value -2 is less than -1}}
  %0 = "onnx.Reshape"(%x, %c) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @transpose_perm_size(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{perm has 2 values for input rank 3}}
  %0 = "onnx.Transpose"(%x) {perm = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @transpose_perm_repeated(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{perm value 1 is out of range or repeated for rank 3}}
  %0 = "onnx.Transpose"(%x) {perm = array<i64: 1, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{axis 2 is out of range [-2, 2)}}
  %0 = "onnx.Concat"(%a, %b) {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{input 1 has rank 3 != rank 2}}
  %0 = "onnx.Concat"(%a, %b) {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{input 1 dimension 1 is 4 != 3}}
  %0 = "onnx.Concat"(%a, %b) {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @flatten_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{axis 3 is out of range [-2, 2]}}
  %0 = "onnx.Flatten"(%x) {axis = 3 : i64} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gather_axis(%x: tensor<2x3xf32>, %i: tensor<4xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{axis -3 is out of range [-2, 2)}}
  %0 = "onnx.Gather"(%x, %i) {axis = -3 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @squeeze_not_one(%x: tensor<1x3xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+1 {{cannot squeeze axis 1 of size 3}}
  %0 = "onnx.Squeeze"(%x, %c) : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @squeeze_axis(%x: tensor<1x3xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+1 {{axes 2 is out of range [-2, 2)}}
  %0 = "onnx.Squeeze"(%x, %c) : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @unsqueeze_duplicate(%x: tensor<3xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() {value = dense<[0, -3]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{axes contains -3 twice}}
  %0 = "onnx.Unsqueeze"(%x, %c) : (tensor<3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @cast_unknown(%x: tensor<3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{to 42 is not a known ONNX data type}}
  %0 = "onnx.Cast"(%x) {to = 42 : i64} : (tensor<3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @split_sum(%x: tensor<10xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{split sizes add up to 7 != dimension 10}}
  %0:2 = "onnx.Split"(%x, %c) : (tensor<10xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0 : tensor<*xf32>
}

// -----

func.func @split_count(%x: tensor<10xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() {value = dense<[3, 3, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  // expected-error @+1 {{split has 3 values for 2 results}}
  %0:2 = "onnx.Split"(%x, %c) : (tensor<10xf32>, tensor<3xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0 : tensor<*xf32>
}

// -----

func.func @split_num_outputs(%x: tensor<10xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{num_outputs 3 != number of results 2}}
  %0:2 = "onnx.Split"(%x, %none) {num_outputs = 3 : i64} : (tensor<10xf32>, none) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0 : tensor<*xf32>
}

// -----

func.func @split_axis(%x: tensor<10xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{axis 1 is out of range [-1, 1)}}
  %0:2 = "onnx.Split"(%x, %none) {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<10xf32>, none) -> (tensor<*xf32>, tensor<*xf32>)
  return %0#0 : tensor<*xf32>
}

// -----

func.func @slice_lengths(%x: tensor<10x10xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  %s = "onnx.Constant"() {value = dense<[0, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %e = "onnx.Constant"() {value = dense<[5]> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+1 {{starts has 2 values != ends has 1}}
  %0 = "onnx.Slice"(%x, %s, %e, %none, %none) : (tensor<10x10xf32>, tensor<2xi64>, tensor<1xi64>, none, none) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @slice_step_zero(%x: tensor<10xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  %s = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %z = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+1 {{steps must not contain 0}}
  %0 = "onnx.Slice"(%x, %s, %s, %none, %z) : (tensor<10xf32>, tensor<1xi64>, tensor<1xi64>, none, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @where_not_broadcastable(%c: tensor<2xi1>, %x: tensor<3xf32>, %y: tensor<3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Where' op shapes [2] and [3] are not broadcastable: dimension 2 != 3}}
  %0 = "onnx.Where"(%c, %x, %y) : (tensor<2xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @expand_shape(%x: tensor<3x2xf32>) -> tensor<*xf32> {
  %c = "onnx.Constant"() {value = dense<[4, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+1 {{dimension 3 != 4}}
  %0 = "onnx.Expand"(%x, %c) : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @expand_shape_rank(%x: tensor<3x2xf32>, %s: tensor<1x2xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{shape must be 1-D, got rank 2}}
  %0 = "onnx.Expand"(%x, %s) : (tensor<3x2xf32>, tensor<1x2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @constant_two_values() -> tensor<*xf32> {
  // expected-error @+1 {{has 2 value attributes, exactly one is required}}
  %0 = "onnx.Constant"() {value = dense<1.0> : tensor<f32>, value_float = 1.0 : f32} : () -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @constant_no_value() -> tensor<*xf32> {
  // expected-error @+1 {{has 0 value attributes, exactly one is required}}
  %0 = "onnx.Constant"() : () -> tensor<*xf32>
  return %0 : tensor<*xf32>
}
