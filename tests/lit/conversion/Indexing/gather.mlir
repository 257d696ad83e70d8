// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
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

// Tests that Gather with run-time indices wraps negative indices inside a linalg.generic.
// CHECK-DAG: [[IDXMAP:#.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK-SAME: ([[X:%.+]]: tensor<?x5xf32>, [[I:%.+]]: tensor<2x2xi64>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[EMPTY:%.+]] = tensor.empty([[D]]) : tensor<?x2x2xf32>
// CHECK: linalg.generic {indexing_maps = {{\[}}[[IDXMAP]], {{.*}}} ins([[I]] : tensor<2x2xi64>) outs([[EMPTY]] : tensor<?x2x2xf32>)
// CHECK: ^bb0([[IN:%.+]]: i64, %{{.+}}: f32):
// CHECK: [[D0:%.+]] = linalg.index 0
// CHECK: [[IDX:%.+]] = arith.index_cast [[IN]] : i64 to index
// CHECK: [[NEG:%.+]] = arith.cmpi slt, [[IDX]]
// CHECK: [[WRAPPED:%.+]] = arith.addi [[IDX]], %c5
// CHECK: [[SEL:%.+]] = arith.select [[NEG]], [[WRAPPED]], [[IDX]]
// CHECK: tensor.extract [[X]]{{\[}}[[D0]], [[SEL]]] : tensor<?x5xf32>
func.func @gather(%x: tensor<?x5xf32>, %i: tensor<2x2xi64>) -> tensor<?x2x2xf32> {
  %0 = "onnx.Gather"(%x, %i) {axis = 1 : i64} : (tensor<?x5xf32>, tensor<2x2xi64>) -> tensor<?x2x2xf32>
  return %0 : tensor<?x2x2xf32>
}

// -----

// Tests that Gather with a constant scalar index is a rank-reducing slice.
// CHECK-LABEL: func.func @gather_scalar
// CHECK-SAME: ([[X:%.+]]: tensor<?x5xf32>)
// CHECK: [[S:%.+]] = tensor.extract_slice [[X]][0, 4] [%{{.+}}, 1] [1, 1] : tensor<?x5xf32> to tensor<?x1xf32>
// CHECK: [[R:%.+]] = tensor.collapse_shape [[S]] {{\[}}[0, 1]] : tensor<?x1xf32> into tensor<?xf32>
// CHECK: return [[R]]
func.func @gather_scalar(%x: tensor<?x5xf32>) -> tensor<?xf32> {
  %i = "onnx.Constant"() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %0 = "onnx.Gather"(%x, %i) {axis = 1 : i64} : (tensor<?x5xf32>, tensor<i64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Tests that GatherElements reads the data at the index along the axis.
// CHECK-LABEL: func.func @gather_elements
// CHECK-SAME: ([[X:%.+]]: tensor<3x3xf32>, [[I:%.+]]: tensor<2x3xi64>)
// CHECK: linalg.generic {{.*}} ins([[I]] : tensor<2x3xi64>)
// CHECK: [[SEL:%.+]] = arith.select
// CHECK: [[D1:%.+]] = linalg.index 1
// CHECK: tensor.extract [[X]]{{\[}}[[SEL]], [[D1]]] : tensor<3x3xf32>
func.func @gather_elements(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>) -> tensor<2x3xf32> {
  %0 = "onnx.GatherElements"(%x, %i) {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that Gather with run-time indices checks them once before the kernel: a loop over
// the flattened indices carries their min and max, then one kiln.check against the axis
// size (-size <= min and max < size) reports the bad end.
// CHECK-LABEL: func.func @gather
// CHECK-SAME: ([[X:%.+]]: tensor<?x5xf32>, [[I:%.+]]: tensor<2x2xi64>)
// CHECK: [[FLAT:%.+]] = tensor.collapse_shape [[I]] {{\[}}[0, 1]] : tensor<2x2xi64> into tensor<4xi64>
// CHECK: [[LOOP:%.+]]:2 = scf.for {{.*}} iter_args([[LO:%.+]] = %{{.+}}, [[HI:%.+]] = %{{.+}}) -> (i64, i64)
// CHECK: [[V:%.+]] = tensor.extract [[FLAT]]
// CHECK-DAG: arith.minsi [[LO]], [[V]]
// CHECK-DAG: arith.maxsi [[HI]], [[V]]
// CHECK: [[LOOK:%.+]] = arith.cmpi sge, [[LOOP]]#0
// CHECK: [[HIOK:%.+]] = arith.cmpi slt, [[LOOP]]#1
// CHECK: [[OK:%.+]] = arith.andi [[LOOK]], [[HIOK]]
// CHECK: [[BAD:%.+]] = arith.select [[LOOK]], [[LOOP]]#1, [[LOOP]]#0
// CHECK: kiln.check [[OK]], [[BAD]], %{{.+}} {code = 4 : i32, message = "node 'g' (Gather): index {} is out of range for axis 1 of size {}"} : i64, i64
// CHECK: linalg.generic
func.func @gather(%x: tensor<?x5xf32>, %i: tensor<2x2xi64>) -> tensor<?x2x2xf32> {
  %0 = "onnx.Gather"(%x, %i) {axis = 1 : i64} : (tensor<?x5xf32>, tensor<2x2xi64>) -> tensor<?x2x2xf32> loc("g")
  return %0 : tensor<?x2x2xf32>
}

// -----

// Tests that constant indices in range need no run-time check.
// CHECK-LABEL: func.func @gather_constant
// CHECK-NOT: kiln.check
// CHECK: linalg.generic
func.func @gather_constant(%x: tensor<4x5xf32>) -> tensor<2x5xf32> {
  %i = "onnx.Constant"() {value = dense<[-4, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Gather"(%x, %i) {axis = 0 : i64} : (tensor<4x5xf32>, tensor<2xi64>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
