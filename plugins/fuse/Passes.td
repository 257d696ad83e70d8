//===- Passes.td - The fusion plugin's passes ------------------------------===//
//
// Graph-level rewrites on the onnx dialect, run after kiln-upgrade-onnx-ops,
// kiln-infer-shapes and kiln-fold-constants (they match the newest op forms, need ranked
// types and read weights and shapes as literal constants). Each
// rewrite keeps the model's results: constants are computed with ONNX semantics and
// fused ops are the standard ONNX ops whose definitions equal the subgraphs they
// replace. The counts of what each pass did are kiln::PassStatistic members of the
// pass classes, printed by `kilnc --kiln-stats` and `kiln-opt --kiln-stats` (TableGen's
// `statistics` are llvm::Statistic, which Debian's NDEBUG LLVM compiles to no-ops).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PLUGINS_FUSE_PASSES_TD
#define KILN_PLUGINS_FUSE_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldConvBn : Pass<"kiln-fold-conv-bn", "mlir::ModuleOp"> {
  let summary = "Fold inference BatchNormalization and per-channel Mul into Conv, or into Mul and Add";
  let description = [{
    `BatchNormalization(Conv(x, W, B), scale, bias, mean, var)` with constant W, B and
    statistics, in inference mode, becomes `Conv(x, W', B')` with
    `s = scale / sqrt(var + epsilon)`, `W'[o] = W[o] * s[o]` and
    `B' = (B - mean) * s + bias` (computed in double, rounded once). Likewise
    `Mul(Conv(x, W, B), c)` with a constant `c` that is per output channel or a scalar
    becomes `Conv(x, W * c, B * c)`. The Conv must have no other users.
    Any other inference BatchNormalization with constant [C] statistics (after a
    Concat, a pool or a Conv with several users) becomes `Add(Mul(x, s), t)` with
    per-channel constants `s` and `t = bias - mean * s`, which fuse with the ops around
    them.

    Before:
    ```mlir
    %y = "onnx.Conv"(%x, %w, %none) : (...) -> tensor<1x8x32x32xf32>
    %z:3 = "onnx.BatchNormalization"(%y, %g, %b, %m, %v) {epsilon = 1.0e-05 : f32} : (...)
    ```
    After:
    ```mlir
    %z = "onnx.Conv"(%x, %w2, %b2) : (...) -> tensor<1x8x32x32xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def FuseBias : Pass<"kiln-fuse-bias", "mlir::ModuleOp"> {
  let summary = "Fold constant bias additions into Conv's B and Gemm's C";
  let description = [{
    Makes the bias part of the contraction op so the backend adds it in the kernel's
    epilogue, right before an activation that directly follows:
    * `Add(MatMul(a, w), bias)` with 2-D `a` and `w` and a constant bias broadcastable to
      the [M, N] result becomes `Gemm(a, w, bias)`;
    * `Add(Gemm(a, b, C), bias)` with constant C (or none) and bias becomes
      `Gemm(a, b, beta * C + bias)` with beta = 1;
    * `Add(Conv(x, W, B), c)` with a constant per-output-channel (or scalar) `c` and
      constant (or no) B becomes `Conv(x, W, B + c)`.
    Either Add operand order matches. The contraction must have no other users. The
    statistic `bias-with-activation` counts the rewritten ops whose only user is a Relu,
    LeakyRelu, Clip, Sigmoid, Tanh, HardSwish or Gelu (the groups the CPU backend can
    emit as one kernel); the activation itself is left in place.

    Before:
    ```mlir
    %0 = "onnx.MatMul"(%a, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %1 = "onnx.Add"(%b, %0) : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
    ```
    After:
    ```mlir
    %1 = "onnx.Gemm"(%a, %w, %b) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def FuseLayerNorm : Pass<"kiln-fuse-layer-norm", "mlir::ModuleOp"> {
  let summary = "Recognize decomposed LayerNorm as onnx.LayerNormalization";
  let description = [{
    Matches the decomposition PyTorch exports below opset 17,

      m = ReduceMean(x, trailing axes), d = x - m, v = ReduceMean(d^2 or d*d),
      y = d / Sqrt(v + eps) [* gamma] [+ beta]

    with `eps` a constant scalar and gamma/beta varying only over the normalized
    (trailing) axes, and replaces it by `LayerNormalization(x, gamma, beta)` with
    `axis` = the first normalized axis and `epsilon` = eps (a missing gamma becomes a
    ones constant). Intermediate values must have no other users.

    Before:
    ```mlir
    %m = "onnx.ReduceMean"(%x, %axes) : ...
    %d = "onnx.Sub"(%x, %m) ...  %p = "onnx.Pow"(%d, %two) ...  %v = "onnx.ReduceMean"(%p, %axes)
    %e = "onnx.Add"(%v, %eps) ... %s = "onnx.Sqrt"(%e) ... %n = "onnx.Div"(%d, %s)
    %g = "onnx.Mul"(%n, %gamma) ... %y = "onnx.Add"(%g, %beta)
    ```
    After:
    ```mlir
    %y, %mean, %inv = "onnx.LayerNormalization"(%x, %gamma, %beta) {axis = -1 : i64, epsilon = 1.0e-05 : f32} : ...
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def FuseGelu : Pass<"kiln-fuse-gelu", "mlir::ModuleOp"> {
  let summary = "Recognize decomposed GELU (erf and tanh forms) as onnx.Gelu";
  let description = [{
    Matches, in any order of the products and sums,

      x * 0.5 * (1 + Erf(x / sqrt(2)))            (or Erf(x * 1/sqrt(2)))  -> Gelu(x)
      0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))               -> Gelu(x, "tanh")

    where x^3 is Pow(x, 3), x * x * x, and the constants are scalars equal to the listed
    values to within f32 rounding. The products may nest in any association; the inner
    values must have no other users.

    Before:
    ```mlir
    %0 = "onnx.Div"(%x, %sqrt2) ... %1 = "onnx.Erf"(%0) ... %2 = "onnx.Add"(%1, %one)
    %3 = "onnx.Mul"(%x, %2) ... %4 = "onnx.Mul"(%3, %half)
    ```
    After:
    ```mlir
    %4 = "onnx.Gelu"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

def FuseAttention : Pass<"kiln-fuse-attention", "mlir::ModuleOp"> {
  let summary = "Recognize scaled dot-product attention as onnx.Attention";
  let description = [{
    Matches, on 4-D [B, H, S, D] operands with static shapes (the backend's Attention
    lowering needs them),

      s = MatMul(Q, Kt) [/ c or * c] [+ mask | Where(cond, ., fill)]
      Y = MatMul(Softmax(s, axis = -1), V)

    and replaces it by `Attention(Q, K, V, mask)` with `scale` = 1/c (or c, or 1).
    `Kt` is [B, H, D, S_kv]: K = Transpose(Kt, [0, 1, 3, 2]), merged into the Transpose
    that produced Kt if there is one. An additive float mask passes through as
    attn_mask. `Where(cond, s, fill)` with a fill of -inf becomes the bool mask `cond`;
    with a finite fill <= -1e30 it becomes the float mask Where(cond, 0, fill), or
    is_causal = 1 when cond is the constant lower-triangular [S, S] pattern. Other
    fills change the softmax of rows that are not fully masked, so they do not match.
    Softmax must be on the last axis; Q, K and V must agree in B and H without
    broadcasting, and the intermediate values must have no other users.

    Before:
    ```mlir
    %kt = "onnx.Transpose"(%k) {perm = array<i64: 0, 2, 3, 1>} ...
    %s = "onnx.MatMul"(%q, %kt) ... %d = "onnx.Div"(%s, %c8) ... %a = "onnx.Add"(%d, %mask)
    %p = "onnx.Softmax"(%a) {axis = -1 : i64} ... %y = "onnx.MatMul"(%p, %v)
    ```
    After:
    ```mlir
    %k2 = "onnx.Transpose"(%k) {perm = array<i64: 0, 2, 1, 3>} ...
    %y:4 = "onnx.Attention"(%q, %k2, %v, %mask, %none, %none, %none) {scale = 0.125 : f32} ...
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect"];
}

#endif // KILN_PLUGINS_FUSE_PASSES_TD
