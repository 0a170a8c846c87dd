#!/usr/bin/env bash
# Installs what is missing, checks format, layering and function length, builds and runs the
# whole test suite.
#   scripts/test.sh          the CI build (warnings are errors)
#   scripts/test.sh asan     the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-ci}"
bash scripts/setup.sh test
bash scripts/check-format.sh
bash scripts/check-layering.sh
bash scripts/check-function-length.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
