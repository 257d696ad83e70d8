// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that onnx.Constant becomes arith.constant, with ui8 data made signless and the
// value_ints / value_float forms turned into tensors.
// CHECK-LABEL: func.func @constant() -> (tensor<2xf32>, tensor<2xi8>, tensor<3xi64>, tensor<f32>)
// CHECK-DAG: arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[1, -1]> : tensor<2xi8>
// CHECK-DAG: arith.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<2.500000e+00> : tensor<f32>
// CHECK-NOT: onnx.
func.func @constant() -> (tensor<2xf32>, tensor<2xui8>, tensor<3xi64>, tensor<f32>) {
  %0 = "onnx.Constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %1 = "onnx.Constant"() {value = dense<[1, 255]> : tensor<2xui8>} : () -> tensor<2xui8>
  %2 = "onnx.Constant"() {value_ints = array<i64: 1, 2, 3>} : () -> tensor<3xi64>
  %3 = "onnx.Constant"() {value_float = 2.5 : f32} : () -> tensor<f32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xui8>, tensor<3xi64>, tensor<f32>
}

// -----

// Tests that a dense_resource constant (an initializer) keeps its blob, retyped to signless.
// CHECK-LABEL: func.func @constant_resource() -> tensor<2xi64>
// CHECK: [[C:%.+]] = arith.constant dense_resource<blob> : tensor<2xi64>
// CHECK: return [[C]]
func.func @constant_resource() -> tensor<2xui64> {
  %0 = "onnx.Constant"() {value = dense_resource<blob> : tensor<2xui64>} : () -> tensor<2xui64>
  return %0 : tensor<2xui64>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x0800000001000000000000000200000000000000"
    }
  }
#-}

// -----

