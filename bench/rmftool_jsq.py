#!/usr/bin/env python3
"""Time rmftool's steady-state refined mean field on the JSQ(d) model of examples/jsq.mf.

Usage: rmftool_jsq.py RMFTOOL_DIR K ORDER [RHO] [D]

RMFTOOL_DIR is a checkout of rmftool (GitHub ngast/rmf_tool); this driver only imports it. The model
is the one of examples/jsq.mf in density coordinates: x_i = fraction of servers with at least i jobs,
arrivals to level i at rho*(x_{i-1}^d - x_i^d) (x_0 = 1), departures from level i at x_i - x_{i+1}
(x_{K+1} = 0), x0 = (1, 0, ..., 0). Prints the wall-clock seconds of the model construction plus
meanFieldExpansionSteadyState(order=ORDER) (interpreter start-up and imports excluded), and the first
coordinates of the result on standard error.
"""
import os
import sys
import time
import types


def main():
    rmf_dir, K, order = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rho = float(sys.argv[4]) if len(sys.argv) > 4 else 0.9
    d = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    try:
        import matplotlib.pyplot  # noqa: F401  (rmftool imports it at module level)
    except ImportError:
        mpl = types.ModuleType('matplotlib')
        mpl.pyplot = types.ModuleType('matplotlib.pyplot')
        sys.modules['matplotlib'] = mpl
        sys.modules['matplotlib.pyplot'] = mpl.pyplot
    sys.path.insert(0, os.path.abspath(rmf_dir))
    import numpy as np
    import src.rmf_tool as rmf

    t0 = time.perf_counter()
    ddpp = rmf.DDPP()

    def unit(i):
        v = np.zeros(K)
        v[i] = 1
        return v

    def level(x, i):  # x_i with the boundary conventions, i in 0..K+1 (x[0] is x_1)
        return 1 if i == 0 else (0 if i == K + 1 else x[i - 1])

    for i in range(1, K + 1):
        ddpp.add_transition(unit(i - 1), lambda x, i=i: rho * (level(x, i - 1)**d - level(x, i)**d))
        ddpp.add_transition(-unit(i - 1), lambda x, i=i: level(x, i) - level(x, i + 1))
    ddpp.set_initial_state(unit(0))
    stdout = sys.stdout
    sys.stdout = sys.stderr  # rmftool prints progress messages
    try:
        res = ddpp.meanFieldExpansionSteadyState(order=order)
    finally:
        sys.stdout = stdout
    elapsed = time.perf_counter() - t0
    print('K=%d order=%d pi[:3]=%s V[:3]=%s' % (K, order, res[0][:3], res[1][:3]), file=sys.stderr)
    print('%.6f' % elapsed)


if __name__ == '__main__':
    main()
