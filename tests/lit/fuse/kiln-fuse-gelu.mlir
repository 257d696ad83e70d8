// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fuse-gelu %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-fuse.so --split-input-file --kiln-fuse-gelu --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that --kiln-stats prints the counts summed over the cases below:
// @erf and @erf_commuted, @tanh and @tanh_products; @near_misses adds none.
// STATS-LABEL: {{^}}kiln-fuse-gelu{{$}}
// STATS-NEXT: (S) 2 gelu-erf -
// STATS-NEXT: (S) 2 gelu-tanh -

// Tests the erf form as BERT exports it: Mul(Mul(x, Add(Erf(Div(x, sqrt2)), 1)), 0.5).
// CHECK-LABEL: func.func @erf
// CHECK-NEXT: %[[G:.+]] = "onnx.Gelu"(%arg0) : (tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @erf(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = "onnx.Constant"() <{value = dense<1.41421354> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.Div"(%x, %sqrt2) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = "onnx.Erf"(%0) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = "onnx.Add"(%1, %one) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %3 = "onnx.Mul"(%x, %2) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = "onnx.Mul"(%3, %half) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Tests another commutation: 0.5 * x first, then times (1 + Erf(x * 1/sqrt2)).
// CHECK-LABEL: func.func @erf_commuted
// CHECK: "onnx.Gelu"(%arg0)
// CHECK-NOT: onnx.Erf
func.func @erf_commuted(%x: tensor<4xf32>) -> tensor<4xf32> {
  %rsqrt2 = "onnx.Constant"() <{value = dense<0.707106769> : tensor<1xf32>}> : () -> tensor<1xf32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %h = "onnx.Mul"(%half, %x) : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %0 = "onnx.Mul"(%rsqrt2, %x) : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "onnx.Erf"(%0) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "onnx.Add"(%one, %1) : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = "onnx.Mul"(%h, %2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// Tests the tanh form as GPT-2 exports it:
// Mul(Mul(0.5, x), Add(1, Tanh(Mul(sqrt(2/pi), Add(x, Mul(0.044715, Pow(x, 3))))))).
// CHECK-LABEL: func.func @tanh
// CHECK-NEXT: %[[G:.+]] = "onnx.Gelu"(%arg0) <{approximate = "tanh"}> : (tensor<?x3xf32>) -> tensor<?x3xf32>
// CHECK-NEXT: return %[[G]]
func.func @tanh(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %three = "onnx.Constant"() <{value = dense<3.0> : tensor<f32>}> : () -> tensor<f32>
  %c = "onnx.Constant"() <{value = dense<0.0447149985> : tensor<f32>}> : () -> tensor<f32>
  %k = "onnx.Constant"() <{value = dense<0.797884583> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %h = "onnx.Mul"(%half, %x) : (tensor<f32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %cube = "onnx.Pow"(%x, %three) : (tensor<?x3xf32>, tensor<f32>) -> tensor<?x3xf32>
  %t0 = "onnx.Mul"(%c, %cube) : (tensor<f32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %inner = "onnx.Add"(%x, %t0) : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %t1 = "onnx.Mul"(%k, %inner) : (tensor<f32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %t = "onnx.Tanh"(%t1) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %a = "onnx.Add"(%one, %t) : (tensor<f32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = "onnx.Mul"(%h, %a) : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Tests the tanh form with x^3 written as x * x * x.
// CHECK-LABEL: func.func @tanh_products
// CHECK: "onnx.Gelu"(%arg0) <{approximate = "tanh"}>
func.func @tanh_products(%x: tensor<3xf32>) -> tensor<3xf32> {
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %c = "onnx.Constant"() <{value = dense<0.0447149985> : tensor<f32>}> : () -> tensor<f32>
  %k = "onnx.Constant"() <{value = dense<0.797884583> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %sq = "onnx.Mul"(%x, %x) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %cube = "onnx.Mul"(%sq, %x) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %t0 = "onnx.Mul"(%cube, %c) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %inner = "onnx.Add"(%t0, %x) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %t1 = "onnx.Mul"(%inner, %k) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %t = "onnx.Tanh"(%t1) : (tensor<3xf32>) -> tensor<3xf32>
  %a = "onnx.Add"(%t, %one) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %y0 = "onnx.Mul"(%x, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %y = "onnx.Mul"(%half, %y0) : (tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// Tests near misses: a wrong divisor (2, not sqrt 2), 0.25 instead of 0.5, Erf of a
// different tensor than the one multiplied, and an inner value with a second user.
// CHECK: {{^}}module {
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: onnx.Gelu
func.func @near_misses(%x: tensor<4xf32>, %z: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %sqrt2 = "onnx.Constant"() <{value = dense<1.41421354> : tensor<f32>}> : () -> tensor<f32>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %quarter = "onnx.Constant"() <{value = dense<0.25> : tensor<f32>}> : () -> tensor<f32>
  %a0 = "onnx.Div"(%x, %two) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %a1 = "onnx.Erf"(%a0) : (tensor<4xf32>) -> tensor<4xf32>
  %a2 = "onnx.Add"(%a1, %one) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %a3 = "onnx.Mul"(%x, %a2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %a4 = "onnx.Mul"(%a3, %half) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %b0 = "onnx.Div"(%x, %sqrt2) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %b1 = "onnx.Erf"(%b0) : (tensor<4xf32>) -> tensor<4xf32>
  %b2 = "onnx.Add"(%b1, %one) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %b3 = "onnx.Mul"(%x, %b2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b4 = "onnx.Mul"(%b3, %quarter) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c0 = "onnx.Div"(%z, %sqrt2) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c1 = "onnx.Erf"(%c0) : (tensor<4xf32>) -> tensor<4xf32>
  %c2 = "onnx.Add"(%c1, %one) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %c3 = "onnx.Mul"(%x, %c2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %c4 = "onnx.Mul"(%c3, %half) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %d0 = "onnx.Div"(%x, %sqrt2) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %d1 = "onnx.Erf"(%d0) : (tensor<4xf32>) -> tensor<4xf32>
  %d2 = "onnx.Add"(%d1, %one) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %d3 = "onnx.Mul"(%x, %d2) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %d4 = "onnx.Mul"(%d3, %half) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %a4, %b4, %c4, %d4, %d1 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
