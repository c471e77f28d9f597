/* bench.c - the cost of adc's gradients, measured side by side in one
 * process: the forward function, adc's gradient (or Jacobian), a gradient
 * and a forward function written by hand (hand.c), central differences,
 * and ADOL-C (when built with -DHAVE_ADOLC). Each time is the median of
 * REPS runs (adc's forward function and gradient, the hand-written gradient
 * and forward function timed in turn in each round); ratios matter, not
 * absolute times: machines are shared.
 * Usage: bench [CSV]   (the table goes to stdout, the same rows to CSV) */
#include "timing.h"

#include <string.h>

#include "ba_grad.h"
#include "gmm_grad.h"
#include "hand.h"
#include "heat_grad.h"
#include "lstm_grad.h"
#include "oscillator_grad.h"
#include "rosenbrock_grad.h"
#include "rosenbrock_n_grad.h"
#include "seed_grad.h"
#ifdef HAVE_ADOLC
#include "adolc_bench.h"
#endif

static FILE *csv;

static void header(void) {
  printf("%-22s %10s %10s %10s %10s %10s %9s   %6s %8s %6s %8s %6s\n", "problem", "forward", "adc grad", "hand",
         "plain fwd", "central", "ADOL-C", "grad/f", "adc/hand", "f/plain", "ADOL/adc", "cd/f");
  if (csv)
    fprintf(csv, "problem,inputs,forward_ns,adc_ns,hand_ns,plain_ns,central_ns,adolc_ns,grad_over_f,adc_over_hand,"
                 "f_over_plain,adolc_over_adc,central_over_f\n");
}

/* One row: adc's forward function (f), its gradient (a), the hand-written
 * gradient (h), the plain hand-written forward function (p), central
 * differences, ADOL-C; NAN for what was not measured. */
static void row(const char *name, int inputs, double f, double a, double h, double p, double cd, double ad) {
  printf("%-22s %10.1f %10.1f %10.1f %10.1f %10.0f %9.1f   %6.2f %8.2f %6.2f %8.1f %6.1f\n", name, f, a, h, p, cd,
         ad, a / f, a / h, f / p, ad / a, cd / f);
  if (csv)
    fprintf(csv, "%s,%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%.2f,%.2f\n", name, inputs, f, a, h, p, cd, ad,
            a / f, a / h, f / p, ad / a, cd / f);
}

/* Forward mode, printed after the first table: f_jvp beside f, and f_hvp
 * beside them and the gradient (NAN where not measured). */
static struct {
  char name[64];
  double f, j, g, h;
} jrows[32];
static int njrows;
static FILE *jcsv;

/* f_jvp along direction v (tangent fd, value fv) against the gradient g
 * (fd = g . v, fv = f's value v0 to the bit) before it is timed. */
static void jvp_agrees(const char *what, double fd, const double *g, const double *v, int n, double fv, double v0) {
  double want = 0, mag = 0;
  for (int i = 0; i < n; i++)
    want += g[i] * v[i], mag += fabs(g[i] * v[i]);
  if (!(fabs(fd - want) <= 1e-9 * (1 + mag)) || fv != v0) {
    fprintf(stderr, "bench: %s: f_jvp gives %.17g (value %.17g), the gradient %.17g (value %.17g)\n", what, fd, fv,
            want, v0);
    exit(1);
  }
}

/* f_hvp's H v (hd, its gradient hb) against central differences of the
 * gradient along v (gu, gd at x + h v and x - h v) and the gradient g. */
static void hvp_agrees(const char *what, const double *hd, const double *hb, const double *g, const double *gu,
                       const double *gd, int n, double h) {
  for (int i = 0; i < n; i++) {
    double fd = (gu[i] - gd[i]) / (2 * h);
    if (!(fabs(hd[i] - fd) <= 1e-4 * (1 + fabs(fd))) || !(fabs(hb[i] - g[i]) <= 1e-9 * (1 + fabs(g[i])))) {
      fprintf(stderr, "bench: %s: f_hvp entry %d is %.17g (gradient %.17g), differences %.17g (%.17g)\n", what, i,
              hd[i], hb[i], fd, g[i]);
      exit(1);
    }
  }
}

static void jrow4(const char *name, double f, double j, double g, double h) {
  if (njrows < 32) {
    snprintf(jrows[njrows].name, sizeof jrows[njrows].name, "%s", name);
    jrows[njrows].f = f, jrows[njrows].j = j, jrows[njrows].g = g, jrows[njrows++].h = h;
  }
}

static void jrow(const char *name, double f, double j) { jrow4(name, f, j, NAN, NAN); }

