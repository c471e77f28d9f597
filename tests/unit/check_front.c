/* check_front.c - the lexer and the parser: tokens, numbers, precedence,
 * locations, recovery, limits. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef struct Parsed {
  Source src;
  Arena arena;
  Program prog;
  char *diag;
  int rc, errors;
} Parsed;

static void parse(Parsed *p, const char *text, size_t len) {
  memset(p, 0, sizeof *p);
  source_init(&p->src, "t.ad", text, (int)len);
  size_t n;
  FILE *err = open_memstream(&p->diag, &n);
  Diag d = {&p->src, err, 0, 0};
  p->rc = parse_program(&p->src, &d, &p->arena, &p->prog);
  fclose(err);
  p->errors = d.errors;
}

static void parsed_free(Parsed *p) {
  ast_free_bodies(&p->prog);
  arena_free(&p->arena);
  source_free(&p->src);
  free(p->diag);
}

static const Expr *body(const Parsed *p) { return p->prog.funcs->body->e; }

START_TEST(seed_parses) {
  Parsed p;
  const char *t = "# f(x0, x1) = sin(x0) (x0 + x1)\nfn f(x0, x1) = sin(x0) * (x0 + x1);\n";
  parse(&p, t, strlen(t));
  ck_assert_int_eq(p.rc, 0);
  ck_assert_int_eq(p.prog.nfuncs, 1);
  ck_assert_str_eq(p.prog.funcs->name, "f");
  ck_assert_int_eq(p.prog.funcs->nparams, 2);
  const Expr *e = body(&p);
  ck_assert_int_eq(e->kind, E_CHAIN);
  ck_assert_int_eq(e->u.chain.n, 1);
  ck_assert_int_eq(e->u.chain.first->kind, E_CALL);
  parsed_free(&p);
}
END_TEST

static const struct {
  const char *text;
  double value;
} numbers[] = {
    {"12", 12}, {"1.5", 1.5}, {".5", 0.5}, {"1e-3", 1e-3}, {"2.5E+4", 2.5e4},
    {"0.1", 0.1}, {"3.", 3.0}, {"1e300", 1e300}, {"123456789012345678", 123456789012345678.0},
    {"2.2250738585072014e-308", 2.2250738585072014e-308},
};

START_TEST(number_literals) {
  char t[128];
  snprintf(t, sizeof t, "fn f() = %s;", numbers[_i].text);
  Parsed p;
  parse(&p, t, strlen(t));
  ck_assert_int_eq(p.rc, 0);
  ck_assert_int_eq(body(&p)->kind, E_NUM);
  ck_assert(body(&p)->u.num == numbers[_i].value);
  parsed_free(&p);
}
END_TEST

/* Literals of every shape read as strtod reads them (the scanner takes a
 * shorter way for most): up to 18 digits before and after the point, leading
 * and trailing zeros, exponents up to 40 in size. */
START_TEST(literals_read_as_strtod_reads_them) {
  enum { N = 20000 };
  srand(5);
  char (*lit)[64] = xmalloc(sizeof *lit * N);
  StrBuf src = {0};
  sb_puts(&src, "fn f() = 0");
  for (int i = 0; i < N; i++) {
    char *t = lit[i];
    int n = 0, ints = rand() % 19, fracs = rand() % 19, dot = rand() % 3 != 0;
    if (!ints && !(dot && fracs))
      ints = 1;
    for (int j = 0; j < ints; j++)
      t[n++] = (char)('0' + (rand() % 4 == 0 ? 0 : rand() % 10));
    if (dot) {
      t[n++] = '.';
      for (int j = 0; j < fracs; j++)
        t[n++] = (char)('0' + (rand() % 4 == 0 ? 0 : rand() % 10));
    }
    if (rand() % 2)
      n += snprintf(t + n, 64 - (size_t)n, "%s%d", rand() % 2 ? "e-" : rand() % 2 ? "E+" : "e",
                    rand() % 41);
    t[n] = '\0';
    sb_puts(&src, " + ");
    sb_puts(&src, t);
  }
  sb_puts(&src, ";");
  Parsed p;
  parse(&p, src.s, src.len);
  ck_assert_int_eq(p.errors, 0);
  const Expr *e = body(&p);
  ck_assert_int_eq(e->u.chain.n, N);
  for (int i = 0; i < N; i++) {
    double got = e->u.chain.items[i].e->u.num, want = strtod(lit[i], NULL);
    ck_assert_msg(got == want, "%s: read %.17g, strtod %.17g", lit[i], got, want);
  }
  parsed_free(&p);
  sb_free(&src);
  free(lit);
}
END_TEST

