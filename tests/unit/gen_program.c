/* gen_program.c - random well-formed .ad programs over the whole language
 * (see gen_program.h). Values stay moderate: leaves are inputs in [-1, 1]
 * and small constants, exponentials see bounded arguments, ranges are at
 * most four long; the differential test skips the rare point where a value
 * still overflows or a kink lies within its finite-difference steps. */
#include <stdio.h>
#include <string.h>

#include "gen_program.h"

/* Dimensions and ranges: the size n, the size m, or the literals 2 and 3. */
enum { D_N, D_M, D_2, D_3, ND };
static const char *const dim_text[ND] = {"n", "m", "2", "3"};
static const char *const dim_last[ND] = {"n-1", "m-1", "1", "2"};

typedef struct Idx {
  char name[4];
  int dim; /* what it ranges over */
  int lo;  /* 0 or 1: with 1, name-1 is in range as well */
} Idx;

typedef struct Ctx {
  GenProg *p;
  int value[ND];               /* each dimension's value */
  int target[GEN_MAX_PARAMS];  /* integer data arrays: the dimension their values index */
  int kparam;                  /* a scalar of integer data (a range's bound), or -1 */
  int gathering;               /* writing a gather's own index */
  char loc[2][4];              /* local arrays in scope (1-D), read like parameters */
  int locdim[2];
  int nloc;
  StrBuf *b;
  unsigned long long rs;
  int pdim[GEN_MAX_PARAMS][2]; /* each array parameter's dimensions */
  int avail[ND];               /* dimensions a range may use */
  char scal[24][8];            /* names in scope with a real value */
  int nscal;
  Idx idx[4];                  /* bound indices, innermost last */
  int nidx;
  int nhelpers;                /* helpers that may be called */
  int in_helper;               /* helpers are scalar: no arrays, no ranges */
  int local;                   /* the body makes a local array */
  int ahelper;                 /* and passes it to a helper: 1 reducing it, 2 returning an array */
  int ldim;                    /* the local array's dimension */
  int aresult;                 /* 1 + the result that is an array (L0's shape), or 0 */
} Ctx;

static unsigned rnd(Ctx *c, unsigned n) {
  c->rs = c->rs * 6364136223846793005ull + 1442695040888963407ull;
  return (unsigned)(c->rs >> 33) % n;
}

static void gen(Ctx *c, int d);

static void index_text(Ctx *c, int dim);

/* An element of integer data whose values index dimension dim (a gather),
 * when there is one (1), once in four. */
static int gather(Ctx *c, int dim) {
  int cand[GEN_MAX_PARAMS], n = 0;
  for (int k = 0; k < c->p->nparams && !c->gathering && !c->in_helper; k++)
    if (c->p->param[k].is_int && c->p->param[k].ndims && c->target[k] == dim)
      cand[n++] = k;
  if (!n || rnd(c, 4))
    return 0;
  int k = cand[rnd(c, (unsigned)n)];
  sb_printf(c->b, "%s[", c->p->param[k].name);
  c->gathering = 1;
  index_text(c, c->pdim[k][0]);
  c->gathering = 0;
  sb_putc(c->b, ']');
  return 1;
}

/* An index into dimension dim: a bound index over it (or one below it when
 * that index starts at 1), an element of integer data, else the first or
 * last element. */
static void index_text(Ctx *c, int dim) {
  if (gather(c, dim))
    return;
  int cand[4], n = 0;
  for (int k = 0; k < c->nidx; k++)
    if (c->idx[k].dim == dim)
      cand[n++] = k;
  if (n && rnd(c, 10) < 8) {
    /* half the time the innermost: inner reductions then often do not read
     * the outer indices (recomputed as a whole in fused reverse loops) */
    const Idx *x = &c->idx[cand[rnd(c, 2) ? n - 1 : (int)rnd(c, (unsigned)n)]];
    sb_printf(c->b, x->lo && rnd(c, 2) ? "%s-1" : "%s", x->name);
    return;
  }
  sb_puts(c->b, rnd(c, 2) ? "0" : dim_last[dim]);
}

