// RUN: kiln-opt --split-input-file --kiln-vectorize-elementwise=vector-width=16 %s | FileCheck %s

// Tests that a marked generic with two results becomes a parallel loop over its outer
// dims around 16-lane steps along the innermost one (20 = 16 + a masked 4): masked
// loads at each input's map (row 2 * i + 1 here), the body on vectors, masked stores.
// CHECK-LABEL: func.func @marked
// CHECK: scf.parallel (%[[I:.+]]) =
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %c16
// CHECK: %[[MASK:.+]] = vector.create_mask %{{.+}} : vector<16xi1>
// CHECK: vector.maskedload %{{.+}}[%{{.+}}, %[[J]]], %[[MASK]]
// CHECK: vector.maskedload
// CHECK: arith.addf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK: arith.subf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK: vector.maskedstore %{{.+}}[%[[I]], %[[J]]], %[[MASK]]
// CHECK: vector.maskedstore %{{.+}}[%[[I]], %[[J]]], %[[MASK]]
// CHECK-NOT: linalg.generic
func.func @marked(%in: memref<9x20xf32>, %a: memref<4x20xf32>, %b: memref<4x20xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0 * 2, d1)>, affine_map<(d0, d1) -> (d0 * 2 + 1, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in, %in : memref<9x20xf32>, memref<9x20xf32>) outs(%a, %b : memref<4x20xf32>, memref<4x20xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %y: f32, %o: f32, %p: f32):
    %s = arith.addf %x, %y : f32
    %d = arith.subf %x, %y : f32
    linalg.yield %s, %d : f32, f32
  }
  return
}

// -----

// Tests that math ops in the body (an approximated exp's math.fma, a math.exp, as a SiLU
// fused into a Winograd output transform brings them) are cloned on vectors too.
// CHECK-LABEL: func.func @math_ops
// CHECK: scf.parallel
// CHECK: math.exp %{{.+}} : vector<16xf32>
// CHECK: math.fma %{{.+}}, %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK: arith.divf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @math_ops(%in: memref<4x20xf32>, %out: memref<4x20xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<4x20xf32>) outs(%out : memref<4x20xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    %e = math.exp %n : f32
    %f = math.fma %e, %one, %one : f32
    %s = arith.divf %x, %f : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests an 8-bit convolution's im2col copy (3x3, stride 1): 64 lanes of i8 fill the
// registers 16 f32 lanes would, and the input row is read at ow + kw (one masked load
// of the 28 bytes of an output row).
// CHECK-LABEL: func.func @im2col_bytes
// CHECK: scf.parallel (%[[N:.+]], %[[C:.+]], %[[KH:.+]], %[[KW:.+]], %[[OH:.+]]) =
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %c64
// CHECK: %[[MASK:.+]] = vector.create_mask %{{.+}} : vector<64xi1>
// CHECK: %[[ROW:.+]] = vector.maskedload %arg0[{{.+}}], %[[MASK]], %{{.+}} : memref<1x16x30x30xi8>, vector<64xi1>, vector<64xi8>
// CHECK: vector.maskedstore %arg1[%[[N]], %[[C]], %[[KH]], %[[KW]], %[[OH]], %[[J]]], %[[MASK]], %[[ROW]]
// CHECK-NOT: linalg.generic
func.func @im2col_bytes(%x: memref<1x16x30x30xi8>, %col: memref<1x16x3x3x28x28xi8>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 + d2, d5 + d3)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : memref<1x16x30x30xi8>) outs(%col : memref<1x16x3x3x28x28xi8>) attrs = {kiln.vectorize} {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  }
  return
}

// -----

// Tests a stride-2 im2col copy: each 64-lane output row is every other byte of a 128-lane
// load at ow * 2 + kw, masked to the 2 * 14 - 1 bytes the 14 lanes need (no read past the
// last of them), picked out by a shuffle.
// CHECK-LABEL: func.func @im2col_stride2
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %c64
// CHECK: vector.create_mask %{{.+}} : vector<64xi1>
// CHECK: %[[LEFT:.+]] = arith.subi %c14{{.*}}, %[[J]]
// CHECK: %[[TWICE:.+]] = arith.muli %[[LEFT]], %c2{{.*}}
// CHECK: %[[NEED:.+]] = arith.subi %[[TWICE]], %c1{{.*}}
// CHECK: %[[WIDE_MASK:.+]] = vector.create_mask %[[NEED]] : vector<128xi1>
// CHECK: %[[WIDE:.+]] = vector.maskedload %arg0[{{.+}}], %[[WIDE_MASK]], %{{.+}} : memref<1x4x29x29xi8>, vector<128xi1>, vector<128xi8>
// CHECK: %[[ROW:.+]] = vector.shuffle %[[WIDE]], %[[WIDE]] [0, 2, 4,
// CHECK-SAME: 126] : vector<128xi8>, vector<128xi8>
// CHECK: vector.maskedstore %arg1[{{.+}}], %{{.+}}, %[[ROW]]
func.func @im2col_stride2(%x: memref<1x4x29x29xi8>, %col: memref<1x4x3x3x14x14xi8>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%x : memref<1x4x29x29xi8>) outs(%col : memref<1x4x3x3x14x14xi8>) attrs = {kiln.vectorize} {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  }
  return
}

