/* expr.c - operands and expressions as text (emit.h): the name a reference
 * prints as (a node's own, or the copy line in scope), integers inline,
 * places in storage, a node's C expression from the operation table, and a
 * value a part reads from adc_v. */
#include <assert.h>
#include <ctype.h>
#include <string.h>

#include "emit.h"

/* The copy line of label li: zK_bar (zK_bar_dot for its tangent, f_hvp),
 * K its forward node's name. */
Name label_name(const Em *e, int li) {
  const Label *l = &e->g->labels.v[li];
  return l->tan ? bar_dot_name(l->name, l->tan - 1) : bar_name(l->name);
}

/* The copy line whose name references to r use now, or -1. */
int cur_label(const Em *e, Ref r) { return ref_is_const(r) ? -1 : e->ns[r].curl; }

/* Node n's own name, made when the first walk meets it (then kept: the
 * second walk meets the nodes in the same order). A node a label names
 * takes the label's name; a forward node keeps its forward number
 * everywhere; helper nodes of the reverse sweep are numbered after them. */
Name own_name(Em *e, int n) {
  const Node *nd = &e->g->nodes.v[n];
  if (e->ns[n].name)
    return e->ns[n].name;
  if (e->direct[n] >= 0 && nd->name < 0)
    return label_name(e, e->direct[n]);
  if (nd->name >= 0 && !(e->pl.fresh && e->pl.fresh[n]))
    return nd->tan ? dot_name(nd->name, nd->tan - 1) : z_name(nd->name);
  return z_name(e->helper++);
}

/* From now on references to n print as copy line li (until the block is left). */
void set_cur(Em *e, int n, int li) {
  vec_push(&e->undo_node, n);
  vec_push(&e->undo_curl, e->ns[n].curl);
  e->ns[n].curl = li;
}

/* Leaving a block: the copy lines made in it are out of scope. */
void leave_block(Em *e, int mark) {
  while (e->undo_node.n > mark) {
    e->undo_node.n--;
    e->ns[e->undo_node.v[e->undo_node.n]].curl = e->undo_curl.v[--e->undo_curl.n];
  }
}

/* Constants print as literals of the type, negative ones in parentheses;
 * each text is made once. */
static void const_text(Em *e, StrBuf *b, Ref r) {
  int k = ref_const_index(r);
  if (!e->ctext[k]) {
    double v = graph_const(e->g, r);
    StrBuf t = {0};
    int paren = v < 0 || (v == 0 && 1 / v < 0);
    if (paren)
      sb_putc(&t, '(');
    cg_real_literal(&t, v, e->opts->real);
    if (paren)
      sb_putc(&t, ')');
    e->ctext[k] = arena_strndup(&e->arena, t.s, t.len);
    sb_free(&t);
  }
  sb_puts(b, e->ctext[k]);
}

/* An array: a parameter by its name, a local array's buffer as adc_aK, its
 * adjoint as adc_bK (adc_bK_R for row R of f_jac's adjoints). */
void buffer_text(Em *e, StrBuf *b, int buf, int adjoint, int row) {
  const Node *nd = &e->g->nodes.v[buf];
  if (nd->op == OP_ARRAY) { /* a parameter, f_vjp's cotangent of an array result, or f_jvp's tangent */
    sb_puts(b, input_name(e, nd->aux));
    return;
  }
  sb_printf(b, "adc_%c%d", adjoint ? 'b' : 'a', nd->aux);
  if (adjoint && e->several && e->kind == FN_GRAD)
    sb_printf(b, "_%d", row);
}

