/* check_arrays.c - SPEC 2.5 end to end: arrays, sizes, data, reductions,
 * loops and several results. Each program is compiled by adc, the output by
 * gcc, clang and g++ (warnings as errors), and a generated driver checks
 * every function at random points: f against f_grad's value (or f_jac's
 * outputs), every gradient entry (or Jacobian entry) against central
 * differences, and f_vjp against the gradient (vjp = cotangents . J). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *const CFLAGS = "-std=c99 -O2 -Wall -Wextra -Wpedantic -Werror";
static const char *const CXXFLAGS = "-x c++ -O2 -Wall -Wextra -Werror";

/* The source text of dimension k (as written), for the driver to compute sizes. */
static void src_text(StrBuf *b, const Compiled *c, const SigParam *p, int k) {
  sb_printf(b, "(%.*s)", p->dimlocs[k].hi - p->dimlocs[k].lo, c->text + p->dimlocs[k].lo);
}

/* The element count of parameter p: 1 for a scalar. */
static void length(StrBuf *b, const Compiled *c, const SigParam *p) {
  sb_puts(b, "(1");
  for (int k = 0; k < p->ndims; k++) {
    sb_puts(b, " * ");
    src_text(b, c, p, k);
  }
  sb_puts(b, ")");
}

/* Arguments: sizes, then each parameter (arrays as pointers). */
static void call_args(StrBuf *b, const FnGraphs *f) {
  const Signature *fn = f->sig;
  int first = 1;
  for (int k = 0; k < f->sig->nsizes; k++, first = 0)
    sb_printf(b, "%s%s", first ? "" : ", ", f->sig->sizes[k]);
  for (int i = 0; i < fn->nparams; i++, first = 0)
    sb_printf(b, fn->params[i].ndims ? "%sp%d" : "%sp%d[0]", first ? "" : ", ", i);
}

/* f_jvp along random tangents t: its value is f's to the bit, its
 * tangents the Jacobian (checked above) times t. Functions with array
 * results are checked by array_results. */
static void jvp_check(StrBuf *b, const FnGraphs *f, const char *a) {
  const Signature *fn = f->sig;
  int np = fn->nparams, nv = f->fwd.outs.n, several = cg_several(f);
  if (ir_sig_array_results(fn))
    return;
  sb_printf(b, "      double jo[%d], jd[%d];\n", nv, nv);
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "      double t%d[len%d > 0 ? len%d : 1];\n      for (int e = 0; e < len%d; e++) t%d[e] = uni(-1, 1);\n",
                i, i, i, i, i);
  sb_printf(b, several ? "      %s(%s" : "      jo[0] = %s(%s", f->names->jvp, a);
  int first = a[0] == 0;
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const) {
      sb_printf(b, fn->params[i].ndims ? "%st%d" : "%st%d[0]", first ? "" : ", ", i);
      first = 0;
    }
  for (int o = 0; o < nv && several; o++)
    sb_printf(b, "%s&jo[%d]", first || o ? ", " : ", ", o);
  for (int o = 0; o < nv; o++)
    sb_printf(b, "%s&jd[%d]", first && !several && !o ? "" : ", ", o);
  sb_puts(b, ");\n");
  sb_printf(b, "      for (int o = 0; o < %d; o++) {\n"
               "        if (jo[o] != out[o] && !(jo[o] != jo[o] && out[o] != out[o])) { printf(\"%s: jvp value %%.17g != %%.17g\\n\", jo[o], out[o]); return 1; }\n"
               "        double want = 0, scale = 0;\n", nv, fn->name);
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "        for (int e = 0; e < len%d; e++) { want += jac[o * cols + col%d + e] * t%d[e];"
                   " scale += fabs(jac[o * cols + col%d + e] * t%d[e]); }\n", i, i, i, i, i);
  sb_printf(b, "        if (!(fabs(jd[o] - want) <= 1e-10 * (1 + scale))) { printf(\"%s: jvp %%d %%.17g != %%.17g\\n\", o, jd[o], want); return 1; }\n"
               "      }\n", fn->name);
}

/* Are f_hvp and f_hess checked: one scalar result, a differentiated parameter? */
static int second_order(const FnGraphs *f) {
  int any = 0;
  for (int i = 0; i < f->sig->nparams; i++)
    any |= !f->sig->params[i].is_const;
  return any && !cg_several(f);
}

/* f_hvp (one scalar result) along tangents t and s: its value is f's to
 * the bit, its gradient f_grad's, <s, H t> = <t, H s> (the Hessian is
 * symmetric), and H t is the central difference of f_grad along t. */
static void hvp_check(StrBuf *b, const FnGraphs *f, const char *a) {
  const Signature *fn = f->sig;
  int np = fn->nparams;
  if (!second_order(f))
    return;
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "      double s%d[len%d > 0 ? len%d : 1], hb%d[len%d > 0 ? len%d : 1], ht%d[len%d > 0 ? len%d : 1],"
                   " hs%d[len%d > 0 ? len%d : 1], gu%d[len%d > 0 ? len%d : 1], gd%d[len%d > 0 ? len%d : 1];\n"
                   "      for (int e = 0; e < len%d; e++) s%d[e] = uni(-1, 1);\n",
                i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i);
  for (int pass = 0; pass < 2; pass++) { /* H t into ht, H s into hs */
    sb_printf(b, "      %s %s(%s", pass ? "" : "double hv =", f->names->hvp, a);
    int first = a[0] == 0;
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const) {
        sb_printf(b, fn->params[i].ndims ? "%s%c%d" : "%s%c%d[0]", first ? "" : ", ", pass ? 's' : 't', i);
        first = 0;
      }
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const)
        sb_printf(b, ", hb%d", i);
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const)
        sb_printf(b, ", %s%d", pass ? "hs" : "ht", i);
    sb_puts(b, ");\n");
  }
  sb_printf(b, "      if (hv != out[0] && !(hv != hv && out[0] != out[0])) { printf(\"%s: hvp value %%.17g != %%.17g\\n\", hv, out[0]); return 1; }\n"
               "      { double st = 0, ts = 0, scale = 0;\n", fn->name);
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "        for (int e = 0; e < len%d; e++) {\n"
                   "          if (!(fabs(hb%d[e] - jac[col%d + e]) <= 1e-10 * (1 + fabs(jac[col%d + e])))) { printf(\"%s: hvp gradient %%d %%.17g != %%.17g\\n\", e, hb%d[e], jac[col%d + e]); return 1; }\n"
                   "          st += s%d[e] * ht%d[e]; ts += t%d[e] * hs%d[e]; scale += fabs(s%d[e] * ht%d[e]) + fabs(t%d[e] * hs%d[e]); }\n",
                i, i, i, i, fn->name, i, i, i, i, i, i, i, i, i, i);
  sb_printf(b, "        if (!(fabs(st - ts) <= 1e-9 * (1 + scale))) { printf(\"%s: hvp not symmetric: %%.17g %%.17g\\n\", st, ts); return 1; } }\n",
            fn->name);
  /* central differences of the gradient along t */
  sb_puts(b, "      { const double h = 1e-5;\n");
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const && !fn->params[i].is_int)
        sb_printf(b, "        for (int e = 0; e < len%d; e++) p%d[e] %c= h * t%d[e];\n", i, i, pass ? '-' : '+', i);
    if (pass)
      for (int i = 0; i < np; i++)
        if (!fn->params[i].is_const && !fn->params[i].is_int)
          sb_printf(b, "        for (int e = 0; e < len%d; e++) p%d[e] -= h * t%d[e];\n", i, i, i);
    sb_printf(b, "        %s(%s", f->names->grad, a);
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const)
        sb_printf(b, ", %s%d", pass ? "gd" : "gu", i);
    sb_puts(b, ");\n");
  }
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const && !fn->params[i].is_int)
      sb_printf(b, "        for (int e = 0; e < len%d; e++) p%d[e] += h * t%d[e];\n", i, i, i);
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "        for (int e = 0; e < len%d; e++) { double fd = (gu%d[e] - gd%d[e]) / (2 * h);\n"
                   "          double r = rel(ht%d[e], fd); if (r > 1e-5) { printf(\"%s: hvp %%d %%.17g vs %%.17g\\n\", e, ht%d[e], fd); return 1; } }\n",
                i, i, i, i, fn->name, i);
  sb_puts(b, "      }\n");
}

/* f_hess (one scalar result): its value is f's to the bit, its gradient
 * f_grad's, its Hessian symmetric exactly and, times t, f_hvp's H t
 * (checked against differences of f_grad above). */
static void hess_check(StrBuf *b, const FnGraphs *f, const char *a) {
  const Signature *fn = f->sig;
  int np = fn->nparams;
  if (!second_order(f))
    return;
  sb_printf(b, "      { double *hg = (double *)malloc(sizeof(double) * (size_t)(cols + 1));\n"
               "        double *hh = (double *)malloc(sizeof(double) * (size_t)(cols * cols + 1));\n"
               "        double *tf = (double *)malloc(sizeof(double) * (size_t)(cols + 1));\n"
               "        double hv2 = %s(%s%shg, hh);\n"
               "        if (hv2 != out[0] && !(hv2 != hv2 && out[0] != out[0])) { printf(\"%s: hess value %%.17g != %%.17g\\n\", hv2, out[0]); return 1; }\n"
               "        for (int r = 0; r < cols; r++) {\n"
               "          if (!(fabs(hg[r] - jac[r]) <= 1e-10 * (1 + fabs(jac[r])))) { printf(\"%s: hess gradient %%d %%.17g != %%.17g\\n\", r, hg[r], jac[r]); return 1; }\n"
               "          for (int c = 0; c < cols; c++) if (hh[r * cols + c] != hh[c * cols + r] && hh[r * cols + c] == hh[r * cols + c]) { printf(\"%s: hess not symmetric at %%d %%d\\n\", r, c); return 1; } }\n",
            f->names->hess, a, a[0] ? ", " : "", fn->name, fn->name, fn->name);
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "        for (int e = 0; e < len%d; e++) tf[col%d + e] = t%d[e];\n", i, i, i);
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "        for (int e = 0; e < len%d; e++) { double want = 0, scale = 0;\n"
                   "          for (int c = 0; c < cols; c++) { want += hh[(col%d + e) * cols + c] * tf[c]; scale += fabs(hh[(col%d + e) * cols + c] * tf[c]); }\n"
                   "          if (!(fabs(ht%d[e] - want) <= 1e-9 * (1 + scale))) { printf(\"%s: hess times t %%d %%.17g != %%.17g\\n\", e, want, ht%d[e]); return 1; } }\n",
                i, i, i, i, fn->name, i);
  sb_puts(b, "        free(hg);\n        free(hh);\n        free(tf);\n      }\n");
}

/* One function's checks, at `points` random points of [lo, hi]. */
static void driver_function(StrBuf *b, const Compiled *c, const FnGraphs *f, const int *sizes,
                            double lo, double hi, int points) {
  const Signature *fn = f->sig;
  const FnNames *nm = f->names;
  int np = fn->nparams, nv = f->fwd.outs.n;
  sb_puts(b, "  {\n");
  for (int k = 0; k < f->sig->nsizes; k++)
    sb_printf(b, "    const int %s = %d;\n", f->sig->sizes[k], sizes ? sizes[k] : 3);
  sb_puts(b, "    int cols = 0;\n");
  for (int i = 0; i < np; i++) {
    sb_printf(b, "    const int len%d = ", i);
    length(b, c, &fn->params[i]);
    sb_printf(b, ";\n    %s p%d[len%d > 0 ? len%d : 1];\n    double g%d[len%d > 0 ? len%d : 1], "
                 "v%d[len%d > 0 ? len%d : 1];\n    const int col%d = cols;\n",
              fn->params[i].is_int ? "int" : "double", i, i, i, i, i, i, i, i, i, i);
    if (!fn->params[i].is_const)
      sb_printf(b, "    cols += len%d;\n", i);
  }
  sb_printf(b, "    double out[%d], out2[%d], up[%d], dn[%d];\n", nv, nv, nv, nv);
  sb_printf(b, "    double *jac = (double *)malloc(sizeof(double) * (size_t)(%d * cols + 1));\n", nv);
  sb_printf(b, "    for (int k = 0; k < %d; k++) {\n", points);
  /* integer data in [0, the smallest size): an index into any array */
  int m = 3;
  for (int k = 0; k < f->sig->nsizes && sizes; k++)
    if (k == 0 || sizes[k] < m)
      m = sizes[k] > 0 ? sizes[k] : 1;
  for (int i = 0; i < np; i++)
    if (fn->params[i].is_int)
      sb_printf(b, "      for (int e = 0; e < len%d; e++) { p%d[e] = (int)uni(0, %d) %% %d; g%d[e] = 7; v%d[e] = 0.25; }\n",
                i, i, m, m, i, i);
    else
      sb_printf(b, "      for (int e = 0; e < len%d; e++) { p%d[e] = uni(%.17g, %.17g); g%d[e] = 7; v%d[e] = 0.25; }\n",
                i, i, lo, hi, i, i);
  StrBuf args = {0};
  call_args(&args, f);
  const char *a = args.s ? args.s : "";
  const char *sep = args.s ? ", " : "";
  /* the values: f, and f_grad or f_jac */
  if (nv == 1) {
    sb_printf(b, "      out[0] = %s(%s);\n", nm->fwd, a);
    sb_printf(b, "      out2[0] = %s(%s", nm->grad, a);
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const)
        sb_printf(b, ", g%d", i);
    sb_puts(b, ");\n      for (int o = 0; o < cols; o++) jac[o] = 0;\n");
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const)
        sb_printf(b, "      for (int e = 0; e < len%d; e++) jac[col%d + e] = g%d[e];\n", i, i, i);
  } else {
    sb_printf(b, "      %s(%s", nm->fwd, a);
    for (int o = 0; o < nv; o++)
      sb_printf(b, "%s&out[%d]", o || args.s ? ", " : "", o);
    sb_printf(b, ");\n      %s(%s", nm->jac, a);
    for (int o = 0; o < nv; o++)
      sb_printf(b, "%s&out2[%d]", o || args.s ? ", " : "", o);
    sb_puts(b, ", jac);\n");
  }
  sb_printf(b, "      for (int o = 0; o < %d; o++) if (out[o] != out2[o]) { printf(\"%s: value %%.17g != %%.17g\\n\", out[o], out2[o]); return 1; }\n",
            nv, fn->name);
  /* the vjp: cotangents 0.5 + o, added to 0.25 */
  sb_printf(b, "      %s(%s", nm->vjp, a);
  for (int o = 0; o < nv; o++)
    sb_printf(b, "%s%g", o || args.s ? ", " : "", 0.5 + o);
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, ", v%d", i);
  sb_puts(b, ");\n");
  for (int i = 0; i < np; i++) {
    if (fn->params[i].is_const)
      continue;
    sb_printf(b, "      for (int e = 0; e < len%d; e++) {\n        double want = 0.25;\n", i);
    sb_printf(b, "        for (int o = 0; o < %d; o++) want += (0.5 + o) * jac[o * cols + col%d + e];\n", nv, i);
    sb_printf(b, "        if (fabs(v%d[e] - want) > 1e-12 * (1 + fabs(want))) { printf(\"%s: vjp %%d/%%d %%.17g != %%.17g\\n\", %d, e, v%d[e], want); return 1; }\n",
              i, fn->name, i, i);
    /* central differences */
    sb_printf(b, "        double xe = p%d[e], h = 1e-6 * (1 + fabs(xe));\n", i);
    for (int pass = 0; pass < 2; pass++) {
      sb_printf(b, "        p%d[e] = xe %c h;\n", i, pass ? '-' : '+');
      const char *dst = pass ? "dn" : "up";
      if (nv == 1) {
        sb_printf(b, "        %s[0] = %s(%s);\n", dst, nm->fwd, a);
      } else {
        sb_printf(b, "        %s(%s", nm->fwd, a);
        for (int o = 0; o < nv; o++)
          sb_printf(b, "%s&%s[%d]", o || args.s ? ", " : "", dst, o);
        sb_puts(b, ");\n");
      }
    }
    sb_printf(b, "        p%d[e] = xe;\n", i);
    sb_printf(b, "        for (int o = 0; o < %d; o++) { double fd = (up[o] - dn[o]) / (2 * h);\n"
                 "          double r = rel(jac[o * cols + col%d + e], fd); if (r > worst) worst = r;\n"
                 "          if (r > 1e-6) { printf(\"%s: d%%d/d%s[%%d] %%.17g vs %%.17g\\n\", o, e, jac[o * cols + col%d + e], fd); return 1; } }\n",
              nv, i, fn->name, fn->params[i].name, i);
    sb_puts(b, "      }\n");
  }
  jvp_check(b, f, a);
  hvp_check(b, f, a);
  hess_check(b, f, a);
  sb_puts(b, "      checked++;\n    }\n    free(jac);\n  }\n");
  (void)sep;
  sb_free(&args);
}

