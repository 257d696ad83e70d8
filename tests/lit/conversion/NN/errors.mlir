// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s
// Tests that MaxPool whose Indices output is used with an unknown storage_order is
// rejected, naming the node.
// CHECK: node 'maxpool_idx' (MaxPool): cannot be compiled: storage_order must be 0 or 1
func.func @maxpool_indices(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xi64> {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, storage_order = 2 : i64} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) loc("maxpool_idx")
  return %0#1 : tensor<1x1x2x2xi64>
}

// -----

// Tests that training-mode BatchNormalization with statistics of another type than X is
// rejected.
// CHECK: node 'bn_train' (BatchNormalization): cannot be compiled: scale, B, mean and var must have X's element type
func.func @batchnorm_training(%x: tensor<2x3xf16>, %s: tensor<3xf16>, %m: tensor<3xf32>) -> tensor<2x3xf16> {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %s, %m, %m) {training_mode = 1 : i64} : (tensor<2x3xf16>, tensor<3xf16>, tensor<3xf16>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3xf16>, tensor<3xf32>, tensor<3xf32>) loc("bn_train")
  return %0#0 : tensor<2x3xf16>
}

// -----

// Tests that training-mode Dropout with a constant nonzero ratio is rejected: its mask
// is random.
// CHECK: node 'drop_train' (Dropout): cannot be compiled: training mode with ratio 0.25 draws a random mask, which a compiled model does not compute
func.func @dropout_training(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = "onnx.Constant"() {value = dense<0.25> : tensor<f32>} : () -> tensor<f32>
  %t = "onnx.Constant"() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %0:2 = "onnx.Dropout"(%x, %r, %t) : (tensor<2x3xf32>, tensor<f32>, tensor<i1>) -> (tensor<2x3xf32>, none) loc("drop_train")
  return %0#0 : tensor<2x3xf32>
}

// -----

// Tests that Attention whose Q head count is not a multiple of the K/V head count is rejected.
// CHECK: node 'attn_heads' (Attention): cannot be compiled: the number of Q heads (3) is not a multiple of the number of K/V heads (2)
func.func @attention_heads(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>) -> tensor<1x3x4x8xf32> {
  %none = onnx.NoValue
  %0:4 = "onnx.Attention"(%q, %k, %k, %none, %none, %none, %none) : (tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, none, none, none, none) -> (tensor<1x3x4x8xf32>, none, none, none) loc("attn_heads")
  return %0#0 : tensor<1x3x4x8xf32>
}

// -----

// Tests that a Conv whose kernel spatial sizes are dynamic is rejected.
// CHECK: node 'conv_dyn_w' (Conv): cannot be compiled: the kernel's spatial sizes (W dims 2+) are dynamic
func.func @conv_dynamic_kernel(%x: tensor<1x2x8x8xf32>, %w: tensor<3x2x?x?xf32>) -> tensor<1x3x?x?xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x2x8x8xf32>, tensor<3x2x?x?xf32>, none) -> tensor<1x3x?x?xf32> loc("conv_dyn_w")
  return %0 : tensor<1x3x?x?xf32>
}

// -----

// Tests that a MaxPool whose Indices are used, with auto_pad SAME and a stride > 1 on
// dynamic spatial dims, is rejected (its index arithmetic takes static pads; the values
// alone, and AveragePool, compute the pads at run time).
// CHECK: node 'pool_same_s2' (MaxPool): cannot be compiled: Indices with auto_pad SAME and a stride > 1 need static spatial sizes
func.func @pool_same_stride(%x: tensor<1x2x?x?xf32>) -> (tensor<1x2x?x?xf32>, tensor<1x2x?x?xi64>) {
  %0:2 = "onnx.MaxPool"(%x) {auto_pad = "SAME_UPPER", kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x2x?x?xf32>) -> (tensor<1x2x?x?xf32>, tensor<1x2x?x?xi64>) loc("pool_same_s2")
  return %0#0, %0#1 : tensor<1x2x?x?xf32>, tensor<1x2x?x?xi64>
}

// -----

