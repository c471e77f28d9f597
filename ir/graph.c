/* graph.c - graphs and the builder: constant folding and hash-consing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

void graph_init(Graph *g) {
  memset(g, 0, sizeof *g);
  Block body = {-1, -1, 1, -1};
  vec_push(&g->blocks, body);
}

void graph_free(Graph *g) {
  vec_free(&g->nodes);
  vec_free(&g->consts);
  vec_free(&g->blocks);
  vec_free(&g->groups);
  vec_free(&g->loops);
  vec_free(&g->labels);
  vec_free(&g->outs);
}

#define CLONE_VEC(d, s, room)                                                  \
  do {                                                                         \
    (d)->n = (s)->n;                                                           \
    (d)->cap = (room) > (s)->n ? (room) : (s)->n;                              \
    (d)->v = xmalloc((size_t)((d)->cap ? (d)->cap : 1) * sizeof *(s)->v);      \
    if ((s)->n)                                                                \
      memcpy((d)->v, (s)->v, (size_t)(s)->n * sizeof *(s)->v);                 \
  } while (0)

void graph_clone(Graph *dst, const Graph *src, int room) {
  CLONE_VEC(&dst->nodes, &src->nodes, room);
  CLONE_VEC(&dst->consts, &src->consts, 0);
  CLONE_VEC(&dst->blocks, &src->blocks, 0);
  CLONE_VEC(&dst->groups, &src->groups, 0);
  CLONE_VEC(&dst->loops, &src->loops, 0);
  CLONE_VEC(&dst->labels, &src->labels, 0);
  CLONE_VEC(&dst->outs, &src->outs, 0);
  dst->nparams = src->nparams;
  dst->sig = src->sig;
}

double graph_const(const Graph *g, Ref r) { return g->consts.v[ref_const_index(r)]; }

int graph_is_ancestor(const Graph *g, int anc, int blk) {
  for (; blk >= 0; blk = g->blocks.v[blk].parent)
    if (blk == anc)
      return 1;
  return 0;
}

/* A SAVE is a loop's: a graph without loops, as every long straight-line
 * function, answers without reading its nodes. */
int graph_has_saves(const Graph *g) {
  if (!g->loops.n)
    return 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_SAVE)
      return 1;
  return 0;
}

/* ---- hashing ---- */

static uint32_t mix(uint32_t h, uint32_t v) {
  h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
  return h;
}

static uint32_t node_hash(const Node *n) {
  uint32_t h = n->op;
  h = mix(h, (uint32_t)n->a[0]);
  h = mix(h, (uint32_t)n->a[1]);
  h = mix(h, (uint32_t)n->a[2]);
  h = mix(h, (uint32_t)n->aux);
  h = mix(h, (uint32_t)n->blk);
  return h * 2654435761u;
}

static int node_same(const Node *x, const Node *y) {
  return x->op == y->op && x->blk == y->blk && x->aux == y->aux && x->a[0] == y->a[0] &&
         x->a[1] == y->a[1] && x->a[2] == y->a[2];
}

/* A slot of the table holds a node's index and, in the bits above it (an
 * index is below MAX_NODES = 1 << 22), the top bits of the node's hash: a
 * probe that meets another node's slot is told apart by the tag, without
 * reading the node, which in a large graph is a miss of the cache. */
enum { TAG_SHIFT = 22, INDEX_MASK = (1 << TAG_SHIFT) - 1 };
typedef char tag_above_every_index[MAX_NODES <= 1 << TAG_SHIFT ? 1 : -1];

static int32_t slot_entry(uint32_t hash, int32_t idx) {
  return (int32_t)((hash >> (32 - (31 - TAG_SHIFT))) << TAG_SHIFT) | idx;
}

static void put_slot(Builder *b, int32_t idx, uint32_t h) {
  uint32_t mask = b->tcap - 1, i = h & mask;
  while (b->table[i] >= 0)
    i = (i + 1) & mask;
  b->table[i] = slot_entry(h, idx);
}

/* Most nodes of a large graph are used once, by the next node or so: the
 * table then need not hold them. A node equal to a key uses each of the
 * key's arguments; when one of them has no user yet, there is none, and
 * when it has one, that one is the only candidate. So the table holds only
 * the nodes all of whose arguments have two users or more (a node goes in
 * when the last of its arguments gets its second user), and most lookups
 * and inserts, each a cache miss in a large table, are not made. */
enum { USERS = 3, IN_TABLE = 4 };

static void table_insert(Builder *b, int32_t idx) {
  put_slot(b, idx, node_hash(&b->g->nodes.v[idx]));
  b->users[idx] |= IN_TABLE;
}

/* Node user, just added, uses r: r's count of users, and what its second
 * user means (see above). */