static void jtable(void) {
  if (!njrows)
    return;
  printf("\nforward mode: f_jvp (the value and one directional derivative), f_hvp (the gradient and the\n"
         "Hessian times a vector), f and f_grad timed in turn, ns per call, medians of %d rounds; f_jvp\n"
         "checked against the gradient, f_hvp against differences of the gradient, first; a row 'by hand'\n"
         "has a hand-written tangent (bench/hand.c) in f_jvp's column\n", REPS);
  printf("%-24s %12s %12s %12s %12s %8s %8s %9s\n", "problem", "forward", "f_jvp", "gradient", "f_hvp", "jvp/f",
         "hvp/f", "hvp/grad");
  if (jcsv)
    fprintf(jcsv, "problem,forward_ns,jvp_ns,grad_ns,hvp_ns,jvp_over_f,hvp_over_f,hvp_over_grad\n");
  for (int k = 0; k < njrows; k++) {
    double f = jrows[k].f, j = jrows[k].j, g = jrows[k].g, h = jrows[k].h;
    printf("%-24s %12.1f %12.1f %12.1f %12.1f %8.2f %8.2f %9.2f\n", jrows[k].name, f, j, g, h, j / f, h / f, h / g);
    if (jcsv)
      fprintf(jcsv, "%s,%.1f,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f\n", jrows[k].name, f, j, g, h, j / f, h / f, h / g);
  }
}

static const double H = 1e-6;
static double pts[2][256];

/* The forward-mode row of a function of two scalars (seed, Rosenbrock):
 * f and f_jvp, both called through pointers, in turn. */
static void jvp2(const char *name, long n, double (*fn)(double, double),
                 double (*grad)(double, double, double *, double *),
                 double (*jvp)(double, double, double, double, double *)) {
  double v[2] = {0.3, -0.7}, g[2], fd, tf, tj, fv = jvp(pts[0][9], pts[1][9], v[0], v[1], &fd);
  grad(pts[0][9], pts[1][9], &g[0], &g[1]);
  jvp_agrees(name, fd, g, v, 2, fv, fn(pts[0][9], pts[1][9]));
  TIME_PAIR(n, tf, fn(pts[0][i & 255], pts[1][i & 255]), tj, jvp(pts[0][i & 255], pts[1][i & 255], v[0], v[1], &fd) + fd);
  jrow(name, tf, tj);
}

static void scalars(void) {
  double g[2], h[2], tf, ta, th, tp, tc, tad = NAN;
  long n;
  for (int k = 0; k < 256; k += 37) {
    f_grad(pts[0][k], pts[1][k], &g[0], &g[1]);
    seed_hand(pts[0][k], pts[1][k], &h[0], &h[1]);
    agree("seed, hand-written", g, h, 2);
    g[0] = f(pts[0][k], pts[1][k]), h[0] = seed_plain(pts[0][k], pts[1][k]);
    agree("seed value, plain C", g, h, 1);
  }
  CALLS(n, f(pts[0][i & 255], pts[1][i & 255]));
  n *= 20;
  TIME_SIDE(n, tf, f(pts[0][i & 255], pts[1][i & 255]),
            ta, f_grad(pts[0][i & 255], pts[1][i & 255], &g[0], &g[1]) + g[0],
            th, seed_hand(pts[0][i & 255], pts[1][i & 255], &g[0], &g[1]) + g[0],
            tp, seed_plain(pts[0][i & 255], pts[1][i & 255]));
  TIME(tc, n, (f(pts[0][i & 255] + H, pts[1][i & 255]) - f(pts[0][i & 255] - H, pts[1][i & 255])) / (2 * H) +
                  (f(pts[0][i & 255], pts[1][i & 255] + H) - f(pts[0][i & 255], pts[1][i & 255] - H)) / (2 * H));
#ifdef HAVE_ADOLC
  double xa[2] = {pts[0][3], pts[1][3]};
  f_grad(xa[0], xa[1], &g[0], &g[1]);
  adolc_seed(xa, h);
  agree("seed, ADOL-C", g, h, 2);
  TIME(tad, n / 10, (xa[0] = pts[0][i & 255], adolc_seed(xa, g) + g[0]));
#endif
  row("seed", 2, tf, ta, th, tp, tc, tad);
  jvp2("seed", n, f, f_grad, f_jvp);
  TIME_SIDE(n, tf, rosen(pts[0][i & 255], pts[1][i & 255]),
            ta, rosen_grad(pts[0][i & 255], pts[1][i & 255], &g[0], &g[1]) + g[0],
            th, rosen_hand(pts[0][i & 255], pts[1][i & 255], &g[0], &g[1]) + g[0],
            tp, rosen_plain(pts[0][i & 255], pts[1][i & 255]));
  TIME(tc, n, (rosen(pts[0][i & 255] + H, pts[1][i & 255]) - rosen(pts[0][i & 255] - H, pts[1][i & 255])) / (2 * H) +
                  (rosen(pts[0][i & 255], pts[1][i & 255] + H) - rosen(pts[0][i & 255], pts[1][i & 255] - H)) / (2 * H));
  rosen_grad(pts[0][5], pts[1][5], &g[0], &g[1]);
  rosen_hand(pts[0][5], pts[1][5], &h[0], &h[1]);
  agree("rosenbrock, hand-written", g, h, 2);
  g[0] = rosen(pts[0][5], pts[1][5]), h[0] = rosen_plain(pts[0][5], pts[1][5]);
  agree("rosenbrock value, plain C", g, h, 1);
#ifdef HAVE_ADOLC
  xa[0] = pts[0][5], xa[1] = pts[1][5];
  rosen_grad(xa[0], xa[1], &g[0], &g[1]); /* (g[0] held the value) */
  adolc_rosen(xa, h);
  agree("rosenbrock, ADOL-C", g, h, 2);
  TIME(tad, n / 10, (xa[0] = pts[0][i & 255], adolc_rosen(xa, g) + g[0]));
#endif
  row("rosenbrock", 2, tf, ta, th, tp, tc, tad);
  jvp2("rosenbrock", n, rosen, rosen_grad, rosen_jvp);
}

