#!/usr/bin/env bash
# Measures mfc's SSA inner loops against tight C++ references in one run (the ratio, so that
# the load of a shared machine cancels): the direct method on the 10-reaction network
# bench/ssa10.mf and composition-rejection on the 1000-reaction conversion network
# bench/ssa_conv1000.mf, each an ensemble of RUNS runs to time T on one core. See
# bench/README.md.
#
# Environment:
#   BENCH_ROUNDS   rounds; each runs mfc and the reference once per case (default 5)
#   BENCH_RUNS     runs per ensemble                                        (default 100)
#   BENCH_SEED     seed                                                     (default 1)
#   CXX            C++ compiler                                             (default g++)
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

ROUNDS=${BENCH_ROUNDS:-5}
RUNS=${BENCH_RUNS:-100}
SEED=${BENCH_SEED:-1}
CXX=${CXX:-g++}
out=bench/.ssa
mkdir -p "$out"

echo "building $out/ssa_go and $out/ssa_ref ($CXX -O2 -march=native)" >&2
go build -o "$out/ssa_go" ./bench/ssa_go || { echo "go build failed" >&2; exit 1; }
"$CXX" -O2 -march=native -o "$out/ssa_ref" bench/ssa_ref.cpp || { echo "$CXX failed" >&2; exit 1; }

# case name, model, method, T
cases=("direct-10 bench/ssa10.mf direct 10" "cr-1000 bench/ssa_conv1000.mf cr 0.6")
for c in "${cases[@]}"; do
	set -- $c
	"$out/ssa_go" -model "$2" -net "$out/$1.net" || exit 1
done

: >"$out/runs.txt"
for ((r = 0; r < ROUNDS; r++)); do
	for c in "${cases[@]}"; do
		set -- $c
		# Alternate which goes first, so that neither always follows the other.
		if ((r % 2 == 0)); then order="ref go"; else order="go ref"; fi
		for who in $order; do
			if [ "$who" = ref ]; then
				line=$("$out/ssa_ref" "$out/$1.net" "$3" "$RUNS" "$4" "$SEED") || exit 1
			else
				line=$(GOMAXPROCS=1 "$out/ssa_go" -model "$2" -method "$3" -runs "$RUNS" -t "$4" -seed "$SEED") || exit 1
			fi
			# round case who events wall-seconds cpu-seconds
			set -- $c
			echo "$r $1 $who $(echo "$line" | awk '{ print $3, $4, $6 }')" >>"$out/runs.txt"
		done
	done
done

# Per case: median events per CPU second of each side, median of the per-round ratios
# ref/mfc, the ratio of the best rounds of each, the median ratio from wall-clock seconds, and whether both simulated the same events
# (same streams, same trajectories). CPU seconds are the better figure when other work shares
# the cores (a process that waits for a core is not charged for the wait).
awk -v rounds="$ROUNDS" '
function median(a, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ ev[$2, $3, $1] = $4; wall[$2, $3, $1] = $5; sec[$2, $3, $1] = $6; if (!($2 in seen)) { seen[$2] = 1; order[++nc] = $2 } }
END {
	printf "%-10s %10s %13s %13s %8s %8s %8s %s\n", "case", "events", "mfc ev/cpu-s", "C++ ev/cpu-s", "C++/mfc", "(best)", "(wall)", "same events"
	for (k = 1; k <= nc; k++) {
		c = order[k]; same = "yes"; bg = 0; bx = 0
		for (r = 0; r < rounds; r++) {
			g[r + 1] = ev[c, "go", r] / sec[c, "go", r]
			x[r + 1] = ev[c, "ref", r] / sec[c, "ref", r]
			q[r + 1] = x[r + 1] / g[r + 1]
			w[r + 1] = wall[c, "go", r] / wall[c, "ref", r]
			if (g[r + 1] > bg) bg = g[r + 1]
			if (x[r + 1] > bx) bx = x[r + 1]
			if (ev[c, "go", r] != ev[c, "ref", r]) same = "NO"
		}
		printf "%-10s %10d %13.4g %13.4g %8.2f %8.2f %8.2f %s\n", c, ev[c, "go", 0], median(g, rounds), median(x, rounds), median(q, rounds), bx / bg, median(w, rounds), same
	}
}' "$out/runs.txt"
