/* parser.y - the .ad grammar. Actions only build syntax tree nodes; names,
 * arity and kinds are sema's business. Syntax errors are worded by
 * yyreport_syntax_error below, and recovery resumes at the next ';' so that
 * one run reports several errors. */
%code requires {
#include "parse_state.h"
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
}

%code {
#include <stdlib.h>
#include <string.h>
#define P ((ParseState *)yyget_extra(scanner))
/* Statements, expressions and the scanner's names live in their own
 * arena, freed once the graphs are built; functions and parameters (with
 * copies of their names) outlive them. */
#define E (&P->prog->bodies)
void *yyget_extra(yyscan_t scanner);
static void yyerror(YYLTYPE *loc, yyscan_t scanner, const char *msg);
static void if_as_value(yyscan_t scanner, Loc at);
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                            \
  do {                                                                         \
    if (N) {                                                                   \
      (Cur).lo = YYRHSLOC(Rhs, 1).lo;                                          \
      (Cur).hi = YYRHSLOC(Rhs, N).hi;                                          \
    } else {                                                                   \
      (Cur).lo = (Cur).hi = YYRHSLOC(Rhs, 0).hi;                               \
    }                                                                          \
  } while (0)
/* The stack bounds how deeply expressions nest, and so how deep every later
 * recursive walk of the tree can go (doc/limits.md). */
#define YYMAXDEPTH 10000
}

%define api.pure full
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {yyscan_t scanner}

%union {
  double num;
  int op; /* an AstOp */
  const char *str;
  Expr *expr;
  Stmt *stmt;
  Func *func;
  Param *param;
  StmtList list;
}

%token <num> NUM "number"
%token <str> NAME "name"
%token FN "fn" LET "let" RETURN "return" FOR "for" IN "in" CONST "const"
%token IF "if" ELSE "else" INT "int" PRIVATE "private"
%token LE "<=" GE ">=" EQ "==" NE "!=" AND "&&" OR "||" DOTDOT ".." ARROW "->"
%token ADDEQ "+=" SUBEQ "-=" MULEQ "*=" DIVEQ "/="

%right '?' ':'
%left OR
%left AND
%nonassoc '<' LE '>' GE EQ NE
%left '+' '-'
%left '*' '/' '%'
%precedence PREFIX
%right '^'

%type <expr> expr call args index list comp
%type <stmt> stmt returns ifstmt elsepart tuple values
%type <op> compound
%type <func> func head sig
%type <param> param dims result rdims
%type <list> stmts

%%

program
  : %empty
  | program func          { if ($2) ast_program_func(P->prog, $2); }
  | program PRIVATE func  { if ($3) { $3->is_private = 1; $3->loc.lo = @2.lo; ast_program_func(P->prog, $3); } }
  | program error ';'     { yyerrok; }
  | program error '}'     { yyerrok; }
  ;

/* func = sig "=" expr ("," expr)* ";" | sig "{" stmt* "}" */
func
  : sig '=' values ';'    { $$ = $1; $3->loc = @3; ast_func_stmt($$, $3); $$->loc.hi = @4.hi; }
  | sig '{' stmts '}'     { $$ = $1; $$->loc.hi = @4.hi;
                            for (Stmt *st = $3.first; st; ) { Stmt *nx = st->next; st->next = NULL;
                              ast_func_stmt($$, st); st = nx; } }
  ;

/* sig = head ("->" (result | "(" result ("," result)* ")"))?
 * result = NAME ("[" expr ("," expr)* "]")? */
sig
  : head
  | head ARROW '(' outs ')' { $$ = $1; }
  | head ARROW result     { $$ = $1; }
  ;

outs
  : result
  | outs ',' result
  ;

result
  : NAME                  { $$ = ast_func_out(P->arena, P->func, @1, $1); }
  | rdims ']'             { $$ = $1; }
  ;

rdims
  : NAME '[' expr         { $$ = ast_func_out(P->arena, P->func, @1, $1); ast_param_dim(P->arena, $$, $3); }
  | rdims ',' expr        { $$ = $1; ast_param_dim(P->arena, $$, $3); }
  ;

head
  : FN NAME '('           { P->func = ast_func(P->arena, @2, $2); }
    params ')'            { $$ = P->func; $$->loc = @$; }
  ;

params
  : %empty
  | plist
  ;

plist
  : param
  | plist ',' param
  ;

