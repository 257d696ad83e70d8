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

// Tests that a dynamically shaped concat is left to bufferization.
// CHECK-LABEL: func.func @dynamic
// CHECK: tensor.concat dim(1)
func.func @dynamic(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %c = tensor.concat dim(1) %a, %b : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x8xf32>
  return %c : tensor<?x8xf32>
}
