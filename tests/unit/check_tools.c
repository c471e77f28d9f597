/* check_tools.c - what users do around the compiler: install it (binary,
 * man page, adc.mk), and build C projects that generate their gradients
 * with make (through adc.mk) and with CMake (add_custom_command). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* make install / uninstall into a DESTDIR; the installed adc runs, the man
 * page renders without a warning, and uninstall leaves nothing behind. */
START_TEST(install_and_uninstall) {
  const char *dest = ht_path("destdir");
  ck_assert_int_eq(ht_sh("rm -rf '%s' && make -s install DESTDIR='%s' PREFIX=/usr ADC='%s' >/dev/null", dest,
                         dest, ht_adc()),
                   0);
  ck_assert_int_eq(ht_sh("'%s/usr/bin/adc' --version | grep -q '^adc 0'", dest), 0);
  ck_assert_int_eq(ht_sh("test -f '%s/usr/include/adc.mk' && test -f '%s/usr/share/man/man1/adc.1'", dest, dest),
                   0);
  ck_assert_int_eq(ht_sh("groff -man -ww -z '%s/usr/share/man/man1/adc.1' 2>&1 | grep -q . && exit 1 || exit 0",
                         dest),
                   0);
  ck_assert_int_eq(ht_sh("make -s uninstall DESTDIR='%s' PREFIX=/usr ADC='%s' >/dev/null && "
                         "test -z \"$(find '%s' -type f)\"",
                         dest, ht_adc(), dest),
                   0);
}
END_TEST

/* The man page names every option of --help. */
START_TEST(man_page_has_every_option) {
  static const char *const options[] = {"\\-o", "\\-\\-output", "\\-\\-header", "\\-\\-emit", "\\-\\-prefix",
                                        "\\-\\-static", "\\-O0", "\\-O1", "\\-\\-help", "\\-\\-version",
                                        "\\-\\-check", "\\-\\-line", "\\-\\-eval", "\\-\\-real",
                                        "\\-\\-modes"};
  char *man = ht_slurp("doc/adc.1", NULL);
  ck_assert_ptr_nonnull(man);
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
    ck_assert_msg(strstr(man, options[i]) != NULL, "doc/adc.1 does not mention %s", options[i]);
  free(man);
}
END_TEST

/* samples/integration with make: adc.mk's rule generates both files. */
START_TEST(integration_with_make) {
  const char *dir = ht_path("integration_make");
  char *root = getcwd(NULL, 0);
  ck_assert_int_eq(ht_sh("rm -rf '%s' && cp -r samples/integration '%s' && rm -f '%s'/*_grad.[ch] && "
                         "make -s -C '%s' ADC='%s' ADC_MK='%s/adc.mk' >/dev/null && '%s/integration' >/dev/null",
                         dir, dir, dir, dir, ht_adc(), root, dir),
                   0);
  free(root);
}
END_TEST

/* The same project through an installed adc.mk, found by 'include adc.mk'. */
START_TEST(integration_with_installed_mk) {
  const char *dest = ht_path("destdir_mk"), *dir = ht_path("integration_inst");
  ck_assert_int_eq(ht_sh("rm -rf '%s' '%s' && make -s install DESTDIR='%s' PREFIX=/usr ADC='%s' >/dev/null", dest,
                         dir, dest, ht_adc()),
                   0);
  ck_assert_int_eq(ht_sh("cp -r samples/integration '%s' && rm -f '%s'/*_grad.[ch] && "
                         "make -s -C '%s' -I '%s/usr/include' ADC='%s/usr/bin/adc' ADC_MK=adc.mk >/dev/null && "
                         "'%s/integration' >/dev/null",
                         dir, dir, dir, dest, dest, dir),
                   0);
}
END_TEST

/* samples/integration with CMake: add_custom_command per .ad file. */
START_TEST(integration_with_cmake) {
  const char *dir = ht_path("integration_cmake");
  ck_assert_int_eq(ht_sh("rm -rf '%s' && cmake -S samples/integration -B '%s' -DADC='%s' >/dev/null && "
                         "cmake --build '%s' >/dev/null && '%s/integration' >/dev/null",
                         dir, dir, ht_adc(), dir, dir),
                   0);
}
END_TEST

/* adc --check passes on every sample. */
static const char *const samples[] = {"seed", "rosenbrock", "pendulum", "normal_nll", "rosenbrock_n",
                                      "logistic", "laplace", "oscillator", "ba", "gmm"};

