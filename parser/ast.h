/* ast.h - the syntax tree the parser builds and sema checks.
 *
 * Left-associative chains (a + b - c, a * b / c, a && b, a || b) are kept
 * flat, as a first operand and a list of (operator, operand) items, so that a
 * sum of a million terms is one node rather than a million-deep tree: every
 * pass can walk a chain with a loop. The other constructs nest only as deep
 * as the parser's stack allows, which bounds every recursive walk. */
#ifndef ADC_AST_H
#define ADC_AST_H

#include "support.h"

typedef enum ExprKind {
  E_NUM,    /* u.num */
  E_NAME,   /* u.name */
  E_CALL,   /* u.call */
  E_UNARY,  /* u.un: NEG, PLUS, NOT */
  E_BINARY, /* u.bin: POW and the comparisons */
  E_CHAIN,  /* u.chain: ADD/SUB, MUL/DIV, AND, OR items */
  E_COND,   /* u.cond: c ? a : b */
  E_INDEX,  /* u.call: an array element name[i, j]; args are the indices */
  E_REDUCE, /* u.red: sum(i in lo..hi, e) and the other reductions */
  E_LIST,   /* u.call: an array [e0, e1, ...]; args are the elements (name NULL) */
  E_COMP,   /* u.comp: an array [i in a..b: e] or [i in a..b, j in c..d: e] */
} ExprKind;

typedef enum AstOp {
  A_ADD, A_SUB, A_MUL, A_DIV, A_POW,
  A_LT, A_LE, A_GT, A_GE, A_EQ, A_NE,
  A_AND, A_OR, A_NEG, A_PLUS, A_NOT, A_MOD,
} AstOp;

typedef struct Expr Expr;

typedef struct ChainItem {
  AstOp op;  /* operator before e */
  Loc oploc; /* where the operator is */
  Expr *e;   /* right operand */
} ChainItem;

struct Expr {
  ExprKind kind;
  Loc loc;  /* the whole expression's source span */
  int bind; /* what sema found the name to mean: E_NAME, E_INDEX: the
             * declaration's number (Stmt.decl), -1 for pi; E_CALL: the
             * function's index, or -1 - OP_x for a builtin */
  union {
    double num; /* E_NUM: the literal's value */
    const char *name; /* E_NAME */
    struct {
      const char *name; /* callee */
      Loc nameloc;      /* the callee's name */
      Expr **args;
      int nargs, cap;
    } call;
    struct {
      AstOp op;
      Expr *e;
    } un;
    struct {
      AstOp op;
      Loc oploc;
      Expr *l, *r;
    } bin;
    struct {
      Expr *first;
      ChainItem *items;
      int n, cap;
    } chain;
    struct {
      Expr *c, *a, *b;
    } cond;
    struct Reduce *red; /* apart: the largest case would size every node */
    struct Comp *comp;
  } u;
};

/* A comprehension: element (k0, k1) is e at var[0] = lo[0] + k0, var[1] = lo[1] + k1. */
typedef struct Comp {
  int n; /* indices: 1 or 2 */
  const char *var[2];
  Loc varloc[2];
  int decl[2]; /* their declaration numbers */
  Expr *lo[2], *hi[2], *e;
} Comp;

typedef struct Reduce {
  const char *kind; /* sum, prod, min, max, logsumexp (checked by sema) */
  Loc kindloc;
  const char *var;  /* the index */
  Loc varloc;
  int decl;         /* the index's declaration number (Stmt.decl) */
  Expr *lo, *hi, *e;
} Reduce;

typedef enum StmtKind {
  S_LET,    /* let name = e; */
  S_ASSIGN, /* name = e; */
  S_RETURN, /* return e, ...; (e, then more) */
  S_FOR,    /* for name in lo..hi { body } (e is lo) */
  S_IF,     /* if e { body } else { orelse } (an 'else if' is an orelse of one S_IF) */
  S_TUPLE,  /* let (a, b) = e; (e a call; names in tuple) */
} StmtKind;

/* The names 'let (a, b) = g(...)' binds, in the callee's result order. */
typedef struct Tuple {
  const char **names;
  Loc *locs;
  int *decls; /* set by sema: their declaration numbers */
  Expr ***dims; /* set by sema: an array's dimensions in the caller's terms, or NULL */
  int *ndims;
  int n, cap;
} Tuple;

