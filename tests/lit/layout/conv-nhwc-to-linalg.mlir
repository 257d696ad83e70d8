// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that a 1x1 stride-1 kiln.conv_nhwc is a plain [N*H*W, C] x [C, M] matmul with the
// bias added along M before the result is expanded back to NHWC.
// CHECK-LABEL: func.func @pointwise
// CHECK: %[[X:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2], [3]] : tensor<2x4x4x8xf32> into tensor<32x8xf32>
// CHECK: %[[W:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2], [3]] : tensor<1x1x8x16xf32> into tensor<8x16xf32>
// CHECK: %[[P:.+]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<32x8xf32>, tensor<8x16xf32>)
// CHECK: %[[B:.+]] = linalg.generic {{.*}} ins(%[[P]], %{{.+}} : tensor<32x16xf32>, tensor<16xf32>)
// CHECK: tensor.expand_shape %[[B]] {{\[\[}}0, 1, 2], [3]] output_shape [2, 4, 4, 16] : tensor<32x16xf32> into tensor<2x4x4x16xf32>
func.func @pointwise(%x: tensor<2x4x4x8xf32>, %w: tensor<1x1x8x16xf32>, %b: tensor<16xf32>) -> tensor<2x4x4x16xf32> {
  %y = kiln.conv_nhwc %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<2x4x4x8xf32>, tensor<1x1x8x16xf32>, tensor<16xf32>) -> tensor<2x4x4x16xf32>
  return %y : tensor<2x4x4x16xf32>
}

// -----

// Tests that a padded, strided 3x3 kiln.conv_nhwc is an implicit GEMM: one contraction
// generic over (n, oh, ow, m, kh, kw, c) reading the padded X through the window map
// (oh * 2 + kh, ow * 2 + kw), with no im2col copy.
// CHECK-DAG: #[[XMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d6)>
// CHECK-DAG: #[[WMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>
// CHECK-DAG: #[[OMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK: func.func @window
// CHECK: %[[PAD:.+]] = tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {indexing_maps = [#[[XMAP]], #[[WMAP]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[PAD]], %{{.+}} : tensor<?x10x10x4xf32>, tensor<3x3x4x8xf32>) outs(%{{.+}} : tensor<?x4x4x8xf32>)
func.func @window(%x: tensor<?x8x8x4xf32>, %w: tensor<3x3x4x8xf32>) -> tensor<?x4x4x8xf32> {
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x8x8x4xf32>, tensor<3x3x4x8xf32>) -> tensor<?x4x4x8xf32>
  return %y : tensor<?x4x4x8xf32>
}

// -----

// Tests that a depthwise kiln.conv_nhwc is one linalg.generic over (n, oh, ow, kh, kw, c)
// with the channels innermost.
// CHECK-DAG: #[[XMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>
// CHECK-DAG: #[[WMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4, d5)>
// CHECK-DAG: #[[OMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
// CHECK: func.func @depthwise
// CHECK: %[[W:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0], [1], [2, 3]] : tensor<3x3x1x6xf32> into tensor<3x3x6xf32>
// CHECK: linalg.generic {indexing_maps = [#[[XMAP]], #[[WMAP]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%{{.+}}, %[[W]] : tensor<1x7x7x6xf32>, tensor<3x3x6xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @depthwise(%x: tensor<1x5x5x6xf32>, %w: tensor<3x3x1x6xf32>) -> tensor<1x5x5x6xf32> {
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, group = 6 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x5x5x6xf32>, tensor<3x3x1x6xf32>) -> tensor<1x5x5x6xf32>
  return %y : tensor<1x5x5x6xf32>
}


// -----

