#!/bin/sh
# Regenerate the golden outputs from the current compiler. Review the diff
# (git diff tests/) before committing: every change must be intended.
set -eu
adc=${1:-./adc}
for ad in samples/*.ad tests/golden/*.ad; do
  [ -e "$ad" ] || continue
  stem=$(basename "$ad" .ad)
  "$adc" --emit=c -o "tests/golden/$stem.c.golden" "$ad"
  # SSA text: for the inputs of tests/golden and the samples that keep one
  case $ad in tests/*) ;; *) [ -e "tests/golden/$stem.ssa.golden" ] || continue ;; esac
  "$adc" --emit=ssa -o "tests/golden/$stem.ssa.golden" "$ad"
done
for ad in tests/errors/*.ad; do
  stem=$(basename "$ad" .ad)
  (cd tests/errors && "../../$adc" "$stem.ad" -o /dev/null 2>"$stem.err" >/dev/null) || true
done
