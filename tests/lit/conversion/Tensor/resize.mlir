// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that nearest Resize with run-time scales is a generic that gathers one element.
// CHECK-LABEL: func.func @resize_nearest
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK: tensor.extract %arg0
// CHECK-NOT: tensor.extract %arg0
// CHECK: linalg.yield
func.func @resize_nearest(%x: tensor<1x1x2x2xf32>, %s: tensor<4xf32>) -> tensor<?x?x?x?xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Resize"(%x, %none, %s, %none) <{mode = "nearest"}> : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

// Tests that linear Resize on two axes sums four weighted neighbours in f64.
// CHECK-LABEL: func.func @resize_linear_axes
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: arith.truncf {{.*}} : f64 to f32
func.func @resize_linear_axes(%x: tensor<1x1x2x2xf32>, %s: tensor<2xi64>) -> tensor<1x1x?x?xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Resize"(%x, %none, %none, %s) <{mode = "linear", axes = array<i64: 2, 3>}> : (tensor<1x1x2x2xf32>, none, none, tensor<2xi64>) -> tensor<1x1x?x?xf32>
  return %0 : tensor<1x1x?x?xf32>
}

// -----

// Tests that Resize checks a static output dim against the size computed from a dynamic X.
// CHECK-LABEL: func.func @resize_static_result
// CHECK: kiln.check {{.*}}message = "node 'rz' (Resize): the resized input has size {} in dim 3 where the model's shapes imply {}"
// CHECK: linalg.generic
func.func @resize_static_result(%x: tensor<1x1x1x?xf32>) -> tensor<1x1x1x6xf32> {
  %s = "onnx.Constant"() {value = dense<[1.0, 1.0, 1.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %none = onnx.NoValue
  %0 = "onnx.Resize"(%x, %none, %s, %none) <{mode = "nearest"}> : (tensor<1x1x1x?xf32>, none, tensor<4xf32>, none) -> tensor<1x1x1x6xf32> loc("rz")
  return %0 : tensor<1x1x1x6xf32>
}

// -----

// Tests that Resize of a static X gets no check (the common path).
// CHECK-LABEL: func.func @resize_static
// CHECK-NOT: kiln.check
// CHECK: return
func.func @resize_static(%x: tensor<1x1x1x3xf32>) -> tensor<1x1x1x6xf32> {
  %s = "onnx.Constant"() {value = dense<[1.0, 1.0, 1.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %none = onnx.NoValue
  %0 = "onnx.Resize"(%x, %none, %s, %none) <{mode = "nearest"}> : (tensor<1x1x1x3xf32>, none, tensor<4xf32>, none) -> tensor<1x1x1x6xf32> loc("rz2")
  return %0 : tensor<1x1x1x6xf32>
}

// -----

// Tests that antialiased linear Resize walks a run-time number of taps per axis (the
// filter widens by 1 / scale) and normalizes the weights.
// CHECK-LABEL: func.func @resize_linear_antialias
// CHECK: math.floor
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.divf
// CHECK: tensor.extract %arg0
func.func @resize_linear_antialias(%x: tensor<1x1x4x4xf32>, %s: tensor<4xi64>) -> tensor<1x1x3x3xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Resize"(%x, %none, %none, %s) <{antialias = 1 : i64, mode = "linear"}> : (tensor<1x1x4x4xf32>, none, none, tensor<4xi64>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// Tests that a constant scale of 1 leaves its axis unresized: nearest 2x upsampling of H and
// W of an NHWC tensor reads the channel (and batch) index as is, with no f64 arithmetic for
// it; only the two resized axes compute a source index (two math.floor).
// CHECK-LABEL: func.func @resize_unit_scale_axes
// CHECK: linalg.generic
// CHECK: %[[N:.+]] = linalg.index 0
// CHECK-COUNT-2: math.floor
// CHECK-NOT: math.floor
// CHECK: %[[C:.+]] = linalg.index 3
// CHECK-NOT: math.floor
// CHECK: tensor.extract %arg0[%[[N]], %{{.+}}, %{{.+}}, %[[C]]]
func.func @resize_unit_scale_axes(%x: tensor<1x4x4x8xf32>) -> tensor<1x8x8x8xf32> {
  %none = onnx.NoValue
  %s = "onnx.Constant"() <{value = dense<[1.0, 2.0, 2.0, 1.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = "onnx.Resize"(%x, %none, %s, %none) <{mode = "nearest"}> : (tensor<1x4x4x8xf32>, none, tensor<4xf32>, none) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

// Tests that a constant whole-number scale sizes the output in integers (2 * H), and that
// an Add of the upsampled map with a dynamic feature map broadcasts at run time only the
// feature map (the upsampled dim is even, never 1), so the upsampling's gather stays
// fusable with the Add: one scf.if, not two.
// CHECK-LABEL: func.func @resize_by_two_add
// CHECK-SAME: ([[X:%.+]]: tensor<1x4x?x?xf32>, [[Y:%.+]]: tensor<1x4x?x?xf32>)
// CHECK: [[H:%.+]] = tensor.dim [[Y]], %c2
// CHECK: [[H2:%.+]] = arith.muli [[H]], %c2
// CHECK-NOT: math.floor {{.*}} : f64
// CHECK: [[UP:%.+]] = linalg.generic
// CHECK: kiln.check
// CHECK: [[X2:%.+]] = scf.if
// CHECK: scf.yield [[X]]
// CHECK-NOT: scf.if
// CHECK: linalg.generic {{.*}} ins([[X2]], [[UP]] :
func.func @resize_by_two_add(%x: tensor<1x4x?x?xf32>, %y: tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32> {
  %none = onnx.NoValue
  %s = "onnx.Constant"() <{value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = "onnx.Resize"(%y, %none, %s, %none) <{mode = "nearest"}> : (tensor<1x4x?x?xf32>, none, tensor<4xf32>, none) -> tensor<1x4x?x?xf32>
  %1 = "onnx.Add"(%x, %0) : (tensor<1x4x?x?xf32>, tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32> loc("fpn_add")
  return %1 : tensor<1x4x?x?xf32>
}