START_TEST(check_passes_on_samples) {
  int st;
  char *out = ht_capture(&st, "TMPDIR='%s' '%s' --check samples/%s.ad", ht_tmpdir(), ht_adc(), samples[_i]);
  ck_assert_msg(st == 0, "%s", out);
  ck_assert_ptr_nonnull(strstr(out, "all derivatives agree"));
  free(out);
}
END_TEST

/* With --modes=all: f_jvp, f_hvp and f_hess checked too. */
START_TEST(check_passes_on_samples_all_modes) {
  int st;
  char *out = ht_capture(&st, "TMPDIR='%s' '%s' --modes=all --check samples/%s.ad", ht_tmpdir(), ht_adc(), samples[_i]);
  ck_assert_msg(st == 0, "%s", out);
  ck_assert_ptr_nonnull(strstr(out, "all derivatives agree"));
  ck_assert_msg(strstr(out, "         -  ") == NULL || strcmp(samples[_i], "ba") == 0, "a column not checked:\n%s", out);
  free(out);
}
END_TEST

/* A wrong second derivative planted in f_hvp (the tangent of cos(x0)'s
 * term with its sign turned): the hvp and hess columns fail. */
START_TEST(check_catches_a_planted_second_order_error) {
  const char *dir = ht_path("planted2");
  ck_assert_int_eq(ht_sh("rm -rf '%s' && mkdir '%s' && cd '%s' && '%s' --modes=hvp,hess ../../../samples/seed.ad && "
                         "'%s' --modes=hvp,hess --emit=check ../../../samples/seed.ad && "
                         "grep -q \"'adc --modes=hvp,hess seed.ad'\" seed_check.c && " /* how to make what it checks */
                         "gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -o ok seed_check.c -lm && ./ok >/dev/null && "
                         "grep -q 'z8 - z9' seed_grad.c && sed -i 's/z8 - z9/z8 + z9/' seed_grad.c && "
                         "gcc -std=c99 -o bad seed_check.c -lm",
                         dir, dir, dir, ht_adc(), ht_adc()),
                   0);
  int st;
  char *out = ht_capture(&st, "cd '%s' && ./bad", dir);
  ck_assert_int_eq(st, 1);
  ck_assert_ptr_nonnull(strstr(out, "FAIL"));
  ck_assert_msg(strstr(out, "hvp") && strstr(out, "hess"), "%s", out);
  free(out);
}
END_TEST

/* A wrong derivative planted in the emitted code: the check program fails,
 * and says where. --emit=check's default name is STEM_check.c, and the
 * program compiles cleanly. */
START_TEST(check_catches_a_planted_error) {
  const char *dir = ht_path("planted");
  ck_assert_int_eq(ht_sh("rm -rf '%s' && mkdir '%s' && cd '%s' && '%s' ../../../samples/seed.ad && "
                         "'%s' --emit=check ../../../samples/seed.ad && test -f seed_check.c && "
                         "gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -o ok seed_check.c -lm && ./ok >/dev/null",
                         dir, dir, dir, ht_adc(), ht_adc()),
                   0);
  /* d sin(x0)/dx0 = cos(x0) in the reverse sweep of f_grad and f_vjp becomes sin */
  ck_assert_int_eq(ht_sh("cd '%s' && grep -q 'cos(z0)' seed_grad.c && sed -i 's/cos(z0)/sin(z0)/' seed_grad.c && "
                         "gcc -std=c99 -o bad seed_check.c -lm",
                         dir),
                   0);
  int st;
  char *out = ht_capture(&st, "cd '%s' && ./bad", dir);
  ck_assert_int_eq(st, 1);
  ck_assert_ptr_nonnull(strstr(out, "FAIL"));
  ck_assert_ptr_nonnull(strstr(out, "df/dx0"));
  free(out);
}
END_TEST

/* A function the central differences cannot judge (a logistic map run 60
 * steps: chaotic, its derivative about 1e17) is inconclusive there, not a
 * failure: the gradient is right, the differences are not. The check
 * program's own names (h, x, e, k, check0, ...) never clash with the
 * functions it checks. */
START_TEST(check_ill_conditioned_and_names) {
  const char *src = "fn chaos(x) { let y = 0.3 + 0.4 * tanh(x); for i in 0..60 { y = 3.9 * y * (1 - y); } return y; }\n"
                    "fn h(x, e) = x * sin(e);\nfn adc_check0(k) = exp(k);\n";
  ht_write(ht_path("chaos.ad"), src, strlen(src));
  int st;
  char *out = ht_capture(&st, "TMPDIR='%s' '%s' --check '%s'", ht_tmpdir(), ht_adc(), ht_path("chaos.ad"));
  ck_assert_msg(st == 0, "%s", out);
  ck_assert_ptr_nonnull(strstr(out, "inconclusive: the differences disagree, ill-conditioned"));
  ck_assert_ptr_nonnull(strstr(out, "all derivatives agree"));
  free(out);
}
END_TEST

