// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=2 tile-vectors=1 vector-width=16 vnni=true" --cse %s | FileCheck %s
// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=2 tile-vectors=1 vector-width=16" --cse %s | FileCheck %s --check-prefix=I32
// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=2 tile-vectors=1 vector-width=16 vnni=true amx=true" --cse %s | FileCheck %s --check-prefix=AMX

// Where the target has AMX-INT8, the same product packs B in panels of 32 columns with K
// padded to 64 (16 groups of 4), and where the glue's kiln_rt_amx_enabled() grants the tile
// state runs 32 x 32 blocks on the tiles (tdpbusd: A unsigned, B re-signed, the scratch
// holding D), the corrections and the stores on the scratch's rows; else the vpdpbusd
// tiles. Each block of 32 rows of A (K static, at most 128 KiB) is copied on the stack,
// K padded to 64, before the panels of its group, which run in an inner loop (see
// kiln-lower-contractions-bf16.mlir); C starts from zero tiles.
// AMX: memref.global "private" constant @__kiln_int8_packed : memref<1x1x16x128xi8>
// AMX-LABEL: func @matmul_u8u8
// AMX: %[[ON:.+]] = call @kiln_rt_amx_enabled() : () -> i32
// AMX: scf.if
// AMX-NOT: memref.alloc(
// AMX: scf.parallel
// AMX: memref.alloca() {alignment = 64 : i64} : memref<32x32xi32>
// AMX: %[[BLOCK:.+]] = memref.alloca() {alignment = 64 : i64} : memref<32x64xi8>
// AMX: scf.for %{{.+}} = %c0 to %c32
// AMX: vector.maskedload %arg0
// AMX: vector.store {{.+}}, %[[BLOCK]]
// AMX: scf.for
// AMX-COUNT-4: amx.tile_zero : !amx.tile<16x16xi32>
// AMX: amx.tile_load %[[BLOCK]][%c0, {{.+}}] : memref<32x64xi8> into !amx.tile<16x64xi8>
// AMX: amx.tile_load {{.+}} : memref<1x1x16x128xi8> into !amx.tile<16x64xi8>
// AMX: amx.tile_muli {{.+}} zext
// AMX-COUNT-4: amx.tile_store
// AMX: vector.load {{.+}} : memref<32x32xi32>, vector<16xi32>
// AMX: } else {
// AMX: call @llvm.x86.avx512.vpdpbusd.512

// Tests that a MatMulInteger of a u8 activation (zero point in memory) by a constant u8
// weight (zero point 7) reads the bytes: B is packed at compile time into
// [1][ceil(N/16)][ceil(K/4)][16 * 4] bytes with its sign bit flipped (both operands u8),
// its column sums too (A has a zero point); A's rows are summed by a pre-pass (the factor
// 128 - 7 is not 0); the k loop runs vpdpbusd on A's 4 bytes broadcast, and the
// widenings are gone.
// CHECK-DAG: memref.global "private" constant @__kiln_int8_colsums : memref<1x16xi32>
// CHECK-DAG: memref.global "private" constant @__kiln_int8_packed : memref<1x1x2x64xi8>
// CHECK-LABEL: func @matmul_u8u8
// CHECK-NOT: linalg.
// CHECK: %[[P:.+]] = memref.get_global @__kiln_int8_packed
// CHECK: %[[S:.+]] = memref.get_global @__kiln_int8_colsums
// CHECK: %[[R:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?xi32>
// CHECK: scf.parallel
// CHECK: vector.maskedload %arg0{{.+}} : memref<?x8xi8>, vector<64xi1>, vector<64xi8> into vector<64xi8>
// CHECK: vector.reduction <add>
// CHECK: memref.store {{.+}}, %[[R]]
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: vector.load %[[P]]{{.+}} : memref<1x1x2x64xi8>, vector<64xi8>
// CHECK: vector.load %arg0{{.+}} : memref<?x8xi8>, vector<4xi8>
// CHECK: vector.bitcast {{.+}} : vector<4xi8> to vector<1xi32>
// CHECK: vector.broadcast {{.+}} : vector<1xi32> to vector<16xi32>
// CHECK: call @llvm.x86.avx512.vpdpbusd.512
// CHECK: vector.load %[[S]]
// CHECK: memref.load %[[R]]
// CHECK: scf.if
// CHECK: vector.maskedstore %arg2
// CHECK-NOT: linalg.
// CHECK: return
// CHECK: func.func private @llvm.x86.avx512.vpdpbusd.512(vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>

