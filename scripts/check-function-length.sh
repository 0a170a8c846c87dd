#!/usr/bin/env bash
# Fails when a function outside tests/ is longer than 70 lines (from its first line to its
# closing brace), so that code where state changes stays small enough to read whole.
# Uses universal-ctags (Debian's universal-ctags) for where each function starts and ends.
#   scripts/check-function-length.sh           every .cc and .h under crypto, ledger, rpc, cli
#   scripts/check-function-length.sh FILE...   only those files
set -euo pipefail
cd "$(dirname "$0")/.."
max=70
if [ "$#" -gt 0 ]; then files=("$@"); else
  mapfile -t files < <(git ls-files 'crypto/*.cc' 'crypto/*.h' 'ledger/*.cc' 'ledger/*.h' \
    'rpc/*.cc' 'rpc/*.h' 'cli/*.cc' 'cli/*.h')
fi
# Tab-separated, the name last: a name may hold a space ("operator =").
long=$(ctags -x --language-force=C++ --kinds-C++=f --fields=+ne \
  --_xformat="%F$(printf '\t')%n$(printf '\t')%{end}$(printf '\t')%N" "${files[@]}" 2>/dev/null |
  awk -F'\t' -v max="$max" '$3 != "" && $3 - $2 + 1 > max { printf "%s:%d: %s is %d lines\n", $1, $2, $4, $3 - $2 + 1 }' |
  sort -u)
if [ -n "$long" ]; then
  echo "function length: over $max lines:"
  echo "$long"
  exit 1
fi
echo "function length: ok (${#files[@]} files, none over $max lines)"
