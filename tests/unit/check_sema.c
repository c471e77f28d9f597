/* check_sema.c - semantic errors and warnings, each pinned to its words
 * and position; several errors in one file are all reported. */
#include <string.h>

#include "harness.h"

static const struct {
  const char *src;
  const char *want; /* a line of the expected report */
} cases[] = {
    {"fn f(x) { let y = sinn(x); return y; }", "t.ad:1:19: error: unknown function 'sinn' (did you mean 'sin'?)"},
    {"fn f(x) = x + y;", "t.ad:1:15: error: unknown name 'y'"},
    {"fn f(xx) = xx + x;", "t.ad:1:17: error: unknown name 'x' (did you mean 'xx'?)"},
    {"fn f(x) = atan2(x);", "t.ad:1:11: error: 'atan2' takes 2 arguments, but 1 was given"},
    {"fn g(a, b) = a * b;\nfn f(x) = g(x);", "t.ad:2:11: error: 'g' takes 2 arguments, but 1 was given"},
    {"fn f(x) = f(x);", "t.ad:1:11: error: recursive call to 'f' (recursion is not supported)"},
    {"fn f(x) = g(x);\nfn g(x) = f(x);", "error: recursive call to"},
    {"fn f(x) = x;\nfn f(y) = y;", "t.ad:2:4: error: redefinition of function 'f'"},
    {"fn f(x, x) = x;", "t.ad:1:9: error: duplicate parameter 'x'"},
    {"fn f(x) { let x = 1; return x; }", "t.ad:1:15: error: redefinition of parameter 'x'"},
    {"fn f(x) { let a = 1; let a = 2; return a + x; }", "t.ad:1:26: error: redefinition of 'a'"},
    {"fn f(x) { y = 1; return x; }", "t.ad:1:11: error: assignment to undeclared name 'y'"},
    {"fn f(x) { return x; let a = 1; }", "t.ad:1:21: error: statement after 'return'"},
    {"fn f(x) { let a = x; }", "t.ad:1:4: error: function 'f' has no 'return' statement"},
    {"fn f(x) = x < 1;", "t.ad:1:11: error: a condition cannot be used as a value"},
    {"fn f(x) = x ? 1 : 2;", "t.ad:1:11: error: expected a condition, found a value"},
    {"fn f(x) = sin(x > 0);", "t.ad:1:15: error: a condition cannot be used as a value"},
    {"fn f(x) = (x > 0) + 1;", "t.ad:1:11: error: a condition cannot be used as a value"},
    {"fn f(x) = !x ? 1 : 0;", "t.ad:1:12: error: expected a condition, found a value"},
    {"fn f(x) = x && x > 1 ? 1 : 0;", "t.ad:1:11: error: expected a condition, found a value"},
    {"fn f(x) = sin + x;", "t.ad:1:11: error: 'sin' is a function; call it with arguments"},
    {"fn f(x) = x(2);", "t.ad:1:11: error: 'x' is a variable, not a function"},
    {"fn f(x) = pi(x);", "t.ad:1:11: error: 'pi' is a constant, not a function"},
    {"fn f(x, y) = x;", "t.ad:1:9: warning: unused parameter 'y'"},
    {"fn f(x) { let t = 2; return x; }", "t.ad:1:15: warning: unused variable 't'"},
    {"# nothing here\n", "t.ad:1:1: warning: the file defines no functions"},
    {"fn f(x[n]) { let s = 0; for i in 0..n { let t = 1; s = s + x[i]; } return s; }",
     "t.ad:1:45: warning: unused variable 't'"},
    {"fn f(x[n], w) = sum(i in 0..n, x[i]);", "t.ad:1:12: warning: unused parameter 'w'"},
    {"fn f(x[2]) = x[2];", "t.ad:1:16: error: index 2 of 'x' is out of range (the dimension is 2)"},
    {"fn f(x[n]) = sum(i in 1..n+1, x[i - 1]) + sum(i in 0..n, x[n - 1 - i]);", NULL},
    {"fn f(x[n, n + 1]) = x[n - 1, n];", NULL},
};

START_TEST(diagnosed) {
  Compiled c;
  if (!cases[_i].want) { /* in range: no diagnostic at all */
    ck_assert_msg(ht_compile(&c, cases[_i].src, 1) == 0 && strlen(c.diag) == 0, "%s", c.diag);
    ht_free(&c);
    return;
  }
  ht_compile(&c, cases[_i].src, 1);
  ck_assert_msg(strstr(c.diag, cases[_i].want) != NULL, "for %s\nwant: %s\ngot:\n%s", cases[_i].src,
                cases[_i].want, c.diag);
  ht_free(&c);
}
END_TEST

START_TEST(all_errors_reported) {
  Compiled c;
  int n = ht_compile(&c,
                     "fn f(x) = sinn(x) + y;\n"
                     "fn g(x) { z = 1; return x(1); }\n"
                     "fn h(a) = atan2(a) + (a < 1);\n",
                     1);
  ck_assert_int_eq(n, 6);
  ht_free(&c);
}
END_TEST

