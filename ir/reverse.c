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
 * untaken branch contributes nothing — not even 0 * inf.
 *
 * A loop is reversed into a loop running its indices backwards. Its body
 * recomputes on demand what the derivatives read, like a branch; a value
 * carried from one iteration to the next is the one thing that cannot be
 * recomputed from the index, so the forward loop SAVEs it per iteration and
 * the reverse body RESTOREs it (only the carried values the reverse body
 * reads: the others' SAVEs die). Adjoints of carried values are carried
 * backwards; contributions to values outside the loop are summed in
 * accumulators carried by the reverse loop and added after it. A reduction
 * needs no storage: each term's adjoint follows from the result (sum: the
 * result's adjoint; logsumexp: times the softmax weight exp(term - result);
 * min/max: split among the terms equal to the result).
 *
 *   needs:       a forward graph (dead nodes dropped but its SAVEs kept:
 *                ir_dce_keep), its signature (which parameters are data)
 *   makes:       a new graph: the forward nodes, then the adjoint sweep(s),
 *                labels naming the adjoints; a RevStatus
 *   invalidates: nothing (the forward graph is read only); the result wants
 *                ir_dce, and the forward graph may now lose its SAVEs */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "reverse.h"

typedef struct Contrib {
  int slot;
  Ref val;
} Contrib;

typedef VEC(Contrib) ContribVec;

/* The rule language of ops.def (rules.h), reaching the forward values
 * through fwd_ref: recomputed on demand where they are out of scope. */
#define B (r->b)
#define X fwd_ref(r, nd->a[0])
#define Y fwd_ref(r, nd->a[1])
#define W fwd_ref(r, nd->a[2])
#define Z fwd_ref(r, n)
#define NODERIV no_derivative(r, nd)
#define RULE_CTX Rev
#define RULE_VAR r
#include "rules.h"

/* An operation <math.h> cannot differentiate, applied to a value that
 * depends on the differentiated parameters. */
static Ref no_derivative(Rev *r, const Node *nd) {
  if (!r->noderiv) {
    r->noderiv = 1;
    if (!r->tape_error)
      r->err_at = nd->src;
  }
  return REF_NONE;
}

#define ADJ(n, k) (r->adj[(n) * r->m + (k)])

static int has_adjoint(const Rev *r, int n) {
  for (int k = 0; k < r->m; k++)
    if (ADJ(n, k) != REF_NONE)
      return 1;
  return 0;
}

/* Adds v to output k's adjoint of forward node o. */
static void add_contrib(Rev *r, Ref o, int k, Ref v) {
  if (o == REF_NONE || ref_is_const(o) || v == REF_NONE || b_is_zero(B, v) || !r->active[o])
    return;
  if (graph_ref_kind(r->f, o) == K_CND || graph_ref_kind(r->f, o) == K_ARR) /* arrays: buffers, below */
    return;
  assert(o < r->f->nodes.n && k < r->m);
  int sl = o * r->m + k;
  scope_keep_apart(&r->sc, o, sl, r->adj);
  r->adj[sl] = r->adj[sl] == REF_NONE ? v : ADD(r->adj[sl], v);
}

static void label(Rev *r, int n) {
  if (r->labels && ADJ(n, 0) != REF_NONE) {
    B->src = r->f->nodes.v[n].src;
    b_label(B, r->f->nodes.v[n].name, ADJ(n, 0));
  }
}

/* An effect on an adjoint of output k (f_jac's row). */
static void adjoint_op(Rev *r, int op, int k, Ref x, Ref y, Ref w) {
  Ref e = b_op(B, op, x, y, w);
  B->g->nodes.v[e].aux = k;
}

/* An array element's adjoint is added into the array's gradient (output
 * k's row of the Jacobian), or a local array's adjoint. */
static void rev_load(Rev *r, int n) {
  const Node *nd = &r->f->nodes.v[n];
  int buf = r->buf_of[nd->a[0]];
  if ((r->f->nodes.v[buf].op == OP_ARRAY && r->f->sig->params[r->f->nodes.v[buf].aux].is_const) || r->in_place[n])
    return;
  B->src = nd->src;
  for (int k = 0; k < r->m; k++)
    if (ADJ(n, k) != REF_NONE)
      adjoint_op(r, OP_ACCUM, k, buf, fwd_ref(r, nd->a[1]), ADJ(n, k));
}

/* A loop over the elements of buffer buf (0..its length), run in the
 * reverse sweep; returns its index, the builder in its body. */
static Ref element_loop(Rev *r, int buf, LoopKind kind, int *loop) {
  *loop = b_loop(B, kind, K(0), fwd_ref(r, r->f->nodes.v[buf].a[0]), 0);
  B->blk = B->g->loops.v[*loop].body;
  return b_loop_op(B, OP_IDX, *loop, REF_NONE, REF_NONE);
}

