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
// CHECK: [[W2:%.+]] = tensor.collapse_shape [[W]] {{\[}}[0], [1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<4x27xf32>
// CHECK: [[COL6:%.+]] = linalg.generic {indexing_maps = {{\[}}[[IM2COL]], {{.*}} ins([[PAD]] : tensor<?x3x10x7xf32>) outs(%{{.+}} : tensor<?x3x3x3x4x5xf32>)
// CHECK: [[COL:%.+]] = tensor.collapse_shape [[COL6]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<?x3x3x3x4x5xf32> into tensor<?x27x20xf32>
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
// size computed at run time, and that the convolution is the im2col copy + a contraction
// whose pixel dims stay two dims (no reshape merges two dynamic dims), its result
// [N, M, OH, OW] as it is.
// CHECK-DAG: [[WMAPD:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4)>
// CHECK-DAG: [[COLMAPD:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d2, d3)>
// CHECK-DAG: [[OUTMAPD:#.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
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
// CHECK: [[COL6:%.+]] = linalg.generic {{.*}} ins([[PAD]] : tensor<?x2x?x?xf32>) outs(%{{.+}} : tensor<?x2x2x3x?x?xf32>)
// CHECK: [[COL:%.+]] = tensor.collapse_shape [[COL6]] {{\[}}[0], [1, 2, 3], [4], [5]] : tensor<?x2x2x3x?x?xf32> into tensor<?x12x?x?xf32>
// CHECK: [[R:%.+]] = linalg.generic {indexing_maps = {{\[}}[[WMAPD]], [[COLMAPD]], [[OUTMAPD]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, [[COL]] : tensor<3x12xf32>, tensor<?x12x?x?xf32>) outs(%{{.+}} : tensor<?x3x?x?xf32>)
// CHECK-NOT: tensor.extract
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: return [[R]]
func.func @conv_same_dynamic(%x: tensor<?x2x?x?xf32>, %w: tensor<3x2x2x3xf32>) -> tensor<?x3x?x?xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_UPPER"} : (tensor<?x2x?x?xf32>, tensor<3x2x2x3xf32>, none) -> tensor<?x3x?x?xf32>
  return %0 : tensor<?x3x?x?xf32>
}

// -----

// Tests that auto_pad SAME_UPPER with a stride > 1 on dynamic spatial dims pads by what
// the run-time size needs: out = ceil(in / s), total = max(0, (out - 1) * s + k - in),
// the odd one at the end.
// CHECK-LABEL: func.func @conv_same_stride_dynamic
// CHECK-SAME: ([[X:%.+]]: tensor<1x2x?x?xf32>
// CHECK: kiln.check
// CHECK: kiln.check
// CHECK: [[H:%.+]] = tensor.dim [[X]], %c2
// CHECK: [[H1:%.+]] = arith.addi [[H]], %c1
// CHECK: [[OH:%.+]] = arith.divui [[H1]], %c2
// CHECK: [[TOTAL:%.+]] = arith.maxsi
// CHECK: [[BEGIN:%.+]] = arith.divui [[TOTAL]], %c2
// CHECK: [[END:%.+]] = arith.subi [[TOTAL]], [[BEGIN]]
// CHECK: tensor.pad [[X]] low[0, 0, [[BEGIN]], %{{.+}}] high[0, 0, [[END]], %{{.+}}]
func.func @conv_same_stride_dynamic(%x: tensor<1x2x?x?xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x?x?xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x2x?x?xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x?x?xf32>
  return %0 : tensor<1x3x?x?xf32>
}

// -----

// Tests that a strided depthwise Conv (group == C == M) drops W's unit dim and runs as a
// generic over (c, n, kh, kw, oh, ow): channels outermost, the output row innermost.
// CHECK-DAG: [[DWX:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d0, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-DAG: [[DWW:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3)>
// CHECK-DAG: [[DWO:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d0, d4, d5)>
// CHECK-LABEL: func.func @conv_depthwise
// CHECK-SAME: ([[X:%.+]]: tensor<1x3x5x5xf32>, [[W:%.+]]: tensor<3x1x3x3xf32>)
// CHECK: [[PAD:%.+]] = tensor.pad [[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: [[W2:%.+]] = tensor.collapse_shape [[W]] {{\[}}[0, 1], [2], [3]] : tensor<3x1x3x3xf32> into tensor<3x3x3xf32>
// CHECK: linalg.generic {indexing_maps = {{\[}}[[DWX]], [[DWW]], [[DWO]]], iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel", "parallel"]} ins([[PAD]], [[W2]] : tensor<1x3x7x7xf32>, tensor<3x3x3xf32>)
func.func @conv_depthwise(%x: tensor<1x3x5x5xf32>, %w: tensor<3x1x3x3xf32>) -> tensor<1x3x3x3xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {group = 3 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x5x5xf32>, tensor<3x1x3x3xf32>, none) -> tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}

// -----

