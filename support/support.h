/* support.h - arena allocator, growable arrays, string builder, diagnostics.
 *
 * Memory has a lifetime, not an owner: everything a compilation allocates lives
 * in one Arena and is released at once by arena_free. Growable arrays (Vec) are
 * the exception: they live on the heap so they can double in place, and are
 * freed by their owner. */
#ifndef ADC_SUPPORT_H
#define ADC_SUPPORT_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ADC_VERSION "0.1.0"

/* ---- arena.c ---- */
typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
  ArenaBlock *head; /* newest block first */
} Arena;

void *arena_alloc(Arena *a, size_t n); /* zeroed, aligned for any type */
char *arena_strndup(Arena *a, const char *s, size_t n);
void arena_free(Arena *a);

/* Allocation that cannot fail silently: on exhaustion prints a clean
 * diagnostic and exits with status 2 (no output file is ever written). */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xcalloc(size_t n, size_t size);
/* heap.c: the binary's memory tuning (Linux with glibc; elsewhere nothing):
 * heap_tune at start, heap_grown after each allocation (the x* above). */
void heap_tune(void);
void heap_grown(void);

/* ---- vec: a growable array of any element type ----
 *   struct { T *v; int n, cap; } — declared with VEC(T). */
#define VEC(T) struct { T *v; int n, cap; }
#define vec_push(vec, x)                                                       \
  do {                                                                         \
    if ((vec)->n == (vec)->cap) {                                              \
      (vec)->cap = (vec)->cap ? 2 * (vec)->cap : 8;                            \
      (vec)->v = xrealloc((vec)->v, (size_t)(vec)->cap * sizeof *(vec)->v);    \
    }                                                                          \
    (vec)->v[(vec)->n++] = (x);                                                \
  } while (0)
/* Room for m elements in all: one reallocation instead of a doubling's copies. */
#define vec_reserve(vec, m)                                                    \
  do {                                                                         \
    if ((vec)->cap < (m)) {                                                    \
      (vec)->cap = (m);                                                        \
      (vec)->v = xrealloc((vec)->v, (size_t)(vec)->cap * sizeof *(vec)->v);    \
    }                                                                          \
  } while (0)
#define vec_free(vec) (free((vec)->v), (vec)->v = NULL, (vec)->n = (vec)->cap = 0)

/* ---- strbuf.c ---- */
typedef struct StrBuf {
  char *s; /* always NUL-terminated once anything is written */
  size_t len, cap;
  FILE *sink;     /* if set, sb_drain moves the text here */
  int sink_error; /* a write to sink failed */
} StrBuf;

void sb_reserve(StrBuf *b, size_t extra); /* room for extra more bytes and the NUL */

/* Inline, as the emitter appends short pieces millions of times: the
 * lengths of literals are then known where they are written. Writing to a
 * NULL buffer does nothing: the emitter's first walk builds its lines
 * nowhere (codegen/emit.h). */
static inline void sb_putn(StrBuf *b, const char *s, size_t n) { /* n bytes of s */
  if (!b)
    return;
  if (b->len + n + 1 > b->cap)
    sb_reserve(b, n);
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}
static inline void sb_puts(StrBuf *b, const char *s) {
  if (b)
    sb_putn(b, s, strlen(s));
}
static inline void sb_putc(StrBuf *b, char c) { sb_putn(b, &c, 1); }
void sb_int(StrBuf *b, long v); /* v in decimal */
int put_decimal(char *p, long long v); /* v in decimal at p (room for 21), NUL-ended; its length */
void sb_printf(StrBuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sb_free(StrBuf *b);
/* With a sink: write out what is buffered once it is large (or always,
 * when force), so that huge outputs need not fit in memory. */
void sb_drain(StrBuf *b, int force);

/* Shortest decimal text that reads back as exactly d, always with a '.' or
 * exponent so that C reads it as a double ("2.0", "0.1", "1e-300"). */
void sb_double(StrBuf *b, double d);

/* Ask for p's cache line before it is needed (gcc, clang; nothing elsewhere):
 * for passes that read or write large arrays out of order. */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* ---- diag.c: gcc-style diagnostics ---- */
typedef struct Loc {
  int lo, hi; /* byte offsets [lo, hi) into the source */
} Loc;

typedef struct Source {
  const char *name; /* as given on the command line */
  const char *text; /* the whole file; text[len] == '\0' */
  int len;
  int *line_start; /* offsets of each line's first byte */
  int nlines;
} Source;

typedef struct Diag {
  const Source *src;
  FILE *out;   /* stderr, or a memory stream in tests */
  int errors;  /* count of errors reported */
  int warnings;
} Diag;

void source_init(Source *s, const char *name, const char *text, int len);
void source_free(Source *s);
void source_linecol(const Source *s, int off, int *line, int *col);

void diag_error(Diag *d, Loc at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void diag_warning(Diag *d, Loc at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void diag_note(Diag *d, Loc at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The closest of cands[0..n) to name by edit distance, or NULL when none is
 * close enough to be a plausible typo. */
const char *closest_name(const char *name, const char *const *cands, int n);



/* ---- strmap.c: string -> int hash map (keys are borrowed, not copied) ---- */
typedef struct StrEntry {
  const char *key; /* NULL: empty */
  unsigned hash;   /* compared first: a probe reads another key only when equal */
  int val;
} StrEntry;

typedef struct StrMap {
  StrEntry *e;
  unsigned cap, n;
} StrMap;

int strmap_get(const StrMap *m, const char *key, int missing);
void strmap_put(StrMap *m, const char *key, int val);
void strmap_free(StrMap *m);
#endif
