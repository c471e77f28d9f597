/* check_random.c - random well-formed programs over the core language
 * (every builtin, ?:, && || !, ^, let, reassignment, calls), compiled in
 * process; the gradient graph, run by the interpreter, must agree with
 * central differences of the forward graph wherever the function is smooth
 * nearby, at -O1 and -O0, and both levels must compute the same values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static unsigned long long rs;
static unsigned rnd(unsigned n) {
  rs = rs * 6364136223846793005ull + 1442695040888963407ull;
  return (unsigned)(rs >> 33) % n;
}

typedef struct Fn {
  char name[16];
  int arity;
} Fn;

/* An expression over vars[0..nv) of depth at most d; arguments of partial
 * functions are shaped to stay in their domains. */
static void gen(StrBuf *b, int d, char vars[][8], int nv, const Fn *fns, int nfns) {
  /* cbrt'(0) is infinite (IEEE), and cbrt(p - p) would make NaN gradients
   * by the chain rule: it appears only shifted away from 0, below */
  static const char *safe1[] = {"sin", "cos", "atan", "tanh", "erf", "erfc", "asinh",
                                "abs", "floor", "ceil", "round", "sign"};
  if (d <= 0 || rnd(5) == 0) {
    unsigned c = rnd(10);
    if (c < 6)
      sb_puts(b, vars[rnd((unsigned)nv)]);
    else if (c < 9)
      sb_printf(b, "%d.%d", (int)rnd(4), (int)rnd(10));
    else
      sb_puts(b, "pi");
    return;
  }
  switch (rnd(12)) {
  case 0: case 1: {
    const char *ops[] = {" + ", " - ", " * "};
    sb_putc(b, '(');
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, ops[rnd(3)]);
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_putc(b, ')');
    break;
  }
  case 2:
    sb_putc(b, '(');
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, ") / (1.5 + (");
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, ")^2)");
    break;
  case 3:
    sb_printf(b, "%s(", safe1[rnd(sizeof safe1 / sizeof safe1[0])]);
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_putc(b, ')');
    break;
  case 4: {
    const char *f[] = {"exp(tanh(", "log(2 + sin(", "sqrt(1 + sin(", "log1p(1 + cos(",
                       "asin(0.5 * tanh(", "acos(0.5 * sin(", "atanh(0.5 * sin(", "acosh(2 + sin(",
                       "log2(3 + cos(", "log10(2 + tanh(", "exp2(sin(", "expm1(tanh(",
                       "tan(0.5 * tanh(", "sinh(tanh(", "cosh(tanh(", "cbrt(1.5 + sin("};
    sb_puts(b, f[rnd(sizeof f / sizeof f[0])]);
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, "))");
    break;
  }
  case 5: {
    const char *f[] = {"atan2(", "hypot(", "min(", "max("};
    sb_puts(b, f[rnd(4)]);
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, ", ");
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_putc(b, ')');
    break;
  }
  case 6: {
    const char *k[] = {"2", "3", "-1", "-2", "0", "4", "2.0", "0.5", "y"};
    const char *e = k[rnd(9)];
    sb_puts(b, "(1.5 + sin(");
    gen(b, d - 1, vars, nv, fns, nfns);
    if (e[0] == 'y') { /* bounded exponents keep every value moderate */
      sb_puts(b, "))^sin(");
      gen(b, d - 1, vars, nv, fns, nfns);
      sb_putc(b, ')');
    } else {
      sb_printf(b, "))^%s", e);
    }
    break;
  }
  case 7:
    sb_puts(b, "pow(2 + cos(");
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, "), 2 * tanh(");
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, "))");
    break;
  case 8: case 9: {
    const char *cmp[] = {" < ", " <= ", " > ", " >= ", " == ", " != "};
    sb_puts(b, "(");
    unsigned shape = rnd(4);
    if (shape == 3)
      sb_puts(b, "!(");
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, cmp[rnd(6)]);
    gen(b, d - 1, vars, nv, fns, nfns);
    if (shape == 3)
      sb_putc(b, ')');
    if (shape == 1 || shape == 2) {
      sb_puts(b, shape == 1 ? " && " : " || ");
      gen(b, 0, vars, nv, fns, nfns);
      sb_puts(b, " > 0.5");
    }
    sb_puts(b, " ? ");
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_puts(b, " : ");
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_putc(b, ')');
    break;
  }
  case 10:
    if (nfns) {
      const Fn *f = &fns[rnd((unsigned)nfns)];
      sb_printf(b, "%s(", f->name);
      for (int i = 0; i < f->arity; i++) {
        if (i)
          sb_puts(b, ", ");
        gen(b, d - 1, vars, nv, fns, nfns);
      }
      sb_putc(b, ')');
      break;
    }
    /* fall through */
  default:
    sb_puts(b, rnd(2) ? "-(" : "+(");
    gen(b, d - 1, vars, nv, fns, nfns);
    sb_putc(b, ')');
    break;
  }
}

