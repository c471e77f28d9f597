/* check_e2e.c - the emitted C compiled by real compilers (gcc, clang, g++,
 * warnings as errors) and run: values and gradients against analytic
 * derivatives and central differences at many points. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *const CFLAGS = "-std=c99 -O2 -Wall -Wextra -Wpedantic -Werror";
static const char *const CXXFLAGS = "-x c++ -O2 -Wall -Wextra -Werror";

/* Writes a driver that checks every function of the program at npts points
 * in [lo, hi]^n: f == f_grad's value, the gradient against central
 * differences (and against `ref` when given: C expressions of x[0..]),
 * and f_vjp == seed * gradient. The driver prints its worst errors. */
static void write_driver(const char *path, Compiled *c, const char *header, double lo, double hi,
                         const char *ref_value, const char *const *ref_grad) {
  StrBuf b = {0};
  sb_printf(&b, "#include <math.h>\n#include <stdio.h>\n#include \"%s\"\n", header);
  sb_puts(&b, "static unsigned long long s = 88172645463325252ull;\n"
              "static double uni(double lo, double hi) { s ^= s << 13; s ^= s >> 7; s ^= s << 17;"
              " return lo + (hi - lo) * (double)(s >> 11) / 9007199254740992.0; }\n"
              "static double rel(double a, double b) { return fabs(a - b) / (1 + fabs(b)); }\n"
              "int main(void) {\n  double worst_fd = 0, worst_ref = 0, worst_vjp = 0;\n"
              "  int points = 0;\n");
  for (int f = 0; f < c->nfns; f++) {
    const FnNames *nm = c->fns[f].names;
    int n = c->fns[f].sig->nparams;
    sb_printf(&b, "  for (int k = 0; k < 25; k++) {\n    double x[%d], g[%d], v[%d], fd;\n", n + 1,
              n + 1, n + 1);
    sb_printf(&b, "    for (int i = 0; i < %d; i++) { x[i] = uni(%.17g, %.17g); g[i] = 0; v[i] = 0; }\n", n,
              lo, hi);
    StrBuf args = {0}, gargs = {0};
    for (int i = 0; i < n; i++)
      sb_printf(&args, "%sx[%d]", i ? ", " : "", i);
    for (int i = 0; i < n; i++)
      sb_printf(&gargs, ", &g[%d]", i);
    StrBuf vargs = {0};
    for (int i = 0; i < n; i++)
      sb_printf(&vargs, ", &v[%d]", i);
    sb_printf(&b, "    double val = %s(%s%s);\n", nm->grad, args.s ? args.s : "", gargs.s ? gargs.s : "");
    sb_printf(&b, "    if (val != %s(%s)) { printf(\"value mismatch\\n\"); return 1; }\n", nm->fwd,
              args.s ? args.s : "");
    sb_printf(&b, "    %s(%s%s0.5%s);\n", nm->vjp, args.s ? args.s : "", n ? ", " : "", vargs.s ? vargs.s : "");
    if (ref_value)
      sb_printf(&b, "    { double r = %s; if (rel(val, r) > worst_ref) worst_ref = rel(val, r); }\n", ref_value);
    for (int i = 0; i < n; i++) {
      sb_printf(&b, "    { double h = 1e-6 * (1 + fabs(x[%d])), xi = x[%d];\n", i, i);
      sb_printf(&b, "      x[%d] = xi + h; double up = %s(%s); x[%d] = xi - h; double dn = %s(%s); x[%d] = xi;\n", i,
                nm->fwd, args.s, i, nm->fwd, args.s, i);
      sb_printf(&b, "      fd = (up - dn) / (2 * h);\n");
      sb_printf(&b, "      if (rel(g[%d], fd) > worst_fd) worst_fd = rel(g[%d], fd);\n", i, i);
      sb_printf(&b, "      if (fabs(v[%d] - 0.5 * g[%d]) > worst_vjp) worst_vjp = fabs(v[%d] - 0.5 * g[%d]); }\n", i, i, i, i);
      if (ref_grad && ref_grad[i])
        sb_printf(&b, "    { double r = %s; if (rel(g[%d], r) > worst_ref) worst_ref = rel(g[%d], r); }\n",
                  ref_grad[i], i, i);
    }
    sb_puts(&b, "    points++;\n  }\n");
    sb_free(&args);
    sb_free(&gargs);
    sb_free(&vargs);
  }
  sb_puts(&b, "  printf(\"points=%d fd=%.3g ref=%.3g vjp=%.3g\\n\", points, worst_fd, worst_ref, worst_vjp);\n"
              "  return !(worst_fd <= 1e-6 && worst_ref <= 1e-10 && worst_vjp <= 1e-12);\n}\n");
  ht_write(path, b.s, b.len);
  sb_free(&b);
}

