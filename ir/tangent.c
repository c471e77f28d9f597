/* tangent.c - forward mode as a graph-to-graph transform (SPEC 2.7's
 * f_jvp, and over a gradient graph f_hvp).
 *
 * The result is the forward graph made again node by node, each value
 * followed by its tangent: the sum over its arguments of the partial by the
 * argument (ops.def's rules, as reverse mode reads them) times the
 * argument's tangent. A value that does not depend on a differentiated
 * parameter (ir_active) has none, and a zero tangent makes no work (the
 * builder folds it away). Nothing is stored: one sweep.
 *
 * Structure is kept: a group's branches make their tangents in the branch,
 * joined by phis; a loop carries its values' tangents beside them. A
 * reduction whose tangent is needed becomes a loop carrying its running
 * state, its tangent beside it, the updates those of the forward function's
 * code (codegen/loops.c), so the value keeps its bits:
 *   sum        s += t;               s' += t'
 *   min, max   m = t if t beats m;   the tangents of the terms equal to m
 *              summed and counted (ties split the tangent, SPEC 2.4)
 *   logsumexp  the online log-sum-exp m, s; u = sum of exp(t - m) t' under
 *              the same rescalings, the result's tangent u / s.
 * A logsumexp whose weights a gradient stores and reads through LSEWT
 * (f_hvp) stays a logsumexp, weights stored as the gradient's: its terms'
 * tangents are stored beside them and its tangent is sum w t', a sum after
 * the loop; each weight's tangent is w (t' - L'), no exponential taken again.
 * Where no tangent wanted reads a sum's (f_hvp's value, a sum: only the
 * value's tangent reads it, and it is not wanted), it stays a sum loop, which
 * the emitter fuses with the reverse sweep and caches as the gradient's.
 * A local array's buffer that holds an active version gets a tangent
 * buffer, each version of it mirrored (a fill, copy, move or element set of
 * tangents); reads of it read the tangent buffer, as reads of a parameter
 * array read its tangent array.
 *
 * Over a gradient graph (f_hvp: forward over reverse) the reverse sweep's
 * own operations get tangents too: a stored value's tangent is stored
 * beside it and read back beside it, an addition into a parameter array's
 * gradient has its tangent added into that array's tangent (ARRAY 2 nparams
 * + p), a local array's adjoint has the tangent buffer's adjoint beside it,
 * and each adjoint's label (zK_bar) gets one for its tangent (zK_bar_dot).
 *
 * Several directions at once (f_hess's helper: up to IR_MAX_DIRS): each
 * node's value is made once, then its tangent in each direction; every
 * direction's tangents have the same shape, and each is made by the same
 * operations as when it is the only one.
 *
 *   needs:       a forward graph (its stores for a reverse sweep die) or a
 *                gradient graph whose logsumexp weights are read through
 *                LSEWT or taken again (ir_reverse's weights 2 or 0); its
 *                signature
 *   makes:       a new graph: outs are the values, then the tangents of
 *                those from the first-th on, direction by direction; the
 *                tangent of parameter p in direction w is INPUT (or ARRAY)
 *                nparams (1 + 2w) + p, its gradient's nparams (2 + 2w) + p
 *   invalidates: nothing */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

enum { UNMAPPED = -1 };

/* A reduction's running state, carried by its loop (REF_NONE: not needed). */
typedef struct Running {
  int tangent;   /* its result has a tangent (its REDUCE is active and needed) */
  int ties;      /* min/max: its count of ties is read (a gradient's RCOUNT) */
  Ref m, s;      /* sum: s; min/max: m, s (the count of ties); logsumexp: m, s */
  Ref u[IR_MAX_DIRS]; /* the running tangent, one per direction */
  Ref count;     /* min/max: the count of ties after the loop (1 when not kept) */
  int weights;   /* logsumexp: the SAVE of its weights that the reverse sweep reads
                  * through LSEWT (-1: none): the loop stays a logsumexp */
  int terms;     /* and a SAVE of its terms at the same places (-1: none), whose
                  * tangents' are read back instead of a store of their own */
} Running;

typedef struct Tan {
  const Graph *f;
  Builder *b;
  Ref *val, *dot;        /* per forward node: its copy, its tangent (REF_NONE: zero) in direction dir */
  Ref *dots[IR_MAX_DIRS]; /* the tangents in each direction (dot is dots[dir]) */
  int ndir, dir;
  int *bmap, *gmap, *lmap;
  char *active;
  int *buf_of;           /* per forward node: its array's buffer (graph_buffers) */
  char *carries;         /* per buffer node: its versions carry tangents */
  Running *run;          /* per forward loop */
  Ref *grad_dot[IR_MAX_DIRS]; /* per direction and parameter: the ARRAY its gradient's tangent is added into */
  int label;             /* the next label of the source graph to copy */
  int nbufs;             /* buffers so far (ABUF numbers) */
  int noderiv;
  Loc err_at;
} Tan;

