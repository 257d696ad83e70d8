#!/usr/bin/env python3
"""Reduced precision side by side on the model zoo (issue 13, "Measured"): Kiln fp32, bf16,
fp16 weights, int8-dynamic, static int8 and int4 weights next to ONNX Runtime fp32 / quantize_dynamic / quantize_static
and OpenVINO's default CPU precision, in one run, on the same inputs and thread count.

    python3 bench/precision_bench.py --kilnc build/bin/kilnc --out bench/results/precision.md
        [--json bench/results/precision.json] [--models mlp,resnet50,mobilenetv2,bert,gpt2]
        [--small] [--image-size N] [--batches 1,8] [--threads 1]
        [--eval-samples 256] [--cosine-samples 32] [--eval-batch 8]
        [--calib-samples 32] [--calibration-method minmax|percentile|entropy]
        [--block-size 32] [--min-runs 3] [--min-seconds 2] [--max-seconds 20] [--work DIR]

Per model (bench/zoo/generate.py; full size unless --small, CNNs at --image-size or 224):

Engines
  * Kiln: `kilnc M.onnx -o M.<mode>.so` with nothing (fp32), `--precision=bf16`,
    `--precision=fp16`, `--quantize=int8-dynamic`, `--quantize=int4-weights
    --block-size=B`, and `--quantize=int8 --calibration-data=DIR
    --calibration-method=M` when `kilnc --help` lists --calibration-data (otherwise that row
    says so); and ORT's quantize_static QDQ model below compiled as shipped ("kiln
    ort-qdq", kiln-import-qdq). Run through the Python runtime binding (runtime/python/kiln_runtime.py) with
    num_threads = T; one library serves every batch size (the zoo's batch is symbolic).
  * ONNX Runtime (CPU provider, intra-op threads T, inter-op 1, sequential, no spinning, as
    bench/run_bench.py): the fp32 model; `quantize_dynamic(per_channel=True,
    weight_type=QInt8)`; `quantize_static(QDQ, per_channel=True, weights QInt8, activations
    QUInt8, calibrate_method=M)` fed the same calibration samples through a
    CalibrationDataReader. Both quantizers get the model after `quant_pre_process` (shape
    inference), or the plain model when that fails.
  * OpenVINO (`pip install openvino`; measured with 2026.4.1): `core.compile_model(model,
    "CPU", {"INFERENCE_NUM_THREADS": T})` with no precision hint, i.e. the CPU plugin's
    default (bf16 on AMX machines); the row reports `INFERENCE_PRECISION_HINT` of the
    compiled model. The model is reshaped to each batch size used (static shapes, as
    OpenVINO is normally deployed).

Calibration data: --calib-samples samples of batch 1 from the zoo's make_inputs with seeds
100000 + i (disjoint from the evaluation and timing inputs), written to WORK/<model>-calib/
in the layout kilnc expects: one sub-folder per sample with one `<input name>.npy` per input.

Accuracy, against Kiln fp32 on fixed inputs (make_inputs with seeds 5000 + k, in batches of
--eval-batch): classifiers (mlp, resnet50, mobilenetv2): top-1 agreement of the first output
over --eval-samples inputs (default 256); bert and gpt2: cosine similarity of the first output
per sample over --cosine-samples inputs (mean and minimum).

Size: bytes of the compiled library (Kiln) or of the ONNX file the engine loads (ORT).

Latency at each batch size (make_inputs with default_rng(1234 + batch), as run_bench.py): a
warm-up run per engine, then the engines in turn until each has --min-runs runs and
--min-seconds of timed runs (or --max-seconds); median of the Python run call. Speed-ups:
(Kiln fp32 median) / (engine median) and (OpenVINO median) / (engine median); > 1 means the
row is faster.

A mode that fails to build or run shows its error in its cells; the run goes on.
"""
import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "zoo"))
import generate  # noqa: E402  (bench/zoo/generate.py)
import machine  # noqa: E402  (bench/machine.py)
import benchlib  # noqa: E402  (bench/benchlib.py)
from benchlib import Engine, aligned, first_error, percentile, warm_up_and_time  # noqa: E402

