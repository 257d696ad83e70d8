// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that ReduceMean with keepdims on a dynamic batch sums with a reduction generic,
// divides by the reduced count and re-inserts the unit dim with expand_shape.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: [[RED:#.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reduce_mean
// CHECK-SAME: ([[X:%.+]]: tensor<?x4x5xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[EMPTY:%.+]] = tensor.empty([[D]]) : tensor<?x5xf32>
// CHECK: [[ZERO:%.+]] = arith.constant 0.000000e+00 : f32
// CHECK: [[INIT:%.+]] = linalg.fill ins([[ZERO]] : f32) outs([[EMPTY]] : tensor<?x5xf32>)
// CHECK: [[SUM:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins([[X]] : tensor<?x4x5xf32>) outs([[INIT]] : tensor<?x5xf32>)
// CHECK: arith.addf
// CHECK: [[COUNT:%.+]] = arith.sitofp %{{.+}} : i64 to f32
// CHECK: [[MEAN:%.+]] = linalg.generic {{.*}} ins([[SUM]] : tensor<?x5xf32>)
// CHECK: arith.divf %{{.+}}, [[COUNT]] : f32
// CHECK: [[R:%.+]] = tensor.expand_shape [[MEAN]] {{\[}}[0, 1], [2]] output_shape [%{{.+}}, 1, 5] : tensor<?x5xf32> into tensor<?x1x5xf32>
// CHECK: return [[R]]
func.func @reduce_mean(%x: tensor<?x4x5xf32>) -> tensor<?x1x5xf32> {
  %a = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.ReduceMean"(%x, %a) : (tensor<?x4x5xf32>, tensor<1xi64>) -> tensor<?x1x5xf32>
  return %0 : tensor<?x1x5xf32>
}

// -----

