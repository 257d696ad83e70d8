"""Every older ONNX op signature compiles and computes what its opset meant.

Each case is a one-node model at an old opset (the version the node's signature comes from),
compiled by kilnc as it is (no conversion) and run with kiln-run. The reference is ONNX
Runtime where it runs the opset (7 and newer), else numpy written from the ONNX operator
documentation of that version. Tolerance: 1e-5 relative to max(1, max |reference|).

Usage: old_opsets_test.py --kilnc KILNC --kiln-run KILN_RUN --work DIR [--only NAME,...]
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TOL = 1e-5
IR_VERSION = {1: 3, 6: 3, 7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8}

rng = np.random.default_rng(7)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def softmax2d(x, axis, log=False, hard=False):
    rows = x.reshape(int(np.prod(x.shape[:axis])), -1)
    if hard:
        out = np.zeros_like(rows)
        out[np.arange(rows.shape[0]), rows.argmax(1)] = 1
    else:
        e = np.exp(rows - rows.max(1, keepdims=True))
        out = e / e.sum(1, keepdims=True)
        out = np.log(out) if log else out
    return out.reshape(x.shape)


class Case:
    """A one-node model: op, opset, inputs {name: array}, attributes, constant inputs
    (initializers), output names and a numpy reference (None: ONNX Runtime)."""

    def __init__(self, name, op, opset, inputs, attrs=None, consts=None, outputs=("Y",),
                 ref=None, input_order=None, out_types=None):
        self.name, self.op, self.opset = name, op, opset
        self.inputs, self.attrs, self.consts = inputs, attrs or {}, consts or {}
        self.outputs, self.ref = list(outputs), ref
        self.input_order = input_order or list(inputs) + list(self.consts)
        first = next(iter(inputs.values())).dtype
        self.out_types = out_types or [first] * len(self.outputs)

    def model(self, outputs):
        """The model; `outputs` gives each output's array (dtype and shape) or None."""
        node = helper.make_node(self.op, self.input_order, self.outputs, name=f"/{self.name}",
                                **self.attrs)
        out_infos = [helper.make_tensor_value_info(
            o, helper.np_dtype_to_tensor_dtype(np.dtype(a.dtype if a is not None else t)),
            a.shape if a is not None else None)
            for o, a, t in zip(self.outputs, outputs, self.out_types)]
        # Before IR version 4 every initializer is also a graph input.
        ins = dict(self.inputs)
        if IR_VERSION[self.opset] < 4:
            ins.update({k: v for k, v in self.consts.items() if k})
        graph = helper.make_graph(
            [node], self.name,
            [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
             for k, v in ins.items()],
            out_infos, [numpy_helper.from_array(v, k) for k, v in self.consts.items() if k])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        model.ir_version = IR_VERSION[self.opset]
        return model


