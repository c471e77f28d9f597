#!/bin/sh
# same_output.sh OLD NEW [DIR...]: run two builds of the compiler on the same
# inputs under the same options and compare everything they do: the files
# they write (C, header, SSA, dot, check program), what they print on
# standard output and standard error, and their exit status. For a change
# that must not change the output (a redesign, a speed-up of the compiler).
#
# Inputs: every .ad file of the samples, of tests/golden, tests/errors,
# tests/fuzz and tests/rules, of the given directories (after 'make check',
# build/tmp holds every input the tests wrote, among them the differential
# test's 500 programs), and generated long programs (bench/gen.sh) that
# --split cuts into parts. Each runs under every option set below; a difference prints
# the command and the start of the diff. Exit 0 when all agree.
#
# make same-output BASE=REV builds REV in build-base/ and runs this against
# the current build.
set -u
old=$1 new=$2
shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/adc-same-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gen"
for shape in chain sum prod dag; do
  sh bench/gen.sh $shape 20000 >"$work/gen/$shape.ad"
done

# The option sets: every kind of output, every option that changes the text.
set_1='--header -o OUT/x_grad.c'
set_2='--emit=ssa -o OUT/x.ssa'
set_3='--emit=dot -o OUT/x.dot'
set_4='--emit=check -o OUT/x_check.c'
set_5='-O0 --real=float --split=5 --line -o OUT/x_grad.c'
set_6='--split=40 --static --prefix=p_ --header=OUT/p.h -o OUT/x_grad.c'
set_7='--real=long-double -O0 --emit=ssa -o OUT/x.ssa'
set_8='--split=5 --real=long-double --header -o OUT/x_grad.c'
set_9='--modes=jvp,hvp --header -o OUT/x_grad.c'
set_10='--modes=jvp,hvp -O0 --emit=ssa -o OUT/x.ssa'
nsets=10

files=0 runs=0 bad=0
run() { # run ADC DIR FILE OPTIONS: outputs into DIR/out, the rest into DIR
  mkdir -p "$2/out"
  # shellcheck disable=SC2086
  "$1" $(echo "$4" | sed "s|OUT|$2/out|g") "$3" >"$2/stdout" 2>"$2/stderr"
  echo $? >"$2/status"
}

compare() { # compare FILE OPTIONS
  rm -rf "$work/a" "$work/b"
  run "$old" "$work/a" "$1" "$2"
  run "$new" "$work/b" "$1" "$2"
  sed -i "s|$work/a|WORK|g" "$work/a/stdout" "$work/a/stderr"
  sed -i "s|$work/b|WORK|g" "$work/b/stdout" "$work/b/stderr"
  runs=$((runs + 1))
  if ! diff -r "$work/a" "$work/b" >"$work/diff" 2>&1; then
    bad=$((bad + 1))
    echo "differs: adc $2 $1"
    head -20 "$work/diff" | sed 's/^/    /'
  fi
}

for f in samples/*.ad samples/*/*.ad tests/golden/*.ad tests/errors/*.ad tests/fuzz/*.ad tests/rules/*.ad \
         $(for d in "$@"; do find "$d" -name '*.ad' -size -2M; done | sort) "$work"/gen/*.ad; do
  [ -e "$f" ] || continue
  files=$((files + 1))
  k=1
  while [ $k -le $nsets ]; do
    eval "opts=\$set_$k"
    compare "$f" "$opts"
    k=$((k + 1))
  done
done
echo "same-output: $files inputs, $runs runs of each compiler, $bad differ"
[ "$bad" -eq 0 ]
