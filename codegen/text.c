/* text.c - where a walk's text goes (emit.h): names as numbers, lines at
 * their depth, the source comment ending each line, #line directives.
 * With no output (the first walk) lines are built and dropped here, so that
 * nothing above this file needs to know which walk it is in. */
#include <limits.h>
#include <string.h>

#include "emit.h"

/* zK, zK_bar, zK_dot (in direction w: zK_dot2 ...), zK_bar_dot (...): the
 * numbers NAME_KINDS K + 1 on */
Name z_name(int k) { return NAME_KINDS * (Name)k + 1; }
Name bar_name(int k) { return NAME_KINDS * (Name)k + 2; }
Name dot_name(int k, int w) { return NAME_KINDS * (Name)k + 3 + w; }
Name bar_dot_name(int k, int w) { return NAME_KINDS * (Name)k + 3 + IR_MAX_DIRS + w; }

const char *name_text(Name nm, char *buf) {
  put_name_at(buf, nm);
  return buf;
}

/* Text goes to e->out; with none (the first walk), nowhere. A section
 * marker waits for the first line of its section, so that an
 * empty sweep prints no heading. */
void put_n(Em *e, const char *s, size_t n) {
  if (!e->out)
    return;
  if (e->marker) {
    const char *m = e->marker;
    e->marker = NULL;
    for (int d = 0; d < e->depth; d++) /* f_jac of array results: inside its loop over rows */
      put_n(e, "  ", 2);
    put_n(e, m, strlen(m));
  }
  sb_putn(e->out, s, n);
  sb_drain(e->out, 0);
  if (e->presumed >= 0)
    for (size_t i = 0; i < n; i++)
      e->presumed += s[i] == '\n';
}

void put(Em *e, const char *s) { put_n(e, s, strlen(s)); }

void indent(Em *e) {
  static const char spaces[] = "                                "; /* 16 levels at once */
  for (int d = e->depth; d > 0; d -= 16)
    put_n(e, spaces, 2 * (size_t)(d < 16 ? d : 16));
}

void put_decl(StrBuf *b, const char *type) {
  sb_puts(b, "const ");
  sb_puts(b, type);
  sb_putc(b, ' ');
}

/* The .ad line of byte offset off: most lines of output come from the line
 * the one before came from, so that line's extent is kept; most others
 * from the line before it (a reverse sweep) or after it. */
static int src_line(Em *e, int off) {
  if (off < e->line_lo || off >= e->line_hi) {
    const Source *s = e->src;
    int k = e->line_no; /* 1-based; 0 before the first */
    if (k >= 2 && off < e->line_lo && off >= s->line_start[k - 2]) {
      k--;
    } else if (k >= 1 && off >= e->line_hi && (k + 1 >= s->nlines || off < s->line_start[k + 1])) {
      k++;
    } else {
      int col;
      source_linecol(s, off, &k, &col);
    }
    e->line_no = k;
    e->line_lo = s->line_start[k - 1];
    e->line_hi = k < s->nlines ? s->line_start[k] : INT_MAX;
  }
  return e->line_no;
}

/* "  / * 12: sin(x0) * /" (or "  # 12: sin(x0)"): the line and a short,
 * comment-safe excerpt of the source a node comes from. */
enum { EXCERPT = 48 }; /* characters of source shown, spaces counted */

/* How a source byte shows in a comment: as itself; as one space (a run of
 * white space); as itself but not after its partner ('/' after '*', '*'
 * after '/': no end of the comment); as '?' (outside printable ASCII, and
 * '?' itself: not after another '?', no trigraph). A table, as make_comment
 * looks at every byte of every comment. */
enum ShownAs { AS_SELF, AS_SPACE, AS_PAIRED, AS_QUERY };

void text_init(Em *e) {
  e->presumed = -1;
  for (int c = 0; c < 256; c++)
    e->shown_as[c] = c == ' ' || c == '\t' || c == '\n' || c == '\r' ? AS_SPACE
                     : c == '/' || c == '*'                        ? AS_PAIRED
                     : c >= 33 && c < 127 && c != '?'              ? AS_SELF
                                                                   : AS_QUERY;
}

/* The excerpt of source span [lo, hi) into text (room for 3 * EXCERPT);
 * its length, and in *shown the characters it shows. */
