//===- Passes.td - The layout plugin's passes ------------------------------===//
//
// Activation layout for convolution-heavy models on the onnx dialect, run after the
// fusion plugin (biases and BatchNorm already folded into Conv): 1-D, 2-D and 3-D
// convolutions become kiln.conv_nhwc on NHWC (NDHWC) activations with a compile-time
// transposed weight,
// and the Transposes that brings are pushed through layout-agnostic ops until they
// cancel, so layout conversions remain only at the graph's edges and around ops that
// need NCHW (pooling, reshapes).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PLUGINS_LAYOUT_PASSES_TD
#define KILN_PLUGINS_LAYOUT_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLayoutNhwc : Pass<"kiln-convert-layout-nhwc", "mlir::ModuleOp"> {
  let summary = "Rewrite 1-D, 2-D and 3-D f32 Conv to kiln.conv_nhwc";
  let description = [{
    Each `onnx.Conv` with a 4-D f32 input whose channel sizes are static and a constant
    weight (any group: 1, depthwise or grouped) becomes
    `Transpose(kiln.conv_nhwc(Transpose(X, [0, 2, 3, 1]), W', B), [0, 3, 1, 2])`, where
    W' is the weight transposed at compile time from [M, C/group, KH, KW] to
    [KH, KW, C/group, M] (the prepacked form the backend's contraction kernels read
    with M contiguous). auto_pad is resolved to explicit pads (spatial sizes may be
    dynamic when the pads do not depend on them). A 1-D Conv is the 2-D one of height 1
    (an Unsqueeze and a Squeeze around it); a 3-D Conv (5-D input) becomes an NDHWC
    kiln.conv_nhwc between Transposes [0, 2, 3, 4, 1] and [0, 4, 1, 2, 3], its weight
    [KD, KH, KW, C/group, M]. Other Convs (dynamic channels, non-constant weights,
    non-f32) are left alone.
    A group-1 2-D `onnx.ConvInteger` (constant weight, per-tensor x_zero_point, image
    size static) becomes the channels-last
    `Transpose(onnx.MatMulInteger(cols, W', zx, zw), [0, 3, 1, 2])` with W' the weight as
    [KH * KW * C, M]: cols is `Transpose(X, [0, 2, 3, 1])` for a 1x1 stride-1 unpadded
    kernel, else its windows (Pad with zx, a strided Slice per tap, Concat on the
    channels; only from 16 input channels). The CPU backend's VNNI kernel then packs the
    weight at compile time and reads the activations' rows as they lie.
    `kiln-sink-transposes` then removes the Transposes between adjacent ops.

    Before:
    ```mlir
    %y = "onnx.Conv"(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x16x8x8xf32>, tensor<32x16x3x3xf32>, tensor<32xf32>) -> tensor<1x32x8x8xf32>
    ```
    After:
    ```mlir
    %xt = "onnx.Transpose"(%x) {perm = array<i64: 0, 2, 3, 1>} : (...) -> tensor<1x8x8x16xf32>
    %c = kiln.conv_nhwc %xt, %w2, %b {dilations = array<i64: 1, 1>, group = 1 : i64,
        pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (...) -> tensor<1x8x8x32xf32>
    %y = "onnx.Transpose"(%c) {perm = array<i64: 0, 3, 1, 2>} : (...) -> tensor<1x32x8x8xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "kiln::kilnir::KilnDialect"];
}

def SinkTransposes : Pass<"kiln-sink-transposes", "mlir::ModuleOp"> {
  let summary = "Push Transposes through layout-agnostic ops and cancel inverse pairs";
  let description = [{
    Greedy rewrites on the onnx dialect:
    * `Transpose(Transpose(x, p), q) = Transpose(x, p[q])`, and `x` when that is the
      identity permutation;
    * `U(Transpose(x, p)) = Transpose(U(x), p)` for elementwise unary ops (Relu,
      LeakyRelu, Clip with scalar bounds, Sigmoid, Tanh, HardSigmoid, HardSwish, Neg,
      Abs, Sqrt, Exp, Erf, Identity, Cast, Gelu, and QuantizeLinear and
      DequantizeLinear with a per-tensor scale and zero point);
    * `DynamicQuantizeLinear(Transpose(x, p)) = (Transpose(y, p), scale, zero point)` of
      `DynamicQuantizeLinear(x)` (its statistics span the whole tensor);
    * `E(Transpose(x, p), ...) = Transpose(E(x, ...), p)` for the elementwise ops with
      several operands (Add, Sub, Mul, Div, Max, Min, Pow, PRelu, Sum, Mean, Where, the
      comparisons, And, Or, Xor) when each other operand is transposed by the same
      `p`, a scalar, a constant (raised to the result's rank and transposed by the
      inverse of `p` at compile time: a per-channel [C, 1, 1] constant becomes
      [1, 1, C]) or small (at most 1/8 of the result, transposed at run time: the
      squeeze-excite scale); at least one full-size operand must be transposed;
    * `Concat(Transpose(x_i, p), axis a) = Transpose(Concat(x_i, axis p[a]), p)` when
      every input is transposed by the same `p`; likewise Split, Slice (constant
      axes), Softmax and LogSoftmax with their axes mapped through `p`;
    * `MaxPool/AveragePool(Transpose(x, NHWC -> NCHW)) = Transpose(kiln.pool_nhwc(x))`
      for 2-D pools whose pads are known at compile time, and the same for 3-D pools
      of an NDHWC tensor (Transpose [0, 4, 1, 2, 3]);
    * GlobalAveragePool/GlobalMaxPool become ReduceMean/ReduceMax over the untransposed
      spatial axes, and the Reduce ops with constant axes reduce `p[axes]`;
    * Resize and Pad take their per-axis constants (scales, sizes, roi, pads) or their
      `axes` permuted.
    Transposes so move toward the graph's outputs until they meet their inverse or an
    op that needs the original layout.

    Before:
    ```mlir
    %t = "onnx.Transpose"(%c) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x32xf32>) -> tensor<1x32x8x8xf32>
    %r = "onnx.Relu"(%t) : (tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
    %u = "onnx.Transpose"(%r) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x32x8x8xf32>) -> tensor<1x8x8x32xf32>
    ```
    After:
    ```mlir
    %u = "onnx.Relu"(%c) : (tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "kiln::kilnir::KilnDialect"];
}

