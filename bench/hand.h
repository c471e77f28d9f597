/* hand.h - the hand-written gradients of bench/hand.c, compiled apart from
 * the timing loops like adc's output, so that neither side is inlined. */
#ifndef ADC_BENCH_HAND_H
#define ADC_BENCH_HAND_H

double seed_hand(double x0, double x1, double *g0, double *g1);
double rosen_hand(double x, double y, double *gx, double *gy);
double rosen_n_hand(int n, const double *x, double *g);
void ba_hand(const double *cam, const double *X, double w, const double *feat, double *ex, double *ey,
             double *jac);
double gmm_hand(int K, int D, int N, const double *alphas, const double *means, const double *icf,
                const double *x, double gamma, double m, double *ga, double *gm, double *gi);
double oscillator_hand(double x0, double v0, double c, double k, double T, double *gx, double *gv, double *gc);
/* ADBench's LSTM: gm main's gradient (8lb), ge extra's (3b) */
double lstm_hand(int l, int b, int c, const double *main, const double *extra, const double *state,
                 const double *seq, double *gm, double *ge);
/* plain C forward functions: what adc's forward functions are measured
 * against; lstm's and heat's work: 2lb + 2b and 2n doubles */
double seed_plain(double x0, double x1);
double rosen_plain(double x, double y);
double rosen_n_plain(int n, const double *x);
void ba_plain(const double *cam, const double *X, double w, const double *feat, double *ex, double *ey);
double gmm_plain(int K, int D, int N, const double *alphas, const double *means, const double *icf,
                 const double *x, double gamma, double m);
double oscillator_plain(double x0, double v0, double c, double k, double T);
double lstm_plain(int l, int b, int c, const double *main, const double *extra, const double *state,
                  const double *seq, double *work);
double heat_plain(int n, const double *u0, double k, int steps, double *work);
/* heat's gradient by hand: the state of every step stored (work: n*steps
 * + 2n doubles), then the adjoint step as a gather, one pass per step */
double heat_hand(int n, const double *u0, double k, int steps, double *u0_bar, double *k_bar, double *work);
/* Hessian-vector products by hand, as f_hvp's: the value returned, the
 * gradient into g, H v into hv */
double rosen_n_hvp_hand(int n, const double *x, const double *v, double *g, double *hv);
double logistic_hvp_hand(int d, int m, const double *w, const double *X, const double *y, const double *v,
                         double *g, double *hv);
/* heat's by hand: the tangent (work: 4n doubles) and H v (work: 2 n steps
 * + 4n: the state and its tangent at every step) */
double heat_jvp_hand(int n, const double *u0, double k, int steps, const double *u0_dot, double k_dot,
                     double *e_dot, double *work);
double heat_hvp_hand(int n, const double *u0, double k, int steps, const double *u0_dot, double k_dot,
                     double *u0_bar, double *k_bar, double *u0_bar_dot, double *k_bar_dot, double *work);

#endif