static void leaf(Ctx *c) {
  int arrays[GEN_MAX_PARAMS], na = 0;
  for (int k = 0; k < c->p->nparams && !c->in_helper; k++)
    if (c->p->param[k].ndims)
      arrays[na++] = k;
  unsigned r = rnd(c, 12);
  if (c->kparam >= 0 && !c->in_helper && r == 11 && rnd(c, 2)) {
    sb_puts(c->b, c->p->param[c->kparam].name); /* integer data as a real */
  } else if (c->nloc && !c->in_helper && r < 5 && rnd(c, 2)) { /* an element of a local array */
    int k = (int)rnd(c, (unsigned)c->nloc);
    sb_printf(c->b, "%s[", c->loc[k]);
    index_text(c, c->locdim[k]);
    sb_putc(c->b, ']');
  } else if (na && r < 5) {
    int k = arrays[rnd(c, (unsigned)na)];
    sb_printf(c->b, "%s[", c->p->param[k].name);
    for (int i = 0; i < c->p->param[k].ndims; i++) {
      if (i)
        sb_puts(c->b, ", ");
      index_text(c, c->pdim[k][i]);
    }
    sb_putc(c->b, ']');
  } else if (c->nscal && r < 9) {
    sb_puts(c->b, c->scal[rnd(c, (unsigned)c->nscal)]);
  } else if (c->nidx && r == 9) {
    sb_puts(c->b, c->idx[rnd(c, (unsigned)c->nidx)].name); /* an index as a real */
  } else {
    static const char *const k[] = {"0.5", "2", "1.25", "3", "pi", "0.1", "1e-1"};
    sb_puts(c->b, k[rnd(c, sizeof k / sizeof k[0])]);
  }
}

static void wrap(Ctx *c, const char *before, int d, const char *after) {
  sb_puts(c->b, before);
  gen(c, d);
  sb_puts(c->b, after);
}

/* A range's end: dimension dim's, or the integer data scalar's (D_K). */
enum { D_K = ND };
static const char *range_end(const Ctx *c, int dim) {
  return dim == D_K ? c->p->param[c->kparam].name : dim_text[dim];
}

/* The dimensions a range may run over: those in use, and integer data's
 * scalar (its index then indexes nothing). */
static int range_dims(Ctx *c, int *dims) {
  int nd = 0;
  for (int k = 0; k < ND; k++)
    if (c->avail[k])
      dims[nd++] = k;
  if (c->kparam >= 0 && rnd(c, 3) == 0)
    dims[nd++] = D_K;
  return nd;
}

static void reduction(Ctx *c, int d) {
  static const char *const ops[] = {"sum", "prod", "min", "max", "logsumexp"};
  static const char *const names[] = {"i", "j", "k", "l"};
  int dims[ND + 1], nd = range_dims(c, dims);
  unsigned op = rnd(c, 5);
  Idx *x = &c->idx[c->nidx];
  snprintf(x->name, sizeof x->name, "%s", names[c->nidx]);
  x->dim = dims[rnd(c, (unsigned)nd)];
  x->lo = op <= 1 && rnd(c, 3) == 0; /* an empty sum or product is fine, an empty min is not */
  sb_printf(c->b, "%s(%s in %d..%s, ", ops[op], x->name, x->lo, range_end(c, x->dim));
  c->nidx++;
  if (op == 1 && rnd(c, 2))
    wrap(c, "1 + 0.5 * tanh(", d, ")");
  else
    gen(c, d);
  c->nidx--;
  sb_putc(c->b, ')');
}

