/* driver.c - the command line, and the pipeline as one straight line
 * (compile_text, build_all; what each step needs and makes: doc/design.md):
 *   read    the text                                  (read_file)
 *   parse   the syntax tree                           (parser/parser.y)
 *   sema    names bound, calls checked                (parser/sema.c)
 *   build   forward graphs and signatures             (ir/build.c)
 *   names   the emitted names                         (codegen/names.c)
 *   reverse gradient (or Jacobian) and vjp graphs     (ir/reverse.c)
 *   dce     each graph                                (ir/opt.c)
 *   emit    C, header, SSA, dot, check program        (codegen/)
 * Output goes to a temporary file in the target directory, renamed into
 * place only when everything succeeded. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ast.h"
#include "build.h"
#include "codegen.h"
#include "driver.h"

enum { MAX_INPUT_BYTES = 256 << 20 };

static const char usage[] =
    "Usage: adc [OPTIONS] FILE.ad\n"
    "Differentiate the functions of FILE.ad into one standalone C file holding,\n"
    "for each function f, f (value), f_grad (value and gradient) and f_vjp\n"
    "(vector-Jacobian product); with several results f_jac instead of f_grad.\n"
    "\n"
    "Options:\n"
    "  -o PATH, --output=PATH  write here ('-': standard output);\n"
    "                          default: STEM_grad.c in the current directory\n"
    "  --header[=PATH]         also write a header of prototypes\n"
    "                          (default: STEM_grad.h beside the C file)\n"
    "  --modes=LIST            what is emitted besides f, comma-separated: grad, vjp,\n"
    "                          jac (default: grad,vjp,jac), jvp (forward mode), hvp\n"
    "                          (Hessian-vector product), hess (Hessian), all\n"
    "  --emit=KIND             c (default), header, ssa (graph as text), dot (Graphviz),\n"
    "                          check (a C program testing STEM_grad.c; default STEM_check.c)\n"
    "  --check                 build and run that test with $CC (default cc) and report\n"
    "  --check-sizes 'n=8'     the sizes the test takes (default 3)\n"
    "  --check-at 'x=1, v=[1, 2]'  a point the test checks (the parameters not\n"
    "                          given drawn at random; arrays tell their sizes)\n"
    "  --prefix=STR            prepend STR to every emitted function name\n"
    "  --static                emit 'static inline' functions, for #include \"f_grad.c\"\n"
    "  --real=TYPE             float, double (default) or long-double: the emitted\n"
    "                          functions' type, <math.h> names and literals\n"
    "  --line                  #line directives: compiler messages and debuggers\n"
    "                          point into the .ad file\n"
    "  --bounds-check          check each index read from integer data where it is\n"
    "                          used: out of range, errno = EDOM and the value NaN\n"
    "  --eval 'x=1, v=[1, 2]'  run the functions by the interpreter on these values\n"
    "                          and print their values and gradients (no C compiler)\n"
    "  --split=N               split emitted functions of more than N SSA nodes into\n"
    "                          parts, so that C compilers stay fast (default 6000;\n"
    "                          0: never)\n"
    "  -O0, -O1                optimisation level (default -O1: constant folding,\n"
    "                          common subexpressions, dead and zero-adjoint nodes)\n"
    "  -h, --help              print this help and exit\n"
    "  --version               print the version and exit\n"
    "\n"
    "Exit status: 0 success, 1 errors in the input (or a failed --check),\n"
    "2 usage or I/O problem.\n";

static int usage_error(FILE *err, const char *fmt, const char *arg) {
  fputs("adc: error: ", err);
  fprintf(err, fmt, arg);
  fputs("\nTry 'adc --help' for more information.\n", err);
  return 2;
}

/* "grad,jvp" into MODE_* bits; 0 when a name is unknown (*bad: it).
 * *named: the modes named one by one (a mode that fits no function is
 * worth a warning then, not when 'all' brings it). */
