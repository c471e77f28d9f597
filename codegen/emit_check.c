/* emit_check.c - a standalone C program that checks the emitted code: for
 * every function, at random points (or the point --check-at gives; sizes 3
 * unless --check-sizes or --check-at say otherwise), each gradient (or
 * Jacobian) entry against central differences of the forward function,
 * f_vjp by the dot-product test <w, J d> = <vjp(w), d>, f_jvp's tangents
 * along d by <w, J d> too, f_hvp's H d by <w, H d> against differences of
 * the gradient along d, f_hess for exact symmetry and H d against f_hvp's
 * (each as --modes emits them; a column not checked shows '-'). The
 * differences are
 * taken in long double (the program holds the forward functions again in
 * long double, adc_ld_f) with two steps, h and 2h. Where the two disagree by
 * more than the tolerance, the function is too ill-conditioned there for a
 * difference to judge the derivative: the entry is inconclusive, not a
 * failure (unless the derivative agrees with one of them). A derivative the
 * differences agree on, and it does not, is a failure: the program prints a
 * table and exits 1. Its own names all start with adc_, which emitted names
 * never do. It includes STEM_grad.c. */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

enum { CHECK_SIZE = 3, CHECK_POINTS = 12 };

/* A parameter's element count at the point's sizes. */
static long param_length(const Signature *sig, const CheckPoint *pt, int p) {
  long size[64], n;
  for (int k = 0; k < sig->nsizes && k < 64; k++)
    size[k] = pt ? pt->sizes[k] : CHECK_SIZE;
  n = ir_param_length(sig, p, size);
  return n > 0 ? n : 0;
}

/* The results flattened, as f_jac's rows: result o's first row into
 * off[o] (off[nv]: all of them, returned). */
static long result_rows(const FnGraphs *f, const CheckPoint *pt, long *off) {
  const Signature *sig = f->sig;
  long size[64];
  for (int k = 0; k < sig->nsizes && k < 64; k++)
    size[k] = pt ? pt->sizes[k] : CHECK_SIZE;
  off[0] = 0;
  for (int o = 0; o < f->fwd.outs.n; o++) {
    long n = sig->results[o].ndims ? ir_result_length(sig, o, size) : 1;
    off[o + 1] = off[o] + (n > 0 ? n : 0);
  }
  return off[f->fwd.outs.n];
}

/* Does the point give every parameter (then it is the only one checked)? */
static int point_fixed(const FnGraphs *f, const CheckPoint *pt) {
  if (!pt)
    return 0;
  for (int i = 0; i < f->sig->nparams; i++)
    if (!pt->values[i])
      return 0;
  return 1;
}

/* "3, 3, adc_p0, adc_p1[0], ...": sizes, then parameters (scalars by value)
 * from the arrays adc_<letter>K (integer data from adc_pK, whatever the
 * letter: it is never moved). */
static void call_args(StrBuf *b, const FnGraphs *f, const CheckPoint *pt, char letter) {
  int first = 1;
  for (int k = 0; k < f->sig->nsizes; k++, first = 0)
    sb_printf(b, "%s%ld", first ? "" : ", ", pt ? pt->sizes[k] : (long)CHECK_SIZE);
  for (int i = 0; i < f->sig->nparams; i++, first = 0)
    sb_printf(b, f->sig->params[i].ndims ? "%sadc_%c%d" : "%sadc_%c%d[0]", first ? "" : ", ",
              f->sig->params[i].is_int ? 'p' : letter, i);
}

/* Integer data is drawn in [0, m), m the smallest size (at least 1): valid
 * as an index into any array the sizes dimension. */
static long int_range(const FnGraphs *f, const CheckPoint *pt) {
  long m = CHECK_SIZE;
  for (int k = 0; k < f->sig->nsizes && pt; k++)
    if (k == 0 || pt->sizes[k] < m)
      m = pt->sizes[k];
  return m > 0 ? m : 1;
}

/* Evaluates forward function fn into dst[0..rows), result o from place
 * off[o] on. */
static void forward_call(StrBuf *b, const FnGraphs *f, const char *fn, const long *off, const char *args,
                         const char *dst) {
  if (!cg_several(f)) {
    sb_printf(b, "%s[0] = %s(%s);\n", dst, fn, args);
    return;
  }
  sb_printf(b, "%s(%s", fn, args);
  for (int o = 0; o < f->fwd.outs.n; o++)
    sb_printf(b, "%s&%s[%ld]", args[0] || o ? ", " : "", dst, off[o]);
  sb_puts(b, ");\n");
}

