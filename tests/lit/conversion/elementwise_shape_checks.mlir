// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that two dynamic dims of different sources are checked (equal or one of them 1)
// and that each operand is broadcast at run time only when its dim is 1 and the result's
// is not; the generic itself keeps identity maps.
// CHECK-LABEL: func.func @add_dynamic_dims
// CHECK-SAME: ([[A:%.+]]: tensor<?xf32>, [[B:%.+]]: tensor<?xf32>)
// CHECK-DAG: [[DA:%.+]] = tensor.dim [[A]]
// CHECK-DAG: [[DB:%.+]] = tensor.dim [[B]]
// CHECK: kiln.check {{%.+}}, [[DB]], [[DA]] {code = 1 : i32, message = "node 'add0' (Add): input 1 has size {} in dim 0 where the others have {} (expected equal sizes, or 1)"}
// CHECK: [[N:%.+]] = arith.select {{%.+}}, [[DB]], [[DA]] : index
// CHECK: [[A2:%.+]] = scf.if
// CHECK:   tensor.empty([[N]])
// CHECK:   tensor.extract [[A]]
// CHECK: } else {
// CHECK:   scf.yield [[A]]
// CHECK: [[B2:%.+]] = scf.if
// CHECK:   scf.yield [[B]]
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}], iterator_types = ["parallel"]} ins([[A2]], [[B2]] :
func.func @add_dynamic_dims(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32> loc("add0")
  return %0 : tensor<?xf32>
}

// -----

// Tests that dims traced to the same dim of the same value need neither a check nor a
// run-time broadcast (the common case: every activation's batch comes from one input).
// CHECK-LABEL: func.func @add_same_source
// CHECK-NOT: kiln.check
// CHECK-NOT: scf.if
// CHECK: return
func.func @add_same_source(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = "onnx.Relu"(%a) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %1 = "onnx.Add"(%0, %a) : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32> loc("add1")
  return %1 : tensor<?x4xf32>
}

// -----

// Tests that a dynamic dim meeting a static one is checked against it and may be a
// broadcast run-time 1.
// CHECK-LABEL: func.func @add_static_result
// CHECK-SAME: ([[A:%.+]]: tensor<4xf32>, [[B:%.+]]: tensor<?xf32>)
// CHECK: [[DB:%.+]] = tensor.dim [[B]]
// CHECK: [[C4:%.+]] = arith.constant 4 : index
// CHECK: kiln.check {{%.+}}, [[DB]], [[C4]] {code = 1 : i32, message = "node 'add2' (Add): input 1 has size {} in dim 0 where the broadcast result has {} (expected equal sizes, or 1)"}
// CHECK: scf.if
// CHECK: linalg.generic
func.func @add_static_result(%a: tensor<4xf32>, %b: tensor<?xf32>) -> tensor<4xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<4xf32>, tensor<?xf32>) -> tensor<4xf32> loc("add2")
  return %0 : tensor<4xf32>
}

// -----

// Tests that a static 1 broadcasts through its indexing map, with no check.
// CHECK-LABEL: func.func @add_static_one
// CHECK-NOT: kiln.check
// CHECK-NOT: scf.if
// CHECK: linalg.generic
func.func @add_static_one(%a: tensor<?x4xf32>, %b: tensor<1x4xf32>) -> tensor<?x4xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x4xf32>, tensor<1x4xf32>) -> tensor<?x4xf32> loc("add3")
  return %0 : tensor<?x4xf32>
}

// -----

// Tests that Where checks each of its three operands against the broadcast so far.
// CHECK-LABEL: func.func @where_three
// CHECK: kiln.check {{.*}}message = "node 'w' (Where): input 1 has size {} in dim 0 where the others have {}
// CHECK: kiln.check {{.*}}message = "node 'w' (Where): input 2 has size {} in dim 0 where the others have {}
// CHECK-COUNT-3: scf.if
func.func @where_three(%c: tensor<?xi1>, %x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  %0 = "onnx.Where"(%c, %x, %y) : (tensor<?xi1>, tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32> loc("w")
  return %0 : tensor<?xf32>
}
