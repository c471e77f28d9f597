/* check_robust.c - what no input may do: crash, hang or cost the user
 * their previous output. Every fuzzer finding (tests/fuzz/NAME.ad) runs
 * through the whole pipeline in process under every option the fuzzer
 * draws, and through the command line; every documented limit
 * (doc/limits.md) gives its diagnostic; running out of memory, writing to a
 * full device or into a read-only directory are clean errors (exit 2) that
 * leave the previous file as it was. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* ---- fuzzer findings ---- */

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The findings, sorted: tests/fuzz/NAME.ad. */
static int findings(char ***out) {
  char **v = NULL;
  int n = 0;
  DIR *d = opendir("tests/fuzz");
  struct dirent *e;
  while (d && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len > 3 && strcmp(e->d_name + len - 3, ".ad") == 0) {
      v = xrealloc(v, (size_t)(n + 1) * sizeof *v);
      v[n] = xmalloc(len + 12);
      sprintf(v[n++], "tests/fuzz/%s", e->d_name);
    }
  }
  if (d)
    closedir(d);
  qsort(v, (size_t)n, sizeof *v, by_name);
  *out = v;
  return n;
}

static char *finding(int i) {
  char **v, *mine = NULL;
  int n = findings(&v);
  for (int k = 0; k < n; k++)
    if (k == i)
      mine = v[k];
    else
      free(v[k]);
  free(v);
  return mine;
}

static int count_findings(void) {
  char **v;
  int n = findings(&v);
  for (int k = 0; k < n; k++)
    free(v[k]);
  free(v);
  return n;
}

START_TEST(fuzz_finding) {
  char *path = finding(_i);
  ck_assert_ptr_nonnull(path);
  size_t len;
  char *text = ht_slurp(path, &len);
  ck_assert_ptr_nonnull(text);
  FILE *sink = fopen("/dev/null", "w");
  static const int splits[] = {6000, 1, 7};
  for (int o = 0; o < 2; o++)
    for (int r = 0; r < 3; r++)
      for (int s = 0; s < 3; s++) {
        Options opt;
        memset(&opt, 0, sizeof opt);
        opt.input = path;
        opt.optimize = o;
        opt.real = r;
        opt.split = splits[s];
        opt.line = s == 1;
        opt.static_fns = s == 2;
        opt.modes = s == 0 ? MODE_ALL : 0; /* f_jvp too, once per level and type */
        StrBuf out = {0};
        int rc = adc_compile_memory(&opt, text, (int)len, &out, sink);
        ck_assert_msg(rc == 0 || rc == 1, "%s: status %d", path, rc);
        sb_free(&out);
      }
  fclose(sink);
  /* on the command line: a diagnostic or C that compiles cleanly */
  int st;
  char *out = ht_capture(&st, "'%s' -o '%s/finding_grad.c' '%s' 2>&1", ht_adc(), ht_tmpdir(), path);
  ck_assert_msg(st == 0 || (st == 1 && strstr(out, ": error: ")), "%s: status %d\n%s", path, st, out);
  if (st == 0)
    ck_assert_int_eq(ht_sh("cc -std=c99 -Wall -Wextra -Wpedantic -Werror -c '%s/finding_grad.c' -o '%s/finding.o'",
                           ht_tmpdir(), ht_tmpdir()),
                     0);
  free(out);
  free(text);
  free(path);
}
END_TEST

/* ---- limits ---- */

static char *run_on(int *st, const char *name, const char *src, const char *flags) {
  ht_write(ht_path(name), src, strlen(src));
  return ht_capture(st, "cd '%s' && '%s' %s -o out_grad.c %s 2>&1", ht_tmpdir(), ht_adc(), flags, name);
}

START_TEST(name_length_limit) {
  char src[2200];
  memset(src, 0, sizeof src);
  strcpy(src, "fn f(");
  memset(src + 5, 'a', 1000);
  strcat(src, ") = 1;\n");
  int st;
  char *out = run_on(&st, "longname.ad", src, "");
  ck_assert_msg(st == 0, "%s", out); /* 1000 characters are fine */
  free(out);
  src[5 + 1000] = 'a';
  strcpy(src + 1006, ") = 1;\n");
  out = run_on(&st, "longname.ad", src, "");
  ck_assert_int_eq(st, 1);
  ck_assert_ptr_nonnull(strstr(out, "longname.ad:1:6: error: name is longer than 1000 characters"));
  free(out);
}
END_TEST

