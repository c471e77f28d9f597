#!/bin/sh
# gen.sh SHAPE NODES: print an .ad program of about NODES SSA nodes (in the
# forward function) of one shape, for the compiler's scaling benchmark:
#   chain  let a_i = a_(i-1) * 0.999 + sin(x * k)          4 nodes per line
#   sum    one return of a flat sum of sin(x_j * k) terms   3 nodes per term
#   prod   one return of a flat product of (x_j + k)        2 nodes per factor
#   dag    let t_i = op(t_a, t_(i-1)), a drawn from all earlier t (sharing)
set -eu
shape=$1 nodes=$2
case $shape in
chain) awk -v n="$((nodes / 4))" 'BEGIN {
    print "fn f(x) {"; print "  let a0 = x;"
    for (i = 1; i < n; i++) printf "  let a%d = a%d * 0.999 + sin(x * %d);\n", i, i - 1, i % 7 + 1
    printf "  return a%d;\n}\n", n - 1 }' ;;
sum) awk -v n="$((nodes / 3))" 'BEGIN {
    print "fn f(x0, x1, x2, x3, x4, x5, x6, x7) {"; printf "  return sin(x0)"
    for (i = 1; i < n; i++) printf "\n    + sin(x%d * %d)", i % 8, i + 1
    print ";\n}" }' ;;
prod) awk -v n="$((nodes / 2))" 'BEGIN {
    print "fn f(x0, x1, x2, x3, x4, x5, x6, x7) {"; printf "  return (x0 + 1)"
    for (i = 1; i < n; i++) printf "\n    * (x%d + %d.5e-3)", i % 8, i
    print ";\n}" }' ;;
dag) awk -v n="$((nodes / 3))" 'BEGIN {
    srand(5); print "fn f(x, y) {"; print "  let t0 = x;"; print "  let t1 = y;"
    for (i = 2; i < n; i++) {
      a = int(rand() * i); b = i - 1; k = i % 4
      if (k == 0) printf "  let t%d = t%d * t%d + %d;\n", i, a, b, i % 5
      else if (k == 1) printf "  let t%d = sin(t%d) - t%d;\n", i, a, b
      else if (k == 2) printf "  let t%d = t%d * 0.5 + cos(t%d);\n", i, a, b
      else printf "  let t%d = tanh(t%d - t%d);\n", i, a, b
    }
    printf "  return t%d;\n}\n", n - 1 }' ;;
*) echo "gen.sh: unknown shape '$shape' (chain, sum, prod, dag)" >&2; exit 2 ;;
esac
