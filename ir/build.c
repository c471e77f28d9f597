/* build.c - AST to SSA graph. Calls are inlined by replaying the callee's
 * finished graph with the arguments substituted; a call repeated with the
 * same arguments in the same block reuses the first result, so chains of
 * calls stay linear in size and in work.
 *   needs:       sema's Checked (names bound, callee-first order)
 *   makes:       a forward graph and a Signature per function: folded, shared,
 *                SAVEs placed for the reverse sweep, dead nodes dropped, named
 *   invalidates: nothing (the driver then frees the bodies: nothing later
 *                reads the syntax tree) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"

typedef struct Memo {
  int callee, blk, nargs, args; /* args: offset into argpool */
  Ref result;
} Memo;

typedef struct Build {
  const Checked *c;
  Diag *d;
  Graph *graphs;
  Copier *copiers; /* one per callee graph, made on first use */
  Builder *b;
  Ref *slots; /* per declaration of the function (sema's numbers, Stmt.decl): its value now */
  VEC(Memo) memos;
  VEC(Ref) argpool;
  int32_t *memo_table; /* open hash of memo indices by (callee, args), -1 empty */
  uint32_t memo_cap;
  const Func *func; /* the function being built */
  int bounds;       /* --bounds-check */
  Expr ***dims;     /* per declaration of an array (parameter or local): its dimensions */
  int *ndims;
  char *is_int;     /* per declaration: integer data */
  Ref *abuf;        /* per declaration of a local array: its buffer (ABUF) */
  char *local;      /* per declaration: a local array (a let's, or bound by 'let (a, b) = g(...)') */
  int nbufs;        /* local arrays so far in the function */
  int arrays;       /* local-array operations so far (a region that made some keeps what leaves it) */
  VEC(const void *) calls; /* pairs: a call whose callee has local arrays, the first of them in bufs */
  VEC(Ref) bufs;
  VEC(Ref) retbuf;  /* per result of the function: the buffer made for it, or REF_NONE */
  VEC(Ref) snaps;   /* pairs (loop, version): a snapshot of the version to take when the loop closes */
  VEC(Ref) costly;  /* costly values made in the current branch, outside loops */
  VEC(uint64_t) deps; /* per node: the loops whose index it may change with (bit L % 64) */
} Build;

static Ref build_expr(Build *s, const Expr *e);
static Ref build_int(Build *s, const Expr *e);
static Ref build_index(Build *s, const Expr *e, int op);
static void build_stmts(Build *s, const Stmt *st, Graph *g);

static uint64_t deps_of(Build *s, Ref v);
static int store_in_loop(Build *s, Ref v);

/* Cheap work worth storing (graph_worth_caching) in a loop it does not
 * change with is stored, once per place of what it changes with: the
 * emitter then makes it once (codegen/plan.c's caching), and the reverse
 * sweep reads it back. Only a vector of it, though: at most one loop it
 * changes with inside the outermost it does not (gmm's x[i, c] - means[k,
 * c]: a row of D - 1 per point and component, where the loop over j reads
 * it D times). A table of a product read once per outer iteration (a[j] *
 * a[k] in a loop over i) would be read from memory where its operands are
 * in the processor's cache. */
static void cache_invariant(Build *s, Ref r) {
  const Graph *g = s->b->g;
  uint64_t deps = deps_of(s, r);
  int changed = 0, inside = -1;
  for (int k = s->b->blk; k > 0; k = g->blocks.v[k].parent) {
    int l = g->blocks.v[k].loop;
    if (l < 0)
      continue;
    if (!(deps >> (l % 64) & 1))
      inside = changed;
    else
      changed++;
  }
  if (inside >= 0 && inside <= 1)
    store_in_loop(s, r);
}

static Ref op_at(Build *s, Loc at, int op, Ref x, Ref y) {
  s->b->src = at;
  int before = s->b->g->nodes.n;
  Ref r = b_op(s->b, op, x, y, REF_NONE);
  if (r == before && !op_is_costly(op) && graph_worth_caching(s->b->g, r))
    cache_invariant(s, r);
  return r;
}

static uint32_t memo_hash(int callee, const Ref *args, int nargs) {
  uint32_t h = 2166136261u ^ (uint32_t)callee;
  for (int i = 0; i < nargs; i++)
    h = (h ^ (uint32_t)args[i]) * 16777619u;
  return h * 2654435761u;
}

static void memo_insert(Build *s, int idx) {
  const Memo *m = &s->memos.v[idx];
  uint32_t mask = s->memo_cap - 1;
  uint32_t i = memo_hash(m->callee, &s->argpool.v[m->args], m->nargs) & mask;
  while (s->memo_table[i] >= 0)
    i = (i + 1) & mask;
  s->memo_table[i] = idx;
}

static void memo_add(Build *s, Memo m) {
  vec_push(&s->memos, m);
  if (2u * (uint32_t)s->memos.n > s->memo_cap) {
    free(s->memo_table);
    s->memo_cap = s->memo_cap ? 2 * s->memo_cap : 256;
    s->memo_table = xmalloc(s->memo_cap * sizeof *s->memo_table);
    memset(s->memo_table, 0xff, s->memo_cap * sizeof *s->memo_table);
    for (int i = 0; i < s->memos.n; i++)
      memo_insert(s, i);
  } else {
    memo_insert(s, s->memos.n - 1);
  }
}

/* An earlier call of callee with the same argument values, made in this
 * block or an enclosing one (so its result is visible here). */
static int find_memo(Build *s, int callee, const Ref *args, int nargs) {
  if (!s->memo_cap)
    return -1;
  uint32_t mask = s->memo_cap - 1;
  for (uint32_t i = memo_hash(callee, args, nargs) & mask; s->memo_table[i] >= 0; i = (i + 1) & mask) {
    const Memo *m = &s->memos.v[s->memo_table[i]];
    if (m->callee != callee || m->nargs != nargs || !graph_is_ancestor(s->b->g, m->blk, s->b->blk))
      continue;
    if (nargs == 0 || memcmp(&s->argpool.v[m->args], args, (size_t)nargs * sizeof *args) == 0)
      return s->memo_table[i];
  }
  return -1;
}

/* The buffers made for call e's local arrays (call_buffers), or -1. */
static int buffers_of_call(const Build *s, const void *e) {
  for (int i = 0; i < s->calls.n; i += 2)
    if (s->calls.v[i] == e)
      return (int)(intptr_t)s->calls.v[i + 1];
  return -1;
}

static void keep_for_reverse(Build *s, Ref v);

/* A callee's reads of its local arrays outside its loops, and what leaves
 * its branches and loops there, were visible to its own reverse sweep; in
 * a loop of the caller they are not, and made again they would read
 * buffers changed since: they are stored (the ones inside the callee's
 * loops are already). map: the copy of cg's nodes, new from node before. */
static void keep_callee_reads(Build *s, const Graph *cg, const Ref *map, int before) {
  if (b_storage_pos(s->b, s->b->blk, ALL_LOOPS) == REF_NONE)
    return;
  int *buf = graph_buffers(cg);
  for (int i = 0; i < cg->nodes.n; i++) {
    const Node *nd = &cg->nodes.v[i];
    if (nd->blk != 0 || map[i] == REF_NONE || ref_is_const(map[i]) || map[i] < before)
      continue;
    int local_read = nd->op == OP_LOAD && buf[nd->a[0]] >= 0 && cg->nodes.v[buf[nd->a[0]]].op == OP_ABUF;
    if (local_read || nd->op == OP_PHI || op_info[nd->op].kind == K_EXIT)
      keep_for_reverse(s, map[i]);
  }
  free(buf);
}

static Ref array_arg(Build *s, const Expr *a, Ref *off);

static Ref array_value(Build *s, const Expr *e, Ref ver, int move);

/* The local arrays and lists call e passes (args[i], from offs[i]): a
 * list is made in the buffer made for it (copies[], one per such argument);
 * a local array outside loops is copied into its one, which nothing
 * changes after; inside loops passed as it is, the callee's reads of them stored per iteration (the copier's
 * 'buffered', returned: per callee node, then per parameter at
 * [nodes + i]; NULL when there is none). */
