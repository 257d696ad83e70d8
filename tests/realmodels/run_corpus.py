#!/usr/bin/env python3
"""The real-model corpus against ONNX Runtime: compiled as shipped, accuracy, speed.

    python3 tests/realmodels/run_corpus.py --kilnc build/bin/kilnc
        [--out bench/results/realmodels.md] [--cache DIR] [--models a,b] [--work DIR]
        [--report-only] [--skip-if-no-cache] [--kilnc-args "ARGS"] [--convert-opset N]
        [--min-runs 5] [--min-seconds 1] [--max-seconds 10] [--compile-timeout 1200]

For each model of tests/realmodels/corpus.json, fetched by scripts/fetch_real_models.py into
the cache ($KILN_MODEL_CACHE, else ~/.cache/kiln/realmodels; its sha256 is checked again):

  1. `kilnc MODEL.onnx -o MODEL.so` on the file as shipped: no conversion, dynamic dims left
     dynamic. Timed; on failure the first error line of kilnc is recorded, with the ONNX
     operator version (op-sinceVersion under the model's opset) of the node it names.
  2. The inputs the corpus describes (tests/realmodels/realistic_inputs.py: rendered text,
     synthetic scenes, a speech-like waveform, file bytes), the same arrays for both engines.
  3. ONNX Runtime (CPU provider, intra_op_num_threads 1, inter_op 1, sequential, spinning
     off, default optimizations) and Kiln through the package kiln's native extension
     (build/python next to --kilnc, or an installed kiln; threads 1), else, when that does not
     import, the ctypes binding runtime/python/kiln_runtime.py (num_threads 1); batch 1 as
     the corpus gives it. The
     warm-up outputs give the accuracy: per output, max |kiln - ort| relative to max |ort|;
     "ok" when that is <= 1e-3 for every output and the shapes agree. Then the engines run in
     turn (ORT, Kiln, ORT, ...) until each has --min-runs runs and --min-seconds of runs, or
     --max-seconds; medians are reported (wall time of the Python call, which hands the
     outputs back as numpy arrays for both engines: ORT copies them, the kiln extension does
     not, the ctypes binding does).

Writes a Markdown report (--out, default: stdout only) with the table, the failure causes
grouped (most common first) and the machine, and the raw results as JSON next to it. Exits 1
when a model is missing from the cache, fails to compile, fails to run or mismatches (0 with
--report-only); 77 with --skip-if-no-cache when the cache holds none of the models (the
ctest `realmodels` is then skipped).
"""
import argparse
import hashlib
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "bench"))
import realistic_inputs  # noqa: E402  (tests/realmodels/realistic_inputs.py)

TOL = 1e-3
SKIP = 77
NODE_RE = re.compile(r"node '(.*?)' \(([\w.]+)\)")


