#!/usr/bin/env bash
# Installs the Debian 12 packages PBL needs, and only those that are missing.
#   scripts/setup.sh run    what building and running pbl needs
#   scripts/setup.sh test   that, plus what the test suite, fuzzers and benchmarks need
#   scripts/setup.sh compare  that, plus PostgreSQL 15 (only scripts/bench-compare.sh uses it)
# Idempotent: when everything is present it changes nothing and makes no network call.
set -euo pipefail

run_packages=(
  g++ cmake ninja-build pkg-config
  libsodium-dev libssl-dev libabsl-dev libcli11-dev libtomlplusplus-dev
  librocksdb-dev libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc prometheus-cpp-dev nlohmann-json3-dev libspdlog-dev
  openssl
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format
  golang-go golang-golang-x-mod-dev python3 python3-grpcio universal-ctags
)

mode="${1:-run}"
case "$mode" in
  run) wanted=("${run_packages[@]}") ;;
  test) wanted=("${run_packages[@]}" "${test_packages[@]}") ;;
  compare) wanted=("${run_packages[@]}" "${test_packages[@]}" postgresql-15) ;;
  *) echo "usage: $0 [run|test|compare]" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#wanted[@]} packages for '$mode' are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo=(sudo); else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
