#!/usr/bin/env bash
# Scaling: the reference scenario (a DURATION-second copy, default 3 s) at 1x, 2x and 4x the
# load, and with 2x and 4x the regions and replicas (same total load, spread over all
# regions). Each variant runs REPEATS times through cutover_benchtool count, which counts
# every message, scheduler event and client operation. Prints medians, and wall time per
# message, per event and per operation relative to 1x.
#   tests/bench/scaling.sh [DURATION_S] [REPEATS]
source "$(dirname "$0")/common.sh"
DURATION="${1:-3}"
REPEATS="${2:-3}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
variants=("${SCALING_VARIANTS[@]}")
for v in "${variants[@]}"; do
  name=${v%%:*}
  # shellcheck disable=SC2086
  "$BENCHTOOL" variant "$REFERENCE" "$TMP/$name.json" --duration "$DURATION" ${v#*:}
done
# Interleaved: repeat r runs every variant once, so machine noise spreads over all of them.
for r in $(seq 1 "$REPEATS"); do
  for v in "${variants[@]}"; do
    name=${v%%:*}
    line=$("$BENCHTOOL" count "$TMP/$name.json")
    echo "$name $r $line" | tee -a "$TMP/lines" >&2
  done
done
printf "%-10s %12s %14s %12s %12s %12s %12s %10s %10s %10s %10s %10s %10s\n" variant messages protocol_msgs \
  events operations wall_s wall_range us_per_msg vs_base us_per_evt vs_base us_per_op vs_base
base_us=""
base_evt=""
base_op=""
for v in "${variants[@]}"; do
  name=${v%%:*}
  grep "^$name " "$TMP/lines" | sed "s/^$name [0-9]* //" > "$TMP/$name.lines"
  msgs=$(grep -o '"total":[0-9]*' "$TMP/$name.lines" | head -1 | cut -d: -f2)
  proto=$(grep -o '"protocol":[0-9]*' "$TMP/$name.lines" | head -1 | cut -d: -f2)
  events=$(grep -o '"events":[0-9]*' "$TMP/$name.lines" | head -1 | cut -d: -f2)
  ops=$(grep -o '"operations":[0-9]*' "$TMP/$name.lines" | head -1 | cut -d: -f2)
  walls=$(grep -o '"wall_s":[0-9.eE+-]*' "$TMP/$name.lines" | cut -d: -f2)
  wall=$(echo "$walls" | median)
  range=$(echo "$walls" | minmax)
  us=$(awk -v w="$wall" -v m="$msgs" 'BEGIN {printf "%.4f", 1e6*w/m}')
  evt=$(awk -v w="$wall" -v e="$events" 'BEGIN {printf "%.4f", 1e6*w/e}')
  op=$(awk -v w="$wall" -v o="$ops" 'BEGIN {printf "%.4f", 1e6*w/o}')
  [ -n "$base_us" ] || base_us=$us
  [ -n "$base_evt" ] || base_evt=$evt
  [ -n "$base_op" ] || base_op=$op
  printf "%-10s %12s %14s %12s %12s %12.2f %12s %10.3f %10s %10.3f %10s %10.3f %10s\n" "$name" "$msgs" "$proto" \
    "$events" "$ops" "$wall" "$range" \
    "$us" "$(ratio "$us" "$base_us")" \
    "$evt" "$(ratio "$evt" "$base_evt")" \
    "$op" "$(ratio "$op" "$base_op")"
done