START_TEST(comments_and_whitespace) {
  const char *t = "// leading\nfn f(x) # trailing\n  =\tx // ok\n ;# end";
  Parsed p;
  parse(&p, t, strlen(t));
  ck_assert_int_eq(p.rc, 0);
  ck_assert_int_eq(body(&p)->kind, E_NAME);
  parsed_free(&p);
}
END_TEST

START_TEST(power_binds_tighter_than_minus) {
  Parsed p;
  const char *t = "fn f(x) = -x^2;";
  parse(&p, t, strlen(t));
  const Expr *e = body(&p);
  ck_assert_int_eq(e->kind, E_UNARY);
  ck_assert_int_eq(e->u.un.op, A_NEG);
  ck_assert_int_eq(e->u.un.e->kind, E_BINARY);
  ck_assert_int_eq(e->u.un.e->u.bin.op, A_POW);
  parsed_free(&p);
}
END_TEST

START_TEST(power_right_operand_is_unary) {
  Parsed p;
  const char *t = "fn f(x) = 2^-x^2;";
  parse(&p, t, strlen(t));
  const Expr *e = body(&p);
  ck_assert_int_eq(e->kind, E_BINARY);
  ck_assert_int_eq(e->u.bin.r->kind, E_UNARY);
  ck_assert_int_eq(e->u.bin.r->u.un.e->kind, E_BINARY); /* 2^(-(x^2)) */
  parsed_free(&p);
}
END_TEST

START_TEST(power_is_right_associative) {
  Parsed p;
  const char *t = "fn f(x) = x^2^3;";
  parse(&p, t, strlen(t));
  const Expr *e = body(&p);
  ck_assert_int_eq(e->u.bin.l->kind, E_NAME);
  ck_assert_int_eq(e->u.bin.r->kind, E_BINARY);
  parsed_free(&p);
}
END_TEST

START_TEST(conditional_is_right_associative) {
  Parsed p;
  const char *t = "fn f(x) = x < 0 ? 1 : x < 1 ? 2 : 3;";
  parse(&p, t, strlen(t));
  const Expr *e = body(&p);
  ck_assert_int_eq(e->kind, E_COND);
  ck_assert_int_eq(e->u.cond.b->kind, E_COND);
  parsed_free(&p);
}
END_TEST

START_TEST(and_binds_tighter_than_or) {
  Parsed p;
  const char *t = "fn f(x) = x < 0 || x > 1 && x < 2 ? 1 : 0;";
  parse(&p, t, strlen(t));
  const Expr *c = body(&p)->u.cond.c;
  ck_assert_int_eq(c->kind, E_CHAIN);
  ck_assert_int_eq(c->u.chain.items[0].op, A_OR);
  ck_assert_int_eq(c->u.chain.items[0].e->kind, E_CHAIN);
  ck_assert_int_eq(c->u.chain.items[0].e->u.chain.items[0].op, A_AND);
  parsed_free(&p);
}
END_TEST

START_TEST(comparisons_do_not_chain) {
  Parsed p;
  const char *t = "fn f(x) = 0 < x < 1 ? 1 : 0;";
  parse(&p, t, strlen(t));
  ck_assert_int_ne(p.rc, 0);
  ck_assert_ptr_nonnull(strstr(p.diag, "t.ad:1:17: error: comparisons do not chain"));
  parsed_free(&p);
}
END_TEST

START_TEST(sum_chain_is_flat) {
  Parsed p;
  const char *t = "fn f(a, b, c) = a + b - c + (a + b) * c / a;";
  parse(&p, t, strlen(t));
  const Expr *e = body(&p);
  ck_assert_int_eq(e->kind, E_CHAIN);
  ck_assert_int_eq(e->u.chain.n, 3);
  ck_assert_int_eq(e->u.chain.items[1].op, A_SUB);
  ck_assert_int_eq(e->u.chain.items[2].e->kind, E_CHAIN);
  ck_assert_int_eq(e->u.chain.items[2].e->u.chain.n, 2);
  parsed_free(&p);
}
END_TEST

