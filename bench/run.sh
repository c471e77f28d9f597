#!/bin/sh
# make bench: (1) run time of the generated gradients beside the forward
# functions, hand-written gradients, central differences and ADOL-C;
# (2) the compiler's own time and memory on generated inputs of 10^4, 10^5
# and 10^6 SSA nodes, and gcc's time on the emitted C. Not part of make check.
# Results: the tables on stdout, build/bench/*.csv, build/bench/*.png (gnuplot).
# PARTS (runtime, scaling, gcc; default all three) picks what runs; SIZES
# and GCC_SIZES (node counts) and SHAPES narrow the scaling runs.
set -eu
adc=${1:-./adc}
out=build/bench
cc=${CC:-cc}
# Every function starts a cache line (-falign-functions=64): otherwise where
# the linker happens to put one moves its time by up to 12% (GMM's
# hand-written gradient between two links of the same objects), which is more
# than the differences measured here (doc/performance.md).
opt="-O2 -falign-functions=64 -falign-loops=32"
mkdir -p "$out/s"
echo "machine: $(uname -sm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "compiler: $($cc --version | head -n 1); flags $opt"
echo

want() { case " ${PARTS:-runtime scaling gcc} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# ---- (1) run time ----
if want runtime; then
objs=
for s in seed rosenbrock rosenbrock_n ba gmm oscillator lstm heat logistic; do
  "$adc" --modes=all --header -o "$out/s/${s}_grad.c" "samples/$s.ad"
  # shellcheck disable=SC2086
  $cc -std=c99 $opt -c -o "$out/s/$s.o" "$out/s/${s}_grad.c"
  objs="$objs $out/s/$s.o"
done
# shellcheck disable=SC2086
$cc -std=c99 $opt -c -o "$out/hand.o" bench/hand.c
link=$cc adolc=
if [ -f /usr/include/adolc/adolc.h ] && command -v g++ >/dev/null; then
  # shellcheck disable=SC2086
  g++ $opt -Ibench -c -o "$out/adolc.o" bench/adolc.cpp
  link=g++ adolc="-DHAVE_ADOLC $out/adolc.o -ladolc"
else
  echo "ADOL-C not found (Debian: apt-get install libadolc-dev): its column stays empty"
fi
# shellcheck disable=SC2086
$cc -std=c99 $opt -Ibench -I"$out/s" ${adolc:+-DHAVE_ADOLC} -c -o "$out/bench.o" bench/bench.c
# shellcheck disable=SC2086
$link -o "$out/bench" "$out/bench.o" "$out/hand.o" $objs ${adolc:+$out/adolc.o -ladolc} -lm
"$out/bench" "$out/runtime.csv" "$out/jvp.csv"
echo
# second order: f_hvp, f_hess, hand-written products, ADOL-C's
# shellcheck disable=SC2086
$cc -std=c99 $opt -Ibench -I"$out/s" ${adolc:+-DHAVE_ADOLC} -c -o "$out/second.o" bench/second.c
# shellcheck disable=SC2086
$link -o "$out/second" "$out/second.o" "$out/hand.o" $objs ${adolc:+$out/adolc.o -ladolc} -lm
"$out/second" "$out/second.csv"
echo
fi

# ---- (2) the compiler's scaling ----
if want scaling; then
echo "compiler scaling: adc on generated programs (bench/gen.sh), gcc on its output"
printf '%-6s %9s %9s %8s %10s %11s\n' shape nodes seconds "peak MB" "x/doubling" "output MB"
echo "shape,nodes,adc_seconds,adc_peak_kib,growth_per_doubling,output_bytes" >"$out/scaling.csv"
for shape in ${SHAPES:-chain sum prod dag}; do
  prev=
  for n in ${SIZES:-10000 100000 1000000}; do
    sh bench/gen.sh "$shape" "$n" >"$out/$shape$n.ad"
    # the median of three runs, to the millisecond (GNU time's hundredths
    # made the growth from a 0.04 s run a matter of rounding); the peak
    # memory from a fourth, under GNU time (Debian package 'time'), if any
    secs=$(for r in 1 2 3; do
      start=$(date +%s.%N)
      "$adc" -o "$out/$shape${n}_grad.c" "$out/$shape$n.ad" 2>/dev/null
      echo "$start $(date +%s.%N)" | awk '{ printf "%.3f\n", $2 - $1 }'
    done | sort -n | sed -n 2p)
    kib=0
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -f '%M' -o "$out/time" "$adc" -o "$out/$shape${n}_grad.c" "$out/$shape$n.ad" 2>/dev/null
      read -r kib <"$out/time"
    fi
    # growth of the time per doubling of the size, from the previous size
    growth=$(echo "${prev:-} $secs $n" | awk 'NF == 4 { if ($2 > 0) printf "%.2f", exp(log($3 / $2) * log(2) / log($4 / $1)); else printf "-" } NF < 4 { printf "-" }')
    bytes=$(wc -c <"$out/$shape${n}_grad.c")
    printf '%-6s %9d %9s %8d %10s %11.0f\n' "$shape" "$n" "$secs" "$((kib / 1024))" "$growth" "$(echo "$bytes" | awk '{ print $1 / 1e6 }')"
    echo "$shape,$n,$secs,$kib,$growth,$bytes" >>"$out/scaling.csv"
    prev="$n $secs"
  done
done
echo
fi
if want gcc; then
echo "gcc on adc's output (the whole file: f, f_grad, f_vjp), seconds"
printf '%-6s %9s %8s %8s\n' shape nodes "-O1" "-O2"
echo "shape,nodes,gcc_O1_seconds,gcc_O2_seconds" >"$out/gcc.csv"
for shape in ${SHAPES:-chain sum prod dag}; do
  for n in ${GCC_SIZES:-10000 100000}; do
    # made anew: a file left by an earlier run may come from an older adc
    sh bench/gen.sh "$shape" "$n" >"$out/$shape$n.ad"
    "$adc" -o "$out/$shape${n}_grad.c" "$out/$shape$n.ad" 2>/dev/null
    t=
    for o in -O1 -O2; do
      start=$(date +%s.%N)
      $cc -std=c99 $o -c -o "$out/gcc.o" "$out/$shape${n}_grad.c"
      t="$t $(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')"
    done
    set -- $t
    printf '%-6s %9d %8s %8s\n' "$shape" "$n" "$1" "$2"
    echo "$shape,$n,$1,$2" >>"$out/gcc.csv"
  done
done
fi

# ---- charts ----
if ! want runtime; then
  :
elif command -v gnuplot >/dev/null; then
  gnuplot -e "csv='$out/runtime.csv'; png='$out/runtime.png'" bench/runtime.gp
  echo
  echo "charts: $out/runtime.png"
else
  echo "gnuplot not found: no charts (the CSV files are in $out)"
fi
