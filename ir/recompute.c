/* recompute.c - forward values made again where the reverse sweep reads
 * them (reverse.h). A branch's or a loop body's forward values are out of
 * scope in its adjoint, so a derivative rule that needs one makes it there
 * on demand, with what it depends on: only what the derivative reads, once
 * per scope. A value stored by the forward loop is read back instead
 * (RESTORE); a value that left its branch through a phi is read there; a
 * loop's result brings the whole loop, a phi its whole group. */
#include <assert.h>

#include "reverse.h"

static void push_todo_if_hidden(Rev *r, Ref a) {
  if (a != REF_NONE && !ref_is_const(a) && !scope_visible(&r->sc, a))
    vec_push(&r->todo, a);
}

int restorable(const Rev *r, int sv) {
  const Graph *f = r->f;
  for (int b = f->nodes.v[sv].blk; b > 0; b = f->blocks.v[b].parent)
    if (f->blocks.v[b].loop >= 0 && r->rev_idx[f->blocks.v[b].loop] == REF_NONE)
      return 0;
  return 1;
}

static Ref fwd_ref_visible(const Rev *r, Ref x) { return x == REF_NONE || ref_is_const(x) ? x : r->fv[x]; }

/* Push what a range reads from before it; 1 when something was pushed. */
static int push_range_deps(Rev *r, int lo, int hi) {
  const Graph *f = r->f;
  int mark = r->todo.n;
  for (int i = lo; i < hi; i++)
    for (int k = 0; k < 3; k++)
      if (f->nodes.v[i].a[k] < lo)
        push_todo_if_hidden(r, f->nodes.v[i].a[k]);
  return r->todo.n > mark;
}

/* A loop's result brings the whole loop (without its SAVEs: what is read
 * back is read from the forward sweep's). 1 when it waits for what it reads. */
static int materialize_loop(Rev *r, const Node *nd) {
  const Graph *f = r->f;
  const LoopSpan *s = &r->lspans[nd->aux];
  const Loop *l = &f->loops.v[nd->aux];
  int mark = r->todo.n;
  push_todo_if_hidden(r, l->lo);
  push_todo_if_hidden(r, l->hi);
  if (push_range_deps(r, s->lo, s->hi) || r->todo.n > mark)
    return 1;
  copier_run(&r->cp, r->b, s->lo, s->hi, r->fv, l->parent, 1);
  for (int i = s->lo; i < s->hi; i++) /* only the loop's own exits */
    if (i >= s->body_hi)
      scope_made(&r->sc, i);
    else
      r->sc.made[i] = -1;
  return 0;
}

/* A phi brings its whole group. Values of the group's branches already
 * made here stay visible: the copy must not hide them (they would be made
 * again, twice in one block, which at -O0, without sharing, is two lines
 * of one name). 1 when it waits for what it reads. */
static int materialize_group(Rev *r, const Node *nd) {
  const Graph *f = r->f;
  const GroupSpan *s = &r->spans[nd->aux];
  int mark = r->todo.n;
  push_todo_if_hidden(r, nd->a[0]);
  for (int i = s->lo; i < s->hi; i++)
    for (int k = 0; k < 3; k++)
      if (f->nodes.v[i].a[k] < s->lo)
        push_todo_if_hidden(r, f->nodes.v[i].a[k]);
  if (r->todo.n > mark)
    return 1;
  r->kept.n = 0;
  for (int i = s->lo; i < s->phi_lo; i++)
    if (scope_visible(&r->sc, i)) {
      vec_push(&r->kept, i);
      vec_push(&r->kept, r->fv[i]);
      vec_push(&r->kept, r->sc.made[i]);
    }
  copier_run(&r->cp, r->b, s->lo, s->hi, r->fv, nd->blk, 1);
  /* Only the phis are visible here; the copied branch values live in the
   * copy's own blocks. */
  for (int i = s->lo; i < s->hi; i++)
    if (i >= s->phi_lo)
      scope_made(&r->sc, i);
    else
      r->sc.made[i] = -1;
  for (int k = 0; k < r->kept.n; k += 3) {
    r->fv[r->kept.v[k]] = r->kept.v[k + 1];
    r->sc.made[r->kept.v[k]] = r->kept.v[k + 2];
  }
  return 0;
}

/* A snapshot (r->snap_of) can be read here: inside the reverse loops of
 * every loop around it but its own loop over the elements. */
static int snapshot_readable(const Rev *r, int sv) {
  const Graph *f = r->f;
  for (int b = f->nodes.v[sv].blk; b > 0; b = f->blocks.v[b].parent) {
    int l = f->blocks.v[b].loop;
    if (l >= 0 && l != f->nodes.v[sv].aux && r->rev_idx[l] == REF_NONE)
      return 0;
  }
  return 1;
}

