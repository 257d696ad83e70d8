// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

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
