/* timing.h - what the benchmarks share: the clock, the timing of calls in
 * rounds, random data and the check that results agree. */
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

/* Each time is the median of REPS blocks of calls; what is compared is timed
 * in turn within each round. */
enum { REPS = 7 };
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *t) {
  qsort(t, REPS, sizeof *t, cmp_double);
  return t[REPS / 2];
}

/* ns per call of expr over `calls` calls; i is the call's number (to vary
 * the point) */
#define BLOCK(out, calls, expr)                                                \
  do {                                                                         \
    double t0_ = now(), acc_ = 0;                                              \
    for (long i = 0; i < (calls); i++)                                         \
      acc_ += (expr);                                                          \
    sink = acc_;                                                               \
    out = (now() - t0_) / (double)(calls) * 1e9;                               \
  } while (0)

/* median over REPS blocks */
#define TIME(med, calls, expr)                                                 \
  do {                                                                         \
    double t_[REPS];                                                           \
    for (int r_ = 0; r_ < REPS; r_++)                                          \
      BLOCK(t_[r_], calls, expr);                                              \
    med = median(t_);                                                          \
  } while (0)

/* The forward function, adc's gradient, the hand-written gradient and the
 * plain forward function, timed in turn within each of REPS rounds, so that
 * the drift of a shared machine meets all four alike (their ratios are the
 * point) */
#define TIME_SIDE(calls, tf, ef, ta, ea, th, eh, tp, ep)                       \
  do {                                                                         \
    double f_[REPS], a_[REPS], h_[REPS], p_[REPS];                             \
    for (int r_ = 0; r_ < REPS; r_++) {                                        \
      BLOCK(f_[r_], calls, ef);                                                \
      BLOCK(a_[r_], calls, ea);                                                \
      BLOCK(h_[r_], calls, eh);                                                \
      BLOCK(p_[r_], calls, ep);                                                \
    }                                                                          \
    tf = median(f_), ta = median(a_), th = median(h_), tp = median(p_);        \
  } while (0)

/* f and f_jvp timed in turn within each of REPS rounds */
#define TIME_PAIR(calls, tf, ef, tj, ej)                                       \
  do {                                                                         \
    double f_[REPS], j_[REPS];                                                 \
    for (int r_ = 0; r_ < REPS; r_++) {                                        \
      BLOCK(f_[r_], calls, ef);                                                \
      BLOCK(j_[r_], calls, ej);                                                \
    }                                                                          \
    tf = median(f_), tj = median(j_);                                          \
  } while (0)

/* calls that take about 20 ms, from one timed call of expr */
#define CALLS(n, expr)                                                         \
  do {                                                                         \
    long i = 0;                                                                \
    double t0_ = now();                                                        \
    sink = (expr);                                                             \
    double t_ = now() - t0_;                                                   \
    n = t_ > 0.02 ? 1 : (long)(0.02 / (t_ > 1e-8 ? t_ : 1e-8));                \
    (void)i;                                                                   \
  } while (0)


/* n values drawn in [lo, hi] (at least one place) */
static double *filled(long n, double lo, double hi) {
  double *v = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  for (long i = 0; i < n; i++)
    v[i] = lo + (hi - lo) * rand() / (double)RAND_MAX;
  return v;
}

/* Results that disagree make the timings meaningless: stop. */
static void agree(const char *what, const double *a, const double *b, long n) {
  for (long i = 0; i < n; i++)
    if (!(fabs(a[i] - b[i]) <= 1e-8 * (1 + fabs(a[i]) + fabs(b[i])))) {
      fprintf(stderr, "bench: %s: entry %ld is %.17g, adc says %.17g\n", what, i, b[i], a[i]);
      exit(1);
    }
}

#endif