/* Generate, compile with cc and flags, run; fail with the driver's words. */
static const char *adc_flags = "";

static void run_case(const char *tag, const char *src, const char *cc, const char *flags, double lo,
                     double hi, const char *ref_value, const char *const *ref_grad) {
  Compiled c;
  ck_assert_msg(ht_compile(&c, src, 1) == 0, "%s: %s", tag, c.diag);
  GenCase g;
  ht_generate(&g, tag, src, cc, adc_flags);
  write_driver(g.drv, &c, g.header, lo, hi, ref_value, ref_grad);
  char cmd[6000];
  snprintf(cmd, sizeof cmd, "%s %s -o %s %s %s -lm", cc, flags, g.exe, g.gen, g.drv);
  ht_must_compile(&g, tag, "the output does not compile cleanly", cmd);
  ht_must_run(&g, tag, cc);
  ht_free(&c);
}

/* Every builtin against its analytic derivative. */
static const struct {
  const char *name, *c_value, *c_deriv;
  double lo, hi;
} builtins[] = {
    {"sin", "sin(x[0])", "cos(x[0])", -3, 3},
    {"cos", "cos(x[0])", "-sin(x[0])", -3, 3},
    {"tan", "tan(x[0])", "1 / (cos(x[0]) * cos(x[0]))", -1.4, 1.4},
    {"asin", "asin(x[0])", "1 / sqrt(1 - x[0] * x[0])", -0.95, 0.95},
    {"acos", "acos(x[0])", "-1 / sqrt(1 - x[0] * x[0])", -0.95, 0.95},
    {"atan", "atan(x[0])", "1 / (1 + x[0] * x[0])", -4, 4},
    {"sinh", "sinh(x[0])", "cosh(x[0])", -3, 3},
    {"cosh", "cosh(x[0])", "sinh(x[0])", -3, 3},
    {"tanh", "tanh(x[0])", "1 / (cosh(x[0]) * cosh(x[0]))", -3, 3},
    {"asinh", "asinh(x[0])", "1 / sqrt(x[0] * x[0] + 1)", -4, 4},
    {"acosh", "acosh(x[0])", "1 / sqrt(x[0] * x[0] - 1)", 1.1, 5},
    {"atanh", "atanh(x[0])", "1 / (1 - x[0] * x[0])", -0.9, 0.9},
    {"exp", "exp(x[0])", "exp(x[0])", -3, 3},
    {"exp2", "exp2(x[0])", "exp2(x[0]) * log(2.0)", -3, 3},
    {"expm1", "expm1(x[0])", "exp(x[0])", -3, 3},
    {"log", "log(x[0])", "1 / x[0]", 0.1, 5},
    {"log2", "log2(x[0])", "1 / (x[0] * log(2.0))", 0.1, 5},
    {"log10", "log10(x[0])", "1 / (x[0] * log(10.0))", 0.1, 5},
    {"log1p", "log1p(x[0])", "1 / (1 + x[0])", -0.9, 5},
    {"sqrt", "sqrt(x[0])", "0.5 / sqrt(x[0])", 0.1, 5},
    {"cbrt", "cbrt(x[0])", "1 / (3 * cbrt(x[0]) * cbrt(x[0]))", 0.1, 5},
    {"abs", "fabs(x[0])", "(x[0] > 0 ? 1.0 : -1.0)", -3, 3},
    {"floor", "floor(x[0])", "0.0", 0.05, 0.95},
    {"ceil", "ceil(x[0])", "0.0", 0.05, 0.95},
    {"round", "round(x[0])", "0.0", 0.05, 0.45},
    {"sign", "(x[0] > 0 ? 1.0 : -1.0)", "0.0", 0.1, 3},
    {"erf", "erf(x[0])", "2 / sqrt(3.14159265358979323846) * exp(-x[0] * x[0])", -2, 2},
    {"erfc", "erfc(x[0])", "-2 / sqrt(3.14159265358979323846) * exp(-x[0] * x[0])", -2, 2},
};