/* The reverse of an operation making a local array's version: the adjoint
 * of the buffer holds the adjoint of every element of the version made. A
 * stored value's is read and zeroed (the value before it is dead there); a
 * fill's is the sum of all, a copy's is added into the source's, and then
 * the buffer's adjoint starts from zero again for the version before (the
 * buffer's previous life, a loop's earlier iteration); a move swaps the two
 * buffers' adjoints, the source's being zero (nothing read it after). */
static void rev_array(Rev *r, int n) {
  const Node *nd = &r->f->nodes.v[n];
  int buf = r->buf_of[n];
  if (!r->buf_active[buf])
    return;
  B->src = nd->src;
  int parent = B->blk, l;
  /* the buffer's previous life, whose adjoint must start from zero: an
   * earlier version (u = v after let u = ...), or the same statement in an
   * earlier iteration of a loop around it */
  int again = !ref_is_const(nd->a[0]) && r->f->nodes.v[nd->a[0]].op != OP_ABUF;
  for (int b = nd->blk; b > 0; b = r->f->blocks.v[b].parent)
    again |= r->f->blocks.v[b].loop >= 0;
  for (int k = 0; k < r->m; k++) {
    switch (nd->op) {
    case OP_ASET: {
      Ref i = fwd_ref(r, nd->a[1]);
      Ref bar = b_op(B, OP_ABAR, buf, i, REF_NONE);
      B->g->nodes.v[bar].aux = k;
      if (!r->in_place[n]) /* (else the read's adjoint, kept there) */
        adjoint_op(r, OP_AZERO, k, buf, i, REF_NONE);
      add_contrib(r, nd->a[2], k, bar);
      break;
    }
    case OP_AFILL:
      if (!ref_is_const(nd->a[1]) && r->active[nd->a[1]]) {
        Ref i = element_loop(r, buf, LK_SUM, &l), bar = b_op(B, OP_ABAR, buf, i, REF_NONE);
        B->g->nodes.v[bar].aux = k;
        B->blk = parent;
        add_contrib(r, nd->a[1], k, b_loop_op(B, OP_REDUCE, l, bar, REF_NONE));
      }
      if (again)
        adjoint_op(r, OP_ACLEAR, k, buf, REF_NONE, REF_NONE);
      break;
    case OP_ACOPY: {
      int src = r->buf_of[nd->a[1]];
      int into = r->f->nodes.v[src].op == OP_ABUF ? r->buf_active[src]
                                                   : !r->f->sig->params[r->f->nodes.v[src].aux].is_const;
      if (into) {
        Ref i = element_loop(r, buf, LK_FOR, &l), bar = b_op(B, OP_ABAR, buf, i, REF_NONE);
        B->g->nodes.v[bar].aux = k;
        adjoint_op(r, OP_ACCUM, k, src, b_op(B, OP_IADD, fwd_ref(r, nd->a[2]), i, REF_NONE), bar);
        B->blk = parent;
      }
      /* zeroed by a loop of its own: in the adding loop, the stores made
       * heat's gradient 10% slower (gcc -O2) */
      if (again)
        adjoint_op(r, OP_ACLEAR, k, buf, REF_NONE, REF_NONE);
      break;
    }
    case OP_AMOVE:
      adjoint_op(r, OP_ASWAP, k, buf, r->buf_of[nd->a[1]], REF_NONE);
      break;
    default:
      break;
    }
  }
}

/* Node n's adjoint times its partial by each argument, added into the
 * argument's adjoint (bar: what stands for n's adjoint in slot k). */
static void pullback(Rev *r, int n, const Ref *bar) {
  const Node *nd = &r->f->nodes.v[n];
  B->src = nd->src;
  for (int i = 0; i < op_info[nd->op].arity; i++) {
    Ref a = nd->a[i];
    if (a == REF_NONE || ref_is_const(a) || graph_ref_kind(r->f, a) == K_CND || !r->active[a])
      continue;
    Ref p = partial(r, n, i);
    for (int k = 0; k < r->m && p != ZERO; k++)
      if (bar[k] != REF_NONE)
        add_contrib(r, a, k, MUL(bar[k], p));
  }
}

/* Is every adjoint of n a phi with a 0 on one side, of one group (n is read
 * only in one branch of it)? Its group, *side 1 when the value is on the
 * then side, and in bar[k] what stands for the adjoint inside that branch:
 * the phi's value when it is visible there, else the phi; -1 if not. */
