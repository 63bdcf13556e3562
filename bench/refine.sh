#!/usr/bin/env bash
# Times the steady-state refined mean field (orders 1 and 2) of mfc on JSQ(d) (examples/jsq.mf) for
# several buffer sizes K and, when RMFTOOL_DIR points at a checkout of rmftool, the same computation
# with rmftool's meanFieldExpansionSteadyState. See bench/README.md.
#
# Environment:
#   BENCH_K        buffer sizes to time                       (default "10 20 50 100")
#   BENCH_ORDERS   orders of the expansion                    (default "1 2")
#   BENCH_RUNS     runs per case; the best wall clock is kept (default 3)
#   RMFTOOL_DIR    rmftool checkout; unset = mfc only
#   BENCH_TIMEOUT  seconds allowed per rmftool run            (default 600)
#   BENCH_ALL      1 = also run rmftool order 2 for K >= 50   (default: skipped)
#   PYTHON         interpreter with numpy, scipy and sympy    (default: python3, else /usr/bin/python3)
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

KS=${BENCH_K:-"10 20 50 100"}
ORDERS=${BENCH_ORDERS:-"1 2"}
RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-600}
ALL=${BENCH_ALL:-0}
RMF=${RMFTOOL_DIR:-}
MFC=bench/.mfc

echo "building mfc -> $MFC" >&2
go build -o "$MFC" ./cmd/mfc || { echo "go build failed" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
better() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a == "" || b + 0 < a + 0) }'; }

# best wall clock of RUNS runs of mfc, or n/a if the command fails
time_mfc() { # K ORDER
	local best="" t0 t1 s i
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now)
		if ! "$MFC" refine --order "$2" examples/jsq.mf --set "K=$1" --format json >/dev/null 2>"$tmp/mfc.err"; then
			echo "  mfc K=$1 order $2 failed: $(head -c 200 "$tmp/mfc.err")" >&2
			echo "n/a"
			return
		fi
		t1=$(now)
		s=$(elapsed "$t0" "$t1")
		if better "$best" "$s"; then best=$s; fi
	done
	echo "$best"
}

# best of RUNS runs of the rmftool driver (seconds measured inside Python, imports excluded);
# a run longer than 60 s is not repeated
time_rmf() { # K ORDER
	local best="" s i rc
	for ((i = 0; i < RUNS; i++)); do
		s=$(timeout "$TIMEOUT" "$PY" bench/rmftool_jsq.py "$RMF" "$1" "$2" 2>"$tmp/rmf.err")
		rc=$?
		if ((rc == 124)); then echo "timeout(${TIMEOUT}s)"; return; fi
		if ((rc != 0)) || [[ -z "$s" ]]; then
			echo "  rmftool K=$1 order $2 failed: $(tail -n 3 "$tmp/rmf.err")" >&2
			echo "n/a"
			return
		fi
		if better "$best" "$s"; then best=$s; fi
		if awk -v s="$s" 'BEGIN { exit !(s > 60) }'; then break; fi
	done
	printf '%.3f\n' "$best"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ -n "$RMF" ]]; then
	if [[ ! -f "$RMF/src/rmf_tool.py" ]]; then
		echo "RMFTOOL_DIR=$RMF does not contain src/rmf_tool.py" >&2
		exit 1
	fi
	PY=${PYTHON:-python3}
	if ! "$PY" -c 'import numpy, scipy, sympy' 2>/dev/null; then
		if [[ -z "${PYTHON:-}" ]] && /usr/bin/python3 -c 'import numpy, scipy, sympy' 2>/dev/null; then
			PY=/usr/bin/python3
		else
			echo "$PY cannot import numpy, scipy and sympy; set PYTHON" >&2
			exit 1
		fi
	fi
fi

printf '%-18s %12s %14s %10s\n' case "mfc (s)" "rmftool (s)" "rmftool/mfc"
for K in $KS; do
	for order in $ORDERS; do
		m=$(time_mfc "$K" "$order")
		r="-"
		if [[ -n "$RMF" ]]; then
			if ((order >= 2 && K >= 50)) && [[ "$ALL" != 1 ]]; then
				r="skipped"
			else
				r=$(time_rmf "$K" "$order")
			fi
		fi
		ratio="-"
		if [[ "$m" =~ ^[0-9.]+$ && "$r" =~ ^[0-9.]+$ ]]; then
			ratio=$(awk -v m="$m" -v r="$r" 'BEGIN { if (m > 0) printf "%.1f", r / m; else print "-" }')
		fi
		printf '%-18s %12s %14s %10s\n' "jsq K=$K order $order" "$m" "$r" "$ratio"
	done
done
