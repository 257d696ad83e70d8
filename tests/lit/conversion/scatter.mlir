// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that ScatterElements with reduction add starts from the data and accumulates each
// update in order with an scf.for nest of extract + insert.
// CHECK-LABEL: func.func @scatter_elements_add
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_elements_add(%d: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %0 = "onnx.ScatterElements"(%d, %i, %u) <{axis = 1 : i64, reduction = "add"}> : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// Tests that ScatterND with reduction none overwrites whole slices (last update wins).
// CHECK-LABEL: func.func @scatter_nd
// CHECK: scf.for
// CHECK-NOT: arith.addf
// CHECK: tensor.insert
func.func @scatter_nd(%d: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<4x4xf32> {
  %0 = "onnx.ScatterND"(%d, %i, %u) : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// Tests that GatherND is an index-driven generic reading the indices and then the data.
// CHECK-LABEL: func.func @gather_nd
// CHECK: linalg.generic
// CHECK: tensor.extract
// CHECK: tensor.extract
// CHECK: -> tensor<2x3xf32>
func.func @gather_nd(%d: tensor<4x3xf32>, %i: tensor<2x1xi64>) -> tensor<2x3xf32> {
  %0 = "onnx.GatherND"(%d, %i) : (tensor<4x3xf32>, tensor<2x1xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that TopK selects k elements per slice with nested scf loops, producing i64 indices.
// CHECK-LABEL: func.func @top_k
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.cmpf ogt
// CHECK: arith.index_cast {{.*}} : index to i64
func.func @top_k(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %k = "onnx.Constant"() <{value = dense<2> : tensor<1xi64>}> : () -> tensor<1xi64>
  %v, %i = "onnx.TopK"(%x, %k) <{axis = 1 : i64}> : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// Tests that OneHot compares the wrapped index with the position along the new axis.
// CHECK-LABEL: func.func @one_hot
// CHECK: linalg.generic
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: -> tensor<3x5xf32>
func.func @one_hot(%i: tensor<3xi64>, %v: tensor<2xf32>) -> tensor<3x5xf32> {
  %d = "onnx.Constant"() <{value = dense<5> : tensor<i64>}> : () -> tensor<i64>
  %0 = "onnx.OneHot"(%i, %d, %v) : (tensor<3xi64>, tensor<i64>, tensor<2xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}