static void add_user(Builder *b, Ref r, int32_t user) {
  if (r < 0) /* a constant or none */
    return;
  uint8_t n = b->users[r] & USERS;
  if (n == 0)
    b->first[r] = user;
  else if (n == 1 && !(b->users[b->first[r]] & IN_TABLE))
    table_insert(b, b->first[r]);
  if (n < 2)
    b->users[r]++;
}

/* Room in users and first for node index idx. */
static void users_reserve(Builder *b, int idx) {
  if (idx < b->ucap)
    return;
  int cap = b->ucap ? b->ucap : 1024;
  while (cap <= idx)
    cap *= 2;
  b->users = xrealloc(b->users, (size_t)cap);
  b->first = xrealloc(b->first, (size_t)cap * sizeof *b->first);
  b->ucap = cap;
}

/* A new table, every node put in again: the slot of the node AHEAD places
 * on is fetched while this one goes in (each slot is a cache miss in a large
 * table; the reverse pass puts the whole forward graph in at its start). */
static void table_grow(Builder *b) {
  enum { AHEAD = 16 };
  free(b->table);
  b->tcap = b->tcap ? b->tcap * 2 : 1024;
  b->table = xmalloc(b->tcap * sizeof *b->table);
  memset(b->table, 0xff, b->tcap * sizeof *b->table);
  uint32_t ring[AHEAD], mask = b->tcap - 1;
  int n = b->g->nodes.n;
  for (int i = 0; i < n; i++)
    b->users[i] |= IN_TABLE;
  for (int i = 0; i < n + AHEAD; i++) {
    if (i >= AHEAD)
      put_slot(b, i - AHEAD, ring[i % AHEAD]);
    if (i < n) {
      ring[i % AHEAD] = node_hash(&b->g->nodes.v[i]);
      PREFETCH(&b->table[ring[i % AHEAD] & mask]);
    }
  }
}

static int32_t table_find(const Builder *b, const Node *key) {
  if (!b->tcap)
    return -1;
  for (int k = 0; k < 3; k++) { /* see add_user */
    Ref r = key->a[k];
    if (r < 0)
      continue;
    uint8_t n = b->users[r] & USERS;
    if (n == 0)
      return -1;
    if (n == 1)
      return node_same(&b->g->nodes.v[b->first[r]], key) ? b->first[r] : -1;
  }
  uint32_t mask = b->tcap - 1, h = node_hash(key);
  int32_t tag = slot_entry(h, 0);
  for (uint32_t i = h & mask; b->table[i] >= 0; i = (i + 1) & mask) {
    int32_t e = b->table[i];
    if ((e & ~INDEX_MASK) == tag && node_same(&b->g->nodes.v[e & INDEX_MASK], key))
      return e & INDEX_MASK;
  }
  return -1;
}

static uint64_t dbits(double v) {
  uint64_t u;
  if (isnan(v))
    v = NAN;
  memcpy(&u, &v, sizeof u);
  return u;
}

static uint32_t const_hash(double v) {
  uint64_t u = dbits(v);
  return (uint32_t)((u ^ (u >> 29)) * 0x9E3779B97F4A7C15ull >> 32);
}

static void ctable_rebuild(Builder *b) {
  free(b->ctable);
  b->ccap = b->ccap ? b->ccap * 2 : 64;
  while (b->ccap < 2u * (uint32_t)b->g->consts.n + 2)
    b->ccap *= 2;
  b->ctable = xmalloc(b->ccap * sizeof *b->ctable);
  memset(b->ctable, 0xff, b->ccap * sizeof *b->ctable);
  for (int k = 0; k < b->g->consts.n; k++) {
    uint32_t i = const_hash(b->g->consts.v[k]) & (b->ccap - 1);
    while (b->ctable[i] >= 0)
      i = (i + 1) & (b->ccap - 1);
    b->ctable[i] = k;
  }
}

/* Room in the table for `nodes` nodes in all, so that it is not rebuilt
 * (each rebuild inserts every node again, one cache miss each) while a
 * pass that knows roughly how many it adds adds them. */
void b_reserve(Builder *b, int nodes) {
  uint32_t cap = b->tcap ? b->tcap : 1024;
  while (cap < 2u * (uint32_t)nodes + 1024 && cap < (1u << 30))
    cap *= 2;
  if (cap == b->tcap)
    return;
  b->tcap = cap / 2; /* table_grow doubles it */
  table_grow(b);
}

void b_init(Builder *b, Graph *g, int optimize, int nodes) {
  memset(b, 0, sizeof *b);
  b->g = g;
  b->optimize = optimize;
  b->name = -1;
  users_reserve(b, nodes > g->nodes.n ? nodes : g->nodes.n);
  if (g->nodes.n)
    memset(b->users, 0, (size_t)g->nodes.n);
  vec_reserve(&g->nodes, nodes);
  b_reserve(b, nodes > g->nodes.n ? nodes : g->nodes.n); /* every node in the table */
  for (int i = 0; i < g->nodes.n; i++) /* then their users counted (nothing more goes in) */
    for (int k = 0; k < 3; k++)
      add_user(b, g->nodes.v[i].a[k], i);
  ctable_rebuild(b);
}