static unsigned parse_modes(const char *list, const char **bad, unsigned *named) {
  static char word[64];
  unsigned bits = 0;
  for (const char *p = list;; p++) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    unsigned b = n == 3 && strncmp(p, "all", 3) == 0 ? MODE_ALL : 0;
    for (int k = 0; k < MODE_KINDS; k++)
      if (strlen(cg_mode_names[k]) == n && strncmp(cg_mode_names[k], p, n) == 0)
        b = 1u << k;
    if (!b) {
      snprintf(word, sizeof word, "%.*s", (int)(n < 60 ? n : 60), p);
      *bad = word;
      return 0;
    }
    bits |= b;
    *named |= b == MODE_ALL ? 0 : b;
    if (!end)
      return bits;
    p = end;
  }
}

static int valid_prefix(const char *s) {
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
          (p > s && *p >= '0' && *p <= '9')))
      return 0;
  return 1;
}

int adc_parse_args(int argc, char **argv, Options *o, FILE *out, FILE *err) {
  memset(o, 0, sizeof *o);
  o->optimize = 1;
  o->split = 6000;
  o->modes = MODE_DEFAULT;
  int only_files = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
      if (o->input)
        return usage_error(err, "more than one input file ('%s')", a);
      o->input = a;
    } else if (strcmp(a, "--") == 0) {
      only_files = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage, out);
      return 0;
    } else if (strcmp(a, "--version") == 0) {
      fputs("adc " ADC_VERSION "\n", out);
      return 0;
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (++i == argc)
        return usage_error(err, "option '%s' needs a path", a);
      o->output = argv[i];
    } else if (strncmp(a, "-o", 2) == 0 && a[1] == 'o') {
      o->output = a + 2;
    } else if (strncmp(a, "--output=", 9) == 0) {
      o->output = a + 9;
    } else if (strcmp(a, "--header") == 0) {
      o->want_header = 1;
      o->header = "";
    } else if (strncmp(a, "--header=", 9) == 0) {
      o->want_header = 1;
      o->header = a + 9;
    } else if (strncmp(a, "--modes=", 8) == 0) {
      const char *bad = NULL;
      o->modes_named = 0;
      o->modes = parse_modes(a + 8, &bad, &o->modes_named);
      if (!o->modes)
        return usage_error(err, "unknown mode '%s' in --modes (grad, vjp, jac, jvp, hvp, hess, all)", bad);
    } else if (strncmp(a, "--emit=", 7) == 0) {
      const char *k = a + 7;
      if (strcmp(k, "c") == 0) o->emit = EMIT_C;
      else if (strcmp(k, "header") == 0) o->emit = EMIT_HEADER;
      else if (strcmp(k, "ssa") == 0) o->emit = EMIT_SSA;
      else if (strcmp(k, "dot") == 0) o->emit = EMIT_DOT;
      else if (strcmp(k, "check") == 0) o->emit = EMIT_CHECK;
      else return usage_error(err, "unknown --emit kind '%s' (c, header, ssa, dot, check)", k);
    } else if (strcmp(a, "--check") == 0) {
      o->check = 1;
    } else if (strcmp(a, "--check-sizes") == 0 || strcmp(a, "--check-at") == 0) {
      if (++i == argc)
        return usage_error(err, "option '%s' needs assignments, e.g. 'n=8, x=[1, 2]'", a);
      *(a[8] == 's' ? &o->check_sizes : &o->check_at) = argv[i];
    } else if (strncmp(a, "--check-sizes=", 14) == 0) {
      o->check_sizes = a + 14;
    } else if (strncmp(a, "--check-at=", 11) == 0) {
      o->check_at = a + 11;
    } else if (strcmp(a, "--line") == 0) {
      o->line = 1;
    } else if (strcmp(a, "--bounds-check") == 0) {
      o->bounds_check = 1;
    } else if (strncmp(a, "--real=", 7) == 0) {
      const char *k = a + 7;
      if (strcmp(k, "double") == 0) o->real = 0;
      else if (strcmp(k, "float") == 0) o->real = 1;
      else if (strcmp(k, "long-double") == 0) o->real = 2;
      else return usage_error(err, "unknown --real type '%s' (float, double, long-double)", k);
    } else if (strcmp(a, "--eval") == 0) {
      if (++i == argc)
        return usage_error(err, "option '%s' needs assignments, e.g. 'x=1, y=[1, 2]'", a);
      o->eval = argv[i];
    } else if (strncmp(a, "--eval=", 7) == 0) {
      o->eval = a + 7;
    } else if (strncmp(a, "--prefix=", 9) == 0) {
      if (!valid_prefix(a + 9))
        return usage_error(err, "--prefix must start a C identifier, not '%s'", a + 9);
      o->prefix = a + 9;
    } else if (strncmp(a, "--split=", 8) == 0) {
      char *end;
      long n = strtol(a + 8, &end, 10);
      if (a[8] < '0' || a[8] > '9' || *end || n > 100000000)
        return usage_error(err, "--split needs a number of nodes from 0 to 100000000, not '%s'", a + 8);
      o->split = (int)n;
    } else if (strcmp(a, "--static") == 0) {
      o->static_fns = 1;
    } else if (strcmp(a, "-O0") == 0) {
      o->optimize = 0;
    } else if (strcmp(a, "-O1") == 0 || strcmp(a, "-O") == 0) {
      o->optimize = 1;
    } else {
      return usage_error(err, "unknown option '%s'", a);
    }
  }
  if (!o->input)
    return usage_error(err, "%s", "no input file");
  if ((o->check_sizes || o->check_at) && !o->check && o->emit != EMIT_CHECK)
    return usage_error(err, "%s", "--check-sizes and --check-at go with --check or --emit=check");
  if (o->real && (o->check || o->emit == EMIT_CHECK))
    return usage_error(err, "%s", "--check and --emit=check test the double version; leave out --real");
  if (o->output && !o->output[0])
    return usage_error(err, "%s", "empty output path");
  return -1;
}

