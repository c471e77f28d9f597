#!/bin/sh
# layers.sh BUILD_DIR: the compiler's files depend on each other one way.
#   - Among the files of ir/, and among those of codegen/, no cycle of
#     calls: for each object file, the functions it calls that another file
#     of the same folder defines (nm) make an edge; tsort finds any loop.
#   - codegen/ includes no header of the parser (ast.h, sema.h): after
#     build, everything it needs is in the IR (ir.h's Signature).
# Prints each problem; exits 1 if there is one.
set -u
b=${1:-build}
bad=0
for dir in ir codegen; do
  edges=$(for o in "$b/$dir"/*.o; do
      f=$(basename "$o" .o)
      nm -g --defined-only "$o" | awk -v f="$f" 'NF == 3 {print "D", f, $3}'
      nm -u "$o" | awk -v f="$f" '{print "U", f, $NF}'
    done | awk '$1 == "D" {def[$3] = $2} $1 == "U" {n++; uf[n] = $2; us[n] = $3}
                END {for (i = 1; i <= n; i++) if ((us[i] in def) && def[us[i]] != uf[i]) print uf[i], def[us[i]]}' |
    sort -u)
  if [ -z "$edges" ]; then
    echo "layers: no object files in $b/$dir" >&2
    bad=1
    continue
  fi
  if ! echo "$edges" | tsort >/dev/null 2>"$b/layers.err"; then
    echo "layers: the files of $dir/ call each other in a cycle:"
    sed 's/^/    /' "$b/layers.err"
    bad=1
  fi
done
if grep -n '#include "\(ast\|sema\|parse_state\)\.h"' codegen/*.c codegen/*.h; then
  echo "layers: codegen/ includes a header of the parser (above)"
  bad=1
fi
[ "$bad" -eq 0 ] && echo "layers: ir/ and codegen/ call one way; codegen/ includes no parser header"
exit $bad
