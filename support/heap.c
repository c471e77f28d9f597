/* heap.c - how the compiler asks for memory on Linux with glibc. A
 * compilation of 10^6 nodes allocates, frees and reads out of order a few
 * hundred megabytes (doc/performance.md (24), (27)). Elsewhere these do
 * nothing. */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* sbrk, madvise, MADV_HUGEPAGE */
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif
#include <stdint.h>

#include "support.h"

#if defined(__linux__) && defined(__GLIBC__) && defined(MADV_HUGEPAGE)
#define TUNED 1
#endif

enum { HUGE_AFTER = 16 << 20, PAD = 64 << 20 };

#ifdef TUNED
static char *start, *done; /* the heap's start; the end of what is advised */
#endif

void heap_tune(void) {
#ifdef TUNED
  /* All memory from the heap, and none given back: a later phase reuses
   * what an earlier one freed instead of faulting in fresh pages. */
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);
  start = done = sbrk(0);
  if (start == (char *)-1)
    start = NULL;
#endif
}

/* Once the heap is large, it grows far ahead of its use and what it grows
 * by is advised to use transparent huge pages (2 MiB): with 4 KiB pages
 * most of the compiler's reads out of order (the sharing table, the
 * graphs' nodes, the emitter's records) also missed the TLB, and each 4 KiB
 * of fresh memory was a page fault. Small compilations keep small pages. */
void heap_grown(void) {
#ifdef TUNED
  if (!start)
    return;
  char *top = sbrk(0);
  if (top == (char *)-1 || top - start < HUGE_AFTER || top <= done)
    return;
  if (done == start)
    mallopt(M_TOP_PAD, PAD);
  uintptr_t lo = ((uintptr_t)done + 4095) & ~(uintptr_t)4095;
  if ((uintptr_t)top > lo)
    madvise((void *)lo, (size_t)((uintptr_t)top - lo), MADV_HUGEPAGE);
  done = top;
#endif
}