def cases():
    x4 = f32(2, 3, 4, 5)
    img = f32(1, 2, 3, 4)
    bn = dict(s=np.abs(f32(3)) + 0.5, b=f32(3), m=f32(3), v=np.abs(f32(3)) + 0.5)

    def bn_ref(x, s, b, m, v, eps=1e-5, shape=(1, 3, 1, 1)):
        r = [a.reshape(shape) for a in (s, b, m, v)]
        return (x - r[2]) / np.sqrt(r[3] + eps) * r[0] + r[1]

    yield Case("abs_1", "Abs", 1, {"X": f32(3, 4)}, {"consumed_inputs": [0]},
               ref=lambda X: np.abs(X))
    yield Case("selu_1", "Selu", 1, {"X": f32(3, 4)},
               ref=lambda X: np.where(X > 0, 1.0507 * X, 1.0507 * 1.6732 * (np.exp(X) - 1)))
    yield Case("leaky_relu_1", "LeakyRelu", 1, {"X": f32(3, 4)}, {"consumed_inputs": [0]},
               ref=lambda X: np.where(X > 0, X, 0.01 * X))
    yield Case("sum_1", "Sum", 1, {"A": f32(2, 3), "B": f32(2, 3)}, ref=lambda A, B: A + B)
    slope = f32(2, 3)
    yield Case("prelu_1", "PRelu", 1, {"X": f32(2, 3)}, consts={"S": slope},
               ref=lambda X: np.where(X > 0, X, slope * X))
    # Legacy broadcasting: B aligned at `axis`, or to the right without one.
    yield Case("add_6_axis1", "Add", 6, {"A": x4, "B": f32(3, 4)}, {"broadcast": 1, "axis": 1},
               ref=lambda A, B: A + B[:, :, None])
    yield Case("add_6_right", "Add", 6, {"A": x4, "B": f32(5)}, {"broadcast": 1},
               ref=lambda A, B: A + B)
    yield Case("mul_1_axis0", "Mul", 1, {"A": x4, "B": f32(2)}, {"broadcast": 1, "axis": 0},
               ref=lambda A, B: A * B[:, None, None, None])
    yield Case("sub_6_same", "Sub", 6, {"A": x4, "B": f32(2, 3, 4, 5)}, ref=lambda A, B: A - B)
    yield Case("div_6_channel", "Div", 6, {"A": x4, "B": np.abs(f32(3)) + 1},
               {"broadcast": 1, "axis": 1}, ref=lambda A, B: A / B[:, None, None])
    yield Case("greater_1_axis", "Greater", 1, {"A": x4, "B": f32(3)},
               {"broadcast": 1, "axis": 1}, ref=lambda A, B: A > B[:, None, None])
    ai, bi = rng.integers(0, 3, (2, 3)).astype(np.int32), rng.integers(0, 3, (2,)).astype(np.int32)
    yield Case("equal_1_axis0", "Equal", 1, {"A": ai, "B": bi}, {"broadcast": 1, "axis": 0},
               ref=lambda A, B: A == B[:, None])
    # Softmax family before opset 13: a 2-D coercion at axis.
    yield Case("softmax_11_axis1", "Softmax", 11, {"X": f32(2, 3, 4)}, {"axis": 1})
    yield Case("softmax_1_default", "Softmax", 1, {"X": f32(2, 3, 4)},
               ref=lambda X: softmax2d(X, 1))
    yield Case("logsoftmax_11_axis0", "LogSoftmax", 11, {"X": f32(2, 3)}, {"axis": 0})
    yield Case("hardmax_11_axis1", "Hardmax", 11, {"X": f32(2, 3, 4)}, {"axis": 1})
    yield Case("softmax_11_last", "Softmax", 11, {"X": f32(2, 3, 4)}, {"axis": 2})
    yield Case("clip_6", "Clip", 7, {"X": f32(3, 4)}, {"min": -0.5, "max": 0.25})
    yield Case("clip_6_max_only", "Clip", 7, {"X": f32(3, 4)}, {"max": 0.1})
    # BatchNormalization: five outputs and `spatial` before opset 14.
    yield Case("bn_7", "BatchNormalization", 7, {"X": x4[:, :, :3]}, {"epsilon": 1e-3},
               consts=dict(S=bn["s"], B=bn["b"], M=bn["m"], V=bn["v"]))
    yield Case("bn_9", "BatchNormalization", 9, {"X": f32(2, 3, 4)},
               consts=dict(S=bn["s"], B=bn["b"], M=bn["m"], V=bn["v"]))
    yield Case("bn_6_is_test", "BatchNormalization", 6, {"X": x4[:, :, :3]}, {"is_test": 1},
               consts=dict(S=bn["s"], B=bn["b"], M=bn["m"], V=bn["v"]),
               ref=lambda X: bn_ref(X, bn["s"], bn["b"], bn["m"], bn["v"]))
    pa = dict(S=np.abs(f32(3, 2, 2)) + 0.5, B=f32(3, 2, 2), M=f32(3, 2, 2),
              V=np.abs(f32(3, 2, 2)) + 0.5)
    yield Case("bn_7_per_activation", "BatchNormalization", 7, {"X": f32(2, 3, 2, 2)},
               {"spatial": 0}, consts=pa,
               ref=lambda X: bn_ref(X, pa["S"], pa["B"], pa["M"], pa["V"], shape=(3, 2, 2)))
    # Upsample and Resize 10: asymmetric coordinates, nearest rounds down.
    yield Case("upsample_7_nearest", "Upsample", 7, {"X": img}, {"scales": [1.0, 1.0, 2.0, 3.0]})
    yield Case("upsample_9_linear", "Upsample", 9, {"X": img}, {"mode": "linear"},
               consts={"scales": np.array([1, 1, 2, 2], np.float32)})
    yield Case("upsample_1", "Upsample", 1, {"X": img},
               {"height_scale": 2.0, "width_scale": 2.0},
               ref=lambda X: np.repeat(np.repeat(X, 2, 2), 2, 3))
    yield Case("resize_10_nearest", "Resize", 10, {"X": img},
               consts={"scales": np.array([1, 1, 2.5, 1.5], np.float32)})
    yield Case("resize_10_linear", "Resize", 10, {"X": img}, {"mode": "linear"},
               consts={"scales": np.array([1, 1, 2, 2], np.float32)})
    yield Case("resize_11_sizes", "Resize", 11, {"X": img},
               {"mode": "linear", "coordinate_transformation_mode": "half_pixel"},
               consts={"roi": np.zeros(0, np.float32), "scales": np.zeros(0, np.float32),
                       "sizes": np.array([1, 2, 5, 7], np.int64)})
    yield Case("resize_11_tf_nn", "Resize", 11, {"X": img},
               {"coordinate_transformation_mode": "tf_half_pixel_for_nn"},
               consts={"roi": np.zeros(0, np.float32),
                       "scales": np.array([1, 1, 1.6, 2.2], np.float32)})
    yield Case("resize_13_cubic", "Resize", 13, {"X": img},
               {"mode": "cubic", "coordinate_transformation_mode": "align_corners"},
               consts={"": None, "scales": np.array([1, 1, 2, 2], np.float32)},
               input_order=["X", "", "scales"])
    # LpPool and GlobalLpPool 1: p is a float (an integer since 2); GridSample 16 names its
    # modes bilinear/bicubic; RoiAlign 10 computes output_half_pixel.
    yield Case("lppool_1", "LpPool", 1, {"X": img}, {"kernel_shape": [2, 2], "p": 3.0},
               ref=lambda X: np.stack([np.stack([
                   (np.abs(X[:, :, i:i + 2, j:j + 2]) ** 3).sum((2, 3)) ** (1 / 3)
                   for j in range(3)], -1) for i in range(2)], -2))
    yield Case("global_lppool_1", "GlobalLpPool", 1, {"X": img},
               ref=lambda X: np.sqrt((X * X).sum((2, 3), keepdims=True)))
    yield Case("gridsample_16_bicubic", "GridSample", 16,
               {"X": img, "G": (rng.random((1, 3, 2, 2)) * 2.4 - 1.2).astype(np.float32)},
               {"mode": "bicubic", "padding_mode": "border"})
    yield Case("roialign_10", "RoiAlign", 10, {"X": f32(1, 2, 6, 6)},
               {"output_height": 2, "output_width": 3, "sampling_ratio": 2},
               consts={"rois": np.array([[0.5, 1, 4, 5], [1, 0, 6, 3]], np.float32),
                       "batch": np.array([0, 0], np.int64)})
    # Pad: attributes before 11, no axes before 18.
    yield Case("pad_2_constant", "Pad", 7, {"X": f32(2, 3)},
               {"pads": [0, 1, 1, 2], "value": 1.5})
    yield Case("pad_2_reflect", "Pad", 7, {"X": f32(3, 4)},
               {"pads": [1, 2, 1, 0], "mode": "reflect"})
    yield Case("pad_13", "Pad", 13, {"X": f32(2, 3)},
               consts={"pads": np.array([1, 0, 0, 1], np.int64), "v": np.array(2.0, np.float32)})
    yield Case("cast_1", "Cast", 1, {"X": f32(3, 4) * 10}, {"to": "INT32"},
               ref=lambda X: X.astype(np.int32))
    yield Case("concat_1_default", "Concat", 1, {"A": f32(2, 3), "B": f32(2, 2)},
               ref=lambda A, B: np.concatenate([A, B], 1))
    yield Case("split_1_attr", "Split", 1, {"X": f32(2, 5)}, {"axis": 1, "split": [2, 3]},
               outputs=("Y0", "Y1"), ref=lambda X: [X[:, :2], X[:, 2:]])
    yield Case("split_2_equal", "Split", 7, {"X": f32(2, 6)}, {"axis": 1},
               outputs=("Y0", "Y1", "Y2"))
    yield Case("tile_1", "Tile", 1, {"X": f32(2, 3)},
               consts={"tiles": np.array([3], np.float32), "axis": np.array([1], np.float32)},
               ref=lambda X: np.tile(X, (1, 3)))
    yield Case("topk_1", "TopK", 9, {"X": f32(3, 6)}, {"k": 2}, outputs=("V", "I"),
               out_types=[np.float32, np.int64])
    yield Case("reshape_1", "Reshape", 1, {"X": f32(2, 6)}, {"shape": [3, 4]},
               ref=lambda X: X.reshape(3, 4))
    yield Case("slice_1", "Slice", 9, {"X": f32(4, 6)},
               {"starts": [1, 0], "ends": [3, 100], "axes": [0, 1]})
    yield Case("dropout_7", "Dropout", 7, {"X": f32(3, 4)}, {"ratio": 0.3})
    yield Case("dropout_10_mask", "Dropout", 10, {"X": f32(3, 4)}, outputs=("Y",))
    c6 = f32(5)
    yield Case("gemm_6", "Gemm", 6, {"A": f32(3, 4), "B": f32(4, 5)}, {"broadcast": 1},
               consts={"C": c6}, ref=lambda A, B: A @ B + c6)
    yield Case("gemm_8", "Gemm", 8, {"A": f32(3, 4), "B": f32(4, 5)}, consts={"C": f32(3, 5)})
    yield Case("gemm_9", "Gemm", 9, {"A": f32(3, 4), "B": f32(5, 4)}, {"transB": 1},
               consts={"C": f32(3, 1)})
    yield Case("instance_norm_1", "InstanceNormalization", 1, {"X": f32(2, 3, 4)},
               consts={"s": np.ones(3, np.float32), "b": np.zeros(3, np.float32)},
               ref=lambda X: (X - X.mean(2, keepdims=True)) /
               np.sqrt(X.var(2, keepdims=True) + 1e-5))


