/* opt.c - dead-node elimination, naming, group extents. (Constant folding
 * and CSE happen as nodes are built: graph.c.)
 *   ir_dce needs:       a verified graph
 *          makes:       the graph without what no output needs, in the same
 *                       order (groups and loops stay ranges), renumbered
 *          invalidates: node indices: spans, extents and per-node tables made
 *                       before it */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

void ir_extents_free(Extents *x) {
  free(x->lo);
  free(x->hi);
  free(x->count);
}

void ir_extents(const Graph *g, Extents *x) {
  int nb = g->blocks.n;
  int *lo = x->lo = xmalloc((size_t)nb * sizeof *lo), *hi = x->hi = xmalloc((size_t)nb * sizeof *hi);
  int *count = x->count = xmalloc((size_t)nb * sizeof *count);
  for (int i = 0; i < nb; i++) {
    lo[i] = INT_MAX;
    hi[i] = -1;
    count[i] = 0;
  }
  for (int n = 0; n < g->nodes.n; n++) {
    int b = g->nodes.v[n].blk;
    if (n < lo[b])
      lo[b] = n;
    hi[b] = n + 1;
    count[b]++;
  }
  /* Children are made after their parents: fold extents upwards. */
  for (int b = nb - 1; b > 0; b--) {
    int p = g->blocks.v[b].parent;
    if (lo[b] < lo[p])
      lo[p] = lo[b];
    if (hi[b] > hi[p])
      hi[p] = hi[b];
    count[p] += count[b];
  }
}

GroupSpan *ir_group_spans(const Graph *g) {
  int ng = g->groups.n;
  Extents x;
  ir_extents(g, &x);
  int *lo = x.lo, *hi = x.hi, *count = x.count;
  GroupSpan *s = xcalloc((size_t)(ng ? ng : 1), sizeof *s);
  for (int i = 0; i < ng; i++) {
    s[i].phi_lo = INT_MAX;
    s[i].hi = -1;
  }
  for (int n = 0; n < g->nodes.n; n++) {
    const Node *nd = &g->nodes.v[n];
    if (nd->op == OP_PHI) {
      GroupSpan *gs = &s[nd->aux];
      if (n < gs->phi_lo)
        gs->phi_lo = n;
      gs->hi = n + 1;
      gs->live = 1;
    }
  }
  for (int i = 0; i < ng; i++) {
    const Group *gr = &g->groups.v[i];
    int t = gr->then_blk, e = gr->else_blk;
    int l = s[i].phi_lo;
    if (lo[t] < l)
      l = lo[t];
    if (lo[e] < l)
      l = lo[e];
    s[i].lo = l;
    s[i].then_hi = hi[t] >= 0 ? hi[t] : l;
    if (!s[i].live)
      s[i].phi_lo = s[i].hi = hi[e] >= 0 ? hi[e] : s[i].then_hi;
    s[i].live |= count[t] + count[e] > 0; /* effects need no phi */
  }
  ir_extents_free(&x);
  return s;
}

/* A loop whose body and exits all died has lo = hi = -1. */
LoopSpan *ir_loop_spans(const Graph *g) {
  int nl = g->loops.n;
  Extents x;
  ir_extents(g, &x);
  int *lo = x.lo, *hi = x.hi, *count = x.count;
  LoopSpan *s = xcalloc((size_t)(nl ? nl : 1), sizeof *s);
  int *xlo = xmalloc((size_t)(nl ? nl : 1) * sizeof *xlo), *xhi = xmalloc((size_t)(nl ? nl : 1) * sizeof *xhi);
  for (int i = 0; i < nl; i++) {
    xlo[i] = INT_MAX;
    xhi[i] = -1;
  }
  for (int n = 0; n < g->nodes.n; n++)
    if (op_info[g->nodes.v[n].op].kind == K_EXIT) {
      int l = g->nodes.v[n].aux;
      if (n < xlo[l])
        xlo[l] = n;
      xhi[l] = n + 1;
    }
  for (int i = 0; i < nl; i++) {
    int b = g->loops.v[i].body;
    if (count[b]) {
      s[i].lo = lo[b];
      s[i].body_hi = hi[b];
      s[i].hi = xhi[i] >= 0 ? xhi[i] : hi[b];
    } else if (xhi[i] >= 0) {
      s[i].lo = s[i].body_hi = xlo[i];
      s[i].hi = xhi[i];
    } else {
      s[i].lo = s[i].body_hi = s[i].hi = -1;
    }
  }
  ir_extents_free(&x);
  free(xlo);
  free(xhi);
  return s;
}