/* central differences of the whole gradient: 2n forward calls */
static double rosen_n_central(int n, double *x) {
  double s = 0;
  for (int j = 0; j < n; j++) {
    double keep = x[j];
    x[j] = keep + H;
    double up = rosenbrock_n(n, x);
    x[j] = keep - H;
    s += (up - rosenbrock_n(n, x)) / (2 * H);
    x[j] = keep;
  }
  return s;
}

static void rosen_ext(int n, int which) {
  double *x = filled(n, -1, 1), *g = filled(n, 0, 0), *h = filled(n, 0, 0), tf, ta, th, tp, tc, tad = NAN;
  long calls;
  rosenbrock_n_grad(n, x, g);
  rosen_n_hand(n, x, h);
  agree("rosenbrock_n, hand-written", g, h, n);
  g[0] = rosenbrock_n(n, x), h[0] = rosen_n_plain(n, x);
  agree("rosenbrock_n value, plain C", g, h, 1);
  CALLS(calls, rosenbrock_n(n, x));
  calls *= 10;
  TIME_SIDE(calls, tf, rosenbrock_n(n, x),
            ta, rosenbrock_n_grad(n, x, g) + g[0],
            th, rosen_n_hand(n, x, g) + g[0],
            tp, rosen_n_plain(n, x));
  TIME(tc, calls / (2 * n) + 1, rosen_n_central(n, x));
#ifdef HAVE_ADOLC
  adolc_rosen_n(which, x, h);
  agree("rosenbrock_n, ADOL-C", g, h, n);
  TIME(tad, calls / 10 + 1, adolc_rosen_n(which, x, g) + g[0]);
#else
  (void)which;
#endif
  char name[64];
  snprintf(name, sizeof name, "rosenbrock_n n=%d", n);
  row(name, n, tf, ta, th, tp, tc, tad);
  double *v = filled(n, -1, 1), fd, tj;
  rosenbrock_n_grad(n, x, g);
  double fv = rosenbrock_n_jvp(n, x, v, &fd);
  jvp_agrees(name, fd, g, v, n, fv, rosenbrock_n(n, x));
  double *hb = filled(n, 0, 0), *hd = filled(n, 0, 0), *gu = filled(n, 0, 0), *gd = filled(n, 0, 0), tg, th2;
  const double hh = 1e-6;
  for (int s = 1; s >= -1; s -= 2) {
    for (int i = 0; i < n; i++)
      x[i] += s * hh * v[i];
    rosenbrock_n_grad(n, x, s > 0 ? gu : gd);
    for (int i = 0; i < n; i++)
      x[i] -= s * hh * v[i];
  }
  rosenbrock_n_hvp(n, x, v, hb, hd);
  hvp_agrees(name, hd, hb, g, gu, gd, n, hh);
  TIME_SIDE(calls, tf, rosenbrock_n(n, x), tj, rosenbrock_n_jvp(n, x, v, &fd) + fd, tg,
            rosenbrock_n_grad(n, x, g) + g[0], th2, rosenbrock_n_hvp(n, x, v, hb, hd) + hd[0]);
  jrow4(name, tf, tj, tg, th2);
  free(x), free(g), free(h), free(v), free(hb), free(hd), free(gu), free(gd);
}

