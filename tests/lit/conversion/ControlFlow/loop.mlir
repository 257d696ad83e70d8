// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Loop becomes scf.while bounded by M and cond, its scan output written into a
// buffer of M rows and sliced to the iteration count.
// CHECK-LABEL: func.func @loop_scan
// CHECK: tensor.empty({{.*}}) : tensor<?x1xf32>
// CHECK: scf.while
// CHECK: arith.cmpi slt
// CHECK: scf.condition
// CHECK: } do {
// CHECK: tensor.insert_slice
// CHECK: scf.yield
// CHECK: tensor.extract_slice
func.func @loop_scan(%m: tensor<i64>, %c: tensor<i1>, %y: tensor<1xf32>) -> (tensor<1xf32>, tensor<5x1xf32>) {
  %0:2 = "onnx.Loop"(%m, %c, %y) ({
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %v: tensor<1xf32>):
    %1 = "onnx.Add"(%v, %v) : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
    onnx.Yield %cond, %1, %1 : tensor<i1>, tensor<1xf32>, tensor<1xf32>
  }) : (tensor<i64>, tensor<i1>, tensor<1xf32>) -> (tensor<1xf32>, tensor<5x1xf32>)
  return %0#0, %0#1 : tensor<1xf32>, tensor<5x1xf32>
}
