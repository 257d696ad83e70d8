// RUN: kiln-opt --split-input-file --kiln-decompose-pads %s | FileCheck %s
// RUN: kiln-opt --split-input-file --kiln-decompose-pads --eliminate-empty-tensors --one-shot-bufferize="bufferize-function-boundaries" --cse --canonicalize %s | FileCheck %s --check-prefix=BUF

// Tests that a constant tensor.pad becomes fills of its border only (H before and
// after, then W before and after, each over the full padded extent of the other dims)
// and an insert_slice of the source, and that after empty-tensor elimination the
// producer (the Relu generic) writes into a subview of the padded buffer: no copy, and
// no fill of the interior.
// The padded buffer and its border come before the producer (so that its replacement
// slice dominates the producer, also for dynamic sizes).
// CHECK-LABEL: func.func @pad_after_relu
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x6x6x3xf32>
// CHECK: tensor.extract_slice %[[E]][0, 0, 0, 0] [1, 1, 6, 3]
// CHECK: linalg.fill {{.*}} -> tensor<1x1x6x3xf32>
// CHECK: tensor.extract_slice %{{.+}}[0, %c5, 0, 0] [1, 1, 6, 3]
// CHECK: linalg.fill {{.*}} -> tensor<1x1x6x3xf32>
// CHECK: tensor.extract_slice %{{.+}}[0, 0, 0, 0] [1, 6, 1, 3]
// CHECK: linalg.fill {{.*}} -> tensor<1x6x1x3xf32>
// CHECK: tensor.extract_slice %{{.+}}[0, 0, %c5, 0] [1, 6, 1, 3]
// CHECK: linalg.fill {{.*}} -> tensor<1x6x1x3xf32>
// CHECK: %[[R:.+]] = linalg.generic
// CHECK: tensor.insert_slice %[[R]] into %{{.+}}[0, 1, 1, 0] [1, 4, 4, 3]
// CHECK-NOT: tensor.pad
// BUF-LABEL: func.func @pad_after_relu
// BUF: %[[A:.+]] = memref.alloc() {{.*}} : memref<1x6x6x3xf32>
// BUF-COUNT-4: linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : memref<1x{{[16]}}x{{[16]}}x3xf32, strided<[108, 18, 3, 1]{{.*}}>>)
// BUF: %[[S:.+]] = memref.subview %[[A]][0, 1, 1, 0] [1, 4, 4, 3] [1, 1, 1, 1]
// BUF: linalg.generic {{.*}} outs(%[[S]] :
// BUF-NOT: memref.copy
// BUF: return
func.func @pad_after_relu(%x: tensor<1x4x4x3xf32>) -> tensor<1x6x6x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x4x3xf32>) outs(%e : tensor<1x4x4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x3xf32>
  %p = tensor.pad %r low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x4x3xf32> to tensor<1x6x6x3xf32>
  return %p : tensor<1x6x6x3xf32>
}

// -----

// Tests dynamic sizes: the border is sized from the producer's own result shape (the
// dims of its init), so after empty-tensor elimination the producer still writes into
// the padded buffer.
// CHECK-LABEL: func.func @dynamic_pad
// BUF-LABEL: func.func @dynamic_pad
// BUF: %[[A:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {{.*}} : memref<1x?x?x3xf32>
// BUF: %[[S:.+]] = memref.subview %[[A]][0, 1, 2, 0]
// BUF: linalg.generic {{.*}} outs(%[[S]] :
// BUF-NOT: memref.copy
// BUF: return
func.func @dynamic_pad(%x: tensor<1x?x?x3xf32>) -> tensor<1x?x?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %h = tensor.dim %x, %c1 : tensor<1x?x?x3xf32>
  %w = tensor.dim %x, %c2 : tensor<1x?x?x3xf32>
  %e = tensor.empty(%h, %w) : tensor<1x?x?x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x?x?x3xf32>) outs(%e : tensor<1x?x?x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x?x?x3xf32>
  %p = tensor.pad %r low[0, 1, 2, 0] high[0, 1, 2, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x?x?x3xf32> to tensor<1x?x?x3xf32>
  return %p : tensor<1x?x?x3xf32>
}
