#!/usr/bin/env python3
"""LSTM, GRU and RNN end to end against ONNX Runtime on randomly built one-node models.

    rnn_test.py --kilnc K --runtime-lib LIB --work DIR [--filter REGEX] [--seed N]

Each case is an ONNX model (opset 22) with one recurrent node whose X has a dynamic batch and
sequence length; W, R, B and P are initializers (so Kiln folds and packs them) unless the
case says `runtime_weights`. The case is compiled once by kilnc and run through the runtime's
Python binding on two input sizes (batch, seq) next to ORT (1 thread). The cases cover the
directions, layout 0 and 1, sequence_lens, initial states, peepholes, clip, input_forget,
linear_before_reset, non-default activations, and absent outputs.

Tolerance: |kiln - ort| <= 1e-4 * max(1, |ort|) elementwise (relative 1e-4, absolute 1e-4
near zero), on every output.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python"))

RTOL = 1e-4
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
STATES = {"LSTM": ["Y_h", "Y_c"], "GRU": ["Y_h"], "RNN": ["Y_h"]}

# name: (op, attributes, options). Options: hidden, input, lens (sequence_lens), h0 / c0
# (initial states), peep (P), bias (default on), outputs (subset of Y, Y_h, Y_c),
# runtime_weights (W, R, B as graph inputs), sizes ((batch, seq) pairs).
CASES = {
    "lstm_forward": ("LSTM", {}, {}),
    "lstm_reverse_no_bias": ("LSTM", {"direction": "reverse"}, {"bias": False}),
    "lstm_bidir_layout1_lens_states_peep_clip": (
        "LSTM", {"direction": "bidirectional", "layout": 1, "clip": 0.7},
        {"lens": True, "h0": True, "c0": True, "peep": True}),
    "lstm_bidir_lens_runtime_weights": (
        "LSTM", {"direction": "bidirectional"},
        {"lens": True, "peep": True, "runtime_weights": True}),
    "lstm_input_forget_acts": (
        "LSTM", {"input_forget": 1, "activations": ["HardSigmoid", "LeakyRelu", "Softsign"],
                 "activation_alpha": [0.3, 0.05], "activation_beta": [0.4]}, {}),
    "lstm_only_yc": ("LSTM", {"direction": "reverse"}, {"lens": True, "outputs": ["Y_c"]}),
    "lstm_ocr_head": ("LSTM", {"direction": "bidirectional"},
                      {"hidden": 32, "input": 48, "sizes": ((1, 40), (3, 17))}),
    "gru_forward": ("GRU", {}, {}),
    "gru_bidir_layout1_lens_h0_clip": (
        "GRU", {"direction": "bidirectional", "layout": 1, "clip": 0.5},
        {"lens": True, "h0": True}),
    "gru_linear_before_reset": ("GRU", {"linear_before_reset": 1, "direction": "bidirectional"},
                                {"h0": True}),
    "gru_lbr_reverse_lens_runtime": ("GRU", {"linear_before_reset": 1, "direction": "reverse"},
                                     {"lens": True, "runtime_weights": True}),
    "gru_acts": ("GRU", {"activations": ["Sigmoid", "Elu"], "activation_alpha": [0.7]},
                 {"outputs": ["Y"]}),
    "rnn_forward": ("RNN", {}, {}),
    "rnn_bidir_layout1_lens_h0": ("RNN", {"direction": "bidirectional", "layout": 1},
                                  {"lens": True, "h0": True}),
    "rnn_relu_clip_reverse": ("RNN", {"activations": ["Relu"], "clip": 1.5,
                                      "direction": "reverse"}, {"bias": False}),
    "rnn_softplus": ("RNN", {"activations": ["Softplus"]}, {"outputs": ["Y_h"]}),
}


def build_model(name, op, attrs, opts, rng):
    hidden, inp = opts.get("hidden", 5), opts.get("input", 4)
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    g = GATES[op]
    layout = attrs.get("layout", 0)
    f32 = TensorProto.FLOAT
    x_dims = ["batch", "seq", inp] if layout else ["seq", "batch", inp]
    state_dims = ["batch", dirs, hidden] if layout else [dirs, "batch", hidden]
    params = {"W": rng.uniform(-0.5, 0.5, (dirs, g * hidden, inp)),
              "R": rng.uniform(-0.5, 0.5, (dirs, g * hidden, hidden))}
    if opts.get("bias", True):
        params["B"] = rng.uniform(-0.5, 0.5, (dirs, 2 * g * hidden))
    if opts.get("peep"):
        params["P"] = rng.uniform(-0.5, 0.5, (dirs, 3 * hidden))
    params = {k: v.astype(np.float32) for k, v in params.items()}
    inputs = [helper.make_tensor_value_info("X", f32, x_dims)]
    inits = []
    for k, v in params.items():
        if opts.get("runtime_weights"):
            inputs.append(helper.make_tensor_value_info(k, f32, list(v.shape)))
        else:
            inits.append(numpy_helper.from_array(v, k))
    names = ["X", "W", "R", "B" if "B" in params else "", "", "", "", ""]
    if opts.get("lens"):
        names[4] = "sequence_lens"
        inputs.append(helper.make_tensor_value_info("sequence_lens", TensorProto.INT32, ["batch"]))
    for i, key in ((5, "h0"), (6, "c0")):
        if opts.get(key):
            names[i] = key
            inputs.append(helper.make_tensor_value_info(key, f32, state_dims))
    if op == "LSTM" and "P" in params:
        names[7] = "P"
    names = names[:8 if op == "LSTM" else 6]
    while names and not names[-1]:
        names.pop()
    wanted = opts.get("outputs", ["Y"] + STATES[op])
    out_names = [n if n in wanted else "" for n in ["Y"] + STATES[op]]
    while not out_names[-1]:
        out_names.pop()
    outputs = []
    for n in out_names:
        if not n:
            continue
        if n == "Y":
            dims = ["batch", "seq", dirs, hidden] if layout else ["seq", dirs, "batch", hidden]
        else:
            dims = state_dims
        outputs.append(helper.make_tensor_value_info(n, f32, dims))
    node = helper.make_node(op, names, out_names, name=f"/{name}", hidden_size=hidden, **attrs)

    def make(nodes):
        graph = helper.make_graph(nodes, name, inputs, outputs, inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
        model.ir_version = 10
        onnx.checker.check_model(model)
        return model

    model = make([node])
    if not layout:
        return model, model, params
    # ONNX Runtime refuses layout = 1: its reference is the layout-0 node between
    # transposes.
    nodes, ref_names, ref_outs = [], list(names), []
    for i, (n, perm) in enumerate(zip(names, [[1, 0, 2], [], [], [], [], [1, 0, 2], [1, 0, 2]])):
        if n and perm:
            nodes.append(helper.make_node("Transpose", [n], [n + "_t"], perm=perm))
            ref_names[i] = n + "_t"
    for n in out_names:
        ref_outs.append(n + "_t" if n else "")
        if n:
            perm = [2, 0, 1, 3] if n == "Y" else [1, 0, 2]
            nodes.append(helper.make_node("Transpose", [n + "_t"], [n], perm=perm))
    ref_attrs = {k: v for k, v in attrs.items() if k != "layout"}
    nodes.insert(len([m for m in nodes if m.output[0].endswith("_t")]),
                 helper.make_node(op, ref_names, ref_outs, hidden_size=hidden, **ref_attrs))
    return model, make(nodes), params


def make_feeds(model, params, op, opts, attrs, batch, seq, rng):
    layout = attrs.get("layout", 0)
    hidden, inp = opts.get("hidden", 5), opts.get("input", 4)
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    feeds = {"X": rng.standard_normal((batch, seq, inp) if layout else (seq, batch, inp))}
    if opts.get("runtime_weights"):
        feeds.update(params)
    if opts.get("lens"):
        lens = rng.integers(1, seq + 1, batch).astype(np.int32)
        lens[0] = seq  # one full-length sequence
        feeds["sequence_lens"] = lens
    for key in ("h0", "c0"):
        if opts.get(key):
            feeds[key] = rng.standard_normal((batch, dirs, hidden) if layout else (dirs, batch, hidden))
    return {k: (v.astype(np.float32) if v.dtype == np.float64 else v) for k, v in feeds.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--runtime-lib", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--filter", default="")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.environ["KILN_RUNTIME_LIB"] = args.runtime_lib
    import kiln_runtime as kr
    import onnxruntime as ort

    os.makedirs(args.work, exist_ok=True)
    failures = []
    for i, (name, (op, attrs, opts)) in enumerate(CASES.items()):
        if not re.search(args.filter, name):
            continue
        rng = np.random.default_rng(args.seed + i)
        model, reference, params = build_model(name, op, attrs, opts, rng)
        path = os.path.join(args.work, name + ".onnx")
        onnx.save(model, path)
        ref_path = os.path.join(args.work, name + ".reference.onnx")
        onnx.save(reference, ref_path)
        lib = os.path.join(args.work, name + ".so")
        r = subprocess.run([args.kilnc, path, "-o", lib], capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f"{name}: kilnc failed: {r.stderr.strip()[-2000:]}")
            print("FAIL", failures[-1])
            continue
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(ref_path, so, providers=["CPUExecutionProvider"])
        ks = kr.Session(kr.Model(lib), num_threads=1)
        worst = 0.0
        for batch, seq in opts.get("sizes", ((2, 5), (3, 1))):
            feeds = make_feeds(model, params, op, opts, attrs, batch, seq, rng)
            want = sess.run(None, feeds)
            got = ks.run(feeds)
            for out, w in zip(sess.get_outputs(), want):
                k = got[out.name]
                if k.shape != w.shape:
                    failures.append(f"{name} b={batch} t={seq} {out.name}: shape "
                                    f"{list(k.shape)} != onnxruntime {list(w.shape)}")
                    continue
                err = float(np.max(np.abs(k - w) / np.maximum(1.0, np.abs(w)), initial=0.0))
                worst = max(worst, err)
                if not err <= RTOL:
                    failures.append(f"{name} b={batch} t={seq} {out.name}: error {err:.3g}")
        status = "ok" if not any(f.startswith(name + " ") for f in failures) else "FAIL"
        print(f"{status:4} {name}: max error {worst:.2g}")
    for f in failures:
        print("FAIL", f)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