void ir_name_nodes(Graph *g) {
  for (int i = 0; i < g->nodes.n; i++)
    g->nodes.v[i].name = i;
}

static Ref remap(const int *idx, Ref r) { return r == REF_NONE || ref_is_const(r) ? r : idx[r]; }

static int is_root(const Graph *g, const Node *nd) {
  return (nd->op == OP_INPUT && nd->aux < g->nparams) || nd->op == OP_IPARAM || nd->op == OP_SIZE ||
         nd->op == OP_ARRAY || nd->op == OP_ACCUM || nd->op == OP_AZERO || nd->op == OP_ACLEAR ||
         nd->op == OP_ASWAP;
}

typedef struct Marker {
  const Graph *g;
  char *live, *bdone;
  int *next_of; /* CARRY -> its NEXT; a logsumexp's weight (LSEW) -> its REDUCE, which
                 * fills the weight's storage, and back (kept for a later reverse); or -1 */
  int *save_of; /* a value -> its SAVE, or -1 (kept only for a later reverse) */
  int *count_of; /* a min/max REDUCE -> its RCOUNT (kept for a later reverse), an RCOUNT ->
                  * its REDUCE (counted against the running extreme, printed with it), or -1 */
  int *export_of; /* a branch value -> the phi it leaves its branch by, or -1 (likewise) */
  int cursor;    /* the sweep's place: nodes above it are expanded when marked */
  VEC(int) work;
} Marker;

static void mark(Marker *m, Ref r) {
  if (r != REF_NONE && !ref_is_const(r) && !m->live[r]) {
    m->live[r] = 1;
    if (r > m->cursor)
      vec_push(&m->work, r);
  }
}

/* A live node keeps alive what decides whether and how often its block
 * runs: the conditions of the groups and the ranges of the loops around it. */
static void mark_blocks(Marker *m, int b) {
  const Graph *g = m->g;
  for (; b > 0 && !m->bdone[b]; b = g->blocks.v[b].parent) {
    m->bdone[b] = 1;
    const Block *bl = &g->blocks.v[b];
    if (bl->group >= 0)
      mark(m, g->groups.v[bl->group].cond);
    if (bl->loop >= 0) {
      mark(m, g->loops.v[bl->loop].lo);
      mark(m, g->loops.v[bl->loop].hi);
    }
  }
}

/* The branch value phi n exports, when it is "c ? v : 0" or "c ? 0 : v"
 * (made by the builder so that an adjoint branch can read v), else REF_NONE. */
Ref ir_exported(const Graph *g, int n) {
  const Node *nd = &g->nodes.v[n];
  if (nd->op != OP_PHI)
    return REF_NONE;
  Ref a = nd->a[1], b = nd->a[2];
  if (ref_is_const(b) && graph_const(g, b) == 0 && !ref_is_const(a))
    return a;
  if (ref_is_const(a) && graph_const(g, a) == 0 && !ref_is_const(b))
    return b;
  return REF_NONE;
}

/* Mark what live node i keeps alive. */
static void expand(Marker *m, int i) {
  const Graph *g = m->g;
  const Node *nd = &g->nodes.v[i];
  for (int k = 0; k < 3; k++)
    mark(m, nd->a[k]);
  if (m->next_of[i] >= 0)
    mark(m, m->next_of[i]);
  if (m->save_of[i] >= 0)
    mark(m, m->save_of[i]);
  if (m->count_of[i] >= 0)
    mark(m, m->count_of[i]);
  if (m->export_of[i] >= 0)
    mark(m, m->export_of[i]);
  mark_blocks(m, nd->blk);
  if (op_info[nd->op].kind == K_EXIT) /* its loop runs even when the body is all constants */
    mark_blocks(m, g->loops.v[nd->aux].body);
}

/* Node i lives, settled after the sweep: what it keeps alive goes by the
 * worklist. */
static void keep(Marker *m, int i) {
  m->live[i] = 1;
  expand(m, i);
  while (m->work.n)
    expand(m, m->work.v[--m->work.n]);
}

/* In a forward graph just built, a check of an index (--bounds-check)
 * lives while the index does: an element nothing reads needs none. Its
 * index was built before it and its users after it, but a shared index may
 * be older than the check, so this is settled once the sweep is done (the
 * sweep's cursor is then 0: whatever a kept check keeps alive goes by the
 * worklist). Every check left guards an element the function reads, and
 * stays in every graph made from it: the reverse sweeps may read the
 * element again (the vjp's forward sweep may then be there for its checks
 * alone, which come before anything is written). */
