/* check_cli.c - the command line: options, exit codes, default paths,
 * nothing written on errors, determinism; and emitted names. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static const char *SEED = "# seed\nfn f(x0, x1) = sin(x0) * (x0 + x1);\n";

static char *adc_out(int *status, const char *args) {
  return ht_capture(status, "cd '%s' && '%s' %s 2>&1", ht_tmpdir(), ht_adc(), args);
}

START_TEST(help_and_version) {
  int st;
  char *out = adc_out(&st, "--help");
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(strstr(out, "Usage: adc [OPTIONS] FILE.ad"));
  ck_assert_ptr_nonnull(strstr(out, "--emit=KIND"));
  free(out);
  out = adc_out(&st, "-h");
  ck_assert_int_eq(st, 0);
  free(out);
  out = adc_out(&st, "--version");
  ck_assert_int_eq(st, 0);
  ck_assert_str_eq(out, "adc " ADC_VERSION "\n");
  free(out);
}
END_TEST

static const struct {
  const char *args, *want;
} usage_errors[] = {
    {"--frobnicate seed.ad", "adc: error: unknown option '--frobnicate'"},
    {"", "adc: error: no input file"},
    {"a.ad b.ad", "adc: error: more than one input file ('b.ad')"},
    {"--emit=asm seed.ad", "adc: error: unknown --emit kind 'asm'"},
    {"--modes=grad,hessian seed.ad", "adc: error: unknown mode 'hessian' in --modes (grad, vjp, jac, jvp, hvp, hess, all)"},
    {"--modes= seed.ad", "adc: error: unknown mode '' in --modes"},
    {"--modes=grad,,vjp seed.ad", "adc: error: unknown mode '' in --modes"},
    {"--prefix=9x seed.ad", "adc: error: --prefix must start a C identifier"},
    {"-o", "adc: error: option '-o' needs a path"},
    {"does-not-exist.ad", "adc: error: cannot read 'does-not-exist.ad': No such file or directory"},
    {"seed.ad -o no-such-dir/out.c", "adc: error: cannot write 'no-such-dir/out.c'"},
};

START_TEST(usage_errors_exit_2) {
  ht_write(ht_path("seed.ad"), SEED, strlen(SEED));
  int st;
  char *out = adc_out(&st, usage_errors[_i].args);
  ck_assert_int_eq(st, 2);
  ck_assert_msg(strstr(out, usage_errors[_i].want) != NULL, "got: %s", out);
  free(out);
}
END_TEST

START_TEST(default_output_in_current_directory) {
  ht_sh("mkdir -p '%s/in' && rm -f '%s/seed_grad.c' '%s/seed_grad.h'", ht_tmpdir(), ht_tmpdir(),
        ht_tmpdir());
  ht_write(ht_path("in/seed.ad"), SEED, strlen(SEED));
  int st;
  char *out = adc_out(&st, "in/seed.ad --header");
  ck_assert_int_eq(st, 0);
  ck_assert_str_eq(out, "");
  free(out);
  ck_assert_int_eq(access(ht_path("seed_grad.c"), F_OK), 0);
  ck_assert_int_eq(access(ht_path("seed_grad.h"), F_OK), 0);
  ck_assert_int_ne(access(ht_path("in/seed_grad.c"), F_OK), 0);
}
END_TEST

START_TEST(header_beside_output) {
  ht_sh("mkdir -p '%s/out'", ht_tmpdir());
  ht_write(ht_path("seed.ad"), SEED, strlen(SEED));
  int st;
  free(adc_out(&st, "seed.ad -o out/g.c --header"));
  ck_assert_int_eq(st, 0);
  char *h = ht_slurp(ht_path("out/g.h"), NULL);
  ck_assert_ptr_nonnull(h);
  ck_assert_ptr_nonnull(strstr(h, "#ifndef ADC_G_H"));
  ck_assert_ptr_nonnull(strstr(h, "extern \"C\""));
  ck_assert_ptr_nonnull(strstr(h, "double f_grad(double x0, double x1, double *x0_bar, double *x1_bar);"));
  ck_assert_ptr_nonnull(strstr(h, "void f_vjp(double x0, double x1, double f_bar, double *x0_bar, double *x1_bar);"));
  free(h);
}
END_TEST

START_TEST(emit_kinds_to_stdout) {
  ht_write(ht_path("seed.ad"), SEED, strlen(SEED));
  int st;
  char *out = adc_out(&st, "--emit=ssa seed.ad");
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(strstr(out, "  z2 = sin(z0)"));
  ck_assert_ptr_nonnull(strstr(out, "  z4 = z2 * z3"));
  free(out);
  out = adc_out(&st, "--emit=dot seed.ad");
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(strstr(out, "digraph adc {"));
  ck_assert_ptr_nonnull(strstr(out, "z3 = z0 + z1"));
  free(out);
  out = adc_out(&st, "--emit=header -o - seed.ad");
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(strstr(out, "double f(double x0, double x1);"));
  free(out);
  out = adc_out(&st, "-o - seed.ad");
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(strstr(out, "#include <math.h>"));
  free(out);
}
END_TEST

START_TEST(errors_leave_existing_output_alone) {
  const char *old = "/* previous output */\n";
  ht_write(ht_path("keep_grad.c"), old, strlen(old));
  const char *bad = "fn f(x) = sinn(x);\n";
  ht_write(ht_path("keep.ad"), bad, strlen(bad));
  int st;
  char *out = adc_out(&st, "keep.ad --header");
  ck_assert_int_eq(st, 1);
  ck_assert_ptr_nonnull(strstr(out, "keep.ad:1:11: error: unknown function 'sinn'"));
  free(out);
  char *now = ht_slurp(ht_path("keep_grad.c"), NULL);
  ck_assert_str_eq(now, old);
  free(now);
  ck_assert_int_ne(access(ht_path("keep_grad.h"), F_OK), 0);
  /* no temporary left behind */
  out = ht_capture(&st, "ls -a '%s' | grep -c adc-tmp", ht_tmpdir());
  ck_assert_str_eq(out, "0\n");
  free(out);
}
END_TEST

