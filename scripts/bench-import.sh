#!/usr/bin/env bash
# Builds the `bench` preset (Release) and runs the import benchmark of issue 6: writes a
# deterministic CSV of 1,000,000 monthly contributions (10,000 persons x 100 months, valid
# resident ids), starts a real pbld (mutual TLS, loopback), times `pbl import` of the whole file
# end to end (reading, checking every row, appending in batches) and prints rows/s.
#   scripts/bench-import.sh [--rows 1000000] [--persons 10000] [--streams 4] [--batch-rows 1000]
#                           [--keep]
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
bash scripts/setup.sh test >/dev/null
cmake --preset bench >/dev/null
cmake --build --preset bench --target import_bench pbl pbld
exec build/bench/tests/bench/import_bench "$@"
