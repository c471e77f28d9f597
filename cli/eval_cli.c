/* eval_cli.c - adc --eval 'x0=0.6, x1=1.4' f.ad: each function whose
 * parameters are all given is run by the interpreter (runtime/), no C
 * compiler involved, and its value and gradient (or Jacobian) printed.
 * Arrays are written [1, 2, 3] (row-major); sizes are given (n=3) or
 * follow from the length of an array whose one dimension they are. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "driver.h"
#include "runtime.h"

typedef struct Assign {
  const char *name; /* points into the owned copy of the text */
  double *v;
  long n;
  int is_array, used;
} Assign;

typedef VEC(Assign) AssignVec;

static const char *skip_space(const char *p) {
  while (isspace((unsigned char)*p))
    p++;
  return p;
}

static int eval_error(FILE *err, const char *what, const char *at) {
  fprintf(err, "adc: error: --eval: %s at '%.20s'\n", what, at);
  return 2;
}

static const char *number(const char *p, double *out) {
  char *end;
  errno = 0;
  *out = strtod(p, &end);
  return end == p ? NULL : end;
}

/* name = number | name = [number, ...], separated by commas. */
static int parse_assignments(char *text, AssignVec *out, FILE *err) {
  char *p = text;
  for (;;) {
    p = (char *)skip_space(p);
    if (!*p)
      return out->n ? 0 : eval_error(err, "expected 'name=value'", p);
    char *name = p;
    while (isalnum((unsigned char)*p) || *p == '_')
      p++;
    if (p == name)
      return eval_error(err, "expected a name", name);
    char *end = p;
    p = (char *)skip_space(p);
    if (*p != '=')
      return eval_error(err, "expected '=' after the name", p);
    *end = '\0';
    for (int i = 0; i < out->n; i++)
      if (strcmp(out->v[i].name, name) == 0)
        return eval_error(err, "a name is given twice", name);
    Assign fresh = {name, NULL, 0, 0, 0};
    vec_push(out, fresh); /* now owned by out, also when a value is bad */
    Assign *a = &out->v[out->n - 1];
    p = (char *)skip_space(p + 1);
    if (*p == '[') {
      a->is_array = 1;
      p = (char *)skip_space(p + 1);
      while (*p != ']') {
        double d;
        const char *q = number(p, &d);
        if (!q)
          return eval_error(err, "expected a number or ']'", p);
        a->v = xrealloc(a->v, (size_t)(a->n + 1) * sizeof *a->v);
        a->v[a->n++] = d;
        p = (char *)skip_space(q);
        if (*p == ',')
          p = (char *)skip_space(p + 1);
        else if (*p != ']')
          return eval_error(err, "expected ',' or ']'", p);
      }
      p++;
    } else {
      double d;
      const char *q = number(p, &d);
      if (!q)
        return eval_error(err, "expected a number or '['", p);
      a->v = xmalloc(sizeof *a->v);
      a->v[0] = d;
      a->n = 1;
      p = (char *)q;
    }
    p = (char *)skip_space(p);
    if (!*p)
      return 0;
    if (*p != ',')
      return eval_error(err, "expected ',' between assignments", p);
    p++;
  }
}

/* Integer data takes integers (in int's range): 1 when a's values are. */
static int integral(const SigParam *p, const Assign *a) {
  for (long k = 0; k < a->n && p->is_int; k++)
    if (a->v[k] != floor(a->v[k]) || fabs(a->v[k]) > 2147483647.0)
      return 0;
  return 1;
}

static Assign *find(AssignVec *as, const char *name) {
  for (int i = 0; i < as->n; i++)
    if (strcmp(as->v[i].name, name) == 0)
      return &as->v[i];
  return NULL;
}

/* A size an array's length tells: its one unknown dimension, when that is
 * a size by itself, is the length over the other dimensions. 1 if found. */
static int infer_from(const Signature *sig, int p, const Assign *a, long *size) {
  const SigParam *pa = &sig->params[p];
  int unknown = -1;
  long known = 1;
  for (int k = 0; k < pa->ndims; k++) {
    long d = ir_dim_value(sig, pa->dims[k], size);
    if (d >= 0) {
      known *= d;
    } else if (unknown < 0 && !ref_is_const(pa->dims[k]) && sig->dims.nodes.v[pa->dims[k]].op == OP_SIZE) {
      unknown = k;
    } else {
      return 0;
    }
  }
  if (unknown < 0 || known <= 0 || a->n % known)
    return 0;
  size[sig->dims.nodes.v[pa->dims[unknown]].aux] = a->n / known;
  return 1;
}