static char *local_arguments(Build *s, const Expr *e, Ref *args, Ref *offs, const Ref *copies) {
  const Func *f = s->c->funcs[e->bind];
  const Graph *cg = &s->graphs[e->bind];
  char *buffered = NULL;
  int in_loop = graph_innermost_loop(s->b->g, s->b->blk) >= 0, k = 0;
  for (int i = 0; i < f->nparams; i++) {
    if (!f->params[i].ndims)
      continue;
    const Expr *a = e->u.call.args[i];
    int list = a->kind == E_LIST, local = list || (a->bind >= 0 && s->local[a->bind]);
    if (list && copies) { /* [e0, ...]: made in the call's own buffer */
      args[i] = array_value(s, a, copies[k], 0);
      offs[i] = REF_NONE;
    }
    if (local && in_loop) {
      if (b_storage_pos(s->b, s->b->blk, ALL_LOOPS) == REF_NONE)
        diag_error(s->d, a->loc, "'%s' reads local array '%s' in a loop whose range depends on an enclosing index; "
                                 "its elements cannot be stored for the gradient (doc/limits.md)", f->name,
                   a->kind == E_NAME ? a->u.name : a->u.call.name);
      if (!buffered)
        buffered = xcalloc((size_t)(cg->nodes.n + f->nparams) + 1, 1);
      buffered[cg->nodes.n + i] = 1;
    } else if (local && copies && !list) {
      s->b->src = a->loc;
      args[i] = b_op(s->b, OP_ACOPY, copies[k], args[i], offs[i] == REF_NONE ? b_const(s->b, 0) : offs[i]);
      offs[i] = REF_NONE;
      s->arrays++;
    }
    k += local;
  }
  return buffered;
}

/* The callee's sizes, from the dimensions of the arrays passed (sema saw
 * that each size name takes one dimension). */
static void callee_sizes(Build *s, const Expr *e, Ref *size) {
  const Func *f = s->c->funcs[e->bind];
  const FnSig *sig = &s->c->sigs[e->bind];
  for (int i = 0; i < f->nparams; i++) {
    const Param *p = &f->params[i];
    const Expr *a = e->u.call.args[i];
    int skip = a->kind == E_INDEX ? a->u.call.nargs : 0;
    for (int k = 0; k < p->ndims; k++)
      for (int j = 0; j < sig->nsizes; j++)
        if (p->dims[k]->kind == E_NAME && strcmp(sig->sizes[j], p->dims[k]->u.name) == 0 && size[j] == REF_NONE)
          size[j] = a->kind == E_LIST ? b_const(s->b, a->u.call.nargs) /* a list's length */
                                      : build_int(s, s->dims[a->bind][skip + k]);
  }
}

/* A <math.h> call's value: stored per iteration of the loops it changes
 * with, for the reverse sweep; outside loops, listed for its branch's phis
 * (export_costly). */
static void store_costly(Build *s, Ref v) {
  if (!store_in_loop(s, v))
    vec_push(&s->costly, v);
}

/* The <math.h> calls a replayed callee made in the current block (from node
 * before on), which its own graph, built outside the caller's loops, did
 * not store: stored as the caller's own calls are (lstm.ad's sigmoid, called
 * in loops: its exp(-x) read back by the reverse sweep, not made again). */
static void store_callee_costly(Build *s, int before) {
  int n = s->b->g->nodes.n;
  char *saved = xcalloc((size_t)(n - before + 1), 1);
  for (int v = before; v < n; v++) {
    const Node *nd = &s->b->g->nodes.v[v];
    if (nd->op == OP_SAVE && !ref_is_const(nd->a[0]) && nd->a[0] >= before)
      saved[nd->a[0] - before] = 1;
  }
  for (int v = before; v < n; v++) {
    const Node *nd = &s->b->g->nodes.v[v];
    if (saved[v - before] || nd->blk != s->b->blk || !op_is_costly(nd->op))
      continue;
    store_costly(s, v); /* (adds nodes: nd is not read after) */
  }
  free(saved);
}

/* Inlines call e; its results into results[] (as many as the callee has),
 * the first also returned. */
static Ref inline_call(Build *s, const Expr *e, Ref *args, int nargs, Ref *results) {
  int callee = e->bind;
  const Func *f = s->c->funcs[callee];
  const Graph *cg = &s->graphs[callee];
  int arrays = cg->outs.n > 1 || (f->outs && f->outs[0].ndims), nsizes = s->c->sigs[callee].nsizes;
  for (int i = 0; i < nargs; i++)
    arrays |= f->params[i].ndims > 0;
  /* not shared: rows are the same array at another place; array results
   * live in buffers of the call's own */
  int hit = arrays ? -1 : find_memo(s, callee, args, nargs);
  if (hit >= 0)
    return results[0] = s->memos.v[hit].result;
  if (!s->copiers[callee].src)
    copier_init(&s->copiers[callee], cg);
  size_t nn = (size_t)(cg->nodes.n ? cg->nodes.n : 1);
  Ref *map = xmalloc(nn * sizeof *map), *offset = NULL, *offs = xmalloc((size_t)(nargs + 1) * sizeof *offs);
  Ref *size = xmalloc((size_t)(nsizes + 1) * sizeof *size);
  for (int j = 0; j < nsizes; j++)
    size[j] = REF_NONE;
  for (int i = 0; i < nargs; i++)
    offs[i] = REF_NONE;
  if (arrays) {
    for (int i = 0; i < nargs; i++)
      if (f->params[i].ndims)
        args[i] = array_arg(s, e->u.call.args[i], &offs[i]);
    callee_sizes(s, e, size);
    offset = xmalloc(nn * sizeof *offset);
  }
  int buf = buffers_of_call(s, e), nbuf = 0;
  for (int i = 0; i < cg->nodes.n; i++)
    nbuf += cg->nodes.v[i].op == OP_ABUF;
  char *buffered = local_arguments(s, e, args, offs, buf < 0 ? NULL : &s->bufs.v[buf + nbuf]);
  for (int i = 0; i < cg->nodes.n; i++) {
    const Node *nd = &cg->nodes.v[i];
    map[i] = nd->op == OP_INPUT || nd->op == OP_IPARAM || nd->op == OP_ARRAY ? args[nd->aux]
             : nd->op == OP_SIZE ? size[nd->aux]
             : nd->op == OP_ABUF ? s->bufs.v[buf++] /* the callee's arrays, made on entry */
                                 : REF_NONE;
    if (offset)
      offset[i] = nd->op == OP_ARRAY ? offs[nd->aux] : REF_NONE;
    if (buffered)
      buffered[i] = nd->op == OP_ARRAY && buffered[cg->nodes.n + nd->aux];
  }
  int before = s->b->g->nodes.n;
  s->copiers[callee].offset = offset;
  s->copiers[callee].buffered = buffered;
  copier_run(&s->copiers[callee], s->b, 0, cg->nodes.n, map, 0, 0);
  s->copiers[callee].offset = NULL;
  s->copiers[callee].buffered = NULL;
  free(offset);
  free(offs);
  free(size);
  if (graph_has_arrays(cg) || buffered)
    keep_callee_reads(s, cg, map, before);
  store_callee_costly(s, before);
  free(buffered);
  for (int o = 0; o < cg->outs.n; o++) {
    Ref out = cg->outs.v[o];
    results[o] = ref_is_const(out) ? b_const(s->b, graph_const(cg, out)) : map[out];
  }
  Ref result = results[0];
  free(map);
  if (!arrays) {
    Memo m = {callee, s->b->blk, nargs, s->argpool.n, result};
    for (int i = 0; i < nargs; i++)
      vec_push(&s->argpool, args[i]);
    memo_add(s, m);
  }
  return result;
}

/* Inside a loop, value v is stored per iteration for the reverse sweep
 * (which reads it back instead of computing it again, if it needs it). */
/* Brings deps up to date with the graph. A carried value changes with
 * every loop around it (its next value is not built yet); a reduction's
 * result with what its terms and its range change with; everything else
 * with what its arguments change with. */
static void update_deps(Build *s) {
  const Graph *g = s->b->g;
  for (int i = s->deps.n; i < g->nodes.n; i++) {
    const Node *nd = &g->nodes.v[i];
    uint64_t d = 0;
    if (nd->op == OP_IDX) {
      d = (uint64_t)1 << (nd->aux % 64);
    } else if (nd->op == OP_CARRY) {
      for (int k = nd->blk; k > 0; k = g->blocks.v[k].parent)
        if (g->blocks.v[k].loop >= 0)
          d |= (uint64_t)1 << (g->blocks.v[k].loop % 64);
    }
    for (int k = 0; k < op_info[nd->op].arity; k++)
      if (nd->a[k] != REF_NONE && !ref_is_const(nd->a[k]))
        d |= s->deps.v[nd->a[k]];
    if (nd->op == OP_REDUCE || nd->op == OP_RCOUNT) /* and with its range: sum(c in 0..j, ...) */
      for (int k = 0; k < 2; k++) {
        Ref r = k ? g->loops.v[nd->aux].hi : g->loops.v[nd->aux].lo;
        if (!ref_is_const(r))
          d |= s->deps.v[r];
      }
    vec_push(&s->deps, d);
  }
}