static void gen(Ctx *c, int d) {
  if (d <= 0 || rnd(c, 6) == 0) {
    leaf(c);
    return;
  }
  switch (rnd(c, 15)) {
  case 0: case 1: {
    static const char *const ops[] = {" + ", " - ", " * "};
    wrap(c, "(", d - 1, ops[rnd(c, 3)]);
    wrap(c, "", d - 1, ")");
    break;
  }
  case 2:
    wrap(c, "(", d - 1, ") / (1.5 + (");
    wrap(c, "", d - 1, ")^2)");
    break;
  case 3: {
    static const char *const f[] = {"sin", "cos", "atan", "tanh", "erf", "erfc", "asinh",
                                    "abs", "floor", "ceil", "round", "sign"};
    sb_printf(c->b, "%s(", f[rnd(c, sizeof f / sizeof f[0])]);
    wrap(c, "", d - 1, ")");
    break;
  }
  case 4: {
    static const char *const f[] = {"exp(tanh(", "log(2 + sin(", "sqrt(1 + sin(", "log1p(1 + cos(",
                                    "asin(0.5 * tanh(", "acos(0.5 * sin(", "atanh(0.5 * sin(",
                                    "acosh(2 + sin(", "log2(3 + cos(", "log10(2 + tanh(",
                                    "exp2(sin(", "expm1(tanh(", "tan(0.5 * tanh(", "sinh(tanh(",
                                    "cosh(tanh(", "cbrt(1.5 + sin("};
    wrap(c, f[rnd(c, sizeof f / sizeof f[0])], d - 1, "))");
    break;
  }
  case 5: {
    static const char *const f[] = {"atan2(", "hypot(", "min(", "max("};
    wrap(c, f[rnd(c, 4)], d - 1, ", ");
    wrap(c, "", d - 1, ")");
    break;
  }
  case 6: {
    static const char *const k[] = {"2", "3", "-1", "-2", "0", "4", "2.0", "0.5"};
    unsigned e = rnd(c, 9);
    wrap(c, "(1.5 + sin(", d - 1, "))^");
    if (e == 8)
      wrap(c, "sin(", d - 1, ")");
    else
      sb_puts(c->b, k[e]);
    break;
  }
  case 7:
    wrap(c, "pow(2 + cos(", d - 1, "), 2 * tanh(");
    wrap(c, "", d - 1, "))");
    break;
  case 8: case 9: {
    static const char *const cmp[] = {" < ", " <= ", " > ", " >= ", " == ", " != "};
    unsigned shape = rnd(c, 4);
    sb_puts(c->b, shape == 3 ? "(!(" : "(");
    gen(c, d - 1);
    sb_puts(c->b, cmp[rnd(c, 6)]);
    gen(c, d - 1);
    if (shape == 3)
      sb_putc(c->b, ')');
    if (shape == 1 || shape == 2)
      wrap(c, shape == 1 ? " && " : " || ", 0, " > 0.5");
    wrap(c, " ? ", d - 1, " : ");
    wrap(c, "", d - 1, ")");
    break;
  }
  case 10:
    if (c->nhelpers) {
      sb_printf(c->b, "%s_h%u(", c->p->name, rnd(c, (unsigned)c->nhelpers));
      wrap(c, "", d - 1, ", ");
      wrap(c, "", d - 1, ")");
      break;
    }
    /* fall through */
  case 11: case 12:
    if (!c->in_helper && c->nidx < 3) {
      reduction(c, d - 1);
      break;
    }
    /* fall through */
  default:
    wrap(c, rnd(c, 2) ? "-(" : "+(", d - 1, ")");
    break;
  }
}

static void add_scalar(Ctx *c, const char *name) {
  if (c->nscal < 24)
    snprintf(c->scal[c->nscal++], sizeof c->scal[0], "%s", name);
}

static void helper(Ctx *c, int h) {
  int nscal = c->nscal;
  c->in_helper = 1;
  c->nscal = 0;
  c->nhelpers = h;
  add_scalar(c, "u");
  add_scalar(c, "v");
  sb_printf(c->b, "%sfn %s_h%d(u, v) {\n  let w = ", rnd(c, 2) ? "private " : "", c->p->name, h);
  gen(c, 2);
  add_scalar(c, "w");
  sb_puts(c->b, ";\n  return ");
  gen(c, 2);
  sb_puts(c->b, ";\n}\n");
  c->nscal = nscal;
  c->in_helper = 0;
}

