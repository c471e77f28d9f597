/* plan.c - the emitter's decisions for speed, taken before it prints a
 * function (see plan.h; numbers in doc/performance.md).
 *   needs:       a function's final graph, its loop and group extents
 *   makes:       a Plan: fused and joined loops, values standing for forward
 *                ones, storage no one reads, cached and hoisted values, reuse
 *   invalidates: nothing (the graph is not changed) */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

typedef struct Ctx {
  const Graph *g;
  const LoopSpan *ls;
  const GroupSpan *gs;
  Plan *p;
} Ctx;

int plan_is_tape(const Plan *p, const Graph *g, int n) {
  return g->nodes.v[n].op == OP_SAVE && !(p->unread && p->unread[n]);
}

/* ---- a sum's loop and its reverse as one loop ---- */

/* Is node r (a reference from the reverse loop) available before loop f? */
/* Integer expressions of sizes only print the same anywhere. */
static int sizes_only(const Graph *g, Ref r) {
  if (ref_is_const(r) || r == REF_NONE)
    return 1;
  const Node *nd = &g->nodes.v[r];
  if (op_info[nd->op].kind != K_INT || nd->op == OP_IDX)
    return 0;
  for (int k = 0; k < op_info[nd->op].arity; k++)
    if (!sizes_only(g, nd->a[k]))
      return 0;
  return 1;
}

static int before(const Ctx *e, Ref r, int f) {
  return ref_is_const(r) || r < e->ls[f].lo || sizes_only(e->g, r);
}

/* A value f's body stores, read back anywhere in the reverse loop: run
 * together, the read (of this iteration's value: the terms of a sum do not
 * read each other) is the value itself, in scope in all of the reverse body. */
static Ref restored(const Ctx *e, int f, const Node *nd) {
  const Graph *g = e->g;
  if (nd->op != OP_RESTORE || ref_is_const(nd->a[0]))
    return REF_NONE;
  const Node *sv = &g->nodes.v[nd->a[0]];
  if (sv->blk != g->loops.v[f].body || ref_is_const(sv->a[0]) || g->nodes.v[sv->a[0]].blk != sv->blk)
    return REF_NONE;
  return sv->a[0];
}

/* NEXT node nd gives its carried value c the value c + x. */
static int accumulates(const Graph *g, const Node *nd) {
  Ref v = nd->a[1];
  if (v == nd->a[0])
    return 1;
  if (ref_is_const(v) || g->nodes.v[v].op != OP_ADD)
    return 0;
  const Node *add = &g->nodes.v[v];
  return add->a[0] == nd->a[0] || add->a[1] == nd->a[0];
}

/* Loop rv may run inside loop f (iteration i of both together) only if
 * it reads, from outside its own nodes, nothing computed from f's start on
 * but sizes, and with f_storage storage f writes (iteration i of rv then
 * reads what iteration i, or an earlier one, of f wrote: it has run). */
static int reads_before(const Ctx *e, int f, int rv, int f_storage) {
  const Graph *g = e->g;
  const LoopSpan *sr = &e->ls[rv];
  for (int i = sr->lo; i < sr->body_hi; i++) {
    const Node *nd = &g->nodes.v[i];
    if (f_storage && restored(e, f, nd) != REF_NONE)
      continue;
    int from = f_storage && nd->op == OP_RESTORE && nd->a[0] >= e->ls[f].lo && nd->a[0] < e->ls[f].body_hi;
    for (int k = from; k < op_info[nd->op].arity; k++)
      if (nd->a[k] != REF_NONE && !before(e, nd->a[k], f) && !(nd->a[k] >= sr->lo && nd->a[k] < sr->hi))
        return 0;
  }
  int lo = 0, hi = g->labels.n; /* labels are in position order: those inside the body */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (g->labels.v[mid].pos <= sr->lo)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (int i = lo; i < g->labels.n && g->labels.v[i].pos < sr->body_hi; i++) {
    const Label *l = &g->labels.v[i];
    if (!before(e, l->val, f) && !(l->val >= sr->lo && l->val < sr->hi))
      return 0;
  }
  for (int i = 0; i < g->groups.n; i++)
    if (e->gs[i].lo >= sr->lo && e->gs[i].hi <= sr->body_hi && !before(e, g->groups.v[i].cond, f) &&
        g->groups.v[i].cond < sr->lo)
      return 0;
  for (int i = 0; i < g->loops.n; i++)
    if (i != rv && e->ls[i].lo >= sr->lo && e->ls[i].hi <= sr->body_hi)
      for (int k = 0; k < 2; k++) {
        Ref r = k ? g->loops.v[i].hi : g->loops.v[i].lo;
        if (!before(e, r, f) && !(r >= sr->lo && r < sr->hi))
          return 0;
      }
  return 1;
}

