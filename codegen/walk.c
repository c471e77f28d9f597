/* walk.c - the walk over one function's graph (emit.h): its ranges item by
 * item, a node as one line "const double zK = ...;", a conditional group
 * as one if/else whose phis are assigned in each branch, a loop as a C for
 * loop (with a fused or joined loop's body inside), a label as a copy line
 * "const double z3_bar = z2;" when its value already has a name. Both walks
 * run this code; the first counts what the lines read, the second prints
 * them, leaving out lines that nothing reads. */
#include <assert.h>
#include <stdlib.h>

#include "emit.h"

/* --bounds-check: "if (i < 0 || i >= n) { errno = EDOM; return NAN; }",
 * the storage freed first when it is on the heap. */
static void emit_check(Em *e, const Node *nd) {
  StrBuf *b = e->line;
  if (e->ssa) {
    sb_puts(b, "check 0 <= ");
    int_text(e, b, nd->a[0], 0);
    sb_puts(b, " < ");
    int_text(e, b, nd->a[1], 0);
    line_end(e, b, nd->src);
    return;
  }
  sb_puts(b, "if (");
  int_text(e, b, nd->a[0], 0);
  sb_puts(b, " < 0 || ");
  int_text(e, b, nd->a[0], 0);
  sb_puts(b, " >= ");
  int_text(e, b, nd->a[1], 0);
  sb_puts(b, ") {");
  free_heap(e, b);
  sb_printf(b, " errno = EDOM; return%s; }", fail_value(e));
  block_end(e, b, nd->src);
}

/* "for (long adc_k = 0; adc_k < n; adc_k++) " over the elements of buffer buf. */
static void element_loop(Em *e, StrBuf *b, int buf) {
  if (e->ssa) {
    sb_puts(b, "for adc_k in 0..");
    int_text(e, b, e->g->nodes.v[buf].a[0], 0);
    sb_puts(b, ": ");
    return;
  }
  sb_puts(b, "for (long adc_k = 0; adc_k < ");
  int_text(e, b, e->g->nodes.v[buf].a[0], 0);
  sb_puts(b, "; adc_k++) ");
}

/* "{ double *const adc_s = adc_a0; adc_a0 = adc_a1; adc_a1 = adc_s; }" */
static void swap_text(Em *e, StrBuf *b, int x, int y, int adjoint, int row) {
  StrBuf p = {0}, q = {0};
  buffer_text(e, &p, x, adjoint, row);
  buffer_text(e, &q, y, adjoint, row);
  if (e->ssa)
    sb_printf(b, "swap %s, %s", p.s, q.s);
  else
    sb_printf(b, "{ %s *const adc_s = %s; %s = %s; %s = adc_s; }", e->T, p.s, p.s, q.s, q.s);
  sb_free(&p);
  sb_free(&q);
}

static void emit_loop(Em *e, int li);

/* A local array's statements (ops.def): fill, copy, move (a swap of
 * buffers), an element stored; in the reverse sweep, its adjoint's. */