/* param = ("const" "int"? | "int")? NAME ("[" expr ("," expr)* "]")?
 * ("int" without "const" is reported, and read as "const int") */
param
  : NAME                  { $$ = ast_func_param(P->arena, P->func, @1, $1); }
  | CONST NAME            { $$ = ast_func_param(P->arena, P->func, @2, $2); $$->is_const = 1;
                            $$->loc = @$; }
  | CONST INT NAME        { $$ = ast_func_param(P->arena, P->func, @3, $3); $$->is_const = 1;
                            $$->is_int = 1; $$->loc = @$; }
  | INT NAME              { diag_error(P->diag, @1, "integer data is read-only: write 'const int %s'", $2);
                            $$ = ast_func_param(P->arena, P->func, @2, $2); $$->is_const = 1;
                            $$->is_int = 1; $$->loc = @$; }
  | dims ']'              { $$ = $1; }
  ;

dims
  : param '[' expr        { $$ = $1; ast_param_dim(P->arena, $$, $3); }
  | dims ',' expr         { $$ = $1; ast_param_dim(P->arena, $$, $3); }
  ;

stmts
  : %empty                { $$.first = $$.last = NULL; }
  | stmts stmt            { $$ = $1; if ($2) ast_list_add(&$$, $2); }
  ;

/* stmt = "let" NAME ("[" expr ("," expr)* "]")? "=" expr ";"
 *      | NAME ("[" expr ("," expr)* "]")? ("=" | "+=" | "-=" | "*=" | "/=") expr ";"
 *      | "return" expr ("," expr)* ";" | "for" NAME "in" expr ".." expr "{" stmt* "}"
 *      | ifstmt */
stmt
  : LET NAME '=' expr ';' { $$ = ast_stmt(E, S_LET, @$, $2, @2, $4); }
  | LET tuple ')' '=' expr ';'
                          { $$ = $2; $$->e = $5; $$->loc = @$; }
  | LET index ']' '=' expr ';'
                          { $$ = ast_array_stmt(E, S_LET, @$, $2, $5); }
  | NAME '=' expr ';'     { $$ = ast_stmt(E, S_ASSIGN, @$, $1, @1, $3); }
  | NAME compound expr ';'
                          { /* x op= e is x = x op (e), the source showing "x op= e" */
                            Expr *x = ast_name(E, @1, $1), *v = ast_chain(E, (AstOp)$2, @2, x, $3);
                            $$ = ast_stmt(E, S_ASSIGN, @$, $1, @1, v); }
  | index ']' '=' expr ';'
                          { $$ = ast_array_stmt(E, S_ASSIGN, @$, $1, $4); }
  | index ']' compound expr ';'
                          { /* x[i] op= e is x[i] = x[i] op (e) */
                            $1->loc.hi = @2.hi;
                            Expr *v = ast_chain(E, (AstOp)$3, @3, $1, $4);
                            $$ = ast_array_stmt(E, S_ASSIGN, @$, $1, v); }
  | ifstmt
  | returns ';'           { $$ = $1; $$->loc = @$; }
  | FOR NAME IN expr DOTDOT expr '{' stmts '}'
                          { $$ = ast_stmt(E, S_FOR, @$, $2, @2, $4); ast_stmt_more(E, $$, $6);
                            $$->body = $8.first; }
  | FOR error '}'         { $$ = NULL; yyerrok; }
  | error ';'             { $$ = NULL; yyerrok; }
  | error '{' stmts '}'   { $$ = NULL; yyerrok; } /* while (c) { ... }: the block is read */
  ;

/* tuple = "(" NAME ("," NAME)* */
tuple
  : '(' NAME              { $$ = ast_stmt(E, S_TUPLE, @2, NULL, @2, NULL); ast_tuple_name(E, $$, @2, $2); }
  | tuple ',' NAME        { $$ = $1; ast_tuple_name(E, $$, @3, $3); }
  ;

compound
  : ADDEQ                 { $$ = A_ADD; }
  | SUBEQ                 { $$ = A_SUB; }
  | MULEQ                 { $$ = A_MUL; }
  | DIVEQ                 { $$ = A_DIV; }
  ;

/* ifstmt = "if" expr "{" stmt* "}" ("else" (ifstmt | "{" stmt* "}"))? */
ifstmt
  : IF expr '{' stmts '}' elsepart
                          { $$ = ast_stmt(E, S_IF, @$, NULL, @1, $2); $$->body = $4.first;
                            $$->orelse = $6; }
  ;

