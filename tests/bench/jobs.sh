#!/usr/bin/env bash
# Multi-seed throughput on all cores. The CLI has no --jobs yet (issue 7), so this runs the
# reference scenario (a DURATION-second copy, default 5 s) as 1 process, then as 2 processes
# side by side with different seeds, REPEATS times, and reports seeds per second and the
# speed-up of 2 processes over 1 measured within each repeat.
#   tests/bench/jobs.sh [DURATION_S] [REPEATS]
source "$(dirname "$0")/common.sh"
DURATION="${1:-5}"
REPEATS="${2:-3}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$BENCHTOOL" variant "$REFERENCE" "$TMP/reference.json" --duration "$DURATION"
now() { date +%s.%N; }
run() { "$CUTOVER" run "$TMP/reference.json" --quiet --seed "$1" --out "$TMP/out$1" || [ $? -eq 1 ]; }
printf "%-6s %10s %10s %10s\n" repeat one_job_s two_jobs_s speedup
: > "$TMP/speedups"
for r in $(seq 1 "$REPEATS"); do
  t0=$(now); run $((100 * r + 1)); t1=$(now)
  run $((100 * r + 2)) & a=$!
  run $((100 * r + 3)) & b=$!
  wait $a; wait $b; t2=$(now)
  one=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b-a}')
  two=$(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.2f", b-a}')
  speedup=$(awk -v o="$one" -v t="$two" 'BEGIN {printf "%.3f", 2*o/t}')
  printf "%-6s %10s %10s %10s\n" "$r" "$one" "$two" "$speedup"
  echo "$speedup" >> "$TMP/speedups"
done
echo "median speed-up (seeds/s with 2 processes over 1): $(median < "$TMP/speedups")" \
     "(range $(minmax < "$TMP/speedups"))"