static uint64_t deps_of(Build *s, Ref v) {
  update_deps(s);
  return ref_is_const(v) ? 0 : s->deps.v[v];
}

static int store_in_loop(Build *s, Ref v);

/* A value the reverse sweep must not make again, because making it reads
 * a local array (whose buffer later versions change in place): stored in a
 * loop (per iteration of every loop around it: whatever it depends on), or
 * leaving its branch through a phi (export_costly), or made in the body,
 * where the reverse sweep sees it. */
static int store_every_iteration(Build *s, Ref v);

static void keep_for_reverse(Build *s, Ref v) {
  if (v == REF_NONE || ref_is_const(v) || graph_ref_kind(s->b->g, v) != K_VAL)
    return;
  if (!store_every_iteration(s, v) && s->b->blk != 0)
    vec_push(&s->costly, v);
}

/* Value v stored per iteration of every loop around the current block; 0
 * when it is in none (or cannot be stored: a triangular range). */
static int store_every_iteration(Build *s, Ref v) { return b_save(s->b, s->b->blk, v, ALL_LOOPS); }

/* Can values of block blk be stored per iteration of the loops around it
 * (no range around it depends on an enclosing index)? */
static int storable(const Graph *g, int blk) {
  for (int k = blk; k > 0; k = g->blocks.v[k].parent) {
    int l = g->blocks.v[k].loop;
    if (l >= 0 && (g->loops.v[l].idx == REF_NONE || graph_uses_index(g, g->loops.v[l].lo) ||
                   graph_uses_index(g, g->loops.v[l].hi)))
      return 0;
  }
  return 1;
}

/* An element read from a local array. Read in a loop directly inside the
 * block that made the version read (heat's u[i-1], u[i], u[i+1] in the loop
 * over i, u made by the time loop), the version is stored whole once that
 * loop ends (take_snapshots: the state per step, one stream to read back) rather
 * than each element read per iteration (three per point). */
static void array_read(Build *s, Ref r) {
  s->arrays++;
  const Graph *g = s->b->g;
  Ref ver = g->nodes.v[r].a[0];
  int vb = g->nodes.v[ver].blk, rb = g->nodes.v[r].blk, outer = -1;
  if (graph_is_ancestor(g, vb, rb))
    for (int b = rb; b != vb; b = g->blocks.v[b].parent)
      if (g->blocks.v[b].loop >= 0)
        outer = g->blocks.v[b].loop;
  /* taken in the version's own block (not in a branch between, which may
   * not run when the read does): then it is there for every read */
  if (outer >= 0 && g->loops.v[outer].parent == vb && storable(g, vb)) {
    for (int i = 0; i < s->snaps.n; i += 2)
      if (s->snaps.v[i] == outer && s->snaps.v[i + 1] == ver)
        return;
    vec_push(&s->snaps, (Ref)outer);
    vec_push(&s->snaps, ver);
    return;
  }
  keep_for_reverse(s, r);
}

/* Loop l has just closed: each version read inside it that array_read left
 * to a snapshot is stored whole, by a loop over its elements storing each
 * per iteration of every loop around (the reverse sweep reads an element
 * read in l back from there: recompute.c). */
static void take_snapshots(Build *s, int l) {
  Builder *b = s->b;
  int parent = b->blk, kept = 0;
  for (int i = 0; i < s->snaps.n; i += 2) {
    if (s->snaps.v[i] != l) {
      s->snaps.v[kept++] = s->snaps.v[i];
      s->snaps.v[kept++] = s->snaps.v[i + 1];
      continue;
    }
    Ref ver = s->snaps.v[i + 1];
    b->src = b->g->nodes.v[ver].src;
    int k = b_loop(b, LK_FOR, b_const(b, 0), b->g->nodes.v[graph_buffer_of(b->g, ver)].a[0], 0);
    b->blk = b->g->loops.v[k].body;
    Ref idx = b_loop_op(b, OP_IDX, k, REF_NONE, REF_NONE);
    b_save(b, b->blk, b_op(b, OP_LOAD, ver, idx, REF_NONE), ALL_LOOPS);
    b->blk = parent;
  }
  s->snaps.n = kept;
}

static int store_in_loop(Build *s, Ref v) { return b_save(s->b, s->b->blk, v, deps_of(s, v)); }

static Ref flat_index(Build *s, int decl, Expr *const *args, int n, Loc at);

/* An array argument (a parameter of the caller, or a row of one): the
 * array, and where the argument starts in it (REF_NONE: at 0). */
static Ref array_arg(Build *s, const Expr *a, Ref *off) {
  *off = REF_NONE;
  if (a->kind == E_LIST) /* made by local_arguments */
    return REF_NONE;
  if (a->kind == E_INDEX) { /* A[i]: the rows before i, times a row's length */
    Ref o = flat_index(s, a->bind, a->u.call.args, a->u.call.nargs, a->loc);
    for (int k = a->u.call.nargs; k < s->ndims[a->bind]; k++)
      o = op_at(s, a->loc, OP_IMUL, o, build_int(s, s->dims[a->bind][k]));
    *off = o;
  }
  return s->slots[a->bind];
}

/* Call e; its results into results[] (NULL: the one result returned). */
static Ref build_call(Build *s, const Expr *e, Ref *results) {
  int n = e->u.call.nargs;
  Ref one;
  Ref args[64], *argv = n <= 64 ? args : xmalloc((size_t)n * sizeof *argv);
  for (int i = 0; i < n; i++) { /* a 'const int' parameter takes an integer */
    const Param *p = e->bind >= 0 ? &s->c->funcs[e->bind]->params[i] : NULL;
    argv[i] = p && p->ndims ? REF_NONE /* inline_call's */
              : p && p->is_int ? build_int(s, e->u.call.args[i])
                               : build_expr(s, e->u.call.args[i]);
  }
  Ref r;
  if (e->bind >= 0) {
    int nr = s->graphs[e->bind].outs.n;
    Ref *res = results ? results : nr <= 1 ? &one : xmalloc((size_t)nr * sizeof *res);
    r = inline_call(s, e, argv, n, res);
    if (res != results && res != &one)
      free(res);
  } else {
    int op = -1 - e->bind;
    s->b->src = e->loc;
    int before = s->b->g->nodes.n;
    r = b_op(s->b, op, argv[0], n > 1 ? argv[1] : REF_NONE, REF_NONE);
    if (r == before && op_is_costly(op))
      store_costly(s, r);
  }
  if (argv != args)
    free(argv);
  return r;
}

/* x ^ k with k an integer-valued literal, possibly signed, is an integer
 * power: exact for negative x. */
static int integer_literal(const Expr *e, double *k) {
  double sign = 1;
  while (e->kind == E_UNARY && e->u.un.op != A_NOT) {
    if (e->u.un.op == A_NEG)
      sign = -sign;
    e = e->u.un.e;
  }
  if (e->kind != E_NUM || e->u.num != floor(e->u.num) || fabs(e->u.num) > 9007199254740992.0)
    return 0;
  *k = sign * e->u.num;
  return 1;
}

static int binary_op(AstOp op) {
  switch (op) {
  case A_ADD: return OP_ADD;
  case A_SUB: return OP_SUB;
  case A_MUL: return OP_MUL;
  case A_DIV: return OP_DIV;
  case A_POW: return OP_POW;
  case A_LT: return OP_LT;
  case A_LE: return OP_LE;
  case A_GT: return OP_GT;
  case A_GE: return OP_GE;
  case A_EQ: return OP_EQ;
  case A_NE: return OP_NE;
  case A_AND: return OP_AND;
  case A_OR: return OP_OR;
  default: return OP_NEG;
  }
}


/* The costly values made in group g's branches (s->costly from mark on,
 * the then branch's before then_end) leave it through phis "c ? v : 0": the
 * adjoint branch reads them there instead of computing them again. In a
 * loop, when the branches read local arrays (s->arrays was 'arrays'
 * before them), the phis are stored: made again, the group would read
 * arrays changed since. */