/* A driver for every function of the program. */
static void write_driver(const char *path, const Compiled *c, const char *header, const int *sizes,
                         double lo, double hi, const char *extra) {
  StrBuf b = {0};
  sb_printf(&b, "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include \"%s\"\n", header);
  sb_puts(&b, "static unsigned long long s = 88172645463325252ull;\n"
              "static double uni(double lo, double hi) { s ^= s << 13; s ^= s >> 7; s ^= s << 17;"
              " return lo + (hi - lo) * (double)(s >> 11) / 9007199254740992.0; }\n"
              "static double rel(double a, double b) { return fabs(a - b) / (1 + fabs(b)); }\n"
              "int main(void) {\n  double worst = 0;\n  int checked = 0;\n");
  for (int f = 0; f < c->nfns; f++)
    driver_function(&b, c, &c->fns[f], sizes, lo, hi, 8);
  if (extra)
    sb_puts(&b, extra);
  sb_puts(&b, "  printf(\"checked=%d worst=%.3g\\n\", checked, worst);\n  return checked == 0;\n}\n");
  ht_write(path, b.s, b.len);
  sb_free(&b);
}

/* adc, then cc, then the driver; fails with what went wrong. The driver is
 * built without -Werror (it uses VLAs); the output alone with the flags. */
static void run(const char *tag, const char *src, const char *cc, const char *flags, const int *sizes,
                double lo, double hi, const char *extra, const char *adc_flags) {
  Compiled c;
  ck_assert_msg(ht_compile(&c, src, 1) == 0, "%s: %s", tag, c.diag);
  GenCase g;
  char flags_all[600];
  snprintf(flags_all, sizeof flags_all, "--modes=all %s", adc_flags ? adc_flags : "");
  ht_generate(&g, tag, src, cc, flags_all);
  write_driver(g.drv, &c, g.header, sizes, lo, hi, extra);
  char cmd[6000];
  snprintf(cmd, sizeof cmd, "%s %s -Wno-vla -o %s %s -x none %s -lm", cc, strstr(flags, "c++") ? "-x c" : "",
           g.exe, g.drv, g.gen);
  ht_must_compile(&g, tag, "the driver does not build", cmd);
  snprintf(cmd, sizeof cmd, "%s %s -c -o %s.o %s", cc, flags, g.exe, g.gen);
  ht_must_compile(&g, tag, "the output does not compile cleanly", cmd);
  ht_must_run(&g, tag, cc);
  ht_free(&c);
}

