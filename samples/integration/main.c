/* main.c - a program that uses two generated files through their headers:
 * it tunes a pendulum's length so that it passes its lowest point at
 * t = 1.5 s (Newton's method on the angle, with the generated derivative), and
 * fits a line to points by gradient descent on the generated gradient. */
#include <math.h>
#include <stdio.h>

#include "fit_grad.h"
#include "pendulum_grad.h"

int main(void) {
  double l = 1.0, da0, dw0, dl;
  for (int it = 0; it < 20; it++) {
    double a = swing_grad(0.3, 0.0, l, 1.5, &da0, &dw0, &dl);
    if (fabs(a) < 1e-12)
      break;
    l -= a / dl; /* Newton: the angle after 1.5 s as a function of the length */
  }
  printf("pendulum: length %.6f m passes its lowest point at t = 1.5 s (angle %.2e)\n", l,
         swing(0.3, 0.0, l, 1.5));

  double x[5] = {0, 1, 2, 3, 4}, y[5] = {1.1, 2.9, 5.2, 6.8, 9.1}, p[2] = {0, 0}, g[2];
  for (int it = 0; it < 5000; it++) {
    misfit_grad(5, p, x, y, g);
    p[0] -= 0.02 * g[0];
    p[1] -= 0.02 * g[1];
  }
  printf("line fit: y = %.4f + %.4f x (misfit %.4f)\n", p[0], p[1], misfit(5, p, x, y));
  return fabs(swing(0.3, 0.0, l, 1.5)) < 1e-9 && fabs(p[1] - 1.99) < 1e-3 ? 0 : 1;
}