/* The arrays: each parameter K (p: the point, q: the point in long double,
 * v: its vjp, d: a direction), the results, the Jacobian, the forward
 * function at four points near; then the loop over points, drawing them (a
 * parameter --check-at gives keeps its values: one point when all do).
 * Static: sizes may be large. Returns the Jacobian's columns. */
static long check_head(StrBuf *b, const FnGraphs *f, const CheckPoint *pt, int idx, long nv) {
  const Signature *fn = f->sig;
  int np = fn->nparams, fixed = point_fixed(f, pt);
  long cols = 0;
  sb_printf(b, "/* %s */\nstatic void adc_check%d(void) {\n", fn->name, idx);
  for (int i = 0; i < np; i++) {
    long len = param_length(fn, pt, i), l = len ? len : 1;
    if (fn->params[i].is_int)
      sb_printf(b, "  static int adc_p%d[%ld];\n", i, l);
    else
      sb_printf(b, "  static double adc_p%d[%ld];\n  static long double adc_q%d[%ld];\n", i, l, i, l);
    if (!fn->params[i].is_const) /* data: no vjp, no direction */
      sb_printf(b, "  static double adc_v%d[%ld], adc_d%d[%ld];\n  (void)adc_v%d;\n  (void)adc_d%d;\n", i, l, i, l, i, i);
    if (!fn->params[i].is_int)
      sb_printf(b, "  (void)adc_q%d;\n", i);
    if (pt && pt->values[i]) {
      sb_printf(b, "  static const double adc_at%d[%ld] = {", i, l);
      for (long e = 0; e < len; e++)
        sb_printf(b, "%s%.17g", e ? ", " : "", pt->values[i][e]);
      sb_puts(b, len ? "};\n" : "0};\n");
    }
    cols += fn->params[i].is_const ? 0 : len;
  }
  sb_printf(b, "  static double adc_out[%ld], adc_w[%ld], adc_jac[%ld];\n  static long double adc_f[4][%ld];\n",
            nv + 1, nv + 1, nv * cols + 1, nv + 1);
  /* (with --modes, not every check is made) */
  sb_printf(b, "  (void)adc_jac;\n  (void)adc_w;\n  (void)adc_f;\n  (void)adc_result%d;\n  (void)adc_point;\n", idx);
  sb_printf(b, "  double adc_worst = %s, adc_worst_dot = %s, adc_worst_jvp = %s, adc_worst_hvp = %s, adc_worst_hess = %s;\n"
               "  char adc_where[160] = \"-\";\n  int adc_points = 0, adc_unsure = 0;\n",
            cg_emits(f, FN_GRAD) ? "0" : "-1", cg_emits(f, FN_VJP) ? "0" : "-1", cg_emits(f, FN_JVP) ? "0" : "-1",
            cg_emits(f, FN_HVP) ? "0" : "-1", cg_emits(f, FN_HESS) ? "0" : "-1");
  if (cg_hvp_in_file(f))
    sb_printf(b, "  static double adc_hb[%ld], adc_hd[%ld], adc_wc[%ld], adc_df[%ld];\n  static long double adc_gl[%ld];\n",
              cols + 1, cols + 1, cols + 1, cols + 1, cols + 1);
  if (cg_emits(f, FN_HESS))
    sb_printf(b, "  static double adc_hg[%ld], adc_hh[%ld];\n", cols + 1, cols * cols + 1);
  if (cg_emits(f, FN_JVP))
    sb_printf(b, "  static double adc_jo[%ld], adc_jd[%ld];\n", nv + 1, nv + 1);
  sb_printf(b, "  for (int adc_k = 0; adc_k < %d && adc_points < %d; adc_k++) {\n", fixed ? 1 : 60,
            fixed ? 1 : CHECK_POINTS);
  sb_puts(b, "    const double adc_lo = adc_k % 3 == 0 ? -1.0 : adc_k % 3 == 1 ? 0.1 : 1.1, adc_hi = adc_lo + 1.8;\n"
             "    int adc_finite = 1;\n");
  for (int i = 0; i < np; i++) {
    sb_printf(b, "    for (int adc_e = 0; adc_e < (int)(sizeof adc_p%d / sizeof *adc_p%d); adc_e++) {\n", i, i);
    if (pt && pt->values[i])
      sb_printf(b, "      adc_p%d[adc_e] = %sadc_at%d[adc_e];\n", i, fn->params[i].is_int ? "(int)" : "", i);
    else if (fn->params[i].is_int)
      sb_printf(b, "      adc_p%d[adc_e] = (int)adc_uni(0, %ld) %% %ld;\n", i, int_range(f, pt), int_range(f, pt));
    else
      sb_printf(b, "      adc_p%d[adc_e] = adc_uni(adc_lo, adc_hi);\n", i);
    if (!fn->params[i].is_int)
      sb_printf(b, "      adc_q%d[adc_e] = adc_p%d[adc_e];\n", i, i);
    if (!fn->params[i].is_const)
      sb_printf(b, "      adc_v%d[adc_e] = 0;\n      adc_d%d[adc_e] = adc_uni(-1, 1);\n", i, i);
    sb_puts(b, "    }\n");
  }
  return cols;
}