/* SPEC 2.5's examples, word for word, and the samples. */
static const struct {
  const char *tag, *src;
  double lo, hi;
} programs[] = {
    {"spec", "fn sumsq(x[n]) = sum(i in 0..n, x[i]^2);\n"
             "fn rosen(x[n]) = sum(i in 0..n-1, 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2);\n"
             "fn polar(r, t) -> (px, py) { return r*cos(t), r*sin(t); }\n"
             "fn decay(y0, k) { let y = y0; for i in 0..100 { y = y - 0.01*k*y; } return y; }\n"
             "fn quad(A[n, n], x[n]) = sum(i in 0..n, sum(j in 0..n, x[i]*A[i, j]*x[j]));\n"
             "fn loss(w[d], const X[m, d], const y[m]) =\n"
             "    sum(i in 0..m, log(1 + exp(-y[i] * sum(j in 0..d, w[j]*X[i, j]))));\n",
     -1.5, 1.5},
    {"reductions", "fn r(x[n], y) = prod(i in 0..n, x[i] + y) + min(i in 0..n, x[i] * y)\n"
                   "  + max(i in 1..n, x[i] - x[i-1]) + logsumexp(i in 0..n, 2 * x[i]) + sum(i in 0..n, y);\n"
                   "fn tri(L[n, n]) = sum(i in 0..n, sum(j in 0..i+1, L[i, j] * (i + 1) / (j + 1)));\n"
                   "fn mod(x[n]) = sum(i in 0..2*n, x[i % n] * x[(i + 1) % n] / (1 + i / n));\n",
     -1, 1},
    {"loops", "fn swap(a, b) { let x = a; let y = b; for i in 0..5 { let t = x; x = y + 0.1*t; y = t; } return x*y; }\n"
              "fn nest(x[n], c) { let s = c; for i in 0..n { for j in 0..3 { s = s * 0.9 + x[i] * sin(s); } } return s; }\n"
              "fn branchy(x[n], c) { let s = 0; for i in 0..n { s = x[i] > 0 ? s + sqrt(x[i]) * c : s - c * x[i]; } return s; }\n"
              "fn inner(x[n]) = sum(i in 0..n, x[i] > 0 ? sum(j in 0..n, x[j] * x[i]) : logsumexp(j in 0..n, x[j] - x[i]));\n"
              "fn mixed(x[n], c) { let s = c; for i in 0..n { s = s + sum(j in 0..i+1, x[j] * s); } return s; }\n"
              "fn inv(x[n], w[m]) = sum(i in 0..n, logsumexp(j in 0..m, exp(w[j]) * x[i] + (w[j] > 0 ? sin(w[j]) : cos(x[i]))));\n",
     -1, 1},
    {"outputs", "fn stats(x[n]) -> (mean, var) {\n"
                "  let m = sum(i in 0..n, x[i]) / n;\n"
                "  return m, sum(i in 0..n, (x[i] - m)^2) / n;\n}\n"
                "fn rot(const a, v[2]) -> (u0, u1, norm) { return cos(a)*v[0] - sin(a)*v[1], sin(a)*v[0] + cos(a)*v[1], hypot(v[0], v[1]); }\n",
     -1, 1},
    /* a sum's loop runs with its reverse: outside scalars, branches, inner
     * reductions, sizes, data and stored values in the terms; and a sum that
     * must not fuse (its adjoint needs the sum) */
    {"fused", "fn wsum(a, x[n], const c[n]) = sum(i in 0..n, a * x[i]^2 + (x[i] > c[i] ? a * x[i] : x[i] / a));\n"
              "fn nest(A[n, m], b) = sum(i in 0..n, b * sum(j in 0..m, A[i, j] * A[i, j] * b) + A[i, 0] * i);\n"
              "fn logsum(x[n]) = log(sum(i in 0..n, x[i]^2 + 1));\n"
              "fn stored(x[n], t) = t * sum(i in 0..n, exp(x[i] * t) + sin(x[i]));\n"
              "fn lse(a[m], x[n]) = sum(i in 0..n, logsumexp(k in 0..m, a[k] * x[i]^2 + exp(a[k] * x[i])));\n",
     -1, 1},
    /* values stored in a fused loop and read back in the same iteration:
     * places for one iteration (of the fused loop and the loops around it) */
    {"reused", "fn pts(mu[K], x[N]) = sum(i in 0..N, log(sum(k in 0..K, exp(-(x[i] - mu[k])^2))));\n"
               "fn outer(a[M], x[N]) = sum(m in 0..M, sum(i in 0..N, log(sum(k in 0..M, exp(a[k] * x[i] + a[m])))));\n"
               "fn off(a[M], x[N]) = sum(i in 2..N, log(sum(k in 1..M, exp(a[k] * x[i] + a[k - 1]))) * x[i - 2]);\n",
     -1, 1},
    /* straight-line additions at constant places into arrays of constant size
     * are stores; elsewhere the arrays are zeroed by a loop and added into */
    {"direct", "fn cross(a[3], b[3]) -> (c0, c1, c2) {\n"
               "  return a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0];\n}\n"
               "fn twice(x[2, 2], y) = x[0, 0] * x[1, 1] + sin(x[0, 1]) * y;\n"
               "fn mixed(x[3], v[n]) = x[0] * x[2] + sum(i in 0..n, v[i] * x[1]);\n"
               "fn inloop(x[3]) = sum(i in 0..3, x[i]^2) + x[0];\n",
     -1, 1},
    /* branches on one condition share the values computed on the same side */
    {"siblings", "fn rot(r, s) {\n"
                 "  let q = r * r + s * s;\n"
                 "  let a = q > 1 ? cos(sqrt(q)) : 1 - q;\n"
                 "  let b = q > 1 ? sin(sqrt(q)) / sqrt(q) : 1;\n"
                 "  let c = q > 1 ? (1 - cos(sqrt(q))) * exp(s) : q / 2;\n"
                 "  let d = q <= 1 ? 2 : log(sqrt(q));\n"
                 "  return a * r + b * s + c + d;\n}\n",
     -2, 2},
    /* costly values made once per place in their storage, not per iteration
     * of the loops they do not change with; and where that must not happen
     * (a range reading the outer index; a branch) */
    {"cached", "fn once(a[m], x[n]) = sum(i in 0..n, log(sum(k in 0..m, exp(a[k]) * x[i]^2)));\n"
               "fn tri(a[n], x[n]) = sum(i in 0..n, log(1 + sum(k in 0..i, exp(a[k]) * x[i]^2)));\n"
               "fn branch(a[m], x[n]) = sum(i in 0..n, log(sum(k in 0..m, x[i] > 0 ? exp(a[k]) * x[i] : 1 + x[i]^2)));\n"
               /* operands written out before the loops; a loop in the middle it does
                * not change with; an operand made in a loop it does not change with
                * (the first iteration then) */
               "fn deep(A[m, d], x[n]) = sum(i in 0..n, log(sum(k in 0..m, sum(j in 0..d, exp(A[k, j] * 2 + A[k, 0]) * x[i]^2))));\n"
               "fn mid(A[m, d], x[n]) = sum(k in 0..m, sum(i in 0..n, sum(j in 0..d, exp(A[k, j]) * x[i])^2));\n"
               "fn carried(a[m], x[n]) = sum(i in 0..n, log(sum(k in 0..m, exp(sum(j in 0..m, a[j] * a[k])) * x[i]^2)));\n",
     -1, 1},
    /* triangular indices (packed lower triangles, as gmm.ad's icf): kept in
     * counters advanced by their differences, forwards and backwards */
    {"triangle", "fn packed(x[n], L[n*(n+1)/2]) = sum(c in 0..n, L[c*(c+1)/2 + c] * sin(x[c]));\n"
                 "fn lower(x[n], L[n*(n+1)/2]) = sum(j in 0..n, (exp(L[j]) * x[j]\n"
                 "    + sum(c in 0..j, L[n + c*(n-1) - c*(c-1)/2 + j - c - 1] * x[c]))^2);\n"
                 "fn lowlse(x[n], L[n*(n+1)/2]) =\n"
                 "  sum(j in 1..n, logsumexp(c in 0..j, L[n + c*(n-1) - c*(c-1)/2 + j - c - 1] * x[c]));\n",
     -1, 1},
    /* cheap work a loop does not change, over a span (c in 0..j with j in
     * 0..n: 0..n-1; c in 0..j+1: 0..n), made once before it (gmm.ad's
     * x[i, c] - means[k, c]) */
    {"spans", "fn rows(mu[n], L[n*(n+1)/2], const x[m, n]) = sum(i in 0..m, sum(j in 0..n, (exp(L[j]) * (x[i, j] - mu[j])\n"
              "    + sum(c in 0..j, L[n + c*(n-1) - c*(c-1)/2 + j - c - 1] * (x[i, c] - mu[c])))^2));\n"
              "fn upto(a[n], b[n]) = sum(j in 0..n, sum(c in 0..j+1, (a[c] - b[c]) * a[j]));\n"
              "fn sums(a[K, D], x[N]) = sum(i in 0..N, logsumexp(k in 0..K, sum(j in 0..D, a[k, j]) * x[i]));\n"
              "private fn sig(x) = 1 / (1 + exp(-x));\n"
              "fn gates(w[n], x[n]) {\n"
              "  let s = 0;\n"
              "  for i in 0..n { s = s * 0.5 + sig(w[i] * x[i]) * x[i]; }\n"
              "  return s;\n"
              "}\n",
     -1, 1},
    /* reverse loops side by side over one range run as one loop; not when
     * the later reads what the earlier computes, nor over other ranges */
    {"joined", "fn top(x[n]) = sum(i in 0..n, x[i]^2) * sum(i in 0..n, sin(x[i]));\n"
               "fn comp(A[m, d], x[n]) = sum(i in 0..n, log(1 + sum(k in 0..m,\n"
               "    exp(sum(j in 0..d, A[k, j]) - sum(j in 0..d, (A[k, j] - x[i])^2)))));\n"
               "fn chain(x[n], c) {\n  let s = c;\n  for i in 0..n { s = s * 0.5 + x[i]; }\n"
               "  let t = c;\n  for i in 0..n { t = t * 0.25 + sin(x[i]) * s; }\n  return s + t;\n}\n"
               "fn ranges(x[n]) = sum(i in 0..n, x[i]^2) * sum(i in 1..n, sin(x[i]));\n"
               "fn chain2(x[n], c) {\n  let s = c;\n  for i in 0..n { s = s * 0.5 + x[i]; }\n"
               "  let t = s;\n  for i in 0..n { t = t * 0.25 + sin(x[i]); }\n  return t;\n}\n"
               "fn sumdep(x[n]) {\n  let s = 0;\n  for i in 0..n { s = s + x[i]^2; }\n"
               "  return sum(i in 0..n, sin(x[i]) * s);\n}\n",
     -1, 1},
    /* inner reductions that do not read the outer index (recomputed as a
     * whole in the fused reverse loop), with products, logsumexp, max,
     * branches, two levels, sharing, caching and a for loop */
    {"independent", "fn p2(a[m], x[n]) = sum(i in 0..n, x[i] * prod(j in 0..m, 1 + 0.1 * a[j]));\n"
                    "fn p3(a[m], x[n]) = sum(i in 0..n, logsumexp(j in 0..m, a[j]) * x[i]^2);\n"
                    "fn p4(a[m], x[n]) = sum(i in 0..n, sum(j in 0..m, a[j]^2) * sum(k in 0..m, sin(a[k])) * x[i]);\n"
                    "fn p5(a[m], x[n]) = sum(i in 0..n, sum(j in 0..m, a[j] * x[i]) + sum(j in 0..m, a[j]));\n"
                    "fn p6(a[m], x[n]) = sum(i in 0..n, x[i] > 0 ? sum(j in 0..m, a[j]) : sum(j in 0..m, a[j]^2));\n"
                    "fn p7(a[m], x[n]) = sum(i in 0..n, max(k in 0..m, a[k]) * x[i]);\n"
                    "fn p8(A[m, m], x[n]) = sum(i in 0..n, sum(j in 0..m, sum(k in 0..m, A[j, k])) * x[i]);\n"
                    "fn p9(a[m], x[n]) = sum(i in 0..n, sum(j in 0..m, exp(a[j])) * x[i] + sum(j in 0..m, exp(a[j]) * x[i]));\n"
                    "fn p10(a[m], x[n], c) {\n  let s = c;\n"
                    "  for i in 0..n { s = s * 0.5 + sum(j in 0..m, a[j]) * x[i]; }\n  return s;\n}\n",
     -1, 1},
    /* found by the differential test: a costly value made inside a reduction
     * in a branch must not leave the branch through a phi */
    {"reduction_in_branch", "fn f(a, c) = c > 0.5 ? 1 : sum(i in 0..2, exp(a));\n"
                            "fn g(a, c, x[n]) = c > 0 ? prod(i in 1..n, exp(a) * x[i]) + exp(a) : x[0];\n"
                            /* and: a branch's values made in its adjoint branch stay in
                             * scope when a sibling branch's phi copies the group (at -O0
                             * they were made again: two lines of one name) */
                            "fn hb(x[n], a) = sum(i in 0..n, x[i] > a ? x[i] : pow(2 + cos(a), 2 * tanh(x[i])));\n",
     -1, 1},
    /* found by the differential test: a loop or branch recomputed in a fused
     * reverse loop stands for its forward copy as a whole, or is printed
     * under fresh names (its forward names are in scope) */
    {"fused_nested", "fn inner(t0, x[n]) = sum(i in 1..n, (1.5 + sin(sum(j in 1..3, t0 * x[i])))^-2);\n"
                     "fn sel(a1, a2, t1) = sum(i in 1..3, (t1 > a1 ? a1 : a2) > 0 ? i * a1 : a2 * a2);\n"
                     "fn both(a, x[n]) = sum(i in 0..n, x[i] * sum(j in 0..n, a > x[j] ? a : x[j] * a));\n"
                     /* a value made once and only stored (in f_vjp): a statement, no unused name */
                     "fn once(a0) = sum(i in 1..3, sum(j in 1..3, (1.5 + sin(a0))^sin(j)));\n"
                     /* a dead sum over the same range is no partner for the reverse loop */
                     "fn dead(a, x3[m]) {\n  let t1 = sum(i in 0..m, i);\n  return sum(i in 0..m, a) + x3[0];\n}\n"
                     /* an inner sum recomputed as a whole in the reverse loop is no
                      * partner for its own reverse loop (that was never printed) */
                     "fn whole(a[m], x[n]) = sum(i in 0..n, sum(j in 0..m, a[j]) * x[i]);\n",
     -1, 1},
    /* if statements (SPEC 2.6): merges, else if, lets local to a block,
     * compound assignments, ifs in loops carrying values, and a value read
     * only in one block (its pullback runs only there) */
    {"statements", "fn clip(x, c) { let y = x; if x > c { y = c; } else if x < -c { y = -c; } return y; }\n"
                   "fn acc(x[n], c) { let s = 0; for i in 0..n { if x[i] > 0 { s += c * x[i]; }\n"
                   "  else { let t = sin(x[i]); s -= t * t; } } return s; }\n"
                   "fn nested(x, y) { let a = x; let b = y; if x > y { a = x * y; if a > 0.5 { b = exp(a); }\n"
                   "  else { b = a - y; } } else { b *= 2; } return a + b; }\n"
                   "fn guarded(x) { let r = sqrt(x * x + 1); let y = 0; if x > 0.2 { y = r; } return y * x; }\n"
                   "fn loopif(x[n]) { let m = 0; let s = 1; for i in 0..n { if x[i] > m { m = x[i]; s *= 1.5; } }\n"
                   "  return m * s; }\n",
     -1, 1},
    /* found by the differential test: a helper's dead conditional, inlined
     * twice (in a loop's condition and in its else branch), leaves by a phi
     * "c ? v : 0" a value from outside its group; taken for a value leaving
     * the branch, recomputing it asked for itself, forever (out of memory) */
    {"exported_outside", "fn hh(u, v) { let w = v > 0.5 ? v : floor(0.5); return u; }\n"
                         "fn f(M0[m, n], a1) { let t0 = a1; let t1 = a1 * a1;\n"
                         "  for i in 0..3 { let q = hh(M0[m-1, 0], a1) < M0[m-1, 0] ? asin(0.5 * tanh(t0)) : hh(t1, t0);\n"
                         "    t0 = t0 + q * t1; t1 = 0.9 * t1 + 0.1 * sin(q); }\n"
                         "  return t0; }\n",
     -1, 1},
    /* found by the differential test: storage on the heap (its size known at
     * run time) for a value no loop around it changes (one place), whose size
     * was printed as nothing */
    {"one_place", "fn p902(const M0[3, 2], M1[m, 2]) -> (r0, r1, r2) {\n"
                  "  let t0 = expm1(tanh(sign((M1[m-1, 1] < M1[m-1, 0] || M1[m-1, 0] > 0.5 ? pi : M0[0, 1]))));\n"
                  "  let t1 = sum(i in 1..2, prod(j in 1..m, 1 + 0.5 * tanh((pi != pi ? 2 : t0))));\n"
                  "  return (((M1[0, 0]) / (1.5 + (t1)^2)) / (1.5 + ((t0 * M1[0, 1]))^2)) / (1.5 + (logsumexp(i in 0..2, t1))^2), sum(i in 0..2, (!(atanh(0.5 * sin(t0)) >= 1.25) ? acosh(2 + sin(M1[0, i])) : M1[m-1, i])), logsumexp(i in 0..m, +(M1[i, 1]));\n"
                  "}\n",
     -1, 1},
    /* integer data (SPEC 2.6): gathers (scatter-adds backwards), loop bounds
     * (storage sized by them), integer comparisons, integer data as reals,
     * a helper's 'const int' parameter, ranges read from data (CSR rows) */
    {"integer_data", "fn gather(x[n], w[p], const int idx[p, 2]) =\n"
                     "  sum(o in 0..p, w[o] * x[idx[o, 0]] * sin(x[idx[o, 1]]));\n"
                     "fn euler(x, k, const int steps) { let y = x;\n"
                     "  for t in 0..steps { y += 0.1 * k * sin(y); if t % 2 == 0 { y *= 0.9; } }\n"
                     "  return y + steps; }\n"
                     "fn window(x[n], const int r[2]) = sum(i in r[0]..r[1], exp(x[i]) * (i - r[0]));\n"
                     "private fn scale(v, const int j) = v * (j + 1) + (j % 2 == 1 ? v * v : 0);\n"
                     "fn helper(x[n], const int k) = scale(x[k], k) + scale(x[0], 2);\n"
                     "fn counts(const int c[n], x[n]) = sum(i in 0..n, c[i] == 1 ? x[i] : x[i]^2 * c[i]);\n"
                     "fn inplace(a[n], const int idx[n]) {\n"
                     "  let v[n] = a;\n"
                     "  for i in 0..n { v[i] += v[idx[i]] * a[i]; v[i] -= 0.5 * a[idx[i]]; }\n"
                     "  return sum(i in 0..n, v[i]^2);\n"
                     "}\n"
                     "fn csr(x[n], v[q], const int ptr[m], const int col[q]) =\n"
                     "  sum(i in 0..m-1, exp(sum(j in ptr[i]..ptr[i+1], v[j] * x[col[j]])));\n",
     -1, 1},
    /* local arrays (SPEC 2.6): filled, copied, lists, 1-D and 2-D
     * comprehensions, elements and whole arrays assigned, carried by loops
     * (the double buffer: a swap) and merged by ifs, in a called function;
     * a Jacobian through them (two) */
    {"local_arrays",
                     "fn heat(u0[n], k, const int steps) {\n"
                     "  let u[n] = u0;\n"
                     "  for t in 0..steps {\n"
                     "    let v[n] = u;\n"
                     "    for i in 1..n-1 { v[i] += k * (u[i-1] - 2*u[i] + u[i+1]); }\n"
                     "    u = v;\n"
                     "  }\n"
                     "  return sum(i in 0..n, u[i]^2);\n"
                     "}\n"
                     "fn clip(x[n], c) {\n"
                     "  let s = sqrt(sum(i in 0..n, x[i]^2));\n"
                     "  let y[n] = x;\n"
                     "  if s > c { for i in 0..n { y[i] = x[i] * c / s; } } else if s < 1e-12 { y[0] = 0; }\n"
                     "  return sum(i in 0..n, y[i] * (i + 1));\n"
                     "}\n"
                     "fn mat(A[n, m], x[m]) {\n"
                     "  let y[n] = 0;\n"
                     "  for i in 0..n { y[i] = sum(j in 0..m, A[i, j] * x[j]); }\n"
                     "  let P[n, n] = [i in 0..n, j in 0..n: y[i] * y[j] + (i == j ? 1 : 0)];\n"
                     "  return sum(i in 0..n, sum(j in 0..n, P[i, j] * sin(P[j, i]))) + max(i in 0..n, y[i]);\n"
                     "}\n"
                     "fn branchy(x[n], c) {\n"
                     "  let y[n] = x;\n"
                     "  if c > 0.5 { y[0] = c * y[0]; y[n-1] = y[0] * y[n-1]; } else { y = [i in 0..n: x[i]^2]; }\n"
                     "  let t = 0;\n"
                     "  for i in 0..n { t += y[i] * exp(-y[i]); if y[i] > 1 { y[i] = 0; } }\n"
                     "  return t + sum(i in 0..n, y[i]);\n"
                     "}\n"
                     "fn swapper(x[n], k) {\n"
                     "  let a[n] = x;\n"
                     "  let b[n] = 0;\n"
                     "  for t in 0..3 {\n"
                     "    for i in 0..n { b[i] = a[i] * k + sin(a[(i + 1) % n]); }\n"
                     "    let c[n] = a;\n"
                     "    a = b;\n"
                     "    b = c;\n"
                     "  }\n"
                     "  return sum(i in 0..n, a[i] * b[i]);\n"
                     "}\n"
                     "fn two(x[n]) -> (p, q) {\n"
                     "  let y[n] = [i in 0..n: x[i]^2];\n"
                     "  return sum(i in 0..n, y[i]), y[0] * y[n-1];\n"
                     "}\n"
                     "private fn rot(x, y) { let r[2] = [x*2, y]; r[1] += r[0]; return r[0]*r[1]; }\n"
                     "fn calls(x[n], b) = sum(i in 0..n, rot(x[i], b));\n"
                     /* a branch reading an array, in a loop, with a costly
                      * value (cos) leaving the other branch: the phi that
                      * carries it out is stored, not made again from an
                      * array changed since */
                     "fn costly(a, b) {\n"
                     "  let L[2] = a;\n"
                     "  for s in 0..2 {\n"
                     "    let N[2] = L;\n"
                     "    for i in 0..2 { N[i] += sin(L[1] > b ? L[0] : log1p(1 + cos(b))); }\n"
                     "    L = N;\n"
                     "  }\n"
                     "  return L[0] * L[1];\n"
                     "}\n",
     -1, 1},
    /* helpers called in loops: the values a helper's loop stores have a
     * place per iteration of the caller's loops too (each caller iteration
     * overwrote the last one's); a helper's reads of its local arrays are
     * stored in the caller's loop (made again, they read the buffer as the
     * helper left it) */
    {"helpers_in_loops", "private fn g(x, k) {\n"
                         "  let y = x;\n"
                         "  for t in 0..3 { y = sin(y * k) + y; }\n"
                         "  return y;\n"
                         "}\n"
                         "fn sum_g(x[n], k) = sum(i in 0..n, g(x[i], k));\n"
                         "private fn h(x, k) {\n"
                         "  let r[2] = [x, k];\n"
                         "  let u = sin(r[0]);\n"
                         "  r[0] = k * 3;\n"
                         "  return u + r[0] * r[0] * x;\n"
                         "}\n"
                         "fn sum_h(x[n], k) = sum(i in 0..n, h(x[i], k));\n"
                         "fn iter_h(y0, k) {\n"
                         "  let y = y0;\n"
                         "  for t in 0..3 { y = h(y, k) * 0.1; }\n"
                         "  return y;\n"
                         "}\n",
     -1, 1},
    /* reductions over local arrays: a min in a branch leaves it by its
     * phi (made again, it read the array changed since); a max of tied
     * terms splits its adjoint by the count of ties; an array parameter
     * whose gradient is zero, beside a local array's adjoint, is cast to
     * void in the vjp; a max leaving its branch by an exported phi, which
     * the reverse sweep reads, keeps the max its tie count is counted
     * against (the count was printed alone: an unused variable, a division
     * by a zero count) */
    {"array_reductions", "fn branch_min(a0, x1[2]) {\n"
                         "  let L0[2] = x1;\n"
                         "  if a0 > 0.5 { L0[0] = min(i in 0..2, L0[i]); }\n"
                         "  return L0[0] * a0;\n"
                         "}\n"
                         "fn tied_max(a1) {\n"
                         "  let L[2] = a1;\n"
                         "  return prod(i in 0..3, max(j in 0..3, L[1]));\n"
                         "}\n"
                         "fn exported_max(M[2, 3], a) -> (r0, r1) { return a, -(a > 0.5 ? 0 : max(i in 0..3, M[0, i])); }\n"
                         "fn zero_bar(x[n], c) {\n"
                         "  let y[2] = c;\n"
                         "  y[1] *= c;\n"
                         "  return x[0] > 0 ? y[0] * y[1] : c;\n"
                         "}\n",
     -1, 1},
    /* helpers taking arrays: whole parameters and rows (A[i], a gather
     * C[obs[o, 0]]), their size names bound to the arguments' dimensions;
     * a row copied into the helper's local array */
    {"array_helpers", "private fn dot(a[n], b[n]) = sum(i in 0..n, a[i] * b[i]);\n"
                      "fn norm2(x[m]) = sqrt(dot(x, x));\n"
                      "fn matvec_sq(A[n, m], x[m]) = sum(i in 0..n, dot(A[i], x)^2);\n"
                      "private fn res(c[4], x[2]) {\n"
                      "  let t = 0;\n"
                      "  for k in 0..2 { t += c[k + 2] * sin(x[k] * c[0]); }\n"
                      "  return t * t;\n"
                      "}\n"
                      "fn total(C[c, 4], P[q, 2], const int obs[p, 2]) = sum(o in 0..p, res(C[obs[o, 0]], P[obs[o, 1]]));\n"
                      "private fn cp(r[3], w) { let y[3] = r; y[1] *= y[2] * w; return y[0] + y[1] * r[0]; }\n"
                      "fn rows(A[n, 3], k) {\n"
                      "  let s = 0;\n"
                      "  for i in 0..n { s = s * k + cp(A[i], k); }\n"
                      "  return s;\n"
                      "}\n",
     -1, 1},
    /* local arrays passed to helpers: copied into the call's own buffer
     * outside loops (z, changed after the call), read in place inside
     * loops with each read stored per iteration (rnn's state, loopcall's
     * L changed between the iterations' calls); an assignment whose
     * comprehension reads the array assigned reads its old elements; a
     * loop carrying an array and a scalar inside another loop (its exits
     * were split by a store: invalid IR, an abort) */
    {"local_arguments", "private fn dot(a[n], b[n]) = sum(i in 0..n, a[i] * b[i]);\n"
                        "private fn layer(W[h, d], b[h], x[d]) -> y[h] = [i in 0..h: tanh(b[i] + dot(W[i], x))];\n"
                        "fn net(W1[nh, nd], b1[nh], W2[nq, nh], b2[nq], x[nd]) {\n"
                        "  let z[nh] = layer(W1, b1, x);\n"
                        "  let o[nq] = layer(W2, b2, z);\n"
                        "  z[0] = 5 * z[0];\n"
                        "  return dot(o, o) + dot(z, z);\n"
                        "}\n"
                        "fn rnn(W[nh, nh], U[nh, nd], X[nt, nd], h0[nh]) {\n"
                        "  let s[nh] = h0;\n"
                        "  for r in 0..nt { let u[nh] = [i in 0..nh: dot(U[i], X[r])]; s = [i in 0..nh: tanh(u[i] + dot(W[i], s))]; }\n"
                        "  return dot(s, s);\n"
                        "}\n"
                        "fn loopcall(x[n], c) {\n"
                        "  let L[n] = x;\n"
                        "  let acc = 0;\n"
                        "  for r in 0..3 { acc += dot(L, x) * c; L[r % n] = L[r % n] * c + acc; }\n"
                        "  return acc + dot(L, L);\n"
                        "}\n"
                        "private fn cross(r[3], p[3]) -> q[3] = [r[1]*p[2] - r[2]*p[1], r[2]*p[0] - r[0]*p[2], r[0]*p[1] - r[1]*p[0]];\n"
                        "fn lists(x[3], c) {\n"
                        "  let q[3] = cross(x, [c, 2 * c, x[0]]);\n"
                        "  let t = 0;\n"
                        "  for i in 0..3 { t += dot([x[i], c], [c * c, q[i]]); }\n"
                        "  return t + q[0] * q[2];\n"
                        "}\n"
                        "fn two_carried(x[n]) {\n"
                        "  let L[n] = x;\n"
                        "  let t = 0;\n"
                        "  for i in 0..n { for j in 0..n { t += sin(L[j]); L[0] = t; } }\n"
                        "  return t;\n"
                        "}\n"
                        "fn rows(A[n, m], c) {\n"
                        "  let B[n, m] = A;\n"
                        "  B[0, 0] = c * B[0, 0];\n"
                        "  let s = 0;\n"
                        "  for i in 0..n { s += dot(B[i], A[i]) * dot(B[i], B[i]); }\n"
                        "  return s;\n"
                        "}\n",
     -1, 1},
    /* snapshots (an array version read in a loop directly in its block is
     * stored whole after the loop): heat's state per step; a loop over all
     * the elements in a branch below the version's block is no snapshot
     * (it runs only when the branch does: the reverse sweep read it
     * unconditionally, seed 2878); reads in both branches of an if (hand's
     * then/else) */
    {"snapshots", "fn stencil(u0[n], k) {\n"
                  "  let u[n] = u0;\n"
                  "  for t in 0..3 {\n"
                  "    let v[n] = u;\n"
                  "    for i in 1..n-1 { v[i] += k * (u[i-1] - 2*u[i] + u[i+1]); }\n"
                  "    u = v;\n"
                  "  }\n"
                  "  return sum(i in 0..n, u[i]^2);\n"
                  "}\n"
                  "fn branch_sum(a2, a3) {\n"
                  "  let L0[2] = [a2, sin(a2)];\n"
                  "  let t1 = 1;\n"
                  "  if a3 >= 0 { t1 = sum(i in 0..2, L0[i]); }\n"
                  "  let t0 = 0;\n"
                  "  for i in 0..2 { t0 = t0 + L0[1] * L0[1] * t1; }\n"
                  "  return t0;\n"
                  "}\n"
                  "fn both(x[n], c) {\n"
                  "  let A[n] = x;\n"
                  "  let s = 0;\n"
                  "  for i in 0..n {\n"
                  "    if x[i] > c { for r in 0..n { s += A[r] * c; } } else { for r in 0..n { s -= sin(A[r]); } }\n"
                  "    A[i] = s * 0.5;\n"
                  "  }\n"
                  "  return s;\n"
                  "}\n",
     -1, 1},
    /* a reduction whose range reads an enclosing index (c in 0..j) but
     * whose terms do not changes with that index: it was stored at one
     * place for every j, and the reverse sweep read the last one */
    {"range_dependent", "fn r(a[K, D], x[N, D]) =\n"
                        "  sum(i in 0..N, logsumexp(k in 0..K, sum(j in 0..D, sum(c in 0..j, a[k, c] * x[i, c])^2)));\n"
                        "fn t(x[n]) = sum(j in 0..n, exp(sum(c in 0..j, x[c])) * x[j]);\n",
     -1, 1},
};