// Without VNNI, the i32 register tiles read the weight widened (minus 7) and packed at
// compile time; only A's widening runs.
// I32: memref.global "private" constant @__kiln_packed_0 : memref<1x8x16xi32>
// I32-LABEL: func @matmul_u8u8
// I32: linalg.generic
// I32-SAME: ins(%arg0, %arg1 : memref<?x8xi8>, memref<i8>)
// I32: linalg.yield
// I32-NOT: linalg.
// I32: memref.get_global @__kiln_packed_0
// I32: arith.muli {{.+}} : vector<16xi32>
// I32: return
memref.global "private" constant @w : memref<8x5xi8> = dense<[[1, 2, 3, 4, 5], [-1, -2, -3, -4, -5], [0, 0, 0, 0, 0], [7, 7, 7, 7, 7], [1, 2, 3, 4, 5], [-1, -2, -3, -4, -5], [0, 0, 0, 0, 0], [7, 7, 7, 7, 7]]>
func.func @matmul_u8u8(%a: memref<?x8xi8>, %az: memref<i8>, %y: memref<?x5xi32>) {
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : i32
  %zero = arith.constant 0 : i32
  %w = memref.get_global @w : memref<8x5xi8>
  %m = memref.dim %a, %c0 : memref<?x8xi8>
  %aw = memref.alloc(%m) : memref<?x8xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a, %az : memref<?x8xi8>, memref<i8>) outs(%aw : memref<?x8xi32>) {
  ^bb0(%x: i8, %z: i8, %out: i32):
    %xe = arith.extui %x : i8 to i32
    %ze = arith.extui %z : i8 to i32
    %d = arith.subi %xe, %ze : i32
    linalg.yield %d : i32
  }
  %ww = memref.alloc() : memref<8x5xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%w : memref<8x5xi8>) outs(%ww : memref<8x5xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extui %x : i8 to i32
    %d = arith.subi %xe, %c7 : i32
    linalg.yield %d : i32
  }
  linalg.fill ins(%zero : i32) outs(%y : memref<?x5xi32>)
  linalg.matmul ins(%aw, %ww : memref<?x8xi32>, memref<8x5xi32>) outs(%y : memref<?x5xi32>)
  return
}

// -----

// Tests that a u8 x i8 product of two inputs (no zero points) interleaves B at run time:
// four rows of 16 bytes shuffled into one 64-byte group per k step, no column or row sums;
// K = 6 leaves a partial group of 4, read masked from A.
// CHECK-LABEL: func @matmul_u8i8_runtime
// CHECK-NOT: linalg.
// CHECK: %[[P:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?x?x64xi8>
// CHECK: scf.parallel
// CHECK: vector.maskedload %arg1
// CHECK: vector.shuffle
// CHECK: vector.shuffle
// CHECK: vector.shuffle
// CHECK-NOT: arith.xori
// CHECK: vector.store {{.+}}, %[[P]]
// CHECK-NOT: vector.reduction
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: call @llvm.x86.avx512.vpdpbusd.512
// CHECK: scf.for
// CHECK: vector.maskedload %arg0{{.+}} : memref<?x6xi8>, vector<4xi1>, vector<4xi8> into vector<4xi8>
// CHECK: call @llvm.x86.avx512.vpdpbusd.512
// CHECK: vector.maskedstore %arg2
// CHECK-NOT: linalg.
// CHECK: return
func.func @matmul_u8i8_runtime(%a: memref<?x6xi8>, %b: memref<6x20xi8>, %y: memref<?x20xi32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %m = memref.dim %a, %c0 : memref<?x6xi8>
  %aw = memref.alloc(%m) : memref<?x6xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<?x6xi8>) outs(%aw : memref<?x6xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extui %x : i8 to i32
    linalg.yield %xe : i32
  }
  %bw = memref.alloc() : memref<6x20xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<6x20xi8>) outs(%bw : memref<6x20xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extsi %x : i8 to i32
    linalg.yield %xe : i32
  }
  linalg.fill ins(%zero : i32) outs(%y : memref<?x20xi32>)
  linalg.matmul ins(%aw, %bw : memref<?x6xi32>, memref<6x20xi32>) outs(%y : memref<?x20xi32>)
  return
}

