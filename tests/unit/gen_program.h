/* gen_program.h - random well-formed .ad programs over the whole language,
 * for the differential test (check_diff.c): scalars, arrays of one and two
 * dimensions, data (const) parameters, every builtin, ?: with && || !,
 * reductions (sum prod min max logsumexp), for loops carrying values,
 * reassignment, calls to helper functions, one to three results (one of them perhaps an array), integer
 * data (gathers, loop bounds, integer comparisons, as reals). Every
 * argument of a partial function is shaped to stay in its domain and every
 * index in its array, so that each program is valid C at run time. */
#ifndef ADC_GEN_PROGRAM_H
#define ADC_GEN_PROGRAM_H

#include "support.h"

enum { GEN_MAX_PARAMS = 6 };

typedef struct GenParam {
  char name[8];
  int is_const; /* data: no gradient */
  int is_int;   /* integer data (const int): its values are ival */
  int ndims;    /* 0 scalar, 1 or 2 (integer data: 0 or 1) */
  int len;      /* number of elements (1 for a scalar) at the chosen sizes */
  int ival[4];  /* integer data's values */
} GenParam;

typedef struct GenProg {
  StrBuf src;       /* the .ad text: helpers, then the function 'name' */
  char name[16];    /* pSEED */
  int nsizes;       /* size parameters, in the order the C signature takes them */
  int size[2];      /* their values */
  GenParam param[GEN_MAX_PARAMS];
  int nparams;
  int nouts;        /* results; one scalar: f_grad; else f_jac */
  int oarr[3];      /* result o is an array (1-D) */
  int olen[3];      /* its elements (1 for a scalar) */
} GenProg;

void gen_program(GenProg *p, unsigned seed);
void gen_program_free(GenProg *p);

#endif