void ref_text(Em *e, StrBuf *b, Ref r) {
  if (e->remaking && !ref_is_const(r) && e->g->nodes.v[r].op == OP_INPUT) {
    expr_text(e, b, r); /* the parameter's own name */
    return;
  }
  if (ref_is_const(r)) {
    const_text(e, b, r);
    return;
  }
  OpKind kind = (OpKind)e->ns[r].kind;
  if (kind == K_INT) {
    int_text(e, b, r, 0);
    return;
  }
  read_pending(e, r); /* its first use */
  if (kind == K_ARR) {
    buffer_text(e, b, e->buf_of[r], 0, 0);
    return;
  }
  /* what is printed was counted: a name read here has its line printed
   * (asked of NodeState, not of the graph's node: a cache miss on a large
   * graph, whose operands are anywhere) */
  assert(e->ns[r].curl >= 0 ? copy_line_used(e, e->ns[r].curl) : kind != K_INP || is_read(e, r));
  put_name(b, e->ns[r].curl >= 0 ? label_name(e, e->ns[r].curl) : e->ns[r].name);
}

/* In a hoisted value's line (emit_hoisted), an operand made inside the
 * loops it was hoisted out of is written out, in parentheses unless it is
 * a whole argument, a read of an array or a call. */
static int written_out(Em *e, StrBuf *b, Ref r) {
  if (e->inline_lo < 0 || ref_is_const(r) || r < e->inline_lo || op_info[e->g->nodes.v[r].op].kind == K_INT)
    return 0;
  const Node *nd = &e->g->nodes.v[r];
  int bare = e->whole_arg || nd->op == OP_LOAD ||
             (op_info[nd->op].cfmt && isalpha((unsigned char)op_info[nd->op].cfmt[0]));
  e->whole_arg = 0;
  if (!bare)
    sb_putc(b, '(');
  expr_text(e, b, r);
  if (!bare)
    sb_putc(b, ')');
  return 1;
}

void ref_use(Em *e, StrBuf *b, Ref r) {
  if (written_out(e, b, r))
    return;
  count_operand(e, r);
  ref_text(e, b, r);
  count_ref(e, r);
}

/* In a position in storage reused by each iteration of fused loop
 * e->reuse_f, the terms of the counters it drops are 0 (plan_reuse): r
 * printed without them. 1 when done here, 0 when r prints as usual. */
static int dropped_terms(Em *e, StrBuf *b, Ref r, int need) {
  const Plan *p = &e->pl;
  const Node *nd = &e->g->nodes.v[r];
  int f = e->reuse_f;
  if (plan_dropped_zero(p, e->g, f, r)) {
    sb_putc(b, '0');
    return 1;
  }
  if (nd->op == OP_IADD && plan_dropped_zero(p, e->g, f, nd->a[0])) {
    int_text(e, b, nd->a[1], need);
    return 1;
  }
  if ((nd->op == OP_IADD || nd->op == OP_ISUB) && plan_dropped_zero(p, e->g, f, nd->a[1])) {
    int_text(e, b, nd->a[0], need);
    return 1;
  }
  return 0;
}

/* Integers print inline: sizes and integer data by name, loop indices as
 * iL, elements of integer data as idx[flat], arithmetic
 * with the parentheses C needs. need: the binding strength the context
 * needs (0 any, 1 additive, 2 multiplicative, 3 unary). */
void subscript_text(Em *e, StrBuf *b, Ref r) {
  sb_putc(b, '[');
  int_text(e, b, r, 0);
  sb_putc(b, ']');
}

