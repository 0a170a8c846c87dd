#!/usr/bin/env bash
# Fails when a layer includes a layer above it or a library it must not know:
#   crypto/ knows nothing of storage, the ledger, RPC or the CLI;
#   ledger/ knows nothing of gRPC, rpc/ or cli/;  rpc/ knows nothing of cli/.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
check() {  # check DIR REGEX WHY
  local dir=$1 regex=$2 why=$3 hits
  [ -d "$dir" ] || return 0
  hits=$(grep -rnE "#include[[:space:]]*[<\"]($regex)" "$dir" --include='*.h' --include='*.cc' || true)
  if [ -n "$hits" ]; then
    echo "layering: $why"
    echo "$hits"
    status=1
  fi
}
check crypto 'rocksdb/|grpc|grpcpp/|ledger/|rpc/|cli/' "crypto/ must stand alone"
check ledger 'grpc|grpcpp/|rpc/|cli/' "ledger/ must not know RPC or the CLI"
check rpc 'cli/' "rpc/ must not include cli/"
[ "$status" -eq 0 ] && echo "layering: ok (cli -> rpc -> ledger -> crypto)"
exit "$status"