/* ---- files ---- */

static char *read_file(const char *path, int *len, FILE *err) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    fprintf(err, "adc: error: cannot read '%s': %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = xmalloc(cap + 1);
  for (;;) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n > MAX_INPUT_BYTES) {
      fprintf(err, "adc: error: '%s' is larger than the limit of %d MiB\n", path,
              MAX_INPUT_BYTES >> 20);
      break;
    }
    if (got == 0)
      break;
    if (n == cap) {
      cap *= 2;
      buf = xrealloc(buf, cap + 1);
    }
  }
  int bad = ferror(f) || n > MAX_INPUT_BYTES;
  if (ferror(f))
    fprintf(err, "adc: error: cannot read '%s': %s\n", path, strerror(errno));
  if (f != stdin)
    fclose(f);
  if (bad) {
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  *len = (int)n;
  return buf;
}

/* "dir/stem.ad" -> "stem" + suffix */
static char *stem_with(const char *input, const char *suffix) {
  const char *base = strrchr(input, '/');
  base = base ? base + 1 : input;
  size_t n = strlen(base);
  const char *dot = strrchr(base, '.');
  if (dot && dot != base)
    n = (size_t)(dot - base);
  if (strcmp(input, "-") == 0) {
    base = "stdin";
    n = 5;
  }
  char *s = xmalloc(n + strlen(suffix) + 1);
  memcpy(s, base, n);
  strcpy(s + n, suffix);
  return s;
}

static char *beside(const char *path, const char *name) {
  const char *slash = strrchr(path, '/');
  size_t dir = slash ? (size_t)(slash - path + 1) : 0;
  char *s = xmalloc(dir + strlen(name) + 1);
  memcpy(s, path, dir);
  strcpy(s + dir, name);
  return s;
}

typedef struct Pending {
  const char *path;   /* as the user gave it, for messages */
  char *target;       /* what is replaced: path, or where its symbolic link leads */
  char *tmp;          /* the temporary beside target; NULL when written in place */
  FILE *f;
  int in_place;       /* stdout, or a device or pipe (/dev/null, /dev/full, a FIFO) */
} Pending;

/* The temporaries being written, so that a signal ending the process does
 * not leave them behind (adc_remove_temporaries). */
enum { MAX_LIVE = 4 };
static char *volatile live_tmp[MAX_LIVE];

