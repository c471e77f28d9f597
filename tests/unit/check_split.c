/* check_split.c - functions too large for one C function are emitted as
 * parts (--split): the output compiles warning-free with gcc, clang and g++,
 * and computes exactly (bit for bit) what the unsplit output computes, on
 * programs with branches, loops, arrays, data and several results. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Branches (phis and costly values leaving them), copy lines, a reduction
 * over an array, data, and two results: every kind of value a later part
 * can read from an earlier one. */
static const char *const mixed =
    "fn m(x, y, w[n], const c) -> (u, v) {\n"
    "  let a = x * y + sin(w[0]);\n"
    "  let b = a > 0.5 ? exp(a) * c : cos(a) * y;\n"
    "  let s = sum(i in 0..n, w[i] * w[i] * x);\n"
    "  let t = a;\n"
    "  let d = x > y && b < 3 ? log(1 + b * b) : t * s;\n"
    "  let e = tanh(d) + b * s - hypot(x, t);\n"
    "  return e * x + d, s * b - e;\n"
    "}\n"
    "fn p(x, y) = x * y * (x + 1) * (y + 2) * sin(x * y) * (x - y) * exp(y) * (1 + x * x);\n";

static const char *const mixed_driver =
    "#include <stdio.h>\n#include <string.h>\n"
    "#include \"%s\"\n#include \"%s\"\n"
    "int main(void) {\n"
    "  int bad = 0;\n"
    "  for (int k = 0; k < 40; k++) {\n"
    "    double x = -1.3 + 0.07 * k, y = 0.9 - 0.05 * k, w[3] = {0.3 * x, y, 0.5};\n"
    "    double u1, v1, u2, v2, J1[2 * 5], J2[2 * 5], wb1[3] = {1, 2, 3}, wb2[3] = {1, 2, 3};\n"
    "    double xb1 = 0.5, yb1 = 0.25, xb2 = 0.5, yb2 = 0.25, g1[2], g2[2];\n"
    "    m_jac(3, x, y, w, 1.5, &u1, &v1, J1);\n"
    "    u_m_jac(3, x, y, w, 1.5, &u2, &v2, J2);\n"
    "    m_vjp(3, x, y, w, 1.5, 0.7, -1.1, &xb1, &yb1, wb1);\n"
    "    u_m_vjp(3, x, y, w, 1.5, 0.7, -1.1, &xb2, &yb2, wb2);\n"
    "    double f1 = p_grad(x, y, &g1[0], &g1[1]), f2 = u_p_grad(x, y, &g2[0], &g2[1]);\n"
    "    double m1u, m1v, m2u, m2v;\n"
    "    m(3, x, y, w, 1.5, &m1u, &m1v);\n"
    "    u_m(3, x, y, w, 1.5, &m2u, &m2v);\n"
    "    bad |= memcmp(J1, J2, sizeof J1) != 0 || u1 != u2 || v1 != v2 || m1u != m2u || m1v != m2v;\n"
    "    bad |= memcmp(wb1, wb2, sizeof wb1) != 0 || xb1 != xb2 || yb1 != yb2;\n"
    "    bad |= f1 != f2 || g1[0] != g2[0] || g1[1] != g2[1] || p(x, y) != u_p(x, y);\n"
    "  }\n"
    "  if (bad) puts(\"split and unsplit outputs differ\");\n"
    "  return bad;\n"
    "}\n";

/* Emits src split after every `split` nodes and unsplit (prefix u_), and
 * runs the driver comparing the two with cc. */