CLASSIFIERS = {"mlp", "resnet50", "mobilenetv2"}
CALIB_SEED, EVAL_SEED = 100000, 5000
KILN_FP32 = "kiln fp32"
OV = "openvino default"


def short(text, n=120):
    text = " ".join(str(text).split()).replace("|", "/")
    return text if len(text) <= n else text[:n - 3] + "..."


def err_text():
    return short(traceback.format_exc().strip().splitlines()[-1], 300)


class Mode:
    """One row: how it is built (`prepare`), how a batch runs (`runner(batch)` -> fn(feeds)
    -> {name: array}), and what was measured."""

    def __init__(self, name, kind, how):
        self.name, self.kind, self.how = name, kind, how
        self.error = None          # build or run error (shown in the row's cells)
        self.skipped = None        # why the mode is absent (e.g. kilnc lacks a flag)
        self.size = None           # bytes
        self.prepare_s = None
        self.precision = None      # what the engine says it computes in (OpenVINO)
        self.runner = None         # batch -> fn(feeds)
        self.bad_batches = {}      # batch -> why a probe run failed (Kiln)
        self.note = None           # how accuracy was measured when not the usual way
        self.acc = {}              # top1 counts or cosines
        self.latency = {}          # batch -> {"median_s", "p90_s", "runs"} or {"error"}

    def summary(self):
        return {k: v for k, v in self.__dict__.items() if k != "runner"}


# ---------------------------------------------------------------- inputs and calibration
def make_feeds(args, model, batch, seed):
    feeds = generate.make_inputs(model, batch, np.random.default_rng(seed), small=args.small,
                                 image_size=args.image_size)
    return {k: aligned(np.ascontiguousarray(v)) for k, v in feeds.items()}


def write_calibration(args, model, folder):
    """--calib-samples samples of batch 1, one sub-folder each with <input>.npy; returns the
    list of feeds (for ORT's reader)."""
    samples = []
    os.makedirs(folder, exist_ok=True)
    for i in range(args.calib_samples):
        feeds = make_feeds(args, model, 1, CALIB_SEED + i)
        sub = os.path.join(folder, f"sample_{i:04d}")
        os.makedirs(sub, exist_ok=True)
        for name, value in feeds.items():
            np.save(os.path.join(sub, name + ".npy"), np.ascontiguousarray(value))
        samples.append(feeds)
    return samples


# ---------------------------------------------------------------- engines
def kiln_modes(args, kilnc_help, calib_dir):
    modes = [(KILN_FP32, []), ("kiln bf16", ["--precision=bf16"]),
             ("kiln fp16", ["--precision=fp16"]),
             ("kiln int8-dynamic", ["--quantize=int8-dynamic"]),
             ("kiln int4-weights", ["--quantize=int4-weights", f"--block-size={args.block_size}"])]
    static = ["--quantize=int8", f"--calibration-data={calib_dir}",
              f"--calibration-method={args.calibration_method}"]
    out = [(n, a, None) for n, a in modes]
    out.append(("kiln int8 static", static, None if "--calibration-data" in kilnc_help
                else "kilnc --help lists no --calibration-data (static int8 not in this build)"))
    return out


