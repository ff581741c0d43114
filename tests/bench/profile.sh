#!/usr/bin/env bash
# Where the time goes: perf record (sampling, no call graph) of one cutover run of a
# DURATION-second copy of the reference scenario (default 5 s), then the top symbols and the
# split by shared object. Needs perf (linux-perf) and kernel.perf_event_paranoid <= 2.
#   tests/bench/profile.sh [DURATION_S] [TOP]
source "$(dirname "$0")/common.sh"
DURATION="${1:-5}"
TOP="${2:-25}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$BENCHTOOL" variant "$REFERENCE" "$TMP/reference.json" --duration "$DURATION"
perf record -F 999 -o "$TMP/perf.data" -- "$CUTOVER" run "$TMP/reference.json" --quiet \
  --out "$TMP/out" 2> "$TMP/perf.log" || [ $? -eq 1 ]
echo "== by shared object"
perf report -i "$TMP/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -10
echo "== top $TOP symbols (self time)"
perf report -i "$TMP/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | sed 's/  *-  *- *$//; s/  *$//' | head -"$TOP"
