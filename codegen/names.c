/* names.c - emitted names: C keywords, C++ keywords, <math.h> names and the
 * emitter's own temporaries are avoided by appending '_', consistently.
 *   needs: the signatures; makes: Names, one FnNames per function */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

static const char *const reserved[] = {
    /* C99 / C11 / C23 keywords */
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "nullptr",
    "alignas", "alignof", "static_assert", "thread_local", "typeof",
    /* C++ keywords */
    "and", "and_eq", "asm", "bitand", "bitor", "catch", "char16_t", "char32_t", "char8_t",
    "class", "compl", "concept", "consteval", "constexpr", "constinit", "const_cast",
    "co_await", "co_return", "co_yield", "decltype", "delete", "dynamic_cast", "explicit",
    "export", "friend", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "operator", "or", "or_eq", "private", "protected", "public", "reinterpret_cast",
    "requires", "static_cast", "template", "this", "throw", "try", "typeid", "typename",
    "using", "virtual", "wchar_t", "xor", "xor_eq",
    /* program entry and common macros */
    "main", "NULL", "errno", "assert", "offsetof",
    /* what the code of storage and of long functions uses from <stdlib.h> */
    "malloc", "calloc", "realloc", "free", "size_t", "EXIT_SUCCESS", "EXIT_FAILURE", "RAND_MAX",
    "MB_CUR_MAX",
    /* the file's own macro (long functions' parts) */
    "ADC_NOINLINE",
    /* <math.h> functions and macros */
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil", "copysign",
    "cos", "cosh", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "fdim", "floor", "fma",
    "fmax", "fmin", "fmod", "frexp", "hypot", "ilogb", "ldexp", "lgamma", "llrint",
    "llround", "log", "log10", "log1p", "log2", "logb", "lrint", "lround", "modf", "nan",
    "nearbyint", "nextafter", "nexttoward", "pow", "remainder", "remquo", "rint", "round",
    "scalbln", "scalbn", "sin", "sinh", "sqrt", "tan", "tanh", "tgamma", "trunc", "gamma",
    "j0", "j1", "jn", "y0", "y1", "yn", "drem", "finite", "significand", "signbit",
    "isnan", "isinf", "isfinite", "isnormal", "fpclassify", "isgreater", "isgreaterequal",
    "isless", "islessequal", "islessgreater", "isunordered", "HUGE_VAL", "HUGE_VALF",
    "HUGE_VALL", "INFINITY", "NAN", "FP_NAN", "FP_INFINITE", "FP_ZERO", "FP_NORMAL",
    "FP_SUBNORMAL", "FP_ILOGB0", "FP_ILOGBNAN", "MATH_ERRNO", "MATH_ERREXCEPT",
    "math_errhandling", "float_t", "double_t", "exception", "matherr", "signgam", "M_PI",
    "M_E", "sincos", "exp10", "pow10", "lgamma_r", "gamma_r",
};

/* Our temporaries: z<digits> and z<digits>_bar (_dot, _bar_dot), loop
 * counters i<digits>, and everything starting with adc_ (the loops'
 * storage). */
static int is_temporary(const char *s) {
  if (strncmp(s, "adc_", 4) == 0)
    return 1;
  if ((s[0] != 'z' && s[0] != 'i') || !isdigit((unsigned char)s[1]))
    return 0;
  s++;
  while (isdigit((unsigned char)*s))
    s++;
  return *s == '\0' || strcmp(s, "_bar") == 0 || strcmp(s, "_dot") == 0 || strcmp(s, "_bar_dot") == 0;
}

int cg_is_reserved(const char *name) {
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
    if (strcmp(reserved[i], name) == 0)
      return 1;
  /* Identifiers the C standard reserves for the implementation, and for
   * <errno.h>'s macros (E and a digit or capital: ENOMEM, EDOM, ...). */
  if (name[0] == '_' && (isupper((unsigned char)name[1]) || name[1] == '_'))
    return 1;
  if (name[0] == 'E' && (isupper((unsigned char)name[1]) || isdigit((unsigned char)name[1])))
    return 1;
  return is_temporary(name);
}

static char *cat(Names *n, const char *a, const char *b);

/* Names reserved by their start (adc_..., _X..., __..., EX..., E1...) stay
 * reserved whatever is appended: those get a 'u' in front first. */