/* A signal that ends adc (here SIGPIPE: the reader of its standard output
 * gone, with the C still to write) takes the temporary of the header with
 * it, and the header it was to replace stays as it was. */
START_TEST(killed_leaves_no_temporary) {
  ck_assert_int_eq(ht_sh("rm -rf '%s/sig' && mkdir '%s/sig' && cp samples/gmm.ad '%s/sig/big.ad'", ht_tmpdir(),
                         ht_tmpdir(), ht_tmpdir()),
                   0);
  const char *old = "/* previous header */\n";
  ht_write(ht_path("sig/big_grad.h"), old, strlen(old));
  int st; /* (the C, some 600 kB, fills the pipe many times over) */
  char *out = ht_capture(&st, "cd '%s/sig' && { '%s' --modes=all --header -o - big.ad; echo $? > rc; } | head -c 0; "
                              "cat rc; ls -A | grep -c adc-tmp",
                         ht_tmpdir(), ht_adc());
  ck_assert_str_eq(out, "141\n0\n"); /* 128 + SIGPIPE, nothing left */
  free(out);
  char *now = ht_slurp(ht_path("sig/big_grad.h"), NULL);
  ck_assert_str_eq(now, old);
  free(now);
}
END_TEST

START_TEST(unwritable_output_exit_2) {
  if (geteuid() == 0) {
    /* root writes anywhere: use a path whose directory is a file instead */
    ht_write(ht_path("afile"), "x", 1);
    ht_write(ht_path("seed.ad"), SEED, strlen(SEED));
    int st;
    char *out = adc_out(&st, "seed.ad -o afile/out.c");
    ck_assert_int_eq(st, 2);
    ck_assert_ptr_nonnull(strstr(out, "adc: error: cannot write 'afile/out.c': Not a directory"));
    free(out);
    return;
  }
  ht_sh("mkdir -p '%s/ro' && chmod 555 '%s/ro'", ht_tmpdir(), ht_tmpdir());
  int st;
  char *out = adc_out(&st, "seed.ad -o ro/out.c");
  ck_assert_int_eq(st, 2);
  free(out);
}
END_TEST

START_TEST(output_is_deterministic) {
  int st;
  const char *src = "fn g(a, b) = a > b ? exp(a) * b : log(b * b + 1);\n"
                    "fn h(x, y, z) = g(x, y) * g(y, z) + hypot(x, z) + max(x, y);\n";
  ht_write(ht_path("det.ad"), src, strlen(src));
  char *one = adc_out(&st, "-o - det.ad");
  ck_assert_int_eq(st, 0);
  char *two = ht_capture(&st, "cd / && '%s' -o - '%s' 2>&1", ht_adc(), ht_path("det.ad"));
  ck_assert_int_eq(st, 0);
  ck_assert_str_eq(one, two); /* also independent of where it runs from */
  free(one);
  free(two);
}
END_TEST