void b_free(Builder *b) {
  free(b->table);
  free(b->ctable);
  free(b->users);
  free(b->first);
  b->table = b->ctable = NULL;
  b->users = NULL;
  b->first = NULL;
}

/* Constants are shared by bit pattern (so 0.0 and -0.0 stay distinct). */
Ref b_const(Builder *b, double v) {
  Graph *g = b->g;
  uint32_t mask = b->ccap - 1;
  uint32_t i = const_hash(v) & mask;
  for (; b->ctable[i] >= 0; i = (i + 1) & mask)
    if (dbits(g->consts.v[b->ctable[i]]) == dbits(v))
      return -1 - b->ctable[i];
  vec_push(&g->consts, v);
  if (2u * (uint32_t)g->consts.n > b->ccap)
    ctable_rebuild(b);
  else
    b->ctable[i] = g->consts.n - 1;
  return -1 - (g->consts.n - 1);
}

int b_is_zero(const Builder *b, Ref r) {
  return ref_is_const(r) && graph_const(b->g, r) == 0.0;
}

static int is_const_val(const Builder *b, Ref r, double v) {
  return ref_is_const(r) && graph_const(b->g, r) == v;
}

static int is_integer_const(const Builder *b, Ref r) {
  if (!ref_is_const(r))
    return 0;
  double v = graph_const(b->g, r);
  return v == floor(v) && fabs(v) <= 9007199254740992.0;
}

static Ref add_node(Builder *b, const Node *n) {
  Graph *g = b->g;
  if (g->nodes.n >= MAX_NODES) {
    b->overflow = 1;
    return b_const(b, 0);
  }
  vec_push(&g->nodes, *n);
  int32_t idx = g->nodes.n - 1;
  users_reserve(b, idx);
  b->users[idx] = 0;
  for (int k = 0; k < 3; k++)
    add_user(b, n->a[k], idx);
  if (2u * (uint32_t)g->nodes.n > b->tcap) {
    table_grow(b);
    return idx;
  }
  int alone = 0; /* the only user of an argument: found through it */
  for (int k = 0; k < 3; k++)
    alone |= n->a[k] >= 0 && (b->users[n->a[k]] & USERS) == 1;
  if (!alone && !(b->users[idx] & IN_TABLE))
    table_insert(b, idx);
  return idx;
}

/* The constant v if the graph has it, else REF_NONE. */
static Ref known_const(const Builder *b, double v) {
  uint32_t mask = b->ccap - 1;
  for (uint32_t i = const_hash(v) & mask; b->ccap && b->ctable[i] >= 0; i = (i + 1) & mask)
    if (dbits(b->g->consts.v[b->ctable[i]]) == dbits(v))
      return -1 - b->ctable[i];
  return REF_NONE;
}

/* A value computed on the same side of an earlier branch on the same
 * condition (ba.ad tests sq == 0 three times, each branch taking sqrt(sq))
 * that leaves it through its phi "c ? v : 0" (or "c ? 0 : v") is that phi
 * on this side. Only the last few groups are searched: a bounded cost. */
static int32_t from_sibling_branch(const Builder *b, Node key) {
  const Graph *g = b->g;
  const Block *bl = &g->blocks.v[key.blk];
  if (bl->group < 0 || key.op == OP_PHI)
    return -1;
  const Group *me = &g->groups.v[bl->group];
  for (int k = bl->group - 1; k >= 0 && k >= bl->group - 8; k--) {
    const Group *o = &g->groups.v[k];
    if (o->cond != me->cond || o->parent != me->parent || ref_is_const(o->cond))
      continue;
    Node in = key; /* operands that are that group's phis, as the values inside it */
    in.blk = bl->sense ? o->then_blk : o->else_blk;
    for (int a = 0; a < 3; a++) {
      Ref r = in.a[a];
      if (ref_is_const(r) || r == REF_NONE || r >= g->nodes.n)
        continue;
      const Node *p = &g->nodes.v[r];
      if (p->op == OP_PHI && p->aux == k && ref_is_const(p->a[bl->sense ? 2 : 1]) &&
          graph_const(g, p->a[bl->sense ? 2 : 1]) == 0)
        in.a[a] = p->a[bl->sense ? 1 : 2];
    }
    int32_t h = table_find(b, &in);
    if (h < 0)
      continue;
    Ref zero = known_const(b, 0.0);
    if (zero == REF_NONE)
      return -1;
    Node phi = {OP_PHI, 0, 0, o->parent, {o->cond, REF_NONE, REF_NONE}, k, -1, {0, 0}};
    phi.a[1] = bl->sense ? h : zero;
    phi.a[2] = bl->sense ? zero : h;
    int32_t r = table_find(b, &phi);
    if (r >= 0)
      return r;
  }
  return -1;
}

