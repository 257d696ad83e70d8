// RUN: kiln-opt --split-input-file --kiln-upgrade-onnx-ops %s | FileCheck %s

// Tests that com.microsoft Gelu is the default-domain Gelu.
// CHECK-LABEL: func @gelu
func.func @gelu(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // CHECK: "onnx.Gelu"(%arg0) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %0 = "onnx.ms.Gelu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// Tests that FastGelu adds its bias and is the tanh approximation of Gelu.
// CHECK-LABEL: func @fast_gelu
func.func @fast_gelu(%x: tensor<2x8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  // CHECK: [[SUM:%.+]] = "onnx.Add"(%arg0, %arg1)
  // CHECK: "onnx.Gelu"([[SUM]]) <{approximate = "tanh"}>
  %0 = "onnx.ms.FastGelu"(%x, %b) : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// Tests that QuickGelu is x * Sigmoid(alpha * x).
// CHECK-LABEL: func @quick_gelu
func.func @quick_gelu(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: [[ALPHA:%.+]] = "onnx.Constant"() <{value = dense<1.702000e+00> : tensor<f32>}>
  // CHECK: [[SCALED:%.+]] = "onnx.Mul"(%arg0, [[ALPHA]])
  // CHECK: [[SIG:%.+]] = "onnx.Sigmoid"([[SCALED]])
  // CHECK: "onnx.Mul"(%arg0, [[SIG]])
  %0 = "onnx.ms.QuickGelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that FusedMatMul's transBatchA moves A's first dimension behind the other batch
// dimensions, transB swaps B's last two, and alpha scales the product.
// CHECK-LABEL: func @fused_matmul
func.func @fused_matmul(%a: tensor<3x2x4xf32>, %b: tensor<2x5x4xf32>) -> tensor<2x3x5xf32> {
  // CHECK: [[A:%.+]] = "onnx.Transpose"(%arg0) <{perm = array<i64: 1, 0, 2>}>
  // CHECK: [[B:%.+]] = "onnx.Transpose"(%arg1) <{perm = array<i64: 0, 2, 1>}>
  // CHECK: [[P:%.+]] = "onnx.MatMul"([[A]], [[B]]) : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  // CHECK: "onnx.Mul"([[P]], %{{.+}})
  %0 = "onnx.ms.FusedMatMul"(%a, %b) {alpha = 0.5 : f32, transBatchA = 1 : i64, transB = 1 : i64} : (tensor<3x2x4xf32>, tensor<2x5x4xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// Tests that SkipLayerNormalization is LayerNormalization over the last axis of
// input + skip + bias, and that its fourth output is that sum.
// CHECK-LABEL: func @skip_layer_norm
func.func @skip_layer_norm(%x: tensor<2x3x8xf32>, %s: tensor<2x3x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<2x3x8xf32>, tensor<2x3x8xf32>) {
  // CHECK: [[S0:%.+]] = "onnx.Add"(%arg0, %arg1)
  // CHECK: [[S1:%.+]] = "onnx.Add"([[S0]], %arg3)
  // CHECK: [[Y:%.+]], %{{.+}}, %{{.+}} = "onnx.LayerNormalization"([[S1]], %arg2, %{{.+}}) <{axis = -1 : i64, epsilon = 9.99999996E-13 : f32}>
  // CHECK: return [[Y]], [[S1]]
  %none = onnx.NoValue
  %0:4 = "onnx.ms.SkipLayerNormalization"(%x, %s, %g, %none, %b) : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<8xf32>, none, tensor<8xf32>) -> (tensor<2x3x8xf32>, none, none, tensor<2x3x8xf32>)
  return %0#0, %0#3 : tensor<2x3x8xf32>, tensor<2x3x8xf32>
}

// -----

// Tests that Attention projects Q, K and V with one MatMul, splits them, and takes the
// per-head scaled dot products through Softmax.
// CHECK-LABEL: func @attention
func.func @attention(%x: tensor<2x4x8xf32>, %w: tensor<8x24xf32>, %b: tensor<24xf32>) -> tensor<2x4x8xf32> {
  // CHECK: [[QKV:%.+]] = "onnx.MatMul"(%arg0, %arg1)
  // CHECK: [[BIASED:%.+]] = "onnx.Add"([[QKV]], %arg2)
  // CHECK: "onnx.Split"([[BIASED]], %{{.+}}) <{axis = -1 : i64}>
  // CHECK: "onnx.MatMul"
  // CHECK: "onnx.Softmax"
  // CHECK: "onnx.MatMul"
  // CHECK-NOT: onnx.ms.
  %none = onnx.NoValue
  %0:2 = "onnx.ms.Attention"(%x, %w, %b, %none, %none, %none, %none) {num_heads = 2 : i64} : (tensor<2x4x8xf32>, tensor<8x24xf32>, tensor<24xf32>, none, none, none, none) -> (tensor<2x4x8xf32>, none)
  return %0#0 : tensor<2x4x8xf32>
}

// -----

// Tests that QGemm is MatMulInteger, plus C, scaled by a_scale * b_scale in f32, then
// quantized with y_scale and y_zero_point.
// CHECK-LABEL: func @qgemm
func.func @qgemm(%a: tensor<3x4xui8>, %as: tensor<f32>, %az: tensor<ui8>, %b: tensor<4x5xi8>, %bs: tensor<5xf32>, %bz: tensor<5xi8>, %c: tensor<5xi32>, %ys: tensor<f32>, %yz: tensor<ui8>) -> tensor<3x5xui8> {
  // CHECK: [[P:%.+]] = "onnx.MatMulInteger"(%arg0, %arg3, %arg2, %arg5)
  // CHECK: [[PC:%.+]] = "onnx.Add"([[P]], %arg6)
  // CHECK: [[S:%.+]] = "onnx.Mul"(%arg1, %arg4)
  // CHECK: [[F:%.+]] = "onnx.Cast"([[PC]]) <{to = 1 : i64}>
  // CHECK: [[Y:%.+]] = "onnx.Mul"([[F]], [[S]])
  // CHECK: "onnx.QuantizeLinear"([[Y]], %arg7, %arg8)
  %0 = "onnx.ms.QGemm"(%a, %as, %az, %b, %bs, %bz, %c, %ys, %yz) : (tensor<3x4xui8>, tensor<f32>, tensor<ui8>, tensor<4x5xi8>, tensor<5xf32>, tensor<5xi8>, tensor<5xi32>, tensor<f32>, tensor<ui8>) -> tensor<3x5xui8>
  return %0 : tensor<3x5xui8>
}

// -----

// Tests that QLinearAdd dequantizes both inputs, adds in f32 and quantizes the sum.
// CHECK-LABEL: func @qlinear_add
func.func @qlinear_add(%a: tensor<2x3xui8>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<2x3xui8> {
  // CHECK: [[A:%.+]] = "onnx.DequantizeLinear"(%arg0, %arg1, %arg2)
  // CHECK: [[B:%.+]] = "onnx.DequantizeLinear"(%arg0, %arg1, %arg2)
  // CHECK: [[S:%.+]] = "onnx.Add"([[A]], [[B]])
  // CHECK: "onnx.QuantizeLinear"([[S]], %arg1, %arg2)
  %0 = "onnx.ms.QLinearAdd"(%a, %s, %z, %a, %s, %z, %s, %z) : (tensor<2x3xui8>, tensor<f32>, tensor<ui8>, tensor<2x3xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

// Tests that DynamicQuantizeLSTM is an LSTM over its weights dequantized per direction
// ([D] scales reshaped to [D, 1, 1]) and transposed to LSTM's [D, 4H, I] layout, and over X
// quantized to uint8 and back, as ONNX Runtime quantizes it, marked so that the LSTM
// quantizes its hidden state too.
// CHECK-LABEL: func @dynamic_quantize_lstm
func.func @dynamic_quantize_lstm(%x: tensor<5x2x4xf32>, %w: tensor<1x4x12xi8>, %r: tensor<1x3x12xi8>, %s: tensor<1xf32>, %z: tensor<1xi8>) -> tensor<5x1x2x3xf32> {
  // CHECK: [[SHAPE:%.+]] = "onnx.Constant"() <{value = dense<[0, 1, -1]> : tensor<3xi64>}>
  // CHECK: [[WF:%.+]] = "onnx.Cast"(%arg1) <{to = 1 : i64}>
  // CHECK: [[ZR:%.+]] = "onnx.Reshape"(%arg4, [[SHAPE]])
  // CHECK: [[ZF:%.+]] = "onnx.Cast"([[ZR]]) <{to = 1 : i64}>
  // CHECK: [[C:%.+]] = "onnx.Sub"([[WF]], [[ZF]])
  // CHECK: [[SR:%.+]] = "onnx.Reshape"(%arg3, [[SHAPE]])
  // CHECK: [[D:%.+]] = "onnx.Mul"([[C]], [[SR]])
  // CHECK: [[W:%.+]] = "onnx.Transpose"([[D]]) <{perm = array<i64: 0, 2, 1>}> : (tensor<1x4x12xf32>) -> tensor<1x12x4xf32>
  // CHECK: [[XQ:%.+]], [[XS:%.+]], [[XZ:%.+]] = "onnx.DynamicQuantizeLinear"(%arg0)
  // CHECK: [[X:%.+]] = "onnx.DequantizeLinear"([[XQ]], [[XS]], [[XZ]])
  // CHECK: "onnx.LSTM"([[X]], [[W]], %{{.+}}) <{hidden_size = 3 : i64}> {kiln.quantize_hidden_u8}
  %none = onnx.NoValue
  %0:3 = "onnx.ms.DynamicQuantizeLSTM"(%x, %w, %r, %none, %none, %none, %none, %none, %s, %z, %s, %z) {hidden_size = 3 : i64} : (tensor<5x2x4xf32>, tensor<1x4x12xi8>, tensor<1x3x12xi8>, none, none, none, none, none, tensor<1xf32>, tensor<1xi8>, tensor<1xf32>, tensor<1xi8>) -> (tensor<5x1x2x3xf32>, none, none)
  return %0#0 : tensor<5x1x2x3xf32>
}

// -----

// Tests that a DynamicQuantizeLSTM whose R, R scales and R zero points are constants also
// hands the LSTM R as 8-bit bits (uint8 200 is i8 -56, marked unsigned), its scales per
// direction and column [D, 4H] and one i32 zero point per direction.
// CHECK-LABEL: func @dynamic_quantize_lstm_constant_r
// CHECK: "onnx.LSTM"
// CHECK-SAME: kiln.quantize_hidden_u8
// CHECK-SAME: kiln.recurrent_scale = dense<2.500000e-01> : tensor<1x12xf32>
// CHECK-SAME: kiln.recurrent_weight = dense<-56> : tensor<1x3x12xi8>
// CHECK-SAME: kiln.recurrent_weight_unsigned
// CHECK-SAME: kiln.recurrent_zero_point = dense<128> : tensor<1xi32>
func.func @dynamic_quantize_lstm_constant_r(%x: tensor<5x2x4xf32>, %w: tensor<1x4x12xui8>, %s: tensor<1xf32>, %z: tensor<1xui8>) -> tensor<5x1x2x3xf32> {
  %none = onnx.NoValue
  %r = "onnx.Constant"() <{value = dense<200> : tensor<1x3x12xui8>}> : () -> tensor<1x3x12xui8>
  %rs = "onnx.Constant"() <{value = dense<0.25> : tensor<1xf32>}> : () -> tensor<1xf32>
  %rz = "onnx.Constant"() <{value = dense<128> : tensor<1xui8>}> : () -> tensor<1xui8>
  %0:3 = "onnx.ms.DynamicQuantizeLSTM"(%x, %w, %r, %none, %none, %none, %none, %none, %s, %z, %rs, %rz) {hidden_size = 3 : i64} : (tensor<5x2x4xf32>, tensor<1x4x12xui8>, tensor<1x3x12xui8>, none, none, none, none, none, tensor<1xf32>, tensor<1xui8>, tensor<1xf32>, tensor<1xui8>) -> (tensor<5x1x2x3xf32>, none, none)
  return %0#0 : tensor<5x1x2x3xf32>
}

// -----

// Tests that per-column R zero points that differ within a direction (ONNX Runtime's kernel
// would read only the first) leave R to the f32 product: no 8-bit R is handed on.
// CHECK-LABEL: func @dynamic_quantize_lstm_column_zero_points
// CHECK: "onnx.LSTM"
// CHECK-NOT: kiln.recurrent_weight
// CHECK: return
func.func @dynamic_quantize_lstm_column_zero_points(%x: tensor<5x2x4xf32>, %w: tensor<1x4x12xi8>, %s: tensor<1xf32>, %z: tensor<1xi8>) -> tensor<5x1x2x3xf32> {
  %none = onnx.NoValue
  %r = "onnx.Constant"() <{value = dense<3> : tensor<1x3x12xi8>}> : () -> tensor<1x3x12xi8>
  %rs = "onnx.Constant"() <{value = dense<0.25> : tensor<1x12xf32>}> : () -> tensor<1x12xf32>
  %rz = "onnx.Constant"() <{value = dense<[[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<1x12xi8>}> : () -> tensor<1x12xi8>
  %0:3 = "onnx.ms.DynamicQuantizeLSTM"(%x, %w, %r, %none, %none, %none, %none, %none, %s, %z, %rs, %rz) {hidden_size = 3 : i64} : (tensor<5x2x4xf32>, tensor<1x4x12xi8>, tensor<1x3x12xi8>, none, none, none, none, none, tensor<1xf32>, tensor<1xi8>, tensor<1x12xf32>, tensor<1x12xi8>) -> (tensor<5x1x2x3xf32>, none, none)
  return %0#0 : tensor<5x1x2x3xf32>
}

// -----

// Tests that a 4-bit MatMulNBits unpacks its fields (low bits first) into [K, N] values,
// made signed by the default zero point 8, and multiplies by their blocked
// DequantizeLinear with the [blocks, N] scales (the form the CPU backend keeps 4-bit).
// CHECK-LABEL: func @matmul_nbits
func.func @matmul_nbits(%a: tensor<2x16xf32>, %b: tensor<3x1x8xui8>, %s: tensor<3x1xf32>) -> tensor<2x3xf32> {
  // CHECK: "onnx.BitShift"(%arg1, %{{.+}}) <{direction = "RIGHT"}>
  // CHECK: "onnx.Concat"
  // CHECK: [[T:%.+]] = "onnx.Transpose"
  // CHECK: [[C:%.+]] = "onnx.Cast"([[T]]) <{to = 3 : i64}>
  // CHECK: [[Q:%.+]] = "onnx.Sub"([[C]], {{%.+}}) : ({{.+}}, tensor<i8>)
  // CHECK: [[S:%.+]] = "onnx.Transpose"
  // CHECK: [[W:%.+]] = "onnx.DequantizeLinear"([[Q]], [[S]], {{%.+}}) <{axis = 0 : i64, block_size = 16 : i64}>
  // CHECK: "onnx.MatMul"(%arg0, [[W]])
  %none = onnx.NoValue
  %0 = "onnx.ms.MatMulNBits"(%a, %b, %s, %none, %none, %none) {K = 16 : i64, N = 3 : i64, block_size = 16 : i64} : (tensor<2x16xf32>, tensor<3x1x8xui8>, tensor<3x1xf32>, none, none, none) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
