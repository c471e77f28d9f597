/* harness.c - compile programs in process, run commands, compare files. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"

int ht_compile(Compiled *c, const char *text, int optimize) {
  memset(c, 0, sizeof *c);
  size_t n = strlen(text);
  c->text = xmalloc(n + 1);
  memcpy(c->text, text, n + 1);
  source_init(&c->src, "t.ad", c->text, (int)n);
  size_t dlen = 0;
  FILE *err = open_memstream(&c->diag, &dlen);
  Diag d = {&c->src, err, 0, 0};
  if (parse_program(&c->src, &d, &c->arena, &c->prog) == 0 &&
      sema_check(&c->prog, &d, &c->checked) == 0) {
    c->nfns = c->checked.nfuncs;
    c->fns = xcalloc((size_t)(c->nfns ? c->nfns : 1), sizeof *c->fns);
    c->sigs = xcalloc((size_t)(c->nfns ? c->nfns : 1), sizeof *c->sigs);
    Graph *fwd = xcalloc((size_t)(c->nfns ? c->nfns : 1), sizeof *fwd);
    ir_build_program(&c->checked, &d, optimize ? BUILD_OPTIMIZE : 0, fwd, c->sigs);
    int k = 0; /* the functions emitted: private ones are not */
    for (int i = 0; i < c->nfns; i++)
      if (c->sigs[i].is_private)
        graph_free(&fwd[i]);
      else
        c->fns[k].sig = &c->sigs[i], c->fns[k++].fwd = fwd[i];
    c->nsigs = c->nfns;
    c->nfns = k;
    cg_names(c->fns, c->nfns, NULL, &c->names);
    for (int i = 0; i < c->nfns; i++) {
      FnGraphs *f = &c->fns[i];
      f->names = &c->names.fn[i];
      ir_reverse(&f->fwd, &f->grad, optimize, f->fwd.outs.n > 1 ? REV_JAC : REV_GRAD, 1, NULL);
      ir_dce(&f->grad);
      ir_reverse(&f->fwd, &f->vjp, optimize, REV_VJP, 1, NULL);
      ir_dce(&f->vjp);
      if (f->fwd.outs.n == 1 && !ir_sig_array_results(f->sig)) { /* f_hvp's graph, as the driver makes it */
        Graph g = {0};
        if (ir_reverse(&f->fwd, &g, optimize, REV_GRAD, 2, NULL) == REV_OK) {
          ir_dce_forward(&g);
          if (ir_tangent(&g, &f->hvp, 1, 1, optimize, NULL) == TAN_OK) /* (the value's tangent not made) */
            ir_dce_forward(&f->hvp);
          if (ir_tangent(&g, &f->hvps, 1, IR_MAX_DIRS, optimize, NULL) == TAN_OK) /* f_hess's helper's */
            ir_dce_forward(&f->hvps);
        }
        graph_free(&g);
      }
      ir_dce(&f->fwd);
    }
    free(fwd);
  }
  fclose(err);
  c->errors = d.errors;
  return d.errors;
}

void ht_free(Compiled *c) {
  for (int i = 0; i < c->nfns; i++) {
    graph_free(&c->fns[i].fwd);
    graph_free(&c->fns[i].grad);
    graph_free(&c->fns[i].vjp);
    graph_free(&c->fns[i].hvp);
    graph_free(&c->fns[i].hvps);
  }
  free(c->fns);
  for (int i = 0; i < c->nsigs; i++)
    ir_sig_free(&c->sigs[i]);
  free(c->sigs);
  if (c->names.fn)
    cg_names_free(&c->names);
  sema_free(&c->checked);
  ast_free_bodies(&c->prog);
  arena_free(&c->arena);
  source_free(&c->src);
  free(c->text);
  free(c->diag);
}

FnGraphs *ht_fn(Compiled *c, const char *name) {
  for (int i = 0; i < c->nfns; i++)
    if (strcmp(c->fns[i].sig->name, name) == 0)
      return &c->fns[i];
  return NULL;
}