/* "adc_x + 0, adc_x + 3": a pointer per differentiated parameter into the
 * flat array adc_x, as f_grad's or f_hvp's (f_hess's) columns. */
static void column_pointers(StrBuf *b, const FnGraphs *f, const CheckPoint *pt, const char *x) {
  long col = 0;
  for (int i = 0; i < f->sig->nparams; i++)
    if (!f->sig->params[i].is_const) {
      sb_printf(b, ", %s + %ld", x, col);
      col += param_length(f->sig, pt, i);
    }
}

/* The gradient or the Jacobian, into adc_jac. */
static void jacobian_call(StrBuf *b, const FnGraphs *f, const CheckPoint *pt, const char *a, const long *off) {
  int nv = f->fwd.outs.n;
  if (!cg_several(f)) {
    sb_printf(b, "    %s(%s", f->names->grad, a);
    column_pointers(b, f, pt, "adc_jac");
    sb_puts(b, ");\n");
  } else {
    sb_printf(b, "    %s(%s", f->names->jac, a);
    for (int o = 0; o < nv; o++)
      sb_printf(b, "%s&adc_w[%ld]", a[0] || o ? ", " : "", off[o]); /* the results: adc_w is drawn after */
    sb_puts(b, ", adc_jac);\n");
  }
}

/* The loop over the four points near: parameter K's entry adc_e (or, with
 * `along`, every entry along the direction) moved by adc_h times 1, -1, 2,
 * -2, the point back after; the caller prints the body and the '}'. */
static void near_points(StrBuf *b, const FnGraphs *f, int param, int along, const char *indent) {
  const Signature *fn = f->sig;
  sb_printf(b, "%sfor (int adc_s = 0; adc_s < 5; adc_s++) {\n", indent);
  for (int i = 0; i < fn->nparams; i++) {
    if (fn->params[i].is_const || (!along && i != param))
      continue;
    if (along)
      sb_printf(b, "%s  for (int adc_e = 0; adc_e < (int)(sizeof adc_p%d / sizeof *adc_p%d); adc_e++)\n"
                   "%s    adc_q%d[adc_e] = adc_p%d[adc_e] + adc_step[adc_s] * adc_h * adc_d%d[adc_e];\n",
                indent, i, i, indent, i, i, i);
    else
      sb_printf(b, "%s  adc_q%d[adc_e] = adc_p%d[adc_e] + adc_step[adc_s] * adc_h;\n", indent, i, i);
  }
  sb_printf(b, "%s  if (adc_s == 4) break; /* the point back */\n%s  ", indent, indent);
}

/* The four values of the forward function in long double at the points
 * near (near_points), into adc_f. */
static void four_values(StrBuf *b, const FnGraphs *f, const char *ld, const char *aq, int param, int along,
                        const char *indent, const long *off) {
  near_points(b, f, param, along, indent);
  forward_call(b, f, ld, off, aq, "adc_f[adc_s]");
  sb_printf(b, "%s}\n", indent);
}