#define B (t->b)
#define X map(t, nd->a[0])
#define Y map(t, nd->a[1])
#define W map(t, nd->a[2])
#define Z t->val[n]
#define NODERIV no_derivative(t, nd)
#define RULE_CTX Tan
#define RULE_VAR t
static Ref map(Tan *t, Ref r);
#include "rules.h"

static Ref no_derivative(Tan *t, const Node *nd) {
  if (!t->noderiv) {
    t->noderiv = 1;
    t->err_at = nd->src;
  }
  return REF_NONE;
}

/* From now on tangents are direction w's. Every direction's tangents have
 * the same shape (activity does not depend on the direction), so the
 * value's work is made once and each direction's tangent after it. */
static int set_dir(Tan *t, int w) {
  if (w >= t->ndir)
    return 0;
  t->dir = w;
  t->dot = t->dots[w];
  return 1;
}
#define EACH_DIR(t) for (int w_ = 0; set_dir((t), w_); w_++)

/* Parameter p's tangent in direction dir (INPUT or ARRAY), and its
 * gradient's (ARRAY): nparams (1 + 2 dir) + p and nparams (2 + 2 dir) + p,
 * so that one direction's are nparams + p and 2 nparams + p. */
static int dot_param(const Tan *t, int p) { return t->f->nparams * (1 + 2 * t->dir) + p; }

/* The copy of forward reference r (constants copied as constants). */
static Ref map(Tan *t, Ref r) {
  if (r == REF_NONE)
    return REF_NONE;
  return ref_is_const(r) ? K(graph_const(t->f, r)) : t->val[r];
}

static int has_dot(const Tan *t, Ref r) { return r != REF_NONE && !ref_is_const(r) && t->dot[r] != REF_NONE; }

/* The tangent of forward reference r, 0 (a constant) when it has none. */
static Ref dot_or_zero(Tan *t, Ref r) { return has_dot(t, r) ? t->dot[r] : K(0); }

/* The tangent of forward reference r, REF_NONE when it has none: a local
 * array's version's tangent version, a parameter array's tangent array
 * (those of buffers that carry tangents, find_carriers). */
static Ref dot_of(const Tan *t, Ref r) { return has_dot(t, r) ? t->dot[r] : REF_NONE; }

/* Does forward node n get a tangent: an active value, or a version of an
 * array whose buffer carries tangents (find_carriers)? */
static int wants_tangent(const Tan *t, int n) {
  if (graph_ref_kind(t->f, n) == K_ARR || t->f->nodes.v[n].arr)
    return t->buf_of[n] >= 0 && t->carries[t->buf_of[n]];
  return t->active[n];
}

static int map_block(Tan *t, int sb);

static int map_group(Tan *t, int gi) {
  if (t->gmap[gi] != UNMAPPED)
    return t->gmap[gi];
  const Group *sg = &t->f->groups.v[gi];
  int blk = B->blk;
  B->blk = map_block(t, sg->parent);
  t->gmap[gi] = b_group(B, map(t, sg->cond));
  B->blk = blk;
  return t->gmap[gi];
}

/* A forward loop made again: a for loop (reductions carry their state), its
 * reduction's state carried from the start of its body. */
static int map_loop(Tan *t, int li) {
  if (t->lmap[li] != UNMAPPED)
    return t->lmap[li];
  const Loop *sl = &t->f->loops.v[li];
  int blk = B->blk, name = B->name;
  B->blk = map_block(t, sl->parent);
  Running *r = &t->run[li];
  int tangent = r->tangent, sum = sl->kind == LK_SUM && !tangent; /* (a sum stays one) */
  int lse = sl->kind == LK_LSE && r->weights >= 0;              /* (so does a weighed logsumexp) */
  int kept = sum || lse;                                        /* (no state carried, then) */
  int l = b_loop(B, sum ? LK_SUM : lse ? LK_LSE : LK_FOR, map(t, sl->lo), map(t, sl->hi), sl->backward);
  t->lmap[li] = l;
  t->bmap[sl->body] = B->g->loops.v[l].body;
  B->blk = B->g->loops.v[l].body;
  B->name = -1;
  r->m = r->s = REF_NONE;
  for (int w = 0; w < IR_MAX_DIRS; w++)
    r->u[w] = REF_NONE;
  switch (kept ? LK_FOR : sl->kind) {
  case LK_FOR:
    break;
  case LK_SUM:
    r->s = b_loop_op(B, OP_CARRY, l, K(0), REF_NONE);
    break;
  case LK_MIN:
  case LK_MAX:
  case LK_LSE:
    r->m = b_loop_op(B, OP_CARRY, l, K(sl->kind == LK_MIN ? HUGE_VAL : -HUGE_VAL), REF_NONE);
    if (sl->kind == LK_LSE || tangent || r->ties)
      r->s = b_loop_op(B, OP_CARRY, l, K(0), REF_NONE);
    break;
  }
  for (int w = 0; w < t->ndir && sl->kind != LK_FOR && tangent && !kept; w++)
    r->u[w] = b_loop_op(B, OP_CARRY, l, K(0), REF_NONE);
  B->blk = blk;
  B->name = name;
  return l;
}