/* Look the node up in its block and every enclosing block: a value computed
 * outside a branch is visible inside it, never the other way round. */
static Ref find_shared(const Builder *b, Node key) {
  for (int blk = key.blk; blk >= 0; blk = b->g->blocks.v[blk].parent) {
    key.blk = blk;
    int32_t hit = table_find(b, &key);
    if (hit < 0)
      hit = from_sibling_branch(b, key);
    if (hit >= 0)
      return hit;
  }
  return REF_NONE;
}

/* The operand of r when r is a negation, else REF_NONE. */
static Ref negated(const Graph *g, Ref r) {
  return !ref_is_const(r) && g->nodes.v[r].op == OP_NEG ? g->nodes.v[r].a[0] : REF_NONE;
}

/* Is r a node u * c, c a constant? */
static int times_constant(const Graph *g, Ref r) {
  return r != REF_NONE && !ref_is_const(r) && g->nodes.v[r].op == OP_MUL && ref_is_const(g->nodes.v[r].a[1]);
}

/* (x * c1) * c2 as x * (c1 * c2) when that is exact: one factor a power of
 * two, both at least 1 in size (x * c1 is then exact, and overflows only if
 * the product does). Derivatives make these: (x^2)' = 2 * x, times 100. */
static Ref fold_factors(Builder *b, Ref x, Ref y) {
  const Graph *g = b->g;
  if (!ref_is_const(y) || ref_is_const(x) || g->nodes.v[x].op != OP_MUL || !ref_is_const(g->nodes.v[x].a[1]))
    return REF_NONE;
  double c1 = graph_const(g, g->nodes.v[x].a[1]), c2 = graph_const(g, y);
  int e;
  int pow2 = fabs(frexp(c1, &e)) == 0.5 || fabs(frexp(c2, &e)) == 0.5;
  if (!pow2 || !(fabs(c1) >= 1) || !(fabs(c2) >= 1) || !isfinite(c1 * c2))
    return REF_NONE;
  return b_op(b, OP_MUL, g->nodes.v[x].a[0], b_const(b, c1 * c2), REF_NONE);
}

/* Algebraic identities that hold for every finite and infinite x; x * 0 is
 * taken as 0 (the derivative convention of zero adjoints, doc/semantics.md).
 * Negations move outwards into additions and subtractions, which IEEE
 * defines through them (x + -y is x - y): adjoints are full of them. */
