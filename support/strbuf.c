/* strbuf.c - an appendable string, and exact double printing. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

void sb_reserve(StrBuf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1)
    cap *= 2;
  b->s = xrealloc(b->s, cap);
  b->cap = cap;
}

/* The emitter writes millions of node numbers and places: without
 * vsnprintf's parsing of a format each time. Numbers below 2^32 (all of
 * them, in practice) take 32-bit divisions and a tree of comparisons for
 * their length; the loop with a running power of ten cost twice as much. */
static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                            "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                            "8081828384858687888990919293949596979899";

static int digits32(uint32_t u) {
  if (u < 100000)
    return u < 100 ? (u < 10 ? 1 : 2) : u < 1000 ? 3 : u < 10000 ? 4 : 5;
  return u < 10000000 ? (u < 1000000 ? 6 : 7) : u < 100000000 ? 8 : u < 1000000000 ? 9 : 10;
}

int put_decimal(char *p, long long v) {
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  int neg = v < 0;
  if (neg)
    *p++ = '-';
  int n = u <= UINT32_MAX ? digits32((uint32_t)u)
        : u < 10000000000ull ? 10 : 10 + digits32((uint32_t)(u / 10000000000ull));
  char *q = p + n; /* written from the end, two digits a division */
  *q = '\0';
  for (; u > UINT32_MAX; u /= 100) {
    q -= 2;
    memcpy(q, pairs + 2 * (u % 100), 2);
  }
  uint32_t w = (uint32_t)u;
  for (; w >= 100; w /= 100) {
    q -= 2;
    memcpy(q, pairs + 2 * (w % 100), 2);
  }
  if (w >= 10)
    memcpy(q - 2, pairs + 2 * w, 2);
  else
    q[-1] = (char)('0' + w);
  return n + neg;
}

void sb_int(StrBuf *b, long v) {
  if (!b)
    return;
  char t[24];
  sb_putn(b, t, (size_t)put_decimal(t, v));
}

/* Formats into the room left first: a second pass only when it is short. */
void sb_printf(StrBuf *b, const char *fmt, ...) {
  if (!b)
    return;
  va_list ap;
  sb_reserve(b, 64);
  size_t room = b->cap - b->len;
  va_start(ap, fmt);
  int n = vsnprintf(b->s + b->len, room, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->s[b->len] = '\0';
    return;
  }
  if ((size_t)n >= room) {
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
}

void sb_free(StrBuf *b) {
  free(b->s);
  b->s = NULL;
  b->len = b->cap = 0;
}

/* The text "%.15g" gives d when some m / 10^k with m < 10^15 reads back as
 * d, made without printf: such a decimal lies within half a unit in the
 * last place of d, nearer than any other of 15 digits (their spacing is at
 * least 10^-14 of d's decade, half a unit at most 2.3 * 10^-15 of it), so it
 * is the one %.15g rounds to; between 10^-4 and 10^15 %g writes it without
 * an exponent. Most literals of programs are such (0.5, 9.8965), and
 * printf costs thousands of instructions for each. Returns 0 otherwise. */
static int short_decimal(StrBuf *b, double d) {
  double a = fabs(d), p = 1;
  if (!(a >= 1e-4 && a < 1e15))
    return 0;
  for (int k = 0; k <= 22; k++, p *= 10) { /* 10^k is exact up to 10^22 */
    double m = floor(a * p + 0.5);
    if (m >= 1e15)
      return 0;
    if (m / p != a)
      continue;
    long long u = (long long)m; /* below 10^15 */
    for (; k > 0 && u % 10 == 0; k--)
      u /= 10;
    char t[24];
    int n = put_decimal(t, u);
    if (d < 0)
      sb_putc(b, '-');
    if (n <= k) { /* 0.0025: "0." and the zeros the digits of m leave */
      sb_puts(b, "0.");
      for (int i = n; i < k; i++)
        sb_putc(b, '0');
      sb_putn(b, t, (size_t)n);
    } else {
      sb_putn(b, t, (size_t)(n - k));
      if (k)
        sb_putc(b, '.');
      sb_putn(b, t + n - k, (size_t)k);
    }
    return 1;
  }
  return 0;
}

/* Non-finite values are spelled with <math.h> macros, which C and C++ share. */
void sb_double(StrBuf *b, double d) {
  if (!b)
    return;
  if (isnan(d)) {
    sb_puts(b, "NAN");
    return;
  }
  if (isinf(d)) {
    sb_puts(b, d > 0 ? "HUGE_VAL" : "-HUGE_VAL");
    return;
  }
  size_t start = b->len;
  if (!short_decimal(b, d)) {
    /* %g drops trailing zeros, so when 15 digits read back exactly they are
     * already the shortest form (a shorter exact form would be their prefix). */
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
      snprintf(buf, sizeof buf, "%.*g", prec, d);
      if (strtod(buf, NULL) == d)
        break;
    }
    sb_puts(b, buf);
  }
  if (!strpbrk(b->s + start, ".en"))
    sb_puts(b, ".0");
}

void sb_drain(StrBuf *b, int force) {
  if (!b->sink || (!force && b->len < (1u << 20)))
    return;
  if (b->len && fwrite(b->s, 1, b->len, b->sink) != b->len)
    b->sink_error = 1;
  b->len = 0;
  if (b->s)
    b->s[0] = '\0';
}
