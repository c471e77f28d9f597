/* check_reverse.c - reverse mode through the interpreter: every builtin and
 * construct against central differences at many points, at -O0 and -O1,
 * f_vjp against f_grad, and each derivative convention at its kink. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Functions of (x, y) with the box their random points come from. */
static const struct {
  const char *src;
  double lo, hi;
} fns[] = {
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