/* Every entry of the Jacobian against two central differences. */
static void central_differences(StrBuf *b, const FnGraphs *f, const char *ld, const char *aq, long cols,
                                const CheckPoint *pt, int idx, const long *off) {
  const Signature *fn = f->sig;
  long nv = off[f->fwd.outs.n], col = 0;
  for (int i = 0; i < fn->nparams; i++) {
    if (fn->params[i].is_const)
      continue;
    long len = param_length(fn, pt, i);
    sb_printf(b, "    for (int adc_e = 0; adc_e < %ld; adc_e++) {\n"
                 "      const long double adc_h = 1e-6L * (1 + fabsl(adc_q%d[adc_e]));\n",
              len, i);
    four_values(b, f, ld, aq, i, 0, "      ", off);
    sb_printf(b, "      for (int adc_o = 0; adc_o < %ld; adc_o++) {\n"
                 "        const double adc_r = adc_judge(adc_jac[adc_o * %ld + %ld + adc_e], adc_f[0][adc_o],\n"
                 "                                       adc_f[1][adc_o], adc_f[2][adc_o], adc_f[3][adc_o], adc_h);\n"
                 "        if (adc_r < 0) {\n          adc_unsure++;\n"
                 "        } else if (!(adc_r <= adc_worst)) {\n          adc_worst = adc_r;\n"
                 "          snprintf(adc_where, sizeof adc_where, \"d%%s/d%s%s at %%s\", adc_result%d[adc_o], %s);\n"
                 "        }\n      }\n    }\n",
              nv, cols, col, fn->params[i].name, fn->params[i].ndims ? "[%d]" : "", idx,
              point_fixed(f, pt) ? (fn->params[i].ndims ? "adc_e, \"the point given\"" : "\"the point given\"")
                                 : (fn->params[i].ndims ? "adc_e, adc_point(adc_lo)" : "adc_point(adc_lo)"));
    col += len;
  }
}

/* f_jvp along the direction d: the values into adc_jo, the tangents into
 * adc_jd. */
static void jvp_call(StrBuf *b, const FnGraphs *f, const char *a, const long *off) {
  const Signature *fn = f->sig;
  int several = cg_several(f), first = a[0] == 0;
  sb_printf(b, several ? "    %s(%s" : "    adc_jo[0] = %s(%s", f->names->jvp, a);
  for (int i = 0; i < fn->nparams; i++)
    if (!fn->params[i].is_const) {
      sb_printf(b, fn->params[i].ndims ? "%sadc_d%d" : "%sadc_d%d[0]", first ? "" : ", ", i);
      first = 0;
    }
  for (int o = 0; o < f->fwd.outs.n && several; o++, first = 0)
    sb_printf(b, "%s&adc_jo[%ld]", first ? "" : ", ", off[o]);
  for (int o = 0; o < f->fwd.outs.n; o++, first = 0)
    sb_printf(b, "%s&adc_jd[%ld]", first ? "" : ", ", off[o]);
  sb_puts(b, ");\n");
}

/* The dot-product tests: <w, J d> (two central differences along d)
 * against <vjp(w), d> (f_vjp) and against <w, jvp(d)> (f_jvp). */