elsepart
  : %empty                { $$ = NULL; }
  | ELSE '{' stmts '}'    { $$ = $3.first; }
  | ELSE ifstmt           { $$ = $2; }
  ;

returns
  : RETURN expr           { $$ = ast_stmt(E, S_RETURN, @$, NULL, @2, $2); }
  | returns ',' expr      { $$ = $1; ast_stmt_more(E, $$, $3); }
  ;

/* values = expr ("," expr)*: a one-line function's results */
values
  : expr                  { $$ = ast_stmt(E, S_RETURN, @1, NULL, @1, $1); }
  | values ',' expr       { $$ = $1; ast_stmt_more(E, $$, $3); }
  ;

/* expr, by precedence, loosest first (each line binds tighter than the one
 * before it):
 *   c ? a : b            right: a ? b : c ? d : e is a ? b : (c ? d : e)
 *   ||   &&              left
 *   < <= > >= == !=      do not chain (a < b < c is an error)
 *   + -   * / %          left, each chain one flat node (ast_chain)
 *   - + ! (prefix)       so -x * y is (-x) * y
 *   ^                    right, and tighter than a prefix on its left:
 *                        -x^2 is -(x^2), 2^-x is 2^(-x)
 * Declared by precedence rather than one rule per level, so that an operand
 * is one reduction to expr instead of ten (the parser's time on long
 * programs). */
expr
  : NUM                   { $$ = ast_num(E, @1, $1); }
  | NAME                  { $$ = ast_name(E, @1, $1); }
  | '(' expr ')'          { $$ = $2; $$->loc = @$; }
  | call ')'              { $$ = $1; $$->loc.hi = @2.hi; }
  | index ']'             { $$ = $1; $$->loc.hi = @2.hi; }
  | NAME '(' NAME IN expr DOTDOT expr ',' expr ')'
                          { $$ = ast_reduce(E, @1, $1, @3, $3, $5, $7, $9); $$->loc = @$; }
  | expr '?' expr ':' expr { $$ = ast_cond(E, $1, $3, $5); }
  | list ']'              { $$ = $1; $$->loc.hi = @2.hi; }
  | comp ':' expr ']'     { $$ = $1; $$->u.comp->e = $3; $$->loc.hi = @4.hi; }
  | IF expr '{' expr '}' ELSE '{' expr '}'
                          { if_as_value(scanner, @1); $$ = ast_cond(E, $2, $4, $8); $$->loc = @$; }
  | IF expr '{' expr '}'  { if_as_value(scanner, @1); $$ = $4; }
  | expr OR expr          { $$ = ast_chain(E, A_OR, @2, $1, $3); }
  | expr AND expr         { $$ = ast_chain(E, A_AND, @2, $1, $3); }
  | expr '<' expr         { $$ = ast_binary(E, A_LT, @2, $1, $3); }
  | expr LE expr          { $$ = ast_binary(E, A_LE, @2, $1, $3); }
  | expr '>' expr         { $$ = ast_binary(E, A_GT, @2, $1, $3); }
  | expr GE expr          { $$ = ast_binary(E, A_GE, @2, $1, $3); }
  | expr EQ expr          { $$ = ast_binary(E, A_EQ, @2, $1, $3); }
  | expr NE expr          { $$ = ast_binary(E, A_NE, @2, $1, $3); }
  | expr '+' expr         { $$ = ast_chain(E, A_ADD, @2, $1, $3); }
  | expr '-' expr         { $$ = ast_chain(E, A_SUB, @2, $1, $3); }
  | expr '*' expr         { $$ = ast_chain(E, A_MUL, @2, $1, $3); }
  | expr '/' expr         { $$ = ast_chain(E, A_DIV, @2, $1, $3); }
  | expr '%' expr         { $$ = ast_chain(E, A_MOD, @2, $1, $3); }
  | '-' expr %prec PREFIX { $$ = ast_unary(E, @1, A_NEG, $2); }
  | '+' expr %prec PREFIX { $$ = ast_unary(E, @1, A_PLUS, $2); }
  | '!' expr %prec PREFIX { $$ = ast_unary(E, @1, A_NOT, $2); }
  | expr '^' expr         { $$ = ast_binary(E, A_POW, @2, $1, $3); }
  ;

/* list = "[" expr ("," expr)* "]" */
list
  : '[' expr              { $$ = ast_list(E, @1, $2); }
  | list ',' expr         { $$ = $1; ast_call_arg(E, $$, $3); }
  ;

