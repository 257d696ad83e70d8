"""Compile-stage bad inputs for the frontend (issue 9, item 4): each model must make kilnc
exit 1 with one clear error (no crash, no output file), and ONNX Runtime must refuse it too
where ort="error" (ort="ok": ORT 1.2x loads it, Kiln is stricter on purpose).

Each `build(dir)` writes the model (and any side files or symlinks) into the empty folder
`dir` and returns the model's path. Run by harness.py's runner."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from harness import Case

INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)


def _save(model, folder, name="model.onnx"):
    path = os.path.join(folder, name)
    # The models are invalid on purpose: write the bytes without onnx.save's checks.
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def _model(nodes, inputs, outputs, initializers=(), opset=17, ir_version=8):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=ir_version)


def _vi(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def _external_model(folder, location, offset=None, length=None, shape=(4, 4), opset=17):
    """y = x + w where w (float, `shape`) is stored externally at `location`."""
    w = TensorProto()
    w.name = "w"
    w.data_type = TensorProto.FLOAT
    w.dims.extend(shape)
    w.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for key, value in entries:
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    node = helper.make_node("Add", ["x", "w"], ["y"], name="add")
    model = _model([node], [_vi("x", list(shape))], [_vi("y", list(shape))], [w], opset=opset)
    return _save(model, folder)


def _write(path, nbytes):
    with open(path, "wb") as f:
        f.write(np.arange(nbytes // 4, dtype=np.float32).tobytes())


# --- External data -------------------------------------------------------------------

def _ext_symlink_file(d):
    # A symlink inside the folder pointing at a file outside it: /etc/passwd must not end
    # up in the compiled library.
    os.symlink("/etc/passwd", os.path.join(d, "weights.bin"))
    return _external_model(d, "weights.bin", offset=0, length=64)


def _ext_symlink_dir(d):
    os.symlink("/etc", os.path.join(d, "data"))
    return _external_model(d, "data/passwd", offset=0, length=64)


def _ext_absolute(d):
    return _external_model(d, "/etc/passwd", offset=0, length=64)


def _ext_dotdot(d):
    os.makedirs(os.path.join(d, "sub"))
    _write(os.path.join(d, "weights.bin"), 64)
    return _external_model(d, "sub/../../weights.bin", offset=0, length=64)


def _ext_offset_past_end(d):
    _write(os.path.join(d, "weights.bin"), 64)
    return _external_model(d, "weights.bin", offset=4096, length=64)


def _ext_length_overflow(d):
    _write(os.path.join(d, "weights.bin"), 64)
    return _external_model(d, "weights.bin", offset=8, length=2**64 - 1)


def _ext_length_mismatch(d):
    _write(os.path.join(d, "weights.bin"), 128)
    return _external_model(d, "weights.bin", offset=0, length=128)


# --- Attributes libonnx 1.12 dereferences unchecked -------------------------------------

def _layernorm_axis(axis):
    def build(d):
        # With the Mean and InvStdDev outputs libonnx 1.12's shape inference indexed dims
        # by the unchecked axis and crashed (SIGSEGV).
        node = helper.make_node("LayerNormalization", ["x", "s", "b"], ["y", "mean", "inv"],
                                axis=axis)
        s = numpy_helper.from_array(np.ones(3, np.float32), "s")
        b = numpy_helper.from_array(np.zeros(3, np.float32), "b")
        return _save(_model([node], [_vi("x", [2, 3])], [_vi("y", [2, 3])], [s, b]), d)
    return build


def _axis_op(op, axis, **attrs):
    """`op` on a [2, 3] input with an out-of-range axis."""
    def build(d):
        node = helper.make_node(op, ["x"], ["y"], axis=axis, **attrs)
        return _save(_model([node], [_vi("x", [2, 3])], [_vi("y", None)]), d)
    return build


def _layernorm_missing_scale(d):
    node = helper.make_node("LayerNormalization", ["x"], ["y"])
    return _save(_model([node], [_vi("x", [2, 3])], [_vi("y", [2, 3])]), d)


def _negative_initializer_dim(d):
    w = TensorProto()
    w.name, w.data_type = "w", TensorProto.FLOAT
    w.dims.extend([-1, 4])
    node = helper.make_node("Add", ["x", "w"], ["y"])
    return _save(_model([node], [_vi("x", [4])], [_vi("y", None)], [w]), d)


def _convinteger_rank_mismatch(d):
    # libonnx 1.12's convPoolShapeInference crashed (SIGSEGV) on it; found by the fuzzer.
    node = helper.make_node("ConvInteger", ["x", "w"], ["y"])
    model = _model([node], [_vi("x", [1, 1, 3, 3], TensorProto.UINT8),
                            _vi("w", [1, 1, 2, 2, 7], TensorProto.UINT8)],
                   [_vi("y", [1, 1, 2, 2], TensorProto.INT32)], opset=10, ir_version=5)
    return _save(model, d)


# --- Impossible sizes ------------------------------------------------------------------

def _avgpool_huge_kernel(d):
    node = helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, INT32_MAX])
    return _save(_model([node], [_vi("x", [1, 1, 4, 4])], [_vi("y", ["n", "c", "h", "w"])]), d)


def _avgpool_kernel_over_input(d):
    node = helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 1000])
    return _save(_model([node], [_vi("x", [1, 1, 4, 4])], [_vi("y", ["n", "c", "h", "w"])]), d)


def _avgpool_same_huge_kernel(d):
    # SAME padding fits any kernel; Kiln compiled this for 44 s into a library that wanted an
    # arena of hundreds of GB for the padded input.
    node = helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, INT32_MAX],
                            auto_pad="SAME_UPPER")
    return _save(_model([node], [_vi("x", [1, 1, 100, 4])], [_vi("y", ["n", "c", "h", "w"])]), d)


def _constant_of_shape_huge(d):
    shape = numpy_helper.from_array(np.array([2**20, 2**20, 2**10], np.int64), "shape")
    node = helper.make_node("ConstantOfShape", ["shape"], ["y"], name="fill")
    return _save(_model([node], [], [_vi("y", None)], [shape]), d)


def _huge_graph_input(d):
    node = helper.make_node("Relu", ["x"], ["y"])
    return _save(_model([node], [_vi("x", [2**31, 2**31, 2**31])], [_vi("y", None)]), d)


# --- Versions ----------------------------------------------------------------------------

def _relu(ir_version=8, opset=17):
    def build(d):
        node = helper.make_node("Relu", ["x"], ["y"])
        return _save(_model([node], [_vi("x", [2])], [_vi("y", [2])], opset=opset,
                            ir_version=ir_version), d)
    return build


# --- Unnamed nodes in libonnx checker errors ---------------------------------------------

def _unnamed_checker_error(d):
    # The checker refuses the unknown attribute; the node has no name.
    relu = helper.make_node("Relu", ["x"], ["t"])
    node = helper.make_node("Relu", ["t"], ["y"], bogus_attribute=1)
    return _save(_model([relu, node], [_vi("x", [2])], [_vi("y", [2])]), d)


def _sequence_then_layernorm_axis(d):
    # SequenceEmpty's output only libonnx can type, so Kiln's checks step aside; libonnx
    # 1.12's shape inference then crashed (SIGSEGV) on the LayerNormalization. It now runs
    # in a child process and its crash is one error.
    seq = helper.make_node("SequenceEmpty", [], ["seq"])
    ln = helper.make_node("LayerNormalization", ["x", "s", "b"], ["y", "mean", "inv"],
                          axis=-(2**31))
    inputs = [_vi("x", [2, 4]), _vi("s", [4]), _vi("b", [4])]
    outputs = [_vi("y", [2, 4]), _vi("mean", ["a", "b"]), _vi("inv", ["a", "b"])]
    return _save(_model([seq, ln], inputs, outputs), d)


CASES = [
    Case("external_data_symlink_to_file", _ext_symlink_file, stage="compile",
         error_contains=["tensor 'w'", "escapes the model directory", "/etc/passwd"], ort="error"),
    Case("external_data_symlinked_folder", _ext_symlink_dir, stage="compile",
         error_contains=["tensor 'w'", "escapes the model directory"], ort="error"),
    Case("external_data_absolute_path", _ext_absolute, stage="compile",
         error_contains=["tensor 'w'", "/etc/passwd", "relative path"], ort="error"),
    Case("external_data_dotdot", _ext_dotdot, stage="compile",
         error_contains=["tensor 'w'", "relative path inside the model's directory"],
         ort="error"),
    Case("external_data_offset_past_end", _ext_offset_past_end, stage="compile",
         error_contains=["tensor 'w'", "offset 4096 is past the end"], ort="error"),
    Case("external_data_length_overflow", _ext_length_overflow, stage="compile",
         error_contains=["tensor 'w'", "out of bounds"], ort="error"),
    Case("external_data_length_mismatch", _ext_length_mismatch, stage="compile",
         error_contains=["tensor 'w'", "length 128 does not match the 64 bytes"], ort="error"),
    Case("layernorm_axis_int32_min", _layernorm_axis(-2**31), stage="compile",
         error_contains=["#0 (LayerNormalization)", "axis", "-2147483648"], ort="error"),
    Case("layernorm_axis_int64_min", _layernorm_axis(INT64_MIN), stage="compile",
         error_contains=["#0 (LayerNormalization)", "axis"], ort="error"),
    Case("softmax_axis_out_of_range", _axis_op("Softmax", 2**31), stage="compile",
         error_contains=["#0 (Softmax)", "axis"], ort="error"),
    Case("flatten_axis_out_of_range", _axis_op("Flatten", INT64_MIN), stage="compile",
         error_contains=["#0 (Flatten)", "axis"], ort="ok"),  # ORT 1.2x accepts it
    Case("concat_axis_out_of_range", _axis_op("Concat", -7), stage="compile",
         error_contains=["#0 (Concat)", "axis"], ort="error"),
    Case("layernorm_missing_scale", _layernorm_missing_scale, stage="compile",
         error_contains=["node #0 (LayerNormalization)", "operand #1"], ort="error"),
    Case("convinteger_weight_rank_mismatch", _convinteger_rank_mismatch, stage="compile",
         error_contains=["node #0 (ConvInteger)", "weight rank 5 != input rank 4"],
         ort="error"),
    Case("initializer_negative_dim", _negative_initializer_dim, stage="compile",
         error_contains=["tensor 'w'", "negative dimension -1"], ort="error"),
    Case("averagepool_kernel_2_int32max", _avgpool_huge_kernel, stage="compile",
         error_contains=["#0 (AveragePool)", "2147483647"], ort="ok"),  # ORT loads it
    Case("averagepool_kernel_over_padded_input", _avgpool_kernel_over_input, stage="compile",
         error_contains=["node #0 (AveragePool)", "padded input size 4",
                         "effective kernel size 1000"], ort="ok"),  # ORT loads it
    Case("averagepool_same_kernel_2_int32max", _avgpool_same_huge_kernel, stage="compile",
         error_contains=["node #0 (AveragePool)", "kernel_shape [2, 2147483647]",
                         "4294967294 elements"], ort="ok"),
    Case("constant_of_shape_over_2p40_bytes", _constant_of_shape_huge, stage="compile",
         error_contains=["node 'fill' (ConstantOfShape)", "1099511627776", "2^40"], ort="ok"),
    Case("graph_input_element_count_overflow", _huge_graph_input, stage="compile",
         error_contains=["graph input 'x'", "overflows"], ort="ok"),
    Case("ir_version_99", _relu(ir_version=99), stage="compile",
         error_contains=["IR version 99", "newest Kiln supports (14)"], ort="error"),
    Case("opset_99", _relu(opset=99), stage="compile",
         error_contains=["opset 99", "ai.onnx", "newest Kiln supports (28)"], ort="error"),
    Case("unnamed_node_in_checker_error", _unnamed_checker_error, stage="compile",
         error_contains=["node #1 (Relu): Unrecognized attribute: bogus_attribute"], ort="error"),
    Case("libonnx_crash_where_kiln_steps_aside", _sequence_then_layernorm_axis, stage="compile",
         error_contains=["libonnx's shape inference crashed", "signal 11",
                         "node #1 (LayerNormalization)"], ort="error"),
]