/* The reverse loop rv of sum f may run inside f when it covers the same
 * range, carries nothing but sums (it differentiates a sum: no carried
 * adjoints), and reads only what reads_before allows: then iteration i of
 * both can run together, forwards. */
static int fusable(const Ctx *e, int f, int rv) {
  const Graph *g = e->g;
  const LoopSpan *sr = &e->ls[rv];
  for (int i = sr->lo; i < sr->body_hi; i++) {
    const Node *nd = &g->nodes.v[i];
    if (nd->op == OP_CARRY && nd->aux == rv && !(ref_is_const(nd->a[0]) && graph_const(g, nd->a[0]) == 0))
      return 0; /* only sums start at 0 and are carried in such a loop (inner loops run in order) */
    if (nd->op == OP_NEXT && nd->aux == rv && !accumulates(g, nd))
      return 0; /* run forwards, a carried value must not depend on the order */
  }
  return reads_before(e, f, rv, 1);
}

/* Could rv be the reverse of sum f: a backward loop after it over the same
 * range in the same block? (A loop without nodes is dead: it is not printed.) */
static int pairs(const Ctx *e, int f, int rv) {
  const Loop *lf = &e->g->loops.v[f], *lr = &e->g->loops.v[rv];
  return lf->kind == LK_SUM && !lf->backward && lr->backward && lr->kind == LK_FOR && lf->parent == lr->parent &&
         lf->lo == lr->lo && lf->hi == lr->hi && e->ls[f].lo >= 0 && e->ls[rv].lo >= e->ls[f].hi;
}

/* Every node of [lo, hi) stands for a forward node (integers print where
 * they are used: they need not). */
static int all_shared(const Ctx *e, int lo, int hi) {
  for (int i = lo; i < hi; i++)
    if (e->p->same_as[i] < 0 && op_info[e->g->nodes.v[i].op].kind != K_INT)
      return 0;
  return 1;
}

static void unshare(Ctx *e, int lo, int hi) {
  for (int i = lo; i < hi; i++)
    e->p->same_as[i] = -1;
}

/* Would copy c, printed in the fused body, meet forward node q's name: q
 * made in f's body, or both carried values declared before their loops
 * there (in the loops' parents: the bodies, printed as one block)? */
static int in_scope(const Graph *g, int q, int c, int fbody, int rbody) {
  const Node *fq = &g->nodes.v[q], *nc = &g->nodes.v[c];
  return fq->blk == fbody || (fq->op == OP_CARRY && nc->op == OP_CARRY && g->loops.v[fq->aux].parent == fbody &&
                              g->loops.v[nc->aux].parent == rbody);
}

/* zK and zK_dot, zK_dot2 ... (a tangent keeps its value's name: Node.tan)
 * are different names */
#define NAME_KEY(nd) ((IR_MAX_DIRS + 1) * (nd)->name + (nd)->tan)

/* Does every argument of nd that the reverse loop's body [lo, body_hi)
 * makes stand for a forward node (else nd, shared, would leave it unread:
 * a recomputed logsumexp's state, its value shared)? */
static int args_shared(const Ctx *e, const LoopSpan *sr, const Node *nd) {
  for (int k = 0; k < 3; k++) {
    Ref a = nd->a[k];
    if (a != REF_NONE && !ref_is_const(a) && a >= sr->lo && a < sr->body_hi && e->p->same_as[a] < 0 &&
        op_info[e->g->nodes.v[a].op].kind != K_INT)
      return 0;
  }
  return 1;
}

/* The reverse loop recomputes the forward loop's values (copies keep the
 * forward node's name); run together, it reads the forward ones. A loop or
 * branch nested in the reverse body stands for its forward copy only as a
 * whole (the names inside are out of scope). Copies that stay get fresh
 * names where their forward node's name is in scope (f's body block). */
