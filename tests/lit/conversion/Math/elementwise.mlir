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

// Tests that an integer Div checks its divisor for zeros before the kernel (an
// and-reduction of d != 0) and divides by 1, negating, where the divisor is -1, so that
// INT_MIN / -1 wraps instead of trapping.
// CHECK-LABEL: func.func @div
// CHECK: scf.for {{.*}} -> (i1)
// CHECK: arith.cmpi ne
// CHECK: arith.andi
// CHECK: kiln.check {{.*}} {code = 5 : i32, message = "node 'd' (Div): integer division by zero"}
// CHECK: linalg.generic
// CHECK: [[M1:%.+]] = arith.cmpi eq, [[B:%.+]], %c-1_i32
// CHECK: [[SAFE:%.+]] = arith.select [[M1]], %c1_i32, [[B]]
// CHECK: [[Q:%.+]] = arith.divsi %{{.+}}, [[SAFE]]
// CHECK: [[NEG:%.+]] = arith.subi %c0_i32, %{{.+}}
// CHECK: arith.select [[M1]], [[NEG]], [[Q]]
func.func @div(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = "onnx.Div"(%a, %b) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32> loc("d")
  return %0 : tensor<4xi32>
}

// -----

// Tests that float Div and a constant nonzero integer divisor need no check, and that Mod
// takes the remainder by 1 where the divisor is -1.
// CHECK-LABEL: func.func @no_check
// CHECK-NOT: kiln.check
// CHECK: arith.divf
// CHECK-LABEL: func.func @mod_const
// CHECK-NOT: kiln.check
// CHECK: arith.cmpi eq, %{{.+}}, %c-1_i64
// CHECK: arith.remsi
func.func @no_check(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "onnx.Div"(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @mod_const(%a: tensor<4xi64>) -> tensor<4xi64> {
  %b = "onnx.Constant"() {value = dense<[3, -1, 2, 5]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = "onnx.Mod"(%a, %b) {fmod = 0 : i64} : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// Tests that a "same"-padded window keeps its input's dynamic sizes provably: the sizes
// (h + 2 - 3) / 1 + 1 trace to h through the padding and the index arithmetic, so the
// residual Add needs neither a check nor a run-time broadcast.
// CHECK-LABEL: func.func @add_same_padded_conv
// CHECK-NOT: node 'add_res' (Add)
// CHECK-NOT: scf.if
// CHECK: return
func.func @add_same_padded_conv(%x: tensor<1x4x?x?xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x?x?xf32> {
  %none = onnx.NoValue
  %y = "onnx.Conv"(%x, %w, %none) {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x?x?xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x?x?xf32> loc("conv_same")
  %0 = "onnx.Add"(%y, %x) : (tensor<1x4x?x?xf32>, tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32> loc("add_res")
  return %0 : tensor<1x4x?x?xf32>
}

// -----

// Tests that a strided window's sizes are not taken for its input's: the Add is checked.
// CHECK-LABEL: func.func @add_strided_conv
// CHECK: kiln.check {{.*}} "node 'add_s2' (Add): input 1 has size {} in dim 2
// CHECK: return
func.func @add_strided_conv(%x: tensor<1x4x?x?xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x?x?xf32> {
  %none = onnx.NoValue
  %y = "onnx.Conv"(%x, %w, %none) {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x?x?xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x?x?xf32> loc("conv_s2")
  %0 = "onnx.Add"(%y, %x) : (tensor<1x4x?x?xf32>, tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32> loc("add_s2")
  return %0 : tensor<1x4x?x?xf32>
}
