/* check_ir.c - building, folding, CSE, DCE, inlining, the verifier. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int count_op(const Graph *g, int op) {
  int n = 0;
  for (int i = 0; i < g->nodes.n; i++)
    n += g->nodes.v[i].op == op;
  return n;
}

static Compiled one(const char *src, int opt) {
  Compiled c;
  ck_assert_int_eq(ht_compile(&c, src, opt), 0);
  return c;
}

START_TEST(seed_graph_is_the_notebooks) {
  Compiled c = one("fn f(x0, x1) = sin(x0) * (x0 + x1);", 1);
  const Graph *g = &c.fns[0].fwd;
  ck_assert_int_eq(g->nodes.n, 5);
  ck_assert_int_eq(g->nodes.v[0].op, OP_INPUT);
  ck_assert_int_eq(g->nodes.v[1].op, OP_INPUT);
  ck_assert_int_eq(g->nodes.v[2].op, OP_SIN);
  ck_assert_int_eq(g->nodes.v[2].a[0], 0);
  ck_assert_int_eq(g->nodes.v[3].op, OP_ADD);
  ck_assert_int_eq(g->nodes.v[4].op, OP_MUL);
  ck_assert_int_eq(g->nodes.v[4].a[0], 2);
  ck_assert_int_eq(g->nodes.v[4].a[1], 3);
  ck_assert_int_eq(g->outs.v[0], 4);
  ht_free(&c);
}
END_TEST

START_TEST(constants_fold) {
  Compiled c = one("fn f(x) = x * (2 * 3 - 5) + 0 * sin(x) + (pi - pi);", 1);
  const Graph *g = &c.fns[0].fwd;
  ck_assert_int_eq(g->nodes.n, 1); /* just the input: x*1 + 0 + (pi - pi) = x */
  ck_assert_int_eq(g->outs.v[0], 0);
  ht_free(&c);
}
END_TEST

START_TEST(common_subexpressions_merge) {
  Compiled c = one("fn f(x, y) = sin(x * y) + sin(y * x) + x * y;", 1);
  const Graph *g = &c.fns[0].fwd;
  ck_assert_int_eq(count_op(g, OP_SIN), 1);
  ck_assert_int_eq(count_op(g, OP_MUL), 1);
  ht_free(&c);
}
END_TEST

/* A builder given room for n nodes keeps its table while they are added
 * (no rebuild), and still shares what it has seen, before and after. */
START_TEST(reserved_table_is_not_rebuilt) {
  Graph g;
  graph_init(&g);
  g.nparams = 1;
  Builder b;
  b_init(&b, &g, 1, 0);
  Ref x = b_input(&b, 0), first = b_op(&b, OP_SIN, x, REF_NONE, REF_NONE);
  b_reserve(&b, 5000);
  uint32_t cap = b.tcap;
  const int32_t *table = b.table;
  ck_assert_uint_ge(cap, 2 * 5000);
  Ref r = x;
  for (int i = 0; i < 2400; i++)
    r = b_op(&b, OP_MUL, b_op(&b, OP_ADD, r, b_const(&b, i + 0.5), REF_NONE), x, REF_NONE);
  ck_assert_int_ge(g.nodes.n, 4800);
  ck_assert_uint_eq(b.tcap, cap);
  ck_assert_ptr_eq(b.table, table);
  ck_assert_int_eq(b_op(&b, OP_SIN, x, REF_NONE, REF_NONE), first);
  ck_assert_int_eq(b_op(&b, OP_ADD, x, b_const(&b, 0.5), REF_NONE), 2);
  b_free(&b);
  graph_free(&g);
}
END_TEST

/* A builder made with room for n nodes has it from the start; among
 * thousands of nodes (the table's slots tagged with bits of their hash),
 * each node asked for again is found, and each new one is made. */
