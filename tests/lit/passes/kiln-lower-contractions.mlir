// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=2 tile-vectors=1 vector-width=4" --cse %s | FileCheck %s

// A Linear layer: B[n, k] is a constant weight, so it is packed into [ceil(N/4)][K][4]
// panels at compile time (N = 6 -> 2 panels, the second zero padded; K = 80 is above
// the short K of @short_k, so tiles run in row groups); the zero fill is
// dropped and the bias + ReLU generic becomes the tile epilogue. Whole tiles come in
// three forms whose k loops test nothing but what they must: in the first column panel
// (%[[FIRST]]) the k loop requests the next tile's A rows once per 16 k (a cache line of
// f32) and tests whether it requests the next B panel (%[[NEXT]]: the group's last
// tile, or every tile of a group of at most 16, each a share of the panel's rows, one
// every 2^floor(log2 G) k steps from row g * ceil(K / G)); elsewhere the requesting
// tiles request the next B panel's rows in their k steps, and the others nothing.
// CHECK: memref.global "private" constant @__kiln_packed_0 : memref<2x80x4xf32> = dense_resource<__kiln_packed_0>
// CHECK-LABEL: func @linear
// CHECK-NOT: linalg.
// CHECK: %[[P:.+]] = memref.get_global @__kiln_packed_0 : memref<2x80x4xf32>
// CHECK: arith.select %false, %c1,
// CHECK: scf.parallel
// CHECK: %[[FEW:.+]] = arith.cmpi ule, %{{.+}}, %c16 : index
// CHECK: %[[LASTORFEW:.+]] = arith.ori %{{.+}}, %[[FEW]] : i1
// CHECK: %[[NEXT:.+]] = arith.andi %[[LASTORFEW]], %{{.+}} : i1
// CHECK: math.ctlz
// CHECK: %[[BASE:.+]] = arith.select %[[FEW]], %{{.+}}, %c0 : index
// CHECK: %[[SHIFT:.+]] = arith.select %[[FEW]], %{{.+}}, %c0 : index
// CHECK: scf.if
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %{{.+}}, %c0 : index
// CHECK: scf.if %[[FIRST]] {
// CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// CHECK: scf.for %[[K:.+]] = {{.*}} iter_args(%{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]])
// CHECK: scf.if %[[NEXT]] {
// CHECK-NEXT: %[[STEP:.+]] = arith.shrui %{{.+}}, %[[SHIFT]] : index
// CHECK-NEXT: %[[AT:.+]] = arith.addi %[[BASE]], %[[STEP]] : index
// CHECK-NEXT: %[[ROW:.+]] = arith.minui %[[AT]], %{{.+}} : index
// CHECK-NEXT: memref.prefetch %[[P]][%{{.+}}, %[[ROW]], %c0]
// CHECK: %[[LINE:.+]] = arith.andi %[[K]], %c15
// CHECK: %[[AT:.+]] = arith.cmpi eq, %[[LINE]], %c0
// CHECK: scf.if %[[AT]] {
// CHECK-COUNT-2: memref.prefetch %arg0[%{{.+}}, %[[K]]], read, locality<2>, data
// CHECK: vector.load %[[P]]
// CHECK: memref.load %arg0
// CHECK: vector.broadcast
// CHECK: vector.fma
// CHECK: vector.fma
// CHECK: vector.load %arg1
// CHECK: arith.addf {{.*}} : vector<4xf32>
// CHECK: arith.maximumf {{.*}} : vector<4xf32>
// CHECK: vector.store
// CHECK: } else {
// CHECK: scf.if %[[NEXT]] {
// CHECK: scf.for
// CHECK-NOT: scf.if
// CHECK-NOT: memref.prefetch %arg0
// CHECK: memref.prefetch %[[P]]
// CHECK-NOT: scf.if
// CHECK: vector.fma
// CHECK: } else {
// CHECK: scf.for
// CHECK-NOT: memref.prefetch
// CHECK: vector.fma
// Whole rows of the partial column panel (N = 6 is not a multiple of 4): masked
// columns, every row stored.
// CHECK: } else {
// CHECK: scf.if
// CHECK: vector.create_mask
// CHECK: memref.prefetch %arg0
// CHECK-NOT: arith.cmpi ult
// CHECK: vector.maskedstore
// The partial tile: masked columns, rows past M read from row M - 1 and not stored.
// CHECK: } else {
// CHECK: vector.create_mask
// CHECK: arith.minui
// CHECK: scf.for
// CHECK: arith.cmpi ult
// CHECK: scf.if
// CHECK: vector.maskedload %arg1
// CHECK: vector.maskedstore
// CHECK-NOT: linalg.
// CHECK: return
memref.global "private" constant @w : memref<6x80xf32> = dense<0.5>
func.func @linear(%x: memref<?x80xf32>, %bias: memref<6xf32>, %y: memref<?x6xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<6x80xf32>
  linalg.fill ins(%cst : f32) outs(%y : memref<?x6xf32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                 affine_map<(d0, d1, d2) -> (d1, d2)>,
                                 affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%x, %w : memref<?x80xf32>, memref<6x80xf32>) outs(%y : memref<?x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : memref<?x6xf32>, memref<6xf32>) outs(%y : memref<?x6xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    %r = arith.maximumf %s, %cst : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A short K (3 here; at most 64 f32, 128 with a residual in the epilogue): tiles run
// row by row (a row group of one tile) so that the output rows are written front to
// back; all of B then stays in L2, so no tile requests the next B panel.
// CHECK-LABEL: func @short_k
// CHECK: %[[P:.+]] = memref.get_global @__kiln_packed_{{[0-9]+}} : memref<2x3x4xf32>
// CHECK: arith.select %true, %c1,
// CHECK: scf.parallel
// CHECK-NOT: memref.prefetch %[[P]]
// CHECK: return
memref.global "private" constant @w3 : memref<6x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]>
func.func @short_k(%x: memref<?x3xf32>, %bias: memref<6xf32>, %y: memref<?x6xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w3 : memref<6x3xf32>
  linalg.fill ins(%cst : f32) outs(%y : memref<?x6xf32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                 affine_map<(d0, d1, d2) -> (d1, d2)>,
                                 affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%x, %w : memref<?x3xf32>, memref<6x3xf32>) outs(%y : memref<?x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : memref<?x6xf32>, memref<6xf32>) outs(%y : memref<?x6xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    %r = arith.maximumf %s, %cst : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Activations times activations (attention scores): B is read in place along n, C is
// loaded as the accumulators' start (no fill before it), one tile per batch and block.
// CHECK-LABEL: func @batched
// CHECK-NOT: memref.global
// CHECK: scf.parallel
// CHECK: vector.load %arg2
// CHECK: scf.for
// CHECK: vector.load %arg1
// CHECK: memref.load %arg0
// CHECK: vector.fma
// CHECK: vector.store {{.*}}, %arg2
// CHECK-NOT: linalg.batch_matmul
func.func @batched(%a: memref<4x8x16xf32>, %b: memref<4x16x8xf32>, %c: memref<4x8x8xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<4x8x16xf32>, memref<4x16x8xf32>)
                      outs(%c : memref<4x8x8xf32>)
  return
}

// -----

// An i32 contraction (MatMulInteger's widened operands) uses the same tiles with integer
// multiply-adds; mixed element types (i8 x i8 -> i32) and a non-constant B whose n dim
// is not innermost (it would need a run-time transpose) are left alone.
// CHECK-LABEL: func @integer_and_left_alone
// CHECK: scf.parallel
// CHECK: memref.load %arg0{{.*}} : memref<8x8xi32>
// CHECK: vector.broadcast {{.*}} : i32 to vector<4xi32>
// CHECK: arith.muli {{.*}} : vector<4xi32>
// CHECK: arith.addi {{.*}} : vector<4xi32>
// CHECK: linalg.matmul {{.*}} memref<8x8xi8>
// CHECK: linalg.matmul indexing_maps
// CHECK-NOT: scf.parallel
func.func @integer_and_left_alone(%a: memref<8x8xi32>, %c: memref<8x8xi32>, %x: memref<8x8xf32>,
                      %bt: memref<8x8xf32>, %y: memref<8x8xf32>, %a8: memref<8x8xi8>) {
  linalg.matmul ins(%a, %a : memref<8x8xi32>, memref<8x8xi32>) outs(%c : memref<8x8xi32>)
  linalg.matmul ins(%a8, %a8 : memref<8x8xi8>, memref<8x8xi8>) outs(%c : memref<8x8xi32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                 affine_map<(d0, d1, d2) -> (d1, d2)>,
                                 affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%x, %bt : memref<8x8xf32>, memref<8x8xf32>) outs(%y : memref<8x8xf32>)
  return
}

// -----

// A bool operand along n is not fused (a vector of i1 would read packed bits from a
// buffer that holds one byte per element); the contraction is still lowered.
// CHECK-LABEL: func @bool_epilogue
// CHECK: scf.parallel
// CHECK: linalg.generic
// CHECK: arith.select
func.func @bool_epilogue(%a: memref<8x8xf32>, %b: memref<8x8xf32>, %c: memref<8x8xf32>,
                         %mask: memref<8x8xi1>) {
  %ninf = arith.constant -1.0e30 : f32
  linalg.matmul ins(%a, %b : memref<8x8xf32>, memref<8x8xf32>) outs(%c : memref<8x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %mask : memref<8x8xf32>, memref<8x8xi1>) outs(%c : memref<8x8xf32>) {
  ^bb0(%in: f32, %m: i1, %out: f32):
    %s = arith.select %m, %in, %ninf : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The epilogue reads C through an expand_shape (a [b*s, 768] result read as [b, s, 12, 64]
// heads): it is fused, with the per-head bias collapsed to C's shape.
// CHECK-LABEL: func @expanded_epilogue
// CHECK: memref.collapse_shape %arg2 {{\[}}[0, 1]] : memref<3x4xf32> into memref<12xf32>
// CHECK: scf.parallel
// CHECK: vector.fma
// CHECK: arith.addf {{.*}} : vector<4xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @expanded_epilogue(%a: memref<4x8xf32>, %b: memref<8x12xf32>, %bias: memref<3x4xf32>,
                             %y: memref<4x3x4xf32>) {
  %c = memref.alloc() : memref<4x12xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x12xf32>) outs(%c : memref<4x12xf32>)
  %v = memref.expand_shape %c [[0], [1, 2]] output_shape [4, 3, 4] : memref<4x12xf32> into memref<4x3x4xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>,
                                   affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%v, %bias : memref<4x3x4xf32>, memref<3x4xf32>) outs(%y : memref<4x3x4xf32>) {
  ^bb0(%in: f32, %bi: f32, %out: f32):
    %s = arith.addf %in, %bi : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A 1x1 convolution as a matmul over the pixels ([2*3*3, 4] x [4, 8]) whose bias + ReLU
// epilogue writes into the interior of the next convolution's padded input: that view
// cannot take C's shape (its rows are 5 apart), so the store splits C's row index into
// (n, h, w) with floordiv/mod by 3 and 9 instead.
// The output's lines are prefetched (for writing) before the k loop.
// CHECK-LABEL: func @padded_output
// CHECK: scf.parallel
// CHECK: arith.divui %{{.+}}, %c9
// CHECK: arith.remui
// CHECK: memref.prefetch %{{.+}}, write, locality<3>, data : memref<2x3x3x8xf32, strided<[200, 40, 8, 1], offset: 48>>
// CHECK: vector.fma
// CHECK: vector.store %{{.+}}, %{{.+}} : memref<2x3x3x8xf32, strided<[200, 40, 8, 1], offset: 48>>, vector<4xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @padded_output(%a: memref<18x4xf32>, %b: memref<4x8xf32>, %bias: memref<8xf32>,
                         %padded: memref<2x5x5x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<18x8xf32>
  linalg.matmul ins(%a, %b : memref<18x4xf32>, memref<4x8xf32>) outs(%c : memref<18x8xf32>)
  %v = memref.expand_shape %c [[0, 1, 2], [3]] output_shape [2, 3, 3, 8] : memref<18x8xf32> into memref<2x3x3x8xf32>
  %interior = memref.subview %padded[0, 1, 1, 0] [2, 3, 3, 8] [1, 1, 1, 1] : memref<2x5x5x8xf32> to memref<2x3x3x8xf32, strided<[200, 40, 8, 1], offset: 48>>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v, %bias : memref<2x3x3x8xf32>, memref<8xf32>) outs(%interior : memref<2x3x3x8xf32, strided<[200, 40, 8, 1], offset: 48>>) {
  ^bb0(%in: f32, %bi: f32, %out: f32):
    %s = arith.addf %in, %bi : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Channels-last pools take the depthwise kernel with another combine: a max pool
// (-inf fill, arith.maximumf) and a sum pool (0 fill, addf) whose window operand (shape
// only) is never read; the division of an average pool is the sum's epilogue.
// CHECK-LABEL: func @pools
// CHECK-NOT: linalg.
// CHECK: %[[NEGINF:.+]] = arith.constant dense<0xFF800000> : vector<4xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[NEGINF]],
// CHECK: scf.for
// CHECK-NOT: vector.fma
// CHECK-NOT: load %arg1
// CHECK: vector.load %arg0
// CHECK: arith.maximumf {{.*}} : vector<4xf32>
// CHECK: vector.store {{.*}}, %arg2
// CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]],
// CHECK: scf.for
// CHECK-NOT: vector.fma
// CHECK-NOT: load %arg1
// CHECK: vector.load %arg0
// CHECK: arith.addf {{.*}} : vector<4xf32>
// CHECK: arith.mulf {{.*}} : vector<4xf32>
// CHECK: vector.store {{.*}}, %arg3
// CHECK-NOT: linalg.
// CHECK: return
func.func @pools(%in: memref<1x10x10x8xf32>, %window: memref<3x3xf32>, %max: memref<1x8x8x8xf32>,
                 %avg: memref<1x8x8x8xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %ninth = arith.constant 0.111111112 : f32
  linalg.fill ins(%ninf : f32) outs(%max : memref<1x8x8x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%in, %window : memref<1x10x10x8xf32>, memref<3x3xf32>) outs(%max : memref<1x8x8x8xf32>) {
  ^bb0(%x: f32, %k: f32, %acc: f32):
    %m = arith.maximumf %acc, %x : f32
    linalg.yield %m : f32
  }
  linalg.fill ins(%zero : f32) outs(%avg : memref<1x8x8x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%in, %window : memref<1x10x10x8xf32>, memref<3x3xf32>) outs(%avg : memref<1x8x8x8xf32>) {
  ^bb0(%x: f32, %k: f32, %acc: f32):
    %s = arith.addf %acc, %x : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%avg : memref<1x8x8x8xf32>) outs(%avg : memref<1x8x8x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.mulf %v, %ninth : f32
    linalg.yield %d : f32
  }
  return
}

// A max over the window of a product (not a pool) stays a generic.
// CHECK-LABEL: func @not_a_pool
// CHECK: linalg.generic
func.func @not_a_pool(%in: memref<1x10x10x8xf32>, %w: memref<3x3x8xf32>, %out: memref<1x8x8x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d3, d2 + d4, d5)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4, d5)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%in, %w : memref<1x10x10x8xf32>, memref<3x3x8xf32>) outs(%out : memref<1x8x8x8xf32>) {
  ^bb0(%x: f32, %k: f32, %acc: f32):
    %p = arith.mulf %x, %k : f32
    %m = arith.maximumf %acc, %p : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A depthwise convolution on NHWC buffers (stride 2 along H, dilation 2 along W, C = 6
// not a multiple of the 4-lane vector): the zero fill is dropped, each tile keeps one
// accumulator per output pixel over the KH x KW window (vector.fma on masked channel
// vectors), the bias + ReLU consumer is its epilogue, and the OW remainder is one
// tile of its own width.
// CHECK-LABEL: func @depthwise
// CHECK-NOT: linalg.
// CHECK: scf.parallel
// CHECK: arith.divui
// CHECK: arith.remui
// CHECK: scf.for
// CHECK: vector.create_mask
// CHECK: scf.for
// CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]])
// CHECK: arith.muli %{{.+}}, %c2
// CHECK: scf.for
// CHECK: vector.maskedload %arg1
// CHECK: vector.maskedload %arg0
// CHECK: vector.fma
// CHECK: vector.maskedload %arg2
// CHECK: arith.addf {{.*}} : vector<4xf32>
// CHECK: arith.maximumf {{.*}} : vector<4xf32>
// CHECK: vector.maskedstore %arg3
// The OW remainder (9 = 8 + 1): one tile of its width, outside the tile loop.
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %{{.+}}) -> (vector<4xf32>)
// CHECK-NOT: linalg.
// CHECK: return
func.func @depthwise(%in: memref<?x11x13x6xf32>, %w: memref<3x3x6xf32>, %bias: memref<6xf32>,
                     %out: memref<?x5x9x6xf32>) {
  %cst = arith.constant 0.0 : f32
  linalg.fill ins(%cst : f32) outs(%out : memref<?x5x9x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 + d4 * 2, d5)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4, d5)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%in, %w : memref<?x11x13x6xf32>, memref<3x3x6xf32>) outs(%out : memref<?x5x9x6xf32>) {
  ^bb0(%x: f32, %k: f32, %acc: f32):
    %p = arith.mulf %x, %k : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%out, %bias : memref<?x5x9x6xf32>, memref<6xf32>) outs(%out : memref<?x5x9x6xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %cst : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A 3-D depthwise convolution on NDHWC buffers (stride 2 along D, dilation 2 along W):
// rows are (n, od, oh), split from the parallel index by divisions; each tile keeps one
// accumulator per output pixel over the KD x KH x KW window (three nested tap loops),
// and the zero fill is dropped.
// CHECK-LABEL: func @depthwise_3d
// CHECK-NOT: linalg.
// CHECK: scf.parallel
// CHECK: arith.divui
// CHECK: arith.remui
// CHECK: arith.divui
// CHECK: arith.remui
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]], %{{.+}} = %[[ZERO]])
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.load %arg1
// CHECK: vector.load %arg0
// CHECK: vector.fma
// CHECK: vector.store {{.+}}, %arg2
// CHECK-NOT: linalg.
// CHECK: return
func.func @depthwise_3d(%in: memref<1x9x6x13x8xf32>, %w: memref<3x3x3x8xf32>,
                        %out: memref<1x4x4x9x8xf32>) {
  %cst = arith.constant 0.0 : f32
  linalg.fill ins(%cst : f32) outs(%out : memref<1x4x4x9x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 2 + d4, d2 + d5, d3 + d6 * 2, d7)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d4, d5, d6, d7)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
      ins(%in, %w : memref<1x9x6x13x8xf32>, memref<3x3x3x8xf32>) outs(%out : memref<1x4x4x9x8xf32>) {
  ^bb0(%x: f32, %k: f32, %acc: f32):
    %p = arith.mulf %x, %k : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A 3-D implicit-GEMM convolution (NDHWC, 3x1x1 temporal kernel): the generic's m dims
// (n, od, oh, ow) and k dims (kd, c) become one register-tiled kernel with the weight
// packed at compile time. Its rows need a register each, so the next tile's are not
// requested ahead.
// CHECK-LABEL: func @conv_3d_window
// CHECK-NOT: linalg.
// CHECK: memref.get_global @__kiln_packed
// CHECK: scf.parallel
// CHECK-NOT: memref.prefetch %arg0
// CHECK: vector.fma
// CHECK-NOT: linalg.
// CHECK: return
memref.global "private" constant @w3d : memref<3x1x1x4x8xf32> = dense<0.5>
func.func @conv_3d_window(%in: memref<1x6x3x5x4xf32>, %out: memref<1x4x3x5x8xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w3d : memref<3x1x1x4x8xf32>
  linalg.fill ins(%cst : f32) outs(%out : memref<1x4x3x5x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d1 + d5, d2 + d6, d3 + d7, d8)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d5, d6, d7, d8, d4)>,
                                   affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8) -> (d0, d1, d2, d3, d4)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]}
      ins(%in, %w : memref<1x6x3x5x4xf32>, memref<3x1x1x4x8xf32>) outs(%out : memref<1x4x3x5x8xf32>) {
  ^bb0(%x: f32, %k: f32, %acc: f32):
    %p = arith.mulf %x, %k : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A contraction batched over a constant B (Winograd's 16 transformed filters, here 2 of
// [K = 3][N = 6]): B is packed per batch element into [2][ceil(N/4)][K][4] and each tile
// reads the panels of its own batch element (the batch index first).
// CHECK: memref.global "private" constant @__kiln_packed_0 : memref<2x2x3x4xf32>
// CHECK-LABEL: func @batched_constant_b
// CHECK: %[[P:.+]] = memref.get_global @__kiln_packed_0 : memref<2x2x3x4xf32>
// CHECK: scf.parallel
// CHECK: vector.load %[[P]][%[[B:.+]], %{{.+}}, %{{.+}}, %{{.+}}] : memref<2x2x3x4xf32>, vector<4xf32>
memref.global "private" constant @wb : memref<2x3x6xf32> = dense<0.25>
func.func @batched_constant_b(%x: memref<5x2x3xf32>, %y: memref<5x2x6xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @wb : memref<2x3x6xf32>
  linalg.fill ins(%cst : f32) outs(%y : memref<5x2x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1, d0, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>,
                                   affine_map<(d0, d1, d2, d3) -> (d1, d0, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<5x2x3xf32>, memref<2x3x6xf32>) outs(%y : memref<5x2x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// -----

// C is the caller's output buffer (a model output computed in place): an epilogue writing
// elsewhere is not fused, since the fused kernel would never store C.
// CHECK-LABEL: func @c_is_an_output
// CHECK: scf.parallel
// CHECK: vector.store %{{.+}}, %arg2
// CHECK: linalg.generic
// CHECK: return
func.func @c_is_an_output(%a: memref<4x8xf32>, %b: memref<8x4xf32>, %c: memref<4x4xf32>,
                          %bias: memref<4xf32>, %d: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x4xf32>) outs(%c : memref<4x4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x4xf32>, memref<4xf32>) outs(%d : memref<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}
