/* reverse.c - reverse mode as a graph-to-graph transform.
 *
 * The result starts as a copy of the forward graph; the adjoint sweep is
 * appended by walking the forward nodes backwards and, for each node with a
 * nonzero adjoint, adding bar * (partial by argument i) to argument i's
 * adjoint. Every node goes through the builder, so zero adjoints vanish,
 * "* 1" folds and shared subterms merge as they are made.
 *
 * A conditional group is reversed into a group on the same condition, whose
 * branches run the forward branches' nodes backwards. The forward values of
 * a branch are out of scope there, so a rule that needs one recomputes it on
 * demand (with what it depends on) in the adjoint branch: only what the
 * derivative reads is recomputed, once per branch. Contributions to values
 * outside the branch are kept apart per branch and joined by phis, so the
 * untaken branch contributes nothing — not even 0 * inf. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

typedef struct Saved {
  int node;
  Ref adj;
  int level;
} Saved;

typedef struct Contrib {
  int node;
  Ref val;
} Contrib;

typedef VEC(Contrib) ContribVec;

typedef struct Rev {
  const Graph *f;
  Builder *b;
  Copier cp;
  GroupSpan *spans;
  Ref *fv;          /* forward value of each forward node ... */
  int *fv_level;    /* ... valid while this level is open (0: everywhere) */
  Ref *adj;         /* its adjoint so far; REF_NONE for zero */
  int *saved_level; /* level whose branch-local accumulator it has */
  int *scratch;     /* per node, -1 between uses */
  VEC(Saved) saves;
  VEC(int) open;    /* open levels, outermost first; open.v[0] == 0 */
  VEC(int) depth;   /* depth of each level in that stack */
  VEC(int) todo;    /* materialize()'s work stack */
  int level, level_lo, nlevels;
} Rev;

static int visible(const Rev *r, int n) {
  int l = r->fv_level[n];
  if (l < 0)
    return 0;
  int d = r->depth.v[l];
  return d < r->open.n && r->open.v[d] == l;
}

static void push_todo_if_hidden(Rev *r, Ref a) {
  if (a != REF_NONE && !ref_is_const(a) && !visible(r, a))
    vec_push(&r->todo, a);
}

/* Recompute forward node n, and what it depends on, in the current adjoint
 * branch. Iterative: a long chain of forward values must not recurse. A phi
 * brings its whole group. */
static void materialize(Rev *r, int n) {
  const Graph *f = r->f;
  Loc save_src = r->b->src;
  int save_name = r->b->name;
  vec_push(&r->todo, n);
  while (r->todo.n) {
    int y = r->todo.v[r->todo.n - 1];
    if (visible(r, y)) {
      r->todo.n--;
      continue;
    }
    const Node *nd = &f->nodes.v[y];
    int mark = r->todo.n;
    if (nd->op == OP_PHI) {
      const GroupSpan *s = &r->spans[nd->aux];
      push_todo_if_hidden(r, nd->a[0]);
      for (int i = s->lo; i < s->hi; i++)
        for (int k = 0; k < 3; k++)
          if (f->nodes.v[i].a[k] < s->lo)
            push_todo_if_hidden(r, f->nodes.v[i].a[k]);
      if (r->todo.n > mark)
        continue;
      copier_run(&r->cp, r->b, s->lo, s->hi, r->fv, nd->blk, 1);
      /* Only the phis are visible here; the copied branch values live in
       * the copy's own blocks. */
      for (int i = s->lo; i < s->hi; i++)
        r->fv_level[i] = i >= s->phi_lo ? r->level : -1;
    } else {
      for (int k = 0; k < op_info[nd->op].arity; k++)
        push_todo_if_hidden(r, nd->a[k]);
      if (r->todo.n > mark)
        continue;
      r->b->src = nd->src;
      r->b->name = nd->name;
      Ref a[3];
      for (int k = 0; k < 3; k++)
        a[k] = nd->a[k] == REF_NONE || ref_is_const(nd->a[k]) ? nd->a[k] : r->fv[nd->a[k]];
      r->fv[y] = b_op(r->b, nd->op, a[0], a[1], a[2]);
      r->fv_level[y] = r->level;
    }
    r->todo.n--;
  }
  r->b->src = save_src;
  r->b->name = save_name;
}

static Ref fwd_ref(Rev *r, Ref x) {
  if (ref_is_const(x) || x == REF_NONE)
    return x;
  if (!visible(r, x))
    materialize(r, x);
  return r->fv[x];
}

