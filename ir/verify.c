/* verify.c - the IR's invariants, checked after every pass in debug builds:
 * arguments precede users and are visible from the user's block, kinds
 * match (conditions only where conditions go), groups are contiguous. */
#include <stdlib.h>

#include "ir.h"

#define FAIL(...)                                                              \
  do {                                                                         \
    snprintf(why, (size_t)whylen, __VA_ARGS__);                                \
    free(spans);                                                               \
    return 1;                                                                  \
  } while (0)

int ir_verify(const Graph *g, char *why, int whylen) {
  GroupSpan *spans = NULL;
  for (int n = 0; n < g->nodes.n; n++) {
    const Node *nd = &g->nodes.v[n];
    if (nd->op >= OP_COUNT)
      FAIL("z%d: bad op %d", n, nd->op);
    if (nd->blk < 0 || nd->blk >= g->blocks.n)
      FAIL("z%d: bad block %d", n, nd->blk);
    const OpInfo *oi = &op_info[nd->op];
    for (int k = 0; k < 3; k++) {
      Ref a = nd->a[k];
      if (k >= oi->arity) {
        if (a != REF_NONE)
          FAIL("z%d: argument %d set beyond arity", n, k);
        continue;
      }
      if (a == REF_NONE)
        FAIL("z%d: argument %d missing", n, k);
      if (ref_is_const(a)) {
        if (ref_const_index(a) >= g->consts.n)
          FAIL("z%d: bad constant", n);
        continue;
      }
      if (a >= n)
        FAIL("z%d: argument z%d does not precede it", n, a);
      int want_cond = (nd->op == OP_SEL || nd->op == OP_PHI) ? k == 0
                      : oi->kind == K_CND ? (nd->op == OP_AND || nd->op == OP_OR || nd->op == OP_NOT)
                                          : 0;
      if ((graph_ref_kind(g, a) == K_CND) != want_cond)
        FAIL("z%d: argument z%d has the wrong kind", n, a);
      int from = nd->blk;
      if (nd->op == OP_PHI && k > 0) {
        const Group *gr = &g->groups.v[nd->aux];
        from = k == 1 ? gr->then_blk : gr->else_blk;
      }
      if (!graph_is_ancestor(g, g->nodes.v[a].blk, from))
        FAIL("z%d: argument z%d is not visible from block %d", n, a, from);
    }
    if (nd->op == OP_PHI && (nd->aux < 0 || nd->aux >= g->groups.n ||
                             g->groups.v[nd->aux].parent != nd->blk ||
                             g->groups.v[nd->aux].cond != nd->a[0]))
      FAIL("z%d: phi of a bad group", n);
  }
  spans = ir_group_spans(g);
  for (int n = 0; n < g->nodes.n; n++) {
    const Node *nd = &g->nodes.v[n];
    int b = nd->blk;
    /* Every group enclosing this node must contain its index in its range. */
    while (b > 0) {
      const Block *bl = &g->blocks.v[b];
      const GroupSpan *s = &spans[bl->group];
      int lo = bl->sense ? s->lo : s->then_hi, hi = bl->sense ? s->then_hi : s->phi_lo;
      if (n < lo || n >= hi)
        FAIL("z%d: outside the range of its block %d", n, b);
      b = bl->parent;
    }
  }
  for (int i = 0; i < g->groups.n; i++)
    if (spans[i].live) {
      for (int n = spans[i].phi_lo; n < spans[i].hi; n++)
        if (g->nodes.v[n].op != OP_PHI || g->nodes.v[n].aux != i)
          FAIL("group %d: phis not contiguous", i);
      for (int n = spans[i].lo; n < spans[i].phi_lo; n++)
        if (!graph_is_ancestor(g, g->groups.v[i].then_blk, g->nodes.v[n].blk) &&
            !graph_is_ancestor(g, g->groups.v[i].else_blk, g->nodes.v[n].blk))
          FAIL("group %d: z%d interleaved", i, n);
    }
  free(spans);
  return 0;
}

void ir_check(const Graph *g, const char *pass) {
  if (getenv("ADC_DUMP")) {
    fprintf(stderr, "== after %s ==\n", pass);
    ir_dump(g, stderr);
  }
#ifndef NDEBUG
  char why[200];
  if (ir_verify(g, why, sizeof why)) {
    fprintf(stderr, "adc: internal error: IR invalid after %s: %s\n", pass, why);
    abort();
  }
#else
  (void)g;
  (void)pass;
#endif
}
