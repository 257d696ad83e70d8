// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Trilu masks with the run-time diagonal offset.
// CHECK-LABEL: func.func @trilu
// CHECK-SAME: ([[X:%.+]]: tensor<?x4xf32>, [[K:%.+]]: tensor<i64>)
// CHECK: [[KV:%.+]] = tensor.extract [[K]][] : tensor<i64>
// CHECK: linalg.generic {{.*}} ins([[X]] : tensor<?x4xf32>)
// CHECK: [[DIFF:%.+]] = arith.subi
// CHECK: [[KEEP:%.+]] = arith.cmpi sge, [[DIFF]], [[KV]] : i64
// CHECK: arith.select [[KEEP]]
func.func @trilu(%x: tensor<?x4xf32>, %k: tensor<i64>) -> tensor<?x4xf32> {
  %0 = "onnx.Trilu"(%x, %k) : (tensor<?x4xf32>, tensor<i64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