START_TEST(builtin_gcc) {
  char src[128], tag[32];
  snprintf(src, sizeof src, "fn f(x) = %s(x);\n", builtins[_i].name);
  snprintf(tag, sizeof tag, "builtin_%s", builtins[_i].name);
  const char *grad[1] = {builtins[_i].c_deriv};
  run_case(tag, src, "gcc", CFLAGS, builtins[_i].lo, builtins[_i].hi, builtins[_i].c_value, grad);
}
END_TEST

static const struct {
  const char *name, *src, *c_value, *dx, *dy;
  double lo, hi;
} binary[] = {
    {"atan2", "fn f(x, y) = atan2(x, y);", "atan2(x[0], x[1])",
     "x[1] / (x[0] * x[0] + x[1] * x[1])", "-x[0] / (x[0] * x[0] + x[1] * x[1])", 0.2, 3},
    {"pow", "fn f(x, y) = pow(x, y);", "pow(x[0], x[1])", "x[1] * pow(x[0], x[1] - 1)",
     "log(x[0]) * pow(x[0], x[1])", 0.2, 3},
    {"caret", "fn f(x, y) = x ^ y;", "pow(x[0], x[1])", "x[1] * pow(x[0], x[1] - 1)",
     "log(x[0]) * pow(x[0], x[1])", 0.2, 3},
    {"hypot", "fn f(x, y) = hypot(x, y);", "hypot(x[0], x[1])", "x[0] / hypot(x[0], x[1])",
     "x[1] / hypot(x[0], x[1])", -3, 3},
    {"min", "fn f(x, y) = min(x, y);", "fmin(x[0], x[1])", "(x[0] < x[1] ? 1.0 : 0.0)",
     "(x[1] < x[0] ? 1.0 : 0.0)", -3, 3},
    {"max", "fn f(x, y) = max(x, y);", "fmax(x[0], x[1])", "(x[0] > x[1] ? 1.0 : 0.0)",
     "(x[1] > x[0] ? 1.0 : 0.0)", -3, 3},
    {"seed", "fn f(x0, x1) = sin(x0) * (x0 + x1);", "sin(x[0]) * (x[0] + x[1])",
     "cos(x[0]) * (x[0] + x[1]) + sin(x[0])", "sin(x[0])", -2, 2},
    {"intpow", "fn f(x, y) = x^3 * y^-2 + x^2;", "x[0]*x[0]*x[0]/(x[1]*x[1]) + x[0]*x[0]",
     "3*x[0]*x[0]/(x[1]*x[1]) + 2*x[0]", "-2*x[0]*x[0]*x[0]/(x[1]*x[1]*x[1])", -2, -0.5},
    {"select", "fn f(x, y) = x > y ? x * y : x - y;", "(x[0] > x[1] ? x[0]*x[1] : x[0]-x[1])",
     "(x[0] > x[1] ? x[1] : 1.0)", "(x[0] > x[1] ? x[0] : -1.0)", -2, 2},
    {"relu_sqrt", "fn f(x, y) = x > 0 ? sqrt(x) * y : 0;", "(x[0] > 0 ? sqrt(x[0]) * x[1] : 0.0)",
     "(x[0] > 0 ? 0.5 * x[1] / sqrt(x[0]) : 0.0)", "(x[0] > 0 ? sqrt(x[0]) : 0.0)", -2, 2},
};

START_TEST(binary_gcc) {
  const char *grad[2] = {binary[_i].dx, binary[_i].dy};
  char tag[32];
  snprintf(tag, sizeof tag, "binary_%s", binary[_i].name);
  run_case(tag, binary[_i].src, "gcc", CFLAGS, binary[_i].lo, binary[_i].hi, binary[_i].c_value, grad);
}
END_TEST

