// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fold-conv-bn %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fold-conv-bn --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that --kiln-stats prints the counts summed over the cases below:
// one of each (@batchnorm, @mul) and two BatchNormalizations as Mul and Add
// (@batchnorm_affine, the second Conv of @near_misses).
// STATS-LABEL: {{^}}kiln-fold-conv-bn{{$}}
// STATS-NEXT: (S) 2 batchnorm-affine -
// STATS-NEXT: (S) 1 conv-batchnorm -
// STATS-NEXT: (S) 1 conv-mul -

// Tests that inference BatchNormalization folds into the Conv before it:
// s = scale / sqrt(var + eps) = [4, 3] / sqrt([3, 8] + 1) = [2, 1],
// W' = W * s = [2, 2], B' = (0 - mean) * s + B = [-1 * 2 + 0.5, -2 * 1 + 1].
// CHECK-LABEL: func.func @batchnorm
// CHECK-DAG: %[[W:.+]] = "onnx.Constant"() <{value = dense<2.000000e+00> : tensor<2x1x1x1xf32>}>
// CHECK-DAG: %[[B:.+]] = "onnx.Constant"() <{value = dense<[-1.500000e+00, -1.000000e+00]> : tensor<2xf32>}>
// CHECK: %[[Y:.+]] = "onnx.Conv"(%arg0, %[[W]], %[[B]]) <{kernel_shape = array<i64: 1, 1>}>
// CHECK-NOT: onnx.BatchNormalization
// CHECK: return %[[Y]]
func.func @batchnorm(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %none = onnx.NoValue
  %w = "onnx.Constant"() <{value = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %c = "onnx.Conv"(%x, %w, %none) <{kernel_shape = array<i64: 1, 1>}> : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %s = "onnx.Constant"() <{value = dense<[4.0, 3.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %b = "onnx.Constant"() <{value = dense<[0.5, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %m = "onnx.Constant"() <{value = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %v = "onnx.Constant"() <{value = dense<[3.0, 8.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %y:3 = "onnx.BatchNormalization"(%c, %s, %b, %m, %v) <{epsilon = 1.0 : f32}> : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, none, none)
  return %y#0 : tensor<1x2x4x4xf32>
}

// -----

// Tests that a per-output-channel Mul (shape [2, 1, 1]) scales the weight and bias.
// CHECK-LABEL: func.func @mul
// CHECK-DAG: %[[W:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[\[}}3.000000e+00]]], {{\[\[\[}}-2.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
// CHECK-DAG: %[[B:.+]] = "onnx.Constant"() <{value = dense<[3.000000e+00, -1.000000e+00]> : tensor<2xf32>}>
// CHECK: "onnx.Conv"(%arg0, %[[W]], %[[B]])
// CHECK-NOT: onnx.Mul
func.func @mul(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "onnx.Constant"() <{value = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %b = "onnx.Constant"() <{value = dense<[1.0, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %c = "onnx.Conv"(%x, %w, %b) <{kernel_shape = array<i64: 1, 1>}> : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = "onnx.Constant"() <{value = dense<[[[3.0]], [[-1.0]]]> : tensor<2x1x1xf32>}> : () -> tensor<2x1x1xf32>
  %y = "onnx.Mul"(%k, %c) : (tensor<2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Tests near misses that must not fold into the Conv: BatchNorm statistics that are not
// constants (kept), a Conv with a second user (its BatchNorm becomes Mul and Add), and a
// Mul that varies along the width, not the channels.
// CHECK: {{^}}module {
// CHECK-LABEL: func.func @near_misses
// CHECK: "onnx.BatchNormalization"
// CHECK: %[[C1:.+]] = "onnx.Conv"
// CHECK: %[[M1:.+]] = "onnx.Mul"(%[[C1]],
// CHECK: %[[A1:.+]] = "onnx.Add"(%[[M1]],
// CHECK: "onnx.Add"(%[[A1]], %[[C1]])
// CHECK: "onnx.Mul"
func.func @near_misses(%x: tensor<1x1x4x4xf32>, %mean: tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %none = onnx.NoValue
  %w = "onnx.Constant"() <{value = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %s = "onnx.Constant"() <{value = dense<[4.0, 3.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %b = "onnx.Constant"() <{value = dense<[0.5, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %v = "onnx.Constant"() <{value = dense<[3.0, 8.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %c0 = "onnx.Conv"(%x, %w, %none) <{kernel_shape = array<i64: 1, 1>}> : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %y0:3 = "onnx.BatchNormalization"(%c0, %s, %b, %mean, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, none, none)
  %c1 = "onnx.Conv"(%x, %w, %none) <{kernel_shape = array<i64: 1, 1>}> : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %y1:3 = "onnx.BatchNormalization"(%c1, %s, %b, %b, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, none, none)
  %sum = "onnx.Add"(%y1#0, %c1) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c2 = "onnx.Conv"(%x, %w, %none) <{kernel_shape = array<i64: 1, 1>}> : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %k = "onnx.Constant"() <{value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %y2 = "onnx.Mul"(%c2, %k) : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %y0#0, %sum, %y2 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Tests that a BatchNormalization with no Conv before it becomes x * s + t with
// s = [4, 3] / sqrt([3, 8] + 1) = [2, 1] and t = B - mean * s = [0.5 - 2, 1 - 2], both
// [C, 1, 1] so they broadcast over the channels.
// CHECK-LABEL: func.func @batchnorm_affine
// CHECK-DAG: %[[S:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[}}2.000000e+00]], {{\[\[}}1.000000e+00]]]> : tensor<2x1x1xf32>}>
// CHECK-DAG: %[[T:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[}}-1.500000e+00]], {{\[\[}}-1.000000e+00]]]> : tensor<2x1x1xf32>}>
// CHECK-DAG: %[[M:.+]] = "onnx.Mul"(%arg0, %[[S]])
// CHECK-DAG: %[[A:.+]] = "onnx.Add"(%[[M]], %[[T]])
// CHECK-NOT: onnx.BatchNormalization
// CHECK: return %[[A]]
func.func @batchnorm_affine(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %s = "onnx.Constant"() <{value = dense<[4.0, 3.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %b = "onnx.Constant"() <{value = dense<[0.5, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %m = "onnx.Constant"() <{value = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %v = "onnx.Constant"() <{value = dense<[3.0, 8.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %y:3 = "onnx.BatchNormalization"(%x, %s, %b, %m, %v) <{epsilon = 1.0 : f32}> : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x4x4xf32>, none, none)
  return %y#0 : tensor<1x2x4x4xf32>
}