START_TEST(shadowing_builtins_is_allowed) {
  Compiled c;
  int n = ht_compile(&c, "fn f(exp, sin) { let pi = exp * sin; return pi + cos(exp); }", 1);
  ck_assert_int_eq(n, 0);
  double x[2] = {2, 3}, g[2];
  ck_assert_double_eq_tol(ht_grad(&c.fns[0], x, g), 6 + cos(2.0), 1e-15);
  ht_free(&c);
}
END_TEST

START_TEST(functions_in_any_order) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, "fn f(x) = g(x) * 2;\nfn g(y) = y + 1;", 1), 0);
  double x = 3, g;
  ck_assert_double_eq(ht_grad(ht_fn(&c, "f"), &x, &g), 8);
  ck_assert_double_eq(g, 2);
  ht_free(&c);
}
END_TEST

/* Sizes are the names used in dimensions, in order of first appearance;
 * results are counted; const is remembered. */
START_TEST(sizes_in_order_of_appearance) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, "fn f(a[k, d], const x[n, d], w) -> (u, v) { return a[0, 0] * w, x[0, 0]; }", 1), 0);
  const FnSig *sig = &c.checked.sigs[0];
  ck_assert_int_eq(sig->nsizes, 3);
  ck_assert_str_eq(sig->sizes[0], "k");
  ck_assert_str_eq(sig->sizes[1], "d");
  ck_assert_str_eq(sig->sizes[2], "n");
  ck_assert_int_eq(sig->nouts, 2);
  ck_assert_int_eq(c.checked.funcs[0]->params[1].is_const, 1);
  ck_assert_int_eq(c.checked.funcs[0]->params[1].ndims, 2);
  ht_free(&c);
}
END_TEST

/* Each use of a name carries the number of the declaration it means, in
 * order from 0 over sizes, parameters and the body (numbers are not
 * reused when a scope closes); each call its callee. */
START_TEST(names_resolved_to_declarations) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c,
                              "fn f(a[k], x) {\n"
                              "  let s = x;\n"
                              "  for i in 0..k { let t = a[i] * pi; s = s + t; }\n"
                              "  return sin(s) + g(x) + sum(j in 0..k, a[j]);\n"
                              "}\n"
                              "fn g(y) = y;\n",
                              1),
                   0);
  const Func *f = c.checked.funcs[0];
  const FnSig *sig = &c.checked.sigs[0];
  ck_assert_int_eq(sig->ndecls, 7); /* k a x s i t j */
  ck_assert_int_eq(sig->sizedecls[0], 0);
  ck_assert_int_eq(f->params[0].decl, 1);
  ck_assert_int_eq(f->params[0].dims[0]->bind, 0);
  ck_assert_int_eq(f->params[1].decl, 2);
  const Stmt *let_s = f->body, *loop = let_s->next, *ret = loop->next;
  ck_assert_int_eq(let_s->decl, 3);
  ck_assert_int_eq(let_s->e->bind, 2);
  ck_assert_int_eq(loop->decl, 4);
  const Stmt *let_t = loop->body, *assign = let_t->next;
  ck_assert_int_eq(let_t->decl, 5);
  const Expr *prod = let_t->e;
  ck_assert_int_eq(prod->u.chain.first->bind, 1);                /* a */
  ck_assert_int_eq(prod->u.chain.first->u.call.args[0]->bind, 4); /* i */
  ck_assert_int_eq(prod->u.chain.items[0].e->bind, -1);          /* pi */
  ck_assert_int_eq(assign->kind, S_ASSIGN);
  ck_assert_int_eq(assign->decl, 3);
  const Expr *sum = ret->e;
  ck_assert_int_eq(sum->u.chain.first->bind, -1 - OP_SIN);
  ck_assert_int_eq(sum->u.chain.first->u.call.args[0]->bind, 3); /* s */
  ck_assert_int_eq(sum->u.chain.items[0].e->bind, 1);            /* g */
  const Expr *red = sum->u.chain.items[1].e;
  ck_assert_int_eq(red->u.red->decl, 6);
  ck_assert_int_eq(red->u.red->e->u.call.args[0]->bind, 6);      /* j */
  ht_free(&c);
}
END_TEST

Suite *suite_sema(void) {
  Suite *s = suite_create("sema");
  TCase *tc = tcase_create("diagnostics");
  tcase_add_loop_test(tc, diagnosed, 0, (int)(sizeof cases / sizeof cases[0]));
  tcase_add_test(tc, all_errors_reported);
  tcase_add_test(tc, shadowing_builtins_is_allowed);
  tcase_add_test(tc, functions_in_any_order);
  tcase_add_test(tc, sizes_in_order_of_appearance);
  tcase_add_test(tc, names_resolved_to_declarations);
  suite_add_tcase(s, tc);
  return s;
}
