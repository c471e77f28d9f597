/* demo.c - using adc's output from C through its headers.
 * 1. The seed function's value and gradient at (0.6, 1.4).
 * 2. Rosenbrock's function minimised from (-1.2, 1) by BFGS with the
 *    generated gradient.
 * 3. The maximum-likelihood fit of a normal distribution.
 * 4. ADBench's bundle adjustment: the residual of ba1's first observation
 *    (published: 0.101336, -0.068968) and a row of its Jacobian.
 * 5. Logistic regression fitted by gradient descent (arrays, data).
 * 6. The Lotka-Volterra parameters recovered from observed states (RK4 in
 *    local arrays, a helper returning an array; the fit's gradient, and
 *    lotka_jac for the sensitivities of the state).
 * 7. Second order (--modes=hess): Newton's method on Rosenbrock's function
 *    with rosen_hess, against BFGS's steps above; and a Laplace
 *    approximation of a Bayesian logistic regression: Newton to the MAP
 *    weights, then the posterior's covariance from the Hessian there,
 *    which is checked against the textbook X' diag(p (1 - p)) X + lam I. */
#include <math.h>
#include <stdio.h>

#include "ba_grad.h"
#include "laplace_grad.h"
#include "logistic_grad.h"
#include "lotka_grad.h"
#include "normal_nll_grad.h"
#include "pendulum_grad.h"
#include "rosenbrock_grad.h"
#include "seed_grad.h"

typedef double (*Grad2)(double, double, double *, double *);

/* Solves A x = b for a symmetric positive definite n x n A (n <= 8) by
 * Cholesky; 0 when A is not positive definite. */
static int spd_solve(int n, const double *A, const double *b, double *x) {
  double L[8][8] = {{0}};
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) {
      double s = A[i * n + j];
      for (int k = 0; k < j; k++)
        s -= L[i][k] * L[j][k];
      if (i == j && s <= 0)
        return 0;
      L[i][j] = i == j ? sqrt(s) : s / L[j][j];
    }
  for (int i = 0; i < n; i++) { /* L z = b, then L' x = z */
    x[i] = b[i];
    for (int k = 0; k < i; k++)
      x[i] -= L[i][k] * x[k];
    x[i] /= L[i][i];
  }
  for (int i = n - 1; i >= 0; i--) {
    for (int k = i + 1; k < n; k++)
      x[i] -= L[k][i] * x[k];
    x[i] /= L[i][i];
  }
  return 1;
}

/* Newton's method with rosen_hess: the step solves H p = -g (steepest
 * descent where H is not positive definite), halved until f falls. */
static int newton_rosen(double x[2], int max_iter, double tol) {
  double g[2], H[4], p[2];
  double f = rosen_hess(x[0], x[1], g, H);
  for (int it = 0; it < max_iter; it++) {
    if (hypot(g[0], g[1]) < tol)
      return it;
    double mg[2] = {-g[0], -g[1]};
    if (!spd_solve(2, H, mg, p))
      p[0] = mg[0], p[1] = mg[1];
    double t = 1, xn[2];
    for (;;) {
      xn[0] = x[0] + t * p[0];
      xn[1] = x[1] + t * p[1];
      if (rosen(xn[0], xn[1]) <= f + 1e-4 * t * (p[0] * g[0] + p[1] * g[1]) || t < 1e-12)
        break;
      t *= 0.5;
    }
    x[0] = xn[0];
    x[1] = xn[1];
    f = rosen_hess(x[0], x[1], g, H);
  }
  return max_iter;
}

/* BFGS on a function of two variables with an Armijo backtracking search. */
static int minimise(Grad2 fg, double x[2], int max_iter, double tol) {
  double H[2][2] = {{1, 0}, {0, 1}}, g[2], gn[2];
  double f = fg(x[0], x[1], &g[0], &g[1]);
  for (int it = 0; it < max_iter; it++) {
    if (hypot(g[0], g[1]) < tol)
      return it;
    double p[2] = {-(H[0][0] * g[0] + H[0][1] * g[1]), -(H[1][0] * g[0] + H[1][1] * g[1])};
    double slope = p[0] * g[0] + p[1] * g[1];
    if (slope >= 0) { /* not a descent direction: restart from steepest descent */
      H[0][0] = H[1][1] = 1;
      H[0][1] = H[1][0] = 0;
      p[0] = -g[0];
      p[1] = -g[1];
      slope = p[0] * g[0] + p[1] * g[1];
    }
    double t = 1, xn[2], fn;
    for (;;) {
      xn[0] = x[0] + t * p[0];
      xn[1] = x[1] + t * p[1];
      fn = fg(xn[0], xn[1], &gn[0], &gn[1]);
      if (fn <= f + 1e-4 * t * slope || t < 1e-12)
        break;
      t *= 0.5;
    }
    double s[2] = {xn[0] - x[0], xn[1] - x[1]}, y[2] = {gn[0] - g[0], gn[1] - g[1]};
    double sy = s[0] * y[0] + s[1] * y[1];
    if (sy > 1e-12) { /* H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T */
      double rho = 1 / sy, Hy[2] = {H[0][0] * y[0] + H[0][1] * y[1], H[1][0] * y[0] + H[1][1] * y[1]};
      double yHy = y[0] * Hy[0] + y[1] * Hy[1];
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
          H[i][j] += rho * ((1 + rho * yHy) * s[i] * s[j] - Hy[i] * s[j] - s[i] * Hy[j]);
    }
    x[0] = xn[0];
    x[1] = xn[1];
    g[0] = gn[0];
    g[1] = gn[1];
    f = fn;
  }
  return max_iter;
}