static int guarded(const Rev *r, int n, int *side, Ref *bar) {
  const Graph *g = B->g;
  int gi = -1;
  for (int k = 0; k < r->m; k++) {
    Ref a = ADJ(n, k);
    bar[k] = a;
    if (a == REF_NONE)
      continue;
    if (ref_is_const(a) || g->nodes.v[a].op != OP_PHI)
      return -1;
    const Node *phi = &g->nodes.v[a];
    int s = b_is_zero(B, phi->a[2]) ? 1 : b_is_zero(B, phi->a[1]) ? 0 : -1;
    if (s < 0 || (gi >= 0 && (phi->aux != gi || s != *side)))
      return -1;
    gi = phi->aux;
    *side = s;
    Ref v = phi->a[s ? 1 : 2];
    if (ref_is_const(v) || graph_is_ancestor(g, g->nodes.v[v].blk, B->blk))
      bar[k] = v;
  }
  return gi;
}

/* The zero-adjoint rule (SPEC 2.6): a pullback runs only where its adjoint
 * can be non-zero. When n's adjoint is 0 but in one branch of a group, its
 * pullback runs in a group on the same condition, in that branch only:
 * partials the other branch would make (sqrt'(0) = inf, 0 * inf = NaN) are
 * not made at all, and what it adds to the arguments leaves by phis. */
static void guarded_pullback(Rev *r, int n, int gi, int side, const Ref *bar) {
  int parent = B->blk;
  int ng = b_group(B, B->g->groups.v[gi].cond);
  B->blk = side ? B->g->groups.v[ng].then_blk : B->g->groups.v[ng].else_blk;
  Scope outer = scope_enter(&r->sc, n + 1); /* the arguments are outside: kept apart */
  pullback(r, n, bar);
  ContribVec out = {0};
  for (int i = outer.mark; i < r->sc.saves.n; i++) {
    int sl = r->sc.saves.v[i].slot;
    if (r->adj[sl] != REF_NONE) {
      Contrib c = {sl, r->adj[sl]};
      vec_push(&out, c);
    }
  }
  scope_leave(&r->sc, outer, r->adj);
  B->blk = parent;
  B->src = r->f->nodes.v[n].src;
  Ref zero = K(0);
  for (int i = 0; i < out.n; i++) /* all phis first: the group stays one range */
    out.v[i].val = side ? b_phi(B, ng, out.v[i].val, zero) : b_phi(B, ng, zero, out.v[i].val);
  for (int i = 0; i < out.n; i++)
    add_contrib(r, out.v[i].slot / r->m, out.v[i].slot % r->m, out.v[i].val);
  vec_free(&out);
}

static void rev_node(Rev *r, int n) {
  const Node *nd = &r->f->nodes.v[n];
  OpKind kind = op_info[nd->op].kind;
  if (kind == K_ARR) {
    rev_array(r, n);
    return;
  }
  if (!has_adjoint(r, n) || (kind != K_VAL && kind != K_INP))
    return;
  label(r, n);
  if (nd->op == OP_LOAD) {
    rev_load(r, n);
    return;
  }
  if (kind == K_INP)
    return;
  Ref bar[64]; /* constant partials times a zero adjoint are zero: no need to guard */
  int side = 0, gi = r->m <= 64 && !op_constant_partials(nd->op) ? guarded(r, n, &side, bar) : -1;
  if (gi >= 0) {
    guarded_pullback(r, n, gi, side, bar);
    return;
  }
  for (int k = 0; k < r->m && k < 64; k++)
    bar[k] = ADJ(n, k);
  if (r->m <= 64) {
    pullback(r, n, bar);
    return;
  }
  Ref *many = xmalloc(sizeof *many * (size_t)r->m); /* f_jac of more than 64 results */
  for (int k = 0; k < r->m; k++)
    many[k] = ADJ(n, k);
  pullback(r, n, many);
  free(many);
}

static void rev_range(Rev *r, int lo, int hi, int fblk);

/* Run one branch of a group backwards; return what it contributed to values
 * outside the group, and restore their outer accumulators. */
static void rev_side(Rev *r, int gi, int side, ContribVec *out) {
  const GroupSpan *s = &r->spans[gi];
  const Group *fg = &r->f->groups.v[gi];
  int lo = side ? s->lo : s->then_hi, hi = side ? s->then_hi : s->phi_lo;
  Scope outer = scope_enter(&r->sc, s->lo);
  for (int p = s->phi_lo; p < s->hi; p++)
    for (int k = 0; k < r->m; k++)
      if (ADJ(p, k) != REF_NONE) {
        B->src = r->f->nodes.v[p].src;
        add_contrib(r, r->f->nodes.v[p].a[side ? 1 : 2], k, ADJ(p, k));
      }
  rev_range(r, lo, hi, side ? fg->then_blk : fg->else_blk);
  for (int i = outer.mark; i < r->sc.saves.n; i++) {
    int sl = r->sc.saves.v[i].slot;
    if (r->adj[sl] != REF_NONE) {
      Contrib c = {sl, r->adj[sl]};
      vec_push(out, c);
    }
  }
  scope_leave(&r->sc, outer, r->adj);
}