static int emit_array(Em *e, int n) {
  const Node *nd = &e->g->nodes.v[n];
  StrBuf *b = e->line;
  int buf = e->buf_of[n] >= 0 ? e->buf_of[n] : nd->a[0];
  /* a reverse sweep reads local arrays' values it needs from storage and
   * never writes them: f_jac's rows all start from the forward sweep's */
  assert(e->rows != 2 || (nd->op != OP_AFILL && nd->op != OP_ACOPY && nd->op != OP_AMOVE && nd->op != OP_ASET));
  switch (nd->op) {
  case OP_ACOPY:
    if (e->copy_snap[n] >= 0) { /* in the pass of the snapshot that follows */
      emit_loop(e, e->copy_snap[n]);
      return 1;
    }
    /* fall through */
  case OP_AFILL:
  case OP_ACLEAR:
    element_loop(e, b, buf);
    buffer_text(e, b, buf, nd->op == OP_ACLEAR, nd->aux);
    sb_puts(b, "[adc_k] = ");
    if (nd->op == OP_AFILL) {
      ref_use(e, b, nd->a[1]);
    } else if (nd->op == OP_ACOPY) {
      ref_use(e, b, nd->a[1]);
      sb_puts(b, "[adc_k");
      if (!ref_is_const(nd->a[2]) || graph_const(e->g, nd->a[2]) != 0) { /* a row */
        sb_puts(b, " + ");
        int_text(e, b, nd->a[2], 1);
      }
      sb_puts(b, "]");
    } else {
      sb_printf(b, "0.0%s", e->ls);
    }
    break;
  case OP_AMOVE:
    swap_text(e, b, buf, e->buf_of[nd->a[1]], 0, 0);
    block_end(e, b, nd->src);
    return 1;
  case OP_ASWAP:
    swap_text(e, b, nd->a[0], nd->a[1], 1, nd->aux);
    block_end(e, b, nd->src);
    return 1;
  case OP_ASET:
  case OP_AZERO:
    buffer_text(e, b, buf, nd->op == OP_AZERO, nd->aux);
    subscript_text(e, b, nd->a[1]);
    sb_puts(b, " = ");
    if (nd->op == OP_ASET)
      ref_use(e, b, nd->a[2]);
    else
      sb_printf(b, "0.0%s", e->ls);
    break;
  case OP_ACCUM: /* into a local array's adjoint */
    buffer_text(e, b, nd->a[0], 1, nd->aux);
    subscript_text(e, b, nd->a[1]);
    sb_puts(b, " += ");
    ref_use(e, b, nd->a[2]);
    break;
  default:
    return 1; /* the buffer, a version carried or merged: nothing to print */
  }
  line_end(e, b, nd->src);
  return 1;
}

/* Lines that are statements, not definitions. */
static int emit_effect(Em *e, int n) {
  const Node *nd = &e->g->nodes.v[n];
  StrBuf *b = e->line;
  if (e->ns[n].kind == K_ARR || nd->op == OP_AZERO || nd->op == OP_ACLEAR || nd->op == OP_ASWAP ||
      (nd->op == OP_ACCUM && e->g->nodes.v[nd->a[0]].op == OP_ABUF))
    return emit_array(e, n);
  switch (nd->op) {
  case OP_ACCUM: { /* into a gradient (f_hvp: or its tangent, ARRAY 2 nparams + p) */
    int p = e->g->nodes.v[nd->a[0]].aux, np = e->g->nparams;
    count_accum(e, p);
    if (e->several && e->kind == FN_GRAD)
      sb_printf(b, "%s[%d * (%s) + %s + ", e->nm->jacp, nd->aux, e->ncols, e->col_off[p]);
    else
      sb_printf(b, "%s[", p >= np ? input_name(e, p) : e->nm->bars[p]);
    int_text(e, b, nd->a[1], e->several && e->kind == FN_GRAD ? 1 : 0);
    sb_puts(b, e->stores && e->stores[n] ? "] = " : "] += ");
    ref_use(e, b, nd->a[2]);
    break;
  }
  case OP_SAVE:
    if (!is_tape(e, n) || (e->pl.cached_in && e->pl.cached_in[nd->a[0]] == n) || stores_weights(e->g, n))
      return 1; /* nothing to store, or stored where the value is made (weights: by the loop) */
    tape_text(e, b, n, nd->a[1]);
    sb_puts(b, " = ");
    ref_use(e, b, nd->a[0]);
    break;
  case OP_CHECK:
    emit_check(e, nd);
    return 1;
  case OP_CARRY:
  case OP_NEXT:
    return 1; /* declared before the loop; assigned at its end */
  case OP_LSEW:
    return 1; /* known after the loop: only stored (see reduce_update) */
  default:
    return 0;
  }
  line_end(e, b, nd->src);
  return 1;
}

/* Node n is a copy of a value its fused forward loop computed. */
static int shared(const Em *e, int n) { return e->pl.same_as && e->pl.same_as[n] >= 0; }

/* Every value of nodes [lo, hi) is such a copy (or an integer, printed where used). */
static int recomputed(const Em *e, int lo, int hi) {
  for (int n = lo; n < hi; n++)
    if (!shared(e, n) && op_info[e->g->nodes.v[n].op].kind != K_INT)
      return 0;
  return 1;
}

