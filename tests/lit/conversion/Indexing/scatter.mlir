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

// Tests that GatherND checks each component of an index tuple against its own axis, and
// that ScatterElements and ScatterND check their indices before the update loops.
// CHECK-LABEL: func.func @gather_nd
// CHECK: scf.for {{.*}} -> (i64, i64, i64, i64)
// CHECK: kiln.check {{.*}} "node 'gnd' (GatherND): index {} is out of range for axis 0 of size {}"
// CHECK: kiln.check {{.*}} "node 'gnd' (GatherND): index {} is out of range for axis 1 of size {}"
// CHECK: linalg.generic
func.func @gather_nd(%x: tensor<5x3xf32>, %i: tensor<4x2xi64>) -> tensor<4xf32> {
  %0 = "onnx.GatherND"(%x, %i) {batch_dims = 0 : i64} : (tensor<5x3xf32>, tensor<4x2xi64>) -> tensor<4xf32> loc("gnd")
  return %0 : tensor<4xf32>
}
// CHECK-LABEL: func.func @scatter_elements
// CHECK: kiln.check {{.*}} "node 'se' (ScatterElements): index {} is out of range for axis 0 of size {}"
// CHECK: scf.for
// CHECK: tensor.insert
func.func @scatter_elements(%d: tensor<3x3xf32>, %i: tensor<2x3xi32>, %u: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %0 = "onnx.ScatterElements"(%d, %i, %u) <{axis = 0 : i64, reduction = "none"}> : (tensor<3x3xf32>, tensor<2x3xi32>, tensor<2x3xf32>) -> tensor<3x3xf32> loc("se")
  return %0 : tensor<3x3xf32>
}
// CHECK-LABEL: func.func @scatter_nd
// CHECK: kiln.check {{.*}} "node 'snd' (ScatterND): index {} is out of range for axis 0 of size {}"
// CHECK: scf.for
func.func @scatter_nd(%d: tensor<5x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<5x3xf32> {
  %0 = "onnx.ScatterND"(%d, %i, %u) <{reduction = "none"}> : (tensor<5x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<5x3xf32> loc("snd")
  return %0 : tensor<5x3xf32>
}
