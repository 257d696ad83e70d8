// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=2 tile-vectors=2 vector-width=16 bf16=true" --cse %s | FileCheck %s
// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=2 tile-vectors=2 vector-width=16 bf16=true amx=true" --cse %s | FileCheck %s --check-prefix=AMX
// RUN: kiln-opt --split-input-file --kiln-lower-contractions="tile-rows=2 tile-vectors=2 vector-width=16 bf16=true keep-fp32=fc" --cse %s | FileCheck %s --check-prefix=KEPT

// A Linear layer (K = 3, N = 6) with a bias + ReLU epilogue. B is rounded to bf16 and
// packed at compile time into [1][1 panel of 32 columns][2 k pairs (K padded to 4)][64];
// a pre-pass rounds A's rows to bf16 (the odd K's pad zeroed); the k loop broadcasts A's
// pair as one i32 and runs vdpbf16ps; the epilogue runs on the f32 sums.
// CHECK: memref.global "private" constant @__kiln_bf16_packed : memref<1x1x2x64xbf16>
// CHECK-LABEL: func @linear
// CHECK-NOT: linalg.
// CHECK: %[[P:.+]] = memref.get_global @__kiln_bf16_packed
// CHECK: %[[A:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?x4xbf16>
// CHECK: scf.parallel
// CHECK: vector.maskedload %arg0
// CHECK: arith.truncf {{.+}} : vector<16xf32> to vector<16xbf16>
// CHECK: vector.maskedstore %[[A]]
// CHECK: vector.maskedstore %[[A]][{{.+}}, %c3]
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: vector.load %[[P]]{{.+}} : memref<1x1x2x64xbf16>, vector<32xbf16>
// CHECK: vector.load %[[A]]{{.+}} : memref<?x?x4xbf16>, vector<2xbf16>
// CHECK: vector.bitcast {{.+}} : vector<2xbf16> to vector<1xi32>
// CHECK: call @llvm.x86.avx512bf16.dpbf16ps.512
// CHECK: scf.if
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.maskedstore %arg2
// CHECK-NOT: linalg.
// CHECK: return
// CHECK: func.func private @llvm.x86.avx512bf16.dpbf16ps.512(vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>

// Where the target has AMX, K is padded to 32; where the glue's kiln_rt_amx_enabled()
// grants the tile state, 32 x 32 blocks of C run on the tiles (two A tiles, two B tiles,
// four tdpbf16ps per step of 32 k, C through a stack scratch), else the vdpbf16ps tiles
// after their own pre-pass. A block of 32 rows of A (at most 128 KiB) is rounded on the
// stack once per row block, before its panels: no pre-pass copy goes through memory. The panels of a group (B's panels up to 1 MiB) run in an inner
// loop, so a block of A's rows is read once per group. C starts from zero tiles in
// registers and, with up to 16 steps, stays there until its one store: a tile load of
// what a tile store just wrote waits for the store (32 vector stores of zero would also
// become a memset call, after which LLVM reloads the tile configuration).
// AMX: memref.global "private" constant @__kiln_bf16_packed : memref<1x1x16x64xbf16>
// AMX-LABEL: func @linear
// AMX-NOT: memref.alloc(
// AMX: %[[ON:.+]] = call @kiln_rt_amx_enabled() : () -> i32
// AMX: %[[USE:.+]] = arith.cmpi ne, %[[ON]]
// AMX: scf.if %[[USE]]
// AMX: scf.parallel
// AMX: memref.alloca() {alignment = 64 : i64} : memref<32x32xf32>
// AMX: %[[BLOCK:.+]] = memref.alloca() {alignment = 64 : i64} : memref<32x32xbf16>
// AMX: scf.for %{{.+}} = %c0 to %c32
// AMX: vector.maskedload %arg0
// AMX: vector.maskedstore %[[BLOCK]]
// AMX: vector.maskedstore %[[BLOCK]][%{{.+}}, %c3]
// AMX: scf.for
// AMX-COUNT-4: amx.tile_zero : !amx.tile<16x16xf32>
// AMX-NOT: amx.tile_load {{.+}} : memref<32x32xf32>
// AMX: amx.tile_load %[[BLOCK]][%c0, {{.+}}] : memref<32x32xbf16> into !amx.tile<16x32xbf16>
// AMX: amx.tile_load {{.+}} : memref<1x1x16x64xbf16> into !amx.tile<16x32xbf16>
// AMX-COUNT-4: amx.tile_mulf
// AMX-COUNT-4: amx.tile_store
// AMX: vector.load {{.+}} : memref<32x32xf32>, vector<16xf32>
// AMX: arith.maximumf {{.*}} : vector<16xf32>
// AMX: } else {
// AMX: memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?x32xbf16>
// AMX: call @llvm.x86.avx512bf16.dpbf16ps.512
// AMX: func.func private @kiln_rt_amx_enabled() -> i32

