#!/usr/bin/env python3
"""Microbenchmark of Kiln's generated matmul (f32, bf16 or int8) on one thread, against
this machine's peak.

    python3 bench/matmul/run_matmul_bench.py --kilnc build/bin/kilnc [--precision fp32|bf16|int8]
        [--shapes square,bert,gpt2,resnet50,mlp | --shape NAME=MxKxN ...] [--batches 1,8]
        [--b-input all|square|none] [--peak-fma build/bin/kiln-peak-fma]
        [--min-runs 3] [--min-seconds 1] [--max-seconds 20] [--kilnc-arg=-O3 ...]
        [--out bench/results/matmul.md] [--work DIR]

For each shape (M, K, N) it writes a one-node ONNX model Y[M,N] = MatMul(A[M,K], B[K,N]) with
B an initializer (a weight, as in a Linear layer; variant "weight") and, for the shapes
--b-input selects, B a second input (variant "input"); compiles it with kilnc (timed); runs it
through the Python runtime binding on a session with 1 thread: one warm-up run, whose output
is checked against numpy in float64, then timed runs until at least --min-runs runs and
--min-seconds have passed (or --max-seconds, whichever comes first; at least one run).
Reports the median time, GFLOP/s = 2*M*K*N / median, and that as a fraction of the peak
FMA rate `kiln-peak-fma` measures (AVX-512 where the CPU has it, else AVX2), next to
onnxruntime's MatMul on the same model and inputs (benchlib.make_ort: 1 thread, no spinning).

--precision bf16 compiles with `kilnc --precision=bf16` (weights and A rounded to bf16, f32
sums) and measures against the AMX-BF16 peak (tdpbf16ps) where the CPU has AMX and
KILN_DISABLE_AMX is unset, else the AVX-512 BF16 one (vdpbf16ps). --precision int8 writes
Y[M,N] = MatMulInteger(A u8, B s8) instead (int32 out, A uniform in [0, 255], B in
[-128, 127]) and measures GOP/s against the AMX-INT8 (tdpbusd) or AVX-512 VNNI (vpdpbusd)
peak; ORT runs the same MatMulInteger.

Numerics: a shape passes when max |kiln - ref| <= tol * sqrt(K) * max(1, max|ref|) with tol
1e-5 for f32 and 2^-8 for bf16 (rounding of a K-term dot product grows like sqrt(K); a wrong
index gives errors near max|ref|); int8 must match exactly. Float inputs are uniform in
[-1, 1) (seed 0). Times are of the Python run call (both engines), so for tiny shapes (the
MLP at batch 1) call overhead of some microseconds dominates.

Shapes (rows of the zoo's layers, batch b):
  square    1024^3
  bert      BERT-base at seq 128: M=128b, (K,N) = (768,768) Q/K/V/out, (768,3072) FFN up,
            (3072,768) FFN down
  gpt2      GPT-2-small at seq 128: M=128b, (768,2304) fused QKV, (768,3072), (3072,768), and
            the LM head (768,50257)
  resnet50  the 1x1 convolutions as a matmul over pixels (NHWC view: M = H*W*b pixels,
            K = Cin, N = Cout): 56x56 64->256, 28x28 128->512, 14x14 256->1024, 7x7 512->2048
            and the reducing 56x56 256->64
  mlp       784->512, 512->256, 256->10 at M=b
Exits 1 when a shape fails to compile, run or match.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import machine  # noqa: E402  (bench/machine.py)
from benchlib import first_error, make_ort, measure_peak, timed_runs  # noqa: E402

TOL = {"fp32": 1e-5, "bf16": 2.0 ** -8, "int8": 0.0}
# The kilnc flag each precision adds, and the peak (kiln-peak-fma's isa) it is measured
# against, best first: the kernel Kiln selects on this CPU.
PRECISION_FLAGS = {"fp32": [], "bf16": ["--precision=bf16"], "int8": []}
PEAK_ISAS = {"fp32": ["avx512", "avx2"], "bf16": ["amx_bf16", "avx512_bf16"],
             "int8": ["amx_int8", "avx512_vnni"]}


def peak_for(precision, peak):
    """The measured peak this precision's kernel runs against: (isa, GFLOP/s or GOP/s)."""
    isas = PEAK_ISAS[precision]
    if os.environ.get("KILN_DISABLE_AMX"):
        isas = [i for i in isas if not i.startswith("amx")]
    for isa in isas:
        if isa in peak:
            return isa, peak[isa]
    return None, None


