/* opt.c - dead-node elimination, naming, group extents. (Constant folding
 * and CSE happen as nodes are built: graph.c.) */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

/* Per block, the range [lo, hi) of the nodes in it and its sub-blocks, and
 * their count (lo = INT_MAX, hi = -1, count = 0 when it has none). */
void ir_block_extents(const Graph *g, int *lo, int *hi, int *count) {
  int nb = g->blocks.n;
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
  int nb = g->blocks.n, ng = g->groups.n;
  int *lo = xmalloc((size_t)nb * sizeof *lo), *hi = xmalloc((size_t)nb * sizeof *hi);
  int *count = xmalloc((size_t)nb * sizeof *count);
  ir_block_extents(g, lo, hi, count);
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
  }
  free(lo);
  free(hi);
  free(count);
  return s;
}

void ir_name_nodes(Graph *g) {
  for (int i = 0; i < g->nodes.n; i++)
    g->nodes.v[i].name = i;
}

static Ref remap(const int *idx, Ref r) { return r == REF_NONE || ref_is_const(r) ? r : idx[r]; }

/* live[i]: node i is needed by an output (parameters always are, so inputs
 * stay first and keep their numbers). One backward sweep suffices. */
static char *mark_live(const Graph *g) {
  int n = g->nodes.n;
  char *live = xcalloc((size_t)(n ? n : 1), 1);
  for (int i = 0; i < g->outs.n; i++)
    if (!ref_is_const(g->outs.v[i]))
      live[g->outs.v[i]] = 1;
  for (int i = 0; i < n; i++)
    if (g->nodes.v[i].op == OP_INPUT && g->nodes.v[i].aux < g->nparams)
      live[i] = 1;
  for (int i = n - 1; i >= 0; i--)
    if (live[i])
      for (int k = 0; k < 3; k++) {
        Ref a = g->nodes.v[i].a[k];
        if (a != REF_NONE && !ref_is_const(a))
          live[a] = 1;
      }
  return live;
}

/* A label survives with a live value in a live block (a block lives while
 * its group has a phi); its position moves to the count of live nodes
 * before it. */
static void keep_labels(Graph *g, const char *live, const int *idx, int n) {
  int nb = g->blocks.n;
  char *glive = xcalloc((size_t)(g->groups.n ? g->groups.n : 1), 1);
  char *blive = xcalloc((size_t)nb, 1);
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_PHI)
      glive[g->nodes.v[i].aux] = 1;
  blive[0] = 1;
  for (int b = 1; b < nb; b++)
    blive[b] = blive[g->blocks.v[b].parent] && glive[g->blocks.v[b].group];
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
  free(glive);
  free(blive);
  free(before);
}

void ir_dce(Graph *g) {
  int n = g->nodes.n;
  char *live = mark_live(g);
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
  for (int i = 0; i < g->groups.n; i++) {
    Ref c = g->groups.v[i].cond;
    g->groups.v[i].cond = c == REF_NONE || ref_is_const(c) || idx[c] >= 0 ? remap(idx, c) : REF_NONE;
  }
  keep_labels(g, live, idx, n);
  free(live);
  free(idx);
}

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
  for (int i = 0; i < g->groups.n; i++)
    fprintf(out, "group %d: cond %d parent b%d then b%d else b%d\n", i, g->groups.v[i].cond,
            g->groups.v[i].parent, g->groups.v[i].then_blk, g->groups.v[i].else_blk);
  for (int i = 0; i < g->labels.n; i++)
    fprintf(out, "label z%d_bar = %d at %d in b%d\n", g->labels.v[i].name, g->labels.v[i].val,
            g->labels.v[i].pos, g->labels.v[i].blk);
}