typedef struct Stmt Stmt;
struct Stmt {
  StmtKind kind;
  Loc loc;          /* the whole statement */
  const char *name; /* S_LET, S_ASSIGN, S_FOR (the index) */
  Loc nameloc;
  Expr *e;
  Expr **more;      /* S_RETURN: the results after e; S_FOR: more[0] is hi */
  int nmore, cap;
  Expr **sub;       /* S_LET of an array: its dimensions; S_ASSIGN to an element: its indices */
  int nsub;
  Stmt *body;       /* S_FOR, S_IF */
  Stmt *orelse;     /* S_IF: the else block, or NULL */
  Tuple *tuple;     /* S_TUPLE: the names bound */
  Stmt *next;
  int decl;         /* set by sema. S_LET, S_FOR: the number of the name it
                     * declares; S_ASSIGN: of the one it assigns; S_IF: the
                     * first number declared inside it (those below are
                     * outside). Sema numbers a function's declarations in
                     * order from 0 (sizes and parameters first), so that
                     * later passes need no table of names. */
};

typedef struct StmtList {
  Stmt *first, *last;
} StmtList;

typedef struct Param {
  const char *name;
  Loc loc;
  int is_const; /* data: never differentiated */
  int is_int;   /* const int: integer data (indices, ranges, and reals) */
  int decl;     /* its declaration number (Stmt.decl) */
  Expr **dims;  /* array dimensions (in the long-lived arena), or NULL */
  int ndims, cap;
} Param;

typedef struct Func Func;
struct Func {
  const char *name;
  Loc nameloc;
  Param *params;
  int nparams, cap;
  Param *outs;  /* -> (u, v), -> y[n], -> (y[n], s): names and dimensions (no
                 * other field of Param is used); none for one unnamed result */
  int nouts, ocap;
  Stmt *body, *last; /* statements in order; a one-line body is one return */
  Loc loc;           /* from 'fn' (or 'private') to the end */
  int is_private;    /* 'private fn': inlined into its callers, not emitted */
  Func *next;
};

typedef struct Program {
  Func *funcs, *last;
  int nfuncs;
  Arena bodies; /* statements and expressions; see ast_free_bodies */
} Program;

/* ast.c: constructors, all allocating in the arena */
Expr *ast_num(Arena *a, Loc loc, double v);
Expr *ast_name(Arena *a, Loc loc, const char *name);
Expr *ast_call(Arena *a, Loc nameloc, const char *name);
void ast_call_arg(Arena *a, Expr *call, Expr *arg);
Expr *ast_unary(Arena *a, Loc loc, AstOp op, Expr *e);
Expr *ast_binary(Arena *a, AstOp op, Loc oploc, Expr *l, Expr *r);
Expr *ast_chain(Arena *a, AstOp op, Loc oploc, Expr *l, Expr *r);
Expr *ast_cond(Arena *a, Expr *c, Expr *x, Expr *y);
Expr *ast_index(Arena *a, Loc nameloc, const char *name);
Expr *ast_list(Arena *a, Loc loc, Expr *first);
Expr *ast_comp(Arena *a, Loc loc, const char *var, Loc varloc, Expr *lo, Expr *hi);
void ast_comp_index(Arena *a, Expr *comp, const char *var, Loc varloc, Expr *lo, Expr *hi);
/* A statement on an array: 'let x[dims] = e' (S_LET) or 'x[idx] = e' (S_ASSIGN);
 * sub is the E_INDEX that holds the name and the dimensions or indices. */
Stmt *ast_array_stmt(Arena *a, StmtKind k, Loc loc, const Expr *sub, Expr *e);
Expr *ast_reduce(Arena *a, Loc kindloc, const char *kind, Loc varloc, const char *var, Expr *lo,
                 Expr *hi, Expr *e);
Expr *ast_copy_expr(Arena *a, const Expr *e); /* deep copy (dimensions only) */
Stmt *ast_stmt(Arena *a, StmtKind k, Loc loc, const char *name, Loc nameloc, Expr *e);
void ast_stmt_more(Arena *a, Stmt *s, Expr *e);
void ast_list_add(StmtList *l, Stmt *s);
Func *ast_func(Arena *a, Loc nameloc, const char *name);
Param *ast_func_param(Arena *a, Func *f, Loc loc, const char *name);
void ast_param_dim(Arena *a, Param *p, Expr *dim); /* copies dim into a */
Param *ast_func_out(Arena *a, Func *f, Loc loc, const char *name); /* ast_param_dim adds dimensions */
void ast_tuple_name(Arena *a, Stmt *s, Loc loc, const char *name); /* S_TUPLE's next name */
void ast_func_stmt(Func *f, Stmt *s);
void ast_program_func(Program *p, Func *f);

/* Releases every statement and expression (the bodies are no longer needed
 * once the graphs are built); functions and their parameters remain. */
void ast_free_bodies(Program *p);


/* parse.c: the front end's entry point. Reads src, reports syntax errors to
 * d, returns 0 when the text parsed without error. */
int parse_program(const Source *src, Diag *d, Arena *a, Program *out);

#endif