static void params(Ctx *c) {
  GenProg *p = c->p;
  int *value = c->value;
  value[D_N] = 1 + (int)rnd(c, 4);
  value[D_M] = 1 + (int)rnd(c, 3);
  value[D_2] = 2;
  value[D_3] = 3;
  int seen[2] = {0, 0}, nvar = 0;
  p->nparams = 1 + (int)rnd(c, 5);
  c->kparam = -1;
  for (int k = 0; k < p->nparams; k++) {
    GenParam *q = &p->param[k];
    unsigned r = rnd(c, 10);
    q->ndims = r < 5 ? 0 : r < 8 ? 1 : 2;
    q->is_const = rnd(c, 4) == 0;
    q->is_int = q->is_const && q->ndims < 2 && rnd(c, 2) && (q->ndims || c->kparam < 0);
    if (q->is_int && !q->ndims)
      c->kparam = k;
    q->name[0] = q->is_int ? (q->ndims ? 'g' : 'k') : q->ndims == 0 ? 'a' : q->ndims == 1 ? 'x' : 'M';
    q->name[1] = (char)('0' + k);
    q->name[2] = '\0';
    q->len = 1;
    for (int i = 0; i < q->ndims; i++) {
      int dim = (int)rnd(c, ND);
      c->pdim[k][i] = dim;
      q->len *= value[dim];
      if (dim < 2 && !seen[dim]) {
        seen[dim] = 1;
        p->size[p->nsizes++] = value[dim]; /* sizes come in order of first appearance */
      }
      c->avail[dim] = 1;
    }
    nvar += !q->is_const;
  }
  if (!nvar) {
    GenParam *q = &p->param[rnd(c, (unsigned)p->nparams)];
    if (q->is_int && !q->ndims)
      c->kparam = -1;
    q->is_const = q->is_int = 0;
    q->name[0] = q->ndims == 0 ? 'a' : q->ndims == 1 ? 'x' : 'M';
  }
  c->avail[D_2] = c->avail[D_3] = 1;
  /* integer data: a scalar in 1..3 (a range's end), arrays of indices into
   * a dimension in use */
  for (int k = 0; k < p->nparams; k++) {
    GenParam *q = &p->param[k];
    if (!q->is_int)
      continue;
    int dims[ND], nd = 0;
    for (int i = 0; i < ND; i++)
      if (c->avail[i])
        dims[nd++] = i;
    c->target[k] = dims[rnd(c, (unsigned)nd)];
    for (int e = 0; e < q->len && e < 4; e++)
      q->ival[e] = q->ndims ? (int)rnd(c, (unsigned)value[c->target[k]]) : 1 + (int)rnd(c, 3);
  }
}

static void signature(Ctx *c) {
  GenProg *p = c->p;
  sb_printf(c->b, "fn %s(", p->name);
  for (int k = 0; k < p->nparams; k++) {
    const GenParam *q = &p->param[k];
    sb_printf(c->b, "%s%s%s", k ? ", " : "", q->is_int ? "const int " : q->is_const ? "const " : "", q->name);
    for (int i = 0; i < q->ndims; i++)
      sb_printf(c->b, "%s%s", i ? ", " : "[", dim_text[c->pdim[k][i]]);
    if (q->ndims)
      sb_putc(c->b, ']');
    if (!q->ndims && !q->is_int)
      add_scalar(c, q->name);
  }
  sb_putc(c->b, ')');
  if (p->nouts > 1 || c->aresult) {
    sb_puts(c->b, p->nouts > 1 ? " -> (" : " -> ");
    for (int o = 0; o < p->nouts; o++)
      if (o == c->aresult - 1)
        sb_printf(c->b, "%sy%d[%s]", o ? ", " : "", o, dim_text[c->ldim]);
      else
        sb_printf(c->b, "%sr%d", o ? ", " : "", o);
    sb_puts(c->b, p->nouts > 1 ? ")" : "");
  }
  sb_puts(c->b, " {\n");
}

/* "for i in 0..D {" with i bound; the caller closes it. */
static void open_for(Ctx *c, const char *indent) {
  static const char *const names[] = {"i", "j", "k", "l"};
  const char *name = names[c->nidx];
  int dims[ND + 1], nd = range_dims(c, dims);
  Idx *x = &c->idx[c->nidx++];
  snprintf(x->name, sizeof x->name, "%s", name);
  x->dim = dims[rnd(c, (unsigned)nd)];
  x->lo = 0;
  sb_printf(c->b, "%sfor %s in 0..%s {\n", indent, name, range_end(c, x->dim));
}

static void statement(Ctx *c, const char *indent, const char *lhs, int d) {
  sb_printf(c->b, "%s%s = ", indent, lhs);
  gen(c, d);
  sb_puts(c->b, ";\n");
}

/* Once in four, a comparison of integers: an index, integer data, or an
 * element of it, "% 2 == 0", "== 1" or "< 2". 1 when written. */