def default_cache():
    return os.environ.get("KILN_MODEL_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "kiln", "realmodels")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def first_error(text):
    """The first line of kilnc's output that says 'error', else its first line."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for line in lines:
        if "error" in line.lower():
            return line
    return lines[0] if lines else "failed (no message)"


# ------------------------------------------------------------ which ONNX op version failed

def _all_nodes(graph):
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.g is not None and attr.g.node:
                yield from _all_nodes(attr.g)
            for g in attr.graphs:
                yield from _all_nodes(g)


def op_versions(model_path):
    """{op_type: 'Op-vN'} and {node name: 'Op-vN'} for the model's nodes (N: the schema's
    since-version under the model's opset import; 'domain:Op-vN' outside the default one)."""
    import onnx
    from onnx import defs
    model = onnx.load(model_path, load_external_data=False)
    opsets = {(o.domain or "ai.onnx"): o.version for o in model.opset_import}
    by_node, by_op = {}, {}
    for node in _all_nodes(model.graph):
        domain = node.domain or "ai.onnx"
        try:
            since = defs.get_schema(node.op_type, opsets.get(domain, 1),
                                    "" if domain == "ai.onnx" else domain).since_version
        except Exception:  # noqa: BLE001  (contrib ops have no schema in onnx)
            since = opsets.get(domain, 1)
        label = f"{node.op_type}-v{since}" if domain == "ai.onnx" else \
            f"{domain}:{node.op_type}-v{since}"
        by_node.setdefault(node.name, label)
        by_op.setdefault(node.op_type, label)
    return by_node, by_op


def failure_cause(error, model_path):
    """(cause, op label): the error with the node's name replaced by its op type (the
    cause, which groups models), and 'Op-vN', the op's version in the model."""
    m = NODE_RE.search(error)
    text = re.sub(r'^loc\([^)]*\):\s*', "", error)
    if not m:
        return re.sub(r"'[^']*'", "'…'", text), None
    try:
        by_node, by_op = op_versions(model_path)
    except Exception:  # noqa: BLE001  (the cause without the version then)
        by_node, by_op = {}, {}
    label = by_node.get(m.group(1)) or by_op.get(m.group(2)) or m.group(2)
    rest = text[text.find(m.group(0)) + len(m.group(0)):].lstrip(": ")
    rest = re.sub(r"'tensor<[^']*'", "'tensor<…>'", rest)
    return f"{label.rsplit('-v', 1)[0]}: {rest}", label


# ------------------------------------------------------------ running and comparing

def make_ort(ort, path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def aligned(array, alignment=64):
    """A copy of `array` whose data starts on an `alignment`-byte boundary."""
    array = np.asarray(array, order="C")  # not ascontiguousarray: that makes rank 0 rank 1
    raw = np.empty(array.nbytes + alignment, np.uint8)
    start = (-raw.ctypes.data) % alignment
    out = raw[start:start + array.nbytes].view(array.dtype).reshape(array.shape)
    out[...] = array
    return out


def save_feeds(work, name, feeds):
    """Writes the inputs as WORK/NAME.inputs/INPUT.npy, so that a profile can be taken on them:
    `kiln-run NAME.so -i INPUT=WORK/NAME.inputs/INPUT.npy ... --profile`."""
    folder = os.path.join(work, name + ".inputs")
    os.makedirs(folder, exist_ok=True)
    for key, value in feeds.items():
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", key)
        np.save(os.path.join(folder, safe + ".npy"), value)


def compare(kiln_out, ort_out):
    """(max abs diff, max relative diff, ok, note) of Kiln's outputs against ORT's."""
    worst, worst_rel, notes = 0.0, 0.0, []
    for name, ref in ort_out.items():
        got = kiln_out.get(name)
        if got is None:
            return None, None, False, f"no output '{name}'"
        if got.shape != ref.shape:
            return None, None, False, f"'{name}' shape {list(got.shape)}, ORT {list(ref.shape)}"
        ref64, got64 = ref.astype(np.float64), got.astype(np.float64)
        finite = np.isfinite(ref64)
        if not np.all(np.isfinite(got64[finite])) or not np.array_equal(
                np.isnan(ref64), np.isnan(got64)):
            notes.append(f"'{name}' non-finite where ORT is finite")
            worst = worst_rel = float("inf")
            continue
        if not finite.any():
            continue
        diff = float(np.max(np.abs(got64[finite] - ref64[finite])))
        scale = float(np.max(np.abs(ref64[finite])))
        rel = diff / scale if scale > 0 else diff
        worst, worst_rel = max(worst, diff), max(worst_rel, rel)
    ok = worst_rel <= TOL and not notes
    return worst, worst_rel, ok, "; ".join(notes)


def time_engines(engines, args):
    """Alternates the engines (name -> callable) until each is done; {name: [seconds]}."""
    times = {n: [] for n in engines}

    def done(n):
        spent = sum(times[n])
        return times[n] and (spent >= args.max_seconds or (
            len(times[n]) >= args.min_runs and spent >= args.min_seconds))
    while not all(done(n) for n in engines):
        for n, run in engines.items():
            if not done(n):
                t = time.perf_counter()
                run()
                times[n].append(time.perf_counter() - t)
    return times


def handled_old_ops():
    """Kiln's op names of old versions that compile: those UpgradeOnnxOps turns into the
    newest op (KILN_ONNX_OP_UPGRADE rows of ir/onnx/OnnxOpVersions*.inc) and those a pass
    under passes/ names ("onnx.PadV13"). No pattern is typed on an old version's op class."""
    names = set()
    for root, _, files in os.walk(os.path.join(REPO, "ir", "onnx")):
        for f in files:
            if f.startswith("OnnxOpVersions") and f.endswith(".inc"):
                with open(os.path.join(root, f)) as fh:
                    names |= set(re.findall(r'KILN_ONNX_OP_UPGRADE\("onnx\.(\w+)"', fh.read()))
    for root, _, files in os.walk(os.path.join(REPO, "passes")):
        for f in files:
            if f.endswith((".cpp", ".h")):
                with open(os.path.join(root, f)) as fh:
                    names |= set(re.findall(r'"onnx\.([A-Za-z]+V\d+)"', fh.read()))
    return names


def old_versions_after_import(args, onnx_path):
    """{Kiln op name: count} of the old op versions (Kiln's names end in V<since>) that the
    import leaves and that neither an upgrade rule nor a lowering handles (handled_old_ops):
    each stops compilation. None when the import itself fails."""
    try:
        proc = subprocess.run([args.kilnc, onnx_path, "--emit=mlir", "-o", "-"],
                              capture_output=True, text=True, timeout=args.compile_timeout)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        return None
    found = re.findall(r'"onnx\.([A-Za-z]+V\d+)"', proc.stdout)
    skip = handled_old_ops()
    counts = {}
    for name in found:
        if name not in skip:
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def convert_opset(path, opset, work, name):
    """A copy of the model converted to `opset` by onnx's version converter (for
    --convert-opset: a diagnosis of what stops a model after the conversion, not as shipped);
    None when the converter fails."""
    import onnx
    from onnx import version_converter
    try:
        converted = version_converter.convert_version(onnx.load(path), opset)
    except Exception:  # noqa: BLE001
        return None
    out = os.path.join(work, f"{name}.opset{opset}.onnx")
    onnx.save(converted, out)
    return out


def compile_model(args, onnx_path, lib):
    cmd = [args.kilnc, onnx_path, "-o", lib] + shlex.split(args.kilnc_args)
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.compile_timeout)
        out, rc = proc.stderr + proc.stdout, proc.returncode
    except subprocess.TimeoutExpired:
        out, rc = f"error: kilnc timed out after {args.compile_timeout} s", -1
    seconds = time.perf_counter() - t
    ok = rc == 0 and os.path.isfile(lib)
    return ok, seconds, (None if ok else first_error(out)), out


def kiln_binding(bindir):
    """A function model library -> session on one thread: the package kiln's extension (the
    build tree's build/python next to bin/kilnc, else an installed kiln) when it imports,
    else the ctypes binding (runtime/python/kiln_runtime.py, $KILN_RUNTIME_LIB)."""
    sys.path.insert(0, os.path.join(os.path.dirname(bindir), "python"))
    try:
        import kiln
        print(f"run_corpus: Kiln runs through the kiln extension ({kiln.__file__})", flush=True)
        return lambda lib: kiln.Session(lib, threads=1)
    except ImportError as e:
        print(f"run_corpus: the kiln extension does not import ({e}); using the ctypes binding",
              flush=True)
    sys.path.insert(0, os.path.join(REPO, "runtime", "python"))
    import kiln_runtime as kr
    return lambda lib: kr.Session(kr.Model(lib), num_threads=1)


def run_model(args, entry, open_kiln, ort):
    r = {k: entry[k] for k in ("name", "package", "version", "member", "what", "opset",
                               "dynamic_dims", "input_note")}
    r.update(compiled=False, error=None, cause=None, op=None, compile_s=None, max_abs_diff=None,
             max_rel_diff=None, ok=False, ort_ms=None, kiln_ms=None, ratio=None, note="",
             old_ops_after_import=None, converted_to_opset=None)
    path = os.path.join(args.cache, "models", entry["name"] + ".onnx")
    if not os.path.isfile(path):
        r["error"] = r["cause"] = "not in the model cache (run scripts/fetch_real_models.py)"
        return r
    if sha256(path) != entry["sha256"]:
        r["error"] = r["cause"] = "sha256 does not match the corpus (run the fetch again)"
        return r
    lib = os.path.join(args.work, entry["name"] + ".so")
    if os.path.exists(lib):
        os.remove(lib)
    src = path
    if args.convert_opset and (entry["opset"] or 0) < args.convert_opset:
        src = convert_opset(path, args.convert_opset, args.work, entry["name"])
        r["converted_to_opset"] = args.convert_opset if src else None
        if not src:
            r["error"] = r["cause"] = f"onnx's version converter fails to opset {args.convert_opset}"
            return r
    print(f"[{entry['name']}] compiling", flush=True)
    r["compiled_file"] = src
    r["compiled"], r["compile_s"], r["error"], log = compile_model(args, src, lib)
    with open(os.path.join(args.work, entry["name"] + ".kilnc.log"), "w") as f:
        f.write(log)
    if not r["compiled"]:
        r["cause"], r["op"] = failure_cause(r["error"], src)
        r["old_ops_after_import"] = old_versions_after_import(args, src)
        print(f"[{entry['name']}] compile failed ({r['compile_s']:.1f} s): {r['error']}",
              flush=True)
    feeds = {k: aligned(v) for k, v in realistic_inputs.make_feeds(entry).items()}
    save_feeds(args.work, entry["name"], feeds)
    engines = {}
    try:
        sess = make_ort(ort, path)
        names = [o.name for o in sess.get_outputs()]
        engines["ort"] = lambda: dict(zip(names, sess.run(None, feeds)))
        ort_out = engines["ort"]()
    except Exception as ex:  # noqa: BLE001  (reported; Kiln is still timed)
        r["note"] = f"ORT failed: {type(ex).__name__}: {ex}"[:300]
        engines.pop("ort", None)
        ort_out = None
    if r["compiled"]:
        try:
            ks = open_kiln(lib)
            engines["kiln"] = lambda: ks.run(feeds)
            kiln_out = engines["kiln"]()
        except Exception as ex:  # noqa: BLE001
            r["error"] = f"run failed: {type(ex).__name__}: {ex}".splitlines()[0][:400]
            r["cause"] = re.sub(r"'[^']*'", "'…'", r["error"])
            engines.pop("kiln", None)
            kiln_out = None
        if kiln_out is not None and ort_out is not None:
            r["max_abs_diff"], r["max_rel_diff"], r["ok"], note = compare(kiln_out, ort_out)
            if note:
                r["note"] = (r["note"] + "; " if r["note"] else "") + note
                r["cause"] = r["cause"] or "wrong output: " + re.sub(r"'[^']*'", "'…'", note)
            elif not r["ok"]:
                r["cause"] = "mismatch beyond 1e-3 relative"
                exact_sigmoid_diagnosis(ort, path, args.work, entry["name"], feeds, kiln_out,
                                        ort_out, r)
    times = time_engines(engines, args) if engines else {}
    if "ort" in times:
        r["ort_ms"] = 1e3 * statistics.median(times["ort"])
    if "kiln" in times:
        r["kiln_ms"] = 1e3 * statistics.median(times["kiln"])
    if r["ort_ms"] and r["kiln_ms"]:
        r["ratio"] = r["ort_ms"] / r["kiln_ms"]
    r["runs"] = {k: len(v) for k, v in times.items()}
    print(f"[{entry['name']}] ok={r['ok']} ort={r['ort_ms']} kiln={r['kiln_ms']}", flush=True)
    return r


def exact_sigmoid_diagnosis(ort, path, work, name, feeds, kiln_out, ort_out, r):
    """Compares Kiln with ORT on the model with exact Sigmoids (exact_reference.py); the
    figure goes into the note, the verdict stays."""
    import onnx
    import exact_reference
    exact = os.path.join(work, name + ".exact-sigmoid.onnx")
    try:
        if not exact_reference.exact_sigmoid_model(onnx, path, exact):
            return
        sess = make_ort(ort, exact)
        ref = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
    except Exception as ex:  # noqa: BLE001  (a diagnosis only)
        r["note"] += f"; exact-Sigmoid reference failed: {type(ex).__name__}"
        return
    diff, rel, _, _ = compare(kiln_out, ref)
    agree = exact_reference.argmax_agreement(kiln_out, ort_out)
    r["exact_sigmoid_diff"] = [diff, rel]
    text = (f"against ORT with Sigmoid computed exactly (exact_reference.py) Kiln differs by "
            f"{diff:.2g} (rel {rel:.2g})")
    if agree is not None:
        text += (f"; the argmax over the last axis agrees with plain ORT's on "
                 f"{100 * agree:.1f}% of rows")
    r["note"] = (r["note"] + "; " if r["note"] else "") + text


# ------------------------------------------------------------ the report

def _fmt(v, spec, none="–"):
    return none if v is None else format(v, spec)


def _cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def grouped_causes(results):
    """[(cause, [model names with the op version in parentheses])], most common first."""
    groups = {}
    for r in results:
        if r["cause"]:
            groups.setdefault(r["cause"], []).append(
                f"{r['name']} ({r['op']})" if r["op"] else r["name"])
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def behind_first_error(results, args):
    """{model: [what else will stop it]}: the old op versions its import leaves (see
    old_versions_after_import), and the op types it holds that have no lowering at any
    version: another model failed with 'no lowering' on that op while its import left no old
    version of it (so Kiln's newest op was the one refused)."""
    no_lowering_at_all = set()
    for r in results:
        if r["op"] and "no lowering" in (r["cause"] or "") and ":" not in r["op"] and \
                r["old_ops_after_import"] is not None:
            op = r["op"].rsplit("-v", 1)[0]
            if not any(k.startswith(op + "V") for k in r["old_ops_after_import"]):
                no_lowering_at_all.add(op)
    out = {}
    for r in results:
        if r["compiled"] or r["compile_s"] is None:  # compiled, or never tried
            continue
        first = r["op"].rsplit("-v", 1)[0] if r["op"] else None
        items = [f"{k} x{v}" for k, v in (r["old_ops_after_import"] or {}).items()
                 if not (first and k.startswith(first + "V"))]
        try:
            _, by_op = op_versions(r["compiled_file"])
        except Exception:  # noqa: BLE001
            by_op = {}
        items += [by_op[op] + " (no lowering)" for op in sorted(no_lowering_at_all)
                  if op in by_op and op != first]
        if r["old_ops_after_import"] is None:
            items.append("(import fails: old op versions unknown)")
        if items:
            out[r["name"]] = items
    return out


def report(results, args, info):
    n = len(results)
    compiled = sum(r["compiled"] for r in results)
    ok = sum(r["ok"] for r in results)
    title = "# Real models as shipped: Kiln against ONNX Runtime"
    if args.convert_opset:
        title = (f"# Real models converted to opset {args.convert_opset} by onnx's version "
                 "converter (a diagnosis, NOT as shipped): Kiln against ONNX Runtime")
    lines = [title, "",
             f"{n} ONNX models from PyPI wheels (tests/realmodels/corpus.json), compiled by "
             f"`kilnc MODEL.onnx -o MODEL.so{(' ' + args.kilnc_args) if args.kilnc_args else ''}` "
             + ("as shipped" if not args.convert_opset else
                f"after onnx's version converter took models of older opsets to opset "
                f"{args.convert_opset} (ORT runs the file as shipped)") +
             " (dynamic dims left dynamic), run on realistic inputs at batch 1, one "
             "thread (ORT: intra_op 1, sequential, spinning off; Kiln: num_threads 1), engines "
             "alternated, median wall time of the Python call. max diff: max |kiln - ort| over "
             "all outputs, (relative to max |ort| of that output); ok: relative <= 1e-3.", "",
             f"**{compiled} of {n} compile; {ok} of {n} compile and match ORT.**", "",
             "| model | package==version | compiled? (or first error line) | compile s | "
             "max diff (rel) | ok | ORT ms | Kiln ms | ORT/Kiln |",
             "|---|---|---|---:|---|---|---:|---:|---:|"]
    for r in results:
        status = "yes" if r["compiled"] else _cell(r["error"] or "")
        if r["compiled"] and r["error"]:
            status = "yes; " + _cell(r["error"])
        diff = "–" if r["max_abs_diff"] is None else \
            f"{r['max_abs_diff']:.2g} ({r['max_rel_diff']:.2g})"
        lines.append(
            f"| {r['name']} | {r['package']}=={r['version']} | {status} | "
            f"{_fmt(r['compile_s'], '.1f')} | {diff} | {'yes' if r['ok'] else 'no'} | "
            f"{_fmt(r['ort_ms'], '.2f')} | {_fmt(r['kiln_ms'], '.2f')} | "
            f"{_fmt(r['ratio'], '.2f')} |")
    lines += ["", "## What stops them, most common first", ""]
    for cause, names in grouped_causes(results):
        lines.append(f"- **{len(names)}** · `{cause}`: {', '.join(names)}")
    extra = behind_first_error(results, args)
    if extra:
        lines += ["", "Behind the first error (kilnc stops at one): old op versions that the "
                  "import leaves (Kiln's names, from `kilnc --emit=mlir`) and that neither an "
                  "upgrade rule nor a lowering handles, and ops with no lowering at any "
                  "version:", ""]
        lines += [f"- {name}: {', '.join(items)}" for name, items in extra.items()]
    notes = [r for r in results if r["note"]]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {r['name']}: {_cell(r['note'])}" for r in notes]
    lines += ["", "## The models and their inputs", "",
              "| model | what | file in the wheel | dynamic input dims | input |",
              "|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['name']} | {_cell(r['what'])} | `{r['member']}` | "
                     f"{_cell(', '.join(r['dynamic_dims']) or 'none')} | "
                     f"{_cell(r['input_note'])} |")
    if info:
        import machine  # bench/machine.py
        lines += ["", "## Machine", ""] + machine.markdown(info)
        if "load_average_1min" in info:
            lines.append("- Load average (1 min) before and after the run: %s and %s (other "
                         "work on the machine slows both engines alike, they alternate)"
                         % tuple(info["load_average_1min"]))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kilnc", default=os.path.join(REPO, "build", "bin", "kilnc"))
    ap.add_argument("--runtime-lib", help="libkiln_runtime.so (default: ../lib next to kilnc)")
    ap.add_argument("--cache", default=default_cache(),
                    help="model cache (default: $KILN_MODEL_CACHE or ~/.cache/kiln/realmodels)")
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus.json"))
    ap.add_argument("--models", help="comma-separated model names (default: all)")
    ap.add_argument("--work", default=os.path.join(REPO, "build", "realmodels"))
    ap.add_argument("--out", help="Markdown report (and .json next to it)")
    ap.add_argument("--kilnc-args", default="", help="extra kilnc arguments")
    ap.add_argument("--convert-opset", type=int, metavar="N",
                    help="diagnosis, not as shipped: compile models of an older opset after "
                    "converting them to opset N with onnx's version converter (ORT runs the "
                    "original)")
    ap.add_argument("--report-only", action="store_true", help="exit 0 whatever the results")
    ap.add_argument("--skip-if-no-cache", action="store_true",
                    help=f"exit {SKIP} (skipped) when the cache holds none of the models")
    ap.add_argument("--min-runs", type=int, default=5)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--max-seconds", type=float, default=10.0)
    ap.add_argument("--compile-timeout", type=int, default=1200)
    args = ap.parse_args()

    with open(args.corpus) as f:
        entries = json.load(f)["models"]
    if args.models:
        wanted = args.models.split(",")
        unknown = set(wanted) - {e["name"] for e in entries}
        if unknown:
            sys.exit(f"run_corpus: no such model in the corpus: {', '.join(sorted(unknown))}")
        entries = [e for e in entries if e["name"] in wanted]
    present = [e for e in entries
               if os.path.isfile(os.path.join(args.cache, "models", e["name"] + ".onnx"))]
    if not present:
        msg = (f"run_corpus: no model of the corpus in {args.cache}/models; fetch them with "
               "`python3 scripts/fetch_real_models.py`")
        print(msg, file=sys.stderr)
        return SKIP if args.skip_if_no_cache else 1
    if not os.access(args.kilnc, os.X_OK):
        sys.exit(f"run_corpus: no kilnc at {args.kilnc} (--kilnc)")
    args.kilnc = os.path.abspath(args.kilnc)
    os.makedirs(args.work, exist_ok=True)
    bindir = os.path.dirname(args.kilnc)
    os.environ.setdefault("KILN_RUNTIME_LIB", args.runtime_lib or
                          os.path.join(os.path.dirname(bindir), "lib", "libkiln_runtime.so"))
    open_kiln = kiln_binding(bindir)
    import onnxruntime as ort
    ort.set_default_logger_severity(3)

    load_before = os.getloadavg()[0]
    results = [run_model(args, e, open_kiln, ort) for e in entries]
    info = None
    if args.out:
        import machine  # bench/machine.py
        info = machine.describe(REPO)
        info["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    text = report(results, args, info)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            kept = [{k: v for k, v in r.items() if k != "compiled_file"} for r in results]
            json.dump({"machine": info, "kilnc_args": args.kilnc_args, "tolerance": TOL,
                       "convert_opset": args.convert_opset, "results": kept}, f, indent=1)
    bad = [r["name"] for r in results if not r["ok"]]
    if bad:
        print(f"run_corpus: {len(bad)} of {len(results)} models fail: {', '.join(bad)}",
              file=sys.stderr)
    return 0 if args.report_only or not bad else 1


if __name__ == "__main__":
    sys.exit(main())