static const char *const compilers[][2] = {{"gcc", NULL}, {"clang", NULL}, {"g++", NULL}};

START_TEST(program_each_compiler) {
  int pi = _i / 3, ci = _i % 3;
  char tag[64];
  snprintf(tag, sizeof tag, "arr_%s_%d", programs[pi].tag, ci);
  run(tag, programs[pi].src, compilers[ci][0], ci == 2 ? CXXFLAGS : CFLAGS, NULL, programs[pi].lo,
      programs[pi].hi, NULL, NULL);
}
END_TEST

/* What the emitter's speed decisions leave in the text, counted in lines of
 * one emitted function of the programs fused, siblings and cached:
 * - fusion: one loop for wsum and for stored (the stored exp is read in the
 *   same iteration: no storage), the outer loop with the inner sum and its
 *   reverse for nest (3) and with the inner logsumexp, the loop turning its
 *   stored terms into weights and its reverse for lse (4: the inner loop's
 *   storage is read in the same iteration), still a forward and a reverse
 *   loop for logsum (its adjoint needs the sum);
 * - logsumexp's weights are stored: lse's reverse sweep takes no exponential
 *   (the one "= exp(" line is the term's exp(a[k] * x[i]));
 * - shared branch values: sqrt(q) once for the three branches on q > 1 and
 *   once for the one on q <= 1 (another condition), cos once (there were 4
 *   sqrt and up to 3 cos);
 * - caching: exp(a[k]) made once per k in once (by a loop of its own before
 *   the loop over i: one exp line, the loops read it back), as are deep's
 *   exp(A[k, j] * 2 + A[k, 0]) (its operands written out) and mid's exp(A[k,
 *   j]) (before the loop over i, inside the one over k); on the first
 *   iteration in carried, whose operand is a sum made in the loops; tri's
 *   exp(a[k]) in the loop over k in 0..i, by a loop over the span of k,
 *   0..n-1, before the loop over i (one exp line in tri and in tri_grad);
 *   not in a branch (branch);
 * - joining: top's two reverse loops over 0..n are one (3 loops in all), as
 *   are comp's two over j (in f_grad and in f_vjp); the second reverse
 *   loops of chain, chain2 and sumdep need what the first computes, and
 *   ranges' run over other ranges: not joined;
 * - spans: rows' x[i, c] - mu[c] made once per point before the loop over
 *   j, over the span of c in 0..j (0..n-1), in n - 1 places (per point too
 *   in rows_vjp, which does not fuse the loop over the points with its
 *   reverse), as is its exp(L[j]) before the loop over i; upto's a[c] -
 *   b[c] over 0..n (c in 0..j+1); sums' sum(j in 0..D, a[k, j]) by its
 *   loop before the loop over i (the only forward loop over D, in sums,
 *   sums_grad and sums_vjp); gates' sig(...), a helper called in a loop:
 *   its exp(-x) stored for the reverse sweep, not made again (one exp line
 *   in gates_grad);
 * - in place: heat's v[i] += ... and inplace's v[i] += ..., v[i] -= ...
 *   leave the element's adjoint where it is in the reverse sweep (no line
 *   zeroing an element of an adjoint: the read would add it back);
 * - triangle: packed's and lower's triangular index is a counter of its own
 *   (its line in the loop's head and the read), advanced by n - 1 - c - 1
 *   forwards, in lower_grad's reverse loop too (a sum's terms' adjoints are
 *   independent: a triangle's row is walked forwards), and taken back by
 *   n - 1 - c in lowlse_grad's (a logsumexp's reverse loop runs backwards);
 * - the forward functions cache as the gradients do (once: exp(a[k]) made
 *   before the loop over i, read back in it; carried: on the first
 *   iteration; tri: over the span of k);
 * - reuse: pts stores its terms exp(...) per k only in f_grad (fused), per
 *   k and i in f_vjp (not fused, with its sums per i); outer's per i and k, and its sums per i,
 *   not per m; off's (ranges from 1 and 2) not per i; lse's not per i;
 * - stores: cross's Jacobian and twice's gradient store each element (no
 *   loop, no addition; the 6 entries of cross's Jacobian nothing stores into
 *   are zeroed one line each, twice's x[1, 0] too); mixed's x is also added
 *   into in a loop and inloop's at a counter's place: zeroed by loops and added
 *   into, as is mixed's v (of a size known only when called);
 * - counters: loops count in long (index arithmetic as wide as an address),
 *   forwards and backwards; only the zeroing of a gradient counts in int;
 * - copy and snapshot: heat's `let v[n] = u;` is a loop of its own in heat,
 *   and in heat_grad a store in the pass that stores u's snapshot (with the
 *   stencil's store, the two element stores of its time loop). */
static const struct {
  const char *program; /* its tag */
  const char *fn, *pattern;
  int lines;
} counted[] = {
    {"fused", "wsum_grad", "for (long i", 1},          {"fused", "nest_grad", "for (long i", 3},
    {"fused", "logsum_grad", "for (long i", 2},        {"fused", "stored_grad", "for (long i", 1},
    {"fused", "lse_grad", "for (long i", 5},       {"fused", "lse_grad", "= exp(", 1},
    {"siblings", "rot", "= sqrt(", 2},                   {"siblings", "rot_grad", "= sqrt(", 2},
    {"siblings", "rot_vjp", "= sqrt(", 2},               {"siblings", "rot", "= cos(", 1},
    {"siblings", "rot_grad", "= cos(", 1},               {"siblings", "rot_vjp", "= cos(", 1},
    {"cached", "once_grad", " == 0 ? (adc_t", 0},      {"cached", "once_grad", "adc_t[0-9]*.i1. = exp(a.i1.);", 1},
    {"cached", "once_grad", "= adc_t[0-9]*.i1.;", 1},  {"cached", "once_grad", "= exp(", 1},
    {"cached", "once_vjp", "= exp(", 1},               {"cached", "tri_grad", " == 0 ? (adc_t", 0},
    /* f_jvp keeps f's caches: exp(a[k]) made once per k, before the loop over i */
    {"cached", "once_jvp", "adc_t[0-9]*.i1. = exp(a.i1.);", 1}, {"cached", "once_jvp", "= exp(", 1},
    {"cached", "tri_grad", "= exp(", 1},              {"cached", "branch_grad", " == 0 ? (adc_t", 0},
    {"cached", "deep_grad", "^  .*= exp((A.i2 + d \\* i1. \\* 2.0) + A.d \\* i1.);", 1},
    {"cached", "deep_grad", "= exp(", 1},             {"cached", "mid_grad", "^    .*= exp(A.i2 + d \\* i0.);", 1},
    {"cached", "carried_grad", " == 0 ? (adc_t", 1},   {"cached", "carried_grad", "= exp(", 1},
    {"triangle", "packed", "adc_o", 2},                {"triangle", "lower", "adc_o", 2},
    {"triangle", "lower", "adc_o[0-9]* += n - 1 - i[0-9]* - 1, i[0-9]*++", 1},
    {"triangle", "lower_grad", "adc_o[0-9]* += n - 1 - i[0-9]* - 1, i[0-9]*++", 2},
    {"triangle", "lowlse_grad", "adc_o[0-9]* -= n - 1 - i[0-9]*, i[0-9]*--", 1},
    {"cached", "once", "adc_t[0-9]*.i1. = exp(a.i1.);", 1}, {"cached", "once", "= adc_t[0-9]*.i1.;", 1},
    {"cached", "once", "= exp(", 1},                   {"cached", "tri", "= exp(", 1},
    {"cached", "tri", "i[0-9]* < n - 1;", 1},          {"spans", "rows", "i[0-9]* < n - 1;", 1},
    {"spans", "rows_grad", "i[0-9]* < n - 1;", 1},     {"spans", "rows_grad", "adc_n[0-9]* = .*m > 0", 0},
    {"spans", "rows_vjp", "adc_n[0-9]* = .*n - 1.*m > 0", 1}, {"spans", "rows", "made once", 2},
    {"spans", "upto", "made once", 1},                 {"spans", "sums", "made once", 1},
    {"spans", "sums", "i[0-9]* < D; i[0-9]*++", 1},    {"spans", "sums_grad", "i[0-9]* < D; i[0-9]*++", 1},
    {"spans", "sums_vjp", "i[0-9]* < D; i[0-9]*++", 1}, {"spans", "gates_grad", "= exp(", 1},
    {"spans", "upto_grad", "adc_t[0-9]*.i[0-9]*. = a", 1},
    {"cached", "deep", "= exp(", 1},                   {"cached", "carried", " == 0 ? (adc_t", 1},
    {"reused", "pts_grad", "adc_n[0-9]* = .*N > 0", 0},  {"reused", "pts_vjp", "adc_n[0-9]* = .*N > 0", 2},
    {"reused", "pts_grad", "adc_t[0-9]*.i[0-9]*.", 2},   {"reused", "outer_grad", "adc_n[0-9]* = .*M > 0", 1},
    {"reused", "outer_grad", "adc_n[0-9]* = (size_t)(N > 0 ? N : 0);", 1},
    {"reused", "off_grad", "adc_n[0-9]* = .*N > 2", 0}, {"fused", "lse_grad", "adc_n[0-9]* = .*n > 0", 0},
    {"direct", "cross_jac", "+=", 0},                  {"direct", "cross_jac", "= 0.0;", 6},
    {"direct", "cross_jac", "adc_k", 0},               {"direct", "twice_grad", "x_bar.[0-3]. = ", 4},
    {"direct", "twice_grad", "+=", 0},                 {"direct", "mixed_grad", "adc_k++", 2},
    {"direct", "mixed_grad", "x_bar.*+=", 3},          {"direct", "inloop_grad", "x_bar.*+=", 2},
    {"joined", "top_grad", "for (long i", 3},          {"joined", "top_grad", "in the same iteration", 1},
    {"joined", "comp_grad", "in the same iteration", 1}, {"joined", "comp_vjp", "in the same iteration", 1},
    {"joined", "chain_grad", "in the same iteration", 0}, {"joined", "ranges_grad", "in the same iteration", 0},
    {"fused", "wsum_grad", "^  for (long i0 = 0; i0 < n; i0++) {$", 1},
    {"fused", "wsum_grad", "for (int ", 1}, /* the gradient's zeroing, over adc_k */
    {"joined", "top_grad", "^  for (long i[0-9]* = n - 1; i[0-9]* >= 0; i[0-9]*--) {$", 1},
    {"joined", "chain2_grad", "in the same iteration", 0}, {"joined", "chain2_vjp", "in the same iteration", 0},
    {"joined", "sumdep_grad", "in the same iteration", 0}, {"joined", "sumdep_vjp", "in the same iteration", 0},
    {"local_arrays", "heat", "adc_k++) adc_a[0-9]*.adc_k. = adc_a", 1},
    {"local_arrays", "heat_grad", "adc_k++) adc_a[0-9]*.adc_k. = adc_a", 0},
    {"local_arrays", "heat_grad", "adc_b[0-9]*.i[0-9]*. = 0.0;", 0},
    {"integer_data", "inplace_grad", "adc_b[0-9]*.i[0-9]*. = 0.0;", 0},
    {"local_arrays", "heat_grad", "^      adc_a[0-9]*.i[0-9]*. = z[0-9]*;", 2},
};

