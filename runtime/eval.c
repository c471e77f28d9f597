/* eval.c - the IR interpreter. It walks the graph's ranges as the emitted
 * C does: a group runs only its taken branch, a loop runs its body for each
 * index (backwards when the loop is), carried values and reductions update
 * at the end of each iteration, SAVE/RESTORE keep per-position storage and
 * ACCUM adds into the gradients of array parameters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

typedef struct Store {
  double *v;
  long n;
} Store;

/* A local array's adjoint for one output row (f_jac's k). */
typedef struct Bar {
  int buf, row;
  Store s;
} Bar;

typedef struct Exec {
  const Graph *g;
  const RtArgs *args;
  double *v;        /* each node's current value; a local array's version: its ABUF's number */
  Store *mem;       /* per ABUF node: the buffer (AMOVE swaps two) */
  VEC(Bar) bars;    /* local arrays' adjoints */
  GroupSpan *spans;
  LoopSpan *lspans;
  Store *store;     /* per SAVE node */
  VEC(long) weights; /* pairs (SAVE, position) of logsumexp terms stored by running loops */
  const char *error;
} Exec;

static double val(const Exec *x, Ref r) { return ref_is_const(r) ? graph_const(x->g, r) : x->v[r]; }

static void exec_range(Exec *x, int blk, int lo, int hi);

/* The length of array parameter p, or -1 when it was not given. */
static long array_len(const Exec *x, int p) { return x->args->lens ? x->args->lens[p] : -1; }

/* The buffer local array version r lives in (its ABUF's). */
static Store *buffer(Exec *x, Ref r) { return &x->mem[(int)x->v[r]]; }

static int in_range(Exec *x, double k, long n) {
  if (k >= 0 && k < n)
    return 1;
  x->error = x->error ? x->error : "an array index is out of range";
  return 0;
}

static Store *adjoint(Exec *x, int buf, int row) {
  for (int i = 0; i < x->bars.n; i++)
    if (x->bars.v[i].buf == buf && x->bars.v[i].row == row)
      return &x->bars.v[i].s;
  Bar b = {buf, row, {xcalloc((size_t)x->mem[buf].n + 1, sizeof(double)), x->mem[buf].n}};
  vec_push(&x->bars, b);
  return &x->bars.v[x->bars.n - 1].s;
}

/* Local arrays: their buffers, versions and adjoints (ops.def). */
static void array_op(Exec *x, int i, const Node *nd) {
  const Graph *g = x->g;
  if (nd->op == OP_ABUF) {
    long n = (long)val(x, nd->a[0]);
    x->mem[i].n = n > 0 ? n : 0;
    x->mem[i].v = xcalloc((size_t)x->mem[i].n + 1, sizeof(double));
    x->v[i] = i;
    return;
  }
  if (nd->op == OP_ABAR || nd->op == OP_AZERO || nd->op == OP_ACLEAR || nd->op == OP_ASWAP) {
    Store *a = adjoint(x, nd->a[0], nd->aux);
    double k = nd->op == OP_ABAR || nd->op == OP_AZERO ? val(x, nd->a[1]) : 0;
    if (nd->op == OP_ABAR && in_range(x, k, a->n))
      x->v[i] = a->v[(long)k];
    else if (nd->op == OP_AZERO && in_range(x, k, a->n))
      a->v[(long)k] = 0;
    else if (nd->op == OP_ACLEAR)
      memset(a->v, 0, (size_t)a->n * sizeof *a->v);
    else if (nd->op == OP_ASWAP) {
      Store *b = adjoint(x, nd->a[1], nd->aux);
      a = adjoint(x, nd->a[0], nd->aux); /* the table may have moved */
      Store t = *a;
      *a = *b;
      *b = t;
    }
    return;
  }
  Store *b = buffer(x, nd->a[0]);
  x->v[i] = x->v[nd->a[0]];
  if (nd->op == OP_AFILL) {
    for (long k = 0; k < b->n; k++)
      b->v[k] = val(x, nd->a[1]);
  } else if (nd->op == OP_ASET) {
    double k = val(x, nd->a[1]);
    if (in_range(x, k, b->n))
      b->v[(long)k] = val(x, nd->a[2]);
  } else if (nd->op == OP_AMOVE) {
    Store t = *b, *src = buffer(x, nd->a[1]);
    *b = *src;
    *src = t;
  } else { /* ACOPY of a parameter or another buffer, from its element a[2] */
    int p = g->nodes.v[nd->a[1]].aux, param = g->nodes.v[nd->a[1]].op == OP_ARRAY;
    const double *src = param ? (x->args->arrays ? x->args->arrays[p] : NULL) : buffer(x, nd->a[1])->v;
    long len = param ? array_len(x, p) : buffer(x, nd->a[1])->n, off = (long)val(x, nd->a[2]);
    if (!src || off < 0 || (len >= 0 && len - off < b->n))
      x->error = x->error ? x->error : "an array index is out of range";
    else
      memmove(b->v, src + off, (size_t)b->n * sizeof *b->v);
  }
}