static double ba_central(double *in, const double *feat) {
  double s = 0;
  for (int j = 0; j < 15; j++) {
    double keep = in[j], a, b, c, d;
    in[j] = keep + H;
    ba(in, in + 11, in[14], feat, &a, &b);
    in[j] = keep - H;
    ba(in, in + 11, in[14], feat, &c, &d);
    in[j] = keep;
    s += (a - c + b - d) / (2 * H);
  }
  return s;
}

static void ba_case(void) {
  double cam[11] = {-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673,
                    419.194514, 5.864426, -8.518870, 0.087812, 0.002739};
  double X[3] = {7.203245, 0.001144, 3.023326}, feat[2] = {271.760969, 834.209256}, w = 0.417022;
  double ex, ey, jac[30], jh[30], tf, ta, th, tp, tc, tad = NAN;
  ba_jac(cam, X, w, feat, &ex, &ey, jac);
  ba_hand(cam, X, w, feat, &ex, &ey, jh);
  agree("ba, hand-written", jac, jh, 30);
  ba(cam, X, w, feat, &jac[0], &jac[1]);
  ba_plain(cam, X, w, feat, &jh[0], &jh[1]);
  agree("ba value, plain C", jac, jh, 2);
  ba_jac(cam, X, w, feat, &ex, &ey, jac);
  long n = 400000;
  TIME_SIDE(n, tf, (ba(cam, X, w + 1e-9 * (double)(i & 7), feat, &ex, &ey), ex + ey),
            ta, (ba_jac(cam, X, w + 1e-9 * (double)(i & 7), feat, &ex, &ey, jac), ex + jac[3]),
            th, (ba_hand(cam, X, w + 1e-9 * (double)(i & 7), feat, &ex, &ey, jac), ex + jac[3]),
            tp, (ba_plain(cam, X, w + 1e-9 * (double)(i & 7), feat, &ex, &ey), ex + ey));
  double in[15];
  memcpy(in, cam, sizeof cam);
  memcpy(in + 11, X, sizeof X);
  in[14] = w;
  TIME(tc, n / 30, ba_central(in, feat));
#ifdef HAVE_ADOLC
  adolc_ba(in, jh);
  agree("ba, ADOL-C", jac, jh, 30);
  TIME(tad, n / 10, (adolc_ba(in, jh), jh[3]));
#endif
  row("ba 2x15 Jacobian", 15, tf, ta, th, tp, tc, tad);
  { /* one column of the Jacobian: its rows against jac . v */
    double v[15], ed[2], vx, vy, tj;
    for (int k = 0; k < 15; k++)
      v[k] = 0.1 * (k % 5) - 0.2;
    ba_jac(cam, X, w, feat, &ex, &ey, jac);
    ba_jvp(cam, X, w, feat, v, v + 11, v[14], &vx, &vy, &ed[0], &ed[1]);
    jvp_agrees("ba, ex", ed[0], jac, v, 15, vx, ex);
    jvp_agrees("ba, ey", ed[1], jac + 15, v, 15, vy, ey);
    TIME_PAIR(n, tf, (ba(cam, X, w + 1e-9 * (double)(i & 7), feat, &ex, &ey), ex + ey), tj,
              (ba_jvp(cam, X, w + 1e-9 * (double)(i & 7), feat, v, v + 11, v[14], &ex, &ey, &ed[0], &ed[1]),
               ex + ed[1]));
    jrow("ba (a Jacobian column)", tf, tj);
  }
}

static double gmm_central(int d, int k, int n, double *al, double *mu, double *icf, const double *x) {
  double *in[3] = {al, mu, icf}, sum = 0;
  int len[3] = {k, k * d, k * d * (d + 1) / 2};
  for (int a = 0; a < 3; a++)
    for (int j = 0; j < len[a]; j++) {
      double keep = in[a][j];
      in[a][j] = keep + H;
      double up = gmm(k, d, n, al, mu, icf, x, 1.0, 0.0);
      in[a][j] = keep - H;
      sum += (up - gmm(k, d, n, al, mu, icf, x, 1.0, 0.0)) / (2 * H);
      in[a][j] = keep;
    }
  return sum;
}

/* A standard normal deviate (Box-Muller on rand()). */
static double normal(void) {
  double u = (rand() + 1.0) / (RAND_MAX + 2.0), v = rand() / (RAND_MAX + 1.0);
  return sqrt(-2 * log(u)) * cos(2 * 3.14159265358979323846 * v);
}