static void keep_checks(Marker *m) {
  const Graph *g = m->g;
  for (int changed = 1; changed;) {
    changed = 0;
    for (int i = 0; i < g->nodes.n; i++) {
      const Node *nd = &g->nodes.v[i];
      if (nd->op != OP_CHECK || m->live[i] || ref_is_const(nd->a[0]) || !m->live[nd->a[0]])
        continue;
      keep(m, i);
      changed = 1;
    }
  }
}

/* A forward function's stores: a cache of a live value (graph_cache_loops:
 * gmm.ad's exp(icf[k, j]) in the loop over the points) is kept, so that the
 * emitter makes it once per place; the other stores, which only a reverse
 * sweep reads, go. Settled after the sweep, as checks are. */
static void keep_caches(Marker *m) {
  const Graph *g = m->g;
  int loops[64];
  for (int i = 0; i < g->nodes.n; i++)
    if (!m->live[i] && graph_cache_loops(g, i, loops) && m->live[g->nodes.v[i].a[0]])
      keep(m, i);
}

/* live[i]: node i is needed by an output or an effect (parameters always
 * are, so inputs stay first and keep their numbers). A carried value that
 * lives keeps its NEXT alive, a later node: such links go by a worklist. */
static char *mark_live(const Graph *g, int keep_saves, int caches) {
  int n = g->nodes.n;
  size_t sz = (size_t)(n ? n : 1) * sizeof(int);
  Marker m = {g, xcalloc((size_t)(n ? n : 1), 1), xcalloc((size_t)g->blocks.n, 1), xmalloc(sz),
              xmalloc(sz), xmalloc(sz), xmalloc(sz), n, {0}};
  memset(m.next_of, 0xff, sz); /* all -1 */
  memset(m.save_of, 0xff, sz);
  memset(m.count_of, 0xff, sz);
  memset(m.export_of, 0xff, sz);
  int *buf = keep_saves && graph_has_arrays(g) ? graph_buffers(g) : NULL;
  for (int i = 0; i < n; i++) { /* one pass for the links and the roots */
    const Node *nd = &g->nodes.v[i];
    if (nd->op == OP_RCOUNT && i > 0 && g->nodes.v[i - 1].op == OP_REDUCE && g->nodes.v[i - 1].aux == nd->aux) {
      m.count_of[i] = i - 1; /* also where the reverse sweep reads the extreme elsewhere (an exported phi) */
      if (keep_saves)
        m.count_of[i - 1] = i;
    }
    if (keep_saves && i > 0) {
      Ref v = ir_exported(g, i);
      if (v != REF_NONE && m.export_of[v] < 0)
        m.export_of[v] = i; /* the phi a branch's value leaves by */
    }
    if (nd->op == OP_LSEW) { /* its REDUCE follows the loop's body */
      for (int k = i + 1; k < n; k++)
        if (g->nodes.v[k].op == OP_REDUCE && g->nodes.v[k].aux == nd->aux) {
          m.next_of[i] = k;
          if (keep_saves)
            m.next_of[k] = i;
          break;
        }
    } else if (nd->op == OP_NEXT) {
      m.next_of[nd->a[0]] = i;
    } else if (nd->op == OP_SAVE && keep_saves) {
      m.save_of[nd->a[0]] = i;
      Ref ver = buf ? graph_snapshot_of(g, i, buf) : REF_NONE;
      if (ver != REF_NONE && m.save_of[ver] < 0) /* a snapshot lives while its version does */
        m.save_of[ver] = i;
    }
    if (is_root(g, nd) || (nd->op == OP_CHECK && !keep_saves))
      mark(&m, i);
  }
  for (int i = 0; i < g->outs.n; i++)
    mark(&m, g->outs.v[i]);
  /* Arguments come before their users, so a sweep from the last node down
   * meets each live node after everything that keeps it alive (reading the
   * graph in order, not hopping around it); the few links that point
   * forwards (a carried value's NEXT) go by the worklist at once. */
  for (int c = n - 1; c >= 0; c--) {
    m.cursor = c;
    if (m.live[c])
      expand(&m, c);
    while (m.work.n)
      expand(&m, m.work.v[--m.work.n]);
  }
  if (keep_saves)
    keep_checks(&m);
  if (caches)
    keep_caches(&m);
  free(buf);
  free(m.bdone);
  free(m.next_of);
  free(m.save_of);
  free(m.count_of);
  free(m.export_of);
  vec_free(&m.work);
  return m.live;
}

/* A label survives with a live value in a block that still has live
 * nodes; its position moves to the count of live nodes before it. */
