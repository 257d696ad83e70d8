// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that DynamicQuantizeLinear reduces x to its range (starting from 0; the min and
// the max each over x's rows, then over the row results, one op per reduction), derives
// the scale (1 / 255 for an all-zero range) and the rounded zero point, and quantizes x
// with them; the scale and zero point are rank-0 tensors.
// CHECK-LABEL: func.func @dynamic_quantize
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.minimumf
// CHECK: -> tensor<?xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.minimumf
// CHECK: -> tensor<f32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.maximumf
// CHECK: -> tensor<?xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.maximumf
// CHECK: -> tensor<f32>
// CHECK: arith.cmpf oeq
// CHECK: arith.select
// CHECK: math.roundeven
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.fptoui {{.+}} : f32 to i8
// CHECK: tensor.from_elements {{.+}} : tensor<f32>
// CHECK: tensor.from_elements {{.+}} : tensor<i8>
func.func @dynamic_quantize(%x: tensor<?x4xf32>) -> (tensor<?x4xui8>, tensor<f32>, tensor<ui8>) {
  %0:3 = "onnx.DynamicQuantizeLinear"(%x) : (tensor<?x4xf32>) -> (tensor<?x4xui8>, tensor<f32>, tensor<ui8>)
  return %0#0, %0#1, %0#2 : tensor<?x4xui8>, tensor<f32>, tensor<ui8>
}
