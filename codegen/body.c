/* body.c - one emitted function (emit.h): decide, then print.
 *
 *   layout (em_init), parts (--split), direct stores, speed plan (plan.c)
 *   first walk: count what every line reads (no text)
 *   resolve: copy lines read by read ones, lines written out elsewhere,
 *            values crossing between parts, f's share of f_grad's parts
 *   second walk: print, reading what the first learnt
 *
 * A long function's f_vjp and f may instead be made from its f_grad
 * (derived.c).
 *   needs:       a function's final graph, its signature and names
 *   makes:       its text, streamed into out
 *   invalidates: nothing */
#include <stdlib.h>

#include "emit.h"

/* After the first walk: a value written out in the line of a value made
 * before its loops, and read by nothing else, is not printed where it was;
 * the values its own line read lose that reader (from the last back, so
 * that chains of them go). Its line is formatted again, counting -1. */
static void drop_unread_inlined(Em *e) {
  if (!e->pl.inlined)
    return;
  StrBuf scratch = {0};
  e->use.step = -1;
  for (int n = e->g->nodes.n - 1; n >= 0; n--)
    if ((e->pl.inlined[n] & 1) && e->pl.cached_in[n] < 0 && !e->ns[n].refs)
      expr_text(e, &scratch, n);
  e->use.step = 1;
  sb_free(&scratch);
}

/* What is decided before the first walk. */
static void plan_body(Em *e) {
  plan_parts(e);
  plan_direct(e);
  /* With checks of indices, nothing is written before the last of them
   * (SPEC 2.6: out of range, the function writes nothing): the gradients
   * are zeroed after the forward sweep, and no reverse loop runs inside it. */
  int checks = graph_has_checks(e->g);
  e->zero_late = checks && (e->kind == FN_GRAD || e->kind == FN_VJP || e->kind == FN_HVP);
  /* a local array's adjoint is one buffer, added into and read in the order
   * of the reverse sweep: no reverse loop runs inside a forward loop, nor
   * two reverse loops as one */
  plan_speed(&e->pl, e->g, e->lspans, e->spans, e->nparts == 1 && !checks && !e->nbufs);
  if (e->pl.unread) { /* fused loops read some storage no more */
    e->ntapes = 0;
    for (int i = 0; i < e->g->nodes.n; i++)
      e->ntapes += is_tape(e, i);
  }
  e->heap_tape = e->ntapes && !e->ssa && !tape_on_stack(e);
}

void cg_body(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa, const BodyHead *h) {
  if (kind == FN_VJP && !ssa && cg_vjp_by_grad(fg, o->split)) {
    emit_vjp_by_grad(fg, o, out, h);
    return;
  }
  if (kind == FN_GRAD && ssa && ir_sig_array_results(fg->sig)) {
    sb_printf(out, "# %s: the sweeps of %s, its reverse sweep once per row of the Jacobian\n\n",
              fg->names->jac, fg->names->vjp);
    return;
  }
  if (kind == FN_FWD && !ssa && h->share && h->share->parts) {
    emit_fwd_by_grad(fg, o, out, h);
    return;
  }
  Em e;
  em_init(&e, fg, kind, o, ssa, h);
  plan_body(&e);
  e.count = &e.use; /* the first walk: counts, builds no text */
  emit_pass(&e);
  resolve_usage(&e);
  drop_unread_inlined(&e);
  finish_parts(&e);
  plan_share(&e);
  e.count = NULL; /* the second walk: prints what was counted */
  e.known = &e.use;
  e.line = &e.linebuf;
  e.out = out;
  if (e.nparts == 1)
    emit_head(&e);
  emit_pass(&e);
  sb_puts(out, ssa ? "\n" : "}\n\n");
  em_free(&e);
}