static void keep_labels(Graph *g, const char *live, const int *idx, int n) {
  int nb = g->blocks.n;
  char *blive = xcalloc((size_t)nb, 1);
  for (int i = 0; i < n; i++)
    if (live[i])
      blive[g->nodes.v[i].blk] = 1;
  blive[0] = 1;
  for (int b = nb - 1; b > 0; b--)
    if (blive[b])
      blive[g->blocks.v[b].parent] = 1;
  int *before = xmalloc((size_t)(n + 1) * sizeof *before);
  before[0] = 0;
  for (int i = 0; i < n; i++)
    before[i + 1] = before[i] + live[i];
  int k = 0;
  for (int i = 0; i < g->labels.n; i++) {
    Label l = g->labels.v[i];
    if (ref_is_const(l.val) || !live[l.val] || !blive[l.blk])
      continue;
    l.val = idx[l.val];
    l.pos = before[l.pos];
    g->labels.v[k++] = l;
  }
  g->labels.n = k;
  free(blive);
  free(before);
}

static Ref remap_live(const int *idx, Ref r) {
  return r == REF_NONE || ref_is_const(r) || idx[r] >= 0 ? remap(idx, r) : REF_NONE;
}

static void dce(Graph *g, int keep_saves, int caches) {
  int n = g->nodes.n;
  char *live = mark_live(g, keep_saves, caches);
  int *idx = xmalloc((size_t)(n + 1) * sizeof *idx);
  int m = 0;
  for (int i = 0; i < n; i++) {
    idx[i] = live[i] ? m : -1;
    if (live[i]) {
      Node nd = g->nodes.v[i];
      for (int k = 0; k < 3; k++)
        nd.a[k] = remap(idx, nd.a[k]);
      g->nodes.v[m++] = nd;
    }
  }
  g->nodes.n = m;
  for (int i = 0; i < g->outs.n; i++)
    g->outs.v[i] = remap(idx, g->outs.v[i]);
  for (int i = 0; i < g->groups.n; i++)
    g->groups.v[i].cond = remap_live(idx, g->groups.v[i].cond);
  for (int i = 0; i < g->loops.n; i++) {
    g->loops.v[i].lo = remap_live(idx, g->loops.v[i].lo);
    g->loops.v[i].hi = remap_live(idx, g->loops.v[i].hi);
    g->loops.v[i].idx = remap_live(idx, g->loops.v[i].idx);
  }
  keep_labels(g, live, idx, n);
  free(live);
  free(idx);
}

void ir_dce(Graph *g) { dce(g, 0, 0); }

void ir_dce_keep(Graph *g, int keep_saves) { dce(g, keep_saves, 0); }

void ir_dce_forward(Graph *g) { dce(g, 0, 1); }

/* mark_live's keep_saves keeps stores, counts and weights' links (loops)
 * and the phis values leave branches by (groups). */
int ir_dce_has_kept(const Graph *g) { return g->loops.n || g->groups.n; }

/* For debugging: every node with its block, and the groups and labels. */
void ir_dump(const Graph *g, FILE *out) {
  for (int i = 0; i < g->nodes.n; i++) {
    const Node *n = &g->nodes.v[i];
    fprintf(out, "%5d: b%-3d %-6s", i, n->blk, op_info[n->op].name);
    for (int k = 0; k < op_info[n->op].arity; k++) {
      if (ref_is_const(n->a[k]))
        fprintf(out, " %g", graph_const(g, n->a[k]));
      else
        fprintf(out, " z%d", n->a[k]);
    }
    fprintf(out, "  aux=%d name=%d\n", n->aux, n->name);
  }
  for (int i = 0; i < g->loops.n; i++)
    fprintf(out, "loop %d: kind %d%s [%d, %d) parent b%d body b%d\n", i, g->loops.v[i].kind,
            g->loops.v[i].backward ? " backward" : "", g->loops.v[i].lo, g->loops.v[i].hi,
            g->loops.v[i].parent, g->loops.v[i].body);
  for (int i = 0; i < g->groups.n; i++)
    fprintf(out, "group %d: cond %d parent b%d then b%d else b%d\n", i, g->groups.v[i].cond,
            g->groups.v[i].parent, g->groups.v[i].then_blk, g->groups.v[i].else_blk);
  for (int i = 0; i < g->labels.n; i++)
    fprintf(out, "label z%d_bar = %d at %d in b%d\n", g->labels.v[i].name, g->labels.v[i].val,
            g->labels.v[i].pos, g->labels.v[i].blk);
}