static int map_block(Tan *t, int sb) {
  if (t->bmap[sb] != UNMAPPED)
    return t->bmap[sb];
  const Block *blk = &t->f->blocks.v[sb];
  if (blk->loop >= 0) {
    map_loop(t, blk->loop);
    return t->bmap[sb];
  }
  int g = map_group(t, blk->group);
  t->bmap[sb] = blk->sense ? B->g->groups.v[g].then_blk : B->g->groups.v[g].else_blk;
  return t->bmap[sb];
}

/* Ref v stands for forward node n's tangent: a node made for it prints as
 * zK_dot (K the forward node's name). Only nodes made since `mark`: an
 * older one is some other value's. */
static Ref tangent(Tan *t, int n, Ref v, int mark) {
  if (v != REF_NONE && !ref_is_const(v) && v >= mark && v != t->val[n] && t->f->nodes.v[n].name >= 0) {
    B->g->nodes.v[v].name = t->f->nodes.v[n].name;
    B->g->nodes.v[v].tan = (uint8_t)(t->dir + 1);
  }
  return v;
}

/* sum over the arguments of partial * tangent */
static Ref chain_rule(Tan *t, int n) {
  const Node *nd = &t->f->nodes.v[n];
  Ref sum = REF_NONE;
  for (int i = 0; i < op_info[nd->op].arity; i++) {
    Ref a = nd->a[i];
    if (a == REF_NONE || ref_is_const(a) || t->dot[a] == REF_NONE || graph_ref_kind(t->f, a) == K_CND)
      continue;
    Ref p = partial(t, n, i);
    if (p == ZERO)
      continue;
    Ref term = MUL(t->dot[a], p);
    sum = sum == REF_NONE ? term : ADD(sum, term);
  }
  return sum;
}

/* The tangent of a version-making node n (its buffer carrying tangents):
 * the same operation on the tangent buffer. */
static Ref version_tangent(Tan *t, int n) {
  const Node *nd = &t->f->nodes.v[n];
  Ref prev = t->dot[nd->a[0]];
  switch (nd->op) {
  case OP_AFILL:
    return b_op(B, OP_AFILL, prev, dot_or_zero(t, nd->a[1]), REF_NONE);
  case OP_ASET:
    return b_op(B, OP_ASET, prev, map(t, nd->a[1]), dot_or_zero(t, nd->a[2]));
  case OP_ACOPY: {
    Ref src = dot_of(t, nd->a[1]);
    return src == REF_NONE ? b_op(B, OP_AFILL, prev, K(0), REF_NONE)
                           : b_op(B, OP_ACOPY, prev, src, map(t, nd->a[2]));
  }
  case OP_AMOVE: {
    Ref src = dot_of(t, nd->a[1]);
    return src == REF_NONE ? b_op(B, OP_AFILL, prev, K(0), REF_NONE) : b_op(B, OP_AMOVE, prev, src, REF_NONE);
  }
  }
  return REF_NONE;
}

/* Integer expression e (of this graph) with index `from` read as `to`,
 * its operations made again where the builder is (they may stand in the
 * loop of `from`). */
static Ref moved_index(Tan *t, Ref e, Ref from, Ref to) {
  if (e == from)
    return to;
  if (e == REF_NONE || ref_is_const(e))
    return e;
  const Node nd = B->g->nodes.v[e];
  int ar = op_info[nd.op].arity;
  if (op_info[nd.op].kind != K_INT || ar == 0 || nd.op == OP_IDX)
    return e;
  Ref a[3] = {REF_NONE, REF_NONE, REF_NONE};
  for (int k = 0; k < ar; k++)
    a[k] = moved_index(t, nd.a[k], from, to);
  return b_op(B, nd.op, a[0], a[1], a[2]);
}

/* The tangent of a logsumexp whose weights are stored (loop li, l here),
 * in the current direction: sum_k w_k t_k', the weights and the terms'
 * tangents (stored beside them) read back by a sum over the same range
 * after the loop, the weights being known only then. The loop itself stays
 * a logsumexp, one exponential per term as in the gradient. */
static Ref weighed_tangent(Tan *t, int li, int l) {
  int sv = t->run[li].weights, ts = t->run[li].terms >= 0 ? t->run[li].terms : sv;
  if (!has_dot(t, ts))
    return REF_NONE;
  const Loop *sl = &t->f->loops.v[li];
  Ref from = B->g->loops.v[l].idx;
  int parent = B->blk, s = b_loop(B, LK_SUM, map(t, sl->lo), map(t, sl->hi), 0);
  B->blk = B->g->loops.v[s].body;
  Ref k = b_loop_op(B, OP_IDX, s, REF_NONE, REF_NONE);
  Ref pos = moved_index(t, map(t, t->f->nodes.v[sv].a[1]), from, k);
  Ref w = b_op(B, OP_RESTORE, t->val[sv], pos, REF_NONE);
  Ref term = MUL(w, b_op(B, OP_RESTORE, t->dot[ts], pos, REF_NONE));
  B->blk = parent;
  return b_loop_op(B, OP_REDUCE, s, term, REF_NONE);
}

