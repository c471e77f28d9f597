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

int strmap_get(const StrMap *m, const char *key, int missing) {
  if (!m->cap)
    return missing;
  for (unsigned i = str_hash(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
    if (strcmp(m->keys[i], key) == 0)
      return m->vals[i];
  return missing;
}

static void put(StrMap *m, const char *key, int val) {
  unsigned i = str_hash(key) & (m->cap - 1);
  for (; m->keys[i]; i = (i + 1) & (m->cap - 1))
    if (strcmp(m->keys[i], key) == 0) {
      m->vals[i] = val;
      return;
    }
  m->keys[i] = key;
  m->vals[i] = val;
  m->n++;
}

void strmap_put(StrMap *m, const char *key, int val) {
  if (2 * (m->n + 1) > m->cap) {
    StrMap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->vals = xcalloc(m->cap, sizeof *m->vals);
    m->n = 0;
    for (unsigned i = 0; i < old.cap; i++)
      if (old.keys[i])
        put(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
  }
  put(m, key, val);
}

void strmap_free(StrMap *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}
