/* sema.c - semantic checks. Every error in a file is reported, each once:
 * an expression that already failed yields KIND_ERR, which later checks
 * accept silently so that one mistake does not cascade. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "sema.h"

typedef enum Kind { KIND_VALUE, KIND_COND, KIND_ERR } Kind;

typedef enum BindKind {
  BK_REAL,  /* a scalar parameter or a local */
  BK_ARRAY, /* an array: a parameter, or a local (is_local); dims says its dimensions */
  BK_SIZE,  /* a size parameter */
  BK_INDEX, /* a loop or reduction index (lo, hi: its range) */
  BK_INT,   /* a scalar of integer data (const int k) */
} BindKind;

typedef struct Binding {
  const char *name;
  Loc loc;
  int is_param;
  int used;
  BindKind kind;
  Expr *const *dims;  /* BK_ARRAY: its dimensions */
  int ndims;
  int is_int;         /* BK_ARRAY: integer data */
  int is_local;       /* BK_ARRAY: a local array (let x[n] = ...), which may be assigned */
  const Expr *lo, *hi; /* BK_INDEX */
  int prev;           /* what the name meant before this binding, or -1 */
  int decl;           /* its declaration number (Stmt.decl) */
} Binding;

typedef struct Edge {
  int caller, callee;
  Loc at;
} Edge;

typedef struct Sema {
  Diag *d;
  Checked *c;
  int fn;                /* index of the function being checked */
  StrMap scope;          /* name -> binding index, -1 when out of scope */
  VEC(Binding) binds;    /* a stack: inner scopes on top */
  VEC(Edge) edges;
  int loop_depth;        /* enclosing 'for' loops */
  int ndecls;            /* declarations so far in the function */
  int results_ok;        /* the call being checked may have several or array results */
  struct SizeBind *sb;   /* the callee sizes the last call checked bound (64 places) */
  int nsb;
  Arena *arena;          /* the bodies' arena: dimensions made for 'let (a, b) = g(...)' */
} Sema;

static Kind check_expr(Sema *s, Expr *e);
static void check_int(Sema *s, Expr *e);
static int check_element(Sema *s, Expr *e);
static int int_shaped(Sema *s, const Expr *e);

static void want_value(Sema *s, const Expr *e, Kind k) {
  if (k == KIND_COND)
    diag_error(s->d, e->loc,
               "a condition cannot be used as a value; use it in 'c ? a : b', e.g. "
               "'(...) ? 1 : 0'");
}

static void want_cond(Sema *s, const Expr *e, Kind k) {
  if (k == KIND_VALUE)
    diag_error(s->d, e->loc, "expected a condition, found a value; compare it, e.g. 'x != 0'");
}

typedef VEC(const char *) NameVec;

static int lookup(Sema *s, const char *name) { return strmap_get(&s->scope, name, -1); }

/* The declaration number of binding b (Stmt.decl), or -1 for none. */
static int decl_of(const Sema *s, int b) { return b >= 0 ? s->binds.v[b].decl : -1; }

static void unknown_name(Sema *s, const Expr *e, const char *name) {
  NameVec cands = {0};
  for (int i = 0; i < s->binds.n; i++)
    if (lookup(s, s->binds.v[i].name) == i)
      vec_push(&cands, s->binds.v[i].name);
  vec_push(&cands, "pi");
  const char *hint = closest_name(name, cands.v, cands.n);
  if (hint)
    diag_error(s->d, e->loc, "unknown name '%s' (did you mean '%s'?)", name, hint);
  else
    diag_error(s->d, e->loc, "unknown name '%s'", name);
  vec_free(&cands);
}

static Kind check_name(Sema *s, Expr *e) {
  const char *name = e->u.name;
  int b = lookup(s, name);
  e->bind = decl_of(s, b);
  if (b >= 0) {
    s->binds.v[b].used = 1;
    if (s->binds.v[b].kind == BK_ARRAY) {
      diag_error(s->d, e->loc, "'%s' is an array; index it, e.g. '%s[i]'", name, name);
      return KIND_ERR;
    }
    return KIND_VALUE;
  }
  if (strcmp(name, "pi") == 0)
    return KIND_VALUE;
  if (strmap_get(&s->c->fnmap, name, -1) >= 0 || op_lookup_builtin(name) >= 0) {
    diag_error(s->d, e->loc, "'%s' is a function; call it with arguments, e.g. '%s(x)'", name,
               name);
    return KIND_ERR;
  }
  unknown_name(s, e, name);
  return KIND_ERR;
}

static void unknown_function(Sema *s, const Expr *e) {
  NameVec cands = {0};
  for (int i = 0; i < OP_COUNT; i++)
    if (op_info[i].src)
      vec_push(&cands, op_info[i].src);
  for (int i = 0; i < s->c->nfuncs; i++)
    vec_push(&cands, s->c->funcs[i]->name);
  const char *name = e->u.call.name;
  const char *hint = closest_name(name, cands.v, cands.n);
  if (hint)
    diag_error(s->d, e->u.call.nameloc, "unknown function '%s' (did you mean '%s'?)", name, hint);
  else
    diag_error(s->d, e->u.call.nameloc, "unknown function '%s'", name);
  vec_free(&cands);
}

/* A function called in an expression: one scalar result (several, or an
 * array, are bound by 'let': results_ok). */
static int check_callee(Sema *s, const Expr *e, int fn) {
  const Func *f = s->c->funcs[fn];
  if (s->results_ok)
    return 1;
  if (f->nouts > 1)
    diag_error(s->d, e->u.call.nameloc, "cannot call '%s' in an expression: it returns %d values; bind them "
               "with 'let (%s, ...) = %s(...);'", f->name, f->nouts, f->outs[0].name, f->name);
  else if (f->nouts == 1 && f->outs[0].ndims)
    diag_error(s->d, e->u.call.nameloc, "cannot call '%s' in an expression: it returns an array; bind it "
               "with 'let %s[...] = %s(...);'", f->name, f->outs[0].name, f->name);
  else
    return 1;
  diag_note(s->d, f->nameloc, "'%s' is defined here", f->name);
  return 0;
}

/* Callee sizes bound by one call: a size name of the callee -> the
 * caller's dimension it takes. */
typedef struct SizeBind {
  const char *name;
  const Expr *dim;
} SizeBind;

static void check_array_arg(Sema *s, const Func *f, const Param *p, Expr *a, SizeBind *sb, int *nsb);

/* A name in dimension d that no argument bound, or NULL. */
static const char *unbound_size(const Expr *d, const SizeBind *sb, int nsb) {
  switch (d->kind) {
  case E_NAME:
    for (int j = 0; j < nsb; j++)
      if (strcmp(sb[j].name, d->u.name) == 0)
        return NULL;
    return d->u.name;
  case E_UNARY:
    return unbound_size(d->u.un.e, sb, nsb);
  case E_CHAIN: {
    const char *n = unbound_size(d->u.chain.first, sb, nsb);
    for (int i = 0; i < d->u.chain.n && !n; i++)
      n = unbound_size(d->u.chain.items[i].e, sb, nsb);
    return n;
  }
  default:
    return NULL;
  }
}

/* Every size of callee f is told by the call: some array argument has it
 * as a dimension of its own (a dimension like 2*n tells nothing of n). */
static void check_sizes_bound(Sema *s, const Expr *e, const Func *f, const SizeBind *sb, int nsb) {
  for (int i = 0; i < f->nparams; i++)
    for (int k = 0; k < f->params[i].ndims; k++) {
      const char *n = unbound_size(f->params[i].dims[k], sb, nsb);
      if (n) {
        diag_error(s->d, e->loc, "this call does not tell '%s' its size '%s': no array argument has it as a dimension "
                                 "of its own (write the parameter as '%s[%s]')", f->name, n, f->params[i].name, n);
        return;
      }
    }
}

