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

// Tests that a grouped (not depthwise) kiln.conv_nhwc is rejected by the lowering with a
// reason.
func.func @grouped(%x: tensor<1x5x5x4xf32>, %w: tensor<3x3x2x4xf32>) -> tensor<1x3x3x4xf32> {
  // expected-error @+1 {{kiln.conv_nhwc is lowered for group 1 and depthwise only}}
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x5x5x4xf32>, tensor<3x3x2x4xf32>) -> tensor<1x3x3x4xf32>
  return %y : tensor<1x3x3x4xf32>
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