static void track(char *tmp) {
  for (int i = 0; i < MAX_LIVE; i++)
    if (!live_tmp[i]) {
      live_tmp[i] = tmp;
      return;
    }
}

static void untrack(const char *tmp) {
  for (int i = 0; i < MAX_LIVE; i++)
    if (live_tmp[i] == tmp)
      live_tmp[i] = NULL;
}

void adc_remove_temporaries(void) {
  for (int i = 0; i < MAX_LIVE; i++) {
    char *t = live_tmp[i];
    if (t)
      unlink(t);
  }
}

static int cannot_write(Pending *p, FILE *err) {
  fprintf(err, "adc: error: cannot write '%s': %s\n", p->path, strerror(errno));
  free(p->tmp);
  free(p->target);
  p->tmp = p->target = NULL;
  p->f = NULL;
  return 2;
}

/* Open a fresh temporary beside path, which replaces it on commit, so that
 * a failure never costs the previous file. Standard output ("-") and paths
 * that are not regular files (devices, pipes) are written in place. */
static int open_pending(Pending *p, const char *path, FILE *err) {
  memset(p, 0, sizeof *p);
  p->path = path;
  p->f = stdout;
  p->in_place = 1;
  if (strcmp(path, "-") == 0)
    return 0;
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    p->f = fopen(path, "wb");
    return p->f ? 0 : cannot_write(p, err);
  }
  p->in_place = 0;
  p->f = NULL;
  p->target = realpath(path, NULL); /* a link is followed, not replaced */
  if (!p->target) {
    p->target = xmalloc(strlen(path) + 1);
    strcpy(p->target, path);
  }
  const char *slash = strrchr(p->target, '/');
  size_t dir = slash ? (size_t)(slash - p->target + 1) : 0;
  p->tmp = xmalloc(dir + 32);
  memcpy(p->tmp, p->target, dir);
  strcpy(p->tmp + dir, ".adc-tmp-XXXXXX");
  int fd = mkstemp(p->tmp);
  if (fd < 0)
    return cannot_write(p, err);
  track(p->tmp);
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  p->f = fdopen(fd, "wb");
  if (!p->f) {
    int saved = errno;
    close(fd);
    unlink(p->tmp);
    untrack(p->tmp);
    errno = saved;
    return cannot_write(p, err);
  }
  return 0;
}

/* Flush and close; any write error so far is reported here. */
static int close_pending(Pending *p, StrBuf *text, FILE *err) {
  sb_drain(text, 1);
  int ok = !text->sink_error && fflush(p->f) == 0 && !ferror(p->f);
  int saved = errno;
  if (p->f != stdout)
    ok = (fclose(p->f) == 0) && ok;
  saved = saved ? saved : errno;
  int to_stdout = p->f == stdout;
  p->f = NULL;
  if (!ok) {
    if (to_stdout)
      fprintf(err, "adc: error: cannot write to standard output: %s\n", strerror(saved ? saved : EIO));
    else
      fprintf(err, "adc: error: cannot write '%s': %s\n", p->path, strerror(saved ? saved : EIO));
    return 2;
  }
  return 0;
}

static int commit(Pending *p, FILE *err) {
  if (p->in_place)
    return 0;
  if (rename(p->tmp, p->target) != 0) {
    fprintf(err, "adc: error: cannot write '%s': %s\n", p->path, strerror(errno));
    return 2;
  }
  untrack(p->tmp);
  free(p->tmp);
  p->tmp = NULL;
  return 0;
}

static void discard(Pending *p) {
  if (p->f && p->f != stdout)
    fclose(p->f);
  if (p->tmp) {
    unlink(p->tmp);
    untrack(p->tmp);
    free(p->tmp);
  }
  free(p->target);
  p->tmp = p->target = NULL;
  p->f = NULL;
}

/* ---- the pipeline ---- */

/* A gradient graph of f into out (its forward sweep keeping its caches as f
 * does). */
static RevStatus reverse_into(const FnGraphs *f, Graph *out, RevMode mode, int optimize, int weights, Loc *at) {
  RevStatus status = ir_reverse(&f->fwd, out, optimize, mode, weights, at);
  ir_check_step(out, "reverse (grad)");
  ir_dce_forward(out);
  ir_check(out, "dce (grad)");
  return status;
}

