// RUN: kiln-opt --load-pass-plugin=%plugin --split-input-file \
// RUN:   --kiln-example-remove-identity %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%plugin --kiln-stats \
// RUN:   --pass-pipeline='builtin.module(func.func(kiln-example-remove-identity))' %s \
// RUN:   2>&1 | FileCheck %s --check-prefix=STATS
// RUN: kiln-opt --load-pass-plugin=%plugin --split-input-file \
// RUN:   --pass-pipeline='builtin.module(func.func(kiln-example-remove-identity{keep-outputs=true}))' \
// RUN:   %s | FileCheck %s --check-prefix=KEEP

// Tests that an Identity whose result has its input's type goes away and its users
// read the input.
// CHECK-LABEL: func @chain
// CHECK-SAME: (%[[X:.+]]: tensor<2xf32>)
// CHECK-NOT: onnx.Identity
// CHECK: %[[R:.+]] = "onnx.Relu"(%[[X]])
// CHECK: return %[[R]]
// STATS: kiln-example-remove-identity
// STATS-NEXT: (S) 3 identities-removed - onnx.Identity ops replaced by their input
// With keep-outputs, the Identity whose result is returned stays.
// KEEP-LABEL: func @chain
// KEEP-SAME: (%[[X:.+]]: tensor<2xf32>)
// KEEP-NEXT: %[[R:.+]] = "onnx.Relu"(%[[X]])
// KEEP-NEXT: %[[Y:.+]] = "onnx.Identity"(%[[R]])
// KEEP-NEXT: return %[[Y]]
func.func @chain(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.Identity"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  %1 = "onnx.Identity"(%0) : (tensor<2xf32>) -> tensor<2xf32>
  %2 = "onnx.Relu"(%1) : (tensor<2xf32>) -> tensor<2xf32>
  %3 = "onnx.Identity"(%2) : (tensor<2xf32>) -> tensor<2xf32>
  return %3 : tensor<2xf32>
}

// -----

// Tests that an Identity that refines its input's type stays: replacing it would
// change the type its users see.
// CHECK-LABEL: func @refining
// CHECK: "onnx.Identity"(%{{.+}}) : (tensor<?xf32>) -> tensor<2xf32>
func.func @refining(%x: tensor<?xf32>) -> tensor<2xf32> {
  %0 = "onnx.Identity"(%x) : (tensor<?xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