static char *program(unsigned seed) {
  rs = seed * 2654435761ull + 17;
  StrBuf b = {0};
  Fn fns[4];
  int nfns = 0;
  for (int i = 0; i < 4; i++) {
    Fn *f = &fns[nfns];
    snprintf(f->name, sizeof f->name, "g%d", i % 10);
    f->arity = 1 + (int)rnd(3);
    char vars[12][8];
    int nv = 0;
    for (int k = 0; k < f->arity; k++)
      snprintf(vars[nv++], 8, "p%d", k % 10);
    sb_printf(&b, "fn %s(", f->name);
    for (int k = 0; k < f->arity; k++)
      sb_printf(&b, "%sp%d", k ? ", " : "", k);
    sb_puts(&b, ") {\n");
    int nstmts = 1 + (int)rnd(4);
    for (int s = 0; s < nstmts; s++) {
      StrBuf rhs = {0};
      gen(&rhs, 3, vars, nv, fns, nfns); /* before the new name exists */
      if (nv > f->arity && rnd(3) == 0) {
        sb_printf(&b, "  %s = ", vars[f->arity + rnd((unsigned)(nv - f->arity))]);
      } else {
        snprintf(vars[nv], 8, "t%d", s % 10);
        sb_printf(&b, "  let %s = ", vars[nv++]);
      }
      sb_printf(&b, "%s;\n", rhs.s);
      sb_free(&rhs);
    }
    sb_puts(&b, "  return ");
    for (int k = 0; k < nv; k++)
      sb_printf(&b, "%s + ", vars[k]);
    gen(&b, 2, vars, nv, fns, nfns);
    sb_puts(&b, ";\n}\n");
    nfns++;
  }
  return b.s;
}

static double sample(double lo, double hi) { return lo + (hi - lo) * rnd(1000000) / 1e6; }

START_TEST(random_program) {
  char *src = program((unsigned)_i);
  Compiled c1, c0;
  ck_assert_msg(ht_compile(&c1, src, 1) == 0, "seed %d:\n%s\n%s", _i, src, c1.diag);
  ck_assert_int_eq(ht_compile(&c0, src, 0), 0);
  for (int f = 0; f < c1.nfns; f++) {
    FnGraphs *g1 = &c1.fns[f], *g0 = &c0.fns[f];
    int n = g1->fwd.nparams;
    for (int k = 0; k < 12; k++) {
      double x[4], gr[4], gr0[4];
      for (int i = 0; i < n; i++)
        x[i] = sample(-2, 2);
      double v = ht_grad(g1, x, gr), v0 = ht_grad(g0, x, gr0);
      if (!isfinite(v) || fabs(v) > 1e6)
        continue;
      ck_assert_msg(fabs(v - v0) <= 1e-12 * (1 + fabs(v)), "seed %d %s: -O1 %.17g, -O0 %.17g\n%s", _i,
                    g1->sig->name, v, v0, src);
      for (int i = 0; i < n; i++) {
        /* skip points near a kink: compare one-sided slopes at two scales */
        double xs[4], up, dn, up2, dn2, h = 1e-5;
        memcpy(xs, x, sizeof xs);
        xs[i] = x[i] + h;
        rt_eval(&g1->fwd, xs, &up);
        xs[i] = x[i] - h;
        rt_eval(&g1->fwd, xs, &dn);
        xs[i] = x[i] + 1e-3;
        rt_eval(&g1->fwd, xs, &up2);
        xs[i] = x[i] - 1e-3;
        rt_eval(&g1->fwd, xs, &dn2);
        double fd = (up - dn) / (2 * h), fd2 = (up2 - dn2) / 2e-3;
        double sl = (up - v) / h, sr = (v - dn) / h;
        if (!isfinite(fd) || fabs(sl - sr) > 1e-3 * (1 + fabs(fd)) || fabs(fd - fd2) > 1e-2 * (1 + fabs(fd)))
          continue;
        ck_assert_msg(fabs(gr[i] - fd) <= 1e-5 * (1 + fabs(fd)) + 1e-9 * fabs(v) / h,
                      "seed %d %s d/dp%d at (%g, %g, %g): %.12g vs %.12g\n%s", _i, g1->sig->name, i, x[0],
                      x[1], x[2], gr[i], fd, src);
        ck_assert_msg(fabs(gr[i] - gr0[i]) <= 1e-9 * (1 + fabs(gr[i])), "seed %d: -O0 gradient differs\n%s",
                      _i, src);
      }
    }
  }
  ht_free(&c1);
  ht_free(&c0);
  free(src);
}
END_TEST

Suite *suite_random(void) {
  Suite *s = suite_create("random");
  TCase *tc = tcase_create("programs");
  tcase_set_timeout(tc, 60);
  /* ADC_RANDOM_PROGRAMS=N runs more (a soak); make check runs 150 */
  const char *n = getenv("ADC_RANDOM_PROGRAMS");
  tcase_add_loop_test(tc, random_program, 0, n ? atoi(n) : 150);
  suite_add_tcase(s, tc);
  return s;
}