static RevStatus reverse_grad(FnGraphs *f, int optimize, int weights, Loc *at) {
  RevMode mode = ir_sig_array_results(f->sig) ? REV_ROWS : f->fwd.outs.n > 1 ? REV_JAC : REV_GRAD;
  return reverse_into(f, &f->grad, mode, optimize, weights, at);
}

/* The tangents of graph from into out (f_jvp over the forward graph, f_hvp
 * over a gradient's), the forward function's caches kept. The outputs are
 * from's, then the tangents of from's outputs from the first-th on (f_hvp
 * returns the value and stores the gradient and its tangent: not the
 * value's tangent). what, kind: how the too-large diagnostic names it. */
static TanStatus tangent_into(Diag *d, const FnGraphs *f, const Graph *from, Graph *out, int first, int dirs,
                              const char *what, const char *kind, int optimize, Loc *at) {
  TanStatus status = ir_tangent(from, out, first, dirs, optimize, at);
  ir_check_step(out, "tangent");
  ir_dce_forward(out);
  ir_check(out, "dce (tangent)");
  if (status == TAN_TOO_LARGE)
    diag_error(d, f->sig->nameloc, "the %s of '%s' (%s) is too large (more than %d SSA nodes)", what, f->sig->name,
               kind, MAX_NODES);
  return status;
}

/* f_hvp: forward over reverse, over a gradient built again with
 * logsumexp's stored weights read through LSEWT (a weight's tangent needs
 * its term's and the result's); and f_hess's helper, the same along several directions at once (the
 * values made once for them all). 1 when one is too large. */
static int hvp_graph(Diag *d, FnGraphs *f, int optimize) {
  Graph g;
  TanStatus hs = TAN_OK;
  if (reverse_into(f, &g, REV_GRAD, optimize, 2, NULL) == REV_OK) {
    hs = tangent_into(d, f, &g, &f->hvp, 1, 1, "Hessian-vector product", "f_hvp", optimize, NULL);
    if (hs == TAN_OK && cg_hess_dirs(f) > 1)
      hs = tangent_into(d, f, &g, &f->hvps, 1, cg_hess_dirs(f), "Hessian", "f_hess", optimize, NULL);
  }
  graph_free(&g);
  return hs == TAN_TOO_LARGE;
}

/* What a reverse sweep that could not be made says. */
static void reverse_error(Diag *d, const FnGraphs *f, RevStatus status, Loc at) {
  switch (status) {
  case REV_OK:
    break;
  case REV_TOO_LARGE:
    diag_error(d, f->sig->nameloc, "the gradient of '%s' is too large (more than %d SSA nodes)", f->sig->name,
               MAX_NODES);
    break;
  case REV_STORED_RANGE:
    diag_error(d, at,
               "the gradient of '%s' must store the iterations of this loop, but the range of a "
               "loop around it depends on an enclosing index; this is not supported "
               "(doc/limits.md)",
               f->sig->name);
    break;
  case REV_NO_DERIVATIVE:
    diag_error(d, at, "'lgamma' has no derivative in <math.h>; it may only be applied to "
                      "data (const parameters, sizes and constants)");
    break;
  }
}

/* A mode --modes names that no function of the file takes (SPEC 2.7). */
static void unfitting_modes(const FnGraphs *fns, int n, unsigned named, Diag *d) {
  for (int k = 0; k < MODE_KINDS; k++) {
    unsigned bit = 1u << k;
    if (!(named & bit))
      continue;
    int one = (bit & (MODE_GRAD | MODE_HVP | MODE_HESS)) != 0, fits = 0;
    for (int i = 0; i < n && !fits; i++)
      fits = one ? !cg_several(&fns[i]) : bit == MODE_JAC ? cg_several(&fns[i]) : 1;
    if (!fits) {
      fprintf(d->out, "%s: warning: --modes: '%s' fits no function of the file (it is for %s)\n", d->src->name,
              cg_mode_names[k], one ? "functions of one scalar result"
                                : bit == MODE_JAC ? "functions of several results or of array results" : "functions");
      d->warnings++;
    }
  }
}

