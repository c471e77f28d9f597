/* hand.c - gradients written by hand from the analytic derivatives, the
 * baseline adc's generated code is compared against. Each is written the
 * way a careful person would: shared subexpressions computed once, the
 * same algorithm as the .ad program (no reformulation that adc could not
 * know about), loop-invariant work hoisted out of loops. */
#include <math.h>
#include <stdlib.h>

#include "hand.h"

static const double PI = 3.14159265358979323846;

double seed_hand(double x0, double x1, double *g0, double *g1) {
  double s = sin(x0), c = cos(x0), t = x0 + x1;
  *g0 = c * t + s;
  *g1 = s;
  return s * t;
}

double rosen_hand(double x, double y, double *gx, double *gy) {
  double a = 1 - x, b = y - x * x;
  *gx = -2 * a - 400 * x * b;
  *gy = 200 * b;
  return a * a + 100 * b * b;
}

/* sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 */
double rosen_n_hand(int n, const double *x, double *g) {
  double f = 0;
  for (int i = 0; i < n; i++)
    g[i] = 0;
  for (int i = 0; i + 1 < n; i++) {
    double b = x[i + 1] - x[i] * x[i], a = 1 - x[i];
    f += 100 * b * b + a * a;
    g[i] += -400 * x[i] * b - 2 * a;
    g[i + 1] += 200 * b;
  }
  return f;
}

/* The residual of one observation and its 2 x 15 Jacobian (columns: cam[11],
 * X[3], w) by the chain rule through the Rodrigues rotation, the perspective
 * division and the radial distortion (cam[0..2] must not be 0). */
void ba_hand(const double *cam, const double *X, double w, const double *feat, double *ex, double *ey,
             double *jac) {
  const double *r = cam;
  double p[3] = {X[0] - cam[3], X[1] - cam[4], X[2] - cam[5]};
  double sq = r[0] * r[0] + r[1] * r[1] + r[2] * r[2], t = sqrt(sq);
  double a = cos(t), b = sin(t) / t, c = (1 - a) / sq;
  double rp = r[0] * p[0] + r[1] * p[1] + r[2] * p[2];
  double rxp[3] = {r[1] * p[2] - r[2] * p[1], r[2] * p[0] - r[0] * p[2], r[0] * p[1] - r[1] * p[0]};
  double q[3];
  for (int i = 0; i < 3; i++)
    q[i] = a * p[i] + b * rxp[i] + c * rp * r[i];
  double u = q[0] / q[2], v = q[1] / q[2], rsq = u * u + v * v;
  double f = cam[6], k1 = cam[9], k2 = cam[10];
  double L = 1 + k1 * rsq + k2 * rsq * rsq, dL = 2 * (k1 + 2 * k2 * rsq); /* dL/du = dL * u */
  double pu = f * L * u + cam[7] - feat[0], pv = f * L * v + cam[8] - feat[1];
  *ex = w * pu;
  *ey = w * pv;
  /* d(ex, ey)/d(u, v) */
  double eu = w * f * (L + u * dL * u), ev = w * f * u * dL * v;
  double fu = w * f * v * dL * u, fv = w * f * (L + v * dL * v);
  /* d(ex, ey)/dq through u = q0/q2, v = q1/q2 */
  double iq = 1 / q[2];
  double dq[2][3] = {{eu * iq, ev * iq, -(eu * u + ev * v) * iq}, {fu * iq, fv * iq, -(fu * u + fv * v) * iq}};
  /* dq/dp = a I + b [r]x + c r r^T;  dq/dr = p da^T + rxp db^T - b [p]x + r rp dc^T + c (rp I + r p^T)
   * with da = -b r, db = (a - b)/sq r, dc = (b - 2c)/sq r */
  double da = -b, db = (a - b) / sq, dc = (b - 2 * c) / sq;
  double Qp[3][3], Qr[3][3];
  double rx[3][3] = {{0, -r[2], r[1]}, {r[2], 0, -r[0]}, {-r[1], r[0], 0}};
  double px[3][3] = {{0, -p[2], p[1]}, {p[2], 0, -p[0]}, {-p[1], p[0], 0}};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      Qp[i][j] = (i == j ? a : 0) + b * rx[i][j] + c * r[i] * r[j];
      Qr[i][j] = (p[i] * da + rxp[i] * db + r[i] * rp * dc) * r[j] - b * px[i][j] + c * ((i == j ? rp : 0) + r[i] * p[j]);
    }
  for (int k = 0; k < 2; k++) {
    double *J = jac + 15 * k;
    for (int j = 0; j < 3; j++) {
      double sr = 0, sp = 0;
      for (int i = 0; i < 3; i++) {
        sr += dq[k][i] * Qr[i][j];
        sp += dq[k][i] * Qp[i][j];
      }
      J[j] = sr;
      J[3 + j] = -sp;
      J[11 + j] = sp;
    }
    double uv = k ? v : u;
    J[6] = w * L * uv;
    J[7] = k ? 0 : w;
    J[8] = k ? w : 0;
    J[9] = w * f * rsq * uv;
    J[10] = w * f * rsq * rsq * uv;
    J[14] = k ? pv : pu;
  }
}

