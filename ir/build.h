/* build.h - from checked syntax trees to one forward graph per function. */
#ifndef ADC_BUILD_H
#define ADC_BUILD_H

#include "ir.h"
#include "sema.h"

/* graphs[i] receives function c->funcs[i]'s forward graph: inputs first,
 * outs = {result}, optimized at -O1, dead nodes removed, nodes named; and
 * sigs[i] its signature (every one, even after an error; free each with
 * ir_sig_free), which the graph points to. Calls are inlined; returns the
 * number of errors (graph too large). */
enum {
  BUILD_OPTIMIZE = 1,    /* -O1: fold and share */
  BUILD_BOUNDS_CHECK = 2 /* --bounds-check: CHECK every index read from data where it is used */
};
int ir_build_program(const Checked *c, Diag *d, int flags, Graph *graphs, Signature *sigs);

#endif