static void rev_group(Rev *r, int gi) {
  const GroupSpan *s = &r->spans[gi];
  for (int p = s->hi - 1; p >= s->phi_lo; p--)
    label(r, p);
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
    r->scratch[side[0].v[i].slot] = i;
  Ref zero = b_const(B, 0);
  ContribVec joined = {0};
  for (int i = 0; i < side[1].n; i++) {
    int o = side[1].v[i].slot, j = r->scratch[o];
    Ref other = j >= 0 ? side[0].v[j].val : zero;
    if (j >= 0)
      side[0].v[j].slot = -1 - o; /* consumed */
    B->src = r->f->nodes.v[o / r->m].src;
    Contrib c = {o, b_phi(B, ng, side[1].v[i].val, other)};
    vec_push(&joined, c);
  }
  for (int i = 0; i < side[0].n; i++) {
    int o = side[0].v[i].slot;
    r->scratch[o < 0 ? -1 - o : o] = -1;
    if (o < 0)
      continue;
    B->src = r->f->nodes.v[o / r->m].src;
    Contrib c = {o, b_phi(B, ng, zero, side[0].v[i].val)};
    vec_push(&joined, c);
  }
  for (int i = 0; i < joined.n; i++) {
    int sl = joined.v[i].slot;
    B->src = r->f->nodes.v[sl / r->m].src;
    add_contrib(r, sl / r->m, sl % r->m, joined.v[i].val);
  }
  vec_free(&joined);
  vec_free(&side[0]);
  vec_free(&side[1]);
}

typedef struct Acc {
  int slot;  /* an outside value's adjoint */
  Ref carry; /* its accumulator in the reverse loop */
} Acc;

/* What opening a reverse loop's body changed, for closing it. */
typedef struct Frame {
  int parent; /* the builder's block */
  Scope outer;
} Frame;

/* Open the body of reverse loop nl for forward loop li. */
static Frame open_reverse_body(Rev *r, int li, int nl) {
  Frame fr = {B->blk, scope_enter(&r->sc, r->lspans[li].lo)};
  B->blk = B->g->loops.v[nl].body;
  B->src = r->f->nodes.v[r->exit_of[li]].src;
  r->rev_idx[li] = b_loop_op(B, OP_IDX, nl, REF_NONE, REF_NONE);
  const LoopSpan *s = &r->lspans[li];
  for (int i = s->lo; i < s->body_hi; i++)
    if (r->f->nodes.v[i].op == OP_IDX && r->f->nodes.v[i].aux == li) {
      r->fv[i] = r->rev_idx[li];
      scope_made(&r->sc, i);
    }
  return fr;
}

/* Close it: every value outside the loop that the body contributed to gets
 * an accumulator; carried adjoints get their next values; then the loop's
 * exits, and the accumulated contributions go out. */
static void close_reverse_body(Rev *r, int li, int nl, Frame fr, const Ref *cb, const Ref *cnext,
                               int ncarry, const Ref *cinit) {
  VEC(Acc) accs = {0};
  for (int i = fr.outer.mark; i < r->sc.saves.n; i++) {
    int sl = r->sc.saves.v[i].slot;
    if (r->adj[sl] == REF_NONE)
      continue;
    B->src = r->f->nodes.v[sl / r->m].src;
    Acc a = {sl, b_loop_op(B, OP_CARRY, nl, K(0), REF_NONE)};
    vec_push(&accs, a);
  }
  Ref *sums = xmalloc((size_t)(accs.n ? accs.n : 1) * sizeof *sums);
  for (int i = 0; i < accs.n; i++) {
    B->src = r->f->nodes.v[accs.v[i].slot / r->m].src;
    sums[i] = ADD(accs.v[i].carry, r->adj[accs.v[i].slot]);
  }
  for (int j = 0; j < ncarry; j++)
    b_loop_op(B, OP_NEXT, nl, cb[j], cnext[j]);
  for (int i = 0; i < accs.n; i++)
    b_loop_op(B, OP_NEXT, nl, accs.v[i].carry, sums[i]);
  scope_leave(&r->sc, fr.outer, r->adj); /* what follows contributes at the outer level */
  r->rev_idx[li] = REF_NONE;
  B->blk = fr.parent;
  Ref *outs = xmalloc((size_t)(ncarry + accs.n + 1) * sizeof *outs);
  for (int j = 0; j < ncarry; j++)
    outs[j] = b_loop_op(B, OP_LOOPOUT, nl, cb[j], REF_NONE);
  for (int i = 0; i < accs.n; i++)
    outs[ncarry + i] = b_loop_op(B, OP_LOOPOUT, nl, accs.v[i].carry, REF_NONE);
  for (int j = 0; j < ncarry; j++) /* cb, cnext: carried value j / m, output j % m */
    add_contrib(r, cinit[j / r->m], j % r->m, outs[j]);
  for (int i = 0; i < accs.n; i++) {
    int sl = accs.v[i].slot;
    B->src = r->f->nodes.v[sl / r->m].src;
    add_contrib(r, sl / r->m, sl % r->m, outs[ncarry + i]);
  }
  free(outs);
  free(sums);
  vec_free(&accs);
}

