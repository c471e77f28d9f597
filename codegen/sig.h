/* sig.h - what an emitted function looks like from outside: its names, its
 * C parameter list, its type (--real), the lengths of its arrays. Every
 * printer (C, header, SSA, the check program, the parts of a long
 * function) asks here; this file depends on nothing else in codegen. */
#ifndef ADC_SIG_H
#define ADC_SIG_H

#include "ir.h"

/* The emitted names of one source function (names.c makes them). */
typedef struct FnNames {
  const char *src;          /* name in the .ad file */
  char *fwd, *grad, *vjp, *jac, *jvp, *hvp, *hess; /* emitted symbols (jvp, hvp, hess: with --modes) */
  char *hessc;              /* f_hess's helper: f_hvp along several columns at once (cg_hess_dirs) */
  char **params;            /* emitted parameter names */
  char **bars;              /* emitted gradient pointer names */
  char *seed;               /* f_vjp's cotangent parameter (one result) */
  char **sizes;             /* emitted size parameter names */
  char **outs, **outbars;   /* several results: output pointers, cotangents */
  char *jacp;               /* f_jac's Jacobian parameter */
  char **dots;              /* f_jvp: each differentiated parameter's tangent (else NULL); f_hess's
                             * helper: those of direction w at [w nparams + p] (x_dot, x_dot2 ...) */
  char **outdots;           /* f_jvp: each result's tangent ("f_dot" for one unnamed) */
  char **bardots;           /* f_hvp: each differentiated parameter's x_bar_dot (else NULL); as dots */
  char *gradp, *hessp;      /* f_hess's gradient and Hessian parameters (else NULL) */
} FnNames;

/* The graphs of one function: forward, gradient (seed 1) or, with
 * several results, Jacobian, vjp and jvp (tangents); with its signature,
 * its names and the modes emitted. */
typedef struct FnGraphs {
  const Signature *sig;
  const FnNames *names;
  Graph fwd, grad, vjp, jvp, hvp;
  Graph hvps;     /* f_hess's helper: f_hvp along cg_hess_dirs columns at once (when that is > 1) */
  unsigned modes; /* MODE_* (--modes): which functions are emitted besides f */
  int dirs;       /* FN_HVP prints f_hvp (0, 1) or, in a copy with dirs = cg_hess_dirs, the helper */
} FnGraphs;

/* The functions emitted per source function: f, f_grad (or f_jac with
 * several results), f_vjp, f_jvp, f_hvp, f_hess (f_hvp once per column:
 * no graph of its own). */
typedef enum FnKind { FN_FWD, FN_GRAD, FN_VJP, FN_JVP, FN_HVP, FN_HESS } FnKind;

/* --modes (SPEC 2.7): grad is f_grad for a function of one scalar result,
 * jac f_jac for the others; hvp and hess are for functions of one scalar
 * result. */
enum {
  MODE_GRAD = 1, MODE_VJP = 2, MODE_JAC = 4, MODE_JVP = 8, MODE_HVP = 16, MODE_HESS = 32,
  MODE_DEFAULT = 7, MODE_ALL = 63
};
/* The names of the modes, mode bit k's at [k] ("grad", "vjp", ... "hess"). */
enum { MODE_KINDS = 6 };
extern const char *const cg_mode_names[MODE_KINDS];
int cg_emits(const FnGraphs *fg, FnKind kind); /* is this function emitted for fg */
/* f_hvp is in the file: asked for, or called by f_hess (then static). */
int cg_hvp_in_file(const FnGraphs *fg);
/* How many columns f_hess's helper takes at once: IR_MAX_DIRS, fewer when
 * there are fewer (scalars only); 1 (no helper) without f_hess. */
int cg_hess_dirs(const FnGraphs *fg);
/* The directions of the f_hvp fg prints (1, or its helper's). */
int cg_dirs(const FnGraphs *fg);

/* The arguments of an emitted function, in the order of its signature:
 * sizes, parameters, cotangents (vjp) or tangents (jvp, hvp), output
 * pointers (several results), the results' tangents (jvp), gradient
 * pointers, their tangents (hvp), the Jacobian; f_hess's gradient and
 * Hessian. */
typedef enum ArgRole {
  ARG_SIZE, ARG_PARAM, ARG_SEED, ARG_DOT, ARG_OUT, ARG_OUTDOT, ARG_BAR, ARG_BARDOT, ARG_JAC, ARG_GRADV, ARG_HESS
} ArgRole;
typedef struct SigArg {
  const char *name;
  ArgRole role;
  int index; /* of the size, parameter or result */
} SigArg;

int cg_several(const FnGraphs *fg); /* several results: f_jac, not f_grad */
const char *cg_symbol(const FnGraphs *fg, FnKind kind); /* f, f_grad or f_jac, f_vjp, f_jvp, f_hvp, f_hess */
const Graph *cg_graph(const FnGraphs *fg, FnKind kind);   /* the graph it is printed from */
/* Fills args (room for cg_max_args) and returns how many there are. */
int cg_max_args(const FnGraphs *fg);
int cg_sig_args(const FnGraphs *fg, FnKind kind, SigArg *args);
/* "int n, const double *x, double *x_bar": the C parameter list, "" when
 * there is none. */
void cg_sig_params(StrBuf *b, const FnGraphs *fg, FnKind kind, int real);
/* "double f(int n, const double *x)" (no ';'); in SSA text "f(n, x)": only
 * what the function reads, without types. */
void cg_signature(StrBuf *b, const FnGraphs *fg, FnKind kind, int ssa, int real);

/* The C spelling of --real's type (0 double, 1 float, 2 long double), and
 * the suffixes of <math.h> functions and of literals for it ("", "f", "l"
 * and "", "f", "L"). */
const char *cg_real_type(int real);
const char *cg_real_fn(int real);
const char *cg_real_lit(int real);
void cg_real_literal(StrBuf *b, double v, int real);

/* The element count of array parameter p as C text ("n * (d * (d + 1) / 2)"),
 * sizes under their emitted names; and as a number when its dimensions are
 * literals and it is at most max (else -1). */
void cg_length_text(StrBuf *b, const FnGraphs *fg, int p);
void cg_result_length_text(StrBuf *b, const FnGraphs *fg, int o); /* result o's (1: a scalar) */
/* f_jac's (and f_hess's) columns as C text: off[p] (one per parameter)
 * where parameter p's start ("0", "1", "1 + n * m"), n how many in all. */
void cg_column_offsets(const FnGraphs *fg, StrBuf *off, StrBuf *n);
int cg_const_length(const FnGraphs *fg, int p, int max);

#endif
