#!/usr/bin/env bash
# Work and memory per message, without the machine's noise: each scaling variant of the
# reference scenario (a DURATION-second copy, default 20 s) runs once under callgrind, which
# counts the instructions the simulation executes (Engine::run_until and below; loading the
# scenario and the analysis after it are left out) and simulates this machine's L1 data cache
# and, as its last level, the L2 of one core (read from sysfs). Prints per message:
# instructions, L1 data misses and L2 misses, each relative to 1x.
#
# Instructions per message staying flat means the simulator does no more work per message
# as the run grows; L2 misses per message growing is the working set outgrowing the core's
# cache, which wall time feels but an instruction count does not. Counts are exact: the same
# build and scenario give the same figures. Runs take 50-100x their native time.
# Needs valgrind (Debian package valgrind).
#   tests/bench/instructions.sh [DURATION_S]
source "$(dirname "$0")/common.sh"
DURATION="${1:-20}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
command -v valgrind > /dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }

# The L2 of cpu0 as valgrind's last level: size,associativity,line size in bytes.
l2=/sys/devices/system/cpu/cpu0/cache/index2
l2_size=$(sed 's/K$//' "$l2/size")
LL="$((l2_size * 1024)),$(cat "$l2/ways_of_associativity"),$(cat "$l2/coherency_line_size")"

printf "%-10s %10s %9s %7s %11s %7s %11s %7s\n" variant messages Ir/msg vs_1x D1miss/msg vs_1x \
  L2miss/msg vs_1x
base=""
for v in "${SCALING_VARIANTS[@]}"; do
  name=${v%%:*}
  # shellcheck disable=SC2086
  "$BENCHTOOL" variant "$REFERENCE" "$TMP/$name.json" --duration "$DURATION" ${v#*:}
  valgrind --tool=callgrind --cache-sim=yes --LL="$LL" \
    --toggle-collect='simgrid::s4u::Engine::run_until*' --callgrind-out-file="$TMP/$name.out" \
    "$BENCHTOOL" count "$TMP/$name.json" > "$TMP/$name.count" 2> "$TMP/$name.log"
  messages=$(grep -o '"total":[0-9]*' "$TMP/$name.count" | head -1 | cut -d: -f2)
  # callgrind's "events:" line names the columns of its "totals:" line.
  line=$(awk -v m="$messages" '
    /^events:/ { for (i = 2; i <= NF; i++) col[$i] = i - 1 }
    /^totals:/ { for (i = 2; i <= NF; i++) t[i - 1] = $i }
    END {
      printf "%.1f %.3f %.4f", t[col["Ir"]] / m, (t[col["D1mr"]] + t[col["D1mw"]]) / m,
        (t[col["DLmr"]] + t[col["DLmw"]]) / m
    }' "$TMP/$name.out")
  read -r ir d1 l2m <<< "$line"
  [ -n "$base" ] || base="$ir $d1 $l2m"
  read -r base_ir base_d1 base_l2 <<< "$base"
  printf "%-10s %10s %9.1f %7s %11.2f %7s %11.3f %7s\n" "$name" "$messages" "$ir" \
    "$(ratio "$ir" "$base_ir")" "$d1" \
    "$(ratio "$d1" "$base_d1")" "$l2m" \
    "$(ratio "$l2m" "$base_l2")"
done