static Ref simplify(Builder *b, int op, Ref x, Ref y, Ref w) {
  Graph *g = b->g;
  switch (op) {
  case OP_ADD:
    if (b_is_zero(b, x)) return y;
    if (b_is_zero(b, y)) return x;
    if (negated(g, y) != REF_NONE) return b_op(b, OP_SUB, x, negated(g, y), REF_NONE);
    if (negated(g, x) != REF_NONE) return b_op(b, OP_SUB, y, negated(g, x), REF_NONE);
    break;
  case OP_SUB: {
    if (b_is_zero(b, y)) return x;
    if (b_is_zero(b, x)) return b_op(b, OP_NEG, y, REF_NONE, REF_NONE);
    if (negated(g, y) != REF_NONE) return b_op(b, OP_ADD, x, negated(g, y), REF_NONE);
    /* -(u * c) - y: u * -c - y; -x - u * c: u * -c - x (IEEE addition
     * commutes): no negation (rosenbrock's -2 * (1 - x) - 400 * x * b) */
    Ref m = negated(g, x), other = y;
    if (m != REF_NONE && !times_constant(g, m))
      m = y, other = negated(g, x);
    if (m != REF_NONE && times_constant(g, m)) {
      Loc at = b->src;
      b->src = g->nodes.v[m].src;
      Ref u = b_op(b, OP_MUL, g->nodes.v[m].a[0], b_const(b, -graph_const(g, g->nodes.v[m].a[1])), REF_NONE);
      b->src = at;
      return b_op(b, OP_SUB, u, other, REF_NONE);
    }
    break;
  }
  case OP_MUL: {
    if (b_is_zero(b, x) || b_is_zero(b, y)) return b_const(b, 0);
    if (is_const_val(b, x, 1)) return y;
    if (is_const_val(b, y, 1)) return x;
    if (is_const_val(b, x, -1)) return b_op(b, OP_NEG, y, REF_NONE, REF_NONE);
    if (is_const_val(b, y, -1)) return b_op(b, OP_NEG, x, REF_NONE, REF_NONE);
    if (negated(g, x) != REF_NONE)
      return b_op(b, OP_NEG, b_op(b, OP_MUL, negated(g, x), y, REF_NONE), REF_NONE, REF_NONE);
    if (negated(g, y) != REF_NONE)
      return b_op(b, OP_NEG, b_op(b, OP_MUL, x, negated(g, y), REF_NONE), REF_NONE, REF_NONE);
    Ref folded = fold_factors(b, x, y);
    return folded != REF_NONE ? folded : fold_factors(b, y, x);
  }
  case OP_DIV:
    if (is_const_val(b, y, 1)) return x;
    if (b_is_zero(b, x)) return b_const(b, 0);
    break;
  case OP_NEG:
    if (!ref_is_const(x) && g->nodes.v[x].op == OP_NEG) return g->nodes.v[x].a[0];
    break;
  case OP_POW:
    if (is_integer_const(b, y) && fabs(graph_const(g, y)) <= 64)
      return b_op(b, OP_POWI, x, y, REF_NONE);
    break;
  case OP_POWI:
    if (is_const_val(b, y, 1)) return x;
    if (is_const_val(b, y, 0)) return b_const(b, 1);
    break;
  case OP_IADD:
    if (b_is_zero(b, x)) return y;
    if (b_is_zero(b, y)) return x;
    break;
  case OP_ISUB:
    if (b_is_zero(b, y)) return x;
    if (x == y) return b_const(b, 0);
    break;
  case OP_IMUL:
    if (b_is_zero(b, x) || b_is_zero(b, y)) return b_const(b, 0);
    if (is_const_val(b, x, 1)) return y;
    if (is_const_val(b, y, 1)) return x;
    break;
  case OP_IDIV:
    if (is_const_val(b, y, 1)) return x;
    break;
  case OP_SEL:
    if (ref_is_const(x)) return graph_const(g, x) != 0 ? y : w;
    if (y == w) return y;
    break;
  case OP_AND:
    if (ref_is_const(x)) return graph_const(g, x) != 0 ? y : b_const(b, 0);
    if (ref_is_const(y)) return graph_const(g, y) != 0 ? x : b_const(b, 0);
    break;
  case OP_OR:
    if (ref_is_const(x)) return graph_const(g, x) != 0 ? b_const(b, 1) : y;
    if (ref_is_const(y)) return graph_const(g, y) != 0 ? b_const(b, 1) : x;
    break;
  }
  return REF_NONE;
}

Ref b_op(Builder *b, int op, Ref x, Ref y, Ref w) {
  const OpInfo *info = &op_info[op];
  if (b->optimize) {
    int all_const = 1;
    Ref args[3] = {x, y, w};
    double v[3] = {0, 0, 0};
    for (int i = 0; i < info->arity; i++) {
      all_const &= ref_is_const(args[i]);
      if (ref_is_const(args[i]))
        v[i] = graph_const(b->g, args[i]);
    }
    if (all_const && info->arity &&
        (info->kind == K_VAL || info->kind == K_CND || info->kind == K_INT) && op != OP_LOAD &&
        op != OP_ILOAD && op != OP_RESTORE)
      return b_const(b, op_fold(op, v[0], v[1], v[2]));
    Ref s = simplify(b, op, x, y, w);
    if (s != REF_NONE)
      return s;
    /* Canonical order for commutative operations: constants last, then by
     * index, so x*y and y*x share one node. */
    if (op_is_commutative(op) &&
        (ref_is_const(x) ? !ref_is_const(y) : !ref_is_const(y) && y < x)) {
      Ref t = x;
      x = y;
      y = t;
    }
  }
  Node n = {(uint8_t)op, 0, 0, b->blk, {x, y, w}, 0, b->name, b->src};
  /* effects happen once each; so do a local array's versions (each made
   * from the one before, in place) and reads of an adjoint (which changes) */
  if (info->kind == K_EFF || info->kind == K_ARR || op == OP_ABAR)
    return add_node(b, &n);
  if (b->optimize) {
    Ref hit = find_shared(b, n);
    if (hit != REF_NONE)
      return hit;
  }
  return add_node(b, &n);
}

Ref b_leaf(Builder *b, int op, int index) {
  Node n = {(uint8_t)op, 0, 0, 0, {REF_NONE, REF_NONE, REF_NONE}, index, b->name, b->src};
  return add_node(b, &n);
}

Ref b_input(Builder *b, int index) {
  Node n = {OP_INPUT, 0, 0, 0, {REF_NONE, REF_NONE, REF_NONE}, index, b->name, b->src};
  return add_node(b, &n);
}

int b_group(Builder *b, Ref cond) {
  Graph *g = b->g;
  Group gr = {cond, b->blk, g->blocks.n, g->blocks.n + 1};
  vec_push(&g->groups, gr);
  Block then = {b->blk, g->groups.n - 1, 1, -1}, other = {b->blk, g->groups.n - 1, 0, -1};
  vec_push(&g->blocks, then);
  vec_push(&g->blocks, other);
  return g->groups.n - 1;
}