static void export_costly(Build *s, int g, int mark, int then_end, int arrays) {
  Builder *b = s->b;
  int end = s->costly.n, kept = mark, loop = graph_innermost_loop(b->g, b->blk);
  Ref zero = b_const(b, 0);
  for (int i = mark; i < end; i++) {
    Ref v = s->costly.v[i];
    if (graph_innermost_loop(b->g, b->g->nodes.v[v].blk) != loop)
      continue; /* made inside a reduction in the branch: not visible here */
    s->costly.v[kept++] = i < then_end ? b_phi(b, g, v, zero) : b_phi(b, g, zero, v);
  }
  s->costly.n = kept;
  for (int i = mark; i < kept && s->arrays != arrays; i++) /* made again, the group would read arrays */
    store_every_iteration(s, s->costly.v[i]);
}

static Ref build_cond(Build *s, const Expr *e) {
  Ref c = build_expr(s, e->u.cond.c);
  if (ref_is_const(c)) /* decided now: only the taken branch exists */
    return build_expr(s, graph_const(s->b->g, c) != 0 ? e->u.cond.a : e->u.cond.b);
  Builder *b = s->b;
  int parent = b->blk, mark = s->costly.n, arrays = s->arrays;
  int g = b_group(b, c);
  b->blk = b->g->groups.v[g].then_blk;
  Ref x = build_expr(s, e->u.cond.a);
  int then_end = s->costly.n;
  b->blk = b->g->groups.v[g].else_blk;
  Ref y = build_expr(s, e->u.cond.b);
  b->blk = parent;
  b->src = e->loc;
  Ref r = b_phi(b, g, x, y);
  export_costly(s, g, mark, then_end, arrays);
  if (s->arrays != arrays)
    keep_for_reverse(s, r);
  return r;
}

static int int_op(AstOp op) {
  switch (op) {
  case A_ADD: return OP_IADD;
  case A_SUB: return OP_ISUB;
  case A_MUL: return OP_IMUL;
  case A_DIV: return OP_IDIV;
  default: return OP_IMOD;
  }
}

/* Index arithmetic (sema admits only literals, sizes, indices, integer
 * data, + - * / %). */
static Ref build_int(Build *s, const Expr *e) {
  switch (e->kind) {
  case E_NUM:
    return b_const(s->b, e->u.num);
  case E_NAME:
    return s->slots[e->bind];
  case E_INDEX:
    return build_index(s, e, OP_ILOAD);
  case E_UNARY: {
    Ref x = build_int(s, e->u.un.e);
    return e->u.un.op == A_NEG ? op_at(s, e->loc, OP_INEG, x, REF_NONE) : x;
  }
  case E_CHAIN: {
    Ref acc = build_int(s, e->u.chain.first);
    for (int i = 0; i < e->u.chain.n; i++) {
      const ChainItem *it = &e->u.chain.items[i];
      Ref y = build_int(s, it->e);
      if ((it->op == A_DIV || it->op == A_MOD) && b_is_zero(s->b, y)) {
        diag_error(s->d, it->e->loc, "division by zero in an index expression");
        y = b_const(s->b, 1);
      }
      acc = op_at(s, e->loc, int_op(it->op), acc, y);
    }
    return acc;
  }
  default:
    return b_const(s->b, 0);
  }
}

/* Are integers x and y the same expression (also at -O0, where nothing is
 * shared)? */
static int int_same(const Graph *g, Ref x, Ref y) {
  if (x == y)
    return 1;
  if (ref_is_const(x) || ref_is_const(y))
    return ref_is_const(x) && ref_is_const(y) && graph_const(g, x) == graph_const(g, y);
  const Node *a = &g->nodes.v[x], *b = &g->nodes.v[y];
  if (a->op != b->op || op_info[a->op].kind != K_INT || op_info[a->op].arity == 0)
    return 0;
  for (int k = 0; k < op_info[a->op].arity; k++)
    if (!int_same(g, a->a[k], b->a[k]))
      return 0;
  return 1;
}

/* A comparison of integers. Of an expression with itself it is known: C
 * compilers warn about 'i < i' in the emitted text. */
static Ref int_compare(Build *s, const Expr *e) {
  int op = binary_op(e->u.bin.op);
  Ref x = build_int(s, e->u.bin.l), y = build_int(s, e->u.bin.r);
  if (int_same(s->b->g, x, y))
    return b_const(s->b, op == OP_LE || op == OP_GE || op == OP_EQ);
  return op_at(s, e->loc, op, x, y);
}

/* Element [i, j] of the row-major array of declaration decl, x[n, m], is
 * element i * m + j. */
static Ref flat_index(Build *s, int decl, Expr *const *args, int n, Loc at) {
  Expr **dims = s->dims[decl];
  Ref ix[8], *idx = n <= 8 ? ix : xmalloc((size_t)n * sizeof *idx);
  for (int k = 0; k < n; k++)
    idx[k] = build_int(s, args[k]);
  for (int k = 0; k < n && s->bounds; k++) /* before the flat index: see ir_dce's checks */
    if (graph_from_data(s->b->g, idx[k]))
      op_at(s, args[k]->loc, OP_CHECK, idx[k], build_int(s, dims[k]));
  Ref flat = idx[0];
  for (int k = 1; k < n; k++) {
    Ref dim = build_int(s, dims[k]);
    flat = op_at(s, at, OP_IADD, op_at(s, at, OP_IMUL, flat, dim), idx[k]);
  }
  if (idx != ix)
    free(idx);
  return flat;
}

/* x[i, j]: op is LOAD for reals, ILOAD for integer data. */
static Ref build_index(Build *s, const Expr *e, int op) {
  Ref flat = flat_index(s, e->bind, e->u.call.args, e->u.call.nargs, e->loc);
  s->b->src = e->loc;
  return b_op(s->b, op, s->slots[e->bind], flat, REF_NONE);
}

/* sum, min, max and logsumexp reduce a term per index (LOOP_*, REDUCE);
 * prod is a loop carrying the running product. Empty ranges give 0, +inf,
 * -inf, -inf and 1. */
static Ref build_reduce(Build *s, const Expr *e) {
  static const LoopKind kinds[] = {LK_SUM, LK_FOR, LK_MIN, LK_MAX, LK_LSE};
  int red = sema_reduction(e->u.red->kind);
  Builder *b = s->b;
  int arrays = s->arrays;
  Ref lo = build_int(s, e->u.red->lo), hi = build_int(s, e->u.red->hi);
  int parent = b->blk;
  b->src = e->loc;
  int l = b_loop(b, kinds[red], lo, hi, 0);
  b->blk = b->g->loops.v[l].body;
  b->src = e->u.red->varloc;
  s->slots[e->u.red->decl] = b_loop_op(b, OP_IDX, l, REF_NONE, REF_NONE);
  Ref acc = REF_NONE;
  b->src = e->loc;
  if (red == RED_PROD) {
    acc = b_loop_op(b, OP_CARRY, l, b_const(b, 1), REF_NONE);
    Ref pos = b_storage_pos(b, b->blk, ALL_LOOPS);
    if (pos != REF_NONE)
      b_loop_op(b, OP_SAVE, l, acc, pos);
  }
  Ref t = build_expr(s, e->u.red->e);
  b->src = e->loc;
  if (red == RED_LSE) { /* the weight of each term, stored for the reverse sweep */
    Ref pos = b_storage_pos(b, b->blk, ALL_LOOPS);
    if (pos != REF_NONE)
      b_loop_op(b, OP_SAVE, l, b_loop_op(b, OP_LSEW, l, t, REF_NONE), pos);
  }
  if (red == RED_PROD) {
    b_loop_op(b, OP_NEXT, l, acc, b_op(b, OP_MUL, acc, t, REF_NONE));
    b->blk = parent;
    Ref r = b_loop_op(b, OP_LOOPOUT, l, acc, REF_NONE);
    if (s->arrays != arrays)
      keep_for_reverse(s, r);
    take_snapshots(s, l);
    return r;
  }
  b->blk = parent;
  Ref r = b_loop_op(b, OP_REDUCE, l, t, REF_NONE), count = REF_NONE;
  if (red == RED_MIN || red == RED_MAX) /* right after its REDUCE: the loop's exits */
    count = b_loop_op(b, OP_RCOUNT, l, t, REF_NONE);
  if (s->arrays != arrays) { /* made again, the loop would read arrays changed since */
    keep_for_reverse(s, r);
    keep_for_reverse(s, count);
    take_snapshots(s, l);
    return r;
  }
  /* Inside another loop, its result is stored for that loop's reverse
   * sweep, which then need not run it again. */
  Ref pos = b_storage_pos(b, parent, deps_of(s, r));
  if (pos != REF_NONE) {
    b_loop_op(b, OP_SAVE, l, r, pos);
    if (count != REF_NONE)
      b_loop_op(b, OP_SAVE, l, count, pos);
  }
  return r;
}

