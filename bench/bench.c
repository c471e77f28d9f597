/* bench.c - the cost of adc's gradients, measured side by side in one
 * process: forward, adc's gradient, a hand-written gradient, and central
 * differences. Ratios matter, not absolute times: machines are shared. */
#include "timing.h"

#include "normal_nll_grad.h"
#include "pendulum_grad.h"
#include "rosenbrock_grad.h"
#include "seed_grad.h"

enum { N = 1 << 20, REPS = 7 };
static double xs[4][256];

/* Hand-written derivatives (bench/hand.c), compiled separately like adc's
 * output so that neither side is inlined into the timing loop. */
double seed_hand(double x0, double x1, double *g0, double *g1);
double rosen_hand(double x, double y, double *gx, double *gy);

/* best ns per evaluation of expr over REPS runs; k cycles over 256 points */
#define TIME(best, expr)                                                       \
  do {                                                                         \
    best = 1e30;                                                               \
    for (int r = 0; r < REPS; r++) {                                           \
      double t0 = now(), acc = 0;                                              \
      for (int i = 0; i < N; i++) {                                            \
        int k = i & 255;                                                       \
        acc += (expr);                                                         \
      }                                                                        \
      sink = acc;                                                              \
      double t = (now() - t0) / N * 1e9;                                       \
      best = t < best ? t : best;                                              \
    }                                                                          \
  } while (0)

static void row(const char *name, double fwd, double grad, double hand, double fd) {
  printf("%-22s %9.2f %9.2f %9.2f %9.2f   %6.2f  %6.2f  %6.2f\n", name, fwd, grad, hand, fd,
         grad / fwd, hand > 0 ? grad / hand : NAN, fd / fwd);
}

int main(void) {
  srand(1);
  for (int j = 0; j < 4; j++)
    for (int i = 0; i < 256; i++)
      xs[j][i] = 0.2 + 1.5 * rand() / (double)RAND_MAX;
  double g[4];
  printf("ns per call (best of %d runs of %d calls)\n", REPS, N);
  printf("%-22s %9s %9s %9s %9s   %6s  %6s  %6s\n", "problem", "forward", "adc grad", "hand",
         "central", "grad/f", "adc/hand", "cd/f");
  double tf, ta, th, tc;
  TIME(tf, f(xs[0][k], xs[1][k]));
  TIME(ta, f_grad(xs[0][k], xs[1][k], &g[0], &g[1]) + g[0]);
  TIME(th, seed_hand(xs[0][k], xs[1][k], &g[0], &g[1]) + g[0]);
  TIME(tc, (f(xs[0][k] + 1e-6, xs[1][k]) - f(xs[0][k] - 1e-6, xs[1][k]) + f(xs[0][k], xs[1][k] + 1e-6) -
            f(xs[0][k], xs[1][k] - 1e-6)) / 2e-6);
  row("seed", tf, ta, th, tc);
  TIME(tf, rosen(xs[0][k], xs[1][k]));
  TIME(ta, rosen_grad(xs[0][k], xs[1][k], &g[0], &g[1]) + g[0]);
  TIME(th, rosen_hand(xs[0][k], xs[1][k], &g[0], &g[1]) + g[0]);
  TIME(tc, (rosen(xs[0][k] + 1e-6, xs[1][k]) - rosen(xs[0][k] - 1e-6, xs[1][k]) +
            rosen(xs[0][k], xs[1][k] + 1e-6) - rosen(xs[0][k], xs[1][k] - 1e-6)) / 2e-6);
  row("rosenbrock", tf, ta, th, tc);
  TIME(tf, energy(xs[0][k], xs[1][k], xs[2][k], xs[3][k]));
  TIME(ta, energy_grad(xs[0][k], xs[1][k], xs[2][k], xs[3][k], &g[0], &g[1], &g[2], &g[3]) + g[0]);
  row("pendulum energy", tf, ta, 0, NAN);
  TIME(tf, projectile(xs[0][k], xs[1][k], xs[2][k]));
  TIME(ta, projectile_grad(xs[0][k], xs[1][k], xs[2][k], &g[0], &g[1], &g[2]) + g[0]);
  row("projectile (4 steps)", tf, ta, 0, NAN);
  TIME(tf, nll(xs[0][k], xs[1][k]));
  TIME(ta, nll_grad(xs[0][k], xs[1][k], &g[0], &g[1]) + g[0]);
  row("normal nll", tf, ta, 0, NAN);
  return 0;
}
