// ssa_ref.cpp: tight C++ references of mfc's SSA inner loops (runtime/ssa), for bench/ssa.sh.
//
// It simulates a mass-action reaction network read from a file written by bench/ssa_go
// (-net) and prints the events and the events per second of an ensemble of independent
// runs to time T, by one of two methods:
//
//   direct  Gillespie's direct method: a propensity vector, a0 summed over it, an
//           exponential waiting time, a running-sum linear search for the reaction, the
//           jump, and the dependency graph (only the propensities of the reactions whose
//           reactants the jump changed are re-evaluated).
//   cr      composition-rejection (Slepoy, Thompson and Plimpton 2008): propensities in
//           groups of one binary exponent, a linear search over the non-empty groups,
//           rejection inside the group; the same group bookkeeping as runtime/ssa/cr.go.
//
// Both use the random streams of runtime/ssa: PCG-DXSM (128-bit LCG, math/rand/v2's PCG)
// seeded with splitmix64 of (seed, run), uniforms as math/rand/v2's Float64 (53 bits), and
// exponentials by math/rand/v2's ziggurat ExpFloat64 (Marsaglia and Tsang 2000; the tables
// below are copied from the Go distribution, src/math/rand/v2/exp.go, "Copyright 2009 The Go
// Authors. All rights reserved. Use of this source code is governed by a BSD-style license").
// A propensity c * n_1^v_1 * ... is multiplied in the order of the reactants, as mfc's tape
// does for the same expression, and a propensity within 1e-12 * a0 of 0 does not fire (the
// rule of runtime/step), so that the trajectories are those of mfc, event for event: the
// script compares the event totals.
//
// Usage: ssa_ref NETFILE direct|cr RUNS T SEED
// Output (one line): method runs events seconds events/s cpu-seconds checksum (the process's
// CPU time over the same span, the better figure on a shared machine; the sum of the final
// counts, which keeps the work from being optimised away)
//
// Build: g++ -O2 -march=native -o ssa_ref ssa_ref.cpp
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static const uint32_t ke[256] = {
	0xe290a139, 0x0, 0x9beadebc, 0xc377ac71, 0xd4ddb990,
	0xde893fb8, 0xe4a8e87c, 0xe8dff16a, 0xebf2deab, 0xee49a6e8,
	0xf0204efd, 0xf19bdb8e, 0xf2d458bb, 0xf3da104b, 0xf4b86d78,
	0xf577ad8a, 0xf61de83d, 0xf6afb784, 0xf730a573, 0xf7a37651,
	0xf80a5bb6, 0xf867189d, 0xf8bb1b4f, 0xf9079062, 0xf94d70ca,
	0xf98d8c7d, 0xf9c8928a, 0xf9ff175b, 0xfa319996, 0xfa6085f8,
	0xfa8c3a62, 0xfab5084e, 0xfadb36c8, 0xfaff0410, 0xfb20a6ea,
	0xfb404fb4, 0xfb5e2951, 0xfb7a59e9, 0xfb95038c, 0xfbae44ba,
	0xfbc638d8, 0xfbdcf892, 0xfbf29a30, 0xfc0731df, 0xfc1ad1ed,
	0xfc2d8b02, 0xfc3f6c4d, 0xfc5083ac, 0xfc60ddd1, 0xfc708662,
	0xfc7f8810, 0xfc8decb4, 0xfc9bbd62, 0xfca9027c, 0xfcb5c3c3,
	0xfcc20864, 0xfccdd70a, 0xfcd935e3, 0xfce42ab0, 0xfceebace,
	0xfcf8eb3b, 0xfd02c0a0, 0xfd0c3f59, 0xfd156b7b, 0xfd1e48d6,
	0xfd26daff, 0xfd2f2552, 0xfd372af7, 0xfd3eeee5, 0xfd4673e7,
	0xfd4dbc9e, 0xfd54cb85, 0xfd5ba2f2, 0xfd62451b, 0xfd68b415,
	0xfd6ef1da, 0xfd750047, 0xfd7ae120, 0xfd809612, 0xfd8620b4,
	0xfd8b8285, 0xfd90bcf5, 0xfd95d15e, 0xfd9ac10b, 0xfd9f8d36,
	0xfda43708, 0xfda8bf9e, 0xfdad2806, 0xfdb17141, 0xfdb59c46,
	0xfdb9a9fd, 0xfdbd9b46, 0xfdc170f6, 0xfdc52bd8, 0xfdc8ccac,
	0xfdcc542d, 0xfdcfc30b, 0xfdd319ef, 0xfdd6597a, 0xfdd98245,
	0xfddc94e5, 0xfddf91e6, 0xfde279ce, 0xfde54d1f, 0xfde80c52,
	0xfdeab7de, 0xfded5034, 0xfdefd5be, 0xfdf248e3, 0xfdf4aa06,
	0xfdf6f984, 0xfdf937b6, 0xfdfb64f4, 0xfdfd818d, 0xfdff8dd0,
	0xfe018a08, 0xfe03767a, 0xfe05536c, 0xfe07211c, 0xfe08dfc9,
	0xfe0a8fab, 0xfe0c30fb, 0xfe0dc3ec, 0xfe0f48b1, 0xfe10bf76,
	0xfe122869, 0xfe1383b4, 0xfe14d17c, 0xfe1611e7, 0xfe174516,
	0xfe186b2a, 0xfe19843e, 0xfe1a9070, 0xfe1b8fd6, 0xfe1c8289,
	0xfe1d689b, 0xfe1e4220, 0xfe1f0f26, 0xfe1fcfbc, 0xfe2083ed,
	0xfe212bc3, 0xfe21c745, 0xfe225678, 0xfe22d95f, 0xfe234ffb,
	0xfe23ba4a, 0xfe241849, 0xfe2469f2, 0xfe24af3c, 0xfe24e81e,
	0xfe25148b, 0xfe253474, 0xfe2547c7, 0xfe254e70, 0xfe25485a,
	0xfe25356a, 0xfe251586, 0xfe24e88f, 0xfe24ae64, 0xfe2466e1,
	0xfe2411df, 0xfe23af34, 0xfe233eb4, 0xfe22c02c, 0xfe22336b,
	0xfe219838, 0xfe20ee58, 0xfe20358c, 0xfe1f6d92, 0xfe1e9621,
	0xfe1daef0, 0xfe1cb7ac, 0xfe1bb002, 0xfe1a9798, 0xfe196e0d,
	0xfe1832fd, 0xfe16e5fe, 0xfe15869d, 0xfe141464, 0xfe128ed3,
	0xfe10f565, 0xfe0f478c, 0xfe0d84b1, 0xfe0bac36, 0xfe09bd73,
	0xfe07b7b5, 0xfe059a40, 0xfe03644c, 0xfe011504, 0xfdfeab88,
	0xfdfc26e9, 0xfdf98629, 0xfdf6c83b, 0xfdf3ec01, 0xfdf0f04a,
	0xfdedd3d1, 0xfdea953d, 0xfde7331e, 0xfde3abe9, 0xfddffdfb,
	0xfddc2791, 0xfdd826cd, 0xfdd3f9a8, 0xfdcf9dfc, 0xfdcb1176,
	0xfdc65198, 0xfdc15bb3, 0xfdbc2ce2, 0xfdb6c206, 0xfdb117be,
	0xfdab2a63, 0xfda4f5fd, 0xfd9e7640, 0xfd97a67a, 0xfd908192,
	0xfd8901f2, 0xfd812182, 0xfd78d98e, 0xfd7022bb, 0xfd66f4ed,
	0xfd5d4732, 0xfd530f9c, 0xfd48432b, 0xfd3cd59a, 0xfd30b936,
	0xfd23dea4, 0xfd16349e, 0xfd07a7a3, 0xfcf8219b, 0xfce7895b,
	0xfcd5c220, 0xfcc2aadb, 0xfcae1d5e, 0xfc97ed4e, 0xfc7fe6d4,
	0xfc65ccf3, 0xfc495762, 0xfc2a2fc8, 0xfc07ee19, 0xfbe213c1,
	0xfbb8051a, 0xfb890078, 0xfb5411a5, 0xfb180005, 0xfad33482,
	0xfa839276, 0xfa263b32, 0xf9b72d1c, 0xf930a1a2, 0xf889f023,
	0xf7b577d2, 0xf69c650c, 0xf51530f0, 0xf2cb0e3c, 0xeeefb15d,
	0xe6da6ecf,
};
static const float we[256] = {
	2.0249555e-09f, 1.486674e-11f, 2.4409617e-11f, 3.1968806e-11f,
	3.844677e-11f, 4.4228204e-11f, 4.9516443e-11f, 5.443359e-11f,
	5.905944e-11f, 6.344942e-11f, 6.7643814e-11f, 7.1672945e-11f,
	7.556032e-11f, 7.932458e-11f, 8.298079e-11f, 8.654132e-11f,
	9.0016515e-11f, 9.3415074e-11f, 9.674443e-11f, 1.0001099e-10f,
	1.03220314e-10f, 1.06377254e-10f, 1.09486115e-10f, 1.1255068e-10f,
	1.1557435e-10f, 1.1856015e-10f, 1.2151083e-10f, 1.2442886e-10f,
	1.2731648e-10f, 1.3017575e-10f, 1.3300853e-10f, 1.3581657e-10f,
	1.3860142e-10f, 1.4136457e-10f, 1.4410738e-10f, 1.4683108e-10f,
	1.4953687e-10f, 1.5222583e-10f, 1.54899e-10f, 1.5755733e-10f,
	1.6020171e-10f, 1.6283301e-10f, 1.6545203e-10f, 1.6805951e-10f,
	1.7065617e-10f, 1.732427e-10f, 1.7581973e-10f, 1.7838787e-10f,
	1.8094774e-10f, 1.8349985e-10f, 1.8604476e-10f, 1.8858298e-10f,
	1.9111498e-10f, 1.9364126e-10f, 1.9616223e-10f, 1.9867835e-10f,
	2.0119004e-10f, 2.0369768e-10f, 2.0620168e-10f, 2.087024e-10f,
	2.1120022e-10f, 2.136955e-10f, 2.1618855e-10f, 2.1867974e-10f,
	2.2116936e-10f, 2.2365775e-10f, 2.261452e-10f, 2.2863202e-10f,
	2.311185e-10f, 2.3360494e-10f, 2.360916e-10f, 2.3857874e-10f,
	2.4106667e-10f, 2.4355562e-10f, 2.4604588e-10f, 2.485377e-10f,
	2.5103128e-10f, 2.5352695e-10f, 2.560249e-10f, 2.585254e-10f,
	2.6102867e-10f, 2.6353494e-10f, 2.6604446e-10f, 2.6855745e-10f,
	2.7107416e-10f, 2.7359479e-10f, 2.761196e-10f, 2.7864877e-10f,
	2.8118255e-10f, 2.8372119e-10f, 2.8626485e-10f, 2.888138e-10f,
	2.9136826e-10f, 2.939284e-10f, 2.9649452e-10f, 2.9906677e-10f,
	3.016454e-10f, 3.0423064e-10f, 3.0682268e-10f, 3.0942177e-10f,
	3.1202813e-10f, 3.1464195e-10f, 3.1726352e-10f, 3.19893e-10f,
	3.2253064e-10f, 3.251767e-10f, 3.2783135e-10f, 3.3049485e-10f,
	3.3316744e-10f, 3.3584938e-10f, 3.3854083e-10f, 3.4124212e-10f,
	3.4395342e-10f, 3.46675e-10f, 3.4940711e-10f, 3.5215003e-10f,
	3.5490397e-10f, 3.5766917e-10f, 3.6044595e-10f, 3.6323455e-10f,
	3.660352e-10f, 3.6884823e-10f, 3.7167386e-10f, 3.745124e-10f,
	3.773641e-10f, 3.802293e-10f, 3.8310827e-10f, 3.860013e-10f,
	3.8890866e-10f, 3.918307e-10f, 3.9476775e-10f, 3.9772008e-10f,
	4.0068804e-10f, 4.0367196e-10f, 4.0667217e-10f, 4.09689e-10f,
	4.1272286e-10f, 4.1577405e-10f, 4.1884296e-10f, 4.2192994e-10f,
	4.250354e-10f, 4.281597e-10f, 4.313033e-10f, 4.3446652e-10f,
	4.3764986e-10f, 4.408537e-10f, 4.4407847e-10f, 4.4732465e-10f,
	4.5059267e-10f, 4.5388301e-10f, 4.571962e-10f, 4.6053267e-10f,
	4.6389292e-10f, 4.6727755e-10f, 4.70687e-10f, 4.741219e-10f,
	4.7758275e-10f, 4.810702e-10f, 4.845848e-10f, 4.8812715e-10f,
	4.9169796e-10f, 4.9529775e-10f, 4.989273e-10f, 5.0258725e-10f,
	5.0627835e-10f, 5.100013e-10f, 5.1375687e-10f, 5.1754584e-10f,
	5.21369e-10f, 5.2522725e-10f, 5.2912136e-10f, 5.330522e-10f,
	5.370208e-10f, 5.4102806e-10f, 5.45075e-10f, 5.491625e-10f,
	5.532918e-10f, 5.5746385e-10f, 5.616799e-10f, 5.6594107e-10f,
	5.7024857e-10f, 5.746037e-10f, 5.7900773e-10f, 5.834621e-10f,
	5.8796823e-10f, 5.925276e-10f, 5.971417e-10f, 6.018122e-10f,
	6.065408e-10f, 6.113292e-10f, 6.1617933e-10f, 6.2109295e-10f,
	6.260722e-10f, 6.3111916e-10f, 6.3623595e-10f, 6.4142497e-10f,
	6.4668854e-10f, 6.5202926e-10f, 6.5744976e-10f, 6.6295286e-10f,
	6.6854156e-10f, 6.742188e-10f, 6.79988e-10f, 6.858526e-10f,
	6.9181616e-10f, 6.978826e-10f, 7.04056e-10f, 7.103407e-10f,
	7.167412e-10f, 7.2326256e-10f, 7.2990985e-10f, 7.366886e-10f,
	7.4360473e-10f, 7.5066453e-10f, 7.5787476e-10f, 7.6524265e-10f,
	7.7277595e-10f, 7.80483e-10f, 7.883728e-10f, 7.9645507e-10f,
	8.047402e-10f, 8.1323964e-10f, 8.219657e-10f, 8.309319e-10f,
	8.401528e-10f, 8.496445e-10f, 8.594247e-10f, 8.6951274e-10f,
	8.799301e-10f, 8.9070046e-10f, 9.018503e-10f, 9.134092e-10f,
	9.254101e-10f, 9.378904e-10f, 9.508923e-10f, 9.644638e-10f,
	9.786603e-10f, 9.935448e-10f, 1.0091913e-09f, 1.025686e-09f,
	1.0431306e-09f, 1.0616465e-09f, 1.08138e-09f, 1.1025096e-09f,
	1.1252564e-09f, 1.1498986e-09f, 1.1767932e-09f, 1.206409e-09f,
	1.2393786e-09f, 1.276585e-09f, 1.3193139e-09f, 1.3695435e-09f,
	1.4305498e-09f, 1.508365e-09f, 1.6160854e-09f, 1.7921248e-09f,
};
static const float fe[256] = {
	1, 0.9381437f, 0.90046996f, 0.87170434f, 0.8477855f, 0.8269933f,
	0.8084217f, 0.7915276f, 0.77595687f, 0.7614634f, 0.7478686f,
	0.7350381f, 0.72286767f, 0.71127474f, 0.70019263f, 0.6895665f,
	0.67935055f, 0.6695063f, 0.66000086f, 0.65080583f, 0.6418967f,
	0.63325197f, 0.6248527f, 0.6166822f, 0.60872537f, 0.60096896f,
	0.5934009f, 0.58601034f, 0.5787874f, 0.57172304f, 0.5648092f,
	0.5580383f, 0.5514034f, 0.5448982f, 0.5385169f, 0.53225386f,
	0.5261042f, 0.52006316f, 0.5141264f, 0.50828975f, 0.5025495f,
	0.496902f, 0.49134386f, 0.485872f, 0.48048335f, 0.4751752f,
	0.46994483f, 0.46478975f, 0.45970762f, 0.45469615f, 0.44975325f,
	0.44487688f, 0.44006512f, 0.43531612f, 0.43062815f, 0.42599955f,
	0.42142874f, 0.4169142f, 0.41245446f, 0.40804818f, 0.403694f,
	0.3993907f, 0.39513698f, 0.39093173f, 0.38677382f, 0.38266218f,
	0.37859577f, 0.37457356f, 0.37059465f, 0.3666581f, 0.362763f,
	0.35890847f, 0.35509375f, 0.351318f, 0.3475805f, 0.34388044f,
	0.34021714f, 0.3365899f, 0.33299807f, 0.32944095f, 0.32591796f,
	0.3224285f, 0.3189719f, 0.31554767f, 0.31215525f, 0.30879408f,
	0.3054636f, 0.3021634f, 0.29889292f, 0.2956517f, 0.29243928f,
	0.28925523f, 0.28609908f, 0.28297043f, 0.27986884f, 0.27679393f,
	0.2737453f, 0.2707226f, 0.2677254f, 0.26475343f, 0.26180625f,
	0.25888354f, 0.25598502f, 0.2531103f, 0.25025907f, 0.24743107f,
	0.24462597f, 0.24184346f, 0.23908329f, 0.23634516f, 0.23362878f,
	0.23093392f, 0.2282603f, 0.22560766f, 0.22297576f, 0.22036438f,
	0.21777324f, 0.21520215f, 0.21265087f, 0.21011916f, 0.20760682f,
	0.20511365f, 0.20263945f, 0.20018397f, 0.19774707f, 0.19532852f,
	0.19292815f, 0.19054577f, 0.1881812f, 0.18583426f, 0.18350479f,
	0.1811926f, 0.17889754f, 0.17661946f, 0.17435817f, 0.17211354f,
	0.1698854f, 0.16767362f, 0.16547804f, 0.16329853f, 0.16113494f,
	0.15898713f, 0.15685499f, 0.15473837f, 0.15263714f, 0.15055119f,
	0.14848037f, 0.14642459f, 0.14438373f, 0.14235765f, 0.14034624f,
	0.13834943f, 0.13636707f, 0.13439907f, 0.13244532f, 0.13050574f,
	0.1285802f, 0.12666863f, 0.12477092f, 0.12288698f, 0.12101672f,
	0.119160056f, 0.1173169f, 0.115487166f, 0.11367077f, 0.11186763f,
	0.11007768f, 0.10830083f, 0.10653701f, 0.10478614f, 0.10304816f,
	0.101323f, 0.09961058f, 0.09791085f, 0.09622374f, 0.09454919f,
	0.09288713f, 0.091237515f, 0.08960028f, 0.087975375f, 0.08636274f,
	0.08476233f, 0.083174095f, 0.081597984f, 0.08003395f, 0.07848195f,
	0.076941945f, 0.07541389f, 0.07389775f, 0.072393484f, 0.07090106f,
	0.069420435f, 0.06795159f, 0.066494495f, 0.06504912f, 0.063615434f,
	0.062193416f, 0.060783047f, 0.059384305f, 0.057997175f,
	0.05662164f, 0.05525769f, 0.053905312f, 0.052564494f, 0.051235236f,
	0.049917534f, 0.048611384f, 0.047316793f, 0.046033762f, 0.0447623f,
	0.043502413f, 0.042254124f, 0.041017443f, 0.039792392f,
	0.038578995f, 0.037377283f, 0.036187284f, 0.035009038f,
	0.033842582f, 0.032687962f, 0.031545233f, 0.030414443f, 0.02929566f,
	0.02818895f, 0.027094385f, 0.026012046f, 0.024942026f, 0.023884421f,
	0.022839336f, 0.021806888f, 0.020787204f, 0.019780423f, 0.0187867f,
	0.0178062f, 0.016839107f, 0.015885621f, 0.014945968f, 0.014020392f,
	0.013109165f, 0.012212592f, 0.011331013f, 0.01046481f, 0.009614414f,
	0.008780315f, 0.007963077f, 0.0071633533f, 0.006381906f,
	0.0056196423f, 0.0048776558f, 0.004157295f, 0.0034602648f,
	0.0027887989f, 0.0021459677f, 0.0015362998f, 0.0009672693f,
	0.00045413437f,
};