/* A GMM instance laid out as ADBench's files are ("d K N", the alphas, the
 * means, icf and x row by row, then gamma and m): read from
 * samples/adbench/gmm/gmm_dD_KK.txt, ADBench's own data where it ships the
 * size, else made as those files are distributed (alphas, icf and x
 * standard normal, means uniform on [0, 1), gamma 1, m 0: their sample
 * moments), seeded by the size. Returns 0 (data made) or 1 (read). */
static int gmm_instance(int d, int k, int n, double *al, double *mu, double *icf, double *x, double *gm) {
  int s = d * (d + 1) / 2, fd, fk, fn;
  char path[64];
  snprintf(path, sizeof path, "samples/adbench/gmm/gmm_d%d_K%d.txt", d, k);
  FILE *f = fopen(path, "r");
  if (f && fscanf(f, "%d %d %d", &fd, &fk, &fn) == 3 && fd == d && fk == k && fn == n) {
    double *parts[4] = {al, mu, icf, x};
    long len[4] = {k, (long)k * d, (long)k * s, (long)n * d};
    for (int p = 0; p < 4; p++)
      for (long e = 0; e < len[p]; e++)
        if (fscanf(f, "%lf", &parts[p][e]) != 1) {
          fprintf(stderr, "bench: %s: too short\n", path);
          exit(1);
        }
    if (fscanf(f, "%lf %lf", &gm[0], &gm[1]) != 2) {
      fprintf(stderr, "bench: %s: no gamma and m\n", path);
      exit(1);
    }
    fclose(f);
    return 1;
  }
  if (f)
    fclose(f);
  srand((unsigned)(1000 * d + k));
  for (int e = 0; e < k; e++)
    al[e] = normal();
  for (int e = 0; e < k * d; e++)
    mu[e] = rand() / (RAND_MAX + 1.0);
  for (int e = 0; e < k * s; e++)
    icf[e] = normal();
  for (long e = 0; e < (long)n * d; e++)
    x[e] = normal();
  gm[0] = 1, gm[1] = 0;
  return 0;
}

static void gmm_case(int d, int k, int n) {
  int s = d * (d + 1) / 2, inputs = k + k * d + k * s;
  double *al = filled(k, 0, 0), *mu = filled(k * d, 0, 0), *icf = filled(k * s, 0, 0);
  double *x = filled((long)n * d, 0, 0), *g = filled(inputs, 0, 0), *h = filled(inputs, 0, 0), gm[2];
  double tf, ta, th, tp, tc;
  int read = gmm_instance(d, k, n, al, mu, icf, x, gm);
  double va = gmm_grad(k, d, n, al, mu, icf, x, gm[0], gm[1], g, g + k, g + k + k * d);
  double vh = gmm_hand(k, d, n, al, mu, icf, x, gm[0], gm[1], h, h + k, h + k + k * d);
  double vp = gmm_plain(k, d, n, al, mu, icf, x, gm[0], gm[1]);
  agree("gmm value, hand-written", &va, &vh, 1);
  agree("gmm value, plain C", &va, &vp, 1);
  agree("gmm, hand-written", g, h, inputs);
  long calls;
  CALLS(calls, gmm(k, d, n, al, mu, icf, x, gm[0], gm[1]));
  TIME_SIDE(calls, tf, gmm(k, d, n, al, mu, icf, x, gm[0], gm[1]),
            ta, gmm_grad(k, d, n, al, mu, icf, x, gm[0], gm[1], g, g + k, g + k + k * d),
            th, gmm_hand(k, d, n, al, mu, icf, x, gm[0], gm[1], g, g + k, g + k + k * d),
            tp, gmm_plain(k, d, n, al, mu, icf, x, gm[0], gm[1]));
  /* central differences: 2 forward calls per input (estimated from the
   * forward time when that would take more than a few seconds) */
  if (2.0 * inputs * tf * REPS < 3e9) {
    TIME(tc, 1, gmm_central(d, k, n, al, mu, icf, x));
  } else {
    tc = 2.0 * inputs * tf;
  }
  char name[64];
  snprintf(name, sizeof name, "gmm d=%d K=%d N=%d%s", d, k, n, read ? "" : "*");
  row(name, inputs, tf, ta, th, tp, tc, NAN);
  double *v = filled(inputs, -1, 1), fd, tj;
  gmm_grad(k, d, n, al, mu, icf, x, gm[0], gm[1], g, g + k, g + k + k * d);
  double fv = gmm_jvp(k, d, n, al, mu, icf, x, gm[0], gm[1], v, v + k, v + k + k * d, &fd);
  jvp_agrees(name, fd, g, v, inputs, fv, gmm(k, d, n, al, mu, icf, x, gm[0], gm[1]));
  double *hb = filled(inputs, 0, 0), *hd = filled(inputs, 0, 0), *gu = filled(inputs, 0, 0), *gd = filled(inputs, 0, 0);
  double *all[3] = {al, mu, icf}, tg, th2;
  const double hh = 1e-6;
  const int len[3] = {k, k * d, k * s}, off[3] = {0, k, k + k * d};
  for (int sg = 1; sg >= -1; sg -= 2) {
    for (int a = 0; a < 3; a++)
      for (int i = 0; i < len[a]; i++)
        all[a][i] += sg * hh * v[off[a] + i];
    double *o = sg > 0 ? gu : gd;
    gmm_grad(k, d, n, al, mu, icf, x, gm[0], gm[1], o, o + k, o + k + k * d);
    for (int a = 0; a < 3; a++)
      for (int i = 0; i < len[a]; i++)
        all[a][i] -= sg * hh * v[off[a] + i];
  }
  gmm_hvp(k, d, n, al, mu, icf, x, gm[0], gm[1], v, v + k, v + k + k * d, hb, hb + k, hb + k + k * d, hd, hd + k,
          hd + k + k * d);
  hvp_agrees(name, hd, hb, g, gu, gd, inputs, hh);
  TIME_SIDE(calls, tf, gmm(k, d, n, al, mu, icf, x, gm[0], gm[1]), tj,
            gmm_jvp(k, d, n, al, mu, icf, x, gm[0], gm[1], v, v + k, v + k + k * d, &fd) + fd, tg,
            gmm_grad(k, d, n, al, mu, icf, x, gm[0], gm[1], g, g + k, g + k + k * d), th2,
            gmm_hvp(k, d, n, al, mu, icf, x, gm[0], gm[1], v, v + k, v + k + k * d, hb, hb + k, hb + k + k * d, hd,
                    hd + k, hd + k + k * d));
  jrow4(name, tf, tj, tg, th2);
  free(al), free(mu), free(icf), free(x), free(g), free(h), free(v), free(hb), free(hd), free(gu), free(gd);
}