static void share_recomputed(Ctx *e, int f, int rv, int *by_name) {
  const Graph *g = e->g;
  const LoopSpan *sf = &e->ls[f], *sr = &e->ls[rv];
  int fbody = g->loops.v[f].body, rbody = g->loops.v[rv].body;
  for (int i = sf->lo; i < sf->body_hi; i++)
    if (g->nodes.v[i].name >= 0)
      by_name[NAME_KEY(&g->nodes.v[i])] = i;
  if (!e->p->same_as) {
    e->p->same_as = xmalloc(sizeof *e->p->same_as * (size_t)g->nodes.n);
    e->p->fresh = xcalloc((size_t)g->nodes.n, 1);
    for (int i = 0; i < g->nodes.n; i++)
      e->p->same_as[i] = -1;
  }
  for (int i = sr->lo; i < sr->body_hi; i++) {
    const Node *nd = &g->nodes.v[i];
    int q = nd->name >= 0 ? by_name[NAME_KEY(nd)] : -1;
    Ref v = restored(e, f, nd);
    if (v != REF_NONE)
      e->p->same_as[i] = v;
    else if (q >= 0 && g->nodes.v[q].op == nd->op && op_info[nd->op].kind != K_INT &&
             (nd->blk == rbody) == (g->nodes.v[q].blk == fbody) && args_shared(e, sr, nd))
      e->p->same_as[i] = q;
  }
  /* a region containing one not shared as a whole is not either: in-place is fine */
  for (int l = 0; l < g->loops.n; l++)
    if (l != rv && e->ls[l].lo >= sr->lo && e->ls[l].hi <= sr->body_hi && !all_shared(e, e->ls[l].lo, e->ls[l].hi))
      unshare(e, e->ls[l].lo, e->ls[l].hi);
  for (int k = 0; k < g->groups.n; k++)
    if (e->gs[k].lo >= sr->lo && e->gs[k].hi <= sr->body_hi && !all_shared(e, e->gs[k].lo, e->gs[k].hi))
      unshare(e, e->gs[k].lo, e->gs[k].hi);
  for (int i = sr->lo; i < sr->body_hi; i++)
    if (e->p->same_as[i] < 0 && g->nodes.v[i].name >= 0 && by_name[NAME_KEY(&g->nodes.v[i])] >= 0 &&
        in_scope(g, by_name[NAME_KEY(&g->nodes.v[i])], i, fbody, rbody) && /* a clash */
        op_info[g->nodes.v[i].op].kind != K_INT) /* integers print where used, not by name */
      e->p->fresh[i] = 1;
  for (int i = sf->lo; i < sf->body_hi; i++) /* clean for the next pair */
    if (g->nodes.v[i].name >= 0)
      by_name[NAME_KEY(&g->nodes.v[i])] = -1;
}

static void plan_fusion(Ctx *e) {
  const Graph *g = e->g;
  if (!g->loops.n)
    return;
  e->p->fused_with = xmalloc(sizeof *e->p->fused_with * (size_t)g->loops.n);
  e->p->index_of = xmalloc(sizeof *e->p->index_of * (size_t)g->loops.n);
  e->p->absorbed = xcalloc((size_t)g->loops.n, 1);
  for (int i = 0; i < g->loops.n; i++)
    e->p->fused_with[i] = -1, e->p->index_of[i] = i;
  int top = 0;
  for (int i = 0; i < g->nodes.n; i++)
    top = g->nodes.v[i].name > top ? g->nodes.v[i].name : top;
  size_t keys = (size_t)(IR_MAX_DIRS + 1) * (size_t)(top + 1); /* a name and its tangents' */
  int *by_name = xmalloc(sizeof *by_name * keys);
  for (size_t k = 0; k < keys; k++)
    by_name[k] = -1;
  /* Reverse loops come in the reverse order of their forward loops: the
   * partner of sum f is the last unabsorbed loop that pairs with it (one full
   * test per sum, not one per pair). */
  for (int f = 0; f < g->loops.n; f++) {
    if (g->loops.v[f].kind != LK_SUM || g->loops.v[f].backward || e->ls[f].lo < 0)
      continue;
    /* a copy standing for its forward loop (an enclosing pair found it) is
     * not printed as a loop: its reverse loop must be printed on its own */
    if (e->p->same_as && all_shared(e, e->ls[f].lo, e->ls[f].hi))
      continue;
    int rv = g->loops.n - 1;
    while (rv > f && (e->p->absorbed[rv] || !pairs(e, f, rv)))
      rv--;
    if (rv <= f || !fusable(e, f, rv))
      continue;
    e->p->fused_with[f] = rv;
    e->p->index_of[rv] = f;
    e->p->absorbed[rv] = 1;
    share_recomputed(e, f, rv, by_name);
  }
  free(by_name);
  if (!e->p->same_as)
    return;
  e->p->unread = xcalloc((size_t)g->nodes.n, 1);
  int loops[64];
  for (int i = 0; i < g->nodes.n; i++) /* (a cache is read where its value is) */
    e->p->unread[i] = g->nodes.v[i].op == OP_SAVE && !graph_cache_loops(g, i, loops);
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_RESTORE && e->p->same_as[i] < 0)
      e->p->unread[g->nodes.v[i].a[0]] = 0;
}

