/* verify.c - the IR's invariants, checked after every pass in debug builds:
 * arguments precede users and are visible from the user's block, kinds
 * match (conditions only where conditions go), groups are contiguous. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

#define FAIL(...)                                                              \
  do {                                                                         \
    snprintf(why, (size_t)whylen, __VA_ARGS__);                                \
    goto fail;                                                                 \
  } while (0)

/* Pre- and post-order numbers of the block tree, so that "is a an ancestor
 * of b" is two comparisons (the checks stay linear however deep blocks nest). */
typedef struct Tree {
  int *pre, *post;
} Tree;

static void tree_init(Tree *t, const Graph *g) {
  int nb = g->blocks.n;
  t->pre = xmalloc((size_t)nb * sizeof *t->pre);
  t->post = xmalloc((size_t)nb * sizeof *t->post);
  int *first = xmalloc((size_t)nb * sizeof *first), *next = xmalloc((size_t)nb * sizeof *next);
  int *stack = xmalloc((size_t)nb * sizeof *stack), *it = xmalloc((size_t)nb * sizeof *it);
  for (int b = 0; b < nb; b++)
    first[b] = -1;
  for (int b = nb - 1; b > 0; b--) { /* children lists, in order */
    int p = g->blocks.v[b].parent;
    next[b] = first[p];
    first[p] = b;
  }
  int clock = 0, sp = 0;
  stack[sp++] = 0;
  it[0] = first[0];
  t->pre[0] = clock++;
  while (sp) {
    int b = stack[sp - 1];
    if (it[b] >= 0) {
      int c = it[b];
      it[b] = next[c];
      t->pre[c] = clock++;
      it[c] = first[c];
      stack[sp++] = c;
    } else {
      t->post[b] = clock++;
      sp--;
    }
  }
  free(first);
  free(next);
  free(stack);
  free(it);
}

static int tree_is_ancestor(const Tree *t, int a, int b) {
  return t->pre[a] <= t->pre[b] && t->post[b] <= t->post[a];
}

/* The kind argument k of node nd must have (graph_ref_kind's view). */
static OpKind want_kind(const Graph *g, const Node *nd, int k) {
  const OpInfo *oi = &op_info[nd->op];
  switch (nd->op) {
  case OP_SEL:
    return k == 0 ? K_CND : K_VAL;
  case OP_PHI:
    return k == 0 ? K_CND : nd->arr ? K_ARR : K_VAL;
  case OP_CARRY: case OP_LOOPOUT:
    return nd->arr ? K_ARR : K_VAL;
  case OP_NEXT: /* the carried value's own kind */
    return k == 0 ? K_VAL : graph_ref_kind(g, nd->a[0]) == K_ARR ? K_ARR : K_VAL;
  case OP_ABUF:
    return K_INT;
  case OP_AFILL:
    return k == 0 ? K_ARR : K_VAL;
  case OP_ACOPY:
    return k == 2 ? K_INT : K_ARR;
  case OP_AMOVE: case OP_ASWAP: case OP_ACLEAR:
    return K_ARR;
  case OP_ASET:
    return k == 0 ? K_ARR : k == 1 ? K_INT : K_VAL;
  case OP_ABAR: case OP_AZERO:
    return k == 0 ? K_ARR : K_INT;
  case OP_AND: case OP_OR: case OP_NOT:
    return K_CND;
  case OP_I2R:
    return K_INT;
  case OP_CHECK:
    return K_INT;
  case OP_LOAD: case OP_ACCUM: case OP_ILOAD:
    return k == 0 ? K_ARR : k == 1 ? K_INT : K_VAL;
  case OP_RESTORE:
    return k == 0 ? K_EFF : K_INT;
  case OP_SAVE:
    return k == 0 ? K_VAL : K_INT;
  default:
    return oi->kind == K_INT ? K_INT : K_VAL;
  }
}

/* Comparisons compare reals, or integers (a comparison of two integer
 * expressions; a constant serves either). */
static int compares(int op) {
  return op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE || op == OP_EQ || op == OP_NE;
}

/* The block an argument is read from: a phi reads its branches, an exit
 * its loop's body. */
static int reading_block(const Graph *g, const Node *nd, int k) {
  if (nd->op == OP_PHI && k > 0) {
    const Group *gr = &g->groups.v[nd->aux];
    return k == 1 ? gr->then_blk : gr->else_blk;
  }
  if (op_info[nd->op].kind == K_EXIT)
    return g->loops.v[nd->aux].body;
  return nd->blk;
}

static int check_loop_op(const Graph *g, int n, char *why, int whylen) {
  const Node *nd = &g->nodes.v[n];
  OpKind kind = op_info[nd->op].kind;
  int loop_op = nd->op == OP_IDX || nd->op == OP_CARRY || nd->op == OP_NEXT || nd->op == OP_SAVE ||
                nd->op == OP_LSEW || kind == K_EXIT;
  if (!loop_op)
    return 0;
  if (nd->aux < 0 || nd->aux >= g->loops.n)
    FAIL("z%d: bad loop %d", n, nd->aux);
  const Loop *l = &g->loops.v[nd->aux];
  if (kind == K_EXIT ? nd->blk != l->parent : nd->op != OP_NEXT && nd->op != OP_SAVE && nd->blk != l->body)
    FAIL("z%d: loop operation in the wrong block", n);
  if ((nd->op == OP_NEXT || nd->op == OP_LOOPOUT) &&
      (g->nodes.v[nd->a[0]].op != OP_CARRY || g->nodes.v[nd->a[0]].aux != nd->aux))
    FAIL("z%d: not a carried value of loop %d", n, nd->aux);
  if (nd->op == OP_LSEW && l->kind != LK_LSE)
    FAIL("z%d: a logsumexp weight in loop %d, which is no logsumexp", n, nd->aux);
  return 0;
fail:
  return 1;
}

