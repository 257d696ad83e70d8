// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s

// Tests that an unknown activation function is rejected, naming the node.
// CHECK: node 'lstm_act' (LSTM): cannot be compiled: activation 'Gelu' is not one of
func.func @unknown_activation(%x: tensor<3x2x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) -> tensor<1x2x2xf32> {
  %none = onnx.NoValue
  %y, %yh, %yc = "onnx.LSTM"(%x, %w, %r, %none, %none, %none, %none, %none) <{activations = ["Sigmoid", "Gelu", "Tanh"]}> : (tensor<3x2x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (none, tensor<1x2x2xf32>, none) loc("lstm_act")
  return %yh : tensor<1x2x2xf32>
}

// -----

// Tests that an activation with no ONNX default for its alpha, given none, is rejected.
// CHECK: node 'rnn_affine' (RNN): cannot be compiled: activation #0 needs a value in activation_alpha and none is left
func.func @affine_without_alpha(%x: tensor<3x2x4xf32>, %w: tensor<1x2x4xf32>, %r: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %none = onnx.NoValue
  %y, %yh = "onnx.RNN"(%x, %w, %r, %none, %none, %none) <{activations = ["Affine"]}> : (tensor<3x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x2xf32>, none, none, none) -> (none, tensor<1x2x2xf32>)  loc("rnn_affine")
  return %yh : tensor<1x2x2xf32>
}

// -----

// Tests that the wrong number of activations is rejected.
// CHECK: node 'gru_acts' (GRU): cannot be compiled: activations lists 3 functions; expected 4 (2 per direction)
func.func @activation_count(%x: tensor<3x2x4xf32>, %w: tensor<2x6x4xf32>, %r: tensor<2x6x2xf32>) -> tensor<2x2x2xf32> {
  %none = onnx.NoValue
  %y, %yh = "onnx.GRU"(%x, %w, %r, %none, %none, %none) <{direction = "bidirectional", activations = ["Sigmoid", "Tanh", "Sigmoid"]}> : (tensor<3x2x4xf32>, tensor<2x6x4xf32>, tensor<2x6x2xf32>, none, none, none) -> (none, tensor<2x2x2xf32>) loc("gru_acts")
  return %yh : tensor<2x2x2xf32>
}

// -----

// Tests that a hidden size known only at run time is rejected.
// CHECK: node 'rnn_dyn' (RNN): cannot be compiled: the hidden size is not static
func.func @dynamic_hidden(%x: tensor<3x2x4xf32>, %w: tensor<1x?x4xf32>, %r: tensor<1x?x?xf32>) -> tensor<1x2x?xf32> {
  %none = onnx.NoValue
  %y, %yh = "onnx.RNN"(%x, %w, %r, %none, %none, %none) : (tensor<3x2x4xf32>, tensor<1x?x4xf32>, tensor<1x?x?xf32>, none, none, none) -> (none, tensor<1x2x?xf32>) loc("rnn_dyn")
  return %yh : tensor<1x2x?xf32>
}

// -----

// Tests that a B of the wrong shape is rejected with both shapes.
// CHECK: node 'lstm_b' (LSTM): cannot be compiled: B has shape [1, 8]; expected [1, 16]
func.func @bad_bias(%x: tensor<3x2x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %b: tensor<1x8xf32>) -> tensor<1x2x2xf32> {
  %none = onnx.NoValue
  %y, %yh, %yc = "onnx.LSTM"(%x, %w, %r, %b, %none, %none, %none, %none) : (tensor<3x2x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, tensor<1x8xf32>, none, none, none, none) -> (none, tensor<1x2x2xf32>, none) loc("lstm_b")
  return %yh : tensor<1x2x2xf32>
}
