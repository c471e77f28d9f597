/* policy.c - which functions are split into parts, and what follows from
 * it (codegen.h). Measured reasons in doc/performance.md. */
#include "codegen.h"

/* Not a function with storage (one C function holds it), nor with checks
 * of indices (a check returns from the function, not from a part), nor
 * with local arrays (their buffers are the function's). */
int cg_splits(const Graph *g, int split, int ssa) {
  return !ssa && split > 0 && g->nodes.n > split && !graph_has_saves(g) && !graph_has_checks(g) &&
         !graph_has_arrays(g);
}

int cg_vjp_by_grad(const FnGraphs *fg, int split) {
  if (fg->fwd.outs.n != 1 || !(fg->modes & MODE_GRAD) || !(fg->modes & MODE_VJP) || !cg_splits(&fg->grad, split, 0))
    return 0;
  for (int p = 0; p < fg->sig->nparams; p++)
    if (!fg->sig->params[p].is_const)
      return 1;
  return 0;
}

int cg_split_without_weights(const Graph *g, int split) {
  if (!graph_has_saves(g))
    return 0;
  int saves = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_SAVE) {
      Ref v = g->nodes.v[i].a[0];
      if (ref_is_const(v) || g->nodes.v[v].op != OP_LSEW)
        return 0;
      saves++;
    }
  return saves && split > 0 && g->nodes.n > split; /* cg_splits, storage aside */
}

int cg_file_splits(const FnGraphs *fns, int n, int split) {
  for (int i = 0; i < n; i++)
    if (cg_splits(&fns[i].fwd, split, 0) || cg_splits(&fns[i].grad, split, 0) || cg_splits(&fns[i].vjp, split, 0))
      return 1;
  return 0;
}
