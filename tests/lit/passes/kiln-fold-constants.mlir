// RUN: kiln-opt --split-input-file --kiln-fold-constants %s | FileCheck %s
// RUN: kiln-opt --split-input-file --kiln-fold-constants="max-elements=4" %s | FileCheck %s --check-prefix=LIMIT
// RUN: kiln-opt --split-input-file --kiln-fold-constants --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that --kiln-stats prints the counts summed over the cases below:
// folded-ops 37 (all cases), folded-shapes 2 (@shapes, @simplify), refined-types 1
// (@simplify).
// STATS-LABEL: {{^}}kiln-fold-constants{{$}}
// STATS-NEXT: (S) 37 folded-ops -
// STATS-NEXT: (S) 2 folded-shapes -
// STATS-NEXT: (S) 1 refined-types -

// Tests that a chain of constant ops folds in one visit, broadcasting as numpy does.
// CHECK-LABEL: func.func @chain
// CHECK-NEXT: %[[C:.+]] = "onnx.Constant"() <{value = dense<{{\[\[}}8, 12], [16, 20]]> : tensor<2x2xi64>}>
// CHECK-NEXT: return %[[C]]
func.func @chain() -> tensor<2x2xi64> {
  %a = "onnx.Constant"() <{value = dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>}> : () -> tensor<2x2xi64>
  %b = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %c = "onnx.Constant"() <{value = dense<4> : tensor<1xi64>}> : () -> tensor<1xi64>
  %0 = "onnx.Add"(%a, %b) : (tensor<2x2xi64>, tensor<i64>) -> tensor<2x2xi64>
  %1 = "onnx.Mul"(%0, %c) : (tensor<2x2xi64>, tensor<1xi64>) -> tensor<2x2xi64>
  return %1 : tensor<2x2xi64>
}

// -----