static Ref build_expr(Build *s, const Expr *e) {
  switch (e->kind) {
  case E_INDEX: {
    if (s->is_int[e->bind]) /* integer data as a real */
      return op_at(s, e->loc, OP_I2R, build_index(s, e, OP_ILOAD), REF_NONE);
    int before = s->b->g->nodes.n;
    Ref r = build_index(s, e, OP_LOAD);
    if (s->abuf[e->bind] != REF_NONE && r >= before) /* an element of a local array */
      array_read(s, r);
    return r;
  }
  case E_REDUCE:
    return build_reduce(s, e);
  case E_NUM:
    return b_const(s->b, e->u.num);
  case E_NAME: {
    if (e->bind < 0)
      return b_const(s->b, PI_VALUE);
    Ref v = s->slots[e->bind];
    if (graph_ref_kind(s->b->g, v) == K_INT) /* a size or an index used as a real */
      return op_at(s, e->loc, OP_I2R, v, REF_NONE);
    return v;
  }
  case E_CALL:
    return build_call(s, e, NULL);
  case E_UNARY: {
    Ref x = build_expr(s, e->u.un.e);
    if (e->u.un.op == A_PLUS)
      return x;
    return op_at(s, e->loc, e->u.un.op == A_NEG ? OP_NEG : OP_NOT, x, REF_NONE);
  }
  case E_BINARY: {
    if (e->bind == 1)
      return int_compare(s, e);
    Ref x = build_expr(s, e->u.bin.l);
    double k;
    if (e->u.bin.op == A_POW && integer_literal(e->u.bin.r, &k))
      return op_at(s, e->loc, OP_POWI, x, b_const(s->b, k));
    return op_at(s, e->loc, binary_op(e->u.bin.op), x, build_expr(s, e->u.bin.r));
  }
  case E_CHAIN: {
    Ref acc = build_expr(s, e->u.chain.first);
    for (int i = 0; i < e->u.chain.n; i++) {
      const ChainItem *it = &e->u.chain.items[i];
      /* the first operation shows "a + b"; later ones "... + c" */
      Loc at = {i == 0 ? e->u.chain.first->loc.lo : -1 - it->oploc.lo, it->e->loc.hi};
      acc = op_at(s, at, binary_op(it->op), acc, build_expr(s, it->e));
    }
    return acc;
  }
  case E_COND:
    return build_cond(s, e);
  case E_LIST: /* only as arrays' values (sema): build_array_stmt */
  case E_COMP:
    break;
  }
  return REF_NONE;
}

typedef VEC(int) DeclList;

static int listed(const DeclList *l, int decl) {
  for (int i = 0; i < l->n; i++)
    if (l->v[i] == decl)
      return 1;
  return 0;
}

/* The variables a block assigns that were declared before it (numbered
 * below before): a loop's carried values, an 'if''s merged ones, in order
 * of first assignment. */
static void assigned_outer(const Stmt *st, int before, DeclList *out) {
  for (; st; st = st->next) {
    if (st->kind == S_ASSIGN && st->decl < before && !listed(out, st->decl))
      vec_push(out, st->decl);
    else if (st->kind == S_FOR)
      assigned_outer(st->body, before, out);
    else if (st->kind == S_IF) {
      assigned_outer(st->body, before, out);
      assigned_outer(st->orelse, before, out);
    }
  }
}

/* if c { ... } else { ... }: a group on c whose blocks build the two
 * bodies; each variable from outside that either assigns leaves it through
 * a phi (the value it had before, where a block does not assign it). A
 * constant condition builds only the taken body. */
static void build_if(Build *s, const Stmt *st, Graph *g) {
  Builder *b = s->b;
  Ref c = build_expr(s, st->e);
  if (ref_is_const(c)) {
    build_stmts(s, graph_const(b->g, c) != 0 ? st->body : st->orelse, g);
    return;
  }
  DeclList vars = {0};
  assigned_outer(st->body, st->decl, &vars);
  assigned_outer(st->orelse, st->decl, &vars);
  size_t n = (size_t)(vars.n ? vars.n : 1);
  Ref *before = xmalloc(n * sizeof *before), *then = xmalloc(n * sizeof *then);
  for (int i = 0; i < vars.n; i++)
    before[i] = s->slots[vars.v[i]];
  int parent = b->blk, mark = s->costly.n, arrays = s->arrays;
  int gi = b_group(b, c);
  b->blk = b->g->groups.v[gi].then_blk;
  build_stmts(s, st->body, g);
  int then_end = s->costly.n;
  for (int i = 0; i < vars.n; i++) {
    then[i] = s->slots[vars.v[i]];
    s->slots[vars.v[i]] = before[i];
  }
  b->blk = b->g->groups.v[gi].else_blk;
  build_stmts(s, st->orelse, g);
  b->blk = parent;
  b->src = (Loc){st->loc.lo, st->e->loc.hi}; /* "if c": the phis' comment */
  for (int i = 0; i < vars.n; i++)
    s->slots[vars.v[i]] = b_phi(b, gi, then[i], s->slots[vars.v[i]]);
  export_costly(s, gi, mark, then_end, arrays);
  for (int i = 0; i < vars.n && s->arrays != arrays; i++) /* made again, the group would read arrays */
    keep_for_reverse(s, s->slots[vars.v[i]]);
  free(before);
  free(then);
  vec_free(&vars);
}

static void build_for(Build *s, const Stmt *st, Graph *g) {
  Builder *b = s->b;
  Ref lo = build_int(s, st->e), hi = build_int(s, st->more[0]);
  DeclList carried = {0};
  assigned_outer(st->body, st->decl, &carried);
  int parent = b->blk;
  b->src = st->loc;
  int l = b_loop(b, LK_FOR, lo, hi, 0);
  b->blk = g->loops.v[l].body;
  b->src = st->nameloc;
  s->slots[st->decl] = b_loop_op(b, OP_IDX, l, REF_NONE, REF_NONE);
  const int *var = carried.v; /* declaration numbers */
  Ref *carry = xmalloc((size_t)(carried.n ? carried.n : 1) * sizeof *carry);
  int arrays = s->arrays;
  for (int i = 0; i < carried.n; i++) {
    b->src = st->loc;
    carry[i] = b_loop_op(b, OP_CARRY, l, s->slots[var[i]], REF_NONE);
    Ref pos = b_storage_pos(b, b->blk, ALL_LOOPS); /* an array is read back element by element */
    if (pos != REF_NONE && graph_ref_kind(b->g, carry[i]) != K_ARR)
      b_loop_op(b, OP_SAVE, l, carry[i], pos);
    s->slots[var[i]] = carry[i];
  }
  build_stmts(s, st->body, g);
  b->src = st->loc;
  for (int i = 0; i < carried.n; i++)
    b_loop_op(b, OP_NEXT, l, carry[i], s->slots[var[i]]);
  b->blk = parent;
  for (int i = 0; i < carried.n; i++) /* the loop's exits, together: then what stores them */
    s->slots[var[i]] = b_loop_op(b, OP_LOOPOUT, l, carry[i], REF_NONE);
  for (int i = 0; i < carried.n && s->arrays != arrays; i++) /* made again, the loop would read arrays changed since */
    keep_for_reverse(s, s->slots[var[i]]);
  take_snapshots(s, l);
  free(carry);
  vec_free(&carried);
}

/* ---- local arrays ---- */

static void call_buffers(Build *s, const Expr *e);

/* The buffers of the local arrays of the functions each call inlines, made
 * on entry like the function's own (their lengths must be constants: they
 * would otherwise change with the arguments). */
static void stmts_call_buffers(Build *s, const Stmt *st) {
  for (; st; st = st->next) {
    if (st->e)
      call_buffers(s, st->e);
    for (int i = 0; i < st->nmore; i++)
      call_buffers(s, st->more[i]);
    stmts_call_buffers(s, st->body);
    stmts_call_buffers(s, st->orelse);
  }
}

/* Length len of a local array of callee graph cg (an integer expression
 * of its sizes and literals) in the caller's terms, the callee's sizes
 * being size[]; REF_NONE when it reads anything else (integer data). */
