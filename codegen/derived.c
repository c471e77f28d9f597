/* derived.c - functions made from other emitted functions: a long
 * function's f_vjp and f from its f_grad (the policy is codegen.h's: the
 * file then holds one reverse sweep and one forward sweep, not two of each,
 * and C compilers take time in proportion to its length); f_hess from
 * f_hvp. */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* "(L > 0 ? (size_t)(L) : 0)" for array parameter p of length L. */
static void places_text(const FnGraphs *fg, StrBuf *b, int p) {
  StrBuf len = {0};
  cg_length_text(&len, fg, p);
  sb_printf(b, "(%s > 0 ? (size_t)(%s) : 0)", len.s, len.s);
  sb_free(&len);
}

/* The temporaries f_grad stores into: adc_gP for parameter P, scalars
 * starting at 0 (f_grad may fail), arrays in one malloc. */
static void gradient_temporaries(const FnGraphs *fg, const char *T, const char *lit, StrBuf *b) {
  const Signature *f = fg->sig;
  int np = f->nparams, prev = -1;
  for (int p = 0; p < np; p++)
    if (!f->params[p].is_const && !f->params[p].ndims)
      sb_printf(b, "  %s adc_g%d = 0.0%s;\n", T, p, lit);
  for (int p = 0; p < np; p++) {
    if (f->params[p].is_const || !f->params[p].ndims)
      continue;
    if (prev < 0) {
      sb_printf(b, "  %s *const adc_g%d = (%s *)malloc(sizeof(%s) * (1", T, p, T, T);
      for (int q = p; q < np; q++)
        if (!f->params[q].is_const && f->params[q].ndims) {
          sb_puts(b, " + ");
          places_text(fg, b, q);
        }
      sb_printf(b, "));\n  if (adc_g%d == NULL) {\n    errno = ENOMEM;\n    return;\n  }\n", p);
    } else {
      sb_printf(b, "  %s *const adc_g%d = adc_g%d + ", T, p, prev);
      places_text(fg, b, prev);
      sb_puts(b, ";\n");
    }
    prev = p;
  }
}

/* "n, x, c": a call's sizes and parameters, as the function got them; how
 * many were written. */
static int sizes_and_params(const FnGraphs *fg, StrBuf *b) {
  const Signature *f = fg->sig;
  int n = 0;
  for (int k = 0; k < f->nsizes; k++)
    sb_printf(b, "%s%s", n++ ? ", " : "", fg->names->sizes[k]);
  for (int p = 0; p < f->nparams; p++)
    sb_printf(b, "%s%s", n++ ? ", " : "", fg->names->params[p]);
  return n;
}

/* "(void)f_grad(sizes, parameters, gradient temporaries);" */
static void grad_call(const FnGraphs *fg, StrBuf *b) {
  const Signature *f = fg->sig;
  sb_printf(b, "  (void)%s(", fg->names->grad);
  int n = sizes_and_params(fg, b);
  for (int p = 0; p < f->nparams; p++)
    if (!f->params[p].is_const)
      sb_printf(b, "%s%sadc_g%d", n++ ? ", " : "", f->params[p].ndims ? "" : "&", p);
  sb_puts(b, ");\n");
}

/* f_vjp adds f_bar times the gradient f_grad stores into temporaries
 * (arrays in one malloc, ENOMEM as for storage; if f_grad's own malloc
 * fails, it has zeroed the arrays, and the scalars start at 0: nothing is
 * added). */
void emit_vjp_by_grad(const FnGraphs *fg, const EmitOpts *o, StrBuf *out, const BodyHead *h) {
  const Signature *f = fg->sig;
  int np = f->nparams;
  StrBuf b = {0};
  sb_puts(&b, h->comment);
  sb_puts(&b, h->head);
  sb_puts(&b, " {\n");
  gradient_temporaries(fg, cg_real_type(o->real), cg_real_lit(o->real), &b);
  grad_call(fg, &b);
  for (int p = 0; p < np; p++) {
    if (f->params[p].is_const)
      continue;
    if (f->params[p].ndims) {
      sb_puts(&b, "  for (int adc_k = 0; adc_k < ");
      cg_length_text(&b, fg, p);
      sb_printf(&b, "; adc_k++) %s[adc_k] += %s * adc_g%d[adc_k];\n", fg->names->bars[p], fg->names->seed, p);
    } else {
      sb_printf(&b, "  *%s += %s * adc_g%d;\n", fg->names->bars[p], fg->names->seed, p);
    }
  }
  for (int p = 0; p < np; p++)
    if (!f->params[p].is_const && f->params[p].ndims) {
      sb_printf(&b, "  free(adc_g%d);\n", p);
      break;
    }
  sb_puts(&b, "}\n\n");
  sb_puts(out, b.s);
  sb_drain(out, 0);
  sb_free(&b);
}