/* The snapshot's position expression pos (integers over loop indices)
 * with its element loop's index kidx read as repl: the leaves pushed when
 * hidden (pass 0), then the expression made (pass 1). */
static Ref snapshot_pos(Rev *r, Ref pos, Ref kidx, Ref repl, int pass) {
  if (pos == kidx)
    return repl;
  if (ref_is_const(pos) || pos == REF_NONE)
    return pos;
  const Node *nd = &r->f->nodes.v[pos];
  if (op_info[nd->op].kind != K_INT || op_info[nd->op].arity == 0 || nd->op == OP_ILOAD) {
    if (!pass)
      push_todo_if_hidden(r, pos);
    return pass ? fwd_ref_visible(r, pos) : REF_NONE;
  }
  Ref a = snapshot_pos(r, nd->a[0], kidx, repl, pass);
  Ref b = op_info[nd->op].arity > 1 ? snapshot_pos(r, nd->a[1], kidx, repl, pass) : REF_NONE;
  return pass ? b_op(r->b, nd->op, a, b, REF_NONE) : REF_NONE;
}

/* Node y made again by its own operation (or read back, or read where it
 * left its branch); 1 when it waits for what it reads. */
static int materialize_node(Rev *r, int y) {
  const Node *nd = &r->f->nodes.v[y];
  int mark = r->todo.n, sv = r->save_of[y], ex = r->export_of[y];
  Ref a[3] = {REF_NONE, REF_NONE, REF_NONE};
  if (ex >= 0) { /* read where it left its branch (the condition is the same here) */
    push_todo_if_hidden(r, ex);
    if (r->todo.n > mark)
      return 1;
    r->fv[y] = r->fv[ex];
  } else if (sv >= 0 && restorable(r, sv)) {
    Ref pos = r->f->nodes.v[sv].a[1];
    push_todo_if_hidden(r, pos);
    if (r->todo.n > mark)
      return 1;
    r->b->src = nd->src;
    r->b->name = nd->name;
    r->fv[y] = b_op(r->b, OP_RESTORE, sv, fwd_ref_visible(r, pos), REF_NONE);
  } else if (nd->op == OP_LOAD && r->snap_of[nd->a[0]] >= 0 && snapshot_readable(r, r->snap_of[nd->a[0]])) {
    /* an element of a version stored whole: read back from its snapshot */
    int sn = r->snap_of[nd->a[0]];
    Ref pos = r->f->nodes.v[sn].a[1], kidx = r->f->loops.v[r->f->nodes.v[sn].aux].idx;
    push_todo_if_hidden(r, nd->a[1]);
    snapshot_pos(r, pos, kidx, REF_NONE, 0);
    if (r->todo.n > mark)
      return 1;
    r->b->src = nd->src;
    r->b->name = nd->name;
    r->fv[y] = b_op(r->b, OP_RESTORE, sn, snapshot_pos(r, pos, kidx, fwd_ref_visible(r, nd->a[1]), 1), REF_NONE);
  } else if (nd->op == OP_CARRY) { /* not stored: see doc/limits.md */
    if (!r->tape_error)
      r->err_at = nd->src;
    r->tape_error = 1;
    r->fv[y] = b_const(r->b, 0);
  } else {
    for (int k = 0; k < op_info[nd->op].arity; k++)
      push_todo_if_hidden(r, nd->a[k]);
    if (r->todo.n > mark)
      return 1;
    r->b->src = nd->src;
    r->b->name = nd->name;
    for (int k = 0; k < 3; k++)
      a[k] = fwd_ref_visible(r, nd->a[k]);
    r->fv[y] = b_op(r->b, nd->op, a[0], a[1], a[2]);
  }
  scope_made(&r->sc, y);
  return 0;
}

/* Recompute forward node n, and what it depends on, in the current scope.
 * Iterative: a long chain of forward values must not recurse. */
void materialize(Rev *r, int n) {
  Loc save_src = r->b->src;
  int save_name = r->b->name;
  vec_push(&r->todo, n);
  while (r->todo.n) {
    int y = r->todo.v[r->todo.n - 1];
    if (scope_visible(&r->sc, y)) {
      r->todo.n--;
      continue;
    }
    const Node *nd = &r->f->nodes.v[y];
    int stored = r->save_of[y] >= 0 && restorable(r, r->save_of[y]), waits;
    if (r->export_of[y] >= 0 || stored || (op_info[nd->op].kind != K_EXIT && nd->op != OP_PHI))
      waits = materialize_node(r, y);
    else if (nd->op == OP_PHI)
      waits = materialize_group(r, nd);
    else
      waits = materialize_loop(r, nd);
    if (!waits)
      r->todo.n--;
  }
  assert(scope_visible(&r->sc, n));
  r->b->src = save_src;
  r->b->name = save_name;
}