/* A reduction's exit: its state's update at the end of its loop's body,
 * the state after the loop, the result and its tangent from it (in each
 * direction). */
static void reduce(Tan *t, int n) {
  const Node *nd = &t->f->nodes.v[n];
  int li = nd->aux, l = t->lmap[li];
  LoopKind kind = t->f->loops.v[li].kind;
  Running *r = &t->run[li];
  Ref term = map(t, nd->a[0]), nm = REF_NONE, ns = REF_NONE, nu[IR_MAX_DIRS], e = REF_NONE;
  Ref beats = REF_NONE, tie = REF_NONE, finite = REF_NONE;
  int name = B->name;
  if (B->g->loops.v[l].kind != LK_FOR) { /* kept as it was (map_loop): a sum without a
                                          * tangent, a weighed logsumexp, its tangent after it */
    B->blk = map_block(t, t->f->loops.v[li].parent);
    t->val[n] = b_loop_op(B, OP_REDUCE, l, term, REF_NONE);
    EACH_DIR(t) {
      int mark = B->g->nodes.n;
      B->name = -1;
      Ref d = kind == LK_LSE && r->tangent ? weighed_tangent(t, li, l) : REF_NONE;
      B->name = name;
      t->dot[n] = tangent(t, n, d, mark);
    }
    return;
  }
  B->blk = B->g->loops.v[l].body;
  B->name = -1;
  if (kind == LK_SUM) {
    ns = ADD(r->s, term);
  } else if (kind == LK_MIN || kind == LK_MAX) { /* the first of equal terms kept, ties counted */
    beats = kind == LK_MIN ? LT(term, r->m) : GT(term, r->m), tie = EQ(term, r->m);
    nm = SEL(beats, term, r->m);
    if (r->s != REF_NONE)
      ns = SEL(beats, K(1), SEL(tie, ADD(r->s, K(1)), r->s));
  } else { /* logsumexp: codegen/loops.c's update, as selections */
    beats = GT(term, r->m), finite = GT(r->m, K(-HUGE_VAL));
    e = EXP(SEL(beats, SUB(r->m, term), SUB(term, r->m)));
    nm = SEL(beats, term, r->m);
    ns = SEL(beats, SEL(finite, ADD(MUL(r->s, e), K(1)), K(1)), SEL(finite, ADD(r->s, e), r->s));
  }
  EACH_DIR(t) {
    Ref u = r->u[t->dir], td = u != REF_NONE ? dot_or_zero(t, nd->a[0]) : REF_NONE;
    nu[t->dir] = td == REF_NONE                        ? REF_NONE
                 : kind == LK_SUM                      ? ADD(u, td)
                 : kind == LK_MIN || kind == LK_MAX ? SEL(beats, td, SEL(tie, ADD(u, td), u))
                                                       : SEL(beats, SEL(finite, ADD(MUL(u, e), td), td),
                                                             SEL(finite, ADD(u, MUL(e, td)), u));
  }
  if (nm != REF_NONE)
    b_loop_op(B, OP_NEXT, l, r->m, nm);
  if (ns != REF_NONE)
    b_loop_op(B, OP_NEXT, l, r->s, ns);
  EACH_DIR(t) {
    if (nu[t->dir] != REF_NONE)
      b_loop_op(B, OP_NEXT, l, r->u[t->dir], nu[t->dir]);
  }
  B->blk = map_block(t, t->f->loops.v[li].parent);
  /* the exits together, then what is made of them */
  int mark = B->g->nodes.n;
  Ref m = r->m != REF_NONE ? b_loop_op(B, OP_LOOPOUT, l, r->m, REF_NONE) : REF_NONE;
  Ref s = r->s != REF_NONE ? b_loop_op(B, OP_LOOPOUT, l, r->s, REF_NONE) : REF_NONE;
  Ref u[IR_MAX_DIRS];
  EACH_DIR(t) {
    u[t->dir] = r->u[t->dir] != REF_NONE ? b_loop_op(B, OP_LOOPOUT, l, r->u[t->dir], REF_NONE) : REF_NONE;
  }
  Ref log_s = kind == LK_LSE ? LOG(s) : REF_NONE;
  B->name = name;
  t->val[n] = kind == LK_SUM ? s : kind == LK_LSE ? ADD(m, log_s) : m;
  if (kind == LK_SUM) /* the sum itself, named as the forward function names it */
    B->g->nodes.v[s].name = name;
  if (kind == LK_MIN || kind == LK_MAX)
    r->count = s != REF_NONE ? s : K(1);
  EACH_DIR(t) { /* the tangent: the sum's, or the one over the sum (0 for an empty range) */
    B->name = -1;
    Ref d = kind == LK_SUM || u[t->dir] == REF_NONE ? u[t->dir] : SEL(GT(s, K(0)), DIV(u[t->dir], s), K(0));
    B->name = name;
    t->dot[n] = tangent(t, n, d, mark);
  }
}

