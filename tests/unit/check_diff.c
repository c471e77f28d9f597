/* check_diff.c - the differential test: random programs over the whole
 * language (gen_program.c), compiled by adc twice (double, and long double
 * under another prefix), built together with a generated driver by a real C
 * compiler (-Werror) and run. For each program and random point the driver
 * checks, against central differences of the long double forward function:
 * the value, every entry of f_grad's gradient or f_jac's Jacobian (array
 * results flattened), f_vjp (which must add its product into what the bars held),
 * f_jvp along a random direction (its value f_grad's, to an ulp, its
 * tangents the Jacobian times the direction), and f_hvp (one scalar
 * result): its gradient f_grad's, <s, H d> = <d, H s>, and H d the central
 * difference of f_grad along d (where the differences with h and 2h agree).
 *
 * Programs come in batches of BATCH seeds per file, each emitted with the
 * default options and, in turn by batch, with others as well (-O0, --split
 * into tiny parts, checked the same way); the C compiler alternates (gcc, clang).
 * make check runs seeds 1..500; ADC_SEEDS=A-B (make soak SEEDS=A-B) others. */
#include <stdlib.h>
#include <string.h>

#include "gen_program.h"
#include "harness.h"

enum { BATCH = 25 };

/* (f_jvp's value is f's to the bit in C, but gcc may make f_grad's another
 * way, merging sin and cos into sincos: an ulp, one seed in a thousand; so
 * the driver allows an ulp or two there, doc/semantics.md.) */

/* The driver's fixed part: the checks, given per program an adapter
 * running the long double forward function (ld) and the double
 * gradient/Jacobian plus vjp and jvp (d) on flat vectors of inputs and data. */
static const char driver_head[] =
    "#include <math.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "typedef void LdFn(const long double *in, const long double *dt, long double *out);\n"
    "typedef void DFn(const double *in, const double *dt, double *out, double *jac,\n"
    "                 const double *w, double *vjp, const double *dv, double *jo, double *jd);\n"
    "typedef void HFn(const double *in, const double *dt, const double *dv, double *hb, double *hd, double *hg,\n"
    "                 double *hh);\n"
    "typedef void LgFn(const long double *in, const long double *dt, long double *g);\n"
    "typedef struct Prog { const char *name; int nin, ndata, nout; LdFn *ld; DFn *d; HFn *h; LgFn *lg; } Prog;\n"
    "static unsigned long long rs = 88172645463325252ull;\n"
    "static double uniform(void) {\n"
    "  rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;\n"
    "  return -1 + 2 * (double)(rs >> 11) / 9007199254740992.0;\n"
    "}\n"
    "enum { MAXV = 64, MAXO = 16 };\n"
    "static int fails;\n"
    "static long checked, kinks, overflows;\n"
    "static void fail(const Prog *p, const char *what, int o, int j, double got, long double want) {\n"
    "  if (++fails <= 20)\n"
    "    printf(\"%s: %s (output %d, input %d): adc %.17g, reference %.17Lg\\n\", p->name, what, o, j,\n"
    "           got, want);\n"
    "}\n"
    "/* d out[o] / d in[j] by central differences in long double, with h and\n"
    " * 2h; 0 when a kink or jump lies within the steps (the two disagree). */\n"
    "static int central(const Prog *p, const double *in, const double *dt, int j, long double *d) {\n"
    "  long double x[MAXV], y[MAXV], up[MAXO], dn[MAXO], up2[MAXO], dn2[MAXO], h = 1e-5L;\n"
    "  for (int i = 0; i < p->nin; i++) x[i] = in[i];\n"
    "  for (int i = 0; i < p->ndata; i++) y[i] = dt[i];\n"
    "  x[j] = in[j] + h; p->ld(x, y, up);\n"
    "  x[j] = in[j] - h; p->ld(x, y, dn);\n"
    "  x[j] = in[j] + 2 * h; p->ld(x, y, up2);\n"
    "  x[j] = in[j] - 2 * h; p->ld(x, y, dn2);\n"
    "  for (int o = 0; o < p->nout; o++) {\n"
    "    d[o] = (up[o] - dn[o]) / (2 * h);\n"
    "    long double d2 = (up2[o] - dn2[o]) / (4 * h);\n"
    "    if (!isfinite(d[o]) || fabsl(d[o] - d2) > 1e-7L * (1 + fabsl(d[o])))\n"
    "      return 0;\n"
    "  }\n"
    "  return 1;\n"
    "}\n";

