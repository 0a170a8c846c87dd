#!/usr/bin/env bash
# Fails when a room includes a room above it or a library it must not know, or when the
# project's modules include each other in a cycle. The rooms, lowest first:
#   crypto/base/    helpers every layer uses (strings, status macros, TOML reading): no pbl code
#   crypto/         hashing, Merkle proofs, signatures, notes: no storage, benefits, RPC or CLI
#   ledger/domain/  the benefits domain: no storage engine (RocksDB), no log, no RPC, no CLI
#   ledger/log/     the RocksDB log: no RPC, no CLI, no verifier
#   ledger/verifier/ the auditor's checks over a log read through an interface: no RocksDB,
#                   no log engine, no RPC, no CLI
#   rpc/            the node and its client: no CLI
#   cli/            the pbl commands
# A module is a .h and its .cc; module A uses B if A's .h or .cc includes B's .h.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
check() {  # check DIR REGEX WHY [ALLOWED_REGEX]
  local dir=$1 regex=$2 why=$3 allowed=${4:-^$} hits
  [ -d "$dir" ] || return 0
  hits=$(grep -rnE "#include[[:space:]]*[<\"]($regex)" "$dir" --include='*.h' --include='*.cc' |
    grep -vE "#include[[:space:]]*[<\"]($allowed)" || true)
  if [ -n "$hits" ]; then
    echo "layering: $why"
    echo "$hits"
    status=1
  fi
}
check crypto/base 'crypto/|ledger/|rpc/|cli/|pbl/|rocksdb/|grpc|sodium|openssl/' \
  "crypto/base/ must include nothing of the project's" 'crypto/base/' 
check crypto 'rocksdb/|grpc|grpcpp/|ledger/|rpc/|cli/' "crypto/ must stand alone"
check ledger/domain 'rocksdb/|grpc|grpcpp/|ledger/log/|ledger/verifier/|rpc/|cli/' \
  "ledger/domain/ must not know the storage engine, the log, the verifier, RPC or the CLI"
check ledger/log 'grpc|grpcpp/|ledger/verifier/|rpc/|cli/' \
  "ledger/log/ must not know the verifier, RPC or the CLI"
check ledger/verifier 'rocksdb/|grpc|grpcpp/|ledger/log/ledger\.h|ledger/log/storage\.h|rpc/|cli/' \
  "ledger/verifier/ reads logs through its interface: no storage, log engine, RPC or CLI"
check rpc 'cli/' "rpc/ must not include cli/"

# Include cycles between modules (a .h and its .cc), among the project's own headers.
cycles=$(python3 - <<'PY'
import os, re, sys
roots = ["crypto", "ledger", "rpc", "cli"]
inc = re.compile(r'^\s*#include\s+"([^"]+)"', re.M)
uses = {}
for root in roots:
    for d, _, files in os.walk(root):
        for f in files:
            if not f.endswith((".h", ".cc")):
                continue
            path = os.path.join(d, f)
            module = path.rsplit(".", 1)[0]
            with open(path, encoding="utf-8") as fh:
                for h in inc.findall(fh.read()):
                    other = h.rsplit(".", 1)[0]
                    if other != module and os.path.exists(h):
                        uses.setdefault(module, set()).add(other)
state, stack, found = {}, [], []
def visit(m):
    state[m] = 1
    stack.append(m)
    for n in sorted(uses.get(m, ())):
        if state.get(n) == 1:
            found.append(" -> ".join(stack[stack.index(n):] + [n]))
        elif n not in state:
            visit(n)
    stack.pop()
    state[m] = 2
for m in sorted(uses):
    if m not in state:
        visit(m)
print("\n".join(found))
PY
)
if [ -n "$cycles" ]; then
  echo "layering: modules include each other in a cycle"
  echo "$cycles"
  status=1
fi
[ "$status" -eq 0 ] &&
  echo "layering: ok (cli -> rpc -> ledger/verifier -> ledger/log -> ledger/domain -> crypto -> crypto/base; no include cycle)"
exit "$status"
