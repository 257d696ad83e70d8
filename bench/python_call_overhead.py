"""Per-call time of the Python bindings on a model that does almost nothing.

    python3 bench/python_call_overhead.py --kilnc build/bin/kilnc [--calls 10000]

Compiles an Add of two float32 [1, 4] tensors and times `Session.run` through the package
kiln's native extension (build/python) and through the ctypes binding
(runtime/python/kiln_runtime.py) on one thread: the best of 5 repeats of --calls calls.
The model itself takes nanoseconds, so the figures are the bindings' overhead.
"""

import argparse
import os
import sys
import tempfile
import timeit

import numpy as np

MODEL = """<ir_version: 8, opset_import: ["" : 17]>
add14 (float[1, 4] a, float[1, 4] b) => (float[1, 4] y) {
  y = Add(a, b)
}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kilnc", default="build/bin/kilnc")
    ap.add_argument("--calls", type=int, default=10000)
    args = ap.parse_args()
    build = os.path.dirname(os.path.dirname(os.path.abspath(args.kilnc)))
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:0] = [os.path.join(build, "python"), os.path.join(repo, "runtime", "python")]
    os.environ.setdefault("KILN_RUNTIME_LIB", os.path.join(build, "lib", "libkiln_runtime.so"))
    import kiln
    import kiln_runtime as kr

    with tempfile.TemporaryDirectory() as work:
        src = os.path.join(work, "add14.onnxtxt")
        with open(src, "w") as f:
            f.write(MODEL)
        lib = kiln.compile(src, os.path.join(work, "add14.so"), kilnc=args.kilnc)
        a = np.arange(4, dtype=np.float32).reshape(1, 4)
        feeds = {"a": a, "b": np.ones((1, 4), np.float32)}
        sessions = {"kiln extension": kiln.Session(lib, threads=1),
                    "ctypes binding": kr.Session(kr.Model(lib), num_threads=1)}
        for name, s in sessions.items():
            np.testing.assert_array_equal(s.run(feeds)["y"], a + 1)
            best = min(timeit.repeat(lambda: s.run(feeds), number=args.calls, repeat=5))
            print(f"{name}: {best / args.calls * 1e6:.2f} us per run ({args.calls} calls)")


if __name__ == "__main__":
    main()