Ref b_phi(Builder *b, int group, Ref x, Ref y) {
  const Group *gr = &b->g->groups.v[group];
  if (b->optimize && x == y)
    return x;
  int save = b->blk;
  b->blk = gr->parent;
  Node n = {OP_PHI, 0, 0, gr->parent, {gr->cond, x, y}, group, b->name, b->src};
  n.arr = graph_ref_kind(b->g, x) == K_ARR || graph_ref_kind(b->g, y) == K_ARR;
  Ref r = b->optimize ? find_shared(b, n) : REF_NONE;
  if (r == REF_NONE)
    r = add_node(b, &n);
  b->blk = save;
  return r;
}

void b_label(Builder *b, int name, Ref val) {
  Label l = {val, name, b->g->nodes.n, b->blk, b->src, 0};
  vec_push(&b->g->labels, l);
}

int b_loop(Builder *b, LoopKind kind, Ref lo, Ref hi, int backward) {
  Graph *g = b->g;
  Loop l = {b->blk, g->blocks.n, lo, hi, kind, backward, REF_NONE};
  vec_push(&g->loops, l);
  Block body = {b->blk, -1, 1, g->loops.n - 1};
  vec_push(&g->blocks, body);
  return g->loops.n - 1;
}

/* Loop operations are never folded or shared: two carried values with the
 * same entry value are still two variables. An exit goes in the loop's
 * parent block; the others in the current one. */
Ref b_loop_op(Builder *b, int op, int loop, Ref x, Ref y) {
  const OpKind k = op_info[op].kind;
  Node n = {(uint8_t)op, 0, 0, k == K_EXIT ? b->g->loops.v[loop].parent : b->blk, {x, y, REF_NONE},
            loop, b->name, b->src};
  /* an array carried by the loop: its carried value and its value after the loop */
  n.arr = (op == OP_CARRY || op == OP_LOOPOUT) && x != REF_NONE && graph_ref_kind(b->g, x) == K_ARR;
  if (op == OP_IDX)
    n.blk = b->g->loops.v[loop].body;
  if (op == OP_IDX) {
    Ref r = add_node(b, &n);
    b->g->loops.v[loop].idx = r;
    return r;
  }
  if (op_info[op].arity < 2)
    n.a[1] = REF_NONE;
  if (op_info[op].arity < 1)
    n.a[0] = REF_NONE;
  return add_node(b, &n);
}

int graph_from_data(const Graph *g, Ref x) {
  if (x == REF_NONE || ref_is_const(x))
    return 0;
  const Node *nd = &g->nodes.v[x];
  if (nd->op == OP_IPARAM || nd->op == OP_ILOAD)
    return 1;
  if (nd->op == OP_IDX)
    return graph_from_data(g, g->loops.v[nd->aux].lo) || graph_from_data(g, g->loops.v[nd->aux].hi);
  if (op_info[nd->op].kind != K_INT)
    return 0;
  return graph_from_data(g, nd->a[0]) || graph_from_data(g, nd->a[1]);
}

/* The node array value i lives where: itself (a buffer or a parameter),
 * the version it is made from (-2: none), or -1 (not an array). */
static Ref buffer_step(const Graph *g, int i) {
  const Node *nd = &g->nodes.v[i];
  if (graph_ref_kind(g, i) != K_ARR)
    return -1;
  if (nd->op == OP_ABUF || nd->op == OP_ARRAY)
    return i;
  Ref from = nd->op == OP_PHI ? nd->a[1] : nd->a[0];
  return from == REF_NONE || ref_is_const(from) ? -2 : from;
}

int *graph_buffers(const Graph *g) {
  int n = g->nodes.n;
  int *buf = xmalloc((size_t)(n ? n : 1) * sizeof *buf);
  for (int i = 0; i < n; i++) {
    Ref s = buffer_step(g, i);
    buf[i] = s == -2 ? -1 : s == -1 || s == i ? s : buf[s];
  }
  return buf;
}

int graph_buffer_of(const Graph *g, Ref v) {
  for (Ref s; (s = buffer_step(g, v)) != v;) {
    if (s < 0)
      return -1;
    v = s;
  }
  return v;
}

int graph_innermost_loop(const Graph *g, int blk) {
  for (; blk > 0; blk = g->blocks.v[blk].parent)
    if (g->blocks.v[blk].loop >= 0)
      return g->blocks.v[blk].loop;
  return -1;
}

int b_save(Builder *b, int blk, Ref v, uint64_t mask) {
  int l = graph_innermost_loop(b->g, blk), keep = b->blk;
  Ref pos = l >= 0 ? b_storage_pos(b, blk, mask) : REF_NONE;
  if (pos == REF_NONE)
    return 0;
  b->blk = blk;
  b_loop_op(b, OP_SAVE, l, v, pos);
  b->blk = keep;
  return 1;
}