/* The driver's check of one program at three points (after driver_hvp). */
static const char driver_check[] =
    "static void check(const Prog *p) {\n"
    "  for (int pt = 0; pt < 3; pt++) {\n"
    "    double in[MAXV], dt[MAXV], out[MAXO], jac[MAXO * MAXV], w[MAXO], vjp[MAXV];\n"
    "    double dv[MAXV], jo[MAXO], jd[MAXO];\n"
    "    long double x[MAXV], y[MAXV], ref[MAXO];\n"
    "    for (int i = 0; i < p->nin; i++) x[i] = in[i] = uniform();\n"
    "    for (int i = 0; i < p->ndata; i++) y[i] = dt[i] = uniform();\n"
    "    for (int o = 0; o < p->nout; o++) w[o] = uniform();\n"
    "    for (int i = 0; i < p->nin; i++) vjp[i] = 0.25;\n"
    "    for (int i = 0; i < p->nin; i++) dv[i] = uniform();\n"
    "    p->d(in, dt, out, jac, w, vjp, dv, jo, jd);\n"
    "    for (int o = 0; o < p->nout; o++) {\n"
    "      long double sum = 0, mag = 0;\n"
    "      for (int j = 0; j < p->nin; j++) {\n"
    "        sum += (long double)jac[o * p->nin + j] * dv[j];\n"
    "        mag += fabsl((long double)jac[o * p->nin + j] * dv[j]);\n"
    "      }\n"
    "      if (!(fabs(jo[o] - out[o]) <= 4e-16 * fabs(out[o])) && !(jo[o] != jo[o] && out[o] != out[o]))\n"
    "        fail(p, \"jvp value\", o, -1, jo[o], out[o]);\n"
    "      if (!(fabsl(jd[o] - sum) <= 1e-9L * (1 + mag)) && !(jd[o] != jd[o] && sum != sum))\n"
    "        fail(p, \"jvp\", o, -1, jd[o], sum);\n"
    "    }\n"
    "    p->ld(x, y, ref);\n"
    "    int finite = 1;\n"
    "    for (int o = 0; o < p->nout; o++)\n"
    "      finite &= isfinite(ref[o]) && fabsl(ref[o]) < 1e8L;\n"
    "    if (!finite) { overflows++; continue; }\n"
    "    for (int o = 0; o < p->nout; o++)\n"
    "      if (!(fabsl(out[o] - ref[o]) <= 1e-9L * (1 + fabsl(ref[o]))))\n"
    "        fail(p, \"value\", o, -1, out[o], ref[o]);\n"
    "    if (p->h) check_hvp(p, in, dt, dv, jac);\n"
    "    for (int j = 0; j < p->nin; j++) {\n"
    "      long double d[MAXO], sum = 0, mag = 0;\n"
    "      for (int o = 0; o < p->nout; o++) {\n"
    "        sum += (long double)w[o] * jac[o * p->nin + j];\n"
    "        mag += fabsl((long double)w[o] * jac[o * p->nin + j]);\n"
    "      }\n"
    "      if (!(fabsl(vjp[j] - 0.25L - sum) <= 1e-9L * (1 + mag)))\n"
    "        fail(p, \"vjp\", -1, j, vjp[j] - 0.25, sum);\n"
    "      if (!central(p, in, dt, j, d)) { kinks++; continue; }\n"
    "      for (int o = 0; o < p->nout; o++, checked++)\n"
    "        if (!(fabsl(jac[o * p->nin + j] - d[o]) <= 1e-6L * (1 + fabsl(d[o]))))\n"
    "          fail(p, \"derivative\", o, j, jac[o * p->nin + j], d[o]);\n"
    "    }\n"
    "  }\n"
    "}\n";

