#!/usr/bin/env bash
# The comparison of issue 7: the same contribution records loaded (a) into PBL with `pbl import`
# (a real pbld, mutual TLS, loopback; every row checked, appended in synced groups, hashed into
# the Merkle tree, each group's checkpoint signed) and (b) into PostgreSQL 15 with COPY into an
# append-only table whose trigger keeps a SHA-256 hash chain (tests/bench/compare/*.sql), one
# after the other in one run. Prints both rates and their ratio, then what each can prove: the
# table's chain is verified, rewritten as a superuser can, and verified again.
#   scripts/bench-compare.sh [--rows 1000000]
# PostgreSQL runs as its own throw-away cluster (initdb in a temporary directory, Unix socket
# only, fsync and synchronous_commit on as by default; shared_buffers 1GB and max_wal_size 8GB so
# that no checkpoint interrupts the load). Installs postgresql-15 if missing.
set -euo pipefail

rows=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    *) echo "usage: $0 [--rows N]" >&2; exit 2 ;;
  esac
done
if ! [[ "$rows" =~ ^[1-9][0-9]*$ ]]; then echo "--rows must be a positive number" >&2; exit 2; fi

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
bash scripts/setup.sh compare >/dev/null
cmake --preset bench >/dev/null
cmake --build --preset bench --target import_bench pbl pbld >/dev/null

pg_bin=/usr/lib/postgresql/15/bin
work="$(mktemp -d "${TMPDIR:-/tmp}/pbl-compare.XXXXXX")"
chmod 755 "$work"
pg_started=0
cleanup() {
  if [ "$pg_started" -eq 1 ]; then as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: as root, run it as the postgres user the package made.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
now() { date +%s.%N; }

echo "machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME")"
csv="$work/contributions.csv"
build/bench/tests/bench/import_bench --rows "$rows" --persons 10000 --write-csv "$csv"
chmod 644 "$csv"

echo
echo "=== (a) PBL: pbl import into a real pbld ==="
build/bench/tests/bench/import_bench --csv "$csv" | grep -v '^  "\|^{\|^}' | tee "$work/pbl.log"
pbl_rate="$(sed -n 's/^import: \([0-9]*\) rows\/s.*/\1/p' "$work/pbl.log")"
[ -n "$pbl_rate" ] || { echo "the PBL import failed" >&2; exit 1; }

echo
echo "=== (b) PostgreSQL 15: COPY into an append-only hash-chained table ==="
mkdir -p "$work/pg" "$work/sock"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/pg" "$work/sock"
as_pg "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/sock/server.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories='$work/sock' -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min" \
  start >/dev/null
pg_started=1
psql_() { as_pg psql -X -q -h "$work/sock" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
psql_ -f tests/bench/compare/audit_table.sql
echo "\\copy contributions(person_id, scheme_id, period, base, personal, employer, collective_subsidy, government_subsidy) FROM '$csv' WITH (FORMAT csv, HEADER true)"
start="$(now)"
psql_ -c "\\copy contributions(person_id, scheme_id, period, base, personal, employer, collective_subsidy, government_subsidy) FROM '$csv' WITH (FORMAT csv, HEADER true)"
seconds="$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')"
loaded="$(psql_ -At -c "SELECT count(*) FROM contributions")"
pg_rate="$(awk -v n="$loaded" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')"
size="$(psql_ -At -c "SELECT pg_size_pretty(pg_total_relation_size('contributions'))")"
echo "COPY of $loaded rows: $seconds s, $pg_rate rows/s; table and index $size"

echo
echo "=== result ==="
ratio="$(awk -v a="$pbl_rate" -v b="$pg_rate" 'BEGIN { printf "%.2f", a / b }')"
echo "PBL (pbl import):             $pbl_rate rows/s"
echo "PostgreSQL 15 (COPY + chain): $pg_rate rows/s"
echo "ratio PBL / PostgreSQL:       $ratio (goal >= 3)"

echo
echo "=== what each can prove afterwards ==="
target=$(( loaded > 1000 ? loaded - 1000 : 1 ))
start="$(now)"
psql_ -At -F ' ' -c "$(cat tests/bench/compare/verify_chain.sql)" |
  awk '{ printf "table: chain verified, %s rows checked, %s bad", $1, $2 }'
echo " ($(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s)"
psql_ -v target="$target" -f tests/bench/compare/rewrite_chain.sql >/dev/null
echo "table: as superuser, row $target's base raised by 1 yuan, triggers off, the $(( loaded - target + 1 )) rows from it re-chained"
psql_ -At -F ' ' -c "$(cat tests/bench/compare/verify_chain.sql)" |
  awk '{ printf "table: chain verified again, %s rows checked, %s bad: the rewrite cannot be seen from inside\n", $1, $2 }'
echo "PBL: every group's checkpoint is signed with the node's key; an auditor or worker holding any"
echo "     earlier checkpoint gets a consistency proof that the log only grew, and an inclusion proof"
echo "     for each record; a rewritten record changes the root and is refused as DATA_LOSS or"
echo "     reported as equivocation with both signed notes (tests: ledger tamper tests, audit tests)."