START_TEST(table_finds_each_of_many_nodes) {
  Graph g;
  graph_init(&g);
  g.nparams = 2;
  Builder b;
  b_init(&b, &g, 1, 30000);
  ck_assert_uint_ge(b.tcap, 2 * 30000);
  uint32_t cap = b.tcap;
  Ref x = b_input(&b, 0), y = b_input(&b, 1), made[3][3000];
  for (int i = 0; i < 3000; i++) {
    Ref c = b_const(&b, i + 0.25);
    made[0][i] = b_op(&b, OP_MUL, x, c, REF_NONE);
    made[1][i] = b_op(&b, OP_SUB, made[0][i], y, REF_NONE);
    made[2][i] = b_op(&b, OP_SIN, made[1][i], REF_NONE, REF_NONE);
  }
  int n = g.nodes.n;
  ck_assert_int_eq(n, 2 + 3 * 3000);
  for (int i = 2999; i >= 0; i--) {
    Ref c = b_const(&b, i + 0.25);
    ck_assert_int_eq(b_op(&b, OP_MUL, x, c, REF_NONE), made[0][i]);
    ck_assert_int_eq(b_op(&b, OP_SUB, made[0][i], y, REF_NONE), made[1][i]);
    ck_assert_int_eq(b_op(&b, OP_SIN, made[1][i], REF_NONE, REF_NONE), made[2][i]);
  }
  ck_assert_int_eq(g.nodes.n, n);
  ck_assert_int_eq(b_op(&b, OP_COS, made[1][7], REF_NONE, REF_NONE), n);
  ck_assert_int_eq(b_op(&b, OP_SUB, made[0][7], x, REF_NONE), n + 1);
  ck_assert_uint_eq(b.tcap, cap);
  b_free(&b);

  Builder again; /* a second builder over the graph indexes what is there */
  b_init(&again, &g, 1, 0);
  ck_assert_int_eq(b_op(&again, OP_SIN, made[1][2999], REF_NONE, REF_NONE), made[2][2999]);
  ck_assert_int_eq(b_op(&again, OP_COS, made[1][7], REF_NONE, REF_NONE), n);
  ck_assert_int_eq(g.nodes.n, n + 2);
  b_free(&again);
  graph_free(&g);
}
END_TEST

/* Nodes whose argument has one user are found through that argument, not
 * the table (graph.c, add_user): each path, and the moves between them. */
START_TEST(table_finds_nodes_by_their_users) {
  Graph g;
  graph_init(&g);
  g.nparams = 2;
  Builder b;
  b_init(&b, &g, 1, 0);
  Ref x = b_input(&b, 0), y = b_input(&b, 1);
  Ref a = b_op(&b, OP_MUL, x, y, REF_NONE);       /* a: no user */
  ck_assert_int_eq(b_op(&b, OP_MUL, y, x, REF_NONE), a);
  Ref s = b_op(&b, OP_SIN, a, REF_NONE, REF_NONE); /* a: one user */
  ck_assert_int_eq(b_op(&b, OP_SIN, a, REF_NONE, REF_NONE), s);
  ck_assert_int_eq(b_op(&b, OP_COS, a, REF_NONE, REF_NONE), s + 1); /* a: two users */
  ck_assert_int_eq(b_op(&b, OP_SIN, a, REF_NONE, REF_NONE), s);     /* now in the table */
  ck_assert_int_eq(b_op(&b, OP_COS, a, REF_NONE, REF_NONE), s + 1);
  Ref t = b_op(&b, OP_ADD, s, x, REF_NONE);        /* s: one user, x: many */
  ck_assert_int_eq(b_op(&b, OP_ADD, x, s, REF_NONE), t);
  ck_assert_int_eq(b_op(&b, OP_SUB, s, x, REF_NONE), t + 1);
  ck_assert_int_eq(b_op(&b, OP_ADD, s, x, REF_NONE), t);
  ck_assert_int_eq(b_op(&b, OP_SUB, s, x, REF_NONE), t + 1);
  Ref u = b_op(&b, OP_TANH, t, REF_NONE, REF_NONE);
  Ref sq = b_op(&b, OP_MUL, u, u, REF_NONE);       /* u's two users at once */
  ck_assert_int_eq(b_op(&b, OP_MUL, u, u, REF_NONE), sq);
  ck_assert_int_eq(b_op(&b, OP_EXP, u, REF_NONE, REF_NONE), sq + 1);
  ck_assert_int_eq(b_op(&b, OP_MUL, u, u, REF_NONE), sq);
  int n = g.nodes.n;
  Ref chain = x; /* a long chain of single users, then every link again */
  for (int i = 0; i < 5000; i++)
    chain = b_op(&b, i % 2 ? OP_SIN : OP_COS, chain, REF_NONE, REF_NONE);
  chain = x;
  for (int i = 0; i < 5000; i++)
    chain = b_op(&b, i % 2 ? OP_SIN : OP_COS, chain, REF_NONE, REF_NONE);
  ck_assert_int_eq(g.nodes.n, n + 5000);
  ck_assert_int_eq(chain, n + 4999);
  b_free(&b);

  Builder again; /* a second builder counts the users of what is there */
  b_init(&again, &g, 1, 0);
  ck_assert_int_eq(b_op(&again, OP_SIN, a, REF_NONE, REF_NONE), s);
  ck_assert_int_eq(b_op(&again, OP_TANH, t, REF_NONE, REF_NONE), u);
  ck_assert_int_eq(b_op(&again, OP_LOG, u, REF_NONE, REF_NONE), n + 5000);
  ck_assert_int_eq(b_op(&again, OP_MUL, u, u, REF_NONE), sq);
  b_free(&again);
  graph_free(&g);
}
END_TEST

