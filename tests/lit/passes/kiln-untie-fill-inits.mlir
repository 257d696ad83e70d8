// RUN: kiln-opt --split-input-file --kiln-untie-fill-inits %s | FileCheck %s

// Tests that a zero-filled init shared by two matmuls (as CSE leaves the identical fills
// of two same-shaped outputs) is cloned, fill and tensor.empty, for the second one, while
// a fill used once and a fill read as an input (not an init) are left alone.
// CHECK-LABEL: func.func @shared_init
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<4x4xf32>)
// CHECK: %[[M1:.+]] = linalg.matmul ins(%arg0, %arg1 : {{.*}}) outs(%[[F1]] : tensor<4x4xf32>)
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F2:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E2]] : tensor<4x4xf32>)
// CHECK: %[[M2:.+]] = linalg.matmul ins(%[[M1]], %[[F1]] : {{.*}}) outs(%[[F2]] : tensor<4x4xf32>)
// CHECK: return %[[M2]]
func.func @shared_init(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %m1 = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  %m2 = linalg.matmul ins(%m1, %f : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %m2 : tensor<4x4xf32>
}

// -----

// Tests that a tensor.empty shared by two fills (a max pool's -inf and a matmul's zero)
// gets a clone for the second, while its uses by slices (a concatenation's buffer) stay.
// CHECK-LABEL: func.func @shared_empty
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<4x4xf32>)
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<4x4xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[E2]] : tensor<4x4xf32>)
// CHECK: %[[D:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK: tensor.extract_slice %[[D]]
// CHECK: tensor.insert_slice %{{.+}} into %[[D]]
func.func @shared_empty(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x8xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %f1 = linalg.fill ins(%ninf : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %m = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%f2 : tensor<4x4xf32>) -> tensor<4x4xf32>
  %d = tensor.empty() : tensor<4x8xf32>
  %s = tensor.extract_slice %d[0, 0] [4, 4] [1, 1] : tensor<4x8xf32> to tensor<4x4xf32>
  %i = tensor.insert_slice %m into %d[0, 4] [4, 4] [1, 1] : tensor<4x4xf32> into tensor<4x8xf32>
  return %f1, %m, %i : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x8xf32>
}

// -----

// Tests that a tensor.empty which starts an insertion chain and is also a computation's
// init (after CSE merged Winograd's transformed-input buffer with its products' init, of
// one shape when C = M) gives the computation a clone: the chain keeps the buffer.
// CHECK-LABEL: func.func @chain_and_init
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[I0:.+]] = tensor.insert_slice %arg0 into %[[E]][0, 0]
// CHECK: tensor.insert_slice %arg0 into %[[I0]][1, 0]
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[E2]] : tensor<2x4xf32>)
func.func @chain_and_init(%a: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %i0 = tensor.insert_slice %a into %e[0, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<2x4xf32>
  %i1 = tensor.insert_slice %a into %i0[1, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %i1, %f : tensor<2x4xf32>, tensor<2x4xf32>
}