// Tests that a reduced dynamic dim makes the mean's count a run-time product of tensor.dim.
// CHECK-LABEL: func.func @reduce_mean_dynamic
// CHECK-SAME: ([[X:%.+]]: tensor<?x4xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[N:%.+]] = arith.muli %c1{{.*}}, [[D]] : index
// CHECK: arith.index_cast
// CHECK: arith.sitofp
// CHECK: -> tensor<4xf32>
func.func @reduce_mean_dynamic(%x: tensor<?x4xf32>) -> tensor<4xf32> {
  %a = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.ReduceMean"(%x, %a) {keepdims = 0 : i64} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that the V13 form of ReduceMax (axes attribute) starts from -inf and uses maximumf.
// CHECK-LABEL: func.func @reduce_max_v13
// CHECK: [[NINF:%.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins([[NINF]] : f32)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.maximumf
// CHECK-NOT: tensor.expand_shape
// CHECK: -> tensor<?x5xf32>
func.func @reduce_max_v13(%x: tensor<?x4x5xf32>) -> tensor<?x5xf32> {
  %0 = "onnx.ReduceMaxV13"(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<?x4x5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// Tests that absent axes reduce every dim, and that integer ReduceMin starts from the
// largest i32.
// CHECK-LABEL: func.func @reduce_min_all
// CHECK: [[MAX:%.+]] = arith.constant 2147483647 : i32
// CHECK: linalg.fill ins([[MAX]] : i32) outs(%{{.+}} : tensor<i32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.minsi
// CHECK: tensor.expand_shape %{{.+}} [] output_shape [1, 1] : tensor<i32> into tensor<1x1xi32>
func.func @reduce_min_all(%x: tensor<?x3xi32>) -> tensor<1x1xi32> {
  %n = onnx.NoValue
  %0 = "onnx.ReduceMin"(%x, %n) : (tensor<?x3xi32>, none) -> tensor<1x1xi32>
  return %0 : tensor<1x1xi32>
}

// -----

// Tests that noop_with_empty_axes with absent axes returns the input.
// CHECK-LABEL: func.func @reduce_noop
// CHECK-SAME: ([[X:%.+]]: tensor<?x3xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return [[X]]
func.func @reduce_noop(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %n = onnx.NoValue
  %0 = "onnx.ReduceSum"(%x, %n) {noop_with_empty_axes = 1 : i64} : (tensor<?x3xf32>, none) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Tests the per-element maps of ReduceL1 (abs), ReduceL2 (square, then sqrt),
// ReduceSumSquare, ReduceProd (init 1) and ReduceLogSum (log after the sum).
// CHECK-LABEL: func.func @reduce_maps
// CHECK: linalg.generic
// CHECK: math.absf
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: math.sqrt
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: [[ONE:%.+]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins([[ONE]] : f32)
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: math.log
func.func @reduce_maps(%x: tensor<?x4xf32>) -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %a = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.ReduceL1"(%x, %a) {keepdims = 0 : i64} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?xf32>
  %1 = "onnx.ReduceL2"(%x, %a) {keepdims = 0 : i64} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?xf32>
  %2 = "onnx.ReduceSumSquare"(%x, %a) {keepdims = 0 : i64} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?xf32>
  %3 = "onnx.ReduceProd"(%x, %a) {keepdims = 0 : i64} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?xf32>
  %4 = "onnx.ReduceLogSum"(%x, %a) {keepdims = 0 : i64} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %0, %1, %2, %3, %4 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}

// -----

// Tests that ReduceLogSumExp subtracts the max before exp and adds it back after log.
// CHECK-LABEL: func.func @reduce_log_sum_exp
// CHECK: [[MAX:%.+]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} ins(%{{.+}}, [[MAX]] : tensor<?x4xf32>, tensor<?xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins([[SUM]], [[MAX]] : tensor<?xf32>, tensor<?xf32>)
// CHECK: math.log
// CHECK: arith.addf
func.func @reduce_log_sum_exp(%x: tensor<?x4xf32>) -> tensor<?xf32> {
  %a = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.ReduceLogSumExp"(%x, %a) {keepdims = 0 : i64} : (tensor<?x4xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Tests that ReduceSum with run-time axes normalizes each axis, reduces every dim under an
// scf.if on whether it is listed (keeping it as size 1), and reshapes to the kept dims.
// CHECK-LABEL: func.func @reduce_sum_runtime_axes
// CHECK-SAME: ([[X:%.+]]: tensor<3x4xf32>, [[A:%.+]]: tensor<1xi64>)
// CHECK: [[E:%.+]] = tensor.extract [[A]]
// CHECK: [[I:%.+]] = arith.index_cast [[E]] : i64 to index
// CHECK: [[NEG:%.+]] = arith.cmpi slt, [[I]]
// CHECK: [[AXIS:%.+]] = arith.select [[NEG]]
// CHECK-DAG: [[F0:%.+]] = arith.cmpi eq, [[AXIS]], %c0
// CHECK-DAG: [[F1:%.+]] = arith.cmpi eq, [[AXIS]], %c1
// CHECK: [[R0:%.+]] = scf.if [[F0]] -> (tensor<?x4xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]
// CHECK: } else {
// CHECK: tensor.cast [[X]] : tensor<3x4xf32> to tensor<?x4xf32>
// CHECK: [[R1:%.+]] = scf.if [[F1]] -> (tensor<?x?xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: [[SHAPE:%.+]] = tensor.from_elements {{.*}} : tensor<1xindex>
// CHECK: tensor.reshape [[R1]]([[SHAPE]]) : (tensor<?x?xf32>, tensor<1xindex>) -> tensor<?xf32>
func.func @reduce_sum_runtime_axes(%x: tensor<3x4xf32>, %axes: tensor<1xi64>) -> tensor<?xf32> {
  %0 = "onnx.ReduceSum"(%x, %axes) {keepdims = 0 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Tests that ReduceMean with run-time axes divides by the product of the listed dims'
// sizes, and that keepdims casts the reduced tensor to the result type.
// CHECK-LABEL: func.func @reduce_mean_runtime_axes
// CHECK: scf.if
// CHECK: [[R:%.+]] = scf.if {{.*}} -> (tensor<?x?xf32>)
// CHECK: [[N:%.+]] = arith.muli
// CHECK: [[N64:%.+]] = arith.index_cast [[N]] : index to i64
// CHECK: [[C:%.+]] = arith.sitofp [[N64]] : i64 to f32
// CHECK: linalg.generic
// CHECK: arith.divf %{{.+}}, [[C]]
// CHECK: tensor.cast %{{.+}} : tensor<?x?xf32> to tensor<1x?xf32>
func.func @reduce_mean_runtime_axes(%x: tensor<3x4xf32>, %axes: tensor<1xi64>) -> tensor<1x?xf32> {
  %0 = "onnx.ReduceMean"(%x, %axes) : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<1x?xf32>
  return %0 : tensor<1x?xf32>
}

// -----

// Tests that ReduceLogSumExp with run-time axes subtracts the max, gathered back over the
// listed dims with index selects, before exp, and adds it back after log.
// CHECK-LABEL: func.func @reduce_log_sum_exp_runtime_axes
// CHECK: arith.maximumf
// CHECK: linalg.index 0
// CHECK: arith.select
// CHECK: tensor.extract
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: math.log
// CHECK: arith.addf
func.func @reduce_log_sum_exp_runtime_axes(%x: tensor<3x4xf32>, %axes: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.ReduceLogSumExp"(%x, %axes) : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