START_TEST(dead_nodes_vanish) {
  Compiled c = one("fn f(x) { let unused_ = exp(x); return x + 1; }", 1);
  ck_assert_int_eq(count_op(&c.fns[0].fwd, OP_EXP), 0);
  ht_free(&c);
}
END_TEST

START_TEST(o0_keeps_everything_literal) {
  Compiled c = one("fn f(x) = x * 1 + 0;", 0);
  const Graph *g = &c.fns[0].fwd;
  ck_assert_int_eq(count_op(g, OP_MUL), 1);
  ck_assert_int_eq(count_op(g, OP_ADD), 1);
  double x = 3, gr;
  ck_assert_double_eq(ht_grad(&c.fns[0], &x, &gr), 3);
  ck_assert_double_eq(gr, 1);
  ht_free(&c);
}
END_TEST

START_TEST(integer_powers) {
  Compiled c = one("fn f(x, y) = x^2 + x^-1 + x^3.0 + x^y + pow(x, 4);", 1);
  const Graph *g = &c.fns[0].fwd;
  ck_assert_int_eq(count_op(g, OP_POWI), 4);
  ck_assert_int_eq(count_op(g, OP_POW), 1);
  double x[2] = {-1.5, 2}, gr[2];
  double want = 2.25 - 1 / 1.5 - 3.375 + 2.25 + 5.0625;
  ck_assert_double_eq_tol(ht_grad(&c.fns[0], x, gr), want, 1e-14);
  ht_free(&c);
}
END_TEST

START_TEST(zero_power_is_one) {
  Compiled c = one("fn f(x) = x^0 + x;", 1);
  double x = 0, gr;
  ck_assert_double_eq(ht_grad(&c.fns[0], &x, &gr), 1);
  ck_assert_double_eq(gr, 1);
  ht_free(&c);
}
END_TEST

START_TEST(gradient_has_no_trivial_nodes) {
  Compiled c = one("fn f(x, y) = x * y + 3 * x + exp(y);", 1);
  const Graph *g = &c.fns[0].grad;
  for (int i = 0; i < g->nodes.n; i++) {
    const Node *n = &g->nodes.v[i];
    for (int k = 0; k < op_info[n->op].arity; k++) {
      if (!ref_is_const(n->a[k]))
        continue;
      double v = graph_const(g, n->a[k]);
      ck_assert_msg(!((n->op == OP_MUL || n->op == OP_DIV) && v == 1), "* 1 at z%d", i);
      ck_assert_msg(!((n->op == OP_ADD || n->op == OP_SUB) && v == 0), "+ 0 at z%d", i);
      ck_assert_msg(!(n->op == OP_MUL && v == 0), "* 0 at z%d", i);
    }
  }
  ht_free(&c);
}
END_TEST

/* f_k(x) = f_{k-1}(x) + f_{k-1}(x): inlined naively, 2^30 copies. */
START_TEST(call_chains_stay_linear) {
  char src[8192];
  int k = sprintf(src, "fn f0(x) = sin(x) * x;\n");
  for (int i = 1; i <= 30; i++)
    k += sprintf(src + k, "fn f%d(x) = f%d(x) + f%d(x) * 2;\n", i, i - 1, i - 1);
  Compiled c = one(src, 1);
  const Graph *g = &ht_fn(&c, "f30")->fwd;
  ck_assert_int_lt(g->nodes.n, 200);
  ck_assert_int_lt(ht_fn(&c, "f30")->grad.nodes.n, 400);
  double x = 0.7, gr;
  double v = ht_grad(ht_fn(&c, "f30"), &x, &gr);
  ck_assert_double_eq_tol(v, pow(3, 30) * sin(0.7) * 0.7, 1e-9 * fabs(v));
  ck_assert_double_eq_tol(gr, pow(3, 30) * (cos(0.7) * 0.7 + sin(0.7)), 1e-9 * fabs(gr));
  ht_free(&c);
}
END_TEST

