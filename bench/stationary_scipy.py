#!/usr/bin/env python3
"""Solves the stationary law of a chain written by bench/stationary_go by SciPy's SuperLU.

    go run ./bench/stationary_go -model bench/sirs.mf -N 400 -chain /tmp/sirs400
    python3 bench/stationary_scipy.py /tmp/sirs400 [runs]

Reads PREFIX.csr (the generator Q: magic "MFCCSR01", n and nnz as int64, row pointers
(n+1 int64), column indices (nnz int32), values (nnz float64), little-endian; row i holds
the rates out of state i) and, if present, PREFIX.pi (mfc's pi, n float64). Solves
Q^T pi = 0 with the last equation replaced by sum(pi) = 1, by
scipy.sparse.linalg.splu(A, permc_spec="MMD_AT_PLUS_A") as in the performance issue (one
thread: SuperLU is sequential), and prints one line,
"states nnz seconds cpu-seconds residual max|pi - pi_mfc| sum|pi - pi_mfc| build-seconds
residual-ld residual-ld-mfc", with the best wall clock of `runs` solves (default 1) and the
CPU seconds of the same run.
The time covers the factorisation, the solve and the normalisation; building the bordered
matrix A (transpose, replaced row, CSC) is timed apart (build-seconds), reading the file is
excluded. residual is ||pi Q||_1 of the normalised pi evaluated in float64 (as SciPy
users would), residual-ld the same in long double, and residual-ld-mfc that of mfc's pi in
long double; the differences and residual-ld-mfc are "nan" without PREFIX.pi.
"""
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def read_chain(prefix):
    with open(prefix + ".csr", "rb") as f:
        if f.read(8) != b"MFCCSR01":
            raise SystemExit(prefix + ".csr: not a chain written by stationary_go")
        n, nnz = np.fromfile(f, dtype="<i8", count=2)
        ptr = np.fromfile(f, dtype="<i8", count=n + 1)
        col = np.fromfile(f, dtype="<i4", count=nnz)
        val = np.fromfile(f, dtype="<f8", count=nnz)
    q = sp.csr_matrix((val, col, ptr), shape=(n, n))
    pi_mfc = None
    if os.path.exists(prefix + ".pi"):
        pi_mfc = np.fromfile(prefix + ".pi", dtype="<f8", count=n)
    return q, pi_mfc


def bordered(q):
    """Q^T with its last row replaced by ones, in CSC form, and the right-hand side."""
    n = q.shape[0]
    c = q.tocoo()
    keep = c.col != n - 1  # row j of Q^T is column j of Q: the flow into state j
    rows = np.concatenate([c.col[keep], np.full(n, n - 1, dtype=c.col.dtype)])
    cols = np.concatenate([c.row[keep], np.arange(n, dtype=c.row.dtype)])
    vals = np.concatenate([c.data[keep], np.ones(n)])
    b = np.zeros(n)
    b[n - 1] = 1.0
    return sp.csc_matrix((vals, (rows, cols)), shape=(n, n)), b


def solve(a, b):
    lu = spla.splu(a, permc_spec="MMD_AT_PLUS_A")
    pi = lu.solve(b)
    return pi / pi.sum()


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    prefix = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    q, pi_mfc = read_chain(prefix)
    t0 = time.perf_counter()
    a, b = bordered(q)
    build = time.perf_counter() - t0
    best, best_cpu, pi = float("inf"), 0.0, None
    for _ in range(max(runs, 1)):
        t0, c0 = time.perf_counter(), time.process_time()
        pi = solve(a, b)
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        if sec < best:
            best, best_cpu = sec, cpu
    res = np.abs(q.T @ pi).sum()
    # The residuals again in long double (64-bit significand on x86): the float64 sums add
    # up to eps*sum_i pi_i|Q_ii| of their own (1.7e-13 at 1e6 states), as mfc's
    # StationaryResidual avoids by double-double sums; both pi are measured alike here.
    qt = q.T.astype(np.longdouble)
    res_ld = float(np.abs(qt @ pi.astype(np.longdouble)).sum())
    dmax = dsum = res_mfc = float("nan")
    if pi_mfc is not None:
        d = np.abs(pi - pi_mfc)
        dmax, dsum = d.max(), d.sum()
        res_mfc = float(np.abs(qt @ pi_mfc.astype(np.longdouble)).sum())
    print("%d %d %.6f %.6f %.3e %.3e %.3e %.6f %.3e %.3e" % (q.shape[0], q.nnz, best, best_cpu, res, dmax, dsum,
                                                        build, res_ld, res_mfc))


if __name__ == "__main__":
    main()
