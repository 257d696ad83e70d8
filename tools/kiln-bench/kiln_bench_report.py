"""The Python part of kiln-bench's report: accuracy against ONNX Runtime and the plot.

kiln-bench (C++) times the model, writes its JSON report and, for --reference, the inputs
and outputs of each measurement as .npy; then it runs

    python3 kiln_bench_report.py --json REPORT.json [--reference MODEL.onnx] [--plot FILE.png]
        [--drop-saved] [--check]

which runs ONNX Runtime on the saved inputs, prints the differences next to kiln-bench's
numbers, adds them to the JSON (key "reference" of each measurement) and draws the plot:
latency and throughput against batch size after --sweep-batch, else the latency
histogram. --check only checks that the packages the other options need are installed
(kiln-bench asks before it starts timing). --drop-saved removes the "saved" entries, whose
files kiln-bench deletes afterwards. Errors are one line, "kiln-bench: ...", exit code 1.

Differences per output, Kiln's against ONNX Runtime's, in float64: max abs error
max|k - r|; relative error max|k - r| / max|r| (infinity-norm); cosine similarity of the
flattened outputs; for class scores ([N, C] floats with C > 1) the share of rows whose
argmax agrees (top-1 agreement). NaN against NaN counts as equal; NaN against a number as
an infinite error.
"""

import argparse
import json
import os
import sys


class ReportError(Exception):
    pass


def need(module, flag, install):
    try:
        return __import__(module)
    except ImportError:
        raise ReportError(f"{flag} needs the Python package {module} in {sys.executable} "
                          f"(pip install {install}, or set KILN_PYTHON to a Python that "
                          f"has it)")


def load_value(np, value):
    if "folder" in value:  # a sequence: K.npy for K = 0, 1, ...
        folder = value["folder"]
        count = len([f for f in os.listdir(folder) if f.endswith(".npy")])
        return [np.load(os.path.join(folder, f"{k}.npy")) for k in range(count)]
    return np.load(value["file"])


def ort_type_to_numpy(np, ort_type):
    """numpy dtype for an ONNX Runtime type string such as 'tensor(float)', or None."""
    name = ort_type[ort_type.find("(") + 1:ort_type.rfind(")")] if "(" in ort_type else ""
    if name == "bfloat16":
        try:
            import ml_dtypes
            return np.dtype(ml_dtypes.bfloat16)
        except ImportError:
            return None
    table = {"float": np.float32, "double": np.float64, "float16": np.float16,
             "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
             "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
             "uint64": np.uint64, "bool": np.bool_}
    return np.dtype(table[name]) if name in table else None


def feeds(np, session, saved):
    """ONNX Runtime's inputs from the saved ones (bfloat16 was saved widened to float32)."""
    given = {v["name"]: v for v in saved["inputs"] if not v.get("absent")}
    feed = {}
    for inp in session.get_inputs():
        if inp.name not in given:
            raise ReportError(f"--reference: the ONNX model's input '{inp.name}' is not an "
                              f"input of the Kiln model (its inputs: {sorted(given)}); is "
                              f"it the model the library was compiled from?")
        value = load_value(np, given.pop(inp.name))
        want = ort_type_to_numpy(np, inp.type.replace("seq(", ""))
        if want is not None:
            value = ([v.astype(want) for v in value] if isinstance(value, list)
                     else value.astype(want))
        feed[inp.name] = value
    if given:
        raise ReportError(f"--reference: the ONNX model has no input "
                          f"{', '.join(repr(n) for n in given)}; is it the model the library "
                          f"was compiled from?")
    return feed