/* ---- reverse loops side by side as one loop ---- */

static int has_save(const Graph *g, const LoopSpan *s) {
  for (int i = s->lo; i < s->hi; i++)
    if (g->nodes.v[i].op == OP_SAVE)
      return 1;
  return 0;
}

/* Can loop b, which starts where loop a (or the last loop joined to head h)
 * ends, run in a's iterations: both reverse loops of one block over the
 * same range, b reading nothing computed from h's start on? Each keeps its
 * order of iterations; only additions of both into one adjoint element may
 * come in another order (a few roundings). */
static int joinable(const Ctx *e, int h, int b) {
  const Graph *g = e->g;
  const Loop *la = &g->loops.v[h], *lb = &g->loops.v[b];
  if (!lb->backward || lb->kind != LK_FOR || lb->parent != la->parent || lb->lo != la->lo || lb->hi != la->hi ||
      e->p->absorbed[b] || e->p->fused_with[b] >= 0)
    return 0;
  if (e->p->same_as && all_shared(e, e->ls[b].lo, e->ls[b].hi))
    return 0; /* a forward loop's copy, not printed as a loop */
  return !has_save(g, &e->ls[b]) && reads_before(e, h, b, 0);
}

/* gmm.ad's reverse sweep has, per component, the adjoints of
 * sum(j in 0..D, icf[k, j]) and of the sum of squares over j in two loops
 * over j one after the other: one loop runs both bodies (one counter, one
 * loop's overhead), as a hand-written gradient would. */
static void plan_joining(Ctx *e) {
  const Graph *g = e->g;
  int n = g->nodes.n, nl = g->loops.n;
  /* the loops starting at each position (nested ones start together) */
  int *first = xmalloc(sizeof *first * (size_t)(n + 1)), *next = xmalloc(sizeof *next * (size_t)nl);
  for (int i = 0; i <= n; i++)
    first[i] = -1;
  for (int l = 0; l < nl; l++)
    if (e->ls[l].lo >= 0 && e->ls[l].lo < e->ls[l].hi) {
      next[l] = first[e->ls[l].lo];
      first[e->ls[l].lo] = l;
    }
  e->p->joined = xmalloc(sizeof *e->p->joined * (size_t)nl);
  for (int l = 0; l < nl; l++)
    e->p->joined[l] = -1;
  int any = 0;
  /* heads in the order of the code: a loop is joined to one that ends
   * where it starts, seen before it */
  for (int pos = 0; pos < n; pos++)
    for (int h = first[pos]; h >= 0; h = next[h]) {
      if (e->p->absorbed[h] || !g->loops.v[h].backward || g->loops.v[h].kind != LK_FOR ||
          e->p->fused_with[h] >= 0 || (e->p->same_as && all_shared(e, e->ls[h].lo, e->ls[h].hi)) ||
          has_save(g, &e->ls[h]))
        continue;
      for (int t = h, more = 1; more;) {
        more = 0;
        for (int b = e->ls[t].hi <= n ? first[e->ls[t].hi] : -1; b >= 0; b = next[b])
          if (joinable(e, h, b)) {
            e->p->joined[t] = b;
            e->p->absorbed[b] = 1;
            e->p->index_of[b] = e->p->index_of[h];
            t = b;
            more = any = 1;
            break;
          }
      }
    }
  free(first);
  free(next);
  if (!any) {
    free(e->p->joined);
    e->p->joined = NULL;
  }
}

/* ---- values made once per place of their storage ---- */

