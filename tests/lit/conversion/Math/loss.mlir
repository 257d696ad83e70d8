// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that NegativeLogLikelihoodLoss with reduction none gathers -input[n, target, d] *
// weight[target] over the target shape, zeroing positions at ignore_index.
// CHECK-LABEL: func.func @nll_none_weight_ignore
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: arith.cmpi eq
// CHECK: tensor.extract %{{.*}} : tensor<2x3x4xf32>
// CHECK: tensor.extract %{{.*}} : tensor<3xf32>
// CHECK: arith.negf
// CHECK: arith.select
// CHECK: -> tensor<2x4xf32>
func.func @nll_none_weight_ignore(%x: tensor<2x3x4xf32>, %t: tensor<2x4xi64>, %w: tensor<3xf32>) -> tensor<2x4xf32> {
  %0 = "onnx.NegativeLogLikelihoodLoss"(%x, %t, %w) <{ignore_index = -1 : i64, reduction = "none"}> : (tensor<2x3x4xf32>, tensor<2x4xi64>, tensor<3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that NegativeLogLikelihoodLoss with reduction mean sums the loss and the applied
// weights in one reduction and divides them.
// CHECK-LABEL: func.func @nll_mean
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<f32>)
// CHECK: arith.divf
// CHECK: tensor.from_elements
func.func @nll_mean(%x: tensor<3x5xf32>, %t: tensor<3xi32>) -> tensor<f32> {
  %none = onnx.NoValue
  %0 = "onnx.NegativeLogLikelihoodLoss"(%x, %t, %none) : (tensor<3x5xf32>, tensor<3xi32>, none) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Tests that SoftmaxCrossEntropyLoss computes log_softmax over dim 1, returns it as
// log_prob, and sums the NLL of it.
// CHECK-LABEL: func.func @sce_sum_log_prob
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]
// CHECK: return %{{.*}}, %{{.*}} : tensor<f32>, tensor<3x5xf32>
func.func @sce_sum_log_prob(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> (tensor<f32>, tensor<3x5xf32>) {
  %none = onnx.NoValue
  %0:2 = "onnx.SoftmaxCrossEntropyLoss"(%x, %t, %none) <{reduction = "sum"}> : (tensor<3x5xf32>, tensor<3xi64>, none) -> (tensor<f32>, tensor<3x5xf32>)
  return %0#0, %0#1 : tensor<f32>, tensor<3x5xf32>
}