static Ref callee_length(Build *s, const Graph *cg, Ref len, const Ref *size) {
  if (ref_is_const(len))
    return b_const(s->b, graph_const(cg, len));
  const Node *nd = &cg->nodes.v[len];
  if (nd->op == OP_SIZE)
    return size ? size[nd->aux] : REF_NONE;
  if (op_info[nd->op].kind != K_INT || nd->op == OP_ILOAD || nd->op == OP_IPARAM || nd->op == OP_IDX)
    return REF_NONE;
  Ref x = callee_length(s, cg, nd->a[0], size);
  Ref y = nd->a[1] == REF_NONE ? REF_NONE : callee_length(s, cg, nd->a[1], size);
  if (x == REF_NONE || (nd->a[1] != REF_NONE && y == REF_NONE))
    return REF_NONE;
  return b_op(s->b, nd->op, x, y, REF_NONE);
}

static Ref new_buffer(Build *s, Expr *const *dims, int n, Loc at);
static int expr_names(const Expr *e, int decl);

/* A buffer per local array call e passes (after its callee's), for the
 * copy it gets outside loops (local_arguments). */
static void argument_buffers(Build *s, const Expr *e) {
  const Func *f = s->c->funcs[e->bind];
  for (int i = 0; i < f->nparams && i < e->u.call.nargs; i++) {
    const Expr *a = e->u.call.args[i];
    if (f->params[i].ndims && a->kind == E_LIST) { /* a list passed: a buffer of its length */
      s->b->src = a->loc;
      Ref buf = b_op(s->b, OP_ABUF, b_const(s->b, a->u.call.nargs), REF_NONE, REF_NONE);
      s->b->g->nodes.v[buf].aux = s->nbufs++;
      vec_push(&s->bufs, buf);
      continue;
    }
    if (!f->params[i].ndims || a->bind < 0 || !s->local[a->bind])
      continue;
    int skip = a->kind == E_INDEX ? a->u.call.nargs : 0;
    vec_push(&s->bufs, new_buffer(s, s->dims[a->bind] + skip, s->ndims[a->bind] - skip, a->loc));
  }
}

static void call_buffers(Build *s, const Expr *e) {
  switch (e->kind) {
  case E_CALL:
  case E_LIST:
  case E_INDEX:
    for (int i = 0; i < e->u.call.nargs; i++)
      call_buffers(s, e->u.call.args[i]);
    if (e->kind != E_CALL || e->bind < 0)
      return;
    {
      const Graph *cg = &s->graphs[e->bind];
      int first = s->bufs.n, nsizes = s->c->sigs[e->bind].nsizes;
      Ref *size = NULL;
      for (int i = 0; i < cg->nodes.n; i++) {
        const Node *nd = &cg->nodes.v[i];
        if (nd->op != OP_ABUF)
          continue;
        if (!size && !ref_is_const(nd->a[0])) {
          size = xmalloc((size_t)(nsizes + 1) * sizeof *size);
          for (int j = 0; j < nsizes; j++)
            size[j] = REF_NONE;
          callee_sizes(s, e, size);
        }
        Ref len = callee_length(s, cg, nd->a[0], size);
        if (len == REF_NONE) {
          diag_error(s->d, e->loc, "'%s' has a local array whose size depends on its integer data; a called "
                                   "function's local arrays are sized by literals and sizes", e->u.call.name);
          len = b_const(s->b, 0);
        }
        s->b->src = nd->src;
        Ref buf = b_op(s->b, OP_ABUF, len, REF_NONE, REF_NONE);
        s->b->g->nodes.v[buf].aux = s->nbufs++;
        vec_push(&s->bufs, buf);
      }
      free(size);
      argument_buffers(s, e);
      if (s->bufs.n > first) {
        vec_push(&s->calls, (const void *)e);
        vec_push(&s->calls, (const void *)(intptr_t)first);
      }
    }
    return;
  case E_UNARY:
    call_buffers(s, e->u.un.e);
    return;
  case E_BINARY:
    call_buffers(s, e->u.bin.l);
    call_buffers(s, e->u.bin.r);
    return;
  case E_CHAIN:
    call_buffers(s, e->u.chain.first);
    for (int i = 0; i < e->u.chain.n; i++)
      call_buffers(s, e->u.chain.items[i].e);
    return;
  case E_COND:
    call_buffers(s, e->u.cond.c);
    call_buffers(s, e->u.cond.a);
    call_buffers(s, e->u.cond.b);
    return;
  case E_REDUCE:
    call_buffers(s, e->u.red->e);
    return;
  case E_COMP:
    call_buffers(s, e->u.comp->e);
    return;
  default:
    return;
  }
}

/* An ABUF of the given dimensions (in block 0, on entry). */
static Ref new_buffer(Build *s, Expr *const *dims, int n, Loc at) {
  Ref len = b_const(s->b, 1);
  for (int k = 0; k < n; k++) { /* folded also at -O0: a called function's length is read */
    Ref d = build_int(s, dims[k]);
    len = ref_is_const(len) && ref_is_const(d) ? b_const(s->b, graph_const(s->b->g, len) * graph_const(s->b->g, d))
                                              : op_at(s, dims[k]->loc, OP_IMUL, len, d);
  }
  s->b->src = at;
  Ref buf = b_op(s->b, OP_ABUF, len, REF_NONE, REF_NONE);
  s->b->g->nodes.v[buf].aux = s->nbufs++;
  return buf;
}

/* A buffer for each array result that is not a local array's or a call's
 * already (a parameter, [...]): s->retbuf, per result (REF_NONE for others). */
static void result_buffers(Build *s, const Stmt *st) {
  const Func *f = s->func;
  for (int i = 0; i <= st->nmore; i++) {
    const Expr *e = i ? st->more[i - 1] : st->e;
    Ref buf = REF_NONE;
    if (i < f->nouts && f->outs[i].ndims && !(e->kind == E_NAME && s->abuf[e->bind] != REF_NONE) &&
        e->kind != E_CALL) {
      buf = new_buffer(s, f->outs[i].dims, f->outs[i].ndims, f->outs[i].loc);
    }
    vec_push(&s->retbuf, buf);
  }
}

/* One buffer per 'let x[dims]' of the function, made before anything else
 * (in block 0: every operation on the array and on its adjoint can name it;
 * its length is known on entry). */
static void make_buffers(Build *s, const Stmt *st) {
  for (; st; st = st->next) {
    if (st->kind == S_RETURN)
      result_buffers(s, st);
    if (st->kind == S_TUPLE) /* arrays bound to a call's results: local arrays too */
      for (int i = 0; i < st->tuple->n; i++)
        if (st->tuple->ndims[i]) {
          s->local[st->tuple->decls[i]] = 1;
          s->dims[st->tuple->decls[i]] = st->tuple->dims[i];
          s->ndims[st->tuple->decls[i]] = st->tuple->ndims[i];
        }
    if (st->kind == S_ASSIGN && !st->nsub && s->local[st->decl] && (st->e->kind == E_LIST || st->e->kind == E_COMP) &&
        expr_names(st->e, st->decl)) { /* u = [... u ...]: made apart, then copied */
      vec_push(&s->calls, (const void *)st);
      vec_push(&s->calls, (const void *)(intptr_t)s->bufs.n);
      vec_push(&s->bufs, new_buffer(s, s->dims[st->decl], s->ndims[st->decl], st->loc));
    }
    if (st->kind == S_LET && st->nsub) {
      s->local[st->decl] = 1;
      s->abuf[st->decl] = new_buffer(s, st->sub, st->nsub, st->nameloc);
      s->dims[st->decl] = st->sub;
      s->ndims[st->decl] = st->nsub;
    }
    if (st->kind == S_FOR || st->kind == S_IF) {
      make_buffers(s, st->body);
      make_buffers(s, st->orelse);
    }
  }
}

/* Does any statement from st on (or inside one) name declaration decl? */
static int expr_names(const Expr *e, int decl);
static int stmts_name(const Stmt *st, int decl) {
  for (; st; st = st->next) {
    if ((st->kind == S_ASSIGN && st->decl == decl) || (st->e && expr_names(st->e, decl)))
      return 1;
    for (int i = 0; i < st->nmore; i++)
      if (expr_names(st->more[i], decl))
        return 1;
    for (int i = 0; i < st->nsub; i++)
      if (expr_names(st->sub[i], decl))
        return 1;
    if (stmts_name(st->body, decl) || stmts_name(st->orelse, decl))
      return 1;
  }
  return 0;
}

