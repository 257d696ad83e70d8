// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that TreeEnsemble walks each tree with an scf.while over constant node tables
// for every (row, tree) and sums the leaf weights into the row's target.
// CHECK-LABEL: func.func @tree_sum
// CHECK-DAG: arith.constant dense<[0, 2]> : tensor<2xi64>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.while
// CHECK: arith.cmpf ole
// CHECK: scf.yield
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @tree_sum(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %0 = "onnx.ml.TreeEnsemble"(%x) {aggregate_function = 1 : i64, n_targets = 2 : i64,
    leaf_targetids = array<i64: 0, 1, 0, 1>, leaf_weights = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>,
    nodes_featureids = array<i64: 0, 2, 1>, nodes_modes = dense<[0, 3, 1]> : tensor<3xui8>,
    nodes_splits = dense<[0.5, 1.5, 2.5]> : tensor<3xf32>,
    nodes_truenodeids = array<i64: 1, 0, 2>, nodes_trueleafs = array<i64: 0, 1, 1>,
    nodes_falsenodeids = array<i64: 1, 1, 3>, nodes_falseleafs = array<i64: 1, 1, 1>,
    tree_roots = array<i64: 0, 2>} : (tensor<?x3xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// Tests that BRANCH_MEMBER nodes read their NaN-delimited member sets from a table, that
// AVERAGE divides by the number of trees and that LOGISTIC is applied after.
// CHECK-LABEL: func.func @tree_member_average
// CHECK-DAG: arith.constant dense<[1.000000e+00, 4.000000e+00, 7.000000e+00]> : tensor<3xf64>
// CHECK: scf.while
// CHECK: scf.for
// CHECK: arith.cmpf oeq
// CHECK: arith.divf
// CHECK: math.exp
func.func @tree_member_average(%x: tensor<5x2xf64>) -> tensor<5x1xf64> {
  %0 = "onnx.ml.TreeEnsemble"(%x) {aggregate_function = 0 : i64, n_targets = 1 : i64, post_transform = 2 : i64,
    leaf_targetids = array<i64: 0, 0, 0>, leaf_weights = dense<[1.0, 2.0, 3.0]> : tensor<3xf64>,
    membership_values = dense<[1.0, 4.0, 0x7FF8000000000000, 7.0]> : tensor<4xf64>,
    nodes_featureids = array<i64: 0, 1>, nodes_modes = dense<[6, 6]> : tensor<2xui8>,
    nodes_splits = dense<[0.0, 0.0]> : tensor<2xf64>,
    nodes_truenodeids = array<i64: 0, 1>, nodes_trueleafs = array<i64: 1, 1>,
    nodes_falsenodeids = array<i64: 1, 2>, nodes_falseleafs = array<i64: 1, 1>,
    nodes_missing_value_tracks_true = array<i64: 1, 0>,
    tree_roots = array<i64: 0, 1>} : (tensor<5x2xf64>) -> tensor<5x1xf64>
  return %0 : tensor<5x1xf64>
}
