"""Run-time shape contract: dynamic sizes that the generated code relates (broadcasts,
contractions, reshapes, concatenations, ...) are checked before the kernels run. Where ORT
refuses the sizes Kiln must refuse them with an error naming the node and its op type;
where a dynamic size is 1 at run time and broadcasts, Kiln must give ORT's answer."""
import os

import numpy as np
import onnx
from onnx import TensorProto as T, helper, numpy_helper

from harness import Case

F, I64, B, U32 = T.FLOAT, T.INT64, T.BOOL, T.UINT32
_rng = np.random.default_rng(9)


def _model(nodes, inputs, out_type=F, outputs=("Y",), inits=(), opset=17, value_info=()):
    """A model of `nodes` over inputs [(name, elem type, shape with dim_param strings)];
    `value_info` declares intermediate shapes the same way (a static one over a dynamic
    input is what makes a lowering cast a dynamic value to a static type)."""
    def build(folder):
        graph = helper.make_graph(
            nodes, "shapes", [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
            [helper.make_tensor_value_info(o, out_type, None) for o in outputs],
            [numpy_helper.from_array(v, k) for k, v in inits],
            value_info=[helper.make_tensor_value_info(n, t, s) for n, t, s in value_info])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        # Debian's ONNX 1.12 checker wants output shapes: let ONNX infer them (symbolic).
        model = onnx.shape_inference.infer_shapes(model)
        for out in model.graph.output:
            if not out.type.tensor_type.HasField("shape"):
                raise ValueError(f"case model: no inferred shape for output {out.name}")
        path = os.path.join(folder, "model.onnx")
        onnx.save(model, path)
        return path
    return build


def f32(*shape):
    return _rng.standard_normal(shape).astype(np.float32)


def i64(*values):
    return np.array(values, dtype=np.int64)


def _binary(op, name, a_shape=("n",), b_shape=("m",), elem=F, out=None):
    return _model([helper.make_node(op, ["A", "B"], ["Y"], name=name)],
                  [("A", elem, list(a_shape)), ("B", elem, list(b_shape))], out or elem)


def _err(name, op):
    return [f"'{name}'", op]


_add = _binary("Add", "add")
_mul_batch = _binary("Mul", "mul_b", ["batch", 4], ["batch", 4])
_where = _model([helper.make_node("Where", ["C", "X", "Z"], ["Y"], name="where")],
                [("C", B, ["n"]), ("X", F, ["m"]), ("Z", F, ["k"])])
_sum3 = _model([helper.make_node("Sum", ["A", "B", "C"], ["Y"], name="sum3")],
               [("A", F, ["n"]), ("B", F, ["m"]), ("C", F, ["k"])])
_max3 = _model([helper.make_node("Max", ["A", "B", "C"], ["Y"], name="max3")],
               [("A", F, ["n", 2]), ("B", F, ["m", 2]), ("C", F, ["k", 2])])
_mean2 = _binary("Mean", "mean2", ["a", "b"], ["c", "d"])
_add3 = _binary("Add", "add3", ["a", "b", "c"], ["d", "e", "f"])
_add_rank = _binary("Add", "add_rank", ["a", "b"], ["c"])
_add_static = _binary("Add", "add_static", [4], ["m"])
_less = _binary("Less", "less", ["n"], ["m"], F, B)
_and = _binary("And", "and", ["n"], ["m"], B)
_shift = _model([helper.make_node("BitShift", ["A", "B"], ["Y"], name="shift", direction="LEFT")],
                [("A", U32, ["n"]), ("B", U32, ["m"])], U32)
_prelu = _model([helper.make_node("PRelu", ["X", "S"], ["Y"], name="prelu")],
                [("X", F, ["n", "c"]), ("S", F, ["s"])])

_matmul = _binary("MatMul", "mm", ["m", "k"], ["k2", "n"])
_matmul_w = _model([helper.make_node("MatMul", ["A", "W"], ["Y"], name="mm_w")],
                   [("A", F, ["m", "k"])], inits=[("W", f32(4, 5))])
_matmul_vec = _binary("MatMul", "mm_vec", ["k"], ["k2", "n"])
_bmm = _binary("MatMul", "bmm", ["b", "m", "k"], ["c", "k", "n"])
_bmm4 = _binary("MatMul", "bmm4", ["a", "b", 2, 3], ["c", "d", 3, 2])
_gemm = _model([helper.make_node("Gemm", ["A", "B", "C"], ["Y"], name="gemm", transB=1)],
               [("A", F, ["m", "k"]), ("B", F, ["n", "k2"]), ("C", F, ["c"])])


def _reshape(name, data_shape, shape_len, allowzero=0, const_shape=None):
    node = helper.make_node("Reshape", ["X", "S"], ["Y"], name=name, allowzero=allowzero)
    if const_shape is not None:
        return _model([node], [("X", F, data_shape)], inits=[("S", i64(*const_shape))])
    return _model([node], [("X", F, data_shape), ("S", I64, [shape_len])])


_concat = _model([helper.make_node("Concat", ["A", "B"], ["Y"], name="concat", axis=0)],
                 [("A", F, ["a", "k1"]), ("B", F, ["b", "k2"])])
_concat_same = _model([helper.make_node("Concat", ["A", "B"], ["Y"], name="concat_s", axis=1)],
                      [("A", F, ["batch", 2]), ("B", F, ["batch", 3])])
_expand = _model([helper.make_node("Expand", ["X", "S"], ["Y"], name="expand")],
                 [("X", F, ["n"])], inits=[("S", i64(2, 4))])
_expand_rt = _model([helper.make_node("Expand", ["X", "S"], ["Y"], name="expand_rt")],
                    [("X", F, ["n", "m"]), ("S", I64, [2])])
_split = _model([helper.make_node("Split", ["X", "S"], ["Y", "Z"], name="split", axis=0)],
                [("X", F, ["n"])], outputs=("Y", "Z"), inits=[("S", i64(2, 2))])
_split_rt = _model([helper.make_node("Split", ["X", "S"], ["Y", "Z"], name="split_rt", axis=0)],
                   [("X", F, ["n", 2]), ("S", I64, [2])], outputs=("Y", "Z"))
_tile = _model([helper.make_node("Tile", ["X", "R"], ["Y"], name="tile")],
               [("X", F, ["n", 2]), ("R", I64, [2])])
_conv = _model([helper.make_node("Conv", ["X", "W"], ["Y"], name="conv")],
               [("X", F, ["n", "c", "h", "w"])], inits=[("W", f32(4, 3, 3, 3))])
_chain = _model([helper.make_node("Add", ["A", "B"], ["T"], name="chain_add"),
                 helper.make_node("MatMul", ["T", "W"], ["Y"], name="chain_mm")],
                [("A", F, ["batch", "k"]), ("B", F, ["batch", "k"])], inits=[("W", f32(3, 2))])
_chain_distinct = _model([helper.make_node("Add", ["A", "B"], ["T"], name="chain_add2"),
                          helper.make_node("Relu", ["T"], ["U"], name="chain_relu"),
                          helper.make_node("Mul", ["U", "A"], ["V"], name="chain_mul"),
                          helper.make_node("MatMul", ["V", "W"], ["Y"], name="chain_mm2")],
                         [("A", F, ["a", "k"]), ("B", F, ["b", "k"])], inits=[("W", f32(3, 2))])


def _static_then_add(node, inputs, static_shape, inits=()):
    """`node` writes T, declared static `static_shape` over dynamic inputs, and Y = T + C
    (C a constant of that shape): ORT refuses a run-time T of another size at the Add,
    while Kiln's lowering of `node` casts T to the static type its consumers index by."""
    c = np.ones(static_shape, dtype=np.float32)
    return _model([node, helper.make_node("Add", ["T", "C"], ["Y"], name="after")], inputs,
                  inits=list(inits) + [("C", c)], value_info=[("T", F, list(static_shape))])


_slice_static = _static_then_add(
    helper.make_node("Slice", ["X", "S", "E"], ["T"], name="slice"), [("X", F, ["n"])], [3],
    inits=[("S", i64(0)), ("E", i64(3))])
_pad_static = _static_then_add(
    helper.make_node("Pad", ["X", "P"], ["T"], name="pad"), [("X", F, ["n"])], [5],
    inits=[("P", i64(1, 1))])
_pad_edge_static = _static_then_add(
    helper.make_node("Pad", ["X", "P"], ["T"], name="pad_edge", mode="edge"), [("X", F, ["n"])],
    [5], inits=[("P", i64(1, 1))])
_softmax_static = _static_then_add(
    helper.make_node("Softmax", ["X"], ["T"], name="softmax"), [("X", F, ["n"])], [3])
_maxpool_static = _static_then_add(
    helper.make_node("MaxPool", ["X"], ["T"], name="maxpool", kernel_shape=[2]),
    [("X", F, [1, 1, "h"])], [1, 1, 3])
_reshape_static = _static_then_add(
    helper.make_node("Reshape", ["X", "S"], ["T"], name="reshape_copy"), [("X", F, ["n", 2])],
    [3, 2], inits=[("S", i64(0, 2))])
_squeeze_static = _static_then_add(
    helper.make_node("Squeeze", ["X", "A"], ["T"], name="squeeze"), [("X", F, ["n", 3])], [3],
    inits=[("A", i64(0))])
_layer_norm = _model([helper.make_node("LayerNormalization", ["X", "S", "B"], ["Y"], name="ln",
                                       axis=-1)],
                     [("X", F, ["n", "d"]), ("S", F, ["s"]), ("B", F, ["b"])])
_batch_norm = _model([helper.make_node("BatchNormalization", ["X", "S", "B", "M", "V"], ["Y"],
                                       name="bn")],
                     [("X", F, ["n", "c", 2]), ("S", F, ["s"]), ("B", F, ["s"]),
                      ("M", F, ["s"]), ("V", F, ["s"])])
_instance_norm = _model([helper.make_node("InstanceNormalization", ["X", "S", "B"], ["Y"],
                                          name="inorm")],
                        [("X", F, ["n", "c", 3]), ("S", F, ["s"]), ("B", F, ["s"])])
_dequant = _model([helper.make_node("DequantizeLinear", ["X", "S", "Z"], ["Y"], name="dq", axis=1)],
                  [("X", T.INT8, ["n", "c"]), ("S", F, ["s"]), ("Z", T.INT8, ["z"])])


def i8(*shape):
    return _rng.integers(-100, 100, shape).astype(np.int8)

# Not a case: ORT broadcasts A [1, 4] against B [3, 4] when both dims are called 'batch',
# but Kiln's runtime refuses inputs whose same-named dims differ before the model runs.
#   Case("mul_same_dim_param_one", _mul_batch, ort="ok", inputs={"A": f32(1, 4), "B": f32(3, 4)})

CASES = [
    # Elementwise broadcasting: a dynamic 1 broadcasts, a mismatch is refused.
    Case("add_dyn1_rhs", _add, ort="ok", inputs={"A": f32(4), "B": f32(1)}),
    Case("add_dyn1_lhs", _add, ort="ok", inputs={"A": f32(1), "B": f32(4)}),
    Case("add_equal", _add, ort="ok", inputs={"A": f32(5), "B": f32(5)}),
    Case("add_4_vs_3", _add, inputs={"A": f32(4), "B": f32(3)}, error_contains=_err("add", "Add")),
    Case("add_4_vs_0", _add, inputs={"A": f32(4), "B": f32(0)}, error_contains=_err("add", "Add")),
    Case("add_1000_vs_999", _add, inputs={"A": f32(1000), "B": f32(999)},
         error_contains=_err("add", "Add") + ["1000", "999"]),
    Case("add_rank3_dyn1_mixed", _add3, ort="ok", inputs={"A": f32(2, 1, 4), "B": f32(1, 3, 4)}),
    Case("add_rank3_dyn1_all_rhs", _add3, ort="ok", inputs={"A": f32(2, 3, 4), "B": f32(1, 1, 1)}),
    Case("add_rank3_mismatch", _add3, inputs={"A": f32(2, 3, 4), "B": f32(2, 2, 4)},
         error_contains=_err("add3", "Add")),
    Case("add_rank2_vs_rank1_dyn1", _add_rank, ort="ok", inputs={"A": f32(3, 4), "B": f32(1)}),
    Case("add_rank2_vs_rank1_mismatch", _add_rank, inputs={"A": f32(3, 4), "B": f32(3)},
         error_contains=_err("add_rank", "Add")),
    Case("add_static_vs_dyn1", _add_static, ort="ok", inputs={"A": f32(4), "B": f32(1)}),
    Case("add_static_vs_dyn_mismatch", _add_static, inputs={"A": f32(4), "B": f32(5)},
         error_contains=_err("add_static", "Add")),
    # Kiln's runtime refuses inputs whose same-named dims differ before the model runs (its
    # message names the dim_param); the compiled checks are behind it for direct ABI calls.
    Case("mul_same_dim_param_differ", _mul_batch, inputs={"A": f32(2, 4), "B": f32(3, 4)},
         error_contains=["'batch'", "2", "3"]),
    Case("mean_dyn1_both_sides", _mean2, ort="ok", inputs={"A": f32(3, 1), "B": f32(1, 5)}),
    Case("where_dyn1_cond", _where, ort="ok",
         inputs={"C": np.array([True]), "X": f32(4), "Z": f32(4)}),
    Case("where_mismatch", _where, inputs={"C": np.array([True] * 4), "X": f32(3), "Z": f32(4)},
         error_contains=_err("where", "Where")),
    Case("sum3_mismatch", _sum3, inputs={"A": f32(4), "B": f32(4), "C": f32(3)},
         error_contains=_err("sum3", "Sum")),
    Case("max3_dyn1_middle", _max3, ort="ok", inputs={"A": f32(4, 2), "B": f32(1, 2), "C": f32(4, 2)}),
    Case("less_dyn1", _less, ort="ok", inputs={"A": f32(1), "B": f32(4)}),
    Case("and_mismatch", _and, inputs={"A": np.array([True, False]), "B": np.array([True] * 3)},
         error_contains=_err("and", "And")),
    Case("bitshift_mismatch", _shift, inputs={"A": np.arange(3, dtype=np.uint32),
                                               "B": np.arange(2, dtype=np.uint32)},
         error_contains=_err("shift", "BitShift")),
    Case("prelu_slope_dyn1", _prelu, ort="ok", inputs={"X": f32(2, 4), "S": f32(1)}),
    Case("prelu_slope_mismatch", _prelu, inputs={"X": f32(2, 4), "S": f32(3)},
         error_contains=_err("prelu", "PRelu")),
    # Contractions.
    Case("matmul_inner_mismatch", _matmul, inputs={"A": f32(2, 3), "B": f32(4, 5)},
         error_contains=_err("mm", "MatMul") + ["3", "4"]),
    Case("matmul_inner_mismatch_const_weight", _matmul_w, inputs={"A": f32(2, 3)},
         error_contains=_err("mm_w", "MatMul")),
    Case("matmul_const_weight_ok", _matmul_w, ort="ok", inputs={"A": f32(2, 4)}),
    Case("matmul_vector_mismatch", _matmul_vec, inputs={"A": f32(3), "B": f32(4, 2)},
         error_contains=_err("mm_vec", "MatMul")),
    Case("bmm_batch_dyn1_lhs", _bmm, ort="ok", inputs={"A": f32(1, 2, 3), "B": f32(4, 3, 5)}),
    Case("bmm_batch_dyn1_rhs", _bmm, ort="ok", inputs={"A": f32(4, 2, 3), "B": f32(1, 3, 5)}),
    Case("bmm_batch_mismatch", _bmm, inputs={"A": f32(2, 2, 3), "B": f32(3, 3, 5)},
         error_contains=_err("bmm", "MatMul")),
    Case("bmm4_batch_dyn1_mixed", _bmm4, ort="ok",
         inputs={"A": f32(2, 1, 2, 3), "B": f32(1, 3, 3, 2)}),
    Case("gemm_inner_mismatch", _gemm, inputs={"A": f32(2, 3), "B": f32(5, 4), "C": f32(5)},
         error_contains=_err("gemm", "Gemm")),
    Case("gemm_bias_dyn1", _gemm, ort="ok", inputs={"A": f32(2, 3), "B": f32(5, 3), "C": f32(1)}),
    Case("gemm_bias_mismatch", _gemm, inputs={"A": f32(2, 3), "B": f32(5, 3), "C": f32(4)},
         error_contains=_err("gemm", "Gemm")),
    # Reshape.
    Case("reshape_count_mismatch", _reshape("rs", ["n"], 1), inputs={"X": f32(6), "S": i64(4)},
         error_contains=_err("rs", "Reshape")),
    Case("reshape_two_minus_ones", _reshape("rs2", ["n", "m"], 2),
         inputs={"X": f32(2, 3), "S": i64(-1, -1)}, error_contains=_err("rs2", "Reshape")),
    Case("reshape_minus_one_not_dividing", _reshape("rs3", ["n"], 2),
         inputs={"X": f32(7), "S": i64(2, -1)}, error_contains=_err("rs3", "Reshape")),
    Case("reshape_below_minus_one", _reshape("rs4", ["n", "m"], 2),
         inputs={"X": f32(2, 3), "S": i64(-2, 3)}, error_contains=_err("rs4", "Reshape")),
    Case("reshape_zero_copies", _reshape("rs5", ["n", "m"], 2), ort="ok",
         inputs={"X": f32(2, 3), "S": i64(0, -1)}),
    Case("reshape_zero_copies_empty_dim", _reshape("rs6", ["n", "m"], 2),
         inputs={"X": f32(0, 3), "S": i64(0, -1)}, error_contains=_err("rs6", "Reshape")),
    Case("reshape_allowzero_ok", _reshape("rs7", ["n", "m"], 2, allowzero=1), ort="ok",
         inputs={"X": f32(0, 3), "S": i64(3, 0)}),
    Case("reshape_allowzero_mismatch", _reshape("rs8", ["n", "m"], 2, allowzero=1),
         inputs={"X": f32(2, 3), "S": i64(0, 6)}, error_contains=_err("rs8", "Reshape")),
    Case("reshape_const_shape_dyn_data", _reshape("rs9", ["n"], 2, const_shape=(2, 3)),
         inputs={"X": f32(5)}, error_contains=_err("rs9", "Reshape")),
    Case("reshape_const_shape_ok", _reshape("rs10", ["n"], 2, const_shape=(2, -1)), ort="ok",
         inputs={"X": f32(8)}),
    # Data movement.
    Case("concat_off_axis_mismatch", _concat, inputs={"A": f32(2, 3), "B": f32(2, 4)},
         error_contains=_err("concat", "Concat")),
    Case("concat_same_dim_param_differ", _concat_same, inputs={"A": f32(2, 2), "B": f32(3, 3)},
         error_contains=["'batch'"]),
    Case("concat_ok", _concat, ort="ok", inputs={"A": f32(2, 3), "B": f32(1, 3)}),
    Case("expand_mismatch", _expand, inputs={"X": f32(3)}, error_contains=_err("expand", "Expand")),
    Case("expand_dyn1", _expand, ort="ok", inputs={"X": f32(1)}),
    Case("expand_rt_input_dyn1", _expand_rt, ort="ok", inputs={"X": f32(1, 3), "S": i64(4, 1)}),
    Case("expand_rt_mismatch", _expand_rt, inputs={"X": f32(2, 3), "S": i64(4, 3)},
         error_contains=_err("expand_rt", "Expand")),
    Case("split_sizes_mismatch", _split, inputs={"X": f32(5)}, error_contains=_err("split", "Split")),
    Case("split_rt_sizes_mismatch", _split_rt, inputs={"X": f32(5, 2), "S": i64(2, 2)},
         error_contains=_err("split_rt", "Split")),
    Case("split_rt_ok", _split_rt, ort="ok", inputs={"X": f32(5, 2), "S": i64(2, 3)}),
    Case("tile_negative_repeats", _tile, inputs={"X": f32(2, 2), "R": i64(-1, 1)},
         error_contains=_err("tile", "Tile")),
    Case("conv_channel_mismatch", _conv, inputs={"X": f32(1, 2, 5, 5)},
         error_contains=_err("conv", "Conv")),
    Case("conv_too_small", _conv, inputs={"X": f32(1, 3, 2, 5)}, error_contains=_err("conv", "Conv")),
    Case("chain_same_dim_param_differ", _chain, inputs={"A": f32(2, 3), "B": f32(5, 3)},
         error_contains=["'batch'"]),
    Case("chain_distinct_dim_params_differ", _chain_distinct,
         inputs={"A": f32(2, 3), "B": f32(5, 3)}, error_contains=_err("chain_add2", "Add")),
    Case("chain_distinct_dim_params_dyn1", _chain_distinct, ort="ok",
         inputs={"A": f32(1, 3), "B": f32(5, 3)}),
    Case("chain_inner_mismatch", _chain, inputs={"A": f32(2, 4), "B": f32(2, 4)},
         error_contains=_err("chain_mm", "MatMul")),
    # A dynamic value cast to a static type that value_info declared: the run-time size is
    # checked in the node that casts, before its consumers index by the static size.
    Case("slice_static_value_info_short", _slice_static, inputs={"X": f32(2)},
         error_contains=_err("slice", "Slice") + ["2", "3"]),
    Case("slice_static_value_info_ok", _slice_static, ort="ok", inputs={"X": f32(5)}),
    Case("pad_static_value_info_short", _pad_static, inputs={"X": f32(2)},
         error_contains=_err("pad", "Pad") + ["4", "5"]),
    Case("pad_static_value_info_ok", _pad_static, ort="ok", inputs={"X": f32(3)}),
    Case("pad_edge_static_value_info_long", _pad_edge_static, inputs={"X": f32(6)},
         error_contains=_err("pad_edge", "Pad") + ["8", "5"]),
    Case("softmax_static_value_info_long", _softmax_static, inputs={"X": f32(6)},
         error_contains=_err("softmax", "Softmax") + ["6", "3"]),
    Case("maxpool_static_value_info_short", _maxpool_static, inputs={"X": f32(1, 1, 3)},
         error_contains=_err("maxpool", "MaxPool") + ["2", "3"]),
    Case("reshape_copy_static_value_info", _reshape_static, inputs={"X": f32(2, 2)},
         error_contains=_err("reshape_copy", "Reshape")),
    Case("squeeze_dynamic_not_one", _squeeze_static, inputs={"X": f32(2, 3)},
         error_contains=_err("squeeze", "Squeeze")),
    Case("maxpool_static_value_info_ok", _maxpool_static, ort="ok", inputs={"X": f32(1, 1, 4)}),
    # Normalizations read scale/bias/mean/var with X's loop bounds.
    Case("layer_norm_scale_mismatch", _layer_norm,
         inputs={"X": f32(2, 8), "S": f32(3), "B": f32(8)},
         error_contains=_err("ln", "LayerNormalization") + ["3", "8"]),
    Case("layer_norm_bias_mismatch", _layer_norm,
         inputs={"X": f32(2, 8), "S": f32(8), "B": f32(16)},
         error_contains=_err("ln", "LayerNormalization") + ["16", "8"]),
    Case("layer_norm_scale_dyn1", _layer_norm, ort="ok",
         inputs={"X": f32(2, 8), "S": f32(1), "B": f32(8)}),
    Case("layer_norm_ok", _layer_norm, ort="ok", inputs={"X": f32(2, 8), "S": f32(8), "B": f32(8)}),
    Case("batch_norm_channels_mismatch", _batch_norm,
         inputs={"X": f32(1, 3, 2), "S": f32(4), "B": f32(4), "M": f32(4),
                 "V": np.abs(f32(4)) + 1},
         error_contains=_err("bn", "BatchNormalization") + ["4", "3"]),
    Case("batch_norm_ok", _batch_norm, ort="ok",
         inputs={"X": f32(1, 3, 2), "S": f32(3), "B": f32(3), "M": f32(3),
                 "V": np.abs(f32(3)) + 1}),
    Case("instance_norm_channels_mismatch", _instance_norm,
         inputs={"X": f32(2, 3, 3), "S": f32(5), "B": f32(5)},
         error_contains=_err("inorm", "InstanceNormalization") + ["5", "3"]),
    # Per-axis quantization parameters are read at the data's axis index.
    Case("dequant_scale_mismatch", _dequant, inputs={"X": i8(2, 3), "S": f32(4), "Z": i8(4)},
         error_contains=_err("dq", "DequantizeLinear") + ["4", "3"]),
    Case("dequant_zero_point_mismatch", _dequant,
         inputs={"X": i8(2, 3), "S": f32(3), "Z": i8(5)},
         error_contains=_err("dq", "DequantizeLinear") + ["5", "3"]),
    Case("dequant_per_axis_ok", _dequant, ort="ok",
         inputs={"X": i8(2, 3), "S": f32(3), "Z": i8(3)}),
    Case("dequant_dyn1_per_tensor", _dequant, ort="ok",
         inputs={"X": i8(2, 3), "S": f32(1), "Z": i8(1)}),
    Case("instance_norm_ok", _instance_norm, ort="ok",
         inputs={"X": f32(2, 3, 3), "S": f32(3), "B": f32(3)}),
]
