#!/usr/bin/env bash
# Builds and runs the importer fuzzer (tools/kiln-import-fuzzer, structure-aware mutator).
# Usage: scripts/fuzz.sh [SECONDS] [JOBS]
#   SECONDS   total fuzzing time (default 600); JOBS parallel workers (default 1)
# Environment:
#   BUILD_DIR   build folder (default build)
#   FUZZ_SEEDS  small: seeds are tests/fuzz/corpus and tests/fuzz/regressions only (CI);
#               all (default): also every ONNX node-test model (build/node-tests)
#   FUZZ_WORK   where the growing corpus and crash artifacts go (default tests/fuzz/work)
#   FUZZ_SEED, FUZZ_RUNS  a fixed random seed and a number of inputs instead of a time:
#               the same inputs on every machine (CI's run, so it cannot fail by chance)
# Exits non-zero when the fuzzer finds a crash, leak-free hang or timeout; the input is in
# $FUZZ_WORK/artifacts/. Once fixed, copy it into tests/fuzz/regressions/.
# The one-hour run: nice -n 19 scripts/fuzz.sh 3600 2
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-600}
JOBS=${2:-1}
BUILD_DIR=$(realpath -m "${BUILD_DIR:-build}")
FUZZ_SEEDS=${FUZZ_SEEDS:-all}
FUZZ_WORK=$(realpath -m "${FUZZ_WORK:-tests/fuzz/work}")
cmake --build "$BUILD_DIR" --target kiln-import-fuzzer
mkdir -p "$FUZZ_WORK/corpus" "$FUZZ_WORK/artifacts" "$FUZZ_WORK/seeds"
if [ "$FUZZ_SEEDS" = all ]; then
  [ -d "$BUILD_DIR/node-tests" ] || python3 tests/e2e/gen_node_tests.py "$BUILD_DIR/node-tests"
  for d in "$BUILD_DIR"/node-tests/*/; do
    cp -n "$d/model.onnx" "$FUZZ_WORK/seeds/$(basename "$d").onnx" 2>/dev/null || true
  done
fi
cp -n tests/fuzz/corpus/* tests/fuzz/regressions/* "$FUZZ_WORK/seeds/" 2>/dev/null || true
rm -f "$FUZZ_WORK/seeds/README.md"  # the corpus and regressions READMEs
# With more than one job libFuzzer forks workers that log to fuzz-N.log in the cwd.
LIMIT=(-max_total_time="$SECONDS_TO_RUN")
[ -n "${FUZZ_RUNS:-}" ] && LIMIT=(-runs="$FUZZ_RUNS")
[ -n "${FUZZ_SEED:-}" ] && LIMIT+=(-seed="$FUZZ_SEED")
PARALLEL=()
[ "$JOBS" -gt 1 ] && PARALLEL=(-jobs="$JOBS" -workers="$JOBS")
cd "$FUZZ_WORK"
ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
"$BUILD_DIR/bin/kiln-import-fuzzer" corpus seeds "${PARALLEL[@]}" \
  "${LIMIT[@]}" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix=artifacts/ -print_final_stats=1