// -----

// Tests that a per-column zero point (MatMulInteger's 1-D b_zero_point) keeps the i32
// register tiles on the widened operands.
// CHECK-LABEL: func @per_column_zero_point
// CHECK-NOT: vpdpbusd
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: scf.parallel
// CHECK: arith.muli {{.+}} : vector<16xi32>
// CHECK-NOT: vpdpbusd
// CHECK: return
func.func @per_column_zero_point(%a: memref<4x8xi8>, %b: memref<8x16xi8>, %bz: memref<16xi8>, %y: memref<4x16xi32>) {
  %zero = arith.constant 0 : i32
  %aw = memref.alloc() : memref<4x8xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x8xi8>) outs(%aw : memref<4x8xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extui %x : i8 to i32
    linalg.yield %xe : i32
  }
  %bw = memref.alloc() : memref<8x16xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%b, %bz : memref<8x16xi8>, memref<16xi8>) outs(%bw : memref<8x16xi32>) {
  ^bb0(%x: i8, %z: i8, %out: i32):
    %xe = arith.extsi %x : i8 to i32
    %ze = arith.extsi %z : i8 to i32
    %d = arith.subi %xe, %ze : i32
    linalg.yield %d : i32
  }
  linalg.fill ins(%zero : i32) outs(%y : memref<4x16xi32>)
  linalg.matmul ins(%aw, %bw : memref<4x8xi32>, memref<8x16xi32>) outs(%y : memref<4x16xi32>)
  return
}

// -----