static void dot_product_test(StrBuf *b, const FnGraphs *f, const char *ld, const char *a, const char *aq,
                             const long *off) {
  const Signature *fn = f->sig;
  int np = fn->nparams, vjp = cg_emits(f, FN_VJP), jvp = cg_emits(f, FN_JVP);
  long nv = off[f->fwd.outs.n];
  if (!vjp && !jvp)
    return;
  sb_printf(b, "    for (int adc_o = 0; adc_o < %ld; adc_o++) adc_w[adc_o] = adc_uni(-1, 1);\n", nv);
  if (vjp) {
    sb_printf(b, "    %s(%s", f->names->vjp, a);
    for (int o = 0; o < f->fwd.outs.n; o++)
      sb_printf(b, fn->results[o].ndims ? "%s&adc_w[%ld]" : "%sadc_w[%ld]", a[0] || o ? ", " : "", off[o]);
    for (int i = 0; i < np; i++)
      if (!fn->params[i].is_const)
        sb_printf(b, fn->params[i].ndims ? ", adc_v%d" : ", &adc_v%d[0]", i);
    sb_puts(b, ");\n");
  }
  if (jvp)
    jvp_call(b, f, a, off);
  sb_printf(b, "    {\n      const long double adc_h = 1e-6L;\n      long double %sadc_g[4] = {0, 0, 0, 0};\n",
            vjp && jvp ? "adc_rhs = 0, adc_lhs = 0, " : vjp ? "adc_rhs = 0, " : "adc_lhs = 0, ");
  four_values(b, f, ld, aq, -1, 1, "      ", off);
  for (int i = 0; i < np && vjp; i++)
    if (!fn->params[i].is_const)
      sb_printf(b, "      for (int adc_e = 0; adc_e < (int)(sizeof adc_p%d / sizeof *adc_p%d); adc_e++) "
                   "adc_rhs += (long double)adc_v%d[adc_e] * adc_d%d[adc_e];\n",
                i, i, i, i);
  if (jvp)
    sb_printf(b, "      for (int adc_o = 0; adc_o < %ld; adc_o++) adc_lhs += (long double)adc_w[adc_o] * adc_jd[adc_o];\n", nv);
  sb_printf(b, "      for (int adc_s = 0; adc_s < 4; adc_s++)\n"
               "        for (int adc_o = 0; adc_o < %ld; adc_o++) adc_g[adc_s] += adc_w[adc_o] * adc_f[adc_s][adc_o];\n",
            nv);
  if (vjp)
    sb_puts(b, "      const double adc_r = adc_judge((double)adc_rhs, adc_g[0], adc_g[1], adc_g[2], adc_g[3], adc_h);\n"
               "      if (adc_r < 0)\n        adc_unsure++;\n"
               "      else if (!(adc_r <= adc_worst_dot))\n        adc_worst_dot = adc_r;\n");
  if (jvp) /* its values are f's to the bit */
    sb_printf(b, "      const double adc_rj = adc_judge((double)adc_lhs, adc_g[0], adc_g[1], adc_g[2], adc_g[3], adc_h);\n"
                 "      for (int adc_o = 0; adc_o < %ld; adc_o++)\n"
                 "        if (adc_jo[adc_o] != adc_out[adc_o] && adc_jo[adc_o] == adc_jo[adc_o]) adc_worst_jvp = INFINITY;\n"
                 "      if (adc_rj < 0)\n        adc_unsure++;\n"
                 "      else if (!(adc_rj <= adc_worst_jvp))\n        adc_worst_jvp = adc_rj;\n",
              nv);
  sb_puts(b, "    }\n");
}

/* Second order (one scalar result): f_hvp along d, its value f's to the
 * bit, <w, H d> against the differences along d of <w, gradient> (the
 * gradient in long double, adc_ld_F_grad) for random column weights w;
 * f_hess symmetric exactly, its value f's, and H d f_hvp's (to 1e-9). */
