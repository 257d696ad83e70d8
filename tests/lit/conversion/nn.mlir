// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that a 2-D f32 group-1 Conv with a dynamic batch, explicit pads, strides and bias
// pads X with zeros, gathers it im2col-style into [N, C*KH*KW, OH*OW], contracts that with
// W as [M, C*KH*KW] into [N, M, OH*OW], expands to [N, M, OH, OW] and adds the bias.
// CHECK-DAG: [[IM2COL:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d3 + d5)>
// CHECK-DAG: [[WMAP:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: [[COLMAP:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: [[OUTMAP:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: [[CH:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x7x6xf32>, [[W:%.+]]: tensor<4x3x3x3xf32>, [[B:%.+]]: tensor<4xf32>)
// CHECK: [[PAD:%.+]] = tensor.pad [[X]] low[0, 0, 1, 0] high[0, 0, 2, 1]
// CHECK: } : tensor<?x3x7x6xf32> to tensor<?x3x10x7xf32>
// CHECK: [[COL6:%.+]] = linalg.generic {indexing_maps = {{\[}}[[IM2COL]], {{.*}} ins([[PAD]] : tensor<?x3x10x7xf32>) outs(%{{.+}} : tensor<?x3x3x3x4x5xf32>)
// CHECK: [[COL:%.+]] = tensor.collapse_shape [[COL6]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<?x3x3x3x4x5xf32> into tensor<?x27x20xf32>
// CHECK: [[W2:%.+]] = tensor.collapse_shape [[W]] {{\[}}[0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK: [[ACC:%.+]] = linalg.fill {{.*}} -> tensor<?x4x20xf32>
// CHECK: [[MM:%.+]] = linalg.generic {indexing_maps = {{\[}}[[WMAP]], [[COLMAP]], [[OUTMAP]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins([[W2]], [[COL]] : tensor<4x27xf32>, tensor<?x27x20xf32>) outs([[ACC]] : tensor<?x4x20xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: [[CONV:%.+]] = tensor.expand_shape [[MM]] {{\[}}[0], [1], [2, 3]] output_shape [%{{.+}}, 4, 4, 5] : tensor<?x4x20xf32> into tensor<?x4x4x5xf32>
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[CH]], [[ID]]]{{.*}} ins([[CONV]], [[B]] : tensor<?x4x4x5xf32>, tensor<4xf32>)
// CHECK: arith.addf
// CHECK: return [[R]]
func.func @conv(%x: tensor<?x3x7x6xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x4x5xf32> {
  %0 = "onnx.Conv"(%x, %w, %b) {pads = array<i64: 1, 0, 2, 1>, strides = array<i64: 2, 1>} : (tensor<?x3x7x6xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x4x5xf32>
  return %0 : tensor<?x4x4x5xf32>
}

// -----

// Tests that auto_pad SAME_UPPER with stride 1 works on dynamic spatial dims, the output
// size computed at run time.
// CHECK-LABEL: func.func @conv_same_dynamic
// CHECK-SAME: ([[X:%.+]]: tensor<?x2x?x?xf32>
// CHECK: [[PAD:%.+]] = tensor.pad [[X]] low[0, 0, 0, 1] high[0, 0, 1, 1]
// CHECK-DAG: [[N:%.+]] = tensor.dim [[X]], %c0
// CHECK-DAG: [[H:%.+]] = tensor.dim [[X]], %c2
// CHECK: [[H1:%.+]] = arith.addi [[H]], %c-1
// CHECK: [[HD:%.+]] = arith.divsi [[H1]], %c1
// CHECK: [[OH:%.+]] = arith.addi [[HD]], %c1
// CHECK: [[W:%.+]] = tensor.dim [[X]], %c3
// CHECK: [[W1:%.+]] = arith.addi [[W]], %c-1
// CHECK: [[WD:%.+]] = arith.divsi [[W1]], %c1
// CHECK: [[OW:%.+]] = arith.addi [[WD]], %c1
// CHECK: tensor.empty([[N]], [[OH]], [[OW]]) : tensor<?x3x?x?xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins([[PAD]], %{{.+}} : tensor<?x2x?x?xf32>, tensor<3x2x2x3xf32>)
func.func @conv_same_dynamic(%x: tensor<?x2x?x?xf32>, %w: tensor<3x2x2x3xf32>) -> tensor<?x3x?x?xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_UPPER"} : (tensor<?x2x?x?xf32>, tensor<3x2x2x3xf32>, none) -> tensor<?x3x?x?xf32>
  return %0 : tensor<?x3x?x?xf32>
}

// -----

// Tests that a depthwise Conv (group == C == M) drops W's unit dim and runs as a generic
// over (c, n, kh, kw, oh, ow): channels outermost, the output row innermost.
// CHECK-DAG: [[DWX:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d0, d2 + d4, d3 + d5)>
// CHECK-DAG: [[DWW:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3)>
// CHECK-DAG: [[DWO:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d0, d4, d5)>
// CHECK-LABEL: func.func @conv_depthwise
// CHECK-SAME: ([[X:%.+]]: tensor<1x3x5x5xf32>, [[W:%.+]]: tensor<3x1x3x3xf32>)
// CHECK: [[PAD:%.+]] = tensor.pad [[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: [[W2:%.+]] = tensor.collapse_shape [[W]] {{\[}}[0, 1], [2], [3]] : tensor<3x1x3x3xf32> into tensor<3x3x3xf32>
// CHECK: linalg.generic {indexing_maps = {{\[}}[[DWX]], [[DWW]], [[DWO]]], iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel", "parallel"]} ins([[PAD]], [[W2]] : tensor<1x3x7x7xf32>, tensor<3x3x3xf32>)
func.func @conv_depthwise(%x: tensor<1x3x5x5xf32>, %w: tensor<3x1x3x3xf32>) -> tensor<1x3x5x5xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {group = 3 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x5x5xf32>, tensor<3x1x3x3xf32>, none) -> tensor<1x3x5x5xf32>
  return %0 : tensor<1x3x5x5xf32>
}

