/* loops.c - the pieces of a C loop that are not its body (emit.h): the
 * carried values and accumulators declared before it, its head, the
 * reduction's update at the end of an iteration (the online log-sum-exp
 * among them), the carried values' next values, and values made once
 * before the loops they do not change with. */
#include <stdio.h>

#include "emit.h"

/* The storage of logsumexp loop li's weights (a SAVE node), or -1. */
static int weight_tape(const Em *e, int li) {
  const LoopSpan *s = &e->lspans[li];
  for (int i = s->lo; i < s->body_hi; i++)
    if (e->g->nodes.v[i].op == OP_SAVE && e->g->nodes.v[i].aux == li && stores_weights(e->g, i))
      return is_tape(e, i) ? i : -1;
  return -1;
}

/* Before the loop: its carried values and reduction accumulators. */
void loop_declarations(Em *e, int li) {
  const Graph *g = e->g;
  const LoopSpan *s = &e->lspans[li];
  StrBuf *b = e->line;
  const char *inf = huge_val(e);
  char neg[16];
  snprintf(neg, sizeof neg, "-%s", inf);
  const char *const start[] = {"", "0.0", inf, neg, neg};
  for (int i = s->lo; i < s->hi; i++) {
    const Node *nd = &g->nodes.v[i];
    if (nd->aux != li || (nd->op != OP_CARRY && nd->op != OP_REDUCE && nd->op != OP_RCOUNT) || nd->arr)
      continue; /* (a local array carried: its buffer) */
    e->ns[i].name = own_name(e, i);
    e->ns[i].curl = -1;
    if (!e->ssa)
      sb_printf(b, "%s ", e->T);
    put_name(b, e->ns[i].name);
    sb_puts(b, " = ");
    if (nd->op == OP_CARRY)
      ref_use(e, b, nd->a[0]);
    else if (nd->op == OP_RCOUNT || g->loops.v[li].kind == LK_SUM)
      sb_printf(b, "0.0%s", e->ls);
    else
      sb_puts(b, start[g->loops.v[li].kind]);
    line_end(e, b, nd->src);
    if (nd->op == OP_REDUCE && g->loops.v[li].kind == LK_LSE) {
      if (e->ssa)
        sb_printf(b, "adc_s%d = 0.0", li);
      else
        sb_printf(b, "%s adc_s%d = 0.0%s", e->T, li, e->ls);
      line_end(e, b, nd->src);
      if (weight_tape(e, li) < 0) { /* the term before, taken in one iteration late */
        if (e->ssa)
          sb_printf(b, "adc_u%d = %s", li, neg);
        else
          sb_printf(b, "%s adc_u%d = %s", e->T, li, neg);
        line_end(e, b, nd->src);
      }
    }
  }
}

/* Loop li's upper bound as C text: its own, or with span set the bound of
 * the values its index takes over every iteration of the loops around it
 * (graph_span: c in 0..j with j in 0..D spans 0..D - 1). */
void span_text(Em *e, StrBuf *b, int li, int span, int need) {
  Ref hi = e->g->loops.v[li].hi;
  long add = 0;
  if (span)
    graph_span(e->g, li, &hi, &add);
  if (!add) {
    int_text(e, b, hi, need);
  } else if (ref_is_const(hi)) {
    sb_printf(b, "%ld", (long)graph_const(e->g, hi) + add);
  } else {
    sb_puts(b, need >= 2 ? "(" : "");
    int_text(e, b, hi, 1);
    sb_printf(b, " %c %ld%s", add < 0 ? '-' : '+', add < 0 ? -add : add, need >= 2 ? ")" : "");
  }
}

/* "for (long iL = lo; iL < hi; iL++) {" over loop l's range (its span with
 * span set), or backwards.
 * long: indices computed from the counter are then as wide as an address,
 * which C compilers turn into pointer steps; an int index is recomputed and
 * sign-extended for each element (doc/performance.md (38)). */
void loop_head(Em *e, StrBuf *b, const Loop *l, int li, int backward, int span) {
  if (e->ssa) {
    sb_printf(b, "for i%d in ", li);
    int_text(e, b, l->lo, 0);
    sb_puts(b, "..");
    span_text(e, b, li, span, 0);
    sb_puts(b, backward ? " backwards {" : " {");
  } else if (backward) {
    sb_printf(b, "for (long i%d = ", li);
    span_text(e, b, li, span, 1);
    sb_puts(b, " - 1");
    stride_text(e, b, li, 0);
    sb_printf(b, "; i%d >= ", li);
    int_text(e, b, l->lo, 0);
    sb_puts(b, "; ");
    stride_text(e, b, li, 1);
    sb_printf(b, "i%d--) {", li);
  } else {
    sb_printf(b, "for (long i%d = ", li);
    int_text(e, b, l->lo, 0);
    stride_text(e, b, li, 0);
    sb_printf(b, "; i%d < ", li);
    span_text(e, b, li, span, 0);
    sb_puts(b, "; ");
    stride_text(e, b, li, 1);
    sb_printf(b, "i%d++) {", li);
  }
}