static int integer_condition(Ctx *c) {
  int ints[GEN_MAX_PARAMS], n = 0;
  for (int k = 0; k < c->p->nparams; k++)
    if (c->p->param[k].is_int)
      ints[n++] = k;
  if ((!n && !c->nidx) || rnd(c, 4))
    return 0;
  if (n && (!c->nidx || rnd(c, 2))) {
    const GenParam *q = &c->p->param[ints[rnd(c, (unsigned)n)]];
    sb_puts(c->b, q->name);
    if (q->ndims)
      sb_printf(c->b, "[%d]", (int)rnd(c, (unsigned)q->len));
  } else {
    sb_puts(c->b, c->idx[rnd(c, (unsigned)c->nidx)].name);
  }
  static const char *const tail[] = {" % 2 == 0", " == 1", " < 2"};
  sb_puts(c->b, tail[rnd(c, 3)]);
  return 1;
}

/* "if A < B {" ... "} else if ... {" ... "} else {" ... "}": var changed in
 * some blocks (compound assignments, a let of the block's own), kept
 * moderate. */
static void if_statement(Ctx *c, const char *indent, const char *var) {
  static const char *const cmp[] = {" < ", " <= ", " > ", " >= ", " == ", " != "};
  unsigned shape = rnd(c, 3); /* no else, else, else if + else */
  for (unsigned part = 0; part <= shape; part++) {
    if (part < 2) {
      sb_printf(c->b, part ? "%s} else if " : "%sif ", part ? indent : indent);
      if (!integer_condition(c)) {
        gen(c, 1);
        sb_puts(c->b, cmp[rnd(c, 6)]);
        gen(c, 1);
      }
      sb_puts(c->b, " {\n");
    } else {
      sb_printf(c->b, "%s} else {\n", indent);
    }
    if (rnd(c, 2)) {
      sb_printf(c->b, "%s  let u = ", indent);
      gen(c, 2);
      sb_puts(c->b, ";\n");
      add_scalar(c, "u");
      sb_printf(c->b, "%s  %s += 0.5 * tanh(u);\n", indent, var);
      c->nscal--;
    } else {
      static const char *const ops[] = {"-=", "*=", "="};
      unsigned op = rnd(c, 3);
      sb_printf(c->b, "%s  %s %s %s", indent, var, ops[op], op == 1 ? "0.75 + 0.25 * sin(" : op == 2 ? "0.5 * " : "0.5 * cos(");
      gen(c, 2);
      sb_puts(c->b, op == 2 ? " + 0.25;\n" : ");\n");
    }
  }
  sb_printf(c->b, "%s}\n", indent);
}

/* A for loop over dimension dim with index name (bound until the caller closes it). */
static void for_over(Ctx *c, const char *indent, int dim) {
  static const char *const names[] = {"i", "j", "k", "l"};
  Idx *x = &c->idx[c->nidx++];
  snprintf(x->name, sizeof x->name, "%s", names[c->nidx - 1]);
  x->dim = dim;
  x->lo = 0;
  sb_printf(c->b, "%sfor %s in 0..%s {\n", indent, x->name, dim_text[dim]);
}

/* A local array L0 over a dimension in use: filled, copied from a
 * parameter of its shape, a list, or a comprehension; then perhaps its
 * elements updated in a loop, a double buffer over a few steps (`L0 = N`,
 * a swap), an element set in an if. It is read like a parameter after. */
