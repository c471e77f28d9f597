/* reverse.h - reverse mode's state, shared by its files (inside ir/):
 *   scope.c      the nested scopes of the reverse sweep (branches, loop bodies)
 *   recompute.c  forward values made again, on demand, where a rule reads them
 *   reverse.c    the sweep itself (ir.h's ir_reverse)
 * Each calls only into the ones above it. */
#ifndef ADC_REVERSE_H
#define ADC_REVERSE_H

#include "ir.h"

/* ---- scope.c ----
 * The reverse sweep runs the forward graph's branches and loop bodies as
 * nested scopes (levels, numbered as they are entered; 0 is the body). Two
 * things depend on them:
 *   - where a forward value is visible: one made again inside a branch or a
 *     loop body is valid there and in the scopes nested in it, until the
 *     scope is left (made[]);
 *   - where adjoints accumulate: what a scope contributes to values outside
 *     it is kept apart from what they had before (the outer accumulator is
 *     set aside at the scope's first contribution and comes back when it is
 *     left), so that a branch's contributions can be joined by phis and a
 *     loop's summed per iteration. */
typedef struct Saved {
  int slot;  /* an adjoint slot (reverse.c: node * m + k) */
  Ref adj;   /* its outer accumulator, set aside */
  int level; /* the level that accumulator belonged to */
} Saved;

typedef struct Scopes {
  int *made;        /* per forward node: the level its value was made in (0:
                     * everywhere), -1 nowhere yet */
  int *saved_level; /* per slot: the level whose accumulator it holds */
  VEC(Saved) saves; /* accumulators set aside, innermost scope's last */
  VEC(int) open;    /* the open levels, outermost first; open.v[0] == 0 */
  VEC(int) depth;   /* per level: its depth in that stack */
  int level;        /* the innermost open level */
  int level_lo;     /* its scope's first forward node: values before it are outside */
  int nlevels;
} Scopes;

/* What entering a scope changed, for leaving it. */
typedef struct Scope {
  int level, level_lo, mark; /* mark: saves.n on entry */
} Scope;

void scope_init(Scopes *s, int nodes, int slots);
void scope_free(Scopes *s);
void scope_reset(Scopes *s, const Graph *f, int slots); /* before a sweep: root values visible */
Scope scope_enter(Scopes *s, int lo);            /* a scope whose forward nodes start at lo */
void scope_leave(Scopes *s, Scope outer, Ref *adj); /* accumulators back; outer's level again */
/* n's value is valid here: the level it was made in is open, at its depth
 * in the stack. Inline: asked of every operand a rule reads. */
static inline int scope_visible(const Scopes *s, int n) {
  int l = s->made[n];
  if (l < 0)
    return 0;
  int d = s->depth.v[l];
  return d < s->open.n && s->open.v[d] == l;
}
void scope_made(Scopes *s, int n);               /* n's value was made here */
/* A contribution to slot sl of node o is about to be made here: if o is
 * outside this scope, its accumulator is set aside first (once). */
void scope_keep_apart(Scopes *s, int o, int sl, Ref *adj);
/* The slots this scope kept apart: saves.v[k].slot for k from outer.mark
 * to saves.n (read before scope_leave). */

/* ---- the sweep's state ---- */
typedef struct Rev {
  const Graph *f;
  int weights;      /* logsumexp's weights are read from storage where it can be placed */
  Builder *b;
  Copier cp;
  GroupSpan *spans;
  LoopSpan *lspans;
  Scopes sc;
  Ref *fv;          /* per forward node: its value where scope_visible */
  Ref *adj;         /* per slot: the adjoint so far; REF_NONE for zero */
  int *scratch;     /* per slot, -1 between uses */
  int m;            /* adjoints per node: outputs swept together (f_jac), slot
                     * node * m + k holding output k's adjoint of node */
  VEC(int) todo;    /* materialize()'s work stack */
  VEC(int) kept;    /* (node, value, level) of a group's values made before the group is copied */
  Ref *rev_idx;     /* per forward loop: the index of its reverse loop, while open */
  int *save_of;     /* per value: its SAVE node, or -1 */
  int *snap_of;     /* per local array version: a SAVE storing every element of it (a
                     * snapshot: build.c take_snapshots), or -1 */
  int *export_of;   /* per branch value: a phi it leaves its group by, or -1 */
  int *exit_of;     /* per loop: its first exit, or -1 */
  int labels;       /* name adjoints zK_bar (not in f_jac's several sweeps) */
  int tape_error;   /* a stored loop's range depends on an enclosing index */
  int noderiv;      /* an operation without a derivative was reached */
  Loc err_at;       /* where the first of those two is */
  char *active;     /* per forward node: depends on a differentiated parameter */
  int *buf_of;      /* per forward node: the ARRAY or ABUF an array value lives in, or -1 */
  char *buf_active; /* per forward node: an ABUF some version of which is active */
  char *in_place;   /* per forward node: an element's read and store updating it in
                     * place, whose adjoint stays in the element (find_in_place) */
} Rev;

/* ---- recompute.c ---- */
/* Forward node x's value where the sweep is now: made again (with what it
 * depends on) if it is not visible here. */
void materialize(Rev *r, int n);
static inline Ref fwd_ref(Rev *r, Ref x) {
  if (ref_is_const(x) || x == REF_NONE)
    return x;
  if (!scope_visible(&r->sc, x))
    materialize(r, x);
  return r->fv[x];
}
/* Can the stored value of SAVE node sv be read here (inside the reverse
 * loops of every loop around it, which give its position)? */
int restorable(const Rev *r, int sv);

#endif