// -----

// Tests that a grouped 2-D Conv splits channels into groups for
// linalg.conv_2d_ngchw_gfchw and merges them back.
// CHECK-LABEL: func.func @conv_grouped
// CHECK-SAME: ([[X:%.+]]: tensor<?x4x6x6xf32>, [[W:%.+]]: tensor<6x2x3x3xf32>)
// CHECK: [[ACC:%.+]] = linalg.fill {{.*}} -> tensor<?x6x4x4xf32>
// CHECK: [[XG:%.+]] = tensor.expand_shape [[X]] {{\[}}[0], [1, 2], [3], [4]] output_shape [%{{.+}}, 2, 2, 6, 6] : tensor<?x4x6x6xf32> into tensor<?x2x2x6x6xf32>
// CHECK: [[WG:%.+]] = tensor.expand_shape [[W]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
// CHECK: [[ACCG:%.+]] = tensor.expand_shape [[ACC]] {{\[}}[0], [1, 2], [3], [4]] {{.*}} into tensor<?x2x3x4x4xf32>
// CHECK: [[CONV:%.+]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins([[XG]], [[WG]] : tensor<?x2x2x6x6xf32>, tensor<2x3x2x3x3xf32>) outs([[ACCG]] : tensor<?x2x3x4x4xf32>)
// CHECK: [[R:%.+]] = tensor.collapse_shape [[CONV]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x2x3x4x4xf32> into tensor<?x6x4x4xf32>
// CHECK: return [[R]]
func.func @conv_grouped(%x: tensor<?x4x6x6xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<?x6x4x4xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {group = 2 : i64} : (tensor<?x4x6x6xf32>, tensor<6x2x3x3xf32>, none) -> tensor<?x6x4x4xf32>
  return %0 : tensor<?x6x4x4xf32>
}

// -----