static void load(Exec *x, int i, const Node *nd) {
  if (x->g->nodes.v[nd->a[0]].op != OP_ARRAY) { /* a local array */
    Store *b = buffer(x, nd->a[0]);
    double k = val(x, nd->a[1]);
    x->v[i] = in_range(x, k, b->n) ? b->v[(long)k] : NAN;
    return;
  }
  int p = x->g->nodes.v[nd->a[0]].aux;
  double k = val(x, nd->a[1]);
  if (!x->args->arrays || !x->args->arrays[p] || k < 0 || (array_len(x, p) >= 0 && k >= array_len(x, p))) {
    x->error = x->error ? x->error : "an array index is out of range";
    x->v[i] = NAN;
    return;
  }
  x->v[i] = x->args->arrays[p][(long)k];
}

static void accum(Exec *x, const Node *nd) {
  if (x->g->nodes.v[nd->a[0]].op == OP_ABUF) { /* a local array's adjoint */
    Store *a = adjoint(x, nd->a[0], nd->aux);
    double k = val(x, nd->a[1]);
    if (in_range(x, k, a->n))
      a->v[(long)k] += val(x, nd->a[2]);
    return;
  }
  int p = x->g->nodes.v[nd->a[0]].aux;
  double k = val(x, nd->a[1]);
  double *g = x->args->array_grads ? x->args->array_grads[nd->aux * x->g->nparams + p] : NULL;
  if (!g)
    return;
  if (k < 0 || (array_len(x, p) >= 0 && k >= array_len(x, p))) {
    x->error = x->error ? x->error : "an array index is out of range";
    return;
  }
  g[(long)k] += val(x, nd->a[2]);
}

static void save(Exec *x, int i, const Node *nd) {
  long pos = (long)val(x, nd->a[1]);
  Store *s = &x->store[i];
  if (pos < 0)
    return;
  if (pos >= s->n) {
    long n = s->n ? s->n : 16;
    while (n <= pos)
      n *= 2;
    s->v = xrealloc(s->v, (size_t)n * sizeof *s->v);
    for (long k = s->n; k < n; k++)
      s->v[k] = NAN;
    s->n = n;
  }
  s->v[pos] = val(x, nd->a[0]);
  if (!ref_is_const(nd->a[0]) && x->g->nodes.v[nd->a[0]].op == OP_LSEW) { /* the term, for now */
    vec_push(&x->weights, (long)i);
    vec_push(&x->weights, pos);
  }
}

/* The terms of a logsumexp loop just run, stored since entry mark of
 * x->weights, become their weights exp(term - result). */
static void store_weights(Exec *x, size_t mark, double result) {
  for (size_t k = mark; k + 1 < (size_t)x->weights.n; k += 2) {
    Store *s = &x->store[x->weights.v[k]];
    double *w = &s->v[x->weights.v[k + 1]];
    *w = exp(*w - result);
  }
  x->weights.n = (int)mark;
}

static double restore(const Exec *x, const Node *nd) {
  long pos = (long)val(x, nd->a[1]);
  const Store *s = &x->store[nd->a[0]];
  return pos >= 0 && pos < s->n ? s->v[pos] : NAN;
}

