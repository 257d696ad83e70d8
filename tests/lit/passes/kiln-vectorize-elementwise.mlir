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