/* f runs the parts of f_grad that make its forward sweep (FwdShare). */
void emit_fwd_by_grad(const FnGraphs *fg, const EmitOpts *o, StrBuf *out, const BodyHead *h) {
  const FwdShare *sh = h->share;
  const char *T = cg_real_type(o->real);
  int heap = sh->nslots > STACK_SLOTS;
  StrBuf b = {0};
  sb_puts(&b, h->comment);
  sb_puts(&b, h->head);
  sb_puts(&b, " {\n  ");
  adc_v_text(&b, T, sh->nslots, 1);
  sb_printf(&b, "  %s_forward(", fg->names->grad);
  fwd_call_args(&b, fg);
  sb_puts(&b, ";\n");
  if (heap)
    sb_printf(&b, "  const %s adc_r = adc_v[%d];\n  free(adc_v);\n  return adc_r;\n}\n\n", T, sh->slot);
  else
    sb_printf(&b, "  return adc_v[%d];\n}\n\n", sh->slot);
  sb_puts(out, b.s);
  sb_drain(out, 0);
  sb_free(&b);
}

/* "base + (off)", or base alone at offset 0. */
static void at_offset(StrBuf *b, const char *base, const StrBuf *off) {
  sb_puts(b, base);
  if (strcmp(off->s, "0") != 0)
    sb_printf(b, " + (%s)", off->s);
}

/* A call of f_hvp (dirs 1) or of f_hess's helper (dirs directions): "(sizes,
 * parameters, the unit tangents of columns adc_i, adc_i + 1 ..., the
 * gradient, rows adc_i, adc_i + 1 ... of the Hessian)". Scalar tangents are
 * (adc_i + w == k) when no array has columns, else read from adc_e as
 * arrays' are: direction w's at adc_e + w adc_n. */
static void hvp_call(const FnGraphs *fg, const char *T, int arrays, const StrBuf *off, int dirs, StrBuf *b) {
  const Signature *f = fg->sig;
  const FnNames *nm = fg->names;
  StrBuf at = {0};
  sb_printf(b, "%s(", dirs > 1 ? nm->hessc : nm->hvp);
  int n = sizes_and_params(fg, b);
  for (int w = 0; w < dirs; w++)
    for (int p = 0; p < f->nparams; p++) {
      if (f->params[p].is_const)
        continue;
      sb_puts(b, n++ ? ", " : "");
      at.len = 0;
      sb_printf(&at, w ? "adc_e + %d * adc_n" : "adc_e", w); /* direction w's unit vector */
      if (f->params[p].ndims)
        at_offset(b, at.s, &off[p]);
      else if (arrays && w)
        sb_printf(b, "adc_e[%d * adc_n + %s]", w, off[p].s);
      else if (arrays)
        sb_printf(b, "adc_e[%s]", off[p].s);
      else if (w)
        sb_printf(b, "(%s)(adc_i + %d == %s)", T, w, off[p].s);
      else
        sb_printf(b, "(%s)(adc_i == %s)", T, off[p].s);
    }
  for (int p = 0; p < f->nparams; p++)
    if (!f->params[p].is_const) {
      sb_puts(b, n++ ? ", " : "");
      at_offset(b, nm->gradp, &off[p]);
    }
  for (int w = 0; w < dirs; w++)
    for (int p = 0; p < f->nparams; p++)
      if (!f->params[p].is_const) {
        sb_puts(b, n++ ? ", " : "");
        at.len = 0;
        sb_printf(&at, w ? "adc_row + %d * adc_n" : "adc_row", w);
        at_offset(b, at.s, &off[p]);
      }
  sb_puts(b, ")");
  sb_free(&at);
}

/* Sets (value "1.0") or clears ("0.0") the unit vectors of columns adc_i ...
 * adc_i + dirs - 1, direction w's in its part of adc_e. */
static void unit_vectors(StrBuf *b, int dirs, const char *value, const char *lit) {
  for (int w = 0; w < dirs; w++)
    if (w)
      sb_printf(b, "    adc_e[%d * adc_n + adc_i + %d] = %s%s;\n", w, w, value, lit);
    else
      sb_printf(b, "    adc_e[adc_i] = %s%s;\n", value, lit);
}

