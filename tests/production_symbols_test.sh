#!/usr/bin/env bash
# Fails if a production binary holds fault-injection or tampering code: `nm -C` of each binary
# given must show no symbol matching Faulty|Tamper|FaultPlan|fault_plan (tests/CMakeLists.txt runs
# it on pbld and pbl). Exit 0 clean, 1 if symbols are found (listed), 2 if a binary cannot be read.
set -uo pipefail
pattern='Faulty|Tamper|FaultPlan|fault_plan'
if [ "$#" -eq 0 ]; then
  echo "usage: $0 BINARY..." >&2
  exit 2
fi
status=0
for binary in "$@"; do
  if ! symbols=$(nm -C "$binary" 2>/dev/null) || [ -z "$symbols" ]; then
    echo "production_symbols: cannot read the symbols of $binary" >&2
    exit 2
  fi
  found=$(grep -E "$pattern" <<<"$symbols")
  if [ -n "$found" ]; then
    echo "production_symbols: fault-injection symbols in $binary:"
    head -20 <<<"$found"
    status=1
  else
    echo "production_symbols: $binary: no symbol matches $pattern ($(wc -l <<<"$symbols") symbols)"
  fi
done
exit "$status"
