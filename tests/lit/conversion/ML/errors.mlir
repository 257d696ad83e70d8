// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s

// Tests that a TreeEnsemble whose nodes form a cycle is rejected (a walk would not end).
// CHECK: node 'te_cycle' (ml.TreeEnsemble): cannot be compiled: the nodes reachable from tree root 0 form a cycle
func.func @te_cycle(%x: tensor<2x2xf32>) -> tensor<2x1xf32> {
  %0 = "onnx.ml.TreeEnsemble"(%x) {n_targets = 1 : i64,
    leaf_targetids = array<i64: 0>, leaf_weights = dense<[1.0]> : tensor<1xf32>,
    nodes_featureids = array<i64: 0, 1>, nodes_modes = dense<[0, 0]> : tensor<2xui8>,
    nodes_splits = dense<[0.5, 0.5]> : tensor<2xf32>,
    nodes_truenodeids = array<i64: 1, 0>, nodes_trueleafs = array<i64: 0, 0>,
    nodes_falsenodeids = array<i64: 0, 0>, nodes_falseleafs = array<i64: 1, 1>,
    tree_roots = array<i64: 0>} : (tensor<2x2xf32>) -> tensor<2x1xf32> loc("te_cycle")
  return %0 : tensor<2x1xf32>
}

// -----

// Tests that a leaf target at or above n_targets is rejected.
// CHECK: node 'te_target' (ml.TreeEnsemble): cannot be compiled: leaf target id 3 is not below n_targets (2)
func.func @te_target(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = "onnx.ml.TreeEnsemble"(%x) {n_targets = 2 : i64,
    leaf_targetids = array<i64: 0, 3>, leaf_weights = dense<[1.0, 2.0]> : tensor<2xf32>,
    nodes_featureids = array<i64: 0>, nodes_modes = dense<[0]> : tensor<1xui8>,
    nodes_splits = dense<[0.5]> : tensor<1xf32>,
    nodes_truenodeids = array<i64: 0>, nodes_trueleafs = array<i64: 1>,
    nodes_falsenodeids = array<i64: 1>, nodes_falseleafs = array<i64: 1>,
    tree_roots = array<i64: 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32> loc("te_target")
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that a feature id beyond X's static width is rejected.
// CHECK: node 'te_feature' (ml.TreeEnsemble): cannot be compiled: feature id 5 is out of range for X with 2 features
func.func @te_feature(%x: tensor<2x2xf32>) -> tensor<2x1xf32> {
  %0 = "onnx.ml.TreeEnsemble"(%x) {n_targets = 1 : i64,
    leaf_targetids = array<i64: 0, 0>, leaf_weights = dense<[1.0, 2.0]> : tensor<2xf32>,
    nodes_featureids = array<i64: 5>, nodes_modes = dense<[0]> : tensor<1xui8>,
    nodes_splits = dense<[0.5]> : tensor<1xf32>,
    nodes_truenodeids = array<i64: 0>, nodes_trueleafs = array<i64: 1>,
    nodes_falsenodeids = array<i64: 1>, nodes_falseleafs = array<i64: 1>,
    tree_roots = array<i64: 0>} : (tensor<2x2xf32>) -> tensor<2x1xf32> loc("te_feature")
  return %0 : tensor<2x1xf32>
}

// -----

// Tests that a BRANCH_MEMBER node without a member set is rejected.
// CHECK: node 'te_members' (ml.TreeEnsemble): cannot be compiled: membership_values has no member set for BRANCH_MEMBER node 0
func.func @te_members(%x: tensor<2x2xf32>) -> tensor<2x1xf32> {
  %0 = "onnx.ml.TreeEnsemble"(%x) {n_targets = 1 : i64,
    leaf_targetids = array<i64: 0, 0>, leaf_weights = dense<[1.0, 2.0]> : tensor<2xf32>,
    nodes_featureids = array<i64: 0>, nodes_modes = dense<[6]> : tensor<1xui8>,
    nodes_splits = dense<[0.5]> : tensor<1xf32>,
    nodes_truenodeids = array<i64: 0>, nodes_trueleafs = array<i64: 1>,
    nodes_falsenodeids = array<i64: 1>, nodes_falseleafs = array<i64: 1>,
    tree_roots = array<i64: 0>} : (tensor<2x2xf32>) -> tensor<2x1xf32> loc("te_members")
  return %0 : tensor<2x1xf32>
}

// -----

// Tests that constant ArrayFeatureExtractor indices out of range are rejected.
// CHECK: node 'afe_range' (ml.ArrayFeatureExtractor): cannot be compiled
func.func @afe_range(%x: tensor<3x4xf32>) -> tensor<3x1xf32> {
  %y = "onnx.Constant"() {value = dense<[7]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.ml.ArrayFeatureExtractor"(%x, %y) : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<3x1xf32> loc("afe_range")
  return %0 : tensor<3x1xf32>
}

// -----

// Tests that a TreeEnsembleRegressor vote on an interior node is rejected.
// CHECK: node 'ter_vote' (ml.TreeEnsembleRegressor): cannot be compiled: a target_* entry names node 0 of tree 0, which is not a LEAF
func.func @ter_vote(%x: tensor<2x2xf32>) -> tensor<2x1xf32> {
  %0 = "onnx.ml.TreeEnsembleRegressor"(%x) {n_targets = 1 : i64,
    nodes_treeids = array<i64: 0, 0, 0>, nodes_nodeids = array<i64: 0, 1, 2>, nodes_featureids = array<i64: 0, 0, 0>,
    nodes_modes = ["BRANCH_LEQ", "LEAF", "LEAF"], nodes_values = array<f32: 1.0, 0.0, 0.0>,
    nodes_truenodeids = array<i64: 1, 0, 0>, nodes_falsenodeids = array<i64: 2, 0, 0>,
    target_treeids = array<i64: 0>, target_nodeids = array<i64: 0>, target_ids = array<i64: 0>,
    target_weights = array<f32: 1.0>} : (tensor<2x2xf32>) -> tensor<2x1xf32> loc("ter_vote")
  return %0 : tensor<2x1xf32>
}

// -----

// Tests that a TreeEnsembleRegressor branch to a node its tree does not have is rejected.
// CHECK: node 'ter_missing' (ml.TreeEnsembleRegressor): cannot be compiled: tree 0 has no node 7
func.func @ter_missing(%x: tensor<2x2xf32>) -> tensor<2x1xf32> {
  %0 = "onnx.ml.TreeEnsembleRegressor"(%x) {n_targets = 1 : i64,
    nodes_treeids = array<i64: 0, 0>, nodes_nodeids = array<i64: 0, 1>, nodes_featureids = array<i64: 0, 0>,
    nodes_modes = ["BRANCH_LEQ", "LEAF"], nodes_values = array<f32: 1.0, 0.0>,
    nodes_truenodeids = array<i64: 1, 0>, nodes_falsenodeids = array<i64: 7, 0>,
    target_treeids = array<i64: 0>, target_nodeids = array<i64: 1>, target_ids = array<i64: 0>,
    target_weights = array<f32: 1.0>} : (tensor<2x2xf32>) -> tensor<2x1xf32> loc("ter_missing")
  return %0 : tensor<2x1xf32>
}
