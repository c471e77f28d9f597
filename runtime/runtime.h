/* runtime.h - an interpreter of the IR: evaluates any graph (forward,
 * gradient or vjp) on given inputs, taking only the branches that C would.
 * Used by tests to cross-check the emitted C. */
#ifndef ADC_RUNTIME_H
#define ADC_RUNTIME_H

#include "ir.h"

/* inputs: one value per INPUT index (parameters, then the vjp seed).
 * outs: receives g->outs.n values. */
void rt_eval(const Graph *g, const double *inputs, double *outs);

#endif
