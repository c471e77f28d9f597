/* second.c - second order side by side in one process: adc's f, f_grad,
 * f_hvp and f_hess, a Hessian-vector product written by hand (hand.c) where
 * one is cheap to write (Rosenbrock n, logistic regression, the heat
 * equation), and ADOL-C's
 * hess_vec() and hessian() (when built with -DHAVE_ADOLC). Every product
 * and Hessian is checked against the others first. Times are medians of
 * REPS rounds, what is compared timed in turn within each round.
 * Usage: second [CSV] */
#include "timing.h"

#include <string.h>

#include "gmm_grad.h"
#include "hand.h"
#include "heat_grad.h"
#include "logistic_grad.h"
#include "rosenbrock_n_grad.h"
#ifdef HAVE_ADOLC
#include "adolc_bench.h"
#endif

static FILE *csv;

/* f_hess's H times v against f_hvp's H v; its lower triangle against
 * ADOL-C's (lower, NULL without it) */
static void hess_agrees(const char *what, const double *H, const double *v, const double *hd, long n,
                        const double *lower) {
  double *hv = filled(n, 0, 0);
  for (long r = 0; r < n; r++) {
    hv[r] = 0;
    for (long c = 0; c < n; c++) {
      hv[r] += H[r * n + c] * v[c];
      if (lower && c <= r && !(fabs(H[r * n + c] - lower[r * n + c]) <= 1e-8 * (1 + fabs(H[r * n + c])))) {
        fprintf(stderr, "bench: %s: ADOL-C's Hessian (%ld, %ld) is %.17g, adc's %.17g\n", what, r, c,
                lower[r * n + c], H[r * n + c]);
        exit(1);
      }
    }
  }
  agree(what, hd, hv, n);
  free(hv);
}

static void header(void) {
  printf("second order: f, f_grad, f_hvp (gradient and H v), a hand-written H v, f_hess (gradient and the\n"
         "dense Hessian), ADOL-C's hess_vec() and hessian(); ns per call, medians of %d rounds\n", REPS);
  printf("%-22s %5s %9s %9s %9s %9s %11s %9s %11s  %6s %8s %8s %9s %8s %9s\n", "problem", "n", "forward",
         "gradient", "f_hvp", "hand hvp", "f_hess", "ADOL hvp", "ADOL hess", "hvp/f", "hvp/grad", "hvp/hand",
         "hess/n.hvp", "ADOL/hvp", "ADOL/hess");
  if (csv)
    fprintf(csv, "problem,inputs,forward_ns,grad_ns,hvp_ns,hand_hvp_ns,hess_ns,adolc_hvp_ns,adolc_hess_ns,"
                 "hvp_over_f,hvp_over_grad,hvp_over_hand,hess_over_n_hvp,adolc_over_hvp,adolc_over_hess\n");
}

/* One row; hess/n.hvp compares f_hess with n calls of f_hvp timed beside
 * it (hp), not with the f_hvp column's time. */
static void row(const char *name, long n, double f, double g, double h, double hand, double hs, double hp,
                double ah, double as) {
  printf("%-22s %5ld %9.1f %9.1f %9.1f %9.1f %11.1f %9.1f %11.1f  %6.2f %8.2f %8.2f %9.2f %8.1f %9.1f\n", name, n, f,
         g, h, hand, hs, ah, as, h / f, h / g, h / hand, hs / (n * hp), ah / h, as / hs);
  if (csv)
    fprintf(csv, "%s,%ld,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%.2f,%.2f\n", name, n, f, g, h, hand,
            hs, ah, as, h / f, h / g, h / hand, hs / (n * hp), ah / h, as / hs);
}