/* comp = "[" NAME "in" expr ".." expr ("," NAME "in" expr ".." expr)? ":" expr "]" */
comp
  : '[' NAME IN expr DOTDOT expr
                          { $$ = ast_comp(E, @1, $2, @2, $4, $6); }
  | comp ',' NAME IN expr DOTDOT expr
                          { $$ = $1; ast_comp_index(E, $$, $3, @3, $5, $7); }
  ;

/* index = NAME "[" expr ("," expr)* "]" */
index
  : NAME '[' expr         { $$ = ast_index(E, @1, $1); ast_call_arg(E, $$, $3); }
  | index ',' expr        { $$ = $1; ast_call_arg(E, $$, $3); }
  ;

/* call = NAME "(" (expr ("," expr)*)? ")" */
call
  : NAME '('              { $$ = ast_call(E, @1, $1); }
  | args
  ;

args
  : NAME '(' expr         { $$ = ast_call(E, @1, $1); ast_call_arg(E, $$, $3); }
  | args ',' expr         { $$ = $1; ast_call_arg(E, $$, $3); }
  ;

%%

/* if c { a } else { b } where a value is expected: read as c ? a : b, so
 * that what follows is checked, and reported. */
static void if_as_value(yyscan_t scanner, Loc at) {
  diag_error(P->diag, at, "'if' is a statement, not a value; in an expression write 'c ? a : b'");
}

static void yyerror(YYLTYPE *loc, yyscan_t scanner, const char *msg) {
  ParseState *s = P;
  if (s->fatal)
    return;
  if (strcmp(msg, "memory exhausted") == 0) {
    diag_error(s->diag, *loc, "expression nested too deeply (the parser's limit is %d)",
               YYMAXDEPTH);
    s->fatal = 1;
    return;
  }
  diag_error(s->diag, *loc, "%s", msg);
}

static int word_in(const char *w, int len, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((int)strlen(list[i]) == len && strncmp(list[i], w, (size_t)len) == 0)
      return 1;
  return 0;
}

/* How a token is named in a message: the lookahead by its text, an
 * expected name or number by its kind, punctuation and keywords quoted. */
static void token_words(char *buf, size_t n, const ParseState *s, yysymbol_kind_t k, const Loc *at) {
  if (k == YYSYMBOL_YYEOF) {
    snprintf(buf, n, "end of input");
  } else if (k == YYSYMBOL_NAME || k == YYSYMBOL_NUM) {
    const char *kind = k == YYSYMBOL_NAME ? "name" : "number";
    if (at) {
      int len = at->hi - at->lo;
      snprintf(buf, n, "%s '%.*s'", kind, len > 40 ? 40 : len, s->src->text + at->lo);
    } else {
      snprintf(buf, n, "a %s", kind);
    }
  } else {
    const char *name = yysymbol_name(k);
    if (name[0] == '"')
      snprintf(buf, n, "'%.*s'", (int)strlen(name) - 2, name + 1);
    else if (name[0] == '\'')
      snprintf(buf, n, "%s", name);
    else
      snprintf(buf, n, "'%s'", name);
  }
}

static int expects(const yysymbol_kind_t *exp, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(yysymbol_name(exp[i]), name) == 0)
      return 1;
  return 0;
}

static int is_comparison(yysymbol_kind_t k) {
  const char *name = yysymbol_name(k);
  return k == YYSYMBOL_LE || k == YYSYMBOL_GE || k == YYSYMBOL_EQ || k == YYSYMBOL_NE ||
         strcmp(name, "'<'") == 0 || strcmp(name, "'>'") == 0;
}

/* A statement that starts with a word from C's statements: what adc has
 * instead. NULL when it does not. */
static const char *from_c(const ParseState *s, const Loc *at, char *buf, size_t n) {
  if (s->lead.lo < 0 || at->lo < s->lead.lo)
    return NULL;
  int len = s->lead.hi - s->lead.lo;
  const char *w = s->src->text + s->lead.lo;
  static const char *const loops[] = {"while", "do"}, *const choices[] = {"switch", "case", "default"};
  static const char *const jumps[] = {"break", "continue", "goto"};
  static const char *const types[] = {"double", "float", "long", "short", "char", "unsigned", "signed",
                                      "auto", "void", "static", "var", "val", "def"};
#define IS(list) word_in(w, len, list, sizeof list / sizeof list[0])
  if (IS(loops))
    snprintf(buf, n, "adc has no '%.*s' loop: a loop runs over a range, 'for i in a..b { ... }'", len, w);
  else if (IS(choices))
    snprintf(buf, n, "adc has no '%.*s': write 'if c { ... } else if d { ... } else { ... }'", len, w);
  else if (IS(jumps))
    snprintf(buf, n, "adc has no '%.*s': a 'for' loop runs its whole range", len, w);
  else if (IS(types))
    snprintf(buf, n, "a local is declared with 'let name = value;' (values are reals), not '%.*s'", len, w);
  else
    return NULL;
#undef IS
  return buf;
}

