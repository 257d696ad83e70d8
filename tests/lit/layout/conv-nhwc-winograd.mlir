// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg=winograd=true %s | FileCheck %s
// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s --check-prefix=OFF
// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg="winograd=true winograd-nodes=pinned" %s | FileCheck %s --check-prefix=NODES

// Tests that a 3x3 stride-1 kiln.conv_nhwc with constant weights and 32 channels becomes
// Winograd F(2x2, 3x3): X padded by one more row and column at the end, one input
// transform with 16 results (marked for the CPU backend's vectorizer) over the 8x8 tiles,
// each inserted into its slice k of one [1, 8, 8, 17, 32] tensor (a spare slot per tile), one contraction
// batched over the 16 with the transformed weights [16, 32, 40], and an output transform
// (marked too) over the output pixels reading tile (oh / 2, ow / 2) of each of the 16
// products' slices; without the option, the implicit GEMM.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d2, d3, d0, d5)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d5, d4)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d2, d3, d0, d4)>
// CHECK-DAG: #[[TILE:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 2, d2 floordiv 2, d3)>
// CHECK-LABEL: func.func @winograd
// CHECK: tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 2, 2, 0]
// CHECK: %[[V:.+]] = tensor.empty() : tensor<1x8x8x17x32xf32>
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>) attrs = {kiln.vectorize}
// CHECK: tensor.insert_slice %{{.+}}#0 into %[[V]][0, 0, 0, 0, 0] [1, 8, 8, 1, 32] [1, 1, 1, 1, 1] : tensor<1x8x8x32xf32> into tensor<1x8x8x17x32xf32>
// CHECK-COUNT-14: tensor.insert_slice
// CHECK: %[[VSLOTS:.+]] = tensor.insert_slice %{{.+}}#15 into %{{.+}}[0, 0, 0, 15, 0] [1, 8, 8, 1, 32]
// CHECK: %[[VFULL:.+]] = tensor.extract_slice %[[VSLOTS]][0, 0, 0, 0, 0] [1, 8, 8, 16, 32] [1, 1, 1, 1, 1] : tensor<1x8x8x17x32xf32> to tensor<1x8x8x16x32xf32>
// CHECK: %[[P:.+]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[VFULL]], %{{.+}} : tensor<1x8x8x16x32xf32>, tensor<16x32x40xf32>) outs(%{{.+}} : tensor<1x8x8x16x40xf32>)
// CHECK: tensor.extract_slice %[[P]][0, 0, 0, 0, 0] [1, 8, 8, 1, 40] [1, 1, 1, 1, 1] : tensor<1x8x8x16x40xf32> to tensor<1x8x8x40xf32>
// CHECK-COUNT-15: tensor.extract_slice %[[P]]
// CHECK: linalg.generic {indexing_maps = [#[[TILE]], {{.*}} attrs =  {kiln.vectorize}
// CHECK: } -> tensor<1x16x16x40xf32>
// OFF-LABEL: func.func @winograd
// OFF-NOT: kiln.vectorize
// OFF: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
func.func @winograd(%x: tensor<1x16x16x32xf32>) -> tensor<1x16x16x40xf32> {
  %w = arith.constant dense<0.25> : tensor<3x3x32x40xf32>
  %y = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x40xf32>) -> tensor<1x16x16x40xf32>
  return %y : tensor<1x16x16x40xf32>
}

// -----

// Tests that 16 input channels, a stride of 2 and weights known only at run time keep
// the implicit GEMM.
// CHECK-LABEL: func.func @direct
// CHECK-NOT: kiln.vectorize
// CHECK: return
func.func @direct(%x: tensor<1x16x16x16xf32>, %x2: tensor<1x16x16x32xf32>, %wr: tensor<3x3x32x32xf32>) -> (tensor<1x16x16x32xf32>, tensor<1x8x8x32xf32>, tensor<1x16x16x32xf32>) {
  %w16 = arith.constant dense<0.25> : tensor<3x3x16x32xf32>
  %w = arith.constant dense<0.25> : tensor<3x3x32x32xf32>
  %a = kiln.conv_nhwc %x, %w16 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x16xf32>, tensor<3x3x16x32xf32>) -> tensor<1x16x16x32xf32>
  %b = kiln.conv_nhwc %x2, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x8x8x32xf32>
  %c = kiln.conv_nhwc %x2, %wr {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x16x16x32xf32>
  return %a, %b, %c : tensor<1x16x16x32xf32>, tensor<1x8x8x32xf32>, tensor<1x16x16x32xf32>
}

// -----

// Tests that winograd-nodes (what kilnc passes under --precision=bf16 on AMX: the
// --keep-fp32 nodes) limits Winograd to the named nodes' convolutions: the other one of
// two equal convolutions keeps the implicit GEMM (its bf16 tiles beat Winograd's f32).
// NODES-LABEL: func.func @named
// NODES: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// NODES: attrs = {kiln.vectorize}
// NODES-NOT: "reduction", "reduction", "reduction"
// NODES: return
func.func @named(%x: tensor<1x16x16x32xf32>) -> (tensor<1x16x16x40xf32>, tensor<1x16x16x40xf32>) {
  %w = arith.constant dense<0.25> : tensor<3x3x32x40xf32>
  %a = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x40xf32>) -> tensor<1x16x16x40xf32> loc("other")
  %b = kiln.conv_nhwc %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x40xf32>) -> tensor<1x16x16x40xf32> loc("pinned")
  return %a, %b : tensor<1x16x16x40xf32>, tensor<1x16x16x40xf32>
}