// --keep-fp32 names the node: the f32 register tiles, on the f32 packed weight.
// KEPT-LABEL: func @linear
// KEPT-NOT: bf16
// KEPT: vector.fma
memref.global "private" constant @w : memref<6x3xf32> = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]>
func.func @linear(%x: memref<?x3xf32>, %bias: memref<6xf32>, %y: memref<?x6xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w : memref<6x3xf32>
  linalg.fill ins(%cst : f32) outs(%y : memref<?x6xf32>)
  linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                 affine_map<(d0, d1, d2) -> (d1, d2)>,
                                 affine_map<(d0, d1, d2) -> (d0, d1)>]
      ins(%x, %w : memref<?x3xf32>, memref<6x3xf32>) outs(%y : memref<?x6xf32>) loc("fc")
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

// Activations times activations (no constant B): left to the f32 register tiles.
// CHECK-LABEL: func @activations
// CHECK-NOT: bf16
// CHECK: vector.fma
func.func @activations(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// A 3x3 stride-2 NHWC convolution over 3 channels (an image's first layer). The window's
// kw and c follow one another in X (kw's stride 3 is c's 3 elements), so the pre-pass
// reads each of the 3 rows of the window as one run of 9 floats (one masked vector)
// instead of 9 runs of 3; kh (stride 27) starts a new run.
// CHECK-LABEL: func @conv_runs
// CHECK: %[[A:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?x28xbf16>
// CHECK: scf.parallel
// CHECK: scf.for %[[KH:.+]] = %c0 to %c3 step %c1
// CHECK: scf.for %[[C:.+]] = %c0 to %c9 step %c16
// CHECK: vector.maskedload %arg0
// CHECK: arith.truncf {{.+}} : vector<16xf32> to vector<16xbf16>
// CHECK: vector.maskedstore %[[A]]
memref.global "private" constant @w3 : memref<3x3x3x8xf32> = dense<0.5>
func.func @conv_runs(%x: memref<1x9x9x3xf32>, %y: memref<1x4x4x8xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @w3 : memref<3x3x3x8xf32>
  linalg.fill ins(%cst : f32) outs(%y : memref<1x4x4x8xf32>)
  linalg.generic {indexing_maps = [affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh * 2 + kh, ow * 2 + kw, c)>,
                                   affine_map<(n, oh, ow, f, kh, kw, c) -> (kh, kw, c, f)>,
                                   affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh, ow, f)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x9x9x3xf32>, memref<3x3x3x8xf32>) outs(%y : memref<1x4x4x8xf32>) {
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %m = arith.mulf %in, %wt : f32
    %s = arith.addf %out, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// With AMX and K = 2080 a block of 32 rounded rows would take 130 KiB of stack: the
// pre-pass rounds all of A once, before the AMX query, and both paths read its copy.
// AMX-LABEL: func @long_k
// AMX: %[[A:.+]] = memref.alloc({{.+}}) {alignment = 64 : i64} : memref<?x?x2080xbf16>
// AMX: call @kiln_rt_amx_enabled()
// AMX-NOT: memref.alloca() {alignment = 64 : i64} : memref<32x2080xbf16>
// AMX: amx.tile_load %[[A]]
// AMX: } else {
// AMX-NOT: memref.alloc(
// AMX: call @llvm.x86.avx512bf16.dpbf16ps.512
memref.global "private" constant @wlong : memref<2080x32xf32> = dense<0.5>
func.func @long_k(%x: memref<?x2080xf32>, %y: memref<?x32xf32>) {
  %cst = arith.constant 0.0 : f32
  %w = memref.get_global @wlong : memref<2080x32xf32>
  linalg.fill ins(%cst : f32) outs(%y : memref<?x32xf32>)
  linalg.matmul ins(%x, %w : memref<?x2080xf32>, memref<2080x32xf32>) outs(%y : memref<?x32xf32>)
  return
}