def prepare_kiln(args, kr, mode, model, onnx_path, tag, extra):
    lib = os.path.join(args.work, f"{tag}.{mode.name.split(' ', 1)[1]}.so")
    if os.path.exists(lib):
        os.remove(lib)
    t = time.time()
    try:
        proc = subprocess.run([args.kilnc, onnx_path, "-o", lib, *extra], capture_output=True,
                              text=True, timeout=args.compile_timeout)
        ok, err = proc.returncode == 0 and os.path.exists(lib), first_error(proc.stderr)
        if proc.returncode < 0 or "Stack dump:" in proc.stderr:  # a crash, not a diagnostic
            frames = re.findall(r"(kiln::(?:\w+::|\(anonymous namespace\)::)*~?\w+)",
                                proc.stderr)
            sig = f"signal {-proc.returncode}" if proc.returncode < 0 else "stack dump"
            err = f"kilnc crashed ({sig})" + (f" in {frames[0]}" if frames else "")
    except subprocess.TimeoutExpired:
        ok, err = False, f"timed out after {args.compile_timeout} s"
    mode.prepare_s = time.time() - t
    if not ok:
        mode.error = "compile: " + short(err, 300)
        return
    mode.size = os.path.getsize(lib)
    batches = sorted(set(args.batches) | {args.eval_batch, 1})
    mode.bad_batches = {b: e for b in batches for e in [probe_kiln(args, lib, model, b)] if e}
    if len(mode.bad_batches) == len(batches):
        mode.error = mode.bad_batches[batches[-1]]
        return
    session = kr.Session(kr.Model(lib), num_threads=args.threads)

    def runner(batch):
        if batch in mode.bad_batches:
            raise RuntimeError(mode.bad_batches[batch])
        return session.run
    mode.runner = runner


PROBE = """
import sys
sys.path[:0] = [{bench!r}, {zoo!r}, {rt!r}]
import numpy as np, generate, kiln_runtime as kr
session = kr.Session(kr.Model({lib!r}), num_threads={threads})
session.run(generate.make_inputs({model!r}, {batch}, np.random.default_rng(0), small={small},
                                 image_size={image_size}))
"""


def probe_kiln(args, lib, model, batch):
    """Runs the library once at `batch` in a child process: a library that crashes (a
    signal) would take this whole run down with it. Returns the error or None."""
    code = PROBE.format(bench=HERE, zoo=os.path.join(HERE, "zoo"),
                        rt=os.path.join(REPO, "runtime", "python"), lib=lib,
                        threads=args.threads, model=model, small=args.small,
                        image_size=args.image_size, batch=batch)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode == 0:
        return None
    if proc.returncode < 0:
        return f"batch {batch} crashed (signal {-proc.returncode}, in a probe process)"
    return f"batch {batch} failed: " + short(first_error(proc.stderr), 200)


def ort_runner(args, ort, path):
    sess = benchlib.make_ort(ort, path, args.threads)
    names = [o.name for o in sess.get_outputs()]
    return lambda batch: (lambda feeds: dict(zip(names, sess.run(None, feeds))))


def pre_processed(args, onnx_path, tag):
    """The model after ORT's quant_pre_process, or the model itself when that fails."""
    out = os.path.join(args.work, f"{tag}.ortpre.onnx")
    try:
        from onnxruntime.quantization.shape_inference import quant_pre_process
        quant_pre_process(onnx_path, out)
        return out, "quant_pre_process"
    except Exception:  # noqa: BLE001
        return onnx_path, f"quant_pre_process failed ({err_text()}); plain model"


class SampleReader:
    """onnxruntime.quantization.CalibrationDataReader over the calibration samples."""

    def __init__(self, samples):
        self.samples, self.index = samples, 0

    def get_next(self):
        if self.index >= len(self.samples):
            return None
        self.index += 1
        return self.samples[self.index - 1]

    def rewind(self):
        self.index = 0


