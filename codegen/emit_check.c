/* emit_check.c - a standalone C program that checks the emitted code: for
 * every function, at random points, each gradient (or Jacobian) entry
 * against central differences of the forward function, and f_vjp by the
 * dot-product test <w, J d> = <vjp(w), d> (J d by a central difference
 * along d). It prints a table of the largest errors and exits 1 when one is
 * too large. Sizes are taken as 3; points that give a non-finite value are
 * skipped. The program includes STEM_grad.c, the default C output. */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

enum { CHECK_SIZE = 3, CHECK_POINTS = 12 };

/* A parameter's element count when every size is CHECK_SIZE. */
static long param_length(const Signature *sig, int p) {
  long size[64], n;
  for (int k = 0; k < sig->nsizes && k < 64; k++)
    size[k] = CHECK_SIZE;
  n = ir_param_length(sig, p, size);
  return n > 0 ? n : 0;
}

/* "3, 3, p0, p1[0], ..." : sizes, then parameters (scalars by value). */
static void call_args(StrBuf *b, const FnGraphs *f) {
  int first = 1;
  for (int k = 0; k < f->sig->nsizes; k++, first = 0)
    sb_printf(b, "%s%d", first ? "" : ", ", CHECK_SIZE);
  for (int i = 0; i < f->sig->nparams; i++, first = 0)
    sb_printf(b, f->sig->params[i].ndims ? "%sp%d" : "%sp%d[0]", first ? "" : ", ", i);
}

/* Evaluates the forward function into dst[0..nv). */
static void forward_call(StrBuf *b, const FnGraphs *f, const char *args, const char *dst) {
  int nv = f->fwd.outs.n;
  if (nv == 1) {
    sb_printf(b, "%s[0] = %s(%s);\n", dst, f->names->fwd, args);
    return;
  }
  sb_printf(b, "%s(%s", f->names->fwd, args);
  for (int o = 0; o < nv; o++)
    sb_printf(b, "%s&%s[%d]", args[0] || o ? ", " : "", dst, o);
  sb_puts(b, ");\n");
}

/* The arrays: each parameter p (v: its vjp, d: a direction), the results,
 * the Jacobian; and the loop over random points, drawing them. Returns the
 * Jacobian's columns. */
static long check_head(StrBuf *b, const FnGraphs *f, int idx) {
  const Signature *fn = f->sig;
  int np = fn->nparams, nv = f->fwd.outs.n;
  long cols = 0;
  sb_printf(b, "/* %s */\nstatic void check%d(void) {\n", fn->name, idx);
  for (int i = 0; i < np; i++) {
    long len = param_length(fn, i), l = len ? len : 1;
    if (fn->params[i].is_const) { /* data: read, never differentiated */
      sb_printf(b, "  double p%d[%ld];\n", i, l);
      continue;
    }
    sb_printf(b, "  double p%d[%ld], v%d[%ld], d%d[%ld];\n", i, l, i, l, i, l);
    cols += len;
  }
  sb_printf(b, "  double out[%d], up[%d], dn[%d], w[%d], jac[%ld], worst = 0, worst_dot = 0;\n", nv, nv,
            nv, nv, nv * cols + 1);
  sb_puts(b, "  char where[160] = \"-\";\n  int points = 0;\n");
  sb_printf(b, "  for (int k = 0; k < 60 && points < %d; k++) {\n", CHECK_POINTS);
  sb_puts(b, "    const double lo = k % 3 == 0 ? -1.0 : k % 3 == 1 ? 0.1 : 1.1, hi = lo + 1.8;\n"
             "    int finite = 1;\n");
  for (int i = 0; i < np; i++)
    if (fn->params[i].is_const)
      sb_printf(b, "    for (int e = 0; e < (int)(sizeof p%d / sizeof *p%d); e++) p%d[e] = adc_uni(lo, hi);\n",
                i, i, i);
    else
      sb_printf(b, "    for (int e = 0; e < (int)(sizeof p%d / sizeof *p%d); e++) { p%d[e] = adc_uni(lo, hi); "
                   "v%d[e] = 0; d%d[e] = adc_uni(-1, 1); }\n",
                i, i, i, i, i);
  return cols;
}