// -----

// Tests that reads with a step past 4 along the innermost loop, outputs written with a
// step, and i64 elements are left alone.
// CHECK-LABEL: func.func @not_rows
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @not_rows(%x: memref<4x80xi8>, %y: memref<4x16xi8>, %z: memref<4x32xi8>, %w: memref<4x16xi64>, %v: memref<4x16xi64>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1 * 5)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : memref<4x80xi8>) outs(%y : memref<4x16xi8>) attrs = {kiln.vectorize} {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1 * 2)>], iterator_types = ["parallel", "parallel"]} ins(%y : memref<4x16xi8>) outs(%z : memref<4x32xi8>) attrs = {kiln.vectorize} {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w : memref<4x16xi64>) outs(%v : memref<4x16xi64>) attrs = {kiln.vectorize} {
  ^bb0(%in: i64, %out: i64):
    linalg.yield %in : i64
  }
  return
}

// -----

// Tests that an unmarked generic, and a marked one whose innermost loop dim is not the
// innermost dim of every operand (a transpose whose output rows, 16 long, are too long to
// interleave), are left alone.
// CHECK-LABEL: func.func @unmarked
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @unmarked(%in: memref<16x20xf32>, %out: memref<16x20xf32>, %t: memref<20x16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<16x20xf32>) outs(%out : memref<16x20xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %x : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1, d0)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<16x20xf32>) outs(%t : memref<20x16xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  return
}

// -----

