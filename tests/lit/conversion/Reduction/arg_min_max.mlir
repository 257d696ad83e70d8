// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that ArgMax carries (value, index) through one reduction and returns the i64 index;
// select_last_index turns the strict comparison into >=.
// CHECK-LABEL: func.func @argmax
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x4xf32>)
// CHECK: [[NINF:%.+]] = arith.constant 0xFF800000 : f32
// CHECK: [[VALS:%.+]] = linalg.fill ins([[NINF]] : f32)
// CHECK: [[IDXS:%.+]] = linalg.fill ins(%c0_i64 : i64)
// CHECK: [[R:%.+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins([[X]] : tensor<?x3x4xf32>) outs([[VALS]], [[IDXS]] : tensor<?x4xf32>, tensor<?x4xi64>)
// CHECK: ^bb0([[IN:%.+]]: f32, [[BEST:%.+]]: f32, [[BESTI:%.+]]: i64):
// CHECK: [[GT:%.+]] = arith.cmpf ogt, [[IN]], [[BEST]]
// CHECK: [[I:%.+]] = linalg.index 1
// CHECK: [[I64:%.+]] = arith.index_cast [[I]] : index to i64
// CHECK: [[V:%.+]] = arith.select [[GT]], [[IN]], [[BEST]]
// CHECK: [[J:%.+]] = arith.select [[GT]], [[I64]], [[BESTI]]
// CHECK: linalg.yield [[V]], [[J]]
// CHECK: [[K:%.+]]:2 = linalg.generic
// CHECK: arith.cmpf oge
// CHECK: [[KD:%.+]] = tensor.expand_shape [[K]]#1 {{\[}}[0, 1], [2]]
// CHECK: return [[R]]#1, [[KD]]
func.func @argmax(%x: tensor<?x3x4xf32>) -> (tensor<?x4xi64>, tensor<?x1x4xi64>) {
  %0 = "onnx.ArgMax"(%x) {axis = 1 : i64, keepdims = 0 : i64} : (tensor<?x3x4xf32>) -> tensor<?x4xi64>
  %1 = "onnx.ArgMax"(%x) {axis = 1 : i64, select_last_index = 1 : i64} : (tensor<?x3x4xf32>) -> tensor<?x1x4xi64>
  return %0, %1 : tensor<?x4xi64>, tensor<?x1x4xi64>
}

// -----

// Tests that ArgMin on signed integers starts from the largest value and compares with slt.
// CHECK-LABEL: func.func @argmin_int
// CHECK: arith.constant 9223372036854775807 : i64
// CHECK: arith.cmpi slt
// CHECK: -> (tensor<2xi64>, tensor<2xi64>)
func.func @argmin_int(%x: tensor<2x5xi64>) -> tensor<2xi64> {
  %0 = "onnx.ArgMin"(%x) {axis = -1 : i64, keepdims = 0 : i64} : (tensor<2x5xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
