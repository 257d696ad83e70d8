// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Range computes its length at run time.
// CHECK-LABEL: func.func @range
// CHECK: [[SPAN:%.+]] = arith.subi
// CHECK: [[N:%.+]] = arith.ceildivsi [[SPAN]]
// CHECK: [[NI:%.+]] = arith.index_cast [[N]] : i64 to index
// CHECK: [[LEN:%.+]] = arith.maxsi [[NI]]
// CHECK: [[EMPTY:%.+]] = tensor.empty([[LEN]]) : tensor<?xi64>
// CHECK: linalg.generic {{.*}} outs([[EMPTY]] : tensor<?xi64>)
// CHECK: linalg.index 0
// CHECK: arith.muli
// CHECK: arith.addi
func.func @range(%start: tensor<i64>, %limit: tensor<i64>, %delta: tensor<i64>) -> tensor<?xi64> {
  %0 = "onnx.Range"(%start, %limit, %delta) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}