START_TEST(block_form) {
  Parsed p;
  const char *t = "fn f(x, y) {\n  let a = x * y;\n  a = a + 1;\n  return a;\n}\nfn g() = 1;";
  parse(&p, t, strlen(t));
  ck_assert_int_eq(p.rc, 0);
  ck_assert_int_eq(p.prog.nfuncs, 2);
  const Stmt *s = p.prog.funcs->body;
  ck_assert_int_eq(s->kind, S_LET);
  ck_assert_int_eq(s->next->kind, S_ASSIGN);
  ck_assert_int_eq(s->next->next->kind, S_RETURN);
  ck_assert_int_eq(p.prog.funcs->next->nparams, 0);
  parsed_free(&p);
}
END_TEST

START_TEST(locations_are_byte_spans) {
  Parsed p;
  const char *t = "fn f(x) =\n  sin(x)  ;";
  parse(&p, t, strlen(t));
  const Expr *e = body(&p);
  ck_assert_int_eq(e->loc.lo, 12);
  ck_assert_int_eq(e->loc.hi, 18);
  int line, col;
  source_linecol(&p.src, e->loc.lo, &line, &col);
  ck_assert_int_eq(line, 2);
  ck_assert_int_eq(col, 3);
  parsed_free(&p);
}
END_TEST

START_TEST(recovery_reports_several_errors) {
  Parsed p;
  const char *t = "fn f(x) {\n  let a = x +;\n  let b = * 2;\n  return a;\n}\n";
  parse(&p, t, strlen(t));
  ck_assert_int_eq(p.errors, 2);
  ck_assert_ptr_nonnull(strstr(p.diag, "t.ad:2:14: error: expected an expression before ';'"));
  ck_assert_ptr_nonnull(strstr(p.diag, "t.ad:3:11: error: expected an expression before '*'"));
  parsed_free(&p);
}
END_TEST

START_TEST(deep_parentheses_are_an_error) {
  size_t len;
  char *t = ht_deep_parens(200000, &len);
  Parsed p;
  parse(&p, t, len);
  ck_assert_int_ne(p.rc, 0);
  ck_assert_int_eq(p.errors, 1);
  ck_assert_ptr_nonnull(strstr(p.diag, "brackets nested too deeply (the limit is 1000)"));
  parsed_free(&p);
  free(t);
}
END_TEST

START_TEST(deep_unary_chain_is_an_error) {
  int n = 100000;
  char *t = xmalloc((size_t)n + 32);
  int k = sprintf(t, "fn f(x) = ");
  for (int i = 0; i < n; i++)
    t[k++] = '-';
  k += sprintf(t + k, "x;");
  Parsed p;
  parse(&p, t, (size_t)k);
  ck_assert_int_ne(p.rc, 0);
  ck_assert_ptr_nonnull(strstr(p.diag, "nested too deeply"));
  parsed_free(&p);
  free(t);
}
END_TEST

START_TEST(million_term_sum_parses) {
  int n = 1000000;
  char *t = xmalloc((size_t)n * 4 + 32);
  int k = sprintf(t, "fn f(x) = x");
  for (int i = 1; i < n; i++)
    k += sprintf(t + k, "+x");
  k += sprintf(t + k, ";");
  Parsed p;
  parse(&p, t, (size_t)k);
  ck_assert_int_eq(p.rc, 0);
  ck_assert_int_eq(body(&p)->u.chain.n, n - 1);
  parsed_free(&p);
  free(t);
}
END_TEST

START_TEST(nul_and_bad_utf8_are_errors) {
  const char t[] = "fn f(x) = x; # caf\xc3\xa9 ok\n\0 \xff";
  Parsed p;
  parse(&p, t, sizeof t - 1);
  ck_assert_int_eq(p.errors, 2);
  ck_assert_ptr_nonnull(strstr(p.diag, "t.ad:2:1: error: null character in input"));
  ck_assert_ptr_nonnull(strstr(p.diag, "t.ad:2:3: error: invalid UTF-8 byte 0xFF in input"));
  parsed_free(&p);
}
END_TEST