/* "const double z7 = i0 == 0 ? (adc_t8[i1] = exp(z6)) : adc_t8[i1];": made
 * the first time round the loops it does not change with, read back after;
 * or made before them (emit_hoisted) and only read back. */
static void emit_cached(Em *e, int n, int s) {
  const Node *nd = &e->g->nodes.v[n];
  StrBuf *b = e->line, t = {0};
  e->ns[n].name = own_name(e, n);
  e->ns[n].curl = -1;
  tape_text(e, &t, s, e->g->nodes.v[s].a[1]);
  int read = is_read(e, n); /* else only stored (the vjp's forward sweep): a statement */
  if (e->pl.inlined[n] & 2) { /* made before the loops: read back */
    if (read) {
      if (!e->ssa)
        put_decl(b, e->T);
      put_name(b, e->ns[n].name);
      sb_printf(b, " = %s", t.s);
      line_end(e, b, nd->src);
    }
    sb_free(&t);
    return;
  }
  if (read && !e->ssa)
    put_decl(b, e->T);
  if (read) {
    put_name(b, e->ns[n].name);
    sb_puts(b, " = ");
  } else {
    sb_puts(b, "if (");
  }
  first_iteration(e, s, b);
  sb_printf(b, read ? " ? (%s = " : ") %s = ", t.s);
  expr_text(e, b, n);
  if (read)
    sb_printf(b, ") : %s", t.s);
  sb_free(&t);
  line_end(e, b, nd->src);
}

static void emit_node(Em *e, int n) {
  const Node *nd = &e->g->nodes.v[n];
  StrBuf *b = e->line;
  if (shared(e, n)) { /* computed by the forward loop */
    e->ns[n].name = e->ns[e->pl.same_as[n]].name;
    e->ns[n].curl = -1;
    return;
  }
  if (e->pl.cached_in && e->pl.cached_in[n] >= 0) {
    emit_cached(e, n, e->pl.cached_in[n]);
    return;
  }
  e->ns[n].name = own_name(e, n);
  e->ns[n].curl = -1;
  if (e->pl.inlined && e->pl.inlined[n] && !is_read(e, n))
    return; /* read only by a value made before its loops, written out there */
  if (op_info[nd->op].kind == K_INT || nd->op == OP_ARRAY || remade(e, n))
    return; /* printed where used (remade: at the start of each part that reads it) */
  if (emit_effect(e, n))
    return;
  if (nd->op == OP_INPUT && !is_read(e, n))
    return; /* an unread parameter: (void) at the top instead */
  if (!e->ssa)
    put_decl(b, e->ns[n].kind == K_CND ? "int" : e->T);
  put_name(b, e->ns[n].name);
  sb_puts(b, " = ");
  expr_text(e, b, n);
  line_end(e, b, e->direct[n] >= 0 && nd->name < 0 ? e->g->labels.v[e->direct[n]].src : nd->src);
  store_at_def(e, n);
}

/* Labels at position pos in block blk: the node named by one keeps its
 * name; any other becomes a copy line, printed only if something reads
 * it. (Its value is not counted as read here: only if the copy line is,
 * resolve_usage.) */
static void emit_labels(Em *e, int blk, int pos) {
  const Graph *g = e->g;
  for (int i = e->lab_first[pos]; i < e->lab_first[pos + 1]; i++) {
    const Label *l = &g->labels.v[i];
    if (l->blk != blk || e->direct[l->val] == i || !copy_line_used(e, i))
      continue;
    StrBuf *b = e->line;
    count_label(e, i, cur_label(e, l->val));
    if (!e->ssa)
      put_decl(b, e->T);
    put_name(b, label_name(e, i));
    sb_puts(b, " = ");
    ref_text(e, b, l->val);
    line_end(e, b, l->src);
    set_cur(e, l->val, i);
  }
}

static void emit_range(Em *e, int blk, int lo, int hi);

/* Before the group: its phis, declared (or, when both branches are empty,
 * made as "c ? a : b"). Returns whether it is that simple. */
