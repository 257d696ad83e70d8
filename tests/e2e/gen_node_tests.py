#!/usr/bin/env python3
"""Writes the ONNX backend node tests of the installed `onnx` package to a directory.

The PyPI wheel ships the test-case code (onnx.backend.test.case.node) but not the
generated data, so this regenerates it, in the layout of ONNX's own test data:

    OUT/<test_name>/model.onnx
    OUT/<test_name>/test_data_set_0/{input,output}_<i>.pb
"""
import argparse
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper


def proto_for(value, type_proto, name):
    """Serializes one input/output value the way ONNX's cmd_tools does."""
    if type_proto.HasField("map_type"):
        return numpy_helper.from_dict(value, name)
    if type_proto.HasField("sequence_type"):
        return numpy_helper.from_list(value, name)
    if type_proto.HasField("optional_type"):
        return numpy_helper.from_optional(value, name)
    if isinstance(value, onnx.TensorProto):
        return value
    return numpy_helper.from_array(np.asarray(value), name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output directory")
    parser.add_argument("--filter", default="", help="only tests whose name contains this")
    args = parser.parse_args()

    # ONNX's case code draws inputs from numpy's global generator: seed it so every
    # machine (and every CI run) tests the same data.
    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import onnx.backend.test.case.node as node_cases
        cases = node_cases.collect_testcases()

    stamp = os.path.join(args.out, ".onnx-version")
    os.makedirs(args.out, exist_ok=True)
    written = 0
    for case in cases:
        if args.filter not in case.name:
            continue
        case_dir = os.path.join(args.out, case.name)
        os.makedirs(case_dir, exist_ok=True)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets or []):
            data_dir = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(data_dir, exist_ok=True)
            for kind, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
                for j, value in enumerate(values):
                    info = infos[j]
                    proto = proto_for(value, info.type, info.name)
                    with open(os.path.join(data_dir, f"{kind}_{j}.pb"), "wb") as f:
                        f.write(proto.SerializeToString())
        written += 1
    with open(stamp, "w") as f:
        f.write(onnx.__version__ + "\n")
    print(f"wrote {written} node tests of onnx {onnx.__version__} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
