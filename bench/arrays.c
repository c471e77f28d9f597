/* arrays.c - the cost of adc's gradients and Jacobians on the problems with
 * arrays and loops, side by side with their forward functions in one
 * process (ratios, not absolute times: machines are shared). */
#include "timing.h"

#include "ba_grad.h"
#include "gmm_grad.h"
#include "logistic_grad.h"
#include "oscillator_grad.h"
#include "rosenbrock_n_grad.h"

enum { REPS = 7 };

/* best ns per call of expr over REPS runs of `calls` calls each */
#define TIME(best, calls, expr)                                                \
  do {                                                                         \
    best = 1e30;                                                               \
    for (int r = 0; r < REPS; r++) {                                           \
      double t0 = now(), acc = 0;                                              \
      for (long i = 0; i < (calls); i++)                                       \
        acc += (expr);                                                         \
      sink = acc;                                                              \
      double t = (now() - t0) / (double)(calls) * 1e9;                         \
      best = t < best ? t : best;                                              \
    }                                                                          \
  } while (0)

static double *filled(long n, double lo, double hi) {
  double *v = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  for (long i = 0; i < n; i++)
    v[i] = lo + (hi - lo) * rand() / (double)RAND_MAX;
  return v;
}

static void row(const char *name, double fwd, double grad) {
  printf("%-28s %12.1f %12.1f   %6.2f\n", name, fwd, grad, grad / fwd);
}

static void rosenbrock(int n) {
  double *x = filled(n, -1, 1), *g = filled(n, 0, 0), tf, tg;
  long calls = 20000000 / (n + 10);
  TIME(tf, calls, rosenbrock_n(n, x));
  TIME(tg, calls, rosenbrock_n_grad(n, x, g) + g[0]);
  char name[64];
  snprintf(name, sizeof name, "rosenbrock_n n=%d", n);
  row(name, tf, tg);
  free(x);
  free(g);
}

static void gmm_case(int d, int k, int n) {
  int s = d * (d + 1) / 2;
  double *al = filled(k, -1, 1), *mu = filled(k * d, -1, 1), *icf = filled(k * s, -0.5, 0.5);
  double *x = filled((long)n * d, -1, 1), *ga = filled(k, 0, 0), *gm = filled(k * d, 0, 0),
         *gi = filled(k * s, 0, 0), tf, tg;
  long calls = 2000000000L / ((long)n * k * (d + d * d / 2) * 10) + 1;
  TIME(tf, calls, gmm(k, d, n, al, mu, icf, x, 1.0, 0.0));
  TIME(tg, calls, gmm_grad(k, d, n, al, mu, icf, x, 1.0, 0.0, ga, gm, gi) + ga[0]);
  char name[64];
  snprintf(name, sizeof name, "gmm d=%d K=%d N=%d", d, k, n);
  row(name, tf, tg);
  free(al), free(mu), free(icf), free(x), free(ga), free(gm), free(gi);
}

int main(void) {
  srand(1);
  printf("ns per call (best of %d runs)\n", REPS);
  printf("%-28s %12s %12s   %6s\n", "problem", "forward", "adc grad", "grad/f");
  rosenbrock(10);
  rosenbrock(100);
  rosenbrock(1000);
  {
    int d = 10, m = 1000;
    double *w = filled(d, -1, 1), *X = filled((long)d * m, -1, 1), *y = filled(m, -1, 1);
    double *g = filled(d, 0, 0), tf, tg;
    for (int i = 0; i < m; i++)
      y[i] = y[i] < 0 ? -1 : 1;
    TIME(tf, 2000, logistic(d, m, w, X, y));
    TIME(tg, 2000, logistic_grad(d, m, w, X, y, g) + g[0]);
    row("logistic d=10 m=1000", tf, tg);
    free(w), free(X), free(y), free(g);
  }
  {
    double tf, tg, gx, gv, gc;
    TIME(tf, 200000, oscillator(0.7, -0.3, 0.1 + 1e-9 * (double)(i & 7), 2.0, 5.0));
    TIME(tg, 200000, oscillator_grad(0.7, -0.3, 0.1 + 1e-9 * (double)(i & 7), 2.0, 5.0, &gx, &gv, &gc) + gc);
    row("oscillator (RK4, 100 steps)", tf, tg);
  }
  {
    double cam[11] = {-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673,
                      419.194514, 5.864426, -8.518870, 0.087812, 0.002739};
    double X[3] = {7.203245, 0.001144, 3.023326}, feat[2] = {271.760969, 834.209256};
    double ex, ey, jac[2 * 15], tf, tg;
    TIME(tf, 2000000, (ba(cam, X, 0.417022 + 1e-9 * (double)(i & 7), feat, &ex, &ey), ex + ey));
    TIME(tg, 2000000, (ba_jac(cam, X, 0.417022 + 1e-9 * (double)(i & 7), feat, &ex, &ey, jac), ex + jac[3]));
    row("ba: full 2x15 Jacobian", tf, tg);
  }
  gmm_case(2, 5, 1000);
  gmm_case(5, 10, 1000);
  gmm_case(10, 25, 1000);
  return 0;
}
