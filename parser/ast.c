/* ast.c - syntax tree constructors. */
#include <string.h>

#include "ast.h"

static Expr *new_expr(Arena *a, ExprKind k, Loc loc) {
  Expr *e = arena_alloc(a, sizeof *e);
  e->kind = k;
  e->loc = loc;
  return e;
}

static Loc span(Loc a, Loc b) {
  Loc l = {a.lo, b.hi};
  return l;
}

Expr *ast_num(Arena *a, Loc loc, double v) {
  Expr *e = new_expr(a, E_NUM, loc);
  e->u.num = v;
  return e;
}

Expr *ast_name(Arena *a, Loc loc, const char *name) {
  Expr *e = new_expr(a, E_NAME, loc);
  e->u.name = name;
  return e;
}

Expr *ast_call(Arena *a, Loc nameloc, const char *name) {
  Expr *e = new_expr(a, E_CALL, nameloc);
  e->u.call.name = name;
  e->u.call.nameloc = nameloc;
  return e;
}

/* Arena arrays grow by doubling; the abandoned copies stay in the arena,
 * which at most doubles their footprint. They start with room for one:
 * most chains and calls have one or two operands, and on long programs the
 * syntax tree is most of adc's peak memory. */
static void *grow(Arena *a, void *old, int n, int *cap, size_t elem) {
  if (n < *cap)
    return old;
  int ncap = *cap ? *cap * 2 : 1;
  void *p = arena_alloc(a, (size_t)ncap * elem);
  if (n)
    memcpy(p, old, (size_t)n * elem);
  *cap = ncap;
  return p;
}

void ast_call_arg(Arena *a, Expr *call, Expr *arg) {
  call->u.call.args = grow(a, call->u.call.args, call->u.call.nargs, &call->u.call.cap,
                           sizeof *call->u.call.args);
  call->u.call.args[call->u.call.nargs++] = arg;
}

Expr *ast_list(Arena *a, Loc loc, Expr *first) {
  Expr *e = new_expr(a, E_LIST, loc);
  ast_call_arg(a, e, first);
  return e;
}

Expr *ast_comp(Arena *a, Loc loc, const char *var, Loc varloc, Expr *lo, Expr *hi) {
  Expr *e = new_expr(a, E_COMP, loc);
  e->u.comp = arena_alloc(a, sizeof *e->u.comp);
  ast_comp_index(a, e, var, varloc, lo, hi);
  return e;
}

void ast_comp_index(Arena *a, Expr *e, const char *var, Loc varloc, Expr *lo, Expr *hi) {
  (void)a;
  Comp *c = e->u.comp;
  if (c->n == 2)
    return; /* the grammar allows two */
  c->var[c->n] = var;
  c->varloc[c->n] = varloc;
  c->lo[c->n] = lo;
  c->hi[c->n++] = hi;
}

Stmt *ast_array_stmt(Arena *a, StmtKind k, Loc loc, const Expr *sub, Expr *e) {
  Stmt *s = ast_stmt(a, k, loc, sub->u.call.name, sub->u.call.nameloc, e);
  s->sub = sub->u.call.args;
  s->nsub = sub->u.call.nargs;
  return s;
}

Expr *ast_unary(Arena *a, Loc loc, AstOp op, Expr *x) {
  Expr *e = new_expr(a, E_UNARY, span(loc, x->loc));
  e->u.un.op = op;
  e->u.un.e = x;
  return e;
}

Expr *ast_binary(Arena *a, AstOp op, Loc oploc, Expr *l, Expr *r) {
  Expr *e = new_expr(a, E_BINARY, span(l->loc, r->loc));
  e->u.bin.op = op;
  e->u.bin.oploc = oploc;
  e->u.bin.l = l;
  e->u.bin.r = r;
  return e;
}

/* May an operator b extend a chain of a? (+ and - mix; so do * and /.) */
static int same_family(AstOp a, AstOp b) {
  if (a == A_ADD || a == A_SUB)
    return b == A_ADD || b == A_SUB;
  if (a == A_MUL || a == A_DIV)
    return b == A_MUL || b == A_DIV;
  return a == b;
}

