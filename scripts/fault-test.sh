#!/usr/bin/env bash
# The transfer fault test of issue 5 at full size: 1,000 transfers between two real nodes while
# a seeded fault plan drops, delays and duplicates peer messages in both directions and the nodes
# are killed (SIGKILL) and restarted. CI runs a short version (120 transfers, 4 kills) as part of
# rpc_test.
#   scripts/fault-test.sh                      1,000 transfers, 8 kills, a random seed
#   PBL_FAULT_SEED=1234 scripts/fault-test.sh  replays a run (the seed is printed)
#   PBL_FAULT_TRANSFERS=N PBL_FAULT_KILLS=K    other sizes
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
bash scripts/setup.sh test
cmake --preset dev >/dev/null
cmake --build --preset dev --target rpc_test pbld pbld_faulty
export PBL_FAULT_TRANSFERS="${PBL_FAULT_TRANSFERS:-1000}"
export PBL_FAULT_KILLS="${PBL_FAULT_KILLS:-8}"
exec build/dev/tests/rpc/rpc_test --gtest_filter='TransferFaultTest.*'
