"""What a benchmark report says about the machine and the code it measured.

    import machine
    info = machine.describe(repo_dir)      # dict
    lines = machine.markdown(info)         # list of markdown lines

CPU model, the SIMD-relevant flags (avx2, fma, avx512*, amx*), logical CPUs, memory, date
(UTC), git commit (with "+dirty" when the tree has changes), and the versions of the Python
packages the benchmarks use.
"""
import datetime
import os
import platform
import re
import subprocess

SIMD_FLAG = re.compile(r"^(sse4_2|avx|avx2|fma|f16c|avx_vnni|avx512.*|amx.*)$")


def _cpuinfo():
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return "", []
    def field(name):
        m = re.search(r"^" + name + r"\s*:\s*(.*)$", text, re.M)
        return m.group(1).strip() if m else ""
    # Virtual machines often give a generic name; family/model/stepping pin the core.
    ids = ", ".join(f"{k} {field(k)}" for k in ("cpu family", "model", "stepping") if field(k))
    model = field("model name") or platform.processor()
    return (f"{model} ({ids})" if ids else model), field("flags").split()


def _git(repo, *args):
    try:
        return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _mem_gib():
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1))
        return kb / 2**20
    except (OSError, AttributeError):
        return 0.0


def _versions():
    out = {}
    for name in ("numpy", "onnx", "onnxruntime"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            pass
    return out


def describe(repo):
    model, flags = _cpuinfo()
    commit = _git(repo, "rev-parse", "--short=12", "HEAD")
    if commit and _git(repo, "status", "--porcelain", "--untracked-files=no"):
        commit += "+dirty"
    return {
        "cpu": model,
        "simd_flags": sorted(f for f in flags if SIMD_FLAG.match(f)),
        "amx": any(f.startswith("amx") for f in flags),
        "logical_cpus": os.cpu_count(),
        "mem_gib": _mem_gib(),
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "unknown",
        "versions": _versions(),
    }


def markdown(info):
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    return [
        f"- CPU: {info['cpu']} ({info['logical_cpus']} logical CPUs, "
        f"{info['mem_gib']:.0f} GiB RAM, Linux {info['kernel']})",
        f"- SIMD flags: {' '.join(info['simd_flags']) or 'none'}"
        + ("" if info["amx"] else " (no AMX)"),
        f"- Date: {info['date']}; Kiln commit: {info['commit']}",
        f"- Python packages: {versions}",
    ]