// Tests that on dynamic image sizes the output size is computed from the padded input
// after a check that the dilated kernel fits, and that the product is a contraction
// generic over (n, oh, ow, m, kh, kw, c) reading the padded X through the window map
// (stride 2): the pixel dims are never merged, W is read as it is (packed by the
// backend) and the output channels are C's innermost dim.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d6)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK: func.func @window_dynamic
// CHECK: %[[PAD:.+]] = tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: kiln.check {{.+}} message = "node (conv_nhwc): X has size {} in spatial dim 0 once padded, less than the dilated kernel needs ({})"
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[PAD]], %{{.+}} : tensor<1x?x?x4xf32>, tensor<3x3x4x8xf32>) outs(%{{.+}} : tensor<1x?x?x8xf32>)
func.func @window_dynamic(%x: tensor<1x?x?x4xf32>, %w: tensor<3x3x4x8xf32>) -> tensor<1x?x?x8xf32> {
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x?x?x4xf32>, tensor<3x3x4x8xf32>) -> tensor<1x?x?x8xf32>
  return %y : tensor<1x?x?x8xf32>
}

// -----

// Tests that a 1x1 kiln.conv_nhwc on dynamic image sizes reads the input as it is, with
// W viewed as [C, M].
// CHECK: func.func @pointwise_dynamic
// CHECK-NOT: tensor.pad
// CHECK: %[[W:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2], [3]] : tensor<1x1x4x8xf32> into tensor<4x8xf32>
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, %[[W]] : tensor<?x?x?x4xf32>, tensor<4x8xf32>) outs(%{{.+}} : tensor<?x?x?x8xf32>)
func.func @pointwise_dynamic(%x: tensor<?x?x?x4xf32>, %w: tensor<1x1x4x8xf32>) -> tensor<?x?x?x8xf32> {
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<?x?x?x4xf32>, tensor<1x1x4x8xf32>) -> tensor<?x?x?x8xf32>
  return %y : tensor<?x?x?x8xf32>
}

// -----

