#!/usr/bin/env bash
# A/B of two builds on one scenario: `cutover_benchtool count` of each, alternately, REPEATS
# times, so that drift in the machine's speed falls on both. Prints each build's median and
# fastest simulation wall time, and the ratio of the medians (B over A). Build A and B from
# two commits into two folders first (see BENCHMARKS.md, "Build").
#   tests/bench/ab.sh BUILD_A BUILD_B [SCENARIO] [REPEATS]
source "$(dirname "$0")/common.sh"
A="$1/tests/bench/cutover_benchtool"
B="$2/tests/bench/cutover_benchtool"
SCENARIO="${3:-$REFERENCE}"
REPEATS="${4:-6}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
for tool in "$A" "$B"; do
  [ -x "$tool" ] || { echo "missing $tool" >&2; exit 2; }
done
for r in $(seq 1 "$REPEATS"); do
  "$A" count "$SCENARIO" | grep -o '"wall_s":[0-9.eE+-]*' | cut -d: -f2 >> "$TMP/a"
  "$B" count "$SCENARIO" | grep -o '"wall_s":[0-9.eE+-]*' | cut -d: -f2 >> "$TMP/b"
done
a=$(median < "$TMP/a")
b=$(median < "$TMP/b")
printf "A median %.4f s (fastest %.4f)\nB median %.4f s (fastest %.4f)\nB/A %.3f\n" \
  "$a" "$(sort -g "$TMP/a" | head -1)" "$b" "$(sort -g "$TMP/b" | head -1)" \
  "$(awk -v a="$a" -v b="$b" 'BEGIN {print b/a}')"