/* Sizes: given, or told by the arrays' lengths (repeatedly: means[K, D]
 * tells D once alphas[K] told K); -1 where neither. Returns a size given
 * as something else than a non-negative integer, or NULL. */
static const char *take_sizes(const Signature *sig, AssignVec *as, long *size) {
  for (int k = 0; k < sig->nsizes; k++) {
    Assign *a = find(as, sig->sizes[k]);
    size[k] = -1;
    if (a) {
      if (a->is_array || a->v[0] < 0 || a->v[0] != floor(a->v[0]) || a->v[0] > 1e9)
        return sig->sizes[k];
      size[k] = (long)a->v[0];
      a->used = 1;
    }
  }
  for (int progress = 1; progress;) {
    progress = 0;
    for (int i = 0; i < sig->nparams; i++) {
      Assign *a = find(as, sig->params[i].name);
      if (a && a->is_array)
        progress |= infer_from(sig, i, a, size);
    }
  }
  return NULL;
}

/* The sizes, all known; else returns one that is not (or is wrong). */
static const char *find_sizes(const Signature *sig, AssignVec *as, long *size) {
  const char *bad = take_sizes(sig, as, size);
  if (bad)
    return bad;
  for (int k = 0; k < sig->nsizes; k++)
    if (size[k] < 0)
      return sig->sizes[k];
  return NULL;
}

/* The shortest text that reads back as v, as in the emitted C (integer
 * data as integers). */
static void print_number(FILE *out, double v, int is_int) {
  StrBuf b = {0};
  if (is_int)
    sb_int(&b, (long)v);
  else
    sb_double(&b, v);
  fputs(b.s, out);
  sb_free(&b);
}

static void print_array(FILE *out, const double *v, long n, int is_int) {
  fputc('[', out);
  for (long i = 0; i < n; i++) {
    if (i)
      fputs(", ", out);
    print_number(out, v[i], is_int);
  }
  fputc(']', out);
}

/* "f(x = 1.0, v = [1.0, 2.0])": the call evaluated */
static void print_call(FILE *out, const Signature *f, const double *inputs, const double **arrays, const long *lens) {
  fprintf(out, "%s(", f->name);
  for (int i = 0; i < f->nparams; i++) {
    fprintf(out, "%s%s = ", i ? ", " : "", f->params[i].name);
    if (f->params[i].ndims)
      print_array(out, arrays[i], lens[i], f->params[i].is_int);
    else
      print_number(out, inputs[i], f->params[i].is_int);
  }
  fputs(")", out);
}

/* A function with an array result: its values by the forward graph, then
 * each row of its Jacobian by the vjp graph with that row's unit
 * cotangent (as f_jac does). arrays and lens have room for the cotangents
 * after the parameters; grads per parameter (row 0). */
static const char *eval_rows(const FnGraphs *fg, double *inputs, const int *sizes, const double **arrays, long *lens,
                             double **grads, const long *size, FILE *out) {
  const Signature *f = fg->sig;
  int np = f->nparams, nv = fg->fwd.outs.n;
  long *len = xcalloc((size_t)nv + 1, sizeof *len);
  double **res = xcalloc((size_t)nv + 1, sizeof *res), *outs = xcalloc((size_t)nv + (size_t)np + 1, sizeof *outs);
  for (int o = 0; o < nv; o++)
    if (f->results[o].ndims) {
      len[o] = ir_result_length(f, o, size);
      res[o] = xcalloc((size_t)(len[o] > 0 ? len[o] : 1), sizeof **res);
      arrays[np + o] = res[o]; /* reused below as the cotangent */
      lens[np + o] = len[o];
    }
  RtArgs args = {inputs, sizes, arrays, lens, grads, res};
  const char *why = rt_run(&fg->fwd, &args, outs);
  for (int o = 0; o < nv && !why; o++) {
    fprintf(out, "%s%s = ", o ? "\n  " : " ->\n  ", f->outs[o]);
    if (res[o])
      print_array(out, res[o], len[o], 0);
    else
      print_number(out, outs[o], 0);
  }
  if (!why)
    fputc('\n', out);
  args.results = NULL;
  for (int o = 0; o < nv && !why; o++)
    for (long j = 0; j < (res[o] ? len[o] : 1) && !why; j++) {
      for (int k = 0; k < nv; k++) { /* the unit cotangent of row (o, j) */
        if (res[k])
          memset(res[k], 0, (size_t)(len[k] > 0 ? len[k] : 1) * sizeof **res);
        else
          inputs[np + k] = 0;
      }
      if (res[o])
        res[o][j] = 1;
      else
        inputs[np + o] = 1;
      for (int i = 0; i < np; i++)
        if (grads[i])
          memset(grads[i], 0, (size_t)(lens[i] > 0 ? lens[i] : 1) * sizeof **grads);
      why = rt_run(&fg->vjp, &args, outs);
      for (int i = 0; i < np && !why; i++) {
        if (f->params[i].is_const)
          continue;
        if (res[o])
          fprintf(out, "  d%s[%ld]/d%s = ", f->outs[o], j, f->params[i].name);
        else
          fprintf(out, "  d%s/d%s = ", f->outs[o], f->params[i].name);
        if (f->params[i].ndims)
          print_array(out, grads[i], lens[i], 0);
        else
          print_number(out, outs[i], 0);
        fputc('\n', out);
      }
    }
  for (int o = 0; o < nv; o++)
    free(res[o]);
  free(res);
  free(len);
  free(outs);
  return why;
}