// Tests the orientation of a convolution: a constant u8 weight A (zero point 3) by
// run-time u8 columns B (zero point in memory). A's row sums are constants; B is
// interleaved with its sign bit flipped (both u8) while its column sums are taken.
// CHECK: memref.global "private" constant @__kiln_int8_rowsums : memref<1x4xi32>
// CHECK-LABEL: func @conv_orientation
// CHECK: %[[P:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?x?x64xi8>
// CHECK: %[[S:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?xi32>
// CHECK: scf.parallel
// CHECK: arith.extui {{.+}} : vector<16xi8> to vector<16xi32>
// CHECK: vector.shuffle
// CHECK: arith.xori
// CHECK: vector.store {{.+}}, %[[P]]
// CHECK: vector.store {{.+}}, %[[S]]
// CHECK-NOT: vector.reduction
// CHECK: memref.get_global @__kiln_int8_rowsums
// CHECK: scf.parallel
// CHECK: call @llvm.x86.avx512.vpdpbusd.512
// CHECK-NOT: linalg.
// CHECK: return
// Without VNNI, the weight A is widened (minus 3) at compile time into an i32 global.
// I32: memref.global "private" constant @__kiln_widened : memref<4x8xi32>
// I32-LABEL: func @conv_orientation
// I32: memref.get_global @__kiln_widened
// I32-NOT: memref.get_global @w2
// I32: return
memref.global "private" constant @w2 : memref<4x8xi8> = dense<[[1, 2, 3, 4, 5, 6, 7, 8], [-1, -2, -3, -4, -5, -6, -7, -8], [0, 0, 0, 0, 0, 0, 0, 0], [9, 9, 9, 9, 9, 9, 9, 9]]>
func.func @conv_orientation(%x: memref<1x8x20xi8>, %xz: memref<i8>, %y: memref<1x4x20xi32>) {
  %c3 = arith.constant 3 : i32
  %zero = arith.constant 0 : i32
  %w = memref.get_global @w2 : memref<4x8xi8>
  %ww = memref.alloc() : memref<4x8xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%w : memref<4x8xi8>) outs(%ww : memref<4x8xi32>) {
  ^bb0(%v: i8, %out: i32):
    %e = arith.extui %v : i8 to i32
    %d = arith.subi %e, %c3 : i32
    linalg.yield %d : i32
  }
  %xw = memref.alloc() : memref<1x8x20xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> ()>,
                                   affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %xz : memref<1x8x20xi8>, memref<i8>) outs(%xw : memref<1x8x20xi32>) {
  ^bb0(%v: i8, %z: i8, %out: i32):
    %e = arith.extui %v : i8 to i32
    %ze = arith.extui %z : i8 to i32
    %d = arith.subi %e, %ze : i32
    linalg.yield %d : i32
  }
  linalg.fill ins(%zero : i32) outs(%y : memref<1x4x20xi32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ww, %xw : memref<4x8xi32>, memref<1x8x20xi32>) outs(%y : memref<1x4x20xi32>) {
  ^bb0(%a: i32, %b: i32, %out: i32):
    %p = arith.muli %a, %b : i32
    %s = arith.addi %out, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// Tests that two products of one widened activation (quantized in the widening's body, as
// DynamicQuantizeLinear fused into MatMulInteger's widening writes it, shared by the Q/K/V
// projections of a quantized transformer) both take the VNNI kernel: the first kernel,
// emitted between the widening and the second product, writes only its own output. The
// 8-bit copy that replaces the widening keeps its kiln.vectorize mark.
// CHECK-LABEL: func @shared_quantized_activation
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic {{.+}} outs(%{{.+}} : memref<?x8xi8>) attrs =  {kiln.vectorize}
// CHECK: call @llvm.x86.avx512.vpdpbusd.512
// CHECK: vector.maskedstore %arg3
// CHECK: call @llvm.x86.avx512.vpdpbusd.512
// CHECK: vector.maskedstore %arg4
// CHECK-NOT: linalg.matmul
// CHECK: return
func.func @shared_quantized_activation(%a: memref<?x8xf32>, %b1: memref<8x20xi8>, %b2: memref<8x20xi8>,
                                       %y1: memref<?x20xi32>, %y2: memref<?x20xi32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %scale = arith.constant 0.5 : f32
  %m = memref.dim %a, %c0 : memref<?x8xf32>
  %aw = memref.alloc(%m) : memref<?x8xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<?x8xf32>) outs(%aw : memref<?x8xi32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %out: i32):
    %d = arith.divf %x, %scale : f32
    %q = arith.fptoui %d : f32 to i8
    %xe = arith.extui %q : i8 to i32
    linalg.yield %xe : i32
  }
  %bw1 = memref.alloc() : memref<8x20xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%b1 : memref<8x20xi8>) outs(%bw1 : memref<8x20xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extsi %x : i8 to i32
    linalg.yield %xe : i32
  }
  %bw2 = memref.alloc() : memref<8x20xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%b2 : memref<8x20xi8>) outs(%bw2 : memref<8x20xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extsi %x : i8 to i32
    linalg.yield %xe : i32
  }
  linalg.fill ins(%zero : i32) outs(%y1 : memref<?x20xi32>)
  linalg.matmul ins(%aw, %bw1 : memref<?x8xi32>, memref<8x20xi32>) outs(%y1 : memref<?x20xi32>)
  linalg.fill ins(%zero : i32) outs(%y2 : memref<?x20xi32>)
  linalg.matmul ins(%aw, %bw2 : memref<?x8xi32>, memref<8x20xi32>) outs(%y2 : memref<?x20xi32>)
  return
}

// -----