def zoo_shapes(group, batch):
    """[(name, M, K, N)] of one group at one batch."""
    b = batch
    if group == "square":
        return [("square 1024^3", 1024, 1024, 1024)]
    if group == "bert":
        m = 128 * b
        return [(f"bert b{b} qkv/out", m, 768, 768), (f"bert b{b} ffn up", m, 768, 3072),
                (f"bert b{b} ffn down", m, 3072, 768)]
    if group == "gpt2":
        m = 128 * b
        return [(f"gpt2 b{b} c_attn", m, 768, 2304), (f"gpt2 b{b} mlp up", m, 768, 3072),
                (f"gpt2 b{b} mlp down", m, 3072, 768), (f"gpt2 b{b} lm head", m, 768, 50257)]
    if group == "resnet50":
        return [(f"resnet50 b{b} 1x1 {hw}x{hw} {cin}->{cout}", hw * hw * b, cin, cout)
                for hw, cin, cout in [(56, 64, 256), (56, 256, 64), (28, 128, 512),
                                      (14, 256, 1024), (7, 512, 2048)]]
    if group == "mlp":
        return [(f"mlp b{b} {k}->{n}", b, k, n) for k, n in [(784, 512), (512, 256), (256, 10)]]
    raise SystemExit(f"unknown shape group '{group}' (square, bert, gpt2, resnet50, mlp)")