/* The loops around node v inside loop u (innermost first, into ch[]) that
 * are not among the n loops unchanged[]: those v changes with. */
int plan_changed_loops(const Graph *g, int v, int u, const int *unchanged, int n, int *ch) {
  int nch = 0;
  for (int k = g->nodes.v[v].blk; k > 0 && g->blocks.v[k].loop != u; k = g->blocks.v[k].parent) {
    int l = g->blocks.v[k].loop, same = 0;
    for (int m = 0; m < n; m++)
      same |= unchanged[m] == l;
    if (!same && nch < 64)
      ch[nch++] = l;
  }
  return nch;
}

/* Can integer expression r be printed before loop u, inside the loops
 * ch[0..nch)? (Nodes before u are in scope there.) */
static int int_before(const Ctx *e, Ref r, int u, const int *ch, int nch) {
  if (ref_is_const(r) || r == REF_NONE || r < e->ls[u].lo)
    return 1;
  const Node *nd = &e->g->nodes.v[r];
  if (op_info[nd->op].kind != K_INT)
    return 0;
  if (nd->op == OP_IDX) {
    for (int k = 0; k < nch; k++)
      if (ch[k] == nd->aux)
        return 1;
    return 0;
  }
  for (int k = 0; k < op_info[nd->op].arity; k++)
    if (!int_before(e, nd->a[k], u, ch, nch))
      return 0;
  return 1;
}

/* Can value r be printed as one expression before loop u (the nodes it
 * reads inside u written out, at most *budget of them; marked in part)? */
static int value_before(const Ctx *e, Ref r, int u, const int *ch, int nch, int *budget, char *part) {
  if (ref_is_const(r) || r == REF_NONE || r < e->ls[u].lo)
    return 1;
  const Node *nd = &e->g->nodes.v[r];
  OpKind k = op_info[nd->op].kind;
  if (k == K_INT)
    return int_before(e, r, u, ch, nch);
  if ((k != K_VAL && k != K_CND) || nd->op == OP_RESTORE || nd->op == OP_LSEW || nd->op == OP_ABAR || --*budget < 0)
    return 0; /* (an adjoint's element changes where it is) */
  if (nd->op == OP_LOAD) { /* an array (a parameter) and a position */
    if (!value_before(e, nd->a[0], u, ch, nch, budget, part) || !int_before(e, nd->a[1], u, ch, nch))
      return 0;
  } else {
    for (int a = 0; a < op_info[nd->op].arity; a++)
      if (!value_before(e, nd->a[a], u, ch, nch, budget, part))
        return 0;
  }
  if (part)
    part[r] |= 1;
  return 1;
}

/* Is node r inside loop l's span (its body or its exits)? */
static int in_span(const Ctx *e, Ref r, int l) {
  return !ref_is_const(r) && r != REF_NONE && r >= e->ls[l].lo && r < e->ls[l].hi;
}

/* Can sum v's whole loop be printed before loop u, inside the loops ch[]:
 * each node of it reads only the loop's own nodes, values made before u and
 * the counters of ch? (Not a loop run with another: fused or joined.) */
static int loop_before(const Ctx *e, int v, int u, const int *ch, int nch) {
  const Graph *g = e->g;
  int l = g->nodes.v[v].aux;
  const Plan *p = e->p;
  if ((p->fused_with && p->fused_with[l] >= 0) || (p->joined && p->joined[l] >= 0) ||
      (p->absorbed && p->absorbed[l]) || !int_before(e, g->loops.v[l].lo, u, ch, nch) ||
      !int_before(e, g->loops.v[l].hi, u, ch, nch))
    return 0;
  for (int i = e->ls[l].lo; i < e->ls[l].hi; i++) {
    const Node *nd = &g->nodes.v[i];
    for (int a = 0; a < op_info[nd->op].arity; a++) {
      Ref r = nd->a[a];
      if (r == REF_NONE || ref_is_const(r) || in_span(e, r, l) || r < e->ls[u].lo)
        continue;
      if (op_info[g->nodes.v[r].op].kind != K_INT || !int_before(e, r, u, ch, nch))
        return 0;
    }
  }
  return 1;
}

/* Is cached value v (stored by s, unchanged by the n loops[]) made as well
 * by a loop nest of its own before the outermost of them: its storage
 * position, its operands and the ranges of the loops it changes with
 * printable there? Then the loops around it take no branch and no call
 * for it (a call makes the compiler keep every value live across it in
 * memory). */
