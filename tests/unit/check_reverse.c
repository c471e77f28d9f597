/* check_reverse.c - reverse mode through the interpreter: every builtin and
 * construct against central differences at many points, at -O0 and -O1,
 * f_vjp against f_grad, and each derivative convention at its kink; second
 * order (f_hvp's graph) the same way: every construct's Hessian against
 * differences of the gradient, every builtin's second derivative against
 * its formula, the conventions at their kinks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* A function of (x, y) with the box its random points come from. */
typedef struct Prog {
  const char *src;
  double lo, hi;
} Prog;

static const Prog fns[] = {
    {"fn f(x, y) = sin(x) * cos(y) + tan(x / 3);", -2, 2},
    {"fn f(x, y) = asin(x / 3) + acos(y / 3) + atan(x * y);", -2, 2},
    {"fn f(x, y) = sinh(x) + cosh(y) * tanh(x - y);", -2, 2},
    {"fn f(x, y) = asinh(x * y) + acosh(x * x + 1.5) + atanh(y / 3);", -2, 2},
    {"fn f(x, y) = exp(x) + exp2(y) + expm1(x * y);", -2, 2},
    {"fn f(x, y) = log(x) + log2(y) + log10(x * y) + log1p(x + y);", 0.2, 3},
    {"fn f(x, y) = sqrt(x) * cbrt(y) + cbrt(-x * y);", 0.2, 3},
    {"fn f(x, y) = abs(x) * y + sign(y) * x + floor(x) + ceil(y) + round(x * y);", -3.1, 3.1},
    {"fn f(x, y) = erf(x) + erfc(y) * x;", -2, 2},
    {"fn f(x, y) = atan2(y, x) + hypot(x, y) * 2;", -2, 2},
    {"fn f(x, y) = pow(x, y) + x^y + y^2.5;", 0.3, 2.5},
    {"fn f(x, y) = min(x, y) * max(x, 2 * y) + min(x, 1);", -2, 2},
    {"fn f(x, y) = x^2 * y^3 - x^-1 + y^-3 + (-x)^4 + x^0;", 0.3, 2},
    {"fn f(x, y) = -x^2 + 2^-y + -(x * y)^3;", -1.5, 1.5},
    {"fn f(x, y) = x / y - y / (x + 3) + 1 / (x * y);", 0.5, 2},
    {"fn f(x, y) = x > y ? x * x : y * sin(x);", -2, 2},
    {"fn f(x, y) = x > 0 ? sqrt(x) : 0;", -2, 2},
    {"fn f(x, y) = x < 0 || y < 0 ? x * y : x + y;", -2, 2},
    {"fn f(x, y) = x > -1 && !(y > 1) ? exp(x) * y : log(x * x + 1);", -2, 2},
    {"fn f(x, y) = x > 0 ? (y > 0 ? x * y : x - y) : (y > x ? sin(y) : cos(x * y));", -2, 2},
    {"fn f(x, y) = (x > 0 ? x : -x) * (y >= 0 ? y : 2 * y) + (x != y ? 1 : 0) * x;", -2, 2},
    {"fn f(x, y) { let a = x * y; a = a + sin(a); let b = a > 0 ? a * x : a * y; b = b * b; return b + a; }", -2, 2},
    {"fn g(u, v) = u * exp(-v * v);\nfn f(x, y) = g(x, y) + g(y, x) * g(x, x);", -2, 2},
    {"fn sq(u) = u * u;\nfn f(x, y) { let r = sq(x) + sq(y); return r > 1 ? sqrt(r) : sq(r); }", -2, 2},
    {"fn f(x, y) = x == y ? 0 : (x <= y ? x : y) + pi * x;", -2, 2},
    {"fn f(x, y) = 3;", -2, 2},
    {"fn f(x, y) = x;", -2, 2},
    {"fn f(x, y) { let t = x; t = t * y; t = t * y; t = t + x; return t * t; }", -2, 2},
    /* a branch value recomputed in an adjoint branch whose group is reversed there too */
    {"fn g(p) { let t0 = -p; let t1 = 5 < max(p, pi) ? floor(p) : p * t0;\n"
     "  let t2 = max(1.15, t1) >= -2.49 && t1 > 0 ? (t0 >= pi ? p : t0) : t1;\n"
     "  return t2 + t2 / (1.5 + (!(0.09 <= t0) ? t1 : t2)^2); }\n"
     "fn f(x, y) = x > 0 ? 0.08 * y : g(x) * y;", -2, 2},
    /* both branches fold to the same value: the group dies, its nodes stay until DCE */
    {"fn f(x, y) = (x > 0 ? y + 0 * sin(x) : y) * x + (y > x ? exp(x) : exp(x)) * y;", -2, 2},
    /* logsumexp: f_hvp reads its stored weights (each one's tangent w (t' - L'), the result's
     * sum w t' after the loop), inside a sum as a model's log-likelihood is */
    {"fn f(x, y) = sum(i in 0..3, logsumexp(k in 0..4, sin(x * k + i) * y - (k - x)^2)) + logsumexp(k in 0..2, x * y * k);",
     -2, 2},
};

