/* codegen.h - printing graphs: C (with header), SSA text, Graphviz. The
 * emitters make no decisions about math; they name nodes zK / zK_bar, print
 * one line per node with a comment mapping it to the source, and mangle
 * names that would clash with C, C++ or <math.h>. */
#ifndef ADC_CODEGEN_H
#define ADC_CODEGEN_H

#include "ir.h"

typedef struct FnNames {
  const char *src;          /* name in the .ad file */
  char *fwd, *grad, *vjp, *jac; /* emitted symbols */
  char **params;            /* emitted parameter names */
  char **bars;              /* emitted gradient pointer names */
  char *seed;               /* f_vjp's cotangent parameter (one result) */
  char **sizes;             /* emitted size parameter names */
  char **outs, **outbars;   /* several results: output pointers, cotangents */
  char *jacp;               /* f_jac's Jacobian parameter */
} FnNames;

typedef struct Names {
  FnNames *fn; /* one per checked function, in source order */
  int n;
  Arena arena;
} Names;

void cg_names(const Signature *sigs, int n, const char *prefix, Names *out);
void cg_names_free(Names *n);
int cg_is_reserved(const char *name);

/* The three graphs of one function: forward, gradient (seed 1) or, with
 * several results, Jacobian, and vjp. */
typedef struct FnGraphs {
  const Signature *sig;
  const FnNames *names;
  Graph fwd, grad, vjp;
} FnGraphs;

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

/* The C spelling of --real's type, and the suffixes of <math.h> functions
 * and of literals for it ("", "f", "l" and "", "f", "L"). */
const char *cg_real_type(int real);
const char *cg_real_fn(int real);
const char *cg_real_lit(int real);
void cg_real_literal(StrBuf *b, double v, int real);

/* Does f_vjp add f_bar times f_grad's gradient instead of running its own
 * reverse sweep (one result, and f_grad long enough to be split into parts
 * under --split=split)? Then the vjp graph is not needed (body.c). */
int cg_vjp_by_grad(const FnGraphs *fg, int split);

void cg_emit_c(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);
void cg_emit_header(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);
void cg_emit_ssa(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);
void cg_emit_dot(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);
/* A C program that checks STEM_grad.c: gradients against central
 * differences, vjps by the dot-product test (emit_check.c). */
void cg_emit_check(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o);

#endif