void int_text(Em *e, StrBuf *b, Ref r, int need) {
  if (ref_is_const(r)) {
    sb_int(b, (long)graph_const(e->g, r));
    return;
  }
  if (e->stride_of && e->stride_of[r] >= 0) { /* kept in a counter of its own (stride.c) */
    sb_printf(b, "adc_o%d", r);
    return;
  }
  const Node *nd = &e->g->nodes.v[r];
  if (e->reuse_f >= 0 && dropped_terms(e, b, r, need))
    return;
  count_int(e, r);
  int mine = nd->op == OP_IADD || nd->op == OP_ISUB ? 1 : nd->op == OP_INEG ? 3 : 2;
  int leaf = nd->op == OP_SIZE || nd->op == OP_IDX || nd->op == OP_IPARAM || nd->op == OP_ILOAD;
  int paren = !leaf && mine < need;
  if (paren)
    sb_putc(b, '(');
  switch (nd->op) {
  case OP_SIZE:
    sb_puts(b, e->nm->sizes[nd->aux]);
    break;
  case OP_IPARAM:
    sb_puts(b, e->nm->params[nd->aux]);
    break;
  case OP_ILOAD:
    ref_use(e, b, nd->a[0]);
    subscript_text(e, b, nd->a[1]);
    break;
  case OP_IDX:
    sb_putc(b, 'i');
    sb_int(b, e->pl.index_of ? e->pl.index_of[nd->aux] : nd->aux);
    break;
  case OP_INEG:
    sb_putc(b, '-');
    int_text(e, b, nd->a[0], 3);
    break;
  default:
    int_text(e, b, nd->a[0], mine);
    sb_puts(b, nd->op == OP_IADD ? " + " : nd->op == OP_ISUB ? " - " : nd->op == OP_IMUL ? " * "
               : nd->op == OP_IDIV ? " / " : " % ");
    int_text(e, b, nd->a[1], nd->op == OP_IADD ? 1 : mine + 1);
    break;
  }
  if (paren)
    sb_putc(b, ')');
}

/* Place `half` (0 or 1) of element pos of the storage of SAVE node sv:
 * adc_tK[pos], or adc_tK[2 * pos + half] for a logsumexp's weights. */
void tape_place(Em *e, StrBuf *b, Ref sv, Ref pos, int half) {
  int two = stores_weights(e->g, sv);
  sb_puts(b, "adc_t");
  sb_int(b, sv);
  sb_puts(b, two ? "[2 * " : "[");
  int outer = e->reuse_f;
  e->reuse_f = e->pl.reused ? e->pl.reused[sv] : -1;
  int_text(e, b, pos, two ? 2 : 0);
  e->reuse_f = outer;
  sb_puts(b, two && half ? " + 1]" : "]");
}

/* Element pos of the storage of SAVE node sv, as the reverse sweep reads it. */
void tape_text(Em *e, StrBuf *b, Ref sv, Ref pos) { tape_place(e, b, sv, pos, 0); }

/* x^k: k times x for small k, else pow. */
static void powi_text(Em *e, StrBuf *b, const Node *nd) {
  double k = graph_const(e->g, nd->a[1]);
  StrBuf x = {0};
  ref_use(e, &x, nd->a[0]);
  if (k == 2)
    sb_printf(b, "%s * %s", x.s, x.s);
  else if (k == 3)
    sb_printf(b, "%s * %s * %s", x.s, x.s, x.s);
  else if (k == -1)
    sb_printf(b, "1.0%s / %s", e->ls, x.s);
  else if (k == -2)
    sb_printf(b, "1.0%s / (%s * %s)", e->ls, x.s, x.s);
  else {
    sb_printf(b, "pow%s(%s, ", e->fs, x.s);
    cg_real_literal(b, k, e->opts->real);
    sb_putc(b, ')');
  }
  sb_free(&x);
}

