#!/usr/bin/env bash
# The scale run of issue 7: a Shanghai-sized monthly batch imported into one node, then audited.
# Builds the `bench` preset (Release), writes a CSV of 16,000,000 monthly contributions (one
# month, 16,000,000 distinct persons with valid resident ids, ~1.1 GB), starts a real pbld (mutual
# TLS, loopback), times `pbl import` of the whole file, then `pbl audit log` over the whole log
# (every entry streamed, checked and hashed, the tree rebuilt and checked against the node's
# signed checkpoint), and prints wall time, rate, the node's disk use and the peak RSS of pbl
# and pbld. Needs about 10 GB free under $TMPDIR (default /tmp); everything is removed after.
#   scripts/scale-run.sh [--rows 16000000] [--persons 16000000] [--keep]
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
bash scripts/setup.sh test >/dev/null
cmake --preset bench >/dev/null
cmake --build --preset bench --target import_bench pbl pbld
echo "machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME")"
exec build/bench/tests/bench/import_bench --rows 16000000 --persons 16000000 --audit "$@"
