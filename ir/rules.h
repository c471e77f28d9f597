/* rules.h - the rule language of ops.def's derivative columns, for the
 * passes that read them (reverse.c, tangent.c), and partial(). The includer
 * defines B (its builder), X Y W Z (the node's arguments and result, as it
 * reaches them), NODERIV (what an operation without a derivative gives),
 * its context's type RULE_CTX (with the forward graph as f) and the name
 * RULE_VAR those macros read it by; and defines no_derivative(). */
#ifndef ADC_RULES_H
#define ADC_RULES_H

#define K(v) b_const(B, (v))
#define KV(x) graph_const(B->g, (x))
#define ZERO REF_NONE
#define U(op, p) b_op(B, OP_##op, (p), REF_NONE, REF_NONE)
#define BI(op, p, q) b_op(B, OP_##op, (p), (q), REF_NONE)
#define NEG(p) U(NEG, p)
#define SIN(p) U(SIN, p)
#define COS(p) U(COS, p)
#define SINH(p) U(SINH, p)
#define COSH(p) U(COSH, p)
#define SQRT(p) U(SQRT, p)
#define LOG(p) U(LOG, p)
#define EXP(p) U(EXP, p)
#define SIGN(p) U(SIGN, p)
#define ADD(p, q) BI(ADD, p, q)
#define SUB(p, q) BI(SUB, p, q)
#define MUL(p, q) BI(MUL, p, q)
#define DIV(p, q) BI(DIV, p, q)
#define POW(p, q) BI(POW, p, q)
#define POWI(p, q) BI(POWI, p, q)
#define EQ(p, q) BI(EQ, p, q)
#define LT(p, q) BI(LT, p, q)
#define GT(p, q) BI(GT, p, q)
#define SEL(c, p, q) b_op(B, OP_SEL, (c), (p), (q))

static Ref no_derivative(RULE_CTX *RULE_VAR, const Node *nd);

/* Forward node n's partial derivative by its argument i (ZERO when 0). */
static Ref partial(RULE_CTX *RULE_VAR, int n, int i) {
  const Node *nd = &RULE_VAR->f->nodes.v[n];
  switch (nd->op) {
#define OP(name, src, ar, kind, cfmt, fold, d0, d1, d2)                        \
  case OP_##name:                                                              \
    return i == 0 ? (d0) : i == 1 ? (d1) : (d2);
#include "ops.def"
#undef OP
  }
  return ZERO;
}

#endif