/* The gradient or the Jacobian, into jac. */
static void jacobian_call(StrBuf *b, const FnGraphs *f, const char *a) {
  const Signature *fn = f->sig;
  int nv = f->fwd.outs.n;
  if (nv == 1) {
    long col = 0;
    sb_printf(b, "    %s(%s", f->names->grad, a);
    for (int i = 0; i < fn->nparams; i++)
      if (!fn->params[i].is_const) {
        sb_printf(b, ", &jac[%ld]", col);
        col += param_length(fn, i);
      }
    sb_puts(b, ");\n");
  } else {
    sb_printf(b, "    %s(%s", f->names->jac, a);
    for (int o = 0; o < nv; o++)
      sb_printf(b, "%s&up[%d]", a[0] || o ? ", " : "", o);
    sb_puts(b, ", jac);\n");
  }
}

/* Every entry of the Jacobian against a central difference. */
static void central_differences(StrBuf *b, const FnGraphs *f, const char *a, long cols, int idx) {
  const Signature *fn = f->sig;
  int nv = f->fwd.outs.n;
  long col = 0;
  for (int i = 0; i < fn->nparams; i++) {
    if (fn->params[i].is_const)
      continue;
    long len = param_length(fn, i);
    sb_printf(b, "    for (int e = 0; e < %ld; e++) {\n      const double x = p%d[e], h = 1e-6 * (1 + fabs(x));\n",
              len, i);
    sb_printf(b, "      p%d[e] = x + h;\n      ", i);
    forward_call(b, f, a, "up");
    sb_printf(b, "      p%d[e] = x - h;\n      ", i);
    forward_call(b, f, a, "dn");
    sb_printf(b, "      p%d[e] = x;\n", i);
    sb_printf(b, "      for (int o = 0; o < %d; o++) {\n"
                 "        const double fd = (up[o] - dn[o]) / (2 * h), g = jac[o * %ld + %ld + e];\n"
                 "        const double err = fabs(g - fd) / adc_tolerance(fd, up[o], dn[o], h);\n"
                 "        if (isfinite(fd) && !(err <= worst)) {\n"
                 "          worst = err;\n"
                 "          snprintf(where, sizeof where, \"d%%s/d%s%s at %%s\", adc_result%d[o], %s);\n"
                 "        }\n      }\n    }\n",
              nv, cols, col, fn->params[i].name, fn->params[i].ndims ? "[%d]" : "", idx,
              fn->params[i].ndims ? "e, adc_point(lo)" : "adc_point(lo)");
    col += len;
  }
}

/* The dot-product test of f_vjp: <w, J d> (a central difference along d)
 * against <vjp(w), d>. */
static void dot_product_test(StrBuf *b, const FnGraphs *f, const char *a) {
  const Signature *fn = f->sig;
  int np = fn->nparams, nv = f->fwd.outs.n;
  sb_printf(b, "    for (int o = 0; o < %d; o++) w[o] = adc_uni(-1, 1);\n", nv);
  sb_printf(b, "    %s(%s", f->names->vjp, a);
  for (int o = 0; o < nv; o++)
    sb_printf(b, "%sw[%d]", a[0] || o ? ", " : "", o);
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, fn->params[i].ndims ? ", v%d" : ", &v%d[0]", i);
  sb_puts(b, ");\n    double h = 1e-6, rhs = 0, lhs = 0;\n");
  for (int pass = 0; pass < 3; pass++) { /* x + h d, x - h d, back */
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const)
        sb_printf(b, "    for (int e = 0; e < (int)(sizeof p%d / sizeof *p%d); e++) p%d[e] %s h * d%d[e];\n", i,
                  i, i, pass == 0 ? "+=" : pass == 1 ? "-= 2 *" : "+=", i);
    if (pass < 2) {
      sb_puts(b, "    ");
      forward_call(b, f, a, pass ? "dn" : "up");
    }
  }
  for (int i = 0; i < np; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "    for (int e = 0; e < (int)(sizeof p%d / sizeof *p%d); e++) rhs += v%d[e] * d%d[e];\n", i,
                i, i, i);
  sb_printf(b, "    for (int o = 0; o < %d; o++) lhs += w[o] * (up[o] - dn[o]) / (2 * h);\n"
               "    if (isfinite(lhs)) {\n      const double err = fabs(lhs - rhs) / adc_dot_tolerance(lhs, up, dn, w, %d, h);\n"
               "      if (!(err <= worst_dot)) worst_dot = err;\n    }\n    points++;\n  }\n",
            nv, nv);
}