static int reserved_prefix(const char *s) {
  return strncmp(s, "adc_", 4) == 0 || (s[0] == '_' && (isupper((unsigned char)s[1]) || s[1] == '_')) ||
         (s[0] == 'E' && (isupper((unsigned char)s[1]) || isdigit((unsigned char)s[1])));
}

/* The functions of a long function's parts: S_partN for an emitted symbol
 * S, and S_forward for S a gradient's (body.c). A function or parameter of
 * that name would clash with them. */
static int names_part(Names *n, StrMap *globals, const char *s) {
  const char *u = strrchr(s, '_');
  if (!u || u == s)
    return 0;
  int part = strncmp(u, "_part", 5) == 0 && isdigit((unsigned char)u[5]);
  for (const char *d = u + 5; part && *d; d++)
    part = isdigit((unsigned char)*d);
  if (!part && strcmp(u, "_forward") != 0)
    return 0;
  char *stem = cat(n, s, "");
  stem[u - s] = '\0';
  if (!part && (u - s < 5 || strcmp(stem + (u - s) - 5, "_grad") != 0))
    return 0;
  return strmap_get(globals, stem, 0) != 0;
}

/* base, or base with '_' appended until it is neither reserved nor taken
 * (nor the name of a part, given the functions' symbols). */
static char *claim(Names *n, StrMap *taken, StrMap *globals, const char *base) {
  char *s = reserved_prefix(base) ? cat(n, "u", base) : cat(n, base, "");
  while (cg_is_reserved(s) || strmap_get(taken, s, 0) || names_part(n, globals, s))
    s = cat(n, s, "_");
  strmap_put(taken, s, 1);
  return s;
}

static char *cat(Names *n, const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = arena_alloc(&n->arena, la + lb + 1);
  memcpy(s, a, la);
  memcpy(s + la, b, lb + 1);
  return s;
}

/* The symbols of a function are claimed together, so that f_grad of one
 * function cannot be another function's f (f_jvp only when emitted: names
 * stay those of earlier versions without it). */
static void name_function(Names *n, StrMap *globals, FnNames *fn, char *base, unsigned modes) {
  int jvp = (modes & MODE_JVP) != 0, hvp = (modes & (MODE_HVP | MODE_HESS)) != 0, hess = (modes & MODE_HESS) != 0;
  if (reserved_prefix(base))
    base = cat(n, "u", base);
  for (;;) {
    char *g = cat(n, base, "_grad"), *v = cat(n, base, "_vjp"), *j = cat(n, base, "_jac");
    char *t = cat(n, base, "_jvp"), *h = cat(n, base, "_hvp"), *hs = cat(n, base, "_hess");
    char *hc = cat(n, base, "_hess_cols");
    if (!cg_is_reserved(base) && !strmap_get(globals, base, 0) && !strmap_get(globals, g, 0) &&
        !strmap_get(globals, v, 0) && !strmap_get(globals, j, 0) && !(jvp && strmap_get(globals, t, 0)) &&
        !(hvp && strmap_get(globals, h, 0)) && !(hess && (strmap_get(globals, hs, 0) || strmap_get(globals, hc, 0))) &&
        !names_part(n, globals, base)) {
      fn->fwd = base;
      fn->grad = g;
      fn->vjp = v;
      fn->jac = j;
      fn->jvp = t;
      fn->hvp = h;
      fn->hess = hs;
      fn->hessc = hc;
      strmap_put(globals, base, 1);
      strmap_put(globals, g, 1);
      strmap_put(globals, v, 1);
      strmap_put(globals, j, 1);
      if (jvp)
        strmap_put(globals, t, 1);
      if (hvp)
        strmap_put(globals, h, 1);
      if (hess)
        strmap_put(globals, hs, 1), strmap_put(globals, hc, 1);
      return;
    }
    base = cat(n, base, "_");
  }
}