START_TEST(reads_standard_input) {
  int st;
  char *out = ht_capture(&st, "printf 'fn sq(x) = x * x;' | '%s' -o - -", ht_adc());
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(strstr(out, "double sq_grad(double x, double *x_bar)"));
  free(out);
}
END_TEST

/* ---- names ---- */

static char *emit(const char *src, const char *extra) {
  ht_write(ht_path("names.ad"), src, strlen(src));
  int st;
  char *out = adc_out(&st, extra);
  ck_assert_msg(st == 0, "%s", out);
  return out;
}

/* names.ad compiles cleanly as C99 with gcc and as C++ with g++. */
static void names_compile_cleanly(void) {
  ck_assert_int_eq(ht_sh("cd '%s' && '%s' names.ad -o names_grad.c && gcc -std=c99 -Wall -Wextra "
                         "-Wpedantic -Werror -c names_grad.c -o names.o && g++ -x c++ -Wall -Wextra "
                         "-Werror -c names_grad.c -o names.o",
                         ht_tmpdir(), ht_adc()),
                   0);
}

START_TEST(reserved_names_are_mangled) {
  char *out = emit("fn main(char, double, y0, j1, gamma, exp) = char + double + y0 + j1 + gamma + exp;\n",
                   "-o - names.ad");
  ck_assert_ptr_nonnull(strstr(out, "double main_(double char_, double double_, double y0_, double j1_, "
                                    "double gamma_, double exp_)"));
  ck_assert_ptr_nonnull(strstr(out, "double *char__bar"));
  free(out);
  names_compile_cleanly();
}
END_TEST

/* With storage the file includes <errno.h> and <stdlib.h>: their names
 * are renamed (malloc, free, size_t get '_'; ENOMEM, and any E and a capital
 * or digit, reserved for errno's macros by how they start, get a 'u'). */
START_TEST(stdlib_names_are_mangled) {
  char *out = emit("fn f(free, malloc[n], ENOMEM, size_t, E1, Ea) =\n"
                   "    logsumexp(i in 0..n, malloc[i] * free * ENOMEM * size_t * E1 * Ea);\n",
                   "-o - names.ad");
  ck_assert_ptr_nonnull(strstr(out, "double f(int n, double free_, const double *malloc_, double uENOMEM, "
                                    "double size_t_, double uE1, double Ea)"));
  ck_assert_ptr_nonnull(strstr(out, "#include <errno.h>"));
  free(out);
  names_compile_cleanly();
}
END_TEST

START_TEST(temporaries_never_clash) {
  char *out = emit("fn f(z0, z1_bar, x, x_bar) = z0 * z1_bar + x * x_bar;\nfn f_grad(a) = a;\n",
                   "-o - names.ad");
  ck_assert_ptr_nonnull(strstr(out, "double f(double z0_, double z1_bar_, double x, double x_bar)"));
  ck_assert_ptr_nonnull(strstr(out, "double f_grad_(double a)"));
  free(out);
  names_compile_cleanly();
}
END_TEST

/* A long function's parts are static functions f_grad_part1, ...,
 * f_grad_forward: a function or parameter of such a name is renamed, in
 * whatever order the functions come; so is a parameter named like its
 * function's f_grad, which f_vjp calls, or like the file's macro. */
START_TEST(part_names_never_clash) {
  static const char *const src =
      "fn f_grad_part1(x) = x * 2;\n"
      "fn f(x, f_grad_part2, f_grad_forward) = x * f_grad_part2 * (x + 1) * (f_grad_forward + 2)\n"
      "    * sin(x * f_grad_part2) * (x - f_grad_part2) * exp(f_grad_part2) * (1 + x * x);\n"
      "fn f_forward(y) = f_grad_part1(y) + 1;\n"
      "fn g(g_grad, y, ADC_NOINLINE) = g_grad * y * (g_grad + 1) * (y + 2) * sin(g_grad * y) * (g_grad - y)\n"
      "    * ADC_NOINLINE;\n";
  char *out = emit(src, "--split=4 -o - names.ad");
  ck_assert_ptr_nonnull(strstr(out, "\ndouble f_grad_part1_(double x) {"));
  ck_assert_ptr_nonnull(strstr(out, "\ndouble f(double x, double f_grad_part2_, double f_grad_forward_) {"));
  ck_assert_ptr_nonnull(strstr(out, "\nstatic ADC_NOINLINE void f_grad_part1(double x, double f_grad_part2_, "));
  ck_assert_ptr_nonnull(strstr(out, "\nstatic void f_grad_forward(double x, "));
  ck_assert_ptr_nonnull(strstr(out, "\ndouble f_forward(double y) {")); /* f has no parts of its own */
  ck_assert_ptr_nonnull(strstr(out, "\nvoid g_vjp(double g_grad_, double y, double ADC_NOINLINE_, double g_bar, "));
  free(out);
  ck_assert_int_eq(ht_sh("cd '%s' && '%s' --split=4 names.ad -o names_grad.c && gcc -std=c99 -Wall -Wextra "
                         "-Wpedantic -Werror -c names_grad.c -o names.o && g++ -x c++ -Wall -Wextra "
                         "-Werror -c names_grad.c -o names.o",
                         ht_tmpdir(), ht_adc()),
                   0);
}
END_TEST

