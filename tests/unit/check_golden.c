/* check_golden.c - exact expected outputs: the emitted C and SSA of every
 * sample and golden input (tests/golden/NAME.{c,ssa}.golden), and the exact
 * diagnostics of every bad input (tests/errors/NAME.err). Regenerate the
 * golden files on purpose with 'make golden' and review the diff. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef struct List {
  char **v;
  int n;
} List;

static List list_ad(const char *dir) {
  List l;
  l.v = ht_list_ad(dir, &l.n);
  return l;
}

static List golden, errors;

static void stem(const char *path, char *out, size_t n) {
  const char *b = strrchr(path, '/');
  snprintf(out, n, "%s", b ? b + 1 : path);
  out[strlen(out) - 3] = '\0';
}

static void expect_output(const char *ad, const char *flag, const char *suffix) {
  char name[256], want_path[512];
  stem(ad, name, sizeof name);
  snprintf(want_path, sizeof want_path, "tests/golden/%s.%s.golden", name, suffix);
  char *want = ht_slurp(want_path, NULL);
  ck_assert_msg(want != NULL, "missing %s (run 'make golden')", want_path);
  int st;
  char *got = ht_capture(&st, "'%s' %s -o - %s", ht_adc(), flag, ad);
  ck_assert_int_eq(st, 0);
  if (strcmp(got, want) != 0) {
    char out[600];
    snprintf(out, sizeof out, "%s/%s.%s.got", ht_tmpdir(), name, suffix);
    ht_write(out, got, strlen(got));
    ck_abort_msg("%s differs from %s; see diff %s %s", ad, want_path, want_path, out);
  }
  free(got);
  free(want);
}

START_TEST(golden_c) { expect_output(golden.v[_i], "--emit=c", "c"); }
END_TEST

/* SSA text only where a golden of it is kept (the samples' C goldens and
 * the rule tests, tests/rules, cover the rest). */
START_TEST(golden_ssa) {
  char name[256], path[512];
  stem(golden.v[_i], name, sizeof name);
  snprintf(path, sizeof path, "tests/golden/%s.ssa.golden", name);
  if (ht_sh("test -e '%s'", path) == 0)
    expect_output(golden.v[_i], "--emit=ssa", "ssa");
}
END_TEST

START_TEST(diagnostics_exact) {
  char name[256], want_path[512];
  stem(errors.v[_i], name, sizeof name);
  snprintf(want_path, sizeof want_path, "tests/errors/%s.err", name);
  char *want = ht_slurp(want_path, NULL);
  ck_assert_msg(want != NULL, "missing %s", want_path);
  char *out = ht_path("err_out.c");
  ht_sh("rm -f '%s'", out);
  int st;
  char *got = ht_capture(&st, "cd tests/errors && '%s' %s.ad -o '%s' 2>&1 >/dev/null", ht_adc(), name, out);
  ck_assert_int_eq(st, 1);
  ck_assert_msg(strcmp(got, want) == 0, "%s:\n--- want\n%s--- got\n%s", name, want, got);
  ck_assert_msg(ht_sh("test -e '%s'", out) != 0, "output written despite errors");
  free(got);
  free(want);
}
END_TEST

START_TEST(nested_parentheses_200000) {
  size_t len;
  char *t = ht_deep_parens(200000, &len);
  ht_write(ht_path("deep.ad"), t, len);
  free(t);
  int st;
  char *got = ht_capture(&st, "cd '%s' && '%s' deep.ad -o deep_grad.c 2>&1", ht_tmpdir(), ht_adc());
  ck_assert_int_eq(st, 1);
  ck_assert_ptr_nonnull(strstr(got, "deep.ad:1:1011: error: brackets nested too deeply (the limit is 1000)"));
  ck_assert_int_lt((int)strlen(got), 2000); /* one error, not thousands */
  free(got);
}
END_TEST

START_TEST(binary_garbage) {
  unsigned char junk[4096];
  unsigned s = 7;
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (unsigned char)((s = s * 1103515245u + 12345u) >> 16);
  ht_write(ht_path("junk.ad"), (const char *)junk, sizeof junk);
  int st;
  char *got = ht_capture(&st, "cd '%s' && '%s' junk.ad -o junk_grad.c 2>&1", ht_tmpdir(), ht_adc());
  ck_assert_int_eq(st, 1);
  ck_assert_ptr_nonnull(strstr(got, "too many errors"));
  free(got);
}
END_TEST

Suite *suite_golden(void) {
  golden = list_ad("samples");
  List extra = list_ad("tests/golden");
  for (int i = 0; i < extra.n; i++) {
    golden.v = xrealloc(golden.v, (size_t)(golden.n + 1) * sizeof *golden.v);
    golden.v[golden.n++] = extra.v[i];
  }
  free(extra.v);
  Suite *s = suite_create("golden");
  TCase *tc = tcase_create("outputs");
  tcase_add_loop_test(tc, golden_c, 0, golden.n);
  tcase_add_loop_test(tc, golden_ssa, 0, golden.n);
  suite_add_tcase(s, tc);
  return s;
}

Suite *suite_errors(void) {
  errors = list_ad("tests/errors");
  Suite *s = suite_create("errors");
  TCase *tc = tcase_create("diagnostics");
  tcase_set_timeout(tc, 30);
  tcase_add_loop_test(tc, diagnostics_exact, 0, errors.n);
  tcase_add_test(tc, nested_parentheses_200000);
  tcase_add_test(tc, binary_garbage);
  suite_add_tcase(s, tc);
  return s;
}
