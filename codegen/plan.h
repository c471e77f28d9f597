/* plan.h - what the emitter decides before printing a function, for the
 * speed of the emitted code (doc/design.md, "Codegen"): which reverse loops
 * run inside the loop of the sum they differentiate (fusion), which nodes
 * then name forward values, which storage no one reads any more, and which
 * costly stored values are made on the first iteration only (caching). */
#ifndef ADC_PLAN_H
#define ADC_PLAN_H

#include "ir.h"

typedef struct Plan {
  int *fused_with; /* per loop: the reverse loop run inside it, or -1 */
  int *index_of;   /* per loop: the loop whose counter it uses */
  char *absorbed;  /* per loop: run inside another loop already */
  int *same_as;    /* per node: in a fused reverse loop, the forward node of
                    * the same iteration it stands for, or -1 */
  char *fresh;     /* per node: a copy in a fused reverse loop that is not
                    * shared, named anew (its forward node's name is in scope) */
  char *unread;    /* per node: a SAVE no RESTORE reads any more */
  int *joined;     /* per loop: the next loop run in its iterations (after
                    * its body), or -1; absorbed marks the joined ones */
  int *cached_in;  /* per node: the SAVE storing it when it is made once per
                    * place of its storage (not per iteration of the loops it
                    * does not change with), or -1 */
  int *hoist_first, *hoist_last; /* per loop: the first and last cached value made
                    * by a loop nest of its own before it (the outermost
                    * loop the value does not change with), or -1 */
  int *hoist_next;  /* per node: the next such value before the same loop */
  char *inlined;    /* per node: 1 written out in such a loop nest's line (its
                    * own line is printed only if something else reads it),
                    * 2 made by such a loop nest (read back where it was) */
  int *reused;      /* per node: for a SAVE read back only in the same iteration
                    * of a fused loop f, f (each iteration uses its places
                    * again), else -1 */
} Plan;

/* Fills p (NULL tables when nothing applies); fusion only when fuse. */
void plan_speed(Plan *p, const Graph *g, const LoopSpan *ls, const GroupSpan *gs, int fuse);
void plan_free(Plan *p);

/* A SAVE node whose storage is needed. */
int plan_is_tape(const Plan *p, const Graph *g, int n);
/* Storage reused by each iteration of fused loop f (Plan.reused): its
 * positions drop the counters of f, of f's reverse loop and of the loops
 * around them. Is loop l's counter one of those? Is r 0 with each of them
 * at the start of its range? */
int plan_counter_dropped(const Plan *p, const Graph *g, int f, int l);
int plan_dropped_zero(const Plan *p, const Graph *g, int f, Ref r);
/* The loops around node v inside loop u (innermost first, into ch[], room
 * for 64) that are not among the n loops unchanged[]. */
int plan_changed_loops(const Graph *g, int v, int u, const int *unchanged, int n, int *ch);

#endif