static int hoistable(Ctx *e, int v, int s, const int *loops, int n) {
  const Graph *g = e->g;
  int u = loops[n - 1], ch[64];
  int nch = plan_changed_loops(g, v, u, loops, n, ch);
  for (int k = 0; k < nch; k++) {
    Ref hi;
    long add;
    graph_span(g, ch[k], &hi, &add); /* the nest runs over the spans */
    if (!int_before(e, g->loops.v[ch[k]].lo, u, ch, nch) || !int_before(e, hi, u, ch, nch))
      return 0;
  }
  if (!int_before(e, g->nodes.v[s].a[1], u, ch, nch))
    return 0;
  const Node *nd = &g->nodes.v[v];
  if (nd->op == OP_REDUCE) /* the sum's loop, printed there whole */
    return loop_before(e, v, u, ch, nch);
  for (int pass = 0; pass < 2; pass++) /* check, then mark */
    for (int a = 0, budget = 8; a < op_info[nd->op].arity; a++)
      if (!value_before(e, nd->a[a], u, ch, nch, &budget, pass ? e->p->inlined : NULL))
        return 0;
  return 1;
}

/* Values worth caching stored in loops they do not all change with (gmm.ad's
 * exp(icf[k, j]) inside the loop over the points i, x[i, c] - means[k, c]
 * in the loop over j) are made once per place in their storage: by a loop
 * nest of their own before those loops when that can be printed there, else
 * on their first iteration (not when a range spans: graph_spans_unchanged). */
static void plan_caching(Ctx *e) {
  const Graph *g = e->g;
  int loops[64];
  for (int s = 0; s < g->nodes.n; s++) {
    const Node *sv = &g->nodes.v[s];
    int n;
    if (!(n = graph_cache_loops(g, s, loops)) || !plan_is_tape(e->p, g, s) ||
        (e->p->same_as && e->p->same_as[sv->a[0]] >= 0))
      continue;
    if (!e->p->cached_in) {
      e->p->cached_in = xmalloc(sizeof *e->p->cached_in * (size_t)g->nodes.n);
      e->p->inlined = xcalloc((size_t)g->nodes.n, 1);
      e->p->hoist_next = xmalloc(sizeof *e->p->hoist_next * (size_t)g->nodes.n);
      e->p->hoist_first = xmalloc(sizeof *e->p->hoist_first * (size_t)g->loops.n);
      e->p->hoist_last = xmalloc(sizeof *e->p->hoist_last * (size_t)g->loops.n);
      for (int i = 0; i < g->nodes.n; i++)
        e->p->cached_in[i] = e->p->hoist_next[i] = -1;
      for (int l = 0; l < g->loops.n; l++)
        e->p->hoist_first[l] = e->p->hoist_last[l] = -1;
    }
    /* (with --bounds-check, a value is made after the checks before it) */
    int before = !graph_has_checks(g) && hoistable(e, sv->a[0], s, loops, n);
    if (!before && (graph_spans_unchanged(g, s) || g->nodes.v[sv->a[0]].op == OP_REDUCE))
      continue; /* its first iteration would not visit every place; a loop's result is no line */
    e->p->cached_in[sv->a[0]] = s;
    if (before) { /* in the order of the code */
      int u = loops[n - 1];
      e->p->inlined[sv->a[0]] |= 2;
      if (e->p->hoist_last[u] >= 0)
        e->p->hoist_next[e->p->hoist_last[u]] = sv->a[0];
      else
        e->p->hoist_first[u] = sv->a[0];
      e->p->hoist_last[u] = sv->a[0];
    }
  }
}

/* ---- storage that each iteration of a fused loop uses again ---- */

/* Is loop x inside loop l? */
static int loop_inside(const Graph *g, int x, int l) {
  for (int k = g->loops.v[x].parent; k > 0; k = g->blocks.v[k].parent)
    if (g->blocks.v[k].loop == l)
      return 1;
  return 0;
}

int plan_counter_dropped(const Plan *p, const Graph *g, int f, int l) {
  int rv = p->fused_with ? p->fused_with[f] : -1;
  return l == f || loop_inside(g, f, l) || (rv >= 0 && (l == rv || loop_inside(g, rv, l)));
}