// Tests that a Conv whose W channel dims are dynamic is rejected (they fix the grouping).
// CHECK: node 'conv_dyn_c' (Conv): cannot be compiled: W's channel dims (0 and 1) are dynamic
func.func @conv_dynamic_channels(%x: tensor<1x?x5x5xf32>, %w: tensor<?x?x3x3xf32>) -> tensor<1x?x3x3xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) : (tensor<1x?x5x5xf32>, tensor<?x?x3x3xf32>, none) -> tensor<1x?x3x3xf32> loc("conv_dyn_c")
  return %0 : tensor<1x?x3x3xf32>
}

// -----

// Tests that ceil_mode together with auto_pad SAME on dynamic spatial dims is rejected.
// CHECK: node 'avg_ceil' (AveragePool): cannot be compiled: ceil_mode with auto_pad SAME needs static spatial sizes
func.func @avgpool_ceil_same_dynamic(%x: tensor<1x1x?x?xf32>) -> tensor<1x1x?x?xf32> {
  %0 = "onnx.AveragePool"(%x) {auto_pad = "SAME_UPPER", ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x?x?xf32>) -> tensor<1x1x?x?xf32> loc("avg_ceil")
  return %0 : tensor<1x1x?x?xf32>
}

// -----

// Tests that pooling over more than three spatial dims is rejected.
// CHECK: node 'maxpool_4d' (MaxPool): cannot be compiled: only 1-D to 3-D pooling is supported
func.func @maxpool_4d(%x: tensor<1x1x4x4x4x4xf32>) -> tensor<1x1x2x2x2x2xf32> {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 2, 2, 2, 2>, strides = array<i64: 2, 2, 2, 2>} : (tensor<1x1x4x4x4x4xf32>) -> (tensor<1x1x2x2x2x2xf32>, none) loc("maxpool_4d")
  return %0#0 : tensor<1x1x2x2x2x2xf32>
}

// -----

// Tests that ConvInteger with a weight zero point that is neither a scalar nor per output
// channel is rejected, naming the node.
// CHECK: node 'convint_zp' (ConvInteger): cannot be compiled: the zero point must be a scalar or 1-D along its axis
func.func @conv_integer_bad_zero_point(%x: tensor<1x2x5x5xui8>, %w: tensor<4x2x3x3xui8>, %wz: tensor<4x2xui8>) -> tensor<1x4x3x3xi32> {
  %none = onnx.NoValue
  %0 = "onnx.ConvInteger"(%x, %w, %none, %wz) : (tensor<1x2x5x5xui8>, tensor<4x2x3x3xui8>, none, tensor<4x2xui8>) -> tensor<1x4x3x3xi32> loc("convint_zp")
  return %0 : tensor<1x4x3x3xi32>
}

// -----

// Tests that gated LinearAttention without the decay input is rejected.
// CHECK: node 'la_gated' (LinearAttention): cannot be compiled: update_rule 'gated' requires the decay input
func.func @linear_attention_no_decay(%q: tensor<1x2x8xf32>) -> tensor<1x2x8xf32> {
  %none = onnx.NoValue
  %0:2 = "onnx.LinearAttention"(%q, %q, %q, %none, %none, %none) {q_num_heads = 2 : i64, kv_num_heads = 2 : i64, update_rule = "gated"} : (tensor<1x2x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>, none, none, none) -> (tensor<1x2x8xf32>, tensor<1x2x4x4xf32>) loc("la_gated")
  return %0#0 : tensor<1x2x8xf32>
}

// -----

