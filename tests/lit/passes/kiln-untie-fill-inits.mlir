// RUN: kiln-opt --kiln-untie-fill-inits %s | FileCheck %s

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