static void exec_node(Exec *x, int i) {
  const Node *nd = &x->g->nodes.v[i];
  switch (nd->op) {
  case OP_INPUT:
    x->v[i] = x->args->inputs ? x->args->inputs[nd->aux] : NAN;
    return;
  case OP_SIZE:
    x->v[i] = x->args->sizes ? x->args->sizes[nd->aux] : 0;
    return;
  case OP_IPARAM:
    x->v[i] = x->args->inputs ? x->args->inputs[nd->aux] : 0;
    return;
  case OP_ARRAY: case OP_IDX: case OP_CARRY: case OP_NEXT:
    return; /* no value of their own, or set by the loop */
  case OP_LOAD: case OP_ILOAD:
    load(x, i, nd);
    return;
  case OP_ACCUM:
    accum(x, nd);
    return;
  case OP_ABUF: case OP_AFILL: case OP_ACOPY: case OP_AMOVE: case OP_ASET:
  case OP_ABAR: case OP_AZERO: case OP_ACLEAR: case OP_ASWAP:
    array_op(x, i, nd);
    return;
  case OP_CHECK: {
    double k = val(x, nd->a[0]);
    if (!(k >= 0 && k < val(x, nd->a[1])) && !x->error)
      x->error = "an index read from data is out of range (--bounds-check: errno = EDOM, the value NaN)";
    return;
  }
  case OP_SAVE:
    save(x, i, nd);
    return;
  case OP_RESTORE:
    x->v[i] = restore(x, nd);
    return;
  default: {
    double a = op_info[nd->op].arity > 0 ? val(x, nd->a[0]) : 0;
    double b = op_info[nd->op].arity > 1 ? val(x, nd->a[1]) : 0;
    double c = op_info[nd->op].arity > 2 ? val(x, nd->a[2]) : 0;
    x->v[i] = nd->op == OP_SEL ? (a != 0 ? b : c) : op_fold(nd->op, a, b, c);
  }
  }
}

static void exec_group(Exec *x, int gi) {
  const GroupSpan *s = &x->spans[gi];
  const Group *gr = &x->g->groups.v[gi];
  int taken = val(x, gr->cond) != 0;
  if (taken)
    exec_range(x, gr->then_blk, s->lo, s->then_hi);
  else
    exec_range(x, gr->else_blk, s->then_hi, s->phi_lo);
  for (int p = s->phi_lo; p < s->hi; p++) /* the untaken side may be NaN: never combined */
    x->v[p] = val(x, x->g->nodes.v[p].a[taken ? 1 : 2]);
}

typedef struct Reduce {
  int red, count;     /* exits, or -1 */
  double acc, n, sum; /* result so far; ties (min/max); sum of exp (logsumexp) */
} Reduce;

static void reduce_term(Reduce *r, LoopKind k, double t) {
  switch (k) {
  case LK_SUM:
    r->acc += t;
    break;
  case LK_MIN:
  case LK_MAX:
    if (k == LK_MIN ? t < r->acc : t > r->acc)
      r->acc = t, r->n = 1;
    else if (t == r->acc)
      r->n += 1;
    break;
  case LK_LSE:
    if (t > r->acc) {
      r->sum = r->sum * exp(r->acc - t) + 1;
      r->acc = t;
    } else if (r->acc > -INFINITY) {
      r->sum += exp(t - r->acc);
    }
    break;
  default:
    break;
  }
}

