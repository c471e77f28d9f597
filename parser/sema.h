/* sema.h - the checks between parsing and the IR: names, arity, kinds
 * (conditions only where conditions go), recursion, statement order. */
#ifndef ADC_SEMA_H
#define ADC_SEMA_H

#include "ast.h"

/* What sema learns about a function's interface. */
typedef struct FnSig {
  const char **sizes; /* size parameters, in order of first appearance */
  Loc *sizelocs;
  int *sizedecls;     /* their declaration numbers (Stmt.decl) */
  int nsizes;
  int ndecls;         /* declarations in the function */
  int nouts;          /* results: the names after '->', or 1 */
} FnSig;

typedef struct Checked {
  Func **funcs;  /* in source order */
  int nfuncs;
  StrMap fnmap;  /* function name -> index in funcs */
  int *order;    /* indices, every callee before its callers */
  FnSig *sigs;   /* one per function */
} Checked;

/* Reports every semantic error and warning; returns the number of errors.
 * Marks each use of a name with what it means (Expr.bind, Stmt.decl). */
int sema_check(Program *p, Diag *d, Checked *out);
void sema_free(Checked *c);

/* What a name means where it is used. */
#define PI_VALUE 3.14159265358979323846

/* The value of a dimension (an integer expression of sizes) for the given
 * size values (size[k] for sig->sizes[k]; -1 unknown); -1 when unknown. */
long sema_dim_value(const Expr *e, const FnSig *sig, const long *size);

/* The reductions that 'NAME(i in a..b, e)' may name. */
int sema_reduction(const char *name); /* index in "sum prod min max logsumexp", or -1 */
enum { RED_SUM, RED_PROD, RED_MIN, RED_MAX, RED_LSE };

#endif
