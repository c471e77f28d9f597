/* copy.c - replay a range of one graph into a builder: call inlining, and
 * the recomputation of a branch's values inside its adjoint branch. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

enum { UNSET = -3, DEAD = -2, TAKEN_THEN = -4, TAKEN_ELSE = -5 };

void copier_init(Copier *c, const Graph *src) {
  memset(c, 0, sizeof *c);
  c->src = src;
  c->bmap = xmalloc((size_t)src->blocks.n * sizeof *c->bmap);
  c->gmap = xmalloc((size_t)(src->groups.n ? src->groups.n : 1) * sizeof *c->gmap);
  for (int i = 0; i < src->blocks.n; i++)
    c->bmap[i] = UNSET;
  for (int i = 0; i < src->groups.n; i++)
    c->gmap[i] = UNSET;
  c->lmap = xmalloc((size_t)(src->loops.n ? src->loops.n : 1) * sizeof *c->lmap);
  for (int i = 0; i < src->loops.n; i++)
    c->lmap[i] = UNSET;
}

void copier_free(Copier *c) {
  free(c->bmap);
  free(c->gmap);
  free(c->lmap);
  vec_free(&c->touched_b);
  vec_free(&c->touched_g);
  vec_free(&c->touched_l);
}

static Ref map_ref(Builder *b, const Graph *src, const Ref *map, Ref r) {
  if (r == REF_NONE)
    return REF_NONE;
  if (ref_is_const(r))
    return b_const(b, graph_const(src, r));
  return map[r];
}

static int map_block(Copier *c, Builder *b, const Ref *map, int sb);

/* The new group for source group gi, opened under its mapped parent; or a
 * TAKEN marker when the condition is now a constant. */
static int map_group(Copier *c, Builder *b, const Ref *map, int gi) {
  if (c->gmap[gi] != UNSET)
    return c->gmap[gi];
  const Group *sg = &c->src->groups.v[gi];
  int parent = map_block(c, b, map, sg->parent);
  int result;
  if (parent == DEAD) {
    result = DEAD;
  } else {
    Ref cond = map_ref(b, c->src, map, sg->cond);
    if (ref_is_const(cond)) {
      result = graph_const(b->g, cond) != 0 ? TAKEN_THEN : TAKEN_ELSE;
    } else {
      int save = b->blk;
      b->blk = parent;
      result = b_group(b, cond);
      b->blk = save;
    }
  }
  c->gmap[gi] = result;
  vec_push(&c->touched_g, gi);
  return result;
}

/* The new loop for source loop li, opened under its mapped parent. */
static int map_loop(Copier *c, Builder *b, const Ref *map, int li) {
  if (c->lmap[li] != UNSET)
    return c->lmap[li];
  const Loop *sl = &c->src->loops.v[li];
  int parent = map_block(c, b, map, sl->parent);
  int result = DEAD;
  if (parent != DEAD) {
    int save = b->blk;
    b->blk = parent;
    result = b_loop(b, sl->kind, map_ref(b, c->src, map, sl->lo), map_ref(b, c->src, map, sl->hi),
                    sl->backward);
    b->blk = save;
  }
  c->lmap[li] = result;
  vec_push(&c->touched_l, li);
  return result;
}

static int map_block(Copier *c, Builder *b, const Ref *map, int sb) {
  if (c->bmap[sb] != UNSET)
    return c->bmap[sb];
  const Block *blk = &c->src->blocks.v[sb];
  if (blk->loop >= 0) {
    int l = map_loop(c, b, map, blk->loop);
    c->bmap[sb] = l == DEAD ? DEAD : b->g->loops.v[l].body;
    vec_push(&c->touched_b, sb);
    return c->bmap[sb];
  }
  int parent = map_block(c, b, map, blk->parent);
  int g = map_group(c, b, map, blk->group);
  int result;
  if (parent == DEAD || g == DEAD)
    result = DEAD;
  else if (g == TAKEN_THEN || g == TAKEN_ELSE)
    result = (g == TAKEN_THEN) == (blk->sense == 1) ? parent : DEAD;
  else
    result = blk->sense ? b->g->groups.v[g].then_blk : b->g->groups.v[g].else_blk;
  c->bmap[sb] = result;
  vec_push(&c->touched_b, sb);
  return result;
}

static Ref copy_phi(Copier *c, Builder *b, Ref *map, const Node *n) {
  int g = map_group(c, b, map, n->aux);
  if (g == DEAD)
    return REF_NONE;
  if (g == TAKEN_THEN)
    return map_ref(b, c->src, map, n->a[1]);
  if (g == TAKEN_ELSE)
    return map_ref(b, c->src, map, n->a[2]);
  return b_phi(b, g, map_ref(b, c->src, map, n->a[1]), map_ref(b, c->src, map, n->a[2]));
}

/* A stored value's position, copied into loops (those in mask) that the
 * source graph did not have: a place per iteration of them too, else each
 * of their iterations would overwrite the last one's values. REF_NONE when
 * it cannot be stored there (a range depends on an enclosing index). */