// Tests that a statically quantized chain (the first product's result rescaled, quantized
// by constants and widened for the second product, as kiln-quantize-static writes it)
// takes the VNNI kernel twice: the widening is not fused into the first kernel as its
// epilogue, so the second product finds its 8-bit values computed in the widening's body.
// CHECK-LABEL: func @static_quantized_chain
// CHECK-NOT: linalg.matmul
// CHECK: call @llvm.x86.avx512.vpdpbusd.512
// CHECK: linalg.generic
// CHECK: arith.fptoui
// CHECK: call @llvm.x86.avx512.vpdpbusd.512
// CHECK: vector.maskedstore %arg3
// CHECK-NOT: linalg.matmul
// CHECK: return
func.func @static_quantized_chain(%a: memref<?x8xi8>, %b1: memref<8x8xi8>, %b2: memref<8x20xi8>,
                                  %y2: memref<?x20xi32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %scale = arith.constant 0.5 : f32
  %m = memref.dim %a, %c0 : memref<?x8xi8>
  %aw = memref.alloc(%m) : memref<?x8xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<?x8xi8>) outs(%aw : memref<?x8xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extui %x : i8 to i32
    linalg.yield %xe : i32
  }
  %bw1 = memref.alloc() : memref<8x8xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%b1 : memref<8x8xi8>) outs(%bw1 : memref<8x8xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extsi %x : i8 to i32
    linalg.yield %xe : i32
  }
  %y1 = memref.alloc(%m) : memref<?x8xi32>
  linalg.fill ins(%zero : i32) outs(%y1 : memref<?x8xi32>)
  linalg.matmul ins(%aw, %bw1 : memref<?x8xi32>, memref<8x8xi32>) outs(%y1 : memref<?x8xi32>)
  // Cast, Mul by the scales, QuantizeLinear by constants, widened: one fused generic.
  %hw = memref.alloc(%m) : memref<?x8xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%y1 : memref<?x8xi32>) outs(%hw : memref<?x8xi32>) {
  ^bb0(%x: i32, %out: i32):
    %f = arith.sitofp %x : i32 to f32
    %s = arith.mulf %f, %scale : f32
    %q = arith.fptoui %s : f32 to i8
    %xe = arith.extui %q : i8 to i32
    linalg.yield %xe : i32
  }
  %bw2 = memref.alloc() : memref<8x20xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%b2 : memref<8x20xi8>) outs(%bw2 : memref<8x20xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extsi %x : i8 to i32
    linalg.yield %xe : i32
  }
  linalg.fill ins(%zero : i32) outs(%y2 : memref<?x20xi32>)
  linalg.matmul ins(%hw, %bw2 : memref<?x8xi32>, memref<8x20xi32>) outs(%y2 : memref<?x20xi32>)
  return
}

// -----

// With AMX and K known only at run time: the pre-pass copies A's rows (K padded to 64)
// into a buffer of all rows, and C's zero start is a first step from zero tiles when there
// is a step at all (else the zero tiles are stored as they are), the other steps in chunks.
// AMX-LABEL: func @runtime_k
// AMX: scf.if
// AMX: %[[ROWS:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?x?xi8>
// AMX: scf.parallel
// AMX: memref.alloca() {alignment = 64 : i64} : memref<32x32xi32>
// AMX-NOT: memref.alloca
// AMX: %[[ANY:.+]] = arith.cmpi ugt
// AMX: scf.if %[[ANY]] {
// AMX-COUNT-4: amx.tile_zero
// AMX: amx.tile_load %[[ROWS]]
// AMX: amx.tile_muli
// AMX: } else {
// AMX-COUNT-4: amx.tile_zero
// AMX-COUNT-4: amx.tile_store
// AMX: scf.for
// AMX: amx.tile_load {{.+}} : memref<32x32xi32> into !amx.tile<16x16xi32>
func.func @runtime_k(%a: memref<?x?xi8>, %b: memref<?x32xi8>, %y: memref<?x32xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0 : i32
  %m = memref.dim %a, %c0 : memref<?x?xi8>
  %k = memref.dim %a, %c1 : memref<?x?xi8>
  %aw = memref.alloc(%m, %k) : memref<?x?xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<?x?xi8>) outs(%aw : memref<?x?xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extui %x : i8 to i32
    linalg.yield %xe : i32
  }
  %bw = memref.alloc(%k) : memref<?x32xi32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<?x32xi8>) outs(%bw : memref<?x32xi32>) {
  ^bb0(%x: i8, %out: i32):
    %xe = arith.extsi %x : i8 to i32
    linalg.yield %xe : i32
  }
  linalg.fill ins(%zero : i32) outs(%y : memref<?x32xi32>)
  linalg.matmul ins(%aw, %bw : memref<?x?xi32>, memref<?x32xi32>) outs(%y : memref<?x32xi32>)
  return
}
