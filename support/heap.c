/* heap.c - how the compiler asks for memory on Linux with glibc. A
 * compilation of 10^6 nodes allocates, frees and reads out of order a few
 * hundred megabytes (doc/performance.md (24), (27), (39)). Elsewhere these
 * do nothing. */
#if defined(__linux__)
#define _DEFAULT_SOURCE /* sbrk, madvise, MADV_HUGEPAGE */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#endif
#include <stdint.h>

#include "support.h"

#if defined(__linux__) && defined(__GLIBC__) && defined(MADV_HUGEPAGE)
#define TUNED 1
#endif

enum { HUGE_AFTER = 16 << 20, PAD = 64 << 20, STEP = 2 << 20 };

#ifdef TUNED
static char *start, *done; /* the heap's start; the end of what is advised */

/* Each time a large heap grows, what it grows by is made (faulted in,
 * zeroed by the kernel) by a second thread while the compiler works in the
 * pages below: on a virtual machine a fresh page's first touch can cost as
 * much as the work then done in it. The price: every page the heap grows by
 * is made, used or not (the padding, a graph's room never written). Kernels
 * before Linux 5.14 refuse MADV_POPULATE_WRITE: then the thread stops. */
#ifdef MADV_POPULATE_WRITE
static pthread_mutex_t fill_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fill_more = PTHREAD_COND_INITIALIZER;
static uintptr_t fill_lo, fill_hi; /* what is left to fill */
static int filler_state;            /* 0 not started, 1 running, -1 stopped */

static void *fill_pages(void *unused) {
  (void)unused;
  pthread_mutex_lock(&fill_lock);
  for (;;) {
    while (fill_lo >= fill_hi)
      pthread_cond_wait(&fill_more, &fill_lock);
    uintptr_t lo = fill_lo, hi = fill_hi - lo > STEP ? lo + STEP : fill_hi;
    fill_lo = hi;
    pthread_mutex_unlock(&fill_lock);
    int refused = madvise((void *)lo, (size_t)(hi - lo), MADV_POPULATE_WRITE) != 0 && errno == EINVAL;
    pthread_mutex_lock(&fill_lock);
    if (refused) {
      filler_state = -1;
      pthread_mutex_unlock(&fill_lock);
      return NULL;
    }
  }
}

static void fill_ahead(uintptr_t lo, uintptr_t hi) {
  pthread_mutex_lock(&fill_lock);
  if (filler_state == 0) {
    pthread_t filler;
    filler_state = pthread_create(&filler, NULL, fill_pages, NULL) == 0 ? 1 : -1;
  }
  if (filler_state > 0) {
    if (fill_lo >= fill_hi)
      fill_lo = lo;
    fill_hi = hi;
    pthread_cond_signal(&fill_more);
  }
  pthread_mutex_unlock(&fill_lock);
}
#else
static void fill_ahead(uintptr_t lo, uintptr_t hi) { (void)lo, (void)hi; }
#endif
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
  if ((uintptr_t)top > lo) {
    madvise((void *)lo, (size_t)((uintptr_t)top - lo), MADV_HUGEPAGE);
    if (done != start) /* the first time, most of it is in use */
      fill_ahead(lo, (uintptr_t)top);
  }
  done = top;
#endif
}