/* The tree as text, every operation parenthesized: chains as one group. */
static void tree_text(StrBuf *b, const Expr *e) {
  static const char *const op[] = {"+", "-", "*", "/", "^", "<", "<=", ">", ">=",
                                   "==", "!=", "&&", "||", "-", "+", "!", "%"};
  switch (e->kind) {
  case E_NUM: sb_printf(b, "%g", e->u.num); break;
  case E_NAME: sb_puts(b, e->u.name); break;
  case E_UNARY:
    sb_printf(b, "(%s", op[e->u.un.op]);
    tree_text(b, e->u.un.e);
    sb_putc(b, ')');
    break;
  case E_BINARY:
    sb_putc(b, '(');
    tree_text(b, e->u.bin.l);
    sb_printf(b, " %s ", op[e->u.bin.op]);
    tree_text(b, e->u.bin.r);
    sb_putc(b, ')');
    break;
  case E_CHAIN:
    sb_putc(b, '(');
    tree_text(b, e->u.chain.first);
    for (int i = 0; i < e->u.chain.n; i++) {
      sb_printf(b, " %s ", op[e->u.chain.items[i].op]);
      tree_text(b, e->u.chain.items[i].e);
    }
    sb_putc(b, ')');
    break;
  case E_COND:
    sb_putc(b, '(');
    tree_text(b, e->u.cond.c);
    sb_puts(b, " ? ");
    tree_text(b, e->u.cond.a);
    sb_puts(b, " : ");
    tree_text(b, e->u.cond.b);
    sb_putc(b, ')');
    break;
  default: sb_puts(b, "<other>"); break;
  }
}

/* Every pair of levels of the precedence table (README), and each level's
 * associativity. */
static const char *const grouped[][2] = {
    {"a ? b : c || d", "(a ? b : (c || d))"},
    {"a || b ? c : d", "((a || b) ? c : d)"},
    {"a ? b : c ? d : e", "(a ? b : (c ? d : e))"},
    {"a ? b ? c : d : e", "(a ? (b ? c : d) : e)"},
    {"a || b && c || d", "(a || (b && c) || d)"},
    {"a && b < c", "(a && (b < c))"},
    {"a < b + c", "(a < (b + c))"},
    {"!a < b", "((!a) < b)"},
    {"a + b * c - d", "(a + (b * c) - d)"},
    {"a * b / c % d", "((a * b / c) % d)"},
    {"-a * b", "((-a) * b)"},
    {"a * -b", "(a * (-b))"},
    {"-a ^ b", "(-(a ^ b))"},
    {"a ^ -b * c", "((a ^ (-b)) * c)"},
    {"a ^ b ^ c", "(a ^ (b ^ c))"},
    {"--a", "(-(-a))"},
    {"+!a", "(+(!a))"},
    {"(a + b) * c", "((a + b) * c)"},
    {"(a + b) + c", "(a + b + c)"},
    {"a - (b - c)", "(a - (b - c))"},
    {"a == b ? -c ^ 2 : d", "((a == b) ? (-(c ^ 2)) : d)"},
};

START_TEST(precedence_and_grouping) {
  const char *src = grouped[_i][0];
  char t[200];
  snprintf(t, sizeof t, "fn f(a, b, c, d, e) = %s;", src);
  Parsed p;
  parse(&p, t, strlen(t));
  ck_assert_int_eq(p.errors, 0);
  StrBuf b = {0};
  tree_text(&b, body(&p));
  ck_assert_msg(strcmp(b.s, grouped[_i][1]) == 0, "%s: got %s, want %s", src, b.s, grouped[_i][1]);
  sb_free(&b);
  parsed_free(&p);
}
END_TEST

/* sb_double as it was made before its short-decimal path: %.15g, %.16g or
 * %.17g, the first that reads back, and ".0" for an integer. */
static void double_by_printf(char *buf, size_t n, double d) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, d);
    if (strtod(buf, NULL) == d)
      break;
  }
  if (!strpbrk(buf, ".en"))
    strcat(buf, ".0");
}

