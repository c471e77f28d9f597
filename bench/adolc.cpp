// adolc.cpp - the same problems taped with ADOL-C (Debian libadolc-dev):
// each tape is recorded once, then every call is one gradient() (or
// jacobian(), hess_vec(), hessian()) on it, the way ADOL-C is meant to be
// used.
#include <adolc/adolc.h>
#include <cmath>

#include "adolc_bench.h"

enum { SEED = 1, ROSEN, ROSEN_N, BA = ROSEN_N + 3, LOGISTIC };

template <class T> static T rosen_n(int n, const T *x) {
  T f = 0;
  for (int i = 0; i + 1 < n; i++)
    f += 100 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1 - x[i]) * (1 - x[i]);
  return f;
}

static void ba_model(const adouble *cam, const adouble *X, adouble w, const double *feat, adouble *e) {
  adouble p0 = X[0] - cam[3], p1 = X[1] - cam[4], p2 = X[2] - cam[5];
  adouble sq = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2], t = sqrt(sq);
  adouble a = cos(t), b = sin(t) / t, c = (1 - cos(t)) / sq;
  adouble rp = cam[0] * p0 + cam[1] * p1 + cam[2] * p2;
  adouble q0 = a * p0 + b * (cam[1] * p2 - cam[2] * p1) + c * rp * cam[0];
  adouble q1 = a * p1 + b * (cam[2] * p0 - cam[0] * p2) + c * rp * cam[1];
  adouble q2 = a * p2 + b * (cam[0] * p1 - cam[1] * p0) + c * rp * cam[2];
  adouble u = q0 / q2, v = q1 / q2, rsq = u * u + v * v;
  adouble L = 1 + cam[9] * rsq + cam[10] * rsq * rsq;
  e[0] = w * (cam[6] * L * u + cam[7] - feat[0]);
  e[1] = w * (cam[6] * L * v + cam[8] - feat[1]);
}

static const int sizes[3] = {10, 100, 1000};

extern "C" void adolc_record(const double *x, const double *ba_in, const double *feat) {
  double y;
  trace_on(SEED);
  {
    adouble a, b, f;
    a <<= x[0];
    b <<= x[1];
    f = sin(a) * (a + b);
    f >>= y;
  }
  trace_off();
  trace_on(ROSEN);
  {
    adouble a, b, f;
    a <<= x[0];
    b <<= x[1];
    f = (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a);
    f >>= y;
  }
  trace_off();
  for (int s = 0; s < 3; s++) {
    trace_on(ROSEN_N + s);
    adouble *ax = new adouble[sizes[s]];
    for (int i = 0; i < sizes[s]; i++)
      ax[i] <<= x[i];
    adouble f = rosen_n(sizes[s], ax);
    f >>= y;
    delete[] ax;
    trace_off();
  }
  trace_on(BA);
  {
    adouble in[15], e[2];
    for (int i = 0; i < 15; i++)
      in[i] <<= ba_in[i];
    ba_model(in, in + 11, in[14], feat, e);
    double out[2];
    e[0] >>= out[0];
    e[1] >>= out[1];
  }
  trace_off();
}

extern "C" double adolc_seed(const double *x, double *g) { return gradient(SEED, 2, x, g); }
extern "C" double adolc_rosen(const double *x, double *g) { return gradient(ROSEN, 2, x, g); }
extern "C" double adolc_rosen_n(int which, const double *x, double *g) {
  return gradient(ROSEN_N + which, sizes[which], x, g);
}
extern "C" void adolc_ba(const double *in, double *jac) {
  static double *rows[2];
  rows[0] = jac;
  rows[1] = jac + 15;
  jacobian(BA, 2, 15, in, rows);
}

extern "C" void adolc_rosen_n_hvp(int which, const double *x, const double *v, double *hv) {
  hess_vec(ROSEN_N + which, sizes[which], const_cast<double *>(x), const_cast<double *>(v), hv);
}

// hessian() fills the lower triangle of its rows: into H, n x n row-major
static void lower_into(short tag, int n, const double *x, double *H) {
  double **rows = new double *[n];
  for (int i = 0; i < n; i++)
    rows[i] = H + (long)i * n;
  hessian(tag, n, const_cast<double *>(x), rows);
  delete[] rows;
}

extern "C" void adolc_rosen_n_hess(int which, const double *x, double *H) { lower_into(ROSEN_N + which, sizes[which], x, H); }

static int logistic_d;

extern "C" void adolc_record_logistic(int d, int m, const double *w, const double *X, const double *y) {
  double out;
  logistic_d = d;
  trace_on(LOGISTIC);
  {
    adouble *aw = new adouble[d], f = 0;
    for (int j = 0; j < d; j++)
      aw[j] <<= w[j];
    for (int i = 0; i < m; i++) {
      adouble z = 0;
      for (int j = 0; j < d; j++)
        z += aw[j] * X[(long)i * d + j];
      f += log(1 + exp(-y[i] * z));
    }
    f >>= out;
    delete[] aw;
  }
  trace_off();
}

extern "C" void adolc_logistic_hvp(const double *w, const double *v, double *hv) {
  hess_vec(LOGISTIC, logistic_d, const_cast<double *>(w), const_cast<double *>(v), hv);
}

extern "C" void adolc_logistic_hess(const double *w, double *H) { lower_into(LOGISTIC, logistic_d, w, H); }
