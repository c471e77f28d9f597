/* sig.c - a function's signature (ir.h): freeing it, and the values of
 * its dimensions for given sizes (the check program's arrays, --eval's). */
#include "ir.h"

void ir_sig_free(Signature *s) {
  graph_free(&s->dims);
  arena_free(&s->arena);
}

/* A negative operand stays the answer (it is unknown, or not a length). */
long ir_dim_value(const Signature *s, Ref d, const long *size) {
  const Graph *g = &s->dims;
  if (ref_is_const(d))
    return (long)graph_const(g, d);
  const Node *nd = &g->nodes.v[d];
  if (nd->op == OP_SIZE)
    return size[nd->aux];
  long v = ir_dim_value(s, nd->a[0], size);
  if (v < 0 || nd->op == OP_INEG)
    return v < 0 ? v : -v;
  long w = ir_dim_value(s, nd->a[1], size);
  if (w < 0)
    return -1;
  switch (nd->op) {
  case OP_IADD: return v + w;
  case OP_ISUB: return v - w;
  case OP_IMUL: return v * w;
  case OP_IDIV: return w ? v / w : -1;
  default: return w ? v % w : -1;
  }
}

static long shape_length(const Signature *s, const SigParam *pa, const long *size) {
  long n = 1;
  for (int k = 0; k < pa->ndims && n >= 0; k++) {
    long d = ir_dim_value(s, pa->dims[k], size);
    n = d < 0 ? -1 : n * d;
  }
  return n;
}

long ir_param_length(const Signature *s, int p, const long *size) { return shape_length(s, &s->params[p], size); }
long ir_result_length(const Signature *s, int o, const long *size) { return shape_length(s, &s->results[o], size); }

int ir_sig_array_results(const Signature *s) {
  for (int o = 0; o < s->nouts; o++)
    if (s->results[o].ndims)
      return 1;
  return 0;
}
