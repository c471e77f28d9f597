/* diag.c - gcc-style diagnostics: "file:line:col: error: msg", then the
 * source line and a caret with tildes under the offending span. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

void source_init(Source *s, const char *name, const char *text, int len) {
  s->name = name;
  s->text = text;
  s->len = len;
  /* memchr, not a loop over every byte: long programs are megabytes */
  const char *end = text + len, *p;
  int n = 1;
  for (p = text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
    n++;
  s->line_start = xmalloc((size_t)n * sizeof *s->line_start);
  s->nlines = 0;
  s->line_start[s->nlines++] = 0;
  for (p = text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
    s->line_start[s->nlines++] = (int)(p - text) + 1;
}

void source_free(Source *s) {
  free(s->line_start);
  s->line_start = NULL;
}

/* Line and column are 1-based; columns count bytes, as gcc's do by default
 * for ASCII text. Binary search keeps this O(log lines). */
void source_linecol(const Source *s, int off, int *line, int *col) {
  int lo = 0, hi = s->nlines - 1;
  if (off > s->len)
    off = s->len;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (s->line_start[mid] <= off)
      lo = mid;
    else
      hi = mid - 1;
  }
  *line = lo + 1;
  *col = off - s->line_start[lo] + 1;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static int utf8_len(const unsigned char *s, int n) {
  int len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
  if (s[0] > 0xF4 || len > n)
    return 0;
  for (int i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  return len;
}

/* Print the line holding `at.lo` and a caret line. Tabs in the line are
 * repeated in the padding so the caret stays aligned at any tab width; a
 * UTF-8 character takes one column; other unprintable bytes show as '?'. */
static void show_line(Diag *d, Loc at) {
  const Source *s = d->src;
  const unsigned char *t = (const unsigned char *)s->text;
  int line, col;
  source_linecol(s, at.lo, &line, &col);
  int start = s->line_start[line - 1], end = start;
  while (end < s->len && t[end] != '\n')
    end++;
  if (end > start && t[end - 1] == '\r')
    end--;
  int lo = at.lo < start ? start : at.lo, hi = at.hi < end ? at.hi : end;
  StrBuf text = {0}, mark = {0};
  sb_puts(&text, "    ");
  sb_puts(&mark, "    ");
  /* A very long line is shown as a window around the caret. */
  enum { WINDOW = 60 };
  if (end - start > 3 * WINDOW) {
    int ws = lo - WINDOW > start ? lo - WINDOW : start;
    int we = lo + WINDOW < end ? lo + WINDOW : end;
    while (ws > start && (t[ws] & 0xC0) == 0x80)
      ws--;
    while (we < end && (t[we] & 0xC0) == 0x80)
      we++;
    if (ws > start) {
      sb_puts(&text, "...");
      sb_puts(&mark, "   ");
    }
    start = ws;
    end = we;
    if (hi > end)
      hi = end;
  }
  for (int i = start; i < end;) {
    int len = t[i] >= 0x80 ? utf8_len(t + i, end - i) : 1;
    char pad = t[i] == '\t' ? '\t' : ' ';
    if (len > 1) {
      for (int k = 0; k < len; k++)
        sb_putc(&text, (char)t[i + k]);
    } else {
      sb_putc(&text, t[i] == '\t' || (t[i] >= 32 && t[i] < 127) ? (char)t[i] : '?');
      len = 1;
    }
    if (i < lo)
      sb_putc(&mark, pad);
    else if (i == lo)
      sb_putc(&mark, '^');
    else if (i < hi)
      sb_putc(&mark, '~');
    i += len;
  }
  if (lo >= end)
    sb_putc(&mark, '^');
  fprintf(d->out, "%s\n%s\n", text.s, mark.s);
  sb_free(&text);
  sb_free(&mark);
}

static void report(Diag *d, Loc at, const char *kind, const char *fmt, va_list ap) {
  int line, col;
  source_linecol(d->src, at.lo, &line, &col);
  fprintf(d->out, "%s:%d:%d: %s: ", d->src->name, line, col, kind);
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  show_line(d, at);
}

enum { MAX_SHOWN_ERRORS = 50 };

void diag_error(Diag *d, Loc at, const char *fmt, ...) {
  va_list ap;
  if (d->errors >= MAX_SHOWN_ERRORS) {
    if (d->errors++ == MAX_SHOWN_ERRORS)
      fprintf(d->out, "%s: note: too many errors; the rest are not shown\n", d->src->name);
    return;
  }
  va_start(ap, fmt);
  report(d, at, "error", fmt, ap);
  va_end(ap);
  d->errors++;
}

void diag_warning(Diag *d, Loc at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(d, at, "warning", fmt, ap);
  va_end(ap);
  d->warnings++;
}

void diag_note(Diag *d, Loc at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(d, at, "note", fmt, ap);
  va_end(ap);
}

static int edit_distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b);
  if (la > 64 || lb > 64)
    return 1 << 20;
  int row[65];
  for (int j = 0; j <= lb; j++)
    row[j] = j;
  for (int i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = i;
    for (int j = 1; j <= lb; j++) {
      int up = row[j];
      int best = diag + (a[i - 1] != b[j - 1]);
      if (row[j] + 1 < best)
        best = row[j] + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *closest_name(const char *name, const char *const *cands, int n) {
  int limit = (int)strlen(name) / 3;
  if (limit < 1)
    limit = 1;
  if (limit > 3)
    limit = 3;
  const char *best = NULL;
  int best_d = limit + 1;
  for (int i = 0; i < n; i++) {
    int dist = edit_distance(name, cands[i]);
    if (dist > 0 && dist < best_d) {
      best = cands[i];
      best_d = dist;
    }
  }
  return best;
}