static const double zigR = 7.69711747013104972;

// PCG is math/rand/v2's PCG: a 128-bit LCG with the DXSM output function.
struct PCG {
    uint64_t hi, lo;
    inline uint64_t next() {
        const uint64_t mulHi = 2549297995355413924ULL, mulLo = 4865540595714422341ULL;
        const uint64_t incHi = 6364136223846793005ULL, incLo = 1442695040888963407ULL;
        unsigned __int128 m = (unsigned __int128)lo * mulLo;
        uint64_t h = (uint64_t)(m >> 64) + hi * mulLo + lo * mulHi;
        uint64_t l = (uint64_t)m;
        unsigned __int128 s = (unsigned __int128)l + incLo;
        l = (uint64_t)s;
        h = h + incHi + (uint64_t)(s >> 64);
        lo = l;
        hi = h;
        uint64_t x = h;
        x ^= x >> 32;
        x *= 0xda942042e4dd58b5ULL;
        x ^= x >> 48;
        x *= (l | 1);
        return x;
    }
    inline double uniform() { return (double)(next() << 11 >> 11) / 9007199254740992.0; }
    // expo is math/rand/v2's ExpFloat64.
    inline double expo() {
        for (;;) {
            uint64_t u = next();
            uint32_t j = (uint32_t)u;
            uint8_t i = (uint8_t)(u >> 32);
            double x = (double)j * (double)we[i];
            if (j < ke[i]) return x;
            if (i == 0) return zigR - std::log(uniform());
            if (fe[i] + (float)uniform() * (fe[i - 1] - fe[i]) < (float)std::exp(-x)) return x;
        }
    }
};

static uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// seed is Sim.Reset's seeding of run `run` under `seed`.
static void seed(PCG &p, uint64_t seed, uint64_t run) {
    uint64_t a = splitmix64(seed);
    p.hi = splitmix64(a ^ splitmix64(run));
    p.lo = splitmix64(a + 0x632BE59BD9B4E019ULL * (run + 1));
}

// Network is a mass-action network in flat arrays.
struct Network {
    int d = 0, J = 0;
    bool envDraw = false; // a uniform is drawn for the initial environment state at each reset
    std::vector<double> init, c;
    std::vector<int> rOff, rSp;  // reactants of reaction j: rSp[rOff[j]..rOff[j+1]), one entry per unit of stoichiometry
    std::vector<int> jOff, jSp;  // jump of reaction j
    std::vector<double> jDelta;
    std::vector<int> dOff, dep;  // dependents of reaction j
};

static Network readNet(const char *path) {
    FILE *f = std::fopen(path, "r");
    if (!f) { std::perror(path); std::exit(2); }
    Network n;
    char buf[64];
    auto word = [&]() -> std::string { if (std::fscanf(f, "%63s", buf) != 1) { std::fprintf(stderr, "%s: truncated\n", path); std::exit(2); } return buf; };
    auto num = [&]() { return std::strtod(word().c_str(), nullptr); };
    if (word() != "species") { std::fprintf(stderr, "%s: want 'species'\n", path); std::exit(2); }
    n.d = (int)num();
    std::string w = word();
    if (w == "envdraw") { n.envDraw = true; w = word(); }
    if (w != "init") { std::fprintf(stderr, "%s: want 'init'\n", path); std::exit(2); }
    for (int i = 0; i < n.d; i++) n.init.push_back(num());
    word(); // reactions
    n.J = (int)num();
    n.rOff.push_back(0); n.jOff.push_back(0);
    for (int j = 0; j < n.J; j++) {
        n.c.push_back(num());
        int k = (int)num();
        for (int q = 0; q < k; q++) {
            int s = (int)num(), v = (int)num();
            for (int r = 0; r < v; r++) n.rSp.push_back(s);
        }
        n.rOff.push_back((int)n.rSp.size());
        int m = (int)num();
        for (int q = 0; q < m; q++) { n.jSp.push_back((int)num()); n.jDelta.push_back(num()); }
        n.jOff.push_back((int)n.jSp.size());
    }
    std::fclose(f);
    // Dependency graph: k depends on j when a reactant of k is changed by j.
    n.dOff.push_back(0);
    for (int j = 0; j < n.J; j++) {
        for (int k = 0; k < n.J; k++) {
            bool dep = false;
            for (int p = n.jOff[j]; p < n.jOff[j + 1]; p++)
                for (int q = n.rOff[k]; q < n.rOff[k + 1]; q++)
                    if (n.jSp[p] == n.rSp[q]) dep = true;
            if (dep) n.dep.push_back(k);
        }
        n.dOff.push_back((int)n.dep.size());
    }
    return n;
}