/* The driver's check of f_hvp (before check(), which calls it). */
static const char driver_hvp[] =
    "/* f_hvp: symmetry, its gradient, and H d against differences of the gradient;\n"
    " * f_hess: its gradient, symmetric exactly, times d f_hvp's H d */\n"
    "static void check_hvp(const Prog *p, const double *in, const double *dt, const double *dv, const double *g) {\n"
    "  double ds[MAXV], hb[MAXV], hd[MAXV], hs[MAXV], hg[MAXV], hh[MAXV * MAXV];\n"
    "  long double st = 0, ts = 0, mag = 0;\n"
    "  for (int i = 0; i < p->nin; i++) ds[i] = uniform();\n"
    "  p->h(in, dt, dv, hb, hd, hg, hh);\n"
    "  p->h(in, dt, ds, hb, hs, NULL, NULL);\n"
    "  for (int i = 0; i < p->nin; i++) {\n"
    "    long double hv = 0, hm = 0;\n"
    "    if (!(fabs(hg[i] - g[i]) <= 1e-9 * (1 + fabs(g[i])))) fail(p, \"hess gradient\", 0, i, hg[i], g[i]);\n"
    "    for (int j = 0; j < p->nin; j++) {\n"
    "      if (hh[i * p->nin + j] != hh[j * p->nin + i] && hh[i * p->nin + j] == hh[i * p->nin + j])\n"
    "        fail(p, \"hess symmetry\", i, j, hh[i * p->nin + j], hh[j * p->nin + i]);\n"
    "      hv += (long double)hh[i * p->nin + j] * dv[j]; hm += fabsl((long double)hh[i * p->nin + j] * dv[j]);\n"
    "    }\n"
    "    if (!(fabsl(hv - hd[i]) <= 1e-9L * (1 + hm)) && !(hd[i] != hd[i])) fail(p, \"hess times d\", 0, i, (double)hv, hd[i]);\n"
    "  }\n"
    "  for (int i = 0; i < p->nin; i++) {\n"
    "    if (!(fabs(hb[i] - g[i]) <= 1e-9 * (1 + fabs(g[i])))) fail(p, \"hvp gradient\", 0, i, hb[i], g[i]);\n"
    "    st += (long double)ds[i] * hd[i]; ts += (long double)dv[i] * hs[i];\n"
    "    mag += fabsl((long double)ds[i] * hd[i]) + fabsl((long double)dv[i] * hs[i]);\n"
    "  }\n"
    "  if (!(fabsl(st - ts) <= 1e-8L * (1 + mag))) fail(p, \"hvp symmetry\", 0, -1, (double)st, ts);\n"
    "  /* H d against differences along d of the gradient in long double: Richardson's\n"
    "   * (4 D(h) - D(2h)) / 3 at h and at 2h; where the two disagree, a kink or\n"
    "   * ill-conditioning is near: skipped */\n"
    "  long double xq[MAXV], yq[MAXV], gl[4][MAXV], R[2][MAXV];\n"
    "  for (int i = 0; i < p->ndata; i++) yq[i] = dt[i];\n"
    "  for (int r = 0; r < 2; r++) {\n"
    "    const long double h = r ? 2e-4L : 1e-4L, step[4] = {1, -1, 2, -2};\n"
    "    for (int k = 0; k < 4; k++) {\n"
    "      for (int i = 0; i < p->nin; i++) xq[i] = in[i] + step[k] * h * dv[i];\n"
    "      p->lg(xq, yq, gl[k]);\n"
    "    }\n"
    "    for (int i = 0; i < p->nin; i++)\n"
    "      R[r][i] = (4 * (gl[0][i] - gl[1][i]) / (2 * h) - (gl[2][i] - gl[3][i]) / (4 * h)) / 3;\n"
    "  }\n"
    "  for (int i = 0; i < p->nin; i++) {\n"
    "    if (!isfinite(R[0][i]) || fabsl(R[0][i] - R[1][i]) > 1e-10L * (1 + fabsl(R[0][i]))) { kinks++; continue; }\n"
    "    checked++;\n"
    "    if (!(fabsl(hd[i] - R[0][i]) <= 1e-9L * (1 + fabsl(R[0][i])))) fail(p, \"hvp\", 0, i, hd[i], (double)R[0][i]);\n"
    "  }\n"
    "}\n";

