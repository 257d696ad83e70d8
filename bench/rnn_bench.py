#!/usr/bin/env python3
"""Recurrent layers, Kiln against ONNX Runtime (one thread each), in one process.

    python3 bench/rnn_bench.py --kilnc build/bin/kilnc [--batches 1,8] [--seq 40]
        [--min-seconds 2] [--work /tmp/rnn-bench]

Models (random weights as initializers, batch and sequence length left dynamic):
  bilstm  the BiLSTM head of an OCR recognizer: input 512, hidden 256, bidirectional;
  gru     a GRU as in voice-activity detectors and taggers: input 256, hidden 256, forward,
          linear_before_reset = 1 (PyTorch's export).
Each model is compiled once by kilnc (timed); then per batch the engines run in turn (ORT,
Kiln, ORT, ...) after one warm-up each, until each has --min-runs runs and --min-seconds of
runs. Prints the median latency of each and ORT/Kiln (> 1: Kiln is faster), and the largest
relative difference of the outputs.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "runtime", "python"))

MODELS = {
    # name: (op, input size, hidden, attributes)
    "bilstm": ("LSTM", 512, 256, {"direction": "bidirectional"}),
    "gru": ("GRU", 256, 256, {"linear_before_reset": 1}),
}


def build(name, path):
    op, inp, hidden, attrs = MODELS[name]
    gates = {"LSTM": 4, "GRU": 3}[op]
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    rng = np.random.default_rng(0)
    scale = 1.0 / np.sqrt(hidden)
    inits = [numpy_helper.from_array(rng.uniform(-scale, scale, shape).astype(np.float32), n)
             for n, shape in (("W", (dirs, gates * hidden, inp)),
                              ("R", (dirs, gates * hidden, hidden)),
                              ("B", (dirs, 2 * gates * hidden)))]
    outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    node = helper.make_node(op, ["X", "W", "R", "B"], outs, name=name, hidden_size=hidden, **attrs)
    f32 = TensorProto.FLOAT
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", f32, ["seq", "batch", inp])],
        [helper.make_tensor_value_info("Y", f32, ["seq", dirs, "batch", hidden])] +
        [helper.make_tensor_value_info(o, f32, [dirs, "batch", hidden]) for o in outs[1:]],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    model.ir_version = 10
    onnx.save(model, path)
    return inp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--runtime-lib")
    ap.add_argument("--models", default="bilstm,gru")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--seq", type=int, default=40)
    ap.add_argument("--min-runs", type=int, default=10)
    ap.add_argument("--min-seconds", type=float, default=2.0)
    ap.add_argument("--work", default="/tmp/rnn-bench")
    args = ap.parse_args()
    bindir = os.path.dirname(os.path.abspath(args.kilnc))
    os.environ.setdefault("KILN_RUNTIME_LIB", args.runtime_lib or
                          os.path.join(os.path.dirname(bindir), "lib", "libkiln_runtime.so"))
    import kiln_runtime as kr
    import onnxruntime as ort

    os.makedirs(args.work, exist_ok=True)
    print(f"onnxruntime {ort.__version__}, threads 1, seq {args.seq}")
    print(f"{'model':8} {'batch':>5} {'ORT ms':>9} {'Kiln ms':>9} {'ORT/Kiln':>9} "
          f"{'max rel diff':>12} {'compile s':>9}")
    for name in args.models.split(","):
        path = os.path.join(args.work, name + ".onnx")
        inp = build(name, path)
        lib = os.path.join(args.work, name + ".so")
        start = time.perf_counter()
        subprocess.run([args.kilnc, path, "-o", lib], check=True)
        compile_s = time.perf_counter() - start
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        ks = kr.Session(kr.Model(lib), num_threads=1)
        for batch in [int(b) for b in args.batches.split(",")]:
            x = np.random.default_rng(batch).standard_normal(
                (args.seq, batch, inp)).astype(np.float32)
            names = [o.name for o in sess.get_outputs()]
            engines = {"ort": lambda: sess.run(None, {"X": x}),
                       "kiln": lambda: (lambda out: [out[n] for n in names])(ks.run({"X": x}))}
            want, got = engines["ort"](), engines["kiln"]()
            diff = max(float(np.max(np.abs(g - w) / np.maximum(1.0, np.abs(w))))
                       for g, w in zip(got, want))
            times = {k: [] for k in engines}
            while any(len(t) < args.min_runs or sum(t) < args.min_seconds
                      for t in times.values()):
                for k, run in engines.items():
                    start = time.perf_counter()
                    run()
                    times[k].append(time.perf_counter() - start)
            o, k = (statistics.median(times[e]) * 1e3 for e in ("ort", "kiln"))
            print(f"{name:8} {batch:5d} {o:9.3f} {k:9.3f} {o / k:9.2f} {diff:12.2g} "
                  f"{compile_s:9.2f}")


if __name__ == "__main__":
    main()
