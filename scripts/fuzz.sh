#!/usr/bin/env bash
# Builds and runs the importer fuzzer. Usage: scripts/fuzz.sh [SECONDS] [JOBS]
# Seeds: the ONNX node-test models (build/node-tests, from ctest's generate-node-tests).
# Crashing inputs land in tests/fuzz/work/; copy each into tests/fuzz/regressions/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-600}
JOBS=${2:-1}
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR" --target kiln-import-fuzzer
[ -d "$BUILD_DIR/node-tests" ] || python3 tests/e2e/gen_node_tests.py "$BUILD_DIR/node-tests"
mkdir -p tests/fuzz/work/corpus tests/fuzz/work/artifacts tests/fuzz/work/seeds
for d in "$BUILD_DIR"/node-tests/*/; do
  cp -n "$d/model.onnx" "tests/fuzz/work/seeds/$(basename "$d").onnx" 2>/dev/null || true
done
cp -n tests/fuzz/regressions/* tests/fuzz/work/seeds/ 2>/dev/null || true
# With more than one job libFuzzer forks workers that log to fuzz-N.log in the cwd.
PARALLEL=()
[ "$JOBS" -gt 1 ] && PARALLEL=(-jobs="$JOBS" -workers="$JOBS")
cd tests/fuzz/work
ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
"../../../$BUILD_DIR/bin/kiln-import-fuzzer" corpus seeds "${PARALLEL[@]}" \
  -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix=artifacts/ -print_final_stats=1