/* One argument list: sizes, then each parameter from the flat inputs or
 * data (integer data: the program's own values, as literals); bars (when
 * given) point into the flat gradient. */
static void args(StrBuf *b, const GenProg *p, const char *in, const char *dt) {
  for (int k = 0; k < p->nsizes; k++)
    sb_printf(b, "%s%d", k ? ", " : "", p->size[k]);
  int oi = 0, od = 0;
  for (int k = 0; k < p->nparams; k++) {
    const GenParam *q = &p->param[k];
    if (k || p->nsizes)
      sb_puts(b, ", ");
    if (q->is_int) {
      sb_puts(b, q->ndims ? "(const int[]){" : "");
      for (int e = 0; e < q->len; e++)
        sb_printf(b, "%s%d", e ? ", " : "", q->ival[e]);
      sb_puts(b, q->ndims ? "}" : "");
      continue;
    }
    const char *v = q->is_const ? dt : in;
    int *off = q->is_const ? &od : &oi;
    sb_printf(b, q->ndims ? "%s + %d" : "%s[%d]", v, *off);
    *off += q->len;
  }
}

static void bars(StrBuf *b, const GenProg *p, const char *to) {
  int oi = 0;
  for (int k = 0; k < p->nparams; k++)
    if (!p->param[k].is_const) {
      sb_printf(b, ", %s + %d", to, oi);
      oi += p->param[k].len;
    }
}

/* f_jvp's tangents from the flat direction dv, placed as the gradients
 * are (scalars by value). */
static void dots(StrBuf *b, const GenProg *p) {
  int oi = 0;
  for (int k = 0; k < p->nparams; k++)
    if (!p->param[k].is_const) {
      sb_printf(b, p->param[k].ndims ? ", dv + %d" : ", dv[%d]", oi);
      oi += p->param[k].len;
    }
}

/* One scalar result: f returns it and f_grad is emitted; otherwise f
 * writes its results through pointers and f_jac is emitted. */
static int one_scalar(const GenProg *p) { return p->nouts == 1 && !p->oarr[0]; }

/* Each result's place in the flat outputs, written with fmt (its %d). */
static void results(StrBuf *b, const GenProg *p, const char *fmt) {
  for (int o = 0, off = 0; o < p->nouts; off += p->olen[o++])
    sb_printf(b, fmt, off);
}

static int flat_outputs(const GenProg *p) {
  int n = 0;
  for (int o = 0; o < p->nouts; o++)
    n += p->olen[o];
  return n;
}

/* The long double adapter of program p. */
static void reference(StrBuf *b, const GenProg *p) {
  const char *s = p->name;
  sb_printf(b, "static void %s_l(const long double *in, const long double *dt, long double *out) {\n"
               "  (void)in; (void)dt;\n  ", s);
  sb_printf(b, one_scalar(p) ? "out[0] = ld_%s(" : "ld_%s(", s);
  args(b, p, "in", "dt");
  if (!one_scalar(p))
    results(b, p, ", out + %d");
  sb_puts(b, ");\n}\n");
  int nin = 0;
  for (int k = 0; k < p->nparams; k++)
    nin += !p->param[k].is_int && !p->param[k].is_const;
  if (one_scalar(p) && nin) { /* the gradient in long double, for f_hvp's differences */
    sb_printf(b, "static void %s_lg(const long double *in, const long double *dt, long double *g) {\n"
                 "  (void)in; (void)dt; (void)g;\n  (void)ld_%s_grad(", s, s);
    args(b, p, "in", "dt");
    bars(b, p, "g");
    sb_puts(b, ");\n}\n");
  }
}