static void check_function(StrBuf *b, const FnGraphs *f, int idx) {
  StrBuf args = {0};
  call_args(&args, f);
  const char *a = args.s ? args.s : "";
  long cols = check_head(b, f, idx);
  sb_puts(b, "    ");
  forward_call(b, f, a, "out");
  sb_printf(b, "    for (int o = 0; o < %d; o++) finite &= isfinite(out[o]) != 0;\n"
               "    if (!finite) continue;\n",
            f->fwd.outs.n);
  jacobian_call(b, f, a);
  central_differences(b, f, a, cols, idx);
  dot_product_test(b, f, a);
  sb_printf(b, "  adc_report(\"%s\", points, worst, where, worst_dot);\n}\n\n", f->sig->name);
  sb_free(&args);
}

void cg_emit_check(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  const char *base = strrchr(o->input, '/') ? strrchr(o->input, '/') + 1 : o->input;
  size_t len = strlen(base); /* the stem, as the driver makes STEM_grad.c */
  const char *dot = strrchr(base, '.');
  if (dot && dot != base)
    len = (size_t)(dot - base);
  sb_printf(out,
            "/* Generated by adc " ADC_VERSION " from %s: checks %.*s_grad.c (write it with\n"
            " * 'adc %s'), then: cc -std=c99 -o check THIS_FILE -lm && ./check\n"
            " * Each gradient (or Jacobian) entry against a central difference of the\n"
            " * forward function, and the vjp by the dot-product test <w, J d> = <vjp(w), d>,\n"
            " * at %d random points (sizes %d); exits 1 when an error exceeds its tolerance. */\n"
            "#include <math.h>\n#include <stdio.h>\n\n#include \"%.*s_grad.c\"\n\n",
            base, (int)len, base, base, CHECK_POINTS, CHECK_SIZE, (int)len, base);
  sb_puts(out,
          "static unsigned long long adc_state = 88172645463325252ull;\n"
          "static double adc_uni(double lo, double hi) {\n"
          "  adc_state ^= adc_state << 13;\n  adc_state ^= adc_state >> 7;\n  adc_state ^= adc_state << 17;\n"
          "  return lo + (hi - lo) * (double)(adc_state >> 11) / 9007199254740992.0;\n}\n\n"
          "static const char *adc_point(double lo) { return lo < 0 ? \"a point in [-1, 0.8]\" : lo < 1 ? "
          "\"a point in [0.1, 1.9]\" : \"a point in [1.1, 2.9]\"; }\n\n"
          "/* What a central difference may be off by: 1e-6 relative, plus ten times\n"
          " * its rounding error (eps |f| / h), which dominates where f is large. */\n"
          "static double adc_tolerance(double fd, double up, double dn, double h) {\n"
          "  return 1e-6 * (1 + fabs(fd)) + 10 * 2.2e-16 * (fabs(up) + fabs(dn)) / (2 * h);\n}\n\n"
          "static double adc_dot_tolerance(double lhs, const double *up, const double *dn, const double *w, int n,"
          " double h) {\n"
          "  double r = 0;\n  for (int o = 0; o < n; o++) r += fabs(w[o]) * (fabs(up[o]) + fabs(dn[o]));\n"
          "  return 1e-6 * (1 + fabs(lhs)) + 10 * 2.2e-16 * r / (2 * h);\n}\n\n"
          "static int adc_failed;\n\n"
          "static void adc_report(const char *fn, int points, double worst, const char *where, double dot) {\n"
          "  const int bad = points == 0 || !(worst <= 1) || !(dot <= 1);\n"
          "  printf(\"%-16s %6d %12.3g %12.3g  %s%s\\n\", fn, points, worst, dot, bad ? \"FAIL \" : \"ok   \","
          " points ? where : \"no point with a finite value\");\n"
          "  adc_failed |= bad;\n}\n\n");
  for (int i = 0; i < n; i++) {
    const FnGraphs *f = &fns[i];
    sb_printf(out, "static const char *const adc_result%d[] = {", i);
    for (int k = 0; k < f->fwd.outs.n; k++)
      sb_printf(out, "%s\"%s\"", k ? ", " : "", f->sig->outs ? f->sig->outs[k] : f->sig->name);
    sb_puts(out, "};\n");
    check_function(out, f, i);
  }
  sb_puts(out, "int main(void) {\n"
               "  printf(\"errors as fractions of their tolerance (1e-6 relative, plus the central\\n\"\n"
               "         \"difference's rounding error); over 1 fails\\n\");\n"
               "  printf(\"%-16s %6s %12s %12s  %s\\n\", \"function\", \"points\", \"gradient\", \"vjp\","
               " \"largest gradient error\");\n");
  for (int i = 0; i < n; i++)
    sb_printf(out, "  check%d();\n", i);
  sb_puts(out, "  puts(adc_failed ? \"FAILED\" : \"all derivatives agree\");\n  return adc_failed;\n}\n");
}
