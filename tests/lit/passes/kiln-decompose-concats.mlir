// RUN: kiln-opt --split-input-file --kiln-decompose-concats %s | FileCheck %s
// RUN: kiln-opt --split-input-file --kiln-decompose-concats --eliminate-empty-tensors %s | FileCheck %s --check-prefix=ELIM

// Tests that a static concat becomes insert_slices into a tensor.empty placed before the
// first producer's init, so that eliminate-empty-tensors makes both producers compute
// into their slices (with elimination, each fill writes a slice of the concat buffer).
// CHECK-LABEL: func.func @fire
// CHECK: %[[D:.+]] = tensor.empty() : tensor<2x3x8xf32>
// CHECK: linalg.fill
// CHECK: linalg.fill
// CHECK: %[[I0:.+]] = tensor.insert_slice %{{.+}} into %[[D]][0, 0, 0] [2, 3, 5] [1, 1, 1]
// CHECK: tensor.insert_slice %{{.+}} into %[[I0]][0, 0, 5] [2, 3, 3] [1, 1, 1]
// CHECK-NOT: tensor.concat
// ELIM-LABEL: func.func @fire
// ELIM: %[[D:.+]] = tensor.empty() : tensor<2x3x8xf32>
// ELIM: %[[S0:.+]] = tensor.extract_slice %[[D]][0, 0, 0] [2, 3, 5]
// ELIM: linalg.fill ins(%{{.+}}) outs(%[[S0]]
// ELIM: tensor.extract_slice %{{.+}}[0, 0, 5] [2, 3, 3]
func.func @fire(%v: f32, %w: f32) -> tensor<2x3x8xf32> {
  %e0 = tensor.empty() : tensor<2x3x5xf32>
  %a = linalg.fill ins(%v : f32) outs(%e0 : tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %e1 = tensor.empty() : tensor<2x3x3xf32>
  %b = linalg.fill ins(%w : f32) outs(%e1 : tensor<2x3x3xf32>) -> tensor<2x3x3xf32>
  %c = tensor.concat dim(2) %a, %b : (tensor<2x3x5xf32>, tensor<2x3x3xf32>) -> tensor<2x3x8xf32>
  return %c : tensor<2x3x8xf32>
}

// -----

// Tests a dynamically shaped concat: the sizes are traced to the tensor.empty sizes the
// producers were given (%n, a function argument here), so the buffer still goes before
// the first producer, with offsets and sizes that do not depend on the producers.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[N:.+]]: index
// CHECK: %[[D:.+]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK: linalg.fill
// CHECK: linalg.fill
// CHECK: %[[I0:.+]] = tensor.insert_slice %{{.+}} into %[[D]][0, 0] [%[[N]], 5] [1, 1]
// CHECK: tensor.insert_slice %{{.+}} into %[[I0]][0, 5] [%[[N]], 3] [1, 1]
// CHECK-NOT: tensor.concat
func.func @dynamic(%n: index, %v: f32) -> tensor<?x8xf32> {
  %e0 = tensor.empty(%n) : tensor<?x5xf32>
  %a = linalg.fill ins(%v : f32) outs(%e0 : tensor<?x5xf32>) -> tensor<?x5xf32>
  %e1 = tensor.empty(%n) : tensor<?x3xf32>
  %b = linalg.fill ins(%v : f32) outs(%e1 : tensor<?x3xf32>) -> tensor<?x3xf32>
  %c = tensor.concat dim(1) %a, %b : (tensor<?x5xf32>, tensor<?x3xf32>) -> tensor<?x8xf32>
  return %c : tensor<?x8xf32>
}

// -----

// Tests that a concat with a function argument among its inputs (a KV cache: past|new)
// stays a tensor.concat: the argument is copied either way, and one-shot bufferization's
// analysis of dynamic slices of the argument's copy is what made such models compile for
// minutes.
// CHECK-LABEL: func.func @argument_input
// CHECK: linalg.fill
// CHECK: tensor.concat dim(0) %{{.+}}, %{{.+}} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK-NOT: tensor.insert_slice
func.func @argument_input(%past: tensor<?x4xf32>, %n: index, %v: f32) -> tensor<?x4xf32> {
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %new = linalg.fill ins(%v : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %c = tensor.concat dim(0) %past, %new : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %c : tensor<?x4xf32>
}
