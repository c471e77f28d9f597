/* main.c - adc's entry point. */
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

#include "driver.h"

/* A compilation allocates and frees a few hundred megabytes in large arrays
 * for inputs of 10^6 nodes. glibc's malloc would map each large array
 * afresh and return freed memory to the system at once, so every phase
 * would fault in and zero new pages; keeping it all in the heap lets a
 * later phase reuse what an earlier one freed (a sixth of the time on such
 * inputs, doc/performance.md (24)). */
static void keep_freed_memory(void) {
#if defined(M_MMAP_MAX) && defined(M_TRIM_THRESHOLD)
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);
#endif
}

int main(int argc, char **argv) {
  Options o;
  int rc = adc_parse_args(argc, argv, &o, stdout, stderr);
  if (rc >= 0)
    return rc;
  keep_freed_memory();
  return adc_run(&o, stderr);
}
