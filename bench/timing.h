/* timing.h - the clock the benchmarks share. */
#ifndef ADC_BENCH_TIMING_H
#define ADC_BENCH_TIMING_H
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Results are added into sink so that the compiler keeps every call. */
static volatile double sink;

#endif