static void local_array(Ctx *c) {
  int dim = c->ldim, src = -1;
  for (int k = 0; k < c->p->nparams; k++)
    if (c->p->param[k].ndims == 1 && !c->p->param[k].is_int && c->pdim[k][0] == dim)
      src = k;
  sb_printf(c->b, "  let L0[%s] = ", dim_text[dim]);
  unsigned how = rnd(c, 4);
  if (how == 0 && src >= 0) {
    sb_puts(c->b, c->p->param[src].name);
  } else if (how == 1 && dim >= D_2) {
    int n = dim == D_2 ? 2 : 3;
    for (int e = 0; e < n; e++)
      wrap(c, e ? ", " : "[", 1, "");
    sb_putc(c->b, ']');
  } else if (how == 2) {
    for_over(c, "", dim); /* only to bind the index: the text is rewritten */
    c->b->len -= strlen("for i in 0.. {\n") + strlen(dim_text[dim]);
    sb_printf(c->b, "[%s in 0..%s: ", c->idx[c->nidx - 1].name, dim_text[dim]);
    gen(c, 2);
    sb_puts(c->b, "]");
    c->nidx--;
  } else {
    gen(c, 1);
  }
  sb_puts(c->b, ";\n");
  snprintf(c->loc[0], sizeof c->loc[0], "L0");
  c->locdim[0] = dim;
  if (rnd(c, 2)) { /* its elements updated, reading it (perhaps in an outer loop, t0 carried too) */
    int outer = rnd(c, 2);
    if (outer)
      sb_puts(c->b, "  for s in 0..2 {\n");
    for_over(c, outer ? "    " : "  ", dim);
    sb_printf(c->b, "%sL0[%s] = 0.5 * L0[%s] + 0.25 * tanh(", outer ? "      " : "    ", c->idx[c->nidx - 1].name,
              c->idx[c->nidx - 1].name);
    c->nloc = 1;
    gen(c, 2);
    sb_puts(c->b, ");\n");
    if (outer)
      sb_printf(c->b, "      t0 = 0.5 * t0 + 0.25 * sin(L0[%s]);\n    }\n  }\n", c->idx[c->nidx - 1].name);
    else
      sb_puts(c->b, "  }\n");
    c->nidx--;
  }
  c->nloc = 1;
  if (rnd(c, 2)) { /* a double buffer */
    sb_puts(c->b, "  for s in 0..2 {\n    let N[");
    sb_printf(c->b, "%s] = L0;\n", dim_text[dim]);
    for_over(c, "    ", dim);
    sb_printf(c->b, "      N[%s] += 0.25 * sin(", c->idx[c->nidx - 1].name);
    gen(c, 2);
    sb_puts(c->b, ");\n    }\n    L0 = N;\n  }\n");
    c->nidx--;
  }
  if (rnd(c, 3) == 0) { /* a comprehension reading the array it assigns (the old elements) */
    for_over(c, "", dim); /* binds the index; the text is rewritten */
    c->b->len -= strlen("for i in 0.. {\n") + strlen(dim_text[dim]);
    const char *i = c->idx[c->nidx - 1].name;
    sb_printf(c->b, "  L0 = [%s in 0..%s: 0.5 * L0[%s - %s] + 0.25 * sin(", i, dim_text[dim], dim_last[dim], i);
    gen(c, 2);
    sb_puts(c->b, ")];\n");
    c->nidx--;
  }
  if (c->ahelper) { /* the array passed to a helper: copied outside loops, its reads stored inside */
    const char *h = c->ahelper == 1 ? "s" : "r";
    if (rnd(c, 2))
      sb_printf(c->b, c->ahelper == 1 ? "  t0 = t0 + %s_%s(L0, t0);\n" : "  L0 = %s_%s(L0, t0);\n", c->p->name, h);
    else if (c->ahelper == 1)
      sb_printf(c->b, "  for s in 0..2 {\n    t0 = t0 + 0.5 * %s_s(L0, t0);\n    L0[0] = 0.5 * L0[0] + 0.1 * t0;\n  }\n",
                c->p->name);
    else
      sb_printf(c->b, "  for s in 0..2 {\n    L0 = %s_r(L0, 0.5 * t0);\n    t0 = t0 + L0[0];\n  }\n", c->p->name);
  }
  if (rnd(c, 3) == 0) { /* an element set in a branch */
    sb_puts(c->b, "  if ");
    gen(c, 1);
    sb_puts(c->b, " > 0.5 {\n    L0[0] = ");
    gen(c, 2);
    sb_puts(c->b, ";\n  }\n");
  }
}