/* All builtins in one program, for clang and g++. */
static char *all_builtins(void) {
  StrBuf b = {0};
  for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
    if (builtins[i].lo >= 0.1 && builtins[i].hi <= 0.95)
      sb_printf(&b, "fn b_%s(x) = %s(x) * x;\n", builtins[i].name, builtins[i].name);
  sb_puts(&b, "fn b_all(x) = sin(x) + cos(x) + tan(x) + asin(x) + acos(x) + atan(x) + sinh(x)"
              " + cosh(x) + tanh(x) + asinh(x) + atanh(x) + exp(x) + exp2(x) + expm1(x) + log(x)"
              " + log2(x) + log10(x) + log1p(x) + sqrt(x) + cbrt(x) + abs(x) + floor(x) + ceil(x)"
              " + round(x) + sign(x) + erf(x) + erfc(x) + acosh(x + 1) + atan2(x, 2) + pow(x, 2.5)"
              " + hypot(x, 1) + min(x, 0.5) + max(x, 0.5) + x^3 + pi;\n");
  return b.s;
}

static const char *const compilers[][2] = {{"gcc", NULL}, {"clang", NULL}, {"g++", NULL}};

START_TEST(all_builtins_each_compiler) {
  char *src = all_builtins();
  const char *cc = compilers[_i][0];
  char tag[32];
  snprintf(tag, sizeof tag, "allb_%d", _i);
  run_case(tag, src, cc, _i == 2 ? CXXFLAGS : CFLAGS, 0.1, 0.45, NULL, NULL);
  free(src);
}
END_TEST

static const struct {
  const char *file;
  double lo, hi;
} samples[] = {
    {"samples/seed.ad", -2, 2},
    {"samples/rosenbrock.ad", -2, 2},
    {"samples/pendulum.ad", 0.2, 1.5},
    {"samples/normal_nll.ad", -1, 1},
};

START_TEST(sample_each_compiler) {
  int si = _i / 3, ci = _i % 3;
  char *src = ht_slurp(samples[si].file, NULL);
  ck_assert_ptr_nonnull(src);
  char tag[64];
  snprintf(tag, sizeof tag, "sample%d_%d", si, ci);
  run_case(tag, src, compilers[ci][0], ci == 2 ? CXXFLAGS : CFLAGS, samples[si].lo, samples[si].hi,
           NULL, NULL);
  free(src);
}
END_TEST

/* -O0 prints the graph as written: it must be just as right. */
START_TEST(sample_o0_gcc) {
  char *src = ht_slurp(samples[_i].file, NULL);
  char tag[64];
  snprintf(tag, sizeof tag, "sample%d_o0", _i);
  adc_flags = "-O0";
  run_case(tag, src, "gcc", CFLAGS, samples[_i].lo, samples[_i].hi, NULL, NULL);
  adc_flags = "";
  free(src);
}
END_TEST

/* Conventions at their kinks, in compiled code. */
START_TEST(conventions_compiled) {
  const char *src = "fn f(x, y) = abs(x) + max(x, y) + (x > 0 ? sqrt(x) : 0) + pow(x, 2.0);\n"
                    "fn g(x, y) = x^y;\n";
  const char *drv = "#include <stdio.h>\n#include \"kinks_grad.h\"\n"
                    "int main(void) { double gx, gy; f_grad(0.0, 0.0, &gx, &gy);\n"
                    "  /* abs'(0)=0, max tie 0.5, sqrt branch untaken, pow(x,2)'=0, x^y at 0 */\n"
                    "  if (gx != 0.5 || gy != 0.5) { printf(\"%g %g\\n\", gx, gy); return 1; }\n"
                    "  g_grad(0.0, 2.0, &gx, &gy);\n"
                    "  if (gx != 0.0 || gy != 0.0) { printf(\"%g %g\\n\", gx, gy); return 1; }\n"
                    "  return 0; }\n";
  ck_assert_int_eq(ht_build_run("kinks", src, drv, ""), 0);
}
END_TEST

Suite *suite_e2e(void) {
  Suite *s = suite_create("e2e");
  TCase *tc = tcase_create("compiled");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, builtin_gcc, 0, (int)(sizeof builtins / sizeof builtins[0]));
  tcase_add_loop_test(tc, binary_gcc, 0, (int)(sizeof binary / sizeof binary[0]));
  tcase_add_loop_test(tc, all_builtins_each_compiler, 0, 3);
  tcase_add_loop_test(tc, sample_each_compiler, 0, (int)(3 * sizeof samples / sizeof samples[0]));
  tcase_add_loop_test(tc, sample_o0_gcc, 0, (int)(sizeof samples / sizeof samples[0]));
  tcase_add_test(tc, conventions_compiled);
  suite_add_tcase(s, tc);
  return s;
}