/* SAVE node n, and its tangent's beside it (a RESTORE reads each back).
 * In a forward graph the dead-node pass keeps only the forward function's
 * caches (graph_cache_loops): GMM's exp(icf[k, j]) made once, as in f. */
static void save(Tan *t, int n) {
  const Node *nd = &t->f->nodes.v[n];
  Ref v = t->val[nd->a[0]];
  if (v == REF_NONE || ref_is_const(v))
    return;
  int l = map_loop(t, nd->aux);
  B->blk = map_block(t, nd->blk);
  B->name = nd->name;
  Ref pos = map(t, nd->a[1]);
  t->val[n] = b_loop_op(B, OP_SAVE, l, v, pos);
  EACH_DIR(t) {
    if (has_dot(t, nd->a[0]))
      t->dot[n] = b_loop_op(B, OP_SAVE, l, t->dot[nd->a[0]], pos);
  }
}

/* A reverse sweep's operation on an adjoint made again (node n, ACCUM,
 * ABAR, AZERO, ACLEAR, ASWAP), then the same on the tangents of each
 * direction: into the gradient's tangent, or on the tangent buffer's
 * adjoint. */
static void adjoint_op(Tan *t, int n) {
  const Node *nd = &t->f->nodes.v[n];
  t->val[n] = b_op(B, nd->op, map(t, nd->a[0]), map(t, nd->a[1]), map(t, nd->a[2]));
  B->g->nodes.v[t->val[n]].aux = nd->aux;
  EACH_DIR(t) {
    int mark = B->g->nodes.n;
    B->name = -1;
    Ref d = REF_NONE, x = nd->a[0], y = nd->a[1];
    int carries_x = !ref_is_const(x) && t->carries[x], carries_y = !ref_is_const(y) && t->carries[y];
    if (nd->op == OP_ACCUM && has_dot(t, nd->a[2])) {
      Ref into = t->f->nodes.v[x].op == OP_ARRAY ? t->grad_dot[t->dir][t->f->nodes.v[x].aux]
                 : carries_x                      ? t->dot[x]
                                                  : REF_NONE;
      if (into != REF_NONE)
        d = b_op(B, OP_ACCUM, into, map(t, nd->a[1]), t->dot[nd->a[2]]);
    } else if (nd->op == OP_ABAR || nd->op == OP_AZERO || nd->op == OP_ACLEAR) {
      if (carries_x)
        d = b_op(B, nd->op, t->dot[x], map(t, nd->a[1]), REF_NONE);
    } else if (nd->op == OP_ASWAP) { /* a buffer without tangents has a zero tangent adjoint */
      if (carries_x && carries_y)
        d = b_op(B, OP_ASWAP, t->dot[x], t->dot[y], REF_NONE);
      else if (carries_x || carries_y)
        d = b_op(B, OP_ACLEAR, t->dot[carries_x ? x : y], REF_NONE, REF_NONE);
    }
    if (d != REF_NONE && !ref_is_const(d)) {
      B->g->nodes.v[d].aux = nd->aux;
      if (nd->op == OP_ABAR)
        t->dot[n] = tangent(t, n, d, mark);
    }
  }
}

/* The labels of the source graph that are due before node n (all of them
 * when n is its end), each with its tangent's (zK_bar_dot). */
static void copy_labels(Tan *t, int n) {
  const Graph *f = t->f;
  for (; t->label < f->labels.n && (n >= f->nodes.n || f->labels.v[t->label].pos <= n); t->label++) {
    const Label *l = &f->labels.v[t->label];
    int blk = B->blk;
    Loc src = B->src;
    B->blk = map_block(t, l->blk);
    B->src = l->src;
    if (!ref_is_const(l->val) && t->val[l->val] != REF_NONE)
      b_label(B, l->name, t->val[l->val]);
    EACH_DIR(t) {
      if (has_dot(t, l->val)) {
        b_label(B, l->name, t->dot[l->val]);
        B->g->labels.v[B->g->labels.n - 1].tan = t->dir + 1;
      }
    }
    B->blk = blk;
    B->src = src;
  }
}

/* Forward node n's tangent in the current direction, its value made: a
 * loop's operation (not IDX), a phi, or a value or version of an array. */