/* The forward graphs and signatures, then (the names known) the reverse
 * sweeps of the functions emitted (not the private ones, which live on only
 * inlined into their callers): *n of them in fns. */
static int build_all(const Checked *c, Program *prog, Diag *d, const Options *o, Signature *sigs,
                     Names *names, FnGraphs *fns, int *n) {
  int optimize = o->optimize, split = o->split;
  Graph *fwd = xcalloc((size_t)(c->nfuncs ? c->nfuncs : 1), sizeof *fwd);
  int errors = ir_build_program(c, d, (optimize ? BUILD_OPTIMIZE : 0) | (o->bounds_check ? BUILD_BOUNDS_CHECK : 0),
                                fwd, sigs);
  ast_free_bodies(prog); /* the graphs say everything the bodies did */
  *n = 0;
  for (int i = 0; i < c->nfuncs; i++)
    if (sigs[i].is_private) {
      graph_free(&fwd[i]);
    } else {
      fns[*n].sig = &sigs[i];
      fns[*n].modes = o->modes ? o->modes : MODE_DEFAULT;
      fns[(*n)++].fwd = fwd[i];
    }
  cg_names(fns, *n, o->prefix, names);
  for (int i = 0; i < *n; i++)
    fns[i].names = &names->fn[i];
  int built = errors == 0; /* else some graphs were never made: no reverse sweeps */
  for (int i = 0; i < *n && built; i++) {
    FnGraphs *f = &fns[i];
    Loc at;
    int weights = 1;
    RevStatus status = reverse_grad(f, optimize, weights, &at);
    if (status == REV_OK && cg_split_without_weights(&f->grad, split)) {
      graph_free(&f->grad); /* the weights' storage alone keeps it whole: take exp again */
      weights = 0;
      status = reverse_grad(f, optimize, weights, &at);
    }
    if (!cg_vjp_by_grad(f, split)) { /* else f_vjp calls f_grad */
      RevStatus st2 = ir_reverse(&f->fwd, &f->vjp, optimize, REV_VJP, weights, NULL);
      status = status != REV_OK ? status : st2;
      ir_check_step(&f->vjp, "reverse (vjp)");
      ir_dce_forward(&f->vjp);
      ir_check(&f->vjp, "dce (vjp)");
    }
    reverse_error(d, f, status, at);
    errors += status != REV_OK;
    if (f->modes & MODE_JVP) {
      Loc tat;
      TanStatus ts = tangent_into(d, f, &f->fwd, &f->jvp, 0, 1, "tangent", "f_jvp", optimize, &tat);
      if (ts == TAN_NO_DERIVATIVE && status == REV_OK) /* (else the gradient said it) */
        reverse_error(d, f, REV_NO_DERIVATIVE, tat);
      errors += ts == TAN_TOO_LARGE || (ts != TAN_OK && status == REV_OK);
    }
    if (status == REV_OK && cg_hvp_in_file(f))
      errors += hvp_graph(d, f, optimize);
    if (ir_dce_has_kept(&f->fwd)) { /* else nothing more is dead */
      ir_dce_forward(&f->fwd); /* drop the stores only the reverse sweeps read; names stay those of
                        * the gradient's forward sweep */
      ir_check(&f->fwd, "dce (forward)");
    }
  }
  free(fwd);
  if (!errors)
    unfitting_modes(fns, *n, o->modes_named, d);
  return errors;
}

static void free_all(FnGraphs *fns, int n) {
  for (int i = 0; i < n; i++) {
    graph_free(&fns[i].fwd);
    graph_free(&fns[i].grad);
    graph_free(&fns[i].vjp);
    graph_free(&fns[i].jvp);
    graph_free(&fns[i].hvp);
    graph_free(&fns[i].hvps);
  }
  free(fns);
}

