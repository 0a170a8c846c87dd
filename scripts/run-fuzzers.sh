#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each one for a bounded time on a
# copy of its seed corpus and its saved crash inputs (tests/fuzz/regressions).
#   scripts/run-fuzzers.sh [seconds per target, default 60]
# The targets come from the `fuzz` preset (optimised, the fuzzers alone), or from the preset named
# by PBL_FUZZ_PRESET: .ci/run uses `asan`, whose tree (clang, with the same instrumentation) also
# holds the ASan test suite, so that CI compiles the code once for both.
# Prints one line per target with the runs it executed. Exits non-zero if any target crashes,
# times out, runs out of memory or prints a sanitizer report; the failing input is then shown in
# hex and its temporary directory is kept for reproduction. Nothing is written to the repository
# except the build tree: corpora grow in a temporary directory.
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [seconds per target, default 60]" >&2
  exit 2
fi

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$top"
targets=(checkpoint_fuzzer note_fuzzer paseto_fuzzer person_map_fuzzer tlog_proof_fuzzer verifier_key_fuzzer
         entry_fuzzer rules_fuzzer config_fuzzer transfer_package_fuzzer csv_import_fuzzer
         statement_fuzzer)

preset="${PBL_FUZZ_PRESET:-fuzz}"
case "$preset" in
  fuzz | asan) ;;
  *) echo "PBL_FUZZ_PRESET must be fuzz or asan, not $preset" >&2; exit 2 ;;
esac
cmake --preset "$preset" >/dev/null
# Only the fuzz targets: a break elsewhere must not stop the parsers from being fuzzed.
cmake --build --preset "$preset" --target fuzzers

work="$(mktemp -d "${TMPDIR:-/tmp}/pbl-fuzz.XXXXXX")"
keep_work=0
trap '[ "$keep_work" -eq 1 ] || rm -rf "$work"' EXIT

# Stop at the first report, with a stack, so that every finding is one saved input.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"

# The value of libFuzzer's final statistic `name`, or "?" if it printed none.
fuzz_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1 | grep . || echo "?"; }

failed=()
for t in "${targets[@]}"; do
  dir="$work/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -R "tests/fuzz/corpus/$t/." "$dir/corpus/"
  # The inputs that once crashed it too: mutating them searches right around the fixed bugs.
  find "tests/fuzz/regressions/$t" -type f ! -name '.*' -exec cp {} "$dir/corpus/" \;
  seeds="$(find "$dir/corpus" -type f | wc -l)"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$dir/artifacts/")
  if [ -f "tests/fuzz/$t.dict" ]; then args+=(-dict="$top/tests/fuzz/$t.dict"); fi

  rc=0
  (cd "$dir" && "$top/build/$preset/tests/fuzz/$t" "${args[@]}" corpus) >"$dir/log" 2>&1 || rc=$?

  runs="$(fuzz_stat number_of_executed_units "$dir/log")"
  rate="$(fuzz_stat average_exec_per_sec "$dir/log")"
  corpus="$(find "$dir/corpus" -type f | wc -l)"
  artifacts=("$dir"/artifacts/*)
  [ -e "${artifacts[0]}" ] || artifacts=()
  report='runtime error:|ERROR: (Address|Leak|Undefined)Sanitizer|ERROR: libFuzzer'
  if [ "$rc" -ne 0 ] || [ "${#artifacts[@]}" -gt 0 ] || grep -qE "$report" "$dir/log"; then
    printf '%-24s FAILED (exit %s) after %s runs\n' "$t" "$rc" "$runs"
    failed+=("$t")
  else
    printf '%-24s ok: %s runs in %ss (%s exec/s), corpus %s -> %s inputs\n' \
      "$t" "$runs" "$seconds" "$rate" "$seeds" "$corpus"
  fi
done

if [ "${#failed[@]}" -eq 0 ]; then
  exit 0
fi
keep_work=1
for t in "${failed[@]}"; do
  dir="$work/$t"
  echo
  echo "=== $t: last lines of $dir/log"
  grep -vE '^#[0-9]+' "$dir/log" | tail -n 40
  for a in "$dir"/artifacts/*; do
    [ -e "$a" ] || continue
    echo "--- failing input $a ($(wc -c <"$a") bytes), hex:"
    xxd -p "$a" | tr -d '\n'
    echo
    echo "--- reproduce: build/$preset/tests/fuzz/$t $a"
  done
done
echo
echo "failed: ${failed[*]} (logs and inputs kept in $work)" >&2
exit 1