static void rosen_case(int n, int which) {
  double *x = filled(n, -1, 1), *v = filled(n, -1, 1), *g = filled(n, 0, 0), *hb = filled(n, 0, 0);
  double *hd = filled(n, 0, 0), *hh = filled(n, 0, 0), *gh = filled(n, 0, 0), *H = filled((long)n * n, 0, 0);
  double *lower = NULL, tf, tg, th, tk, ts, tp, tah = NAN, tas = NAN;
  long calls;
  rosenbrock_n_hvp(n, x, v, hb, hd);
  rosen_n_hvp_hand(n, x, v, g, hh);
  agree("rosenbrock_n, hand-written gradient", hb, g, n);
  agree("rosenbrock_n, hand-written H v", hd, hh, n);
  rosenbrock_n_hess(n, x, gh, H);
  agree("rosenbrock_n, f_hess's gradient", hb, gh, n);
#ifdef HAVE_ADOLC
  lower = filled((long)n * n, 0, 0);
  adolc_rosen_n_hvp(which, x, v, hh);
  agree("rosenbrock_n, ADOL-C's H v", hd, hh, n);
  adolc_rosen_n_hess(which, x, lower);
#else
  (void)which;
#endif
  hess_agrees("rosenbrock_n, f_hess", H, v, hd, n, lower);
  CALLS(calls, rosenbrock_n_hvp(n, x, v, hb, hd));
  TIME_SIDE(calls, tf, rosenbrock_n(n, x), tg, rosenbrock_n_grad(n, x, g) + g[0], th,
            rosenbrock_n_hvp(n, x, v, hb, hd) + hd[0], tk, rosen_n_hvp_hand(n, x, v, g, hh) + hh[0]);
  TIME_PAIR(calls / n + 1, tp, rosenbrock_n_hvp(n, x, v, hb, hd) + hd[0], ts, rosenbrock_n_hess(n, x, gh, H) + H[0]);
#ifdef HAVE_ADOLC
  TIME(tah, calls / 4 + 1, (adolc_rosen_n_hvp(which, x, v, hh), hh[0]));
  TIME(tas, calls / n / 4 + 1, (adolc_rosen_n_hess(which, x, lower), lower[0]));
#endif
  char name[64];
  snprintf(name, sizeof name, "rosenbrock_n n=%d", n);
  row(name, n, tf, tg, th, tk, ts, tp, tah, tas);
  free(x), free(v), free(g), free(hb), free(hd), free(hh), free(gh), free(H), free(lower);
}

/* d weights, m points in [-1, 1]^d labelled by a random hyperplane (so that
 * they are not separable exactly: a few labels flipped) */
static void logistic_case(int d, int m) {
  double *w = filled(d, -0.5, 0.5), *X = filled((long)m * d, -1, 1), *y = filled(m, 0, 0), *a = filled(d, -1, 1);
  for (int i = 0; i < m; i++) {
    double s = 0;
    for (int j = 0; j < d; j++)
      s += a[j] * X[(long)i * d + j];
    y[i] = (s > 0) == (i % 10 != 0) ? 1 : -1;
  }
  double *v = filled(d, -1, 1), *g = filled(d, 0, 0), *hb = filled(d, 0, 0), *hd = filled(d, 0, 0);
  double *hh = filled(d, 0, 0), *gh = filled(d, 0, 0), *H = filled((long)d * d, 0, 0), *lower = NULL;
  double tf, tg, th, tk, ts, tp, tah = NAN, tas = NAN;
  long calls;
  logistic_hvp(d, m, w, X, y, v, hb, hd);
  logistic_hvp_hand(d, m, w, X, y, v, g, hh);
  agree("logistic, hand-written gradient", hb, g, d);
  agree("logistic, hand-written H v", hd, hh, d);
  logistic_hess(d, m, w, X, y, gh, H);
  agree("logistic, f_hess's gradient", hb, gh, d);
#ifdef HAVE_ADOLC
  lower = filled((long)d * d, 0, 0);
  adolc_record_logistic(d, m, w, X, y);
  adolc_logistic_hvp(w, v, hh);
  agree("logistic, ADOL-C's H v", hd, hh, d);
  adolc_logistic_hess(w, lower);
#endif
  hess_agrees("logistic, f_hess", H, v, hd, d, lower);
  CALLS(calls, logistic_hvp(d, m, w, X, y, v, hb, hd));
  TIME_SIDE(calls, tf, logistic(d, m, w, X, y), tg, logistic_grad(d, m, w, X, y, g) + g[0], th,
            logistic_hvp(d, m, w, X, y, v, hb, hd) + hd[0], tk, logistic_hvp_hand(d, m, w, X, y, v, g, hh) + hh[0]);
  TIME_PAIR(calls / d + 1, tp, logistic_hvp(d, m, w, X, y, v, hb, hd) + hd[0], ts,
            logistic_hess(d, m, w, X, y, gh, H) + H[0]);
#ifdef HAVE_ADOLC
  TIME(tah, calls / 4 + 1, (adolc_logistic_hvp(w, v, hh), hh[0]));
  TIME(tas, calls / d / 4 + 1, (adolc_logistic_hess(w, lower), lower[0]));
#endif
  char name[64];
  snprintf(name, sizeof name, "logistic d=%d m=%d", d, m);
  row(name, d, tf, tg, th, tk, ts, tp, tah, tas);
  free(w), free(X), free(y), free(a), free(v), free(g), free(hb), free(hd), free(hh), free(gh), free(H), free(lower);
}

/* GMM at ADBench's smallest shape (random parameters and points): no
 * hand-written product; f_hess against n calls of f_hvp */
