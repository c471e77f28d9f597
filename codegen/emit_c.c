/* emit_c.c - whole files: the C file (three functions per source
 * function, each under a comment stating its convention), the header of
 * prototypes, and the SSA text. Bodies come from body.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static int several(const FnGraphs *fg) { return fg->fwd.outs.n > 1; }
static void kind_comment(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o,
                         const FwdShare *share);

static const char *symbol(const FnGraphs *fg, FnKind kind) {
  const FnNames *nm = fg->names;
  return kind == FN_FWD ? nm->fwd : kind == FN_VJP ? nm->vjp : several(fg) ? nm->jac : nm->grad;
}

int cg_sig_args(const FnGraphs *fg, FnKind kind, SigArg *args) {
  const FnNames *nm = fg->names;
  const Signature *f = fg->sig;
  int np = f->nparams, nv = fg->fwd.outs.n, n = 0;
#define ARG(nm_, role_, i_) (args[n].name = (nm_), args[n].role = (role_), args[n++].index = (i_))
  for (int k = 0; k < fg->sig->nsizes; k++)
    ARG(nm->sizes[k], ARG_SIZE, k);
  for (int i = 0; i < np; i++)
    ARG(nm->params[i], ARG_PARAM, i);
  for (int o = 0; o < nv && kind == FN_VJP; o++)
    ARG(several(fg) ? nm->outbars[o] : nm->seed, ARG_SEED, o);
  for (int o = 0; o < nv && several(fg) && kind != FN_VJP; o++)
    ARG(nm->outs[o], ARG_OUT, o);
  if (kind != FN_FWD && !(kind == FN_GRAD && several(fg)))
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        ARG(nm->bars[i], ARG_BAR, i);
  if (kind == FN_GRAD && several(fg))
    ARG(nm->jacp, ARG_JAC, 0);
#undef ARG
  return n;
}

/* In SSA text, only what the function reads, without types. */
static void params_text(StrBuf *b, const FnGraphs *fg, FnKind kind, int ssa, int real) {
  const char *T = cg_real_type(real);
  int np = fg->sig->nparams, nv = fg->fwd.outs.n;
  SigArg *args = xmalloc(sizeof *args * (size_t)(fg->sig->nsizes + 2 * np + 2 * nv + 1));
  int n = cg_sig_args(fg, kind, args), first = 1;
  for (int k = 0; k < n; k++) {
    const SigArg *a = &args[k];
    if (ssa && a->role != ARG_SIZE && a->role != ARG_PARAM && a->role != ARG_SEED)
      continue;
    sb_puts(b, first ? "" : ", ");
    first = 0;
    if (ssa)
      sb_puts(b, a->name);
    else if (a->role == ARG_SIZE)
      sb_printf(b, "int %s", a->name);
    else if (a->role == ARG_PARAM && fg->sig->params[a->index].ndims)
      sb_printf(b, "const %s *%s", T, a->name);
    else if (a->role == ARG_PARAM || a->role == ARG_SEED)
      sb_printf(b, "%s %s", T, a->name);
    else
      sb_printf(b, "%s *%s", T, a->name);
  }
  free(args);
}

void cg_sig_params(StrBuf *b, const FnGraphs *fg, FnKind kind, int real) {
  params_text(b, fg, kind, 0, real);
}

/* Sizes, then parameters (arrays as pointers), then what the kind adds:
 * output pointers, cotangents, gradient pointers, the Jacobian. */
static void signature(StrBuf *b, const FnGraphs *fg, FnKind kind, int ssa, int real) {
  if (!ssa)
    sb_printf(b, "%s ", kind == FN_VJP || several(fg) ? "void" : cg_real_type(real));
  sb_printf(b, "%s(", symbol(fg, kind));
  size_t at = b->len;
  params_text(b, fg, kind, ssa, real);
  if (b->len == at && !ssa)
    sb_puts(b, "void");
  sb_puts(b, ")");
}

