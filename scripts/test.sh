#!/usr/bin/env bash
# Builds everything and runs the whole test suite with CTest. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --deps-only
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
# Tests labelled `long` (chaos exploration over thousands of seeds) are left out: ctest -L long.
ctest --test-dir build -j"$(nproc)" --output-on-failure -LE long