static unsigned long long rng_state;
static double uniform(double lo, double hi) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return lo + (hi - lo) * (double)(rng_state >> 11) / 9007199254740992.0;
}

static void check_against_differences(int i, int opt) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, fns[i].src, opt), 0);
  FnGraphs *f = ht_fn(&c, "f");
  rng_state = 12345 + (unsigned)i;
  int checked = 0;
  for (int k = 0; k < 200 && checked < 25; k++) {
    double x[2] = {uniform(fns[i].lo, fns[i].hi), uniform(fns[i].lo, fns[i].hi)}, g[2];
    double v = ht_grad(f, x, g), fv;
    rt_eval(&f->fwd, x, &fv);
    ck_assert_msg(v == fv || (isnan(v) && isnan(fv)), "value differs from forward");
    int smooth = 1; /* skip points within a step of a kink */
    double h = 1e-4;
    for (int j = 0; j < 2; j++) {
      double xs[2] = {x[0], x[1]}, a, b, m;
      xs[j] = x[j] - h;
      rt_eval(&f->fwd, xs, &a);
      xs[j] = x[j] + h;
      rt_eval(&f->fwd, xs, &b);
      m = v;
      smooth &= isfinite(a) && isfinite(b) && fabs((b - m) - (m - a)) < 1e-3 * (1 + fabs(m));
    }
    if (!smooth)
      continue;
    for (int j = 0; j < 2; j++) {
      double fd = ht_central(f, x, j);
      ck_assert_msg(fabs(g[j] - fd) <= 1e-6 * (1 + fabs(fd)), "%s at (%g, %g): d/dx%d = %.12g, fd %.12g",
                    fns[i].src, x[0], x[1], j, g[j], fd);
    }
    /* vjp: adds seed * gradient */
    double in[3] = {x[0], x[1], 0.75}, out[2];
    rt_eval(&f->vjp, in, out);
    for (int j = 0; j < 2; j++)
      ck_assert_double_eq_tol(out[j], 0.75 * g[j], 1e-12 * (1 + fabs(g[j])));
    checked++;
  }
  ck_assert_int_ge(checked, 20);
  ht_free(&c);
}

START_TEST(gradient_o1) { check_against_differences(_i, 1); }
END_TEST

START_TEST(gradient_o0) { check_against_differences(_i, 0); }
END_TEST

/* f_hvp's graph, a Hessian column per unit tangent: symmetric, its
 * gradient f_grad's, and each column the central difference of the
 * gradient (points near a kink skipped, as above). */