/* Logsumexp's term t, when the reverse sweep reads the weights: the sum of
 * exponentials stores each term's (relative to the largest term so far),
 * and the factor by which a new largest term rescales the earlier ones. */
static void lse_update_stored(Em *e, int li, int red, const char *t, int w) {
  StrBuf *b = e->line, p0 = {0}, p1 = {0};
  Ref pos = e->g->nodes.v[w].a[1];
  tape_place(e, &p0, w, pos, 0);
  tape_place(e, &p1, w, pos, 1);
  char mbuf[NAME_LEN];
  const char *m = name_text(e->ns[red].name, mbuf), *huge = huge_val(e);
  const char *decl = e->ssa ? "" : "const ", *T = e->ssa ? "" : e->T, *sp = e->ssa ? "" : " ";
  sb_printf(b, "if (%s > %s) {", t, m);
  put_line(e, b);
  e->depth++;
  sb_printf(b, "%s%s%sadc_r = %s > -%s ? exp%s(%s - %s) : 0.0%s", decl, T, sp, m, huge, e->fs, m, t, e->ls);
  put_statement(e, b);
  sb_printf(b, "adc_s%d = adc_s%d * adc_r + 1.0%s", li, li, e->ls);
  put_statement(e, b);
  sb_printf(b, "%s = %s", m, t);
  put_statement(e, b);
  sb_printf(b, "%s = 1.0%s", p0.s, e->ls);
  put_statement(e, b);
  sb_printf(b, "%s = adc_r", p1.s);
  put_statement(e, b);
  e->depth--;
  sb_puts(b, "} else {");
  put_line(e, b);
  e->depth++;
  sb_printf(b, "%s%s%sadc_w = %s > -%s ? exp%s(%s - %s) : 0.0%s", decl, T, sp, m, huge, e->fs, t, m, e->ls);
  put_statement(e, b);
  sb_printf(b, "adc_s%d += adc_w", li);
  put_statement(e, b);
  sb_printf(b, "%s = adc_w", p0.s);
  put_statement(e, b);
  sb_printf(b, "%s = 1.0%s", p1.s, e->ls);
  put_statement(e, b);
  close_brace(e, b);
  sb_free(&p0);
  sb_free(&p1);
}

/* After logsumexp loop li: its stored terms become the weights
 * exp(term - result), from the last term back (each earlier one is
 * rescaled by every larger term that came after it). */
static void lse_weights(Em *e, int li) {
  int w = weight_tape(e, li);
  if (w < 0)
    return;
  const Loop *l = &e->g->loops.v[li];
  StrBuf *b = e->line, p0 = {0}, p1 = {0};
  Ref pos = e->g->nodes.v[w].a[1];
  tape_place(e, &p0, w, pos, 0);
  tape_place(e, &p1, w, pos, 1);
  indent(e);
  put(e, e->ssa ? "# the terms' weights exp(term - result), for the reverse sweep\n"
                : "/* the terms' weights exp(term - result), for the reverse sweep */\n");
  sb_printf(b, "%s%sadc_p%d = 1.0%s / adc_s%d", e->ssa ? "" : e->T, e->ssa ? "" : " ", li, e->ls, li);
  put_statement(e, b);
  loop_head(e, b, l, li, 1, 0);
  put_line(e, b);
  e->depth++;
  sb_printf(b, "%s *= adc_p%d", p0.s, li);
  put_statement(e, b);
  sb_printf(b, "adc_p%d *= %s", li, p1.s);
  put_statement(e, b);
  close_brace(e, b);
  sb_free(&p0);
  sb_free(&p1);
}

/* The running log-sum-exp takes in term t: m is the largest term so far,
 * adc_sL the sum of the exponentials relative to it; the first term needs
 * no exponential. */
static void lse_take(Em *e, int li, const char *m, const char *t) {
  const char *huge = huge_val(e);
  sb_printf(e->line, "if (%s > %s) { adc_s%d = %s > -%s ? adc_s%d * exp%s(%s - %s) + 1.0%s : 1.0%s; %s = %s; } "
                     "else if (%s > -%s) { adc_s%d += exp%s(%s - %s); }",
            t, m, li, m, huge, li, e->fs, m, t, e->ls, e->ls, m, t, m, huge, li, e->fs, t, m);
  put_line(e, e->line);
}

/* After logsumexp loop li (result red): the last term taken in, or every
 * stored term taken in by a pass of its own; the result; the weights. The
 * loop itself only makes its terms (the one before taken in, or each
 * stored): the exponentials do not wait for the next term's arithmetic, nor
 * it for them (doc/performance.md (49)). */