static Ref map_position(Copier *c, Builder *b, int blk, Ref pos, uint64_t around) {
  uint64_t src = graph_index_loops(c->src, pos), mask = around;
  for (int l = 0; l < c->src->loops.n && src; l++)
    if (src >> (l % 64) & 1 && c->lmap[l] >= 0)
      mask |= (uint64_t)1 << (c->lmap[l] % 64);
  return b_storage_pos(b, blk, mask);
}

void copier_run(Copier *c, Builder *b, int lo, int hi, Ref *map, int root_blk, int keep_names) {
  const Graph *src = c->src;
  int save_blk = b->blk, save_name = b->name;
  Loc save_src = b->src;
  uint64_t around = 0; /* inlining (a whole graph): the caller's loops around the copy (bit L % 64) */
  if (root_blk == 0)
    for (int k = b->blk; k > 0; k = b->g->blocks.v[k].parent)
      if (b->g->blocks.v[k].loop >= 0)
        around |= (uint64_t)1 << (b->g->blocks.v[k].loop % 64);
  c->bmap[root_blk] = b->blk;
  vec_push(&c->touched_b, root_blk);
  for (int i = lo; i < hi; i++) {
    const Node *n = &src->nodes.v[i];
    if (n->op == OP_INPUT || n->op == OP_IPARAM || n->op == OP_SIZE || n->op == OP_ARRAY || n->op == OP_ABUF)
      continue; /* the caller maps parameters and local arrays' buffers */
    if ((n->op == OP_SAVE || n->op == OP_LSEW || n->op == OP_CHECK) && c->skip_saves) {
      /* a weight is only stored; an index is checked once, forwards */
      map[i] = REF_NONE;
      continue;
    }
    int blk = map_block(c, b, map, n->blk);
    if (blk == DEAD) {
      map[i] = REF_NONE;
      continue;
    }
    b->blk = blk;
    b->src = n->src;
    b->name = keep_names ? n->name : -1;
    if (n->op == OP_PHI) {
      map[i] = copy_phi(c, b, map, n);
    } else if (n->op >= OP_IDX && (n->op == OP_IDX || n->op == OP_CARRY || n->op == OP_NEXT ||
                                   op_info[n->op].kind == K_EXIT || n->op == OP_SAVE ||
                                   n->op == OP_LSEW)) {
      int l = map_loop(c, b, map, n->aux);
      if (l == DEAD) {
        map[i] = REF_NONE;
        continue;
      }
      Ref y = map_ref(b, src, map, n->a[1]);
      if (n->op == OP_SAVE && around && (y = map_position(c, b, blk, n->a[1], around)) == REF_NONE) {
        map[i] = REF_NONE; /* made again by the reverse sweep (a carried value: its error) */
        continue;
      }
      map[i] = b_loop_op(b, n->op, l, map_ref(b, src, map, n->a[0]), y);
    } else if (op_keeps_aux(n->op)) {
      Node nd = *n;
      map[i] = b_op(b, n->op, map_ref(b, src, map, n->a[0]), map_ref(b, src, map, n->a[1]),
                    map_ref(b, src, map, n->a[2]));
      b->g->nodes.v[map[i]].aux = nd.aux;
    } else {
      Ref a[3] = {map_ref(b, src, map, n->a[0]), map_ref(b, src, map, n->a[1]), map_ref(b, src, map, n->a[2])};
      int k = n->op == OP_LOAD || n->op == OP_ILOAD ? 1 : n->op == OP_ACOPY ? 2 : -1, arr = k == 2 ? 1 : 0;
      if (k >= 0 && c->offset && c->offset[n->a[arr]] != REF_NONE) /* an element of a row */
        a[k] = b_op(b, OP_IADD, c->offset[n->a[arr]], a[k], REF_NONE);
      int before = b->g->nodes.n;
      map[i] = b_op(b, n->op, a[0], a[1], a[2]);
      /* an element read of a caller's local array, made in a loop: stored per
       * iteration of every loop around it, as the caller's own reads are (the
       * reverse sweep would read the buffer again, changed since) */
      if (n->op == OP_LOAD && c->buffered && c->buffered[n->a[0]] && map[i] >= before)
        b_save(b, b->g->nodes.v[map[i]].blk, map[i], ALL_LOOPS);
    }
  }
  for (int i = 0; i < c->touched_b.n; i++)
    c->bmap[c->touched_b.v[i]] = UNSET;
  for (int i = 0; i < c->touched_g.n; i++)
    c->gmap[c->touched_g.v[i]] = UNSET;
  for (int i = 0; i < c->touched_l.n; i++)
    c->lmap[c->touched_l.v[i]] = UNSET;
  c->touched_b.n = c->touched_g.n = c->touched_l.n = 0;
  b->blk = save_blk;
  b->name = save_name;
  b->src = save_src;
}