int main(void) {
  double g0, g1;
  double v = f_grad(0.6, 1.4, &g0, &g1);
  printf("seed f(0.6, 1.4)     = %.16f   (notebook: 1.1292849467900707)\n", v);
  printf("     grad            = [%.8f, %.8f]   (notebook: [2.2153137, 0.56464247])\n", g0, g1);
  printf("     analytic grad   = [%.8f, %.8f]\n", cos(0.6) * 2.0 + sin(0.6), sin(0.6));

  double x[2] = {-1.2, 1.0};
  int iters = minimise(rosen_grad, x, 1000, 1e-10), iters_rosen = iters;
  printf("rosenbrock from (-1.2, 1): minimum %.3g at (%.10f, %.10f) after %d BFGS steps\n",
         rosen(x[0], x[1]), x[0], x[1], iters);

  double p[2] = {0.0, 0.0};
  iters = minimise(nll_grad, p, 1000, 1e-12);
  printf("normal fit: mu = %.6f, sigma = %.6f after %d steps (sample mean 1.333333)\n", p[0],
         exp(p[1]), iters);

  double dt1, dt2, dw1, dw2;
  double e = energy_grad(0.3, -0.2, 1.0, 0.5, &dt1, &dt2, &dw1, &dw2);
  printf("double pendulum: E = %.6f, dE/dtheta = [%.6f, %.6f], momenta = [%.6f, %.6f]\n", e, dt1,
         dt2, dw1, dw2);

  double cam[11] = {-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673,
                    419.194514, 5.864426, -8.518870, 0.087812, 0.002739};
  double X[3] = {7.203245, 0.001144, 3.023326}, feat[2] = {271.760969, 834.209256};
  double ex, ey, jac[2 * 15];
  ba_jac(cam, X, 0.417022, feat, &ex, &ey, jac);
  printf("bundle adjustment: residual (%.6f, %.6f) (ADBench: 0.101336, -0.068968)\n", ex, ey);
  printf("     d ex/d cam[0..2] = [%.3f, %.3f, %.3f]\n", jac[0], jac[1], jac[2]);

  /* logistic regression: points labelled by the side of the line x0 + x1 = 1 they
   * lie on (the third feature, 1, gives the model its offset) */
  double Xd[8][3] = {{0, 0, 1},   {0.2, 0.3, 1}, {0.9, 0.6, 1}, {1, 1, 1},
                     {0.1, 0.5, 1}, {0.7, 0.8, 1}, {0.3, 0.1, 1}, {1, 0.4, 1}};
  double y[8], w[3] = {0, 0, 0}, gw[3], loss = 0;
  for (int i = 0; i < 8; i++)
    y[i] = Xd[i][0] + Xd[i][1] > 1 ? 1 : -1;
  for (int it = 0; it < 2000; it++) {
    loss = logistic_grad(3, 8, w, &Xd[0][0], y, gw);
    for (int j = 0; j < 3; j++)
      w[j] -= 0.5 * gw[j];
  }
  int right = 0;
  for (int i = 0; i < 8; i++)
    right += (w[0] * Xd[i][0] + w[1] * Xd[i][1] + w[2] > 0) == (y[i] > 0);
  printf("logistic regression: loss %.4f after 2000 gradient steps, %d of 8 points classified\n",
         loss, right);

  /* Lotka-Volterra: states observed every 20 steps of 0.05 under
   * p = (1.1, 0.4, 0.1, 0.4); the parameters fitted from (1, 0.45, 0.12, 0.35)
   * by steps along the gradient, each halved until the loss falls */
  double ptrue[4] = {1.1, 0.4, 0.1, 0.4}, s0[2] = {10, 5}, obs[5][2], pf[4] = {1.0, 0.45, 0.12, 0.35};
  double gp[4], gs[2], f0 = 0, fl = 0, st[2], sj[2 * 6];
  for (int j = 0; j < 5; j++)
    lotka(ptrue, s0, 0.05, 20 * (j + 1), obs[j]);
  for (int it = 0; it < 3000; it++) {
    fl = fit_grad(5, pf, s0, 0.05, 20, &obs[0][0], gp, gs);
    f0 = it ? f0 : fl;
    double t = 1e-2, q[4];
    for (;;) {
      for (int i = 0; i < 4; i++)
        q[i] = pf[i] - t * gp[i];
      if (fit(5, q, s0, 0.05, 20, &obs[0][0]) < fl || t < 1e-12)
        break;
      t *= 0.5;
    }
    for (int i = 0; i < 4; i++)
      pf[i] = q[i];
  }
  lotka_jac(pf, s0, 0.05, 100, st, sj);
  printf("lotka-volterra fit: loss %.3g -> %.3g, p = (%.4f, %.4f, %.4f, %.4f) (true 1.1, 0.4, 0.1, 0.4)\n", f0, fl,
         pf[0], pf[1], pf[2], pf[3]);
  printf("     state after 100 steps (%.4f, %.4f), d prey/d p = [%.3f, %.3f, %.3f, %.3f]\n", st[0], st[1], sj[0], sj[1],
         sj[2], sj[3]);
  /* second order: Newton with the Hessian from the same start as BFGS */
  double xn[2] = {-1.2, 1.0};
  int nsteps = newton_rosen(xn, 100, 1e-10);
  printf("rosenbrock by Newton (rosen_hess): minimum %.3g at (%.10f, %.10f) after %d steps (BFGS: %d)\n",
         rosen(xn[0], xn[1]), xn[0], xn[1], nsteps, iters_rosen);

  /* Laplace approximation: the MAP weights of a logistic regression under a
   * Gaussian prior of precision 1 (the same eight points), by Newton steps;
   * the posterior ~ N(w_map, H^-1), H the Hessian at w_map */
  double wm[3] = {0, 0, 0}, gm[3], Hm[9], lam = 1;
  int nt = 0;
  for (; nt < 50; nt++) {
    neg_log_posterior_hess(3, 8, wm, &Xd[0][0], y, lam, gm, Hm);
    double step[3], mg[3] = {-gm[0], -gm[1], -gm[2]};
    if (sqrt(gm[0] * gm[0] + gm[1] * gm[1] + gm[2] * gm[2]) < 1e-12 || !spd_solve(3, Hm, mg, step))
      break;
    for (int j = 0; j < 3; j++)
      wm[j] += step[j];
  }
  double worst_h = 0, sd[3];
  for (int r = 0; r < 3; r++) { /* the textbook Hessian X' diag(p (1 - p)) X + lam I */
    for (int c = 0; c < 3; c++) {
      double h = r == c ? lam : 0;
      for (int i = 0; i < 8; i++) {
        double z = wm[0] * Xd[i][0] + wm[1] * Xd[i][1] + wm[2] * Xd[i][2], q = 1 / (1 + exp(-z));
        h += q * (1 - q) * Xd[i][r] * Xd[i][c];
      }
      worst_h = fmax(worst_h, fabs(Hm[r * 3 + c] - h) / (1 + fabs(h)));
    }
    double e[3] = {r == 0, r == 1, r == 2}, col[3]; /* column r of H^-1: its diagonal entry */
    spd_solve(3, Hm, e, col);
    sd[r] = sqrt(col[r]);
  }
  printf("laplace approximation: MAP w = (%.4f, %.4f, %.4f) after %d Newton steps, posterior sd (%.4f, %.4f, "
         "%.4f);\n     Hessian against X' diag(p (1 - p)) X + lam I: largest difference %.2g\n",
         wm[0], wm[1], wm[2], nt, sd[0], sd[1], sd[2], worst_h);

  int fitted = 1;
  for (int i = 0; i < 4; i++)
    fitted &= fabs(pf[i] - ptrue[i]) < 2e-3;

  int ok = fabs(v - 1.1292849467900707) < 1e-15 && fabs(x[0] - 1) < 1e-6 && fabs(x[1] - 1) < 1e-6 &&
           fabs(ex - 0.101336) < 1e-6 && fabs(ey + 0.068968) < 1e-6 && right == 8 && fitted &&
           fabs(xn[0] - 1) < 1e-9 && fabs(xn[1] - 1) < 1e-9 && nsteps < iters_rosen && nt < 20 && worst_h < 1e-12;
  return ok ? 0 : 1;
}