static int same_int(const Graph *g, Ref a, Ref b) {
  return a == b || (ref_is_const(a) && ref_is_const(b) && graph_const(g, a) == graph_const(g, b));
}

int plan_dropped_zero(const Plan *p, const Graph *g, int f, Ref r) {
  if (ref_is_const(r))
    return graph_const(g, r) == 0;
  const Node *nd = &g->nodes.v[r];
  switch (nd->op) {
  case OP_IDX:
    return plan_counter_dropped(p, g, f, nd->aux) && ref_is_const(g->loops.v[nd->aux].lo) &&
           graph_const(g, g->loops.v[nd->aux].lo) == 0;
  case OP_ISUB: {
    const Node *x = ref_is_const(nd->a[0]) ? NULL : &g->nodes.v[nd->a[0]];
    if (x && x->op == OP_IDX && plan_counter_dropped(p, g, f, x->aux) && same_int(g, nd->a[1], g->loops.v[x->aux].lo))
      return 1; /* i - lo, i at lo */
    return plan_dropped_zero(p, g, f, nd->a[0]) && plan_dropped_zero(p, g, f, nd->a[1]);
  }
  case OP_IADD:
    return plan_dropped_zero(p, g, f, nd->a[0]) && plan_dropped_zero(p, g, f, nd->a[1]);
  case OP_IMUL:
    return plan_dropped_zero(p, g, f, nd->a[0]) || plan_dropped_zero(p, g, f, nd->a[1]);
  case OP_INEG:
    return plan_dropped_zero(p, g, f, nd->a[0]);
  default:
    return 0;
  }
}

/* Would position r, printed without the terms that are 0 there (as the
 * emitter prints it), still read a dropped counter? */
static int reads_dropped(const Plan *p, const Graph *g, int f, Ref r) {
  if (ref_is_const(r) || plan_dropped_zero(p, g, f, r))
    return 0;
  const Node *nd = &g->nodes.v[r];
  if (nd->op == OP_IDX)
    return plan_counter_dropped(p, g, f, nd->aux);
  if (nd->op == OP_IADD && plan_dropped_zero(p, g, f, nd->a[0]))
    return reads_dropped(p, g, f, nd->a[1]);
  if ((nd->op == OP_IADD || nd->op == OP_ISUB) && plan_dropped_zero(p, g, f, nd->a[1]))
    return reads_dropped(p, g, f, nd->a[0]);
  for (int k = 0; k < op_info[nd->op].arity; k++)
    if (nd->a[k] != REF_NONE && reads_dropped(p, g, f, nd->a[k]))
      return 1;
  return 0;
}

/* SAVE s's places are used again by each iteration of loop f (Plan.reused). */
static void set_reused(Plan *p, const Graph *g, int s, int f) {
  if (!p->reused) {
    p->reused = xmalloc(sizeof *p->reused * (size_t)g->nodes.n);
    for (int i = 0; i < g->nodes.n; i++)
      p->reused[i] = -1;
  }
  p->reused[s] = f;
}

/* A cache made before loop u and read back by nothing else (no reverse
 * sweep reads it: a forward function's) is read only in the iteration of
 * the loops around u that made it: its places need not change with them
 * (gmm's x[i, c] - means[k, c] in D - 1 places, not N * K * (D - 1)). */
static void reuse_caches(Ctx *e) {
  const Graph *g = e->g;
  Plan *p = e->p;
  char *read = xcalloc((size_t)g->nodes.n, 1);
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_RESTORE)
      read[g->nodes.v[i].a[0]] = 1;
  for (int s = 0; s < g->nodes.n; s++) {
    const Node *sv = &g->nodes.v[s];
    int loops[64], n;
    if (sv->op != OP_SAVE || read[s] || ref_is_const(sv->a[0]) || p->cached_in[sv->a[0]] != s ||
        !(p->inlined[sv->a[0]] & 2) || !(n = graph_unchanged_loops(g, s, loops)))
      continue;
    int f = graph_innermost_loop(g, g->loops.v[loops[n - 1]].parent);
    if (f < 0)
      continue;
    set_reused(p, g, s, f);
  }
  free(read);
}

/* Is every read back of SAVE s (the nodes rd[0..n)) in the iteration of
 * fused loop f that stored it: later in f's body, or in its reverse loop? */
