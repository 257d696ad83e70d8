// RUN: kiln-opt --split-input-file --verify-diagnostics --kiln-convert-onnx-to-linalg %s

// Tests that the verifier checks the channel count against group.
func.func @channels(%x: tensor<1x5x5x4xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  // expected-error @+1 {{input channels 4 != 3 * group 1}}
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x5x5x4xf32>, tensor<3x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  return %y : tensor<1x3x3x4xf32>
}

// -----

// Tests that the verifier checks the output size against the window.
func.func @window(%x: tensor<1x5x5x4xf32>, %w: tensor<3x3x4x4xf32>) -> tensor<1x5x3x4xf32> {
  // expected-error @+1 {{result spatial dim 0 is 5, expected 3}}
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x5x5x4xf32>, tensor<3x3x4x4xf32>) -> tensor<1x5x3x4xf32>
  return %y : tensor<1x5x3x4xf32>
}

// -----

// Tests that the verifier wants 4 pads.
func.func @pads(%x: tensor<1x5x5x4xf32>, %w: tensor<3x3x4x4xf32>) -> tensor<1x3x3x4xf32> {
  // expected-error @+1 {{expects 2 strides, 2 dilations and 4 pads, got 2, 2 and 2}}
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x5x5x4xf32>, tensor<3x3x4x4xf32>) -> tensor<1x3x3x4xf32>
  return %y : tensor<1x3x3x4xf32>
}

// -----

// Tests that the verifier wants the ranks of a 2-D or 3-D convolution.
func.func @rank(%x: tensor<1x5x5x5x5x4xf32>, %w: tensor<3x3x3x3x4x4xf32>) -> tensor<1x3x3x3x3x4xf32> {
  // expected-error @+1 {{x, w and y must all have rank 4 (NHWC) or 5 (NDHWC), got 6, 6 and 6}}
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, strides = array<i64: 1, 1, 1, 1>} : (tensor<1x5x5x5x5x4xf32>, tensor<3x3x3x3x4x4xf32>) -> tensor<1x3x3x3x3x4xf32>
  return %y : tensor<1x3x3x3x3x4xf32>
}

// -----

// Tests that a 3-D kiln.conv_nhwc wants 3 strides, 3 dilations and 6 pads.
func.func @pads_3d(%x: tensor<1x4x5x5x4xf32>, %w: tensor<1x3x3x4x4xf32>) -> tensor<1x4x3x3x4xf32> {
  // expected-error @+1 {{expects 3 strides, 3 dilations and 6 pads, got 3, 3 and 4}}
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x4x5x5x4xf32>, tensor<1x3x3x4x4xf32>) -> tensor<1x4x3x3x4xf32>
  return %y : tensor<1x4x3x3x4xf32>
}

// -----

// Tests that the verifier checks a 3-D output's depth against the window.
func.func @window_3d(%x: tensor<1x4x5x5x4xf32>, %w: tensor<3x3x3x4x4xf32>) -> tensor<1x4x3x3x4xf32> {
  // expected-error @+1 {{result spatial dim 0 is 4, expected 2}}
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x4x5x5x4xf32>, tensor<3x3x3x4x4xf32>) -> tensor<1x4x3x3x4xf32>
  return %y : tensor<1x4x3x3x4xf32>
}

// -----

// Tests that the pool verifier checks the kind and the output size.
func.func @pool_kind(%x: tensor<1x5x5x4xf32>) -> tensor<1x3x3x4xf32> {
  // expected-error @+1 {{kind must be "max" or "avg", got "min"}}
  %y = kiln.pool_nhwc %x {kind = "min", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x5x5x4xf32>) -> tensor<1x3x3x4xf32>
  return %y : tensor<1x3x3x4xf32>
}

// -----

func.func @pool_window(%x: tensor<1x5x5x4xf32>) -> tensor<1x5x3x4xf32> {
  // expected-error @+1 {{result spatial dim 0 is 5, expected 3}}
  %y = kiln.pool_nhwc %x {kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x5x5x4xf32>) -> tensor<1x5x3x4xf32>
  return %y : tensor<1x5x3x4xf32>
}

// -----

// Tests that the 3-D pool verifier wants 3 kernel sizes, strides and dilations and 6 pads.
func.func @pool_3d(%x: tensor<1x4x5x5x4xf32>) -> tensor<1x2x3x3x4xf32> {
  // expected-error @+1 {{expects 3 kernel sizes, 3 strides, 3 dilations and 6 pads}}
  %y = kiln.pool_nhwc %x {kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x4x5x5x4xf32>) -> tensor<1x2x3x3x4xf32>
  return %y : tensor<1x2x3x3x4xf32>
}