def RevertLoneConvs : Pass<"kiln-revert-lone-convs", "mlir::ModuleOp"> {
  let summary = "Make a kiln.conv_nhwc that still sits between layout transposes onnx.Conv again";
  let description = [{
    Run after `kiln-sink-transposes`: a group-1 2-D `kiln.conv_nhwc` whose input is
    `Transpose(x, [0, 2, 3, 1])` and whose result still reaches a Transpose (through
    single-use onnx ops), and whose im2col matrix is small (M >= 4 * C * KH * KW), becomes
    `Transpose(onnx.Conv(x, W), [0, 2, 3, 1])` with the weight transposed back at compile
    time; a second `kiln-sink-transposes` then cancels that Transpose against the one
    after the conv. Such a conv (the 1-channel audio stem) is cheaper channels-first
    than between two transposes.

    Before:
    ```mlir
    %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x1x1x64xf32>) -> tensor<1x1x64x1xf32>
    %c = kiln.conv_nhwc %t, %w : ... -> tensor<1x1x12x32xf32>
    %y = "onnx.Transpose"(%c) {perm = array<i64: 0, 3, 1, 2>} : ... -> tensor<1x32x1x12xf32>
    ```
    After (the second sinking):
    ```mlir
    %y = "onnx.Conv"(%x, %w0, %none) {kernel_shape = array<i64: 1, 10>, ...} : ... -> tensor<1x32x1x12xf32>
    ```
  }];
  let dependentDialects = ["kiln::onnxir::ONNXDialect", "kiln::kilnir::KilnDialect"];
}

#endif // KILN_PLUGINS_LAYOUT_PASSES_TD
