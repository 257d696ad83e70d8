// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that If becomes scf.if on the extracted condition, each branch cast to the result type.
// CHECK-LABEL: func.func @if_cast
// CHECK: [[C:%.+]] = tensor.extract
// CHECK: scf.if [[C]] -> (tensor<?xf32>)
// CHECK: tensor.cast {{.*}} : tensor<2xf32> to tensor<?xf32>
// CHECK: scf.yield
// CHECK: } else {
// CHECK: scf.yield
func.func @if_cast(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = "onnx.If"(%c) ({
    onnx.Yield %a : tensor<2xf32>
  }, {
    onnx.Yield %b : tensor<?xf32>
  }) : (tensor<i1>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

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

// -----

// Tests that Scan becomes scf.for over the scan axis, slicing the input and inserting the
// output row by row.
// CHECK-LABEL: func.func @scan_sum
// CHECK: scf.for {{.*}} iter_args
// CHECK: tensor.extract_slice {{.*}} : tensor<3x2xf32> to tensor<2xf32>
// CHECK: linalg.generic
// CHECK: tensor.insert_slice {{.*}} into tensor<3x2xf32>
// CHECK: scf.yield
func.func @scan_sum(%init: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %0:2 = "onnx.Scan"(%init, %x) <{num_scan_inputs = 1 : i64}> ({
  ^bb0(%s: tensor<2xf32>, %e: tensor<2xf32>):
    %1 = "onnx.Add"(%s, %e) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1, %1 : tensor<2xf32>, tensor<2xf32>
  }) : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<3x2xf32>
}