/* share: f_grad fills it in, f reads it (FwdShare); NULL for neither. */
static void emit_one(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa, FwdShare *share) {
  StrBuf head = {0}, comment = {0};
  if (!ssa)
    kind_comment(&comment, fg, kind, o, share);
  if (o->static_fns && !ssa)
    sb_puts(&head, "static inline ");
  signature(&head, fg, kind, ssa, o->real);
  BodyHead h = {comment.s ? comment.s : "", head.s, symbol(fg, kind), share};
  cg_body(out, fg, kind, o, ssa, &h);
  sb_free(&head);
  sb_free(&comment);
}

static void param_list(StrBuf *out, const FnGraphs *fg, int with_const) {
  const Signature *f = fg->sig;
  int n = 0;
  for (int i = 0; i < f->nparams; i++)
    if (with_const || !f->params[i].is_const)
      sb_printf(out, "%s%s%s", n++ ? ", " : "", fg->names->params[i], f->params[i].ndims ? "[]" : "");
  if (!n)
    sb_puts(out, "nothing");
}

/* "f_bar * df/dWRT", or with several results "u_bar * du/dWRT + ...". */
static void cotangent_sum(StrBuf *out, const FnGraphs *fg, const char *wrt) {
  if (!several(fg)) {
    sb_printf(out, "%s * d%s/d%s", fg->names->seed, fg->sig->name, wrt);
    return;
  }
  for (int k = 0; k < fg->fwd.outs.n; k++)
    sb_printf(out, "%s%s * d%s/d%s", k ? " + " : "", fg->names->outbars[k], fg->sig->outs[k], wrt);
}

/* Ends a convention comment with the arguments in order and what the
 * function does with each. */
static void close_comment(StrBuf *out, const FnGraphs *fg, FnKind kind, const char *end) {
  const Signature *f = fg->sig;
  const FnNames *nm = fg->names;
  int np = f->nparams, nv = fg->fwd.outs.n, n = 0;
  sb_printf(out, "%s\n *   arguments:", end);
#define ROLE(name, what) sb_printf(out, "%s %s (%s)", n++ ? "," : "", name, what)
  for (int k = 0; k < fg->sig->nsizes; k++)
    ROLE(nm->sizes[k], "size");
  for (int i = 0; i < np; i++)
    ROLE(nm->params[i], f->params[i].ndims ? "array, read" : "read");
  if (kind == FN_VJP)
    for (int o = 0; o < nv; o++)
      ROLE(several(fg) ? nm->outbars[o] : nm->seed, "read");
  if (several(fg) && kind != FN_VJP)
    for (int o = 0; o < nv; o++)
      ROLE(nm->outs[o], "written");
  if (kind == FN_VJP || (kind == FN_GRAD && !several(fg)))
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        ROLE(nm->bars[i], kind == FN_VJP ? "added to" : "stored");
  if (kind == FN_GRAD && several(fg))
    ROLE(nm->jacp, "written");
#undef ROLE
  sb_puts(out, n ? ". */\n" : " none. */\n");
}

/* close_comment for f or f_vjp of a long function, which run f_grad's
 * forward parts or its gradient instead of sweeps of their own. */
static void close_long(StrBuf *out, const FnGraphs *fg, FnKind kind) {
  const FnNames *nm = fg->names;
  StrBuf end = {0};
  if (kind == FN_FWD)
    sb_printf(&end, ".\n *   The function being long, this runs %s_forward, the parts of %s\n"
                    " *   that make the value (above): one forward sweep in the file, not two.", nm->grad, nm->grad);
  else
    sb_printf(&end, ".\n *   The function being long, this is %s times the gradient %s stores\n"
                    " *   (one reverse sweep in the file, not two).", nm->seed, nm->grad);
  close_comment(out, fg, kind, end.s);
  sb_free(&end);
}

/* The convention of one emitted function: what it reads, returns, stores
 * or adds. */