static void hessian_against_differences(int i, int opt) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, fns[i].src, opt), 0);
  FnGraphs *f = ht_fn(&c, "f");
  rng_state = 777 + (unsigned)i;
  int checked = 0;
  for (int k = 0; k < 400 && checked < 25; k++) {
    double x[2] = {uniform(fns[i].lo, fns[i].hi), uniform(fns[i].lo, fns[i].hi)}, g[2], hg[2], H[4];
    double v = ht_grad(f, x, g), hv = ht_hess(f, x, hg, H);
    ck_assert_msg(v == hv || (isnan(v) && isnan(hv)), "%s: hvp value %.17g != %.17g", fns[i].src, hv, v);
    for (int j = 0; j < 2; j++)
      ck_assert_msg(hg[j] == g[j] || fabs(hg[j] - g[j]) <= 1e-13 * (1 + fabs(g[j])) || (isnan(hg[j]) && isnan(g[j])),
                    "%s: hvp gradient %d %.17g != %.17g", fns[i].src, j, hg[j], g[j]);
    if (!isfinite(H[0]) || !isfinite(H[1]) || !isfinite(H[2]) || !isfinite(H[3]))
      continue;
    ck_assert_msg(fabs(H[1] - H[2]) <= 1e-9 * (1 + fabs(H[1])), "%s at (%g, %g): H not symmetric: %.17g %.17g",
                  fns[i].src, x[0], x[1], H[1], H[2]);
    int smooth = 1;
    double d[2][2], h = 1e-5;
    for (int j = 0; j < 2 && smooth; j++) {
      double gu[2], gd[2], gu2[2], gd2[2], xs[2] = {x[0], x[1]};
      xs[j] = x[j] + h, ht_grad(f, xs, gu);
      xs[j] = x[j] - h, ht_grad(f, xs, gd);
      xs[j] = x[j] + 2 * h, ht_grad(f, xs, gu2);
      xs[j] = x[j] - 2 * h, ht_grad(f, xs, gd2);
      for (int r = 0; r < 2; r++) {
        d[j][r] = (gu[r] - gd[r]) / (2 * h);
        double d2 = (gu2[r] - gd2[r]) / (4 * h);
        smooth &= isfinite(d[j][r]) && fabs(d[j][r] - d2) <= 1e-6 * (1 + fabs(d[j][r]));
      }
    }
    if (!smooth)
      continue;
    for (int j = 0; j < 2; j++)
      for (int r = 0; r < 2; r++)
        ck_assert_msg(fabs(H[j * 2 + r] - d[j][r]) <= 1e-5 * (1 + fabs(d[j][r])),
                      "%s at (%g, %g): d2/dx%d dx%d = %.12g, differences %.12g", fns[i].src, x[0], x[1], j, r,
                      H[j * 2 + r], d[j][r]);
    checked++;
  }
  ck_assert_msg(checked >= 15 || strstr(fns[i].src, "floor") || strstr(fns[i].src, "= 3;"), "%s: %d points",
                fns[i].src, checked);
  ht_free(&c);
}

START_TEST(hessian_o1) { hessian_against_differences(_i, 1); }
END_TEST

START_TEST(hessian_o0) { hessian_against_differences(_i, 0); }
END_TEST

/* f_hess's helper: f_hvp along IR_MAX_DIRS directions in one sweep. Each
 * direction's product, the value and the gradient are f_hvp's along that
 * direction alone, bit for bit (the same operations on the same values):
 * the unit vectors, a random direction and its opposite, at random points
 * (kinks and ties among them for the programs that have them). */
static int same_bits(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static const Prog looping[] = {
    {"fn f(x, y) = sum(i in 0..5, sin(x * i + y)^2) + max(j in 0..4, x * j - y) + logsumexp(k in 0..3, x * k + y);",
     -2, 2},
    {"fn f(x, y) = min(i in 0..4, (x - i)^2 * y) + max(i in 0..3, round(x) * y) * x;", -3, 3}, /* ties */
    {"fn f(x, y) { let a[4] = 0; for i in 0..4 { a[i] = x * i + y * y; }\n"
     "  let s = 0; for t in 0..3 { s = s + a[t] * sin(a[t + 1]); } return s + min(i in 0..4, a[i]); }", -2, 2},
    {"fn f(x, y) { let u[3] = x; for t in 0..4 { let v[3] = u; for i in 1..2 { v[i] += y * (u[i-1] - 2*u[i] + u[i+1]); }\n"
     "  u = v; } return sum(i in 0..3, u[i]^2) + (x > y ? u[1] : u[2] * x); }", -1, 1},
};

static void directions_at_once(int i, int opt) {
  int nf = (int)(sizeof fns / sizeof fns[0]);
  const Prog *pr = i < nf ? &fns[i] : &looping[i - nf];
  const char *src = pr->src;
  double lo = pr->lo, hi = pr->hi;
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, src, opt), 0);
  FnGraphs *f = ht_fn(&c, "f");
  ck_assert_int_gt(f->hvps.nodes.n, 0);
  rng_state = 4242 + (unsigned)i;
  for (int k = 0; k < 40; k++) {
    double x[2] = {uniform(lo, hi), uniform(lo, hi)};
    if (k % 4 == 3) /* on the integers: kinks and ties */
      x[0] = round(x[0]), x[1] = round(x[1]);
    double r[2] = {uniform(-1, 1), uniform(-1, 1)};
    double d[2 * IR_MAX_DIRS] = {1, 0, 0, 1, r[0], r[1], -r[0], -r[1]}, g[2], hv[2 * IR_MAX_DIRS];
    double v = ht_hvp_dirs(f, x, d, g, hv);
    for (int w = 0; w < IR_MAX_DIRS; w++) {
      double g1[2], hv1[2], v1 = ht_hvp(f, x, d + 2 * w, g1, hv1);
      ck_assert_msg(same_bits(v, v1), "%s: value %.17g, alone %.17g", src, v, v1);
      for (int j = 0; j < 2; j++) {
        ck_assert_msg(same_bits(g[j], g1[j]), "%s: gradient %d %.17g, alone %.17g", src, j, g[j], g1[j]);
        ck_assert_msg(same_bits(hv[2 * w + j], hv1[j]), "%s at (%.17g, %.17g), direction %d: (H d)[%d] = %.17g, alone %.17g",
                      src, x[0], x[1], w, j, hv[2 * w + j], hv1[j]);
      }
    }
  }
  ht_free(&c);
}

