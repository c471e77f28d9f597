#!/bin/sh
# memcheck.sh ADC [DIR...]: run the compiler under valgrind's memcheck on
# every .ad file of the samples, the golden and error inputs, the fuzzer's
# findings and the given directories (make memcheck adds build/tmp, where
# 'make check' leaves every input its tests wrote). Fails on any memory
# error or any block definitely lost at exit; prints one line per failure
# and a summary. The samples also run with the other kinds of output.
set -u
adc=$1
shift
command -v valgrind >/dev/null 2>&1 || { echo "memcheck.sh: valgrind is not installed" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/adc-memcheck-XXXXXX")
trap 'rm -rf "$out"' EXIT
runs=0 bad=0

check() { # check FILE ARGS...: one run; a failure prints valgrind's report
  f=$1
  shift
  runs=$((runs + 1))
  if ! valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
      --show-leak-kinds=definite --log-file="$out/log" "$adc" "$@" "$f" >/dev/null 2>&1; then
    if [ -s "$out/log" ]; then
      bad=$((bad + 1))
      echo "memcheck: $adc $* $f"
      sed 's/^/    /' "$out/log"
    fi
  fi
}

for f in samples/*.ad samples/*/*.ad; do
  check "$f" --header -o "$out/o_grad.c"
  check "$f" -O0 --real=float --split=5 --line -o "$out/o_grad.c"
  check "$f" --modes=all -o "$out/o_grad.c"
  check "$f" --emit=ssa -o "$out/o.ssa"
  check "$f" --emit=dot -o "$out/o.dot"
  check "$f" --emit=check -o "$out/o_check.c"
done
for f in tests/golden/*.ad tests/errors/*.ad tests/fuzz/*.ad tests/rules/*.ad; do
  check "$f" --header -o "$out/o_grad.c"
  check "$f" --modes=jvp -o "$out/o_grad.c"
done
for d in "$@"; do
  for f in $(find "$d" -name '*.ad' -size -2M | sort); do
    check "$f" --header -o "$out/o_grad.c"
  done
done
echo "memcheck: $runs runs of $adc, $bad with memory errors or leaks"
[ "$bad" -eq 0 ]
