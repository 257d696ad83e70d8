// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that Swish is x * sigmoid(alpha * x) in one generic.
// CHECK-LABEL: func.func @swish
// CHECK: linalg.generic
// CHECK: [[ALPHA:%.+]] = arith.constant 5.000000e-01 : f32
// CHECK: [[AX:%.+]] = arith.mulf [[ALPHA]], [[X:%.+]] : f32
// CHECK: math.exp
// CHECK: [[SIG:%.+]] = arith.divf
// CHECK: arith.mulf [[X]], [[SIG]] : f32
func.func @swish(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "onnx.Swish"(%x) {alpha = 0.5 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that SwiGLU multiplies Swish(A) by B.
// CHECK-LABEL: func.func @swiglu
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<4x?xf16>, tensor<4x?xf16>)
// CHECK: ^bb0([[A:%.+]]: f16, [[B:%.+]]: f16, %{{.+}}: f16):
// CHECK: [[SIG:%.+]] = arith.divf
// CHECK: [[SW:%.+]] = arith.mulf [[A]], [[SIG]] : f16
// CHECK: arith.mulf [[SW]], [[B]] : f16
func.func @swiglu(%a: tensor<4x?xf16>, %b: tensor<4x?xf16>) -> tensor<4x?xf16> {
  %0 = "onnx.SwiGLU"(%a, %b) : (tensor<4x?xf16>, tensor<4x?xf16>) -> tensor<4x?xf16>
  return %0 : tensor<4x?xf16>
}
