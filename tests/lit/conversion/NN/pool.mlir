// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that MaxPool with a dynamic batch pads with -inf and uses linalg.pooling_nchw_max.
// CHECK-LABEL: func.func @maxpool
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x7x7xf32>)
// CHECK: [[NINF:%.+]] = arith.constant 0xFF800000 : f32
// CHECK: [[PAD:%.+]] = tensor.pad [[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield [[NINF]]
// CHECK: [[N:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[EMPTY:%.+]] = tensor.empty([[N]]) : tensor<?x3x4x4xf32>
// CHECK: [[ACC:%.+]] = linalg.fill ins([[NINF]] : f32) outs([[EMPTY]] : tensor<?x3x4x4xf32>)
// CHECK: [[K:%.+]] = tensor.empty() : tensor<3x3xf32>
// CHECK: [[R:%.+]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins([[PAD]], [[K]] : tensor<?x3x9x9xf32>, tensor<3x3xf32>) outs([[ACC]] : tensor<?x3x4x4xf32>)
// CHECK: return [[R]]
func.func @maxpool(%x: tensor<?x3x7x7xf32>) -> tensor<?x3x4x4xf32> {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x7x7xf32>) -> (tensor<?x3x4x4xf32>, none)
  return %0#0 : tensor<?x3x4x4xf32>
}

// -----

// Tests that ceil_mode pads past the end so the last partial window is computed, and that
// a small 3-D MaxPool (2x2x2) is one linalg.generic.
// CHECK-DAG: [[MX:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 * 2 + d6, d4 * 2 + d7)>
// CHECK-LABEL: func.func @maxpool_3d_ceil
// CHECK: tensor.pad %{{.+}} low[0, 0, 0, 0, 0] high[0, 0, 1, 1, 1]
// CHECK: linalg.generic {indexing_maps = {{\[}}[[MX]], {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x2x6x6x6xf32>, tensor<2x2x2xf32>) outs(%{{.+}} : tensor<1x2x3x3x3xf32>)
// CHECK: arith.maximumf
func.func @maxpool_3d_ceil(%x: tensor<1x2x5x5x5xf32>) -> tensor<1x2x3x3x3xf32> {
  %0:2 = "onnx.MaxPool"(%x) {ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2, 2>, strides = array<i64: 2, 2, 2>} : (tensor<1x2x5x5x5xf32>) -> (tensor<1x2x3x3x3xf32>, none)
  return %0#0 : tensor<1x2x3x3x3xf32>
}

// -----

// Tests that a 3x3x3 MaxPool is separable: a generic over (n, c, od, kd, h, w) takes the
// max along the depth window into [N, C, OD, Hp, Wp] (from -inf), then
// linalg.pooling_nchw_max pools (h, w) of that viewed [N, C * OD, Hp, Wp] and the result
// is expanded back.
// CHECK-DAG: [[MX:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d3, d4, d5)>
// CHECK-DAG: [[MO:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d4, d5)>
// CHECK-LABEL: func.func @maxpool_3d_separable
// CHECK: tensor.pad %{{.+}} low[0, 0, 1, 1, 1] high[0, 0, 1, 1, 1]
// CHECK: [[D:%.+]] = linalg.generic {indexing_maps = {{\[}}[[MX]], #{{.+}}, [[MO]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<1x2x7x7x7xf32>, tensor<3xf32>) outs(%{{.+}} : tensor<1x2x3x7x7xf32>)
// CHECK: arith.maximumf
// CHECK: [[V:%.+]] = tensor.collapse_shape [[D]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x3x7x7xf32> into tensor<1x6x7x7xf32>
// CHECK: [[P:%.+]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins([[V]], %{{.+}} : tensor<1x6x7x7xf32>, tensor<3x3xf32>) outs(%{{.+}} : tensor<1x6x3x3xf32>)
// CHECK: tensor.expand_shape [[P]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 3, 3, 3] : tensor<1x6x3x3xf32> into tensor<1x2x3x3x3xf32>
func.func @maxpool_3d_separable(%x: tensor<1x2x5x5x5xf32>) -> tensor<1x2x3x3x3xf32> {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 3, 3, 3>, strides = array<i64: 2, 2, 2>, pads = array<i64: 1, 1, 1, 1, 1, 1>} : (tensor<1x2x5x5x5xf32>) -> (tensor<1x2x3x3x3xf32>, none)
  return %0#0 : tensor<1x2x3x3x3xf32>
}

// -----

// Tests that AveragePool with pads and count_include_pad = 0 (dynamic batch) divides the
// window sums by a table of per-position valid counts.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: [[SP:#.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @avgpool_exclude_pad
// CHECK: [[SUM:%.+]] = linalg.pooling_nchw_sum {{.*}} outs(%{{.+}} : tensor<?x3x2x2xf32>)
// CHECK: [[COUNTS:%.+]] = arith.constant dense<{{\[}}[4.000000e+00, 6.000000e+00], [6.000000e+00, 9.000000e+00]]> : tensor<2x2xf32>
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[SP]], [[ID]]]{{.*}} ins([[SUM]], [[COUNTS]] : tensor<?x3x2x2xf32>, tensor<2x2xf32>)
// CHECK: arith.divf
// CHECK: return [[R]]
func.func @avgpool_exclude_pad(%x: tensor<?x3x4x4xf32>) -> tensor<?x3x2x2xf32> {
  %0 = "onnx.AveragePool"(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x4x4xf32>) -> tensor<?x3x2x2xf32>
  return %0 : tensor<?x3x2x2xf32>
}

// -----