// Tests integer division truncating toward zero, and f32 math rounded after every op
// as numpy's float32 does: sqrt(1/3)^2 = 0.333333313 and sqrt(2)^2 = 1.99999988.
// CHECK-LABEL: func.func @arith
// CHECK-DAG: dense<[-3, 3]> : tensor<2xi32>
// CHECK-DAG: dense<[0.333333313, 1.99999988]> : tensor<2xf32>
// CHECK-NOT: onnx.Div
// CHECK-NOT: onnx.Sqrt
func.func @arith() -> (tensor<2xi32>, tensor<2xf32>) {
  %a = "onnx.Constant"() <{value = dense<[-7, 7]> : tensor<2xi32>}> : () -> tensor<2xi32>
  %b = "onnx.Constant"() <{value = dense<2> : tensor<i32>}> : () -> tensor<i32>
  %0 = "onnx.Div"(%a, %b) : (tensor<2xi32>, tensor<i32>) -> tensor<2xi32>
  %n = "onnx.Constant"() <{value = dense<[1.0, 6.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %d = "onnx.Constant"() <{value = dense<[3.0, 3.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %1 = "onnx.Div"(%n, %d) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %2 = "onnx.Sqrt"(%1) : (tensor<2xf32>) -> tensor<2xf32>
  %3 = "onnx.Mul"(%2, %2) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %4 = "onnx.Div"(%3, %2) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %5 = "onnx.Constant"() <{value = dense<[0.0, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %6 = "onnx.Greater"(%5, %d) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  %7 = "onnx.Where"(%6, %4, %1) : (tensor<2xi1>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %8 = "onnx.Sqrt"(%7) : (tensor<2xf32>) -> tensor<2xf32>
  %9 = "onnx.Mul"(%8, %8) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0, %9 : tensor<2xi32>, tensor<2xf32>
}

// -----

// Tests the exporter's shape arithmetic: Gather of a static dim from the Shape of a
// tensor with a dynamic batch folds, the dynamic dim stays, Concat/Unsqueeze fold
// around it.
// CHECK-LABEL: func.func @shapes
// CHECK: %[[B:.+]] = "onnx.Gather"
// CHECK: %[[U:.+]] = "onnx.Unsqueeze"(%[[B]]
// CHECK: %[[T:.+]] = "onnx.Constant"() <{value = dense<[128, 12, 64]> : tensor<3xi64>}>
// CHECK: "onnx.Concat"(%[[U]], %[[T]])
func.func @shapes(%x: tensor<?x128x768xf32>) -> tensor<4xi64> {
  %s = "onnx.Shape"(%x) : (tensor<?x128x768xf32>) -> tensor<3xi64>
  %i0 = "onnx.Constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
  %i1 = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %z = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %b = "onnx.Gather"(%s, %i0) <{axis = 0 : i64}> : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %ub = "onnx.Unsqueeze"(%b, %z) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %t = "onnx.Gather"(%s, %i1) <{axis = 0 : i64}> : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %ut = "onnx.Unsqueeze"(%t, %z) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %h = "onnx.Constant"() <{value = dense<[12, 64]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %tail = "onnx.Concat"(%ut, %h) <{axis = 0 : i64}> : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>
  %all = "onnx.Concat"(%ub, %tail) <{axis = 0 : i64}> : (tensor<1xi64>, tensor<3xi64>) -> tensor<4xi64>
  return %all : tensor<4xi64>
}

// -----

// Tests data movement: Transpose, Reshape with -1 and 0, Slice with a negative step,
// Cast to f32, Range and Expand.
// CHECK-LABEL: func.func @movement
// CHECK-DAG: dense<{{\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: dense<[6, 4]> : tensor<2xi64>
// CHECK-DAG: dense<[0, 3, 6]> : tensor<3xi32>
// CHECK-DAG: dense<{{\[\[}}1, 2], [1, 2]]> : tensor<2x2xi64>
// CHECK-NOT: "onnx.{{Transpose|Reshape|Slice|Cast|Range|Expand}}"
func.func @movement() -> (tensor<3x2xf32>, tensor<2xi64>, tensor<3xi32>, tensor<2x2xi64>) {
  %a = "onnx.Constant"() <{value = dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi64>}> : () -> tensor<6xi64>
  %shape = "onnx.Constant"() <{value = dense<[2, -1]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %r = "onnx.Reshape"(%a, %shape) : (tensor<6xi64>, tensor<2xi64>) -> tensor<2x3xi64>
  %t = "onnx.Transpose"(%r) <{perm = array<i64: 1, 0>}> : (tensor<2x3xi64>) -> tensor<3x2xi64>
  %f = "onnx.Cast"(%t) <{to = 1 : i64}> : (tensor<3x2xi64>) -> tensor<3x2xf32>
  %st = "onnx.Constant"() <{value = dense<[-1]> : tensor<1xi64>}> : () -> tensor<1xi64>
  %en = "onnx.Constant"() <{value = dense<[-9]> : tensor<1xi64>}> : () -> tensor<1xi64>
  %ax = "onnx.Constant"() <{value = dense<[0]> : tensor<1xi64>}> : () -> tensor<1xi64>
  %sp = "onnx.Constant"() <{value = dense<[-2]> : tensor<1xi64>}> : () -> tensor<1xi64>
  %s = "onnx.Slice"(%a, %st, %en, %ax, %sp) : (tensor<6xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %s2 = "onnx.Constant"() <{value = dense<[0, 1]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %g = "onnx.Gather"(%s, %s2) <{axis = 0 : i64}> : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %r0 = "onnx.Constant"() <{value = dense<0> : tensor<i32>}> : () -> tensor<i32>
  %r1 = "onnx.Constant"() <{value = dense<7> : tensor<i32>}> : () -> tensor<i32>
  %r2 = "onnx.Constant"() <{value = dense<3> : tensor<i32>}> : () -> tensor<i32>
  %range = "onnx.Range"(%r0, %r1, %r2) : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<3xi32>
  %row = "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %es = "onnx.Constant"() <{value = dense<[2, 1]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %e = "onnx.Expand"(%row, %es) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  return %f, %g, %range, %e : tensor<3x2xf32>, tensor<2xi64>, tensor<3xi32>, tensor<2x2xi64>
}

// -----

// Tests that an op with a non-constant input stays, that a small constant is not
// expanded past max-elements (4 in the second RUN) while one within the limit is, and
// that a ConstantOfShape is a splat constant whatever its size (no memory to bound).
// CHECK-LABEL: func.func @limits
// CHECK: "onnx.Add"(%arg0
// CHECK: dense<[1.000000e+00, 2.000000e+00, 1.000000e+00, 2.000000e+00, 1.000000e+00, 2.000000e+00]> : tensor<6xf32>
// CHECK: dense<1.000000e+00> : tensor<3x3xf32>
// LIMIT-LABEL: func.func @limits
// LIMIT: "onnx.Add"(%arg0
// LIMIT: "onnx.Tile"
// LIMIT: dense<1.000000e+00> : tensor<3x3xf32>
// LIMIT-NOT: "onnx.ConstantOfShape"
func.func @limits(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<6xf32>, tensor<3x3xf32>) {
  %c = "onnx.Constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "onnx.Add"(%x, %c) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %row = "onnx.Constant"() <{value = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %r = "onnx.Constant"() <{value = dense<3> : tensor<1xi64>}> : () -> tensor<1xi64>
  %t = "onnx.Tile"(%row, %r) : (tensor<2xf32>, tensor<1xi64>) -> tensor<6xf32>
  %s = "onnx.Constant"() <{value = dense<[3, 3]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %1 = "onnx.ConstantOfShape"(%s) <{value = dense<1.0> : tensor<1xf32>}> : (tensor<2xi64>) -> tensor<3x3xf32>
  return %0, %t, %1 : tensor<2xf32>, tensor<6xf32>, tensor<3x3xf32>
}

// -----

// Tests that shape computations simplify to a fixed point in one walk: the Reshape's
// target shape is computed with Equal and Where (which kiln-infer-shapes' data
// propagation does not follow) and folds to [2, 12]; the Reshape's type is then inferred
// again, so the Shape of its result folds too, and the function's result types follow.
// CHECK-LABEL: func.func @simplify
// CHECK-SAME: -> (tensor<2x12xf32>, tensor<2xi64>)
// CHECK-NOT: "onnx.{{Equal|Where|Shape}}"
// CHECK: %[[R:.+]] = "onnx.Reshape"(%arg0, %{{.+}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
// CHECK-NEXT: %[[S:.+]] = "onnx.Constant"() <{value = dense<[2, 12]> : tensor<2xi64>}>
// CHECK-NEXT: return %[[R]], %[[S]] : tensor<2x12xf32>, tensor<2xi64>
func.func @simplify(%x: tensor<2x3x4xf32>) -> (tensor<?x?xf32>, tensor<2xi64>) {
  %want = "onnx.Constant"() <{value = dense<[2, -1]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %m1 = "onnx.Constant"() <{value = dense<-1> : tensor<i64>}> : () -> tensor<i64>
  %fill = "onnx.Constant"() <{value = dense<[1, 12]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %eq = "onnx.Equal"(%want, %m1) : (tensor<2xi64>, tensor<i64>) -> tensor<2xi1>
  %shape = "onnx.Where"(%eq, %fill, %want) : (tensor<2xi1>, tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %r = "onnx.Reshape"(%x, %shape) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %s = "onnx.Shape"(%r) : (tensor<?x?xf32>) -> tensor<2xi64>
  return %r, %s : tensor<?x?xf32>, tensor<2xi64>
}

// -----

// Tests that the bitwise ops fold on unsigned bytes (MatMulNBits' unpacking of 4-bit
// fields): 0xA7 >> 4 = 0x0A, 0xA7 & 0x0F = 0x07, 0x07 << 4 = 0x70 (bits shifted out of the
// byte are dropped), 0x70 | 0x0A = 0x7A, 0x7A ^ 0xFF = 0x85, ~0x85 = 0x7A.
// CHECK-LABEL: func.func @bitwise
// CHECK-NOT: onnx.Bit
// CHECK: "onnx.Constant"() <{value = dense<[10, 7, 112, 122, 133, 122]> : tensor<6xui8>}>
func.func @bitwise() -> tensor<6xui8> {
  %x = "onnx.Constant"() <{value = dense<167> : tensor<ui8>}> : () -> tensor<ui8>
  %four = "onnx.Constant"() <{value = dense<4> : tensor<ui8>}> : () -> tensor<ui8>
  %mask = "onnx.Constant"() <{value = dense<15> : tensor<ui8>}> : () -> tensor<ui8>
  %ones = "onnx.Constant"() <{value = dense<255> : tensor<ui8>}> : () -> tensor<ui8>
  %hi = "onnx.BitShift"(%x, %four) <{direction = "RIGHT"}> : (tensor<ui8>, tensor<ui8>) -> tensor<ui8>
  %lo = "onnx.BitwiseAnd"(%x, %mask) : (tensor<ui8>, tensor<ui8>) -> tensor<ui8>
  %up = "onnx.BitShift"(%lo, %four) <{direction = "LEFT"}> : (tensor<ui8>, tensor<ui8>) -> tensor<ui8>
  %or = "onnx.BitwiseOr"(%up, %hi) : (tensor<ui8>, tensor<ui8>) -> tensor<ui8>
  %xor = "onnx.BitwiseXor"(%or, %ones) : (tensor<ui8>, tensor<ui8>) -> tensor<ui8>
  %not = "onnx.BitwiseNot"(%xor) : (tensor<ui8>) -> tensor<ui8>
  %axis = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %a = "onnx.Unsqueeze"(%hi, %axis) : (tensor<ui8>, tensor<1xi64>) -> tensor<1xui8>
  %b = "onnx.Unsqueeze"(%lo, %axis) : (tensor<ui8>, tensor<1xi64>) -> tensor<1xui8>
  %c = "onnx.Unsqueeze"(%up, %axis) : (tensor<ui8>, tensor<1xi64>) -> tensor<1xui8>
  %d = "onnx.Unsqueeze"(%or, %axis) : (tensor<ui8>, tensor<1xi64>) -> tensor<1xui8>
  %e = "onnx.Unsqueeze"(%xor, %axis) : (tensor<ui8>, tensor<1xi64>) -> tensor<1xui8>
  %f = "onnx.Unsqueeze"(%not, %axis) : (tensor<ui8>, tensor<1xi64>) -> tensor<1xui8>
  %all = "onnx.Concat"(%a, %b, %c, %d, %e, %f) <{axis = 0 : i64}> : (tensor<1xui8>, tensor<1xui8>, tensor<1xui8>, tensor<1xui8>, tensor<1xui8>, tensor<1xui8>) -> tensor<6xui8>
  return %all : tensor<6xui8>
}