def prepare_ort(args, ort, mode, onnx_path, tag, samples, pre):
    from onnxruntime import quantization as q
    t = time.time()
    try:
        if mode.name == "ort fp32":
            path = onnx_path
        elif mode.name == "ort int8 dynamic":
            path = os.path.join(args.work, f"{tag}.ort-dynamic.onnx")
            q.quantize_dynamic(pre, path, per_channel=True, weight_type=q.QuantType.QInt8)
        else:
            path = os.path.join(args.work, f"{tag}.ort-static.onnx")
            method = {"minmax": q.CalibrationMethod.MinMax,
                      "entropy": q.CalibrationMethod.Entropy,
                      "percentile": q.CalibrationMethod.Percentile}[args.calibration_method]
            reader = type("Reader", (q.CalibrationDataReader,), {
                "__init__": lambda self: SampleReader.__init__(self, samples),
                "get_next": SampleReader.get_next, "rewind": SampleReader.rewind})()
            q.quantize_static(pre, path, reader, quant_format=q.QuantFormat.QDQ,
                              per_channel=True, weight_type=q.QuantType.QInt8,
                              activation_type=q.QuantType.QUInt8, calibrate_method=method)
            # Not extra_options CalibMaxIntermediateOutputs: in onnxruntime 1.31 it drops the
            # collected outputs at each multiple without folding them into the ranges.
        mode.prepare_s = time.time() - t
        mode.size = os.path.getsize(path)
        mode.runner = ort_runner(args, ort, path)
    except Exception:  # noqa: BLE001
        mode.prepare_s = time.time() - t
        mode.error = err_text()


def prepare_openvino(args, mode, onnx_path, shapes_by_batch):
    """One compiled model per batch size (static shapes); precision from the compiled model."""
    t = time.time()
    try:
        import openvino as ov
    except ImportError as e:
        mode.error = f"openvino not installed ({e}); pip install openvino"
        return
    try:
        core = ov.Core()
        compiled = {}
        for batch, shapes in shapes_by_batch.items():
            model = core.read_model(onnx_path)
            model.reshape({name: list(shape) for name, shape in shapes.items()})
            c = core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": args.threads})
            names = [o.get_any_name() for o in c.outputs]
            req = c.create_infer_request()
            compiled[batch] = (c, req, names)
            hint = c.get_property("INFERENCE_PRECISION_HINT")
            mode.precision = hint.get_type_name() if hasattr(hint, "get_type_name") else str(hint)
            threads = c.get_property("INFERENCE_NUM_THREADS")
            if int(threads) != args.threads:
                mode.precision += f" (threads {threads}!)"
        mode.prepare_s = time.time() - t

        def runner(batch):
            c, req, names = compiled[batch]
            return lambda feeds: {n: np.array(v) for n, v in
                                  zip(names, req.infer(feeds).values())}
        mode.runner = runner
    except Exception:  # noqa: BLE001
        mode.prepare_s = time.time() - t
        mode.error = err_text()


# ---------------------------------------------------------------- accuracy and timing
def first_output(outputs):
    return np.asarray(next(iter(outputs.values())), dtype=np.float64)