static int write_outputs(const Options *o, const FnGraphs *fns, int n, const Source *src, FILE *err) {
  CheckPoint *pts = NULL;
  if (o->emit == EMIT_CHECK && (o->check_sizes || o->check_at) &&
      adc_check_points(o->check_sizes, o->check_at, fns, n, &pts, err))
    return 2;
  char *c_path = NULL, *h_path = NULL;
  const char *out = o->output;
  if (!out) {
    if (o->emit == EMIT_SSA || o->emit == EMIT_DOT)
      out = "-";
    else
      out = c_path = stem_with(o->input, o->emit == EMIT_HEADER ? "_grad.h"
                                         : o->emit == EMIT_CHECK ? "_check.c" : "_grad.c");
  }
  const char *header = NULL;
  if (o->want_header && o->emit == EMIT_C) {
    if (o->header[0]) {
      header = o->header;
    } else {
      char *name = stem_with(strcmp(out, "-") == 0 ? o->input : out, ".h");
      if (strcmp(out, "-") == 0) {
        free(name);
        name = stem_with(o->input, "_grad.h");
      }
      header = h_path = strcmp(out, "-") == 0 ? name : beside(out, name);
      if (h_path != name)
        free(name);
    }
  }
  EmitOpts eo = {o->input, header ? header : (o->emit == EMIT_HEADER ? out : NULL), o->static_fns,
                 src, o->line, o->real, strcmp(o->input, "-") == 0 ? "<stdin>" : o->input, o->split};
  if (strcmp(o->input, "-") == 0)
    eo.input = "stdin";
  Pending pc = {0}, ph = {0};
  StrBuf text = {0}, htext = {0};
  int rc = open_pending(&pc, out, err);
  if (!rc && header)
    rc = open_pending(&ph, header, err);
  if (!rc) {
    text.sink = pc.f;
    switch (o->emit) {
    case EMIT_C: cg_emit_c(&text, fns, n, &eo); break;
    case EMIT_HEADER: cg_emit_header(&text, fns, n, &eo); break;
    case EMIT_SSA: cg_emit_ssa(&text, fns, n, &eo); break;
    case EMIT_DOT: cg_emit_dot(&text, fns, n, &eo); break;
    case EMIT_CHECK: cg_emit_check(&text, fns, n, &eo, pts); break;
    }
    rc = close_pending(&pc, &text, err);
  }
  if (!rc && header) {
    htext.sink = ph.f;
    cg_emit_header(&htext, fns, n, &eo);
    rc = close_pending(&ph, &htext, err);
  }
  /* Only now, with every file complete, do they replace the old ones. */
  if (!rc)
    rc = commit(&pc, err);
  if (!rc && header)
    rc = commit(&ph, err);
  discard(&pc);
  discard(&ph);
  sb_free(&text);
  sb_free(&htext);
  free(c_path);
  free(h_path);
  adc_check_points_free(pts, n);
  return rc;
}

/* --check: STEM_grad.c and STEM_check.c in a fresh temporary directory,
 * built with $CC and run; the program's table goes to standard output. */
static int run_check(const Options *o, const FnGraphs *fns, int n, const Source *src, FILE *err) {
  const char *tmp = getenv("TMPDIR");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/adc-check-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    fprintf(err, "adc: error: cannot make a temporary directory in '%s': %s\n", tmp && tmp[0] ? tmp : "/tmp",
            strerror(errno));
    return 2;
  }
  char *gname = stem_with(o->input, "_grad.c"), *cname = stem_with(o->input, "_check.c");
  char *gpath = beside(dir, gname), *cpath = beside(dir, cname), *exe = beside(dir, "check");
  /* beside() keeps the directory of its first argument: make it dir itself */
  free(gpath);
  free(cpath);
  free(exe);
  size_t dl = strlen(dir);
  gpath = xmalloc(dl + strlen(gname) + 2);
  cpath = xmalloc(dl + strlen(cname) + 2);
  exe = xmalloc(dl + 7);
  sprintf(gpath, "%s/%s", dir, gname);
  sprintf(cpath, "%s/%s", dir, cname);
  sprintf(exe, "%s/check", dir);
  Options c = *o;
  c.check = c.want_header = 0;
  c.emit = EMIT_C;
  c.output = gpath;
  int rc = write_outputs(&c, fns, n, src, err);
  c.emit = EMIT_CHECK;
  c.output = cpath;
  if (!rc)
    rc = write_outputs(&c, fns, n, src, err);
  if (!rc) {
    const char *cc = getenv("CC");
    StrBuf cmd = {0};
    sb_printf(&cmd, "%s -std=c99 -O1 -o '%s' '%s' -lm", cc && cc[0] ? cc : "cc", exe, cpath);
    fflush(stdout);
    if (system(cmd.s) != 0) {
      fprintf(err, "adc: error: the check program did not build with '%s'\n", cc && cc[0] ? cc : "cc");
      rc = 2;
    } else {
      cmd.len = 0;
      sb_printf(&cmd, "'%s'", exe);
      rc = system(cmd.s) == 0 ? 0 : 1;
    }
    sb_free(&cmd);
  }
  unlink(exe);
  unlink(cpath);
  unlink(gpath);
  rmdir(dir);
  free(gname);
  free(cname);
  free(gpath);
  free(cpath);
  free(exe);
  return rc;
}

