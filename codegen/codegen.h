/* codegen.h - printing graphs: C (with header), SSA text, Graphviz, the
 * check program. The emitters make no decisions about math; they name nodes
 * zK / zK_bar, print one line per node with a comment mapping it to the
 * source, and mangle names that would clash with C, C++ or <math.h>. */
#ifndef ADC_CODEGEN_H
#define ADC_CODEGEN_H

#include "ir.h"
#include "sig.h"

/* ---- names.c ---- */
typedef struct Names {
  FnNames *fn; /* one per function, in source order */
  int n;
  Arena arena;
} Names;

void cg_names(const FnGraphs *fns, int n, const char *prefix, Names *out); /* reads their signatures */
void cg_names_free(Names *n);
int cg_is_reserved(const char *name);

/* ---- policy.c: long functions. C compilers optimise a long function in
 * more than linear time, so a function of more than --split nodes is
 * emitted as parts; its f_vjp then adds f_bar times what f_grad stores, and
 * its f runs f_grad's first parts. The one place these rules live: the
 * emitters and the driver (which then builds no vjp graph) ask here. ---- */
/* Is this graph's function printed as parts (never in SSA text, never
 * with storage: it lives in the function)? */
int cg_splits(const Graph *g, int split, int ssa);
/* Does f_vjp add f_bar times f_grad's gradient instead of running its own
 * reverse sweep (one result, f_grad split, something differentiated)? */
int cg_vjp_by_grad(const FnGraphs *fg, int split);
/* Would this gradient be split but for the storage of logsumexp's weights,
 * its only storage? Then it is better built again without (each term's
 * exponential taken again in the reverse sweep) and split. */
int cg_split_without_weights(const Graph *grad, int split);
/* Is any function of the file split (the file then defines ADC_NOINLINE)? */
int cg_file_splits(const FnGraphs *fns, int n, int split);

/* ---- the emitters ---- */
typedef struct EmitOpts {
  const char *input;   /* the input's file name, as shown in comments */
  const char *header;  /* header file name for the guard, or NULL */
  int static_fns;      /* emit 'static inline' definitions */
  const Source *src;   /* for source comments */
  int line_directives; /* --line: #line directives back into the .ad file */
  int real;            /* --real: 0 double, 1 float, 2 long double */
  const char *path;    /* the input's path as given, for #line */
  int split;           /* --split: functions of more nodes become parts; 0 never */
} EmitOpts;

void cg_emit_c(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);
void cg_emit_header(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);
void cg_emit_ssa(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);
void cg_emit_dot(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);
/* One emitted function (its convention comment, signature and body). */
void cg_emit_function(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o);

/* The point --check-sizes and --check-at give a function: every size's
 * value, and the values of the parameters given (NULL: drawn at random). */
typedef struct CheckPoint {
  long *sizes;
  const double **values;
  int nvalues; /* parameters */
} CheckPoint;

/* A C program that checks STEM_grad.c: gradients against central
 * differences, vjps by the dot-product test (emit_check.c); at pts[i] for
 * function i (pts NULL: random points, sizes 3). */
void cg_emit_check(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o, const CheckPoint *pts);

#endif
