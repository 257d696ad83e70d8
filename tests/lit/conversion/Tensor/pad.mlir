// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that constant-mode Pad becomes tensor.pad and edge mode a clamped gather.
// CHECK-LABEL: func.func @pad
// CHECK-SAME: ([[X:%.+]]: tensor<?x4xf32>)
// CHECK: [[V:%.+]] = tensor.extract %{{.+}}[] : tensor<f32>
// CHECK: [[P:%.+]] = tensor.pad [[X]] low[0, 1] high[0, 2]
// CHECK: tensor.yield [[V]] : f32
// CHECK: } : tensor<?x4xf32> to tensor<?x7xf32>
// CHECK: [[EDGE:%.+]] = linalg.generic
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract [[X]]
// CHECK: return [[P]], [[EDGE]]
func.func @pad(%x: tensor<?x4xf32>) -> (tensor<?x7xf32>, tensor<?x7xf32>) {
  %p = "onnx.Constant"() {value = dense<[0, 1, 0, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %v = "onnx.Constant"() {value = dense<5.0> : tensor<f32>} : () -> tensor<f32>
  %n = onnx.NoValue
  %0 = "onnx.Pad"(%x, %p, %v, %n) : (tensor<?x4xf32>, tensor<4xi64>, tensor<f32>, none) -> tensor<?x7xf32>
  %1 = "onnx.Pad"(%x, %p, %n, %n) {mode = "edge"} : (tensor<?x4xf32>, tensor<4xi64>, none, none) -> tensor<?x7xf32>
  return %0, %1 : tensor<?x7xf32>, tensor<?x7xf32>
}

// -----

// Tests that constant and edge Pad check a static result over a dynamic input, and that a
// static input with constant pads gets no check.
// CHECK-LABEL: func.func @pad_static_result
// CHECK: kiln.check {{.*}}message = "node 'pc' (Pad): the result has size {} in dim 0 where the model's shapes imply {}"
// CHECK: kiln.check {{.*}}message = "node 'pe' (Pad): the padded input has size {} in dim 0 where the model's shapes imply {}"
// CHECK-LABEL: func.func @pad_static
// CHECK-NOT: kiln.check
// CHECK: return
func.func @pad_static_result(%x: tensor<?xf32>) -> (tensor<5xf32>, tensor<5xf32>) {
  %p = "onnx.Constant"() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = "onnx.Pad"(%x, %p, %n, %n) : (tensor<?xf32>, tensor<2xi64>, none, none) -> tensor<5xf32> loc("pc")
  %1 = "onnx.Pad"(%x, %p, %n, %n) {mode = "edge"} : (tensor<?xf32>, tensor<2xi64>, none, none) -> tensor<5xf32> loc("pe")
  return %0, %1 : tensor<5xf32>, tensor<5xf32>
}
func.func @pad_static(%x: tensor<3xf32>) -> (tensor<5xf32>, tensor<5xf32>) {
  %p = "onnx.Constant"() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = "onnx.Pad"(%x, %p, %n, %n) : (tensor<3xf32>, tensor<2xi64>, none, none) -> tensor<5xf32> loc("pc2")
  %1 = "onnx.Pad"(%x, %p, %n, %n) {mode = "edge"} : (tensor<3xf32>, tensor<2xi64>, none, none) -> tensor<5xf32> loc("pe2")
  return %0, %1 : tensor<5xf32>, tensor<5xf32>
}

// -----

// Tests that Pad with run-time axes checks them and gives each dim the pads of the entry
// that names it.
// CHECK-LABEL: func.func @pad_runtime_axes
// CHECK: kiln.check
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: tensor.pad
func.func @pad_runtime_axes(%x: tensor<1x3x4x5xf32>, %p: tensor<4xi64>, %v: tensor<f32>, %a: tensor<2xi64>) -> tensor<1x3x4x12xf32> {
  %0 = "onnx.Pad"(%x, %p, %v, %a) <{mode = "constant"}> : (tensor<1x3x4x5xf32>, tensor<4xi64>, tensor<f32>, tensor<2xi64>) -> tensor<1x3x4x12xf32>
  return %0 : tensor<1x3x4x12xf32>
}

// -----

// Tests that wrap Pad reads the source at the index modulo the dim size.
// CHECK-LABEL: func.func @pad_wrap
// CHECK: linalg.generic
// CHECK: arith.remsi
// CHECK: tensor.extract %arg0
func.func @pad_wrap(%x: tensor<1x3x4x5xi32>) -> tensor<1x3x6x7xi32> {
  %p = "onnx.Constant"() {value = dense<[0, 0, 1, 1, 0, 0, 1, 1]> : tensor<8xi64>} : () -> tensor<8xi64>
  %n = onnx.NoValue
  %0 = "onnx.Pad"(%x, %p, %n, %n) <{mode = "wrap"}> : (tensor<1x3x4x5xi32>, tensor<8xi64>, none, none) -> tensor<1x3x6x7xi32>
  return %0 : tensor<1x3x6x7xi32>
}
