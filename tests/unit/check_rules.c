/* check_rules.c - tests that pin one rule each: tests/rules/NAME.ad holds a
 * tiny program and, in its comments, the command to run and the lines its
 * output must contain, in the style of LLVM's FileCheck:
 *
 *   # RUN: adc --emit=ssa -o - %s     the command (%s: this file); each RUN
 *                                     starts a section its CHECKs apply to
 *   # CHECK: z0_bar = cos(z0)         a later line contains this text
 *   # CHECK-NEXT: x_bar = z0_bar      the line right after the last match does
 *   # CHECK-NOT: sin(                 no line contains it between the matches
 *                                     around it (or after the last one)
 *
 * Texts are matched literally, spaces trimmed at both ends. A rule change
 * fails the one test that states the rule, not twenty goldens. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { D_CHECK, D_NEXT, D_NOT };

typedef struct Directive {
  int kind;
  char *text;
  int line; /* in the .ad file */
} Directive;

typedef struct Lines {
  char **v;
  int n;
} Lines;

/* text split at '\n' (text is changed: the lines point into it). */
static Lines split_lines(char *text) {
  Lines l = {NULL, 0};
  for (char *p = text; p && *p;) {
    char *nl = strchr(p, '\n');
    if (nl)
      *nl = '\0';
    l.v = xrealloc(l.v, (size_t)(l.n + 1) * sizeof *l.v);
    l.v[l.n++] = p;
    p = nl ? nl + 1 : NULL;
  }
  return l;
}

/* The text after "PREFIX:" in a comment line, trimmed; NULL if absent. */
static char *after(char *line, const char *prefix) {
  char *p = line;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p != '#')
    return NULL;
  p++;
  while (*p == ' ')
    p++;
  size_t n = strlen(prefix);
  if (strncmp(p, prefix, n) != 0 || p[n] != ':')
    return NULL;
  p += n + 1;
  while (*p == ' ' || *p == '\t')
    p++;
  char *end = p + strlen(p);
  while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    *--end = '\0';
  return p;
}

/* A failure's message (malloc'd). */
static char *failure(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *failure(const char *fmt, ...) {
  char *m = xmalloc(1024);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m, 1024, fmt, ap);
  va_end(ap);
  return m;
}

/* A pending CHECK-NOT whose text a line of [lo, hi) contains, or NULL. */
static char *check_nots(const char *file, const Lines *out, const Directive *nots, int nnot, int lo, int hi) {
  for (int k = 0; k < nnot; k++)
    for (int i = lo; i < hi; i++)
      if (strstr(out->v[i], nots[k].text))
        return failure("%s:%d: CHECK-NOT: '%s' found in output line %d: %s", file, nots[k].line, nots[k].text,
                       i + 1, out->v[i]);
  return NULL;
}

/* Where directive d matches, from output line pos on (last: the line of the
 * previous match); -1 with *why set when it does not. */
static int find(const char *file, const Lines *out, const Directive *d, int pos, int last, char **why) {
  if (d->kind == D_NEXT) {
    if (last < 0)
      *why = failure("%s:%d: CHECK-NEXT with no CHECK before it", file, d->line);
    else if (pos < out->n && strstr(out->v[pos], d->text))
      return pos;
    else
      *why = failure("%s:%d: CHECK-NEXT: '%s' is not on the line after output line %d (%s): %s", file, d->line,
                     d->text, last + 1, out->v[last], pos < out->n ? out->v[pos] : "(end of output)");
    return -1;
  }
  for (int i = pos; i < out->n; i++)
    if (strstr(out->v[i], d->text))
      return i;
  *why = failure("%s:%d: CHECK: '%s' not found after output line %d", file, d->line, d->text, pos);
  return -1;
}

/* Matches one section's directives against the output of its RUN line:
 * NULL, or why it does not match (malloc'd). */
static char *match_section(const char *file, const char *output, const Directive *d, int nd) {
  char *copy = xmalloc(strlen(output) + 1), *why = NULL;
  strcpy(copy, output);
  Lines out = split_lines(copy);
  Directive nots[64];
  int nnot = 0, pos = 0, last = -1;
  for (int k = 0; k < nd && !why; k++) {
    if (d[k].kind == D_NOT) {
      if (nnot < 64)
        nots[nnot++] = d[k];
      continue;
    }
    int at = find(file, &out, &d[k], pos, last, &why);
    if (at < 0)
      break;
    why = check_nots(file, &out, nots, nnot, pos, at);
    nnot = 0;
    last = at;
    pos = at + 1;
  }
  if (!why)
    why = check_nots(file, &out, nots, nnot, pos, out.n);
  free(out.v);
  free(copy);
  return why;
}