static void kind_comment(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o,
                         const FwdShare *share) {
  const Signature *f = fg->sig;
  const FnNames *nm = fg->names;
  int np = f->nparams, nv = fg->fwd.outs.n, line, col;
  source_linecol(o->src, f->loc.lo, &line, &col);
  if (kind == FN_FWD) {
    sb_printf(out, "/* %s (%s:%d): ", nm->fwd, base_name(o->input), line);
    if (several(fg))
      for (int k = 0; k < nv; k++)
        sb_printf(out, "%s*%s", k ? ", " : "writes ", nm->outs[k]);
    else
      sb_puts(out, "returns the value");
    sb_puts(out, "; reads ");
    param_list(out, fg, 1);
    if (share && share->parts)
      close_long(out, fg, kind);
    else
      close_comment(out, fg, kind, ".");
  } else if (kind == FN_GRAD && several(fg)) {
    sb_printf(out, "/* %s: writes ", nm->jac);
    for (int k = 0; k < nv; k++)
      sb_printf(out, "*%s, ", nm->outs[k]);
    sb_printf(out, "and the %d-row Jacobian, row-major:\n *   %s[k * C + c] = d(result k)/d(input c),"
                   " results in the order ", nv, nm->jacp);
    for (int k = 0; k < nv; k++)
      sb_printf(out, "%s%s", k ? ", " : "", nm->outs[k]);
    sb_puts(out, ",\n *   the C columns in the order ");
    int k = 0;
    for (int i = 0; i < np; i++) {
      const SigParam *pa = &f->params[i];
      if (pa->is_const)
        continue;
      sb_printf(out, "%s%s (", k++ ? ", " : "", nm->params[i]);
      for (int d = 0; d < pa->ndims; d++)
        sb_printf(out, "%s%.*s", d ? " * " : "", pa->dimlocs[d].hi - pa->dimlocs[d].lo,
                  o->src->text + pa->dimlocs[d].lo);
      sb_puts(out, pa->ndims ? ")" : "1)");
    }
    close_comment(out, fg, kind, k ? "." : "(none).");
  } else if (kind == FN_GRAD) {
    sb_printf(out, "/* %s: returns the value of %s and STORES its gradient", nm->grad, nm->fwd);
    int k = 0;
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        sb_printf(out, f->params[i].ndims ? "%s%s[k] = d%s/d%s[k]" : "%s*%s = d%s/d%s",
                  k++ ? ", " : ":\n *   ", nm->bars[i], f->name, f->params[i].name);
    close_comment(out, fg, kind, k ? "." : " (it has no differentiated parameters).");
  } else {
    sb_printf(out, "/* %s: ADDS ", nm->vjp);
    cotangent_sum(out, fg, "p");
    sb_puts(out, " to each *p_bar (Tapenade's adjoint convention, to\n * compose into a larger reverse sweep)");
    int k = 0;
    for (int i = 0; i < np; i++) {
      if (f->params[i].is_const)
        continue;
      int arr = f->params[i].ndims > 0;
      sb_printf(out, "%s%s%s%s += ", k++ ? ", " : ":\n *   ", arr ? "" : "*", nm->bars[i], arr ? "[k]" : "");
      char wrt[1100];
      snprintf(wrt, sizeof wrt, "%s%s", f->params[i].name, arr ? "[k]" : "");
      cotangent_sum(out, fg, wrt);
    }
    if (cg_vjp_by_grad(fg, o->split))
      close_long(out, fg, kind);
    else
      close_comment(out, fg, kind, ".");
  }
}

/* Graph k (0 gradient, 1 vjp, 2 forward) of a function. */
static const Graph *graph_of(const FnGraphs *f, int k) { return k == 2 ? &f->fwd : k ? &f->vjp : &f->grad; }