static void exec_loop(Exec *x, int li) {
  const Graph *g = x->g;
  const Loop *l = &g->loops.v[li];
  const LoopSpan *s = &x->lspans[li];
  long lo = (long)val(x, l->lo), hi = (long)val(x, l->hi);
  static const double start[] = {0, 0, INFINITY, -INFINITY, -INFINITY};
  Reduce r = {-1, -1, start[l->kind], 0, 0};
  for (int i = s->body_hi; i < s->hi; i++)
    if (g->nodes.v[i].op == OP_REDUCE)
      r.red = i;
    else if (g->nodes.v[i].op == OP_RCOUNT)
      r.count = i;
  int nx = s->body_hi; /* the NEXT nodes close the body */
  while (nx > s->lo && g->nodes.v[nx - 1].op == OP_NEXT && g->nodes.v[nx - 1].aux == li)
    nx--;
  for (int i = s->lo; i < nx; i++)
    if (g->nodes.v[i].op == OP_CARRY && g->nodes.v[i].aux == li)
      x->v[i] = val(x, g->nodes.v[i].a[0]);
  double *next = xmalloc((size_t)(s->body_hi - nx + 1) * sizeof *next);
  size_t mark = (size_t)x->weights.n;
  for (long t = 0; t < hi - lo && !x->error; t++) {
    long idx = l->backward ? hi - 1 - t : lo + t;
    if (l->idx != REF_NONE)
      x->v[l->idx] = (double)idx;
    exec_range(x, l->body, s->lo, nx);
    if (r.red >= 0)
      reduce_term(&r, l->kind, val(x, g->nodes.v[r.red].a[0]));
    for (int i = nx; i < s->body_hi; i++) /* read all, then assign: swaps work */
      next[i - nx] = val(x, g->nodes.v[i].a[1]);
    for (int i = nx; i < s->body_hi; i++)
      x->v[g->nodes.v[i].a[0]] = next[i - nx];
  }
  free(next);
  for (int i = s->body_hi; i < s->hi; i++) {
    const Node *nd = &g->nodes.v[i];
    if (nd->op == OP_LOOPOUT)
      x->v[i] = x->v[nd->a[0]];
    else if (nd->op == OP_REDUCE)
      x->v[i] = l->kind == LK_LSE ? r.acc + log(r.sum) : r.acc;
    if (nd->op == OP_REDUCE && l->kind == LK_LSE)
      store_weights(x, mark, x->v[i]);
    else if (nd->op == OP_RCOUNT)
      x->v[i] = r.n;
  }
}

static void exec_range(Exec *x, int blk, int lo, int hi) {
  const Graph *g = x->g;
  for (int i = lo; i < hi && !x->error;) {
    const Node *nd = &g->nodes.v[i];
    int grp = -1, loop = -1;
    if (nd->blk == blk) {
      if (nd->op == OP_PHI)
        grp = nd->aux;
      else if (op_info[nd->op].kind == K_EXIT)
        loop = nd->aux;
    } else {
      int b = nd->blk;
      while (g->blocks.v[b].parent != blk)
        b = g->blocks.v[b].parent;
      loop = g->blocks.v[b].loop;
      grp = loop >= 0 ? -1 : g->blocks.v[b].group;
    }
    if (grp >= 0) {
      exec_group(x, grp);
      i = x->spans[grp].hi;
    } else if (loop >= 0) {
      exec_loop(x, loop);
      i = x->lspans[loop].hi;
    } else {
      exec_node(x, i);
      i++;
    }
  }
}

const char *rt_run(const Graph *g, const RtArgs *args, double *outs) {
  Exec x = {g, args, NULL, NULL, {0}, ir_group_spans(g), ir_loop_spans(g), NULL, {0}, NULL};
  size_t n = (size_t)(g->nodes.n ? g->nodes.n : 1);
  x.v = xmalloc(n * sizeof *x.v);
  x.mem = xcalloc(n, sizeof *x.mem);
  for (size_t i = 0; i < n; i++)
    x.v[i] = NAN;
  x.store = xcalloc(n, sizeof *x.store);
  exec_range(&x, 0, 0, g->nodes.n);
  for (int i = 0; i < g->outs.n; i++) {
    Ref r = g->outs.v[i];
    int arr = !ref_is_const(r) && graph_ref_kind(g, r) == K_ARR;
    outs[i] = arr ? NAN : val(&x, r);
    if (arr && args->results && args->results[i] && !x.error)
      memcpy(args->results[i], buffer(&x, r)->v, (size_t)buffer(&x, r)->n * sizeof(double));
  }
  for (size_t i = 0; i < n; i++) {
    free(x.store[i].v);
    free(x.mem[i].v);
  }
  free(x.store);
  free(x.mem);
  for (int i = 0; i < x.bars.n; i++)
    free(x.bars.v[i].s.v);
  vec_free(&x.bars);
  vec_free(&x.weights);
  free(x.v);
  free(x.spans);
  free(x.lspans);
  return x.error;
}

void rt_eval(const Graph *g, const double *inputs, double *outs) {
  RtArgs a = {inputs, NULL, NULL, NULL, NULL, NULL};
  rt_run(g, &a, outs);
}