/* ADBench's GMM objective and gradient: per point, the K log-likelihood
 * terms and their softmax weights; exp of the diagonal hoisted per k. The
 * lower-triangular entries of Q_k (row j, column c < j) are at
 * icf[k, D + c*(D-1) - c*(c-1)/2 + j - c - 1], as in gmm.ad, walked with a
 * running index. */
double gmm_hand(int K, int D, int N, const double *alphas, const double *means, const double *icf,
                const double *x, double gamma, double m, double *ga, double *gm, double *gi) {
  int S = D * (D + 1) / 2;
  double *ed = malloc(sizeof(double) * (size_t)(K * D)), *z = malloc(sizeof(double) * (size_t)(K * D));
  double *xc = malloc(sizeof(double) * (size_t)(K * D)), *beta = malloc(sizeof(double) * (size_t)K);
  for (int k = 0; k < K * D; k++)
    ed[k] = exp(icf[(k / D) * S + k % D]);
  for (int k = 0; k < K; k++)
    ga[k] = 0;
  for (int k = 0; k < K * D; k++)
    gm[k] = 0;
  for (int k = 0; k < K * S; k++)
    gi[k] = 0;
  double fit = 0;
  for (int i = 0; i < N; i++) {
    const double *xi = x + (size_t)i * D;
    double mx = -HUGE_VAL;
    for (int k = 0; k < K; k++) {
      const double *L = icf + k * S, *mu = means + k * D;
      double *zk = z + k * D, *ck = xc + k * D, sum = alphas[k], sq = 0;
      for (int j = 0; j < D; j++) {
        ck[j] = xi[j] - mu[j];
        sum += L[j];
      }
      for (int j = 0; j < D; j++) {
        double s = ed[k * D + j] * ck[j];
        int o = D + j - 1; /* L(j, c): column c starts at D + c(D-1) - c(c-1)/2 */
        for (int c = 0; c < j; c++, o += D - c - 1)
          s += L[o] * ck[c];
        zk[j] = s;
        sq += s * s;
      }
      beta[k] = sum - 0.5 * sq;
      mx = beta[k] > mx ? beta[k] : mx;
    }
    double se = 0;
    for (int k = 0; k < K; k++)
      se += (beta[k] = exp(beta[k] - mx));
    fit += mx + log(se);
    for (int k = 0; k < K; k++) {
      double wk = beta[k] / se;
      const double *L = icf + k * S;
      const double *zk = z + k * D, *ck = xc + k * D;
      double *gik = gi + k * S, *gmk = gm + k * D;
      ga[k] += wk;
      for (int j = 0; j < D; j++) {
        double zj = wk * zk[j]; /* d(-0.5 |z|^2)/dz_j = -z_j, weighted */
        gik[j] += wk - zj * ed[k * D + j] * ck[j];
        gmk[j] += zj * ed[k * D + j];
        int o = D + j - 1;
        for (int c = 0; c < j; c++, o += D - c - 1) {
          gik[o] -= zj * ck[c];
          gmk[c] += zj * L[o];
        }
      }
    }
  }
  /* -N logsumexp(alphas), the prior and the constant */
  double mx = -HUGE_VAL, se = 0;
  for (int k = 0; k < K; k++)
    mx = alphas[k] > mx ? alphas[k] : mx;
  for (int k = 0; k < K; k++)
    se += exp(alphas[k] - mx);
  double lse = mx + log(se), prior = 0;
  for (int k = 0; k < K; k++) {
    ga[k] -= N * exp(alphas[k] - lse);
    const double *L = icf + k * S;
    double fro = 0, ld = 0;
    for (int j = 0; j < D; j++) {
      double e2 = ed[k * D + j] * ed[k * D + j];
      fro += e2;
      ld += L[j];
      gi[k * S + j] += gamma * gamma * e2 - m;
    }
    for (int j = D; j < S; j++) {
      fro += L[j] * L[j];
      gi[k * S + j] += gamma * gamma * L[j];
    }
    prior += 0.5 * gamma * gamma * fro - m * ld;
  }
  double n = D + m + 1, C = n * D * (log(gamma) - 0.5 * log(2)) - 0.25 * D * (D - 1) * log(PI);
  for (int j = 1; j <= D; j++)
    C -= lgamma(0.5 * n + 0.5 * (1 - j));
  free(ed), free(z), free(xc), free(beta);
  return -N * D * 0.5 * log(2 * PI) + fit - N * lse + prior - K * C;
}