START_TEST(input_size_limit) {
  /* a sparse file just over 256 MiB */
  ck_assert_int_eq(ht_sh("cd '%s' && rm -f huge.ad && printf 'fn f(x) = x;\\n' > huge.ad && "
                         "truncate -s 268435457 huge.ad", ht_tmpdir()), 0);
  int st;
  char *out = ht_capture(&st, "cd '%s' && '%s' -o out_grad.c huge.ad 2>&1", ht_tmpdir(), ht_adc());
  ck_assert_int_eq(st, 2);
  ck_assert_ptr_nonnull(strstr(out, "adc: error: 'huge.ad' is larger than the limit of 256 MiB"));
  free(out);
  ht_sh("rm -f '%s/huge.ad'", ht_tmpdir());
}
END_TEST

/* f_k calls f_(k-1) twice with different arguments: 2^k nodes (no sharing) */
static char *doubling(int levels, const char *last) {
  StrBuf b = {0};
  sb_puts(&b, "fn f0(x) = sin(x);\n");
  for (int k = 1; k < levels; k++)
    sb_printf(&b, "fn f%d(x) = f%d(x) * f%d(x + %d);\n", k, k - 1, k - 1, k);
  if (last)
    sb_puts(&b, last);
  return b.s;
}

/* Too many nodes: for the program as a whole (calls doubling 30 levels
 * deep), and for one function (2^20 nodes in all before g, then 9 copies of
 * f19's 2^19 in g alone). */
static const struct {
  int levels;
  const char *last, *message;
} too_large[] = {
    {30, NULL, "too_large.ad:21:4: error: the program is too large: more than 4194304 SSA nodes in all "
               "(reached at 'f20')"},
    {20, "fn g(x) = f19(x) * f19(x + 1) * f19(x + 2) * f19(x + 3) * f19(x + 4) * f19(x + 5) * f19(x + 6)"
         " * f19(x + 7) * f19(x + 8);\n",
     "too_large.ad:21:4: error: function 'g' is too large (more than 4194304 SSA nodes)"},
};

START_TEST(node_limits) {
  char *src = doubling(too_large[_i].levels, too_large[_i].last);
  int st;
  char *out = run_on(&st, "too_large.ad", src, "");
  ck_assert_int_eq(st, 1);
  ck_assert_msg(strstr(out, too_large[_i].message) != NULL, "%s", out);
  free(out);
  free(src);
}
END_TEST

/* ---- out of memory ---- */

START_TEST(out_of_memory_is_clean) {
  /* Builds with AddressSanitizer reserve terabytes of address space at
   * start: no address-space limit lets them run. Then there is nothing to test. */
  if (ht_sh("ulimit -v 300000 && '%s' --version >/dev/null 2>&1", ht_adc()) != 0)
    return;
  char *src = doubling(21, NULL); /* 2^21 nodes in the last function: a few hundred MB */
  const char *old = "/* previous output */\n";
  ht_write(ht_path("out_grad.c"), old, strlen(old));
  ht_write(ht_path("oom.ad"), src, strlen(src));
  int st;
  char *out = ht_capture(&st, "cd '%s' && ulimit -v 300000 && '%s' -o out_grad.c oom.ad 2>&1", ht_tmpdir(), ht_adc());
  ck_assert_msg(st == 2, "status %d: %s", st, out);
  ck_assert_ptr_nonnull(strstr(out, "adc: fatal error: out of memory"));
  char *now = ht_slurp(ht_path("out_grad.c"), NULL);
  ck_assert_str_eq(now, old);
  free(now);
  free(out);
  out = ht_capture(&st, "ls -a '%s' | grep -c adc-tmp", ht_tmpdir());
  ck_assert_str_eq(out, "0\n");
  free(out);
  free(src);
}
END_TEST

/* ---- output safety ---- */

static const char SEED[] = "fn f(x0, x1) = sin(x0) * (x0 + x1);\n";

START_TEST(full_device_output) {
  struct stat before;
  if (stat("/dev/full", &before) != 0 || !S_ISCHR(before.st_mode))
    return; /* no /dev/full here */
  ht_write(ht_path("seed.ad"), SEED, strlen(SEED));
  const char *old = "/* previous output */\n";
  ht_write(ht_path("keep_grad.c"), old, strlen(old));
  int st;
  char *out = ht_capture(&st, "cd '%s' && '%s' -o /dev/full seed.ad 2>&1", ht_tmpdir(), ht_adc());
  ck_assert_int_eq(st, 2);
  ck_assert_ptr_nonnull(strstr(out, "adc: error: cannot write '/dev/full': No space left on device"));
  free(out);
  struct stat after; /* written in place, not replaced by a regular file */
  ck_assert_int_eq(stat("/dev/full", &after), 0);
  ck_assert(S_ISCHR(after.st_mode) && after.st_rdev == before.st_rdev);
  /* the header fails: the C file, complete, is not put in place either */
  out = ht_capture(&st, "cd '%s' && '%s' -o keep_grad.c --header=/dev/full seed.ad 2>&1", ht_tmpdir(), ht_adc());
  ck_assert_int_eq(st, 2);
  ck_assert_ptr_nonnull(strstr(out, "cannot write '/dev/full'"));
  free(out);
  char *now = ht_slurp(ht_path("keep_grad.c"), NULL);
  ck_assert_str_eq(now, old);
  free(now);
  /* standard output on the full device */
  out = ht_capture(&st, "cd '%s' && '%s' -o - seed.ad 2>&1 >/dev/full", ht_tmpdir(), ht_adc());
  ck_assert_int_eq(st, 2);
  ck_assert_ptr_nonnull(strstr(out, "adc: error: cannot write to standard output: No space left on device"));
  free(out);
  /* other devices work in place */
  out = ht_capture(&st, "cd '%s' && '%s' -o /dev/null seed.ad 2>&1", ht_tmpdir(), ht_adc());
  ck_assert_int_eq(st, 0);
  free(out);
}
END_TEST

