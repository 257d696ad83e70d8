//===- KilnDialect.td - Kiln's own ops -------------------------------------===//
//
// Ops that are not ONNX operators: the targets of Kiln's fusion, quantization and
// layout passes. Small for now; each op has a verifier and a lit test.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_KILN_DIALECT_TD
#define KILN_KILN_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln::kilnir";
  let summary = "Kiln's own ops: fused and quantized operators";
}

class Kiln_Op<string mnemonic, list<Trait> traits = []> :
    Op<Kiln_Dialect, mnemonic, traits>;

def Kiln_ConvNhwcOp : Kiln_Op<"conv_nhwc", [Pure]> {
  let summary = "2-D or 3-D convolution on channels-last activations with a prepacked weight";
  let description = [{
    The channels-last form of a 2-D or 3-D ONNX Conv (a 1-D one is viewed as 2-D of
    height 1), made by the layout plugin's `kiln-convert-layout-nhwc`. In 2-D: `x` is
    [N, H, W, C], `w` is [KH, KW, C / group, M] (the ONNX [M, C / group, KH, KW] weight
    transposed at compile time), the optional `bias` is [M] and the result is
    [N, OH, OW, M]; `pads` is [top, left, bottom, right] (ONNX's begin/end order);
    auto_pad is resolved by the pass.
    `y[n, oh, ow, m] = bias[m] + sum_{kh, kw, c} xpad[n, oh * sh + kh * dh, ow * sw + kw * dw,
    g * C/group + c] * w[kh, kw, c, m]` with `g = m / (M / group)`.
    In 3-D every spatial list gains the depth first: `x` [N, D, H, W, C], `w`
    [KD, KH, KW, C / group, M], result [N, OD, OH, OW, M], 3 strides and dilations and
    6 pads [front, top, left, back, bottom, right].

    ```mlir
    %y = kiln.conv_nhwc %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64,
        pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
        : (tensor<1x8x8x16xf32>, tensor<3x3x16x32xf32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$x, AnyRankedTensor:$w,
                   Optional<AnyRankedTensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = [{
    $x `,` $w (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_PoolNhwcOp : Kiln_Op<"pool_nhwc", [Pure]> {
  let summary = "2-D or 3-D max or average pooling on channels-last activations";
  let description = [{
    The NHWC form of a 2-D ONNX MaxPool or AveragePool, made by the layout plugin's
    `kiln-sink-transposes` when the pool reads an NHWC tensor through a Transpose: `x`
    is [N, H, W, C] and the result [N, OH, OW, C]. `pads` is [top, left, bottom, right]
    and already holds what auto_pad and ceil_mode add, so
    `OH = (H + top + bottom - ((KH - 1) * DH + 1)) / SH + 1`. A 3-D pool is the same on
    NDHWC ([N, D, H, W, C]) with 3 kernel sizes, strides and dilations and 6 pads
    [front, top, left, back, bottom, right]. `kind` is "max" (padding
    never wins) or "avg"; an average divides by the window's taps inside the padded input
    when `count_include_pad` is set, else by those inside `x`.

    ```mlir
    %y = kiln.pool_nhwc %x {kind = "max", kernel = array<i64: 3, 3>,
        strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>,
        dilations = array<i64: 1, 1>} : (tensor<1x8x8x16xf32>) -> tensor<1x4x4x16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$x, StrAttr:$kind, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations,
                   DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs AnyRankedTensor:$y);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_CheckOp : Kiln_Op<"check", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "Stop the run with an error status unless a run-time condition holds";
  let description = [{
    When `ok` is false, the run records the error `code` (a status of
    kiln/model_abi.h: KILN_MODEL_ERROR_SHAPE, _INDEX, _ARITHMETIC, _MEMORY) and
    `message` with its first `{}` replaced by `a` and its second by `b` (printed as
    signed decimal integers), then stops: no later op of the run executes, and the
    model's entry point returns `code`. The first failure of a run wins. `message`
    names the ONNX node and its op type (see `checkMessage` in KilnDialect.h).

    The op reads and writes memory (of no particular resource) so that nothing
    moves, hoists, sinks or deletes it, nor moves a kernel it guards above it.
    `kiln-lower-checks` lowers it to a branch to a call of the C glue's
    `kiln_rt_fail` and an early return.

    ```mlir
    kiln.check %in_range, %bad, %size {code = 4 : i32,
        message = "node '/emb/Gather' (Gather): index {} is out of range for axis 0 of size {}"}
        : i64, index
    ```
  }];
  let arguments = (ins I1:$ok, AnySignlessIntegerOrIndex:$a, AnySignlessIntegerOrIndex:$b,
                   I32Attr:$code, StrAttr:$message);
  let assemblyFormat = "$ok `,` $a `,` $b attr-dict `:` type($a) `,` type($b)";
  let hasVerifier = 1;
}

#endif // KILN_KILN_DIALECT_TD