static void oscillator_case(void) {
  double g[3], h[3], tf, ta, th, tp, tc;
  oscillator_grad(0.7, -0.3, 0.1, 2.0, 5.0, &g[0], &g[1], &g[2]);
  oscillator_hand(0.7, -0.3, 0.1, 2.0, 5.0, &h[0], &h[1], &h[2]);
  agree("oscillator, hand-written", g, h, 3);
  g[0] = oscillator(0.7, -0.3, 0.1, 2.0, 5.0), h[0] = oscillator_plain(0.7, -0.3, 0.1, 2.0, 5.0);
  agree("oscillator value, plain C", g, h, 1);
  long n = 40000;
#define C_ (0.1 + 1e-9 * (double)(i & 7))
  TIME_SIDE(n, tf, oscillator(0.7, -0.3, C_, 2.0, 5.0),
            ta, oscillator_grad(0.7, -0.3, C_, 2.0, 5.0, &g[0], &g[1], &g[2]) + g[2],
            th, oscillator_hand(0.7, -0.3, C_, 2.0, 5.0, &g[0], &g[1], &g[2]) + g[2],
            tp, oscillator_plain(0.7, -0.3, C_, 2.0, 5.0));
  TIME(tc, n / 6, (oscillator(0.7 + H, -0.3, C_, 2.0, 5.0) - oscillator(0.7 - H, -0.3, C_, 2.0, 5.0) +
                   oscillator(0.7, -0.3 + H, C_, 2.0, 5.0) - oscillator(0.7, -0.3 - H, C_, 2.0, 5.0) +
                   oscillator(0.7, -0.3, C_ + H, 2.0, 5.0) - oscillator(0.7, -0.3, C_ - H, 2.0, 5.0)) / (2 * H));
  row("oscillator RK4 100 steps", 3, tf, ta, th, tp, tc, NAN);
  {
    double v[3] = {0.3, -0.7, 0.5}, fd, tj, fv = oscillator_jvp(0.7, -0.3, 0.1, 2.0, 5.0, v[0], v[1], v[2], &fd);
    oscillator_grad(0.7, -0.3, 0.1, 2.0, 5.0, &g[0], &g[1], &g[2]);
    jvp_agrees("oscillator", fd, g, v, 3, fv, oscillator(0.7, -0.3, 0.1, 2.0, 5.0));
    TIME_PAIR(n, tf, oscillator(0.7, -0.3, C_, 2.0, 5.0), tj,
              oscillator_jvp(0.7, -0.3, C_, 2.0, 5.0, v[0], v[1], v[2], &fd) + fd);
    jrow("oscillator RK4 100 steps", tf, tj);
  }
#undef C_
}