/* Runs adc (the copy in its parent directory) in dir; as root, who may
 * write anywhere, as the user nobody. */
static char *run_unprivileged(int *st, const char *dir, const char *args) {
  const char *as = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  return ht_capture(st, "cd '%s' && %s../adc %s 2>&1", dir, as, args);
}

START_TEST(read_only_directory) {
  if (geteuid() == 0 && ht_sh("command -v setpriv >/dev/null") != 0)
    ck_abort_msg("as root this test needs setpriv (util-linux) to drop privileges");
  /* under /tmp, with a copy of adc: nobody may not reach the build tree */
  char top[] = "/tmp/adc-readonly-XXXXXX", dir[64];
  ck_assert_ptr_nonnull(mkdtemp(top));
  snprintf(dir, sizeof dir, "%s/ro", top);
  ck_assert_int_eq(ht_sh("cp '%s' '%s/adc' && chmod 755 '%s' '%s/adc' && mkdir '%s' && cd '%s' && "
                         "printf '%s' > seed.ad && printf '/* previous output */\\n' > seed_grad.c && "
                         "chmod 444 seed.ad seed_grad.c && chmod 555 .",
                         ht_adc(), top, top, top, dir, dir, "fn f(x0, x1) = sin(x0) * (x0 + x1);\\n"),
                   0);
  int st;
  char *out = run_unprivileged(&st, dir, "seed.ad"); /* the default output, in the current directory */
  ck_assert_msg(st == 2, "status %d: %s", st, out);
  ck_assert_ptr_nonnull(strstr(out, "adc: error: cannot write 'seed_grad.c': Permission denied"));
  free(out);
  out = run_unprivileged(&st, dir, "--header -o seed_grad.c seed.ad");
  ck_assert_int_eq(st, 2);
  free(out);
  char path[100];
  snprintf(path, sizeof path, "%s/seed_grad.c", dir);
  char *now = ht_slurp(path, NULL);
  ck_assert_str_eq(now, "/* previous output */\n");
  free(now);
  out = ht_capture(&st, "ls -a '%s' | grep -c -e adc-tmp -e seed_grad.h", dir);
  ck_assert_str_eq(out, "0\n");
  free(out);
  ht_sh("chmod 755 '%s' && rm -rf '%s'", dir, top);
}
END_TEST

START_TEST(symbolic_link_is_followed) {
  ht_write(ht_path("seed.ad"), SEED, strlen(SEED));
  ht_write(ht_path("target_grad.c"), "old\n", 4);
  ck_assert_int_eq(ht_sh("cd '%s' && ln -sf target_grad.c link_grad.c && '%s' -o link_grad.c seed.ad && "
                         "test -L link_grad.c && grep -q f_grad target_grad.c",
                         ht_tmpdir(), ht_adc()),
                   0);
}
END_TEST

Suite *suite_robust(void) {
  Suite *s = suite_create("robust");
  TCase *tc = tcase_create("fuzz");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, fuzz_finding, 0, count_findings());
  suite_add_tcase(s, tc);
  tc = tcase_create("limits");
  tcase_set_timeout(tc, 300); /* millions of nodes, under the sanitizers too */
  tcase_add_test(tc, name_length_limit);
  tcase_add_test(tc, input_size_limit);
  tcase_add_loop_test(tc, node_limits, 0, 2);
  tcase_add_test(tc, out_of_memory_is_clean);
  suite_add_tcase(s, tc);
  tc = tcase_create("output");
  tcase_add_test(tc, full_device_output);
  tcase_add_test(tc, read_only_directory);
  tcase_add_test(tc, symbolic_link_is_followed);
  suite_add_tcase(s, tc);
  return s;
}