static void compare_split(const char *tag, const char *src, const char *driver, int split, const char *cc,
                          const char *opt) {
  char flags[64];
  snprintf(flags, sizeof flags, "--split=%d", split);
  GenCase a, b;
  char tag_u[256];
  snprintf(tag_u, sizeof tag_u, "%s_u", tag);
  ht_generate(&a, tag, src, cc, flags);
  ht_generate(&b, tag_u, src, cc, "--split=0 --prefix=u_");
  ck_assert_msg(ht_sh("grep -q '_part2(' '%s'", a.gen) == 0, "%s: --split=%d made no parts", tag, split);
  ck_assert_msg(ht_sh("grep -q '_part1(' '%s'", b.gen) != 0, "%s: --split=0 made parts", tag);
  size_t n = strlen(driver) + 3000;
  char *text = malloc(n);
  snprintf(text, n, driver, a.header, b.header);
  ht_write(a.drv, text, strlen(text));
  free(text);
  char cmd[8000];
  snprintf(cmd, sizeof cmd,
           "%s -std=c99 -Wall -Wextra -Wpedantic -Werror %s -I'%s' -o '%s' '%s' '%s' '%s' -lm", cc, opt, ht_tmpdir(),
           a.exe, a.drv, a.gen, b.gen);
  ht_must_compile(&a, tag, "the split and unsplit files with the driver", cmd);
  ht_must_run(&a, tag, cc);
}

START_TEST(split_agrees_bitwise_gcc) { compare_split("split_gcc", mixed, mixed_driver, 6, "gcc", "-O1"); }
END_TEST

START_TEST(split_agrees_bitwise_clang) { compare_split("split_clang", mixed, mixed_driver, 9, "clang", "-O1"); }
END_TEST

/* Every part size from 1 node up: cuts fall before and after each branch,
 * loop and copy line. */
START_TEST(split_every_size) {
  char tag[32];
  snprintf(tag, sizeof tag, "split_size%d", _i);
  compare_split(tag, mixed, mixed_driver, _i, "gcc", "-O0");
}
END_TEST

/* Each sample split into small parts compiles warning-free as C (gcc,
 * clang, every --real) and C++, and passes --check. */
START_TEST(split_samples) {
  static const char *const samples[] = {"seed", "rosenbrock", "pendulum", "normal_nll", "logistic",
                                        "oscillator", "rosenbrock_n", "ba", "gmm"};
  const char *out = ht_path("split_sample.c");
  for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
    static const char *const flags[] = {"", "--real=float", "--real=long-double --static --line"};
    for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
      ck_assert_msg(ht_sh("'%s' --split=8 %s -o '%s' samples/%s.ad && gcc -std=c99 -Wall -Wextra -Wpedantic "
                          "-Werror -Wdouble-promotion -c '%s' -o /dev/null",
                          ht_adc(), flags[k], out, samples[i], out) == 0,
                    "%s.ad with --split=8 %s does not compile", samples[i], flags[k]);
    ck_assert_msg(ht_sh("'%s' --split=8 -o '%s' samples/%s.ad && "
                        "clang -std=c99 -Wall -Wextra -Wpedantic -Werror -c '%s' -o /dev/null && "
                        "g++ -x c++ -Wall -Wextra -Werror -c '%s' -o /dev/null",
                        ht_adc(), out, samples[i], out, out) == 0,
                  "%s.ad with --split=8 does not compile with clang or g++", samples[i]);
    ck_assert_msg(ht_sh("'%s' --split=8 --check samples/%s.ad >/dev/null", ht_adc(), samples[i]) == 0,
                  "%s.ad with --split=8 fails --check", samples[i]);
  }
}
END_TEST

/* A product of 5000 factors: above the default threshold, its gradient
 * passes more than 4096 values between parts (adc_v from malloc). */