// Tests that a 1-D Conv uses linalg.conv_1d_ncw_fcw with its dilations.
// CHECK-LABEL: func.func @conv_1d
// CHECK-NOT: tensor.pad
// CHECK: linalg.conv_1d_ncw_fcw {dilations = dense<2> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>} ins(%{{.+}}, %{{.+}} : tensor<2x3x9xf32>, tensor<4x3x3xf32>) outs(%{{.+}} : tensor<2x4x5xf32>)
func.func @conv_1d(%x: tensor<2x3x9xf32>, %w: tensor<4x3x3xf32>) -> tensor<2x4x5xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {dilations = array<i64: 2>} : (tensor<2x3x9xf32>, tensor<4x3x3xf32>, none) -> tensor<2x4x5xf32>
  return %0 : tensor<2x4x5xf32>
}

// -----

// Tests that a grouped 3-D Conv, which no named op covers, is a grouped linalg.generic.
// CHECK-DAG: [[MX:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d1, d6, d3 * 2 + d7, d4 + d8, d5 + d9)>
// CHECK-DAG: [[MW:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d1, d2, d6, d7, d8, d9)>
// CHECK-DAG: [[MO:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @conv_3d_grouped
// CHECK: [[CONV:%.+]] = linalg.generic {indexing_maps = {{\[}}[[MX]], [[MW]], [[MO]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<1x2x2x4x4x4xf32>, tensor<2x2x2x2x2x2xf32>)
// CHECK: tensor.collapse_shape [[CONV]] {{\[}}[0], [1, 2], [3], [4], [5]] : tensor<1x2x2x2x3x3xf32> into tensor<1x4x2x3x3xf32>
func.func @conv_3d_grouped(%x: tensor<1x4x4x4x4xf32>, %w: tensor<4x2x2x2x2xf32>) -> tensor<1x4x2x3x3xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {group = 2 : i64, strides = array<i64: 2, 1, 1>} : (tensor<1x4x4x4x4xf32>, tensor<4x2x2x2x2xf32>, none) -> tensor<1x4x2x3x3xf32>
  return %0 : tensor<1x4x2x3x3xf32>
}

// -----

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
// a 3-D MaxPool is a linalg.generic.
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

