// RUN: kiln-opt --split-input-file --kiln-quantize-static="min-weight-elements=4" %s | FileCheck %s
// RUN: kiln-opt --split-input-file --kiln-quantize-static="min-weight-elements=4 layer-outputs=true" %s | FileCheck %s --check-prefix=LAYERS

// Tests that a MatMul whose activation has a calibrated range [-1, 3] becomes a
// QuantizeLinear by constants (scale 4 / 255, zero point round(1 / scale) = round(63.75)
// = 64) -> MatMulInteger with B int8 per column -> Cast -> one Mul by the constant
// a_scale * b_scale[column] (1/127 and 4/127 times 4/255).
// CHECK: kiln.quantization = [{detail = "u8 activation per tensor (calibrated), s8 weight per channel (symmetric)", node = "mm", op = "MatMul", precision = "int8", quantized = true, weight_shape = array<i64: 2, 2>, weight_sqnr_db = {{.+}} : f64}]
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: ([[A:%.+]]: tensor<?x3x2xf32>)
// CHECK-NOT: onnx.DynamicQuantizeLinear
// CHECK-DAG: [[S:%.+]] = "onnx.Constant"() <{value = dense<0.0156862754> : tensor<f32>}>
// CHECK-DAG: [[Z:%.+]] = "onnx.Constant"() <{value = dense<64> : tensor<ui8>}>
// CHECK: [[Q:%.+]] = "onnx.QuantizeLinear"([[A]], [[S]], [[Z]]) : (tensor<?x3x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<?x3x2xui8>
// CHECK-DAG: [[W:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}[127, -64], [64, 127]]> : tensor<2x2xi8>}>
// CHECK: [[I:%.+]] = "onnx.MatMulInteger"([[Q]], [[W]], [[Z]], {{%.+}}) : (tensor<?x3x2xui8>, tensor<2x2xi8>, tensor<ui8>, none) -> tensor<?x3x2xi32>
// CHECK: [[F:%.+]] = "onnx.Cast"([[I]]) <{to = 1 : i64}> : (tensor<?x3x2xi32>) -> tensor<?x3x2xf32>
// CHECK: [[SS:%.+]] = "onnx.Constant"() <{value = dense<[1.23513979E-4, 4.94055916E-4]> : tensor<2xf32>}>
// CHECK: [[Y:%.+]] = "onnx.Mul"([[F]], [[SS]]) : (tensor<?x3x2xf32>, tensor<2xf32>) -> tensor<?x3x2xf32>
// CHECK: return [[Y]]
// With layer-outputs, the rescaled product is also returned, named by its node.
// LAYERS-LABEL: func.func @matmul
// LAYERS-SAME: -> (tensor<?x3x2xf32>, tensor<?x3x2xf32> {onnx.name = "kiln.layer:mm"})
// LAYERS: [[Y:%.+]] = "onnx.Mul"
// LAYERS: return [[Y]], [[Y]]
// LAYERS-LABEL: func.func @shared
// LAYERS-SAME: tensor<1x4x3x3xf32> {onnx.name = "kiln.layer:conv"}, tensor<1x2x4x4xf32> {onnx.name = "kiln.layer:mm"})
func.func @matmul(%a: tensor<?x3x2xf32>) -> tensor<?x3x2xf32> {
  %w = "onnx.Constant"() <{value = dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %0 = "onnx.MatMul"(%a, %w) {kiln.activation_range = array<f64: -1.0, 3.0>} : (tensor<?x3x2xf32>, tensor<2x2xf32>) -> tensor<?x3x2xf32> loc("mm")
  return %0 : tensor<?x3x2xf32>
}

// -----

// Tests that a range that excludes 0 is widened to hold it ([2, 5] -> [0, 5]: zero point
// 0), that one QuantizeLinear serves a Conv and a Gemm reading the same activation (the
// Conv's bias added after the scale), and that a contraction without a range stays f32.
// CHECK: {detail = "u8 activation per tensor (calibrated), {{.+}}", node = "conv", op = "Conv", precision = "int8", quantized = true
// CHECK: {detail = "no calibration range for its activation", node = "norange", op = "MatMul", quantized = false
// CHECK-LABEL: func.func @shared
// CHECK-DAG: [[S:%.+]] = "onnx.Constant"() <{value = dense<0.0196078438> : tensor<f32>}>
// CHECK-DAG: [[Z:%.+]] = "onnx.Constant"() <{value = dense<0> : tensor<ui8>}>
// CHECK: [[Q:%.+]] = "onnx.QuantizeLinear"(%arg0, [[S]], [[Z]]) : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
// CHECK-NOT: "onnx.QuantizeLinear"
// CHECK: "onnx.ConvInteger"([[Q]], {{%.+}}, [[Z]], {{%.+}}) <{kernel_shape = array<i64: 2, 2>}> : (tensor<1x2x4x4xui8>, tensor<4x2x2x2xi8>, tensor<ui8>, none) -> tensor<1x4x3x3xi32>
// CHECK: "onnx.Mul"({{%.+}}, {{%.+}}) : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>)
// CHECK: "onnx.Add"({{%.+}}, {{%.+}}) : (tensor<1x4x3x3xf32>, tensor<4x1x1xf32>)
// CHECK: "onnx.MatMulInteger"([[Q]], {{%.+}}, [[Z]], {{%.+}}) : (tensor<1x2x4x4xui8>, tensor<4x4xi8>, tensor<ui8>, none)
// CHECK: "onnx.MatMul"(%arg1, {{%.+}}) {{.*}}: (tensor<3x4xf32>, tensor<4x4xf32>)
func.func @shared(%x: tensor<1x2x4x4xf32>, %b: tensor<3x4xf32>) -> (tensor<1x4x3x3xf32>, tensor<1x2x4x4xf32>, tensor<3x4xf32>) {
  %cw = "onnx.Constant"() <{value = dense<0.5> : tensor<4x2x2x2xf32>}> : () -> tensor<4x2x2x2xf32>
  %cb = "onnx.Constant"() <{value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %w = "onnx.Constant"() <{value = dense<2.0> : tensor<4x4xf32>}> : () -> tensor<4x4xf32>
  %0 = "onnx.Conv"(%x, %cw, %cb) {kernel_shape = array<i64: 2, 2>, kiln.activation_range = array<f64: 2.0, 5.0>} : (tensor<1x2x4x4xf32>, tensor<4x2x2x2xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32> loc("conv")
  %1 = "onnx.MatMul"(%x, %w) {kiln.activation_range = array<f64: 2.0, 5.0>} : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32> loc("mm")
  %2 = "onnx.MatMul"(%b, %w) : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32> loc("norange")
  return %0, %1, %2 : tensor<1x4x3x3xf32>, tensor<1x2x4x4xf32>, tensor<3x4xf32>
}