/* l op r, appended to l when l is already a chain of the same family:
 * left association makes "(a + b) + c" and "a + b + c" the same tree. */
Expr *ast_chain(Arena *a, AstOp op, Loc oploc, Expr *l, Expr *r) {
  Expr *e = l;
  if (l->kind != E_CHAIN || !same_family(l->u.chain.items[0].op, op)) {
    e = new_expr(a, E_CHAIN, l->loc);
    e->u.chain.first = l;
  }
  e->u.chain.items = grow(a, e->u.chain.items, e->u.chain.n, &e->u.chain.cap,
                          sizeof *e->u.chain.items);
  ChainItem it = {op, oploc, r};
  e->u.chain.items[e->u.chain.n++] = it;
  e->loc = span(e->loc, r->loc);
  return e;
}

Expr *ast_cond(Arena *a, Expr *c, Expr *x, Expr *y) {
  Expr *e = new_expr(a, E_COND, span(c->loc, y->loc));
  e->u.cond.c = c;
  e->u.cond.a = x;
  e->u.cond.b = y;
  return e;
}

Expr *ast_index(Arena *a, Loc nameloc, const char *name) {
  Expr *e = ast_call(a, nameloc, name);
  e->kind = E_INDEX;
  return e;
}

Expr *ast_reduce(Arena *a, Loc kindloc, const char *kind, Loc varloc, const char *var, Expr *lo,
                 Expr *hi, Expr *x) {
  Expr *e = new_expr(a, E_REDUCE, kindloc);
  e->u.red = arena_alloc(a, sizeof *e->u.red);
  e->u.red->kind = kind;
  e->u.red->kindloc = kindloc;
  e->u.red->var = var;
  e->u.red->varloc = varloc;
  e->u.red->lo = lo;
  e->u.red->hi = hi;
  e->u.red->e = x;
  return e;
}

/* A copy of name in arena a, for what outlives the bodies: the scanner's
 * names live with them. */
static const char *keep(Arena *a, const char *name) {
  return name ? arena_strndup(a, name, strlen(name)) : NULL;
}

/* Dimensions are small integer expressions; the copy recurses as deep as
 * the parser let them nest. */
Expr *ast_copy_expr(Arena *a, const Expr *e) {
  Expr *c = arena_alloc(a, sizeof *c);
  *c = *e;
  switch (e->kind) {
  case E_NAME:
    c->u.name = keep(a, e->u.name);
    break;
  case E_UNARY:
    c->u.un.e = ast_copy_expr(a, e->u.un.e);
    break;
  case E_BINARY:
    c->u.bin.l = ast_copy_expr(a, e->u.bin.l);
    c->u.bin.r = ast_copy_expr(a, e->u.bin.r);
    break;
  case E_CHAIN:
    c->u.chain.first = ast_copy_expr(a, e->u.chain.first);
    c->u.chain.items = arena_alloc(a, (size_t)(e->u.chain.n ? e->u.chain.n : 1) * sizeof *c->u.chain.items);
    for (int i = 0; i < e->u.chain.n; i++) {
      c->u.chain.items[i] = e->u.chain.items[i];
      c->u.chain.items[i].e = ast_copy_expr(a, e->u.chain.items[i].e);
    }
    c->u.chain.cap = e->u.chain.n;
    break;
  case E_CALL:
  case E_INDEX:
    c->u.call.name = keep(a, e->u.call.name);
    c->u.call.args = arena_alloc(a, (size_t)(e->u.call.nargs ? e->u.call.nargs : 1) * sizeof *c->u.call.args);
    for (int i = 0; i < e->u.call.nargs; i++)
      c->u.call.args[i] = ast_copy_expr(a, e->u.call.args[i]);
    c->u.call.cap = e->u.call.nargs;
    break;
  case E_COND:
    c->u.cond.c = ast_copy_expr(a, e->u.cond.c);
    c->u.cond.a = ast_copy_expr(a, e->u.cond.a);
    c->u.cond.b = ast_copy_expr(a, e->u.cond.b);
    break;
  case E_REDUCE:
    c->u.red = arena_alloc(a, sizeof *c->u.red);
    *c->u.red = *e->u.red;
    c->u.red->kind = keep(a, e->u.red->kind);
    c->u.red->var = keep(a, e->u.red->var);
    c->u.red->lo = ast_copy_expr(a, e->u.red->lo);
    c->u.red->hi = ast_copy_expr(a, e->u.red->hi);
    c->u.red->e = ast_copy_expr(a, e->u.red->e);
    break;
  default:
    break;
  }
  return c;
}