START_TEST(directions_o1) { directions_at_once(_i, 1); }
END_TEST

START_TEST(directions_o0) { directions_at_once(_i, 0); }
END_TEST

/* Every builtin's second derivative, by its formula: f(x, y) = u(x) * y
 * has d2f/dx2 = u''(x) y, d2f/dxdy = u'(x), d2f/dy2 = 0. */
#define S(x) ((x) * (x))
static double d1_sin(double x) { return cos(x); }
static double d2_sin(double x) { return -sin(x); }
static double d1_cos(double x) { return -sin(x); }
static double d2_cos(double x) { return -cos(x); }
static double d1_tan(double x) { return 1 + S(tan(x)); }
static double d2_tan(double x) { return 2 * tan(x) * (1 + S(tan(x))); }
static double d1_asin(double x) { return 1 / sqrt(1 - x * x); }
static double d2_asin(double x) { return x / pow(1 - x * x, 1.5); }
static double d1_acos(double x) { return -1 / sqrt(1 - x * x); }
static double d2_acos(double x) { return -x / pow(1 - x * x, 1.5); }
static double d1_atan(double x) { return 1 / (1 + x * x); }
static double d2_atan(double x) { return -2 * x / S(1 + x * x); }
static double d1_sinh(double x) { return cosh(x); }
static double d2_sinh(double x) { return sinh(x); }
static double d1_cosh(double x) { return sinh(x); }
static double d2_cosh(double x) { return cosh(x); }
static double d1_tanh(double x) { return 1 - S(tanh(x)); }
static double d2_tanh(double x) { return -2 * tanh(x) * (1 - S(tanh(x))); }
static double d1_asinh(double x) { return 1 / sqrt(x * x + 1); }
static double d2_asinh(double x) { return -x / pow(x * x + 1, 1.5); }
static double d1_acosh(double x) { return 1 / sqrt(x * x - 1); }
static double d2_acosh(double x) { return -x / pow(x * x - 1, 1.5); }
static double d1_atanh(double x) { return 1 / (1 - x * x); }
static double d2_atanh(double x) { return 2 * x / S(1 - x * x); }
static double d1_exp(double x) { return exp(x); }
static double d1_exp2(double x) { return exp2(x) * log(2.0); }
static double d2_exp2(double x) { return exp2(x) * S(log(2.0)); }
static double d1_log(double x) { return 1 / x; }
static double d2_log(double x) { return -1 / (x * x); }
static double d1_log2(double x) { return 1 / (x * log(2.0)); }
static double d2_log2(double x) { return -1 / (x * x * log(2.0)); }
static double d1_log10(double x) { return 1 / (x * log(10.0)); }
static double d2_log10(double x) { return -1 / (x * x * log(10.0)); }
static double d1_log1p(double x) { return 1 / (1 + x); }
static double d2_log1p(double x) { return -1 / S(1 + x); }
static double d1_sqrt(double x) { return 0.5 / sqrt(x); }
static double d2_sqrt(double x) { return -0.25 / (x * sqrt(x)); }
static double d1_cbrt(double x) { return 1 / (3 * S(cbrt(x))); }
static double d2_cbrt(double x) { return -2 / (9 * x * S(cbrt(x))); }
static double d1_abs(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }
static double zero(double x) { return 0 * x; }
static double d1_erf(double x) { return 1.1283791670955125739 * exp(-x * x); }
static double d2_erf(double x) { return -2.2567583341910251478 * x * exp(-x * x); }
static double d1_erfc(double x) { return -d1_erf(x); }
static double d2_erfc(double x) { return -d2_erf(x); }
static double d1_cube(double x) { return 3 * x * x; }
static double d2_cube(double x) { return 6 * x; }
static double d1_inv(double x) { return -1 / (x * x); }
static double d2_inv(double x) { return 2 / (x * x * x); }
static double d1_neg(double x) { return -1 + 0 * x; }
static double d1_pow25(double x) { return 2.5 * pow(x, 1.5); }
static double d2_pow25(double x) { return 3.75 * sqrt(x); }
#undef S