static int graph_has_op(const Graph *g, int op) {
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == op)
      return 1;
  return 0;
}

int graph_has_checks(const Graph *g) { return graph_has_op(g, OP_CHECK); }
int graph_has_arrays(const Graph *g) { return graph_has_op(g, OP_ABUF); }

uint64_t graph_index_loops(const Graph *g, Ref x) {
  if (x == REF_NONE || ref_is_const(x))
    return 0;
  const Node *nd = &g->nodes.v[x];
  if (nd->op == OP_IDX)
    return (uint64_t)1 << (nd->aux % 64);
  if (op_info[nd->op].kind != K_INT)
    return 0;
  return graph_index_loops(g, nd->a[0]) | graph_index_loops(g, nd->a[1]);
}

int graph_uses_index(const Graph *g, Ref x) { return graph_index_loops(g, x) != 0; }

/* (ir.h) */
int graph_span(const Graph *g, int l, Ref *hi, long *add) {
  const Loop *c = &g->loops.v[l];
  *hi = c->hi, *add = 0;
  if (graph_uses_index(g, c->lo))
    return -2;
  if (!graph_uses_index(g, c->hi))
    return -1;
  const Node *nd = &g->nodes.v[c->hi];
  Ref ix = c->hi;
  long a = 0;
  if ((nd->op == OP_IADD || nd->op == OP_ISUB) && ref_is_const(nd->a[1])) {
    ix = nd->a[0];
    a = (long)graph_const(g, nd->a[1]) * (nd->op == OP_IADD ? 1 : -1);
  } else if (nd->op == OP_IADD && ref_is_const(nd->a[0])) {
    ix = nd->a[1];
    a = (long)graph_const(g, nd->a[0]);
  }
  if (ref_is_const(ix) || g->nodes.v[ix].op != OP_IDX)
    return -2;
  int r = g->nodes.v[ix].aux;
  const Loop *o = &g->loops.v[r];
  /* an empty range wherever the outer loop does not run: lo >= o.lo + a - 1 */
  if (o->backward || !ref_is_const(o->lo) || !ref_is_const(c->lo) || graph_uses_index(g, o->hi) ||
      graph_const(g, c->lo) < graph_const(g, o->lo) + (double)a - 1)
    return -2;
  *hi = o->hi, *add = a - 1;
  return r;
}

/* Iterations of the loops around blk are numbered row-major, outermost
 * first: ((i0 - lo0) * n1 + (i1 - lo1)) * n2 + ... — counting only the
 * loops in mask (bit L % 64 for loop L): a value that does not change with a
 * loop's index needs no place per iteration of it. Storage indexed so is
 * sized on entry to the function, so every range must be computable there
 * (REF_NONE otherwise, or when blk is in no loop). */
Ref b_storage_pos(Builder *b, int blk, uint64_t mask) {
  Graph *g = b->g;
  int loops[64], n = 0, around = 0;
  for (int k = blk; k > 0; k = g->blocks.v[k].parent)
    if (g->blocks.v[k].loop >= 0) {
      if (n == 64)
        return REF_NONE;
      around++;
      if (mask >> (g->blocks.v[k].loop % 64) & 1)
        loops[n++] = g->blocks.v[k].loop;
    }
  if (!around)
    return REF_NONE;
  if (!n)
    return REF_NONE;
  Ref pos = b_const(b, 0);
  for (int k = n - 1; k >= 0; k--) {
    const Loop *l = &g->loops.v[loops[k]];
    Ref hi;
    long add;
    int over = graph_span(g, loops[k], &hi, &add);
    if (over == -2 || (over >= 0 && mask >> (over % 64) & 1))
      return REF_NONE; /* a triangle: its rows' lengths differ */
    Ref idx = l->idx;
    if (idx == REF_NONE)
      return REF_NONE;
    Ref lo = l->lo;
    if (add)
      hi = b_op(b, add < 0 ? OP_ISUB : OP_IADD, hi, b_const(b, (double)(add < 0 ? -add : add)), REF_NONE);
    pos = b_op(b, OP_IADD, b_op(b, OP_IMUL, pos, b_op(b, OP_ISUB, hi, lo, REF_NONE), REF_NONE),
               b_op(b, OP_ISUB, idx, lo, REF_NONE), REF_NONE);
  }
  return pos;
}