START_TEST(speed_decisions) {
  size_t pi = 0;
  while (strcmp(programs[pi].tag, counted[_i].program) != 0)
    pi++;
  char tag[64];
  snprintf(tag, sizeof tag, "count_%s", programs[pi].tag);
  GenCase g;
  ht_generate(&g, tag, programs[pi].src, "gcc", "--modes=all");
  int st;
  char *n = ht_capture(&st, "sed -n '/^[a-z]* %s(/,/^}/p' '%s' | grep -c '%s'", counted[_i].fn, g.gen,
                       counted[_i].pattern);
  ck_assert_msg(n && atoi(n) == counted[_i].lines, "%s has %s lines with '%s', not %d", counted[_i].fn,
                n ? n : "?", counted[_i].pattern, counted[_i].lines);
  free(n);
}
END_TEST

/* -O0 keeps every node: the loops must be just as right. */
START_TEST(program_o0) {
  char tag[64];
  snprintf(tag, sizeof tag, "arr_%s_o0", programs[_i].tag);
  run(tag, programs[_i].src, "gcc", CFLAGS, NULL, programs[_i].lo, programs[_i].hi, NULL, "-O0");
}
END_TEST

/* Sizes large enough for the storage to be malloc'd rather than on the stack. */
START_TEST(large_storage) {
  static const int sizes[] = {3000};
  run("arr_large", "fn f(x[n], c) { let s = c; for i in 0..n { s = s * (1 + 0.001 * sin(x[i])); } return s; }\n",
      "gcc", CFLAGS, sizes, -1, 1, NULL, NULL);
}
END_TEST

static const struct {
  const char *file;
  int sizes[4];
  double lo, hi;
} samples[] = {
    {"samples/rosenbrock_n.ad", {6}, -1.5, 1.5},
    {"samples/logistic.ad", {3, 5}, -1, 1},
    {"samples/laplace.ad", {3, 5}, -1, 1},
    {"samples/oscillator.ad", {0}, 0.5, 1.5},
    {"samples/ba.ad", {0}, 0.5, 1.5},
    {"samples/gmm.ad", {3, 2, 4}, 0.5, 1.5},
    {"samples/lstm.ad", {2, 3, 4}, -1, 1},
    {"samples/heat.ad", {5}, 0.1, 0.3},
};

START_TEST(sample_each_compiler) {
  int si = _i / 3, ci = _i % 3;
  char *src = ht_slurp(samples[si].file, NULL);
  ck_assert_ptr_nonnull(src);
  char tag[64];
  snprintf(tag, sizeof tag, "arrs%d_%d", si, ci);
  run(tag, src, compilers[ci][0], ci == 2 ? CXXFLAGS : CFLAGS, samples[si].sizes, samples[si].lo,
      samples[si].hi, NULL, NULL);
  free(src);
}
END_TEST

/* When the storage cannot be allocated, f_grad sets errno and returns NaN,
 * f_vjp returns without touching its adjoints: no crash. (The address
 * space is limited to 256 MiB; the storage asked for is 800 MB.) */
START_TEST(allocation_failure_is_reported) {
  const char *src = "fn f(x[n], const steps[m], c) {\n"
                    "  let s = c; for i in 0..m { s = 0.5 * sin(s) + x[i % n] + steps[0] * 0; } return s; }\n";
  const char *drv = "#include <errno.h>\n#include <math.h>\n#include <stdio.h>\n#include \"big_grad.h\"\n"
                    "int main(void) { double x[7] = {1, 2, 3, 4, 5, 6, 7}, g[7] = {0}, gc = 7, st[1] = {0};\n"
                    "  errno = 0; double v = f_grad(7, 100000000, x, st, 1.0, g, &gc);\n"
                    "  if (!isnan(v) || errno != ENOMEM) { printf(\"%g %d\\n\", v, errno); return 1; }\n"
                    "  errno = 0; gc = 7; f_vjp(7, 100000000, x, st, 1.0, 1.0, g, &gc);\n"
                    "  if (errno != ENOMEM || gc != 7) return 2;\n"
                    "  v = f_grad(7, 7, x, st, 1.0, g, &gc); return isnan(v) || isnan(gc) || gc == 7; }\n";
  ck_assert_int_eq(ht_build_run("big", src, drv, "ulimit -v 262144"), 0);
}
END_TEST

/* ADBench's first observation of ba1: the residual it publishes. */
START_TEST(ba_published) {
  char *src = ht_slurp("samples/ba.ad", NULL);
  const char *extra =
      "  { double cam[11] = {-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673,\n"
      "      419.194514, 5.864426, -8.518870, 0.087812, 0.002739};\n"
      "    double X[3] = {7.203245, 0.001144, 3.023326}, feat[2] = {271.760969, 834.209256}, ex, ey;\n"
      "    ba(cam, X, 0.417022, feat, &ex, &ey);\n"
      "    if (fabs(ex - 0.101336) > 5e-7 || fabs(ey + 0.068968) > 5e-7) {\n"
      "      printf(\"ba residual %.9f %.9f\\n\", ex, ey); return 1; } }\n";
  run("ba_pub", src, "gcc", CFLAGS, NULL, 0.5, 1.5, extra, NULL);
  free(src);
}
END_TEST

/* The GMM objective against ADBench's formula written out by hand (an
 * independent implementation: plain C loops over the same definition). */
START_TEST(gmm_formula) {
  char *src = ht_slurp("samples/gmm.ad", NULL);
  const char *extra =
      "  { enum { D = 3, K = 4, N = 5, S = D * (D + 1) / 2 };\n"
      "    double al[K], mu[K * D], icf[K * S], x[N * D], slse = 0, prior = 0;\n"
      "    for (int i = 0; i < K; i++) al[i] = uni(-1, 1);\n"
      "    for (int i = 0; i < K * D; i++) mu[i] = uni(-1, 1);\n"
      "    for (int i = 0; i < K * S; i++) icf[i] = uni(-0.5, 0.5);\n"
      "    for (int i = 0; i < N * D; i++) x[i] = uni(-1, 1);\n"
      "    for (int i = 0; i < N; i++) {\n"
      "      double mt[K], m = -INFINITY, s = 0;\n"
      "      for (int k = 0; k < K; k++) {\n"
      "        double xc[D], q[D], sq = 0, sumq = 0; int l = 0;\n"
      "        for (int j = 0; j < D; j++) { xc[j] = x[i*D+j] - mu[k*D+j]; q[j] = exp(icf[k*S+j]) * xc[j]; sumq += icf[k*S+j]; }\n"
      "        for (int a = 0; a < D; a++) for (int c = a + 1; c < D; c++) q[c] += icf[k*S+D+l++] * xc[a];\n"
      "        for (int j = 0; j < D; j++) sq += q[j] * q[j];\n"
      "        mt[k] = al[k] + sumq - 0.5 * sq; if (mt[k] > m) m = mt[k]; }\n"
      "      for (int k = 0; k < K; k++) s += exp(mt[k] - m);\n"
      "      slse += m + log(s); }\n"
      "    double ma = -INFINITY, sa = 0; for (int k = 0; k < K; k++) if (al[k] > ma) ma = al[k];\n"
      "    for (int k = 0; k < K; k++) sa += exp(al[k] - ma);\n"
      "    const double g = 1.5, wm = 2;\n"
      "    for (int k = 0; k < K; k++) { double fr = 0, sumq = 0;\n"
      "      for (int j = 0; j < D; j++) { fr += exp(2 * icf[k*S+j]); sumq += icf[k*S+j]; }\n"
      "      for (int j = D; j < S; j++) fr += icf[k*S+j] * icf[k*S+j];\n"
      "      prior += 0.5 * g * g * fr - wm * sumq; }\n"
      "    double n = D + wm + 1, lg = 0.25 * D * (D - 1) * log(3.14159265358979323846);\n"
      "    for (int j = 1; j <= D; j++) lg += lgamma(0.5 * n + 0.5 * (1 - j));\n"
      "    double C = n * D * (log(g) - 0.5 * log(2.0)) - lg;\n"
      "    double want = -N * D * 0.5 * log(2 * 3.14159265358979323846) + slse - N * (ma + log(sa)) + prior - K * C;\n"
      "    double got = gmm(K, D, N, al, mu, icf, x, g, wm);\n"
      "    if (fabs(got - want) > 1e-12 * (1 + fabs(want))) { printf(\"gmm %.17g != %.17g\\n\", got, want); return 1; }\n"
      "    /* the loss: the negative log-likelihood plus the penalty */\n"
      "    want = N * D * 0.5 * log(2 * 3.14159265358979323846) - slse + N * (ma + log(sa)) + prior - K * C;\n"
      "    got = gmm_loss(K, D, N, al, mu, icf, x, g, wm);\n"
      "    if (fabs(got - want) > 1e-12 * (1 + fabs(want))) { printf(\"gmm_loss %.17g != %.17g\\n\", got, want); return 1; } }\n";
  static const int sizes[] = {3, 2, 4};
  run("gmm_ref", src, "gcc", CFLAGS, sizes, 0.5, 1.5, extra, NULL);
  free(src);
}
END_TEST

/* The RK4 oscillator: without damping the scheme keeps the energy to
 * O(h^4); the gradient by x0 is then k x0 (and by v0, v0). */
START_TEST(oscillator_energy) {
  char *src = ht_slurp("samples/oscillator.ad", NULL);
  const char *extra =
      "  { double gx, gv, gc, e = oscillator_grad(0.7, -0.3, 0.0, 2.0, 1.0, &gx, &gv, &gc);\n"
      "    double e0 = 0.5 * 0.09 + 0.5 * 2.0 * 0.49;\n"
      "    if (fabs(e - e0) > 1e-8 || fabs(gx - 2.0 * 0.7) > 1e-7 || fabs(gv + 0.3) > 1e-7 || gc >= 0) {\n"
      "      printf(\"oscillator %.12g %.12g %.12g %.12g\\n\", e - e0, gx, gv, gc); return 1; } }\n";
  run("osc_energy", src, "gcc", CFLAGS, NULL, 0.5, 1.5, extra, NULL);
  free(src);
}
END_TEST

/* Reductions' conventions in compiled code: ties split evenly, empty
 * ranges give their identities. */
START_TEST(reduction_conventions) {
  const char *src = "fn mx(x[n]) = max(i in 0..n, x[i]);\n"
                    "fn mn(x[n]) = min(i in 0..n, x[i]);\n"
                    "fn empty(x[n]) = sum(i in 0..0, x[i]) + prod(i in n..n, x[0]) + exp(max(i in 0..0, x[i]));\n";
  const char *drv = "#include <stdio.h>\n#include \"conv_grad.h\"\n"
                    "int main(void) { double x[4] = {1, 3, 3, 2}, g[4];\n"
                    "  if (mx_grad(4, x, g) != 3 || g[0] != 0 || g[1] != 0.5 || g[2] != 0.5 || g[3] != 0) return 1;\n"
                    "  double y[3] = {-1, 2, -1};\n"
                    "  if (mn_grad(3, y, g) != -1 || g[0] != 0.5 || g[1] != 0 || g[2] != 0.5) return 2;\n"
                    "  if (empty_grad(4, x, g) != 1 || g[0] != 0 || g[1] != 0) return 3;\n"
                    "  return 0; }\n";
  ck_assert_int_eq(ht_build_run("conv", src, drv, ""), 0);
}
END_TEST

/* logsumexp is the one pass of doc/semantics.md, to the bit, in f (which
 * takes each term in one iteration late) and in f_grad (which stores the
 * terms and takes them in after the loop): against that pass written out,
 * on terms with ties, -inf, +inf and empty ranges; the weights are
 * exp(term - result) to a few roundings. */