static const struct {
  const char *u;
  double lo, hi;
  double (*d1)(double), (*d2)(double);
} rules[] = {
    {"sin(x)", -3, 3, d1_sin, d2_sin},       {"cos(x)", -3, 3, d1_cos, d2_cos},
    {"tan(x)", -1.4, 1.4, d1_tan, d2_tan},   {"asin(x)", -0.95, 0.95, d1_asin, d2_asin},
    {"acos(x)", -0.95, 0.95, d1_acos, d2_acos}, {"atan(x)", -3, 3, d1_atan, d2_atan},
    {"sinh(x)", -3, 3, d1_sinh, d2_sinh},    {"cosh(x)", -3, 3, d1_cosh, d2_cosh},
    {"tanh(x)", -3, 3, d1_tanh, d2_tanh},    {"asinh(x)", -3, 3, d1_asinh, d2_asinh},
    {"acosh(x)", 1.05, 4, d1_acosh, d2_acosh}, {"atanh(x)", -0.95, 0.95, d1_atanh, d2_atanh},
    {"exp(x)", -3, 3, d1_exp, d1_exp},       {"exp2(x)", -3, 3, d1_exp2, d2_exp2},
    {"expm1(x)", -3, 3, d1_exp, d1_exp},     {"log(x)", 0.1, 4, d1_log, d2_log},
    {"log2(x)", 0.1, 4, d1_log2, d2_log2},   {"log10(x)", 0.1, 4, d1_log10, d2_log10},
    {"log1p(x)", -0.9, 4, d1_log1p, d2_log1p}, {"sqrt(x)", 0.1, 4, d1_sqrt, d2_sqrt},
    {"cbrt(x)", 0.1, 4, d1_cbrt, d2_cbrt},   {"cbrt(x)", -4, -0.1, d1_cbrt, d2_cbrt},
    {"abs(x)", -3, 3, d1_abs, zero},         {"floor(x)", -3, 3, zero, zero},
    {"ceil(x)", -3, 3, zero, zero},          {"round(x)", -3, 3, zero, zero},
    {"sign(x)", -3, 3, zero, zero},          {"erf(x)", -3, 3, d1_erf, d2_erf},
    {"erfc(x)", -3, 3, d1_erfc, d2_erfc},    {"x^3", -3, 3, d1_cube, d2_cube},
    {"x^-1", 0.2, 3, d1_inv, d2_inv},        {"-x", -3, 3, d1_neg, zero},
    {"pow(x, 2.5)", 0.1, 3, d1_pow25, d2_pow25}, {"x^2.5", 0.1, 3, d1_pow25, d2_pow25},
};

/* f's Hessian (src: fn f(x, y)) at 50 points of the box {xlo, xhi, ylo, yhi}
 * against want(i, x, y, H), to 1e-12. */
