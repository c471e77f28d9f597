/* scope.c - the reverse sweep's nested scopes (reverse.h). */
#include <assert.h>
#include <stdlib.h>

#include "reverse.h"

void scope_init(Scopes *s, int nodes, int slots) {
  s->made = xmalloc((size_t)(nodes ? nodes : 1) * sizeof *s->made);
  s->saved_level = xmalloc((size_t)(slots ? slots : 1) * sizeof *s->saved_level);
}

void scope_free(Scopes *s) {
  free(s->made);
  free(s->saved_level);
  vec_free(&s->saves);
  vec_free(&s->open);
  vec_free(&s->depth);
}

void scope_reset(Scopes *s, const Graph *f, int slots) {
  for (int i = 0; i < f->nodes.n; i++)
    s->made[i] = f->nodes.v[i].blk == 0 ? 0 : -1; /* inner values: on demand */
  for (int i = 0; i < slots; i++)
    s->saved_level[i] = 0;
  s->saves.n = s->open.n = s->depth.n = 0;
  vec_push(&s->open, 0); /* level 0: the body, where root values live */
  vec_push(&s->depth, 0);
  s->level = s->level_lo = s->nlevels = 0;
}

Scope scope_enter(Scopes *s, int lo) {
  Scope outer = {s->level, s->level_lo, s->saves.n};
  s->level = ++s->nlevels;
  s->level_lo = lo;
  vec_push(&s->depth, s->open.n);
  vec_push(&s->open, s->level);
  return outer;
}

/* The accumulators set aside come back, newest first (a slot set aside
 * again in a nested scope is restored by that scope itself). */
void scope_leave(Scopes *s, Scope outer, Ref *adj) {
  assert(s->open.n > 1 && s->open.v[s->open.n - 1] == s->level); /* the innermost scope is left */
  assert(outer.mark <= s->saves.n);
  for (int i = s->saves.n - 1; i >= outer.mark; i--) {
    const Saved *sv = &s->saves.v[i];
    adj[sv->slot] = sv->adj;
    s->saved_level[sv->slot] = sv->level;
  }
  s->saves.n = outer.mark;
  s->open.n--;
  s->level = outer.level;
  s->level_lo = outer.level_lo;
}

void scope_made(Scopes *s, int n) { s->made[n] = s->level; }

void scope_keep_apart(Scopes *s, int o, int sl, Ref *adj) {
  if (o >= s->level_lo || s->saved_level[sl] == s->level)
    return;
  Saved sv = {sl, adj[sl], s->saved_level[sl]};
  vec_push(&s->saves, sv);
  s->saved_level[sl] = s->level;
  adj[sl] = REF_NONE;
}