/* The rule language of ops.def. */
#define B (r->b)
#define X fwd_ref(r, nd->a[0])
#define Y fwd_ref(r, nd->a[1])
#define W fwd_ref(r, nd->a[2])
#define Z fwd_ref(r, n)
#define K(v) b_const(B, (v))
#define KV(x) graph_const(B->g, (x))
#define ZERO REF_NONE
#define U(op, p) b_op(B, OP_##op, (p), REF_NONE, REF_NONE)
#define BI(op, p, q) b_op(B, OP_##op, (p), (q), REF_NONE)
#define NEG(p) U(NEG, p)
#define SIN(p) U(SIN, p)
#define COS(p) U(COS, p)
#define SINH(p) U(SINH, p)
#define COSH(p) U(COSH, p)
#define SQRT(p) U(SQRT, p)
#define LOG(p) U(LOG, p)
#define EXP(p) U(EXP, p)
#define SIGN(p) U(SIGN, p)
#define ADD(p, q) BI(ADD, p, q)
#define SUB(p, q) BI(SUB, p, q)
#define MUL(p, q) BI(MUL, p, q)
#define DIV(p, q) BI(DIV, p, q)
#define POW(p, q) BI(POW, p, q)
#define POWI(p, q) BI(POWI, p, q)
#define EQ(p, q) BI(EQ, p, q)
#define LT(p, q) BI(LT, p, q)
#define GT(p, q) BI(GT, p, q)
#define SEL(c, p, q) b_op(B, OP_SEL, (c), (p), (q))

static Ref partial(Rev *r, int n, int i) {
  const Node *nd = &r->f->nodes.v[n];
  switch (nd->op) {
#define OP(name, src, ar, kind, cfmt, fold, d0, d1, d2)                        \
  case OP_##name:                                                              \
    return i == 0 ? (d0) : i == 1 ? (d1) : (d2);
#include "ops.def"
#undef OP
  }
  return ZERO;
}

static void add_contrib(Rev *r, Ref o, Ref v) {
  if (o == REF_NONE || ref_is_const(o) || v == REF_NONE || b_is_zero(B, v))
    return;
  if (graph_ref_kind(r->f, o) == K_CND)
    return;
  if (o < r->level_lo && r->saved_level[o] != r->level) {
    Saved s = {o, r->adj[o], r->saved_level[o]};
    vec_push(&r->saves, s);
    r->saved_level[o] = r->level;
    r->adj[o] = REF_NONE;
  }
  r->adj[o] = r->adj[o] == REF_NONE ? v : ADD(r->adj[o], v);
}

static void rev_node(Rev *r, int n) {
  const Node *nd = &r->f->nodes.v[n];
  Ref bar = r->adj[n];
  if (bar == REF_NONE || op_info[nd->op].kind == K_CND)
    return;
  B->src = nd->src;
  b_label(B, nd->name, bar);
  for (int i = 0; i < op_info[nd->op].arity; i++) {
    Ref a = nd->a[i];
    if (a == REF_NONE || ref_is_const(a) || graph_ref_kind(r->f, a) == K_CND)
      continue;
    Ref p = partial(r, n, i);
    if (p != ZERO)
      add_contrib(r, a, MUL(bar, p));
  }
}

static void rev_range(Rev *r, int lo, int hi, int fblk);

/* Run one branch of a group backwards; return what it contributed to values
 * outside the group, and restore their outer accumulators. */
static void rev_side(Rev *r, int gi, int side, ContribVec *out) {
  const GroupSpan *s = &r->spans[gi];
  const Group *fg = &r->f->groups.v[gi];
  int lo = side ? s->lo : s->then_hi, hi = side ? s->then_hi : s->phi_lo;
  int save_level = r->level, save_lo = r->level_lo, mark = r->saves.n;
  r->level = ++r->nlevels;
  r->level_lo = s->lo;
  vec_push(&r->depth, r->open.n);
  vec_push(&r->open, r->level);
  for (int p = s->phi_lo; p < s->hi; p++)
    if (r->adj[p] != REF_NONE) {
      B->src = r->f->nodes.v[p].src;
      add_contrib(r, r->f->nodes.v[p].a[side ? 1 : 2], r->adj[p]);
    }
  rev_range(r, lo, hi, side ? fg->then_blk : fg->else_blk);
  for (int i = mark; i < r->saves.n; i++) {
    int o = r->saves.v[i].node;
    if (r->adj[o] != REF_NONE) {
      Contrib c = {o, r->adj[o]};
      vec_push(out, c);
    }
  }
  for (int i = r->saves.n - 1; i >= mark; i--) {
    Saved *sv = &r->saves.v[i];
    r->adj[sv->node] = sv->adj;
    r->saved_level[sv->node] = sv->level;
  }
  r->saves.n = mark;
  r->open.n--;
  r->level = save_level;
  r->level_lo = save_lo;
}