/* Is a function of the file split into parts? */
static int file_splits(const FnGraphs *fns, int n, const EmitOpts *o) {
  for (int i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      if (cg_splits(graph_of(&fns[i], k), o, 0))
        return 1;
  return 0;
}

/* Loops whose iterations are stored, and functions split into parts, need
 * malloc and errno. */
static int needs_stdlib(const FnGraphs *fns, int n, const EmitOpts *o) {
  for (int i = 0; i < n; i++)
    for (int k = 0; k < 3; k++)
      if (graph_has_saves(graph_of(&fns[i], k)))
        return 1;
  return file_splits(fns, n, o);
}

/* Parts stay functions of their own: each called once, gcc inlined them
 * into their caller, which grew long again (gcc -O2 took 14-22% longer on
 * products and random DAGs of 2-3 10^4 nodes). */
static const char noinline_text[] =
    "/* Parts of long functions (below) are kept out of their callers. */\n"
    "#if defined(__GNUC__)\n#define ADC_NOINLINE __attribute__((noinline))\n"
    "#else\n#define ADC_NOINLINE\n#endif\n\n";

void cg_emit_c(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  sb_printf(out,
            "/* Generated by adc " ADC_VERSION " from %s. Do not edit; edit the .ad file.\n"
            " * Forward sweep: one 'const %s zK' per SSA node. Reverse sweep: zK_bar is\n"
            " * the adjoint d(result)/d(zK). Comments give the source line and expression.\n"
            " * Needs %s (link with -lm). */\n"
            "%s#include <math.h>\n%s\n%s"
            "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
            base_name(o->input), cg_real_type(o->real),
            needs_stdlib(fns, n, o) ? "<math.h>, <errno.h> and <stdlib.h>" : "only <math.h>",
            needs_stdlib(fns, n, o) ? "#include <errno.h>\n" : "",
            needs_stdlib(fns, n, o) ? "#include <stdlib.h>\n" : "",
            file_splits(fns, n, o) ? noinline_text : "");
  for (int i = 0; i < n; i++) {
    if (cg_vjp_by_grad(&fns[i], o->split)) { /* f_grad first: f may run its forward parts */
      FwdShare share = {0, 0, 0};
      emit_one(out, &fns[i], FN_GRAD, o, 0, &share);
      emit_one(out, &fns[i], FN_FWD, o, 0, &share);
    } else {
      emit_one(out, &fns[i], FN_FWD, o, 0, NULL);
      emit_one(out, &fns[i], FN_GRAD, o, 0, NULL);
    }
    emit_one(out, &fns[i], FN_VJP, o, 0, NULL);
  }
  sb_puts(out, "#ifdef __cplusplus\n}\n#endif\n");
  if (file_splits(fns, n, o))
    sb_puts(out, "\n#undef ADC_NOINLINE\n");
}

void cg_emit_ssa(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  sb_printf(out, "# SSA of %s, by adc " ADC_VERSION "\n\n", base_name(o->input));
  for (int i = 0; i < n; i++) {
    emit_one(out, &fns[i], FN_FWD, o, 1, NULL);
    emit_one(out, &fns[i], FN_GRAD, o, 1, NULL);
  }
}

void cg_emit_header(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  char guard[256] = "ADC_";
  const char *h = o->header ? base_name(o->header) : "adc_grad.h";
  size_t k = strlen(guard);
  for (; *h && k < sizeof guard - 1; h++)
    guard[k++] = (*h >= 'a' && *h <= 'z') ? (char)(*h - 32)
                 : ((*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9')) ? *h : '_';
  guard[k] = '\0';
  sb_printf(out,
            "/* Generated by adc " ADC_VERSION " from %s. Do not edit. */\n"
            "#ifndef %s\n#define %s\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
            base_name(o->input), guard, guard);
  for (int i = 0; i < n; i++) {
    for (int kind = FN_FWD; kind <= FN_VJP; kind++) {
      kind_comment(out, &fns[i], (FnKind)kind, o, NULL);
      signature(out, &fns[i], (FnKind)kind, 0, o->real);
      sb_puts(out, ";\n");
    }
    sb_puts(out, "\n");
  }
  sb_printf(out, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
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