static void body(Ctx *c) {
  GenProg *p = c->p;
  sb_puts(c->b, "  let t0 = ");
  gen(c, 3);
  sb_puts(c->b, ";\n");
  add_scalar(c, "t0");
  if (rnd(c, 2)) { /* a loop carrying t0, perhaps with a nested one */
    open_for(c, "  ");
    if (rnd(c, 2)) {
      statement(c, "    let ", "q", 2);
      add_scalar(c, "q");
      sb_puts(c->b, "    t0 = t0 * (1 + 0.1 * tanh(q)) + 0.5 * q;\n");
      c->nscal--;
    } else {
      sb_puts(c->b, "    t0 = 0.5 * t0 + ");
      gen(c, 2);
      sb_puts(c->b, ";\n");
    }
    if (rnd(c, 3) == 0)
      if_statement(c, "    ", "t0");
    if (rnd(c, 3) == 0) {
      open_for(c, "    ");
      sb_puts(c->b, "      t0 = t0 + 0.25 * sin(");
      gen(c, 2);
      sb_puts(c->b, ");\n    }\n");
      c->nidx--;
    }
    sb_puts(c->b, "  }\n");
    c->nidx--;
  }
  if (c->local)
    local_array(c);
  statement(c, "  let ", "t1", 3);
  add_scalar(c, "t1");
  if (rnd(c, 3) == 0)
    if_statement(c, "  ", rnd(c, 2) ? "t0" : "t1");
  for (int k = 0; k < p->nparams; k++) /* a parameter reassigned */
    if (!p->param[k].ndims && !p->param[k].is_int && rnd(c, 4) == 0) {
      statement(c, "  ", p->param[k].name, 2);
      break;
    }
  if (rnd(c, 3) == 0) { /* a loop carrying two values */
    open_for(c, "  ");
    statement(c, "    let ", "q", 2);
    add_scalar(c, "q");
    sb_puts(c->b, "    t0 = t0 + q * t1;\n    t1 = 0.9 * t1 + 0.1 * sin(q);\n  }\n");
    c->nscal--;
    c->nidx--;
  }
  sb_puts(c->b, "  return ");
  for (int o = 0; o < p->nouts; o++) {
    if (o)
      sb_puts(c->b, ", ");
    if (o != c->aresult - 1) {
      gen(c, 3);
    } else if (rnd(c, 2)) {
      sb_puts(c->b, "L0");
    } else { /* a comprehension over L0's shape */
      for_over(c, "", c->ldim); /* binds the index; the text is rewritten */
      c->b->len -= strlen("for i in 0.. {\n") + strlen(dim_text[c->ldim]);
      const char *i = c->idx[c->nidx - 1].name;
      sb_printf(c->b, "[%s in 0..%s: 0.5 * L0[%s] + 0.25 * sin(", i, dim_text[c->ldim], i);
      gen(c, 2);
      sb_puts(c->b, ")]");
      c->nidx--;
    }
  }
  sb_puts(c->b, ";\n}\n");
}

void gen_program(GenProg *p, unsigned seed) {
  memset(p, 0, sizeof *p);
  Ctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.b = &p->src;
  c.rs = seed * 2654435761ull + 99991;
  snprintf(p->name, sizeof p->name, "p%u", seed);
  params(&c);
  unsigned r = rnd(&c, 20);
  p->nouts = r < 12 ? 1 : r < 17 ? 2 : 3;
  c.local = rnd(&c, 3) == 0;
  c.ahelper = c.local ? (int)rnd(&c, 3) : 0;
  if (c.local) { /* the local array's shape: a dimension in use */
    int dims[ND], nd = 0;
    for (int k = 0; k < ND; k++)
      if (c.avail[k])
        dims[nd++] = k;
    c.ldim = dims[rnd(&c, (unsigned)nd)];
    c.aresult = rnd(&c, 2) ? 1 + (int)rnd(&c, (unsigned)p->nouts) : 0;
  }
  for (int o = 0; o < p->nouts; o++) {
    p->oarr[o] = o == c.aresult - 1;
    p->olen[o] = p->oarr[o] ? c.value[c.ldim] : 1;
  }
  if (c.ahelper == 1)
    sb_printf(c.b, "private fn %s_s(a[q], c) = sum(i in 0..q, a[i] * sin(c + a[i]));\n", p->name);
  else if (c.ahelper == 2)
    sb_printf(c.b, "private fn %s_r(a[q], c) -> y[q] = [i in 0..q: 0.5 * a[i] * c + sin(a[i])];\n", p->name);
  int nh = (int)rnd(&c, 3);
  for (int h = 0; h < nh; h++)
    helper(&c, h);
  c.nhelpers = nh;
  signature(&c);
  body(&c);
}

void gen_program_free(GenProg *p) { sb_free(&p->src); }
