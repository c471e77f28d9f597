/* stride.c - strength reduction of triangular indices (emit.h): an element
 * read in a loop at an index holding the product of the loop's counter
 * with itself (gmm.ad's icf[k, D + c*(D-1) - c*(c-1)/2 + j - c - 1] in the
 * loop over c) is read at a counter of its own, adc_oR for index node R:
 * set from the index on entry to the loop and advanced each iteration by
 * the index's difference between one iteration and the next (there
 * D - c - 2: no multiplication, no division). Affine indices are left to
 * the C compiler, which reduces them itself. */
#include <stdlib.h>

#include "emit.h"

/* An integer expression's difference E(i + 1) - E(i) (backward loops:
 * E(i) - E(i - 1)) for loop counter i: c + a * i + the sum of s[k] * t[k],
 * t[k] not reading i. */
typedef struct Diff {
  long c, a;
  int nt;
  Ref t[8];
  long s[8];
} Diff;

static int is_counter(const Graph *g, Ref r, int li) {
  return !ref_is_const(r) && g->nodes.v[r].op == OP_IDX && g->nodes.v[r].aux == li;
}

/* r = i + k or i - k (k a constant): k into *k. */
static int counter_plus(const Graph *g, Ref r, int li, long *k) {
  if (is_counter(g, r, li)) {
    *k = 0;
    return 1;
  }
  if (ref_is_const(r))
    return 0;
  const Node *nd = &g->nodes.v[r];
  if ((nd->op != OP_IADD && nd->op != OP_ISUB) || !is_counter(g, nd->a[0], li) || !ref_is_const(nd->a[1]))
    return 0;
  *k = (long)graph_const(g, nd->a[1]) * (nd->op == OP_IADD ? 1 : -1);
  return 1;
}

/* r = i * (i + k) (either way round): k into *k. */
static int counter_product(const Graph *g, Ref r, int li, long *k) {
  if (ref_is_const(r) || g->nodes.v[r].op != OP_IMUL)
    return 0;
  const Node *nd = &g->nodes.v[r];
  return (is_counter(g, nd->a[0], li) && counter_plus(g, nd->a[1], li, k)) ||
         (is_counter(g, nd->a[1], li) && counter_plus(g, nd->a[0], li, k));
}

static int add_term(Diff *d, Ref t, long s) {
  for (int k = 0; k < d->nt; k++)
    if (d->t[k] == t) {
      d->s[k] += s;
      return 1;
    }
  if (d->nt == 8)
    return 0;
  d->t[d->nt] = t;
  d->s[d->nt++] = s;
  return 1;
}

static void scale(Diff *d, long f) {
  d->c *= f;
  d->a *= f;
  for (int k = 0; k < d->nt; k++)
    d->s[k] *= f;
}

/* r's difference into d (zeroed by the caller); 0 when r has no form
 * handled here. *quad: r holds i * (i + k). */
static int diff_of(const Graph *g, Ref r, int li, int back, Diff *d, int *quad) {
  if (ref_is_const(r) || !graph_reads_index(g, r, li))
    return 1;
  const Node *nd = &g->nodes.v[r];
  long k;
  switch (nd->op) {
  case OP_IDX:
    d->c = 1;
    return 1;
  case OP_INEG:
    if (!diff_of(g, nd->a[0], li, back, d, quad))
      return 0;
    scale(d, -1);
    return 1;
  case OP_IADD:
  case OP_ISUB: {
    Diff x = {0}, y = {0};
    if (!diff_of(g, nd->a[0], li, back, &x, quad) || !diff_of(g, nd->a[1], li, back, &y, quad))
      return 0;
    if (nd->op == OP_ISUB)
      scale(&y, -1);
    *d = x;
    d->c += y.c;
    d->a += y.a;
    for (int t = 0; t < y.nt; t++)
      if (!add_term(d, y.t[t], y.s[t]))
        return 0;
    return 1;
  }
  case OP_IMUL:
    if (counter_product(g, r, li, &k)) { /* (i+1)(i+1+k) - i(i+k) = 2i + 1 + k; backwards 2i - 1 + k */
      *quad = 1;
      d->a = 2;
      d->c = (back ? -1 : 1) + k;
      return 1;
    }
    for (int side = 0; side < 2; side++) { /* a variable part times an invariant one */
      Ref v = nd->a[side], w = nd->a[1 - side];
      if (graph_reads_index(g, w, li))
        continue;
      Diff x = {0};
      if (!diff_of(g, v, li, back, &x, quad) || x.a || x.nt)
        return 0;
      if (ref_is_const(w)) {
        d->c = x.c * (long)graph_const(g, w);
        return 1;
      }
      return add_term(d, w, x.c);
    }
    return 0;
  case OP_IDIV: /* i * (i + k) / 2 with k odd: the product is even, the division exact */
    if (!ref_is_const(nd->a[1]) || graph_const(g, nd->a[1]) != 2 || !counter_product(g, nd->a[0], li, &k) ||
        k % 2 == 0)
      return 0;
    *quad = 1;
    d->a = 1;
    d->c = ((back ? -1 : 1) + k) / 2;
    return 1;
  default:
    return 0;
  }
}