Ref graph_snapshot_of(const Graph *g, int sv, const int *buf) {
  const Node *nd = &g->nodes.v[sv];
  if (nd->op != OP_SAVE || ref_is_const(nd->a[0]) || g->nodes.v[nd->a[0]].op != OP_LOAD)
    return REF_NONE;
  const Node *ld = &g->nodes.v[nd->a[0]];
  const Loop *l = &g->loops.v[nd->aux];
  Ref ver = ld->a[0];
  if (ld->a[1] != l->idx || nd->blk != l->body || ld->blk != l->body || !ref_is_const(l->lo) ||
      graph_const(g, l->lo) != 0 || ref_is_const(ver) || buf[ver] < 0 || g->nodes.v[buf[ver]].op != OP_ABUF ||
      l->hi != g->nodes.v[buf[ver]].a[0] || g->nodes.v[ver].blk != l->parent)
    return REF_NONE;
  return ver;
}

/* Does the integer expression r read the index of loop li? */
int graph_reads_index(const Graph *g, Ref r, int li) {
  if (ref_is_const(r) || r == REF_NONE)
    return 0;
  const Node *nd = &g->nodes.v[r];
  if (nd->op == OP_IDX)
    return nd->aux == li;
  for (int k = 0; k < op_info[nd->op].arity; k++)
    if (graph_reads_index(g, nd->a[k], li))
      return 1;
  return 0;
}

/* (ir.h) */
int graph_unchanged_loops(const Graph *g, int s, int *loops) {
  Ref pos = g->nodes.v[s].a[1];
  int n = 0;
  for (int k = g->nodes.v[s].blk; k > 0 && n < 64; k = g->blocks.v[k].parent) {
    int l = g->blocks.v[k].loop;
    if (l < 0)
      return 0; /* a branch block */
    if (graph_reads_index(g, pos, l))
      continue;
    if (g->loops.v[l].backward)
      return 0;
    for (int m = g->nodes.v[s].blk; m > 0; m = g->blocks.v[m].parent) {
      int lm = g->blocks.v[m].loop;
      Ref hi;
      long add;
      if (lm >= 0 && (graph_reads_index(g, g->loops.v[lm].lo, l) || graph_reads_index(g, g->loops.v[lm].hi, l)) &&
          graph_span(g, lm, &hi, &add) != l)
        return 0;
    }
    loops[n++] = l;
  }
  return n;
}

static int reads_parameter(const Graph *g, Ref r) {
  if (ref_is_const(r) || g->nodes.v[r].op != OP_LOAD)
    return 0;
  Ref a = g->nodes.v[r].a[0];
  return !ref_is_const(a) && g->nodes.v[a].op == OP_ARRAY;
}

int graph_worth_caching(const Graph *g, Ref v) {
  if (ref_is_const(v))
    return 0;
  const Node *nd = &g->nodes.v[v];
  if (op_is_costly(nd->op) || (nd->op == OP_REDUCE && g->loops.v[nd->aux].kind == LK_SUM))
    return 1; /* (a sum: a loop of work) */
  return (nd->op == OP_ADD || nd->op == OP_SUB || nd->op == OP_MUL || nd->op == OP_DIV) &&
         reads_parameter(g, nd->a[0]) && reads_parameter(g, nd->a[1]);
}

int graph_spans_unchanged(const Graph *g, int s) {
  int loops[64], n = graph_unchanged_loops(g, s, loops);
  for (int m = g->nodes.v[s].blk; m > 0; m = g->blocks.v[m].parent) {
    int lm = g->blocks.v[m].loop;
    Ref hi;
    long add;
    int over = lm >= 0 ? graph_span(g, lm, &hi, &add) : -1;
    for (int k = 0; k < n && over >= 0; k++)
      if (loops[k] == over)
        return 1;
  }
  return 0;
}

/* A tangent's store made beside its value's (tangent.c's save(): the
 * next nodes, one per direction, the same loop and place) is a cache where
 * the value's is: made once with it, not stored again in every iteration. */
static int twin_of_cache(const Graph *g, int s) {
  const Node *sv = &g->nodes.v[s];
  if (!g->nodes.v[sv->a[0]].tan)
    return 0;
  for (int k = s - 1; k >= 0 && k >= s - IR_MAX_DIRS; k--) {
    const Node *w = &g->nodes.v[k];
    if (w->op != OP_SAVE || w->aux != sv->aux || w->a[1] != sv->a[1] || ref_is_const(w->a[0]))
      return 0;
    if (!g->nodes.v[w->a[0]].tan)
      return g->nodes.v[w->a[0]].blk == w->blk && graph_worth_caching(g, w->a[0]);
  }
  return 0;
}

int graph_cache_loops(const Graph *g, int s, int *loops) {
  const Node *sv = &g->nodes.v[s];
  if (sv->op != OP_SAVE || ref_is_const(sv->a[0]))
    return 0;
  const Node *v = &g->nodes.v[sv->a[0]];
  return v->blk == sv->blk && (graph_worth_caching(g, sv->a[0]) || twin_of_cache(g, s))
             ? graph_unchanged_loops(g, s, loops)
             : 0;
}
