#!/usr/bin/env bash
# Fails when a C++ file is not formatted as .clang-format says (Google style, 100 columns).
# Run `scripts/check-format.sh --fix` to format the tree in place.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find crypto ledger rpc cli tests -name '*.cc' -o -name '*.h' 2>/dev/null | sort)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/pbl-format.$$; then
  head -40 /tmp/pbl-format.$$
  rm -f /tmp/pbl-format.$$
  echo "format: files above are not formatted; run scripts/check-format.sh --fix"
  exit 1
fi
rm -f /tmp/pbl-format.$$
echo "format: ${#files[@]} files ok"