def measure_accuracy(args, model, modes):
    """Runs the evaluation batches through every mode, comparing with Kiln fp32 batch by
    batch (bounded memory)."""
    ref = next(m for m in modes if m.name == KILN_FP32)
    classifier = model in CLASSIFIERS
    total = args.eval_samples if classifier else args.cosine_samples
    batches = [args.eval_batch] * (-(-total // args.eval_batch))  # whole batches
    if ref.runner is None:
        for m in modes:
            m.acc = {"error": "no Kiln fp32 reference"}
        return
    for m in modes:
        m.acc = {"agree": 0, "count": 0, "cosines": []} if classifier else {"cosines": []}
    classes = set()  # Kiln fp32's top-1 classes: agreement means little when there are few
    for k, b in enumerate(batches):
        feeds = make_feeds(args, model, b, EVAL_SEED + k)
        try:
            want = first_output(ref.runner(args.eval_batch)(feeds))
            if classifier:
                classes.update(np.argmax(want.reshape(b, -1), 1).tolist())
                ref.acc["classes"] = len(classes)
        except Exception:  # noqa: BLE001
            for m in modes:
                m.acc = {"error": "Kiln fp32 reference: " + err_text()}
            return
        for m in modes:
            if m.runner is None or "error" in m.acc:
                continue
            try:
                if m is ref:
                    got = want
                elif args.eval_batch in m.bad_batches:  # the same rows, one at a time
                    m.note = (f"accuracy with rows run one at a time "
                              f"({m.bad_batches[args.eval_batch]})")
                    got = np.concatenate([first_output(m.runner(1)(
                        {n: aligned(v[r:r + 1]) for n, v in feeds.items()})) for r in range(b)])
                else:
                    got = first_output(m.runner(args.eval_batch)(feeds))
                if got.shape != want.shape:
                    raise ValueError(f"output shape {got.shape}, Kiln fp32 {want.shape}")
            except Exception:  # noqa: BLE001
                m.acc = {"error": err_text()}
                continue
            if classifier:
                m.acc["agree"] += int(np.sum(np.argmax(got.reshape(b, -1), 1) ==
                                             np.argmax(want.reshape(b, -1), 1)))
                m.acc["count"] += b
            g, w = got.reshape(b, -1), want.reshape(b, -1)
            cos = np.sum(g * w, 1) / np.maximum(
                np.linalg.norm(g, axis=1) * np.linalg.norm(w, axis=1), 1e-30)
            m.acc["cosines"] += [float(c) for c in cos]


def measure_latency(args, model, modes, batch):
    feeds = make_feeds(args, model, batch, 1234 + batch)
    engines = []
    for m in modes:
        if m.runner is None:
            continue
        if batch in m.bad_batches:
            m.latency[batch] = {"error": m.bad_batches[batch]}
            continue
        try:
            engines.append((m, Engine(m.name, (lambda fn: lambda: fn(feeds))(m.runner(batch)))))
        except Exception:  # noqa: BLE001
            m.latency[batch] = {"error": err_text()}
    warm_up_and_time([e for _, e in engines], args.min_runs, args.min_seconds,
                     args.max_seconds)
    for m, e in engines:
        if e.error:
            m.latency[batch] = {"error": short(e.error, 300)}
        else:
            m.latency[batch] = {"median_s": statistics.median(e.times),
                                "p90_s": percentile(e.times, 90), "runs": len(e.times)}


def bench_model(args, kr, ort, model, kilnc_help, shared_notes):
    tag = model + ("-small" if args.small else "") + (
        f"-{args.image_size}" if args.image_size and model in generate.CNNS else "")
    onnx_path = os.path.join(args.work, tag + ".onnx")
    generate.generate(model, args.work, args.small, args.image_size)
    os.replace(os.path.join(args.work, model + ".onnx"), onnx_path)
    calib_dir = os.path.join(args.work, tag + "-calib")
    if os.path.isdir(calib_dir):
        import shutil
        shutil.rmtree(calib_dir)
    samples = write_calibration(args, model, calib_dir)
    print(f"{model}: generated; {len(samples)} calibration samples in {calib_dir}", flush=True)

    modes = []
    for name, extra, skip in kiln_modes(args, kilnc_help, calib_dir):
        m = Mode(name, "kiln", "kilnc M.onnx -o M.so " + " ".join(shlex.quote(a) for a in extra))
        modes.append(m)
        if skip:
            m.skipped = skip
        else:
            try:
                prepare_kiln(args, kr, m, model, onnx_path, tag, extra)
            except Exception:  # noqa: BLE001
                m.error = err_text()
        print(f"  {name}: " + (m.skipped or m.error or
                                f"{m.size} bytes in {m.prepare_s:.1f} s"), flush=True)
    pre, pre_note = pre_processed(args, onnx_path, tag)
    shared_notes.setdefault("ort pre-processing", {})[model] = pre_note
    for name, how in [("ort fp32", "the fp32 ONNX model"),
                      ("ort int8 dynamic", "quantize_dynamic(per_channel=True, weight QInt8)"),
                      ("ort int8 static", "quantize_static(QDQ, per_channel=True, weight QInt8, "
                                          f"activation QUInt8, {args.calibration_method})")]:
        m = Mode(name, "ort", how)
        modes.append(m)
        prepare_ort(args, ort, m, onnx_path, tag, samples, pre)
        print(f"  {name}: " + (m.error or f"{m.size} bytes in {m.prepare_s:.1f} s"), flush=True)
    # ORT's QDQ model compiled by Kiln as shipped (kiln-import-qdq).
    qdq_path = os.path.join(args.work, f"{tag}.ort-static.onnx")
    m = Mode("kiln ort-qdq", "kiln", "kilnc ORT_QDQ.onnx -o M.so (ORT's int8 static model)")
    modes.append(m)
    if os.path.exists(qdq_path):
        try:
            prepare_kiln(args, kr, m, model, qdq_path, tag, [])
        except Exception:  # noqa: BLE001
            m.error = err_text()
    else:
        m.skipped = "no ORT QDQ model"
    print("  kiln ort-qdq: " + (m.skipped or m.error or f"{m.size} bytes in {m.prepare_s:.1f} s"),
          flush=True)
    m = Mode(OV, "openvino", "compile_model(CPU, INFERENCE_NUM_THREADS=T), default precision")
    modes.append(m)
    shapes = {b: {k: v.shape for k, v in make_feeds(args, model, b, 0).items()}
              for b in sorted(set(args.batches) | {args.eval_batch})}
    prepare_openvino(args, m, onnx_path, shapes)
    print(f"  {OV}: " + (m.error or f"{m.precision} in {m.prepare_s:.1f} s"), flush=True)

    t = time.time()
    measure_accuracy(args, model, modes)
    print(f"  accuracy in {time.time() - t:.1f} s: " + "; ".join(
        f"{m.name} {fmt_acc(m)}" for m in modes if m.runner), flush=True)
    for batch in args.batches:
        t = time.time()
        measure_latency(args, model, modes, batch)
        print(f"  batch {batch} in {time.time() - t:.1f} s: " + "; ".join(
            f"{m.name} {fmt_lat(m, batch)}" for m in modes if batch in m.latency), flush=True)
    for m in modes:
        m.runner = None  # frees the sessions before the next model
    return {"model": model, "tag": tag, "modes": [m.summary() for m in modes]}


# ---------------------------------------------------------------- report
def fmt_acc(m):
    a = m.summary()["acc"] if isinstance(m, Mode) else m["acc"]
    if not a:
        return "-"
    if "error" in a:
        return "error: " + short(a["error"], 80)
    c = a["cosines"]
    if "count" in a:  # the logits' cosine too: a random-weight CNN may predict one class
        return (f"top-1 {100 * a['agree'] / a['count']:.1f}% ({a['agree']}/{a['count']}); "
                f"logits cos min {np.min(c):.5f}" if a["count"] else "-")
    return f"cos {np.mean(c):.5f} (min {np.min(c):.5f}, n={len(c)})" if c else "-"


def fmt_lat(m, batch):
    lat = (m.latency if isinstance(m, Mode) else m["latency"]).get(batch)
    if lat is None:
        return "-"
    if "error" in lat:
        return "error: " + short(lat["error"], 80)
    return f"{1e3 * lat['median_s']:.2f}"


def speedup(ref, m, batch):
    r, x = ref["latency"].get(batch, {}), m["latency"].get(batch, {})
    if "median_s" in r and "median_s" in x and x["median_s"] > 0:
        return f"{r['median_s'] / x['median_s']:.2f}x"
    return "-"


def cpu_features(info):
    flags = set(info["simd_flags"])
    def have(*names):
        got = [n for n in names if n in flags]
        return ("yes (" + " ".join(got) + ")") if got else "no"
    return (f"- AMX: {have('amx_tile', 'amx_bf16', 'amx_int8', 'amx_fp16')}; "
            f"AVX-512 BF16: {have('avx512_bf16')}; AVX-512 FP16: {have('avx512_fp16')}; "
            f"VNNI: {have('avx512_vnni', 'avx_vnni')}")


def write_report(args, info, results, failures, notes, seconds):
    lines = ["# Reduced precision on the model zoo: Kiln vs ONNX Runtime vs OpenVINO", ""]
    lines += machine.markdown(info)
    lines.append(cpu_features(info))
    lines += [
        f"- Command: `{' '.join(shlex.quote(a) for a in sys.argv)}` ({seconds:.0f} s)",
        f"- Models: {', '.join(args.models)} ({'--small' if args.small else 'full size'}"
        + (f", image {args.image_size}" if args.image_size else "") + f"); threads "
        f"{args.threads} for every engine; batches {args.batches}",
        "- Kiln: `kilnc M.onnx -o M.so` (fp32), `--precision=bf16`, `--precision=fp16`, "
        f"`--quantize=int8-dynamic`, `--quantize=int4-weights --block-size={args.block_size}`, "
        f"`--quantize=int8 --calibration-data=DIR --calibration-method={args.calibration_method}`"
        f"; DIR: {args.calib_samples} samples of batch 1 (make_inputs, seeds {CALIB_SEED}+i), "
        "one sub-folder each with `<input>.npy`",
        "- ORT: fp32; `quantize_dynamic(per_channel=True, weight_type=QInt8)`; "
        "`quantize_static(quant_format=QDQ, per_channel=True, weight_type=QInt8, "
        f"activation_type=QUInt8, calibrate_method={args.calibration_method})` on the same "
        "samples; both after `quant_pre_process`. Session: intra-op T, inter-op 1, sequential, "
        "no spinning",
        "- OpenVINO: `core.compile_model(model, \"CPU\", {\"INFERENCE_NUM_THREADS\": T})`, no "
        "precision hint (the plugin's default; the precision column is the compiled model's "
        "INFERENCE_PRECISION_HINT); static shapes per batch",
        f"- Accuracy vs Kiln fp32 on fixed inputs (seeds {EVAL_SEED}+k, batches of "
        f"{args.eval_batch}): classifiers top-1 agreement over {args.eval_samples} inputs (and "
        "the minimum cosine of the logits per input); "
        f"bert/gpt2 cosine of the output per sample over {args.cosine_samples} inputs (mean, min)",
        f"- Latency: median of the Python run call after a warm-up, engines in turn until each "
        f"has >= {args.min_runs} runs and >= {args.min_seconds} s (or {args.max_seconds} s). "
        "`vs fp32` = Kiln fp32 median / row median, `vs OV` = OpenVINO median / row median "
        "(> 1: the row is faster)",
        "- Size: bytes of the compiled library (Kiln) or of the ONNX file loaded (ORT)", ""]
    b = args.batches
    head = "| model | engine | precision | accuracy vs Kiln fp32 | size (bytes) | build s |"
    sep = "|---|---|---|---|---:|---:|"
    for batch in b:
        head += f" b{batch} ms | b{batch} vs fp32 | b{batch} vs OV |"
        sep += "---:|---:|---:|"
    lines += [head, sep]
    for r in results:
        ref = next(m for m in r["modes"] if m["name"] == KILN_FP32)
        ov = next(m for m in r["modes"] if m["name"] == OV)
        for m in r["modes"]:
            prec = m["precision"] or {"kiln fp32": "fp32", "kiln bf16": "bf16",
                                      "kiln fp16": "fp16 weights",
                                      "kiln int8-dynamic": "int8 dyn",
                                      "kiln int4-weights": f"int4 w (block {args.block_size})",
                                      "kiln int8 static": "int8 static",
                                      "ort fp32": "fp32", "ort int8 dynamic": "int8 dyn",
                                      "ort int8 static": "int8 QDQ",
                                      "kiln ort-qdq": "int8 QDQ"}.get(m["name"], "-")
            row = f"| {r['model']} | {m['name']} | {prec} |"
            if m["skipped"]:
                row += f" skipped: {short(m['skipped'], 100)} | - | - |" + " - | - | - |" * len(b)
            elif m["error"]:
                row += f" error: {short(m['error'], 160)} | {m['size'] or '-'} | " + (
                    f"{m['prepare_s']:.1f} |" if m["prepare_s"] is not None else "- |")
                row += " - | - | - |" * len(b)
            else:
                acc = fmt_acc(m)
                if m["name"] == KILN_FP32 and "error" not in m["acc"]:
                    acc = "reference" + (f" ({m['acc']['classes']} distinct top-1 classes)"
                                         if "classes" in m["acc"] else "")
                row += f" {acc} | {m['size'] if m['size'] is not None else '-'} | "
                row += f"{m['prepare_s']:.1f} |" if m["prepare_s"] is not None else "- |"
                for batch in b:
                    row += (f" {fmt_lat(m, batch)} | {speedup(ref, m, batch)} | "
                            f"{speedup(ov, m, batch)} |")
            lines.append(row)
    row_notes = [f"{r['model']} / {m['name']}: {m['note']}" for r in results
                 for m in r["modes"] if m.get("note")]
    if row_notes:
        lines += [""] + [f"- {n}" for n in row_notes]
    for key, per_model in notes.items():
        lines += ["", f"- {key}: " + "; ".join(f"{k}: {v}" for k, v in per_model.items())]
    if failures:
        lines += ["", "## Failures", ""] + [f"- {f}" for f in failures]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", default=os.path.join(REPO, "build", "bin", "kilnc"))
    ap.add_argument("--runtime-lib", help="libkiln_runtime.so (default: ../lib next to kilnc)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "precision.md"))
    ap.add_argument("--json", help="also write the raw numbers here")
    ap.add_argument("--models", default=",".join(generate.MODELS))
    ap.add_argument("--small", action="store_true", help="the CI-sized transformers")
    ap.add_argument("--image-size", type=int, default=None, help="CNN resolution (224)")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-samples", type=int, default=256, help="classifier inputs")
    ap.add_argument("--cosine-samples", type=int, default=32, help="bert/gpt2 inputs")
    ap.add_argument("--eval-batch", type=int, default=8)
    ap.add_argument("--calib-samples", type=int, default=32)
    ap.add_argument("--block-size", type=int, default=32, help="--quantize=int4-weights block size")
    ap.add_argument("--calibration-method", default="minmax",
                    choices=["minmax", "percentile", "entropy"])
    ap.add_argument("--min-runs", type=int, default=3)
    ap.add_argument("--min-seconds", type=float, default=2.0)
    ap.add_argument("--max-seconds", type=float, default=20.0)
    ap.add_argument("--compile-timeout", type=float, default=3600)
    ap.add_argument("--work", default="/tmp/kiln-precision")
    args = ap.parse_args()
    args.models = [m for m in args.models.split(",") if m]
    args.batches = [int(x) for x in args.batches.split(",") if x]
    for m in args.models:
        generate.module(m)  # exits on an unknown name

    bindir = os.path.dirname(os.path.abspath(args.kilnc))
    os.environ.setdefault("KILN_RUNTIME_LIB", args.runtime_lib or
                          os.path.join(os.path.dirname(bindir), "lib", "libkiln_runtime.so"))
    sys.path.insert(0, os.path.join(REPO, "runtime", "python"))
    import kiln_runtime as kr
    import onnxruntime as ort
    os.makedirs(args.work, exist_ok=True)
    kilnc_help = subprocess.run([args.kilnc, "--help"], capture_output=True,
                                text=True).stdout
    info = machine.describe(REPO)
    try:
        import openvino
        info["versions"]["openvino"] = openvino.__version__.split("-")[0]
    except ImportError:
        info["versions"]["openvino"] = "not installed"
    start = time.time()
    results, failures, notes = [], [], {}
    for model in args.models:
        try:
            results.append(bench_model(args, kr, ort, model, kilnc_help, notes))
        except Exception:  # noqa: BLE001
            failures.append(f"{model}: {err_text()}")
            print(f"{model}: FAILED: {traceback.format_exc()}", flush=True)
    text = write_report(args, info, results, failures, notes, time.time() - start)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "argv": sys.argv, "results": results,
                       "failures": failures, "notes": notes}, f, indent=1, default=str)
    print(text)
    print(f"total {time.time() - start:.0f} s; report: {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