/* ADBench's LSTM on its own input (samples/adbench/lstm_l2_c1024.txt) */
static void lstm_case(void) {
  FILE *f = fopen("samples/adbench/lstm_l2_c1024.txt", "r");
  int l, c, b;
  if (!f || fscanf(f, "%d %d %d", &l, &c, &b) != 3) {
    fprintf(stderr, "bench: samples/adbench/lstm_l2_c1024.txt: cannot read it\n");
    exit(1);
  }
  int nm = 8 * l * b, ne = 3 * b, ns = 2 * l * b, nq = c * b, n = nm + ne;
  double *p = filled(n + ns + nq, 0, 0), *g = filled(n, 0, 0), *w = filled(2 * l * b + 2 * b, 0, 0);
  for (int i = 0; i < n + ns + nq; i++)
    if (fscanf(f, "%lf", &p[i]) != 1) {
      fprintf(stderr, "bench: samples/adbench/lstm_l2_c1024.txt: too short\n");
      exit(1);
    }
  fclose(f);
  double *m = p, *e = p + nm, *s = p + n, *q = p + n + ns, *h = filled(n, 0, 0), tf, ta, th, tp;
  double va = lstm(l, b, c, m, e, s, q), vp = lstm_plain(l, b, c, m, e, s, q, w);
  agree("lstm value, plain C", &va, &vp, 1);
  double vg = lstm_grad(l, b, c, m, e, s, q, g, g + nm), vh = lstm_hand(l, b, c, m, e, s, q, h, h + nm);
  agree("lstm value, hand-written", &vg, &vh, 1);
  agree("lstm, hand-written", g, h, n);
  long calls;
  CALLS(calls, lstm(l, b, c, m, e, s, q));
  TIME_SIDE(calls, tf, lstm(l, b, c, m, e, s, q), ta, lstm_grad(l, b, c, m, e, s, q, g, g + nm),
            th, lstm_hand(l, b, c, m, e, s, q, h, h + nm), tp, lstm_plain(l, b, c, m, e, s, q, w));
  char name[64];
  snprintf(name, sizeof name, "lstm l=%d c=%d", l, c);
  row(name, n, tf, ta, th, tp, 2.0 * n * tf, NAN);
  double *v = filled(n, -1, 1), fd, tj, fv = lstm_jvp(l, b, c, m, e, s, q, v, v + nm, &fd);
  jvp_agrees(name, fd, g, v, n, fv, lstm(l, b, c, m, e, s, q));
  TIME_PAIR(calls, tf, lstm(l, b, c, m, e, s, q), tj, lstm_jvp(l, b, c, m, e, s, q, v, v + nm, &fd) + fd);
  jrow(name, tf, tj);
  free(p), free(g), free(h), free(w), free(v);
}