static void same_as_printf(double d) {
  char want[64];
  double_by_printf(want, sizeof want, d);
  StrBuf b = {0};
  sb_double(&b, d);
  ck_assert_msg(strcmp(b.s, want) == 0, "%.17g: got %s, want %s", d, b.s, want);
  ck_assert_double_eq(strtod(b.s, NULL), d);
  sb_free(&b);
}

/* Short decimals of every length and scale, their neighbours, random bit
 * patterns, integers, powers of ten and the edges of the short path
 * (10^-4, 10^15) all print as printf did. */
START_TEST(doubles_print_as_printf_did) {
  srand(11);
  double tens = 1;
  for (int e = 0; e <= 22; e++, tens *= 10)
    for (int s = -1; s <= 1; s += 2) {
      same_as_printf(s * tens);
      same_as_printf(s / tens);
      same_as_printf(s * nextafter(tens, 0));
      same_as_printf(s * nextafter(tens, INFINITY));
    }
  const double edges[] = {1e-4, 9.9999999999999991e-05, 1e15, 999999999999999.0, 999999999999999.9,
                          0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 123456789012345.0, 0.000123456789012345};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
    same_as_printf(edges[i]);
    same_as_printf(-edges[i]);
  }
  for (int i = 0; i < 200000; i++) {
    char t[64];
    int digits = 1 + rand() % 17, k = rand() % 24, n = 0;
    for (int j = 0; j < digits; j++)
      t[n++] = (char)('0' + (j == 0 ? 1 + rand() % 9 : rand() % 10));
    snprintf(t + n, sizeof t - (size_t)n, "e-%d", k);
    double d = strtod(t, NULL);
    same_as_printf(d);
    same_as_printf(nextafter(d, 0));
    same_as_printf(nextafter(d, INFINITY));
    unsigned long long bits = 0;
    for (int j = 0; j < 4; j++)
      bits = bits << 16 | (unsigned)(rand() & 0xffff);
    memcpy(&d, &bits, sizeof d);
    if (isfinite(d))
      same_as_printf(d);
    same_as_printf((double)(rand() % 2000000 - 1000000));
  }
}
END_TEST

/* The emitter's text: numbers without a format, bytes with their length. */
/* The symbol tables' map: each of many keys found (their entries carry
 * the hash, compared before the text), a key put again takes the new
 * value, a key never put is missing, also one that differs by a byte. */
START_TEST(strmap_finds_each_of_many_keys) {
  enum { N = 40000 };
  static char names[N][16]; /* room for any int: gcc -O1 warns otherwise */
  StrMap m = {0};
  /* around the length of an entry's inline head (16 bytes): the same head,
   * told apart by the rest; put first, so that every rehash moves them */
  static const char *const longs[] = {"abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq",
                                      "abcdefghijklmnopr", "abcdefghijklmnopqrstuvwxyz",
                                      "abcdefghijklmnopqrstuvwxyZ",
                                      /* these two have the same hash (FNV-1a) */
                                      "abcdefghijklmnop112789", "abcdefghijklmnop349192"};
  const int nlong = (int)(sizeof longs / sizeof longs[0]);
  for (int i = 0; i < nlong; i++)
    strmap_put(&m, longs[i], 100 + i);
  for (int i = 0; i < N; i++) {
    snprintf(names[i], sizeof names[i], "t%d", i);
    strmap_put(&m, names[i], i);
  }
  for (int i = 0; i < N; i += 3)
    strmap_put(&m, names[i], -i);
  ck_assert_uint_eq(m.n, N + nlong);
  for (int i = 0; i < nlong; i++) {
    char copy[32];
    strcpy(copy, longs[i]);
    ck_assert_int_eq(strmap_get(&m, copy, 7), 100 + i);
  }
  ck_assert_int_eq(strmap_get(&m, "abcdefghijklmnopqr", 7), 7);
  ck_assert_int_eq(strmap_get(&m, "abcdefghijklmn", 7), 7);
  ck_assert_int_eq(strmap_get(&m, "abcdefghijklmnopqrstuvwxy", 7), 7);
  char key[16];
  for (int i = 0; i < N; i++) {
    snprintf(key, sizeof key, "t%d", i); /* another copy of the text */
    ck_assert_int_eq(strmap_get(&m, key, 7), i % 3 ? i : -i);
    snprintf(key, sizeof key, "t%d_", i);
    ck_assert_int_eq(strmap_get(&m, key, 7), 7);
  }
  ck_assert_int_eq(strmap_get(&m, "", 7), 7);
  strmap_free(&m);
  ck_assert_int_eq(strmap_get(&m, "t1", 7), 7);
}
END_TEST

