#!/usr/bin/env bash
# Builds the `bench` preset (Release) and runs the node's benchmark: appends in batches of 1,000
# in-process and over gRPC into a real pbld (mutual TLS, loopback) with the ratio from one run,
# cross-node transfers of persons with 120-month histories per second, and the p99 of a worker's
# history query on a node holding the appended entries.
#   scripts/bench-rpc.sh [--entries 1000000] [--threads 4] [--transfers 600]
#                        [--transfer-threads 16] [--queries 2000]
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
bash scripts/setup.sh test >/dev/null
cmake --preset bench >/dev/null
cmake --build --preset bench --target rpc_bench pbld
exec build/bench/tests/bench/rpc_bench "$@"