static void rev_group(Rev *r, int gi) {
  const GroupSpan *s = &r->spans[gi];
  for (int p = s->hi - 1; p >= s->phi_lo; p--)
    if (r->adj[p] != REF_NONE) {
      B->src = r->f->nodes.v[p].src;
      b_label(B, r->f->nodes.v[p].name, r->adj[p]);
    }
  int parent = B->blk;
  int ng = b_group(B, fwd_ref(r, r->f->groups.v[gi].cond));
  ContribVec side[2] = {{0}, {0}};
  for (int k = 1; k >= 0; k--) {
    B->blk = k ? B->g->groups.v[ng].then_blk : B->g->groups.v[ng].else_blk;
    rev_side(r, gi, k, &side[k]);
  }
  B->blk = parent;
  /* Join: one phi per outside value (then-side order first, so the output
   * is deterministic); all phis before any use, to keep them contiguous. */
  for (int i = 0; i < side[0].n; i++)
    r->scratch[side[0].v[i].node] = i;
  Ref zero = b_const(B, 0);
  ContribVec joined = {0};
  for (int i = 0; i < side[1].n; i++) {
    int o = side[1].v[i].node, j = r->scratch[o];
    Ref other = j >= 0 ? side[0].v[j].val : zero;
    if (j >= 0)
      side[0].v[j].node = -1 - o; /* consumed */
    B->src = r->f->nodes.v[o].src;
    Contrib c = {o, b_phi(B, ng, side[1].v[i].val, other)};
    vec_push(&joined, c);
  }
  for (int i = 0; i < side[0].n; i++) {
    int o = side[0].v[i].node;
    r->scratch[o < 0 ? -1 - o : o] = -1;
    if (o < 0)
      continue;
    B->src = r->f->nodes.v[o].src;
    Contrib c = {o, b_phi(B, ng, zero, side[0].v[i].val)};
    vec_push(&joined, c);
  }
  for (int i = 0; i < joined.n; i++) {
    B->src = r->f->nodes.v[joined.v[i].node].src;
    add_contrib(r, joined.v[i].node, joined.v[i].val);
  }
  vec_free(&joined);
  vec_free(&side[0]);
  vec_free(&side[1]);
}

static void rev_range(Rev *r, int lo, int hi, int fblk) {
  for (int n = hi - 1; n >= lo;) {
    const Node *nd = &r->f->nodes.v[n];
    if (nd->op == OP_PHI && nd->blk == fblk) {
      rev_group(r, nd->aux);
      n = r->spans[nd->aux].lo - 1;
    } else {
      rev_node(r, n);
      n--;
    }
  }
}

int ir_reverse(const Graph *f, Graph *out, int optimize, int seed_input) {
  graph_clone(out, f);
  out->labels.n = 0;
  out->outs.n = 0;
  Builder bld;
  b_init(&bld, out, optimize);
  Rev rv = {0};
  Rev *r = &rv;
  r->f = f;
  r->b = &bld;
  copier_init(&r->cp, f);
  r->spans = ir_group_spans(f);
  int n = f->nodes.n;
  r->fv = xmalloc((size_t)(n ? n : 1) * sizeof *r->fv);
  r->fv_level = xmalloc((size_t)(n ? n : 1) * sizeof *r->fv_level);
  vec_push(&r->open, 0); /* level 0: the body, where root values live */
  vec_push(&r->depth, 0);
  r->adj = xmalloc((size_t)(n ? n : 1) * sizeof *r->adj);
  r->saved_level = xmalloc((size_t)(n ? n : 1) * sizeof *r->saved_level);
  r->scratch = xmalloc((size_t)(n ? n : 1) * sizeof *r->scratch);
  for (int i = 0; i < n; i++) {
    r->fv[i] = i;
    r->fv_level[i] = f->nodes.v[i].blk == 0 ? 0 : -1; /* branch values: on demand */
    r->adj[i] = REF_NONE;
    r->saved_level[i] = 0;
    r->scratch[i] = -1;
  }
  Ref result = f->outs.v[0];
  if (!ref_is_const(result)) {
    if (seed_input) {
      B->src = f->nodes.v[result].src;
      r->adj[result] = b_input(B, f->nparams);
    } else {
      r->adj[result] = K(1);
    }
  }
  if (!seed_input)
    vec_push(&out->outs, result);
  rev_range(r, 0, n, 0);
  for (int i = 0; i < n; i++)
    if (f->nodes.v[i].op == OP_INPUT && f->nodes.v[i].aux < f->nparams)
      vec_push(&out->outs, r->adj[i] == REF_NONE ? K(0) : r->adj[i]);
  int too_large = bld.overflow;
  free(r->fv);
  free(r->fv_level);
  vec_free(&r->open);
  vec_free(&r->depth);
  vec_free(&r->todo);
  free(r->adj);
  free(r->saved_level);
  free(r->scratch);
  free(r->spans);
  vec_free(&r->saves);
  copier_free(&r->cp);
  b_free(&bld);
  return too_large;
}
