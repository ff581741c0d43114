#!/usr/bin/env bash
# Multi-seed throughput of `cutover run --seeds N --jobs J`: seeds per second with --jobs 1
# and with --jobs 2, and the speed-up, each repeat running --jobs 1 first and --jobs 2 right
# after (the same order every time). Prints the load average before each invocation, since
# other work on the machine takes cores away from the second job.
#   tests/bench/multi_seed_jobs.sh [SCENARIO] [SEEDS] [REPEATS]
# Defaults: the reference scenario (scenarios/bench/reference.json), 6 seeds, 3 repeats.
source "$(dirname "$0")/common.sh"
SCENARIO="${1:-$REFERENCE}"
SEEDS="${2:-6}"
REPEATS="${3:-3}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
# Wall seconds of one multi-seed run; exit 1 (an SLO failed) still counts as a finished run.
timed_run() {
  local jobs="$1" t0 t1
  t0=$(now)
  "$CUTOVER" run "$SCENARIO" --seeds "$SEEDS" --jobs "$jobs" --quiet --out "$TMP/jobs$jobs" ||
    [ $? -eq 1 ]
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'
}
printf "%-6s %8s %10s %10s %8s %10s %10s %8s\n" repeat load_1 jobs1_s seeds/s load_2 jobs2_s \
  seeds/s speedup
: > "$TMP/speedups"; : > "$TMP/rate1"; : > "$TMP/rate2"
for r in $(seq 1 "$REPEATS"); do
  load1=$(load); one=$(timed_run 1)
  load2=$(load); two=$(timed_run 2)
  rate1=$(awk -v s="$SEEDS" -v t="$one" 'BEGIN {printf "%.3f", s / t}')
  rate2=$(awk -v s="$SEEDS" -v t="$two" 'BEGIN {printf "%.3f", s / t}')
  speedup=$(awk -v o="$one" -v t="$two" 'BEGIN {printf "%.3f", o / t}')
  printf "%-6s %8s %10s %10s %8s %10s %10s %8s\n" "$r" "$load1" "$one" "$rate1" "$load2" "$two" \
    "$rate2" "$speedup"
  echo "$speedup" >> "$TMP/speedups"; echo "$rate1" >> "$TMP/rate1"; echo "$rate2" >> "$TMP/rate2"
done
echo "median seeds/s: --jobs 1 $(median < "$TMP/rate1"), --jobs 2 $(median < "$TMP/rate2");" \
     "median speed-up $(median < "$TMP/speedups") (range $(minmax < "$TMP/speedups"))"