START_TEST(prefix_and_static) {
  char *out = emit("fn f(x) = x * x;\n", "--prefix=my_ --static -o - names.ad");
  ck_assert_ptr_nonnull(strstr(out, "static inline double my_f(double x)"));
  ck_assert_ptr_nonnull(strstr(out, "static inline double my_f_grad(double x, double *x_bar)"));
  ck_assert_ptr_nonnull(strstr(out, "static inline void my_f_vjp(double x, double f_bar, double *x_bar)"));
  free(out);
}
END_TEST

/* --modes (SPEC 2.7) emits exactly the kinds it lists, f always; a kind
 * named that fits no function is a warning, output still written; names
 * are those of the default unless f_jvp is emitted. */
START_TEST(modes_select_exactly) {
  static const struct {
    const char *modes;
    const char *want[4], *absent[4];
  } cases[] = {
      {"--modes=jvp", {"double f(double x0, double x1)", "double f_jvp(double x0, double x1, double x0_dot, "
                       "double x1_dot, double *f_dot)"}, {"f_grad(", "f_vjp(", "f_jac("}},
      {"--modes=grad", {"double f_grad("}, {"f_vjp(", "f_jvp("}},
      {"--modes=vjp,grad", {"double f_grad(", "void f_vjp("}, {"f_jvp("}},
      {"--modes=all", {"double f_grad(", "void f_vjp(", "double f_jvp(", "double f_hvp("}, {"f_jac("}},
      {"--modes=hvp", {"double f_hvp(double x0, double x1, double x0_dot, double x1_dot, double *x0_bar, "
                       "double *x1_bar, double *x0_bar_dot, double *x1_bar_dot)"}, {"f_grad(", "f_jvp("}},
      {"--modes=hess", {"double f_hess(double x0, double x1, double *grad, double *hess)",
                        "static double f_hvp(double x0",
                        "static double f_hess_cols(double x0, double x1, double x0_dot, double x1_dot, double x0_dot2, "
                        "double x1_dot2, double *x0_bar, double *x1_bar, double *x0_bar_dot, double *x1_bar_dot, "
                        "double *x0_bar_dot2, double *x1_bar_dot2)"}, {"f_grad(", "f_jvp("}},
      {"--modes=hvp,hess", {"\ndouble f_hvp(double x0", "double f_hess(double x0, double x1, double *grad, "
                            "double *hess) {"}, {"static double f_hvp("}},
      {"", {"double f_grad(", "void f_vjp("}, {"f_jvp(", "_dot", "f_hess"}},
  };
  ht_write(ht_path("seed.ad"), SEED, strlen(SEED));
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char args[200];
    snprintf(args, sizeof args, "%s --header -o - seed.ad", cases[c].modes);
    int st;
    char *out = adc_out(&st, args);
    ck_assert_msg(st == 0, "%s: %s", args, out);
    for (int k = 0; k < 4 && cases[c].want[k]; k++)
      ck_assert_msg(strstr(out, cases[c].want[k]) != NULL, "%s: missing %s", args, cases[c].want[k]);
    for (int k = 0; k < 4 && cases[c].absent[k]; k++)
      ck_assert_msg(strstr(out, cases[c].absent[k]) == NULL, "%s: has %s", args, cases[c].absent[k]);
    ck_assert_msg(strstr(out, "warning") == NULL, "%s: %s", args, out);
    free(out);
  }
  int st;
  char *out = adc_out(&st, "--modes=jac,jvp -o - seed.ad");
  ck_assert_int_eq(st, 0);
  ck_assert_ptr_nonnull(strstr(out, "seed.ad: warning: --modes: 'jac' fits no function of the file"));
  ck_assert_ptr_nonnull(strstr(out, "double f_jvp("));
  ck_assert_ptr_null(strstr(out, "f_jac("));
  free(out);
  const char *two = "fn p(r, t) -> (u, v) { return r * cos(t), r * sin(t); }\n";
  ht_write(ht_path("two.ad"), two, strlen(two));
  for (int k = 0; k < 2; k++) { /* second order: for functions of one scalar result */
    const char *mode = k ? "hess" : "hvp";
    char args[64], warn[100], fn[16];
    snprintf(args, sizeof args, "--modes=%s,jac -o - two.ad", mode);
    snprintf(warn, sizeof warn, "two.ad: warning: --modes: '%s' fits no function of the file", mode);
    snprintf(fn, sizeof fn, "p_%s(", mode);
    out = adc_out(&st, args);
    ck_assert_msg(strstr(out, warn) && !strstr(out, fn), "%s: %s", args, out);
    free(out);
  }
  out = adc_out(&st, "--modes=hess --emit=header -o - seed.ad"); /* f_hvp is f_hess's, not the header's */
  ck_assert_ptr_nonnull(strstr(out, "double f_hess(double x0, double x1, double *grad, double *hess);"));
  ck_assert_ptr_null(strstr(out, "f_hvp("));
  free(out);
  /* f_hess's own parameters step aside for the function's */
  const char *gh = "fn g(grad, hess) = grad * hess;\n";
  ht_write(ht_path("gh.ad"), gh, strlen(gh));
  out = adc_out(&st, "--modes=hess -o - gh.ad");
  ck_assert_ptr_nonnull(strstr(out, "double g_hess(double grad, double hess, double *grad_, double *hess_)"));
  free(out);
  /* f_hess's helper: its names step aside too, its directions as many as
   * there are columns (up to IR_MAX_DIRS), the rest by f_hvp */
  const char *five = "fn h(a, b, c, a_dot2, e) = a * b * c * a_dot2 * e;\nfn h_hess_cols(q) = q;\n";
  ht_write(ht_path("five.ad"), five, strlen(five));
  out = adc_out(&st, "--modes=hess -o - five.ad");
  ck_assert_ptr_nonnull(strstr(out, "static double h_hess_cols(double a, double b, double c, double a_dot2, double e, "
                                    "double a_dot, double b_dot, double c_dot, double a_dot2_dot, double e_dot, "
                                    "double a_dot2_, double b_dot2,"));
  ck_assert_ptr_nonnull(strstr(out, "double h_hess_cols_(double q)")); /* (the later one steps aside) */
  ck_assert_ptr_nonnull(strstr(out, "double e_dot4, double *a_bar,"));
  ck_assert_ptr_nonnull(strstr(out, "for (; adc_i + 4 <= adc_n; adc_i += 4) {"));
  ck_assert_ptr_nonnull(strstr(out, "adc_v = h_hvp(a, b, c, a_dot2, e, (double)(adc_i == 0),"));
  free(out);
  /* a function named like another's f_jvp is renamed only when f_jvp is emitted */
  const char *clash = "fn g(x) = x * x;\nfn g_jvp(y) = 2 * y;\n";
  ht_write(ht_path("clash.ad"), clash, strlen(clash));
  out = adc_out(&st, "-o - clash.ad");
  ck_assert_ptr_nonnull(strstr(out, "double g_jvp(double y)"));
  free(out);
  out = adc_out(&st, "--modes=all -o - clash.ad");
  ck_assert_ptr_nonnull(strstr(out, "double g_jvp(double x, double x_dot, double *g_dot)"));
  ck_assert_ptr_nonnull(strstr(out, "double g_jvp_(double y)"));
  free(out);
}
END_TEST

