// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fuse-bias %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fuse-bias --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that --kiln-stats prints the counts summed over the cases below: one rewrite
// per case but @near_misses, and the activations after @matmul and @conv as fusable groups.
// STATS-LABEL: {{^}}kiln-fuse-bias{{$}}
// STATS-NEXT: (S) 2 bias-with-activation -
// STATS-NEXT: (S) 1 conv-bias -
// STATS-NEXT: (S) 1 gemm-bias -
// STATS-NEXT: (S) 1 matmul-bias-to-gemm -

// Tests that a 2-D MatMul plus a constant bias (bias first, as PyTorch exports it)
// becomes a Gemm, and that the Relu after it is counted as a fusable group.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[B:.+]] = "onnx.Constant"
// CHECK: %[[G:.+]] = "onnx.Gemm"(%arg0, %arg1, %[[B]]) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
// CHECK: "onnx.Relu"(%[[G]])
func.func @matmul(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %b = "onnx.Constant"() <{value = dense<0.5> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = "onnx.MatMul"(%a, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = "onnx.Add"(%b, %0) : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = "onnx.Relu"(%1) : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}

// -----

// Tests that a bias added after a Gemm joins its C: beta * C + bias = 2 * [1, 2] + 1.
// CHECK-LABEL: func.func @gemm
// CHECK: %[[C:.+]] = "onnx.Constant"() <{value = dense<{{\[\[}}3.000000e+00, 5.000000e+00]]> : tensor<1x2xf32>}>
// CHECK: "onnx.Gemm"(%arg0, %arg1, %[[C]]) <{beta = 1.000000e+00 : f32, transB = 1 : i64}>
// CHECK-NOT: onnx.Add
func.func @gemm(%a: tensor<3x4xf32>, %b: tensor<2x4xf32>) -> tensor<3x2xf32> {
  %c = "onnx.Constant"() <{value = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "onnx.Gemm"(%a, %b, %c) <{beta = 2.0 : f32, transB = 1 : i64}> : (tensor<3x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %1 = "onnx.Add"(%0, %one) : (tensor<3x2xf32>, tensor<1x1xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// Tests that a per-channel constant added to a Conv joins its bias B.
// CHECK-LABEL: func.func @conv
// CHECK: %[[B:.+]] = "onnx.Constant"() <{value = dense<[1.500000e+00, 2.000000e+00]> : tensor<2xf32>}>
// CHECK: %[[Y:.+]] = "onnx.Conv"(%arg0, %{{.+}}, %[[B]])
// CHECK: "onnx.Sigmoid"(%[[Y]])
func.func @conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = "onnx.Constant"() <{value = dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
  %b = "onnx.Constant"() <{value = dense<[0.5, 0.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %c = "onnx.Conv"(%x, %w, %b) <{kernel_shape = array<i64: 1, 1>}> : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = "onnx.Constant"() <{value = dense<[[[[1.0]], [[2.0]]]]> : tensor<1x2x1x1xf32>}> : () -> tensor<1x2x1x1xf32>
  %y = "onnx.Add"(%c, %k) : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %s = "onnx.Sigmoid"(%y) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %s : tensor<1x2x4x4xf32>
}

// -----

// Tests near misses: a 3-D MatMul (no 2-D Gemm form), a bias that is not a constant, a
// bias that would broadcast the result to a larger shape, and a MatMul with two users.
// CHECK: {{^}}module {
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: onnx.Gemm
func.func @near_misses(%a: tensor<2x4x8xf32>, %a2: tensor<4x8xf32>, %w: tensor<8x16xf32>, %r: tensor<16xf32>) -> (tensor<2x4x16xf32>, tensor<4x16xf32>, tensor<3x4x16xf32>, tensor<4x16xf32>) {
  %b = "onnx.Constant"() <{value = dense<0.5> : tensor<16xf32>}> : () -> tensor<16xf32>
  %0 = "onnx.MatMul"(%a, %w) : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  %1 = "onnx.Add"(%0, %b) : (tensor<2x4x16xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  %2 = "onnx.MatMul"(%a2, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %3 = "onnx.Add"(%2, %r) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %big = "onnx.Constant"() <{value = dense<0.5> : tensor<3x1x16xf32>}> : () -> tensor<3x1x16xf32>
  %4 = "onnx.MatMul"(%a2, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %5 = "onnx.Add"(%4, %big) : (tensor<4x16xf32>, tensor<3x1x16xf32>) -> tensor<3x4x16xf32>
  %6 = "onnx.MatMul"(%a2, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %7 = "onnx.Add"(%6, %b) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %8 = "onnx.Mul"(%7, %6) : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %1, %3, %5, %8 : tensor<2x4x16xf32>, tensor<4x16xf32>, tensor<3x4x16xf32>, tensor<4x16xf32>
}
