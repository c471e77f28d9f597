/* active.c - activity analysis (ir.h): which forward values depend on a
 * differentiated parameter. Only those receive adjoints (reverse.c). */
#include <stdlib.h>

#include "ir.h"

/* A carried value is active when its entry or its next value is, so the
 * sweep repeats until nothing changes. In a gradient graph (the tangent of
 * a reverse sweep, f_hvp) a read of a local array's adjoint (ABAR) is
 * active when an active value was added into that adjoint (ACCUM), or into
 * one it traded places with (ASWAP). */
char *ir_active(const Graph *f) {
  int n = f->nodes.n;
  char *act = xcalloc((size_t)(n ? n : 1), 1), *adj = xcalloc((size_t)(n ? n : 1), 1);
  int *next = xmalloc((size_t)(n ? n : 1) * sizeof *next);
  for (int i = 0; i < n; i++)
    next[i] = -1;
  for (int i = 0; i < n; i++)
    if (f->nodes.v[i].op == OP_NEXT)
      next[f->nodes.v[i].a[0]] = f->nodes.v[i].a[1];
  for (int changed = 1; changed;) {
    changed = 0;
    for (int i = 0; i < n; i++) {
      const Node *nd = &f->nodes.v[i];
      char a = 0;
      if (nd->op == OP_INPUT || nd->op == OP_ARRAY)
        a = nd->aux < f->nparams && !f->sig->params[nd->aux].is_const;
      else if (nd->op == OP_SAVE || nd->op == OP_RESTORE) /* what is stored, and read back */
        a = !ref_is_const(nd->a[0]) && act[nd->a[0]];
      else if (nd->op == OP_ABAR)
        a = adj[nd->a[0]];
      else if (op_info[nd->op].kind == K_INT || op_info[nd->op].kind == K_EFF)
        a = 0;
      else
        for (int k = 0; k < op_info[nd->op].arity; k++)
          a |= !ref_is_const(nd->a[k]) && act[nd->a[k]];
      if (nd->op == OP_ACCUM && f->nodes.v[nd->a[0]].op == OP_ABUF && !ref_is_const(nd->a[2]) && act[nd->a[2]] &&
          !adj[nd->a[0]])
        adj[nd->a[0]] = changed = 1;
      if (nd->op == OP_ASWAP && adj[nd->a[0]] != adj[nd->a[1]]) /* two buffers' adjoints trade places */
        adj[nd->a[0]] = adj[nd->a[1]] = changed = 1;
      if (nd->op == OP_CARRY && next[i] >= 0 && !ref_is_const(next[i]))
        a |= act[next[i]];
      if (a && !act[i]) {
        act[i] = 1;
        changed = 1;
      }
    }
  }
  free(next);
  free(adj);
  return act;
}
