// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Compress checks the condition's length against the axis, lists the kept
// positions in a loop whose count sizes the result, and gathers them.
// CHECK-LABEL: func.func @compress
// CHECK: kiln.check {{.*}}condition has {} entries, more than the axis size {}
// CHECK: tensor.empty({{.*}}) : tensor<?xindex>
// CHECK: [[LIST:%.+]]:2 = scf.for
// CHECK: scf.if
// CHECK: tensor.insert
// CHECK: tensor.empty([[LIST]]#1, {{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract [[LIST]]#0
func.func @compress(%x: tensor<3x?xf32>, %c: tensor<?xi1>) -> tensor<?x?xf32> {
  %0 = "onnx.Compress"(%x, %c) <{axis = 0 : i64}> : (tensor<3x?xf32>, tensor<?xi1>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that Compress without an axis works on the flattened input.
// CHECK-LABEL: func.func @compress_flat
// CHECK: tensor.collapse_shape %arg0 {{\[}}[0, 1]] : tensor<3x2xf32> into tensor<6xf32>
// CHECK: scf.for
// CHECK: linalg.generic
func.func @compress_flat(%x: tensor<3x2xf32>, %c: tensor<3xi1>) -> tensor<?xf32> {
  %0 = "onnx.Compress"(%x, %c) : (tensor<3x2xf32>, tensor<3xi1>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
