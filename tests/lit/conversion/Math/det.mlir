// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Det checks the matrices are square and, per matrix, copies it into f32 (for
// f16) and eliminates with partial pivoting: a pivot search by |a|, a row swap, the
// elimination below, the determinant rounded back to f16.
// CHECK-LABEL: func.func @det
// CHECK: kiln.check {{.*}}the matrices are {} x {}, not square
// CHECK: scf.for
// CHECK: linalg.generic
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: scf.for
// CHECK: scf.for
// CHECK: math.absf
// CHECK: scf.for
// CHECK: arith.negf
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.truncf {{.*}} : f32 to f16
func.func @det(%x: tensor<3x?x?xf16>) -> tensor<3xf16> {
  %0 = "onnx.Det"(%x) : (tensor<3x?x?xf16>) -> tensor<3xf16>
  return %0 : tensor<3xf16>
}