/* RK4 for x'' = -k x - c x' over 100 steps, energy at the end; the adjoint
 * of each step by hand, from the states stored on the way forward. */
double oscillator_hand(double x0, double v0, double c, double k, double T, double *gx, double *gv, double *gc) {
  enum { STEPS = 100 };
  double xs[STEPS], vs[STEPS], h = T / 100, x = x0, v = v0;
  for (int s = 0; s < STEPS; s++) {
    xs[s] = x, vs[s] = v;
    double a1 = -k * x - c * v, x2 = x + 0.5 * h * v, v2 = v + 0.5 * h * a1, a2 = -k * x2 - c * v2;
    double x3 = x + 0.5 * h * v2, v3 = v + 0.5 * h * a2, a3 = -k * x3 - c * v3;
    double x4 = x + h * v3, v4 = v + h * a3, a4 = -k * x4 - c * v4;
    x = x + h / 6 * (v + 2 * v2 + 2 * v3 + v4);
    v = v + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4);
  }
  double E = 0.5 * v * v + 0.5 * k * x * x, xb = k * x, vb = v, cb = 0;
  for (int s = STEPS - 1; s >= 0; s--) {
    x = xs[s], v = vs[s];
    double a1 = -k * x - c * v, x2 = x + 0.5 * h * v, v2 = v + 0.5 * h * a1, a2 = -k * x2 - c * v2;
    double x3 = x + 0.5 * h * v2, v3 = v + 0.5 * h * a2, a3 = -k * x3 - c * v3;
    double v4 = v + h * a3;
    double nx = xb, nv = vb; /* adjoints of the step's results */
    double v2b = h / 3 * nx, v3b = h / 3 * nx, v4b = h / 6 * nx;
    double a1b = h / 6 * nv, a2b = h / 3 * nv, a3b = h / 3 * nv, a4b = h / 6 * nv;
    xb = nx;
    vb = h / 6 * nx + nv;
    double x4b = -k * a4b;
    v4b += -c * a4b, cb -= v4 * a4b;
    vb += v4b, a3b += h * v4b;
    xb += x4b, v3b += h * x4b;
    double x3b = -k * a3b;
    v3b += -c * a3b, cb -= v3 * a3b;
    vb += v3b, a2b += 0.5 * h * v3b;
    xb += x3b, v2b += 0.5 * h * x3b;
    double x2b = -k * a2b;
    v2b += -c * a2b, cb -= v2 * a2b;
    vb += v2b, a1b += 0.5 * h * v2b;
    xb += x2b, vb += 0.5 * h * x2b;
    xb += -k * a1b, vb += -c * a1b, cb -= v * a1b;
  }
  *gx = xb, *gv = vb, *gc = cb;
  return E;
}

/* ADBench's LSTM objective in plain C loops (lstm.h's lstm_objective), the
 * forward function adc's lstm is measured against: l layers of b cells,
 * main[l][8][b], extra[3][b], state[l][2][b] (copied: not changed), seq[c][b]. */
static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

