/* sig.c - emitted functions seen from outside: symbols, parameter lists,
 * the real type, the lengths of array parameters (see sig.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

int cg_several(const FnGraphs *fg) { return fg->fwd.outs.n > 1 || ir_sig_array_results(fg->sig); }

const char *cg_symbol(const FnGraphs *fg, FnKind kind) {
  const FnNames *nm = fg->names;
  return kind == FN_FWD ? nm->fwd : kind == FN_VJP ? nm->vjp : kind == FN_JVP ? nm->jvp
         : kind == FN_HVP ? (cg_dirs(fg) > 1 ? nm->hessc : nm->hvp)
         : kind == FN_HESS ? nm->hess : cg_several(fg) ? nm->jac : nm->grad;
}

const Graph *cg_graph(const FnGraphs *fg, FnKind kind) {
  return kind == FN_FWD ? &fg->fwd : kind == FN_GRAD ? &fg->grad : kind == FN_VJP ? &fg->vjp
         : kind == FN_JVP ? &fg->jvp : cg_dirs(fg) > 1 ? &fg->hvps : &fg->hvp;
}

int cg_emits(const FnGraphs *fg, FnKind kind) {
  switch (kind) {
  case FN_FWD:
    return 1;
  case FN_GRAD:
    return (fg->modes & (cg_several(fg) ? MODE_JAC : MODE_GRAD)) != 0;
  case FN_VJP:
    return (fg->modes & MODE_VJP) != 0;
  case FN_JVP:
    return (fg->modes & MODE_JVP) != 0;
  case FN_HVP:
    return (fg->modes & MODE_HVP) != 0 && !cg_several(fg);
  case FN_HESS:
    return (fg->modes & MODE_HESS) != 0 && !cg_several(fg);
  }
  return 0;
}

const char *const cg_mode_names[MODE_KINDS] = {"grad", "vjp", "jac", "jvp", "hvp", "hess"};

int cg_hvp_in_file(const FnGraphs *fg) { return cg_emits(fg, FN_HVP) || cg_emits(fg, FN_HESS); }

int cg_hess_dirs(const FnGraphs *fg) {
  int scalars = 0;
  if (!cg_emits(fg, FN_HESS))
    return 1;
  for (int p = 0; p < fg->sig->nparams; p++)
    if (!fg->sig->params[p].is_const) {
      if (fg->sig->params[p].ndims)
        return IR_MAX_DIRS;
      scalars++;
    }
  return scalars < 1 ? 1 : scalars < IR_MAX_DIRS ? scalars : IR_MAX_DIRS;
}

int cg_dirs(const FnGraphs *fg) { return fg->dirs > 1 ? fg->dirs : 1; }

int cg_max_args(const FnGraphs *fg) {
  return fg->sig->nsizes + (2 + 2 * IR_MAX_DIRS) * fg->sig->nparams + 3 * fg->fwd.outs.n + 2;
}

int cg_sig_args(const FnGraphs *fg, FnKind kind, SigArg *args) {
  const FnNames *nm = fg->names;
  const Signature *f = fg->sig;
  int np = f->nparams, nv = fg->fwd.outs.n, n = 0;
#define ARG(nm_, role_, i_) (args[n].name = (nm_), args[n].role = (role_), args[n++].index = (i_))
  for (int k = 0; k < f->nsizes; k++)
    ARG(nm->sizes[k], ARG_SIZE, k);
  for (int i = 0; i < np; i++)
    ARG(nm->params[i], ARG_PARAM, i);
  for (int o = 0; o < nv && kind == FN_VJP; o++)
    ARG(cg_several(fg) ? nm->outbars[o] : nm->seed, ARG_SEED, o);
  for (int w = 0; w < (kind == FN_JVP || kind == FN_HVP ? cg_dirs(fg) : 0); w++)
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        ARG(nm->dots[w * np + i], ARG_DOT, w * np + i);
  for (int o = 0; o < nv && cg_several(fg) && kind != FN_VJP; o++)
    ARG(nm->outs[o], ARG_OUT, o);
  for (int o = 0; o < nv && kind == FN_JVP; o++)
    ARG(nm->outdots[o], ARG_OUTDOT, o);
  if (kind != FN_FWD && kind != FN_JVP && kind != FN_HESS && !(kind == FN_GRAD && cg_several(fg)))
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        ARG(nm->bars[i], ARG_BAR, i);
  for (int w = 0; w < (kind == FN_HVP ? cg_dirs(fg) : 0); w++)
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        ARG(nm->bardots[w * np + i], ARG_BARDOT, w * np + i);
  if (kind == FN_GRAD && cg_several(fg))
    ARG(nm->jacp, ARG_JAC, 0);
  if (kind == FN_HESS) {
    ARG(nm->gradp, ARG_GRADV, 0);
    ARG(nm->hessp, ARG_HESS, 0);
  }
#undef ARG
  return n;
}

/* In SSA text, only what the function reads, without types. */
static void params_text(StrBuf *b, const FnGraphs *fg, FnKind kind, int ssa, int real) {
  const char *T = cg_real_type(real);
  SigArg *args = xmalloc(sizeof *args * (size_t)cg_max_args(fg));
  int n = cg_sig_args(fg, kind, args), first = 1;
  for (int k = 0; k < n; k++) {
    const SigArg *a = &args[k];
    if (ssa && a->role != ARG_SIZE && a->role != ARG_PARAM && a->role != ARG_SEED && a->role != ARG_DOT)
      continue;
    int pi = a->role == ARG_DOT ? a->index % fg->sig->nparams : a->index; /* (the helper's: w nparams + p) */
    sb_puts(b, first ? "" : ", ");
    first = 0;
    if (ssa)
      sb_puts(b, a->name);
    else if (a->role == ARG_SIZE || (a->role == ARG_PARAM && fg->sig->params[a->index].is_int))
      sb_printf(b, fg->sig->params[a->index].ndims && a->role == ARG_PARAM ? "const int *%s" : "int %s",
                a->name);
    else if ((a->role == ARG_PARAM || a->role == ARG_DOT) && fg->sig->params[pi].ndims)
      sb_printf(b, "const %s *%s", T, a->name);
    else if (a->role == ARG_SEED && fg->sig->results[a->index].ndims)
      sb_printf(b, "const %s *%s", T, a->name); /* an array result's cotangent */
    else if (a->role == ARG_PARAM || a->role == ARG_SEED || a->role == ARG_DOT)
      sb_printf(b, "%s %s", T, a->name);
    else
      sb_printf(b, "%s *%s", T, a->name);
  }
  free(args);
}