static Ref node_tangent(Tan *t, int n, int loop_op) {
  const Node *nd = &t->f->nodes.v[n];
  B->name = -1;
  if (nd->op == OP_PHI) {
    if (!wants_tangent(t, n))
      return REF_NONE;
    Ref x = nd->arr ? dot_of(t, nd->a[1]) : dot_or_zero(t, nd->a[1]);
    Ref y = nd->arr ? dot_of(t, nd->a[2]) : dot_or_zero(t, nd->a[2]);
    return !nd->arr || (x != REF_NONE && y != REF_NONE) ? b_phi(B, map_group(t, nd->aux), x, y) : REF_NONE;
  }
  if (loop_op) {
    int l = t->lmap[nd->aux];
    if (nd->op == OP_IDX || (nd->op == OP_NEXT ? !has_dot(t, nd->a[0]) : !wants_tangent(t, n)))
      return REF_NONE;
    if (nd->op == OP_CARRY)
      return b_loop_op(B, OP_CARRY, l, nd->arr ? dot_of(t, nd->a[0]) : dot_or_zero(t, nd->a[0]), REF_NONE);
    if (nd->op == OP_NEXT) {
      b_loop_op(B, OP_NEXT, l, t->dot[nd->a[0]], nd->arr ? dot_of(t, nd->a[1]) : dot_or_zero(t, nd->a[1]));
      return REF_NONE;
    }
    return has_dot(t, nd->a[0]) ? b_loop_op(B, OP_LOOPOUT, l, t->dot[nd->a[0]], REF_NONE) : REF_NONE;
  }
  if (nd->op == OP_RESTORE) /* a stored value read back, and its tangent beside it */
    return has_dot(t, nd->a[0]) ? b_op(B, OP_RESTORE, t->dot[nd->a[0]], map(t, nd->a[1]), REF_NONE) : REF_NONE;
  if (op_info[nd->op].kind == K_ARR && t->buf_of[n] >= 0 && t->carries[t->buf_of[n]])
    return version_tangent(t, n);
  if (!t->active[n] || op_info[nd->op].kind != K_VAL)
    return REF_NONE;
  if (nd->op == OP_LOAD)
    return has_dot(t, nd->a[0]) ? b_op(B, OP_LOAD, t->dot[nd->a[0]], map(t, nd->a[1]), REF_NONE) : REF_NONE;
  if (nd->op == OP_SEL) /* the taken branch's */
    return !has_dot(t, nd->a[1]) && !has_dot(t, nd->a[2])
               ? REF_NONE
               : SEL(map(t, nd->a[0]), dot_or_zero(t, nd->a[1]), dot_or_zero(t, nd->a[2]));
  return chain_rule(t, n);
}

/* Forward node n made again, and its tangent in each direction. */
static void tan_node(Tan *t, int n) {
  const Node *nd = &t->f->nodes.v[n];
  const Graph *f = t->f;
  B->src = nd->src;
  B->name = nd->name;
  switch (nd->op) {
  case OP_INPUT:
    t->val[n] = b_input(B, nd->aux);
    EACH_DIR(t) {
      if (t->active[n]) {
        B->name = -1;
        int mark = B->g->nodes.n;
        t->dot[n] = tangent(t, n, b_input(B, dot_param(t, nd->aux)), mark);
      }
    }
    return;
  case OP_SIZE:
  case OP_IPARAM:
    t->val[n] = b_leaf(B, nd->op, nd->aux);
    return;
  case OP_ARRAY:
    t->val[n] = b_leaf(B, OP_ARRAY, nd->aux);
    EACH_DIR(t) {
      if (t->carries[n]) {
        B->name = -1;
        t->dot[n] = b_leaf(B, OP_ARRAY, dot_param(t, nd->aux));
      }
    }
    return;
  case OP_ABUF:
    B->blk = 0;
    t->val[n] = b_op(B, OP_ABUF, map(t, nd->a[0]), REF_NONE, REF_NONE);
    B->g->nodes.v[t->val[n]].aux = nd->aux;
    EACH_DIR(t) {
      if (t->carries[n]) {
        B->name = -1;
        t->dot[n] = b_op(B, OP_ABUF, map(t, nd->a[0]), REF_NONE, REF_NONE);
        B->g->nodes.v[t->dot[n]].aux = t->nbufs++;
      }
    }
    return;
  case OP_SAVE:
    save(t, n);
    return;
  case OP_LSEW: /* stored for a reverse sweep only if read through LSEWT */
    if (t->run[nd->aux].weights >= 0) {
      B->blk = map_block(t, nd->blk);
      t->val[n] = b_loop_op(B, OP_LSEW, map_loop(t, nd->aux), map(t, nd->a[0]), REF_NONE);
      EACH_DIR(t) { /* the term's tangent, stored beside its weight (weighed_tangent) */
        t->dot[n] = t->run[nd->aux].terms < 0 ? dot_of(t, nd->a[0]) : REF_NONE;
      }
    }
    return;
  default:
    break;
  }
  int loop_op = nd->op == OP_IDX || nd->op == OP_CARRY || nd->op == OP_NEXT || op_info[nd->op].kind == K_EXIT;
  if (nd->op == OP_REDUCE || nd->op == OP_RCOUNT) {
    map_loop(t, nd->aux);
    if (nd->op == OP_REDUCE)
      reduce(t, n);
    else /* (read by reverse sweeps only: kept where it is made anyway) */
      t->val[n] = t->run[nd->aux].count;
    return;
  }
  B->blk = op_info[nd->op].kind == K_EXIT ? map_block(t, f->loops.v[nd->aux].parent) : map_block(t, nd->blk);
  int mark = B->g->nodes.n; /* (a node made since is this one's, or its tangent's) */
  if (nd->op == OP_PHI) {
    t->val[n] = b_phi(B, map_group(t, nd->aux), map(t, nd->a[1]), map(t, nd->a[2]));
  } else if (loop_op) {
    t->val[n] = b_loop_op(B, nd->op, map_loop(t, nd->aux), map(t, nd->a[0]), map(t, nd->a[1]));
  } else if (op_keeps_aux(nd->op)) { /* (ABUF is made above) */
    adjoint_op(t, n);
    B->name = nd->name;
    return;
  } else if (nd->op == OP_RESTORE) {
    t->val[n] = b_op(B, OP_RESTORE, t->val[nd->a[0]], map(t, nd->a[1]), REF_NONE);
  } else if (nd->op == OP_LSEWT) { /* the weight read back is the value */
    t->val[n] = map(t, nd->a[0]);
  } else {
    t->val[n] = b_op(B, nd->op, map(t, nd->a[0]), map(t, nd->a[1]), map(t, nd->a[2]));
  }
  EACH_DIR(t) {
    mark = t->dir ? B->g->nodes.n : mark;
    Ref d = node_tangent(t, n, loop_op);
    B->name = nd->name;
    t->dot[n] = op_info[nd->op].kind == K_ARR || nd->arr ? d : tangent(t, n, d, mark);
  }
}