double lstm_plain(int l, int b, int c, const double *main, const double *extra, const double *state,
                  const double *seq, double *work) {
  double *hid = work, *cel = work + l * b, *x = work + 2 * l * b, *y = x + b;
  for (int k = 0; k < l; k++)
    for (int i = 0; i < b; i++) {
      hid[k * b + i] = state[(2 * k) * b + i];
      cel[k * b + i] = state[(2 * k + 1) * b + i];
    }
  double total = 0;
  for (int t = 0; t < c - 1; t++) {
    for (int i = 0; i < b; i++)
      x[i] = seq[t * b + i] * extra[i];
    for (int k = 0; k < l; k++) {
      const double *w = main + 8 * b * k;
      double *h = hid + k * b, *s = cel + k * b;
      for (int i = 0; i < b; i++) {
        double f = sigmoid(x[i] * w[i] + w[4 * b + i]), in = sigmoid(h[i] * w[b + i] + w[5 * b + i]);
        double o = sigmoid(x[i] * w[2 * b + i] + w[6 * b + i]), ch = tanh(h[i] * w[3 * b + i] + w[7 * b + i]);
        s[i] = s[i] * f + in * ch;
        h[i] = o * tanh(s[i]);
      }
      for (int i = 0; i < b; i++)
        x[i] = h[i];
    }
    double sum = 0;
    for (int i = 0; i < b; i++) {
      y[i] = x[i] * extra[b + i] + extra[2 * b + i];
      sum += exp(y[i]);
    }
    double lse = log(sum + 2);
    for (int i = 0; i < b; i++)
      total += seq[(t + 1) * b + i] * (y[i] - lse);
  }
  return -total / ((c - 1) * b);
}

/* ADBench's LSTM objective and its gradient by hand: the forward pass
 * stores, per step and layer, the layer's input, its state before the step
 * and its gates (8b doubles), and per step the exponentials of the output
 * and their sum (+ 2); the reverse pass runs the steps and layers backwards,
 * carrying the adjoints of each layer's state (hidden and cell) to the step
 * before. gm: main's gradient (8lb), ge: extra's (3b). */
double lstm_hand(int l, int b, int c, const double *main, const double *extra, const double *state,
                 const double *seq, double *gm, double *ge) {
  int T = c - 1;
  size_t per = 8 * (size_t)b, lb = (size_t)l * b;
  double *tape = malloc(sizeof(double) * ((size_t)T * l * per + (size_t)T * (b + 1) + 4 * lb + 2 * (size_t)b));
  double *st = tape, *ey = st + (size_t)T * l * per, *S = ey + (size_t)T * b, *hid = S + T, *cel = hid + lb;
  double *dh = cel + lb, *ds = dh + lb, *x = ds + lb, *dx = x + b;
  for (int k = 0; k < l; k++)
    for (int i = 0; i < b; i++) {
      hid[k * b + i] = state[(2 * k) * b + i];
      cel[k * b + i] = state[(2 * k + 1) * b + i];
    }
  double total = 0;
  for (int t = 0; t < T; t++) {
    for (int i = 0; i < b; i++)
      x[i] = seq[t * b + i] * extra[i];
    for (int k = 0; k < l; k++) {
      const double *w = main + 8 * b * k;
      double *rec = st + ((size_t)t * l + k) * per, *h = hid + k * b, *s = cel + k * b;
      for (int i = 0; i < b; i++) {
        double f = sigmoid(x[i] * w[i] + w[4 * b + i]), in = sigmoid(h[i] * w[b + i] + w[5 * b + i]);
        double o = sigmoid(x[i] * w[2 * b + i] + w[6 * b + i]), ch = tanh(h[i] * w[3 * b + i] + w[7 * b + i]);
        double s2 = s[i] * f + in * ch, ts = tanh(s2);
        rec[i] = x[i], rec[b + i] = h[i], rec[2 * b + i] = s[i], rec[3 * b + i] = f;
        rec[4 * b + i] = in, rec[5 * b + i] = o, rec[6 * b + i] = ch, rec[7 * b + i] = ts;
        s[i] = s2;
        h[i] = o * ts;
      }
      for (int i = 0; i < b; i++)
        x[i] = h[i];
    }
    double sum = 0, qy = 0, qs = 0;
    for (int i = 0; i < b; i++) {
      double y = x[i] * extra[b + i] + extra[2 * b + i], e = exp(y);
      ey[(size_t)t * b + i] = e;
      sum += e;
      qy += seq[(t + 1) * b + i] * y;
      qs += seq[(t + 1) * b + i];
    }
    S[t] = sum + 2;
    total += qy - qs * log(sum + 2);
  }
  for (size_t k = 0; k < 8 * lb; k++)
    gm[k] = 0;
  for (int i = 0; i < 3 * b; i++)
    ge[i] = 0;
  for (size_t k = 0; k < lb; k++)
    dh[k] = ds[k] = 0;
  double seed = -1.0 / ((double)(c - 1) * b);
  for (int t = T - 1; t >= 0; t--) {
    const double *q = seq + (t + 1) * b, *top = st + ((size_t)t * l + l - 1) * per;
    double qs = 0;
    for (int i = 0; i < b; i++)
      qs += q[i];
    for (int i = 0; i < b; i++) { /* y = x * extra[1] + extra[2]; d(q.y - qs log(sum e^y + 2)) */
      double dy = seed * (q[i] - qs * ey[(size_t)t * b + i] / S[t]);
      ge[b + i] += dy * top[5 * b + i] * top[7 * b + i];
      ge[2 * b + i] += dy;
      dx[i] = dy * extra[b + i];
    }
    for (int k = l - 1; k >= 0; k--) {
      const double *w = main + 8 * b * k, *rec = st + ((size_t)t * l + k) * per;
      double *gw = gm + 8 * b * k;
      for (int i = 0; i < b; i++) {
        double xi = rec[i], hi = rec[b + i], si = rec[2 * b + i], f = rec[3 * b + i];
        double in = rec[4 * b + i], o = rec[5 * b + i], ch = rec[6 * b + i], ts = rec[7 * b + i];
        double dh2 = dx[i] + dh[k * b + i], ds2 = ds[k * b + i] + dh2 * o * (1 - ts * ts);
        double af = ds2 * si * f * (1 - f), ain = ds2 * ch * in * (1 - in);
        double ach = ds2 * in * (1 - ch * ch), ao = dh2 * ts * o * (1 - o);
        gw[i] += af * xi, gw[4 * b + i] += af, gw[b + i] += ain * hi, gw[5 * b + i] += ain;
        gw[2 * b + i] += ao * xi, gw[6 * b + i] += ao, gw[3 * b + i] += ach * hi, gw[7 * b + i] += ach;
        dh[k * b + i] = ain * w[b + i] + ach * w[3 * b + i];
        ds[k * b + i] = ds2 * f;
        dx[i] = af * w[i] + ao * w[2 * b + i];
      }
    }
    for (int i = 0; i < b; i++) /* x = seq[t] * extra[0] */
      ge[i] += dx[i] * seq[t * b + i];
  }
  free(tape);
  return -total / ((c - 1) * b);
}