/* "adc ARGS" with %s replaced by the file, adc by the compiler under test. */
static char *run(const char *file, const char *cmd, int line) {
  ck_assert_msg(strncmp(cmd, "adc ", 4) == 0, "%s:%d: RUN: must start with 'adc '", file, line);
  StrBuf b = {0};
  sb_printf(&b, "'%s' ", ht_adc());
  for (const char *p = cmd + 4; *p; p++)
    if (p[0] == '%' && p[1] == 's')
      sb_puts(&b, file), p++;
    else
      sb_putc(&b, *p);
  int st;
  char *out = ht_capture(&st, "%s 2>&1", b.s);
  ck_assert_msg(st == 0, "%s:%d: '%s' failed (%d):\n%s", file, line, b.s, st, out);
  sb_free(&b);
  return out;
}

static char **files;
static int nfiles;

START_TEST(rule) {
  const char *file = files[_i];
  char *text = ht_slurp(file, NULL);
  ck_assert_ptr_nonnull(text);
  Lines src = split_lines(text);
  Directive d[256];
  int nd = 0, sections = 0, checks = 0;
  char *output = NULL;
  for (int i = 0; i <= src.n; i++) {
    char *t = i < src.n ? after(src.v[i], "RUN") : NULL;
    if (i == src.n || t) { /* the end of a section */
      char *why = output ? match_section(file, output, d, nd) : NULL;
      if (why) { /* the whole output beside the message */
        char *keep = ht_path("rule.out");
        ht_write(keep, output, strlen(output));
        ck_abort_msg("%s\n(the RUN line's output is in %s)", why, keep);
      }
      free(output);
      output = NULL;
      nd = 0;
      if (t) {
        output = run(file, t, i + 1);
        sections++;
      }
      continue;
    }
    static const char *const prefix[] = {"CHECK", "CHECK-NEXT", "CHECK-NOT"};
    for (int k = 0; k < 3; k++)
      if ((t = after(src.v[i], prefix[k]))) {
        ck_assert_msg(output != NULL, "%s:%d: %s before any RUN", file, i + 1, prefix[k]);
        ck_assert_msg(nd < 256 && *t, "%s:%d: an empty %s, or too many", file, i + 1, prefix[k]);
        d[nd].kind = k;
        d[nd].text = t;
        d[nd++].line = i + 1;
        checks += k != D_NOT;
      }
  }
  ck_assert_msg(sections > 0 && checks > 0, "%s: no RUN line, or no CHECK", file);
  free(src.v);
  free(text);
}
END_TEST

/* The checker itself: a line that is missing, out of order, not the next
 * one or forbidden fails it. */
START_TEST(checker_fails_when_it_should) {
  const char *out = "a = 1\nb = 2\nc = 3\n";
  Directive ok[] = {{D_CHECK, "a = 1", 1}, {D_NOT, "x", 2}, {D_CHECK, "b", 3}, {D_NEXT, "c = 3", 4}};
  ck_assert_ptr_null(match_section("self", out, ok, 4));
  Directive bad[][2] = {
      {{D_CHECK, "b", 1}, {D_CHECK, "a", 2}}, /* out of order */
      {{D_CHECK, "a", 1}, {D_NEXT, "c", 2}},  /* not the next line */
      {{D_CHECK, "a", 1}, {D_NOT, "b", 2}},   /* forbidden after the last match */
      {{D_NOT, "b", 1}, {D_CHECK, "c", 2}},   /* forbidden before the match */
      {{D_CHECK, "d", 1}, {D_CHECK, "a", 2}}, /* missing */
      {{D_NEXT, "a", 1}, {D_CHECK, "b", 2}},  /* a NEXT first */
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    char *why = match_section("self", out, bad[k], 2);
    ck_assert_msg(why != NULL, "case %zu matched", k);
    free(why);
  }
}
END_TEST

Suite *suite_rules(void) {
  files = ht_list_ad("tests/rules", &nfiles);
  Suite *s = suite_create("rules");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, checker_fails_when_it_should);
  tcase_add_loop_test(tc, rule, 0, nfiles);
  suite_add_tcase(s, tc);
  return s;
}