static inline double prop(const Network &n, const double *x, int k) {
    double v = n.c[k];
    for (int q = n.rOff[k]; q < n.rOff[k + 1]; q++) v *= x[n.rSp[q]];
    return v;
}

static inline void jump(const Network &n, double *x, int j) {
    for (int p = n.jOff[j]; p < n.jOff[j + 1]; p++) x[n.jSp[p]] += n.jDelta[p];
}

// direct runs one trajectory to T by the direct method and returns its events.
static long direct(const Network &n, PCG &rng, double T, double *x, double *a) {
    const int J = n.J;
    for (int k = 0; k < J; k++) a[k] = prop(n, x, k);
    double t = 0;
    long events = 0;
    for (;;) {
        double a0 = 0;
        for (int k = 0; k < J; k++) a0 += a[k];
        if (a0 <= 0) break;
        t += rng.expo() / a0;
        if (t > T) break;
        double r = rng.uniform() * a0;
        int j = -1;
        for (int k = 0; k < J; k++) {
            if (a[k] > 0) {
                j = k;
                if (r < a[k]) break;
                r -= a[k];
            }
        }
        if (std::fabs(a[j]) <= 1e-12 * a0) { a[j] = 0; continue; }
        jump(n, x, j);
        events++;
        for (int p = n.dOff[j]; p < n.dOff[j + 1]; p++) {
            int k = n.dep[p];
            a[k] = prop(n, x, k);
        }
    }
    return events;
}