// Tests that inference BatchNormalization is one elementwise generic reading the
// per-channel operands through (d1).
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: [[CH:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batchnorm
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x4x4xf32>, [[S:%.+]]: tensor<3xf32>, [[B:%.+]]: tensor<3xf32>, [[M:%.+]]: tensor<3xf32>, [[V:%.+]]: tensor<3xf32>)
// CHECK: [[EPS:%.+]] = arith.constant 1.000000e-03 : f32
// CHECK: linalg.generic {indexing_maps = {{\[}}[[ID]], [[CH]], [[CH]], [[CH]], [[CH]], [[ID]]]{{.*}} ins([[X]], [[S]], [[B]], [[M]], [[V]] :
// CHECK: ^bb0([[XI:%.+]]: f32, [[SI:%.+]]: f32, [[BI:%.+]]: f32, [[MI:%.+]]: f32, [[VI:%.+]]: f32, %{{.+}}: f32):
// CHECK: [[VE:%.+]] = arith.addf [[VI]], [[EPS]] : f32
// CHECK: [[SD:%.+]] = math.sqrt [[VE]] : f32
// CHECK: [[D:%.+]] = arith.subf [[XI]], [[MI]] : f32
// CHECK: [[NORM:%.+]] = arith.divf [[D]], [[SD]] : f32
// CHECK: [[SC:%.+]] = arith.mulf [[NORM]], [[SI]] : f32
// CHECK: [[Y:%.+]] = arith.addf [[SC]], [[BI]] : f32
// CHECK: linalg.yield [[Y]]
func.func @batchnorm(%x: tensor<?x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<?x3x4x4xf32> {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %b, %m, %v) {epsilon = 1.000000e-03 : f32} : (tensor<?x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x3x4x4xf32>, none, none)
  return %0#0 : tensor<?x3x4x4xf32>
}

// -----

// Tests that InstanceNormalization reduces the spatial dims per (n, c), twice (sum, then
// squared deviations).
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: [[NC:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: [[CH:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @instancenorm
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x4x5xf32>, [[S:%.+]]: tensor<3xf32>, [[B:%.+]]: tensor<3xf32>)
// CHECK: [[SUM:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins([[X]] : tensor<?x3x4x5xf32>) outs(%{{.+}} : tensor<?x3xf32>)
// CHECK: [[SQ:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[NC]], [[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins([[X]], [[SUM]] : tensor<?x3x4x5xf32>, tensor<?x3xf32>)
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[NC]], [[NC]], [[CH]], [[CH]], [[ID]]]{{.*}} ins([[X]], [[SUM]], [[SQ]], [[S]], [[B]] :
// CHECK: math.sqrt
// CHECK: return [[R]]
func.func @instancenorm(%x: tensor<?x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<?x3x4x5xf32> {
  %0 = "onnx.InstanceNormalization"(%x, %s, %b) : (tensor<?x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x4x5xf32>
  return %0 : tensor<?x3x4x5xf32>
}

// -----

// Tests that LayerNormalization over the last dim with a dynamic batch and sequence
// reduces d2 and broadcasts Scale and B along it.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: [[ROW:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: [[LAST:#.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layernorm
// CHECK-SAME: ([[X:%.+]]: tensor<?x?x8xf32>, [[S:%.+]]: tensor<8xf32>, [[B:%.+]]: tensor<8xf32>)
// CHECK: [[COUNT:%.+]] = arith.constant 8.000000e+00 : f32
// CHECK-DAG: [[D0:%.+]] = tensor.dim [[X]], %c0
// CHECK-DAG: [[D1:%.+]] = tensor.dim [[X]], %c1
// CHECK: tensor.empty([[D0]], [[D1]]) : tensor<?x?xf32>
// CHECK: [[SUM:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins([[X]] : tensor<?x?x8xf32>)
// CHECK: [[SQ:%.+]] = linalg.generic {{.*}} ins([[X]], [[SUM]] : tensor<?x?x8xf32>, tensor<?x?xf32>)
// CHECK: arith.divf %{{.+}}, [[COUNT]] : f32
// CHECK: [[EPS:%.+]] = arith.constant 9.99999974E-6 : f32
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]], [[ROW]], [[LAST]], [[LAST]], [[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins([[X]], [[SUM]], [[SQ]], [[S]], [[B]] :
// CHECK: arith.addf %{{.+}}, [[EPS]] : f32
// CHECK: math.sqrt
// CHECK: return [[R]]
func.func @layernorm(%x: tensor<?x?x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %0:3 = "onnx.LayerNormalization"(%x, %s, %b) {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<?x?x8xf32>, none, none)
  return %0#0 : tensor<?x?x8xf32>
}

// -----

// Tests that stash_type = 1 computes f16 LayerNormalization statistics in f32.
// CHECK-LABEL: func.func @layernorm_f16
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<2x8xf16>) outs(%{{.+}} : tensor<2xf32>)
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<2x8xf16>)
// CHECK: [[X:%.+]] = arith.extf %{{.+}} : f16 to f32
// CHECK: [[D:%.+]] = arith.subf [[X]], %{{.+}} : f32
// CHECK: [[N:%.+]] = arith.divf [[D]], %{{.+}} : f32
// CHECK: [[H:%.+]] = arith.truncf [[N]] : f32 to f16
// CHECK: arith.mulf [[H]], %{{.+}} : f16
func.func @layernorm_f16(%x: tensor<2x8xf16>, %s: tensor<8xf16>) -> tensor<2x8xf16> {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) : (tensor<2x8xf16>, tensor<8xf16>, none) -> (tensor<2x8xf16>, none, none)
  return %0#0 : tensor<2x8xf16>
}

// -----

// Tests that LayerNormalization with its Mean and InvStdDev outputs used returns
// sum / n and 1 / sqrt(var + epsilon) over the kept dims, shaped [d0, 1, 1].
// CHECK-LABEL: func.func @layernorm_stats
// CHECK-SAME: ([[X:%.+]]: tensor<2x3x4xf32>
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins([[X]] : tensor<2x3x4xf32>)
// CHECK: [[SQ:%.+]] = linalg.generic {{.*}} ins([[X]], [[SUM]] : tensor<2x3x4xf32>, tensor<2xf32>)
// CHECK: [[MEAN:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins([[SUM]], [[SQ]] : tensor<2xf32>, tensor<2xf32>)
// CHECK: arith.divf
// CHECK: [[M:%.+]] = tensor.expand_shape [[MEAN]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1] : tensor<2xf32> into tensor<2x1x1xf32>
// CHECK: [[INV:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins([[SUM]], [[SQ]] : tensor<2xf32>, tensor<2xf32>)
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: [[I:%.+]] = tensor.expand_shape [[INV]] {{\[\[}}0, 1, 2]] output_shape [2, 1, 1] : tensor<2xf32> into tensor<2x1x1xf32>
// CHECK: return %{{.+}}, [[M]], [[I]]
func.func @layernorm_stats(%x: tensor<2x3x4xf32>, %s: tensor<3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, none) -> (tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x3x4xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>
}

// -----

// Tests that RMSNormalization sums squares over the dims from axis on (no mean is
// subtracted), divides by sqrt(mean square + epsilon) and broadcasts scale.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: [[ROW:#.+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: [[LAST:#.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @rmsnorm
// CHECK-SAME: ([[X:%.+]]: tensor<2x3x4xf32>, [[S:%.+]]: tensor<4xf32>)
// CHECK: [[COUNT:%.+]] = arith.constant 1.200000e+01 : f32
// CHECK: [[SQ:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]]], iterator_types = ["parallel", "reduction", "reduction"]} ins([[X]] : tensor<2x3x4xf32>)
// CHECK: arith.mulf
// CHECK: [[EPS:%.+]] = arith.constant 1.000000e-01 : f32
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[ROW]], [[LAST]], [[ID]]], {{.*}} ins([[X]], [[SQ]], [[S]] :
// CHECK: arith.divf %{{.+}}, [[COUNT]] : f32
// CHECK: arith.addf %{{.+}}, [[EPS]] : f32
// CHECK: math.sqrt
// CHECK: return [[R]]
func.func @rmsnorm(%x: tensor<2x3x4xf32>, %s: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = "onnx.RMSNormalization"(%x, %s) {axis = 1 : i64, epsilon = 1.000000e-01 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Tests that GroupNormalization views X as [N, G, C / G, D], normalizes each group over its
// channels and D, reads the per-channel scale and bias as [G, C / G] and collapses back.
// CHECK-DAG: [[GRP:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-LABEL: func.func @groupnorm
// CHECK-SAME: ([[X:%.+]]: tensor<2x4x3xf32>, [[S:%.+]]: tensor<4xf32>, [[B:%.+]]: tensor<4xf32>)
// CHECK-DAG: [[XG:%.+]] = tensor.expand_shape [[X]] {{\[\[}}0], [1, 2], [3]] output_shape [2, 2, 2, 3]
// CHECK-DAG: [[SG:%.+]] = tensor.expand_shape [[S]] {{\[\[}}0, 1]] output_shape [2, 2]
// CHECK-DAG: [[BG:%.+]] = tensor.expand_shape [[B]] {{\[\[}}0, 1]] output_shape [2, 2]
// CHECK: [[SUM:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins([[XG]] : tensor<2x2x2x3xf32>)
// CHECK: [[Y:%.+]] = linalg.generic {indexing_maps = [{{.*}}, [[GRP]], [[GRP]], {{.*}}]{{.*}} ins([[XG]], [[SUM]], %{{.+}}, [[SG]], [[BG]] :
// CHECK: [[R:%.+]] = tensor.collapse_shape [[Y]] {{\[\[}}0], [1, 2], [3]] : tensor<2x2x2x3xf32> into tensor<2x4x3xf32>
// CHECK: return [[R]]
func.func @groupnorm(%x: tensor<2x4x3xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<2x4x3xf32> {
  %0 = "onnx.GroupNormalization"(%x, %s, %b) {num_groups = 2 : i64} : (tensor<2x4x3xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

// Tests that LpNormalization with p = 1 divides by the sum of absolute values along axis.
// CHECK-LABEL: func.func @lpnorm
// CHECK: [[N:%.+]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]}
// CHECK: math.absf
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, [[N]] : tensor<2x3xf32>, tensor<3xf32>)
// CHECK: arith.divf
func.func @lpnorm(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "onnx.LpNormalization"(%x) {p = 1 : i64, axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that MeanVarianceNormalization normalizes over `axes` with no scale or bias and a
// tiny epsilon, so a constant input gives 0 rather than NaN.
// CHECK-LABEL: func.func @mvn
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK: [[EPS:%.+]] = arith.constant 1.000000e-18 : f32
// CHECK: arith.addf %{{.+}}, [[EPS]] : f32
// CHECK: math.sqrt
// CHECK-NOT: arith.mulf
// CHECK: linalg.yield
func.func @mvn(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = "onnx.MeanVarianceNormalization"(%x) {axes = array<i64: 0, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Tests that LRN pads the channel dim and sums squares over a window of `size` channels.
// CHECK-DAG: [[WIN:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d4, d2, d3)>
// CHECK-DAG: [[K:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d4)>
// CHECK-LABEL: func.func @lrn
// CHECK: [[PAD:%.+]] = tensor.pad %{{.+}} low[0, 1, 0, 0] high[0, 1, 0, 0]
// CHECK: [[SQ:%.+]] = linalg.generic {indexing_maps = {{\[}}[[WIN]], [[K]], {{.*}} ins([[PAD]], %{{.+}} : tensor<2x7x3x3xf32>, tensor<3xf32>)
// CHECK: arith.constant 3.33333337E-5 : f32
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, [[SQ]] :
// CHECK: math.powf
func.func @lrn(%x: tensor<2x5x3x3xf32>) -> tensor<2x5x3x3xf32> {
  %0 = "onnx.LRN"(%x) {size = 3 : i64} : (tensor<2x5x3x3xf32>) -> tensor<2x5x3x3xf32>
  return %0 : tensor<2x5x3x3xf32>
}

// -----

// Tests that Softmax subtracts the max along the axis before exponentiating.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: [[RED:#.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x5xf32>)
// CHECK: [[NINF:%.+]] = arith.constant 0xFF800000 : f32
// CHECK: [[MAX:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins([[X]] : tensor<?x3x5xf32>) outs(%{{.+}} : tensor<?x5xf32>)
// CHECK: arith.maximumf
// CHECK: [[SUM:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[RED]], [[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins([[X]], [[MAX]] :
// CHECK: math.exp
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[ID]], [[RED]], [[RED]], [[ID]]]{{.*}} ins([[X]], [[MAX]], [[SUM]] :
// CHECK: [[SH:%.+]] = arith.subf
// CHECK: [[E:%.+]] = math.exp [[SH]]
// CHECK: arith.divf [[E]],
// CHECK: return [[R]]
func.func @softmax(%x: tensor<?x3x5xf32>) -> tensor<?x3x5xf32> {
  %0 = "onnx.Softmax"(%x) {axis = 1 : i64} : (tensor<?x3x5xf32>) -> tensor<?x3x5xf32>
  return %0 : tensor<?x3x5xf32>
}

// -----

// Tests that LogSoftmax is x - max - log(sum(exp(x - max))).
// CHECK-LABEL: func.func @logsoftmax
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: [[SH:%.+]] = arith.subf
// CHECK: [[LOG:%.+]] = math.log
// CHECK: arith.subf [[SH]], [[LOG]]
func.func @logsoftmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = "onnx.LogSoftmax"(%x) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// Tests that Hardmax computes the first argmax along the axis, then compares indices.
// CHECK-LABEL: func.func @hardmax
// CHECK: [[ARG:%.+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.+}} : tensor<2x5xf32>) outs(%{{.+}}, %{{.+}} : tensor<2xf32>, tensor<2xi64>)
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK: linalg.generic {{.*}} ins([[ARG]]#1 : tensor<2xi64>)
// CHECK: arith.cmpi eq
func.func @hardmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = "onnx.Hardmax"(%x) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