START_TEST(split_default_large) {
  size_t cap = 300000;
  char *src = malloc(cap);
  size_t len = (size_t)snprintf(src, cap, "fn p(x, y) = (x + 1)");
  for (int i = 1; i < 5000; i++)
    len += (size_t)snprintf(src + len, cap - len, " * (%s + %d.5e-4)", i % 2 ? "y" : "x", i);
  snprintf(src + len, cap - len, ";\n");
  static const char *const driver =
      "#include <stdio.h>\n#include \"%s\"\n#include \"%s\"\n"
      "int main(void) {\n"
      "  int bad = 0;\n"
      "  for (int k = 0; k < 20; k++) {\n"
      "    double x = 0.01 * k - 0.1, y = -0.02 * k, g1[2], g2[2], xb = 0, yb = 0;\n"
      "    double f1 = p_grad(x, y, &g1[0], &g1[1]), f2 = u_p_grad(x, y, &g2[0], &g2[1]);\n"
      "    p_vjp(x, y, 1.0, &xb, &yb);\n"
      "    bad |= f1 != f2 || g1[0] != g2[0] || g1[1] != g2[1] || xb != g2[0] || yb != g2[1] || p(x, y) != f2;\n"
      "  }\n"
      "  if (bad) puts(\"split and unsplit outputs differ\");\n"
      "  return bad;\n"
      "}\n";
  compare_split("split_large", src, driver, 6000, "gcc", "-O0");
  GenCase g;
  ht_generate(&g, "split_large", src, "gcc", "");
  ck_assert_int_eq(ht_sh("grep -q 'malloc(sizeof(double)' '%s' && grep -q 'p_grad_part2(' '%s'", g.gen, g.gen), 0);
  ck_assert_msg(ht_sh("sed -n '/^double p(/,/^}/p' '%s' | grep -q 'free(adc_v);'", g.gen) == 0,
                "p does not take its adc_v from malloc");
  free(src);
}
END_TEST

/* The points at which the drivers below call q(n = 3, k = 2, a, B, c, y). */
#define Q_POINTS                                                                                   \
  "  for (int t = 0; t < 20; t++) {\n"                                                              \
  "    double a[3] = {0.3 - 0.05 * t, -0.7, 1.1}, B[4] = {0.2, 0.5 * t, -0.4, 0.9}, y = 1.3 - 0.1 * t;\n"

/* A long function with one result: its f_vjp adds f_bar times the gradient
 * f_grad stores (one reverse sweep in the file), for scalars and for arrays
 * of every shape, and so agrees exactly with f_bar times the unsplit
 * gradient; data gets nothing. */
START_TEST(split_vjp_from_grad) {
  static const char *const src =
      "fn q(a[n], B[2, k], const c, y) = a[0] * y + a[1] * B[0, 1] + sin(B[1, 0]) * B[0, 0] + c * y^3\n"
      "    + sum(i in 0..n, a[i]^2) * tanh(y);\n";
  static const char *const driver =
      "#include <stdio.h>\n#include \"%s\"\n#include \"%s\"\n"
      "int main(void) {\n"
      "  int bad = 0;\n"
      Q_POINTS
      "    double ga[3], gB[4], gy, va[3] = {1, 2, 3}, vB[4] = {-1, 0, 1, 2}, vy = 0.5, w = 0.7 - 0.11 * t;\n"
      "    u_q_grad(3, 2, a, B, 0.5, y, ga, gB, &gy);\n"
      "    q_vjp(3, 2, a, B, 0.5, y, w, va, vB, &vy);\n"
      "    for (int i = 0; i < 3; i++) bad |= va[i] != 1 + i + w * ga[i];\n"
      "    for (int i = 0; i < 4; i++) bad |= vB[i] != i - 1 + w * gB[i];\n"
      "    bad |= vy != 0.5 + w * gy;\n"
      "  }\n"
      "  if (bad) puts(\"f_vjp is not f_bar times the gradient\");\n"
      "  return bad;\n"
      "}\n";
  compare_split("split_vjp", src, driver, 6, "gcc", "-O0");
  GenCase g;
  ht_generate(&g, "split_vjp_text", src, "gcc", "--split=6");
  ck_assert_msg(ht_sh("sed -n '/^void q_vjp(/,/^}/p' '%s' | grep -q '(void)q_grad(n, k, a, B, c, y, "
                      "adc_g0, adc_g1, &adc_g3);'", g.gen) == 0,
                "q_vjp does not call q_grad");
  ck_assert_msg(ht_sh("sed -n '/^void q_vjp(/,/^}/p' '%s' | grep -q 'reverse sweep'", g.gen) != 0,
                "q_vjp has a reverse sweep of its own");
  ck_assert_int_eq(ht_sh("grep -q 'q_vjp_part' '%s'", g.gen), 1);
}
END_TEST

