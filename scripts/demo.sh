#!/usr/bin/env bash
# The main job. Installs what is missing, builds `pbl`, and runs a real round trip of the
# ledger's cryptography through it, on generated contribution records of Shanghai's employee
# pension scheme:
#   make a node key -> sign a checkpoint over the records -> verify it -> prove one worker's
#   record is in the log -> show that a changed record, a changed checkpoint and a wrong key
#   all fail.
# (The two-node demo with transfers and audits replaces this once the node exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

bash scripts/setup.sh run
cmake --preset run >/dev/null
cmake --build --preset run --target pbl
pbl="$top/build/run/cli/pbl"

work="$top/build/demo"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
step() { printf '\n== %s\n' "$*"; }

step "1. Make the Shanghai node's signing key (mode 0600)"
vkey=$("$pbl" keygen --name pbl.example/node/310000 --out node.key)
echo "verifier key: $vkey"
ls -l node.key

step "2. Generate 12 months of UEBPI-310000 contributions for 1,000 workers (amounts in fen)"
# Resident identity numbers get a valid GB 11643 check digit; bases are 7,310..36,921 yuan.
awk 'BEGIN {
  split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " "); check = "10X98765432";
  for (p = 0; p < 1000; p++) {
    id = sprintf("310104%04d%02d%02d%03d", 1970 + p % 35, 1 + p % 12, 1 + p % 28, p % 1000);
    s = 0; for (i = 1; i <= 17; i++) s += substr(id, i, 1) * w[i];
    id = id substr(check, s % 11 + 1, 1);
    base = 731000 + (p * 7919) % 2961100;
    for (m = 1; m <= 12; m++)
      printf "{\"person_id\":\"%s\",\"scheme_id\":\"UEBPI-310000\",\"period\":\"2025-%02d\",\"base_fen\":%d,\"personal_fen\":%d,\"employer_fen\":%d}\n",
        id, m, base, int((base * 8 + 50) / 100), int((base * 16 + 50) / 100);
  }
}' > entries.jsonl
wc -l entries.jsonl
sed -n 4p entries.jsonl

step "3. Sign a C2SP checkpoint over the Merkle tree of all records"
"$pbl" checkpoint sign --key node.key --entries entries.jsonl --out checkpoint.txt
cat checkpoint.txt

step "4. Verify the checkpoint with the node's verifier key"
"$pbl" checkpoint verify --vkey "$vkey" checkpoint.txt

step "5. Prove that one worker's March record (entry 2) is in the log, and verify it offline"
"$pbl" proof make --entries entries.jsonl --checkpoint checkpoint.txt --index 2 --out record-2.tlog-proof
cat record-2.tlog-proof
sed -n 3p entries.jsonl | tr -d '\n' > record-2.json
"$pbl" proof verify --vkey "$vkey" --entry-file record-2.json record-2.tlog-proof

expect_fail() {  # runs a command that must fail with exit code 1 (verification failed)
  set +e
  "$@"
  rc=$?
  set -e
  if [ "$rc" -ne 1 ]; then echo "demo: expected exit code 1, got $rc" >&2; exit 1; fi
  echo "(exit code $rc, as it must be)"
}

step "6. A record changed by one fen no longer verifies"
perl -pe 's/"personal_fen":(\d+)/"\"personal_fen\":" . ($1 + 1)/e' record-2.json > record-2-changed.json
cat record-2-changed.json; echo
expect_fail "$pbl" proof verify --vkey "$vkey" --entry-file record-2-changed.json record-2.tlog-proof

step "7. A checkpoint whose size was edited no longer verifies"
awk 'NR == 2 { $0 = $0 + 1 } { print }' checkpoint.txt > checkpoint-tampered.txt
expect_fail "$pbl" checkpoint verify --vkey "$vkey" checkpoint-tampered.txt

step "8. Another node's key does not verify this node's checkpoint"
other=$("$pbl" keygen --name pbl.example/node/310000 --out impostor.key 2>/dev/null)
expect_fail "$pbl" checkpoint verify --vkey "$other" checkpoint.txt

printf '\nDemo finished. The files are in %s\n' "$work"