static int group_phis(Em *e, int gi) {
  const Graph *g = e->g;
  const GroupSpan *s = &e->spans[gi];
  const Group *gr = &g->groups.v[gi];
  StrBuf *b = e->line;
  int simple = s->phi_lo == s->lo && !e->blk_labels[gr->then_blk] && !e->blk_labels[gr->else_blk];
  for (int p = s->phi_lo; p < s->hi; p++) {
    if (e->ns[p].kind == K_ARR) /* a local array's version: its buffer is the same either way */
      continue;
    if (shared(e, p)) {
      emit_node(e, p); /* named as the forward copy */
      continue;
    }
    e->ns[p].name = own_name(e, p);
    if (simple) {
      const Node *nd = &g->nodes.v[p];
      if (!e->ssa)
        put_decl(b, e->T);
      put_name(b, e->ns[p].name);
      sb_puts(b, " = ");
      ref_use(e, b, nd->a[0]);
      sb_puts(b, " ? ");
      ref_use(e, b, nd->a[1]);
      sb_puts(b, " : ");
      ref_use(e, b, nd->a[2]);
      line_end(e, b, nd->src);
      e->ns[p].curl = -1;
    } else if (!e->ssa) {
      sb_printf(b, "%s ", e->T);
      put_name(b, e->ns[p].name);
      line_end(e, b, g->nodes.v[p].src);
    }
  }
  return simple;
}

/* One branch of the group: its nodes, then the phis' values on that side. */
static void group_side(Em *e, int gi, int side) {
  const Graph *g = e->g;
  const GroupSpan *s = &e->spans[gi];
  const Group *gr = &g->groups.v[gi];
  StrBuf *b = e->line;
  sb_puts(b, side ? (e->ssa ? "if " : "if (") : "} else {");
  if (side) {
    ref_use(e, b, gr->cond);
    sb_puts(b, e->ssa ? " {" : ") {");
  }
  put_line(e, b);
  int mark = e->undo_node.n;
  e->depth++;
  emit_range(e, side ? gr->then_blk : gr->else_blk, side ? s->lo : s->then_hi, side ? s->then_hi : s->phi_lo);
  for (int p = s->phi_lo; p < s->hi; p++) {
    if (shared(e, p) || e->ns[p].kind == K_ARR)
      continue;
    put_name(b, e->ns[p].name);
    sb_puts(b, " = ");
    ref_use(e, b, g->nodes.v[p].a[side ? 1 : 2]);
    line_end(e, b, g->nodes.v[p].src);
  }
  e->depth--;
  leave_block(e, mark);
}

static void emit_group(Em *e, int gi) {
  const GroupSpan *s = &e->spans[gi];
  if (recomputed(e, s->lo, s->hi)) { /* the forward loop's copy is in scope: print nothing */
    for (int n = s->lo; n < s->hi; n++)
      emit_node(e, n);
    return;
  }
  if (group_phis(e, gi))
    return;
  for (int side = 1; side >= 0; side--)
    group_side(e, gi, side);
  indent(e);
  put(e, "}\n");
  for (int p = s->phi_lo; p < s->hi; p++)
    e->ns[p].curl = -1;
}

/* Before the first step of the body that belongs to the reverse sweep. */
static void sweep_marker(Em *e, int blk, int step_end) {
  if (blk != 0 || e->kind == FN_FWD || e->kind == FN_JVP || e->rev_marked || e->rev_start >= step_end)
    return;
  e->rev_marked = 1;
  if (e->zero_late == 1) { /* after the forward sweep's checks */
    emit_zeroing(e);
    e->zero_late = 2;
  }
  begin_reverse(e);
  e->marker = e->ssa ? "# reverse sweep\n" : "/* reverse sweep: zK_bar = d(result)/d(zK) */\n";
}

/* The body of loop k, run in the iterations of the loop being printed
 * (its fused reverse loop, or a loop joined to it). */
static void emit_absorbed(Em *e, int k) {
  int nx = body_end(e, k);
  emit_range(e, e->g->loops.v[k].body, e->lspans[k].lo, nx);
  loop_nexts(e, k, nx, e->lspans[k].body_hi);
}

static void emit_exits(Em *e, int li) {
  const LoopSpan *s = &e->lspans[li];
  for (int i = s->body_hi; i < s->hi; i++)
    if (e->g->nodes.v[i].op == OP_LOOPOUT)
      emit_node(e, i);
}