/* The stored weight of logsumexp loop li's terms (an LSEW node), or -1. */
static int stored_weight(const Rev *r, int li) {
  if (!r->weights)
    return -1;
  const LoopSpan *s = &r->lspans[li];
  for (int i = s->lo; i < s->body_hi; i++)
    if (r->f->nodes.v[i].op == OP_LSEW && r->f->nodes.v[i].aux == li)
      return r->save_of[i] >= 0 && restorable(r, r->save_of[i]) ? i : -1;
  return -1;
}

/* The adjoint of a reduction's term, from the result's. */
static Ref term_adjoint(Rev *r, int li, int red, Ref bar, Ref val, Ref count) {
  Ref t = r->f->nodes.v[red].a[0];
  switch (r->f->loops.v[li].kind) {
  case LK_LSE: {
    int w = stored_weight(r, li);
    if (w < 0)
      return MUL(bar, EXP(SUB(fwd_ref(r, t), val)));
    Ref wv = fwd_ref(r, w);
    return MUL(bar, r->weights > 1 ? b_op(B, OP_LSEWT, wv, fwd_ref(r, t), val) : wv);
  }
  case LK_MIN:
  case LK_MAX:
    return SEL(EQ(fwd_ref(r, t), val), DIV(bar, count), K(0));
  default:
    return bar;
  }
}

static void rev_range(Rev *r, int lo, int hi, int fblk);

static void rev_reduction(Rev *r, int li) {
  const LoopSpan *s = &r->lspans[li];
  const Loop *l = &r->f->loops.v[li];
  int red = -1, count = -1;
  for (int i = s->body_hi; i < s->hi; i++)
    if (r->f->nodes.v[i].op == OP_REDUCE)
      red = i;
    else if (r->f->nodes.v[i].op == OP_RCOUNT)
      count = i;
  if (red < 0 || !has_adjoint(r, red))
    return;
  label(r, red);
  Ref val = REF_NONE, cnt = REF_NONE;
  if (l->kind != LK_SUM)
    val = fwd_ref(r, red);
  if (l->kind == LK_MIN || l->kind == LK_MAX)
    cnt = fwd_ref(r, count);
  B->src = r->f->nodes.v[red].src;
  /* The terms' adjoints are independent: a triangle's rows (a range reading
   * an enclosing counter) are walked forwards, whose first index is cheap
   * (gmm's c in 0..j: c = 0, not c = j - 1 in c*(c-1)/2); others backwards. */
  int backward = !(l->kind == LK_SUM && graph_uses_index(r->f, l->hi));
  int nl = b_loop(B, LK_FOR, fwd_ref(r, l->lo), fwd_ref(r, l->hi), backward);
  Frame fr = open_reverse_body(r, li, nl);
  B->src = r->f->nodes.v[red].src;
  for (int k = 0; k < r->m; k++)
    if (ADJ(red, k) != REF_NONE)
      add_contrib(r, r->f->nodes.v[red].a[0], k, term_adjoint(r, li, red, ADJ(red, k), val, cnt));
  rev_range(r, s->lo, s->body_hi, l->body);
  close_reverse_body(r, li, nl, fr, NULL, NULL, 0, NULL);
}

/* A for loop: its carried values' adjoints run backwards through the
 * iterations, each reading the carried values stored by the forward loop. */
