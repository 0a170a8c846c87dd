#!/usr/bin/env bash
# Builds the `bench` preset (Release) and runs the rules engine benchmarks (entitlement and plan over a 480-month history).
#   scripts/bench-rules.sh [Google Benchmark flags, e.g. --benchmark_filter=Plan]
# Prints the results table and writes the same results as JSON to
# build/bench/rules_bench.json, for comparing runs. Every benchmark reports items per second,
# so rates can be read as ratios (for instance a plan against the parse of its history).
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"

cmake --preset bench >/dev/null
cmake --build --preset bench --target rules_bench

json="build/bench/rules_bench.json"
build/bench/tests/bench/rules_bench \
  --benchmark_out="$json" --benchmark_out_format=json "$@"
echo "JSON results: $json"
