/* harness.h - helpers shared by the test suites. */
#ifndef ADC_HARNESS_H
#define ADC_HARNESS_H

#include <check.h>

#include "ast.h"
#include "build.h"
#include "codegen.h"
#include "driver.h"
#include "runtime.h"
#include "sema.h"

/* A compiled program, in process: parse -> sema -> build -> reverse. */
typedef struct Compiled {
  char *text;
  Source src;
  Arena arena;
  Program prog;
  Checked checked;
  Names names;
  Signature *sigs; /* every function's */
  int nsigs;
  FnGraphs *fns;   /* the functions emitted (not the private ones) */
  int nfns;
  int errors;
  char *diag; /* everything reported */
} Compiled;

int ht_compile(Compiled *c, const char *text, int optimize);
void ht_free(Compiled *c);
FnGraphs *ht_fn(Compiled *c, const char *name);

/* Value and gradient by the interpreter, from the gradient graph. */
double ht_grad(const FnGraphs *f, const double *x, double *grad);
/* By the interpreter over f_hvp's graph, once per unit tangent: the value,
 * the gradient and the Hessian (row j: H e_j), of scalar parameters. */
double ht_hess(const FnGraphs *f, const double *x, double *grad, double *hess);
/* f_hvp's graph along direction dir (scalar parameters): the value; the
 * gradient into grad, H dir into hv */
double ht_hvp(const FnGraphs *f, const double *x, const double *dir, double *grad, double *hv);
/* f_hess's helper's graph (IR_MAX_DIRS directions at once, direction w at
 * dirs + w n): the value; the gradient, H times each direction (hv + w n) */
double ht_hvp_dirs(const FnGraphs *f, const double *x, const double *dirs, double *grad, double *hv);
/* Central difference of the forward graph, in coordinate i. */
double ht_central(const FnGraphs *f, const double *x, int i);

/* Files and commands. */
const char *ht_tmpdir(void);
const char *ht_adc(void);
char *ht_path(const char *name); /* in the temp dir; static buffer rotation */
void ht_write(const char *path, const char *text, size_t len);
char *ht_slurp(const char *path, size_t *len); /* NULL if unreadable */
int ht_sh(const char *fmt, ...);               /* exit status of sh -c */
char *ht_capture(int *status, const char *fmt, ...); /* stdout of sh -c */

/* Writes STEM.ad and STEM_drv.c (which includes "STEM_grad.h"), runs adc
 * and gcc (-Werror, C99) on them and runs the program, after `prefix` in the
 * same shell (e.g. a ulimit; "" for none). Returns the first failure's
 * status, or the program's. */
int ht_build_run(const char *stem, const char *ad_src, const char *driver_src, const char *prefix);

/* The files of a compiled case: TAG.ad, its output TAG.ad_grad.c/.h, a
 * driver TAG.ad_drv.c and the program TAG.ad_CC. */
typedef struct GenCase {
  char ad[1300], gen[1400], hdr[1400], drv[1500], exe[1400];
  const char *header; /* the header's base name, for the driver's #include */
} GenCase;

/* Writes src as TAG.ad and runs adc --header (plus adc_flags) on it;
 * fails the test if adc does. */
void ht_generate(GenCase *g, const char *tag, const char *src, const char *cc, const char *adc_flags);
/* Runs the shell command cmd (a compile), its stderr kept; fails the test
 * with what the compiler said unless it succeeds. */
void ht_must_compile(const GenCase *g, const char *tag, const char *what, const char *cmd);
/* Runs the program; fails the test with its output unless it exits 0. */
void ht_must_run(const GenCase *g, const char *tag, const char *cc);

/* The paths of the .ad files of dir, sorted (malloc'd; *n of them). */
char **ht_list_ad(const char *dir, int *n);

/* "fn f(x) = ((...(x)...));" with n pairs of parentheses; malloc'd. */
char *ht_deep_parens(int n, size_t *len);

/* Run adc in process; stderr captured in *err (malloc'd). */
int ht_run_adc(char **err, const char *const *argv);

/* suites */
Suite *suite_front(void);
Suite *suite_sema(void);
Suite *suite_ir(void);
Suite *suite_reverse(void);
Suite *suite_cli(void);
Suite *suite_golden(void);
Suite *suite_errors(void);
Suite *suite_e2e(void);
Suite *suite_arrays(void);
Suite *suite_tools(void);
Suite *suite_split(void);
Suite *suite_random(void);
Suite *suite_diff(void);
Suite *suite_robust(void);
Suite *suite_rules(void);

#endif