/* Inside the loop, after its own body: the reverse loop fused with it and
 * the loops joined to it, each in the same iteration. */
static void emit_partners(Em *e, int li) {
  int rv = e->pl.fused_with ? e->pl.fused_with[li] : -1;
  if (rv >= 0) { /* the reverse sweep of this term, in the same iteration */
    indent(e);
    put(e, e->ssa ? "# its reverse sweep (the terms of a sum are independent)\n"
                  : "/* its reverse sweep (the terms of a sum are independent) */\n");
    emit_absorbed(e, rv);
  }
  for (int k = e->pl.joined ? e->pl.joined[li] : -1; k >= 0; k = e->pl.joined[k]) {
    indent(e); /* the loops after it over the same range, in the same iteration */
    put(e, e->ssa ? "# and in the same iteration\n" : "/* and in the same iteration */\n");
    emit_absorbed(e, k);
  }
}

/* In the body of snapshot loop li, moved up to copy c: the element the
 * snapshot read, stored into the copy's buffer. */
static void copy_in_snapshot(Em *e, int li, int c) {
  const Graph *g = e->g;
  StrBuf *b = e->line;
  Ref ld = REF_NONE;
  for (int i = e->lspans[li].lo; i < e->lspans[li].body_hi && ld == REF_NONE; i++)
    if (g->nodes.v[i].op == OP_LOAD)
      ld = i;
  assert(ld != REF_NONE);
  buffer_text(e, b, e->buf_of[c], 0, 0);
  subscript_text(e, b, g->nodes.v[ld].a[1]);
  sb_puts(b, " = ");
  ref_use(e, b, ld);
  line_end(e, b, g->nodes.v[c].src);
}

/* A cached value made before loop u, the outermost it does not change
 * with, by a loop nest over those it changes with:
 *   for (int i1 = 0; i1 < K; i1++) {
 *     adc_t31[i1] = exp(icf[i1]);  ... } */
static void emit_hoisted(Em *e, int v, int u) {
  const Graph *g = e->g;
  int s = e->pl.cached_in[v], loops[64], ch[64];
  int n = graph_unchanged_loops(g, s, loops);
  int nch = plan_changed_loops(g, v, u, loops, n, ch);
  StrBuf *b = e->line;
  indent(e);
  put(e, e->ssa ? "# made once: the loop below does not change it\n"
                : "/* made once: the loop below does not change it */\n");
  for (int k = nch - 1; k >= 0; k--) {
    loop_head(e, b, &g->loops.v[ch[k]], ch[k], 0, 1);
    put_line(e, b);
    e->depth++;
  }
  int sum = g->nodes.v[v].op == OP_REDUCE, mark = e->undo_node.n;
  if (sum) /* a sum: its loop, then the result */
    emit_loop(e, g->nodes.v[v].aux);
  tape_place(e, b, s, g->nodes.v[s].a[1], 0);
  sb_puts(b, " = ");
  if (sum) {
    put_name(b, e->ns[v].name);
  } else {
    e->inline_lo = e->lspans[u].lo;
    expr_text(e, b, v);
    e->inline_lo = -1;
  }
  line_end(e, b, g->nodes.v[v].src);
  leave_block(e, mark);
  for (int k = 0; k < nch; k++)
    close_brace(e, b);
}

/* The result of sum loop li when it is made before the loops around it
 * (emit_hoisted prints the loop there), else -1. */
static int hoisted_sum(const Em *e, int li) {
  if (!e->pl.cached_in)
    return -1;
  for (int i = e->lspans[li].body_hi; i < e->lspans[li].hi; i++)
    if (e->g->nodes.v[i].op == OP_REDUCE && e->pl.cached_in[i] >= 0 && (e->pl.inlined[i] & 2))
      return i;
  return -1;
}