double ht_grad(const FnGraphs *f, const double *x, double *grad) {
  double outs[64];
  rt_eval(&f->grad, x, outs);
  for (int i = 0; i < f->grad.nparams; i++)
    grad[i] = outs[1 + i];
  return outs[0];
}

double ht_hvp(const FnGraphs *f, const double *x, const double *dir, double *grad, double *hv) {
  double in[64] = {0}, outs[64];
  int n = f->fwd.nparams;
  for (int i = 0; i < n; i++)
    in[i] = x[i], in[n + i] = dir[i];
  rt_eval(&f->hvp, in, outs);
  for (int i = 0; i < n; i++)
    grad[i] = outs[1 + i], hv[i] = outs[1 + n + i];
  return outs[0];
}

double ht_hess(const FnGraphs *f, const double *x, double *grad, double *hess) {
  double e[32], v = 0;
  int n = f->fwd.nparams;
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < n; i++)
      e[i] = i == j;
    v = ht_hvp(f, x, e, grad, hess + j * n);
  }
  return v;
}

double ht_hvp_dirs(const FnGraphs *f, const double *x, const double *dirs, double *grad, double *hv) {
  double in[128] = {0}, outs[128];
  int n = f->fwd.nparams;
  for (int i = 0; i < n; i++) {
    in[i] = x[i];
    for (int w = 0; w < IR_MAX_DIRS; w++)
      in[n * (1 + 2 * w) + i] = dirs[w * n + i];
  }
  rt_eval(&f->hvps, in, outs);
  for (int i = 0; i < n; i++)
    grad[i] = outs[1 + i];
  for (int k = 0; k < IR_MAX_DIRS * n; k++)
    hv[k] = outs[1 + n + k];
  return outs[0];
}

double ht_central(const FnGraphs *f, const double *x, int i) {
  double xs[32], hi, lo;
  int n = f->fwd.nparams;
  memcpy(xs, x, (size_t)n * sizeof *xs);
  double h = 1e-6 * (1 + fabs(x[i]));
  xs[i] = x[i] + h;
  rt_eval(&f->fwd, xs, &hi);
  xs[i] = x[i] - h;
  rt_eval(&f->fwd, xs, &lo);
  return (hi - lo) / (2 * h);
}

const char *ht_tmpdir(void) {
  static char dir[1024];
  if (!dir[0]) {
    const char *t = getenv("ADC_TMP");
    snprintf(dir, sizeof dir, "%s", t ? t : "build/tmp");
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0)
      fprintf(stderr, "cannot make %s\n", dir);
  }
  return dir;
}

const char *ht_adc(void) {
  const char *a = getenv("ADC");
  return a ? a : "./adc";
}

char *ht_path(const char *name) {
  static char bufs[8][1200];
  static int k;
  char *b = bufs[k++ % 8];
  snprintf(b, 1200, "%s/%s", ht_tmpdir(), name);
  return b;
}

void ht_write(const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot write %s", path);
  fwrite(text, 1, len, f);
  fclose(f);
}

char *ht_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *s = xmalloc(cap + 1);
  size_t got;
  while ((got = fread(s + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap)
      s = xrealloc(s, (cap *= 2) + 1);
  }
  fclose(f);
  s[n] = '\0';
  if (len)
    *len = n;
  return s;
}