/* The explicit heat equation of samples/heat.ad in plain C: two buffers,
 * swapped after each step. */
double heat_plain(int n, const double *u0, double k, int steps, double *work) {
  double *u = work, *v = work + n;
  for (int i = 0; i < n; i++)
    u[i] = u0[i];
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < n; i++)
      v[i] = u[i];
    for (int i = 1; i < n - 1; i++)
      v[i] += k * (u[i - 1] - 2 * u[i] + u[i + 1]);
    double *s = u;
    u = v;
    v = s;
  }
  double e = 0;
  for (int i = 0; i < n; i++)
    e += u[i] * u[i];
  return e;
}

/* The adjoint of v = u + k L u (L the interior stencil, the ends held):
 * u_bar = v_bar + k L^T v_bar, written as a gather into the other buffer,
 * and k_bar += v_bar . L u from the stored state, in the same pass. */
double heat_hand(int n, const double *u0, double k, int steps, double *u0_bar, double *k_bar, double *work) {
  double *tape = work, *u = work + (size_t)n * (size_t)steps, *v = u + n;
  for (int i = 0; i < n; i++)
    u[i] = u0[i];
  for (int t = 0; t < steps; t++) {
    double *s = tape + (size_t)n * (size_t)t;
    for (int i = 0; i < n; i++) {
      s[i] = u[i];
      v[i] = u[i];
    }
    for (int i = 1; i < n - 1; i++)
      v[i] += k * (u[i - 1] - 2 * u[i] + u[i + 1]);
    double *w = u;
    u = v;
    v = w;
  }
  double e = 0;
  for (int i = 0; i < n; i++)
    e += u[i] * u[i];
  double *ub = u, *vb = v, kb = 0; /* ub: the adjoint of the state after step t */
  for (int i = 0; i < n; i++)
    ub[i] = 2 * u[i];
  for (int t = steps - 1; t >= 0; t--) {
    const double *s = tape + (size_t)n * (size_t)t;
    double kt = 0;
    for (int i = 0; i < n; i++) {
      double c = ub[i];
      if (i > 0 && i < n - 1) {
        kt += ub[i] * (s[i - 1] - 2 * s[i] + s[i + 1]);
        c -= 2 * k * ub[i];
      }
      if (i + 1 < n - 1)
        c += k * ub[i + 1];
      if (i - 1 > 0)
        c += k * ub[i - 1];
      vb[i] = c;
    }
    kb += kt;
    double *w = ub;
    ub = vb;
    vb = w;
  }
  for (int i = 0; i < n; i++)
    u0_bar[i] = ub[i];
  *k_bar = kb;
  return e;
}

