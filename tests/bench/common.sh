# Sourced by the benchmark scripts: paths, and small helpers that need no jq or python.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$ROOT/build-bench}"
CUTOVER="$BUILD/sim/cutover"
BENCHTOOL="$BUILD/tests/bench/cutover_benchtool"
REFERENCE="$ROOT/scenarios/bench/reference.json"
for tool in "$CUTOVER" "$BENCHTOOL"; do
  [ -x "$tool" ] || { echo "missing $tool: build it first (see BENCHMARKS.md)" >&2; exit 2; }
done

# median of the numbers on stdin (one per line)
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
minmax() { sort -g | awk 'NR==1{min=$1} {max=$1} END {printf "%.2f-%.2f", min, max}'; }
# A over B as "1.23x": ratio A B
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a/b}'; }
# value of a top-level numeric key in a one-line or pretty JSON object: json_num KEY FILE
json_num() { grep -o "\"$1\": *[0-9.eE+-]*" "$2" | head -1 | sed 's/.*: *//'; }

# The scaling variants of the reference scenario (scaling.sh, split.sh): name, then the
# arguments of `cutover_benchtool variant` that make it.
SCALING_VARIANTS=("base:--load 1" "load2x:--load 2" "load4x:--load 4" "regions2x:--regions 2"
                  "regions4x:--regions 4")