static void rev_for(Rev *r, int li) {
  const LoopSpan *s = &r->lspans[li];
  const Loop *l = &r->f->loops.v[li];
  const Graph *f = r->f;
  int ncarry = 0;
  for (int i = s->body_hi; i < s->hi; i++)
    label(r, i);
  /* a carried array's adjoint is its buffer's: nothing to carry */
  for (int i = s->lo; i < s->body_hi; i++)
    ncarry += f->nodes.v[i].op == OP_CARRY && f->nodes.v[i].aux == li && !f->nodes.v[i].arr;
  int m = r->m;
  size_t sz = (size_t)(ncarry + 1), szm = sz * (size_t)m;
  Ref *cb = xmalloc(szm * sizeof *cb), *cnext = xmalloc(szm * sizeof *cnext);
  Ref *cinit = xmalloc(sz * sizeof *cinit), *outbar = xmalloc(szm * sizeof *outbar);
  int *carry = xmalloc(sz * sizeof *carry), *nextv = xmalloc(sz * sizeof *nextv);
  int *slot = r->scratch; /* CARRY -> j, reset below */
  ncarry = 0;
  for (int i = s->lo; i < s->body_hi; i++)
    if (f->nodes.v[i].op == OP_CARRY && f->nodes.v[i].aux == li && !f->nodes.v[i].arr) {
      carry[ncarry] = i;
      cinit[ncarry] = f->nodes.v[i].a[0];
      nextv[ncarry] = i;
      for (int k = 0; k < m; k++)
        outbar[ncarry * m + k] = REF_NONE;
      slot[i] = ncarry++;
    }
  for (int i = s->lo; i < s->hi; i++) {
    const Node *nd = &f->nodes.v[i];
    if ((nd->op == OP_NEXT || nd->op == OP_LOOPOUT) && f->nodes.v[nd->a[0]].arr)
      continue;
    if (nd->op == OP_NEXT && nd->aux == li)
      nextv[slot[nd->a[0]]] = nd->a[1];
    else if (nd->op == OP_LOOPOUT && nd->aux == li)
      for (int k = 0; k < m; k++)
        outbar[slot[nd->a[0]] * m + k] = ADJ(i, k);
  }
  for (int j = 0; j < ncarry; j++)
    slot[carry[j]] = -1;
  B->src = f->nodes.v[s->body_hi].src;
  int nl = b_loop(B, LK_FOR, fwd_ref(r, l->lo), fwd_ref(r, l->hi), 1);
  Frame fr = open_reverse_body(r, li, nl);
  for (int j = 0; j < ncarry * m; j++) {
    B->src = f->nodes.v[carry[j / m]].src;
    cb[j] = b_loop_op(B, OP_CARRY, nl, outbar[j] == REF_NONE ? K(0) : outbar[j], REF_NONE);
  }
  for (int j = 0; j < ncarry * m; j++) {
    B->src = f->nodes.v[carry[j / m]].src;
    add_contrib(r, nextv[j / m], j % m, cb[j]);
  }
  rev_range(r, s->lo, s->body_hi, l->body);
  for (int j = 0; j < ncarry * m; j++) {
    Ref *a = &ADJ(carry[j / m], j % m);
    cnext[j] = *a == REF_NONE ? K(0) : *a;
    *a = REF_NONE;
  }
  close_reverse_body(r, li, nl, fr, cb, cnext, ncarry * m, cinit);
  free(cb);
  free(cnext);
  free(cinit);
  free(outbar);
  free(carry);
  free(nextv);
}

static void rev_range(Rev *r, int lo, int hi, int fblk) {
  assert(0 <= lo && lo <= hi && hi <= r->f->nodes.n);
  for (int n = hi - 1; n >= lo;) {
    const Node *nd = &r->f->nodes.v[n];
    if (op_info[nd->op].kind == K_EXIT && nd->blk == fblk) {
      int li = nd->aux;
      if (r->f->loops.v[li].kind == LK_FOR)
        rev_for(r, li);
      else
        rev_reduction(r, li);
      n = r->lspans[li].lo - 1;
    } else if (nd->op == OP_PHI && nd->blk == fblk) {
      rev_group(r, nd->aux);
      n = r->spans[nd->aux].lo - 1;
    } else {
      rev_node(r, n);
      n--;
    }
  }
}

static void rev_reset(Rev *r) {
  const Graph *f = r->f;
  for (int i = 0; i < f->nodes.n; i++)
    r->fv[i] = i;
  for (int i = 0; i < f->nodes.n * r->m; i++) {
    r->adj[i] = REF_NONE;
    r->scratch[i] = -1;
  }
  for (int i = 0; i < f->loops.n; i++)
    r->rev_idx[i] = REF_NONE;
  scope_reset(&r->sc, f, f->nodes.n * r->m);
}

/* An array result's adjoint: the cotangent array seed, added into the
 * adjoint of the buffer the result lives in. */
static void seed_array(Rev *r, Ref res, int k, Ref seed) {
  int buf = r->buf_of[res], parent = B->blk, l;
  if (!r->buf_active[buf])
    return;
  B->src = r->f->nodes.v[res].src;
  Ref i = element_loop(r, buf, LK_FOR, &l);
  adjoint_op(r, OP_ACCUM, k, buf, i, b_op(B, OP_LOAD, seed, i, REF_NONE));
  B->blk = parent;
}

/* The reverse sweep: seeds[o * m + k] is output o's adjoint in slot k;
 * appends, per slot, one gradient per parameter to the outputs (0 for
 * arrays and data: arrays get theirs through ACCUM nodes of row k). */
