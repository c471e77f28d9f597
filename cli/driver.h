/* driver.h - the compiler as a library call: options in, files out. */
#ifndef ADC_DRIVER_H
#define ADC_DRIVER_H

#include <stdio.h>

typedef enum EmitKind { EMIT_C, EMIT_HEADER, EMIT_SSA, EMIT_DOT, EMIT_CHECK } EmitKind;

typedef struct Options {
  const char *input;  /* the .ad file */
  const char *output; /* -o; NULL: the default for the kind; "-": stdout */
  const char *header; /* --header=PATH; "" for the default beside the C */
  int want_header;    /* --header given */
  EmitKind emit;
  const char *prefix; /* --prefix */
  int static_fns;     /* --static */
  int optimize;       /* -O1 (default) or -O0 */
  int check;          /* --check: build and run the check program */
  int line;           /* --line: #line directives */
  const char *eval;   /* --eval: assignments to run the functions on, or NULL */
  int real;           /* --real: 0 double (default), 1 float, 2 long double */
  int split;          /* --split: functions of more nodes are split into parts; 0 never */
  const char *check_sizes; /* --check-sizes: 'n=8, K=3', or NULL */
  const char *check_at;    /* --check-at: 'x=1, v=[1, 2]', or NULL */
  int bounds_check;        /* --bounds-check: indices read from data are checked */
  unsigned modes;          /* --modes: MODE_* of codegen/sig.h (0 before parsing: the default) */
  unsigned modes_named;    /* the modes --modes names one by one (not by 'all') */
} Options;

/* Exit status: 0 success, 1 errors in the input (or, with --check, a
 * derivative that disagrees), 2 usage or I/O (or no working C compiler). */
int adc_run(const Options *o, FILE *err);

/* Removes the temporaries of the outputs adc_run is writing (each replaces
 * its file only when whole). Async-signal-safe: for a handler of a signal
 * that ends the process, which would otherwise leave them behind. */
void adc_remove_temporaries(void);

/* The same pipeline on text in memory (NUL-terminated, len bytes, named
 * o->input in diagnostics): every kind of output (C, header, SSA, dot and,
 * for double, the check program) is appended to out; no file is touched.
 * Returns 0, or 1 when the input has errors. For the fuzzer and tests. */
struct StrBuf;
int adc_compile_memory(const Options *o, const char *text, int len, struct StrBuf *out, FILE *err);

/* --eval (eval_cli.c): runs every function whose parameters the text
 * assigns, by the interpreter, and prints values and gradients. */
struct FnGraphs;
int adc_eval(const char *text, const struct FnGraphs *fns, int n, FILE *out, FILE *err);

/* --check-sizes and --check-at (eval_cli.c): per function, the point of the
 * check program (*out: n of them; free with adc_check_points_free). 0, or 2
 * with a message on err. */
struct CheckPoint;
int adc_check_points(const char *sizes, const char *at, const struct FnGraphs *fns, int n, struct CheckPoint **out,
                     FILE *err);
void adc_check_points_free(struct CheckPoint *pts, int n);

/* Parses argv into o; prints help/version itself. Returns -1 to go on,
 * otherwise the exit status. */
int adc_parse_args(int argc, char **argv, Options *o, FILE *out, FILE *err);

#endif