/* One loop over the columns, dirs at a time from adc_i on: the unit
 * vectors set (arrays: in adc_e), the call, the unit vectors cleared. */
static void hvp_loop(const FnGraphs *fg, const char *T, const char *lit, int arrays, const StrBuf *off, int dirs,
                     StrBuf *b) {
  if (dirs > 1)
    sb_printf(b, "  for (; adc_i + %d <= adc_n; adc_i += %d) {\n", dirs, dirs);
  else
    sb_puts(b, "  for (; adc_i < adc_n; adc_i++) {\n");
  if (arrays)
    unit_vectors(b, dirs, "1.0", lit);
  sb_printf(b, "    %s *const adc_row = %s + adc_i * adc_n;\n    adc_v = ", T, fg->names->hessp);
  hvp_call(fg, T, arrays, off, dirs, b);
  sb_puts(b, ";\n");
  if (arrays)
    unit_vectors(b, dirs, "0.0", lit);
  sb_puts(b, "  }\n");
}

/* f_hess: the columns of the Hessian cg_hess_dirs at a time by its helper
 * (f_hvp along that many unit vectors at once: the values made once for
 * them all), the rest by f_hvp, each product written as its row (one
 * zeroed buffer adc_e for the arrays' unit vectors; ENOMEM as for
 * storage); then the lower triangle is copied over the upper (the two
 * products agree to rounding: the Hessian returned is symmetric exactly; a
 * copy, not their mean, which took twice as long: 12% of Rosenbrock n =
 * 100's f_hess, against 6%). Without columns it is f. */
void emit_hess_by_hvp(const FnGraphs *fg, const EmitOpts *o, StrBuf *out, const BodyHead *h) {
  const Signature *f = fg->sig;
  const FnNames *nm = fg->names;
  const char *T = cg_real_type(o->real), *lit = cg_real_lit(o->real);
  StrBuf b = {0}, n = {0}, *off = xcalloc((size_t)f->nparams + 1, sizeof *off);
  int arrays = 0, dirs = cg_hess_dirs(fg); /* (with arrays the tangents come from a buffer) */
  for (int p = 0; p < f->nparams; p++)
    arrays |= f->params[p].ndims && !f->params[p].is_const;
  cg_column_offsets(fg, off, &n);
  sb_puts(&b, h->comment);
  sb_puts(&b, h->head);
  sb_puts(&b, " {\n");
  if (strcmp(n.s, "0") == 0) { /* nothing differentiated */
    sb_printf(&b, "  (void)%s;\n  (void)%s;\n  return %s(", nm->gradp, nm->hessp, nm->fwd);
    sizes_and_params(fg, &b);
    sb_puts(&b, ");\n}\n\n");
  } else {
    const char *I = arrays ? "size_t" : "int"; /* (no <stdlib.h> without arrays) */
    sb_printf(&b, "  const %s adc_n = %s;\n", I, n.s);
    if (arrays)
      sb_printf(&b, "  %s *const adc_e = (%s *)calloc(%d * adc_n + 1, sizeof(%s));\n"
                    "  if (adc_e == NULL) {\n    errno = ENOMEM;\n    return NAN;\n  }\n", T, T, dirs, T);
    sb_printf(&b, "  %s adc_v = 0.0%s;\n  %s adc_i = 0;\n", T, lit, I);
    if (dirs > 1)
      hvp_loop(fg, T, lit, arrays, off, dirs, &b);
    hvp_loop(fg, T, lit, arrays, off, 1, &b);
    sb_printf(&b, "  for (adc_i = 1; adc_i < adc_n; adc_i++) /* symmetric: the lower triangle over the upper */\n"
                  "    for (%s adc_j = 0; adc_j < adc_i; adc_j++)\n"
                  "      %s[adc_j * adc_n + adc_i] = %s[adc_i * adc_n + adc_j];\n",
              I, nm->hessp, nm->hessp);
    if (arrays) {
      sb_printf(&b, "  free(adc_e);\n  if (adc_n == 0) /* no columns: the value alone */\n    adc_v = %s(", nm->fwd);
      sizes_and_params(fg, &b);
      sb_puts(&b, ");\n");
    }
    sb_puts(&b, "  return adc_v;\n}\n\n");
  }
  sb_puts(out, b.s);
  sb_drain(out, 0);
  for (int p = 0; p < f->nparams; p++)
    sb_free(&off[p]);
  free(off);
  sb_free(&n);
  sb_free(&b);
}