void cg_sig_params(StrBuf *b, const FnGraphs *fg, FnKind kind, int real) { params_text(b, fg, kind, 0, real); }

/* Sizes, then parameters (arrays as pointers), then what the kind adds:
 * output pointers, cotangents, gradient pointers, the Jacobian. */
void cg_signature(StrBuf *b, const FnGraphs *fg, FnKind kind, int ssa, int real) {
  if (!ssa)
    sb_printf(b, "%s ", kind == FN_VJP || cg_several(fg) ? "void" : cg_real_type(real));
  sb_printf(b, "%s(", cg_symbol(fg, kind));
  size_t at = b->len;
  params_text(b, fg, kind, ssa, real);
  if (b->len == at && !ssa)
    sb_puts(b, "void");
  sb_puts(b, ")");
}

const char *cg_real_type(int real) { return real == 1 ? "float" : real == 2 ? "long double" : "double"; }
const char *cg_real_fn(int real) { return real == 1 ? "f" : real == 2 ? "l" : ""; }
const char *cg_real_lit(int real) { return real == 1 ? "f" : real == 2 ? "L" : ""; }

/* A literal of the type: the shortest text that reads back as v (as a
 * float for float), with the type's suffix. */
void cg_real_literal(StrBuf *b, double v, int real) {
  if (real != 1 || !isfinite(v)) {
    sb_double(b, v);
    if (isfinite(v))
      sb_puts(b, cg_real_lit(real));
    return;
  }
  char buf[40];
  for (int digits = 6; digits <= 9; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if ((float)strtod(buf, NULL) == (float)v)
      break;
  }
  if (!strpbrk(buf, ".eEn"))
    strcat(buf, ".0");
  sb_printf(b, "%sf", buf);
}