int ht_sh(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

char *ht_capture(int *status, const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  FILE *p = popen(cmd, "r");
  if (!p) {
    *status = 127;
    return NULL;
  }
  size_t cap = 4096, n = 0, got;
  char *s = xmalloc(cap + 1);
  while ((got = fread(s + n, 1, cap - n, p)) > 0) {
    n += got;
    if (n == cap)
      s = xrealloc(s, (cap *= 2) + 1);
  }
  s[n] = '\0';
  int st = pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  return s;
}

char *ht_deep_parens(int n, size_t *len) {
  char *t = xmalloc((size_t)(2 * n + 32));
  int k = sprintf(t, "fn f(x) = ");
  memset(t + k, '(', (size_t)n);
  k += n;
  t[k++] = 'x';
  memset(t + k, ')', (size_t)n);
  k += n;
  k += sprintf(t + k, ";\n");
  *len = (size_t)k;
  return t;
}

int ht_run_adc(char **err, const char *const *argv) {
  int argc = 0;
  while (argv[argc])
    argc++;
  size_t len = 0;
  char *out_text = NULL;
  FILE *e = open_memstream(err, &len);
  FILE *o = open_memstream(&out_text, &len);
  Options opts;
  int rc = adc_parse_args(argc, (char **)argv, &opts, o, e);
  if (rc < 0)
    rc = adc_run(&opts, e);
  fclose(e);
  fclose(o);
  free(out_text);
  return rc;
}

int ht_build_run(const char *stem, const char *ad_src, const char *driver_src, const char *prefix) {
  char ad[600], gen[600], drv[600], exe[600];
  snprintf(ad, sizeof ad, "%s.ad", ht_path(stem));
  snprintf(gen, sizeof gen, "%s_grad.c", ht_path(stem));
  snprintf(drv, sizeof drv, "%s_drv.c", ht_path(stem));
  snprintf(exe, sizeof exe, "%s", ht_path(stem));
  ht_write(ad, ad_src, strlen(ad_src));
  ht_write(drv, driver_src, strlen(driver_src));
  int rc = ht_sh("'%s' --header -o %s %s", ht_adc(), gen, ad);
  if (rc == 0)
    rc = ht_sh("gcc -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -o %s %s %s -lm", exe, gen, drv);
  if (rc == 0)
    rc = ht_sh("%s%s%s", prefix, prefix[0] ? " && " : "", exe);
  return rc;
}

void ht_generate(GenCase *g, const char *tag, const char *src, const char *cc, const char *adc_flags) {
  snprintf(g->ad, sizeof g->ad, "%s", ht_path(tag));
  snprintf(g->gen, sizeof g->gen, "%s_grad.c", g->ad);
  snprintf(g->hdr, sizeof g->hdr, "%s_grad.h", g->ad);
  snprintf(g->drv, sizeof g->drv, "%s_drv.c", g->ad);
  snprintf(g->exe, sizeof g->exe, "%s_%s", g->ad, cc);
  strcat(g->ad, ".ad");
  g->header = strrchr(g->hdr, '/') + 1;
  ht_write(g->ad, src, strlen(src));
  int rc = ht_sh("'%s' %s --header=%s -o %s %s", ht_adc(), adc_flags ? adc_flags : "", g->hdr, g->gen, g->ad);
  ck_assert_msg(rc == 0, "%s: adc failed", tag);
}

void ht_must_compile(const GenCase *g, const char *tag, const char *what, const char *cmd) {
  char log[1500];
  snprintf(log, sizeof log, "%s.log", g->exe);
  int rc = ht_sh("%s 2>%s", cmd, log);
  char *l = ht_slurp(log, NULL);
  ck_assert_msg(rc == 0, "%s: %s:\n%s", tag, what, l ? l : "");
  free(l);
}

void ht_must_run(const GenCase *g, const char *tag, const char *cc) {
  int st;
  char *out = ht_capture(&st, "%s", g->exe);
  ck_assert_msg(st == 0, "%s (%s): %s", tag, cc, out ? out : "");
  free(out);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char **ht_list_ad(const char *dir, int *count) {
  char **v = NULL;
  int n = 0;
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len > 3 && strcmp(e->d_name + len - 3, ".ad") == 0) {
      v = xrealloc(v, (size_t)(n + 1) * sizeof *v);
      v[n] = xmalloc(strlen(dir) + len + 2);
      sprintf(v[n++], "%s/%s", dir, e->d_name);
    }
  }
  if (d)
    closedir(d);
  if (n)
    qsort(v, (size_t)n, sizeof *v, cmp_str);
  *count = n;
  return v;
}
