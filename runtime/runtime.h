/* runtime.h - an interpreter of the IR: evaluates any graph (forward,
 * gradient, vjp or Jacobian) on given inputs, running the branches and
 * loops that the emitted C would. Used by --eval and by the tests to
 * cross-check the emitted C. */
#ifndef ADC_RUNTIME_H
#define ADC_RUNTIME_H

#include "ir.h"

typedef struct RtArgs {
  const double *inputs;       /* per INPUT index: the scalar parameters, then the cotangents */
  const int *sizes;           /* per size parameter */
  const double *const *arrays; /* per parameter: its elements (NULL for scalars) */
  const long *lens;           /* per parameter: its element count, for bounds checks */
  double *const *array_grads; /* per (output row * nparams + parameter): where ACCUM adds */
  double *const *results;     /* per output: where an array result's elements go (or NULL) */
} RtArgs;

/* Fills outs (g->outs.n values; an array result's elements into
 * args->results[o], its place in outs NaN); returns NULL, or what went
 * wrong (an array index out of range). arrays and lens hold f_vjp's
 * cotangents of array results after the parameters. */
const char *rt_run(const Graph *g, const RtArgs *args, double *outs);

/* Scalar graphs: inputs as above, no arrays. */
void rt_eval(const Graph *g, const double *inputs, double *outs);

#endif