// Tests that a max kiln.pool_nhwc pads with -inf and reduces the window with the
// channels innermost.
// CHECK-DAG: #[[PX:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-DAG: #[[PO:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
// CHECK: func.func @maxpool
// CHECK: tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %cst
// CHECK: linalg.generic {indexing_maps = [#[[PX]], #{{.+}}, #[[PO]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} {{.+}} outs(%{{.+}} : tensor<1x4x4x8xf32>)
// CHECK: arith.maximumf
func.func @maxpool(%x: tensor<1x8x8x8xf32>) -> tensor<1x4x4x8xf32> {
  %y = kiln.pool_nhwc %x {kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// Tests that an average kiln.pool_nhwc that does not count padding divides by the taps
// of a padded one-channel mask of ones, per output pixel.
// CHECK: func.func @avgpool_exclude_pad
// CHECK: %[[MASK:.+]] = linalg.fill {{.+}} -> tensor<1x?x?x1xf32>
// CHECK: tensor.pad %[[MASK]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[COUNT:.+]] = linalg.generic {{.+}} outs(%{{.+}} : tensor<1x?x?x1xf32>)
// CHECK: linalg.generic {{.+}} ins(%{{.+}}, %[[COUNT]] : tensor<?x?x?x8xf32>, tensor<1x?x?x1xf32>)
// CHECK: arith.divf
func.func @avgpool_exclude_pad(%x: tensor<?x?x?x8xf32>) -> tensor<?x?x?x8xf32> {
  %y = kiln.pool_nhwc %x {kind = "avg", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<?x?x?x8xf32>) -> tensor<?x?x?x8xf32>
  return %y : tensor<?x?x?x8xf32>
}

// -----

// Tests that a 3-D (NDHWC) 3x3x3 kiln.conv_nhwc with pads and a depth stride is the same
// implicit GEMM over (n, od, oh, ow, m, kd, kh, kw, c) reading the padded X through the
// window map (od * 2 + kd, oh + kh, ow + kw * 2), with the bias added along M.
// CHECK-DAG: #[[XMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d1 * 2 + d5, d2 + d6, d3 + d7 * 2, d8)>
// CHECK-DAG: #[[WMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d5, d6, d7, d8, d4)>
// CHECK-DAG: #[[OMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d1, d2, d3, d4)>
// CHECK: func.func @window_3d
// CHECK: %[[PAD:.+]] = tensor.pad %{{.+}} low[0, 1, 1, 2, 0] high[0, 1, 1, 2, 0]
// CHECK: %[[C:.+]] = linalg.generic {indexing_maps = [#[[XMAP]], #[[WMAP]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]} ins(%[[PAD]], %{{.+}} : tensor<2x8x7x10x4xf32>, tensor<3x3x3x4x8xf32>) outs(%{{.+}} : tensor<2x3x5x6x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[C]], %{{.+}} : tensor<2x3x5x6x8xf32>, tensor<8xf32>)
func.func @window_3d(%x: tensor<2x6x5x6x4xf32>, %w: tensor<3x3x3x4x8xf32>, %b: tensor<8xf32>) -> tensor<2x3x5x6x8xf32> {
  %y = kiln.conv_nhwc %x, %w, %b {dilations = array<i64: 1, 1, 2>, pads = array<i64: 1, 1, 2, 1, 1, 2>, strides = array<i64: 2, 1, 1>} : (tensor<2x6x5x6x4xf32>, tensor<3x3x3x4x8xf32>, tensor<8xf32>) -> tensor<2x3x5x6x8xf32>
  return %y : tensor<2x3x5x6x8xf32>
}

// -----

// Tests that a 3-D 1x1x1 kiln.conv_nhwc is a plain [N*D*H*W, C] x [C, M] matmul.
// CHECK-LABEL: func.func @pointwise_3d
// CHECK: %[[X:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2, 3], [4]] : tensor<1x2x3x4x8xf32> into tensor<24x8xf32>
// CHECK: %[[W:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2, 3], [4]] : tensor<1x1x1x8x16xf32> into tensor<8x16xf32>
// CHECK: %[[P:.+]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<24x8xf32>, tensor<8x16xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0, 1, 2, 3], [4]] output_shape [1, 2, 3, 4, 16] : tensor<24x16xf32> into tensor<1x2x3x4x16xf32>
func.func @pointwise_3d(%x: tensor<1x2x3x4x8xf32>, %w: tensor<1x1x1x8x16xf32>) -> tensor<1x2x3x4x16xf32> {
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x2x3x4x8xf32>, tensor<1x1x1x8x16xf32>) -> tensor<1x2x3x4x16xf32>
  return %y : tensor<1x2x3x4x16xf32>
}

// -----

// Tests that a 3-D depthwise kiln.conv_nhwc is one generic over (n, od, oh, ow, kd, kh,
// kw, c) with the channels innermost (the backend's depthwise kernel), and that dynamic
// D, H and W get their output sizes from a run-time check of each padded size.
// CHECK-DAG: #[[XMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 + d4 * 2, d2 + d5, d3 + d6, d7)>
// CHECK-DAG: #[[WMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d4, d5, d6, d7)>
// CHECK-DAG: #[[OMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
// CHECK: func.func @depthwise_3d
// CHECK: kiln.check {{.+}} spatial dim 0 once padded
// CHECK: kiln.check {{.+}} spatial dim 1 once padded
// CHECK: kiln.check {{.+}} spatial dim 2 once padded
// CHECK: %[[W:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0], [1], [2], [3, 4]] : tensor<3x1x3x1x6xf32> into tensor<3x1x3x6xf32>
// CHECK: linalg.generic {indexing_maps = [#[[XMAP]], #[[WMAP]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%{{.+}}, %[[W]] : tensor<1x?x?x?x6xf32>, tensor<3x1x3x6xf32>)
func.func @depthwise_3d(%x: tensor<1x?x?x?x6xf32>, %w: tensor<3x1x3x1x6xf32>) -> tensor<1x?x?x?x6xf32> {
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 2, 1, 1>, group = 6 : i64, pads = array<i64: 2, 0, 1, 2, 0, 1>, strides = array<i64: 1, 1, 1>} : (tensor<1x?x?x?x6xf32>, tensor<3x1x3x1x6xf32>) -> tensor<1x?x?x?x6xf32>
  return %y : tensor<1x?x?x?x6xf32>
}