// Tests that AveragePool with count_include_pad = 1 divides by the kernel size.
// CHECK-LABEL: func.func @avgpool_include_pad
// CHECK: [[SUM:%.+]] = linalg.pooling_nchw_sum
// CHECK: [[NINE:%.+]] = arith.constant 9.000000e+00 : f32
// CHECK: linalg.generic {{.*}} ins([[SUM]] : tensor<1x2x6x6xf32>)
// CHECK: arith.divf %{{.+}}, [[NINE]] : f32
func.func @avgpool_include_pad(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32> {
  %0 = "onnx.AveragePool"(%x) {count_include_pad = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  return %0 : tensor<1x2x6x6xf32>
}

// -----

// Tests that GlobalAveragePool on a dynamic batch sums the spatial dims, divides by their
// count and re-inserts the unit dims.
// CHECK-LABEL: func.func @global_avgpool
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%{{.+}} : tensor<?x3x4x5xf32>) outs(%{{.+}} : tensor<?x3xf32>)
// CHECK: arith.addf
// CHECK: [[COUNT:%.+]] = arith.constant 2.000000e+01 : f32
// CHECK: [[MEAN:%.+]] = linalg.generic {{.*}} ins([[SUM]] : tensor<?x3xf32>)
// CHECK: arith.divf %{{.+}}, [[COUNT]] : f32
// CHECK: [[R:%.+]] = tensor.expand_shape [[MEAN]] {{\[}}[0], [1, 2, 3]] output_shape [%{{.+}}, 3, 1, 1] : tensor<?x3xf32> into tensor<?x3x1x1xf32>
// CHECK: return [[R]]
func.func @global_avgpool(%x: tensor<?x3x4x5xf32>) -> tensor<?x3x1x1xf32> {
  %0 = "onnx.GlobalAveragePool"(%x) : (tensor<?x3x4x5xf32>) -> tensor<?x3x1x1xf32>
  return %0 : tensor<?x3x1x1xf32>
}

// -----

// Tests that GlobalMaxPool reduces with maximumf from -inf.
// CHECK-LABEL: func.func @global_maxpool
// CHECK: [[NINF:%.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins([[NINF]] : f32)
// CHECK: [[MAX:%.+]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape [[MAX]] {{\[}}[0], [1, 2, 3]] output_shape [2, 3, 1, 1]
func.func @global_maxpool(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x1x1xf32> {
  %0 = "onnx.GlobalMaxPool"(%x) : (tensor<2x3x4x5xf32>) -> tensor<2x3x1x1xf32>
  return %0 : tensor<2x3x1x1xf32>
}

// -----

// Tests that MaxPool checks a static output dim against what the dynamic input implies.
// CHECK-LABEL: func.func @maxpool_static_result
// CHECK: kiln.check {{.*}}message = "node 'mp' (MaxPool): the input implies size {} in dim 2 of the output where the model's shapes imply {}"
func.func @maxpool_static_result(%x: tensor<1x1x?xf32>) -> tensor<1x1x3xf32> {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 2>} : (tensor<1x1x?xf32>) -> (tensor<1x1x3xf32>, none) loc("mp")
  return %0#0 : tensor<1x1x3xf32>
}

// -----

// Tests that LpPool sums |x|^p over the zero-padded window and takes the p-th root.
// CHECK-LABEL: func.func @lppool_p3
// CHECK: math.absf
// CHECK: math.powf
// CHECK: tensor.pad
// CHECK: linalg.pooling_nchw_sum
// CHECK: arith.constant 0.333333
// CHECK: math.powf
func.func @lppool_p3(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %0 = "onnx.LpPool"(%x) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, p = 3 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// -----

// Tests that LpPool with p = 2 squares, sums (a generic for a 3-D window) and takes sqrt.
// CHECK-LABEL: func.func @lppool_3d
// CHECK: math.absf
// CHECK: arith.mulf
// CHECK: linalg.generic
// CHECK-SAME: "reduction", "reduction", "reduction"
// CHECK: math.sqrt
func.func @lppool_3d(%x: tensor<1x1x4x4x4xf32>) -> tensor<1x1x3x3x3xf32> {
  %0 = "onnx.LpPool"(%x) {kernel_shape = array<i64: 2, 2, 2>} : (tensor<1x1x4x4x4xf32>) -> tensor<1x1x3x3x3xf32>
  return %0 : tensor<1x1x3x3x3xf32>
}

// -----

// Tests that GlobalLpPool reduces |x|^p over the spatial dims and takes the p-th root.
// CHECK-LABEL: func.func @global_lppool
// CHECK: linalg.generic
// CHECK: math.absf
// CHECK: arith.addf
// CHECK: math.sqrt
// CHECK: tensor.expand_shape
func.func @global_lppool(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x1x1xf32> {
  %0 = "onnx.GlobalLpPool"(%x) : (tensor<2x3x4x5xf32>) -> tensor<2x3x1x1xf32>
  return %0 : tensor<2x3x1x1xf32>
}

// -----

// Tests that MaxPool with its Indices output keeps the largest element and its flat index
// in one generic over the window, skipping taps in the pads.
// CHECK-LABEL: func.func @maxpool_indices
// CHECK: linalg.generic
// CHECK-SAME: "reduction", "reduction"
// CHECK: tensor.extract %arg0
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: arith.select
// CHECK: linalg.yield
func.func @maxpool_indices(%x: tensor<1x1x5x5xf32>) -> (tensor<1x1x5x5xf32>, tensor<1x1x5x5xi64>) {
  %y, %i = "onnx.MaxPool"(%x) <{kernel_shape = array<i64: 5, 5>, pads = array<i64: 2, 2, 2, 2>}> : (tensor<1x1x5x5xf32>) -> (tensor<1x1x5x5xf32>, tensor<1x1x5x5xi64>)
  return %y, %i : tensor<1x1x5x5xf32>, tensor<1x1x5x5xi64>
}