/* What to do with the graphs once the input compiled without errors. */
typedef int (*Finish)(const Options *o, const FnGraphs *fns, int n, const Source *src, void *ctx,
                      FILE *err);

/* The pipeline proper, on source text in memory (NUL-terminated). */
static int compile_text(const Options *o, const char *name, const char *text, int len, Finish finish,
                        void *ctx, FILE *err) {
  Source src;
  source_init(&src, name, text, len);
  Diag d = {&src, err, 0, 0};
  Arena arena = {0};
  Program prog = {0};
  Checked checked = {0};
  Names names = {0};
  FnGraphs *fns = NULL;
  Signature *sigs = NULL;
  int rc = 1;
  if (parse_program(&src, &d, &arena, &prog) == 0 && sema_check(&prog, &d, &checked) == 0) {
    int n = checked.nfuncs, emitted = 0;
    fns = xcalloc((size_t)(n ? n : 1), sizeof *fns);
    sigs = xcalloc((size_t)(n ? n : 1), sizeof *sigs);
    if (build_all(&checked, &prog, &d, o, sigs, &names, fns, &emitted) == 0)
      rc = finish(o, fns, emitted, &src, ctx, err);
    free_all(fns, emitted);
    for (int i = 0; i < n; i++)
      ir_sig_free(&sigs[i]);
    free(sigs);
    cg_names_free(&names);
  }
  sema_free(&checked);
  ast_free_bodies(&prog);
  arena_free(&arena);
  source_free(&src);
  return rc;
}

static int finish_files(const Options *o, const FnGraphs *fns, int n, const Source *src, void *ctx,
                        FILE *err) {
  (void)ctx;
  return o->eval    ? adc_eval(o->eval, fns, n, stdout, err)
         : o->check ? run_check(o, fns, n, src, err)
                    : write_outputs(o, fns, n, src, err);
}

int adc_run(const Options *o, FILE *err) {
  int len = 0;
  char *text = read_file(o->input, &len, err);
  if (!text)
    return 2;
  int rc = compile_text(o, strcmp(o->input, "-") == 0 ? "<stdin>" : o->input, text, len,
                        finish_files, NULL, err);
  free(text);
  return rc;
}

/* Every kind of output, one after the other, into the caller's buffer. */
static int finish_memory(const Options *o, const FnGraphs *fns, int n, const Source *src, void *ctx,
                         FILE *err) {
  (void)err;
  StrBuf *out = ctx;
  EmitOpts eo = {o->input, "f_grad.h", o->static_fns, src, o->line, o->real, o->input, o->split};
  cg_emit_c(out, fns, n, &eo);
  cg_emit_header(out, fns, n, &eo);
  cg_emit_ssa(out, fns, n, &eo);
  cg_emit_dot(out, fns, n, &eo);
  if (!o->real)
    cg_emit_check(out, fns, n, &eo, NULL);
  return 0;
}

int adc_compile_memory(const Options *o, const char *text, int len, StrBuf *out, FILE *err) {
  return compile_text(o, o->input, text, len, finish_memory, out, err);
}