/* Whose tangent some wanted tangent reads: the outputs' from the first-th
 * on, the effects' (stores, loop updates, additions into gradients: always)
 * and what those are made from, but through comparisons, which have none.
 * From the last node back, again until nothing changes (a carried value is
 * read before its update). */
static char *needed(const Graph *f, int first) {
  char *need = xcalloc((size_t)f->nodes.n + 1, 1);
  for (int o = first; o < f->outs.n; o++)
    if (!ref_is_const(f->outs.v[o]))
      need[f->outs.v[o]] = 1;
  for (int i = 0; i < f->nodes.n; i++) {
    OpKind k = op_info[f->nodes.v[i].op].kind;
    need[i] |= k == K_EFF || k == K_ARR || k == K_CAR;
  }
  for (int changed = 1; changed;) {
    changed = 0;
    for (int i = f->nodes.n - 1; i >= 0; i--) {
      const Node *nd = &f->nodes.v[i];
      if (!need[i] || op_info[nd->op].kind == K_CND)
        continue;
      for (int k = 0; k < 3; k++) {
        Ref a = nd->a[k];
        if (a != REF_NONE && !ref_is_const(a) && !need[a])
          need[a] = 1, changed = 1;
      }
    }
  }
  return need;
}

/* Which buffers carry tangents: those holding an active version, and the
 * parameter arrays differentiated. */
static void find_carriers(Tan *t) {
  const Graph *f = t->f;
  for (int i = 0; i < f->nodes.n; i++) {
    const Node *nd = &f->nodes.v[i];
    if (nd->op == OP_ARRAY)
      t->carries[i] |= t->active[i];
    else if (t->buf_of[i] >= 0 && t->active[i] && graph_ref_kind(f, i) == K_ARR)
      t->carries[t->buf_of[i]] = 1;
    if (nd->op == OP_ABUF && nd->aux >= t->nbufs)
      t->nbufs = nd->aux + 1;
  }
  for (int o = 0; o < f->outs.n; o++) { /* an array result's tangent is written even when 0 */
    Ref r = f->outs.v[o];
    if (!ref_is_const(r) && graph_ref_kind(f, r) == K_ARR && t->buf_of[r] >= 0)
      t->carries[t->buf_of[r]] |= f->nodes.v[t->buf_of[r]].op == OP_ABUF;
  }
}

/* The logsumexps whose weights the reverse sweep reads through LSEWT
 * (LSEWT <- RESTORE <- SAVE <- LSEW): they stay logsumexps (Running.weights),
 * with the store of their terms at the same places, if any (Running.terms). */