static void hessian_by_formula(const char *src, unsigned seed, const double box[4],
                               void (*want)(int, double, double, double *), int i) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, src, 1), 0);
  FnGraphs *f = ht_fn(&c, "f");
  rng_state = seed;
  for (int k = 0; k < 50; k++) {
    double x[2] = {uniform(box[0], box[1]), uniform(box[2], box[3])}, g[2], H[4], w[4];
    ht_hess(f, x, g, H);
    want(i, x[0], x[1], w);
    for (int e = 0; e < 4; e++)
      ck_assert_msg(fabs(H[e] - w[e]) <= 1e-12 * (1 + fabs(w[e])), "%s at (%.17g, %.17g): H[%d] = %.17g, want %.17g",
                    src, x[0], x[1], e, H[e], w[e]);
  }
  ht_free(&c);
}

/* u(x) * y: u''(x) y, u'(x), u'(x), 0 */
static void unary_hessian(int i, double x, double y, double *H) {
  H[0] = rules[i].d2(x) * y, H[1] = H[2] = rules[i].d1(x), H[3] = 0;
}

START_TEST(second_order_rule) {
  char src[100];
  snprintf(src, sizeof src, "fn f(x, y) = %s * y;", rules[_i].u);
  const double box[4] = {rules[_i].lo, rules[_i].hi, -2, 2};
  hessian_by_formula(src, 99 + (unsigned)_i, box, unary_hessian, _i);
}
END_TEST

static const char *const binary[] = {"atan2(x, y)", "hypot(x, y)", "pow(x, y)", "x / y", "x * y",
                                     "min(x, y)",   "max(x, y)",   "x + y",     "x - y"};

/* The binary builtins' Hessians by their formulas. */
static void binary_hessian(int i, double x, double y, double *H) {
  const char *op = binary[i];
  double r2 = x * x + y * y, r = sqrt(r2);
  if (strcmp(op, "atan2(x, y)") == 0) { /* atan2(x, y): d/dx = y / r2, d/dy = -x / r2 */
    H[0] = -2 * x * y / (r2 * r2), H[1] = H[2] = (x * x - y * y) / (r2 * r2), H[3] = 2 * x * y / (r2 * r2);
  } else if (strcmp(op, "hypot(x, y)") == 0) {
    H[0] = y * y / (r2 * r), H[1] = H[2] = -x * y / (r2 * r), H[3] = x * x / (r2 * r);
  } else if (strcmp(op, "pow(x, y)") == 0) {
    double p = pow(x, y), l = log(x);
    H[0] = y * (y - 1) * pow(x, y - 2), H[1] = H[2] = pow(x, y - 1) * (1 + y * l), H[3] = p * l * l;
  } else if (strcmp(op, "x / y") == 0) {
    H[0] = 0, H[1] = H[2] = -1 / (y * y), H[3] = 2 * x / (y * y * y);
  } else if (strcmp(op, "x * y") == 0) {
    H[0] = 0, H[1] = H[2] = 1, H[3] = 0;
  } else { /* min, max, +, -: piecewise linear */
    H[0] = H[1] = H[2] = H[3] = 0;
  }
}

START_TEST(second_order_rule_binary) {
  char src[100];
  snprintf(src, sizeof src, "fn f(x, y) = %s;", binary[_i]);
  const double box[4] = {0.2, 3, 0.2, 3};
  hessian_by_formula(src, 199 + (unsigned)_i, box, binary_hessian, _i);
}
END_TEST

/* SPEC 2.7: the conventions of 2.4 hold for second derivatives, at the kinks. */
static void hess_at(const char *src, double x, double y, double *H) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, src, 1), 0);
  double in[2] = {x, y}, g[2];
  ht_hess(ht_fn(&c, "f"), in, g, H);
  ht_free(&c);
}