// CR is runtime/ssa's crIndex: groups of propensities of one binary exponent.
struct CR {
    struct Group { int exp; double upper, sum; int updates; std::vector<int> members; };
    std::vector<double> val;
    std::vector<int> grp, pos, byExp, active;
    std::vector<Group> groups;
    enum { expOffset = 1051 };
    explicit CR(int J) : val(J, 0), grp(J, -1), pos(J, 0), byExp(2046 + expOffset + 1, -1) {}
    void clear() {
        std::fill(val.begin(), val.end(), 0.0);
        std::fill(grp.begin(), grp.end(), -1);
        for (auto &g : groups) { g.members.clear(); g.sum = 0; g.updates = 0; }
        active.clear();
    }
    int groupOf(double a) {
        uint64_t bits; std::memcpy(&bits, &a, 8);
        int e = (int)(bits >> 52);
        if (e == 0) { int ex; std::frexp(a, &ex); e = ex + 1022; }
        if (e > 2046) e = 2046;
        int g = byExp[e + expOffset];
        if (g < 0) {
            double up = std::ldexp(1.0, e - 1022);
            if (std::isinf(up)) up = 1.7976931348623157e308;
            g = (int)groups.size();
            groups.push_back(Group{e, up, 0, 0, {}});
            byExp[e + expOffset] = g;
        }
        return g;
    }
    inline void touch(Group &gr) {
        if (++gr.updates > 2 * (int)gr.members.size() + 16) {
            double s = 0;
            for (int m : gr.members) s += val[m];
            gr.sum = s; gr.updates = 0;
        }
    }
    void activate(int g) {
        int e = groups[g].exp;
        size_t i = active.size();
        active.push_back(g);
        while (i > 0 && groups[active[i - 1]].exp < e) { active[i] = active[i - 1]; i--; }
        active[i] = g;
    }
    void deactivate(int g) {
        for (size_t i = 0; i < active.size(); i++)
            if (active[i] == g) { active.erase(active.begin() + i); return; }
    }
    inline void set(int j, double a) {
        double old = val[j];
        if (a == old) return;
        val[j] = a;
        int g = grp[j], ng = a > 0 ? groupOf(a) : -1;
        if (g == ng) { Group &gr = groups[g]; gr.sum += a - old; touch(gr); return; }
        if (g >= 0) {
            Group &gr = groups[g];
            int p = pos[j], last = gr.members.back();
            gr.members[p] = last; pos[last] = p;
            gr.members.pop_back();
            if (gr.members.empty()) { gr.sum = 0; gr.updates = 0; deactivate(g); }
            else { gr.sum -= old; touch(gr); }
        }
        grp[j] = ng;
        if (ng >= 0) {
            Group &gr = groups[ng];
            pos[j] = (int)gr.members.size();
            gr.members.push_back(j);
            if (gr.members.size() == 1) { gr.sum = a; gr.updates = 0; activate(ng); }
            else { gr.sum += a; touch(gr); }
        }
    }
    inline double total() const {
        double s = 0;
        for (int g : active) s += groups[g].sum;
        return s;
    }
    inline int pick(double r, PCG &rng) {
        const Group *gr = &groups[active.back()];
        for (int g : active) {
            if (r < groups[g].sum) { gr = &groups[g]; break; }
            r -= groups[g].sum;
        }
        int n = (int)gr->members.size();
        double fn = n;
        for (;;) {
            double u = rng.uniform() * fn;
            int i = (int)u;
            if (i >= n) i = n - 1;
            int m = gr->members[i];
            if ((u - (double)i) * gr->upper < val[m]) return m;
        }
    }
};