/* ---- plain forward functions: what adc's forward functions are measured
 * against, written as a careful person would (invariants hoisted) ---- */

double seed_plain(double x0, double x1) { return sin(x0) * (x0 + x1); }

double rosen_plain(double x, double y) {
  double a = 1 - x, b = y - x * x;
  return a * a + 100 * b * b;
}

double rosen_n_plain(int n, const double *x) {
  double f = 0;
  for (int i = 0; i + 1 < n; i++) {
    double b = x[i + 1] - x[i] * x[i], a = 1 - x[i];
    f += 100 * b * b + a * a;
  }
  return f;
}

/* samples/ba.ad's residual: Rodrigues, perspective, radial distortion. */
void ba_plain(const double *cam, const double *X, double w, const double *feat, double *ex, double *ey) {
  const double *r = cam;
  double p[3] = {X[0] - cam[3], X[1] - cam[4], X[2] - cam[5]};
  double sq = r[0] * r[0] + r[1] * r[1] + r[2] * r[2], t = sqrt(sq);
  double a = sq == 0 ? 1 : cos(t), b = sq == 0 ? 1 : sin(t) / t, c = sq == 0 ? 0 : (1 - cos(t)) / sq;
  double rp = r[0] * p[0] + r[1] * p[1] + r[2] * p[2];
  double q0 = a * p[0] + b * (r[1] * p[2] - r[2] * p[1]) + c * rp * r[0];
  double q1 = a * p[1] + b * (r[2] * p[0] - r[0] * p[2]) + c * rp * r[1];
  double q2 = a * p[2] + b * (r[0] * p[1] - r[1] * p[0]) + c * rp * r[2];
  double u = q0 / q2, v = q1 / q2, rsq = u * u + v * v;
  double L = 1 + cam[9] * rsq + cam[10] * rsq * rsq;
  *ex = w * (cam[6] * L * u + cam[7] - feat[0]);
  *ey = w * (cam[6] * L * v + cam[8] - feat[1]);
}

/* ADBench's GMM objective (gmm.h's gmm_objective), with what does not
 * depend on the point made once per component: exp of Q's diagonal and the
 * sum of the diagonal's logarithms; the triangle walked row by row. */