/* The Hessian (--modes with hess, one scalar result) as f_hess makes it:
 * the hvp graph once per column along its unit vector, then the lower
 * triangle copied over the upper; printed a row per line, after the names
 * of its columns. inputs has room for the tangents after the parameters. */
static const char *eval_hessian(const FnGraphs *fg, double *inputs, const int *sizes, const double **arrays,
                                const long *lens, FILE *out) {
  const Signature *f = fg->sig;
  int np = f->nparams;
  long n = 0, *off = xcalloc((size_t)np + 1, sizeof *off);
  const double **arr = xcalloc(3 * (size_t)np + 1, sizeof *arr);
  long *len = xcalloc(3 * (size_t)np + 1, sizeof *len);
  double **grads = xcalloc(3 * (size_t)np + 1, sizeof *grads), **dots = xcalloc((size_t)np + 1, sizeof *dots);
  for (int p = 0; p < np; p++) {
    arr[p] = arrays[p];
    len[p] = len[np + p] = len[2 * np + p] = lens[p];
    off[p] = n;
    if (f->params[p].is_const)
      continue;
    n += f->params[p].ndims ? lens[p] : 1;
    if (f->params[p].ndims) {
      size_t m = (size_t)(lens[p] > 0 ? lens[p] : 1);
      arr[np + p] = dots[p] = xcalloc(m, sizeof **dots);
      grads[p] = xcalloc(m, sizeof **grads);
      grads[2 * np + p] = xcalloc(m, sizeof **grads);
    }
  }
  double *h = xcalloc((size_t)(n * n) + 1, sizeof *h), *outs = xcalloc((size_t)fg->hvp.outs.n + 1, sizeof *outs);
  RtArgs args = {inputs, sizes, arr, len, grads, NULL};
  const char *why = NULL;
  for (long c = 0; c < n && !why; c++) {
    for (int p = 0; p < np; p++) {
      if (f->params[p].is_const)
        continue;
      for (long e = 0; f->params[p].ndims && e < lens[p]; e++)
        dots[p][e] = off[p] + e == c, grads[p][e] = grads[2 * np + p][e] = 0;
      inputs[np + p] = !f->params[p].ndims && off[p] == c;
    }
    why = rt_run(&fg->hvp, &args, outs);
    for (int p = 0; p < np; p++)
      for (long e = 0; !f->params[p].is_const && e < (f->params[p].ndims ? lens[p] : 1); e++)
        h[c * n + off[p] + e] = f->params[p].ndims ? grads[2 * np + p][e] : outs[1 + np + p];
  }
  for (long r = 0; r < n; r++)
    for (long c = 0; c < r; c++)
      h[c * n + r] = h[r * n + c];
  if (!why && n) {
    fprintf(out, "  d2%s (rows and columns ", f->name);
    for (int p = 0, k = 0; p < np; p++)
      if (!f->params[p].is_const && (!f->params[p].ndims || lens[p] > 0)) {
        fprintf(out, f->params[p].ndims && lens[p] > 1 ? "%s%s[0..%ld]" : f->params[p].ndims ? "%s%s[0]" : "%s%s",
                k++ ? ", " : "", f->params[p].name, lens[p] - 1);
      }
    fputs(") =\n", out);
    for (long r = 0; r < n; r++) {
      fputs("    ", out);
      print_array(out, h + r * n, n, 0);
      fputc('\n', out);
    }
  }
  for (int p = 0; p < np; p++) {
    free(dots[p]);
    free(grads[p]);
    free(grads[2 * np + p]);
  }
  free(off);
  free(arr);
  free(len);
  free(grads);
  free(dots);
  free(h);
  free(outs);
  return why;
}

