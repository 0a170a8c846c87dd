#!/usr/bin/env bash
# Builds the `bench` preset (Release) and runs the person-map benchmark of log format v2
# (specs/log-format-v2.md, section 12) at 1,000,000 and 10,000,000 keys. About 2 GB of memory
# at 10,000,000 keys (the in-memory map); the node keeps the same nodes in rows instead.
#   scripts/bench-map.sh [--group G] [--entries E]
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"

cmake --preset bench >/dev/null
cmake --build --preset bench --target map_bench
for keys in 1000000 10000000; do
  build/bench/tests/bench/map_bench --keys "$keys" "$@"
done