// -----

// Tests that a grouped (not depthwise) kiln.conv_nhwc is the implicit GEMM with a group
// dim that X [.., G, C/G], W [k..., C/G, G, M/G] and Y [.., G, M/G] share, the grouped
// result merged back to [.., M] (g outermost, as ONNX numbers the channels).
// CHECK-DAG: #[[XMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 + d5, d2 + d6, d3, d7)>
// CHECK-DAG: #[[WMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d6, d7, d3, d4)>
// CHECK-DAG: #[[OMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK: func.func @grouped
// CHECK-DAG: %[[X:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0], [1], [2], [3, 4]] output_shape [1, 5, 5, 2, 2] : tensor<1x5x5x4xf32> into tensor<1x5x5x2x2xf32>
// CHECK-DAG: %[[W:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0], [1], [2], [3, 4]] output_shape [3, 3, 2, 2, 3] : tensor<3x3x2x6xf32> into tensor<3x3x2x2x3xf32>
// CHECK: %[[G:.+]] = linalg.generic {indexing_maps = [#[[XMAP]], #[[WMAP]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[X]], %[[W]] : tensor<1x5x5x2x2xf32>, tensor<3x3x2x2x3xf32>) outs(%{{.+}} : tensor<1x3x3x2x3xf32>)
// CHECK: tensor.collapse_shape %[[G]] {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x3x3x2x3xf32> into tensor<1x3x3x6xf32>
func.func @grouped(%x: tensor<1x5x5x4xf32>, %w: tensor<3x3x2x6xf32>) -> tensor<1x3x3x6xf32> {
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x5x5x4xf32>, tensor<3x3x2x6xf32>) -> tensor<1x3x3x6xf32>
  return %y : tensor<1x3x3x6xf32>
}

// -----

// Tests that a 3-D max pool is one generic over (n, od, oh, ow, kd, kh, kw, c) on the
// -inf padded NDHWC input, and a 3-D average without the pads divides by the taps a
// window over a padded [1, D, H, W, 1] mask of ones counts.
// CHECK-DAG: #[[XMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d3 * 2 + d6, d7)>
// CHECK-DAG: #[[KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d4, d5, d6)>
// CHECK-DAG: #[[OMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
// CHECK-DAG: #[[CMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d2, d3, 0)>
// CHECK-LABEL: func.func @pools_3d
// CHECK: tensor.pad %{{.+}} low[0, 1, 1, 1, 0] high[0, 1, 1, 1, 0]
// CHECK: linalg.generic {indexing_maps = [#[[XMAP]], #[[KMAP]], #[[OMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<1x10x10x10x8xf32>, tensor<3x3x3xf32>) outs(%{{.+}} : tensor<1x4x4x4x8xf32>)
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<1x10x10x10x1xf32>, tensor<3x3x3xf32>) outs(%{{.+}} : tensor<1x4x4x4x1xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[CMAP]], #{{.+}}]
// CHECK: arith.divf
func.func @pools_3d(%x: tensor<1x8x8x8x8xf32>) -> (tensor<1x4x4x4x8xf32>, tensor<1x4x4x4x8xf32>) {
  %m = kiln.pool_nhwc %x {kind = "max", kernel = array<i64: 3, 3, 3>, strides = array<i64: 2, 2, 2>, pads = array<i64: 1, 1, 1, 1, 1, 1>, dilations = array<i64: 1, 1, 1>} : (tensor<1x8x8x8x8xf32>) -> tensor<1x4x4x4x8xf32>
  %a = kiln.pool_nhwc %x {kind = "avg", kernel = array<i64: 3, 3, 3>, strides = array<i64: 2, 2, 2>, pads = array<i64: 1, 1, 1, 1, 1, 1>, dilations = array<i64: 1, 1, 1>} : (tensor<1x8x8x8x8xf32>) -> tensor<1x4x4x4x8xf32>
  return %m, %a : tensor<1x4x4x4x8xf32>, tensor<1x4x4x4x8xf32>
}