double gmm_plain(int K, int D, int N, const double *alphas, const double *means, const double *icf,
                 const double *x, double gamma, double m) {
  int S = D * (D + 1) / 2;
  double *ed = malloc(sizeof(double) * (size_t)(K * D)), *sd = malloc(sizeof(double) * (size_t)K);
  double *xc = malloc(sizeof(double) * (size_t)D), *beta = malloc(sizeof(double) * (size_t)K);
  for (int k = 0; k < K; k++) {
    sd[k] = alphas[k];
    for (int j = 0; j < D; j++) {
      ed[k * D + j] = exp(icf[k * S + j]);
      sd[k] += icf[k * S + j];
    }
  }
  double fit = 0;
  for (int i = 0; i < N; i++) {
    const double *xi = x + (size_t)i * D;
    double mx = -HUGE_VAL;
    for (int k = 0; k < K; k++) {
      const double *L = icf + k * S + D, *mu = means + k * D;
      double sq = 0;
      for (int j = 0; j < D; j++)
        xc[j] = xi[j] - mu[j];
      for (int j = 0; j < D; j++) { /* z_j = e_j xc_j + sum_{c<j} L(j, c) xc_c; L's column c starts at
                                     * D + c(D-1) - c(c-1)/2, row j at j - c - 1 in it */
        double s = ed[k * D + j] * xc[j];
        int o = j - 1;
        for (int c = 0; c < j; c++, o += D - c - 1)
          s += L[o] * xc[c];
        sq += s * s;
      }
      beta[k] = sd[k] - 0.5 * sq;
      mx = beta[k] > mx ? beta[k] : mx;
    }
    double se = 0;
    for (int k = 0; k < K; k++)
      se += exp(beta[k] - mx);
    fit += mx + log(se);
  }
  double mx = -HUGE_VAL, se = 0, prior = 0;
  for (int k = 0; k < K; k++)
    mx = alphas[k] > mx ? alphas[k] : mx;
  for (int k = 0; k < K; k++)
    se += exp(alphas[k] - mx);
  for (int k = 0; k < K; k++) {
    const double *L = icf + k * S;
    double fro = 0, ld = 0;
    for (int j = 0; j < D; j++) {
      fro += ed[k * D + j] * ed[k * D + j];
      ld += L[j];
    }
    for (int j = D; j < S; j++)
      fro += L[j] * L[j];
    prior += 0.5 * gamma * gamma * fro - m * ld;
  }
  double n = D + m + 1, C = n * D * (log(gamma) - 0.5 * log(2)) - 0.25 * D * (D - 1) * log(PI);
  for (int j = 1; j <= D; j++)
    C -= lgamma(0.5 * n + 0.5 * (1 - j));
  free(ed), free(sd), free(xc), free(beta);
  return -N * D * 0.5 * log(2 * PI) + fit - N * (mx + log(se)) + prior - K * C;
}

double oscillator_plain(double x0, double v0, double c, double k, double T) {
  double h = T / 100, x = x0, v = v0;
  for (int s = 0; s < 100; s++) {
    double a1 = -k * x - c * v, x2 = x + 0.5 * h * v, v2 = v + 0.5 * h * a1, a2 = -k * x2 - c * v2;
    double x3 = x + 0.5 * h * v2, v3 = v + 0.5 * h * a2, a3 = -k * x3 - c * v3;
    double x4 = x + h * v3, v4 = v + h * a3, a4 = -k * x4 - c * v4;
    x = x + h / 6 * (v + 2 * v2 + 2 * v3 + v4);
    v = v + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4);
  }
  return 0.5 * v * v + 0.5 * k * x * x;
}

/* Rosenbrock's Hessian is tridiagonal: per term i, with b = x[i+1] - x[i]^2,
 * d2/dx[i]^2 = 1200 x[i]^2 - 400 x[i+1] + 2, d2/dx[i]dx[i+1] = -400 x[i],
 * d2/dx[i+1]^2 = 200. */
double rosen_n_hvp_hand(int n, const double *x, const double *v, double *g, double *hv) {
  double f = 0;
  for (int i = 0; i < n; i++)
    g[i] = hv[i] = 0;
  for (int i = 0; i + 1 < n; i++) {
    double b = x[i + 1] - x[i] * x[i], a = 1 - x[i], c = -400 * x[i];
    f += 100 * b * b + a * a;
    g[i] += c * b - 2 * a;
    g[i + 1] += 200 * b;
    hv[i] += (1200 * x[i] * x[i] - 400 * x[i + 1] + 2) * v[i] + c * v[i + 1];
    hv[i + 1] += c * v[i] + 200 * v[i + 1];
  }
  return f;
}

/* Logistic regression: with z = X[i] . w and q = 1 / (1 + exp(y z)), the
 * gradient is sum -y q X[i] and H v = sum q (1 - q) (X[i] . v) X[i]. */
double logistic_hvp_hand(int d, int m, const double *w, const double *X, const double *y, const double *v,
                         double *g, double *hv) {
  double f = 0;
  for (int j = 0; j < d; j++)
    g[j] = hv[j] = 0;
  for (int i = 0; i < m; i++) {
    const double *xi = X + (long)i * d;
    double z = 0, s = 0;
    for (int j = 0; j < d; j++)
      z += w[j] * xi[j], s += v[j] * xi[j];
    double e = exp(-y[i] * z), q = e / (1 + e), c = q * (1 - q) * s;
    f += log1p(e);
    for (int j = 0; j < d; j++)
      g[j] -= y[i] * q * xi[j], hv[j] += c * xi[j];
  }
  return f;
}

/* heat's tangent by hand, written as heat_plain is (the copy, then the
 * update of the interior): v' = u' + k' L u + k L u'. work: 4n doubles. */