static int check_node(const Graph *g, const Tree *t, int n, char *why, int whylen) {
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
    OpKind has = graph_ref_kind(g, a);
    if (has != want_kind(g, nd, k) && !(has == K_INT && compares(nd->op)) &&
        !(nd->op == OP_NEXT && k == 0))
      FAIL("z%d: argument z%d has the wrong kind", n, a);
    if (nd->op == OP_RESTORE && k == 0) /* a stored value, read back by index */
      continue;
    int from = reading_block(g, nd, k);
    if (!tree_is_ancestor(t, g->nodes.v[a].blk, from))
      FAIL("z%d: argument z%d is not visible from block %d", n, a, from);
  }
  if (nd->op == OP_PHI &&
      (nd->aux < 0 || nd->aux >= g->groups.n || g->groups.v[nd->aux].parent != nd->blk ||
       g->groups.v[nd->aux].cond != nd->a[0]))
    FAIL("z%d: phi of a bad group", n);
  return check_loop_op(g, n, why, whylen);
fail:
  return 1;
}

/* Each live loop is one range: its body subtree, then its exits. */
static int check_loops(const Graph *g, char *why, int whylen) {
  if (!g->loops.n) /* straight-line code: no pass over the nodes for nothing */
    return 0;
  int rc = 1;
  Extents x;
  ir_extents(g, &x);
  const int *count = x.count;
  LoopSpan *spans = ir_loop_spans(g);
  for (int i = 0; i < g->loops.n; i++) {
    const LoopSpan *s = &spans[i];
    int b = g->loops.v[i].body;
    if (s->lo < 0)
      continue;
    if (count[b] != s->body_hi - s->lo)
      FAIL("loop %d: foreign nodes interleaved in its body", i);
    for (int n = s->body_hi; n < s->hi; n++)
      if (op_info[g->nodes.v[n].op].kind != K_EXIT || g->nodes.v[n].aux != i)
        FAIL("loop %d: exits not contiguous", i);
    Ref bounds[2] = {g->loops.v[i].lo, g->loops.v[i].hi};
    for (int k = 0; k < 2; k++)
      if (bounds[k] == REF_NONE || (!ref_is_const(bounds[k]) && (bounds[k] >= s->lo ||
                                    graph_ref_kind(g, bounds[k]) != K_INT)))
        FAIL("loop %d: bad range", i);
  }
  rc = 0;
fail:
  ir_extents_free(&x);
  free(spans);
  return rc;
}

/* Each live group is one range: its then-subtree, its else-subtree, its
 * phis, nothing else in between. Counting the subtree's nodes against the
 * range's length rules out strangers in linear time. */
static int check_groups(const Graph *g, char *why, int whylen) {
  if (!g->groups.n)
    return 0;
  int rc = 1;
  Extents x;
  ir_extents(g, &x);
  int *lo = x.lo, *hi = x.hi, *count = x.count;
  GroupSpan *spans = ir_group_spans(g);
  for (int i = 0; i < g->groups.n; i++) {
    const GroupSpan *s = &spans[i];
    int t = g->groups.v[i].then_blk, e = g->groups.v[i].else_blk;
    if (!s->live) /* all its phis folded away: its nodes are dead, DCE drops them */
      continue;
    if (count[t] && (lo[t] != s->lo || hi[t] != s->then_hi))
      FAIL("group %d: then-block is not at the start of its range", i);
    if (count[e] && (lo[e] != s->then_hi || hi[e] != s->phi_lo))
      FAIL("group %d: else-block is not between then-block and phis", i);
    if (count[t] + count[e] != s->phi_lo - s->lo)
      FAIL("group %d: foreign nodes interleaved in its range", i);
    for (int n = s->phi_lo; n < s->hi; n++)
      if (g->nodes.v[n].op != OP_PHI || g->nodes.v[n].aux != i)
        FAIL("group %d: phis not contiguous", i);
  }
  rc = 0;
fail:
  ir_extents_free(&x);
  free(spans);
  return rc;
}

/* One pass over the nodes: check_node checks a node's op and block before
 * it reads them, and its arguments' (which precede it) were checked. */
int ir_verify(const Graph *g, char *why, int whylen) {
  Tree t;
  tree_init(&t, g);
  int bad = 0;
  for (int n = 0; n < g->nodes.n && !bad; n++)
    bad = check_node(g, &t, n, why, whylen);
  free(t.pre);
  free(t.post);
  return bad || check_groups(g, why, whylen) || check_loops(g, why, whylen);
}

static void check(const Graph *g, const char *pass, int verify) {
  if (getenv("ADC_DUMP")) {
    fprintf(stderr, "== after %s ==\n", pass);
    ir_dump(g, stderr);
  }
#ifndef NDEBUG
  char why[200];
  if (verify && ir_verify(g, why, sizeof why)) {
    fprintf(stderr, "adc: internal error: IR invalid after %s: %s\n", pass, why);
    abort();
  }
#else
  (void)g;
  (void)pass;
  (void)verify;
#endif
}

void ir_check(const Graph *g, const char *pass) { check(g, pass, 1); }

/* A graph the next pass rewrites (which ir_check then verifies): verified
 * only with ADC_VERIFY=each in the environment (make check sets it), as on
 * a large function each verification is a pass over the whole graph. */
void ir_check_step(const Graph *g, const char *pass) {
  const char *v = getenv("ADC_VERIFY");
  check(g, pass, v && strcmp(v, "each") == 0);
}