START_TEST(constant_conditions_take_one_branch) {
  Compiled c = one("fn g(x, s) = s > 0 ? sqrt(x) : log(x);\nfn f(x) = g(x, 1) + g(x, -1);", 1);
  const Graph *g = &ht_fn(&c, "f")->fwd;
  ck_assert_int_eq(g->groups.n, 0);
  ck_assert_int_eq(count_op(g, OP_SQRT), 1);
  ck_assert_int_eq(count_op(g, OP_LOG), 1);
  ht_free(&c);
}
END_TEST

START_TEST(branches_are_regions) {
  Compiled c = one("fn f(x) = x > 0 ? sqrt(x) * x : -x;", 1);
  const Graph *g = &c.fns[0].fwd;
  ck_assert_int_eq(g->groups.n, 1);
  ck_assert_int_eq(count_op(g, OP_PHI), 1);
  ck_assert_int_eq(g->nodes.v[g->outs.v[0]].op, OP_PHI);
  char why[200];
  ck_assert_int_eq(ir_verify(g, why, sizeof why), 0);
  ck_assert_int_eq(ir_verify(&c.fns[0].grad, why, sizeof why), 0);
  ck_assert_int_eq(ir_verify(&c.fns[0].vjp, why, sizeof why), 0);
  ht_free(&c);
}
END_TEST

START_TEST(verifier_catches_bad_graphs) {
  Compiled c = one("fn f(x) = sin(x) * x;", 1);
  Graph *g = &c.fns[0].fwd;
  char why[200];
  g->nodes.v[1].a[0] = 2; /* an argument after its user */
  ck_assert_int_ne(ir_verify(g, why, sizeof why), 0);
  ck_assert_ptr_nonnull(strstr(why, "does not precede"));
  g->nodes.v[1].a[0] = 0;
  g->nodes.v[1].blk = 7;
  ck_assert_int_ne(ir_verify(g, why, sizeof why), 0);
  ck_assert_str_eq(why, "z1: bad block 7");
  g->nodes.v[1].blk = 0;
  g->nodes.v[0].blk = -2; /* reported before its user reads the block */
  ck_assert_int_ne(ir_verify(g, why, sizeof why), 0);
  ck_assert_str_eq(why, "z0: bad block -2");
  g->nodes.v[0].blk = 0;
  g->nodes.v[2].op = OP_COUNT;
  ck_assert_int_ne(ir_verify(g, why, sizeof why), 0);
  char want[40];
  snprintf(want, sizeof want, "z2: bad op %d", OP_COUNT);
  ck_assert_str_eq(why, want);
  ht_free(&c);
}
END_TEST

/* A graph the next pass rewrites is verified only with ADC_VERIFY=each (make
 * check sets it); the graph a pass hands on always is. Debug builds abort. */
static Compiled broken(void) {
  Compiled c = one("fn f(x) = sin(x) * x;", 1);
  c.fns[0].fwd.nodes.v[1].a[0] = 2; /* an argument after its user */
  return c;
}

START_TEST(check_step_verifies_only_when_asked) {
  Compiled c = broken();
  unsetenv("ADC_VERIFY");
  ir_check_step(&c.fns[0].fwd, "test"); /* returns */
  setenv("ADC_VERIFY", "no", 1);
  ir_check_step(&c.fns[0].fwd, "test");
  ht_free(&c);
}
END_TEST

START_TEST(check_step_aborts_when_asked) {
  Compiled c = broken();
  setenv("ADC_VERIFY", "each", 1);
  ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr)); /* the abort's message */
  ir_check_step(&c.fns[0].fwd, "test");
  ht_free(&c); /* not reached */
}
END_TEST

START_TEST(check_always_verifies) {
  Compiled c = broken();
  unsetenv("ADC_VERIFY");
  ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr)); /* the abort's message */
  ir_check(&c.fns[0].fwd, "test");
  ht_free(&c); /* not reached */
}
END_TEST

