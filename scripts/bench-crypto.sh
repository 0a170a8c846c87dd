#!/usr/bin/env bash
# Builds the `bench` preset (Release) and runs the pbl::crypto micro-benchmarks.
#   scripts/bench-crypto.sh [Google Benchmark flags, e.g. --benchmark_filter=Verify]
# Prints the results table and writes the same results as JSON to
# build/bench/crypto_bench.json, for comparing runs. Every benchmark reports items per second,
# so rates can be read as ratios (for instance LeafHash against raw libsodium SHA-256).
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"

cmake --preset bench >/dev/null
cmake --build --preset bench --target crypto_bench

json="build/bench/crypto_bench.json"
build/bench/tests/bench/crypto_bench \
  --benchmark_out="$json" --benchmark_out_format=json "$@"
echo "JSON results: $json"