START_TEST(logsumexp_one_pass) {
  const char *src = "fn lse(x[n]) = logsumexp(i in 0..n, x[i]);\n"
                    "fn lses(x[n], y[m]) = sum(j in 0..m, y[j] * logsumexp(i in 0..n, x[i] * y[j]));\n";
  const char *drv =
      "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include \"onepass_grad.h\"\n"
      "static double pass(const double *t, int n) {\n"
      "  double m = -HUGE_VAL, s = 0;\n"
      "  for (int i = 0; i < n; i++)\n"
      "    if (t[i] > m) { s = m > -HUGE_VAL ? s * exp(m - t[i]) + 1 : 1; m = t[i]; }\n"
      "    else if (m > -HUGE_VAL) s += exp(t[i] - m);\n"
      "  return m + log(s);\n}\n"
      "int main(void) {\n"
      "  static const double odd[] = {-HUGE_VAL, HUGE_VAL, 0.5, 700, -700};\n"
      "  for (int r = 0; r < 3000; r++) {\n"
      "    int n = r % 8, m = r % 3, inf = 0;\n"
      "    double x[8], y[3], t[8], g[8], gy[3], want = 0;\n"
      "    for (int i = 0; i < n; i++) {\n"
      "      x[i] = rand() % 4 == 0 ? odd[rand() % 5] : (rand() % 7) * 0.25 - 0.75;\n"
      "      inf |= isinf(x[i]);\n    }\n"
      "    for (int j = 0; j < m; j++) y[j] = (rand() % 5) * 0.5 - 1;\n"
      "    double v = pass(x, n);\n"
      "    if (lse(n, x) != v && !(isnan(v) && isnan(lse(n, x)))) { printf(\"lse %d: %.17g %.17g\\n\", r, lse(n, x), v); return 1; }\n"
      "    double vg = lse_grad(n, x, g);\n"
      "    if (vg != v && !(isnan(v) && isnan(vg))) { printf(\"lse_grad %d: %.17g %.17g\\n\", r, vg, v); return 2; }\n"
      "    for (int i = 0; i < n && !inf; i++)\n"
      "      if (fabs(g[i] - exp(x[i] - v)) > 1e-15 * (1 + fabs(v))) { printf(\"weight %d %d: %.17g\\n\", r, i, g[i]); return 3; }\n"
      "    for (int j = 0; j < m; j++) {\n"
      "      for (int i = 0; i < n; i++) t[i] = x[i] * y[j];\n"
      "      want += y[j] * pass(t, n);\n    }\n"
      "    double w = lses(n, m, x, y), wg = lses_grad(n, m, x, y, g, gy);\n"
      "    if ((w != want || wg != want) && !(isnan(want) && isnan(w) && isnan(wg))) {\n"
      "      printf(\"lses %d: %.17g %.17g %.17g\\n\", r, w, wg, want); return 4; }\n"
      "  }\n  return 0;\n}\n";
  ck_assert_int_eq(ht_build_run("onepass", src, drv, ""), 0);
}
END_TEST

/* --bounds-check (SPEC 2.6): with indices in range the functions are the
 * unchecked ones; an index read from data out of range (too large, or
 * negative) sets errno to EDOM, makes the value NaN and writes nothing (the
 * gradients, the vjp's additions, the results of a function of several, its
 * Jacobian); an index in a block not taken is not checked. The
 * interpreter (--eval) reports it. */
/* Compiles src (adc with adc_flags) with gcc and the C driver drv (a
 * format whose %s is the generated header), and runs it: it exits 0 when
 * what it checks holds. */
static void run_driver(GenCase *g, const char *tag, const char *src, const char *adc_flags, const char *drv,
                       const char *what) {
  ht_generate(g, tag, src, "gcc", adc_flags);
  StrBuf d = {0};
  sb_printf(&d, drv, g->header);
  ht_write(g->drv, d.s, d.len);
  sb_free(&d);
  char cmd[5000];
  snprintf(cmd, sizeof cmd, "gcc %s -o %s %s %s -lm", CFLAGS, g->exe, g->gen, g->drv);
  ht_must_compile(g, tag, what, cmd);
  ht_must_run(g, tag, "gcc");
}

/* run_driver on samples/NAME.ad. */
static void run_sample(GenCase *g, const char *tag, const char *name, const char *drv) {
  char path[256];
  snprintf(path, sizeof path, "samples/%s.ad", name);
  char *src = ht_slurp(path, NULL);
  ck_assert_ptr_nonnull(src);
  run_driver(g, tag, src, "", drv, "the sample");
  free(src);
}

START_TEST(bounds_checked) {
  const char *src =
      "fn g(x[n], w[p], const int idx[p]) = sum(o in 0..p, w[o] * exp(x[idx[o]]));\n"
      "fn two(x[n], const int k, const int r[2]) -> (a, b) {\n"
      "  let s = 0; for t in 0..k { s += x[r[t % 2]]^2; } return s, x[r[0]] * s; }\n"
      "fn h(x[n], const int j, c) { let y = c; if c > 0 { y = x[j] * c; } return y; }\n";
  const char *drv =
      "#include <errno.h>\n#include <math.h>\n#include <stdio.h>\n#include \"%s\"\n"
      "static int untouched(const double *v, int n) { for (int i = 0; i < n; i++) if (v[i] != 7) return 0; return 1; }\n"
      "static void seven(double *v, int n) { for (int i = 0; i < n; i++) v[i] = 7; }\n"
      "int main(void) {\n"
      "  double x[3] = {0.5, -1, 2}, w[2] = {1.5, -0.5}, xb[3], wb[2], ab[2], jac[6], v;\n"
      "  int good[2] = {2, 0}, bad[2][2] = {{2, 3}, {-1, 0}};\n"
      "  errno = 0; v = g(3, 2, x, w, good);\n"
      "  if (fabs(v - (1.5 * exp(2.0) - 0.5 * exp(0.5))) > 1e-12 || errno) return 1;\n"
      "  v = g_grad(3, 2, x, w, good, xb, wb);\n"
      "  if (fabs(xb[2] - 1.5 * exp(2.0)) > 1e-12 || fabs(wb[1] - exp(0.5)) > 1e-12 || xb[1] != 0) return 2;\n"
      "  for (int b = 0; b < 2; b++) {\n"
      "    errno = 0; v = g(3, 2, x, w, bad[b]); if (!isnan(v) || errno != EDOM) return 10 + b;\n"
      "    seven(xb, 3); seven(wb, 2); errno = 0; v = g_grad(3, 2, x, w, bad[b], xb, wb);\n"
      "    if (!isnan(v) || errno != EDOM || !untouched(xb, 3) || !untouched(wb, 2)) return 20 + b;\n"
      "    seven(xb, 3); seven(wb, 2); errno = 0; g_vjp(3, 2, x, w, bad[b], 1.0, xb, wb);\n"
      "    if (errno != EDOM || !untouched(xb, 3) || !untouched(wb, 2)) return 30 + b;\n"
      "    seven(ab, 2); errno = 0; two(3, x, 5, bad[b], &ab[0], &ab[1]);\n"
      "    if (errno != EDOM || !untouched(ab, 2)) return 40 + b;\n"
      "    seven(ab, 2); seven(jac, 6); errno = 0; two_jac(3, x, 5, bad[b], &ab[0], &ab[1], jac);\n"
      "    if (errno != EDOM || !untouched(ab, 2) || !untouched(jac, 6)) return 50 + b;\n"
      "    seven(xb, 3); errno = 0; two_vjp(3, x, 5, bad[b], 1.0, 1.0, xb);\n"
      "    if (errno != EDOM || !untouched(xb, 3)) return 60 + b;\n"
      "  }\n"
      "  errno = 0; two(3, x, 5, good, &ab[0], &ab[1]);\n"
      "  if (errno || fabs(ab[0] - (3 * 4.0 + 2 * 0.25)) > 1e-12) return 70;\n"
      "  errno = 0; v = h(3, x, 7, -1.0); if (v != -1.0 || errno) return 80; /* the block not taken */\n"
      "  v = h(3, x, 7, 1.0); if (!isnan(v) || errno != EDOM) return 81;\n"
      "  return 0;\n}\n";
  GenCase g;
  run_driver(&g, "bounds", src, "--bounds-check", drv, "the checked code");
  int st;
  char *text = ht_capture(&st, "'%s' --bounds-check --eval 'x=[1, 2], w=[1], idx=[2]' %s 2>&1", ht_adc(), g.ad);
  ck_assert_msg(st != 0 && text && strstr(text, "an index read from data is out of range"), "--eval: %s", text);
  free(text);
}
END_TEST

/* Array and tuple results (SPEC 2.6): f writes them, f_vjp takes a
 * cotangent array per array result, f_jac's rows are the results
 * flattened; helpers return arrays and several values bound by let. Exact
 * against the analytic derivatives (matvec, stats) and central differences
 * (use), with gcc, clang, g++ and gcc -O0; --check passes; --eval prints
 * each row; f_jac makes one forward sweep and a reverse sweep per row. */
static const char results_src[] =
    "private fn dot(a[n], b[n]) = sum(i in 0..n, a[i] * b[i]);\n"
    "fn matvec(A[n, m], x[m]) -> y[n] { let y[n] = 0; for i in 0..n { y[i] = dot(A[i], x); } return y; }\n"
    "fn stats(x[n]) -> (mu, v[n]) { let mu = sum(i in 0..n, x[i]) / n; return mu, [i in 0..n: (x[i] - mu)^2]; }\n"
    "private fn polar(r, t) -> (px, py) { return r*cos(t), r*sin(t); }\n"
    "fn use(A[n, m], x[m], t) {\n"
    "  let y[n] = matvec(A, x);\n"
    "  let (mu, dev) = stats(x);\n"
    "  let s = 0;\n"
    "  for i in 0..n { let (p, q) = polar(y[i], t + mu); s += p * q * dev[i % m]; }\n"
    "  return s;\n"
    "}\n"
    "fn copy(x[n]) -> (c[n], l[2]) { return x, [x[0] * x[1], 3]; }\n"
    "fn rev(x[3]) { let s[3] = x; s = [i in 0..3: s[2 - i]]; return s[0] + s[2] * 10; }\n"
    "fn over(x[2], y[2]) { let s[2] = x; let t[2] = y; s = t; t[0] = 0; return s[0] + t[1]; }\n"
    "fn oneline(x[n], a) -> (y[n], s) = [i in 0..n: a * x[i]], a * a;\n";

static const char results_drv[] =
    "#include <math.h>\n#include <stdio.h>\n#include \"%s\"\n"
    "#define N 3\n#define M 2\n"
    "static int near(double a, double b) { return fabs(a - b) <= 1e-9 * (1 + fabs(b)); }\n"
    "static double use_at(double *A, double *x, double t) { return use(N, M, A, x, t); }\n"
    "int main(void) {\n"
    "  double A[N * M] = {0.3, -1.2, 0.7, 0.25, -0.4, 1.1}, x[M] = {0.9, -0.6}, t = 0.35;\n"
    "  double y[N], w[N] = {0.5, -1.5, 2}, Ab[N * M] = {0}, xb[M] = {0}, jac[N * (N * M + M)];\n"
    "  matvec(N, M, A, x, y);\n"
    "  for (int i = 0; i < N; i++) if (!near(y[i], A[i * M] * x[0] + A[i * M + 1] * x[1])) return 1;\n"
    "  matvec_vjp(N, M, A, x, w, Ab, xb);\n"
    "  for (int i = 0; i < N; i++) for (int j = 0; j < M; j++) if (!near(Ab[i * M + j], w[i] * x[j])) return 2;\n"
    "  for (int j = 0; j < M; j++) { double s = 0; for (int i = 0; i < N; i++) s += w[i] * A[i * M + j];\n"
    "    if (!near(xb[j], s)) return 3; }\n"
    "  matvec_jac(N, M, A, x, y, jac);\n"
    "  for (int i = 0; i < N; i++) {\n"
    "    for (int k = 0; k < N; k++) for (int j = 0; j < M; j++)\n"
    "      if (!near(jac[i * (N * M + M) + k * M + j], i == k ? x[j] : 0)) return 4;\n"
    "    for (int j = 0; j < M; j++) if (!near(jac[i * (N * M + M) + N * M + j], A[i * M + j])) return 5;\n"
    "  }\n"
    "  double z[N] = {0.4, -1.1, 2.3}, mu, v[N], sj[(1 + N) * N], wv[N] = {1, -2, 0.5}, zb[N] = {0};\n"

    "  stats_jac(N, z, &mu, v, sj);\n"
    "  if (!near(mu, (0.4 - 1.1 + 2.3) / 3)) return 6;\n"
    "  for (int k = 0; k < N; k++) if (!near(sj[k], 1.0 / N)) return 7;\n"
    "  for (int i = 0; i < N; i++) for (int k = 0; k < N; k++)\n"
    "    if (!near(sj[(1 + i) * N + k], 2 * (z[i] - mu) * ((i == k) - 1.0 / N))) return 8;\n"
    "  stats_vjp(N, z, 0.5, wv, zb);\n"
    "  for (int k = 0; k < N; k++) { double s = 0.5 / N;\n"
    "    for (int i = 0; i < N; i++) s += wv[i] * 2 * (z[i] - mu) * ((i == k) - 1.0 / N);\n"
    "    if (!near(zb[k], s)) return 9; }\n"
    "  double g[N * M + M + 1], *gA = g, *gx = g + N * M, *gt = g + N * M + M;\n"
    "  use_grad(N, M, A, x, t, gA, gx, gt);\n"
    "  for (int k = 0; k < N * M + M + 1; k++) {\n"
    "    double *p = k < N * M ? &A[k] : k < N * M + M ? &x[k - N * M] : &t, p0 = *p, h = 1e-5;\n"
    "    *p = p0 + h; double up = use_at(A, x, t); *p = p0 - h; double dn = use_at(A, x, t); *p = p0;\n"
    "    if (fabs(g[k] - (up - dn) / (2 * h)) > 1e-7 * (1 + fabs(g[k]))) return 20 + k;\n"
    "  }\n"
    "  double c[N], l[2], cj[(N + 2) * N];\n"
    "  copy_jac(N, z, c, l, cj);\n"
    "  if (c[2] != z[2] || !near(l[0], z[0] * z[1]) || l[1] != 3) return 10;\n"
    "  for (int i = 0; i < N; i++) for (int k = 0; k < N; k++) if (cj[i * N + k] != (i == k)) return 11;\n"
    "  if (!near(cj[N * N], z[1]) || !near(cj[N * N + 1], z[0]) || cj[N * N + 2] != 0) return 12;\n"
    "  for (int k = 0; k < N; k++) if (cj[(N + 1) * N + k] != 0) return 13;\n"
    "  /* u = [... u ...] reads the old u; u = v leaves u's old value no gradient */\n"
    "  double r3[3] = {1, 2, 3}, rg[3], o1[2] = {1, 2}, o2[2] = {3, 4}, og1[2], og2[2];\n"
    "  if (rev_grad(r3, rg) != 13 || rg[0] != 10 || rg[1] != 0 || rg[2] != 1) return 14;\n"
    "  if (over_grad(o1, o2, og1, og2) != 7 || og1[0] != 0 || og1[1] != 0 || og2[0] != 1 || og2[1] != 1) return 15;\n"
    "  return 0;\n}\n";

