// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fuse-layer-norm %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fuse-layer-norm --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that --kiln-stats prints the counts summed over the cases below:
// @exported, @two_axes and the one case of @near_misses that fuses.
// STATS-LABEL: {{^}}kiln-fuse-layer-norm{{$}}
// STATS-NEXT: (S) 3 layer-norm -

// Tests the decomposition PyTorch exports (opset 17: ReduceMean axes as an attribute,
// Pow 2, eps added before Sqrt, then gain and bias, bias first) on a dynamic batch.
// CHECK-LABEL: func.func @exported
// CHECK: %[[Y:[^,]+]], %{{.+}}, %{{.+}} = "onnx.LayerNormalization"(%arg0, %arg1, %arg2) <{axis = -1 : i64, epsilon = 9.99999996E-13 : f32, stash_type = 1 : i64}> : (tensor<?x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<?x8x16xf32>, none, none)
// CHECK-NOT: onnx.ReduceMean
// CHECK: return %[[Y]]
func.func @exported(%x: tensor<?x8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<?x8x16xf32> {
  %m = "onnx.ReduceMeanV13"(%x) <{axes = array<i64: -1>, keepdims = 1 : i64}> : (tensor<?x8x16xf32>) -> tensor<?x8x1xf32>
  %d = "onnx.Sub"(%x, %m) : (tensor<?x8x16xf32>, tensor<?x8x1xf32>) -> tensor<?x8x16xf32>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %p = "onnx.Pow"(%d, %two) : (tensor<?x8x16xf32>, tensor<f32>) -> tensor<?x8x16xf32>
  %v = "onnx.ReduceMeanV13"(%p) <{axes = array<i64: -1>, keepdims = 1 : i64}> : (tensor<?x8x16xf32>) -> tensor<?x8x1xf32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-12> : tensor<f32>}> : () -> tensor<f32>
  %ve = "onnx.Add"(%v, %eps) : (tensor<?x8x1xf32>, tensor<f32>) -> tensor<?x8x1xf32>
  %s = "onnx.Sqrt"(%ve) : (tensor<?x8x1xf32>) -> tensor<?x8x1xf32>
  %n = "onnx.Div"(%d, %s) : (tensor<?x8x16xf32>, tensor<?x8x1xf32>) -> tensor<?x8x16xf32>
  %y0 = "onnx.Mul"(%n, %g) : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8x16xf32>
  %y = "onnx.Add"(%b, %y0) : (tensor<16xf32>, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  return %y : tensor<?x8x16xf32>
}

// -----

// Tests the opset-18 ReduceMean (axes as an input) over the two trailing axes, the
// square as d * d, eps first in the Add, and no gain or bias (a ones Scale, no B).
// CHECK-LABEL: func.func @two_axes
// CHECK-DAG: %[[ONE:.+]] = "onnx.Constant"() <{value = dense<1.000000e+00> : tensor<1xf32>}>
// CHECK-DAG: %[[NONE:.+]] = onnx.NoValue
// CHECK: "onnx.LayerNormalization"(%arg0, %[[ONE]], %[[NONE]]) <{axis = -2 : i64, epsilon = 9.99999974E-6 : f32, stash_type = 1 : i64}>
func.func @two_axes(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %axes = "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %m = "onnx.ReduceMean"(%x, %axes) : (tensor<2x4x8xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  %d = "onnx.Sub"(%x, %m) : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  %p = "onnx.Mul"(%d, %d) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %v = "onnx.ReduceMean"(%p, %axes) : (tensor<2x4x8xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-5> : tensor<1xf32>}> : () -> tensor<1xf32>
  %ve = "onnx.Add"(%eps, %v) : (tensor<1xf32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %s = "onnx.Sqrt"(%ve) : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %n = "onnx.Div"(%d, %s) : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  return %n : tensor<2x4x8xf32>
}

// -----

// Tests near misses: eps added after the Sqrt, a mean over a leading axis, and a gain
// that varies along the batch (so only the normalization before it fuses).
// CHECK-LABEL: func.func @near_misses
// CHECK-COUNT-2: onnx.ReduceMeanV13
// CHECK: "onnx.Sqrt"
// CHECK: "onnx.Add"
// CHECK-COUNT-2: onnx.ReduceMeanV13
// CHECK: %[[LN:[^,]+]], %{{.+}}, %{{.+}} = "onnx.LayerNormalization"(%arg0, %{{.+}}, %{{.+}}) <{axis = -1 : i64
// CHECK: "onnx.Mul"(%[[LN]], %arg1)
func.func @near_misses(%x: tensor<2x8xf32>, %g: tensor<2x1xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-5> : tensor<f32>}> : () -> tensor<f32>
  %m = "onnx.ReduceMeanV13"(%x) <{axes = array<i64: -1>, keepdims = 1 : i64}> : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %d = "onnx.Sub"(%x, %m) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = "onnx.Pow"(%d, %two) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v = "onnx.ReduceMeanV13"(%p) <{axes = array<i64: -1>, keepdims = 1 : i64}> : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %s = "onnx.Sqrt"(%v) : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %se = "onnx.Add"(%s, %eps) : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %n = "onnx.Div"(%d, %se) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %m1 = "onnx.ReduceMeanV13"(%x) <{axes = array<i64: 0>, keepdims = 1 : i64}> : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %d1 = "onnx.Sub"(%x, %m1) : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %p1 = "onnx.Pow"(%d1, %two) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v1 = "onnx.ReduceMeanV13"(%p1) <{axes = array<i64: 0>, keepdims = 1 : i64}> : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %ve1 = "onnx.Add"(%v1, %eps) : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %s1 = "onnx.Sqrt"(%ve1) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %n1 = "onnx.Div"(%d1, %s1) : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %m2 = "onnx.ReduceMeanV13"(%x) <{axes = array<i64: 1>, keepdims = 1 : i64}> : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %d2 = "onnx.Sub"(%x, %m2) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p2 = "onnx.Pow"(%d2, %two) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %v2 = "onnx.ReduceMeanV13"(%p2) <{axes = array<i64: 1>, keepdims = 1 : i64}> : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %ve2 = "onnx.Add"(%v2, %eps) : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s2 = "onnx.Sqrt"(%ve2) : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %n2 = "onnx.Div"(%d2, %s2) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %y2 = "onnx.Mul"(%n2, %g) : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %n, %n1, %y2 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}
