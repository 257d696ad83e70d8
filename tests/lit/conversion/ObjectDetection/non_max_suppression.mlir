// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that NonMaxSuppression checks the shapes of boxes and scores, selects per
// (batch, class) in a loop nest filling a buffer of batches * classes * min(max, boxes)
// rows, and returns its first `count` rows, checked against the static result type.
// CHECK-LABEL: func.func @nms
// CHECK: kiln.check {{.*}}scores has {} boxes where boxes has {}
// CHECK: arith.minsi
// CHECK: tensor.empty({{.*}}) : tensor<?x3xi64>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.cmpf ogt
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.if
// CHECK: tensor.insert
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: tensor.extract_slice {{.*}} to tensor<?x3xi64>
// CHECK: kiln.check
// CHECK: tensor.cast {{.*}} to tensor<4x3xi64>
func.func @nms(%boxes: tensor<2x?x4xf32>, %scores: tensor<2x1x6xf32>, %max: tensor<1xi64>, %iou: tensor<1xf32>, %score: tensor<1xf32>) -> tensor<4x3xi64> {
  %0 = "onnx.NonMaxSuppression"(%boxes, %scores, %max, %iou, %score) : (tensor<2x?x4xf32>, tensor<2x1x6xf32>, tensor<1xi64>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x3xi64>
  return %0 : tensor<4x3xi64>
}

// -----

// Tests that center-point boxes are read as centers and sizes, and that without
// max_output_boxes_per_class nothing is selected.
// CHECK-LABEL: func.func @nms_center_no_max
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: tensor.extract_slice
// CHECK: return
func.func @nms_center_no_max(%boxes: tensor<1x?x4xf32>, %scores: tensor<1x2x?xf32>) -> tensor<?x3xi64> {
  %none = "onnx.NoValue"() {value} : () -> none
  %0 = "onnx.NonMaxSuppression"(%boxes, %scores, %none, %none, %none) <{center_point_box = 1 : i64}> : (tensor<1x?x4xf32>, tensor<1x2x?xf32>, none, none, none) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// Tests that an optional scalar input of run-time length is checked to hold one element.
// CHECK-LABEL: func.func @nms_dynamic_max
// CHECK: kiln.check {{.*}}max_output_boxes_per_class has {} elements, not {}
func.func @nms_dynamic_max(%boxes: tensor<1x?x4xf32>, %scores: tensor<1x1x?xf32>, %max: tensor<?xi64>) -> tensor<?x3xi64> {
  %none = onnx.NoValue
  %0 = "onnx.NonMaxSuppression"(%boxes, %scores, %max, %none, %none) : (tensor<1x?x4xf32>, tensor<1x1x?xf32>, tensor<?xi64>, none, none) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}