static int excerpt(const Em *e, int lo, int hi, char *text, int *shown_out) {
  const char *src = e->src->text;
  int shown = 0, space = 0, k = 0, i = lo;
  char prev = 0;
  while (i < hi && shown < EXCERPT) {
    int as = e->shown_as[(unsigned char)src[i]];
    if (as == AS_SPACE) {
      space = 1;
      i++;
      continue;
    }
    if (space && shown)
      text[k++] = ' ', shown++;
    space = 0;
    if (as == AS_SELF) { /* a run of bytes shown as themselves, to the excerpt's end at most */
      int from = i, end = i + (EXCERPT - shown) < hi ? i + (EXCERPT - shown) : hi;
      do
        text[k++] = src[i++];
      while (i < end && e->shown_as[(unsigned char)src[i]] == AS_SELF);
      shown += i - from;
      prev = src[i - 1];
      continue;
    }
    char out = as == AS_QUERY ? '?' : src[i];
    if (prev == (out == '/' ? '*' : out == '*' ? '/' : '?'))
      text[k++] = ' '; /* no end of the comment, no trigraph */
    text[k++] = out;
    prev = out;
    shown++;
    i++;
  }
  *shown_out = shown;
  return k;
}

static void make_comment(Em *e, StrBuf *b, Loc at) {
  int more = at.lo < 0; /* a later step of a chain: see Node.src */
  if (more)
    at.lo = -1 - at.lo;
  if (!e->src || at.hi <= at.lo || at.hi > e->src->len)
    return;
  sb_puts(b, e->ssa ? "  # " : "  /* ");
  sb_int(b, src_line(e, at.lo));
  sb_puts(b, more ? ": ... " : ": ");
  char text[3 * EXCERPT]; /* gathered here, then appended at once */
  int shown, k = excerpt(e, at.lo, at.hi, text, &shown);
  sb_putn(b, text, (size_t)k);
  if (at.hi - at.lo > shown + 1 && shown >= EXCERPT)
    sb_puts(b, " ...");
  if (!e->ssa)
    sb_puts(b, " */");
}

/* The lines of one node's derivative come one after the other and share its
 * comment: the last one made is kept and used again for the same span. (A
 * cache of all of them cost more than it saved: on large graphs a lookup
 * misses the processor's caches.) */
static void comment(Em *e, StrBuf *b, Loc at) {
  if (e->last_comment.s && at.lo == e->last_at.lo && at.hi == e->last_at.hi) {
    sb_putn(b, e->last_comment.s, e->last_comment.len);
    return;
  }
  size_t start = b->len;
  make_comment(e, b, at);
  e->last_comment.len = 0;
  sb_putn(&e->last_comment, b->s + start, b->len - start);
  e->last_at = at;
}

void put_line(Em *e, StrBuf *b) {
  if (!b)
    return;
  if (e->out) {
    sb_putc(b, '\n');
    indent(e);
    put_n(e, b->s, b->len);
  }
  b->len = 0;
  if (b->s)
    b->s[0] = '\0';
}

/* --line: before a statement from another .ad line than the compiler would
 * assume, a #line directive (so that its messages and debuggers point
 * into the .ad file). */
static void line_directive(Em *e, Loc at) {
  if (at.lo < 0)
    at.lo = -1 - at.lo;
  if (!e->src || at.hi <= at.lo || at.hi > e->src->len)
    return;
  int line, col;
  source_linecol(e->src, at.lo, &line, &col);
  if (line == e->presumed)
    return;
  char buf[64];
  snprintf(buf, sizeof buf, "#line %d \"", line);
  e->presumed = -1; /* put() must not count this one */
  put(e, buf);
  for (const char *p = e->opts->path; *p; p++) {
    char c[3] = {*p, 0, 0};
    if (*p == '"' || *p == '\\')
      c[0] = '\\', c[1] = *p;
    put(e, c);
  }
  put(e, "\"\n");
  e->presumed = line;
}

static void line_close(Em *e, StrBuf *b, Loc at, int semicolon) {
  if (b && e->out) {
    if (!e->ssa && semicolon)
      sb_putc(b, ';');
    comment(e, b, at);
    if (e->opts->line_directives && !e->ssa)
      line_directive(e, at);
  }
  put_line(e, b);
}

void line_end(Em *e, StrBuf *b, Loc at) { line_close(e, b, at, 1); }
void block_end(Em *e, StrBuf *b, Loc at) { line_close(e, b, at, 0); }

void put_statement(Em *e, StrBuf *b) {
  if (!e->ssa)
    sb_putc(b, ';');
  put_line(e, b);
}

void close_brace(Em *e, StrBuf *b) {
  e->depth--;
  sb_puts(b, "}");
  put_line(e, b);
}

/* (void) casts for parameters the body does not read, so that the file
 * compiles cleanly under -Wall -Wextra. */
void emit_unused(Em *e, const char *const *unused, int n) {
  for (int i = 0; i < n; i++) {
    indent(e);
    put(e, "(void)");
    put(e, unused[i]);
    put(e, ";\n");
  }
}

/* HUGE_VAL (an infinity under IEEE 754) of the type, where INFINITY is a
 * float and trips -Wdouble-promotion. */
const char *huge_val(const Em *e) {
  return e->opts->real == 1 ? "HUGE_VALF" : e->opts->real == 2 ? "HUGE_VALL" : "HUGE_VAL";
}
