/* ops.c - the operation table, expanded from ops.def. */
#include <math.h>
#include <string.h>

#include "ir.h"

#define VAL K_VAL
#define CND K_CND
#define INP K_INP
#define PHI K_PHI
#define INT K_INT
#define ARR K_ARR
#define EFF K_EFF
#define CAR K_CAR
#define EXIT K_EXIT
const OpInfo op_info[OP_COUNT] = {
#define OP(name, src, ar, kind, cfmt, fold, d0, d1, d2) {#name, src, ar, kind, cfmt},
#include "ops.def"
#undef OP
};
#undef VAL
#undef CND
#undef INP
#undef PHI
#undef INT
#undef ARR
#undef EFF
#undef CAR
#undef EXIT

double op_fold(int op, double a, double b, double c) {
  (void)c;
  switch (op) {
#define OP(name, src, ar, kind, cfmt, fold, d0, d1, d2)                        \
  case OP_##name:                                                              \
    return (double)(fold);
#include "ops.def"
#undef OP
  }
  return NAN;
}

/* Asked for every call in the source: the first letters decide most. */
int op_lookup_builtin(const char *name) {
  for (int i = 0; i < OP_COUNT; i++) {
    const char *s = op_info[i].src;
    if (s && s[0] == name[0] && strcmp(s, name) == 0)
      return i;
  }
  return -1;
}

/* A function of <math.h> costs more to recompute than to read back. */
int op_is_costly(int op) {
  const char *c = op_info[op].cfmt;
  return c && c[0] >= 'a' && c[0] <= 'z' && strncmp(c, "fabs", 4) != 0 && strncmp(c, "floor", 5) != 0 &&
         strncmp(c, "ceil", 4) != 0 && strncmp(c, "round", 5) != 0 && strncmp(c, "fmin", 4) != 0 &&
         strncmp(c, "fmax", 4) != 0;
}

int op_is_commutative(int op) {
  switch (op) {
  case OP_ADD: case OP_MUL: case OP_MIN: case OP_MAX: case OP_HYPOT:
  case OP_EQ: case OP_NE: case OP_AND: case OP_OR: case OP_IADD: case OP_IMUL:
    return 1;
  }
  return 0;
}

/* The rules as written in the table, to ask what kind of rule each is. */
static const char *const rule_text[OP_COUNT][3] = {
#define OP(name, src, ar, kind, cfmt, fold, d0, d1, d2) {#d0, #d1, #d2},
#include "ops.def"
#undef OP
};

int op_keeps_aux(int op) {
  return op == OP_ACCUM || op == OP_ABUF || op == OP_ABAR || op == OP_AZERO || op == OP_ACLEAR || op == OP_ASWAP;
}

int op_constant_partials(int op) {
  for (int i = 0; i < op_info[op].arity; i++) {
    const char *r = rule_text[op][i];
    if (strcmp(r, "ZERO") != 0 && strncmp(r, "K(", 2) != 0)
      return 0;
  }
  return 1;
}