double heat_jvp_hand(int n, const double *u0, double k, int steps, const double *u0_dot, double k_dot,
                     double *e_dot, double *work) {
  double *u = work, *v = u + n, *ud = v + n, *vd = ud + n;
  for (int i = 0; i < n; i++) {
    u[i] = u0[i];
    ud[i] = u0_dot[i];
  }
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < n; i++) {
      v[i] = u[i];
      vd[i] = ud[i];
    }
    for (int i = 1; i < n - 1; i++) {
      double s = u[i - 1] - 2 * u[i] + u[i + 1], sd = ud[i - 1] - 2 * ud[i] + ud[i + 1];
      v[i] += k * s;
      vd[i] += k_dot * s + k * sd;
    }
    double *w = u, *wd = ud;
    u = v, ud = vd;
    v = w, vd = wd;
  }
  double e = 0, ed = 0;
  for (int i = 0; i < n; i++) {
    e += u[i] * u[i];
    ed += 2 * u[i] * ud[i];
  }
  *e_dot = ed;
  return e;
}

/* heat's H v by hand: heat_hand's gradient with a tangent beside every
 * value (forward over reverse), its adjoint step the same gather; the
 * state and its tangent stored at every step (work: 2 n steps + 4n). */
double heat_hvp_hand(int n, const double *u0, double k, int steps, const double *u0_dot, double k_dot,
                     double *u0_bar, double *k_bar, double *u0_bar_dot, double *k_bar_dot, double *work) {
  size_t ns = (size_t)n * (size_t)steps;
  double *tape = work, *taped = work + ns, *u = taped + ns, *v = u + n, *ud = v + n, *vd = ud + n;
  for (int i = 0; i < n; i++) {
    u[i] = u0[i];
    ud[i] = u0_dot[i];
  }
  for (int t = 0; t < steps; t++) {
    double *s = tape + (size_t)n * (size_t)t, *sd = taped + (size_t)n * (size_t)t;
    for (int i = 0; i < n; i++) {
      s[i] = v[i] = u[i];
      sd[i] = vd[i] = ud[i];
    }
    for (int i = 1; i < n - 1; i++) {
      double l = u[i - 1] - 2 * u[i] + u[i + 1], ld = ud[i - 1] - 2 * ud[i] + ud[i + 1];
      v[i] += k * l;
      vd[i] += k_dot * l + k * ld;
    }
    double *w = u, *wd = ud;
    u = v, ud = vd;
    v = w, vd = wd;
  }
  double e = 0;
  for (int i = 0; i < n; i++)
    e += u[i] * u[i];
  double *ub = u, *vb = v, *ubd = ud, *vbd = vd, kb = 0, kbd = 0;
  for (int i = 0; i < n; i++) {
    ub[i] = 2 * u[i];
    ubd[i] = 2 * ud[i];
  }
  for (int t = steps - 1; t >= 0; t--) {
    const double *s = tape + (size_t)n * (size_t)t, *sd = taped + (size_t)n * (size_t)t;
    double kt = 0, ktd = 0;
    for (int i = 0; i < n; i++) {
      double c = ub[i], cd = ubd[i];
      if (i > 0 && i < n - 1) {
        double l = s[i - 1] - 2 * s[i] + s[i + 1], ld = sd[i - 1] - 2 * sd[i] + sd[i + 1];
        kt += ub[i] * l;
        ktd += ubd[i] * l + ub[i] * ld;
        c -= 2 * k * ub[i];
        cd -= 2 * (k_dot * ub[i] + k * ubd[i]);
      }
      if (i + 1 < n - 1) {
        c += k * ub[i + 1];
        cd += k_dot * ub[i + 1] + k * ubd[i + 1];
      }
      if (i - 1 > 0) {
        c += k * ub[i - 1];
        cd += k_dot * ub[i - 1] + k * ubd[i - 1];
      }
      vb[i] = c;
      vbd[i] = cd;
    }
    kb += kt;
    kbd += ktd;
    double *w = ub, *wd = ubd;
    ub = vb, ubd = vbd;
    vb = w, vbd = wd;
  }
  for (int i = 0; i < n; i++) {
    u0_bar[i] = ub[i];
    u0_bar_dot[i] = ubd[i];
  }
  *k_bar = kb;
  *k_bar_dot = kbd;
  return e;
}
