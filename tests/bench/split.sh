#!/usr/bin/env bash
# Where scaling costs go: the scaling variants of the reference scenario (1x, 2x and 4x the
# load; 2x and 4x the regions), each run once under `perf record --call-graph=dwarf`. Every
# sample is charged to the first cutover frame above it: one in cutover::models:: (protocol,
# KV state, storage) counts as the simulated system's work; any other cutover frame counts as
# the simulator's (scheduler, network, node and client drivers, SimGrid and the allocator
# beneath them). Prints wall time per message and per event for each side, relative to 1x.
# Wall times are perf's (sampling with stacks slows a run by 10-20%); read the ratios.
# Needs perf (linux-perf) and kernel.perf_event_paranoid <= 2.
#   tests/bench/split.sh [DURATION_S] [FREQUENCY_HZ]
source "$(dirname "$0")/common.sh"
DURATION="${1:-60}"
FREQUENCY="${2:-1999}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
variants=("${SCALING_VARIANTS[@]}")

# perf script (leaf first) -> "model M simulator S other O"
classify() {
  awk '
    function close_sample() { if (started) count[cls == "" ? "other" : cls]++ }
    /^[^ \t]/ { close_sample(); started = 1; cls = ""; next }
    /^[ \t]+[0-9a-f]+ / {
      if (cls != "") next
      sym = $0; sub(/^[ \t]+[0-9a-f]+ /, "", sym)
      if (sym ~ /^cutover::models::/) cls = "model"
      else if (sym ~ /^cutover::/ || sym ~ /cutover::(sim|analysis)::/) cls = "simulator"
    }
    END { close_sample(); printf "%d %d %d\n", count["model"], count["simulator"], count["other"] }'
}

printf "%-10s %10s %10s %8s | %9s %6s | %9s %6s | %9s %6s\n" variant messages events wall_s \
  sim_ns/msg vs_1x model_ns/msg vs_1x sim_ns/evt vs_1x
base=""
for v in "${variants[@]}"; do
  name=${v%%:*}
  # shellcheck disable=SC2086
  "$BENCHTOOL" variant "$REFERENCE" "$TMP/$name.json" --duration "$DURATION" ${v#*:}
  perf record -q -F "$FREQUENCY" --call-graph=dwarf,16384 -o "$TMP/$name.data" -- \
    "$BENCHTOOL" count "$TMP/$name.json" > "$TMP/$name.count" 2> /dev/null
  read -r model sim other < <(perf script -i "$TMP/$name.data" -F comm,ip,sym 2> /dev/null | classify)
  rm -f "$TMP/$name.data"
  wall=$(json_num wall_s "$TMP/$name.count")
  msgs=$(grep -o '"total":[0-9]*' "$TMP/$name.count" | cut -d: -f2)
  events=$(json_num events "$TMP/$name.count")
  line=$(awk -v w="$wall" -v m="$msgs" -v e="$events" -v md="$model" -v s="$sim" -v o="$other" 'BEGIN {
    t = md + s + o; printf "%.3f %.3f %.3f", 1e9*w*s/t/m, 1e9*w*md/t/m, 1e9*w*s/t/e }')
  read -r sim_msg model_msg sim_evt <<< "$line"
  [ -n "$base" ] || base="$line"
  read -r b_sim_msg b_model_msg b_sim_evt <<< "$base"
  printf "%-10s %10s %10s %8.2f | %9.1f %5.2fx | %9.1f %5.2fx | %9.1f %5.2fx\n" "$name" "$msgs" "$events" \
    "$wall" "$sim_msg" "$(awk -v a="$sim_msg" -v b="$b_sim_msg" 'BEGIN {print a/b}')" \
    "$model_msg" "$(awk -v a="$model_msg" -v b="$b_model_msg" 'BEGIN {print a/b}')" \
    "$sim_evt" "$(awk -v a="$sim_evt" -v b="$b_sim_evt" 'BEGIN {print a/b}')"
done