void lse_finish(Em *e, int li, int red) {
  StrBuf *b = e->line;
  const Loop *l = &e->g->loops.v[li];
  char mbuf[NAME_LEN], ubuf[24];
  const char *m = name_text(e->ns[red].name, mbuf);
  snprintf(ubuf, sizeof ubuf, "adc_u%d", li);
  int w = weight_tape(e, li);
  if (w < 0) {
    lse_take(e, li, m, ubuf);
  } else {
    StrBuf p0 = {0};
    tape_place(e, &p0, w, e->g->nodes.v[w].a[1], 0);
    indent(e);
    put(e, e->ssa ? "# the stored terms taken in\n" : "/* the stored terms taken in */\n");
    loop_head(e, b, l, li, 0, 0);
    put_line(e, b);
    e->depth++;
    if (!e->ssa)
      sb_printf(b, "const %s ", e->T);
    sb_printf(b, "%s = %s", ubuf, p0.s);
    put_statement(e, b);
    lse_update_stored(e, li, red, ubuf, w);
    close_brace(e, b);
    sb_free(&p0);
  }
  put_name(b, e->ns[red].name);
  sb_printf(b, " += log%s(adc_s%d)", e->fs, li);
  line_end(e, b, e->g->nodes.v[red].src);
  lse_weights(e, li);
}

/* At the end of an iteration: the reduction takes in its term
 * (logsumexp: see lse_finish). */
void reduce_update(Em *e, int li, int red, int count) {
  const Graph *g = e->g;
  StrBuf *b = e->line, t = {0};
  const Node *nd = &g->nodes.v[red];
  ref_use(e, &t, nd->a[0]);
  char rbuf[NAME_LEN], cbuf[NAME_LEN];
  const char *r = name_text(e->ns[red].name, rbuf), *ts = t.s ? t.s : "";
  LoopKind k = g->loops.v[li].kind;
  int w;
  if (k == LK_SUM) {
    sb_printf(b, "%s += %s", r, ts);
    line_end(e, b, nd->src);
  } else if (k == LK_LSE && (w = weight_tape(e, li)) >= 0) { /* stored, taken in after the loop */
    tape_place(e, b, w, g->nodes.v[w].a[1], 0);
    sb_printf(b, " = %s", ts);
    line_end(e, b, nd->src);
  } else if (k == LK_LSE) { /* the term before taken in, this one kept for the next iteration */
    char ubuf[24];
    snprintf(ubuf, sizeof ubuf, "adc_u%d", li);
    lse_take(e, li, r, ubuf);
    sb_printf(b, "%s = %s", ubuf, ts);
    line_end(e, b, nd->src);
  } else {
    const char *cmp = k == LK_MIN ? "<" : ">";
    if (count >= 0)
      sb_printf(b, "if (%s %s %s) { %s = %s; %s = 1.0%s; } else if (%s == %s) { %s += 1.0%s; }", ts, cmp,
                r, r, ts, name_text(e->ns[count].name, cbuf), e->ls, ts, r, cbuf, e->ls);
    else
      sb_printf(b, "if (%s %s %s) { %s = %s; }", ts, cmp, r, r, ts);
    put_line(e, b);
  }
  sb_free(&t);
}

/* At the very end of an iteration: carried values take their next values;
 * one that is another carried value is read into a temporary first, so
 * that swaps work. */
void loop_nexts(Em *e, int li, int lo, int hi) {
  const Graph *g = e->g;
  StrBuf *b = e->line;
  for (int i = lo; i < hi; i++) {
    Ref v = g->nodes.v[i].a[1];
    if (g->nodes.v[g->nodes.v[i].a[0]].arr)
      continue; /* a local array carried: its buffer */
    if (!ref_is_const(v) && g->nodes.v[v].op == OP_CARRY && g->nodes.v[v].aux == li &&
        v != g->nodes.v[i].a[0]) {
      if (e->ssa)
        sb_printf(b, "adc_next%d = ", i);
      else
        sb_printf(b, "const %s adc_next%d = ", e->T, i);
      ref_use(e, b, v);
      line_end(e, b, g->nodes.v[i].src);
    }
  }
  for (int i = lo; i < hi; i++) {
    const Node *nd = &g->nodes.v[i];
    Ref v = nd->a[1];
    if (v == nd->a[0] || g->nodes.v[nd->a[0]].arr)
      continue;
    put_name(b, e->ns[nd->a[0]].name);
    sb_puts(b, " = ");
    if (!ref_is_const(v) && g->nodes.v[v].op == OP_CARRY && g->nodes.v[v].aux == li)
      sb_printf(b, "adc_next%d", i);
    else
      ref_use(e, b, v);
    line_end(e, b, nd->src);
  }
}

/* Where loop k's body ends but for its NEXT nodes (the carried values'
 * updates, printed last). */
int body_end(const Em *e, int k) {
  const LoopSpan *r = &e->lspans[k];
  int nx = r->body_hi;
  while (nx > r->lo && e->g->nodes.v[nx - 1].op == OP_NEXT && e->g->nodes.v[nx - 1].aux == k)
    nx--;
  return nx;
}

/* The test for the first iteration of the loops SAVE node s's value does
 * not change with (plan.c). */
void first_iteration(Em *e, int s, StrBuf *b) {
  int loops[64], n = graph_unchanged_loops(e->g, s, loops);
  for (int k = 0; k < n; k++) {
    sb_printf(b, "%si%d == ", k ? " && " : "", e->pl.index_of ? e->pl.index_of[loops[k]] : loops[k]);
    int_text(e, b, e->g->loops.v[loops[k]].lo, 1);
  }
}