static void rev_sweep(Rev *r, const Ref *seeds) {
  const Graph *f = r->f;
  rev_reset(r);
  for (int o = 0; o < f->outs.n; o++) {
    Ref res = f->outs.v[o];
    for (int k = 0; k < r->m; k++)
      if (!ref_is_const(res) && seeds[o * r->m + k] != REF_NONE) {
        if (graph_ref_kind(f, res) == K_ARR)
          seed_array(r, res, k, seeds[o * r->m + k]);
        else
          add_contrib(r, res, k, seeds[o * r->m + k]);
      }
  }
  rev_range(r, 0, f->nodes.n, 0);
  for (int k = 0; k < r->m; k++) {
    int p = 0;
    for (int i = 0; i < f->nodes.n && p < f->nparams; i++) {
      const Node *nd = &f->nodes.v[i];
      if ((nd->op != OP_INPUT && nd->op != OP_IPARAM && nd->op != OP_ARRAY) || nd->aux >= f->nparams)
        continue;
      p++;
      int differentiated = nd->op == OP_INPUT && !f->sig->params[nd->aux].is_const;
      vec_push(&B->g->outs, differentiated && ADJ(i, k) != REF_NONE ? ADJ(i, k) : K(0));
    }
  }
}

/* An element updated in place, v[i] = v[i] + e (heat's v[i] += k * ...):
 * the store's reverse would read the element's adjoint and zero it, and the
 * read's add the same adjoint back (through the addition, unchanged). The
 * adjoint is left where it is instead: in_place marks the store and the
 * read. Only where nothing else reads the element or the sum (each used
 * once, in the store's block, but for storing it), and the store writes
 * the version read: nothing writes the buffer between them, and whatever
 * else the reverse sweep adds into the element there adds the same either
 * way. */
static void find_in_place(Rev *r) {
  const Graph *f = r->f;
  int *uses = xcalloc((size_t)f->nodes.n, sizeof *uses);
  for (int i = 0; i < f->nodes.n; i++) /* (storing a value is no use of its adjoint) */
    for (int k = 0; k < op_info[f->nodes.v[i].op].arity && f->nodes.v[i].op != OP_SAVE; k++)
      if (f->nodes.v[i].a[k] != REF_NONE && !ref_is_const(f->nodes.v[i].a[k]))
        uses[f->nodes.v[i].a[k]]++;
  r->in_place = xcalloc((size_t)f->nodes.n, 1);
  for (int n = 0; n < f->nodes.n; n++) {
    const Node *st = &f->nodes.v[n];
    if (st->op != OP_ASET || ref_is_const(st->a[2]) || uses[st->a[2]] != 1)
      continue;
    const Node *sum = &f->nodes.v[st->a[2]];
    if ((sum->op != OP_ADD && sum->op != OP_SUB) || sum->blk != st->blk)
      continue;
    for (int k = 0; k < (sum->op == OP_ADD ? 2 : 1); k++) { /* v[i] - e, not e - v[i] */
      Ref ld = sum->a[k];
      if (ld == sum->a[1 - k] || ref_is_const(ld) || uses[ld] != 1)
        continue;
      const Node *l = &f->nodes.v[ld];
      if (l->op == OP_LOAD && l->a[0] == st->a[0] && l->a[1] == st->a[1] && l->blk == st->blk) {
        r->in_place[n] = r->in_place[ld] = 1;
        break;
      }
    }
  }
  free(uses);
}

/* The sweep's tables: what each forward node is stored by, leaves its
 * branch by, which loop exits come first, which nodes are active. */
static void rev_init(Rev *r, const Graph *f, Builder *b, RevMode mode, int weights) {
  memset(r, 0, sizeof *r);
  r->f = f;
  r->b = b;
  r->labels = mode != REV_JAC;
  r->weights = weights;
  r->m = mode == REV_JAC ? (f->outs.n ? f->outs.n : 1) : 1;
  copier_init(&r->cp, f);
  r->cp.skip_saves = 1; /* RESTORE reads the forward sweep's SAVEs; copies need none */
  r->spans = ir_group_spans(f);
  r->lspans = ir_loop_spans(f);
  size_t n = (size_t)(f->nodes.n ? f->nodes.n : 1), nl = (size_t)(f->loops.n ? f->loops.n : 1);
  size_t nm = n * (size_t)r->m;
  scope_init(&r->sc, (int)n, (int)nm);
  r->fv = xmalloc(n * sizeof *r->fv);
  r->adj = xmalloc(nm * sizeof *r->adj);
  r->scratch = xmalloc(nm * sizeof *r->scratch);
  r->save_of = xmalloc(n * sizeof *r->save_of);
  r->export_of = xmalloc(n * sizeof *r->export_of);
  r->rev_idx = xmalloc(nl * sizeof *r->rev_idx);
  r->exit_of = xmalloc(nl * sizeof *r->exit_of);
  for (int i = 0; i < f->nodes.n; i++)
    r->save_of[i] = r->export_of[i] = -1;
  for (int i = 0; i < f->nodes.n; i++) { /* a branch's value leaving it by a phi "c ? v : 0" */
    Ref v = ir_exported(f, i);
    if (v == REF_NONE || r->export_of[v] >= 0)
      continue;
    const Group *gr = &f->groups.v[f->nodes.v[i].aux];
    int vb = f->nodes.v[v].blk; /* inside the group, not a value from before it (a cycle) */
    if (graph_is_ancestor(f, gr->then_blk, vb) || graph_is_ancestor(f, gr->else_blk, vb))
      r->export_of[v] = i;
  }
  for (int i = 0; i < f->loops.n; i++)
    r->exit_of[i] = r->lspans[i].body_hi < r->lspans[i].hi ? r->lspans[i].body_hi : -1;
  for (int i = 0; i < f->nodes.n; i++)
    if (f->nodes.v[i].op == OP_SAVE)
      r->save_of[f->nodes.v[i].a[0]] = i;
  r->active = ir_active(f);
  r->buf_of = graph_buffers(f);
  r->snap_of = xmalloc(n * sizeof *r->snap_of);
  for (int i = 0; i < f->nodes.n; i++)
    r->snap_of[i] = -1;
  for (int i = 0; i < f->nodes.n; i++) {
    Ref ver = graph_snapshot_of(f, i, r->buf_of);
    if (ver != REF_NONE && r->snap_of[ver] < 0)
      r->snap_of[ver] = i;
  }
  r->buf_active = xcalloc(n, 1);
  for (int i = 0; i < f->nodes.n; i++)
    if (r->buf_of[i] >= 0 && r->active[i])
      r->buf_active[r->buf_of[i]] = 1;
  find_in_place(r);
}