/* A loop is a range: body, then exits; moving a foreign node into it breaks it. */
START_TEST(loops_are_regions) {
  Compiled c = one("fn f(x[n], y) = sum(i in 0..n, x[i] * y) + exp(y);", 1);
  const Graph *g = &c.fns[0].fwd;
  char why[200];
  ck_assert_int_eq(g->loops.n, 1);
  ck_assert_int_eq(count_op(g, OP_REDUCE), 1);
  ck_assert_int_eq(count_op(g, OP_IDX), 1);
  ck_assert_int_eq(count_op(g, OP_SAVE), 0); /* nothing to store at top level */
  ck_assert_int_eq(ir_verify(&c.fns[0].grad, why, sizeof why), 0);
  ck_assert_int_eq(c.fns[0].grad.loops.n, 2); /* forward and reverse */
  ck_assert_int_eq(c.fns[0].grad.loops.v[1].backward, 1);
  Graph *w = &c.fns[0].grad;
  for (int i = 0; i < w->nodes.n; i++) /* an outside node moved into the loop's body */
    if (w->nodes.v[i].op == OP_MUL && w->nodes.v[i].blk == w->loops.v[0].body) {
      w->nodes.v[i].blk = 0;
      break;
    }
  ck_assert_int_ne(ir_verify(w, why, sizeof why), 0);
  ht_free(&c);
}
END_TEST

/* A reverse loop reads back carried values and inner results instead of
 * recomputing them; what nothing reads back is not stored. */
START_TEST(loops_store_what_the_reverse_reads) {
  Compiled c = one("fn f(x[n], c) { let s = c; for i in 0..n { s = s * x[i] * sum(j in 0..n, x[j] * s); } return s; }\n"
                   "fn g(x[n]) = sum(i in 0..n, x[i]);", 1);
  const Graph *f = &c.fns[0].grad, *g = &c.fns[1].grad;
  ck_assert_int_eq(count_op(f, OP_SAVE), 2);    /* s, and the inner sum */
  ck_assert_int_eq(count_op(f, OP_RESTORE), 2);
  ck_assert_int_eq(count_op(&c.fns[0].fwd, OP_SAVE), 0); /* f itself stores nothing */
  ck_assert_int_eq(count_op(g, OP_SAVE), 0);    /* a sum's reverse needs nothing */
  ht_free(&c);
}
END_TEST

/* A stored value has a place per iteration of the loops it changes with
 * only: exp(w[j]) inside the loop over i is stored per j. */
START_TEST(storage_per_varying_loop) {
  Compiled c = one("fn f(x[n], w[m]) = sum(i in 0..n, sum(j in 0..m, exp(w[j]) * x[i]));", 1);
  const Graph *g = &c.fns[0].grad;
  int saves = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_SAVE && g->nodes.v[g->nodes.v[i].a[0]].op == OP_EXP) {
      saves++;
      Ref pos = g->nodes.v[i].a[1]; /* the index of the loop over j itself */
      ck_assert_int_eq(g->nodes.v[pos].op, OP_IDX);
      ck_assert_int_eq(g->nodes.v[pos].blk, g->nodes.v[i].blk);
    }
  ck_assert_int_eq(saves, 1);
  ht_free(&c);
}
END_TEST

/* Data gets no adjoint work: the reverse of a const array's use is empty. */
START_TEST(data_is_inactive) {
  Compiled c = one("fn f(w[d], const X[m, d]) = sum(i in 0..m, exp(sum(j in 0..d, w[j] * X[i, j])) * X[i, 0]);", 1);
  const Graph *g = &c.fns[0].grad;
  int accum = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_ACCUM) {
      accum++;
      ck_assert_int_eq(g->nodes.v[g->nodes.v[i].a[0]].aux, 0); /* only into w */
    }
  ck_assert_int_eq(accum, 1);
  ht_free(&c);
}
END_TEST

/* f_jac sweeps all results at once: a shared partial is made once. */
START_TEST(jacobian_shares_partials) {
  Compiled c = one("fn f(x) -> (u, v) { let s = sin(x); return s * 2, s * 3; }", 1);
  ck_assert_int_eq(count_op(&c.fns[0].grad, OP_COS), 1);
  ck_assert_int_eq(c.fns[0].grad.outs.n, 4); /* u, v, du/dx, dv/dx */
  ht_free(&c);
}
END_TEST

START_TEST(long_chains_build_iteratively) {
  int n = 250000;
  char *src = xmalloc((size_t)n * 40 + 64);
  int k = sprintf(src, "fn f(x) {\n let a0 = x;\n");
  for (int i = 1; i < n; i++)
    k += sprintf(src + k, " let a%d = a%d * 0.5 + x;\n", i, i - 1);
  k += sprintf(src + k, " return a%d;\n}\n", n - 1);
  Compiled c = one(src, 1);
  ck_assert_int_gt(c.fns[0].fwd.nodes.n, n);
  double x = 1, gr;
  ck_assert_double_eq_tol(ht_grad(&c.fns[0], &x, &gr), 2, 1e-12);
  ck_assert_double_eq_tol(gr, 2, 1e-12);
  ht_free(&c);
  free(src);
}
END_TEST