static void second_order_test(StrBuf *b, const FnGraphs *f, const char *ldg, const char *a, const char *aq,
                              const CheckPoint *pt, long cols) {
  const Signature *fn = f->sig;
  if (!cg_hvp_in_file(f))
    return;
  sb_printf(b, "    {\n      const double adc_hv = %s(%s", f->names->hvp, a);
  int first = a[0] == 0;
  for (int i = 0; i < fn->nparams; i++)
    if (!fn->params[i].is_const) {
      sb_printf(b, fn->params[i].ndims ? "%sadc_d%d" : "%sadc_d%d[0]", first ? "" : ", ", i);
      first = 0;
    }
  column_pointers(b, f, pt, "adc_hb");
  column_pointers(b, f, pt, "adc_hd");
  sb_puts(b, ");\n");
  long col = 0;
  for (int i = 0; i < fn->nparams; i++)
    if (!fn->params[i].is_const) {
      sb_printf(b, "      for (int adc_e = 0; adc_e < %ld; adc_e++) adc_df[%ld + adc_e] = adc_d%d[adc_e];\n",
                param_length(fn, pt, i), col, i);
      col += param_length(fn, pt, i);
    }
  sb_printf(b, "      for (int adc_c = 0; adc_c < %ld; adc_c++) adc_wc[adc_c] = adc_uni(-1, 1);\n", cols);
  { /* (with hess alone, f_hess's column says how f_hvp's products fare) */
    const char *w = cg_emits(f, FN_HVP) ? "adc_worst_hvp" : "adc_worst_hess";
    sb_puts(b, "      const long double adc_h = 1e-6L;\n      long double adc_g[4] = {0, 0, 0, 0}, adc_lhs = 0;\n");
    near_points(b, f, -1, 1, "      ");
    sb_printf(b, "(void)%s(%s", ldg, aq);
    column_pointers(b, f, pt, "adc_gl");
    sb_printf(b, ");\n        for (int adc_c = 0; adc_c < %ld; adc_c++) adc_g[adc_s] += adc_wc[adc_c] * adc_gl[adc_c];\n"
                 "      }\n"
                 "      for (int adc_c = 0; adc_c < %ld; adc_c++) adc_lhs += (long double)adc_wc[adc_c] * adc_hd[adc_c];\n"
                 "      const double adc_rh = adc_judge((double)adc_lhs, adc_g[0], adc_g[1], adc_g[2], adc_g[3], adc_h);\n"
                 "      if (adc_hv != adc_out[0] && adc_hv == adc_hv) %s = INFINITY;\n"
                 "      if (adc_rh < 0)\n        adc_unsure++;\n"
                 "      else if (!(adc_rh <= %s))\n        %s = adc_rh;\n",
              cols, cols, w, w, w);
  }
  if (cg_emits(f, FN_HESS)) {
    sb_printf(b, "      const double adc_hv2 = %s(%s%sadc_hg, adc_hh);\n"
                 "      if (adc_hv2 != adc_out[0] && adc_hv2 == adc_hv2) adc_worst_hess = INFINITY;\n"
                 "      for (int adc_r = 0; adc_r < %ld; adc_r++) {\n"
                 "        double adc_sum = 0, adc_mag = 0;\n"
                 "        for (int adc_c = 0; adc_c < %ld; adc_c++) {\n"
                 "          const double adc_x = adc_hh[adc_r * %ld + adc_c];\n"
                 "          if (adc_x != adc_hh[adc_c * %ld + adc_r] && adc_x == adc_x) adc_worst_hess = INFINITY;\n"
                 "          adc_sum += adc_x * adc_df[adc_c];\n          adc_mag += fabs(adc_x * adc_df[adc_c]);\n"
                 "        }\n"
                 "        const double adc_e = fabs(adc_sum - adc_hd[adc_r]) / (1e-9 * (1 + adc_mag));\n"
                 "        if (!(adc_e <= adc_worst_hess) && adc_hd[adc_r] == adc_hd[adc_r]) adc_worst_hess = adc_e;\n"
                 "      }\n",
              f->names->hess, a, a[0] ? ", " : "", cols, cols, cols, cols);
  }
  sb_puts(b, "    }\n");
}

static void check_function(StrBuf *b, const FnGraphs *f, const char *ld, const CheckPoint *pt, int idx) {
  StrBuf args = {0}, qargs = {0};
  call_args(&args, f, pt, 'p');
  call_args(&qargs, f, pt, 'q');
  const char *a = args.s ? args.s : "", *aq = qargs.s ? qargs.s : "";
  long *off = xmalloc((size_t)(f->fwd.outs.n + 1) * sizeof *off), rows = result_rows(f, pt, off);
  long cols = check_head(b, f, pt, idx, rows);
  sb_puts(b, "    ");
  forward_call(b, f, f->names->fwd, off, a, "adc_out");
  sb_printf(b, "    for (int adc_o = 0; adc_o < %ld; adc_o++) adc_finite &= isfinite(adc_out[adc_o]) != 0;\n"
               "    if (!adc_finite) continue;\n",
            rows);
  if (cg_emits(f, FN_GRAD)) {
    jacobian_call(b, f, pt, a, off);
    central_differences(b, f, ld, aq, cols, pt, idx, off);
  }
  dot_product_test(b, f, ld, a, aq, off);
  StrBuf ldg = {0};
  sb_printf(&ldg, "%s_grad", ld);
  second_order_test(b, f, ldg.s, a, aq, pt, cols);
  sb_free(&ldg);
  free(off);
  sb_printf(b, "    adc_points++;\n  }\n  adc_report(\"%s\", adc_points, adc_worst, adc_where, adc_worst_dot, adc_worst_jvp,\n"
               "             adc_worst_hvp, adc_worst_hess, adc_unsure);\n}\n\n",
            f->sig->name);
  sb_free(&args);
  sb_free(&qargs);
}