static int report_syntax_error(const yypcontext_t *ctx, yyscan_t scanner) {
  ParseState *s = P;
  if (s->fatal || s->lex_spoiled) /* the lexer already explained this */
    return 0;
  enum { MAXEXP = 40 };
  yysymbol_kind_t exp[MAXEXP];
  int n = yypcontext_expected_tokens(ctx, exp, MAXEXP);
  if (n < 0)
    n = 0;
  /* "end of input" is only worth naming when it is all that would do, and
   * 'private' only when 'fn' would not */
  for (int i = 0; n > 1 && i < n; i++)
    if (exp[i] == YYSYMBOL_YYEOF || (exp[i] == YYSYMBOL_PRIVATE && expects(exp, n, "fn"))) {
      exp[i--] = exp[--n];
    }
  yysymbol_kind_t look = yypcontext_token(ctx);
  Loc at = *yypcontext_location(ctx);
  char got[80], want[200] = "";
  token_words(got, sizeof got, s, look, &at);
  if (is_comparison(look) && !expects(exp, n, yysymbol_name(look))) {
    diag_error(s->diag, at, "comparisons do not chain; write 'a < b && b < c'");
    return 0;
  }
  char plain[200];
  if (from_c(s, &at, plain, sizeof plain)) {
    diag_error(s->diag, s->lead, "%s", plain);
    return 0;
  }

  if (expects(exp, n, "';'") && look != YYSYMBOL_YYEOF) {
    /* shown right after the token it should follow, as gcc does */
    Loc after = {s->prev_hi, s->prev_hi + 1};
    diag_error(s->diag, after, "expected ';' before %s", got);
    return 0;
  }
  const char *closer = expects(exp, n, "')'") ? "')'" : expects(exp, n, "'}'") ? "'}'" : NULL;
  int ends = look == YYSYMBOL_YYEOF || strcmp(yysymbol_name(look), "';'") == 0 ||
             strcmp(yysymbol_name(look), "'}'") == 0;
  if (ends && closer)
    snprintf(want, sizeof want, "%s", closer);
  else if (expects(exp, n, "number"))
    snprintf(want, sizeof want, "an expression");
  else if (n <= 4)
    for (int i = 0; i < n; i++) {
      char w[80];
      token_words(w, sizeof w, s, exp[i], NULL);
      if (i)
        strcat(want, i == n - 1 ? " or " : ", ");
      strcat(want, w);
    }
  if (want[0])
    diag_error(s->diag, at, "expected %s before %s", want, got);
  else
    diag_error(s->diag, at, "unexpected %s", got);
  if (ends && closer && s->depth > 0) {
    Loc open = {s->open_at[s->depth - 1], s->open_at[s->depth - 1] + 1};
    diag_note(s->diag, open, "to match this '%c'", s->open_ch[s->depth - 1]);
  }
  return 0;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner) {
  return report_syntax_error(ctx, scanner);
}

/* The scanner's entry points (lexer.l); declared here so that the parser
 * does not need flex's generated header. */
int yylex_init_extra(void *extra, yyscan_t *scanner);
int yylex_destroy(yyscan_t scanner);
void *yy_scan_bytes(const char *bytes, int len, yyscan_t scanner);

int parse_program(const Source *src, Diag *d, Arena *a, Program *out) {
  ParseState *s = xcalloc(1, sizeof *s);
  s->src = src;
  s->diag = d;
  s->arena = a;
  s->prog = out;
  s->after_end = 1;
  s->lead.lo = s->lead.hi = -1;
  yyscan_t scanner;
  if (yylex_init_extra(s, &scanner) != 0) {
    free(s);
    return 1;
  }
  yy_scan_bytes(src->text, src->len, scanner);
  int before = d->errors;
  int rc = yyparse(scanner);
  yylex_destroy(scanner);
  free(s);
  return rc != 0 || d->errors != before;
}