/* The reverse pass starts from a copy holding every constant of the forward
 * graph: its constant table must be sized for them (it once hung at 33). */
START_TEST(many_constants) {
  char src[8192];
  int k = sprintf(src, "fn f(x) = x");
  for (int i = 1; i <= 300; i++)
    k += sprintf(src + k, " + %d.5 * sin(x * %d)", i, i);
  sprintf(src + k, ";");
  Compiled c = one(src, 1);
  ck_assert_int_gt(c.fns[0].fwd.consts.n, 300);
  double x = 0.3, gr, want = 1;
  for (int i = 1; i <= 300; i++)
    want += (i + 0.5) * i * cos(0.3 * i);
  ht_grad(&c.fns[0], &x, &gr);
  ck_assert_double_eq_tol(gr, want, 1e-9 * fabs(want));
  ht_free(&c);
}
END_TEST

/* 600 nested conditionals: the adjoint of each branch recomputes only what
 * its derivative reads, so this stays fast (it was quartic once). */
START_TEST(deeply_nested_conditionals) {
  int n = 600;
  char *src = xmalloc((size_t)n * 40 + 64);
  int k = sprintf(src, "fn f(x) = ");
  for (int i = 0; i < n; i++)
    k += sprintf(src + k, "x > %d ? sin(x * %d) : ", i, i + 1);
  sprintf(src + k, "x * x;");
  Compiled c = one(src, 1);
  ck_assert_int_lt(c.fns[0].grad.nodes.n, 20 * n);
  double pts[3] = {-1.5, 0.5, 300.5};
  for (int j = 0; j < 3; j++) {
    double gr, v = ht_grad(&c.fns[0], &pts[j], &gr);
    /* x > 0 picks the first branch, sin(x * 1); x < 0 falls through to x * x */
    if (pts[j] < 0) {
      ck_assert_double_eq(v, pts[j] * pts[j]);
      ck_assert_double_eq(gr, 2 * pts[j]);
    } else {
      ck_assert_double_eq_tol(v, sin(pts[j]), 1e-15);
      ck_assert_double_eq_tol(gr, cos(pts[j]), 1e-15);
    }
  }
  ht_free(&c);
  free(src);
}
END_TEST

Suite *suite_ir(void) {
  Suite *s = suite_create("ir");
  TCase *tc = tcase_create("passes");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, seed_graph_is_the_notebooks);
  tcase_add_test(tc, constants_fold);
  tcase_add_test(tc, common_subexpressions_merge);
  tcase_add_test(tc, dead_nodes_vanish);
  tcase_add_test(tc, reserved_table_is_not_rebuilt);
  tcase_add_test(tc, table_finds_each_of_many_nodes);
  tcase_add_test(tc, table_finds_nodes_by_their_users);
  tcase_add_test(tc, o0_keeps_everything_literal);
  tcase_add_test(tc, integer_powers);
  tcase_add_test(tc, zero_power_is_one);
  tcase_add_test(tc, gradient_has_no_trivial_nodes);
  tcase_add_test(tc, call_chains_stay_linear);
  tcase_add_test(tc, constant_conditions_take_one_branch);
  tcase_add_test(tc, branches_are_regions);
  tcase_add_test(tc, verifier_catches_bad_graphs);
#ifndef NDEBUG
  tcase_add_test(tc, check_step_verifies_only_when_asked);
  tcase_add_test_raise_signal(tc, check_step_aborts_when_asked, SIGABRT);
  tcase_add_test_raise_signal(tc, check_always_verifies, SIGABRT);
#endif
  tcase_add_test(tc, long_chains_build_iteratively);
  tcase_add_test(tc, loops_are_regions);
  tcase_add_test(tc, loops_store_what_the_reverse_reads);
  tcase_add_test(tc, data_is_inactive);
  tcase_add_test(tc, storage_per_varying_loop);
  tcase_add_test(tc, jacobian_shares_partials);
  tcase_add_test(tc, many_constants);
  tcase_add_test(tc, deeply_nested_conditionals);
  suite_add_tcase(s, tc);
  return s;
}
