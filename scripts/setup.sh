#!/usr/bin/env bash
# Installs what is missing (Debian packages only), builds cutover, and runs the quickstart
# scenario. Idempotent: with everything present it installs nothing and rebuilds only what
# changed. `--deps-only` stops after the packages.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config libsimgrid-dev nlohmann-json3-dev libvalijson-dev
          libcli11-dev libboost-dev libboost-graph-dev libeigen3-dev libgtest-dev
          libbenchmark-dev libxml2-dev
          # tcmalloc: the simulator's allocator (CMakeLists.txt says why)
          libgoogle-perftools-dev
          # report.html: Chart.js is compiled into cutover; its tests use Chromium and libpng
          libjs-chart.js chromium libpng-dev
          # notebooks/ and their test (jupyter nbconvert --execute)
          jupyter-nbconvert python3-ipykernel python3-pandas python3-matplotlib)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi
[ "${1:-}" = "--deps-only" ] && exit 0

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target cutover
./build/sim/cutover run scenarios/quickstart.json --out out/quickstart