START_TEST(array_results) {
  static const char *const cc[][3] = {{"gcc", "", "gcc"}, {"clang", "", "clang"}, {"g++", "", "g++"}, {"gcc", "-O0", "gcc"}};
  char tag[64], cmd[6000];
  snprintf(tag, sizeof tag, "results_%d", _i);
  GenCase g;
  ht_generate(&g, tag, results_src, cc[_i][0], cc[_i][1]);
  StrBuf d = {0};
  sb_printf(&d, results_drv, g.header);
  ht_write(g.drv, d.s, d.len);
  sb_free(&d);
  snprintf(cmd, sizeof cmd, "%s %s -c -o %s.o %s", cc[_i][0], _i == 2 ? CXXFLAGS : CFLAGS, g.exe, g.gen);
  ht_must_compile(&g, tag, "the output does not compile cleanly", cmd);
  snprintf(cmd, sizeof cmd, "%s %s -o %s %s -x none %s -lm", cc[_i][0], _i == 2 ? "-x c" : "", g.exe, g.drv, g.gen);
  ht_must_compile(&g, tag, "the driver does not build", cmd);
  ht_must_run(&g, tag, cc[_i][0]);
  if (_i)
    return;
  int st;
  char *text = ht_capture(&st, "'%s' --modes=all --check -o %s %s 2>&1", ht_adc(), ht_path("results_check.c"), g.ad);
  ck_assert_msg(st == 0 && text && strstr(text, "all derivatives agree"), "--check: %s", text);
  free(text);
  text = ht_capture(&st, "'%s' --eval 'x=[1, 2, 3]' %s 2>&1", ht_adc(), g.ad);
  ck_assert_msg(st == 0 && text && strstr(text, "  v = [1.0, 0.0, 1.0]\n") && strstr(text, "  dmu/dx = [") &&
                    strstr(text, "  dv[2]/dx = [-0.666"), "--eval: %s", text);
  free(text);
  /* f_jac of an array result: one forward sweep, then the reverse sweep in a
   * loop over rows (no call of f or f_vjp) */
  text = ht_capture(&st, "sed -n '/^void stats_jac(/,/^}/p' '%s' | grep -c 'forward sweep \\*/\\|reverse sweep:"
                         "\\|for (size_t adc_i = 0; adc_i < adc_rows; adc_i++)\\|stats_vjp(\\|stats('", g.gen);
  ck_assert_msg(text && atoi(text) == 3, "stats_jac: %s lines of its sweeps, row loop and calls, not 3", text);
  free(text);
}
END_TEST

/* samples/lstm.ad on ADBench's own input (samples/adbench): its published
 * objective, and its gradient against central differences at a few entries
 * of each parameter. */
START_TEST(lstm_published) {
  const char *drv =
      "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include \"%s\"\n"
      "int main(void) {\n"
      "  FILE *f = fopen(\"samples/adbench/lstm_l2_c1024.txt\", \"r\");\n"
      "  int l, c, b;\n"
      "  if (!f || fscanf(f, \"%%d %%d %%d\", &l, &c, &b) != 3) return 2;\n"
      "  int nm = 8 * l * b, ne = 3 * b, ns = 2 * l * b, nq = c * b, n = nm + ne;\n"
      "  double *p = malloc(sizeof *p * (size_t)(n + ns + nq)), *g = malloc(sizeof *g * (size_t)n);\n"
      "  for (int i = 0; i < n + ns + nq; i++) if (fscanf(f, \"%%lf\", &p[i]) != 1) return 3;\n"
      "  fclose(f);\n"
      "  double *m = p, *e = p + nm, *s = p + n, *q = p + n + ns;\n"
      "  double v = lstm(l, b, c, m, e, s, q), v2 = lstm_grad(l, b, c, m, e, s, q, g, g + nm);\n"
      "  if (fabs(v - 0.66666518) > 5e-9 || v2 != v) { printf(\"objective %%.10f\\n\", v); return 4; }\n"
      "  for (int k = 0; k < n; k += 17) {\n"
      "    double x = p[k], h = 1e-5;\n"
      "    p[k] = x + h; double up = lstm(l, b, c, m, e, s, q);\n"
      "    p[k] = x - h; double dn = lstm(l, b, c, m, e, s, q); p[k] = x;\n"
      "    if (fabs(g[k] - (up - dn) / (2 * h)) > 1e-8 + 1e-6 * fabs(g[k])) {\n"
      "      printf(\"d/dp[%%d] %%.12g vs %%.12g\\n\", k, g[k], (up - dn) / (2 * h)); return 5; }\n"
      "  }\n"
      "  free(p); free(g);\n  return 0;\n}\n";
  GenCase g;
  run_sample(&g, "lstm_pub", "lstm", drv);
}
END_TEST

/* samples/ba_total.ad on ADBench's ba/test.txt (one camera, point, weight and
 * feature replicated, observation i seeing point i % 10 from camera i % 2):
 * the published residuals give its value, and its gradient is the sum of
 * 2 J^T r over the observations, J being samples/ba.ad's per-observation
 * Jacobian (and the weight error's). Both files are compiled together. */
START_TEST(ba_total_published) {
  const char *drv =
      "#include <math.h>\n#include <stdio.h>\n#include \"%s\"\n"
      "int main(void) {\n"
      "  enum { N = 2, M = 10, P = 10 };\n"
      "  const double cam[11] = {1.797201, 0.590697, -0.635786, 90.859550, 29.361415, 28.777534, 211.628116,\n"
      "                          -0.284531, -14.762924, 0.058931, 0.069976}, X[3] = {4.173048, 5.586898, 1.403869};\n"
      "  double cams[N * 11], Xs[M * 3], w[P], feat[P * 2], gc[N * 11], gx[M * 3], gw[P];\n"
      "  double wc[N * 11] = {0}, wx[M * 3] = {0}, ww[P] = {0}, jac[30], ex, ey;\n"
      "  int obs[P * 2];\n"
      "  for (int i = 0; i < N * 11; i++) cams[i] = cam[i %% 11];\n"
      "  for (int i = 0; i < M * 3; i++) Xs[i] = X[i %% 3];\n"
      "  for (int i = 0; i < P; i++) { w[i] = 0.417022; feat[2 * i] = -525.672849; feat[2 * i + 1] = 161.811929;\n"
      "    obs[2 * i] = i %% N; obs[2 * i + 1] = i %% M; }\n"
      "  const double rx = -0.269048849235189402, ry = 0.259944792677901881, we = 0.826092651515999976;\n"
      "  double v = ba_total_grad(N, M, P, cams, Xs, w, obs, feat, gc, gx, gw);\n"
      "  if (fabs(v - P * (rx * rx + ry * ry + we * we)) > 1e-6) { printf(\"objective %%.12g\\n\", v); return 1; }\n"
      "  for (int o = 0; o < P; o++) {\n"
      "    ba(cams + 11 * obs[2 * o], Xs + 3 * obs[2 * o + 1], w[o], feat + 2 * o, &ex, &ey);\n"
      "    if (fabs(ex - rx) > 1e-6 || fabs(ey - ry) > 1e-6) { printf(\"residual %%.12g %%.12g\\n\", ex, ey); return 2; }\n"
      "    ba_jac(cams + 11 * obs[2 * o], Xs + 3 * obs[2 * o + 1], w[o], feat + 2 * o, &ex, &ey, jac);\n"
      "    for (int c = 0; c < 15; c++) {\n"
      "      double g = 2 * (jac[c] * ex + jac[15 + c] * ey);\n"
      "      if (c < 11) wc[11 * obs[2 * o] + c] += g; else if (c < 14) wx[3 * obs[2 * o + 1] + c - 11] += g;\n"
      "      else ww[o] += g - 4 * w[o] * (1 - w[o] * w[o]);\n"
      "    }\n"
      "  }\n"
      "  for (int i = 0; i < N * 11; i++) if (fabs(gc[i] - wc[i]) > 1e-9 * (1 + fabs(wc[i]))) { printf(\"cams %%d\\n\", i); return 3; }\n"
      "  for (int i = 0; i < M * 3; i++) if (fabs(gx[i] - wx[i]) > 1e-9 * (1 + fabs(wx[i]))) { printf(\"X %%d\\n\", i); return 4; }\n"
      "  for (int i = 0; i < P; i++) if (fabs(gw[i] - ww[i]) > 1e-9 * (1 + fabs(ww[i]))) { printf(\"w %%d\\n\", i); return 5; }\n"
      "  return 0;\n}\n";
  char *a = ht_slurp("samples/ba.ad", NULL), *b = ht_slurp("samples/ba_total.ad", NULL);
  ck_assert(a && b);
  StrBuf src = {0};
  sb_printf(&src, "%s\n%s", a, b);
  GenCase g;
  run_driver(&g, "ba_total_pub", src.s, "", drv, "the samples");
  sb_free(&src);
  free(a);
  free(b);
}
END_TEST

/* samples/heat.ad: its value against plain C, its gradient in u0 against
 * the adjoint of the step operator (g <- A^T g from g = 2 u), in k against
 * central differences; u = v is a swap of the buffers in every function. */
START_TEST(heat_adjoint) {
  const char *drv =
      "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include \"%s\"\n"
      "enum { N = 40, S = 60 };\n"
      "static double run(const double *u0, double k, double *u) {\n"
      "  double v[N]; for (int i = 0; i < N; i++) u[i] = u0[i];\n"
      "  for (int t = 0; t < S; t++) { for (int i = 0; i < N; i++) v[i] = u[i];\n"
      "    for (int i = 1; i < N - 1; i++) v[i] += k * (u[i-1] - 2*u[i] + u[i+1]);\n"
      "    for (int i = 0; i < N; i++) u[i] = v[i]; }\n"
      "  double e = 0; for (int i = 0; i < N; i++) e += u[i] * u[i]; return e; }\n"
      "int main(void) {\n"
      "  double u0[N], u[N], g[N], h[N], gk, k = 0.23;\n"
      "  for (int i = 0; i < N; i++) u0[i] = sin(0.3 * i) + 0.1 * i;\n"
      "  double want = run(u0, k, u), v = heat_grad(N, u0, k, S, g, &gk);\n"
      "  if (fabs(v - want) > 1e-12 * want || heat(N, u0, k, S) != v) { printf(\"value %%.17g %%.17g\\n\", v, want); return 1; }\n"
      "  for (int i = 0; i < N; i++) h[i] = 2 * u[i];\n"
      "  for (int t = 0; t < S; t++) { double w[N];\n"
      "    for (int j = 0; j < N; j++) w[j] = h[j];\n"
      "    for (int i = 1; i < N - 1; i++) { w[i-1] += k * h[i]; w[i] -= 2 * k * h[i]; w[i+1] += k * h[i]; }\n"
      "    for (int j = 0; j < N; j++) h[j] = w[j]; }\n"
      "  for (int i = 0; i < N; i++) if (fabs(g[i] - h[i]) > 1e-10 * (1 + fabs(h[i]))) { printf(\"du0[%%d] %%.17g %%.17g\\n\", i, g[i], h[i]); return 2; }\n"
      "  double up = run(u0, k + 1e-6, u), dn = run(u0, k - 1e-6, u);\n"
      "  if (fabs(gk - (up - dn) / 2e-6) > 1e-6 * (1 + fabs(gk))) { printf(\"dk %%.17g %%.17g\\n\", gk, (up - dn) / 2e-6); return 3; }\n"
      "  return 0;\n}\n";
  GenCase g;
  run_sample(&g, "heat_adj", "heat", drv);
  int st; /* the double buffer: one swap per function (f, f_grad's forward sweep and reverse, f_vjp's) */
  char *n = ht_capture(&st, "grep -c 'adc_s = adc_a0; adc_a0 = adc_a1; adc_a1 = adc_s;' '%s'", g.gen);
  ck_assert_msg(n && atoi(n) == 3, "the buffers are swapped on %s lines, not 3", n ? n : "?");
  free(n);
}
END_TEST

/* samples/lotka.ad: the state against a plain C RK4, lotka_jac (an array
 * result: f_vjp per row) against central differences of it, fit's gradient
 * against the Jacobians of its observations. */
START_TEST(lotka_sensitivities) {
  const char *drv =
      "#include <math.h>\n#include <stdio.h>\n#include \"%s\"\n"
      "static void f(const double *p, double *s, double h, int n) {\n"
      "  for (int t = 0; t < n; t++) { double k[4][2], y[2];\n"
      "    for (int r = 0; r < 4; r++) { double c = r == 0 ? 0 : r == 3 ? h : 0.5 * h;\n"
      "      for (int i = 0; i < 2; i++) y[i] = s[i] + (r ? c * k[r - 1][i] : 0);\n"
      "      k[r][0] = p[0] * y[0] - p[1] * y[0] * y[1]; k[r][1] = p[2] * y[0] * y[1] - p[3] * y[1]; }\n"
      "    for (int i = 0; i < 2; i++) s[i] += h / 6 * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]); } }\n"
      "int main(void) {\n"
      "  double p[4] = {1.1, 0.4, 0.1, 0.4}, s0[2] = {10, 10}, s[2], r[2], jac[12], in[6];\n"
      "  lotka_jac(p, s0, 0.05, 40, s, jac);\n"
      "  r[0] = s0[0], r[1] = s0[1]; f(p, r, 0.05, 40);\n"
      "  if (fabs(s[0] - r[0]) > 1e-12 || fabs(s[1] - r[1]) > 1e-12) { printf(\"state %%g %%g\\n\", s[0], s[1]); return 1; }\n"
      "  for (int c = 0; c < 6; c++) {\n"
      "    double up[2], dn[2], e = 1e-6;\n"
      "    for (int i = 0; i < 6; i++) in[i] = i < 4 ? p[i] : s0[i - 4];\n"
      "    in[c] += e; up[0] = in[4], up[1] = in[5]; f(in, up, 0.05, 40);\n"
      "    in[c] -= 2 * e; dn[0] = in[4], dn[1] = in[5]; f(in, dn, 0.05, 40);\n"
      "    for (int o = 0; o < 2; o++) { double fd = (up[o] - dn[o]) / (2 * e);\n"
      "      if (fabs(jac[o * 6 + c] - fd) > 1e-6 * (1 + fabs(fd))) { printf(\"d%%d/d%%d %%.12g %%.12g\\n\", o, c, jac[o * 6 + c], fd); return 2; } } }\n"
      "  double obs[4] = {1, 2, 0.5, 3}, gp[4], gs[2], s1[2], j1[12], s2[2], j2[12], want[6] = {0};\n"
      "  double v = fit_grad(2, p, s0, 0.05, 20, obs, gp, gs);\n"
      "  lotka_jac(p, s0, 0.05, 20, s1, j1); lotka_jac(p, s0, 0.05, 40, s2, j2);\n"
      "  double e1[2] = {s1[0] - obs[0], s1[1] - obs[1]}, e2[2] = {s2[0] - obs[2], s2[1] - obs[3]};\n"
      "  if (fabs(v - (e1[0]*e1[0] + e1[1]*e1[1] + e2[0]*e2[0] + e2[1]*e2[1])) > 1e-9 * v) return 3;\n"
      "  for (int c = 0; c < 6; c++) for (int o = 0; o < 2; o++) want[c] += 2 * (e1[o] * j1[o * 6 + c] + e2[o] * j2[o * 6 + c]);\n"
      "  for (int c = 0; c < 6; c++) { double g = c < 4 ? gp[c] : gs[c - 4];\n"
      "    if (fabs(g - want[c]) > 1e-9 * (1 + fabs(want[c]))) { printf(\"dfit/d%%d %%.12g %%.12g\\n\", c, g, want[c]); return 4; } }\n"
      "  return 0;\n}\n";
  GenCase g;
  run_sample(&g, "lotka", "lotka", drv);
}
END_TEST

/* samples/hand.ad on ADBench's hand model and test (samples/adbench/hand):
 * the six published residuals, and hand_jac against central differences. */