/* --check-sizes and --check-at: the sizes and the point the test takes;
 * a wrong shape, an unknown name or the options without --check are errors. */
START_TEST(check_at_a_point) {
  int st;
  char *out = ht_capture(&st, "TMPDIR='%s' '%s' --check --check-sizes 'K=4, D=3, N=5' samples/gmm.ad", ht_tmpdir(),
                         ht_adc());
  ck_assert_msg(st == 0 && strstr(out, "gmm                  12"), "%s", out);
  free(out);
  out = ht_capture(&st, "TMPDIR='%s' '%s' --check --check-at 'x=[0.5, -1, 2, 0.3, 1]' samples/rosenbrock_n.ad",
                   ht_tmpdir(), ht_adc());
  ck_assert_msg(st == 0 && strstr(out, "rosenbrock_n          1") && strstr(out, "at the point given"), "%s", out);
  free(out);
  static const char *const bad[][2] = {
      {"--check --check-at 'x=1' samples/rosenbrock_n.ad", "'x' needs 3 values, as [...]; 0 given"},
      {"--check --check-sizes 'n=-1' samples/rosenbrock_n.ad", "the size 'n' must be a non-negative integer"},
      {"--check --check-at 'zz=1' samples/seed.ad", "'zz' is not a parameter or size of any function"},
      {"--check-at 'x0=1' samples/seed.ad", "--check-sizes and --check-at go with --check or --emit=check"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    out = ht_capture(&st, "'%s' %s 2>&1", ht_adc(), bad[k][0]);
    ck_assert_msg(st == 2 && strstr(out, bad[k][1]), "%s: %s", bad[k][0], out);
    free(out);
  }
}
END_TEST

/* --check without a working compiler is an I/O-like failure: exit 2. */
START_TEST(check_without_compiler) {
  int st;
  char *out = ht_capture(&st, "CC=/nonexistent/cc '%s' --check samples/seed.ad 2>&1", ht_adc());
  ck_assert_int_eq(st, 2);
  ck_assert_ptr_nonnull(strstr(out, "did not build"));
  free(out);
}
END_TEST

/* --line: each statement is preceded by the .ad line it comes from, the
 * output still compiles cleanly, and without --line there is none. */
START_TEST(line_directives) {
  int st;
  char *out = ht_capture(&st, "'%s' --line -o - samples/pendulum.ad", ht_adc());
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(strstr(out, "#line 8 \"samples/pendulum.ad\"\n  const double"));
  free(out);
  ck_assert_int_eq(ht_sh("'%s' --line -o %s samples/gmm.ad && gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -c "
                         "-o %s %s",
                         ht_adc(), ht_path("line.c"), ht_path("line.o"), ht_path("line.c")),
                   0);
  out = ht_capture(&st, "'%s' -o - samples/pendulum.ad | grep -c '#line'", ht_adc());
  ck_assert_str_eq(out, "0\n");
  free(out);
}
END_TEST

/* --eval: the interpreter's values and gradients, without a C compiler. */
static const struct {
  const char *args, *file, *want[4];
} evals[] = {
    {"x0=0.6, x1=1.4", "samples/seed.ad",
     {"f(x0 = 0.6, x1 = 1.4) = 1.1292849467900707\n", "df/dx0 = 2.215313703214392\n", "df/dx1 = 0.5646424733950354\n"}},
    {"x=[0.5, -1, 2, 0.3]", "samples/rosenbrock_n.ad", {"drosenbrock_n/dx = [249.0, 146.0, 3162.0, -740.0]\n"}},
    {"alphas=[0.1,0.2], means=[1,2,3,4], icf=[0.1,0.2,0.3,0.4,0.5,0.6], x=[1,1,2,2,3,3], gamma=1, m=0",
     "samples/gmm.ad", {") = 0.24012510922054808\n", "dgmm/dalphas = [0.6052924864369508, -0.605292486436951]"}},
    {"cam=[-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673, 419.194514, 5.864426, -8.518870,"
     " 0.087812, 0.002739], X=[7.203245, 0.001144, 3.023326], w=0.417022, feat=[271.760969, 834.209256]",
     "samples/ba.ad", {"ex = 0.10133583791443775\n", "ey = -0.0689677659243", "dex/dw = 0.242998781633"}},
    /* the Hessian with --modes' hess: by hand, 2 - 400 (y - 3 x^2), -400 x, 200 */
    {"x=0.6, y=1.4", "--modes=hess samples/rosenbrock.ad",
     {"d2rosen (rows and columns x, y) =\n    [-126.0, -240.0]\n    [-240.0, 200.0]\n"}},
    {"x=[0.5, -1, 2, 0.3]", "--modes=grad,hess samples/rosenbrock_n.ad",
     {"drosenbrock_n/dx = [249.0, 146.0, 3162.0, -740.0]\n", "d2rosenbrock_n (rows and columns x[0..3]) =\n"
      "    [702.0, -200.0, 0.0, 0.0]\n    [-200.0, 602.0, 400.0, 0.0]\n    [0.0, 400.0, 4882.0, -800.0]\n"
      "    [0.0, 0.0, -800.0, 200.0]\n"}},
};

START_TEST(eval_prints_values_and_gradients) {
  int st;
  char *out = ht_capture(&st, "'%s' --eval '%s' %s", ht_adc(), evals[_i].args, evals[_i].file);
  ck_assert_int_eq(st, 0);
  for (int k = 0; k < 4 && evals[_i].want[k]; k++)
    ck_assert_msg(strstr(out, evals[_i].want[k]) != NULL, "no '%s' in:\n%s", evals[_i].want[k], out);
  free(out);
}
END_TEST

/* Bad assignments: a clear message and exit 2. */
static const struct {
  const char *args, *file, *want;
} bad_evals[] = {
    {"x0=0.6 x1=1.4", "samples/seed.ad", "expected ',' between assignments at 'x1=1.4'"},
    {"x0=0.6, x1=", "samples/seed.ad", "expected a number or '['"},
    {"x0=1, x1=[1, 2]", "samples/seed.ad", "f: 'x1' is a number, not an array"},
    {"x0=1, x1=2, y=3", "samples/seed.ad", "'y' is not a parameter or size of any function that could run"},
    {"x0=1", "samples/seed.ad", "no function has a value for each of its parameters"},
    {"x=[1, 2", "samples/rosenbrock_n.ad", "expected ',' or ']'"},
    {"x=[1, 2], n=3", "samples/rosenbrock_n.ad", "'x' needs 3 values, as [...]; 2 given"},
    {"w=[1], X=[1, 2, 3], y=[1, 2, 3, 4]", "samples/logistic.ad", "needs 3 values"},
    {"x0=1, x0=2", "samples/seed.ad", "a name is given twice"},
};

START_TEST(eval_rejects_bad_assignments) {
  int st;
  char *out = ht_capture(&st, "'%s' --eval '%s' %s 2>&1", ht_adc(), bad_evals[_i].args, bad_evals[_i].file);
  ck_assert_int_eq(st, 2);
  ck_assert_msg(strstr(out, bad_evals[_i].want) != NULL, "no '%s' in:\n%s", bad_evals[_i].want, out);
  free(out);
}
END_TEST

/* --real=float and long-double: every sample compiles cleanly, with no
 * silent promotion to double (-Wdouble-promotion). */
START_TEST(real_types_compile_cleanly) {
  const char *type = _i < 9 ? "float" : "long-double";
  const char *s = samples[_i % 9];
  ck_assert_int_eq(ht_sh("'%s' --real=%s --header -o %s samples/%s.ad && gcc -std=c99 -Wall -Wextra -Wpedantic "
                         "-Werror -Wdouble-promotion -c -o %s %s && g++ -x c++ -Wall -Wextra -Werror -c -o %s %s",
                         ht_adc(), type, ht_path("real.c"), s, ht_path("real.o"), ht_path("real.c"),
                         ht_path("realxx.o"), ht_path("real.c")),
                   0);
}
END_TEST

/* Their values and gradients agree with double's to their precision. */
START_TEST(real_types_agree_with_double) {
  const char *src = "fn f(x[n], c) = logsumexp(i in 0..n, c * sin(x[i]) + x[i]^2) + prod(i in 0..n, 1 + x[i] / 4);\n";
  ht_write(ht_path("rt.ad"), src, strlen(src));
  ck_assert_int_eq(ht_sh("cd '%s' && '%s' --prefix=d_ -o rt_d.c rt.ad && '%s' --real=float --prefix=f_ -o rt_f.c rt.ad "
                         "&& '%s' --real=long-double --prefix=l_ -o rt_l.c rt.ad",
                         ht_tmpdir(), ht_adc(), ht_adc(), ht_adc()),
                   0);
  const char *drv =
      "#include <math.h>\n#include <stdio.h>\n"
      "double d_f_grad(int, const double *, double, double *, double *);\n"
      "float f_f_grad(int, const float *, float, float *, float *);\n"
      "long double l_f_grad(int, const long double *, long double, long double *, long double *);\n"
      "int main(void) { double x[4] = {0.3, -0.7, 1.1, 0.4}, g[4], gc; float xf[4], gf[4], gcf;\n"
      "  long double xl[4], gl[4], gcl; for (int i = 0; i < 4; i++) { xf[i] = (float)x[i]; xl[i] = x[i]; }\n"
      "  double v = d_f_grad(4, x, 0.8, g, &gc); float vf = f_f_grad(4, xf, 0.8f, gf, &gcf);\n"
      "  long double vl = l_f_grad(4, xl, 0.8L, gl, &gcl);\n"
      "  int bad = fabs(v - (double)vf) > 1e-5 * fabs(v) || fabsl(vl - v) > 1e-14L * fabsl(vl);\n"
      "  for (int i = 0; i < 4; i++) bad |= fabs(g[i] - (double)gf[i]) > 1e-4 * (1 + fabs(g[i])) ||\n"
      "                                  fabsl(gl[i] - g[i]) > 1e-13L * (1 + fabsl(gl[i]));\n"
      "  bad |= fabs(gc - (double)gcf) > 1e-4 * (1 + fabs(gc));\n"
      "  if (bad) printf(\"%.17g %.9g %.20Lg\\n\", v, (double)vf, vl);\n  return bad; }\n";
  ht_write(ht_path("rt_drv.c"), drv, strlen(drv));
  ck_assert_int_eq(ht_sh("cd '%s' && gcc -std=c99 -Wall -Werror -o rt rt_drv.c rt_d.c rt_f.c rt_l.c -lm && ./rt",
                         ht_tmpdir()),
                   0);
}
END_TEST

/* --emit=dot for people: loops framed, arrays and sizes by name, adjoint
 * boxes and edges marked; Graphviz reads it when it is installed. */
START_TEST(dot_for_people) {
  int st;
  char *out = ht_capture(&st, "'%s' --emit=dot samples/rosenbrock_n.ad", ht_adc());
  ck_assert_int_eq(st, 0);
  static const char *const want[] = {"label=\"z1 = x[]\"", "label=\"z0 = n\"", "label=\"z6 = x[z3]\"",
                                     "x_bar[z15] += z26", "label=\"z14 = sum(z13)\"", "for i0 in 0..z2",
                                     "for i1 in 0..z2, backwards", "style=dashed", "label=\"result\""};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    ck_assert_msg(strstr(out, want[i]) != NULL, "no %s", want[i]);
  free(out);
  ck_assert_int_eq(ht_sh("command -v dot >/dev/null || exit 0; for s in seed ba gmm oscillator; do "
                         "'%s' --emit=dot samples/$s.ad | dot -Tsvg -o /dev/null || exit 1; done",
                         ht_adc()),
                   0);
}
END_TEST

Suite *suite_tools(void) {
  Suite *s = suite_create("tools");
  TCase *tc = tcase_create("install");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, install_and_uninstall);
  tcase_add_test(tc, man_page_has_every_option);
  tcase_add_test(tc, integration_with_make);
  tcase_add_test(tc, integration_with_installed_mk);
  tcase_add_test(tc, integration_with_cmake);
  tcase_add_loop_test(tc, check_passes_on_samples_all_modes, 0, (int)(sizeof samples / sizeof samples[0]));
  tcase_add_test(tc, check_catches_a_planted_second_order_error);
  tcase_add_loop_test(tc, check_passes_on_samples, 0, (int)(sizeof samples / sizeof samples[0]));
  tcase_add_test(tc, check_catches_a_planted_error);
  tcase_add_test(tc, check_without_compiler);
  tcase_add_test(tc, check_ill_conditioned_and_names);
  tcase_add_test(tc, check_at_a_point);
  tcase_add_test(tc, line_directives);
  tcase_add_loop_test(tc, eval_prints_values_and_gradients, 0, (int)(sizeof evals / sizeof evals[0]));
  tcase_add_loop_test(tc, real_types_compile_cleanly, 0, 18);
  tcase_add_test(tc, real_types_agree_with_double);
  tcase_add_test(tc, dot_for_people);
  tcase_add_loop_test(tc, eval_rejects_bad_assignments, 0, (int)(sizeof bad_evals / sizeof bad_evals[0]));
  suite_add_tcase(s, tc);
  return s;
}
