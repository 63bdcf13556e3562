#!/usr/bin/env bash
# Runs the speed table of the performance issue in one go: every case with mfc (best wall
# clock of BENCH_RUNS runs, process start-up and compilation included), and the references
# beside it where they exist here: rmftool (RMFTOOL_DIR, through bench/refine.sh's driver),
# the C++ SSA reference (bench/ssa.sh, always, when g++ is present), SciPy's SuperLU for the
# exact stationary solve (bench/stationary_scipy.py, when /usr/bin/python3 imports scipy).
# Prints one line per case: seconds, target, and the ratio to the reference. See
# bench/README.md.
#
# Environment:
#   BENCH_RUNS   runs per case, best kept (default 3)
#   BENCH_QUICK  1 = skip the cases above 10 s (the 10⁶-state chain)
#   RMFTOOL_DIR  rmftool checkout; unset = no rmftool column
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
RUNS=${BENCH_RUNS:-3}
QUICK=${BENCH_QUICK:-0}
MFC=bench/.mfc
echo "building mfc -> $MFC" >&2
go build -o "$MFC" ./cmd/mfc || { echo "go build failed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
best_of() { # command...
	local best="" t0 t1 s i
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		if ! "$@" >/dev/null 2>"$tmp/err"; then
			echo "failed: $(head -c 200 "$tmp/err")" >&2
			echo "n/a"
			return
		fi
		t1=$(now)
		s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		if [[ -z "$best" ]] || awk -v a="$best" -v b="$s" 'BEGIN { exit !(b < a) }'; then best=$s; fi
	done
	echo "$best"
}
row() { # name target command...
	local name=$1 target=$2
	shift 2
	printf "%-58s %10s s   target %s\n" "$name" "$(best_of "$@")" "$target"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
row "refine JSQ K=100 order 1, steady state" "-" "$MFC" refine examples/jsq.mf --order 1 --format json
row "refine JSQ K=20 order 2, steady state" "-" "$MFC" refine examples/jsq.mf --set K=20 --order 2 --format json
row "refine JSQ K=1000 order 1, steady state" "< 1 s" "$MFC" refine examples/jsq.mf --set K=1000 --order 1 --format json
row "refine JSQ K=300 order 2, steady state" "< 5 s" "$MFC" refine examples/jsq.mf --set K=300 --order 2 --format json
row "refine JSQ K=10 order 2, transient to T=10" "< 50 ms (solver)" "$MFC" refine examples/jsq.mf --set K=10 --order 2 --t 10 --format json
row "refine JSQ K=100 order 2, transient to T=5" "< 3 s" "$MFC" refine examples/jsq.mf --order 2 --t 5 --format json
row "exact examples/sir.mf (501 501 states)" "< 10 s" "$MFC" exact examples/sir.mf --format json
if [[ "$QUICK" != 1 ]]; then
	row "exact SIRS 1 000 405 states (stationary)" "< 15 s" "$MFC" exact bench/sirs.mf --set N=1413 --measures none --format json
fi
if /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
	echo "exact stationary solve against SciPy's SuperLU (bench/stationary_go, bench/stationary_scipy.py):"
	go build -o bench/.stationary_go ./bench/stationary_go || { echo "go build failed" >&2; exit 1; }
	# ‖πQ‖₁ of both laws evaluated alike, in long double by the SciPy driver (float64 sums
	# add up to ε·Σπ_i|Q_ii| of their own); SciPy's float64 figure in the last column.
	printf "%-30s %8s %8s %9s %9s %6s %9s %9s %9s %9s\n" case "mfc (s)" "mfc cpu" "SciPy (s)" "SciPy cpu" ratio "mfc res" "SciPy res" "max|Δπ|" "SciPy f64"
	sizes="400 800"
	[[ "$QUICK" != 1 ]] && sizes="$sizes 1413"
	for N in $sizes; do
		# mfc: ctmc.Stationary on the explored chain, best of RUNS; it writes the chain and
		# its π for SciPy, which solves the same generator (best of RUNS at N = 400, one
		# run above: SuperLU takes minutes at 10⁶ states).
		if ! m=$(bench/.stationary_go -model bench/sirs.mf -N "$N" -runs "$RUNS" -chain "$tmp/sirs" 2>"$tmp/err"); then
			echo "stationary SIRS N=$N: mfc failed: $(head -c 200 "$tmp/err")"
			continue
		fi
		sruns=1
		[[ "$N" == 400 ]] && sruns=$RUNS
		if ! s=$(/usr/bin/python3 bench/stationary_scipy.py "$tmp/sirs" "$sruns" 2>"$tmp/err"); then
			echo "stationary SIRS N=$N: SciPy failed: $(head -c 200 "$tmp/err")"
			continue
		fi
		read -r n _ mt mc _ <<<"$m"
		read -r _ _ st sc s64 dmax _ _ sld mld <<<"$s"
		printf "%-30s %8.3f %8.3f %9.3f %9.3f %5.1fx %9s %9s %9s %9s\n" "stationary SIRS $n states" "$mt" "$mc" "$st" "$sc" \
			"$(awk -v a="$st" -v b="$mt" 'BEGIN { print a / b }')" "$mld" "$sld" "$dmax" "$s64"
		rm -f "$tmp/sirs.csr" "$tmp/sirs.pi"
	done
fi
if [[ -n "${RMFTOOL_DIR:-}" ]]; then
	echo "rmftool beside mfc (bench/refine.sh):"
	BENCH_RUNS=$RUNS bench/refine.sh
fi
if [[ -x bench/ssa.sh ]] && command -v g++ >/dev/null; then
	echo "SSA against the C++ reference (bench/ssa.sh):"
	BENCH_RUNS=100 bench/ssa.sh # its BENCH_RUNS is the ensemble size, not ours
fi