START_TEST(hand_published) {
  const char *drv =
      "#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include \"%s\"\n"
      "enum { B = 22, MAXV = 600 };\n"
      "static int parent[B], corr[8];\n"
      "static double base[B * 16], inv[B * 16], verts[MAXV * 3], w[B * MAXV], wv[B * MAXV], pts[8 * 3], theta[26];\n"
      "static double err[24], e2[24], up[24], dn[24], jac[24 * 26];\n"
      "static char line[8192];\n"
      "int main(void) {\n"
      "  FILE *f = fopen(\"samples/adbench/hand/model/bones.txt\", \"r\");\n"
      "  if (!f) return 2;\n"
      "  for (int i = 0; i < B; i++) {\n"
      "    if (!fgets(line, sizeof line, f)) return 3;\n"
      "    strtok(line, \":\"); parent[i] = atoi(strtok(NULL, \":\"));\n"
      "    for (int k = 0; k < 16; k++) base[i * 16 + k] = atof(strtok(NULL, \":\"));\n"
      "    for (int k = 0; k < 16; k++) inv[i * 16 + k] = atof(strtok(NULL, \":\\n\"));\n"
      "  }\n"
      "  fclose(f);\n"
      "  f = fopen(\"samples/adbench/hand/model/vertices.txt\", \"r\");\n"
      "  if (!f) return 2;\n"
      "  int nv = 0;\n"
      "  while (nv < MAXV && fgets(line, sizeof line, f)) {\n"
      "    if (line[0] == '\\n') continue;\n"
      "    verts[3 * nv] = atof(strtok(line, \":\"));\n"
      "    for (int j = 1; j < 3; j++) verts[3 * nv + j] = atof(strtok(NULL, \":\"));\n"
      "    for (int j = 0; j < 5; j++) strtok(NULL, \":\");\n"
      "    int n = atoi(strtok(NULL, \":\"));\n"
      "    for (int j = 0; j < n; j++) { int b = atoi(strtok(NULL, \":\")); w[b * MAXV + nv] = atof(strtok(NULL, \":\\n\")); }\n"
      "    nv++;\n"
      "  }\n"
      "  fclose(f);\n"
      "  for (int b = 0; b < B; b++) for (int v = 0; v < nv; v++) wv[b * nv + v] = w[b * MAXV + v];\n"
      "  f = fopen(\"samples/adbench/hand/test.txt\", \"r\");\n"
      "  int np, nt;\n"
      "  if (!f || fscanf(f, \"%%d %%d\", &np, &nt) != 2 || np > 8 || nt != 26) return 4;\n"
      "  for (int i = 0; i < np; i++) if (fscanf(f, \"%%d %%lf %%lf %%lf\", &corr[i], &pts[3*i], &pts[3*i+1], &pts[3*i+2]) != 4) return 5;\n"
      "  for (int i = 0; i < 26; i++) if (fscanf(f, \"%%lf\", &theta[i]) != 1) return 6;\n"
      "  fclose(f);\n"
      "  static const double want[6] = {0.165193147941611551, -0.174542769272742593, 0.154751161622253441,\n"
      "                                 -0.125651749731793605, -0.0425102935355075040, -0.130665781132340175};\n"
      "  hand(nv, np, theta, parent, base, inv, verts, wv, corr, pts, err);\n"
      "  for (int i = 0; i < 6; i++) if (fabs(err[i] - want[i]) > 1e-14) { printf(\"err[%%d] %%.17g\\n\", i, err[i]); return 7; }\n"
      "  hand_jac(nv, np, theta, parent, base, inv, verts, wv, corr, pts, e2, jac);\n"
      "  for (int c = 0; c < 26; c++) {\n"
      "    double x = theta[c], h = 1e-6;\n"
      "    theta[c] = x + h; hand(nv, np, theta, parent, base, inv, verts, wv, corr, pts, up);\n"
      "    theta[c] = x - h; hand(nv, np, theta, parent, base, inv, verts, wv, corr, pts, dn); theta[c] = x;\n"
      "    for (int r = 0; r < 3 * np; r++) { double fd = (up[r] - dn[r]) / (2 * h);\n"
      "      if (fabs(jac[r * 26 + c] - fd) > 1e-8 * (1 + fabs(fd))) { printf(\"d%%d/d%%d %%.12g %%.12g\\n\", r, c, jac[r * 26 + c], fd); return 8; } }\n"
      "  }\n"
      "  return 0;\n}\n";
  GenCase g;
  run_sample(&g, "hand_pub", "hand", drv);
}
END_TEST

/* SPEC 2.6's examples word for word (ba_res, which the SPEC leaves out, a
 * pinhole residual): adc --check passes on them, the output compiles
 * cleanly with gcc, clang and g++, and the zero-adjoint example gives 0 at 0. */
static const char spec26_src[] =
    "private fn sigmoid(x) = 1 / (1 + exp(-x));                # inlined into callers, not emitted\n"
    "fn matvec(A[n, m], x[m]) -> y[n] {                         # an array result\n"
    "  let y[n] = 0;                                            # a local array, filled\n"
    "  for i in 0..n { y[i] = sum(j in 0..m, A[i, j] * x[j]); } # element assignment\n"
    "  return y;\n"
    "}\n"
    "fn layer(W[h, d], b[h], x[d]) -> y[h] {\n"
    "  return [i in 0..h: tanh(b[i] + sum(j in 0..d, W[i, j] * x[j]))];   # comprehension\n"
    "}\n"
    "fn heat(u0[n], k, const int steps) {                       # integer data: a loop bound\n"
    "  let u[n] = u0;                                           # a copy\n"
    "  for t in 0..steps {\n"
    "    let v[n] = u;\n"
    "    for i in 1..n-1 { v[i] += k * (u[i-1] - 2*u[i] + u[i+1]); }\n"
    "    u = v;                                                 # whole-array assignment, carried\n"
    "  }\n"
    "  return sum(i in 0..n, u[i]^2);\n"
    "}\n"
    "private fn ba_res(cam[11], X[3], w, const feat[2]) -> (ex, ey) {\n"
    "  let p0 = X[0] - cam[3];\n"
    "  let p1 = X[1] - cam[4];\n"
    "  let p2 = X[2] - cam[5];\n"
    "  return w * (cam[6] * p0 / p2 - feat[0]), w * (cam[6] * p1 / p2 - feat[1]);\n"
    "}\n"
    "fn ba_total(cams[c, 11], X[q, 3], w[p], const int obs[p, 2], const feat[p, 2]) {\n"
    "  let e = 0;\n"
    "  for o in 0..p {\n"
    "    let (ex, ey) = ba_res(cams[obs[o, 0]], X[obs[o, 1]], w[o], feat[o]);  # rows; a gather\n"
    "    e += ex^2 + ey^2;\n"
    "  }\n"
    "  return e;\n"
    "}\n"
    "fn clip(x[n], c) -> y[n] {\n"
    "  let s = sqrt(sum(i in 0..n, x[i]^2));\n"
    "  let y[n] = x;\n"
    "  if s > c { for i in 0..n { y[i] = x[i] * c / s; } } else if s < 1e-12 { y[0] = 0; }\n"
    "  return y;\n"
    "}\n"
    "fn zero(x) { let r = sqrt(x); return x == 0 ? 0 : r; }\n"
    "fn usesig(x) = sigmoid(x);\n";

START_TEST(spec_2_6_examples) {
  const char *ad = ht_path("spec26.ad"), *c = ht_path("spec26_grad.c");
  ht_write(ad, spec26_src, strlen(spec26_src));
  int st;
  char *text = ht_capture(&st, "'%s' --check -o %s %s 2>&1", ht_adc(), ht_path("spec26_check.c"), ad);
  ck_assert_msg(st == 0 && text && strstr(text, "all derivatives agree"), "--check: %s", text);
  free(text);
  text = ht_capture(&st, "'%s' --eval 'x=0' %s 2>&1", ht_adc(), ad);
  ck_assert_msg(st == 0 && text && strstr(text, "zero(x = 0.0) = 0.0\n  dzero/dx = 0.0\n"), "--eval: %s", text);
  free(text);
  ck_assert_int_eq(ht_sh("'%s' -o %s %s", ht_adc(), c, ad), 0);
  for (int k = 0; k < 3; k++)
    ck_assert_msg(ht_sh("%s %s -c -o %s %s", compilers[k][0], k == 2 ? CXXFLAGS : CFLAGS, ht_path("spec26.o"), c) == 0,
                  "%s does not compile it cleanly", compilers[k][0]);
}
END_TEST

/* The emitted code's size does not grow with the data: gmm.ad with N
 * written as 10 and as 10000 gives outputs of the same number of lines. */
START_TEST(code_size_independent_of_n) {
  int st;
  char *a = ht_capture(&st, "sed 's/\\bN\\b/10/g' samples/gmm.ad > %s && '%s' -o - %s | wc -l",
                       ht_path("g10.ad"), ht_adc(), ht_path("g10.ad"));
  ck_assert_int_eq(st, 0);
  char *b = ht_capture(&st, "sed 's/\\bN\\b/10000/g' samples/gmm.ad > %s && '%s' -o - %s | wc -l",
                       ht_path("g10000.ad"), ht_adc(), ht_path("g10000.ad"));
  ck_assert_int_eq(st, 0);
  ck_assert_int_gt(atoi(a), 100);
  ck_assert_str_eq(a, b);
  free(a);
  free(b);
}
END_TEST

/* The interpreter runs loops, reductions, storage and arrays: its gradients
 * (and Jacobians) agree with central differences of its forward values. */
START_TEST(interpreter_agrees) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, programs[_i].src, 1), 0);
  unsigned s = 12345;
  for (int f = 0; f < c.nfns; f++) {
    const FnGraphs *fg = &c.fns[f];
    const Signature *fn = fg->sig;
    int np = fn->nparams, nv = fg->fwd.outs.n, sizes[8] = {3, 3, 3, 3, 3, 3, 3, 3};
    long lsizes[8] = {3, 3, 3, 3, 3, 3, 3, 3};
    double *arr[16] = {0}, *grads[64] = {0}, inputs[16] = {0};
    long lens[16] = {0};
    for (int i = 0; i < np; i++) {
      lens[i] = ir_param_length(fn, i, lsizes);
      arr[i] = xmalloc((size_t)(lens[i] ? lens[i] : 1) * sizeof **arr);
      for (long e = 0; e < lens[i]; e++) /* integer data: an index into a dimension of 3 */
        arr[i][e] = fn->params[i].is_int ? (double)((s = s * 1103515245u + 12345u) >> 16 & 1023) / 342
                                         : 0.2 + (double)((s = s * 1103515245u + 12345u) >> 16 & 1023) / 1024.0;
      if (fn->params[i].is_int)
        for (long e = 0; e < lens[i]; e++)
          arr[i][e] = (double)(long)arr[i][e];
      inputs[i] = arr[i][0];
      for (int o = 0; o < nv; o++)
        grads[o * np + i] = xcalloc((size_t)lens[i], sizeof **grads);
    }
    RtArgs a = {inputs, sizes, (const double *const *)arr, lens, grads, NULL};
    double outs[64], up[8], dn[8];
    ck_assert_ptr_null(rt_run(&fg->grad, &a, outs));
    for (int i = 0; i < np; i++) {
      if (fn->params[i].is_const)
        continue;
      for (long e = 0; e < lens[i]; e++) {
        double *slot = fn->params[i].ndims ? &arr[i][e] : &inputs[i], x = *slot, h = 1e-6;
        *slot = x + h;
        rt_run(&fg->fwd, &a, up);
        *slot = x - h;
        rt_run(&fg->fwd, &a, dn);
        *slot = x;
        for (int o = 0; o < nv; o++) {
          double g = fn->params[i].ndims ? grads[o * np + i][e] : outs[nv + o * np + i];
          double fd = (up[o] - dn[o]) / (2 * h);
          ck_assert_msg(fabs(g - fd) <= 1e-6 * (1 + fabs(fd)), "%s: d%d/d%s[%ld]: %g vs %g", fn->name, o,
                        fn->params[i].name, e, g, fd);
        }
      }
    }
    for (int i = 0; i < np; i++)
      free(arr[i]);
    for (int i = 0; i < np * nv; i++)
      free(grads[i]);
  }
  ht_free(&c);
}
END_TEST

/* Every sample through every kind of output and naming option: no crash,
 * and the C variants compile cleanly. */
static const char *const all_samples[] = {"seed", "rosenbrock", "pendulum", "normal_nll", "rosenbrock_n",
                                          "logistic", "oscillator", "ba", "gmm", "lstm", "ba_total", "heat",
                                          "lotka", "hand"};

START_TEST(every_output_kind) {
  const char *s = all_samples[_i];
  ck_assert_int_eq(ht_sh("'%s' --emit=dot -o %s samples/%s.ad", ht_adc(), ht_path("k.dot"), s), 0);
  ck_assert_int_eq(ht_sh("'%s' --emit=ssa -o %s samples/%s.ad", ht_adc(), ht_path("k.ssa"), s), 0);
  ck_assert_int_eq(ht_sh("'%s' --emit=header -o %s samples/%s.ad", ht_adc(), ht_path("k.h"), s), 0);
  ck_assert_int_eq(ht_sh("'%s' --static --prefix=my_ -o %s samples/%s.ad && gcc %s -Wno-unused-function "
                         "-c -o %s %s",
                         ht_adc(), ht_path("k.c"), s, CFLAGS, ht_path("k.o"), ht_path("k.c")),
                   0);
  ck_assert_int_eq(ht_sh("'%s' -O0 -o %s samples/%s.ad && gcc %s -c -o %s %s", ht_adc(), ht_path("k0.c"),
                         s, CFLAGS, ht_path("k0.o"), ht_path("k0.c")),
                   0);
}
END_TEST

Suite *suite_arrays(void) {
  Suite *s = suite_create("arrays");
  TCase *tc = tcase_create("compiled");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, program_each_compiler, 0, (int)(3 * sizeof programs / sizeof programs[0]));
  tcase_add_loop_test(tc, program_o0, 0, (int)(sizeof programs / sizeof programs[0]));
  tcase_add_loop_test(tc, speed_decisions, 0, (int)(sizeof counted / sizeof counted[0]));
  tcase_add_test(tc, large_storage);
  tcase_add_test(tc, bounds_checked);
  tcase_add_loop_test(tc, array_results, 0, 4);
  tcase_add_loop_test(tc, interpreter_agrees, 0, (int)(sizeof programs / sizeof programs[0]));
  tcase_add_loop_test(tc, sample_each_compiler, 0, (int)(3 * sizeof samples / sizeof samples[0]));
  tcase_add_test(tc, ba_published);
  tcase_add_test(tc, lstm_published);
  tcase_add_test(tc, ba_total_published);
  tcase_add_test(tc, heat_adjoint);
  tcase_add_test(tc, lotka_sensitivities);
  tcase_add_test(tc, hand_published);
  tcase_add_test(tc, spec_2_6_examples);
  tcase_add_test(tc, allocation_failure_is_reported);
  tcase_add_test(tc, gmm_formula);
  tcase_add_test(tc, oscillator_energy);
  tcase_add_test(tc, reduction_conventions);
  tcase_add_test(tc, logsumexp_one_pass);
  tcase_add_test(tc, code_size_independent_of_n);
  tcase_add_loop_test(tc, every_output_kind, 0, (int)(sizeof all_samples / sizeof all_samples[0]));
  suite_add_tcase(s, tc);
  return s;
}
