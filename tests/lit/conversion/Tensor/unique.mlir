// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Unique along an axis finds each slice's first equal slice, ranks the unique
// ones by comparing slices element by element (sorted), counts them (a run-time size),
// and fills positions, counts and inverse indices before gathering the unique slices.
// CHECK-LABEL: func.func @unique
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} -> (i8)
// CHECK: arith.cmpf olt
// CHECK: [[RANKS:%.+]]:2 = scf.for
// CHECK: tensor.empty([[RANKS]]#1) : tensor<?xindex>
// CHECK: [[FILLED:%.+]]:3 = scf.for
// CHECK: scf.if
// CHECK: tensor.empty([[RANKS]]#1, {{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: linalg.generic {{.*}} ins([[FILLED]]#0 : tensor<?xindex>)
// CHECK: arith.index_cast
// CHECK: return
func.func @unique(%x: tensor<3x?xf32>) -> (tensor<?x?xf32>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>) {
  %0:4 = "onnx.Unique"(%x) <{axis = 0 : i64, sorted = 1 : i64}> : (tensor<3x?xf32>) -> (tensor<?x?xf32>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<?x?xf32>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>
}

// -----

// Tests that unsorted Unique without an axis ranks by first occurrence (no element
// comparison in the ranking loop) over the flattened input.
// CHECK-LABEL: func.func @unique_unsorted
// CHECK: tensor.collapse_shape
// CHECK: scf.for
// CHECK: [[RANKS:%.+]]:2 = scf.for
// CHECK-NOT: arith.cmpi slt
// CHECK: arith.cmpi ult
// CHECK: tensor.empty([[RANKS]]#1) : tensor<?xindex>
func.func @unique_unsorted(%x: tensor<2x3xi32>) -> (tensor<?xi32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>) {
  %0:4 = "onnx.Unique"(%x) <{sorted = 0 : i64}> : (tensor<2x3xi32>) -> (tensor<?xi32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<?xi32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>
}