/* One function: check and gather its arguments, run, print. 0 done, 1 skipped
 * (a parameter has no value), 2 an error. */
static int eval_function(const FnGraphs *fg, AssignVec *as, FILE *out, FILE *err) {
  const Signature *f = fg->sig, *sig = f;
  int np = f->nparams, nv = fg->fwd.outs.n, rc = 0;
  long size[64];
  if (sig->nsizes > 64)
    return 1;
  for (int i = 0; i < np; i++)
    if (!find(as, f->params[i].name))
      return 1;
  const char *missing = find_sizes(sig, as, size);
  if (missing) {
    fprintf(err, "adc: error: --eval: %s: give the size '%s' (a non-negative integer), e.g. '%s=3'\n", f->name,
            missing, missing);
    return 2;
  }
  double *inputs = xcalloc(2 * (size_t)np + (size_t)nv + 1, sizeof *inputs); /* (f_hess's tangents) */
  const double **arrays = xcalloc((size_t)np + (size_t)nv + 1, sizeof *arrays);
  long *lens = xcalloc((size_t)np + (size_t)nv + 1, sizeof *lens);
  double **grads = xcalloc((size_t)(np * nv) + 1, sizeof *grads);
  int sizes[64];
  for (int k = 0; k < sig->nsizes; k++)
    sizes[k] = (int)size[k];
  for (int i = 0; i < np && !rc; i++) {
    const SigParam *p = &f->params[i];
    Assign *a = find(as, p->name);
    a->used = 1;
    lens[i] = ir_param_length(sig, i, size);
    if (p->ndims != 0) {
      if (!a->is_array || a->n != lens[i]) {
        fprintf(err, "adc: error: --eval: %s: '%s' needs %ld values, as [...]; %ld given\n", f->name, p->name,
                lens[i], a->is_array ? a->n : 0L);
        rc = 2;
      }
      arrays[i] = a->v;
      for (int o = 0; o < nv && !p->is_const; o++)
        grads[o * np + i] = xcalloc((size_t)(lens[i] ? lens[i] : 1), sizeof **grads);
    } else if (a->is_array) {
      fprintf(err, "adc: error: --eval: %s: '%s' is a number, not an array\n", f->name, p->name);
      rc = 2;
    } else {
      inputs[i] = a->v[0];
    }
    if (!rc && !integral(p, a)) {
      fprintf(err, "adc: error: --eval: %s: '%s' is integer data: its values must be integers\n", f->name, p->name);
      rc = 2;
    }
  }
  if (!rc && ir_sig_array_results(f)) {
    print_call(out, f, inputs, arrays, lens);
    const char *why = eval_rows(fg, inputs, sizes, arrays, lens, grads, size, out);
    if (why) {
      fprintf(err, "adc: error: --eval: %s: %s\n", f->name, why);
      rc = 2;
    }
  } else if (!rc) {
    RtArgs args = {inputs, sizes, arrays, lens, grads, NULL};
    double *outs = xcalloc((size_t)fg->grad.outs.n + 1, sizeof *outs);
    const char *why = rt_run(&fg->grad, &args, outs);
    if (why) {
      fprintf(err, "adc: error: --eval: %s: %s\n", f->name, why);
      rc = 2;
    } else {
      print_call(out, f, inputs, arrays, lens);
      for (int o = 0; o < nv; o++) {
        if (nv > 1)
          fprintf(out, "%s%s", o ? "\n  " : " ->\n  ", f->outs[o]);
        fputs(" = ", out);
        print_number(out, outs[o], 0);
      }
      fputc('\n', out);
      for (int o = 0; o < nv; o++)
        for (int i = 0; i < np; i++) {
          if (f->params[i].is_const)
            continue;
          fprintf(out, "  d%s/d%s = ", nv > 1 ? f->outs[o] : f->name, f->params[i].name);
          if (f->params[i].ndims)
            print_array(out, grads[o * np + i], lens[i], 0);
          else
            print_number(out, outs[nv + o * np + i], 0);
          fputc('\n', out);
        }
      why = cg_emits(fg, FN_HESS) ? eval_hessian(fg, inputs, sizes, arrays, lens, out) : NULL;
      if (why) {
        fprintf(err, "adc: error: --eval: %s: %s\n", f->name, why);
        rc = 2;
      }
    }
    free(outs);
  }
  free(inputs);
  free(arrays);
  free(lens);
  for (int i = 0; i < np * nv; i++)
    free(grads[i]);
  free(grads);
  return rc;
}