// cr runs one trajectory to T by composition-rejection and returns its events.
static long crRun(const Network &n, CR &ix, PCG &rng, double T, double *x) {
    ix.clear();
    for (int k = 0; k < n.J; k++) ix.set(k, prop(n, x, k));
    double t = 0;
    long events = 0;
    for (;;) {
        double a0 = ix.total();
        if (a0 <= 0) break;
        t += rng.expo() / a0;
        if (t > T) break;
        int j = ix.pick(rng.uniform() * a0, rng);
        if (std::fabs(ix.val[j]) <= 1e-12 * a0) { ix.set(j, 0); continue; }
        jump(n, x, j);
        events++;
        for (int p = n.dOff[j]; p < n.dOff[j + 1]; p++) {
            int k = n.dep[p];
            ix.set(k, prop(n, x, k));
        }
    }
    return events;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: ssa_ref NETFILE direct|cr RUNS T SEED\n");
        return 2;
    }
    Network n = readNet(argv[1]);
    std::string method = argv[2];
    int runs = std::atoi(argv[3]);
    double T = std::strtod(argv[4], nullptr);
    uint64_t sd = std::strtoull(argv[5], nullptr, 10);
    if (method != "direct" && method != "cr") { std::fprintf(stderr, "unknown method %s\n", method.c_str()); return 2; }
    std::vector<double> x(n.d), a(n.J);
    CR ix(n.J);
    PCG rng;
    double check = 0; // a sum of the final states, so that the work cannot be optimised away
    long events = 0;
    auto start = std::chrono::steady_clock::now();
    std::clock_t cpu0 = std::clock();
    for (int r = 0; r < runs; r++) {
        seed(rng, sd, (uint64_t)r);
        if (n.envDraw) rng.uniform(); // Sim.Reset draws the initial environment state, even of one state
        std::copy(n.init.begin(), n.init.end(), x.begin());
        events += method == "direct" ? direct(n, rng, T, x.data(), a.data()) : crRun(n, ix, rng, T, x.data());
        for (double v : x) check += v;
    }
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = (double)(std::clock() - cpu0) / CLOCKS_PER_SEC;
    std::printf("%s %d %ld %.6f %.6g %.6f %.17g\n", method.c_str(), runs, events, sec, (double)events / sec, cpu, check);
    return 0;
}
