// RUN: kiln-opt --split-input-file --kiln-quantize-dynamic="min-weight-elements=4" %s | FileCheck %s

// Tests that a MatMul with a constant B of any batch/sequence dims of A becomes
// DynamicQuantizeLinear -> MatMulInteger with B int8 per column, symmetric (max |b| / 127,
// rounding half to even: 0.5 / (1 / 127) = 63.5 -> 64), then Cast and Mul by
// a_scale * b_scale[column]; the f32 weight is gone.
// CHECK: kiln.quantization = [{detail = "{{.+}}", node = "mm", op = "MatMul", precision = "int8", quantized = true, weight_shape = array<i64: 2, 2>, weight_sqnr_db = {{.+}} : f64}]
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: ([[A:%.+]]: tensor<?x3x2xf32>)
// CHECK-NOT: tensor<2x2xf32>
// CHECK-DAG: [[Q:%.+]], [[S:%.+]], [[Z:%.+]] = "onnx.DynamicQuantizeLinear"([[A]]) : (tensor<?x3x2xf32>) -> (tensor<?x3x2xui8>, tensor<f32>, tensor<ui8>)
// CHECK-DAG: [[W:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}[127, -64], [64, 127]]> : tensor<2x2xi8>}>
// CHECK-DAG: [[NONE:%.+]] = onnx.NoValue
// CHECK: [[I:%.+]] = "onnx.MatMulInteger"([[Q]], [[W]], [[Z]], [[NONE]]) : (tensor<?x3x2xui8>, tensor<2x2xi8>, tensor<ui8>, none) -> tensor<?x3x2xi32>
// CHECK: [[F:%.+]] = "onnx.Cast"([[I]]) <{to = 1 : i64}> : (tensor<?x3x2xi32>) -> tensor<?x3x2xf32>
// CHECK: [[BS:%.+]] = "onnx.Constant"() <{value = dense<[0.00787401571, 0.0314960629]> : tensor<2xf32>}>
// CHECK: [[SS:%.+]] = "onnx.Mul"([[S]], [[BS]]) : (tensor<f32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK: [[Y:%.+]] = "onnx.Mul"([[F]], [[SS]]) : (tensor<?x3x2xf32>, tensor<2xf32>) -> tensor<?x3x2xf32>
// CHECK: return [[Y]]
func.func @matmul(%a: tensor<?x3x2xf32>) -> tensor<?x3x2xf32> {
  %w = "onnx.Constant"() <{value = dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %0 = "onnx.MatMul"(%a, %w) : (tensor<?x3x2xf32>, tensor<2x2xf32>) -> tensor<?x3x2xf32> loc("mm")
  return %0 : tensor<?x3x2xf32>
}

// -----

// Tests that Gemm's transB is applied to the constant at compile time, alpha folds into
// the weight scales, beta * C is the bias, and a column of zeros gets scale 1 (times alpha).
// CHECK: weight_shape = array<i64: 3, 2>
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK-NOT: dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]>
// CHECK-DAG: [[Q:%.+]], [[S:%.+]], [[Z:%.+]] = "onnx.DynamicQuantizeLinear"(%arg0)
// CHECK-DAG: [[W:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}[64, 0, -127], [127, 0, 64]]> : tensor<2x3xi8>}>
// CHECK: [[I:%.+]] = "onnx.MatMulInteger"([[Q]], [[W]], [[Z]], {{%.+}}) : (tensor<4x2xui8>, tensor<2x3xi8>, tensor<ui8>, none) -> tensor<4x3xi32>
// CHECK: [[F:%.+]] = "onnx.Cast"([[I]])
// CHECK: [[BS:%.+]] = "onnx.Constant"() <{value = dense<[0.0314960629, 2.000000e+00, 0.0472440943]> : tensor<3xf32>}>
// CHECK: [[SS:%.+]] = "onnx.Mul"([[S]], [[BS]])
// CHECK: [[Y:%.+]] = "onnx.Mul"([[F]], [[SS]]) : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
// CHECK: [[C:%.+]] = "onnx.Constant"() <{value = dense<[5.000000e-01, 1.000000e+00, 1.500000e+00]> : tensor<3xf32>}>
// CHECK: [[R:%.+]] = "onnx.Add"([[Y]], [[C]]) : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
// CHECK: return [[R]]
func.func @gemm_trans_b(%a: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = "onnx.Constant"() <{value = dense<[[1.0, 2.0], [0.0, 0.0], [-3.0, 1.5]]> : tensor<3x2xf32>}> : () -> tensor<3x2xf32>
  %c = "onnx.Constant"() <{value = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %0 = "onnx.Gemm"(%a, %w, %c) {transB = 1 : i64, alpha = 2.0 : f32, beta = 0.5 : f32} : (tensor<4x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<4x3xf32> loc("gemm")
  return %0 : tensor<4x3xf32>
}

// -----

// Tests that Gemm's transA transposes the quantized activation, and that a C computed at
// run time is added as it is (beta = 1).
// CHECK-LABEL: func.func @gemm_trans_a
// CHECK: [[Q:%.+]], {{%.+}}, [[Z:%.+]] = "onnx.DynamicQuantizeLinear"(%arg0) : (tensor<2x4xf32>)
// CHECK: [[T:%.+]] = "onnx.Transpose"([[Q]]) <{perm = array<i64: 1, 0>}> : (tensor<2x4xui8>) -> tensor<4x2xui8>
// CHECK: "onnx.MatMulInteger"([[T]], {{%.+}}, [[Z]], {{%.+}}) : (tensor<4x2xui8>, tensor<2x3xi8>, tensor<ui8>, none) -> tensor<4x3xi32>
// CHECK: [[SS:%.+]] = "onnx.Mul"({{%.+}}, {{%.+}}) : (tensor<f32>, tensor<3xf32>)
// CHECK: [[Y:%.+]] = "onnx.Mul"({{%.+}}, [[SS]])
// CHECK: "onnx.Add"([[Y]], %arg1) : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
func.func @gemm_trans_a(%a: tensor<2x4xf32>, %c: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = "onnx.Constant"() <{value = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>}> : () -> tensor<2x3xf32>
  %0 = "onnx.Gemm"(%a, %w, %c) {transA = 1 : i64} : (tensor<2x4xf32>, tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32> loc("gemm_t")
  return %0 : tensor<4x3xf32>
}

// -----

// Tests that contractions of the same activation share one DynamicQuantizeLinear, and that
// a batched constant B gets one scale per batch and column ([2, 1, 2], which broadcasts
// against the [2, ?, 2] result).
// CHECK-LABEL: func.func @shared_and_batched
// CHECK-COUNT-1: "onnx.DynamicQuantizeLinear"
// CHECK-NOT: "onnx.DynamicQuantizeLinear"
// CHECK: "onnx.MatMulInteger"({{.+}}) : (tensor<2x?x2xui8>, tensor<2x2xi8>, tensor<ui8>, none) -> tensor<2x?x2xi32>
// CHECK: "onnx.Mul"({{.+}}) : (tensor<2x?x2xf32>, tensor<2xf32>) -> tensor<2x?x2xf32>
// CHECK: "onnx.MatMulInteger"({{.+}}) : (tensor<2x?x2xui8>, tensor<2x2x2xi8>, tensor<ui8>, none) -> tensor<2x?x2xi32>
// CHECK: [[BS:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}{{\[}}[0.00787401571, 0.0157480314]], {{\[}}[0.0236220472, 0.0314960629]]]> : tensor<2x1x2xf32>}>
// CHECK: [[SS:%.+]] = "onnx.Mul"({{%.+}}, [[BS]]) : (tensor<f32>, tensor<2x1x2xf32>) -> tensor<2x1x2xf32>
// CHECK: "onnx.Mul"({{%.+}}, [[SS]]) : (tensor<2x?x2xf32>, tensor<2x1x2xf32>) -> tensor<2x?x2xf32>
func.func @shared_and_batched(%a: tensor<2x?x2xf32>) -> (tensor<2x?x2xf32>, tensor<2x?x2xf32>) {
  %w = "onnx.Constant"() <{value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %wb = "onnx.Constant"() <{value = dense<[[[1.0, -2.0], [0.5, 0.0]], [[3.0, 4.0], [-1.0, 2.0]]]> : tensor<2x2x2xf32>}> : () -> tensor<2x2x2xf32>
  %0 = "onnx.MatMul"(%a, %w) : (tensor<2x?x2xf32>, tensor<2x2xf32>) -> tensor<2x?x2xf32> loc("first")
  %1 = "onnx.MatMul"(%a, %wb) : (tensor<2x?x2xf32>, tensor<2x2x2xf32>) -> tensor<2x?x2xf32> loc("batched")
  return %0, %1 : tensor<2x?x2xf32>, tensor<2x?x2xf32>
}

// -----

// Tests that a Conv becomes ConvInteger with its attributes, W int8 per output channel,
// the scales [M, 1, 1] and the bias reshaped to [M, 1, 1] at compile time.
// CHECK-LABEL: func.func @conv
// CHECK: "onnx.ConvInteger"({{.+}}) <{group = 1 : i64, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x1x4x4xui8>, tensor<2x1x2x2xi8>, tensor<ui8>, none) -> tensor<1x2x5x5xi32>
// CHECK: "onnx.Mul"({{.+}}) : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
// CHECK: [[B:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}{{\[}}[1.000000e+00]], {{\[}}[-1.000000e+00]]]> : tensor<2x1x1xf32>}>
// CHECK: "onnx.Add"({{%.+}}, [[B]]) : (tensor<1x2x5x5xf32>, tensor<2x1x1xf32>) -> tensor<1x2x5x5xf32>
func.func @conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x5x5xf32> {
  %w = "onnx.Constant"() <{value = dense<[[[[1.0, 2.0], [3.0, 4.0]]], [[[-1.0, 0.5], [0.0, 2.0]]]]> : tensor<2x1x2x2xf32>}> : () -> tensor<2x1x2x2xf32>
  %b = "onnx.Constant"() <{value = dense<[1.0, -1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "onnx.Conv"(%x, %w, %b) {group = 1 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x2x2xf32>, tensor<2xf32>) -> tensor<1x2x5x5xf32> loc("conv")
  return %0 : tensor<1x2x5x5xf32>
}

// -----

// Tests that a MatMul reading another quantized MatMul's result directly quantizes that
// result (the rewritten first product's Mul), not the erased op's value.
// CHECK-LABEL: func.func @chain
// CHECK: [[I1:%.+]] = "onnx.MatMulInteger"
// CHECK: [[F1:%.+]] = "onnx.Cast"([[I1]])
// CHECK: [[Y1:%.+]] = "onnx.Mul"([[F1]],
// CHECK: "onnx.DynamicQuantizeLinear"([[Y1]])
// CHECK: "onnx.MatMulInteger"
func.func @chain(%a: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = "onnx.Constant"() <{value = dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %v = "onnx.Constant"() <{value = dense<[[3.0, 1.0], [-1.0, 2.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %0 = "onnx.MatMul"(%a, %w) : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32> loc("first")
  %1 = "onnx.MatMul"(%0, %v) : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32> loc("second")
  return %1 : tensor<4x2xf32>
}