Stmt *ast_stmt(Arena *a, StmtKind k, Loc loc, const char *name, Loc nameloc, Expr *e) {
  Stmt *s = arena_alloc(a, sizeof *s);
  s->kind = k;
  s->loc = loc;
  s->name = name;
  s->nameloc = nameloc;
  s->e = e;
  return s;
}

void ast_stmt_more(Arena *a, Stmt *s, Expr *e) {
  s->more = grow(a, s->more, s->nmore, &s->cap, sizeof *s->more);
  s->more[s->nmore++] = e;
}

void ast_list_add(StmtList *l, Stmt *s) {
  if (l->last)
    l->last->next = s;
  else
    l->first = s;
  l->last = s;
}

Func *ast_func(Arena *a, Loc nameloc, const char *name) {
  Func *f = arena_alloc(a, sizeof *f);
  f->name = keep(a, name);
  f->nameloc = nameloc;
  f->loc = nameloc;
  return f;
}

Param *ast_func_param(Arena *a, Func *f, Loc loc, const char *name) {
  f->params = grow(a, f->params, f->nparams, &f->cap, sizeof *f->params);
  Param *p = &f->params[f->nparams++];
  memset(p, 0, sizeof *p);
  p->name = keep(a, name);
  p->loc = loc;
  return p;
}

void ast_param_dim(Arena *a, Param *p, Expr *dim) {
  p->dims = grow(a, p->dims, p->ndims, &p->cap, sizeof *p->dims);
  p->dims[p->ndims++] = ast_copy_expr(a, dim);
}

Param *ast_func_out(Arena *a, Func *f, Loc loc, const char *name) {
  f->outs = grow(a, f->outs, f->nouts, &f->ocap, sizeof *f->outs);
  Param *p = &f->outs[f->nouts++];
  memset(p, 0, sizeof *p);
  p->name = keep(a, name);
  p->loc = loc;
  return p;
}

void ast_tuple_name(Arena *a, Stmt *s, Loc loc, const char *name) {
  Tuple *t = s->tuple;
  if (!t) {
    t = s->tuple = arena_alloc(a, sizeof *t);
    memset(t, 0, sizeof *t);
  }
  if (t->n == t->cap) {
    int cap = t->cap;
    t->names = grow(a, t->names, t->n, &cap, sizeof *t->names);
    cap = t->cap;
    t->locs = grow(a, t->locs, t->n, &cap, sizeof *t->locs);
    t->decls = grow(a, t->decls, t->n, &t->cap, sizeof *t->decls);
  }
  t->names[t->n] = keep(a, name);
  t->locs[t->n] = loc;
  t->decls[t->n++] = -1;
}

void ast_func_stmt(Func *f, Stmt *s) {
  if (f->last)
    f->last->next = s;
  else
    f->body = s;
  f->last = s;
}

void ast_program_func(Program *p, Func *f) {
  if (p->last)
    p->last->next = f;
  else
    p->funcs = f;
  p->last = f;
  p->nfuncs++;
}

void ast_free_bodies(Program *p) {
  for (Func *f = p->funcs; f; f = f->next)
    f->body = f->last = NULL;
  arena_free(&p->bodies);
}
