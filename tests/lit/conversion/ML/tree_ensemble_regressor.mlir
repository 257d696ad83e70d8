// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that TreeEnsembleRegressor's (tree, node) lists become the same node tables as
// TreeEnsemble's (the LEAF nodes numbered apart), that a leaf's several votes are added
// in a loop, and that the base values are added after the aggregation. Int X is compared
// as float.
// CHECK-LABEL: func.func @regressor
// CHECK-DAG: arith.constant dense<[1, -1]> : tensor<2xi64>
// CHECK-DAG: arith.constant dense<[-3, -2]> : tensor<2xi64>
// CHECK-DAG: arith.constant dense<[0, 2, 3, 3]> : tensor<4xi64>
// CHECK: scf.while
// CHECK: arith.sitofp {{.*}} : i64 to f32
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: tensor.insert
// CHECK: linalg.generic
// CHECK: linalg.index 1
// CHECK: arith.addf
func.func @regressor(%x: tensor<?x2xi64>) -> tensor<?x2xf32> {
  %0 = "onnx.ml.TreeEnsembleRegressor"(%x) {n_targets = 2 : i64, base_values = array<f32: 0.5, -0.5>,
    nodes_treeids = array<i64: 0, 0, 0, 0, 0>, nodes_nodeids = array<i64: 0, 1, 2, 3, 4>,
    nodes_featureids = array<i64: 0, 1, 0, 0, 0>,
    nodes_modes = ["BRANCH_LEQ", "BRANCH_LT", "LEAF", "LEAF", "LEAF"],
    nodes_values = array<f32: 1.0, 2.0, 0.0, 0.0, 0.0>,
    nodes_truenodeids = array<i64: 1, 2, 0, 0, 0>, nodes_falsenodeids = array<i64: 4, 3, 0, 0, 0>,
    target_treeids = array<i64: 0, 0, 0>, target_nodeids = array<i64: 2, 2, 3>, target_ids = array<i64: 0, 1, 1>,
    target_weights = array<f32: 1.0, 2.0, 3.0>} : (tensor<?x2xi64>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}