/* The table's C spelling, operands put in: "sin(%0)", "%0 + %1". */
static void cfmt_text(Em *e, StrBuf *b, const Node *nd) {
  const char *fmt = op_info[nd->op].cfmt;
  /* a comparison of integers: its constants are integers too */
  int ints = op_info[nd->op].kind == K_CND && op_info[nd->op].arity == 2 && nd->op != OP_AND &&
             nd->op != OP_OR && (graph_ref_kind(e->g, nd->a[0]) == K_INT || graph_ref_kind(e->g, nd->a[1]) == K_INT);
  for (const char *p = fmt; *p; p++) {
    if (*p == '%' && p[1] >= '0' && p[1] <= '2') {
      /* "f(%0, %1)": each is a whole argument, needing no parentheses */
      e->whole_arg = p > fmt && (p[-1] == '(' || (p[-1] == ' ' && p - fmt > 1 && p[-2] == ',')) &&
                     (p[2] == ')' || p[2] == ',');
      Ref a = nd->a[p[1] - '0'];
      if (ints && ref_is_const(a))
        int_text(e, b, a, 0);
      else
        ref_use(e, b, a);
      e->whole_arg = 0;
      p++;
    } else if (*p == 'd' && strncmp(p, "double", 6) == 0) { /* a cast */
      sb_puts(b, e->T);
      p += 5;
    } else if (*p >= 'a' && *p <= 'z' && (p == fmt || !isalnum((unsigned char)p[-1]))) {
      const char *q = p; /* a <math.h> function: its name gets the type's suffix */
      while (isalnum((unsigned char)*q))
        q++;
      sb_putn(b, p, (size_t)(q - p));
      if (*q == '(')
        sb_puts(b, e->fs);
      p = q - 1;
    } else { /* operators, parentheses: up to the next operand or name at once */
      const char *q = p + 1;
      while (*q && *q != '%' && !(*q >= 'a' && *q <= 'z'))
        q++;
      sb_putn(b, p, (size_t)(q - p));
      p = q - 1;
    }
  }
}

void expr_text(Em *e, StrBuf *b, int n) {
  const Node *nd = &e->g->nodes.v[n];
  switch (nd->op) {
  case OP_INPUT:
    sb_puts(b, input_name(e, nd->aux));
    return;
  case OP_LOAD:
    ref_use(e, b, nd->a[0]);
    subscript_text(e, b, nd->a[1]);
    return;
  case OP_RESTORE:
    tape_text(e, b, nd->a[0], nd->a[1]);
    return;
  case OP_ABAR: /* an element of a local array's adjoint */
    buffer_text(e, b, nd->a[0], 1, nd->aux);
    subscript_text(e, b, nd->a[1]);
    return;
  case OP_LOOPOUT:
    ref_use(e, b, nd->a[0]);
    return;
  case OP_POWI:
    powi_text(e, b, nd);
    return;
  default:
    cfmt_text(e, b, nd);
  }
}

/* ---- values a part reads from adc_v ---- */

/* The line of the current part that reads node n from adc_v, or makes a
 * remade one again. A read that waits for its first use is printed just
 * before the line that uses it (still being built), so the value is live
 * from there, not from the start of the part: with all of them live at
 * once, gcc -O2's register allocation and scheduling made it 20-28%
 * slower on long products and random DAGs. */
void read_line(Em *e, int n) {
  /* a line of its own, kept for the next read at the same nesting: no
   * allocation per line */
  StrBuf deeper = {0};
  StrBuf *b = e->nreads < (int)(sizeof e->reads / sizeof e->reads[0]) ? &e->reads[e->nreads] : &deeper;
  e->nreads++;
  b->len = 0;
  e->ns[n].lastload = e->part;
  int cond = e->ns[n].kind == K_CND; /* a remade value never is */
  put_decl(b, cond ? "int" : e->T);
  put_name(b, e->ns[n].name);
  sb_puts(b, " = ");
  if (remade(e, n)) {
    const Node *nd = &e->g->nodes.v[n];
    int remaking = e->remaking, whole_arg = e->whole_arg;
    e->remaking = 1;
    expr_text(e, b, n);
    e->remaking = remaking;
    e->whole_arg = whole_arg;
    line_end(e, b, e->direct[n] >= 0 && nd->name < 0 ? e->g->labels.v[e->direct[n]].src : nd->src);
  } else {
    sb_puts(b, "adc_v[");
    sb_int(b, e->ns[n].slot);
    sb_puts(b, cond ? "] != 0;\n" : "];\n");
    indent(e);
    put_n(e, b->s, b->len);
  }
  e->nreads--;
  sb_free(&deeper);
}

void read_pending(Em *e, Ref r) {
  if (e->nparts > 1 && !ref_is_const(r) && e->ns[r].pending == e->part && e->ns[r].lastload != e->part)
    read_line(e, r);
}