def differences(np, kiln, ort):
    """The numbers of one output (arrays of one shape)."""
    k = np.asarray(kiln, dtype=np.float64).ravel()
    r = np.asarray(ort, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore", over="ignore"):
        same = (k == r) | (np.isnan(k) & np.isnan(r))
        diff = np.where(same, 0.0, np.abs(k - r))
        diff = np.where(np.isnan(diff), np.inf, diff)
    max_abs = float(diff.max()) if diff.size else 0.0
    finite_r = r[np.isfinite(r)]
    scale = float(np.abs(finite_r).max()) if finite_r.size else 0.0
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    if np.all(np.isfinite(k)) and np.all(np.isfinite(r)):
        nk, nr = float(np.linalg.norm(k)), float(np.linalg.norm(r))
        cosine = (1.0 if nk == nr == 0 else 0.0 if nk == 0 or nr == 0
                  else float(np.dot(k, r) / (nk * nr)))
    else:
        cosine = float("nan")
    return {"max_abs_error": max_abs, "max_rel_error": max_rel, "cosine": cosine}


def compare(np, ort, session, onnx_path, measurement):
    saved = measurement["saved"]
    feed = feeds(np, session, saved)
    ort_outputs = [o.name for o in session.get_outputs()]
    names = [v["name"] for v in saved["outputs"]]
    missing = [n for n in names if n not in ort_outputs]
    if missing:
        raise ReportError(f"--reference: the ONNX model has no output "
                          f"{', '.join(repr(n) for n in missing)} (its outputs: "
                          f"{ort_outputs}); is it the model the library was compiled from?")
    results = dict(zip(names, session.run(names, feed)))
    outputs = []
    for value in saved["outputs"]:
        kiln_value, ort_value = load_value(np, value), results[value["name"]]
        if isinstance(kiln_value, list):  # sequences: compare the concatenated elements
            shapes = [list(v.shape) for v in kiln_value], [list(v.shape) for v in ort_value]
            kiln_value = np.concatenate([v.ravel() for v in kiln_value] or [np.zeros(0)])
            ort_value = np.concatenate([np.asarray(v).ravel() for v in ort_value]
                                       or [np.zeros(0)])
        else:
            ort_value = np.asarray(ort_value)
            shapes = list(kiln_value.shape), list(ort_value.shape)
        if shapes[0] != shapes[1]:
            raise ReportError(f"--reference: output '{value['name']}' is {shapes[0]} from Kiln "
                              f"but {shapes[1]} from ONNX Runtime")
        entry = {"name": value["name"], "dims": shapes[0]}
        entry.update(differences(np, kiln_value, ort_value))
        if (kiln_value.ndim == 2 and kiln_value.shape[1] > 1
                and np.issubdtype(kiln_value.dtype, np.floating)):
            agree = np.argmax(kiln_value, axis=1) == np.argmax(ort_value, axis=1)
            entry["top1_agreement"] = float(agree.mean()) if agree.size else 1.0
            entry["top1_rows"] = int(agree.size)
        outputs.append(entry)
    return {
        "onnx": onnx_path,
        "onnxruntime": ort.__version__,
        "max_abs_error": max((o["max_abs_error"] for o in outputs), default=0.0),
        "max_rel_error": max((o["max_rel_error"] for o in outputs), default=0.0),
        "outputs": outputs,
    }


def print_reference(ref, prefix):
    print(f"{prefix}reference: ONNX Runtime {ref['onnxruntime']} on the same inputs "
          f"({ref['onnx']})")
    for o in ref["outputs"]:
        line = (f"  output '{o['name']}' {o['dims']}: max abs error {o['max_abs_error']:.3g}, "
                f"relative {o['max_rel_error']:.3g}, cosine {o['cosine']:.6f}")
        if "top1_agreement" in o:
            agree = round(o["top1_agreement"] * o["top1_rows"])
            line += (f", top-1 agreement {100 * o['top1_agreement']:.1f}% "
                     f"({agree}/{o['top1_rows']})")
        print(line)


def plot_sweep(plt, report, path):
    points = report["measurements"]
    batches = [m["batch"] for m in points]
    sweep = report["sweep"]
    fig, latency = plt.subplots(figsize=(7, 4.5))
    latency.plot(batches, [m["latency_ms"]["p50"] for m in points], "o-", label="p50 latency")
    latency.plot(batches, [m["latency_ms"]["p99"] for m in points], "s--", label="p99 latency")
    if sweep.get("latency_budget_ms"):
        latency.axhline(sweep["latency_budget_ms"], color="gray", linestyle=":",
                        label=f"budget {sweep['latency_budget_ms']:g} ms (p99)")
    latency.set_xscale("log", base=2)
    latency.set_xticks(batches, [str(b) for b in batches])
    latency.set_xlabel("batch size")
    latency.set_ylabel("latency (ms)")
    throughput = latency.twinx()
    throughput.plot(batches, [m["throughput"]["samples_per_s"] for m in points], "^-",
                    color="tab:green", label="throughput")
    throughput.set_ylabel("samples/s")
    best = sweep.get("best_batch")
    if best is not None:
        m = points[batches.index(best)]
        throughput.plot([best], [m["throughput"]["samples_per_s"]], "*", color="tab:red",
                        markersize=14, label=f"best: batch {best}")
    handles = latency.get_legend_handles_labels()
    more = throughput.get_legend_handles_labels()
    latency.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    latency.set_title(f"{os.path.basename(report['model'])}: latency and throughput by batch "
                      f"(concurrency {report['settings']['concurrency']})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def plot_histogram(plt, report, path):
    m = report["measurements"][0]
    hist = m["latency_histogram_ms"]
    edges, counts = hist["edges"], hist["counts"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    widths = [b - a for a, b in zip(edges, edges[1:])]
    ax.bar(edges[:-1], counts, width=[w or 1e-6 for w in widths], align="edge",
           edgecolor="black", linewidth=0.3)
    for key, style in (("p50", "-"), ("p99", "--")):
        ax.axvline(m["latency_ms"][key], color="tab:red", linestyle=style,
                   label=f"{key} {m['latency_ms'][key]:.4g} ms")
    if hist.get("above"):
        ax.text(0.98, 0.6, f"{hist['above']} runs above {edges[-1]:.4g} ms (p99)",
                transform=ax.transAxes, ha="right", fontsize=8)
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("runs")
    ax.legend()
    ax.set_title(f"{os.path.basename(report['model'])}: batch {m['batch']}, {m['runs']} runs, "
                 f"{m['throughput']['samples_per_s']:,.0f} samples/s")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def finite(value):
    """`value` with NaN and infinities as None, which JSON can hold."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def main(argv):
    ap = argparse.ArgumentParser(prog="kiln_bench_report.py", description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="kiln-bench's JSON report (read and updated)")
    ap.add_argument("--reference", help="the ONNX model to run with ONNX Runtime")
    ap.add_argument("--plot", help="the image to draw (any matplotlib format: .png, .svg, ...)")
    ap.add_argument("--drop-saved", action="store_true",
                    help="remove the 'saved' entries (their files are temporary)")
    ap.add_argument("--check", action="store_true",
                    help="only check that the needed packages are installed")
    args = ap.parse_args(argv)
    np = need("numpy", "--reference" if args.reference else "--plot", "numpy")
    ort = need("onnxruntime", "--reference", "onnxruntime") if args.reference else None
    text_model = bool(args.reference) and args.reference.endswith(".onnxtxt")
    onnx = need("onnx", "--reference MODEL.onnxtxt", "onnx") if text_model else None
    if args.plot:
        need("matplotlib", "--plot", "matplotlib")
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    if args.check:
        return 0
    if not args.json:
        raise ReportError("kiln_bench_report.py: give --json REPORT.json")
    with open(args.json) as f:
        report = json.load(f)
    sweep = "sweep" in report
    if ort is not None:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        model = args.reference
        if text_model:  # ONNX text syntax, as kilnc reads it
            with open(model) as f:
                model = onnx.parser.parse_model(f.read()).SerializeToString()
        try:
            session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as e:  # ORT raises its own exception types
            raise ReportError(f"--reference {args.reference}: ONNX Runtime cannot load it: "
                              f"{str(e).strip().splitlines()[0]}")
        for m in report["measurements"]:
            if "saved" not in m:
                continue
            try:
                m["reference"] = compare(np, ort, session, args.reference, m)
            except ReportError:
                raise
            except Exception as e:
                raise ReportError(f"--reference: ONNX Runtime failed at batch {m['batch']}: "
                                  f"{str(e).strip().splitlines()[0]}")
            print_reference(m["reference"], f"batch {m['batch']}: " if sweep else "")
    if args.drop_saved:
        for m in report["measurements"]:
            m.pop("saved", None)
    tmp = args.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump(finite(report), f, indent=2)
        f.write("\n")
    os.replace(tmp, args.json)
    if args.plot:
        (plot_sweep if sweep else plot_histogram)(plt, report, args.plot)
        plt.close("all")
        print(f"plot: {args.plot}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ReportError, OSError) as e:
        print(f"kiln-bench: {e}", file=sys.stderr)
        sys.exit(1)
