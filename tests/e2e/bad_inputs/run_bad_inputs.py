#!/usr/bin/env python3
"""Runs the bad-input suite: every case of every cases_*.py module next to this file.

Each case is judged against ONNX Runtime's behaviour (harness.py says how): the run fails
when any case is mishandled (a wrong answer with an OK status, a crash, a missing or
unclear error, an output file left behind) or when fewer than --min-cases cases ran.
"""
import argparse
import concurrent.futures
import glob
import importlib.util
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import run_case  # noqa: E402


def load_cases(filter_text):
    cases = []
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "cases_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for case in module.CASES:
            if filter_text in case.name:
                cases.append((name[len("cases_"):], case))
    names = [c.name for _, c in cases]
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        sys.exit(f"duplicate case names: {sorted(dups)}")
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kilnc", required=True)
    parser.add_argument("--kiln-run", required=True)
    parser.add_argument("--kilnc-arg", action="append", default=[],
                        help="extra kilnc argument (repeatable), e.g. --sanitize-address")
    parser.add_argument("--work", required=True, help="scratch folder (emptied first)")
    parser.add_argument("--filter", default="", help="only cases whose name contains this")
    parser.add_argument("--min-cases", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    cases = load_cases(args.filter)

    def one(item):
        i, (group, case) = item
        try:
            return group, case, run_case(case, args.kilnc, args.kiln_run,
                                         os.path.join(args.work, f"{i:03d}-{case.name}"),
                                         args.kilnc_arg)
        except Exception as e:  # a broken case is a failure, not a crash of the suite
            from harness import Outcome
            return group, case, Outcome(False, f"case raised {type(e).__name__}: {e}")

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, enumerate(cases)))

    bad = 0
    for group, case, outcome in results:
        status = "ok  " if outcome.ok else "FAIL"
        bad += not outcome.ok
        print(f"{status} [{group}/{case.stage}] {case.name}: {outcome.detail}")
    print(f"\nbad-input suite: {len(results) - bad} handled, {bad} mishandled, of {len(results)} cases")
    print(f"{len(results) - bad} passed, {bad} failed")
    if len(results) < args.min_cases:
        print(f"error: only {len(results)} cases ran, want at least {args.min_cases}")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