def make_model(m, k, n, b_value, int8=False):
    """Y = MatMul(A, B) (MatMulInteger of u8 A and s8 B with `int8`); B is the initializer
    `b_value`, or a second input when None."""
    a_type, b_type = (TensorProto.UINT8, TensorProto.INT8) if int8 else (TensorProto.FLOAT,) * 2
    a = helper.make_tensor_value_info("A", a_type, [m, k])
    inputs, inits = [a], []
    if b_value is None:
        inputs.append(helper.make_tensor_value_info("B", b_type, [k, n]))
    else:
        inits.append(numpy_helper.from_array(b_value, "B"))
    y = helper.make_tensor_value_info("Y", TensorProto.INT32 if int8 else TensorProto.FLOAT,
                                      [m, n])
    node = helper.make_node("MatMulInteger" if int8 else "MatMul", ["A", "B"], ["Y"],
                            name="/matmul/MatMul")
    graph = helper.make_graph([node], "matmul", inputs, [y], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    return model


def bench_shape(args, kr, ort, name, m, k, n, variant, rng):
    int8 = args.precision == "int8"
    if int8:
        a = rng.integers(0, 256, (m, k), dtype=np.uint8)
        b = rng.integers(-128, 128, (k, n), dtype=np.int8)
    else:
        a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    tag = re.sub(r"[^A-Za-z0-9]+", "_", f"{m}x{k}x{n}_{variant}_{args.precision}")
    onnx_path = os.path.join(args.work, tag + ".onnx")
    so_path = os.path.join(args.work, tag + ".so")
    onnx.save_model(make_model(m, k, n, b if variant == "weight" else None, int8), onnx_path)
    feeds = {"A": a} if variant == "weight" else {"A": a, "B": b}
    row = {"name": name, "m": m, "k": k, "n": n, "variant": variant}

    t = time.perf_counter()
    proc = subprocess.run([args.kilnc, onnx_path, "-o", so_path,
                           *PRECISION_FLAGS[args.precision], *args.kilnc_arg],
                          capture_output=True, text=True)
    row["compile_s"] = time.perf_counter() - t
    if proc.returncode != 0:
        row["error"] = "compile: " + first_error(proc.stderr)[:200]
        return row
    session = kr.Session(kr.Model(so_path), num_threads=1)
    try:
        got = session.run(feeds)["Y"]  # warm-up, and the output we check
    except kr.KilnError as e:
        row["error"] = f"run: {e}"[:200]
        return row
    if int8:
        ref = a.astype(np.int64) @ b.astype(np.int64)
    else:
        ref = a.astype(np.float64) @ b.astype(np.float64)
    row["max_abs_err"] = float(np.max(np.abs(got.astype(np.float64) - ref)))
    row["tol"] = TOL[args.precision] * np.sqrt(k) * max(1.0, float(np.max(np.abs(ref))))
    row["ok"] = bool(got.shape == ref.shape and row["max_abs_err"] <= row["tol"])

    times = timed_runs(lambda: session.run(feeds), args.min_runs, args.min_seconds,
                       args.max_seconds)
    row["runs"] = len(times)
    row["kiln_s"] = statistics.median(times)
    flops = 2.0 * m * k * n
    row["kiln_gflops"] = flops / row["kiln_s"] / 1e9
    if ort is not None:
        sess = make_ort(ort, onnx_path, threads=1)
        sess.run(None, feeds)
        ort_times = timed_runs(lambda: sess.run(None, feeds), args.min_runs, args.min_seconds,
                               args.max_seconds)
        row["ort_gflops"] = flops / statistics.median(ort_times) / 1e9
    return row


def report(args, info, peak, rows):
    isa, peak_rate = peak_for(args.precision, peak)
    unit = "GOP/s" if args.precision == "int8" else "GFLOP/s"
    op = "MatMulInteger(A u8, B s8) -> int32" if args.precision == "int8" else "MatMul"
    lines = [f"# Kiln {args.precision} matmul microbenchmark (1 thread)", ""]
    lines += machine.markdown(info)
    peak_text = ", ".join(f"{k} {v:.1f}" for k, v in peak.items()) or "not measured"
    tol = ("exact match with numpy in int64" if args.precision == "int8" else
           f"{TOL[args.precision]:g} * sqrt(K) * max(1, max |ref|) against numpy in float64")
    lines += [f"- Measured single-thread peaks (kiln-peak-fma, GFLOP/s or GOP/s; a multiply-add "
              f"is 2): {peak_text}",
              f"- kilnc arguments: `{' '.join(PRECISION_FLAGS[args.precision] + args.kilnc_arg) or '(defaults)'}`",
              f"- Runs: median of at least {args.min_runs} runs / {args.min_seconds} s "
              f"(capped at {args.max_seconds} s) after one warm-up run", "",
              f"Y[M,N] = {op} of A[M,K] and B[K,N]; B is an initializer (`weight`) or a second "
              f"input (`input`). Fraction of peak is against the {isa or '-'} peak. ORT is "
              "onnxruntime on the same model with 1 thread. Times are of the Python "
              "run call; for tiny shapes its overhead (microseconds) dominates. Tolerance: "
              f"{tol}.", "",
              f"| shape | M | K | N | B | compile s | runs | Kiln ms | Kiln {unit} "
              f"| % of peak | ORT {unit} | max abs err (tol) | status |",
              "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | {r['m']} | {r['k']} | {r['n']} | {r['variant']} "
                         f"| {r.get('compile_s', 0):.1f} | | | | | | | FAIL: {r['error']} |")
            continue
        frac = f"{100 * r['kiln_gflops'] / peak_rate:.2f}%" if peak_rate else "-"
        ort_g = f"{r['ort_gflops']:.1f}" if "ort_gflops" in r else "-"
        lines.append(f"| {r['name']} | {r['m']} | {r['k']} | {r['n']} | {r['variant']} "
                     f"| {r['compile_s']:.1f} | {r['runs']} | {1e3 * r['kiln_s']:.2f} "
                     f"| {r['kiln_gflops']:.2f} | {frac} | {ort_g} "
                     f"| {r['max_abs_err']:.2e} ({r['tol']:.1e}) | {'ok' if r['ok'] else 'FAIL'} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", default=os.path.join(REPO, "build", "bin", "kilnc"))
    ap.add_argument("--precision", choices=["fp32", "bf16", "int8"], default="fp32")
    ap.add_argument("--runtime-lib", help="libkiln_runtime.so (default: next to kilnc)")
    ap.add_argument("--peak-fma", help="kiln-peak-fma (default: next to kilnc)")
    ap.add_argument("--shapes", default="square,bert,gpt2,resnet50,mlp")
    ap.add_argument("--shape", action="append", default=[], metavar="NAME=MxKxN",
                    help="an extra shape (repeatable); with --shapes '' only these")
    ap.add_argument("--batches", default="1")
    ap.add_argument("--b-input", choices=["all", "square", "none"], default="square",
                    help="which shapes also run with B as a second input")
    ap.add_argument("--min-runs", type=int, default=3)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--max-seconds", type=float, default=20.0)
    ap.add_argument("--kilnc-arg", action="append", default=[],
                    help="extra kilnc argument (repeatable), e.g. --kilnc-arg=-O3")
    ap.add_argument("--no-ort", action="store_true", help="skip the onnxruntime column")
    ap.add_argument("--work", default="/tmp/kiln-matmul-bench")
    ap.add_argument("--out", help="write the markdown report here (else stdout only)")
    args = ap.parse_args()

    bindir = os.path.dirname(os.path.abspath(args.kilnc))
    os.environ.setdefault("KILN_RUNTIME_LIB", args.runtime_lib or
                          os.path.join(os.path.dirname(bindir), "lib", "libkiln_runtime.so"))
    sys.path.insert(0, os.path.join(REPO, "runtime", "python"))
    import kiln_runtime as kr
    ort = None
    if not args.no_ort:
        import onnxruntime as ort
    os.makedirs(args.work, exist_ok=True)

    shapes = []
    for batch in [int(b) for b in args.batches.split(",") if b]:
        for group in [g for g in args.shapes.split(",") if g]:
            for s in zoo_shapes(group, batch):
                if s not in shapes:
                    shapes.append(s)
    for spec in args.shape:
        name, _, dims = spec.rpartition("=")
        m, k, n = (int(x) for x in dims.lower().split("x"))
        shapes.append((name or dims, m, k, n))

    peak = measure_peak(args.peak_fma or os.path.join(bindir, "kiln-peak-fma"))
    print("peaks:", peak or "kiln-peak-fma not found", flush=True)
    info = machine.describe(REPO)
    rng = np.random.default_rng(0)
    rows = []
    for name, m, k, n in shapes:
        variants = ["weight"]
        if args.b_input == "all" or (args.b_input == "square" and name.startswith("square")):
            variants.append("input")
        for variant in variants:
            row = bench_shape(args, kr, ort, name, m, k, n, variant, rng)
            rows.append(row)
            if "error" in row:
                print(f"{name} [{variant}]: FAIL {row['error']}", flush=True)
            else:
                print(f"{name} [{variant}]: {row['kiln_gflops']:.2f} GFLOP/s "
                      f"({row['runs']} runs, ORT {row.get('ort_gflops', 0):.1f}), "
                      f"err {row['max_abs_err']:.2e} {'ok' if row['ok'] else 'FAIL'}", flush=True)
    text = report(args, info, peak, rows)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
    return 0 if all(r.get("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
