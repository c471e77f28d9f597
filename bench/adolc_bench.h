/* adolc_bench.h - ADOL-C's side of the benchmark (bench/adolc.cpp), built
 * only when Debian's libadolc-dev is installed. */
#ifndef ADC_BENCH_ADOLC_H
#define ADC_BENCH_ADOLC_H
#ifdef __cplusplus
extern "C" {
#endif
/* Records the tapes once at these points (x: up to 1000 values; ba_in: cam,
 * X, w; feat: the data). */
void adolc_record(const double *x, const double *ba_in, const double *feat);
double adolc_seed(const double *x, double *g);
double adolc_rosen(const double *x, double *g);
double adolc_rosen_n(int which, const double *x, double *g); /* which: n = 10, 100, 1000 */
void adolc_ba(const double *in, double *jac);
/* second order: hess_vec() and hessian() (the lower triangle into H, n x n) */
void adolc_rosen_n_hvp(int which, const double *x, const double *v, double *hv);
void adolc_rosen_n_hess(int which, const double *x, double *H);
void adolc_record_logistic(int d, int m, const double *w, const double *X, const double *y);
void adolc_logistic_hvp(const double *w, const double *v, double *hv);
void adolc_logistic_hess(const double *w, double *H);
#ifdef __cplusplus
}
#endif
#endif
