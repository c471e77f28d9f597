/* strmap.c - open-addressing string map for symbol tables. */
#include <stdlib.h>
#include <string.h>

#include "support.h"

static unsigned str_hash(const char *s) {
  unsigned h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

/* The slot of key (hash h): its entry, or the empty one where it goes. */
static StrEntry *slot(const StrMap *m, const char *key, unsigned h) {
  unsigned i = h & (m->cap - 1);
  for (; m->e[i].key; i = (i + 1) & (m->cap - 1))
    if (m->e[i].hash == h && strcmp(m->e[i].key, key) == 0)
      break;
  return &m->e[i];
}

int strmap_get(const StrMap *m, const char *key, int missing) {
  if (!m->cap)
    return missing;
  const StrEntry *e = slot(m, key, str_hash(key));
  return e->key ? e->val : missing;
}

static void put(StrMap *m, const char *key, unsigned h, int val) {
  StrEntry *e = slot(m, key, h);
  if (!e->key) {
    e->key = key;
    e->hash = h;
    m->n++;
  }
  e->val = val;
}

void strmap_put(StrMap *m, const char *key, int val) {
  if (2 * (m->n + 1) > m->cap) {
    StrMap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->e = xcalloc(m->cap, sizeof *m->e);
    m->n = 0;
    for (unsigned i = 0; i < old.cap; i++)
      if (old.e[i].key)
        put(m, old.e[i].key, old.e[i].hash, old.e[i].val);
    free(old.e);
  }
  put(m, key, str_hash(key), val);
}

void strmap_free(StrMap *m) {
  free(m->e);
  memset(m, 0, sizeof *m);
}