/* What the program needs before the checks: a random generator, the two
 * differences' judge, the report. */
static const char check_helpers[] =
    "static unsigned long long adc_state = 88172645463325252ull;\n"
    "static double adc_uni(double lo, double hi) {\n"
    "  adc_state ^= adc_state << 13;\n  adc_state ^= adc_state >> 7;\n  adc_state ^= adc_state << 17;\n"
    "  return lo + (hi - lo) * (double)(adc_state >> 11) / 9007199254740992.0;\n}\n\n"
    "static const char *adc_point(double lo) { return lo < 0 ? \"a point in [-1, 0.8]\" : lo < 1 ? "
    "\"a point in [0.1, 1.9]\" : \"a point in [1.1, 2.9]\"; }\n\n"
    "/* x + h, x - h, x + 2h, x - 2h, and x again */\n"
    "static const long double adc_step[5] = {1, -1, 2, -2, 0};\n\n"
    "/* A derivative g against the central differences of F with steps h and 2h\n"
    " * (F at x + h, x - h, x + 2h, x - 2h): its error as a fraction of the tolerance\n"
    " * (1e-6 relative, plus the differences' rounding); 0 when a difference is not\n"
    " * finite (a pole nearby); -1 when the two differences disagree by more than the\n"
    " * tolerance, so that F is too ill-conditioned there for them to judge, and g\n"
    " * agrees with neither (inconclusive). */\n"
    "static double adc_judge(double g, long double f1, long double f2, long double f3, long double f4,\n"
    "                        long double h) {\n"
    "  const long double d1 = (f1 - f2) / (2 * h), d2 = (f3 - f4) / (4 * h);\n"
    "  const long double r = 16 * LDBL_EPSILON * (fabsl(f1) + fabsl(f2) + fabsl(f3) + fabsl(f4)) / (2 * h);\n"
    "  const long double tol = 1e-6L * (1 + fabsl(d1)) + r;\n"
    "  const long double e1 = fabsl(g - d1) / tol, e2 = fabsl(g - d2) / tol;\n"
    "  if (!isfinite(d1) || !isfinite(d2))\n    return 0;\n"
    "  if (fabsl(d1 - d2) <= tol)\n    return (double)e1;\n"
    "  return e1 <= 1 || e2 <= 1 ? (double)(e1 < e2 ? e1 : e2) : -1;\n}\n\n"
    "static int adc_failed;\n\n"
    "/* an error as a fraction of its tolerance; '-' when not checked (negative) */\n"
    "static void adc_column(double r) {\n"
    "  if (r < 0)\n    printf(\" %12s\", \"-\");\n  else\n    printf(\" %12.3g\", r);\n}\n\n"
    "static void adc_report(const char *fn, int points, double worst, const char *where, double dot, double jvp,\n"
    "                       double hvp, double hess, int unsure) {\n"
    "  const int bad = points == 0 || !(worst <= 1) || !(dot <= 1) || !(jvp <= 1) || !(hvp <= 1) || !(hess <= 1);\n"
    "  printf(\"%-16s %6d\", fn, points);\n"
    "  adc_column(worst);\n  adc_column(dot);\n  adc_column(jvp);\n  adc_column(hvp);\n  adc_column(hess);\n"
    "  printf(\"  %s%s\", bad ? \"FAIL \" : \"ok   \", points ? where : \"no point with a finite value\");\n"
    "  if (unsure)\n"
    "    printf(\" (%d inconclusive: the differences disagree, ill-conditioned)\", unsure);\n"
    "  putchar('\\n');\n"
    "  adc_failed |= bad;\n}\n\n";

/* Each function's forward function again, in long double, named adc_ld_F:
 * the differences are taken in it. */
static void ld_functions(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  EmitOpts lo = *o;
  lo.real = 2;
  lo.static_fns = 1;
  lo.split = 0;
  lo.line_directives = 0;
  sb_puts(out, "/* The forward functions again in long double, for the differences. */\n");
  for (int i = 0; i < n; i++) {
    FnGraphs g = fns[i];
    FnNames nm = *fns[i].names;
    StrBuf sym = {0};
    sb_printf(&sym, "adc_ld_%s", nm.fwd);
    nm.fwd = sym.s;
    g.names = &nm;
    cg_emit_function(out, &g, FN_FWD, &lo);
    if (cg_hvp_in_file(&fns[i])) { /* the gradient too, for second order's differences */
      StrBuf gsym = {0};
      sb_printf(&gsym, "adc_ld_%s_grad", fns[i].names->fwd);
      nm.grad = gsym.s;
      cg_emit_function(out, &g, FN_GRAD, &lo);
      sb_free(&gsym);
    }
    sb_free(&sym);
  }
}

