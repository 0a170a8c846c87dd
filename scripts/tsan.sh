#!/usr/bin/env bash
# The concurrent parts under ThreadSanitizer: the ledger's sequencer and v2 mapper (LedgerTest,
# SealedLedgerTest, PersonMapLedgerTest, FaultTest,
# OverwriteTest, CrashTest), the node (NodeTest, NodeLifecycleTest) and transfers between nodes
# (TamperedPackageTest, the short TransferFaultTest), with TSan-built pbld and pbld_faulty (the
# test daemon of nodes with a fault plan) daemons. Builds only
# the targets those tests need (the tsan build preset's list) into build/tsan.
#
# Races are reported by the test binaries and by every pbld and crash child they start; all of
# them write to build/tsan/tsan-reports/, and any report there fails the run (a daemon that
# exits early because of one may not fail its test by itself). Suppressions: tests/tsan.supp.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

# TSan maps its shadow memory at fixed addresses. With more than 28 bits of mmap randomness
# (newer kernels allow up to 32, and some distributions set that) a library can land inside that
# range and TSan stops at start with "FATAL: ThreadSanitizer: unexpected memory mapping". Then
# the build (which runs the test binaries to list their tests) and the tests run under
# `setarch -R`, without address randomization, which their children (pbld, the crash child)
# inherit. Lowering vm.mmap_rnd_bits instead would need root and change the whole machine.
run=()
rnd_bits=$(sysctl -n vm.mmap_rnd_bits 2>/dev/null || echo 28)
if [ "$rnd_bits" -gt 28 ]; then
  echo "tsan: vm.mmap_rnd_bits is $rnd_bits (> 28); building and testing under setarch -R"
  run=(setarch "$(uname -m)" -R)
fi

cmake --preset tsan >/dev/null
"${run[@]}" cmake --build --preset tsan

reports=build/tsan/tsan-reports
rm -rf "$reports"
mkdir -p "$reports"
# Appended to the preset's TSAN_OPTIONS (halt_on_error, second_deadlock_stack,
# ignore_interceptors_accesses, suppressions); a caller's own TSAN_OPTIONS come in between.
export TSAN_OPTIONS="${TSAN_OPTIONS:-} log_path=$PWD/$reports/report"
status=0
"${run[@]}" ctest --preset tsan || status=$?
if compgen -G "$reports/report.*" >/dev/null; then
  echo "tsan: ThreadSanitizer reports (one file per process):"
  for f in "$reports"/report.*; do
    echo "=== $f"
    cat "$f"
  done
  exit 1
fi
exit "$status"
