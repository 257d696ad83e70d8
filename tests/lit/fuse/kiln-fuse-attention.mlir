// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fuse-attention %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fuse-attention --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that --kiln-stats prints the counts summed over the cases below:
// @bert, @causal and @where_mask fuse, only @causal as is_causal.
// STATS-LABEL: {{^}}kiln-fuse-attention{{$}}
// STATS-NEXT: (S) 3 attention -
// STATS-NEXT: (S) 1 attention-causal -

// Tests BERT's form: K split into heads by Transpose (0, 2, 3, 1), scores divided by
// sqrt(head size) (scale = 1/2), an additive [B, 1, 1, S] mask, Softmax on the last axis.
// The K transpose becomes (0, 2, 1, 3), the [B, H, S, D] layout Attention takes.
// CHECK-LABEL: func.func @bert
// CHECK: %[[K:.+]] = "onnx.Transpose"(%arg1) <{perm = array<i64: 0, 2, 1, 3>}> : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK: %[[NONE:.+]] = onnx.NoValue
// CHECK: %[[Y:[^,]+]], %{{.+}} = "onnx.Attention"(%arg0, %[[K]], %arg2, %arg3, %[[NONE]], %[[NONE]], %[[NONE]]) <{scale = 5.000000e-01 : f32}>
// CHECK-NOT: onnx.Softmax
// CHECK: return %[[Y]]
func.func @bert(%q: tensor<1x2x4x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x2x4x8xf32>, %mask: tensor<1x1x1x4xf32>) -> tensor<1x2x4x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = array<i64: 0, 2, 3, 1>}> : (tensor<1x4x2x8xf32>) -> tensor<1x2x8x4xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %c = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %d = "onnx.Div"(%s, %c) : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %a = "onnx.Add"(%d, %mask) : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.Softmax"(%a) <{axis = -1 : i64}> : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %y = "onnx.MatMul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %y : tensor<1x2x4x8xf32>
}

// -----

// Tests GPT-2's causal form: Where(tril, scores, float32 min) is is_causal = 1, and a Kt
// that is not a Transpose gets one.
// CHECK-LABEL: func.func @causal
// CHECK: %[[K:.+]] = "onnx.Transpose"(%arg1) <{perm = array<i64: 0, 1, 3, 2>}>
// CHECK: "onnx.Attention"(%arg0, %[[K]], %arg2, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) <{is_causal = 1 : i64, scale = 1.250000e-01 : f32}> : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, none, none, none, none)
func.func @causal(%q: tensor<1x2x3x8xf32>, %kt: tensor<1x2x8x3xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> {
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x2x3x8xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x3x3xf32>
  %c = "onnx.Constant"() <{value = dense<0.125> : tensor<f32>}> : () -> tensor<f32>
  %d = "onnx.Mul"(%c, %s) : (tensor<f32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %tril = "onnx.Constant"() <{value = dense<[[[[true, false, false], [true, true, false], [true, true, true]]]]> : tensor<1x1x3x3xi1>}> : () -> tensor<1x1x3x3xi1>
  %min = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}> : () -> tensor<f32>
  %w = "onnx.Where"(%tril, %d, %min) : (tensor<1x1x3x3xi1>, tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %p = "onnx.Softmax"(%w) <{axis = 3 : i64}> : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y = "onnx.MatMul"(%p, %v) : (tensor<1x2x3x3xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %y : tensor<1x2x3x8xf32>
}

// -----

// Tests a Where mask that is not causal: it becomes the float mask Where(cond, 0, fill);
// with no scaling op the scale is 1.
// CHECK-LABEL: func.func @where_mask
// CHECK-DAG: %[[Z:.+]] = "onnx.Constant"() <{value = dense<0.000000e+00> : tensor<f32>}>
// CHECK-DAG: %[[F:.+]] = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}>
// CHECK: %[[M:.+]] = "onnx.Where"(%arg3, %[[Z]], %[[F]]) : (tensor<1x1x1x3xi1>, tensor<f32>, tensor<f32>) -> tensor<1x1x1x3xf32>
// CHECK: "onnx.Attention"(%arg0, %{{.+}}, %arg2, %[[M]], %{{.+}}, %{{.+}}, %{{.+}}) <{scale = 1.000000e+00 : f32}>
func.func @where_mask(%q: tensor<1x2x3x8xf32>, %kt: tensor<1x2x8x3xf32>, %v: tensor<1x2x3x8xf32>, %keep: tensor<1x1x1x3xi1>) -> tensor<1x2x3x8xf32> {
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x2x3x8xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x3x3xf32>
  %min = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}> : () -> tensor<f32>
  %w = "onnx.Where"(%keep, %s, %min) : (tensor<1x1x1x3xi1>, tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %p = "onnx.Softmax"(%w) <{axis = -1 : i64}> : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y = "onnx.MatMul"(%p, %v) : (tensor<1x2x3x3xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %y : tensor<1x2x3x8xf32>
}

// -----

// Tests near misses: Softmax over the queries (axis 2), a Where fill of -10000 (not
// negligible next to the scores), and a dynamic batch (the lowering needs static shapes).
// CHECK: {{^}}module {
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: onnx.Attention
func.func @near_misses(%q: tensor<1x2x3x8xf32>, %kt: tensor<1x2x8x3xf32>, %v: tensor<1x2x3x8xf32>, %keep: tensor<1x1x1x3xi1>, %qd: tensor<?x2x3x8xf32>, %ktd: tensor<?x2x8x3xf32>, %vd: tensor<?x2x3x8xf32>) -> (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<?x2x3x8xf32>) {
  %s0 = "onnx.MatMul"(%q, %kt) : (tensor<1x2x3x8xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x3x3xf32>
  %p0 = "onnx.Softmax"(%s0) <{axis = 2 : i64}> : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y0 = "onnx.MatMul"(%p0, %v) : (tensor<1x2x3x3xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  %s1 = "onnx.MatMul"(%q, %kt) : (tensor<1x2x3x8xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x3x3xf32>
  %fill = "onnx.Constant"() <{value = dense<-10000.0> : tensor<f32>}> : () -> tensor<f32>
  %w1 = "onnx.Where"(%keep, %s1, %fill) : (tensor<1x1x1x3xi1>, tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %p1 = "onnx.Softmax"(%w1) <{axis = -1 : i64}> : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %y1 = "onnx.MatMul"(%p1, %v) : (tensor<1x2x3x3xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  %s2 = "onnx.MatMul"(%qd, %ktd) : (tensor<?x2x3x8xf32>, tensor<?x2x8x3xf32>) -> tensor<?x2x3x3xf32>
  %p2 = "onnx.Softmax"(%s2) <{axis = -1 : i64}> : (tensor<?x2x3x3xf32>) -> tensor<?x2x3x3xf32>
  %y2 = "onnx.MatMul"(%p2, %vd) : (tensor<?x2x3x3xf32>, tensor<?x2x3x8xf32>) -> tensor<?x2x3x8xf32>
  return %y0, %y1, %y2 : tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<?x2x3x8xf32>
}