static void emit_loop(Em *e, int li) {
  const Graph *g = e->g;
  const Loop *l = &g->loops.v[li];
  const LoopSpan *s = &e->lspans[li];
  StrBuf *b = e->line;
  for (int v = e->pl.hoist_first ? e->pl.hoist_first[li] : -1; v >= 0; v = e->pl.hoist_next[v])
    emit_hoisted(e, v, li);
  int rv = e->pl.fused_with ? e->pl.fused_with[li] : -1;
  if (rv >= 0)
    loop_declarations(e, rv);
  for (int k = e->pl.joined ? e->pl.joined[li] : -1; k >= 0; k = e->pl.joined[k])
    loop_declarations(e, k);
  loop_declarations(e, li);
  stride_plan(e, li);
  loop_head(e, b, l, li, l->backward, 0);
  put_line(e, b);
  int mark = e->undo_node.n;
  e->depth++;
  int nx = body_end(e, li);
  emit_range(e, l->body, s->lo, nx);
  if (e->snap_moved[li])
    copy_in_snapshot(e, li, e->snap_moved[li] - 1);
  emit_partners(e, li);
  int red = -1, count = -1;
  for (int i = s->body_hi; i < s->hi; i++)
    if (g->nodes.v[i].op == OP_REDUCE)
      red = i;
    else if (g->nodes.v[i].op == OP_RCOUNT)
      count = i;
  if (red >= 0)
    reduce_update(e, li, red, count);
  loop_nexts(e, li, nx, s->body_hi);
  e->depth--;
  leave_block(e, mark);
  stride_end(e, li);
  indent(e);
  put(e, "}\n");
  if (red >= 0 && l->kind == LK_LSE)
    lse_finish(e, li, red);
  emit_exits(e, li);
}

static void emit_range(Em *e, int blk, int lo, int hi) {
  int i = lo;
  while (i < hi) {
    if (blk == 0 && e->part + 1 < e->nparts && i == e->cut[e->part + 1])
      next_part(e);
    int grp, loop, end = item_at(e, blk, i, &grp, &loop);
    sweep_marker(e, blk, end);
    emit_labels(e, blk, i);
    if (grp >= 0)
      emit_group(e, grp);
    else if (loop >= 0 && e->pl.absorbed && e->pl.absorbed[loop])
      emit_exits(e, loop);
    else if (loop >= 0 && e->snap_moved[loop])
      ; /* printed with the copy before it */
    else if (loop >= 0 && hoisted_sum(e, loop) >= 0)
      emit_node(e, hoisted_sum(e, loop)); /* made before the loops around: read back */
    else if (loop >= 0 && recomputed(e, i, end))
      for (int n = i; n < end; n++) /* the forward loop's copy is in scope */
        emit_node(e, n);
    else if (loop >= 0)
      emit_loop(e, loop);
    else
      emit_node(e, i);
    i = end;
  }
  sweep_marker(e, blk, hi + 1);
  emit_labels(e, blk, hi);
}

void emit_pass(Em *e) {
  const Graph *g = e->g;
  e->rev_marked = 0;
  e->zero_late = e->zero_late ? 1 : 0;
  e->marker = NULL;
  /* f_jvp has no reverse sweep; f_hvp's starts with its first label (its
   * tangents are inputs, and their helpers unnamed, from the start) */
  e->rev_start = e->kind == FN_JVP ? g->nodes.n : e->kind == FN_HVP ? (g->labels.n ? g->labels.v[0].pos : g->nodes.n)
                                                                    : reverse_start(g);
  if (e->kind == FN_GRAD || e->kind == FN_VJP || e->kind == FN_HVP)
    e->marker = e->ssa ? "# forward sweep\n" : "/* forward sweep */\n";
  e->helper = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].name >= e->helper)
      e->helper = g->nodes.v[i].name + 1;
  for (int i = 0; i < g->labels.n; i++)
    if (g->labels.v[i].name >= e->helper)
      e->helper = g->labels.v[i].name + 1;
  for (int i = 0; i < g->nodes.n; i++)
    e->ns[i].curl = -1;
  e->undo_node.n = e->undo_curl.n = 0;
  e->part = 0;
  if (e->nparts > 1)
    begin_part(e, 0);
  emit_range(e, 0, 0, g->nodes.n);
  assert(e->depth == 1 + (e->rows == 2) && e->part == e->nparts - 1);
  emit_outputs(e);
}