/* samples/heat.ad: n nodes, steps steps */
static void heat_case(int n, int steps) {
  double *u0 = filled(n, 0, 1), *g = filled(n + 1, 0, 0), *h = filled(n + 1, 0, 0);
  double *w = filled((long)n * steps + 2 * n, 0, 0), tf, ta, th, tp;
  double va = heat(n, u0, 0.2, steps), vp = heat_plain(n, u0, 0.2, steps, w);
  agree("heat value, plain C", &va, &vp, 1);
  heat_grad(n, u0, 0.2, steps, g, &g[n]);
  heat_hand(n, u0, 0.2, steps, h, &h[n], w);
  agree("heat, hand-written", g, h, n + 1);
  long calls;
  CALLS(calls, heat(n, u0, 0.2, steps));
  TIME_SIDE(calls, tf, heat(n, u0, 0.2, steps), ta, heat_grad(n, u0, 0.2, steps, g, &g[n]) + g[n],
            th, heat_hand(n, u0, 0.2, steps, h, &h[n], w) + h[n], tp, heat_plain(n, u0, 0.2, steps, w));
  char name[64];
  snprintf(name, sizeof name, "heat n=%d steps=%d", n, steps);
  row(name, n + 1, tf, ta, th, tp, 2.0 * (n + 1) * tf, NAN);
  double *v = filled(n + 1, -1, 1), fd, tj;
  heat_grad(n, u0, 0.2, steps, g, &g[n]);
  double fv = heat_jvp(n, u0, 0.2, steps, v, v[n], &fd);
  jvp_agrees(name, fd, g, v, n + 1, fv, heat(n, u0, 0.2, steps));
  double *hb = filled(n + 1, 0, 0), *hd = filled(n + 1, 0, 0), *gu = filled(n + 1, 0, 0), *gd = filled(n + 1, 0, 0);
  double tg, th2;
  const double hh = 1e-6;
  for (int s = 1; s >= -1; s -= 2) {
    for (int i = 0; i < n; i++)
      u0[i] += s * hh * v[i];
    double *o = s > 0 ? gu : gd;
    heat_grad(n, u0, 0.2 + s * hh * v[n], steps, o, &o[n]);
    for (int i = 0; i < n; i++)
      u0[i] -= s * hh * v[i];
  }
  heat_hvp(n, u0, 0.2, steps, v, v[n], hb, &hb[n], hd, &hd[n]);
  hvp_agrees(name, hd, hb, g, gu, gd, n + 1, hh);
  TIME_SIDE(calls, tf, heat(n, u0, 0.2, steps), tj, heat_jvp(n, u0, 0.2, steps, v, v[n], &fd) + fd, tg,
            heat_grad(n, u0, 0.2, steps, g, &g[n]) + g[n], th2,
            heat_hvp(n, u0, 0.2, steps, v, v[n], hb, &hb[n], hd, &hd[n]) + hd[n]);
  jrow4(name, tf, tj, tg, th2);
  /* the tangent by hand (hand.c), timed beside f as f_jvp is */
  double fh, vh = heat_jvp_hand(n, u0, 0.2, steps, v, v[n], &fh, w);
  jvp_agrees("heat, hand-written tangent", fh, g, v, n + 1, vh, heat(n, u0, 0.2, steps));
  TIME_PAIR(calls, tf, heat(n, u0, 0.2, steps), tj, heat_jvp_hand(n, u0, 0.2, steps, v, v[n], &fh, w) + fh);
  snprintf(name, sizeof name, "heat, tangent by hand");
  jrow(name, tf, tj);
  free(hb), free(hd), free(gu), free(gd);
  free(u0), free(g), free(h), free(w), free(v);
}

/* ROWS="gmm heat" runs only the rows whose group is named (seed, rosenbrock,
 * ba, gmm, oscillator, lstm, heat); unset, all of them. */
static int want(const char *group) {
  const char *rows = getenv("ROWS");
  if (!rows || !*rows)
    return 1;
  size_t n = strlen(group);
  for (const char *p = strstr(rows, group); p; p = strstr(p + 1, group))
    if ((p == rows || p[-1] == ' ' || p[-1] == ',') && (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
      return 1;
  return 0;
}

int main(int argc, char **argv) {
  srand(1);
  if (argc > 1 && !(csv = fopen(argv[1], "w"))) {
    perror(argv[1]);
    return 2;
  }
  if (argc > 2 && !(jcsv = fopen(argv[2], "w"))) {
    perror(argv[2]);
    return 2;
  }
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 256; i++)
      pts[j][i] = 0.2 + 1.5 * rand() / (double)RAND_MAX;
#ifdef HAVE_ADOLC
  {
    double *x = filled(1000, -1, 1), ba_in[15] = {-0.758453, -1.109613, -0.845551, 34.556073, 39.676747,
                                                  53.881673, 419.194514, 5.864426, -8.518870, 0.087812,
                                                  0.002739, 7.203245, 0.001144, 3.023326, 0.417022};
    double feat[2] = {271.760969, 834.209256};
    x[0] = pts[0][3], x[1] = pts[1][3];
    adolc_record(x, ba_in, feat);
    free(x);
    srand(1);
  }
#endif
  printf("ns per call, median of %d rounds (adc's forward and gradient, the hand-written gradient and the\n"
         "plain C forward timed in turn in each); gradients and values checked against each other first;\n"
         "f/plain: adc's forward function over the plain one; '*': data made as ADBench's files are\n", REPS);
  header();
  if (want("seed"))
    scalars();
  if (want("rosenbrock")) {
    rosen_ext(10, 0);
    rosen_ext(100, 1);
    rosen_ext(1000, 2);
  }
  if (want("ba"))
    ba_case();
  if (want("gmm")) {
    gmm_case(2, 5, 1000); /* ADBench's files */
    gmm_case(10, 25, 1000);
    gmm_case(20, 50, 1000); /* made as those are (the row's name ends in '*') */
    gmm_case(64, 50, 1000);
  }
  if (want("oscillator"))
    oscillator_case();
  if (want("lstm"))
    lstm_case();
  if (want("heat"))
    heat_case(1000, 1000);
  jtable();
  if (csv)
    fclose(csv);
  if (jcsv)
    fclose(jcsv);
  return 0;
}