/* ---- dimensions as C text ---- */

static void shape_text(StrBuf *b, const FnGraphs *fg, const SigParam *pa);

/* Integer operations of one family: a chain of them prints as one
 * parenthesised list, as the source wrote it (a + b - c). */
static int dim_family(int op) {
  return op == OP_IADD || op == OP_ISUB ? 1 : op == OP_IMUL || op == OP_IDIV ? 2 : op == OP_IMOD ? 3 : 0;
}

static void dim_text(StrBuf *b, const FnGraphs *fg, Ref d);

/* The operands and operators of a chain, without its parentheses. */
static void dim_chain(StrBuf *b, const FnGraphs *fg, Ref d) {
  const Node *nd = &fg->sig->dims.nodes.v[d];
  Ref l = nd->a[0];
  if (!ref_is_const(l) && dim_family(fg->sig->dims.nodes.v[l].op) == dim_family(nd->op))
    dim_chain(b, fg, l);
  else
    dim_text(b, fg, l);
  sb_puts(b, nd->op == OP_IADD ? " + " : nd->op == OP_ISUB ? " - " : nd->op == OP_IMUL ? " * "
             : nd->op == OP_IDIV ? " / " : " % ");
  dim_text(b, fg, nd->a[1]);
}

/* A dimension, with sizes under their emitted names. */
static void dim_text(StrBuf *b, const FnGraphs *fg, Ref d) {
  const Graph *g = &fg->sig->dims;
  if (ref_is_const(d)) {
    sb_printf(b, "%lld", (long long)graph_const(g, d));
    return;
  }
  const Node *nd = &g->nodes.v[d];
  if (nd->op == OP_SIZE) {
    sb_puts(b, fg->names->sizes[nd->aux]);
  } else if (nd->op == OP_INEG) {
    sb_puts(b, "-(");
    dim_text(b, fg, nd->a[0]);
    sb_putc(b, ')');
  } else {
    sb_putc(b, '(');
    dim_chain(b, fg, d);
    sb_putc(b, ')');
  }
}

void cg_result_length_text(StrBuf *b, const FnGraphs *fg, int o) { shape_text(b, fg, &fg->sig->results[o]); }
void cg_length_text(StrBuf *b, const FnGraphs *fg, int p) { shape_text(b, fg, &fg->sig->params[p]); }

void cg_column_offsets(const FnGraphs *fg, StrBuf *off, StrBuf *n) {
  n->len = 0;
  sb_puts(n, "0");
  for (int p = 0; p < fg->sig->nparams; p++) {
    off[p].len = 0;
    sb_puts(&off[p], n->s);
    if (fg->sig->params[p].is_const)
      continue;
    if (strcmp(n->s, "0") == 0)
      n->len = 0, n->s[0] = '\0';
    else
      sb_puts(n, " + ");
    if (fg->sig->params[p].ndims)
      cg_length_text(n, fg, p);
    else
      sb_puts(n, "1");
  }
}

static void shape_text(StrBuf *b, const FnGraphs *fg, const SigParam *pa) {
  if (!pa->ndims)
    sb_puts(b, "1");
  for (int k = 0; k < pa->ndims; k++) {
    if (k)
      sb_puts(b, " * ");
    dim_text(b, fg, pa->dims[k]);
  }
}

int cg_const_length(const FnGraphs *fg, int p, int max) {
  const SigParam *pa = &fg->sig->params[p];
  long long n = 1;
  for (int k = 0; k < pa->ndims; k++) {
    if (!ref_is_const(pa->dims[k]))
      return -1;
    n *= (long long)graph_const(&fg->sig->dims, pa->dims[k]);
    if (n > max)
      return -1;
  }
  return n < 0 ? -1 : (int)n;
}