START_TEST(convention_second_order_kinks) {
  double H[4];
  hess_at("fn f(x, y) = abs(x) * y;", 0, 2, H); /* abs'' = 0, abs'(0) = 0 */
  ck_assert(H[0] == 0 && H[1] == 0 && H[2] == 0 && H[3] == 0);
  hess_at("fn f(x, y) = (sign(x) + floor(x) + ceil(x) + round(x)) * y;", 0.5, 1, H); /* round(0.5): a jump */
  ck_assert(H[0] == 0 && H[1] == 0 && H[2] == 0 && H[3] == 0);
  hess_at("fn f(x, y) = max(x, y)^2;", 1, 1, H); /* a tie splits tangents as adjoints: 2 (1/2, 1/2)(1/2, 1/2)' */
  ck_assert(H[0] == 0.5 && H[1] == 0.5 && H[2] == 0.5 && H[3] == 0.5);
  hess_at("fn f(x, y) = min(x, y) * x;", 2, 2, H); /* min's tangent (x' + y')/2 times x, and back */
  ck_assert(H[0] == 1 && H[1] == 0.5 && H[2] == 0.5 && H[3] == 0);
  /* a reduction of three tied terms: thirds, in f_hvp's gradient too (ties counted) */
  const char *red = "fn f(x, y) = max(i in 0..3, i == 1 ? x : y) * x;";
  hess_at(red, 2, 2, H);
  ck_assert_msg(H[0] == 2.0 / 3 && H[1] == 2.0 / 3 && H[2] == 2.0 / 3 && H[3] == 0, "%g %g %g %g", H[0], H[1], H[2],
                H[3]);
  { /* and where only its value is read (no tangent of it needed): the ties still counted */
    Compiled c;
    ck_assert_int_eq(ht_compile(&c, "fn f(x, y) = max(i in 0..3, i == 1 ? x : y) + x * y;", 1), 0);
    double in[2] = {2, 2}, g[2], hg[2];
    ht_grad(ht_fn(&c, "f"), in, g);
    ht_hess(ht_fn(&c, "f"), in, hg, H);
    ck_assert_msg(g[0] == 2 + 1.0 / 3 && g[1] == 2 + 2.0 / 3 && hg[0] == g[0] && hg[1] == g[1], "%g %g %g %g", g[0],
                  g[1], hg[0], hg[1]);
    ck_assert(H[0] == 0 && H[1] == 1 && H[2] == 1 && H[3] == 0);
    ht_free(&c);
  }
  hess_at("fn f(x, y) = x > 0 ? sqrt(x) * y : x * y;", 0, 3, H); /* the taken branch only: no inf, no NaN */
  ck_assert(H[0] == 0 && H[1] == 1 && H[2] == 1 && H[3] == 0);
  hess_at("fn f(x, y) = x^3 + y^2;", -2, 0, H); /* k (k - 1) x^(k - 2), exactly */
  ck_assert(H[0] == -12 && H[3] == 2 && H[1] == 0 && H[2] == 0);
  hess_at("fn f(x, y) = x^-1 * y^0 + y^1;", -2, 0, H);
  ck_assert(H[0] == -0.25 && H[1] == 0 && H[2] == 0 && H[3] == 0);
  hess_at("fn f(x, y) = x^y;", 0, 2, H); /* pow at 0: 2.4's 0 for the log term */
  ck_assert(H[0] == 2 && H[1] == 0 && H[2] == 0 && H[3] == 0);
  hess_at("fn f(x, y) = atan2(x, y) + hypot(x, y);", 0, 0, H); /* the origin: 0 */
  ck_assert(H[0] == 0 && H[1] == 0 && H[2] == 0 && H[3] == 0);
}
END_TEST

static double grad_at(const char *src, double x, double y, int j) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, src, 1), 0);
  double in[2] = {x, y}, g[2];
  ht_grad(ht_fn(&c, "f"), in, g);
  ht_free(&c);
  return g[j];
}