/* A long function with one result: f runs the parts of f_grad that make its
 * value (they take f's arguments: sizes, arrays, data), through one function
 * f_grad calls too, not a forward sweep of its own; its value is f_grad's and
 * the unsplit f's, bit for bit. A function with several results keeps its
 * own parts. */
START_TEST(split_fwd_from_grad) {
  static const char *const src =
      "fn q(a[n], B[2, k], const c, y) = a[0] * y + a[1] * B[0, 1] + sin(B[1, 0]) * B[0, 0] + c * y^3\n"
      "    + sum(i in 0..n, a[i]^2) * tanh(y) + exp(y * B[1, 1]) / (1 + a[2]^2);\n";
  static const char *const driver =
      "#include <stdio.h>\n#include \"%s\"\n#include \"%s\"\n"
      "int main(void) {\n"
      "  int bad = 0;\n"
      Q_POINTS
      "    double ga[3], gB[4], gy, f = q(3, 2, a, B, 0.5, y);\n"
      "    bad |= f != q_grad(3, 2, a, B, 0.5, y, ga, gB, &gy) || f != u_q(3, 2, a, B, 0.5, y);\n"
      "  }\n"
      "  if (bad) puts(\"f differs from f_grad's value or from the unsplit f\");\n"
      "  return bad;\n"
      "}\n";
  compare_split("split_fwd", src, driver, 6, "gcc", "-O0");
  GenCase g;
  ht_generate(&g, "split_fwd_text", src, "gcc", "--split=6");
  ck_assert_msg(ht_sh("sed -n '/^double q(/,/^}/p' '%s' > '%s.q' && grep -q '^  q_grad_forward(n, k, a, B, c, y, adc_v);$' "
                      "'%s.q' && grep -q '^  return adc_v[[][0-9]*[]];$' '%s.q'", g.gen, g.gen, g.gen, g.gen) == 0,
                "q does not run q_grad_forward");
  ck_assert_msg(ht_sh("grep -q 'z[0-9]' '%s.q'", g.gen) != 0, "q has lines of its own");
  ck_assert_msg(ht_sh("grep -q '^static ADC_NOINLINE void q_part' '%s'", g.gen) != 0, "q has parts of its own");
  ck_assert_msg(ht_sh("sed -n '/^double q_grad(/,/^}/p' '%s' | grep -q '^  q_grad_forward(n, k, a, B, c, y, adc_v);$'",
                      g.gen) == 0, "q_grad does not run q_grad_forward");
  const char *fwd = "sed -n '/^static void q_grad_forward(int n, int k, const double [*]a, const double [*]B, double c, "
                    "double y, double [*]adc_v) {$/,/^}/p' '%s' > '%s.fwd'";
  ck_assert_int_eq(ht_sh(fwd, g.gen, g.gen), 0);
  ck_assert_msg(ht_sh("grep -q '^  q_grad_part1(n, k, a, B, c, y, adc_v);$' '%s.fwd'", g.gen) == 0,
                "q_grad_forward does not run q_grad's first part with q's arguments");
  /* the parts q runs write no gradient: the reverse sweep starts after them */
  ck_assert_msg(ht_sh("n=$(grep -c '^  q_grad_part[0-9]*(' '%s.fwd'); test $n -ge 2 && "
                      "sed -n \"/^static ADC_NOINLINE void q_grad_part$n(/,/^}/p\" '%s' | grep -q 'double c, double y, double [*]adc_v) {$' && "
                      "! sed -n \"/^static ADC_NOINLINE void q_grad_part$n(/,/^}/p\" '%s' | grep -q '_bar'", g.gen, g.gen, g.gen) == 0,
                "the last part q runs is not a forward part");
  ht_generate(&g, "split_fwd_several", mixed, "gcc", "--split=6");
  ck_assert_msg(ht_sh("grep -q '^static ADC_NOINLINE void m_part1(' '%s'", g.gen) == 0,
                "m, with two results, does not keep its own parts");
}
END_TEST