// Tests that ConstantOfShape fills a tensor whose dynamic size comes from the shape input.
// CHECK-LABEL: func.func @constant_of_shape
// CHECK-SAME: ([[S:%.+]]: tensor<2xi64>)
// CHECK: [[E:%.+]] = tensor.extract [[S]][%c1{{.*}}] : tensor<2xi64>
// CHECK: [[N:%.+]] = arith.index_cast [[E]] : i64 to index
// CHECK: [[EMPTY:%.+]] = tensor.empty([[N]]) : tensor<2x?xf32>
// CHECK: [[V:%.+]] = arith.constant 3.500000e+00 : f32
// CHECK: linalg.fill ins([[V]] : f32) outs([[EMPTY]] : tensor<2x?xf32>)
func.func @constant_of_shape(%s: tensor<2xi64>) -> tensor<2x?xf32> {
  %0 = "onnx.ConstantOfShape"(%s) {value = dense<3.5> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// Tests that Shape (with start) and Size read tensor.dim at run time.
// CHECK-LABEL: func.func @shape_size
// CHECK-SAME: ([[X:%.+]]: tensor<?x4x5xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[D64:%.+]] = arith.index_cast [[D]] : index to i64
// CHECK: [[SHAPE:%.+]] = tensor.from_elements [[D64]], %{{.+}} : tensor<2xi64>
// CHECK: [[SIZE:%.+]] = tensor.from_elements %{{.+}} : tensor<i64>
// CHECK: return [[SHAPE]], [[SIZE]]
func.func @shape_size(%x: tensor<?x4x5xf32>) -> (tensor<2xi64>, tensor<i64>) {
  %0 = "onnx.Shape"(%x) {end = -1 : i64} : (tensor<?x4x5xf32>) -> tensor<2xi64>
  %1 = "onnx.Size"(%x) : (tensor<?x4x5xf32>) -> tensor<i64>
  return %0, %1 : tensor<2xi64>, tensor<i64>
}

// -----

// Tests that Range computes its length at run time.
// CHECK-LABEL: func.func @range
// CHECK: [[SPAN:%.+]] = arith.subi
// CHECK: [[N:%.+]] = arith.ceildivsi [[SPAN]]
// CHECK: [[NI:%.+]] = arith.index_cast [[N]] : i64 to index
// CHECK: [[LEN:%.+]] = arith.maxsi [[NI]]
// CHECK: [[EMPTY:%.+]] = tensor.empty([[LEN]]) : tensor<?xi64>
// CHECK: linalg.generic {{.*}} outs([[EMPTY]] : tensor<?xi64>)
// CHECK: linalg.index 0
// CHECK: arith.muli
// CHECK: arith.addi
func.func @range(%start: tensor<i64>, %limit: tensor<i64>, %delta: tensor<i64>) -> tensor<?xi64> {
  %0 = "onnx.Range"(%start, %limit, %delta) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// Tests that the PyTorch x.view(x.size(0), -1) chain (Shape, Gather, Unsqueeze, Concat,
// Reshape) on a dynamic batch becomes a collapse_shape.
// CHECK-LABEL: func.func @reshape_view
// CHECK-SAME: ([[X:%.+]]: tensor<?x16x4x4xf32>)
// CHECK: [[R:%.+]] = tensor.collapse_shape [[X]] {{\[}}[0], [1, 2, 3]] : tensor<?x16x4x4xf32> into tensor<?x256xf32>
// CHECK-NOT: tensor.reshape
// CHECK: return [[R]]
func.func @reshape_view(%x: tensor<?x16x4x4xf32>) -> tensor<?x256xf32> {
  %s = "onnx.Shape"(%x) : (tensor<?x16x4x4xf32>) -> tensor<4xi64>
  %i = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %g = "onnx.Gather"(%s, %i) {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %a = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %u = "onnx.Unsqueeze"(%g, %a) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %m = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %c = "onnx.Concat"(%u, %m) {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = "onnx.Reshape"(%x, %c) : (tensor<?x16x4x4xf32>, tensor<2xi64>) -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

// Tests that a constant shape with 0 (copy) and -1 (infer) becomes an expand_shape.
// CHECK-LABEL: func.func @reshape_expand
// CHECK-SAME: ([[X:%.+]]: tensor<?x6xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[R:%.+]] = tensor.expand_shape [[X]] {{\[}}[0], [1, 2]] output_shape {{\[}}[[D]], 3, 2] : tensor<?x6xf32> into tensor<?x3x2xf32>
// CHECK: return [[R]]
func.func @reshape_expand(%x: tensor<?x6xf32>) -> tensor<?x3x2xf32> {
  %c = "onnx.Constant"() {value = dense<[0, -1, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %r = "onnx.Reshape"(%x, %c) : (tensor<?x6xf32>, tensor<3xi64>) -> tensor<?x3x2xf32>
  return %r : tensor<?x3x2xf32>
}

// -----

// Tests that a static reshape that regroups dims across groups (2x3 -> 3x2) collapses,
// then expands.
// CHECK-LABEL: func.func @reshape_static
// CHECK: [[C:%.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: [[E:%.+]] = tensor.expand_shape [[C]] {{\[}}[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
// CHECK: return [[E]]
func.func @reshape_static(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %c = "onnx.Constant"() {value = dense<[3, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = "onnx.Reshape"(%x, %c) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// Tests that a run-time shape is resolved (0 copies, -1 infers) before tensor.reshape.
// CHECK-LABEL: func.func @reshape_runtime
// CHECK-SAME: ([[X:%.+]]: tensor<?x6xf32>, [[S:%.+]]: tensor<2xi64>)
// CHECK-DAG: tensor.extract [[S]][%c0{{.*}}] : tensor<2xi64>
// CHECK-DAG: tensor.extract [[S]][%c1{{.*}}] : tensor<2xi64>
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: kiln.check
// CHECK: [[INFERRED:%.+]] = arith.divui
// CHECK: [[SHAPE:%.+]] = tensor.from_elements %{{.+}}, %{{.+}} : tensor<2xi64>
// CHECK: [[R:%.+]] = tensor.reshape [[X]]([[SHAPE]]) : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
// CHECK: return [[R]]
func.func @reshape_runtime(%x: tensor<?x6xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %r = "onnx.Reshape"(%x, %s) : (tensor<?x6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Tests that Flatten collapses around its axis.
// CHECK-LABEL: func.func @flatten
// CHECK: [[R:%.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2]] : tensor<?x3x4xf32> into tensor<?x12xf32>
// CHECK: return [[R]]
func.func @flatten(%x: tensor<?x3x4xf32>) -> tensor<?x12xf32> {
  %0 = "onnx.Flatten"(%x) {axis = 1 : i64} : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
  return %0 : tensor<?x12xf32>
}

// -----

// Tests that Squeeze and Unsqueeze (input axes and the V11 attribute form) become
// collapse_shape / expand_shape with a dynamic batch.
// CHECK-LABEL: func.func @squeeze_unsqueeze
// CHECK-SAME: ([[X:%.+]]: tensor<?x1x4xf32>)
// CHECK: [[SQ:%.+]] = tensor.collapse_shape [[X]] {{\[}}[0, 1], [2]] : tensor<?x1x4xf32> into tensor<?x4xf32>
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[UN:%.+]] = tensor.expand_shape [[X]] {{\[}}[0], [1], [2, 3]] output_shape {{\[}}[[D]], 1, 4, 1] : tensor<?x1x4xf32> into tensor<?x1x4x1xf32>
// CHECK: [[D2:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[UN2:%.+]] = tensor.expand_shape [[X]] {{\[}}[0, 1], [2], [3]] output_shape [1, [[D2]], 1, 4] : tensor<?x1x4xf32> into tensor<1x?x1x4xf32>
// CHECK: return [[SQ]], [[UN]], [[UN2]]
func.func @squeeze_unsqueeze(%x: tensor<?x1x4xf32>) -> (tensor<?x4xf32>, tensor<?x1x4x1xf32>, tensor<1x?x1x4xf32>) {
  %a = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.Squeeze"(%x, %a) : (tensor<?x1x4xf32>, tensor<1xi64>) -> tensor<?x4xf32>
  %b = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1 = "onnx.Unsqueeze"(%x, %b) : (tensor<?x1x4xf32>, tensor<1xi64>) -> tensor<?x1x4x1xf32>
  %2 = "onnx.UnsqueezeV11"(%x) {axes = array<i64: 0>} : (tensor<?x1x4xf32>) -> tensor<1x?x1x4xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x1x4x1xf32>, tensor<1x?x1x4xf32>
}

// -----

// Tests that Transpose becomes linalg.transpose sized from the dynamic input.
// CHECK-LABEL: func.func @transpose
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x4xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[EMPTY:%.+]] = tensor.empty([[D]]) : tensor<4x?x3xf32>
// CHECK: [[T:%.+]] = linalg.transpose ins([[X]] : tensor<?x3x4xf32>) outs([[EMPTY]] : tensor<4x?x3xf32>) permutation = [2, 0, 1]
// CHECK: return [[T]]
func.func @transpose(%x: tensor<?x3x4xf32>) -> tensor<4x?x3xf32> {
  %0 = "onnx.Transpose"(%x) {perm = array<i64: 2, 0, 1>} : (tensor<?x3x4xf32>) -> tensor<4x?x3xf32>
  return %0 : tensor<4x?x3xf32>
}

// -----

// Tests that Concat becomes tensor.concat, with a dynamic batch.
// CHECK-LABEL: func.func @concat
// CHECK-SAME: ([[A:%.+]]: tensor<?x3xf32>, [[B:%.+]]: tensor<?x1xf32>)
// CHECK: [[C:%.+]] = tensor.concat dim(1) [[A]], [[B]] : (tensor<?x3xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
// CHECK: return [[C]]
func.func @concat(%a: tensor<?x3xf32>, %b: tensor<?x1xf32>) -> tensor<?x4xf32> {
  %0 = "onnx.Concat"(%a, %b) {axis = -1 : i64} : (tensor<?x3xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Tests that Slice with constant starts/ends/steps becomes a strided extract_slice whose
// size on the dynamic batch is computed at run time.
// CHECK-LABEL: func.func @slice
// CHECK-SAME: ([[X:%.+]]: tensor<?x10xf32>)
// CHECK: tensor.dim [[X]], %c0
// CHECK: [[START:%.+]] = arith.minsi %{{.+}}, %c1
// CHECK: [[SPAN:%.+]] = arith.subi %{{.+}}, [[START]]
// CHECK: [[SIZE:%.+]] = arith.maxsi [[SPAN]]
// CHECK: [[S1:%.+]] = tensor.extract_slice [[X]]{{\[}}[[START]], 1] {{\[}}[[SIZE]], 5] [1, 2] : tensor<?x10xf32> to tensor<?x5xf32>
// CHECK: [[D1:%.+]] = tensor.dim [[S1]], %c0
// CHECK: [[S2:%.+]] = tensor.extract_slice [[S1]][0, 0] {{\[}}[[D1]], 4] [1, 1] : tensor<?x5xf32> to tensor<?x4xf32>
// CHECK: return [[S2]]
func.func @slice(%x: tensor<?x10xf32>) -> tensor<?x4xf32> {
  %s = "onnx.Constant"() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %e = "onnx.Constant"() {value = dense<[-1, 9223372036854775807]> : tensor<2xi64>} : () -> tensor<2xi64>
  %st = "onnx.Constant"() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = "onnx.Slice"(%x, %s, %e, %n, %st) : (tensor<?x10xf32>, tensor<2xi64>, tensor<2xi64>, none, tensor<2xi64>) -> tensor<?x5xf32>
  %s2 = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e2 = "onnx.Constant"() {value = dense<[4]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a2 = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1 = "onnx.Slice"(%0, %s2, %e2, %a2, %n) : (tensor<?x5xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// Tests that a negative step slices forwards from the lowest element, then reverses.
// CHECK-LABEL: func.func @slice_reverse
// CHECK: [[S:%.+]] = tensor.extract_slice %{{.+}}[1] [3] [2] : tensor<6xf32> to tensor<3xf32>
// CHECK: linalg.generic
// CHECK: [[I:%.+]] = linalg.index 0
// CHECK: [[J:%.+]] = arith.subi %{{.+}}, [[I]]
// CHECK: tensor.extract [[S]]{{\[}}[[J]]]
func.func @slice_reverse(%x: tensor<6xf32>) -> tensor<3xf32> {
  %s = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = "onnx.Constant"() {value = dense<[-100]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = "onnx.Constant"() {value = dense<[-2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %n = onnx.NoValue
  %0 = "onnx.Slice"(%x, %s, %e, %n, %st) : (tensor<6xf32>, tensor<1xi64>, tensor<1xi64>, none, tensor<1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Tests that Split with num_outputs gives consecutive slices.
// CHECK-LABEL: func.func @split
// CHECK-SAME: ([[X:%.+]]: tensor<?x6xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[A:%.+]] = tensor.extract_slice [[X]][0, 0] {{\[}}[[D]], 3] [1, 1]
// CHECK: [[B:%.+]] = tensor.extract_slice [[X]][0, 3] {{\[}}[[D]], 3] [1, 1]
// CHECK: return [[A]], [[B]]
func.func @split(%x: tensor<?x6xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %n = onnx.NoValue
  %0, %1 = "onnx.Split"(%x, %n) {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<?x6xf32>, none) -> (tensor<?x3xf32>, tensor<?x3xf32>)
  return %0, %1 : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

// Tests that Gather with run-time indices wraps negative indices inside a linalg.generic.
// CHECK-DAG: [[IDXMAP:#.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK-SAME: ([[X:%.+]]: tensor<?x5xf32>, [[I:%.+]]: tensor<2x2xi64>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[EMPTY:%.+]] = tensor.empty([[D]]) : tensor<?x2x2xf32>
// CHECK: linalg.generic {indexing_maps = {{\[}}[[IDXMAP]], {{.*}}} ins([[I]] : tensor<2x2xi64>) outs([[EMPTY]] : tensor<?x2x2xf32>)
// CHECK: ^bb0([[IN:%.+]]: i64, %{{.+}}: f32):
// CHECK: [[D0:%.+]] = linalg.index 0
// CHECK: [[IDX:%.+]] = arith.index_cast [[IN]] : i64 to index
// CHECK: [[NEG:%.+]] = arith.cmpi slt, [[IDX]]
// CHECK: [[WRAPPED:%.+]] = arith.addi [[IDX]], %c5
// CHECK: [[SEL:%.+]] = arith.select [[NEG]], [[WRAPPED]], [[IDX]]
// CHECK: tensor.extract [[X]]{{\[}}[[D0]], [[SEL]]] : tensor<?x5xf32>
func.func @gather(%x: tensor<?x5xf32>, %i: tensor<2x2xi64>) -> tensor<?x2x2xf32> {
  %0 = "onnx.Gather"(%x, %i) {axis = 1 : i64} : (tensor<?x5xf32>, tensor<2x2xi64>) -> tensor<?x2x2xf32>
  return %0 : tensor<?x2x2xf32>
}

// -----

// Tests that Gather with a constant scalar index is a rank-reducing slice.
// CHECK-LABEL: func.func @gather_scalar
// CHECK-SAME: ([[X:%.+]]: tensor<?x5xf32>)
// CHECK: [[S:%.+]] = tensor.extract_slice [[X]][0, 4] [%{{.+}}, 1] [1, 1] : tensor<?x5xf32> to tensor<?x1xf32>
// CHECK: [[R:%.+]] = tensor.collapse_shape [[S]] {{\[}}[0, 1]] : tensor<?x1xf32> into tensor<?xf32>
// CHECK: return [[R]]
func.func @gather_scalar(%x: tensor<?x5xf32>) -> tensor<?xf32> {
  %i = "onnx.Constant"() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %0 = "onnx.Gather"(%x, %i) {axis = 1 : i64} : (tensor<?x5xf32>, tensor<i64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Tests that GatherElements reads the data at the index along the axis.
// CHECK-LABEL: func.func @gather_elements
// CHECK-SAME: ([[X:%.+]]: tensor<3x3xf32>, [[I:%.+]]: tensor<2x3xi64>)
// CHECK: linalg.generic {{.*}} ins([[I]] : tensor<2x3xi64>)
// CHECK: [[SEL:%.+]] = arith.select
// CHECK: [[D1:%.+]] = linalg.index 1
// CHECK: tensor.extract [[X]]{{\[}}[[SEL]], [[D1]]] : tensor<3x3xf32>
func.func @gather_elements(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>) -> tensor<2x3xf32> {
  %0 = "onnx.GatherElements"(%x, %i) {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that Expand broadcasts to sizes read from a run-time shape (a static 1 of the
// input takes the shape's size, 0 included).
// CHECK-DAG: [[BCAST:#.+]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @expand
// CHECK-SAME: ([[X:%.+]]: tensor<3x1xf32>, [[S:%.+]]: tensor<3xi64>)
// CHECK: [[E0:%.+]] = tensor.extract [[S]][%c0{{.*}}]
// CHECK: [[N0:%.+]] = arith.index_cast [[E0]]
// CHECK: [[E2:%.+]] = tensor.extract [[S]][%c2{{.*}}]
// CHECK: [[N2:%.+]] = arith.index_cast [[E2]]
// CHECK: [[EMPTY:%.+]] = tensor.empty([[N0]], [[N2]]) : tensor<?x3x?xf32>
// CHECK: linalg.generic {indexing_maps = {{\[}}[[BCAST]], {{.*}}} ins([[X]] : tensor<3x1xf32>) outs([[EMPTY]] : tensor<?x3x?xf32>)
func.func @expand(%x: tensor<3x1xf32>, %s: tensor<3xi64>) -> tensor<?x3x?xf32> {
  %0 = "onnx.Expand"(%x, %s) : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<?x3x?xf32>
  return %0 : tensor<?x3x?xf32>
}

// -----

// Tests that Tile reads the input modulo its size.
// CHECK-LABEL: func.func @tile
// CHECK-SAME: ([[X:%.+]]: tensor<3x1xf32>)
// CHECK: linalg.generic
// CHECK: [[I:%.+]] = linalg.index 0
// CHECK: [[J:%.+]] = linalg.index 1
// CHECK: [[SI:%.+]] = arith.remui [[I]]
// CHECK: [[SJ:%.+]] = arith.remui [[J]]
// CHECK: tensor.extract [[X]]{{\[}}[[SI]], [[SJ]]] : tensor<3x1xf32>
// CHECK: -> tensor<6x2xf32>
func.func @tile(%x: tensor<3x1xf32>) -> tensor<6x2xf32> {
  %r = "onnx.Constant"() {value = dense<[2, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Tile"(%x, %r) : (tensor<3x1xf32>, tensor<2xi64>) -> tensor<6x2xf32>
  return %0 : tensor<6x2xf32>
}

// -----

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

// Tests that Trilu masks with the run-time diagonal offset.
// CHECK-LABEL: func.func @trilu
// CHECK-SAME: ([[X:%.+]]: tensor<?x4xf32>, [[K:%.+]]: tensor<i64>)
// CHECK: [[KV:%.+]] = tensor.extract [[K]][] : tensor<i64>
// CHECK: linalg.generic {{.*}} ins([[X]] : tensor<?x4xf32>)
// CHECK: [[DIFF:%.+]] = arith.subi
// CHECK: [[KEEP:%.+]] = arith.cmpi sge, [[DIFF]], [[KV]] : i64
// CHECK: arith.select [[KEEP]]
func.func @trilu(%x: tensor<?x4xf32>, %k: tensor<i64>) -> tensor<?x4xf32> {
  %0 = "onnx.Trilu"(%x, %k) : (tensor<?x4xf32>, tensor<i64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Tests that Unsqueeze with run-time axes computes the result shape from the normalized
// axes (1 where listed, else the next input dim) and emits tensor.reshape.
// CHECK-LABEL: func.func @unsqueeze_runtime_axes
// CHECK-SAME: ([[X:%.+]]: tensor<3x4xf32>, [[A:%.+]]: tensor<1xi64>)
// CHECK: tensor.extract [[A]]
// CHECK: [[SHAPE:%.+]] = tensor.from_elements {{.*}} : tensor<3xindex>
// CHECK: tensor.reshape [[X]]([[SHAPE]]) : (tensor<3x4xf32>, tensor<3xindex>) -> tensor<?x?x?xf32>
func.func @unsqueeze_runtime_axes(%x: tensor<3x4xf32>, %axes: tensor<1xi64>) -> tensor<?x?x?xf32> {
  %0 = "onnx.Unsqueeze"(%x, %axes) : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// Tests that Squeeze with run-time axes keeps the sizes of the unlisted dims and emits
// tensor.reshape.
// CHECK-LABEL: func.func @squeeze_runtime_axes
// CHECK-SAME: ([[X:%.+]]: tensor<3x1xf32>, [[A:%.+]]: tensor<1xi64>)
// CHECK: tensor.extract [[A]]
// CHECK: [[SHAPE:%.+]] = tensor.from_elements {{.*}} : tensor<1xindex>
// CHECK: tensor.reshape [[X]]([[SHAPE]]) : (tensor<3x1xf32>, tensor<1xindex>) -> tensor<?xf32>
func.func @squeeze_runtime_axes(%x: tensor<3x1xf32>, %axes: tensor<1xi64>) -> tensor<?xf32> {
  %0 = "onnx.Squeeze"(%x, %axes) : (tensor<3x1xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Tests that Slice with run-time axes and steps selects each dim's bounds by comparing the
// normalized axes with it, takes a strided extract_slice with |step|, and reverses the dims
// whose step is negative with an index gather.
// CHECK-LABEL: func.func @slice_runtime_axes
// CHECK-SAME: ([[X:%.+]]: tensor<20x10xf32>
// CHECK: arith.ceildivsi
// CHECK: [[S:%.+]] = tensor.extract_slice [[X]][%{{.+}}, %{{.+}}] [%{{.+}}, %{{.+}}] [%{{.+}}, %{{.+}}] : tensor<20x10xf32> to tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: arith.select
// CHECK: tensor.extract [[S]]
func.func @slice_runtime_axes(%x: tensor<20x10xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %a: tensor<1xi64>, %st: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Slice"(%x, %s, %e, %a, %st) : (tensor<20x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that Split with run-time split sizes reads them with tensor.extract and offsets the
// second slice by the first size.
// CHECK-LABEL: func.func @split_runtime_sizes
// CHECK-SAME: ([[X:%.+]]: tensor<6xf32>, [[S:%.+]]: tensor<2xi64>)
// CHECK: [[E0:%.+]] = tensor.extract [[S]][%c0
// CHECK: [[N0:%.+]] = arith.index_cast [[E0]]
// CHECK: [[E1:%.+]] = tensor.extract [[S]][%c1
// CHECK: [[N1:%.+]] = arith.index_cast [[E1]]
// CHECK: tensor.extract_slice [[X]][0] {{\[}}[[N0]]] [1]
// CHECK: tensor.extract_slice [[X]][[[N0]]] {{\[}}[[N1]]] [1]
func.func @split_runtime_sizes(%x: tensor<6xf32>, %s: tensor<2xi64>) -> (tensor<?xf32>, tensor<?xf32>) {
  %0:2 = "onnx.Split"(%x, %s) {axis = 0 : i64} : (tensor<6xf32>, tensor<2xi64>) -> (tensor<?xf32>, tensor<?xf32>)
  return %0#0, %0#1 : tensor<?xf32>, tensor<?xf32>
}

// -----

// Tests that an empty last Split chunk (sizes [8, 0]) slices from offset 0, not from the
// end of the axis (which extract_slice rejects once the offset is a constant).
// CHECK-LABEL: func.func @split_empty_tail
// CHECK: tensor.extract_slice %{{.+}}[0, 0] [2, 8] [1, 1]
// CHECK: tensor.extract_slice %{{.+}}[0, 0] [2, 0] [1, 1]
func.func @split_empty_tail(%x: tensor<2x8xf32>) -> (tensor<2x?xf32>, tensor<2x?xf32>) {
  %s = "onnx.Constant"() <{value = dense<[8, 0]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0:2 = "onnx.Split"(%x, %s) <{axis = -1 : i64}> : (tensor<2x8xf32>, tensor<2xi64>) -> (tensor<2x?xf32>, tensor<2x?xf32>)
  return %0#0, %0#1 : tensor<2x?xf32>, tensor<2x?xf32>
}