/* The double adapter of program p as emitted with prefix pre, and its
 * entry in the table. */
static void adapter(StrBuf *b, StrBuf *table, const GenProg *p, const char *pre) {
  int nin = 0, ndata = 0;
  for (int k = 0; k < p->nparams; k++)
    if (!p->param[k].is_int)
      *(p->param[k].is_const ? &ndata : &nin) += p->param[k].len;
  char s[40];
  snprintf(s, sizeof s, "%s%s", pre, p->name);
  sb_printf(b, "static void %s_d(const double *in, const double *dt, double *out, double *jac,\n"
               "    const double *w, double *vjp, const double *dv, double *jo, double *jd) {\n"
               "  (void)in; (void)dt; (void)dv;\n  ", s);
  if (one_scalar(p)) {
    sb_printf(b, "out[0] = %s_grad(", s);
    args(b, p, "in", "dt");
    bars(b, p, "jac");
  } else {
    sb_printf(b, "%s_jac(", s);
    args(b, p, "in", "dt");
    results(b, p, ", out + %d");
    sb_puts(b, ", jac");
  }
  sb_printf(b, ");\n  %s_vjp(", s);
  args(b, p, "in", "dt");
  for (int o = 0, off = 0; o < p->nouts; off += p->olen[o++]) /* cotangents: w[k] for a scalar, w + k for an array */
    sb_printf(b, p->oarr[o] ? ", w + %d" : ", w[%d]", off);
  bars(b, p, "vjp");
  sb_printf(b, ");\n  %s%s_jvp(", one_scalar(p) ? "jo[0] = " : "", s);
  args(b, p, "in", "dt");
  dots(b, p);
  if (!one_scalar(p))
    results(b, p, ", jo + %d");
  results(b, p, ", jd + %d");
  sb_puts(b, ");\n}\n");
  if (one_scalar(p) && nin) { /* f_hvp: the gradient into hb, H dv into hd */
    sb_printf(b, "static void %s_h(const double *in, const double *dt, const double *dv, double *hb, double *hd,\n"
                 "    double *hg, double *hh) {\n"
                 "  (void)in; (void)dt;\n  %s_hvp(", s, s);
    args(b, p, "in", "dt");
    dots(b, p);
    bars(b, p, "hb");
    bars(b, p, "hd");
    sb_printf(b, ");\n  if (hg) (void)%s_hess(", s);
    args(b, p, "in", "dt");
    sb_puts(b, ", hg, hh);\n}\n");
  }
  sb_printf(table, "  {\"%s\", %d, %d, %d, %s_l, %s_d, %s%s, %s%s},\n", s, nin, ndata, flat_outputs(p), p->name, s,
            one_scalar(p) && nin ? s : "0", one_scalar(p) && nin ? "_h" : "", one_scalar(p) && nin ? p->name : "0",
            one_scalar(p) && nin ? "_lg" : "");
}

/* adc's options and the C compiler, by batch: every combination in turn.
 * Every batch is also emitted with the default options. */
static const char *const variants[][2] = {
    {"", "gcc"}, {"", "clang"}, {"-O0", "gcc"}, {"--split=7", "clang"}, {"-O0 --split=3", "gcc"},
    {"--bounds-check", "clang"}};

static int seeds_lo = 1, seeds_hi = 500; /* inclusive */

