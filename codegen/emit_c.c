/* emit_c.c - whole files: the C file (the functions of --modes per source
 * function, each under a comment stating its convention), the header of
 * prototypes, and the SSA text. Bodies come from body.c. */
#include <string.h>

#include "emit.h"

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void kind_comment(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o,
                         const FwdShare *share);

/* share: f_grad fills it in, f reads it (FwdShare); NULL for neither. */
static void emit_one(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa, FwdShare *share) {
  StrBuf head = {0}, comment = {0};
  if (!ssa)
    kind_comment(&comment, fg, kind, o, share);
  if (o->static_fns && !ssa)
    sb_puts(&head, "static inline ");
  else if (kind == FN_HVP && !ssa && (cg_dirs(fg) > 1 || !cg_emits(fg, FN_HVP))) /* only for f_hess */
    sb_puts(&head, "static ");
  cg_signature(&head, fg, kind, ssa, o->real);
  BodyHead h = {comment.s ? comment.s : "", head.s, cg_symbol(fg, kind), share};
  if (kind == FN_HESS && ssa && cg_hess_dirs(fg) > 1)
    sb_printf(out, "# %s: %s (%s along %d columns at once) and %s for the rest\n\n", fg->names->hess,
              fg->names->hessc, fg->names->hvp, cg_hess_dirs(fg), fg->names->hvp);
  else if (kind == FN_HESS && ssa)
    sb_printf(out, "# %s: %s once per column of the Hessian\n\n", fg->names->hess, fg->names->hvp);
  else if (kind == FN_HESS)
    emit_hess_by_hvp(fg, o, out, &h);
  else
    cg_body(out, fg, kind, o, ssa, &h);
  sb_free(&head);
  sb_free(&comment);
}