START_TEST(strbuf_numbers_and_bytes) {
  StrBuf b = {0};
  const long v[] = {0, 7, 9, 10, 99, 100, 101, 999, 1000, -9, -10, -100, -12, 1000000, 2147483647L, -2147483647L - 1, LONG_MAX, LONG_MIN};
  char want[512] = "", one[32];
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    sb_int(&b, v[i]);
    sb_putn(&b, ",xyz", 2); /* the first two bytes only */
    snprintf(one, sizeof one, "%ld,x", v[i]);
    strcat(want, one);
  }
  ck_assert_str_eq(b.s, want);
  ck_assert_uint_eq(b.len, strlen(want));
  sb_free(&b);
  sb_putn(&b, "", 0); /* an empty append still leaves a string */
  ck_assert_str_eq(b.s, "");
  sb_free(&b);
}
END_TEST

/* put_decimal at every change of length (10^k - 1, 10^k), around 2^32 and at
 * the ends of long long: the text is printf's, the length returned its length. */
START_TEST(decimals_at_every_length) {
  long long v[64 * 6];
  int n = 0;
  v[n++] = 0;
  for (long long p = 1; p <= LLONG_MAX / 10; p *= 10) {
    const long long around[] = {p * 10 - 1, p * 10, p * 10 + 1};
    for (int i = 0; i < 3; i++) {
      v[n++] = around[i];
      v[n++] = -around[i];
    }
  }
  const long long ends[] = {4294967295LL, 4294967296LL, 4294967297LL, -4294967296LL, 2147483648LL,
                            LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
  for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
    v[n++] = ends[i];
  for (int i = 0; i < n; i++) {
    char got[32], want[32];
    memset(got, 'x', sizeof got);
    int len = put_decimal(got, v[i]);
    snprintf(want, sizeof want, "%lld", v[i]);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(len, (int)strlen(want));
  }
}
END_TEST

Suite *suite_front(void) {
  Suite *s = suite_create("front");
  TCase *tc = tcase_create("parse");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, seed_parses);
  tcase_add_loop_test(tc, number_literals, 0, (int)(sizeof numbers / sizeof numbers[0]));
  tcase_add_test(tc, literals_read_as_strtod_reads_them);
  tcase_add_test(tc, comments_and_whitespace);
  tcase_add_test(tc, power_binds_tighter_than_minus);
  tcase_add_test(tc, power_right_operand_is_unary);
  tcase_add_test(tc, power_is_right_associative);
  tcase_add_test(tc, conditional_is_right_associative);
  tcase_add_test(tc, and_binds_tighter_than_or);
  tcase_add_test(tc, comparisons_do_not_chain);
  tcase_add_test(tc, sum_chain_is_flat);
  tcase_add_test(tc, block_form);
  tcase_add_test(tc, locations_are_byte_spans);
  tcase_add_test(tc, recovery_reports_several_errors);
  tcase_add_test(tc, deep_parentheses_are_an_error);
  tcase_add_test(tc, deep_unary_chain_is_an_error);
  tcase_add_test(tc, million_term_sum_parses);
  tcase_add_test(tc, nul_and_bad_utf8_are_errors);
  tcase_add_test(tc, strbuf_numbers_and_bytes);
  tcase_add_test(tc, decimals_at_every_length);
  tcase_add_test(tc, strmap_finds_each_of_many_keys);
  tcase_add_test(tc, doubles_print_as_printf_did);
  tcase_add_loop_test(tc, precedence_and_grouping, 0, (int)(sizeof grouped / sizeof grouped[0]));
  suite_add_tcase(s, tc);
  return s;
}