static void gmm_case(int k, int d, int n) {
  int icfn = d * (d + 1) / 2, in = k + k * d + k * icfn;
  double *al = filled(k, -1, 1), *mu = filled((long)k * d, -1, 1), *icf = filled((long)k * icfn, -0.5, 0.5);
  double *x = filled((long)n * d, -1, 1), *v = filled(in, -1, 1), *hb = filled(in, 0, 0), *hd = filled(in, 0, 0);
  double *g = filled(in, 0, 0), *H = filled((long)in * in, 0, 0), tf, tg, th, ts, tp;
  long calls;
#define GMM_ARGS k, d, n, al, mu, icf, x, 1.0, 0.0
  gmm_hvp(GMM_ARGS, v, v + k, v + k + k * d, hb, hb + k, hb + k + k * d, hd, hd + k, hd + k + k * d);
  gmm_hess(GMM_ARGS, g, H);
  agree("gmm, f_hess's gradient", hb, g, in);
  hess_agrees("gmm, f_hess", H, v, hd, in, NULL);
  CALLS(calls, gmm(GMM_ARGS));
  TIME_PAIR(calls, tf, gmm(GMM_ARGS), tg, gmm_grad(GMM_ARGS, g, g + k, g + k + k * d) + g[0]);
  TIME_PAIR(calls / in + 1, tp,
            gmm_hvp(GMM_ARGS, v, v + k, v + k + k * d, hb, hb + k, hb + k + k * d, hd, hd + k, hd + k + k * d) + hd[0],
            ts, gmm_hess(GMM_ARGS, g, H) + H[0]);
  th = tp;
#undef GMM_ARGS
  char name[64];
  snprintf(name, sizeof name, "gmm d=%d K=%d N=%d", d, k, n);
  row(name, in, tf, tg, th, NAN, ts, tp, NAN, NAN);
  free(al), free(mu), free(icf), free(x), free(v), free(hb), free(hd), free(g), free(H);
}

/* samples/heat.ad: n nodes, steps steps; n + 1 inputs (u0 and k) */
static void heat_case(int n, int steps) {
  long in = n + 1;
  double *u0 = filled(n, 0, 1), *v = filled(in, -1, 1), *hb = filled(in, 0, 0), *hd = filled(in, 0, 0);
  double *g = filled(in, 0, 0), *hh = filled(in, 0, 0), *gh = filled(in, 0, 0), *H = filled(in * in, 0, 0);
  double *w = filled(2 * (long)n * steps + 4 * n, 0, 0), tf, tg, th, tk, ts, tp;
  long calls;
#define HEAT_HVP heat_hvp(n, u0, 0.2, steps, v, v[n], hb, &hb[n], hd, &hd[n])
#define HEAT_HAND heat_hvp_hand(n, u0, 0.2, steps, v, v[n], g, &g[n], hh, &hh[n], w)
  HEAT_HVP;
  HEAT_HAND;
  agree("heat, hand-written gradient", hb, g, in);
  agree("heat, hand-written H v", hd, hh, in);
  heat_hess(n, u0, 0.2, steps, gh, H);
  agree("heat, f_hess's gradient", hb, gh, in);
  hess_agrees("heat, f_hess", H, v, hd, in, NULL);
  CALLS(calls, HEAT_HVP);
  TIME_SIDE(calls, tf, heat(n, u0, 0.2, steps), tg, heat_grad(n, u0, 0.2, steps, g, &g[n]) + g[n], th,
            HEAT_HVP + hd[n], tk, HEAT_HAND + hh[n]);
  TIME_PAIR(calls / in + 1, tp, HEAT_HVP + hd[n], ts, heat_hess(n, u0, 0.2, steps, gh, H) + H[0]);
#undef HEAT_HVP
#undef HEAT_HAND
  char name[64];
  snprintf(name, sizeof name, "heat n=%d steps=%d", n, steps);
  row(name, in, tf, tg, th, tk, ts, tp, NAN, NAN);
  free(u0), free(v), free(hb), free(hd), free(g), free(hh), free(gh), free(H), free(w);
}

int main(int argc, char **argv) {
  srand(2);
  if (argc > 1 && !(csv = fopen(argv[1], "w"))) {
    perror(argv[1]);
    return 2;
  }
#ifdef HAVE_ADOLC
  {
    double *x = filled(1000, -1, 1), ba_in[15] = {0.1, 0.2, 0.3, 1, 2, 3, 400, 5, -8, 0.08, 0.003, 7, 0.1, 3, 0.4};
    double feat[2] = {271.760969, 834.209256};
    adolc_record(x, ba_in, feat);
    free(x);
  }
#endif
  header();
  rosen_case(10, 0);
  rosen_case(100, 1);
  logistic_case(10, 100);
  logistic_case(50, 1000);
  gmm_case(5, 2, 1000);
  heat_case(100, 100);
  if (csv)
    fclose(csv);
  return 0;
}
