/* layout.c - what is known of a function before its body is walked: the
 * tables every walk reads (labels by position, group and loop extents,
 * f_jac's column offsets), and the questions they answer. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

int has_gradient(const Em *e, int p) { return !e->fg->sig->params[p].is_const; }
int is_array(const Em *e, int p) { return e->fg->sig->params[p].ndims > 0; }

int is_tape(const Em *e, int n) { return plan_is_tape(&e->pl, e->g, n); }

/* Does SAVE node sv store a logsumexp's weights (two places per term: the
 * weight, and while the loop runs the factor rescaling the earlier ones)? */
int stores_weights(const Graph *g, int sv) {
  Ref v = g->nodes.v[sv].a[0];
  return !ref_is_const(v) && g->nodes.v[v].op == OP_LSEW;
}

int item_at(const Em *e, int blk, int i, int *grp, int *loop) {
  const Graph *g = e->g;
  const Node *nd = &g->nodes.v[i];
  *grp = *loop = -1;
  if (nd->blk == blk) {
    if (nd->op == OP_PHI) /* a group whose blocks are empty */
      *grp = nd->aux;
    else if (op_info[nd->op].kind == K_EXIT) /* a loop whose body is empty */
      *loop = nd->aux;
  } else { /* the first node of a child region */
    int b = nd->blk;
    while (g->blocks.v[b].parent != blk)
      b = g->blocks.v[b].parent;
    *loop = g->blocks.v[b].loop;
    *grp = *loop >= 0 ? -1 : g->blocks.v[b].group;
  }
  return *grp >= 0 ? e->spans[*grp].hi : *loop >= 0 ? e->lspans[*loop].hi : i + 1;
}

/* Its first node without a forward name, seed, or copy line (g->nodes.n
 * when there is none). */
int reverse_start(const Graph *g) {
  int r = g->nodes.n;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].name < 0 || (g->nodes.v[i].op == OP_INPUT && g->nodes.v[i].aux >= g->nparams)) {
      r = i;
      break;
    }
  if (g->labels.n && g->labels.v[0].pos < r)
    r = g->labels.v[0].pos;
  return r;
}

/* The copies a snapshot of the same version follows in their block:
 * the snapshot's loop moves up to the copy (the version is unchanged in
 * between, since the snapshot reads it) and the two share one pass. */
static void pair_copies(Em *e) {
  const Graph *g = e->g;
  e->copy_snap = xmalloc(sizeof *e->copy_snap * (size_t)(g->nodes.n ? g->nodes.n : 1));
  e->snap_moved = xcalloc((size_t)g->loops.n + 1, sizeof *e->snap_moved);
  for (int i = 0; i < g->nodes.n; i++)
    e->copy_snap[i] = -1;
  if (!e->nbufs || e->ssa)
    return;
  for (int sv = 0; sv < g->nodes.n; sv++) {
    Ref ver = graph_snapshot_of(g, sv, e->buf_of);
    if (ver == REF_NONE)
      continue;
    int l = g->nodes.v[sv].aux, first = -1;
    for (int c = ver + 1; c < e->lspans[l].lo && first < 0; c++) {
      const Node *nd = &g->nodes.v[c];
      if (nd->op == OP_ACOPY && nd->a[1] == ver && nd->blk == g->loops.v[l].parent && e->copy_snap[c] < 0 &&
          ref_is_const(nd->a[2]) && graph_const(g, nd->a[2]) == 0 &&
          g->nodes.v[e->buf_of[c]].a[0] == g->nodes.v[e->buf_of[ver]].a[0])
        first = c;
    }
    if (first >= 0 && !e->snap_moved[l]) {
      e->copy_snap[first] = l;
      e->snap_moved[l] = 1 + first;
    }
  }
}

/* How many values are stored; f_jac's column offsets. */
static void em_layout(Em *e) {
  const Graph *g = e->g;
  for (int i = 0; i < g->nodes.n; i++)
    e->ntapes += g->nodes.v[i].op == OP_SAVE;
  int np = g->nparams;
  e->col_off = arena_alloc(&e->arena, (size_t)(np + 1) * sizeof *e->col_off);
  StrBuf b = {0}, *off = xcalloc((size_t)np + 1, sizeof *off);
  cg_column_offsets(e->fg, off, &b);
  for (int p = 0; p < np; p++) {
    e->col_off[p] = arena_strndup(&e->arena, off[p].s, off[p].len);
    sb_free(&off[p]);
  }
  e->ncols = arena_strndup(&e->arena, b.s, b.len);
  free(off);
  sb_free(&b);
}