// Tests that ops on values every lane shares stay scalar: the row index (linalg.index of
// an outer dim), its parity and the select of a coefficient by it are computed once per
// vector step and broadcast into the vector multiply (Winograd's output transform).
// CHECK-LABEL: func.func @uniform
// CHECK: scf.parallel (%[[I:.+]]) =
// CHECK: scf.for
// CHECK: %[[V:.+]] = vector.load
// CHECK: %[[ODD:.+]] = arith.remui %[[I]], %{{.+}} : index
// CHECK: %[[C:.+]] = arith.select %{{.+}}, %{{.+}}, %{{.+}} : f32
// CHECK: %[[B:.+]] = vector.broadcast %[[C]] : f32 to vector<16xf32>
// CHECK: arith.mulf %[[B]], %[[V]] : vector<16xf32>
// CHECK-NOT: linalg.index
func.func @uniform(%in: memref<4x32xf32>, %out: memref<8x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0 floordiv 2, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<4x32xf32>) outs(%out : memref<8x32xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 0 : index
    %c2 = arith.constant 2 : index
    %c0 = arith.constant 0 : index
    %r = arith.remui %i, %c2 : index
    %odd = arith.cmpi ne, %r, %c0 : index
    %one = arith.constant 1.0 : f32
    %neg = arith.constant -1.0 : f32
    %coef = arith.select %odd, %neg, %one : f32
    %y = arith.mulf %coef, %x : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Tests that the index of the vector dim itself (a different value in every lane) keeps
// the generic out of this pass.
// CHECK-LABEL: func.func @lane_index
// CHECK: linalg.generic
func.func @lane_index(%in: memref<4x32xf32>, %out: memref<4x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%in : memref<4x32xf32>) outs(%out : memref<4x32xf32>) attrs = {kiln.vectorize} {
  ^bb0(%x: f32, %o: f32):
    %j = linalg.index 1 : index
    %jf = arith.index_cast %j : index to i32
    %f = arith.sitofp %jf : i32 to f32
    %y = arith.mulf %f, %x : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Tests an interleaving copy (a ConvTranspose's taps, kernel = stride = 2, plus its bias,
// into the output viewed as [m, i, k]), marked or not: per 16 pixels, the two tap rows
// are loaded (masked: 20 = 16 + 4), the bias is loaded once as a scalar and broadcast,
// and the two sums are interleaved into one store of 32 lanes into the output with its
// [i, k] dims merged (masked to 2 lanes per pixel left).
// CHECK-LABEL: func.func @interleave
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %{{.+}} {{\[}}[0], [1, 2]] : memref<3x20x2xf32> into memref<3x40xf32>
// CHECK: scf.parallel (%[[M:.+]]) =
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %c16
// CHECK: %[[LEFT:.+]] = arith.subi %{{.+}}, %[[J]]
// CHECK: %[[MASK:.+]] = vector.create_mask %[[LEFT]] : vector<16xi1>
// CHECK: %[[LANES:.+]] = arith.muli %[[LEFT]], %{{.+}}
// CHECK: %[[SMASK:.+]] = vector.create_mask %[[LANES]] : vector<32xi1>
// CHECK: %[[T0:.+]] = vector.maskedload %{{.+}}[%[[M]], %{{.+}}, %[[J]]], %[[MASK]]
// CHECK: %[[B0:.+]] = memref.load %{{.+}}[%[[M]]]
// CHECK: %[[S0:.+]] = vector.broadcast %[[B0]] : f32 to vector<16xf32>
// CHECK: %[[R0:.+]] = arith.addf %[[T0]], %[[S0]] : vector<16xf32>
// CHECK: %[[T1:.+]] = vector.maskedload %{{.+}}[%[[M]], %{{.+}}, %[[J]]], %[[MASK]]
// CHECK: %[[R1:.+]] = arith.addf %[[T1]], %{{.+}} : vector<16xf32>
// CHECK: %[[AT:.+]] = arith.muli %[[J]], %{{.+}}
// CHECK: %[[CAT:.+]] = vector.shuffle %[[R0]], %[[R1]] [0, 1, 2,
// CHECK: %[[MIX:.+]] = vector.shuffle %[[CAT]], %[[CAT]] [0, 16, 1, 17, 2, 18,
// CHECK: vector.maskedstore %[[FLAT]][%[[M]], %[[AT]]], %[[SMASK]], %[[MIX]] : memref<3x40xf32>, vector<32xi1>, vector<32xf32>
// CHECK-NOT: linalg.generic
func.func @interleave(%taps: memref<3x2x20xf32>, %bias: memref<3xf32>, %out: memref<3x20x2xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2, d1)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%taps, %bias : memref<3x2x20xf32>, memref<3xf32>) outs(%out : memref<3x20x2xf32>) {
  ^bb0(%t: f32, %b: f32, %o: f32):
    %s = arith.addf %t, %b : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that interleaving is not applied where the output is read (an accumulation), nor
// where an input's rows run along the output's innermost dim (no row to vectorize).
// CHECK-LABEL: func.func @no_interleave
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @no_interleave(%taps: memref<2x20xf32>, %wide: memref<20x2xf32>, %out: memref<20x2xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%taps : memref<2x20xf32>) outs(%out : memref<20x2xf32>) {
  ^bb0(%t: f32, %o: f32):
    %s = arith.addf %t, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%wide : memref<20x2xf32>) outs(%out : memref<20x2xf32>) {
  ^bb0(%t: f32, %o: f32):
    linalg.yield %t : f32
  }
  return
}

// -----

// Tests that an input whose map does not use the innermost loop (a depthwise tap's
// per-channel weight, at constant tap indices) is read once per row, as a scalar, before
// the vector loop, and broadcast into the body.
// CHECK-LABEL: func.func @uniform_operand
// CHECK: scf.parallel (%[[C:.+]]) =
// CHECK: %[[W:.+]] = memref.load %{{.+}}[%[[C]], %{{.+}}] : memref<3x2xf32>
// CHECK: scf.for
// CHECK: %[[X:.+]] = vector.load %{{.+}} : memref<3x32xf32>, vector<16xf32>
// CHECK: %[[B:.+]] = vector.broadcast %[[W]] : f32 to vector<16xf32>
// CHECK: arith.mulf %[[X]], %[[B]] : vector<16xf32>
func.func @uniform_operand(%x: memref<3x32xf32>, %w: memref<3x2xf32>, %out: memref<3x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %w : memref<3x32xf32>, memref<3x2xf32>) outs(%out : memref<3x32xf32>) attrs = {kiln.vectorize} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    linalg.yield %p : f32
  }
  return
}
