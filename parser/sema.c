/* sema.c - semantic checks. Every error in a file is reported, each once:
 * an expression that already failed yields KIND_ERR, which later checks
 * accept silently so that one mistake does not cascade. */
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "sema.h"

typedef enum Kind { KIND_VALUE, KIND_COND, KIND_ERR } Kind;

typedef struct Binding {
  const char *name;
  Loc loc;
  int is_param;
  int used;
} Binding;

typedef struct Edge {
  int caller, callee;
  Loc at;
} Edge;

typedef struct Sema {
  Diag *d;
  Checked *c;
  int fn;                /* index of the function being checked */
  StrMap scope;          /* name -> binding index */
  VEC(Binding) binds;
  VEC(Edge) edges;
} Sema;

static Kind check_expr(Sema *s, const Expr *e);

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

static void collect_names(Sema *s, NameVec *out) {
  for (int i = 0; i < s->binds.n; i++)
    vec_push(out, s->binds.v[i].name);
  vec_push(out, "pi");
}

static Kind check_name(Sema *s, const Expr *e) {
  const char *name = e->u.name;
  int b = strmap_get(&s->scope, name, -1);
  if (b >= 0) {
    s->binds.v[b].used = 1;
    return KIND_VALUE;
  }
  if (strcmp(name, "pi") == 0)
    return KIND_VALUE;
  if (strmap_get(&s->c->fnmap, name, -1) >= 0 || op_lookup_builtin(name) >= 0) {
    diag_error(s->d, e->loc, "'%s' is a function; call it with arguments, e.g. '%s(x)'", name,
               name);
    return KIND_ERR;
  }
  NameVec cands = {0};
  collect_names(s, &cands);
  const char *hint = closest_name(name, cands.v, cands.n);
  if (hint)
    diag_error(s->d, e->loc, "unknown name '%s' (did you mean '%s'?)", name, hint);
  else
    diag_error(s->d, e->loc, "unknown name '%s'", name);
  vec_free(&cands);
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

static Kind check_call(Sema *s, const Expr *e) {
  const char *name = e->u.call.name;
  int nargs = e->u.call.nargs;
  for (int i = 0; i < nargs; i++)
    want_value(s, e->u.call.args[i], check_expr(s, e->u.call.args[i]));
  if (strmap_get(&s->scope, name, -1) >= 0) {
    s->binds.v[strmap_get(&s->scope, name, -1)].used = 1;
    diag_error(s->d, e->u.call.nameloc, "'%s' is a variable, not a function", name);
    return KIND_ERR;
  }
  int fn = strmap_get(&s->c->fnmap, name, -1);
  int arity;
  if (fn >= 0) {
    arity = s->c->funcs[fn]->nparams;
    Edge ed = {s->fn, fn, e->u.call.nameloc};
    vec_push(&s->edges, ed);
  } else if (op_lookup_builtin(name) >= 0) {
    arity = op_info[op_lookup_builtin(name)].arity;
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
  }
  return KIND_VALUE;
}

static Kind check_chain(Sema *s, const Expr *e) {
  AstOp op = e->u.chain.items[0].op;
  int logical = op == A_AND || op == A_OR;
  Kind k = check_expr(s, e->u.chain.first);
  if (logical)
    want_cond(s, e->u.chain.first, k);
  else
    want_value(s, e->u.chain.first, k);
  for (int i = 0; i < e->u.chain.n; i++) {
    const Expr *x = e->u.chain.items[i].e;
    k = check_expr(s, x);
    if (logical)
      want_cond(s, x, k);
    else
      want_value(s, x, k);
  }
  return logical ? KIND_COND : KIND_VALUE;
}

static Kind check_expr(Sema *s, const Expr *e) {
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
  case E_BINARY: {
    want_value(s, e->u.bin.l, check_expr(s, e->u.bin.l));
    want_value(s, e->u.bin.r, check_expr(s, e->u.bin.r));
    return e->u.bin.op == A_POW ? KIND_VALUE : KIND_COND;
  }
  case E_COND: {
    want_cond(s, e->u.cond.c, check_expr(s, e->u.cond.c));
    want_value(s, e->u.cond.a, check_expr(s, e->u.cond.a));
    want_value(s, e->u.cond.b, check_expr(s, e->u.cond.b));
    return KIND_VALUE;
  }
  }
  return KIND_ERR;
}

static void bind(Sema *s, const char *name, Loc loc, int is_param) {
  int prev = strmap_get(&s->scope, name, -1);
  if (prev >= 0) {
    const Binding *p = &s->binds.v[prev];
    if (is_param)
      diag_error(s->d, loc, "duplicate parameter '%s'", name);
    else if (p->is_param)
      diag_error(s->d, loc, "redefinition of parameter '%s'; to change it, write '%s = ...'",
                 name, name);
    else
      diag_error(s->d, loc, "redefinition of '%s'; to change it, write '%s = ...'", name, name);
    diag_note(s->d, p->loc, "'%s' was defined here", name);
    return;
  }
  Binding b = {name, loc, is_param, 0};
  vec_push(&s->binds, b);
  strmap_put(&s->scope, name, s->binds.n - 1);
}

static void check_stmt(Sema *s, const Stmt *st) {
  Kind k = check_expr(s, st->e);
  want_value(s, st->e, k);
  if (st->kind == S_LET) {
    bind(s, st->name, st->nameloc, 0);
  } else if (st->kind == S_ASSIGN) {
    int b = strmap_get(&s->scope, st->name, -1);
    if (b < 0)
      diag_error(s->d, st->nameloc, "assignment to undeclared name '%s'; declare it with 'let %s = ...'",
                 st->name, st->name);
  }
}

static void check_func(Sema *s, const Func *f) {
  int errors_before = s->d->errors;
  for (int i = 0; i < f->nparams; i++)
    bind(s, f->params[i].name, f->params[i].loc, 1);
  int has_return = 0;
  for (const Stmt *st = f->body; st; st = st->next) {
    if (has_return) { /* reported once; the rest is not checked */
      diag_error(s->d, st->loc, "statement after 'return'; 'return' must be the last statement");
      break;
    }
    check_stmt(s, st);
    has_return = st->kind == S_RETURN;
  }
  if (!has_return)
    diag_error(s->d, f->nameloc, "function '%s' has no 'return' statement", f->name);
  for (int i = 0; i < s->binds.n && s->d->errors == errors_before; i++)
    if (!s->binds.v[i].used)
      diag_warning(s->d, s->binds.v[i].loc, "unused %s '%s'",
                   s->binds.v[i].is_param ? "parameter" : "variable", s->binds.v[i].name);
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

int sema_check(const Program *p, Diag *d, Checked *c) {
  int before = d->errors;
  memset(c, 0, sizeof *c);
  c->funcs = xmalloc((size_t)(p->nfuncs ? p->nfuncs : 1) * sizeof *c->funcs);
  c->order = xmalloc((size_t)(p->nfuncs ? p->nfuncs : 1) * sizeof *c->order);
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
  s.d = d;
  s.c = c;
  for (int i = 0; i < c->nfuncs; i++) {
    s.fn = i;
    check_func(&s, c->funcs[i]);
    strmap_free(&s.scope);
    s.binds.n = 0;
  }
  check_calls(&s);
  if (c->nfuncs == 0 && d->errors == before) {
    Loc start = {0, 0};
    diag_warning(d, start, "the file defines no functions");
  }
  vec_free(&s.binds);
  vec_free(&s.edges);
  return d->errors - before;
}

void sema_free(Checked *c) {
  free(c->funcs);
  free(c->order);
  strmap_free(&c->fnmap);
  memset(c, 0, sizeof *c);
}