static int read_in_iteration(const Ctx *e, int f, int s, const int *rd, int n) {
  const LoopSpan *fb = &e->ls[f], *r = &e->ls[e->p->fused_with[f]];
  for (int k = 0; k < n; k++) {
    int i = rd[k];
    if (!((i > s && i >= fb->lo && i < fb->body_hi) || (i >= r->lo && i < r->body_hi)))
      return 0;
  }
  return 1;
}

/* A value stored in the body of a fused loop f and read back only in the
 * same iteration (in its reverse loop, or later in f's body: f_hvp's
 * logsumexp weights, summed into the result's tangent after the terms)
 * needs places for one iteration of f (and of the loops around it) only:
 * the next iteration uses them again. gmm.ad's inner sums, stored per point,
 * component and coordinate (N * K * D places), then need K * D, which stay
 * in the processor's first-level cache. The positions are printed without
 * the counters of f, of its reverse loop and of the loops around them
 * (their terms are the leading ones of a position: see b_storage_pos). */
static void plan_reuse(Ctx *e) {
  const Graph *g = e->g;
  Plan *p = e->p;
  if (p->cached_in)
    reuse_caches(e);
  if (!p->fused_with)
    return;
  /* each storage's reads back, grouped by storage: rd[at[s] .. at[s + 1]) */
  int *at = xcalloc((size_t)g->nodes.n + 1, sizeof *at), *rd = NULL, nrd = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_RESTORE && !(p->same_as && p->same_as[i] >= 0))
      at[g->nodes.v[i].a[0] + 1]++, nrd++;
  for (int s = 0; s < g->nodes.n; s++)
    at[s + 1] += at[s];
  rd = xmalloc(sizeof *rd * (size_t)(nrd ? nrd : 1));
  int *fill = xmalloc(sizeof *fill * (size_t)(g->nodes.n ? g->nodes.n : 1));
  memcpy(fill, at, sizeof *fill * (size_t)g->nodes.n);
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_RESTORE && !(p->same_as && p->same_as[i] >= 0))
      rd[fill[g->nodes.v[i].a[0]]++] = i;
  for (int s = 0; s < g->nodes.n; s++) {
    const Node *sv = &g->nodes.v[s];
    if (sv->op != OP_SAVE || !plan_is_tape(p, g, s) || at[s + 1] == at[s])
      continue;
    int loops[64], u = -1; /* a cache: made before loop u */
    if (p->cached_in && !ref_is_const(sv->a[0]) && p->cached_in[sv->a[0]] == s)
      u = loops[graph_unchanged_loops(g, s, loops) - 1];
    for (int k = sv->blk; k > 0; k = g->blocks.v[k].parent) { /* the innermost fused loop that fits */
      int f = g->blocks.v[k].loop;
      if (f < 0 || p->fused_with[f] < 0 || (u >= 0 && !loop_inside(g, u, f)))
        continue; /* (a cache made anew in each iteration of f only) */
      if (!read_in_iteration(e, f, s, rd + at[s], at[s + 1] - at[s]) || reads_dropped(p, g, f, sv->a[1]))
        continue;
      set_reused(p, g, s, f);
      break;
    }
  }
  for (int i = 0; p->reused && i < g->nodes.n; i++) { /* and where it is read back, too */
    const Node *nd = &g->nodes.v[i];
    if (nd->op == OP_RESTORE && !(p->same_as && p->same_as[i] >= 0) && p->reused[nd->a[0]] >= 0 &&
        reads_dropped(p, g, p->reused[nd->a[0]], nd->a[1]))
      p->reused[nd->a[0]] = -1;
  }
  free(at);
  free(rd);
  free(fill);
}

void plan_speed(Plan *p, const Graph *g, const LoopSpan *ls, const GroupSpan *gs, int fuse) {
  Ctx c = {g, ls, gs, p};
  if (fuse && g->loops.n) {
    plan_fusion(&c);
    plan_joining(&c);
  }
  plan_caching(&c);
  plan_reuse(&c);
}

void plan_free(Plan *p) {
  free(p->fused_with);
  free(p->index_of);
  free(p->absorbed);
  free(p->same_as);
  free(p->fresh);
  free(p->unread);
  free(p->cached_in);
  free(p->inlined);
  free(p->hoist_next);
  free(p->hoist_first);
  free(p->hoist_last);
  free(p->joined);
  free(p->reused);
}
