// RUN: kiln-opt --split-input-file --kiln-fuse-elementwise %s | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#half = affine_map<(d0, d1) -> (d0 floordiv 2, d1)>
#bias = affine_map<(d0, d1) -> (d1)>

// Tests that a generic marked for the CPU backend's vectorizer (kiln.vectorize:
// Winograd's output transform) keeps the mark when the bias add and the Relu after it
// fuse into it, and that an unmarked chain stays unmarked.
// CHECK-LABEL: func.func @marked_producer
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %arg1 :
// CHECK-SAME: attrs = {kiln.vectorize}
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
func.func @marked_producer(%m: tensor<4x32xf32>, %b: tensor<32xf32>) -> tensor<8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %t = linalg.generic {indexing_maps = [#half, #id], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<4x32xf32>) outs(%e : tensor<8x32xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<8x32xf32>
  %e2 = tensor.empty() : tensor<8x32xf32>
  %biased = linalg.generic {indexing_maps = [#id, #bias, #id], iterator_types = ["parallel", "parallel"]} ins(%t, %b : tensor<8x32xf32>, tensor<32xf32>) outs(%e2 : tensor<8x32xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %y = arith.addf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<8x32xf32>
  %e3 = tensor.empty() : tensor<8x32xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%biased : tensor<8x32xf32>) outs(%e3 : tensor<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.maximumf %x, %zero : f32
    linalg.yield %y : f32
  } -> tensor<8x32xf32>
  return %relu : tensor<8x32xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func.func @unmarked
// CHECK: linalg.generic
// CHECK-NOT: kiln.vectorize
// CHECK: return
func.func @unmarked(%a: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<8x32xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<8x32xf32>
  %e2 = tensor.empty() : tensor<8x32xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%t : tensor<8x32xf32>) outs(%e2 : tensor<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.maximumf %x, %zero : f32
    linalg.yield %y : f32
  } -> tensor<8x32xf32>
  return %relu : tensor<8x32xf32>
}