static void rev_free(Rev *r) {
  free(r->active);
  free(r->buf_of);
  free(r->buf_active);
  free(r->in_place);
  free(r->fv);
  scope_free(&r->sc);
  vec_free(&r->todo);
  vec_free(&r->kept);
  free(r->adj);
  free(r->scratch);
  free(r->save_of);
  free(r->snap_of);
  free(r->export_of);
  free(r->rev_idx);
  free(r->exit_of);
  free(r->spans);
  free(r->lspans);
  copier_free(&r->cp);
}

/* The sweep's seeds: per output, the constant 1 in its own slot (f_grad,
 * f_jac, which return the values too), or a cotangent input (f_vjp, and
 * f_jac of array results, which returns the values too). */
static Ref *rev_seeds(Rev *r, Graph *out, RevMode mode) {
  const Graph *f = r->f;
  int nouts = f->outs.n;
  Ref *seeds = xmalloc((size_t)(nouts ? nouts : 1) * (size_t)r->m * sizeof *seeds);
  for (int o = 0; o < nouts; o++) {
    if (mode == REV_ROWS) /* the values too (f_jac of array results) */
      vec_push(&out->outs, f->outs.v[o]);
    if (mode == REV_VJP || mode == REV_ROWS) { /* one slot: the cotangents, weighed */
      Loc none = {0, 0};
      B->src = ref_is_const(f->outs.v[o]) ? none : f->nodes.v[f->outs.v[o]].src;
      int arr = !ref_is_const(f->outs.v[o]) && graph_ref_kind(f, f->outs.v[o]) == K_ARR;
      seeds[o] = arr ? b_leaf(B, OP_ARRAY, f->nparams + o) : b_input(B, f->nparams + o);
    } else { /* a slot per output, seeded with 1 */
      vec_push(&out->outs, f->outs.v[o]);
      for (int k = 0; k < r->m; k++)
        seeds[o * r->m + k] = o == k ? K(1) : REF_NONE;
    }
  }
  return seeds;
}

RevStatus ir_reverse(const Graph *f, Graph *out, int optimize, RevMode mode, int weights, Loc *err_at) {
  assert(f->sig && f->nparams == f->sig->nparams);
  /* the gradient has 2-3.1 times the forward graph's nodes (long sums,
   * products, random DAGs); room for 4 times from the start: growing
   * would copy the whole graph into fresh memory, while room never
   * written costs only address space */
  int room = f->nodes.n < MAX_NODES / 4 ? 4 * f->nodes.n : MAX_NODES;
  graph_clone(out, f, room);
  out->labels.n = 0;
  out->outs.n = 0;
  Builder bld;
  b_init(&bld, out, optimize, room);
  vec_reserve(&out->labels, f->nodes.n); /* about one per forward node */
  Rev rv;
  Rev *r = &rv;
  rev_init(r, f, &bld, mode, weights);
  Ref *seeds = rev_seeds(r, out, mode);
  rev_sweep(r, seeds);
  RevStatus status = bld.overflow ? REV_TOO_LARGE : r->tape_error ? REV_STORED_RANGE
                     : r->noderiv ? REV_NO_DERIVATIVE : REV_OK;
  if (err_at)
    *err_at = r->err_at;
  free(seeds);
  rev_free(r);
  b_free(&bld);
  return status;
}