static int expr_names(const Expr *e, int decl) {
  switch (e->kind) {
  case E_NAME:
    return e->bind == decl;
  case E_INDEX:
  case E_CALL:
  case E_LIST:
    if (e->kind == E_INDEX && e->bind == decl)
      return 1;
    for (int i = 0; i < e->u.call.nargs; i++)
      if (expr_names(e->u.call.args[i], decl))
        return 1;
    return 0;
  case E_UNARY:
    return expr_names(e->u.un.e, decl);
  case E_BINARY:
    return expr_names(e->u.bin.l, decl) || expr_names(e->u.bin.r, decl);
  case E_CHAIN:
    if (expr_names(e->u.chain.first, decl))
      return 1;
    for (int i = 0; i < e->u.chain.n; i++)
      if (expr_names(e->u.chain.items[i].e, decl))
        return 1;
    return 0;
  case E_COND:
    return expr_names(e->u.cond.c, decl) || expr_names(e->u.cond.a, decl) || expr_names(e->u.cond.b, decl);
  case E_REDUCE:
    return expr_names(e->u.red->lo, decl) || expr_names(e->u.red->hi, decl) || expr_names(e->u.red->e, decl);
  case E_COMP: {
    const Comp *c = e->u.comp;
    for (int k = 0; k < c->n && k < 2; k++)
      if (expr_names(c->lo[k], decl) || expr_names(c->hi[k], decl))
        return 1;
    return expr_names(c->e, decl);
  }
  default:
    return 0;
  }
}

/* [i in a..b: e], [i in a..b, j in c..d: e]: loops storing each element
 * into version ver's buffer. */
static Ref build_comp(Build *s, const Expr *e, Ref ver) {
  const Comp *c = e->u.comp;
  Builder *b = s->b;
  int parent = b->blk, loops[2];
  Ref lo[2], carry[2], flat = REF_NONE;
  for (int k = 0; k < c->n; k++) {
    lo[k] = build_int(s, c->lo[k]);
    Ref hi = build_int(s, c->hi[k]);
    b->src = e->loc;
    loops[k] = b_loop(b, LK_FOR, lo[k], hi, 0);
    b->blk = b->g->loops.v[loops[k]].body;
    b->src = c->varloc[k];
    Ref i = s->slots[c->decl[k]] = b_loop_op(b, OP_IDX, loops[k], REF_NONE, REF_NONE);
    b->src = e->loc;
    carry[k] = ver = b_loop_op(b, OP_CARRY, loops[k], ver, REF_NONE);
    Ref off = op_at(s, e->loc, OP_ISUB, i, lo[k]);
    flat = k == 0 ? off : op_at(s, e->loc, OP_IADD, op_at(s, e->loc, OP_IMUL, flat, op_at(s, e->loc, OP_ISUB, hi, lo[k])), off);
  }
  Ref v = build_expr(s, c->e);
  b->src = e->loc;
  ver = b_op(b, OP_ASET, ver, flat, v);
  s->arrays++;
  for (int k = c->n - 1; k >= 0; k--) {
    b->src = e->loc;
    b_loop_op(b, OP_NEXT, loops[k], carry[k], ver);
    b->blk = k ? b->g->loops.v[loops[k - 1]].body : parent;
    ver = b_loop_op(b, OP_LOOPOUT, loops[k], carry[k], REF_NONE);
    take_snapshots(s, loops[k]);
  }
  return ver;
}

/* The version of a local array after `= e` from version ver: e a scalar
 * (every element), [e0, ...], a comprehension, or another array (copied;
 * moved when it is dead after, the double buffer). */
static Ref array_value(Build *s, const Expr *e, Ref ver, int move) {
  s->arrays++;
  if (e->kind == E_NAME && e->bind >= 0 && graph_ref_kind(s->b->g, s->slots[e->bind]) == K_ARR)
    return move ? op_at(s, e->loc, OP_AMOVE, ver, s->slots[e->bind])
                : b_op(s->b, OP_ACOPY, ver, s->slots[e->bind], b_const(s->b, 0));
  if (e->kind == E_LIST) {
    for (int k = 0; k < e->u.call.nargs; k++) {
      Ref v = build_expr(s, e->u.call.args[k]);
      s->b->src = e->u.call.args[k]->loc;
      ver = b_op(s->b, OP_ASET, ver, b_const(s->b, k), v);
    }
    return ver;
  }
  if (e->kind == E_COMP)
    return build_comp(s, e, ver);
  if (e->kind == E_CALL && e->bind >= 0 && s->c->funcs[e->bind]->nouts && s->c->funcs[e->bind]->outs[0].ndims) {
    Ref r;
    build_call(s, e, &r); /* its result, in a buffer of the call's */
    s->b->src = e->loc;
    return b_op(s->b, OP_ACOPY, ver, r, b_const(s->b, 0));
  }
  return op_at(s, e->loc, OP_AFILL, ver, build_expr(s, e));
}

/* let (a, b) = g(...): the results bound; an array result keeps the
 * buffer the call made for it. */
static void build_tuple(Build *s, const Stmt *st) {
  const Tuple *t = st->tuple;
  Ref *res = xmalloc((size_t)(s->graphs[st->e->bind].outs.n + 1) * sizeof *res);
  build_call(s, st->e, res);
  for (int i = 0; i < t->n; i++) {
    int d = t->decls[i];
    s->slots[d] = res[i];
    if (t->ndims[i]) {
      s->abuf[d] = graph_buffer_of(s->b->g, res[i]);
      s->dims[d] = t->dims[i];
      s->ndims[d] = t->ndims[i];
    }
  }
  free(res);
}

/* return e, ...: an array result is a local array's version, a call's, or
 * the version made in a buffer of its own (a parameter's copy, [...]). */
static void build_return(Build *s, const Stmt *st, Graph *g) {
  const Func *f = s->func;
  for (int i = 0; i <= st->nmore; i++) {
    const Expr *e = i ? st->more[i - 1] : st->e;
    Ref v;
    if (i >= f->nouts || !f->outs[i].ndims)
      v = build_expr(s, e);
    else if (e->kind == E_NAME && s->abuf[e->bind] != REF_NONE)
      v = s->slots[e->bind];
    else if (e->kind == E_CALL)
      build_call(s, e, &v);
    else
      v = array_value(s, e, s->retbuf.v[i], 0);
    vec_push(&g->outs, v);
  }
}

/* Is declaration decl a 'let' of the statements from head to st? */
static int declared_in(const Stmt *head, const Stmt *st, int decl) {
  for (; head && head != st; head = head->next)
    if (head->kind == S_LET && head->decl == decl)
      return 1;
  return 0;
}

/* let x[dims] = e; x[i, j] = e; u = e (u a local array); head: the first
 * statement of st's block. */
static void build_array_stmt(Build *s, const Stmt *head, const Stmt *st) {
  if (st->kind == S_LET) {
    s->slots[st->decl] = array_value(s, st->e, s->abuf[st->decl], 0);
    return;
  }
  if (st->nsub) {
    Ref v = build_expr(s, st->e);
    Ref flat = flat_index(s, st->decl, st->sub, st->nsub, st->loc);
    s->b->src = st->loc;
    s->slots[st->decl] = b_op(s->b, OP_ASET, s->slots[st->decl], flat, v);
    s->arrays++;
    return;
  }
  /* u = [... u ...]: the elements read the old u; made in a buffer of
   * their own (make_buffers), then copied */
  int tmp = buffers_of_call(s, (const void *)st);
  if (tmp >= 0) {
    Ref v = array_value(s, st->e, s->bufs.v[tmp], 0);
    s->b->src = st->loc;
    s->slots[st->decl] = b_op(s->b, OP_ACOPY, s->slots[st->decl], v, b_const(s->b, 0));
    return;
  }
  /* u = v with v a local array nothing names after: v's buffer becomes u's */
  const Expr *e = st->e;
  int move = e->kind == E_NAME && e->bind >= 0 && e->bind != st->decl && s->abuf[e->bind] != REF_NONE &&
             declared_in(head, st, e->bind) && !stmts_name(st->next, e->bind);
  s->slots[st->decl] = array_value(s, e, s->slots[st->decl], move);
}

static void build_stmts(Build *s, const Stmt *st, Graph *g) {
  const Stmt *head = st;
  for (; st; st = st->next) {
    if (st->kind == S_FOR) {
      build_for(s, st, g);
      continue;
    }
    if (st->kind == S_IF) {
      build_if(s, st, g);
      continue;
    }
    if (st->nsub || (st->kind == S_ASSIGN && s->abuf[st->decl] != REF_NONE)) {
      build_array_stmt(s, head, st);
      continue;
    }
    if (st->kind == S_TUPLE) {
      build_tuple(s, st);
      continue;
    }
    if (st->kind == S_RETURN) {
      build_return(s, st, g);
      break;
    }
    s->slots[st->decl] = build_expr(s, st->e); /* S_LET, S_ASSIGN */
  }
}

/* ---- the signature ---- */

