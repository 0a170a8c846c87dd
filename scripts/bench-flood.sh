#!/usr/bin/env bash
# Builds the `bench` preset (Release) and runs the flood benchmark: clients without certificate or
# token send a real pbld its largest requests for a bounded time on loopback, while a worker
# queries their history; prints the node's peak memory over idle and the worker's p50/p99.
#   scripts/bench-flood.sh [--seconds 10] [--flooders 8] [--big-mb 60]
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
bash scripts/setup.sh test >/dev/null
cmake --preset bench >/dev/null
cmake --build --preset bench --target flood_bench pbld
exec build/bench/tests/bench/flood_bench "$@"
