// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that a forward LSTM projects every step with one matmul, folds the transposed
// constant weights at compile time, and runs one recurrent matmul plus one gate generic per
// step inside an scf.for over the (dynamic) sequence length.
// CHECK-LABEL: func.func @lstm_forward
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<3x8xf32>
// CHECK-DAG: arith.constant dense<{{.*}}> : tensor<2x8xf32>
// CHECK: tensor.collapse_shape {{.*}} : tensor<?x1x3xf32> into tensor<?x3xf32>
// CHECK: linalg.matmul {{.*}} -> tensor<?x8xf32>
// CHECK: scf.for
// CHECK: linalg.matmul {{.*}} -> tensor<1x8xf32>
// CHECK: linalg.generic
// CHECK: math.tanh
// CHECK: tensor.insert_slice
// CHECK: scf.yield
func.func @lstm_forward(%x: tensor<?x1x3xf32>) -> (tensor<?x1x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>) {
  %w = "onnx.Constant"() <{value = dense<0.1> : tensor<1x8x3xf32>}> : () -> tensor<1x8x3xf32>
  %r = "onnx.Constant"() <{value = dense<0.2> : tensor<1x8x2xf32>}> : () -> tensor<1x8x2xf32>
  %none = onnx.NoValue
  %y, %yh, %yc = "onnx.LSTM"(%x, %w, %r, %none, %none, %none, %none, %none) <{hidden_size = 2 : i64}> : (tensor<?x1x3xf32>, tensor<1x8x3xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<?x1x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return %y, %yh, %yc : tensor<?x1x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>
}

// -----

// Tests that a bidirectional batch-first LSTM with dynamic batch and length, sequence
// lengths, runtime weights and peepholes reverses the backward direction per sequence,
// masks steps past each length, and transposes the runtime weights once, outside the loop.
// CHECK-LABEL: func.func @lstm_bidirectional_lens
// CHECK: linalg.transpose
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: tensor.extract
// CHECK: scf.for
// CHECK-COUNT-2: linalg.matmul
// CHECK: scf.yield
// CHECK: linalg.generic
// CHECK: tensor.extract
func.func @lstm_bidirectional_lens(%x: tensor<?x?x3xf32>, %w: tensor<2x8x3xf32>, %r: tensor<2x8x2xf32>, %b: tensor<2x16xf32>, %lens: tensor<?xi32>, %h0: tensor<?x2x2xf32>, %c0: tensor<?x2x2xf32>, %p: tensor<2x6xf32>) -> (tensor<?x?x2x2xf32>, tensor<?x2x2xf32>) {
  %none = onnx.NoValue
  %y, %yh, %yc = "onnx.LSTM"(%x, %w, %r, %b, %lens, %h0, %c0, %p) <{direction = "bidirectional", layout = 1 : i64, hidden_size = 2 : i64, clip = 3.0 : f32}> : (tensor<?x?x3xf32>, tensor<2x8x3xf32>, tensor<2x8x2xf32>, tensor<2x16xf32>, tensor<?xi32>, tensor<?x2x2xf32>, tensor<?x2x2xf32>, tensor<2x6xf32>) -> (tensor<?x?x2x2xf32>, tensor<?x2x2xf32>, none)
  return %y, %yh : tensor<?x?x2x2xf32>, tensor<?x2x2xf32>
}

// -----

// Tests that an LSTM marked kiln.quantize_hidden_u8 (DynamicQuantizeLSTM) multiplies R by
// the hidden state quantized to uint8 and back: the state's range (min and max, from 0),
// then round_half_even(h / scale) + zero_point clamped to [0, 255], minus the zero point,
// times the scale, before the recurrent matmul of every step.
// CHECK-LABEL: func.func @lstm_quantized_hidden
// CHECK: scf.for
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: [[SCALE:%.+]] = arith.divf {{.*}}, %{{.+}} : f32
// CHECK: linalg.generic
// CHECK: arith.divf %{{.+}}, [[SCALE]]
// CHECK: math.roundeven
// CHECK: arith.subf
// CHECK: arith.mulf %{{.+}}, [[SCALE]]
// CHECK: linalg.matmul {{.*}} -> tensor<1x8xf32>
// CHECK: scf.yield
func.func @lstm_quantized_hidden(%x: tensor<?x1x3xf32>) -> tensor<?x1x1x2xf32> {
  %w = "onnx.Constant"() <{value = dense<0.1> : tensor<1x8x3xf32>}> : () -> tensor<1x8x3xf32>
  %r = "onnx.Constant"() <{value = dense<0.2> : tensor<1x8x2xf32>}> : () -> tensor<1x8x2xf32>
  %none = onnx.NoValue
  %y, %yh, %yc = "onnx.LSTM"(%x, %w, %r, %none, %none, %none, %none, %none) <{hidden_size = 2 : i64}> {kiln.quantize_hidden_u8} : (tensor<?x1x3xf32>, tensor<1x8x3xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<?x1x1x2xf32>, none, none)
  return %y : tensor<?x1x1x2xf32>
}

// -----

// Tests that an LSTM given its 8-bit R (kiln.recurrent_weight) multiplies it by the hidden
// state quantized to uint8 in i32: h's widening subtracts its zero point read from a
// rank-0 tensor, R's subtracts its zero point 128 (unsigned R; a rank-0 constant, its bits
// -128 as i8), and the i32 product, scaled by h's scale times R's per-column scale, is
// added to the step's projected input.
// CHECK-LABEL: func.func @lstm_quantized_r
// CHECK: scf.for
// CHECK: math.roundeven
// CHECK: arith.fptoui {{.*}} to i8
// CHECK: tensor.from_elements {{.*}} : tensor<i8>
// CHECK: %[[RZ:.+]] = arith.constant dense<-128> : tensor<i8>
// CHECK: linalg.generic {{.*}} ins({{.*}} : tensor<1x2xi8>, tensor<i8>)
// CHECK: arith.extui
// CHECK: arith.extui
// CHECK: arith.subi
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %[[RZ]] : tensor<2x8xi8>, tensor<i8>)
// CHECK: arith.extui
// CHECK: arith.extui
// CHECK: arith.subi
// CHECK: linalg.matmul {{.*}} -> tensor<1x8xi32>
// CHECK: linalg.generic
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: scf.yield
func.func @lstm_quantized_r(%x: tensor<?x1x3xf32>) -> tensor<?x1x1x2xf32> {
  %w = "onnx.Constant"() <{value = dense<0.1> : tensor<1x8x3xf32>}> : () -> tensor<1x8x3xf32>
  %r = "onnx.Constant"() <{value = dense<0.2> : tensor<1x8x2xf32>}> : () -> tensor<1x8x2xf32>
  %none = onnx.NoValue
  %y, %yh, %yc = "onnx.LSTM"(%x, %w, %r, %none, %none, %none, %none, %none) <{hidden_size = 2 : i64}> {kiln.quantize_hidden_u8, kiln.recurrent_weight = dense<-56> : tensor<1x2x8xi8>, kiln.recurrent_weight_unsigned, kiln.recurrent_scale = dense<0.25> : tensor<1x8xf32>, kiln.recurrent_zero_point = dense<128> : tensor<1xi32>} : (tensor<?x1x3xf32>, tensor<1x8x3xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<?x1x1x2xf32>, none, none)
  return %y : tensor<?x1x1x2xf32>
}
