#!/usr/bin/env python3
"""End-to-end test of `kilnc --quantize=int8 --calibration-data=DIR` (static int8) on a
small CNN classifier and the zoo's MLP and small BERT.

    quantize_static_test.py --kilnc K --kiln-run R --work DIR [--models cnn,mlp,bert]

For each model: write SAMPLES calibration samples (DIR/<sample>/<input>.npy, batch 1),
compile it in f32 and with --quantize=int8 (the CNN with --calibration-method=entropy, the
MLP with percentile, BERT with minmax) --quantize-report=FILE.json --kiln-stats, run both
with kiln-run on held-out inputs and require

    cosine(int8, f32) >= 0.99 for every output       (issue 13's int8 goal)
    top-1 agreement >= 0.96 on HELD_OUT images         (the CNN classifier)

and that the report lists the expected quantized layers (as quantize_dynamic_test.py) with
their output SQNR, each model output's accuracy on the calibration samples (cosine >=
0.99), and on a machine
with AVX-512 VNNI `--kiln-stats` counts a VNNI contraction per quantized layer.

Then the bad uses, each a nonzero exit with an error naming what is wrong and no output
file (nor report): a missing or empty calibration folder, a sample without an input, a
.npy naming no input, the wrong dtype or shape, --quantize=int8 without
--calibration-data, a model with nothing to quantize, an unknown node in
--quantize-exclude, an unknown --calibration-method, --calibration-data without
--quantize=int8.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import quantize_dynamic_test as qd  # noqa: E402  (build_cnn, run_lib, cosine, has_vnni)
import zoo_test  # noqa: E402

MIN_COSINE = 0.99
MIN_TOP1 = 0.96
SAMPLES = 16
HELD_OUT = 50
METHOD = {"cnn": "entropy", "mlp": "percentile", "bert": "minmax"}  # each method once


def make_inputs(name, batch, rng):
    if name == "cnn":
        return {"x": rng.standard_normal((batch, 16, 16, 16)).astype(np.float32)}
    return zoo_test.generate.make_inputs(name, batch, rng, small=True)


def write_samples(name, directory, rng):
    for i in range(SAMPLES):
        sample = os.path.join(directory, f"sample{i:02d}")
        os.makedirs(sample, exist_ok=True)
        for key, value in make_inputs(name, 1, rng).items():
            np.save(os.path.join(sample, zoo_test.file_name_for(key)), value)


def compile_model(args, model, lib, flags):
    start = time.time()
    proc = subprocess.run([args.kilnc, model, "-o", lib] + flags, capture_output=True, text=True)
    return proc, time.time() - start


def check_model(args, name, problems):
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    if name == "cnn":
        path = qd.build_cnn(os.path.join(work, "cnn.onnx"))
    else:
        path = zoo_test.generate.generate(name, work, small=True)
    calibration = os.path.join(work, "calibration")
    write_samples(name, calibration, np.random.default_rng(11))

    f32_lib, q_lib = os.path.join(work, "f32.so"), os.path.join(work, "int8.so")
    report = os.path.join(work, "report.json")
    proc, _ = compile_model(args, path, f32_lib, [])
    if proc.returncode:
        problems.append(f"{name}: f32 compile: {zoo_test.first_error(proc.stderr)}")
        return
    proc, seconds = compile_model(args, path, q_lib, [
        "--quantize=int8", f"--calibration-data={calibration}",
        f"--calibration-method={METHOD[name]}", f"--quantize-report={report}", "--kiln-stats"])
    if proc.returncode:
        problems.append(f"{name}: int8 compile: {zoo_test.first_error(proc.stderr)}")
        return
    data = json.load(open(report))
    quantized = [l for l in data["layers"] if l["quantized"]]
    if len(quantized) < qd.EXPECTED[name]:
        problems.append(f"{name}: {len(quantized)} layers quantized, expected at least "
                        f"{qd.EXPECTED[name]}")
    layer_sqnr = [l.get("output_sqnr_db") for l in quantized]
    if None in layer_sqnr:
        problems.append(f"{name}: a quantized layer has no output SQNR in the report")
    elif layer_sqnr:
        print(f"[{name}] report: layer output SQNR {min(layer_sqnr):.1f} to {max(layer_sqnr):.1f} dB")
    for out in data.get("outputs", []):
        print(f"[{name}] report: output '{out['name']}' on {out['samples']} calibration samples: "
              f"SQNR {out['sqnr_db']:.1f} dB, cosine {out['cosine']:.5f}")
        if out["cosine"] < MIN_COSINE:
            problems.append(f"{name}: report: output {out['output']} cosine {out['cosine']:.5f}")
    if len(data.get("outputs", [])) == 0:
        problems.append(f"{name}: the report has no output accuracy")
    if qd.has_vnni():
        vnni = qd.stats_of(proc.stderr).get("int8-contractions", 0)
        if vnni < len(quantized):
            problems.append(f"{name}: {vnni} VNNI contractions for {len(quantized)} quantized layers")

    held_out = make_inputs(name, HELD_OUT if name == "cnn" else 2, np.random.default_rng(99))
    feeds = {}
    for key, value in held_out.items():
        feeds[key] = os.path.join(work, zoo_test.file_name_for(key))
        np.save(feeds[key], value)
    try:
        qd.run_lib(args, f32_lib, feeds, os.path.join(work, "out-f32"))
        qd.run_lib(args, q_lib, feeds, os.path.join(work, "out-int8"))
    except RuntimeError as e:
        problems.append(f"{name}: {e}")
        return
    for out in sorted(os.listdir(os.path.join(work, "out-f32"))):
        ref = np.load(os.path.join(work, "out-f32", out))
        got = np.load(os.path.join(work, "out-int8", out))
        cos = qd.cosine(got, ref)
        line = f"[{name}] {out}: cosine int8 vs f32 = {cos:.5f}"
        if cos < MIN_COSINE:
            problems.append(f"{name}: {out}: cosine {cos:.5f} < {MIN_COSINE}")
        if name == "cnn":
            top1 = float(np.mean(ref.argmax(-1) == got.argmax(-1)))
            line += f", top-1 agreement {top1:.2f} on {len(ref)} inputs"
            if top1 < MIN_TOP1:
                problems.append(f"{name}: top-1 agreement {top1:.2f} < {MIN_TOP1}")
        print(f"{line} ({len(quantized)} of {len(data['layers'])} contractions quantized, "
              f"{METHOD[name]}, compile {seconds:.1f} s)")


def check_bad_uses(args, problems):
    work = os.path.join(args.work, "bad")
    os.makedirs(work, exist_ok=True)
    path = zoo_test.generate.generate("mlp", work, small=True)  # input: [batch, 784] f32

    def sample_dir(label, files):
        d = os.path.join(work, label)
        os.makedirs(os.path.join(d, "s0"), exist_ok=True)
        for file, value in files.items():
            np.save(os.path.join(d, "s0", file), value)
        return d

    good = np.zeros((1, 784), np.float32)
    empty = os.path.join(work, "empty")
    os.makedirs(empty, exist_ok=True)
    cases = [
        ("missing folder", [f"--calibration-data={work}/none"], "is not a folder"),
        ("empty folder", [f"--calibration-data={empty}"], "has no sample folders"),
        ("missing input", [f"--calibration-data={sample_dir('missing', {})}"],
         "no 'input.npy' for the model input 'input'"),
        ("wrong name", [f"--calibration-data={sample_dir('name', {'input.npy': good, 'inputs.npy': good})}"],
         "'inputs.npy' names no model input"),
        ("wrong dtype", [f"--calibration-data={sample_dir('dtype', {'input.npy': good.astype(np.float64)})}"],
         "holds float64, the input 'input' takes float32"),
        ("wrong shape", [f"--calibration-data={sample_dir('shape', {'input.npy': np.zeros((1, 100), np.float32)})}"],
         "has shape [1,100], the input 'input' takes [?,784]"),
        ("no calibration data", [], "needs --calibration-data"),
        ("nothing to quantize", [f"--calibration-data={sample_dir('ok', {'input.npy': good})}",
                                 "--quantize-exclude=/fc1/Gemm,/fc2/Gemm"], "nothing to quantize"),
        ("unknown exclude", [f"--calibration-data={sample_dir('ok', {'input.npy': good})}",
                             "--quantize-exclude=/no/such/node"], "no node named '/no/such/node'"),
        ("unknown method", [f"--calibration-data={sample_dir('ok', {'input.npy': good})}",
                            "--calibration-method=median"], "--calibration-method=median: no such method"),
    ]
    for i, (label, flags, message) in enumerate(cases):
        lib, report = os.path.join(work, f"bad{i}.so"), os.path.join(work, f"bad{i}.json")
        proc, _ = compile_model(args, path, lib, ["--quantize=int8"] + flags +
                                [f"--quantize-report={report}"])
        qd.check_failure(label, proc, message, [lib, report], problems)
    lib = os.path.join(work, "alone.so")
    proc, _ = compile_model(args, path, lib, [f"--calibration-data={empty}"])
    qd.check_failure("calibration data alone", proc, "need --quantize=int8", [lib], problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", default="cnn,mlp,bert")
    args = ap.parse_args()
    problems = []
    for name in [m for m in args.models.split(",") if m]:
        check_model(args, name, problems)
    check_bad_uses(args, problems)
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