/* Labels are made in position order, and passes keep that order: per
 * position, the labels there; per node, the label naming it, if any. */
static void index_labels(Em *e) {
  const Graph *g = e->g;
  size_t n = (size_t)(g->nodes.n ? g->nodes.n : 1), nl = (size_t)(g->labels.n ? g->labels.n : 1);
  e->direct = xmalloc(n * sizeof *e->direct);
  e->use.label_used = xcalloc(nl, 1);
  e->use.label_dep = xmalloc(nl * sizeof *e->use.label_dep);
  e->blk_labels = xcalloc((size_t)g->blocks.n, sizeof *e->blk_labels);
  e->lab_first = xcalloc((size_t)g->nodes.n + 2, sizeof *e->lab_first);
  for (size_t i = 0; i < n; i++)
    e->direct[i] = -1;
  for (int i = 0; i < g->labels.n; i++) {
    const Label *l = &g->labels.v[i];
    assert(i == 0 || g->labels.v[i - 1].pos <= l->pos);
    e->use.label_dep[i] = -1;
    e->lab_first[l->pos + 1]++;
    e->blk_labels[l->blk]++;
    if (e->direct[l->val] < 0 && g->nodes.v[l->val].blk == l->blk && g->nodes.v[l->val].name < 0)
      e->direct[l->val] = i;
  }
  for (int p = 0; p <= g->nodes.n; p++)
    e->lab_first[p + 1] += e->lab_first[p];
}

void em_init(Em *e, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa, const BodyHead *h) {
  const Graph *g = cg_graph(fg, kind);
  memset(e, 0, sizeof *e);
  if (kind == FN_GRAD && ir_sig_array_results(fg->sig)) { /* f_vjp's body, its reverse sweep once per row */
    kind = FN_VJP;
    e->rows = 1;
  }
  e->inline_lo = -1;
  e->reuse_f = -1;
  e->use.step = 1;
  e->fg = fg;
  e->opts = o;
  e->bh = h;
  text_init(e);
  e->T = cg_real_type(o->real);
  e->fs = cg_real_fn(o->real);
  e->ls = cg_real_lit(o->real);
  e->several = cg_several(fg);
  e->ssa = ssa;
  e->g = g;
  e->nm = fg->names;
  e->src = o->src;
  e->kind = kind;
  e->depth = 1;
  e->nparts = 1;
  size_t n = (size_t)(g->nodes.n ? g->nodes.n : 1);
  e->spans = ir_group_spans(g);
  e->lspans = ir_loop_spans(g);
  e->ns = xcalloc(n + 1, sizeof *e->ns);
  for (size_t i = 0; i <= n; i++)
    e->ns[i].slot = e->ns[i].lastload = e->ns[i].pending = -1;
  for (int i = 0; i < g->nodes.n; i++) /* a local array's versions: K_ARR, whatever the op */
    e->ns[i].kind = (uint8_t)(g->nodes.v[i].arr ? K_ARR : op_info[g->nodes.v[i].op].kind);
  e->buf_of = graph_buffers(g);
  for (int i = 0; i < g->nodes.n; i++)
    e->nbufs += g->nodes.v[i].op == OP_ABUF;
  e->ctext = xcalloc((size_t)(g->consts.n ? g->consts.n : 1), sizeof *e->ctext);
  index_labels(e);
  em_layout(e);
  pair_copies(e);
}

void em_free(Em *e) {
  free(e->buf_of);
  free(e->copy_snap);
  free(e->stride_of);
  free(e->snap_moved);
  free(e->spans);
  free(e->lspans);
  free(e->ns);
  free(e->direct);
  free(e->ctext);
  free(e->use.label_used);
  free(e->use.label_dep);
  free(e->blk_labels);
  free(e->lab_first);
  sb_free(&e->linebuf);
  sb_free(&e->last_comment);
  for (int p = 0; e->written && p < e->g->nparams; p++)
    free(e->written[p]);
  free(e->written);
  free(e->direct_len);
  free(e->stores);
  for (int i = 0; i < (int)(sizeof e->reads / sizeof e->reads[0]); i++)
    sb_free(&e->reads[i]);
  vec_free(&e->undo_node);
  vec_free(&e->strides);
  vec_free(&e->undo_curl);
  free(e->cut);
  free(e->use.loadat);
  vec_free(&e->use.loadpart);
  vec_free(&e->use.loadnode);
  vec_free(&e->use.loadnear);
  free(e->use.loadfirst);
  free(e->use.sorted);
  free(e->use.sortnear);
  free(e->use.pused);
  plan_free(&e->pl);
  arena_free(&e->arena);
}