/* A long function whose only storage would be logsumexp's weights is split
 * all the same, its reverse sweep taking each term's exponential again: the
 * gradient agrees with the unsplit one (which reads the weights) to a few
 * roundings, and a short function still reads them. */
START_TEST(split_logsumexp_weights) {
  static const char *const src =
      "fn r(v[n], x, y) = logsumexp(i in 0..n, v[i] * x) + sin(x * y) * cos(y) + x * y * (x + 1) * (y + 2) + tanh(x);\n";
  static const char *const driver =
      "#include <stdio.h>\n#include <math.h>\n#include \"%s\"\n#include \"%s\"\n"
      "int main(void) {\n"
      "  int bad = 0;\n"
      "  for (int t = 0; t < 20; t++) {\n"
      "    double v[4] = {0.3 - 0.05 * t, -0.7, 1.1, 0.2 * t}, x = 1.3 - 0.1 * t, y = 0.4 + 0.03 * t;\n"
      "    double g1[4], g2[4], gx1, gx2, gy1, gy2;\n"
      "    double f1 = r_grad(4, v, x, y, g1, &gx1, &gy1), f2 = u_r_grad(4, v, x, y, g2, &gx2, &gy2);\n"
      "    bad |= f1 != f2 || fabs(gx1 - gx2) > 1e-13 * (1 + fabs(gx2)) || fabs(gy1 - gy2) > 1e-13 * (1 + fabs(gy2));\n"
      "    for (int i = 0; i < 4; i++) bad |= fabs(g1[i] - g2[i]) > 1e-13;\n"
      "  }\n"
      "  if (bad) puts(\"split and unsplit gradients differ\");\n"
      "  return bad;\n"
      "}\n";
  compare_split("split_lse", src, driver, 8, "gcc", "-O1");
  GenCase g;
  ht_generate(&g, "split_lse_text", src, "gcc", "--split=8");
  ck_assert_msg(ht_sh("grep -q 'adc_t[0-9]' '%s'", g.gen) != 0, "the split gradient stores the weights");
  ht_generate(&g, "split_lse_whole", src, "gcc", "");
  ck_assert_msg(ht_sh("sed -n '/^double r_grad(/,/^}/p' '%s' | grep -q 'adc_t[0-9]*\\[2 \\* i'", g.gen) == 0,
                "the whole gradient does not read the stored weights");
}
END_TEST

/* "fn p(x, y) = (x + 1) * (y + 1.5) * (x + 2.5) ...", n factors. */
static void factors(char *src, size_t size, int n) {
  size_t len = (size_t)snprintf(src, size, "fn p(x, y) = (x + 1)");
  for (int i = 1; i < n; i++)
    len += (size_t)snprintf(src + len, size - len, " * (%s + %d.5)", i % 2 ? "y" : "x", i);
  snprintf(src + len, size - len, ";\n");
}

/* Parameters and one operation on them (the factors x + c) are made again
 * in each part that reads them: never stored into adc_v, defined in several
 * parts; the product's running values still pass through adc_v. */
START_TEST(split_remakes_cheap_values) {
  char src[4096];
  factors(src, sizeof src, 40);
  GenCase g;
  ht_generate(&g, "split_remade", src, "gcc", "--split=10");
  const char *defs = "grep -o 'const double z[0-9]* = [xy] [-+] [0-9.]*;' '%s' | awk '{print $3}'";
  const char *stores = "grep -o 'adc_v\\[[0-9]*\\] = z[0-9]*;' '%s' | awk '{print $3}' | tr -d ';'";
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s | sort -u > '%s.defs'; %s | sort -u > '%s.stores'", defs, g.gen, stores, g.gen);
  ck_assert_int_eq(ht_sh(cmd, g.gen, g.gen, g.gen, g.gen), 0);
  ck_assert_msg(ht_sh("test -s '%s.defs' && test -s '%s.stores'", g.gen, g.gen) == 0, "no factors or no stores");
  ck_assert_msg(ht_sh("test -z \"$(comm -12 '%s.defs' '%s.stores')\"", g.gen, g.gen) == 0,
                "a factor passes through adc_v");
  snprintf(cmd, sizeof cmd, "test $(%s | wc -l) -gt $(%s | sort -u | wc -l)", defs, defs);
  ck_assert_msg(ht_sh(cmd, g.gen, g.gen) == 0, "no factor is made in two parts");
}
END_TEST