void cg_names(const FnGraphs *fns, int nfuncs, const char *prefix, Names *out) {
  memset(out, 0, sizeof *out);
  out->n = nfuncs;
  out->fn = arena_alloc(&out->arena, (size_t)(nfuncs ? nfuncs : 1) * sizeof *out->fn);
  StrMap globals = {0};
  for (int i = 0; i < nfuncs; i++) {
    const Signature *f = fns[i].sig;
    FnNames *fn = &out->fn[i];
    fn->src = f->name;
    name_function(out, &globals, fn, cat(out, prefix ? prefix : "", f->name), fns[i].modes);
  }
  /* a function named like a later one's part ("f_grad_part1" before f) */
  for (int i = 0; i < nfuncs; i++)
    if (names_part(out, &globals, out->fn[i].fwd))
      name_function(out, &globals, &out->fn[i], cat(out, out->fn[i].fwd, "_"), fns[i].modes);
  for (int i = 0; i < nfuncs; i++) {
    const Signature *f = fns[i].sig, *sig = f;
    FnNames *fn = &out->fn[i];
    StrMap local = {0};
    strmap_put(&local, fn->grad, 1); /* f_vjp calls f_grad: no parameter may hide it */
    int named = f->outs ? f->nouts : 0; /* results named after '->' */
    size_t np = (size_t)(f->nparams ? f->nparams : 1), ns = (size_t)(sig->nsizes ? sig->nsizes : 1);
    size_t no = (size_t)(named ? named : 1);
    fn->sizes = arena_alloc(&out->arena, ns * sizeof *fn->sizes);
    fn->params = arena_alloc(&out->arena, np * sizeof *fn->params);
    fn->bars = arena_alloc(&out->arena, np * sizeof *fn->bars);
    fn->outs = arena_alloc(&out->arena, no * sizeof *fn->outs);
    fn->outbars = arena_alloc(&out->arena, no * sizeof *fn->outbars);
    fn->dots = arena_alloc(&out->arena, IR_MAX_DIRS * np * sizeof *fn->dots);
    fn->outdots = arena_alloc(&out->arena, no * sizeof *fn->outdots);
    fn->bardots = arena_alloc(&out->arena, IR_MAX_DIRS * np * sizeof *fn->bardots);
    for (int k = 0; k < sig->nsizes; k++)
      fn->sizes[k] = claim(out, &local, &globals, sig->sizes[k]);
    for (int p = 0; p < f->nparams; p++)
      fn->params[p] = claim(out, &local, &globals, f->params[p].name);
    for (int k = 0; k < named; k++)
      fn->outs[k] = claim(out, &local, &globals, f->outs[k]);
    for (int p = 0; p < f->nparams; p++)
      fn->bars[p] = f->params[p].is_const ? NULL : claim(out, &local, &globals, cat(out, fn->params[p], "_bar"));
    for (int k = 0; k < named; k++)
      fn->outbars[k] = claim(out, &local, &globals, cat(out, fn->outs[k], "_bar"));
    fn->seed = claim(out, &local, &globals, cat(out, f->name, "_bar"));
    fn->jacp = claim(out, &local, &globals, "jac");
    /* (claimed only when emitted: names stay those without) */
    int jvp = (fns[i].modes & MODE_JVP) != 0, hvp = cg_hvp_in_file(&fns[i]);
    for (int p = 0; p < f->nparams; p++)
      fn->dots[p] = f->params[p].is_const || !(jvp || hvp) ? NULL
                    : claim(out, &local, &globals, cat(out, fn->params[p], "_dot"));
    for (int p = 0; p < f->nparams; p++)
      fn->bardots[p] = f->params[p].is_const || !hvp ? NULL
                       : claim(out, &local, &globals, cat(out, fn->params[p], "_bar_dot"));
    /* f_hess's helper: x_dot2, x_bar_dot2 ... for its other directions */
    for (int w = 1; w < cg_hess_dirs(&fns[i]); w++)
      for (int pass = 0; pass < 2; pass++)
        for (int p = 0; p < f->nparams; p++) {
          char num[16], **to = pass ? fn->bardots : fn->dots;
          snprintf(num, sizeof num, "%d", w + 1);
          to[w * f->nparams + p] = f->params[p].is_const ? NULL
              : claim(out, &local, &globals, cat(out, cat(out, fn->params[p], pass ? "_bar_dot" : "_dot"), num));
        }
    for (int k = 0; k < named; k++)
      fn->outdots[k] = jvp ? claim(out, &local, &globals, cat(out, fn->outs[k], "_dot")) : NULL;
    if (!named)
      fn->outdots[0] = jvp ? claim(out, &local, &globals, cat(out, f->name, "_dot")) : NULL;
    if (cg_emits(&fns[i], FN_HESS)) {
      fn->gradp = claim(out, &local, &globals, "grad");
      fn->hessp = claim(out, &local, &globals, "hess");
    }
    strmap_free(&local);
  }
  strmap_free(&globals);
}

void cg_names_free(Names *n) { arena_free(&n->arena); }