def run_case(case, kilnc, kiln_run, work):
    folder = os.path.join(work, case.name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    if case.ref is None:
        import onnxruntime as ort
        onnx.save(case.model([None] * len(case.outputs)), path)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        want = sess.run(case.outputs, case.inputs)
    else:
        want = case.ref(*case.inputs.values())
        want = [np.asarray(w) for w in (want if isinstance(want, list) else [want])]
    # Kiln compiles the model as an exporter writes it: outputs typed and shaped.
    onnx.save(case.model(want), path)
    so = os.path.join(folder, "model.so")
    r = subprocess.run([kilnc, path, "-o", so], capture_output=True, text=True)
    if r.returncode != 0:
        return f"kilnc failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}"
    args = [kiln_run, so, "--threads", "1", "--output-dir", folder]
    for k, v in case.inputs.items():
        np.save(os.path.join(folder, f"in_{k}.npy"), v)
        args += ["--input", f"{k}={folder}/in_{k}.npy"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        return f"kiln-run failed: {r.stderr.strip()}"
    for name, ref in zip(case.outputs, want):
        got = np.load(os.path.join(folder, f"{name}.npy"))
        ref = np.asarray(ref)
        if got.shape != ref.shape:
            return f"{name}: shape {got.shape}, want {ref.shape}"
        diff = np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))) if ref.size else 0
        scale = max(1.0, float(np.max(np.abs(ref.astype(np.float64)))) if ref.size else 1.0)
        if diff > TOL * scale:
            return f"{name}: max |kiln - ref| = {diff:.3g} (tolerance {TOL * scale:.3g})"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    all_cases = list(cases())
    failures = 0
    for case in all_cases:
        if only and case.name not in only:
            continue
        error = run_case(case, args.kilnc, args.kiln_run, args.work)
        print(f"{'FAIL' if error else 'ok  '} {case.name} (opset {case.opset} {case.op})"
              + (f": {error}" if error else ""))
        failures += bool(error)
    print(f"{len(all_cases) - failures} of {len(all_cases)} older-opset cases pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