static void find_weighed(Tan *t) {
  const Graph *f = t->f;
  for (int i = 0; i < f->loops.n; i++)
    t->run[i].weights = t->run[i].terms = -1;
  for (int i = 0; i < f->nodes.n; i++) {
    const Node *nd = &f->nodes.v[i];
    if (nd->op != OP_LSEWT || ref_is_const(nd->a[0]) || f->nodes.v[nd->a[0]].op != OP_RESTORE)
      continue;
    Ref sv = f->nodes.v[nd->a[0]].a[0], lw = f->nodes.v[sv].a[0];
    if (!ref_is_const(lw) && f->nodes.v[lw].op == OP_LSEW)
      t->run[f->nodes.v[lw].aux].weights = sv;
  }
  for (int i = 0; i < f->nodes.n; i++) { /* a weighed logsumexp's terms stored at the weights' places */
    const Node *nd = &f->nodes.v[i];
    int li = nd->op == OP_SAVE ? f->blocks.v[nd->blk].loop : -1;
    if (li < 0 || t->run[li].weights < 0)
      continue;
    const Node *sv = &f->nodes.v[t->run[li].weights];
    if (nd->a[0] == f->nodes.v[sv->a[0]].a[0] && nd->a[1] == sv->a[1])
      t->run[li].terms = i;
  }
}

TanStatus ir_tangent(const Graph *f, Graph *out, int first, int ndir, int optimize, Loc *err_at) {
  size_t n = (size_t)(f->nodes.n ? f->nodes.n : 1);
  graph_init(out);
  out->nparams = f->nparams;
  out->sig = f->sig;
  Builder bld;
  b_init(&bld, out, optimize, 3 * f->nodes.n + 16);
  Tan tv, *t = &tv;
  memset(t, 0, sizeof *t);
  t->f = f;
  t->b = &bld;
  t->ndir = ndir;
  t->val = xmalloc(n * sizeof *t->val);
  for (size_t i = 0; i < n; i++)
    t->val[i] = REF_NONE;
  for (int w = 0; w < ndir; w++) {
    t->dots[w] = xmalloc(n * sizeof *t->dots[w]);
    for (size_t i = 0; i < n; i++)
      t->dots[w][i] = REF_NONE;
  }
  set_dir(t, 0);
  t->bmap = xmalloc((size_t)f->blocks.n * sizeof *t->bmap);
  t->gmap = xmalloc((size_t)(f->groups.n ? f->groups.n : 1) * sizeof *t->gmap);
  t->lmap = xmalloc((size_t)(f->loops.n ? f->loops.n : 1) * sizeof *t->lmap);
  t->run = xcalloc((size_t)(f->loops.n ? f->loops.n : 1), sizeof *t->run);
  for (int i = 0; i < f->blocks.n; i++)
    t->bmap[i] = UNMAPPED;
  t->bmap[0] = 0;
  for (int i = 0; i < f->groups.n; i++)
    t->gmap[i] = UNMAPPED;
  for (int i = 0; i < f->loops.n; i++)
    t->lmap[i] = UNMAPPED;
  t->active = ir_active(f);
  t->buf_of = graph_buffers(f);
  t->carries = xcalloc(n, 1);
  find_carriers(t);
  char *need = needed(f, first);
  for (int i = 0; i < f->nodes.n; i++) {
    if (f->nodes.v[i].op == OP_REDUCE)
      t->run[f->nodes.v[i].aux].tangent = t->active[i] && need[i];
    if (f->nodes.v[i].op == OP_RCOUNT)
      t->run[f->nodes.v[i].aux].ties = need[i];
  }
  free(need);
  find_weighed(t);
  /* the ARRAYs the gradients' tangents are added into (f_hvp), among the
   * parameters in block 0 (the dead-node pass drops those not added into) */
  EACH_DIR(t) {
    t->grad_dot[t->dir] = xmalloc((size_t)(f->nparams ? f->nparams : 1) * sizeof *t->grad_dot[0]);
    for (int p = 0; p < f->nparams; p++)
      t->grad_dot[t->dir][p] = f->sig->params[p].ndims && !f->sig->params[p].is_const
                                   ? b_leaf(B, OP_ARRAY, dot_param(t, p) + f->nparams) : REF_NONE;
  }
  for (int i = 0; i < f->nodes.n && !bld.overflow; i++) {
    copy_labels(t, i);
    tan_node(t, i);
  }
  copy_labels(t, f->nodes.n);
  B->blk = 0;
  B->name = -1;
  for (int o = 0; o < f->outs.n; o++)
    vec_push(&out->outs, map(t, f->outs.v[o]));
  EACH_DIR(t) {
    for (int o = first; o < f->outs.n; o++) {
      Ref r = f->outs.v[o];
      int arr = !ref_is_const(r) && graph_ref_kind(f, r) == K_ARR;
      vec_push(&out->outs, arr ? dot_of(t, r) : dot_or_zero(t, r));
    }
  }
  TanStatus status = bld.overflow ? TAN_TOO_LARGE : t->noderiv ? TAN_NO_DERIVATIVE : TAN_OK;
  if (err_at)
    *err_at = t->err_at;
  free(t->val);
  for (int w = 0; w < ndir; w++)
    free(t->dots[w]), free(t->grad_dot[w]);
  free(t->bmap);
  free(t->gmap);
  free(t->lmap);
  free(t->run);
  free(t->active);
  free(t->buf_of);
  free(t->carries);
  b_free(&bld);
  return status;
}