int adc_eval(const char *text, const FnGraphs *fns, int n, FILE *out, FILE *err) {
  char *copy = xmalloc(strlen(text) + 1);
  strcpy(copy, text);
  AssignVec as = {0};
  int rc = parse_assignments(copy, &as, err), done = 0;
  for (int i = 0; i < n && !rc; i++) {
    int r = eval_function(&fns[i], &as, out, err);
    if (r == 2)
      rc = 2;
    done += r == 0;
  }
  if (!rc && !done) {
    fprintf(err, "adc: error: --eval: no function has a value for each of its parameters\n");
    rc = 2;
  }
  for (int i = 0; i < as.n && !rc; i++)
    if (!as.v[i].used) {
      fprintf(err, "adc: error: --eval: '%s' is not a parameter or size of any function that could run\n",
              as.v[i].name);
      rc = 2;
    }
  for (int i = 0; i < as.n; i++)
    free(as.v[i].v);
  vec_free(&as);
  free(copy);
  return rc;
}

/* ---- --check-sizes and --check-at: the check program's point ---- */

/* Function f's sizes: given, told by an array's length, else 3. 0, or 2
 * with a message. */
static int point_sizes(const Signature *sig, AssignVec *as, long *size, FILE *err) {
  const char *bad = take_sizes(sig, as, size);
  if (bad) {
    fprintf(err, "adc: error: --check-sizes: the size '%s' must be a non-negative integer\n", bad);
    return 2;
  }
  for (int k = 0; k < sig->nsizes; k++)
    if (size[k] < 0)
      size[k] = 3;
  return 0;
}

/* Function f's parameters that are given, with their shapes checked. */
static int point_values(const Signature *sig, AssignVec *as, CheckPoint *pt, FILE *err) {
  for (int p = 0; p < sig->nparams; p++) {
    const SigParam *q = &sig->params[p];
    Assign *a = find(as, q->name);
    if (!a)
      continue;
    a->used = 1;
    long len = ir_param_length(sig, p, pt->sizes);
    if (q->ndims ? !a->is_array || a->n != len : a->is_array) {
      if (q->ndims)
        fprintf(err, "adc: error: --check-at: %s: '%s' needs %ld values, as [...]; %ld given\n", sig->name, q->name,
                len, a->is_array ? a->n : 0L);
      else
        fprintf(err, "adc: error: --check-at: %s: '%s' is a number, not an array\n", sig->name, q->name);
      return 2;
    }
    if (!integral(q, a)) {
      fprintf(err, "adc: error: --check-at: %s: '%s' is integer data: its values must be integers\n", sig->name,
              q->name);
      return 2;
    }
    double *v = xmalloc(sizeof *v * (size_t)(len ? len : 1));
    memcpy(v, a->v, sizeof *v * (size_t)len);
    pt->values[p] = v;
  }
  return 0;
}

int adc_check_points(const char *sizes, const char *at, const FnGraphs *fns, int n, CheckPoint **out, FILE *err) {
  StrBuf text = {0};
  sb_printf(&text, "%s%s%s", sizes ? sizes : "", sizes && at ? ", " : "", at ? at : "");
  AssignVec as = {0};
  int rc = parse_assignments(text.s, &as, err);
  CheckPoint *pts = xcalloc((size_t)(n ? n : 1), sizeof *pts);
  for (int i = 0; i < n && !rc; i++) {
    const Signature *sig = fns[i].sig;
    pts[i].sizes = xcalloc((size_t)sig->nsizes + 1, sizeof *pts[i].sizes);
    pts[i].values = xcalloc((size_t)sig->nparams + 1, sizeof *pts[i].values);
    pts[i].nvalues = sig->nparams;
    rc = point_sizes(sig, &as, pts[i].sizes, err);
    if (!rc)
      rc = point_values(sig, &as, &pts[i], err);
  }
  for (int i = 0; i < as.n && !rc; i++)
    if (!as.v[i].used) {
      fprintf(err, "adc: error: --check-at: '%s' is not a parameter or size of any function\n", as.v[i].name);
      rc = 2;
    }
  for (int i = 0; i < as.n; i++)
    free(as.v[i].v);
  vec_free(&as);
  sb_free(&text);
  if (rc) {
    adc_check_points_free(pts, n);
    pts = NULL;
  }
  *out = pts;
  return rc;
}

void adc_check_points_free(CheckPoint *pts, int n) {
  for (int i = 0; pts && i < n; i++) {
    for (int p = 0; p < pts[i].nvalues; p++)
      free((void *)pts[i].values[p]);
    free(pts[i].sizes);
    free((void *)pts[i].values);
  }
  free(pts);
}