void cg_emit_function(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o) {
  emit_one(out, fg, kind, o, 0, NULL);
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

/* "f_bar * df/dWRT", or with several results "u_bar * du/dWRT + ...", an
 * array result's term "sum_j y_bar[j] * dy[j]/dWRT". */
static void cotangent_sum(StrBuf *out, const FnGraphs *fg, const char *wrt) {
  if (!cg_several(fg)) {
    sb_printf(out, "%s * d%s/d%s", fg->names->seed, fg->sig->name, wrt);
    return;
  }
  for (int k = 0; k < fg->fwd.outs.n; k++)
    sb_printf(out, fg->sig->results[k].ndims ? "%ssum_j %s[j] * d%s[j]/d%s" : "%s%s * d%s/d%s", k ? " + " : "",
              fg->names->outbars[k], fg->sig->outs[k], wrt);
}

/* "*u" for a scalar result written through a pointer, "y[]" for an array. */
static void out_text(StrBuf *out, const FnGraphs *fg, int k) {
  sb_printf(out, fg->sig->results[k].ndims ? "%s[]" : "*%s", fg->names->outs[k]);
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
    ROLE(nm->params[i], f->params[i].is_int ? (f->params[i].ndims ? "integer array, read" : "integer, read")
                        : f->params[i].ndims ? "array, read" : "read");
  if (kind == FN_VJP)
    for (int o = 0; o < nv; o++)
      ROLE(cg_several(fg) ? nm->outbars[o] : nm->seed, f->results[o].ndims ? "array, read" : "read");
  for (int w = 0; w < (kind == FN_JVP || kind == FN_HVP ? cg_dirs(fg) : 0); w++)
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        ROLE(nm->dots[w * np + i], f->params[i].ndims ? "array, read" : "read");
  if (cg_several(fg) && kind != FN_VJP)
    for (int o = 0; o < nv; o++)
      ROLE(nm->outs[o], f->results[o].ndims ? "array, written" : "written");
  if (kind == FN_JVP)
    for (int o = 0; o < nv; o++)
      ROLE(nm->outdots[o], f->results[o].ndims ? "array, written" : "written");
  if (kind == FN_VJP || kind == FN_HVP || (kind == FN_GRAD && !cg_several(fg)))
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        ROLE(nm->bars[i], kind == FN_VJP ? "added to" : "stored");
  for (int w = 0; w < (kind == FN_HVP ? cg_dirs(fg) : 0); w++)
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        ROLE(nm->bardots[w * np + i], "stored");
  if (kind == FN_GRAD && cg_several(fg))
    ROLE(nm->jacp, "written");
  if (kind == FN_HESS) {
    ROLE(nm->gradp, "array, stored");
    ROLE(nm->hessp, "array, stored");
  }
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
    if (cg_several(fg))
      for (int k = 0; k < nv; k++) {
        sb_puts(out, k ? ", " : "writes ");
        out_text(out, fg, k);
      }
    else
      sb_puts(out, "returns the value");
    sb_puts(out, "; reads ");
    param_list(out, fg, 1);
    if (share && share->parts)
      close_long(out, fg, kind);
    else
      close_comment(out, fg, kind, ".");
  } else if (kind == FN_GRAD && cg_several(fg)) {
    sb_printf(out, "/* %s: writes ", nm->jac);
    for (int k = 0; k < nv; k++) {
      out_text(out, fg, k);
      sb_puts(out, ", ");
    }
    if (ir_sig_array_results(f))
      sb_printf(out, "and the Jacobian, row-major (one row per result element; one\n *   forward sweep, then"
                     " the reverse sweep once per row):\n"
                     " *   %s[k * C + c] = d(result k)/d(input c), results in the order ", nm->jacp);
    else
      sb_printf(out, "and the %d-row Jacobian, row-major:\n *   %s[k * C + c] = d(result k)/d(input c),"
                     " results in the order ", nv, nm->jacp);
    for (int k = 0; k < nv; k++) {
      sb_printf(out, "%s%s", k ? ", " : "", nm->outs[k]);
      const SigParam *r = &f->results[k];
      for (int d = 0; d < r->ndims; d++)
        sb_printf(out, "%s%.*s", d ? " * " : " (", r->dimlocs[d].hi - r->dimlocs[d].lo, o->src->text + r->dimlocs[d].lo);
      sb_puts(out, r->ndims ? ")" : "");
    }
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
  } else if (kind == FN_JVP) {
    sb_printf(out, "/* %s: %s the value%s of %s and WRITES %s directional derivative%s along the\n"
                   " *   tangents p_dot of its differentiated parameters (forward mode, one sweep):\n *   ",
              nm->jvp, cg_several(fg) ? "writes" : "returns", cg_several(fg) ? "s" : "", nm->fwd,
              cg_several(fg) ? "their" : "its", cg_several(fg) ? "s" : "");
    for (int k = 0; k < nv; k++) {
      sb_printf(out, k ? ", " : "");
      sb_printf(out, f->results[k].ndims ? "%s[j] = sum_p d%s[j]/dp . p_dot" : "*%s = sum_p d%s/dp . p_dot",
                nm->outdots[k], cg_several(fg) ? f->outs[k] : f->name);
    }
    close_comment(out, fg, kind, ".");
  } else if (kind == FN_HVP && cg_dirs(fg) > 1) {
    sb_printf(out, "/* %s: %s along %d directions at once, for %s: returns the value of %s,\n"
                   " *   STORES its gradient and the Hessian times the tangents of each direction (p_dot,\n"
                   " *   p_dot2 ...) into p_bar_dot, p_bar_dot2 ...: one sweep of the gradient carrying\n"
                   " *   the tangents of every direction, its values made once for them all",
              nm->hessc, nm->hvp, cg_dirs(fg), nm->hess, nm->fwd);
    close_comment(out, fg, kind, ".");
  } else if (kind == FN_HVP) {
    sb_printf(out, "/* %s: returns the value of %s, STORES its gradient and the Hessian times the\n"
                   " *   tangents p_dot (forward over reverse, one sweep of the gradient carrying tangents)",
              nm->hvp, nm->fwd);
    int k = 0;
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const) {
        sb_printf(out, f->params[i].ndims ? "%s%s[k] = d%s/d%s[k]" : "%s*%s = d%s/d%s", k++ ? ", " : ":\n *   ",
                  nm->bars[i], f->name, f->params[i].name);
        sb_printf(out, f->params[i].ndims ? ", %s[k] = sum_q d2%s/d%s[k]dq . q_dot" : ", *%s = sum_q d2%s/d%sdq . q_dot",
                  nm->bardots[i], f->name, f->params[i].name);
      }
    close_comment(out, fg, kind, k ? "." : " (it has no differentiated parameters).");
  } else if (kind == FN_HESS) {
    sb_printf(out, "/* %s: returns the value of %s, STORES its gradient %s[c] = d%s/dc and its dense\n"
                   " *   symmetric Hessian %s[r * C + c] = d2%s/drdc (row-major) over the C\n"
                   " *   differentiated scalars c (parameters in order, arrays row-major): ",
              nm->hess, nm->fwd, nm->gradp, f->name, nm->hessp, f->name);
    int k = 0;
    for (int i = 0; i < np; i++)
      if (!f->params[i].is_const)
        sb_printf(out, "%s%s%s", k++ ? ", " : "", nm->params[i], f->params[i].ndims ? "[]" : "");
    if (cg_hess_dirs(fg) > 1)
      sb_printf(out, "%s;\n *   %s (%s along %d columns at once: the values made once for them) and\n"
                     " *   %s for the rest (each product its row of the Hessian), then the lower\n"
                     " *   triangle copied over the upper", k ? "" : "none", nm->hessc, nm->hvp, cg_hess_dirs(fg),
                nm->hvp);
    else
      sb_printf(out, "%s;\n *   %s once per column (each its row of the Hessian), then the lower\n"
                     " *   triangle copied over the upper", k ? "" : "none", nm->hvp);
    close_comment(out, fg, kind, ".");
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

/* Loops whose iterations are stored, and functions split into parts, need
 * malloc and errno; checks of indices (--bounds-check), errno. */
static int needs_stdlib(const FnGraphs *fns, int n, const EmitOpts *o) {
  for (int i = 0; i < n; i++)
    for (int p = 0; p < fns[i].sig->nparams && cg_emits(&fns[i], FN_HESS); p++)
      if (fns[i].sig->params[p].ndims && !fns[i].sig->params[p].is_const) /* f_hess's unit tangents */
        return 1;
  for (int i = 0; i < n; i++)
    if (graph_has_saves(&fns[i].grad) || graph_has_saves(&fns[i].vjp) || graph_has_saves(&fns[i].fwd) ||
        graph_has_checks(&fns[i].fwd) || graph_has_arrays(&fns[i].fwd) || ir_sig_array_results(fns[i].sig))
      return 1;
  return cg_file_splits(fns, n, o->split);
}

/* Parts stay functions of their own: each called once, gcc inlined them
 * into their caller, which grew long again (gcc -O2 took 14-22% longer on
 * products and random DAGs of 2-3 10^4 nodes). */
static const char noinline_text[] =
    "/* Parts of long functions (below) are kept out of their callers. */\n"
    "#if defined(__GNUC__)\n#define ADC_NOINLINE __attribute__((noinline))\n"
    "#else\n#define ADC_NOINLINE\n#endif\n\n";

void cg_emit_c(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  int jvp = 0;
  for (int i = 0; i < n; i++)
    jvp |= cg_emits(&fns[i], FN_JVP) || cg_hvp_in_file(&fns[i]);
  sb_printf(out,
            "/* Generated by adc " ADC_VERSION " from %s. Do not edit; edit the .ad file.\n"
            " * Forward sweep: one 'const %s zK' per SSA node. Reverse sweep: zK_bar is\n"
            " * the adjoint d(result)/d(zK).%s Comments give the source line and expression.\n"
            " * Needs %s (link with -lm). */\n"
            "%s#include <math.h>\n%s\n%s"
            "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n",
            base_name(o->input), cg_real_type(o->real),
            jvp ? " Forward mode (f_jvp, f_hvp): zK_dot is the tangent of zK,\n * its derivative along the"
                  " parameters' tangents (zK_bar_dot: of zK_bar)." : "",
            needs_stdlib(fns, n, o) ? "<math.h>, <errno.h> and <stdlib.h>" : "only <math.h>",
            needs_stdlib(fns, n, o) ? "#include <errno.h>\n" : "",
            needs_stdlib(fns, n, o) ? "#include <stdlib.h>\n" : "",
            cg_file_splits(fns, n, o->split) ? noinline_text : "");
  for (int i = 0; i < n; i++) {
    const FnGraphs *fg = &fns[i];
    if (cg_vjp_by_grad(fg, o->split)) { /* f_grad first: f may run its forward parts */
      FwdShare share = {0, 0, 0};
      emit_one(out, fg, FN_GRAD, o, 0, &share);
      emit_one(out, fg, FN_FWD, o, 0, &share);
      emit_one(out, fg, FN_VJP, o, 0, NULL);
    } else { /* (f_jac of array results after f_vjp, as earlier versions printed them) */
      static const FnKind order[2][3] = {{FN_FWD, FN_GRAD, FN_VJP}, {FN_FWD, FN_VJP, FN_GRAD}};
      for (int k = 0; k < 3; k++)
        if (cg_emits(fg, order[ir_sig_array_results(fg->sig)][k]))
          emit_one(out, fg, order[ir_sig_array_results(fg->sig)][k], o, 0, NULL);
    }
    if (cg_emits(fg, FN_JVP))
      emit_one(out, fg, FN_JVP, o, 0, NULL);
    if (cg_hvp_in_file(fg))
      emit_one(out, fg, FN_HVP, o, 0, NULL);
    if (cg_hess_dirs(fg) > 1) { /* f_hess's helper: f_hvp's printer over its graph */
      FnGraphs helper = *fg;
      helper.dirs = cg_hess_dirs(fg);
      emit_one(out, &helper, FN_HVP, o, 0, NULL);
    }
    if (cg_emits(fg, FN_HESS))
      emit_one(out, fg, FN_HESS, o, 0, NULL);
  }
  sb_puts(out, "#ifdef __cplusplus\n}\n#endif\n");
  if (cg_file_splits(fns, n, o->split))
    sb_puts(out, "\n#undef ADC_NOINLINE\n");
}

void cg_emit_ssa(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  sb_printf(out, "# SSA of %s, by adc " ADC_VERSION "\n\n", base_name(o->input));
  for (int i = 0; i < n; i++) {
    emit_one(out, &fns[i], FN_FWD, o, 1, NULL);
    if (cg_emits(&fns[i], FN_GRAD))
      emit_one(out, &fns[i], FN_GRAD, o, 1, NULL);
    if (cg_emits(&fns[i], FN_JVP))
      emit_one(out, &fns[i], FN_JVP, o, 1, NULL);
    if (cg_hvp_in_file(&fns[i]))
      emit_one(out, &fns[i], FN_HVP, o, 1, NULL);
    if (cg_emits(&fns[i], FN_HESS))
      emit_one(out, &fns[i], FN_HESS, o, 1, NULL);
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
    for (int kind = FN_FWD; kind <= FN_HESS; kind++) {
      if (!cg_emits(&fns[i], (FnKind)kind))
        continue;
      kind_comment(out, &fns[i], (FnKind)kind, o, NULL);
      cg_signature(out, &fns[i], (FnKind)kind, 0, o->real);
      sb_puts(out, ";\n");
    }
    sb_puts(out, "\n");
  }
  sb_printf(out, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}
