#!/usr/bin/env bash
# Reference scenario, whole process: simulated seconds per wall second on one core, and peak
# RSS, from /usr/bin/time -v around the cutover binary. Writes a DURATION-second copy of
# scenarios/bench/reference.json to a temporary folder (default 600 s; see BENCHMARKS.md for
# what a run costs) and runs it REPEATS times, one after the other.
#   tests/bench/run_reference.sh [DURATION_S] [REPEATS]      (BUILD=dir to pick the build)
source "$(dirname "$0")/common.sh"
DURATION="${1:-600}"
REPEATS="${2:-3}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$BENCHTOOL" variant "$REFERENCE" "$TMP/reference.json" --duration "$DURATION"
printf "%-4s %10s %10s %12s %12s %10s %5s\n" run elapsed_s sim_wall_s simulated_s sim_per_wall max_rss_mb exit
: > "$TMP/rows"
for i in $(seq 1 "$REPEATS"); do
  set +e
  /usr/bin/time -v "$CUTOVER" run "$TMP/reference.json" --quiet --out "$TMP/run$i" 2> "$TMP/time$i"
  code=$?
  set -e
  elapsed=$(grep "Elapsed (wall clock)" "$TMP/time$i" | sed 's/.*): //' |
            awk -F: '{s=0; for (i=1;i<=NF;i++) s=s*60+$i; print s}')
  rss_kb=$(grep "Maximum resident set size" "$TMP/time$i" | awk '{print $NF}')
  report="$TMP/run$i/report.json"
  sim_wall=$(grep -o '"wall_s": *[0-9.eE+-]*' "$report" | head -1 | sed 's/.*: *//')  # run.wall_s
  simulated=$(json_num simulated_s "$report")
  ratio=$(awk -v s="$simulated" -v w="$sim_wall" 'BEGIN {printf "%.3f", s/w}')
  rss_mb=$(awk -v k="$rss_kb" 'BEGIN {printf "%.1f", k/1024}')
  printf "%-4s %10s %10.2f %12s %12s %10s %5s\n" "$i" "$elapsed" "$sim_wall" "$simulated" "$ratio" "$rss_mb" "$code"
  echo "$elapsed $sim_wall $ratio $rss_mb" >> "$TMP/rows"
done
echo "median: elapsed_s $(cut -d' ' -f1 "$TMP/rows" | median) (range $(cut -d' ' -f1 "$TMP/rows" | minmax))," \
     "simulated/wall $(cut -d' ' -f3 "$TMP/rows" | median) (range $(cut -d' ' -f3 "$TMP/rows" | minmax))," \
     "peak RSS MB $(cut -d' ' -f4 "$TMP/rows" | median) (range $(cut -d' ' -f4 "$TMP/rows" | minmax))"
