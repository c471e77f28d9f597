/* eval.c - the IR interpreter. Nodes run in order; a node whose block is
 * not taken is skipped, exactly as the emitted if/else skips it. */
#include <math.h>
#include <stdlib.h>

#include "runtime.h"

static double val(const Graph *g, const double *v, Ref r) {
  return ref_is_const(r) ? graph_const(g, r) : v[r];
}

void rt_eval(const Graph *g, const double *inputs, double *outs) {
  int n = g->nodes.n;
  double *v = xmalloc((size_t)(n ? n : 1) * sizeof *v);
  signed char *active = xmalloc((size_t)g->blocks.n);
  int *chain = xmalloc((size_t)g->blocks.n * sizeof *chain);
  for (int b = 0; b < g->blocks.n; b++)
    active[b] = b == 0 ? 1 : -1; /* -1: not decided yet */
  for (int i = 0; i < n; i++) {
    const Node *nd = &g->nodes.v[i];
    int b = nd->blk;
    if (active[b] < 0) {
      /* decide b and any undecided ancestors, outermost first */
      int depth = 0;
      for (int x = b; active[x] < 0; x = g->blocks.v[x].parent)
        chain[depth++] = x;
      while (depth--) {
        int x = chain[depth];
        const Block *bl = &g->blocks.v[x];
        const Group *gr = &g->groups.v[bl->group];
        active[x] = active[bl->parent] > 0 && (val(g, v, gr->cond) != 0) == (bl->sense == 1);
      }
    }
    if (active[b] <= 0) {
      v[i] = NAN;
      continue;
    }
    if (nd->op == OP_INPUT) {
      v[i] = inputs[nd->aux];
      continue;
    }
    double a = op_info[nd->op].arity > 0 ? val(g, v, nd->a[0]) : 0;
    double x = op_info[nd->op].arity > 1 ? val(g, v, nd->a[1]) : 0;
    double y = op_info[nd->op].arity > 2 ? val(g, v, nd->a[2]) : 0;
    if (nd->op == OP_PHI || nd->op == OP_SEL)
      v[i] = a != 0 ? x : y; /* the untaken side may be NaN: never combined */
    else
      v[i] = op_fold(nd->op, a, x, y);
  }
  for (int i = 0; i < g->outs.n; i++)
    outs[i] = val(g, v, g->outs.v[i]);
  free(v);
  free(active);
  free(chain);
}
