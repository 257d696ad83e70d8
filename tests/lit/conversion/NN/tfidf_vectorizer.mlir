// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that TfIdfVectorizer compiles the pool into constant tables (the n-grams of each
// output column) and counts the matches of a [N, C] input in one generic over [N, columns]
// with loops over n-grams, skips, starts and items.
// CHECK-LABEL: func.func @tfidf_tf
// CHECK-DAG: arith.constant dense<[2, 3, 4, 5, 6, 7]> : tensor<6xi64>
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.extsi {{.*}} : i32 to i64
// CHECK: arith.cmpi eq
// CHECK: arith.sitofp
// CHECK-NEXT: arith.constant
// CHECK: linalg.yield
func.func @tfidf_tf(%x: tensor<?x6xi32>) -> tensor<?x3xf32> {
  %0 = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 2 : i64, max_skip_count = 2 : i64, min_gram_length = 2 : i64, mode = "TF",
    ngram_counts = array<i64: 0, 0>, ngram_indexes = array<i64: 0, 1, 2>, pool_int64s = array<i64: 2, 3, 4, 5, 6, 7>} : (tensor<?x6xi32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Tests that a 1-D input is one row, and that TFIDF scales the counts by the weights of
// the output columns.
// CHECK-LABEL: func.func @tfidf_vector_weights
// CHECK: tensor.expand_shape
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: tensor.collapse_shape
func.func @tfidf_vector_weights(%x: tensor<?xi64>) -> tensor<4xf32> {
  %0 = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 2 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "TFIDF",
    ngram_counts = array<i64: 0, 2>, ngram_indexes = array<i64: 3, 2, 1, 0>, pool_int64s = array<i64: 5, 6, 5, 6, 6, 5>,
    weights = array<f32: 0.5, 1.0, 2.0, 4.0>} : (tensor<?xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that IDF gives the weight where the count is positive.
// CHECK-LABEL: func.func @tfidf_idf
// CHECK: arith.cmpi sgt
// CHECK: arith.select
func.func @tfidf_idf(%x: tensor<2x5xi64>) -> tensor<2x2xf32> {
  %0 = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "IDF",
    ngram_counts = array<i64: 0>, ngram_indexes = array<i64: 0, 1>, pool_int64s = array<i64: 1, 2>,
    weights = array<f32: 0.5, 3.0>} : (tensor<2x5xi64>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