START_TEST(differential_batch) {
  unsigned first = (unsigned)(seeds_lo + _i * BATCH);
  unsigned last = first + BATCH - 1 > (unsigned)seeds_hi ? (unsigned)seeds_hi : first + BATCH - 1;
  const char *const *v = variants[_i % (int)(sizeof variants / sizeof variants[0])];
  StrBuf src = {0}, drv = {0}, table = {0};
  int variant = v[0][0] != '\0';
  sb_printf(&drv, "#include \"diff_grad.h\"\n#include \"diff_ld.h\"\n%s",
            variant ? "#include \"diff_v.h\"\n" : "");
  sb_puts(&drv, driver_head);
  sb_puts(&drv, driver_hvp);
  sb_puts(&drv, driver_check);
  for (unsigned seed = first; seed <= last; seed++) {
    GenProg p;
    gen_program(&p, seed);
    sb_puts(&src, p.src.s);
    reference(&drv, &p);
    adapter(&drv, &table, &p, "");
    if (variant)
      adapter(&drv, &table, &p, "v_");
    gen_program_free(&p);
  }
  sb_printf(&drv, "static const Prog progs[] = {\n%s};\n", table.s);
  sb_puts(&drv, "int main(void) {\n"
                "  for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) check(&progs[i]);\n"
                "  printf(\"%ld derivatives checked, %ld skipped near kinks, %ld points overflowed\\n\",\n"
                "         checked, kinks, overflows);\n"
                "  if (checked < 20 * kinks) { puts(\"too few derivatives checked\"); return 1; }\n"
                "  return fails != 0;\n}\n");
  char dir[600];
  snprintf(dir, sizeof dir, "%s/diff_%u", ht_tmpdir(), first);
  ht_sh("rm -rf '%s' && mkdir -p '%s'", dir, dir);
  char path[700];
  snprintf(path, sizeof path, "%s/diff.ad", dir);
  ht_write(path, src.s, src.len);
  snprintf(path, sizeof path, "%s/drv.c", dir);
  ht_write(path, drv.s, drv.len);
  int st;
  StrBuf vcmd = {0}; /* the variant, under the prefix v_ */
  if (variant)
    sb_printf(&vcmd, " && '%s' %s --modes=all --prefix=v_ --header -o diff_v.c diff.ad", ht_adc(), v[0]);
  char *out = ht_capture(&st,
                         "cd '%s' && { '%s' --modes=all --header -o diff_grad.c diff.ad && '%s' --real=long-double "
                         "--prefix=ld_ --header -o diff_ld.c diff.ad%s; } 2>adc.err && "
                         "%s -std=c99 -O1 -Wall -Wextra -Wpedantic -Werror -o drv drv.c diff_grad.c "
                         "diff_ld.c%s -lm 2>&1 && ./drv 2>&1 && echo PASSED || grep -v warning adc.err | grep -v '^ '",
                         dir, ht_adc(), ht_adc(), variant ? vcmd.s : "", v[1], variant ? " diff_v.c" : "");
  sb_free(&vcmd);
  ck_assert_msg(strstr(out, "PASSED") != NULL,
                "seeds %u-%u (adc %s, %s) failed in %s:\n%s\nrerun one seed with make soak SEEDS=N-N",
                first, last, v[0], v[1], dir, out);
  free(out);
  sb_free(&src);
  sb_free(&drv);
  sb_free(&table);
}
END_TEST

Suite *suite_diff(void) {
  const char *env = getenv("ADC_SEEDS");
  if (env && sscanf(env, "%d-%d", &seeds_lo, &seeds_hi) < 1)
    seeds_lo = 1;
  if (env && !strchr(env, '-'))
    seeds_hi = seeds_lo;
  if (seeds_hi < seeds_lo)
    seeds_hi = seeds_lo;
  Suite *s = suite_create("diff");
  TCase *tc = tcase_create("programs");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, differential_batch, 0, (seeds_hi - seeds_lo) / BATCH + 1);
  suite_add_tcase(s, tc);
  return s;
}
