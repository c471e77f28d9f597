/* body.h - the emitter of one function body, shared by the C and SSA
 * printers (emit_c.c). */
#ifndef ADC_BODY_H
#define ADC_BODY_H

#include "codegen.h"

typedef enum FnKind { FN_FWD, FN_GRAD, FN_VJP } FnKind;


/* The arguments of an emitted function, in the order of its signature:
 * sizes, parameters, cotangents (vjp), output pointers (several results),
 * gradient pointers, the Jacobian. */
typedef enum ArgRole { ARG_SIZE, ARG_PARAM, ARG_SEED, ARG_OUT, ARG_BAR, ARG_JAC } ArgRole;
typedef struct SigArg {
  const char *name;
  ArgRole role;
  int index; /* of the size, parameter or result */
} SigArg;

/* Fills args (room for nsizes + 2 * nparams + 2 * nresults + 1) and
 * returns how many there are. */
int cg_sig_args(const FnGraphs *fg, FnKind kind, SigArg *args);
/* "int n, const double *x, double *x_bar": the C parameter list, "" when
 * there is none. */
void cg_sig_params(StrBuf *b, const FnGraphs *fg, FnKind kind, int real);

/* What goes before the body: the convention comment, and "head" (the
 * signature, printed as "head {" in C or "head:" in SSA). The symbol names
 * the parts of a function too large to be one C function (body.c). */
typedef struct BodyHead {
  const char *comment;
  const char *head;
  const char *symbol;
  struct FwdShare *share; /* f_grad: filled in; f: runs f_grad's parts (below) */
} BodyHead;

/* A long f_grad whose forward sweep f runs instead of a copy of its own: its
 * first `parts` parts take f's arguments and compute no adjoint, and leave
 * f's value in adc_v[slot] (adc_v of nslots places). parts is 0 when f_grad
 * is not split, or its forward sweep does not end between two parts. */
typedef struct FwdShare {
  int parts, nslots, slot;
} FwdShare;

/* Prints the function: comment, head, body of fg's graph of the given kind,
 * closing brace; before them, the parts it is split into, if any. */
void cg_body(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa, const BodyHead *h);
/* Is the function of this graph split into parts (then the file needs
 * <errno.h> and <stdlib.h>)? */
int cg_splits(const Graph *g, const EmitOpts *o, int ssa);

#endif
