#!/usr/bin/env bash
# Sets up (idempotent), builds and runs every test. CI runs exactly this.
#   1. the release build and all its tests (kiln-serve among them: Triton on loopback, in
#      the venv build/serve-venv that scripts/setup_serve_venv.sh makes on first use);
#   2. the sanitizer build (AddressSanitizer + UndefinedBehaviorSanitizer on Kiln's tools,
#      runtime and plugins, and on the generated code of the models its tests compile):
#      the tests labelled `sanitizer` (runtime unit tests, the bad-input suite, a sample of
#      the node tests);
#   3. ThreadSanitizer on the runtime alone (KILN_RUNTIME_ONLY: no LLVM, a minute to build):
#      the tests labelled `tsan` (the request batcher's unit and stress tests; their sessions
#      run inline, since TBB itself is not instrumented and its pool would report false
#      races). KILN_SKIP_SANITIZERS=1 skips 2 and 3.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
# The real-model corpus (label realmodels) is run on its own: `ctest -L realmodels` once
# scripts/fetch_real_models.py has filled the model cache (tests/realmodels/README.md).
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -LE realmodels

if [ "${KILN_SKIP_SANITIZERS:-0}" != 1 ]; then
  BUILD_DIR=${SANITIZER_BUILD_DIR:-build-sanitize} \
    KILN_CMAKE_ARGS="-DKILN_SANITIZE=address,undefined -DKILN_ENABLE_FUZZER=OFF" \
    bash scripts/build.sh
  ctest --test-dir "${SANITIZER_BUILD_DIR:-build-sanitize}" --output-on-failure -L sanitizer
  BUILD_DIR=${TSAN_BUILD_DIR:-build-tsan} \
    KILN_CMAKE_ARGS="-DKILN_RUNTIME_ONLY=ON -DKILN_SANITIZE=thread" bash scripts/build.sh
  ctest --test-dir "${TSAN_BUILD_DIR:-build-tsan}" --output-on-failure -L tsan
fi