// Tests that a depthwise Conv with stride 1 (a dynamic batch, asymmetric pads, width
// dilation 2) runs as one elementwise generic over the output, marked kiln.vectorize: per
// tap, the output-sized slice of the padded input at (kh, 2 * kw) and the weight
// w[c, kh, kw] (constant indices); the body sums the 6 products.
// CHECK-DAG: [[ID:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: [[W00:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-DAG: [[W12:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1, 1, 2)>
// CHECK-LABEL: func.func @conv_depthwise_shifted
// CHECK: [[PAD:%.+]] = tensor.pad %{{.+}} low[0, 0, 1, 2] high[0, 0, 0, 2]
// CHECK: [[T00:%.+]] = tensor.extract_slice [[PAD]][0, 0, 0, 0] [%{{.+}}, 2, 5, 40] [1, 1, 1, 1]
// CHECK: tensor.extract_slice [[PAD]][0, 0, 0, 2]
// CHECK: tensor.extract_slice [[PAD]][0, 0, 0, 4]
// CHECK: tensor.extract_slice [[PAD]][0, 0, 1, 0]
// CHECK: tensor.extract_slice [[PAD]][0, 0, 1, 2]
// CHECK: [[T12:%.+]] = tensor.extract_slice [[PAD]][0, 0, 1, 4]
// CHECK: linalg.generic {indexing_maps = {{\[}}[[ID]], [[ID]], [[ID]], [[ID]], [[ID]], [[ID]], [[W00]], {{.+}}, [[W12]], [[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins([[T00]], {{.+}}, [[T12]], %{{.+}}) {{.*}} attrs = {kiln.vectorize}
// CHECK-COUNT-6: arith.mulf
// CHECK-NOT: arith.mulf
// CHECK: linalg.yield
func.func @conv_depthwise_shifted(%x: tensor<?x2x5x40xf32>, %w: tensor<2x1x2x3xf32>) -> tensor<?x2x5x40xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {group = 2 : i64, pads = array<i64: 1, 2, 0, 2>, dilations = array<i64: 1, 2>} : (tensor<?x2x5x40xf32>, tensor<2x1x2x3xf32>, none) -> tensor<?x2x5x40xf32>
  return %0 : tensor<?x2x5x40xf32>
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

// Tests that a 1-D Conv is the 2-D im2col + contraction over a unit height (audio models
// get the same kernels), its dilation in the im2col map.
// CHECK-DAG: [[COL1D:#.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d5 + d3 * 2)>
// CHECK-LABEL: func.func @conv_1d
// CHECK-NOT: tensor.pad
// CHECK: [[X4:%.+]] = tensor.expand_shape %arg0 {{\[}}[0], [1], [2, 3]] output_shape [2, 3, 1, 9] : tensor<2x3x9xf32> into tensor<2x3x1x9xf32>
// CHECK: linalg.generic {indexing_maps = {{\[}}[[COL1D]], {{.*}} ins([[X4]] : tensor<2x3x1x9xf32>) outs(%{{.+}} : tensor<2x3x1x3x1x5xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<4x9xf32>, tensor<2x9x5xf32>)
// CHECK-NOT: linalg.conv_1d_ncw_fcw
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

// Tests that an f16 Conv widens X and W to f32, convolves (accumulates) in f32 and
// rounds the result to f16 once.
// CHECK-LABEL: func.func @conv_f16
// CHECK-SAME: ([[X:%.+]]: tensor<1x2x5xf16>, [[W:%.+]]: tensor<2x1x3xf16>)
// CHECK: [[XF:%.+]] = linalg.generic {{.*}} ins([[X]] : tensor<1x2x5xf16>) outs(%{{.+}} : tensor<1x2x5xf32>)
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: [[WF:%.+]] = linalg.generic {{.*}} ins([[W]] : tensor<2x1x3xf16>) outs(%{{.+}} : tensor<2x1x3xf32>)
// CHECK: [[ACC:%.+]] = linalg.depthwise_conv_1d_ncw_cw {{.*}} ins([[XF]], %{{.+}} : tensor<1x2x5xf32>, tensor<2x3xf32>)
// CHECK: [[Y:%.+]] = linalg.generic {{.*}} ins([[ACC]] : tensor<1x2x3xf32>) outs(%{{.+}} : tensor<1x2x3xf16>)
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: return [[Y]]
func.func @conv_f16(%x: tensor<1x2x5xf16>, %w: tensor<2x1x3xf16>) -> tensor<1x2x3xf16> {
  %none = "onnx.NoValue"() {value} : () -> none
  %0 = "onnx.Conv"(%x, %w, %none) {group = 2 : i64} : (tensor<1x2x5xf16>, tensor<2x1x3xf16>, none) -> tensor<1x2x3xf16>
  return %0 : tensor<1x2x3xf16>
}

// -----

// Tests that with only the width dynamic (a text line of fixed height) the pixels merge
// into one n dim as with static sizes: one long row of columns, not a short row per
// output row.
// CHECK-LABEL: func.func @conv_dynamic_width
// CHECK: [[COL6:%.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x2x3x3x8x?xf32>)
// CHECK: [[COL:%.+]] = tensor.collapse_shape [[COL6]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x2x3x3x8x?xf32> into tensor<1x18x?xf32>
// CHECK: [[MM:%.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, [[COL]] : tensor<3x18xf32>, tensor<1x18x?xf32>) outs(%{{.+}} : tensor<1x3x?xf32>)
// CHECK: tensor.expand_shape [[MM]] {{\[}}[0], [1], [2, 3]] output_shape [1, 3, 8, %{{.+}}] : tensor<1x3x?xf32> into tensor<1x3x8x?xf32>
func.func @conv_dynamic_width(%x: tensor<1x2x8x?xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x8x?xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x8x?xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x8x?xf32>
  return %0 : tensor<1x3x8x?xf32>
}
