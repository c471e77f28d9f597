/* sema.h - the checks between parsing and the IR: names, arity, kinds
 * (conditions only where conditions go), recursion, statement order. */
#ifndef ADC_SEMA_H
#define ADC_SEMA_H

#include "ast.h"

typedef struct Checked {
  Func **funcs;  /* in source order */
  int nfuncs;
  StrMap fnmap;  /* function name -> index in funcs */
  int *order;    /* indices, every callee before its callers */
} Checked;

/* Reports every semantic error and warning; returns the number of errors. */
int sema_check(const Program *p, Diag *d, Checked *out);
void sema_free(Checked *c);

/* What a name means where it is used. */
#define PI_VALUE 3.14159265358979323846

#endif