/* Does loop li's body read an element at index r that is worth a counter
 * of its own (a product of the counter with itself, a difference found)? */
static int reducible(const Em *e, Ref r, int li) {
  Diff d = {0};
  int quad = 0;
  return diff_of(e->g, r, li, e->g->loops.v[li].backward, &d, &quad) && quad;
}

void stride_plan(Em *e, int li) {
  const Graph *g = e->g;
  const Loop *l = &g->loops.v[li];
  if (e->ssa || (e->pl.fused_with && e->pl.fused_with[li] >= 0) || (e->pl.joined && e->pl.joined[li] >= 0) ||
      (e->pl.index_of && e->pl.index_of[li] != li))
    return;
  if (!e->stride_of) {
    e->stride_of = xmalloc(sizeof *e->stride_of * (size_t)(g->nodes.n ? g->nodes.n : 1));
    for (int i = 0; i < g->nodes.n; i++)
      e->stride_of[i] = -1;
  }
  for (int i = e->lspans[li].lo; i < e->lspans[li].body_hi; i++) {
    const Node *nd = &g->nodes.v[i];
    if (nd->op != OP_LOAD || nd->blk != l->body || ref_is_const(nd->a[1]) || e->stride_of[nd->a[1]] >= 0 ||
        !reducible(e, nd->a[1], li))
      continue;
    e->stride_of[nd->a[1]] = li;
    vec_push(&e->strides, nd->a[1]);
  }
}

/* Loop li's counters: the top of the stack, from *first on. */
static int first_of(const Em *e, int li) {
  int k = e->strides.n;
  while (k > 0 && e->stride_of[e->strides.v[k - 1]] == li)
    k--;
  return k;
}

void stride_end(Em *e, int li) {
  int k = first_of(e, li);
  for (int j = k; j < e->strides.n; j++)
    e->stride_of[e->strides.v[j]] = -1;
  e->strides.n = k;
}

/* " + 2 * ", " - ", "-" or "": the sign and factor of a term s (the first
 * when !any). */
static void signed_factor(StrBuf *b, long s, int any) {
  sb_puts(b, any ? (s < 0 ? " - " : " + ") : (s < 0 ? "-" : ""));
  if (labs(s) != 1)
    sb_printf(b, "%ld * ", labs(s));
}

/* d as C text: "D - 1 - i4 - 1" style, terms first. */
static void diff_text(Em *e, StrBuf *b, const Diff *d, int li) {
  int any = 0;
  for (int k = 0; k < d->nt; k++) {
    long s = d->s[k];
    if (!s)
      continue;
    signed_factor(b, s, any);
    int_text(e, b, d->t[k], labs(s) != 1 || s < 0 || any ? 2 : 0);
    any = 1;
  }
  if (d->a) {
    signed_factor(b, d->a, any);
    sb_printf(b, "i%d", li);
    any = 1;
  }
  if (d->c || !any)
    sb_printf(b, any ? (d->c < 0 ? " - %ld" : " + %ld") : "%ld", any ? labs(d->c) : d->c);
}

/* In loop li's head: ", adc_oR = <index>" for each counter (init), or
 * "adc_oR += <difference>, " (step; "-=" backwards). */
void stride_text(Em *e, StrBuf *b, int li, int step) {
  const Graph *g = e->g;
  int back = g->loops.v[li].backward;
  for (int j = first_of(e, li); j < e->strides.n; j++) {
    int r = e->strides.v[j];
    if (!step) {
      sb_printf(b, ", adc_o%d = ", r);
      e->stride_of[r] = -1; /* the expression itself, not its counter */
      int_text(e, b, r, 0);
      e->stride_of[r] = li;
      continue;
    }
    Diff d = {0};
    int quad = 0;
    diff_of(g, r, li, back, &d, &quad);
    sb_printf(b, "adc_o%d %s ", r, back ? "-=" : "+=");
    diff_text(e, b, &d, li);
    sb_puts(b, ", ");
  }
}