/* A product of 120 factors in parts of 40 nodes. */
static void product_in_parts(GenCase *g, const char *tag) {
  char src[8192];
  factors(src, sizeof src, 120);
  ht_generate(g, tag, src, "gcc", "--split=40");
}

/* No part stores into neighbouring slots of adc_v (gcc -O2 spends long
 * looking for vectors in such runs of stores); the slots stay dense. */
START_TEST(split_stores_not_neighbours) {
  GenCase g;
  product_in_parts(&g, "split_stores");
  /* per function: its stores' slots; "many" if a part stores three or
   * more, "next" if two of them are neighbours */
  const char *awk =
      "awk '/^[a-z].*[(]/ { delete s } "
      "/adc_v[[][0-9]*[]] = / { match($0, /[[][0-9]*/); k = substr($0, RSTART + 1, RLENGTH - 1) + 0; "
      "n[FILENAME]++; s[k] = 1; c++; if ((k - 1) in s || (k + 1) in s) print \"next\", $0; "
      "if (c >= 3) print \"many\" } /^}/ { c = 0 }' '%s' | sort -u > '%s.found'";
  ck_assert_int_eq(ht_sh(awk, g.gen, g.gen), 0);
  ck_assert_msg(ht_sh("grep -q '^many' '%s.found'", g.gen) == 0, "no part stores three values");
  ck_assert_msg(ht_sh("! grep -q '^next' '%s.found'", g.gen) == 0, "a part stores into neighbouring slots");
  /* dense: f_grad's adc_v has hardly more places than values stored */
  ck_assert_msg(ht_sh("sed -n '/^static ADC_NOINLINE void p_grad_part1(/,/^}/p; /^static ADC_NOINLINE void p_grad_part[0-9]*(/,/^}/p; /^double p_grad(/,/^}/p' '%s' > '%s.grad'; "
                      "n=$(grep -o 'adc_v[[][0-9]*[]] = ' '%s.grad' | sort -u | wc -l); "
                      "m=$(grep -o 'double adc_v[[][0-9]*' '%s.grad' | tr -dc 0-9); "
                      "test \"$n\" -gt 10 && test \"$m\" -le $((n + n / 8 + 1))",
                      g.gen, g.gen, g.gen, g.gen) == 0,
                "adc_v has unused slots");
}
END_TEST

/* Parts read a value from adc_v just before the line that first uses it,
 * and store a value right after the line that makes it: each value is live
 * in registers only as long as it is used (gcc -O2's register allocation
 * and scheduling took a third longer with all of a part's reads at its
 * start and its stores at its end). Prints "early read z" or "late store
 * z" for a line out of place, "n" per read and store line. */
static const char *const read_where_used_awk =
    "awk 'function word(s, w) { return s ~ (\"(^|[^A-Za-z0-9_])\" w \"([^A-Za-z0-9_]|$)\") } "
    "/^ *const (double|int) [A-Za-z0-9_]+ = adc_v[[][0-9]+[]]/ { pend[++np] = $3; print \"n\"; next } "
    "/^ *const (double|int) [A-Za-z0-9_]+ = [^z]*;/ && np { next } " /* remade: read too */
    "/^ *free[(]adc_v[)];$/ { next } "
    "/^ *adc_v[[][0-9]+[]] = [A-Za-z0-9_]+;$/ { v = $3; sub(/;/, \"\", v); print \"n\"; "
    "  if (v != def) print \"late store\", v; next } "
    "{ for (i = 1; i <= np; i++) if (!word($0, pend[i])) print \"early read\", pend[i]; np = 0; "
    "  def = \"\"; if ($0 ~ /^ *const (double|int) [A-Za-z0-9_]+ = /) def = $3 }' '%s' > '%s.found'";