START_TEST(convention_abs_at_zero) {
  ck_assert_double_eq(grad_at("fn f(x, y) = abs(x) + y;", 0, 1, 0), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = abs(x) + y;", -0.5, 1, 0), -1);
}
END_TEST

START_TEST(convention_piecewise_constant) {
  const char *src = "fn f(x, y) = sign(x) + floor(x) + ceil(x) + round(x) + y;";
  ck_assert_double_eq(grad_at(src, 0, 0, 0), 0);
  ck_assert_double_eq(grad_at(src, 1.5, 0, 0), 0);
  ck_assert_double_eq(grad_at(src, 2.5, 0, 1), 1);
}
END_TEST

START_TEST(convention_min_max_ties_split) {
  ck_assert_double_eq(grad_at("fn f(x, y) = max(x, y);", 1, 1, 0), 0.5);
  ck_assert_double_eq(grad_at("fn f(x, y) = max(x, y);", 1, 1, 1), 0.5);
  ck_assert_double_eq(grad_at("fn f(x, y) = min(x, y);", 2, 2, 0), 0.5);
  ck_assert_double_eq(grad_at("fn f(x, y) = max(x, y);", 2, 1, 0), 1);
  ck_assert_double_eq(grad_at("fn f(x, y) = max(x, y);", 2, 1, 1), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = min(x, y);", 2, 1, 1), 1);
}
END_TEST

START_TEST(convention_untaken_branch_gets_nothing) {
  /* at x = 0 the untaken sqrt branch would contribute 0 * inf = NaN */
  ck_assert_double_eq(grad_at("fn f(x, y) = x > 0 ? sqrt(x) : 0;", 0, 0, 0), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = x > 0 ? sqrt(x) : 2 * x;", -1, 0, 0), 2);
  ck_assert_double_eq(grad_at("fn f(x, y) = x > 0 ? log(x) : y;", -1, 0, 0), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = x > 0 ? log(x) : y;", -1, 0, 1), 1);
  /* the condition gets no gradient */
  ck_assert_double_eq(grad_at("fn f(x, y) = y * x > 1 ? 1 : 2;", 3, 1, 1), 0);
}
END_TEST

START_TEST(convention_pow_at_zero) {
  ck_assert_double_eq(grad_at("fn f(x, y) = pow(x, 2.0);", 0, 0, 0), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = x^y;", 0, 2, 0), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = x^y;", 0, 2, 1), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = x^y;", 0, 3, 1), 0);
  ck_assert_double_eq_tol(grad_at("fn f(x, y) = x^y;", 2, 3, 1), 8 * log(2.0), 1e-15);
  ck_assert_double_eq(grad_at("fn f(x, y) = x^3;", -2, 0, 0), 12);
  ck_assert_double_eq(grad_at("fn f(x, y) = x^-1;", -2, 0, 0), -0.25);
}
END_TEST

START_TEST(convention_origin_of_atan2_and_hypot) {
  ck_assert_double_eq(grad_at("fn f(x, y) = atan2(x, y);", 0, 0, 0), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = atan2(x, y);", 0, 0, 1), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = hypot(x, y);", 0, 0, 0), 0);
  ck_assert_double_eq(grad_at("fn f(x, y) = atan2(y, x);", 2, 0, 1), 0.5);
}
END_TEST

START_TEST(convention_ieee_infinities) {
  double d = grad_at("fn f(x, y) = sqrt(x);", 0, 0, 0);
  ck_assert(isinf(d) && d > 0);
  d = grad_at("fn f(x, y) = log(x);", 0, 0, 0);
  ck_assert(isinf(d) && d > 0);
}
END_TEST

Suite *suite_reverse(void) {
  Suite *s = suite_create("reverse");
  TCase *tc = tcase_create("interpreted");
  tcase_set_timeout(tc, 60);
  int n = (int)(sizeof fns / sizeof fns[0]);
  tcase_add_loop_test(tc, gradient_o1, 0, n);
  tcase_add_loop_test(tc, gradient_o0, 0, n);
  tcase_add_loop_test(tc, hessian_o1, 0, n);
  tcase_add_loop_test(tc, hessian_o0, 0, n);
  int nd = n + (int)(sizeof looping / sizeof looping[0]);
  tcase_add_loop_test(tc, directions_o1, 0, nd);
  tcase_add_loop_test(tc, directions_o0, 0, nd);
  tcase_add_loop_test(tc, second_order_rule, 0, (int)(sizeof rules / sizeof rules[0]));
  tcase_add_loop_test(tc, second_order_rule_binary, 0, (int)(sizeof binary / sizeof binary[0]));
  tcase_add_test(tc, convention_second_order_kinks);
  tcase_add_test(tc, convention_abs_at_zero);
  tcase_add_test(tc, convention_piecewise_constant);
  tcase_add_test(tc, convention_min_max_ties_split);
  tcase_add_test(tc, convention_untaken_branch_gets_nothing);
  tcase_add_test(tc, convention_pow_at_zero);
  tcase_add_test(tc, convention_origin_of_atan2_and_hypot);
  tcase_add_test(tc, convention_ieee_infinities);
  suite_add_tcase(s, tc);
  return s;
}
