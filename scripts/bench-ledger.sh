#!/usr/bin/env bash
# Builds the `bench` preset (Release) and runs the ledger's end-to-end benchmark.
#   scripts/bench-ledger.sh [--entries N] [--group G] [--people P] [--queries Q] [--threads 1,2]
#                           [--in-flight K] [--dir DIR] [--keep] [--raw-full] [--no-raw]
#                           [--no-sync] [--drop-caches] [--format v1|v2]
# Appends N contribution entries (default 1,000,000) through the ledger and the same bytes to a
# raw RocksDB with the same options and sync setting, then times reopening, inclusion proofs,
# person histories and Verify, and reports peak RSS and disk use. Prints a table and, as the last
# line, the same figures as JSON, which is also saved to build/bench/ledger_bench.json.
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"

cmake --preset bench >/dev/null
cmake --build --preset bench --target ledger_bench

out="build/bench/ledger_bench.out"
build/bench/tests/bench/ledger_bench "$@" | tee "$out"
tail -n 1 "$out" >build/bench/ledger_bench.json
echo "JSON results: build/bench/ledger_bench.json"
