#!/usr/bin/env python3
"""Independent evaluation of the order-2 stationary refined mean field of JSQ(2).

Reference values for runtime/refine's tests, computed by a different route than the Go code:
sympy's exact derivatives and dense Kronecker solves of the moment equations (no Schur forms,
no jets, no polarization). Needs python3-numpy and python3-sympy (Debian). Writes
testdata/ref/jsq_K<K>_order2_kron.json.

Usage: bench/order2_kron.py [K ...]   (default K = 5; K <= 10 keeps the K^3 x K^3 solve small)

Equations (Y = X_N - x*, E[Y] = V/N + A/N^2, E[YY] = W/N + M2/N^2, E[YYY] = M3/N^2):
  J W + W J^T + Q = 0
  J V + g = 0,                         g = 1/2 H:W
  sum_modes J.M3 + R3 = 0,             R3_ijk = Z_ijk + Z_jik + Z_kij + sum_t l_i l_j l_k beta_t
                                       Z_spq = g_s W_pq + (W H_s W)_pq + Q_pq V_s + (DQ_pq . W)_s
  J M2 + M2 J^T + S2 = 0,              S2 = U + U^T + DQ.V + 1/2 D2Q:W
                                       U_ij = 1/2 H_i:M3_..j + 1/2 (T3_i:W) W_.j
  J A + 1/2 H:M2 + 1/6 T3:M3 + 1/8 T4:(W,W) = 0
"""
import json
import os
import sys

import numpy as np
import sympy as sp


def jsq(K, rho=sp.Rational(9, 10)):
    x = sp.symbols('x1:%d' % (K + 1))
    X = [1] + list(x) + [0]
    trans = []
    for i in range(1, K + 1):
        l = [0] * K
        l[i - 1] = 1
        trans.append((l, rho * (X[i - 1] ** 2 - X[i] ** 2)))
        l = [0] * K
        l[i - 1] = -1
        trans.append((l, X[i] - X[i + 1]))
    return x, trans


def expand(x, trans, guess):
    d = len(x)
    F = [sum(l[k] * b for l, b in trans) for k in range(d)]
    f = sp.lambdify(x, F)
    jf = sp.lambdify(x, sp.Matrix(F).jacobian(x))
    p = np.array(guess, float)
    for _ in range(50):
        step = np.linalg.solve(np.array(jf(*p), float), np.array(f(*p), float))
        p = p - step
        if np.max(np.abs(step)) < 1e-15:
            break
    sub = dict(zip(x, p))
    J = np.array(jf(*p), float)
    H = np.zeros((d,) * 3)
    T3 = np.zeros((d,) * 4)
    T4 = np.zeros((d,) * 5)
    for i in range(d):
        for a in range(d):
            for b in range(d):
                H[i, a, b] = float(sp.diff(F[i], x[a], x[b]).subs(sub))
                for c in range(d):
                    T3[i, a, b, c] = float(sp.diff(F[i], x[a], x[b], x[c]).subs(sub))
                    for e in range(d):
                        T4[i, a, b, c, e] = float(sp.diff(F[i], x[a], x[b], x[c], x[e]).subs(sub))
    L = [np.array(l, float) for l, _ in trans]
    beta = [float(b.subs(sub)) for _, b in trans]
    dbeta = [np.array([float(sp.diff(b, xi).subs(sub)) for xi in x]) for _, b in trans]
    d2beta = [np.array(sp.hessian(b, x).subs(sub), float) for _, b in trans]
    Q = sum(np.outer(l, l) * b for l, b in zip(L, beta))
    DQ = sum(np.einsum('p,q,a->pqa', l, l, db) for l, db in zip(L, dbeta))
    D2Q = sum(np.einsum('p,q,ab->pqab', l, l, d2b) for l, d2b in zip(L, d2beta))
    R = sum(np.einsum('i,j,k->ijk', l, l, l) * b for l, b in zip(L, beta))
    I = np.eye(d)
    lyap = np.kron(J, I) + np.kron(I, J)
    W = np.linalg.solve(lyap, -Q.reshape(-1)).reshape(d, d)
    g = 0.5 * np.einsum('iab,ab->i', H, W)
    V = np.linalg.solve(J, -g)
    Z = (np.einsum('s,pq->spq', g, W) + np.einsum('ap,sab,bq->spq', W, H, W)
         + np.einsum('pq,s->spq', Q, V) + np.einsum('pqa,as->spq', DQ, W))
    R3 = Z + np.einsum('jik->ijk', Z) + np.einsum('kij->ijk', Z) + R
    op3 = np.kron(np.kron(J, I), I) + np.kron(np.kron(I, J), I) + np.kron(np.kron(I, I), J)
    M3 = np.linalg.solve(op3, -R3.reshape(-1)).reshape(d, d, d)
    U = 0.5 * np.einsum('iab,abj->ij', H, M3) + 0.5 * np.einsum('iabc,ab,cj->ij', T3, W, W)
    S2 = U + U.T + np.einsum('pqa,a->pq', DQ, V) + 0.5 * np.einsum('pqab,ab->pq', D2Q, W)
    M2 = np.linalg.solve(lyap, -S2.reshape(-1)).reshape(d, d)
    b2 = (0.5 * np.einsum('iab,ab->i', H, M2) + np.einsum('iabc,abc->i', T3, M3) / 6
          + np.einsum('iabce,ab,ce->i', T4, W, W) / 8)
    A = np.linalg.solve(J, -b2)
    return p, V, W, M2, A


def main():
    ks = [int(a) for a in sys.argv[1:]] or [5]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'testdata', 'ref')
    for K in ks:
        x, trans = jsq(K)
        guess = [0.9 ** (2 ** i - 1) for i in range(1, K + 1)]
        p, V, W, M2, A = expand(x, trans, guess)
        out = {
            'source': 'bench/order2_kron.py: sympy derivatives, numpy dense Kronecker solves (float64)',
            'model': 'JSQ(d=2, rho=0.9), K=%d, density convention of rmftool_jsq_K5.json' % K,
            'pi': p.tolist(), 'V': V.tolist(), 'W': W.tolist(), 'M2': M2.tolist(), 'A': A.tolist(),
        }
        path = os.path.join(root, 'jsq_K%d_order2_kron.json' % K)
        with open(path + '.tmp', 'w') as f:
            json.dump(out, f, indent=1)
            f.write('\n')
        os.replace(path + '.tmp', path)
        print(path, 'A =', A)


if __name__ == '__main__':
    main()
