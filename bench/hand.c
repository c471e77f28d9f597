/* hand.c - gradients written by hand from the analytic derivatives, the
 * baseline adc's generated code is compared against. */
#include <math.h>

double seed_hand(double x0, double x1, double *g0, double *g1);
double rosen_hand(double x, double y, double *gx, double *gy);

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