START_TEST(zero_parameter_function) {
  char *out = emit("fn c() = 2 * pi;\n", "-o - names.ad");
  ck_assert_ptr_nonnull(strstr(out, "double c(void)"));
  ck_assert_ptr_nonnull(strstr(out, "double c_grad(void)"));
  ck_assert_ptr_nonnull(strstr(out, "void c_vjp(double c_bar)"));
  ck_assert_ptr_nonnull(strstr(out, "(void)c_bar;"));
  free(out);
  names_compile_cleanly();
}
END_TEST

START_TEST(seed_reads_like_its_derivation) {
  char *out = emit(SEED, "-o - names.ad");
  const char *want[] = {
      "  const double z2 = sin(z0);", "  const double z3 = z0 + z1;", "  const double z4 = z2 * z3;",
      "  const double z3_bar = z2;", "  const double z2_bar = z3;", "  const double z1_bar = z3_bar;",
      "  *x0_bar = z0_bar;", "  *x1_bar = z1_bar;", "  *x0_bar += z0_bar;", "  return z4;",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    ck_assert_msg(strstr(out, want[i]) != NULL, "missing: %s", want[i]);
  ck_assert_ptr_null(strstr(out, "* 1.0"));
  ck_assert_ptr_null(strstr(out, "+ 0.0"));
  free(out);
}
END_TEST

/* A compilation large enough (about 200 MB of heap) that the binary grows
 * its heap far ahead, in huge pages (support/heap.c): its output is byte
 * for byte that of the same compilation run in this process, whose heap is
 * not tuned. */
START_TEST(large_compilation_agrees_in_process) {
  StrBuf src = {0};
  sb_puts(&src, "fn f(x) {\n  let a0 = x;\n");
  enum { LINES = 250000 };
  for (int i = 1; i < LINES; i++)
    sb_printf(&src, "  let a%d = a%d * 0.999 + sin(x * %d);\n", i, i - 1, i % 7 + 1);
  sb_printf(&src, "  return a%d;\n}\n", LINES - 1);
  char ad[600], by_binary[600], in_process[600];
  snprintf(ad, sizeof ad, "%s", ht_path("large.ad"));
  snprintf(by_binary, sizeof by_binary, "%s", ht_path("large_binary.c"));
  snprintf(in_process, sizeof in_process, "%s", ht_path("large_process.c"));
  ht_write(ad, src.s, src.len);
  sb_free(&src);
  ck_assert_int_eq(ht_sh("'%s' -o '%s' '%s'", ht_adc(), by_binary, ad), 0);
  char *err = NULL;
  const char *argv[] = {"adc", "-o", in_process, ad, NULL};
  ck_assert_int_eq(ht_run_adc(&err, argv), 0);
  free(err);
  size_t n1 = 0, n2 = 0;
  char *one = ht_slurp(by_binary, &n1), *two = ht_slurp(in_process, &n2);
  ck_assert_ptr_nonnull(one);
  ck_assert_ptr_nonnull(two);
  ck_assert_uint_gt(n1, 30u << 20); /* the whole gradient: 40 MB */
  ck_assert_msg(n1 == n2 && memcmp(one, two, n1) == 0, "the binary's output differs (%zu and %zu bytes)", n1, n2);
  free(one);
  free(two);
  ht_sh("rm -f '%s' '%s' '%s'", ad, by_binary, in_process);
}
END_TEST

Suite *suite_cli(void) {
  Suite *s = suite_create("cli");
  TCase *tc = tcase_create("options");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, help_and_version);
  tcase_add_loop_test(tc, usage_errors_exit_2, 0, (int)(sizeof usage_errors / sizeof usage_errors[0]));
  tcase_add_test(tc, default_output_in_current_directory);
  tcase_add_test(tc, header_beside_output);
  tcase_add_test(tc, emit_kinds_to_stdout);
  tcase_add_test(tc, errors_leave_existing_output_alone);
  tcase_add_test(tc, killed_leaves_no_temporary);
  tcase_add_test(tc, unwritable_output_exit_2);
  tcase_add_test(tc, output_is_deterministic);
  tcase_add_test(tc, reads_standard_input);
  tcase_add_test(tc, modes_select_exactly);
  suite_add_tcase(s, tc);
  TCase *tn = tcase_create("names");
  tcase_set_timeout(tn, 60);
  tcase_add_test(tn, reserved_names_are_mangled);
  tcase_add_test(tn, part_names_never_clash);
  tcase_add_test(tn, stdlib_names_are_mangled);
  tcase_add_test(tn, temporaries_never_clash);
  tcase_add_test(tn, prefix_and_static);
  tcase_add_test(tn, zero_parameter_function);
  tcase_add_test(tn, seed_reads_like_its_derivation);
  suite_add_tcase(s, tn);
  TCase *tl = tcase_create("large");
  tcase_set_timeout(tl, 300);
  tcase_add_test(tl, large_compilation_agrees_in_process);
  suite_add_tcase(s, tl);
  return s;
}
