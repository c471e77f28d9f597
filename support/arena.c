/* arena.c - one region per compilation, freed at once; the checked
 * allocation everything else uses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* C99 has no max_align_t: this union is aligned for every type we store. */
typedef union Align {
  long double ld;
  long long ll;
  void *p;
  double d;
} Align;

struct ArenaBlock {
  ArenaBlock *next;
  size_t used, size;
  Align data[]; /* flexible, suitably aligned */
};

enum { ARENA_BLOCK = 1 << 16 };

static void *checked(void *p) {
  if (!p) {
    fputs("adc: fatal error: out of memory\n", stderr);
    exit(2);
  }
  heap_grown();
  return p;
}

void *xmalloc(size_t n) { return checked(malloc(n ? n : 1)); }
void *xrealloc(void *p, size_t n) { return checked(realloc(p, n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return checked(calloc(n ? n : 1, size ? size : 1)); }

void *arena_alloc(Arena *a, size_t n) {
  const size_t align = sizeof(Align);
  n = (n + align - 1) / align * align;
  ArenaBlock *b = a->head;
  if (!b || b->size - b->used < n) {
    size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    b = xmalloc(sizeof *b + size);
    b->used = 0;
    b->size = size;
    b->next = a->head;
    a->head = b;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void arena_free(Arena *a) {
  while (a->head) {
    ArenaBlock *next = a->head->next;
    free(a->head);
    a->head = next;
  }
}