void cg_emit_check(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o, const CheckPoint *pts) {
  const char *base = strrchr(o->input, '/') ? strrchr(o->input, '/') + 1 : o->input;
  size_t len = strlen(base); /* the stem, as the driver makes STEM_grad.c */
  const char *dot = strrchr(base, '.');
  if (dot && dot != base)
    len = (size_t)(dot - base);
  char modes[64] = ""; /* the C file must hold what the program calls */
  unsigned m = n ? fns[0].modes : MODE_DEFAULT;
  for (int k = 0; k < MODE_KINDS && m != MODE_DEFAULT; k++)
    if (m & (1u << k))
      snprintf(modes + strlen(modes), sizeof modes - strlen(modes), "%s%s", modes[0] ? "," : "--modes=",
               cg_mode_names[k]);
  sb_printf(out,
            "/* Generated by adc " ADC_VERSION " from %s: checks %.*s_grad.c (write it with\n"
            " * 'adc %s%s%s'), then: cc -std=c99 -o check THIS_FILE -lm && ./check\n"
            " * Each gradient (or Jacobian) entry against central differences of the\n"
            " * forward function in long double (steps h and 2h), the vjp and the jvp by\n"
            " * the dot-product test <w, J d> = <vjp(w), d> = <w, jvp(d)>, the Hessian's\n"
            " * products (hvp, hess) against differences of the gradient; at\n"
            " * %s; exits 1 when an error exceeds its tolerance. */\n"
            "#include <float.h>\n#include <math.h>\n#include <stdio.h>\n\n#include \"%.*s_grad.c\"\n\n",
            base, (int)len, base, modes, modes[0] ? " " : "", base,
            pts ? "the point given (or random ones)" : "12 random points (sizes 3)",
            (int)len, base);
  ld_functions(out, fns, n, o);
  sb_puts(out, check_helpers);
  for (int i = 0; i < n; i++) {
    const FnGraphs *f = &fns[i];
    sb_printf(out, "static const char *const adc_result%d[] = {", i); /* per row of f_jac */
    long *off = xmalloc((size_t)(f->fwd.outs.n + 1) * sizeof *off);
    result_rows(f, pts ? &pts[i] : NULL, off);
    for (int k = 0; k < f->fwd.outs.n; k++)
      for (long r = off[k]; r < off[k + 1]; r++)
        if (f->sig->results[k].ndims)
          sb_printf(out, "%s\"%s[%ld]\"", r ? ", " : "", f->sig->outs[k], r - off[k]);
        else
          sb_printf(out, "%s\"%s\"", r ? ", " : "", f->sig->outs ? f->sig->outs[k] : f->sig->name);
    sb_puts(out, off[f->fwd.outs.n] ? "};\n" : "\"-\"};\n");
    free(off);
    StrBuf ld = {0};
    sb_printf(&ld, "adc_ld_%s", f->names->fwd);
    check_function(out, f, ld.s, pts ? &pts[i] : NULL, i);
    sb_free(&ld);
  }
  sb_puts(out, "int main(void) {\n"
               "  printf(\"errors as fractions of their tolerance (1e-6 relative, plus the differences'\\n\"\n"
               "         \"rounding); over 1 fails\\n\");\n"
               "  printf(\"%-16s %6s %12s %12s %12s %12s %12s  %s\\n\", \"function\", \"points\", \"gradient\", \"vjp\","
               " \"jvp\", \"hvp\", \"hess\", \"largest gradient error\");\n");
  sb_puts(out, "  (void)adc_judge;\n  (void)adc_step;\n");
  for (int i = 0; i < n; i++)
    sb_printf(out, "  adc_check%d();\n", i);
  sb_puts(out, "  puts(adc_failed ? \"FAILED\" : \"all derivatives agree\");\n  return adc_failed;\n}\n");
}