// Tests that LpPool with a p that is not positive is rejected.
// CHECK: node 'lp0' (LpPool): cannot be compiled: p must be positive, not 0
func.func @lppool_p0(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  %0 = "onnx.LpPool"(%x) {kernel_shape = array<i64: 2, 2>, p = 0 : i64} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> loc("lp0")
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// Tests that LinearAttention whose hidden size is not divisible by its head count is rejected.
// CHECK: node 'la_heads' (LinearAttention): cannot be compiled: query must be [B, T, H * D] with a static last dim divisible by its head count 3
func.func @linear_attention_heads(%q: tensor<1x2x8xf32>) -> tensor<1x2x8xf32> {
  %none = onnx.NoValue
  %0:2 = "onnx.LinearAttention"(%q, %q, %q, %none, %none, %none) {q_num_heads = 3 : i64, kv_num_heads = 3 : i64, update_rule = "linear"} : (tensor<1x2x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>, none, none, none) -> (tensor<1x2x8xf32>, tensor<1x3x2x2xf32>) loc("la_heads")
  return %0#0 : tensor<1x2x8xf32>
}

// -----

// Tests that Col2Im with an image_shape of run-time length is rejected.
// CHECK: node 'c2i' (Col2Im): cannot be compiled: image_shape must be a 1-D tensor of static length
func.func @col2im_dynamic_rank(%x: tensor<1x4x9xf32>, %i: tensor<?xi64>, %b: tensor<2xi64>) -> tensor<1x1x5x5xf32> {
  %0 = "onnx.Col2Im"(%x, %i, %b) : (tensor<1x4x9xf32>, tensor<?xi64>, tensor<2xi64>) -> tensor<1x1x5x5xf32> loc("c2i")
  return %0 : tensor<1x1x5x5xf32>
}

// -----

// Tests that CausalConvWithState with an unknown activation is rejected.
// CHECK: node 'cc_act' (CausalConvWithState): cannot be compiled: activation 'relu' is not none, silu or swish
func.func @causal_conv_activation(%x: tensor<1x2x5xf32>, %w: tensor<2x1x3xf32>) -> tensor<1x2x5xf32> {
  %none = onnx.NoValue
  %0:2 = "onnx.CausalConvWithState"(%x, %w, %none, %none) {activation = "relu"} : (tensor<1x2x5xf32>, tensor<2x1x3xf32>, none, none) -> (tensor<1x2x5xf32>, tensor<1x2x2xf32>) loc("cc_act")
  return %0#0 : tensor<1x2x5xf32>
}

// -----

// Tests that DeformConv with a dynamic W is rejected.
// CHECK: node 'dc' (DeformConv): cannot be compiled: W's shape is dynamic
func.func @deform_conv_dynamic_w(%x: tensor<1x1x3x3xf32>, %w: tensor<?x1x2x2xf32>, %o: tensor<1x8x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %n = onnx.NoValue
  %0 = "onnx.DeformConv"(%x, %w, %o, %n, %n) : (tensor<1x1x3x3xf32>, tensor<?x1x2x2xf32>, tensor<1x8x2x2xf32>, none, none) -> tensor<1x1x2x2xf32> loc("dc")
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Tests that a 3-D RotaryEmbedding without num_heads is rejected.
// CHECK: node 'rope_heads' (RotaryEmbedding): cannot be compiled: a 3-D X needs a positive num_heads
func.func @rotary_no_heads(%x: tensor<1x5x16xf32>, %cos: tensor<1x5x8xf32>) -> tensor<1x5x16xf32> {
  %none = onnx.NoValue
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %cos, %none) : (tensor<1x5x16xf32>, tensor<1x5x8xf32>, tensor<1x5x8xf32>, none) -> tensor<1x5x16xf32> loc("rope_heads")
  return %0 : tensor<1x5x16xf32>
}

// -----

// Tests that a TfIdfVectorizer with a string pool is rejected.
// CHECK: node 'tfidf_strings' (TfIdfVectorizer): cannot be compiled: pool_strings is not supported: Kiln has no string tensors
func.func @tfidf_strings(%x: tensor<2x5xi64>) -> tensor<2x2xf32> {
  %0 = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "TF",
    ngram_counts = array<i64: 0>, ngram_indexes = array<i64: 0, 1>, pool_strings = ["a", "b"]} : (tensor<2x5xi64>) -> tensor<2x2xf32> loc("tfidf_strings")
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that a TfIdfVectorizer whose pool has more n-grams than ngram_indexes is rejected.
// CHECK: node 'tfidf_indexes' (TfIdfVectorizer): cannot be compiled: the pool has 3 n-grams but ngram_indexes has 2 entries
func.func @tfidf_indexes(%x: tensor<2x5xi64>) -> tensor<2x2xf32> {
  %0 = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "TF",
    ngram_counts = array<i64: 0>, ngram_indexes = array<i64: 0, 1>, pool_int64s = array<i64: 1, 2, 3>} : (tensor<2x5xi64>) -> tensor<2x2xf32> loc("tfidf_indexes")
  return %0 : tensor<2x2xf32>
}
