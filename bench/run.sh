#!/bin/sh
# make bench: run-time ratios of the generated gradients, then the compiler's
# own scaling in the number of SSA nodes. Not part of make check.
set -eu
adc=${1:-./adc}
out=build/bench
mkdir -p "$out/samples"
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "compiler: $(${CC:-cc} --version | head -n 1)"
for s in seed rosenbrock pendulum normal_nll; do
  "$adc" --header -o "$out/samples/${s}_grad.c" "samples/$s.ad"
done
${CC:-cc} -std=c99 -O2 -I"$out/samples" -o "$out/bench" bench/bench.c bench/hand.c \
  "$out"/samples/seed_grad.c "$out"/samples/rosenbrock_grad.c "$out"/samples/pendulum_grad.c \
  "$out"/samples/normal_nll_grad.c -lm
"$out/bench"
echo
echo "arrays and loops: gradient (or Jacobian) against the forward function"
for s in rosenbrock_n logistic oscillator ba gmm; do
  "$adc" --header -o "$out/samples/${s}_grad.c" "samples/$s.ad"
done
${CC:-cc} -std=c99 -O2 -I"$out/samples" -o "$out/arrays" bench/arrays.c \
  "$out"/samples/rosenbrock_n_grad.c "$out"/samples/logistic_grad.c "$out"/samples/oscillator_grad.c \
  "$out"/samples/ba_grad.c "$out"/samples/gmm_grad.c -lm
"$out/arrays"
echo
echo "compiler scaling: a chain of n statements, let a_i = a_(i-1) * c + sin(x)"
printf '%10s %10s %12s %10s\n' statements seconds "peak KiB" "s/stmt(us)"
for n in 10000 100000 250000 1000000; do
  awk -v n="$n" 'BEGIN { print "fn f(x) {"; print " let a0 = x;";
    for (i = 1; i < n; i++) printf " let a%d = a%d * 0.999 + sin(x * %d);\n", i, i - 1, i % 7 + 1;
    printf " return a%d;\n}\n", n - 1 }' >"$out/chain$n.ad"
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %M' -o "$out/time" "$adc" -o "$out/chain${n}_grad.c" "$out/chain$n.ad"
    read secs kib <"$out/time"
  else # without GNU time (Debian package 'time'): seconds only
    start=$(date +%s.%N)
    "$adc" -o "$out/chain${n}_grad.c" "$out/chain$n.ad"
    secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
    kib=-
  fi
  printf '%10d %10s %12s %10.2f\n' "$n" "$secs" "$kib" "$(echo "$secs $n" | awk '{ print $1 / $2 * 1e6 }')"
done