START_TEST(split_reads_where_used) {
  static const char *const dag =
      "fn f(x, y) {\n  let t2 = x * y + 1;\n  let t3 = sin(x) - t2;\n  let t4 = t2 * 0.5 + cos(t3);\n"
      "  let t5 = tanh(y - t4);\n  let t6 = t3 * t5 + 2;\n  let t7 = sin(t4) - t6;\n"
      "  let t8 = t2 * 0.5 + cos(t7);\n  let t9 = tanh(t5 - t8);\n  return t9 * t6;\n}\n";
  char prod[4096];
  factors(prod, sizeof prod, 40);
  const char *const srcs[] = {dag, prod}, *const opts[] = {"--split=6", "--split=10"};
  for (int k = 0; k < 2; k++) {
    GenCase g;
    ht_generate(&g, k ? "split_reads_prod" : "split_reads_dag", srcs[k], "gcc", opts[k]);
    ck_assert_int_eq(ht_sh(read_where_used_awk, g.gen, g.gen), 0);
    ck_assert_msg(ht_sh("test $(grep -c '^n$' '%s.found') -gt 20", g.gen) == 0, "%s: few reads and stores", opts[k]);
    ck_assert_msg(ht_sh("! grep -v '^n$' '%s.found'", g.gen) == 0, "%s: a read or store is out of place", opts[k]);
  }
}
END_TEST

/* Each part stays a function of its own under gcc -O2 (called once, it was
 * inlined into its caller, which grew long again): the object has them all. */
START_TEST(split_parts_not_inlined) {
  GenCase g;
  product_in_parts(&g, "split_noinline");
  ck_assert_msg(ht_sh("test $(grep -c '^static ADC_NOINLINE void p_grad_part[0-9]*(' '%s') -ge 5", g.gen) == 0,
                "few parts");
  ck_assert_msg(ht_sh("gcc -std=c99 -O2 -c -o '%s.o' '%s' && "
                      "test $(nm '%s.o' | grep -c ' t p_grad_part[0-9]*\\(\\.\\|$\\)') -eq "
                      "$(grep -c '^static ADC_NOINLINE void p_grad_part[0-9]*(' '%s')",
                      g.gen, g.gen, g.gen, g.gen) == 0,
                "gcc -O2 inlined a part");
  ck_assert_msg(ht_sh("tail -n 1 '%s' | grep -qx '#undef ADC_NOINLINE'", g.gen) == 0,
                "the file leaves its macro defined");
}
END_TEST

START_TEST(split_bad_option) {
  char *err = NULL;
  const char *argv[] = {"adc", "--split=many", "samples/seed.ad", NULL};
  ck_assert_int_eq(ht_run_adc(&err, argv), 2);
  ck_assert_str_eq(err, "adc: error: --split needs a number of nodes from 0 to 100000000, not 'many'\n"
                        "Try 'adc --help' for more information.\n");
  free(err);
}
END_TEST

Suite *suite_split(void) {
  Suite *s = suite_create("split");
  TCase *t = tcase_create("split");
  tcase_set_timeout(t, 300);
  tcase_add_test(t, split_agrees_bitwise_gcc);
  tcase_add_test(t, split_agrees_bitwise_clang);
  tcase_add_loop_test(t, split_every_size, 1, 5);
  tcase_add_test(t, split_samples);
  tcase_add_test(t, split_default_large);
  tcase_add_test(t, split_vjp_from_grad);
  tcase_add_test(t, split_fwd_from_grad);
  tcase_add_test(t, split_remakes_cheap_values);
  tcase_add_test(t, split_stores_not_neighbours);
  tcase_add_test(t, split_reads_where_used);
  tcase_add_test(t, split_parts_not_inlined);
  tcase_add_test(t, split_logsumexp_weights);
  tcase_add_test(t, split_bad_option);
  suite_add_tcase(s, t);
  return s;
}
