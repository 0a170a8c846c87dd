#!/usr/bin/env bash
# Builds the `bench` preset (Release) and times, per contribution entry, the CPU an append spends
# outside RocksDB: the entry's checks (against a bare parse, as the baseline), its leaf hash, its
# person-index key and the Merkle frontier's update.
#   scripts/bench-append-parts.sh [Google Benchmark flags, e.g. --benchmark_filter=Validate]
# Prints the results table and writes the same results as JSON to
# build/bench/append_parts_bench.json, for comparing runs.
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"

cmake --preset bench >/dev/null
cmake --build --preset bench --target append_parts_bench

json="build/bench/append_parts_bench.json"
build/bench/tests/bench/append_parts_bench \
  --benchmark_out="$json" --benchmark_out_format=json "$@"
echo "JSON results: $json"