static const char *sig_str(Signature *sg, const char *s) { return arena_strndup(&sg->arena, s, strlen(s)); }

/* A dimension (literals and sizes, + - * / % and unary signs) into the
 * signature's own graph, as written: its size leaves are nodes 0.. */
static Ref sig_dim(Builder *b, const Expr *e, const FnSig *fs) {
  switch (e->kind) {
  case E_NUM:
    return b_const(b, e->u.num);
  case E_NAME:
    for (int k = 0; k < fs->nsizes; k++)
      if (fs->sizedecls[k] == e->bind)
        return k;
    return b_const(b, 0); /* sema admits only sizes */
  case E_UNARY: {
    Ref x = sig_dim(b, e->u.un.e, fs);
    return e->u.un.op == A_NEG ? b_op(b, OP_INEG, x, REF_NONE, REF_NONE) : x;
  }
  case E_CHAIN: {
    Ref acc = sig_dim(b, e->u.chain.first, fs);
    for (int i = 0; i < e->u.chain.n; i++)
      acc = b_op(b, int_op(e->u.chain.items[i].op), acc, sig_dim(b, e->u.chain.items[i].e, fs), REF_NONE);
    return acc;
  }
  default:
    return b_const(b, 0);
  }
}

/* A parameter or a result (a Param of the syntax tree) into q: its name,
 * kind and dimensions (into the signature's graph, by b). */
static void sig_param(Signature *sg, Builder *b, SigParam *q, const Param *p, const FnSig *fs) {
  q->name = sig_str(sg, p->name);
  q->loc = p->loc;
  q->is_const = p->is_const;
  q->is_int = p->is_int;
  q->ndims = p->ndims;
  q->dims = arena_alloc(&sg->arena, (size_t)(p->ndims + 1) * sizeof *q->dims);
  q->dimlocs = arena_alloc(&sg->arena, (size_t)(p->ndims + 1) * sizeof *q->dimlocs);
  for (int k = 0; k < p->ndims; k++) {
    b->src = p->dims[k]->loc;
    q->dims[k] = sig_dim(b, p->dims[k], fs);
    q->dimlocs[k] = p->dims[k]->loc;
  }
}

/* What sema learnt of f's interface, copied out of the syntax tree. */
static void sig_fill(Signature *sg, const Func *f, const FnSig *fs) {
  memset(sg, 0, sizeof *sg);
  sg->name = sig_str(sg, f->name);
  sg->loc = f->loc;
  sg->nameloc = f->nameloc;
  sg->is_private = f->is_private;
  sg->nsizes = fs->nsizes;
  sg->sizes = arena_alloc(&sg->arena, (size_t)(fs->nsizes + 1) * sizeof *sg->sizes);
  graph_init(&sg->dims);
  Builder b;
  b_init(&b, &sg->dims, 0, 0);
  for (int k = 0; k < fs->nsizes; k++) {
    sg->sizes[k] = sig_str(sg, fs->sizes[k]);
    b.src = fs->sizelocs[k];
    b_leaf(&b, OP_SIZE, k);
  }
  sg->nparams = f->nparams;
  sg->params = arena_alloc(&sg->arena, (size_t)(f->nparams + 1) * sizeof *sg->params);
  for (int i = 0; i < f->nparams; i++)
    sig_param(sg, &b, &sg->params[i], &f->params[i], fs);
  sg->nouts = fs->nouts;
  sg->results = arena_alloc(&sg->arena, (size_t)(fs->nouts + 1) * sizeof *sg->results);
  memset(sg->results, 0, (size_t)(fs->nouts + 1) * sizeof *sg->results);
  sg->results[0].name = sg->name;
  sg->results[0].loc = f->nameloc;
  if (f->nouts) {
    sg->outs = arena_alloc(&sg->arena, (size_t)f->nouts * sizeof *sg->outs);
    for (int k = 0; k < f->nouts; k++) {
      sig_param(sg, &b, &sg->results[k], &f->outs[k], fs);
      sg->outs[k] = sg->results[k].name;
    }
  }
  b_free(&b);
}

/* Sizes first, then the parameters in order: scalars as INPUT (IPARAM for
 * integer data), arrays as ARRAY nodes. */
static void build_func(Build *s, const Func *f, const FnSig *sig, Graph *g) {
  Builder *b = s->b;
  s->func = f;
  for (int i = 0; i < sig->nsizes; i++) {
    b->src = sig->sizelocs[i];
    s->slots[sig->sizedecls[i]] = b_leaf(b, OP_SIZE, i);
  }
  for (int i = 0; i < f->nparams; i++) {
    const Param *p = &f->params[i];
    b->src = p->loc;
    s->slots[p->decl] = p->ndims ? b_leaf(b, OP_ARRAY, i) : p->is_int ? b_leaf(b, OP_IPARAM, i) : b_input(b, i);
    s->dims[p->decl] = p->dims;
    s->ndims[p->decl] = p->ndims;
    s->is_int[p->decl] = (char)p->is_int;
  }
  make_buffers(s, f->body);
  stmts_call_buffers(s, f->body);
  build_stmts(s, f->body, g);
}

int ir_build_program(const Checked *c, Diag *d, int flags, Graph *graphs, Signature *sigs) {
  Build s = {0};
  s.c = c;
  s.d = d;
  s.bounds = (flags & BUILD_BOUNDS_CHECK) != 0;
  s.graphs = graphs;
  s.copiers = xcalloc((size_t)(c->nfuncs ? c->nfuncs : 1), sizeof *s.copiers);
  int errors = 0, before = d->errors;
  long total = 0; /* forward nodes so far, against MAX_PROGRAM_NODES */
  for (int i = 0; i < c->nfuncs; i++)
    sig_fill(&sigs[i], c->funcs[i], &c->sigs[i]);
  for (int k = 0; k < c->nfuncs && !errors; k++) {
    int i = c->order[k];
    const Func *f = c->funcs[i];
    Graph *g = &graphs[i];
    graph_init(g);
    g->nparams = f->nparams;
    g->sig = &sigs[i];
    Builder b;
    b_init(&b, g, (flags & BUILD_OPTIMIZE) != 0, 0);
    s.b = &b;
    size_t nd = (size_t)(c->sigs[i].ndecls ? c->sigs[i].ndecls : 1);
    s.slots = xmalloc(nd * sizeof *s.slots);
    s.dims = xcalloc(nd, sizeof *s.dims);
    s.ndims = xcalloc(nd, sizeof *s.ndims);
    s.is_int = xcalloc(nd, 1);
    s.local = xcalloc(nd, 1);
    s.abuf = xmalloc(nd * sizeof *s.abuf);
    for (size_t q = 0; q < nd; q++)
      s.abuf[q] = REF_NONE;
    s.nbufs = 0;
    s.calls.n = s.bufs.n = s.retbuf.n = s.snaps.n = 0;
    build_func(&s, f, &c->sigs[i], g);
    if (b.overflow) {
      diag_error(d, f->nameloc, "function '%s' is too large (more than %d SSA nodes)", f->name,
                 MAX_NODES);
      errors++;
      g->outs.n = 0;
      for (int o = 0; o < c->sigs[i].nouts; o++)
        vec_push(&g->outs, b_const(&b, 0));
    }
    b_free(&b);
    free(s.slots);
    free(s.dims);
    free(s.ndims);
    free(s.is_int);
    free(s.local);
    free(s.abuf);
    s.memos.n = 0;
    s.argpool.n = 0;
    s.costly.n = 0;
    s.deps.n = 0;
    if (s.memo_cap)
      memset(s.memo_table, 0xff, s.memo_cap * sizeof *s.memo_table);
    ir_check_step(g, "build");
    ir_dce_keep(g, 1);
    ir_name_nodes(g);
    ir_check(g, "dce");
    total += g->nodes.n;
    if (!errors && total > MAX_PROGRAM_NODES) {
      diag_error(d, f->nameloc, "the program is too large: more than %d SSA nodes in all (reached at '%s')",
                 MAX_PROGRAM_NODES, f->name);
      errors++;
    }
  }
  for (int i = 0; i < c->nfuncs; i++)
    if (s.copiers[i].src)
      copier_free(&s.copiers[i]);
  free(s.copiers);
  vec_free(&s.memos);
  free(s.memo_table);
  vec_free(&s.argpool);
  vec_free(&s.costly);
  vec_free(&s.deps);
  vec_free(&s.calls);
  vec_free(&s.bufs);
  vec_free(&s.retbuf);
  vec_free(&s.snaps);
  return errors + (d->errors - before);
}