static Kind check_call(Sema *s, Expr *e) {
  const char *name = e->u.call.name;
  int nargs = e->u.call.nargs, results_ok = s->results_ok, errors = s->d->errors;
  s->results_ok = 0; /* not for the calls in its arguments */
  if (sema_reduction(name) >= 0 && op_lookup_builtin(name) < 0 && lookup(s, name) < 0 &&
      strmap_get(&s->c->fnmap, name, -1) < 0) {
    diag_error(s->d, e->u.call.nameloc, "'%s' is a reduction; write '%s(i in a..b, expression)'",
               name, name);
    return KIND_ERR;
  }
  int fn = strmap_get(&s->c->fnmap, name, -1);
  SizeBind sb[64];
  int nsb = 0;
  for (int i = 0; i < nargs; i++) {
    Expr *a = e->u.call.args[i];
    const Param *p = fn >= 0 && lookup(s, name) < 0 && i < s->c->funcs[fn]->nparams ? &s->c->funcs[fn]->params[i] : NULL;
    if (p && p->ndims) {
      if (nsb + p->ndims <= 64)
        check_array_arg(s, s->c->funcs[fn], p, a, sb, &nsb);
      else
        diag_error(s->d, a->loc, "too many array dimensions in one call (the limit is 64)");
      continue;
    }
    if (p && p->is_int && int_shaped(s, a)) {
      check_int(s, a); /* a 'const int' parameter takes an integer expression */
      continue;
    }
    want_value(s, a, check_expr(s, a));
    if (p && p->is_int)
      diag_error(s->d, a->loc, "'%s' takes an integer for '%s' (a 'const int' parameter): an integer "
                               "expression of sizes, loop indices, integer data and integer literals",
                 name, p->name);
  }
  if (fn >= 0 && lookup(s, name) < 0 && nargs == s->c->funcs[fn]->nparams && s->d->errors == errors)
    check_sizes_bound(s, e, s->c->funcs[fn], sb, nsb); /* (an argument reported already binds nothing) */
  memcpy(s->sb, sb, (size_t)nsb * sizeof *sb); /* for the caller's view of its results' shapes */
  s->nsb = nsb;
  if (lookup(s, name) >= 0) {
    s->binds.v[lookup(s, name)].used = 1;
    diag_error(s->d, e->u.call.nameloc, "'%s' is a variable, not a function", name);
    return KIND_ERR;
  }
  int arity;
  if (fn >= 0) {
    e->bind = fn;
    arity = s->c->funcs[fn]->nparams;
    Edge ed = {s->fn, fn, e->u.call.nameloc};
    vec_push(&s->edges, ed);
    s->results_ok = results_ok;
    int ok = check_callee(s, e, fn);
    s->results_ok = 0;
    if (!ok)
      return KIND_ERR;
  } else if (op_lookup_builtin(name) >= 0) {
    int op = op_lookup_builtin(name);
    e->bind = -1 - op;
    arity = op_info[op].arity;
  } else if (strcmp(name, "pi") == 0) {
    diag_error(s->d, e->u.call.nameloc, "'pi' is a constant, not a function");
    return KIND_ERR;
  } else {
    unknown_function(s, e);
    return KIND_ERR;
  }
  if (nargs != arity) {
    diag_error(s->d, e->loc, "'%s' takes %d argument%s, but %d %s given", name, arity,
               arity == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
    if (fn >= 0)
      diag_note(s->d, s->c->funcs[fn]->nameloc, "'%s' is defined here", name);
    else if (sema_reduction(name) >= 0)
      diag_note(s->d, e->u.call.nameloc, "for the reduction, write '%s(i in a..b, expression)'", name);
  }
  return KIND_VALUE;
}

static Kind check_chain(Sema *s, Expr *e) {
  AstOp op = e->u.chain.items[0].op;
  int logical = op == A_AND || op == A_OR;
  Kind k = check_expr(s, e->u.chain.first);
  if (logical)
    want_cond(s, e->u.chain.first, k);
  else
    want_value(s, e->u.chain.first, k);
  for (int i = 0; i < e->u.chain.n; i++) {
    Expr *x = e->u.chain.items[i].e;
    if (e->u.chain.items[i].op == A_MOD)
      diag_error(s->d, e->u.chain.items[i].oploc,
                 "'%%' is the integer remainder of index expressions; it has no real meaning");
    k = check_expr(s, x);
    if (logical)
      want_cond(s, x, k);
    else
      want_value(s, x, k);
  }
  return logical ? KIND_COND : KIND_VALUE;
}

/* ---- scopes ---- */

static int bind(Sema *s, const char *name, Loc loc, int is_param, BindKind kind) {
  int prev = lookup(s, name);
  if (prev >= 0) {
    const Binding *p = &s->binds.v[prev];
    if (is_param && p->kind == BK_SIZE)
      diag_error(s->d, loc, "'%s' is a size (used in a dimension) and cannot also be a parameter",
                 name);
    else if (is_param)
      diag_error(s->d, loc, "duplicate parameter '%s'", name);
    else if (p->is_param)
      diag_error(s->d, loc, "redefinition of parameter '%s'; to change it, write '%s = ...'",
                 name, name);
    else if (p->kind == BK_INDEX || kind == BK_INDEX)
      diag_error(s->d, loc, "redefinition of '%s'; choose another name for the index", name);
    else
      diag_error(s->d, loc, "redefinition of '%s'; to change it, write '%s = ...'", name, name);
    diag_note(s->d, p->loc, "'%s' was defined here", name);
    return -1;
  }
  Binding b = {name, loc, is_param, 0, kind, NULL, 0, 0, 0, NULL, NULL, prev, s->ndecls++};
  vec_push(&s->binds, b);
  strmap_put(&s->scope, name, s->binds.n - 1);
  return s->binds.n - 1;
}

static void warn_unused(Sema *s, int from) {
  for (int i = from; i < s->binds.n; i++) {
    const Binding *b = &s->binds.v[i];
    if (!b->used && (b->kind == BK_REAL || b->kind == BK_ARRAY || b->kind == BK_INT))
      diag_warning(s->d, b->loc, "unused %s '%s'", b->is_param ? "parameter" : "variable", b->name);
  }
}

/* Leave the scopes opened since mark: their names mean what they meant. */
static void unbind_to(Sema *s, int mark) {
  for (int i = s->binds.n - 1; i >= mark; i--)
    strmap_put(&s->scope, s->binds.v[i].name, s->binds.v[i].prev);
  s->binds.n = mark;
}

/* ---- integer expressions: indices, ranges, dimensions ---- */

/* Does binding b name an integer: a size, an index, integer data? */
static int is_integer_name(const Sema *s, int b) {
  BindKind k = s->binds.v[b].kind;
  return k == BK_SIZE || k == BK_INDEX || k == BK_INT;
}

/* An affine form c + sum k[i] * sym[i] over integer bindings, used
 * to find indices that are out of range whatever the sizes are. */
enum { AFF_TERMS = 8 };
typedef struct Aff {
  long long c;
  int n;
  int sym[AFF_TERMS];
  long long k[AFF_TERMS];
} Aff;

static int aff_add_term(Aff *a, int sym, long long k) {
  for (int i = 0; i < a->n; i++)
    if (a->sym[i] == sym) {
      a->k[i] += k;
      return 1;
    }
  if (a->n == AFF_TERMS)
    return 0;
  a->sym[a->n] = sym;
  a->k[a->n++] = k;
  return 1;
}

static int aff_axpy(Aff *y, long long k, const Aff *x) {
  y->c += k * x->c;
  for (int i = 0; i < x->n; i++)
    if (!aff_add_term(y, x->sym[i], k * x->k[i]))
      return 0;
  return 1;
}

static int aff_const(const Aff *a, long long *v) {
  for (int i = 0; i < a->n; i++)
    if (a->k[i] != 0)
      return 0;
  *v = a->c;
  return 1;
}

static const long long AFF_LIMIT = 1LL << 40;

/* 1 when e is affine (literals, sizes and indices with + - and * by a
 * constant), with small enough coefficients to stay exact. */
static int aff_of(Sema *s, const Expr *e, Aff *out) {
  memset(out, 0, sizeof *out);
  switch (e->kind) {
  case E_NUM:
    if (e->u.num != floor(e->u.num) || fabs(e->u.num) > (double)AFF_LIMIT)
      return 0;
    out->c = (long long)e->u.num;
    return 1;
  case E_NAME: {
    int b = lookup(s, e->u.name);
    return b >= 0 && is_integer_name(s, b) && aff_add_term(out, b, 1);
  }
  case E_UNARY: {
    Aff x;
    if (e->u.un.op == A_NOT || !aff_of(s, e->u.un.e, &x))
      return 0;
    return aff_axpy(out, e->u.un.op == A_NEG ? -1 : 1, &x);
  }
  case E_CHAIN: {
    Aff x;
    if (!aff_of(s, e->u.chain.first, out))
      return 0;
    for (int i = 0; i < e->u.chain.n; i++) {
      AstOp op = e->u.chain.items[i].op;
      if (!aff_of(s, e->u.chain.items[i].e, &x))
        return 0;
      long long k;
      if (op == A_ADD || op == A_SUB) {
        if (!aff_axpy(out, op == A_ADD ? 1 : -1, &x))
          return 0;
      } else if (op == A_MUL && (aff_const(&x, &k) || (aff_const(out, &k) && (*out = x, 1)))) {
        if (llabs(k) > AFF_LIMIT)
          return 0;
        Aff y = {0};
        if (!aff_axpy(&y, k, out))
          return 0;
        *out = y;
      } else {
        return 0;
      }
      if (llabs(out->c) > AFF_LIMIT)
        return 0;
    }
    return 1;
  }
  default:
    return 0;
  }
}

/* The largest (hi) or smallest value of a over every index's range, as an
 * affine form in the sizes; 0 when it cannot be bounded. */
static int aff_bound(Sema *s, Aff a, int hi, Aff *out) {
  for (int guard = 0; guard < 64; guard++) {
    int found = -1;
    for (int i = 0; i < a.n && found < 0; i++)
      if (a.k[i] != 0 && s->binds.v[a.sym[i]].kind == BK_INDEX)
        found = i;
    if (found < 0) {
      *out = a;
      return 1;
    }
    const Binding *b = &s->binds.v[a.sym[found]];
    long long k = a.k[found];
    Aff r;
    int upper = (k > 0) == (hi != 0);
    if (!aff_of(s, upper ? b->hi : b->lo, &r))
      return 0;
    if (upper)
      r.c -= 1; /* the range is half-open */
    a.k[found] = 0;
    if (!aff_axpy(&a, k, &r))
      return 0;
  }
  return 0;
}

static void check_int_chain(Sema *s, Expr *e) {
  check_int(s, e->u.chain.first);
  for (int i = 0; i < e->u.chain.n; i++) {
    AstOp op = e->u.chain.items[i].op;
    if (op != A_ADD && op != A_SUB && op != A_MUL && op != A_DIV && op != A_MOD)
      diag_error(s->d, e->u.chain.items[i].oploc,
                 "an index expression may only use + - * / %%");
    check_int(s, e->u.chain.items[i].e);
  }
}

/* e = integer literal | size | index | e (+ - * / %) e | - e | ( e ) */
static void check_int(Sema *s, Expr *e) {
  switch (e->kind) {
  case E_NUM:
    if (e->u.num != floor(e->u.num) || fabs(e->u.num) > 2147483647.0)
      diag_error(s->d, e->loc, "an index expression needs integers; %.*s is not one",
                 e->loc.hi - e->loc.lo, s->d->src->text + e->loc.lo);
    return;
  case E_NAME: {
    int b = lookup(s, e->u.name);
    if (b >= 0 && is_integer_name(s, b)) {
      s->binds.v[b].used = 1;
      e->bind = s->binds.v[b].decl;
      return;
    }
    if (b < 0 && strcmp(e->u.name, "pi") != 0) {
      unknown_name(s, e, e->u.name);
      return;
    }
    if (b >= 0)
      s->binds.v[b].used = 1;
    diag_error(s->d, e->loc,
               "'%s' is a real value; an index is an integer expression of sizes, loop "
               "indices, integer data and integer literals",
               e->u.name);
    return;
  }
  case E_UNARY:
    if (e->u.un.op == A_NOT)
      break;
    check_int(s, e->u.un.e);
    return;
  case E_CHAIN:
    check_int_chain(s, e);
    return;
  case E_INDEX: {
    int b = check_element(s, e);
    if (b >= 0 && !s->binds.v[b].is_int)
      diag_error(s->d, e->loc,
                 "'%s' holds reals; an index is an integer expression (of sizes, loop indices, "
                 "integer data and integer literals)",
                 e->u.call.name);
    return;
  }
  default:
    break;
  }
  diag_error(s->d, e->loc,
             "expected an integer expression (sizes, loop indices, integer data and integer "
             "literals with + - * / %%)");
}

static int check_subscript(Sema *s, Expr *e, int row);

/* x[i, j]: an array, as many indices as dimensions, none provably outside.
 * Returns the array's binding, or -1 when reported. */
static int check_element(Sema *s, Expr *e) { return check_subscript(s, e, 0); }

/* An element, or (row) a row A[i]: fewer indices than dimensions, those
 * of the leading ones. */
static int check_subscript(Sema *s, Expr *e, int row) {
  const char *name = e->u.call.name;
  int b = lookup(s, name);
  for (int i = 0; i < e->u.call.nargs; i++)
    check_int(s, e->u.call.args[i]);
  if (b < 0 || s->binds.v[b].kind != BK_ARRAY) {
    if (b < 0)
      unknown_name(s, e, name);
    else
      diag_error(s->d, e->u.call.nameloc, "'%s' is not an array", name);
    if (b >= 0)
      s->binds.v[b].used = 1;
    return -1;
  }
  s->binds.v[b].used = 1;
  e->bind = s->binds.v[b].decl;
  const Binding *p = &s->binds.v[b];
  if (row ? e->u.call.nargs >= p->ndims : e->u.call.nargs != p->ndims) {
    diag_error(s->d, e->loc, "'%s' has %d dimension%s, but %d ind%s given", name, p->ndims,
               p->ndims == 1 ? "" : "s", e->u.call.nargs, e->u.call.nargs == 1 ? "ex was" : "ices were");
    return -1;
  }
  for (int i = 0; i < e->u.call.nargs; i++) {
    const Expr *ix = e->u.call.args[i];
    Aff a, lo, hi, dim;
    long long v;
    if (!aff_of(s, ix, &a))
      continue;
    if (aff_bound(s, a, 0, &lo) && aff_const(&lo, &v) && v < 0) {
      diag_error(s->d, ix->loc, "index %lld of '%s' is out of range (indices start at 0)", v, name);
      continue;
    }
    if (aff_bound(s, a, 1, &hi) && aff_of(s, p->dims[i], &dim)) {
      Aff diff = hi;
      long long d;
      const Expr *de = p->dims[i];
      int dl = de->loc.hi - de->loc.lo;
      const char *dt = s->d->src->text + de->loc.lo;
      if (!aff_axpy(&diff, -1, &dim) || !aff_const(&diff, &v) || v < 0)
        continue;
      if (aff_const(&dim, &d))
        diag_error(s->d, ix->loc, "index %lld of '%s' is out of range (the dimension is %lld)",
                   d + v, name, d);
      else if (v == 0)
        diag_error(s->d, ix->loc, "index %.*s of '%s' is out of range (the dimension is %.*s)", dl,
                   dt, name, dl, dt);
      else
        diag_error(s->d, ix->loc, "index %.*s + %lld of '%s' is out of range (the dimension is %.*s)",
                   dl, dt, v, name, dl, dt);
    }
  }
  return b;
}

static Kind check_index(Sema *s, Expr *e) { return check_element(s, e) >= 0 ? KIND_VALUE : KIND_ERR; }

/* Do two dimensions (of the caller) agree: equal affine forms, or the
 * same text? */
static int same_dim(Sema *s, const Expr *a, const Expr *b) {
  Aff x, y;
  long long v;
  if (aff_of(s, a, &x) && aff_of(s, b, &y) && aff_axpy(&x, -1, &y) && aff_const(&x, &v))
    return v == 0;
  int la = a->loc.hi - a->loc.lo, lb = b->loc.hi - b->loc.lo;
  return la == lb && memcmp(s->d->src->text + a->loc.lo, s->d->src->text + b->loc.lo, (size_t)la) == 0;
}

/* An argument for array parameter p of f: a whole array (a parameter or a
 * local) or a row A[i] of one, of p's rank; its dimensions bind p's size
 * names (one name, one dimension) and match p's literal dimensions. */
static void bind_dim(Sema *s, const Func *f, const Param *p, int k, const Expr *got, const Expr *a, SizeBind *sb,
                     int *nsb);
static void check_list_arg(Sema *s, const Func *f, const Param *p, Expr *a, SizeBind *sb, int *nsb);

static void check_array_arg(Sema *s, const Func *f, const Param *p, Expr *a, SizeBind *sb, int *nsb) {
  if (a->kind == E_LIST) {
    check_list_arg(s, f, p, a, sb, nsb);
    return;
  }
  int b = a->kind == E_NAME || a->kind == E_INDEX ? lookup(s, a->kind == E_NAME ? a->u.name : a->u.call.name) : -1;
  if (b < 0 || s->binds.v[b].kind != BK_ARRAY) {
    if (b < 0 && (a->kind == E_NAME || a->kind == E_INDEX)) {
      check_expr(s, a);
      return;
    }
    diag_error(s->d, a->loc, "'%s' takes an array for '%s': the name of an array, or a row ('A[i]')", f->name,
               p->name);
    return;
  }
  Binding *bd = &s->binds.v[b];
  int skip = 0; /* leading dimensions indexed away by a row */
  if (a->kind == E_INDEX) {
    if (a->u.call.nargs >= bd->ndims) {
      diag_error(s->d, a->loc, "'%s' takes an array for '%s'; this is an element of '%s' (a row takes fewer indices)",
                 f->name, p->name, a->u.call.name);
      return;
    }
    check_subscript(s, a, 1);
    bd = &s->binds.v[b];
    skip = a->u.call.nargs;
  } else {
    bd->used = 1;
    a->bind = bd->decl;
  }
  if (bd->is_int != p->is_int) {
    diag_error(s->d, a->loc, "'%s' takes %s for '%s'; '%s' holds %s", f->name, p->is_int ? "integer data" : "reals",
               p->name, bd->name, bd->is_int ? "integers" : "reals");
    return;
  }
  int rank = bd->ndims - skip;
  if (rank != p->ndims) {
    diag_error(s->d, a->loc, "'%s' takes a %d-dimensional array for '%s', but this one has %d dimension%s", f->name,
               p->ndims, p->name, rank, rank == 1 ? "" : "s");
    diag_note(s->d, p->loc, "'%s' is declared here", p->name);
    return;
  }
  for (int k = 0; k < rank; k++)
    bind_dim(s, f, p, k, bd->dims[skip + k], a, sb, nsb);
}

/* Dimension k of array parameter p of f takes the argument's dimension got:
 * a literal must match, a size name binds to it (the same for every
 * argument that names it). */
static void bind_dim(Sema *s, const Func *f, const Param *p, int k, const Expr *got, const Expr *a, SizeBind *sb,
                     int *nsb) {
  const Expr *want = p->dims[k];
  int gl = got->loc.hi - got->loc.lo;
  const char *gt = s->d->src->text + got->loc.lo;
  char num[32];
  if (got->kind == E_NUM) { /* a list's length: its text is not the argument's */
    snprintf(num, sizeof num, "%g", got->u.num);
    gl = (int)strlen(num);
    gt = num;
  }
  if (want->kind == E_NUM) {
    Aff g;
    long long v;
    if (aff_of(s, got, &g) && aff_const(&g, &v) && (double)v != want->u.num)
      diag_error(s->d, a->loc, "shape mismatch: '%s' takes '%s' with dimension %d of %g, this array's is %.*s",
                 f->name, p->name, k + 1, want->u.num, gl, gt);
    return;
  }
  if (want->kind != E_NAME) /* 2*n: it binds nothing (check_sizes_bound), and is trusted */
    return;
  int j = 0;
  while (j < *nsb && strcmp(sb[j].name, want->u.name) != 0)
    j++;
  if (j == *nsb) {
    sb[(*nsb)++] = (SizeBind){want->u.name, got};
  } else if (!same_dim(s, sb[j].dim, got)) {
    const Expr *o = sb[j].dim;
    diag_error(s->d, a->loc, "shape mismatch: '%s' needs one value for its size '%s', but the arguments give %.*s and %.*s",
               f->name, want->u.name, o->loc.hi - o->loc.lo, s->d->src->text + o->loc.lo, gl, gt);
    diag_note(s->d, f->nameloc, "'%s' is defined here", f->name);
  }
}

/* [e0, e1, ...] for array parameter p: a 1-D array of reals as long as
 * the list (made by the caller for the call). */
static void check_list_arg(Sema *s, const Func *f, const Param *p, Expr *a, SizeBind *sb, int *nsb) {
  for (int i = 0; i < a->u.call.nargs; i++)
    want_value(s, a->u.call.args[i], check_expr(s, a->u.call.args[i]));
  if (p->ndims != 1 || p->is_int) {
    diag_error(s->d, a->loc, "'%s' takes %s for '%s'; a list is a 1-dimensional array of reals", f->name,
               p->is_int ? "integer data" : "a many-dimensional array", p->name);
    return;
  }
  Expr *len = arena_alloc(s->arena, sizeof *len);
  memset(len, 0, sizeof *len);
  len->kind = E_NUM;
  len->loc = a->loc;
  len->u.num = a->u.call.nargs;
  bind_dim(s, f, p, 0, len, a, sb, nsb);
}


/* Would e pass check_int: literals, sizes, indices, integer data and their
 * + - * / %? (Asked without reporting anything.) */
static int int_shaped(Sema *s, const Expr *e) {
  switch (e->kind) {
  case E_NUM:
    return e->u.num == floor(e->u.num) && fabs(e->u.num) <= 2147483647.0;
  case E_NAME: {
    int b = lookup(s, e->u.name);
    return b >= 0 && is_integer_name(s, b);
  }
  case E_UNARY:
    return e->u.un.op != A_NOT && int_shaped(s, e->u.un.e);
  case E_CHAIN:
    if (!int_shaped(s, e->u.chain.first))
      return 0;
    for (int i = 0; i < e->u.chain.n; i++) {
      AstOp op = e->u.chain.items[i].op;
      if ((op != A_ADD && op != A_SUB && op != A_MUL && op != A_DIV && op != A_MOD) ||
          !int_shaped(s, e->u.chain.items[i].e))
        return 0;
    }
    return 1;
  case E_INDEX: {
    int b = lookup(s, e->u.call.name);
    return b >= 0 && s->binds.v[b].kind == BK_ARRAY && s->binds.v[b].is_int;
  }
  default:
    return 0;
  }
}

/* A comparison of two integer expressions compares integers, as C does
 * ('/' and '%' in them are integer operations): marked e->bind = 1. */
static Kind check_binary(Sema *s, Expr *e) {
  Expr *l = e->u.bin.l, *r = e->u.bin.r;
  if (e->u.bin.op != A_POW && int_shaped(s, l) && int_shaped(s, r)) {
    check_int(s, l);
    check_int(s, r);
    e->bind = 1;
    return KIND_COND;
  }
  want_value(s, l, check_expr(s, l));
  want_value(s, r, check_expr(s, r));
  return e->u.bin.op == A_POW ? KIND_VALUE : KIND_COND;
}

int sema_reduction(const char *name) {
  static const char *const names[] = {"sum", "prod", "min", "max", "logsumexp"};
  for (int i = 0; i < 5; i++)
    if (strcmp(name, names[i]) == 0)
      return i;
  return -1;
}

static int bind_index(Sema *s, const char *name, Loc loc, Expr *lo, Expr *hi) {
  check_int(s, lo);
  check_int(s, hi);
  int b = bind(s, name, loc, 0, BK_INDEX);
  if (b >= 0) {
    s->binds.v[b].lo = lo;
    s->binds.v[b].hi = hi;
  }
  return b;
}

static Kind check_reduce(Sema *s, Expr *e) {
  if (sema_reduction(e->u.red->kind) < 0) {
    static const char *const names[] = {"sum", "prod", "min", "max", "logsumexp"};
    const char *hint = closest_name(e->u.red->kind, names, 5);
    diag_error(s->d, e->u.red->kindloc, "unknown reduction '%s'%s%s%s", e->u.red->kind,
               hint ? " (did you mean '" : "; the reductions are sum, prod, min, max and logsumexp",
               hint ? hint : "", hint ? "'?)" : "");
  }
  int mark = s->binds.n;
  int b = bind_index(s, e->u.red->var, e->u.red->varloc, e->u.red->lo, e->u.red->hi);
  e->u.red->decl = decl_of(s, b);
  want_value(s, e->u.red->e, check_expr(s, e->u.red->e));
  unbind_to(s, mark);
  return KIND_VALUE;
}

static Kind check_expr(Sema *s, Expr *e) {
  switch (e->kind) {
  case E_NUM:
    return KIND_VALUE;
  case E_NAME:
    return check_name(s, e);
  case E_CALL:
    return check_call(s, e);
  case E_CHAIN:
    return check_chain(s, e);
  case E_UNARY: {
    Kind k = check_expr(s, e->u.un.e);
    if (e->u.un.op == A_NOT) {
      want_cond(s, e->u.un.e, k);
      return KIND_COND;
    }
    want_value(s, e->u.un.e, k);
    return KIND_VALUE;
  }
  case E_BINARY:
    return check_binary(s, e);
  case E_COND: {
    want_cond(s, e->u.cond.c, check_expr(s, e->u.cond.c));
    want_value(s, e->u.cond.a, check_expr(s, e->u.cond.a));
    want_value(s, e->u.cond.b, check_expr(s, e->u.cond.b));
    return KIND_VALUE;
  }
  case E_INDEX:
    return check_index(s, e);
  case E_REDUCE:
    return check_reduce(s, e);
  case E_LIST:
  case E_COMP:
    diag_error(s->d, e->loc, "an array is not a value here: it may initialise a local array "
                             "('let y[n] = ...;') or be assigned to one");
    return KIND_ERR;
  }
  return KIND_ERR;
}

/* ---- statements ---- */

/* inside: NULL for the function's body, else what the block is ("a 'for'
 * loop", "an 'if'"), for messages. */
static void check_stmts(Sema *s, Stmt *st, const char *inside);

/* ---- local arrays (SPEC 2.6) ---- */

enum { MAX_RANK = 8 };

/* The shape of an array value, for comparisons and messages: each
 * dimension as text and, when it is one, an affine form. */
typedef struct Shape {
  int rank;
  char text[MAX_RANK][80];
  Aff aff[MAX_RANK];
  int affine[MAX_RANK];
} Shape;

static void shape_dim_text(Sema *s, Shape *sh, int k, const Expr *e) {
  snprintf(sh->text[k], sizeof sh->text[k], "%.*s", e->loc.hi - e->loc.lo, s->d->src->text + e->loc.lo);
  sh->affine[k] = aff_of(s, e, &sh->aff[k]);
}

static void shape_of_binding(Sema *s, const Binding *b, Shape *sh) {
  sh->rank = b->ndims < MAX_RANK ? b->ndims : MAX_RANK;
  for (int k = 0; k < sh->rank; k++)
    shape_dim_text(s, sh, k, b->dims[k]);
}

/* "[n, m]" */
static const char *shape_text(const Shape *sh, char *buf, size_t n) {
  size_t at = 0;
  buf[at++] = '[';
  for (int k = 0; k < sh->rank && at + 4 < n; k++)
    at += (size_t)snprintf(buf + at, n - at, "%s%s", k ? ", " : "", sh->text[k]);
  snprintf(buf + (at < n - 2 ? at : n - 2), 2, "]");
  return buf;
}

/* Text without spaces, for dimensions that are not affine. */
static int same_text(const char *a, const char *b) {
  for (;;) {
    while (*a == ' ')
      a++;
    while (*b == ' ')
      b++;
    if (*a != *b)
      return 0;
    if (!*a)
      return 1;
    a++, b++;
  }
}

static int same_shape(const Shape *a, const Shape *b) {
  if (a->rank != b->rank)
    return 0;
  for (int k = 0; k < a->rank; k++) {
    long long v;
    Aff d = a->aff[k];
    if (a->affine[k] && b->affine[k] && aff_axpy(&d, -1, &b->aff[k]) && aff_const(&d, &v)) {
      if (v != 0)
        return 0;
    } else if (!same_text(a->text[k], b->text[k])) {
      return 0;
    }
  }
  return 1;
}

/* Is e an array value (a name of an array, [e0, ...], [i in a..b: e])?
 * Asked without reporting anything. */
static int array_call(Sema *s, const Expr *e);
static int check_array_call(Sema *s, Expr *e, Shape *sh);

static int array_expr(Sema *s, const Expr *e) {
  if (e->kind == E_LIST || e->kind == E_COMP || array_call(s, e))
    return 1;
  int b = e->kind == E_NAME ? lookup(s, e->u.name) : -1;
  return b >= 0 && s->binds.v[b].kind == BK_ARRAY;
}

/* May value e of shape got be given to an array of shape want: the same
 * shape, or a list filling a many-dimensional array of constant size in
 * row-major order (as a C initialiser does), exactly as long? */
static int shape_accepts(const Shape *want, const Shape *got, const Expr *e) {
  if (same_shape(want, got))
    return 1;
  if (e->kind != E_LIST || want->rank < 2)
    return 0;
  long long n = 1, v;
  for (int k = 0; k < want->rank; k++) {
    if (!want->affine[k] || !aff_const(&want->aff[k], &v) || v < 0 || v > (1LL << 30))
      return 0;
    n *= v;
  }
  return n == e->u.call.nargs;
}

/* Checks array value e (array_expr) and gives its shape; 0 when reported. */
static int check_array_value(Sema *s, Expr *e, Shape *sh) {
  memset(sh, 0, sizeof *sh);
  if (e->kind == E_CALL)
    return check_array_call(s, e, sh);
  if (e->kind == E_NAME) {
    int b = lookup(s, e->u.name);
    s->binds.v[b].used = 1;
    e->bind = s->binds.v[b].decl;
    shape_of_binding(s, &s->binds.v[b], sh);
    return 1;
  }
  if (e->kind == E_LIST) {
    for (int i = 0; i < e->u.call.nargs; i++)
      want_value(s, e->u.call.args[i], check_expr(s, e->u.call.args[i]));
    sh->rank = 1;
    snprintf(sh->text[0], sizeof sh->text[0], "%d", e->u.call.nargs);
    sh->aff[0].c = e->u.call.nargs;
    sh->affine[0] = 1;
    return 1;
  }
  Comp *c = e->u.comp;
  if (c->n > 2) {
    diag_error(s->d, e->loc, "a comprehension has one or two indices ([i in a..b: e], [i in a..b, j in c..d: e])");
    return 0;
  }
  int mark = s->binds.n;
  sh->rank = c->n;
  for (int k = 0; k < c->n; k++) {
    c->decl[k] = decl_of(s, bind_index(s, c->var[k], c->varloc[k], c->lo[k], c->hi[k]));
    Aff lo;
    int zero = c->lo[k]->kind == E_NUM && c->lo[k]->u.num == 0;
    sh->affine[k] = aff_of(s, c->hi[k], &sh->aff[k]) && aff_of(s, c->lo[k], &lo) && aff_axpy(&sh->aff[k], -1, &lo);
    const Expr *h = c->hi[k], *l = c->lo[k];
    if (zero)
      snprintf(sh->text[k], sizeof sh->text[k], "%.*s", h->loc.hi - h->loc.lo, s->d->src->text + h->loc.lo);
    else
      snprintf(sh->text[k], sizeof sh->text[k], "%.*s - (%.*s)", h->loc.hi - h->loc.lo, s->d->src->text + h->loc.lo,
               l->loc.hi - l->loc.lo, s->d->src->text + l->loc.lo);
  }
  want_value(s, c->e, check_expr(s, c->e));
  warn_unused(s, mark);
  unbind_to(s, mark);
  return 1;
}

/* The value assigned to (or initialising) an array of shape want: an array
 * of that shape, or (fill) a scalar when scalar_ok. */
static void check_array_init(Sema *s, Expr *e, const Shape *want, const char *name, int scalar_ok) {
  char a[200], b[200];
  Shape got;
  if (!array_expr(s, e)) {
    if (scalar_ok) {
      want_value(s, e, check_expr(s, e));
      return;
    }
    check_expr(s, e);
    diag_error(s->d, e->loc, "'%s' is an array %s: assign an array of that shape, or an element ('%s[i] = ...')",
               name, shape_text(want, a, sizeof a), name);
    return;
  }
  if (check_array_value(s, e, &got) && !shape_accepts(want, &got, e))
    diag_error(s->d, e->loc, "shape mismatch: '%s' is %s, the value is %s", name, shape_text(want, a, sizeof a),
               shape_text(&got, b, sizeof b));
}

/* A local array's dimension: an integer expression fixed on entry. */
static void check_local_dim(Sema *s, Expr *e) {
  check_int(s, e);
  switch (e->kind) {
  case E_NAME: {
    int b = lookup(s, e->u.name);
    if (b >= 0 && s->binds.v[b].kind == BK_INDEX)
      diag_error(s->d, e->loc, "a local array's dimensions are fixed on entry (literals, sizes, integer data): "
                               "'%s' is a loop index", e->u.name);
    return;
  }
  case E_INDEX:
    diag_error(s->d, e->loc, "a local array's dimensions are fixed on entry (literals, sizes, integer data "
                             "scalars), not elements of data");
    return;
  case E_UNARY:
    check_local_dim(s, e->u.un.e);
    return;
  case E_CHAIN:
    check_local_dim(s, e->u.chain.first);
    for (int i = 0; i < e->u.chain.n; i++)
      check_local_dim(s, e->u.chain.items[i].e);
    return;
  default:
    return;
  }
}

/* let y = x with x an array: y needs the dimensions. */
static void let_without_dims(Sema *s, Stmt *st) {
  Shape sh = {0};
  char buf[200];
  int b = st->e->kind == E_NAME ? lookup(s, st->e->u.name) : -1;
  if (b >= 0) {
    s->binds.v[b].used = 1;
    shape_of_binding(s, &s->binds.v[b], &sh);
    diag_error(s->d, st->nameloc, "a local array needs its dimensions: 'let %s%s = %s;'", st->name,
               shape_text(&sh, buf, sizeof buf), st->e->u.name);
  } else {
    diag_error(s->d, st->nameloc, "a local array needs its dimensions: 'let %s[...] = ...;'", st->name);
  }
}

/* ---- array and tuple results ---- */

/* Callee dimension d in the caller's terms: the callee's sizes replaced by
 * the caller's dimensions the last call bound (new nodes in the bodies'
 * arena); NULL when it names a size no argument bound. */
static Expr *caller_dim(Sema *s, const Expr *d) {
  switch (d->kind) {
  case E_NAME:
    for (int j = 0; j < s->nsb; j++)
      if (strcmp(s->sb[j].name, d->u.name) == 0)
        return (Expr *)s->sb[j].dim;
    return NULL;
  case E_UNARY: {
    Expr *x = caller_dim(s, d->u.un.e);
    if (!x)
      return NULL;
    Expr *c = arena_alloc(s->arena, sizeof *c);
    *c = *d;
    c->u.un.e = x;
    return c;
  }
  case E_CHAIN: {
    Expr *c = arena_alloc(s->arena, sizeof *c);
    *c = *d;
    c->u.chain.first = caller_dim(s, d->u.chain.first);
    c->u.chain.items = arena_alloc(s->arena, (size_t)d->u.chain.n * sizeof *c->u.chain.items);
    c->u.chain.cap = d->u.chain.n;
    int ok = c->u.chain.first != NULL;
    for (int i = 0; i < d->u.chain.n; i++) {
      c->u.chain.items[i] = d->u.chain.items[i];
      c->u.chain.items[i].e = caller_dim(s, d->u.chain.items[i].e);
      ok &= c->u.chain.items[i].e != NULL;
    }
    return ok ? c : NULL;
  }
  default:
    return (Expr *)d;
  }
}

/* The dimensions of result k of call e (just checked) in the caller's
 * terms, into dims (in the arena); 0 when one cannot be told. */
static int result_dims(Sema *s, const Expr *e, int k, Expr ***dims) {
  const Param *out = &s->c->funcs[e->bind]->outs[k];
  *dims = arena_alloc(s->arena, (size_t)(out->ndims + 1) * sizeof **dims);
  for (int j = 0; j < out->ndims; j++)
    if (!((*dims)[j] = caller_dim(s, out->dims[j]))) {
      diag_error(s->d, e->loc, "the size of '%s''s result '%s' cannot be told from the arguments of this call",
                 e->u.call.name, out->name);
      return 0;
    }
  return 1;
}

/* Does e call a function with one array result? (Asked without reporting.) */
static int array_call(Sema *s, const Expr *e) {
  if (e->kind != E_CALL || lookup(s, e->u.call.name) >= 0)
    return 0;
  int fn = strmap_get(&s->c->fnmap, e->u.call.name, -1);
  return fn >= 0 && s->c->funcs[fn]->nouts == 1 && s->c->funcs[fn]->outs[0].ndims > 0;
}

/* The shape of array-valued call e: its one result's. */
static int check_array_call(Sema *s, Expr *e, Shape *sh) {
  s->results_ok = 1;
  if (check_call(s, e) == KIND_ERR || e->bind < 0)
    return 0;
  Expr **dims;
  if (!result_dims(s, e, 0, &dims))
    return 0;
  sh->rank = s->c->funcs[e->bind]->outs[0].ndims < MAX_RANK ? s->c->funcs[e->bind]->outs[0].ndims : MAX_RANK;
  for (int k = 0; k < sh->rank; k++)
    shape_dim_text(s, sh, k, dims[k]);
  return 1;
}

/* A result's dimension: literals and the parameters' sizes. */
static int result_dim_ok(Sema *s, const Expr *e) {
  switch (e->kind) {
  case E_NAME: {
    int b = lookup(s, e->u.name);
    if (b >= 0 && s->binds.v[b].kind == BK_SIZE)
      return 1;
    diag_error(s->d, e->loc, "'%s' is not a size of a parameter; a result's dimensions are integer expressions of "
                             "the parameters' sizes and literals", e->u.name);
    return 0;
  }
  case E_NUM:
    return 1;
  case E_UNARY:
    return result_dim_ok(s, e->u.un.e);
  case E_CHAIN: {
    int ok = result_dim_ok(s, e->u.chain.first);
    for (int i = 0; i < e->u.chain.n && ok; i++)
      ok = result_dim_ok(s, e->u.chain.items[i].e);
    return ok;
  }
  default:
    diag_error(s->d, e->loc, "a result's dimensions are integer expressions of the parameters' sizes and literals");
    return 0;
  }
}

/* return e for array result out: an array of its shape. */
static void check_array_result(Sema *s, Expr *e, const Param *out) {
  char a[200], b[200];
  Shape want = {0}, got;
  want.rank = out->ndims < MAX_RANK ? out->ndims : MAX_RANK;
  for (int k = 0; k < want.rank; k++)
    shape_dim_text(s, &want, k, out->dims[k]);
  if (!array_expr(s, e)) {
    if (check_expr(s, e) != KIND_ERR)
      diag_error(s->d, e->loc, "result '%s' is an array %s: return an array of that shape (a local array, a "
                               "parameter, [...] or a call)", out->name, shape_text(&want, a, sizeof a));
    return;
  }
  if (check_array_value(s, e, &got) && out->decl != -2 && !shape_accepts(&want, &got, e))
    diag_error(s->d, e->loc, "shape mismatch: result '%s' is %s, the value is %s", out->name,
               shape_text(&want, a, sizeof a), shape_text(&got, b, sizeof b));
}

/* let (a, b) = g(...): one name per result of g, arrays bound with g's
 * result dimensions in the caller's terms. */
static void check_tuple(Sema *s, Stmt *st) {
  Tuple *t = st->tuple;
  Expr *e = st->e;
  int fn = e->kind == E_CALL && lookup(s, e->u.call.name) < 0 ? strmap_get(&s->c->fnmap, e->u.call.name, -1) : -1;
  Kind k = KIND_ERR;
  if (fn < 0) {
    if (check_expr(s, e) != KIND_ERR)
      diag_error(s->d, e->loc, "'let (%s, ...) = ...' binds the results of a call of a function", t->names[0]);
  } else {
    s->results_ok = 1;
    k = check_call(s, e);
  }
  const Func *f = fn >= 0 ? s->c->funcs[fn] : NULL;
  int nres = f && f->nouts ? f->nouts : 1;
  if (k != KIND_ERR && nres != t->n)
    diag_error(s->d, st->loc, "'%s' returns %d value%s, but %d name%s bound", f->name, nres, nres == 1 ? "" : "s",
               t->n, t->n == 1 ? " is" : "s are");
  t->dims = arena_alloc(s->arena, (size_t)t->n * sizeof *t->dims);
  t->ndims = arena_alloc(s->arena, (size_t)t->n * sizeof *t->ndims);
  for (int i = 0; i < t->n; i++) {
    t->dims[i] = NULL;
    t->ndims[i] = 0;
    if (k != KIND_ERR && i < nres && f->nouts && f->outs[i].ndims && result_dims(s, e, i, &t->dims[i]))
      t->ndims[i] = f->outs[i].ndims;
  }
  for (int i = 0; i < t->n; i++) {
    int b = bind(s, t->names[i], t->locs[i], 0, t->ndims[i] ? BK_ARRAY : BK_REAL);
    t->decls[i] = decl_of(s, b);
    if (b >= 0 && t->ndims[i]) {
      s->binds.v[b].dims = t->dims[i];
      s->binds.v[b].ndims = t->ndims[i];
      s->binds.v[b].is_local = 1;
    }
    if (b >= 0 && k == KIND_ERR)
      s->binds.v[b].used = 1; /* reported once */
  }
}

/* let x[dims] = e: e a scalar (every element), or an array of that shape. */
static void check_let_array(Sema *s, Stmt *st) {
  Shape want = {0};
  want.rank = st->nsub < MAX_RANK ? st->nsub : MAX_RANK;
  for (int k = 0; k < st->nsub; k++) {
    check_local_dim(s, st->sub[k]);
    if (k < MAX_RANK)
      shape_dim_text(s, &want, k, st->sub[k]);
  }
  check_array_init(s, st->e, &want, st->name, 1);
  int b = bind(s, st->name, st->nameloc, 0, BK_ARRAY);
  st->decl = decl_of(s, b);
  if (b >= 0) {
    s->binds.v[b].dims = st->sub;
    s->binds.v[b].ndims = st->nsub;
    s->binds.v[b].is_local = 1;
  }
}

/* x[i, j] = e: x a local array (parameters are read-only). */
static void check_assign_element(Sema *s, Stmt *st) {
  want_value(s, st->e, check_expr(s, st->e));
  int b = lookup(s, st->name);
  if (b >= 0 && s->binds.v[b].kind == BK_ARRAY && !s->binds.v[b].is_local) {
    diag_error(s->d, st->nameloc, "cannot assign to an element of parameter '%s' (parameters are read-only); "
                                  "copy it into a local first: 'let y[...] = %s;'", st->name, st->name);
    s->binds.v[b].used = 1;
    return;
  }
  Expr x = {0}; /* the element, as if read: the same checks of its indices */
  x.kind = E_INDEX;
  x.loc = (Loc){st->nameloc.lo, st->nsub ? st->sub[st->nsub - 1]->loc.hi + 1 : st->nameloc.hi};
  x.u.call.name = st->name;
  x.u.call.nameloc = st->nameloc;
  x.u.call.args = st->sub;
  x.u.call.nargs = st->nsub;
  int was_used = b >= 0 ? s->binds.v[b].used : 0;
  if (check_element(s, &x) >= 0 && s->binds.v[b].is_int)
    diag_error(s->d, st->nameloc, "cannot assign to an element of integer data '%s'", st->name);
  if (b >= 0)
    s->binds.v[b].used = was_used; /* a store is not a read */
  st->decl = decl_of(s, b);
}

static int assigns_local_array(Sema *s, const Stmt *st) {
  int b = lookup(s, st->name);
  return b >= 0 && s->binds.v[b].kind == BK_ARRAY && s->binds.v[b].is_local;
}

/* u = v: an array of u's shape. */
static void check_assign_array(Sema *s, Stmt *st) {
  int b = lookup(s, st->name);
  Shape want;
  shape_of_binding(s, &s->binds.v[b], &want);
  check_array_init(s, st->e, &want, st->name, 0);
  st->decl = decl_of(s, b);
}

static void check_assign(Sema *s, Stmt *st) {
  int b = lookup(s, st->name);
  st->decl = decl_of(s, b);
  if (b < 0) {
    diag_error(s->d, st->nameloc, "assignment to undeclared name '%s'; declare it with 'let %s = ...'",
               st->name, st->name);
    return;
  }
  const char *what = s->binds.v[b].kind == BK_ARRAY ? "an array"
                     : s->binds.v[b].kind == BK_SIZE ? "a size"
                     : s->binds.v[b].kind == BK_INDEX ? "a loop index"
                     : s->binds.v[b].kind == BK_INT ? "integer data (read-only)" : NULL;
  if (what)
    diag_error(s->d, st->nameloc, "cannot assign to '%s': it is %s", st->name, what);
}

static void check_for(Sema *s, Stmt *st) {
  int mark = s->binds.n;
  int b = bind_index(s, st->name, st->nameloc, st->e, st->more[0]);
  st->decl = decl_of(s, b);
  s->loop_depth++;
  check_stmts(s, st->body, "a 'for' loop");
  s->loop_depth--;
  warn_unused(s, mark + 1);
  unbind_to(s, mark);
}

/* A block of an 'if': its lets are its own. */
static void check_branch(Sema *s, Stmt *body) {
  int mark = s->binds.n;
  check_stmts(s, body, "an 'if'");
  warn_unused(s, mark);
  unbind_to(s, mark);
}

/* if c { ... } else ...: c a condition; what the blocks declare is theirs,
 * what they assign of the names outside is merged after it. */
static void check_if(Sema *s, Stmt *st) {
  want_cond(s, st->e, check_expr(s, st->e));
  st->decl = s->ndecls; /* declarations from here on are inside */
  check_branch(s, st->body);
  if (st->orelse)
    check_branch(s, st->orelse);
}

static void check_return(Sema *s, Stmt *st) {
  const Func *f = s->c->funcs[s->fn];
  for (int i = 0; i <= st->nmore; i++) {
    Expr *e = i ? st->more[i - 1] : st->e;
    if (i < f->nouts && f->outs[i].ndims)
      check_array_result(s, e, &f->outs[i]);
    else
      want_value(s, e, check_expr(s, e));
  }
  int want = f->nouts ? f->nouts : 1, got = 1 + st->nmore;
  if (got != want && f->nouts)
    diag_error(s->d, st->loc, "'%s' has %d result%s, but %d value%s returned", f->name, want,
               want == 1 ? "" : "s", got, got == 1 ? " is" : "s are");
  else if (got != want)
    diag_error(s->d, st->loc, "'%s' returns %d values; name them in its header, e.g. "
               "'fn %s(...) -> (u, v)'", f->name, got, f->name);
}

static void check_stmts(Sema *s, Stmt *st, const char *inside) {
  int has_return = 0;
  for (; st; st = st->next) {
    if (has_return) { /* reported once; the rest is not checked */
      diag_error(s->d, st->loc, "statement after 'return'; 'return' must be the last statement");
      break;
    }
    switch (st->kind) {
    case S_LET:
      if (st->nsub) {
        check_let_array(s, st);
        break;
      }
      if (array_expr(s, st->e))
        let_without_dims(s, st);
      else
        want_value(s, st->e, check_expr(s, st->e));
      st->decl = decl_of(s, bind(s, st->name, st->nameloc, 0, BK_REAL));
      break;
    case S_ASSIGN:
      if (st->nsub)
        check_assign_element(s, st);
      else if (assigns_local_array(s, st))
        check_assign_array(s, st);
      else {
        want_value(s, st->e, check_expr(s, st->e));
        check_assign(s, st);
      }
      break;
    case S_FOR:
      check_for(s, st);
      break;
    case S_IF:
      check_if(s, st);
      break;
    case S_TUPLE:
      check_tuple(s, st);
      break;
    case S_RETURN:
      if (inside) {
        if (strcmp(inside, "an 'if'") == 0)
          diag_error(s->d, st->loc, "'return' inside an 'if'; assign a variable in its blocks and "
                                    "return it after the 'if'");
        else
          diag_error(s->d, st->loc, "'return' inside %s; return after the loop", inside);
        return;
      }
      check_return(s, st);
      has_return = 1;
      break;
    }
  }
  if (!inside && !has_return)
    diag_error(s->d, s->c->funcs[s->fn]->nameloc, "function '%s' has no 'return' statement",
               s->c->funcs[s->fn]->name);
}

/* A name in a dimension that is nothing else yet is a size parameter. */
static void bind_sizes(Sema *s, Expr *e, FnSig *sig) {
  switch (e->kind) {
  case E_NAME:
    if (lookup(s, e->u.name) < 0 && strcmp(e->u.name, "pi") != 0) {
      int b = bind(s, e->u.name, e->loc, 1, BK_SIZE);
      s->binds.v[b].used = 1;
      sig->sizes = xrealloc(sig->sizes, (size_t)(sig->nsizes + 1) * sizeof *sig->sizes);
      sig->sizelocs = xrealloc(sig->sizelocs, (size_t)(sig->nsizes + 1) * sizeof *sig->sizelocs);
      sig->sizedecls = xrealloc(sig->sizedecls, (size_t)(sig->nsizes + 1) * sizeof *sig->sizedecls);
      sig->sizedecls[sig->nsizes] = s->binds.v[b].decl;
      sig->sizes[sig->nsizes] = e->u.name;
      sig->sizelocs[sig->nsizes++] = e->loc;
    }
    break;
  case E_UNARY:
    bind_sizes(s, e->u.un.e, sig);
    break;
  case E_CHAIN:
    bind_sizes(s, e->u.chain.first, sig);
    for (int i = 0; i < e->u.chain.n; i++)
      bind_sizes(s, e->u.chain.items[i].e, sig);
    break;
  default:
    break;
  }
}

/* A parameter's dimension names sizes only: the caller passes them (integer
 * data, passed as itself, is not one). 1 when it does. */
static int sizes_only(Sema *s, const Expr *e) {
  switch (e->kind) {
  case E_NAME: {
    int b = lookup(s, e->u.name);
    if (b >= 0 && s->binds.v[b].kind == BK_INT) {
      diag_error(s->d, e->loc, "'%s' is integer data; a parameter's dimensions are sizes, which "
                               "the caller passes apart (e.g. 'x[n]')", e->u.name);
      return 0;
    }
    return 1;
  }
  case E_INDEX:
    diag_error(s->d, e->loc, "a parameter's dimensions are integer expressions of sizes and "
                             "literals");
    return 0;
  case E_UNARY:
    return sizes_only(s, e->u.un.e);
  case E_CHAIN: {
    int ok = sizes_only(s, e->u.chain.first);
    for (int i = 0; i < e->u.chain.n && ok; i++)
      ok = sizes_only(s, e->u.chain.items[i].e);
    return ok;
  }
  default:
    return 1;
  }
}

static void check_params(Sema *s, Func *f, FnSig *sig) {
  for (int i = 0; i < f->nparams; i++) {
    Param *p = &f->params[i];
    for (int k = 0; k < p->ndims; k++) {
      bind_sizes(s, p->dims[k], sig);
      if (sizes_only(s, p->dims[k]))
        check_int(s, p->dims[k]);
    }
    int b = bind(s, p->name, p->loc, 1, p->ndims ? BK_ARRAY : p->is_int ? BK_INT : BK_REAL);
    p->decl = decl_of(s, b);
    if (b >= 0) {
      s->binds.v[b].dims = p->dims;
      s->binds.v[b].ndims = p->ndims;
      s->binds.v[b].is_int = p->is_int;
    }
  }
  for (int i = 0; i < f->nouts; i++) {
    for (int k = 0; k < f->outs[i].ndims; k++)
      if (result_dim_ok(s, f->outs[i].dims[k]))
        check_int(s, f->outs[i].dims[k]);
      else
        f->outs[i].decl = -2; /* reported: its value's shape is not compared */
    for (int k = 0; k < i; k++)
      if (strcmp(f->outs[k].name, f->outs[i].name) == 0) {
        diag_error(s->d, f->outs[i].loc, "duplicate result name '%s'", f->outs[i].name);
        break;
      }
    int b = lookup(s, f->outs[i].name);
    if (b >= 0)
      diag_error(s->d, f->outs[i].loc, "result '%s' has the name of a parameter", f->outs[i].name);
  }
  sig->nouts = f->nouts ? f->nouts : 1;
}

static void check_func(Sema *s, Func *f, FnSig *sig) {
  int errors_before = s->d->errors;
  s->ndecls = 0;
  check_params(s, f, sig);
  check_stmts(s, f->body, NULL);
  sig->ndecls = s->ndecls;
  if (s->d->errors == errors_before)
    warn_unused(s, 0);
}

/* Depth-first search over the call graph without recursion: a back edge is
 * a recursive call. The finishing order puts callees first. */
static void check_calls(Sema *s) {
  Checked *c = s->c;
  int n = c->nfuncs;
  int *first = xmalloc((size_t)(n + 1) * sizeof *first);
  for (int i = 0; i <= n; i++)
    first[i] = 0;
  for (int i = 0; i < s->edges.n; i++)
    first[s->edges.v[i].caller + 1]++;
  for (int i = 0; i < n; i++)
    first[i + 1] += first[i];
  Edge *sorted = xmalloc((size_t)(s->edges.n ? s->edges.n : 1) * sizeof *sorted);
  int *fill = xmalloc((size_t)(n ? n : 1) * sizeof *fill);
  for (int i = 0; i < n; i++)
    fill[i] = first[i];
  for (int i = 0; i < s->edges.n; i++)
    sorted[fill[s->edges.v[i].caller]++] = s->edges.v[i];
  char *state = xcalloc((size_t)(n ? n : 1), 1); /* 0 new, 1 open, 2 done */
  int *stack = xmalloc((size_t)(n ? n : 1) * sizeof *stack);
  int *next = xmalloc((size_t)(n ? n : 1) * sizeof *next);
  int norder = 0;
  for (int root = 0; root < n; root++) {
    if (state[root])
      continue;
    int sp = 0;
    stack[sp++] = root;
    state[root] = 1;
    next[root] = first[root];
    while (sp) {
      int v = stack[sp - 1];
      if (next[v] < first[v + 1]) {
        const Edge *ed = &sorted[next[v]++];
        if (state[ed->callee] == 1) {
          diag_error(s->d, ed->at, "recursive call to '%s' (recursion is not supported)",
                     c->funcs[ed->callee]->name);
        } else if (state[ed->callee] == 0) {
          state[ed->callee] = 1;
          next[ed->callee] = first[ed->callee];
          stack[sp++] = ed->callee;
        }
      } else {
        state[v] = 2;
        c->order[norder++] = v;
        sp--;
      }
    }
  }
  free(first);
  free(sorted);
  free(fill);
  free(state);
  free(stack);
  free(next);
}

/* A private function is not emitted: one that no function calls is dead. */
static void warn_unused_private(Sema *s) {
  char *called = xcalloc((size_t)s->c->nfuncs + 1, 1);
  for (int i = 0; i < s->edges.n; i++)
    called[s->edges.v[i].callee] = 1;
  for (int i = 0; i < s->c->nfuncs; i++)
    if (s->c->funcs[i]->is_private && !called[i])
      diag_warning(s->d, s->c->funcs[i]->nameloc, "unused private function '%s' (it is not emitted)",
                   s->c->funcs[i]->name);
  free(called);
}

int sema_check(Program *p, Diag *d, Checked *c) {
  int before = d->errors;
  memset(c, 0, sizeof *c);
  c->funcs = xmalloc((size_t)(p->nfuncs ? p->nfuncs : 1) * sizeof *c->funcs);
  c->order = xmalloc((size_t)(p->nfuncs ? p->nfuncs : 1) * sizeof *c->order);
  c->sigs = xcalloc((size_t)(p->nfuncs ? p->nfuncs : 1), sizeof *c->sigs);
  for (Func *f = p->funcs; f; f = f->next) {
    int prev = strmap_get(&c->fnmap, f->name, -1);
    if (prev >= 0) {
      diag_error(d, f->nameloc, "redefinition of function '%s'", f->name);
      diag_note(d, c->funcs[prev]->nameloc, "'%s' was defined here", f->name);
      continue;
    }
    c->funcs[c->nfuncs] = f;
    strmap_put(&c->fnmap, f->name, c->nfuncs++);
  }
  Sema s = {0};
  SizeBind sb[64];
  s.d = d;
  s.c = c;
  s.sb = sb;
  s.arena = &p->bodies;
  for (int i = 0; i < c->nfuncs; i++) {
    s.fn = i;
    check_func(&s, c->funcs[i], &c->sigs[i]);
    strmap_free(&s.scope);
    s.binds.n = 0;
  }
  check_calls(&s);
  warn_unused_private(&s);
  if (c->nfuncs == 0 && d->errors == before) {
    Loc start = {0, 0};
    diag_warning(d, start, "the file defines no functions");
  }
  vec_free(&s.binds);
  vec_free(&s.edges);
  return d->errors - before;
}

void sema_free(Checked *c) {
  for (int i = 0; c->sigs && i < c->nfuncs; i++) {
    free(c->sigs[i].sizes);
    free(c->sigs[i].sizelocs);
    free(c->sigs[i].sizedecls);
  }
  free(c->sigs);
  free(c->funcs);
  free(c->order);
  strmap_free(&c->fnmap);
  memset(c, 0, sizeof *c);
}

/* A dimension's value for the given sizes; -1 when it cannot be known. */
long sema_dim_value(const Expr *e, const FnSig *sig, const long *size) {
  switch (e->kind) {
  case E_NUM:
    return (long)e->u.num;
  case E_NAME:
    for (int k = 0; k < sig->nsizes; k++)
      if (strcmp(sig->sizes[k], e->u.name) == 0)
        return size[k];
    return -1;
  case E_UNARY: {
    long v = sema_dim_value(e->u.un.e, sig, size);
    return v < 0 ? v : e->u.un.op == A_NEG ? -v : v;
  }
  case E_CHAIN: {
    long v = sema_dim_value(e->u.chain.first, sig, size);
    for (int i = 0; i < e->u.chain.n && v >= 0; i++) {
      long w = sema_dim_value(e->u.chain.items[i].e, sig, size);
      AstOp op = e->u.chain.items[i].op;
      if (w < 0)
        return -1;
      v = op == A_ADD ? v + w : op == A_SUB ? v - w : op == A_MUL ? v * w : !w ? -1 : op == A_DIV ? v / w : v % w;
    }
    return v;
  }
  default:
    return -1;
  }
}

