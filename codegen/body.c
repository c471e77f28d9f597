/* body.c - one function's graph as straight-line C (or as SSA text: the
 * same walk, other punctuation). One line per node, "const double zK = ...;",
 * in node order; a conditional group becomes one if/else whose phis are
 * assigned in each branch. Adjoint values are named zK_bar; when an adjoint is
 * a value that already has a name, a copy line "const double zK_bar = z2;"
 * keeps the derivation readable, and later lines refer to it by that name.
 * A first, silent pass learns which copy lines and parameters are used. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "plan.h"

/* A temporary's name as a number, written out where it is used: 2K + 1 is
 * zK, 2K + 2 is zK_bar, 0 none yet. (As strings, every operand was a read
 * of text somewhere in memory: on a large random DAG, a cache miss each.) */
typedef int32_t Name;
enum { NAME_LEN = 32 }; /* "z", up to 20 digits, "_bar", NUL */

static Name z_name(int k) { return 2 * (Name)k + 1; }
static Name bar_name(int k) { return 2 * (Name)k + 2; }

/* nm as C text at buf (NUL-ended); its length */
static int put_name_at(char *buf, Name nm) {
  buf[0] = 'z';
  int n = 1 + put_decimal(buf + 1, (nm - 1) / 2);
  if (nm % 2 == 0) {
    memcpy(buf + n, "_bar", 5);
    n += 4;
  }
  return n;
}

static void put_name(StrBuf *b, Name nm) {
  if (b->len + NAME_LEN > b->cap)
    sb_reserve(b, NAME_LEN);
  b->len += (size_t)put_name_at(b->s + b->len, nm);
}

/* For formats: nm's text in the caller's buffer. */
static const char *name_text(Name nm, char *buf) {
  put_name_at(buf, nm);
  return buf;
}

/* What the emitter knows of each node, in one place: a node is looked up
 * each time it is an operand, and a random DAG's operands are anywhere
 * before their user (one array per field was a cache miss per field). The
 * fields from partof on are for split functions (plan_parts). */
typedef struct NodeState {
  Name name;        /* its own name, once defined (0 before) */
  int32_t curl;     /* copy line (label) whose name references use now, or -1 */
  int32_t refs;     /* references to it (dry pass) */
  int32_t partof;   /* the part of its position (also for position n) */
  int32_t slot;     /* its place in adc_v, or -1 */
  int32_t lastload; /* the last part known to read it from adc_v, or -1 */
  int32_t pending;  /* printing pass: the part whose read of it waits for its first use, or -1 */
  uint8_t kind;     /* op_info[op].kind */
  uint8_t remake;   /* remakable (see remade) */
  uint8_t stored;   /* printing pass: passed on in adc_v where it is made */
} NodeState;

typedef struct Em {
  StrBuf *out;
  int dry;          /* first pass: only learn which copy lines are used */
  int ssa;          /* SSA text instead of C */
  const Graph *g;
  const FnNames *nm;
  const Source *src;
  FnKind kind;
  GroupSpan *spans;
  NodeState *ns;    /* per node */
  int *direct;      /* label that names the node itself, or -1 */
  char *label_used; /* copy line referenced (learned by the dry pass) */
  int *label_dep;   /* the copy line a copy line reads, or -1 */
  int rev_start;    /* first position of the reverse sweep */
  int rev_marked;   /* its marker is placed */
  const char *marker; /* a section heading to print before the next line */
  int *blk_labels;  /* labels per block */
  int *lab_first;   /* labels at position p: [lab_first[p], lab_first[p + 1]) */
  VEC(int) undo_node; /* (node, previous curl) pairs, to leave a block */
  VEC(int) undo_curl;
  int helper;       /* next zK number for nodes without a forward name */
  int depth;
  StrBuf line;      /* the line being built */
  char **ctext;     /* text of each constant, made once */
  Arena arena;
  const FnGraphs *fg;
  int several;      /* several results: FN_GRAD prints f_jac */
  LoopSpan *lspans;
  int ntapes;       /* SAVE nodes: each has its storage, adc_tK for node K */
  char **col_off;   /* f_jac: each parameter's first column, as C text */
  char *ncols;      /* f_jac: the Jacobian's columns, as C text */
  char *stores;     /* per ACCUM node: the first into its element there: `=` */
  unsigned char **written; /* f_grad, f_jac: per array parameter whose elements are
                     * stored into, not added into an array zeroed first (plan_direct),
                     * which of them are (by row); NULL for the others */
  int *direct_len;  /* per direct array: its number of elements */
  const EmitOpts *opts;
  const char *T, *fs, *ls; /* --real: the type, <math.h> and literal suffixes */
  int presumed;     /* with --line: the .ad line the compiler takes the next line for, or -1 */
  StrBuf last_comment; /* the comment of the source span last_at (see comment) */
  Loc last_at;
  unsigned char shown_as[256]; /* make_comment's view of each source byte (ShownAs) */
  StrBuf reads[4];  /* read_line's lines, one per nesting (a remade value's reads) */
  int nreads;
  int line_lo, line_hi, line_no; /* the .ad line last asked for (src_line): its bytes, its number */
  /* A function too large for C compilers to optimise quickly is split at
   * top-level statements into parts: static functions called in order,
   * the last part being the function itself. Values one part defines and a
   * later one reads pass through the array adc_v (one slot each). */
  const BodyHead *bh;
  int nparts, part;
  int *cut;         /* part q is positions [cut[q], cut[q + 1]) */
  int fwd_parts;    /* f_grad: its first parts, f's forward sweep, run by f too (FwdShare) */
  int nslots;       /* adc_v's length */
  int nwritten[2];  /* slots given to values of even and of odd parts */
  /* (part, node, near): part q reads node from adc_v (or makes it again);
   * near: every read of it there is at the part's top level, so that the
   * line can wait for the first (see read_line) */
  VEC(int) loadpart, loadnode, loadnear;
  int *loadat;      /* dry pass: the node's latest entry in those */
  int *loadfirst;   /* part q's reads: sorted entries [loadfirst[q], loadfirst[q + 1]) */
  int *sorted, *sortnear;
  unsigned char *pused; /* per part, each argument role slot it reads (see use_slot) */
  int nuse;
  Plan pl;          /* fusion and caching (plan.c) */
  int remaking;     /* printing a remade value: its parameters by their names */
  int inline_lo;    /* printing a hoisted value: the values it reads from this
                     * position on are written out, not named (-1: none) */
  int whole_arg;    /* the next operand printed is a whole function argument */
  int reuse_f;      /* printing a position in storage reused by each iteration of
                     * this fused loop (Plan.reused), or -1 */
  int ref_step;     /* what a reference adds to refs[] in the dry pass: 1, or -1
                     * to take back those of a line that will not be printed */
} Em;

/* The size of a part (in nodes; smaller when --split is smaller): register
 * allocation and alias analysis in C compilers grow faster than linearly
 * with the length of a function (gcc -O2: 2 s for 8,000 lines, 19 s for
 * 20,000; with parts, the time per line stays that of short functions). */
enum { PART_NODES = 200, STACK_SLOTS = 4096 };

static void int_text(Em *e, StrBuf *b, Ref r, int prec);

/* Each part notes which arguments it reads, to cast the others to void. */
static int use_slot(const Em *e, ArgRole role, int index) {
  int ns = e->fg->sig->nsizes, np = e->g->nparams, nv = e->fg->fwd.outs.n;
  switch (role) {
  case ARG_SIZE: return index;
  case ARG_PARAM: return ns + index;
  case ARG_SEED: return ns + np + index;
  case ARG_BAR: return ns + np + nv + index;
  case ARG_JAC: return ns + 2 * np + nv;
  default: return -1; /* output pointers: written by the last part only */
  }
}

/* C text names the identifier word (not as part of a longer one). */
static int names_word(const char *text, const char *word) {
  size_t n = strlen(word);
  for (const char *t = strstr(text, word); t; t = strstr(t + 1, word)) {
    int before = t > text && (isalnum((unsigned char)t[-1]) || t[-1] == '_');
    int after = isalnum((unsigned char)t[n]) || t[n] == '_';
    if (!before && !after)
      return 1;
  }
  return 0;
}

static void mark_use_in(Em *e, int q, ArgRole role, int index) {
  if (e->nparts > 1)
    e->pused[(size_t)q * (size_t)e->nuse + (size_t)use_slot(e, role, index)] = 1;
}

static void mark_use(Em *e, ArgRole role, int index) { mark_use_in(e, e->part, role, index); }

/* In a function split into parts, a value cheap to make again is made at
 * the start of each part that reads it rather than passed through adc_v
 * (a store and a load, and its line in its own part): a parameter, or one
 * arithmetic operation on parameters and constants, at the top level. */
static int remakable(const Graph *g, int r) {
  const Node *nd = &g->nodes.v[r];
  if (nd->blk != 0)
    return 0;
  if (nd->op == OP_INPUT)
    return 1;
  if (nd->op != OP_ADD && nd->op != OP_SUB && nd->op != OP_MUL && nd->op != OP_DIV && nd->op != OP_NEG)
    return 0;
  for (int k = 0; k < op_info[nd->op].arity; k++)
    if (!ref_is_const(nd->a[k]) && g->nodes.v[nd->a[k]].op != OP_INPUT)
      return 0;
  return 1;
}

/* Asked of every operand printed: looked up, made once per node by
 * plan_parts (the operands of a large graph are far apart in memory). */
static int remade(const Em *e, Ref r) {
  return e->nparts > 1 && !ref_is_const(r) && e->ns[r].remake;
}

/* Part q reads the parameters (or cotangents) remade node r is made of. */
static void mark_remade_use(Em *e, Ref r, int q) {
  const Node *nd = &e->g->nodes.v[r];
  int np = e->g->nparams;
  for (int k = -1; k < op_info[nd->op].arity; k++) {
    Ref a = k < 0 ? r : nd->a[k];
    if (ref_is_const(a) || e->g->nodes.v[a].op != OP_INPUT)
      continue;
    int i = e->g->nodes.v[a].aux;
    mark_use_in(e, q, i < np ? ARG_PARAM : ARG_SEED, i < np ? i : i - np);
  }
}

/* Values of even parts take the even slots of adc_v, those of odd parts the
 * odd ones, so that no part stores into neighbouring slots: gcc -O2 takes
 * a run of stores to consecutive places for a vector to build and searches
 * the whole part for one, which cost it 15% of its time on long sums and
 * products (and more memory than the rest of the compilation). */
static void give_slot(Em *e, Ref r) {
  int odd = e->ns[r].partof & 1;
  e->ns[r].slot = 2 * e->nwritten[odd]++ + odd;
  if (e->ns[r].slot >= e->nslots)
    e->nslots = e->ns[r].slot + 1;
}

/* Part q reads node r (near: at its top level). */
static void note_read(Em *e, Ref r, int q, int near) {
  if (e->ns[r].lastload == q) {
    if (!near)
      e->loadnear.v[e->loadat[r]] = 0;
    return;
  }
  e->ns[r].lastload = q;
  e->loadat[r] = e->loadnode.n;
  vec_push(&e->loadpart, q);
  vec_push(&e->loadnode, (int)r);
  vec_push(&e->loadnear, near);
}

/* A reference from part q to node r defined in an earlier part: r gets a
 * slot in adc_v, and part q reads it (or, remade, makes it again: then in
 * its own part too), before its first use when all are at the top level,
 * else at the start of the part. */
static void note_crossing(Em *e, Ref r, int q, int near) {
  if (e->nparts <= 1)
    return;
  if (remade(e, r)) {
    if (e->ns[r].lastload != q)
      mark_remade_use(e, r, q);
    note_read(e, r, q, near);
    return;
  }
  if (e->ns[r].partof >= q)
    return;
  if (e->ns[r].slot < 0)
    give_slot(e, r);
  note_read(e, r, q, near);
}

/* A section marker waits for the first line of its section, so that an
 * empty sweep prints no heading. */
static void put_n(Em *e, const char *s, size_t n) {
  if (e->dry)
    return;
  if (e->marker) {
    const char *m = e->marker;
    e->marker = NULL;
    put_n(e, "  ", 2);
    put_n(e, m, strlen(m));
  }
  sb_putn(e->out, s, n);
  sb_drain(e->out, 0);
  if (e->presumed >= 0)
    for (size_t i = 0; i < n; i++)
      e->presumed += s[i] == '\n';
}

static void put(Em *e, const char *s) { put_n(e, s, strlen(s)); }

static void indent(Em *e) {
  static const char spaces[] = "                                "; /* 16 levels at once */
  for (int d = e->depth; d > 0; d -= 16)
    put_n(e, spaces, 2 * (size_t)(d < 16 ? d : 16));
}

static void expr_text(Em *e, StrBuf *b, int n);
static void read_pending(Em *e, Ref r);
static void store_at_def(Em *e, int n);

/* The copy line of label li: zK_bar, K its forward node's name. */
static Name label_name(const Em *e, int li) { return bar_name(e->g->labels.v[li].name); }

static void ref_text(Em *e, StrBuf *b, Ref r) {
  if (e->remaking && !ref_is_const(r) && e->g->nodes.v[r].op == OP_INPUT) {
    expr_text(e, b, r); /* the parameter's own name */
    return;
  }
  if (e->dry) {
    if (ref_is_const(r))
      return;
    OpKind kind = (OpKind)e->ns[r].kind;
    if (kind == K_INT)
      int_text(e, b, r, 0);
    else if (kind == K_ARR)
      mark_use(e, ARG_PARAM, e->g->nodes.v[r].aux);
    else
      note_crossing(e, r, e->part, e->depth == 1);
    return;
  }
  if (ref_is_const(r)) {
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
    return;
  }
  OpKind kind = (OpKind)e->ns[r].kind;
  if (kind == K_INT) {
    int_text(e, b, r, 0);
    return;
  }
  read_pending(e, r); /* its first use */
  if (kind == K_ARR) {
    sb_puts(b, e->nm->params[e->g->nodes.v[r].aux]);
    return;
  }
  put_name(b, e->ns[r].curl >= 0 ? label_name(e, e->ns[r].curl) : e->ns[r].name);
}

static void int_text(Em *e, StrBuf *b, Ref r, int need);

/* In a position in storage reused by each iteration of fused loop
 * e->reuse_f, the terms of the counters it drops are 0 (plan_reuse): r
 * printed without them. 1 when done here, 0 when r prints as usual. */
static int dropped_terms(Em *e, StrBuf *b, Ref r, int need) {
  const Plan *p = &e->pl;
  const Node *nd = &e->g->nodes.v[r];
  int f = e->reuse_f;
  if (plan_dropped_zero(p, e->g, f, r)) {
    if (!e->dry)
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

/* Integers print inline: sizes by name, loop indices as iL, arithmetic
 * with the parentheses C needs. need: the binding strength the context
 * needs (0 any, 1 additive, 2 multiplicative, 3 unary). */
static void int_text(Em *e, StrBuf *b, Ref r, int need) {
  if (ref_is_const(r)) {
    if (!e->dry)
      sb_printf(b, "%lld", (long long)graph_const(e->g, r));
    return;
  }
  const Node *nd = &e->g->nodes.v[r];
  if (e->reuse_f >= 0 && dropped_terms(e, b, r, need))
    return;
  if (e->dry)
    e->ns[r].refs += e->ref_step;
  int mine = nd->op == OP_IADD || nd->op == OP_ISUB ? 1 : nd->op == OP_INEG ? 3 : 2;
  int paren = nd->op != OP_SIZE && nd->op != OP_IDX && mine < need;
  if (paren && !e->dry)
    sb_putc(b, '(');
  switch (nd->op) {
  case OP_SIZE:
    if (!e->dry)
      sb_puts(b, e->nm->sizes[nd->aux]);
    else
      mark_use(e, ARG_SIZE, nd->aux);
    break;
  case OP_IDX:
    if (!e->dry)
      sb_printf(b, "i%d", e->pl.index_of ? e->pl.index_of[nd->aux] : nd->aux);
    break;
  case OP_INEG:
    if (!e->dry)
      sb_putc(b, '-');
    int_text(e, b, nd->a[0], 3);
    break;
  default:
    int_text(e, b, nd->a[0], mine);
    if (!e->dry)
      sb_puts(b, nd->op == OP_IADD ? " + " : nd->op == OP_ISUB ? " - " : nd->op == OP_IMUL ? " * "
                 : nd->op == OP_IDIV ? " / " : " % ");
    int_text(e, b, nd->a[1], nd->op == OP_IADD ? 1 : mine + 1);
    break;
  }
  if (paren && !e->dry)
    sb_putc(b, ')');
}

/* The copy line whose name references to r use now, or -1. */
static int cur_label(const Em *e, Ref r) { return ref_is_const(r) ? -1 : e->ns[r].curl; }

/* A reference marks the copy line it names as used. */
static void ref_use(Em *e, StrBuf *b, Ref r) {
  if (e->inline_lo >= 0 && !ref_is_const(r) && r >= e->inline_lo &&
      op_info[e->g->nodes.v[r].op].kind != K_INT) { /* a hoisted value's operand */
    const Node *nd = &e->g->nodes.v[r];
    int bare = e->whole_arg || nd->op == OP_LOAD ||
               (op_info[nd->op].cfmt && isalpha((unsigned char)op_info[nd->op].cfmt[0]));
    e->whole_arg = 0;
    if (!bare && !e->dry)
      sb_putc(b, '(');
    expr_text(e, b, r);
    if (!bare && !e->dry)
      sb_putc(b, ')');
    return;
  }
  ref_text(e, b, r);
  if (e->dry && !ref_is_const(r))
    e->ns[r].refs += e->ref_step;
  int li = cur_label(e, r);
  if (li >= 0)
    e->label_used[li] = 1;
}


/* Does SAVE node sv store a logsumexp's weights (two places per term: the
 * weight, and while the loop runs the factor rescaling the earlier ones)? */
static int stores_weights(const Graph *g, int sv) {
  Ref v = g->nodes.v[sv].a[0];
  return !ref_is_const(v) && g->nodes.v[v].op == OP_LSEW;
}

/* Place `half` (0 or 1) of element pos of the storage of SAVE node sv:
 * adc_tK[pos], or adc_tK[2 * pos + half] for a logsumexp's weights. */
static void tape_place(Em *e, StrBuf *b, Ref sv, Ref pos, int half) {
  int two = stores_weights(e->g, sv);
  if (!e->dry)
    sb_printf(b, "adc_t%d[%s", (int)sv, two ? "2 * " : "");
  int outer = e->reuse_f;
  e->reuse_f = e->pl.reused ? e->pl.reused[sv] : -1;
  int_text(e, b, pos, two ? 2 : 0);
  e->reuse_f = outer;
  if (!e->dry)
    sb_puts(b, two && half ? " + 1]" : "]");
}

/* Element pos of the storage of SAVE node sv, as the reverse sweep reads it. */
static void tape_text(Em *e, StrBuf *b, Ref sv, Ref pos) { tape_place(e, b, sv, pos, 0); }

static void expr_text(Em *e, StrBuf *b, int n) {
  const Node *nd = &e->g->nodes.v[n];
  if (nd->op == OP_INPUT) {
    if (!e->dry)
      sb_puts(b, nd->aux < e->g->nparams ? e->nm->params[nd->aux]
                 : e->several ? e->nm->outbars[nd->aux - e->g->nparams] : e->nm->seed);
    return;
  }
  if (nd->op == OP_LOAD) {
    ref_use(e, b, nd->a[0]);
    sb_putc(b, '[');
    int_text(e, b, nd->a[1], 0);
    sb_putc(b, ']');
    return;
  }
  if (nd->op == OP_RESTORE) {
    tape_text(e, b, nd->a[0], nd->a[1]);
    return;
  }
  if (nd->op == OP_LOOPOUT) {
    ref_use(e, b, nd->a[0]);
    return;
  }
  if (nd->op == OP_POWI) {
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
    return;
  }
  const char *fmt = op_info[nd->op].cfmt;
  for (const char *p = fmt; *p; p++) {
    if (*p == '%' && p[1] >= '0' && p[1] <= '2') {
      /* "f(%0, %1)": each is a whole argument, needing no parentheses */
      e->whole_arg = p > fmt && (p[-1] == '(' || (p[-1] == ' ' && p - fmt > 1 && p[-2] == ',')) &&
                     (p[2] == ')' || p[2] == ',');
      ref_use(e, b, nd->a[p[1] - '0']);
      e->whole_arg = 0;
      p++;
    } else if (e->dry) {
      continue;
    } else if (*p == 'd' && strncmp(p, "double", 6) == 0) { /* a cast */
      sb_puts(b, e->T);
      p += 5;
    } else if (*p >= 'a' && *p <= 'z' && (p == op_info[nd->op].cfmt || !isalnum((unsigned char)p[-1]))) {
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

/* The .ad line of byte offset off: most lines of output come from the line
 * the one before came from, so that line's extent is kept; most others
 * from the line before it (a reverse sweep) or after it. */
static int src_line(Em *e, int off) {
  if (off < e->line_lo || off >= e->line_hi) {
    const Source *s = e->src;
    int k = e->line_no; /* 1-based; 0 before the first */
    if (k >= 2 && off < e->line_lo && off >= s->line_start[k - 2]) {
      k--;
    } else if (k >= 1 && off >= e->line_hi && (k + 1 >= s->nlines || off < s->line_start[k + 1])) {
      k++;
    } else {
      int col;
      source_linecol(s, off, &k, &col);
    }
    e->line_no = k;
    e->line_lo = s->line_start[k - 1];
    e->line_hi = k < s->nlines ? s->line_start[k] : INT_MAX;
  }
  return e->line_no;
}

/* "  / * 12: sin(x0) * /" (or "  # 12: sin(x0)"): the line and a short,
 * comment-safe excerpt of the source a node comes from. */
enum { EXCERPT = 48 }; /* characters of source shown, spaces counted */

/* How a source byte shows in a comment: as itself; as one space (a run of
 * white space); as itself but not after its partner ('/' after '*', '*'
 * after '/': no end of the comment); as '?' (outside printable ASCII, and
 * '?' itself: not after another '?', no trigraph). A table, as make_comment
 * looks at every byte of every comment. */
enum ShownAs { AS_SELF, AS_SPACE, AS_PAIRED, AS_QUERY };

static void shown_as_init(unsigned char *as) {
  for (int c = 0; c < 256; c++)
    as[c] = c == ' ' || c == '\t' || c == '\n' || c == '\r' ? AS_SPACE
            : c == '/' || c == '*'                        ? AS_PAIRED
            : c >= 33 && c < 127 && c != '?'              ? AS_SELF
                                                          : AS_QUERY;
}

static void make_comment(Em *e, StrBuf *b, Loc at) {
  int more = at.lo < 0; /* a later step of a chain: see Node.src */
  if (more)
    at.lo = -1 - at.lo;
  if (!e->src || at.hi <= at.lo || at.hi > e->src->len)
    return;
  sb_puts(b, e->ssa ? "  # " : "  /* ");
  sb_int(b, src_line(e, at.lo));
  sb_puts(b, more ? ": ... " : ": ");
  /* gathered here, then appended at once: one comment per line of output */
  char text[3 * EXCERPT];
  const char *src = e->src->text;
  int shown = 0, space = 0, k = 0, i = at.lo;
  char prev = 0;
  while (i < at.hi && shown < EXCERPT) {
    int as = e->shown_as[(unsigned char)src[i]];
    if (as == AS_SPACE) {
      space = 1;
      i++;
      continue;
    }
    if (space && shown)
      text[k++] = ' ', shown++;
    space = 0;
    if (as == AS_SELF) { /* a run of bytes shown as themselves, to the excerpt's end at most */
      int from = i, end = i + (EXCERPT - shown) < at.hi ? i + (EXCERPT - shown) : at.hi;
      do
        text[k++] = src[i++];
      while (i < end && e->shown_as[(unsigned char)src[i]] == AS_SELF);
      shown += i - from;
      prev = src[i - 1];
      continue;
    }
    char out = as == AS_QUERY ? '?' : src[i];
    if (prev == (out == '/' ? '*' : out == '*' ? '/' : '?'))
      text[k++] = ' '; /* no end of the comment, no trigraph */
    text[k++] = out;
    prev = out;
    shown++;
    i++;
  }
  sb_putn(b, text, (size_t)k);
  if (at.hi - at.lo > shown + 1 && shown >= EXCERPT)
    sb_puts(b, " ...");
  if (!e->ssa)
    sb_puts(b, " */");
}

/* The lines of one node's derivative come one after the other and share its
 * comment: the last one made is kept and used again for the same span. (A
 * cache of all of them cost more than it saved: on large graphs a lookup
 * misses the processor's caches.) */
static void comment(Em *e, StrBuf *b, Loc at) {
  if (e->last_comment.s && at.lo == e->last_at.lo && at.hi == e->last_at.hi) {
    sb_putn(b, e->last_comment.s, e->last_comment.len);
    return;
  }
  size_t start = b->len;
  make_comment(e, b, at);
  e->last_comment.len = 0;
  sb_putn(&e->last_comment, b->s + start, b->len - start);
  e->last_at = at;
}

/* A whole line of text at the current depth; b is emptied. */
static void put_line(Em *e, StrBuf *b) {
  if (!e->dry) {
    sb_putc(b, '\n');
    indent(e);
    put_n(e, b->s, b->len);
  }
  b->len = 0;
  if (b->s)
    b->s[0] = '\0';
}

/* A statement: ';' (in C), the source comment, the line. */
/* --line: before a statement from another .ad line than the compiler would
 * assume, a #line directive (so that its messages and debuggers point
 * into the .ad file). */
static void line_directive(Em *e, Loc at) {
  if (at.lo < 0)
    at.lo = -1 - at.lo;
  if (!e->src || at.hi <= at.lo || at.hi > e->src->len)
    return;
  int line, col;
  source_linecol(e->src, at.lo, &line, &col);
  if (line == e->presumed)
    return;
  char buf[64];
  snprintf(buf, sizeof buf, "#line %d \"", line);
  e->presumed = -1; /* put() must not count this one */
  put(e, buf);
  for (const char *p = e->opts->path; *p; p++) {
    char c[3] = {*p, 0, 0};
    if (*p == '"' || *p == '\\')
      c[0] = '\\', c[1] = *p;
    put(e, c);
  }
  put(e, "\"\n");
  e->presumed = line;
}

static void line_end(Em *e, StrBuf *b, Loc at) {
  if (!e->dry) {
    if (!e->ssa)
      sb_putc(b, ';');
    comment(e, b, at);
    if (e->opts->line_directives && !e->ssa)
      line_directive(e, at);
  }
  put_line(e, b);
}

static int is_cond(const Em *e, int n) { return e->ns[n].kind == K_CND; }

/* "const double " (or another type): the start of a definition in C. */
static void put_decl(StrBuf *b, const char *type) {
  sb_puts(b, "const ");
  sb_puts(b, type);
  sb_putc(b, ' ');
}

/* A SAVE node whose storage is needed (fused loops read none back). */
static int is_tape(const Em *e, int n) { return plan_is_tape(&e->pl, e->g, n); }

/* Made in the dry pass; the printing pass visits nodes in the same order. */
static Name own_name(Em *e, int n) {
  const Node *nd = &e->g->nodes.v[n];
  if (e->ns[n].name)
    return e->ns[n].name;
  if (e->direct[n] >= 0 && nd->name < 0)
    return label_name(e, e->direct[n]);
  if (nd->name >= 0 && !(e->pl.fresh && e->pl.fresh[n]))
    return z_name(nd->name);
  return z_name(e->helper++);
}

static void set_cur(Em *e, int n, int li) {
  vec_push(&e->undo_node, n);
  vec_push(&e->undo_curl, e->ns[n].curl);
  e->ns[n].curl = li;
}

/* Lines that are statements, not definitions. */
static int emit_effect(Em *e, int n) {
  const Node *nd = &e->g->nodes.v[n];
  StrBuf *b = &e->line;
  switch (nd->op) {
  case OP_ACCUM: {
    int p = e->g->nodes.v[nd->a[0]].aux;
    if (e->dry && e->several && e->kind == FN_GRAD) { /* the column offsets may name sizes */
      mark_use(e, ARG_JAC, 0);
      for (int k = 0; k < e->fg->sig->nsizes; k++)
        if (names_word(e->ncols, e->nm->sizes[k]) || names_word(e->col_off[p], e->nm->sizes[k]))
          mark_use(e, ARG_SIZE, k);
    } else if (e->dry) {
      mark_use(e, ARG_BAR, p);
    }
    if (e->several && e->kind == FN_GRAD)
      sb_printf(b, "%s[%d * (%s) + %s + ", e->nm->jacp, nd->aux, e->ncols, e->col_off[p]);
    else
      sb_printf(b, "%s[", e->nm->bars[p]);
    int_text(e, b, nd->a[1], e->several && e->kind == FN_GRAD ? 1 : 0);
    sb_puts(b, e->stores && e->stores[n] ? "] = " : "] += ");
    ref_use(e, b, nd->a[2]);
    break;
  }
  case OP_SAVE:
    if (!is_tape(e, n) || (e->pl.cached_in && e->pl.cached_in[nd->a[0]] == n) || stores_weights(e->g, n))
      return 1; /* nothing to store, or stored where the value is made (weights: by the loop) */
    tape_text(e, b, n, nd->a[1]);
    if (!e->dry)
      sb_puts(b, " = ");
    ref_use(e, b, nd->a[0]);
    break;
  case OP_CARRY:
  case OP_NEXT:
    return 1; /* declared before the loop; assigned at its end */
  case OP_LSEW:
    return 1; /* known after the loop: only stored (see reduce_update) */
  default:
    return 0;
  }
  line_end(e, b, nd->src);
  return 1;
}

static void emit_cached(Em *e, int n, int s);

/* Node n is a copy of a value its fused forward loop computed. */
static int shared(const Em *e, int n) { return e->pl.same_as && e->pl.same_as[n] >= 0; }

/* Every value of nodes [lo, hi) is such a copy (or an integer, printed where used). */
static int recomputed(const Em *e, int lo, int hi) {
  for (int n = lo; n < hi; n++)
    if (!shared(e, n) && op_info[e->g->nodes.v[n].op].kind != K_INT)
      return 0;
  return 1;
}

static void emit_node(Em *e, int n) {
  const Node *nd = &e->g->nodes.v[n];
  StrBuf *b = &e->line;
  if (shared(e, n)) { /* computed by the forward loop */
    e->ns[n].name = e->ns[e->pl.same_as[n]].name;
    e->ns[n].curl = -1;
    return;
  }
  if (e->pl.cached_in && e->pl.cached_in[n] >= 0) {
    emit_cached(e, n, e->pl.cached_in[n]);
    return;
  }
  e->ns[n].name = own_name(e, n);
  e->ns[n].curl = -1;
  if (!e->dry && e->pl.inlined && e->pl.inlined[n] && !e->ns[n].refs)
    return; /* read only by a value made before its loops, written out there */
  if (op_info[nd->op].kind == K_INT || nd->op == OP_ARRAY || remade(e, n))
    return; /* printed where used (remade: at the start of each part that reads it) */
  if (emit_effect(e, n))
    return;
  if (!e->dry && nd->op == OP_INPUT && !e->ns[n].refs)
    return; /* an unread parameter: (void) at the top instead */
  if (!e->dry) {
    if (!e->ssa)
      put_decl(b, is_cond(e, n) ? "int" : e->T);
    put_name(b, e->ns[n].name);
    sb_puts(b, " = ");
  }
  expr_text(e, b, n);
  line_end(e, b, e->direct[n] >= 0 && nd->name < 0 ? e->g->labels.v[e->direct[n]].src : nd->src);
  store_at_def(e, n);
}

/* The test for the first iteration of the loops SAVE node s's value does
 * not change with (plan.c). */
static void first_iteration(Em *e, int s, StrBuf *b) {
  int loops[64], n = plan_unchanged_loops(e->g, s, loops);
  for (int k = 0; k < n; k++) {
    sb_printf(b, "%si%d == ", k ? " && " : "", e->pl.index_of ? e->pl.index_of[loops[k]] : loops[k]);
    int_text(e, b, e->g->loops.v[loops[k]].lo, 1);
  }
}

/* "const double z7 = i0 == 0 ? (adc_t8[i1] = exp(z6)) : adc_t8[i1];": made
 * the first time round the loops it does not change with, read back after. */
static void emit_cached(Em *e, int n, int s) {
  const Node *nd = &e->g->nodes.v[n];
  StrBuf *b = &e->line, t = {0};
  e->ns[n].name = own_name(e, n);
  e->ns[n].curl = -1;
  tape_text(e, &t, s, e->g->nodes.v[s].a[1]);
  int read = e->dry || e->ns[n].refs; /* else only stored (the vjp's forward sweep): a statement */
  if (e->pl.inlined[n] & 2) { /* made before the loops: read back */
    if (read && !e->dry) {
      if (!e->ssa)
        put_decl(b, e->T);
      put_name(b, e->ns[n].name);
      sb_printf(b, " = %s", t.s);
    }
    sb_free(&t);
    if (read)
      line_end(e, b, nd->src);
    return;
  }
  if (!e->dry) {
    if (read && !e->ssa)
      put_decl(b, e->T);
    if (read) {
      put_name(b, e->ns[n].name);
      sb_puts(b, " = ");
    } else {
      sb_puts(b, "if (");
    }
    first_iteration(e, s, b);
    sb_printf(b, read ? " ? (%s = " : ") %s = ", t.s);
  }
  expr_text(e, b, n);
  if (!e->dry && read)
    sb_printf(b, ") : %s", t.s);
  sb_free(&t);
  line_end(e, b, nd->src);
}

/* Labels at position pos in block blk: the node named by one keeps its
 * name; any other becomes a copy line, printed only if something uses it. */
static void emit_labels(Em *e, int blk, int pos) {
  const Graph *g = e->g;
  for (int i = e->lab_first[pos]; i < e->lab_first[pos + 1]; i++) {
    const Label *l = &g->labels.v[i];
    if (l->blk != blk || e->direct[l->val] == i)
      continue;
    if (!e->dry && !e->label_used[i])
      continue;
    Name nm = label_name(e, i);
    StrBuf *b = &e->line;
    if (e->dry) { /* a copy line is used only if something used reads it */
      e->label_dep[i] = cur_label(e, l->val);
    } else {
      if (!e->ssa)
        put_decl(b, e->T);
      put_name(b, nm);
      sb_puts(b, " = ");
      ref_text(e, b, l->val);
    }
    line_end(e, b, l->src);
    set_cur(e, l->val, i);
  }
}

static void emit_range(Em *e, int blk, int lo, int hi);

/* Leaving a block: the copy lines made in it are out of scope. */
static void leave_block(Em *e, int mark) {
  while (e->undo_node.n > mark) {
    e->undo_node.n--;
    e->ns[e->undo_node.v[e->undo_node.n]].curl = e->undo_curl.v[--e->undo_curl.n];
  }
}

static void emit_group(Em *e, int gi) {
  const Graph *g = e->g;
  const GroupSpan *s = &e->spans[gi];
  const Group *gr = &g->groups.v[gi];
  StrBuf b = {0};
  int simple = s->phi_lo == s->lo && !e->blk_labels[gr->then_blk] && !e->blk_labels[gr->else_blk];
  if (recomputed(e, s->lo, s->hi)) { /* the forward loop's copy is in scope: print nothing */
    for (int n = s->lo; n < s->hi; n++)
      emit_node(e, n);
    return;
  }
  for (int p = s->phi_lo; p < s->hi; p++) {
    if (shared(e, p)) {
      emit_node(e, p); /* named as the forward copy */
      continue;
    }
    e->ns[p].name = own_name(e, p);
    if (simple) {
      const Node *nd = &g->nodes.v[p];
      if (!e->ssa)
        put_decl(&b, e->T);
      put_name(&b, e->ns[p].name);
      sb_puts(&b, " = ");
      ref_use(e, &b, nd->a[0]);
      sb_puts(&b, " ? ");
      ref_use(e, &b, nd->a[1]);
      sb_puts(&b, " : ");
      ref_use(e, &b, nd->a[2]);
      line_end(e, &b, nd->src);
      e->ns[p].curl = -1;
    } else if (!e->ssa) {
      sb_printf(&b, "%s ", e->T);
      put_name(&b, e->ns[p].name);
      line_end(e, &b, g->nodes.v[p].src);
    }
  }
  if (simple) {
    sb_free(&b);
    return;
  }
  for (int side = 1; side >= 0; side--) {
    sb_puts(&b, side ? (e->ssa ? "if " : "if (") : "} else {");
    if (side) {
      ref_use(e, &b, gr->cond);
      sb_puts(&b, e->ssa ? " {" : ") {");
    }
    sb_putc(&b, '\n');
    indent(e);
    put_n(e, b.s, b.len);
    b.len = 0;
    int mark = e->undo_node.n;
    e->depth++;
    emit_range(e, side ? gr->then_blk : gr->else_blk, side ? s->lo : s->then_hi,
               side ? s->then_hi : s->phi_lo);
    for (int p = s->phi_lo; p < s->hi; p++) {
      if (shared(e, p))
        continue;
      put_name(&b, e->ns[p].name);
      sb_puts(&b, " = ");
      ref_use(e, &b, g->nodes.v[p].a[side ? 1 : 2]);
      line_end(e, &b, g->nodes.v[p].src);
    }
    e->depth--;
    leave_block(e, mark);
  }
  indent(e);
  put(e, "}\n");
  for (int p = s->phi_lo; p < s->hi; p++)
    e->ns[p].curl = -1;
  sb_free(&b);
}

/* Before the first step of the body that belongs to the reverse sweep. */
static void sweep_marker(Em *e, int blk, int step_end) {
  if (blk != 0 || e->kind == FN_FWD || e->rev_marked || e->rev_start >= step_end)
    return;
  e->rev_marked = 1;
  if (!e->dry)
    e->marker = e->ssa ? "# reverse sweep\n" : "/* reverse sweep: zK_bar = d(result)/d(zK) */\n";
}

static void emit_loop(Em *e, int li);

/* The item of block blk that starts at position i: a node, a group (*grp)
 * or a loop (*loop); returns the position after it. */
static int item_at(const Em *e, int blk, int i, int *grp, int *loop) {
  const Graph *g = e->g;
  const Node *nd = &g->nodes.v[i];
  *grp = *loop = -1;
  if (nd->blk == blk) {
    if (nd->op == OP_PHI) /* a group whose blocks are empty */
      *grp = nd->aux;
    else if (op_info[nd->op].kind == K_EXIT) /* a loop whose body is empty */
      *loop = nd->aux;
  } else { /* the first node of a child region */
    int b = nd->blk;
    while (g->blocks.v[b].parent != blk)
      b = g->blocks.v[b].parent;
    *loop = g->blocks.v[b].loop;
    *grp = *loop >= 0 ? -1 : g->blocks.v[b].group;
  }
  return *grp >= 0 ? e->spans[*grp].hi : *loop >= 0 ? e->lspans[*loop].hi : i + 1;
}

static void next_part(Em *e);
static void emit_exits(Em *e, int li);
static void emit_unused(Em *e, const char *const *unused, int n);
static void emit_zeroing(Em *e);

static void emit_range(Em *e, int blk, int lo, int hi) {
  int i = lo;
  while (i < hi) {
    if (blk == 0 && e->part + 1 < e->nparts && i == e->cut[e->part + 1])
      next_part(e);
    int grp, loop, end = item_at(e, blk, i, &grp, &loop);
    sweep_marker(e, blk, end);
    emit_labels(e, blk, i);
    if (grp >= 0)
      emit_group(e, grp);
    else if (loop >= 0 && e->pl.absorbed && e->pl.absorbed[loop])
      emit_exits(e, loop);
    else if (loop >= 0 && recomputed(e, i, end))
      for (int n = i; n < end; n++) /* the forward loop's copy is in scope */
        emit_node(e, n);
    else if (loop >= 0)
      emit_loop(e, loop);
    else
      emit_node(e, i);
    i = end;
  }
  sweep_marker(e, blk, hi + 1);
  emit_labels(e, blk, hi);
}

/* ---- splitting a large function into parts ---- */

/* The first position of the reverse sweep: its first node without a
 * forward name, seed, or copy line (g->nodes.n when there is none). */
static int reverse_start(const Graph *g) {
  int r = g->nodes.n;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].name < 0 || (g->nodes.v[i].op == OP_INPUT && g->nodes.v[i].aux >= g->nparams)) {
      r = i;
      break;
    }
  if (g->labels.n && g->labels.v[0].pos < r)
    r = g->labels.v[0].pos;
  return r;
}

/* Is f_grad asked to share its forward sweep with f (emit_c.c asks when
 * f_grad is split and f has one result)? */
static int sharing(const Em *e) { return e->kind == FN_GRAD && !e->several && e->bh && e->bh->share; }

/* The position after the top-level item that makes f's value: a part
 * starts there, and the parts before it are what f runs (-1: none). */
static int value_end(const Em *e) {
  Ref value = e->g->outs.v[0];
  if (ref_is_const(value))
    return -1;
  for (int i = 0; i < e->g->nodes.n;) {
    int grp, loop, end = item_at(e, 0, i, &grp, &loop);
    if (value < end)
      return end;
    i = end;
  }
  return -1;
}

int cg_splits(const Graph *g, const EmitOpts *o, int ssa) {
  /* storage lives in the function: a function with it is not split */
  return !ssa && o->split > 0 && g->nodes.n > o->split && !graph_has_saves(g);
}

/* Cuts at top-level items once a part holds PART_NODES nodes. */
static void plan_parts(Em *e) {
  const Graph *g = e->g;
  int n = g->nodes.n;
  e->nparts = 1;
  if (!cg_splits(g, e->opts, e->ssa))
    return;
  int size = e->opts->split < PART_NODES ? e->opts->split : PART_NODES;
  int vend = sharing(e) ? value_end(e) : -1; /* a part starts after f's value */
  e->cut = xmalloc(sizeof *e->cut * (size_t)(n / size + 3));
  e->cut[0] = 0;
  for (int i = 0, start = 0; i < n;) {
    int grp, loop, end = item_at(e, 0, i, &grp, &loop);
    if ((i - start >= size && n - i >= size / 2) || (i == vend && i > start))
      e->cut[e->nparts++] = start = i;
    i = end;
  }
  e->cut[e->nparts] = n;
  for (int q = 0; q < e->nparts; q++)
    for (int i = e->cut[q]; i < e->cut[q + 1]; i++)
      e->ns[i].partof = q;
  e->ns[n].partof = e->nparts - 1;
  e->loadat = xmalloc(sizeof *e->loadat * (size_t)n);
  for (int i = 0; i < n; i++)
    e->ns[i].remake = (uint8_t)remakable(g, i);
  e->nuse = e->fg->sig->nsizes + 2 * g->nparams + e->fg->fwd.outs.n + 1;
  e->pused = xcalloc((size_t)e->nparts * (size_t)e->nuse, 1);
}

/* After the dry pass: copy lines printed in a later part than their value
 * read it from adc_v; parameters are read where their INPUT line is; each
 * part's reads are grouped. */
static void finish_plan(Em *e) {
  const Graph *g = e->g;
  if (e->nparts <= 1)
    return;
  for (int i = 0; i < g->labels.n; i++) {
    const Label *l = &g->labels.v[i];
    if (e->label_used[i] && e->label_dep[i] < 0 && !ref_is_const(l->val) &&
        op_info[g->nodes.v[l->val].op].kind != K_INT && op_info[g->nodes.v[l->val].op].kind != K_ARR)
      note_crossing(e, l->val, e->ns[l->pos].partof, l->blk == 0);
  }
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_INPUT && e->ns[i].refs && !remade(e, i)) {
      int a = g->nodes.v[i].aux;
      e->part = e->ns[i].partof;
      mark_use(e, a < g->nparams ? ARG_PARAM : ARG_SEED, a < g->nparams ? a : a - g->nparams);
    }
  e->loadfirst = xcalloc((size_t)e->nparts + 1, sizeof *e->loadfirst);
  e->sorted = xmalloc(sizeof *e->sorted * (size_t)(e->loadnode.n + 1));
  e->sortnear = xmalloc(sizeof *e->sortnear * (size_t)(e->loadnode.n + 1));
  for (int k = 0; k < e->loadpart.n; k++)
    e->loadfirst[e->loadpart.v[k] + 1]++;
  for (int q = 0; q < e->nparts; q++)
    e->loadfirst[q + 1] += e->loadfirst[q];
  int *fill = xmalloc(sizeof *fill * (size_t)e->nparts);
  memcpy(fill, e->loadfirst, sizeof *fill * (size_t)e->nparts);
  for (int k = 0; k < e->loadpart.n; k++) {
    e->sortnear[fill[e->loadpart.v[k]]] = e->loadnear.v[k];
    e->sorted[fill[e->loadpart.v[k]]++] = e->loadnode.v[k];
  }
  free(fill);
  for (int i = 0; i < g->nodes.n; i++) /* now: read in this part already */
    e->ns[i].lastload = -1;
}

/* After finish_plan: f_grad's parts up to f's value run f's forward sweep
 * for f too, when they read no gradient pointer and the value is passed on
 * in adc_v (FwdShare). */
static void plan_share(Em *e) {
  if (!sharing(e) || e->nparts <= 1)
    return;
  const Graph *g = e->g;
  int end = value_end(e), q = 1;
  while (q < e->nparts && e->cut[q] < end)
    q++;
  Ref value = g->outs.v[0];
  if (end < 0 || q >= e->nparts || e->cut[q] != end || e->ns[value].slot < 0)
    return;
  for (int p = 0; p < q; p++)
    for (int i = 0; i < g->nparams; i++)
      if (e->pused[(size_t)p * (size_t)e->nuse + (size_t)use_slot(e, ARG_BAR, i)])
        return;
  FwdShare *sh = e->bh->share;
  sh->nslots = 1;
  for (int i = 0; i < end; i++)
    if (e->ns[i].slot >= sh->nslots)
      sh->nslots = e->ns[i].slot + 1;
  sh->slot = e->ns[value].slot;
  sh->parts = e->fwd_parts = q;
}

/* The arguments of a call to a part: the function's own, then adc_v. */
static void call_args(StrBuf *b, const SigArg *args, int n) {
  for (int k = 0; k < n; k++)
    sb_printf(b, "%s, ", args[k].name);
  sb_puts(b, "adc_v");
}

/* The line of the current part that reads node n from adc_v, or makes a
 * remade one again. A read that waits for its first use is printed just
 * before the line that uses it (still being built), so the value is live
 * from there, not from the start of the part: with all of them live at
 * once, gcc -O2's register allocation and scheduling made it 20-28%
 * slower on long products and random DAGs. */
static void read_line(Em *e, int n) {
  /* a line of its own, kept for the next read at the same nesting: no
   * allocation per line */
  StrBuf deeper = {0};
  StrBuf *b = e->nreads < (int)(sizeof e->reads / sizeof e->reads[0]) ? &e->reads[e->nreads] : &deeper;
  e->nreads++;
  b->len = 0;
  e->ns[n].lastload = e->part;
  int cond = is_cond(e, n); /* a remade value never is */
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

/* Node r's read in the current part, if it waits and is not printed yet. */
static void read_pending(Em *e, Ref r) {
  if (e->nparts > 1 && !ref_is_const(r) && e->ns[r].pending == e->part && e->ns[r].lastload != e->part)
    read_line(e, r);
}

/* Part q's reads of values from earlier parts: those read in nested
 * blocks at its start, the others when first used. */
static void part_loads(Em *e, int q) {
  for (int k = e->loadfirst[q]; k < e->loadfirst[q + 1]; k++) {
    int n = e->sorted[k];
    if (e->ns[n].lastload == q) /* a copy line's value noted twice */
      continue;
    if (e->sortnear[k])
      e->ns[n].pending = q;
    else
      read_line(e, n);
  }
}

/* "adc_v[K] = zN;": a value passed on to later parts (millions of lines
 * in large files: no format to parse). */
static void store_text(StrBuf *b, int slot, Name name) {
  sb_puts(b, "adc_v[");
  sb_int(b, slot);
  sb_puts(b, "] = ");
  put_name(b, name);
  sb_puts(b, ";\n");
}

/* Node n, just made at the top level of its part, is passed on now: its
 * name is live from its line to the store, not to the end of the part. */
static void store_at_def(Em *e, int n) {
  if (e->dry || e->nparts <= 1 || e->depth != 1 || e->ns[n].slot < 0 || e->ns[n].partof != e->part ||
      e->part + 1 >= e->nparts)
    return;
  StrBuf *b = &e->line;
  store_text(b, e->ns[n].slot, e->ns[n].name);
  indent(e);
  put_n(e, b->s, b->len);
  b->len = 0;
  e->ns[n].stored = 1;
}

/* "f's arguments, adc_v)": the end of a call of a forward part or of
 * f_grad_forward. */
static void fwd_call_args(StrBuf *b, const FnGraphs *fg) {
  SigArg *args = xmalloc(sizeof *args * (size_t)(fg->sig->nsizes + fg->sig->nparams + 1));
  call_args(b, args, cg_sig_args(fg, FN_FWD, args));
  sb_putc(b, ')');
  free(args);
}

/* After the parts that make f's value: one function that runs them, which
 * f and f_grad call. f calling the parts one by one, gcc -O2 looked for
 * dead stores through the calls into its adc_v, which dies with it: 8 s and
 * 2.6 GB more on a 10^5-node product's file. */
static void emit_forward(Em *e) {
  StrBuf b = {0};
  sb_printf(&b, "/* %s's forward sweep (part%s %s%d), which %s runs too. */\n", e->bh->symbol,
            e->fwd_parts > 1 ? "s" : "", e->fwd_parts > 1 ? "1 to " : "", e->fwd_parts, e->nm->fwd);
  sb_printf(&b, "static void %s_forward(", e->bh->symbol);
  cg_sig_params(&b, e->fg, FN_FWD, e->opts->real);
  sb_printf(&b, "%s%s *adc_v) {\n", e->fg->sig->nsizes + e->g->nparams ? ", " : "", e->T);
  for (int p = 0; p < e->fwd_parts; p++) {
    sb_printf(&b, "  %s_part%d(", e->bh->symbol, p + 1);
    fwd_call_args(&b, e->fg);
    sb_puts(&b, ";\n");
  }
  sb_puts(&b, "}\n\n");
  put_n(e, b.s, b.len);
  sb_free(&b);
}

/* The declaration of adc_v (its first line unindented): on the stack, or
 * from malloc beyond STACK_SLOTS places, returning NaN (or nothing) with
 * errno ENOMEM when that fails. */
static void adc_v_text(StrBuf *b, const char *T, int nslots, int returns_value) {
  if (nslots <= STACK_SLOTS)
    sb_printf(b, "%s adc_v[%d];\n", T, nslots ? nslots : 1);
  else
    sb_printf(b, "%s *const adc_v = (%s *)malloc(sizeof(%s) * %d);\n"
                 "  if (adc_v == NULL) {\n    errno = ENOMEM;\n    return%s;\n  }\n",
              T, T, T, nslots, returns_value ? " NAN" : "");
}

/* The head of part q: a static function, or the function itself (last). */
static void begin_part(Em *e, int q) {
  e->part = q;
  leave_block(e, 0); /* copy lines are local to their part */
  if (e->dry)
    return;
  const char *marker = e->marker; /* the sweep heading belongs inside */
  e->marker = NULL;
  StrBuf b = {0};
  int np = e->g->nparams, nv = e->fg->fwd.outs.n;
  SigArg *args = xmalloc(sizeof *args * (size_t)(e->fg->sig->nsizes + 2 * np + 2 * nv + 1));
  FnKind kind = q < e->fwd_parts ? FN_FWD : e->kind; /* f's forward sweep: f's arguments */
  int nargs = cg_sig_args(e->fg, kind, args);
  if (q + 1 < e->nparts) {
    sb_printf(&b, "/* %s, part %d of %d: long functions are split so that C compilers\n"
                  " * stay fast; values read by later parts are passed on in adc_v. */\n"
                  "static ADC_NOINLINE void %s_part%d(", e->bh->symbol, q + 1, e->nparts, e->bh->symbol,
              q + 1);
    cg_sig_params(&b, e->fg, kind, e->opts->real);
    sb_printf(&b, "%s%s *adc_v) {\n", nargs ? ", " : "", e->T);
    put_n(e, b.s, b.len);
    int io = 0; /* adc_v is read or written (remade values are not passed) */
    for (int k = e->loadfirst[q]; k < e->loadfirst[q + 1] && !io; k++)
      io = !remade(e, e->sorted[k]);
    for (int i = e->cut[q]; i < e->cut[q + 1] && !io; i++)
      io = e->ns[i].slot >= 0;
    for (int k = 0; k < nargs; k++) {
      int u = use_slot(e, args[k].role, args[k].index);
      if (u < 0 || !e->pused[(size_t)q * (size_t)e->nuse + (size_t)u])
        emit_unused(e, &args[k].name, 1);
    }
    if (!io) {
      const char *v = "adc_v";
      emit_unused(e, &v, 1);
    }
  } else {
    put(e, e->bh->comment);
    put(e, e->bh->head);
    put(e, " {\n");
    emit_zeroing(e);
    b.len = 0;
    adc_v_text(&b, e->T, e->nslots, e->kind != FN_VJP && !e->several);
    indent(e);
    put_n(e, b.s, b.len);
    for (int p = e->fwd_parts ? e->fwd_parts - 1 : 0; p + 1 < e->nparts; p++) {
      b.len = 0;
      if (p < e->fwd_parts) { /* the forward parts, by the function that runs them */
        sb_printf(&b, "%s_forward(", e->bh->symbol);
        fwd_call_args(&b, e->fg);
      } else {
        sb_printf(&b, "%s_part%d(", e->bh->symbol, p + 1);
        call_args(&b, args, nargs);
        sb_putc(&b, ')');
      }
      sb_puts(&b, ";\n");
      indent(e);
      put_n(e, b.s, b.len);
    }
  }
  part_loads(e, q);
  free(args);
  sb_free(&b);
  e->marker = marker;
}

/* The end of a part that is not the last: it passes its values on. */
static void next_part(Em *e) {
  if (!e->dry) {
    const char *marker = e->marker;
    e->marker = NULL;
    StrBuf *b = &e->line;
    for (int i = e->cut[e->part]; i < e->cut[e->part + 1]; i++)
      if (e->ns[i].slot >= 0 && !e->ns[i].stored) {
        store_text(b, e->ns[i].slot, e->ns[i].name);
        indent(e);
        put_n(e, b->s, b->len);
        b->len = 0;
      }
    put(e, "}\n\n");
    if (e->part + 1 == e->fwd_parts)
      emit_forward(e);
    e->marker = marker;
  }
  begin_part(e, e->part + 1);
}

/* HUGE_VAL (an infinity under IEEE 754) of the type, where INFINITY is a
 * float and trips -Wdouble-promotion. */
static const char *huge_val(const Em *e) {
  return e->opts->real == 1 ? "HUGE_VALF" : e->opts->real == 2 ? "HUGE_VALL" : "HUGE_VAL";
}

/* Before the loop: its carried values and reduction accumulators. */
static void loop_declarations(Em *e, int li) {
  const Graph *g = e->g;
  const LoopSpan *s = &e->lspans[li];
  StrBuf *b = &e->line;
  const char *inf = huge_val(e);
  char neg[16];
  snprintf(neg, sizeof neg, "-%s", inf);
  const char *const start[] = {"", "0.0", inf, neg, neg};
  for (int i = s->lo; i < s->hi; i++) {
    const Node *nd = &g->nodes.v[i];
    if (nd->aux != li || (nd->op != OP_CARRY && nd->op != OP_REDUCE && nd->op != OP_RCOUNT))
      continue;
    e->ns[i].name = own_name(e, i);
    e->ns[i].curl = -1;
    if (!e->ssa)
      sb_printf(b, "%s ", e->T);
    put_name(b, e->ns[i].name);
    sb_puts(b, " = ");
    if (nd->op == OP_CARRY)
      ref_use(e, b, nd->a[0]);
    else if (nd->op == OP_RCOUNT || g->loops.v[li].kind == LK_SUM)
      sb_printf(b, "0.0%s", e->ls);
    else
      sb_puts(b, start[g->loops.v[li].kind]);
    line_end(e, b, nd->src);
    if (nd->op == OP_REDUCE && g->loops.v[li].kind == LK_LSE) {
      if (e->ssa)
        sb_printf(b, "adc_s%d = 0.0", li);
      else
        sb_printf(b, "%s adc_s%d = 0.0%s", e->T, li, e->ls);
      line_end(e, b, nd->src);
    }
  }
}

/* "for (long iL = lo; iL < hi; iL++) {" over loop l's range, or backwards.
 * long: indices computed from the counter are then as wide as an address,
 * which C compilers turn into pointer steps; an int index is recomputed and
 * sign-extended for each element (doc/performance.md (38)). */
static void loop_head(Em *e, StrBuf *b, const Loop *l, int li, int backward) {
  if (e->ssa) {
    sb_printf(b, "for i%d in ", li);
    int_text(e, b, l->lo, 0);
    sb_puts(b, "..");
    int_text(e, b, l->hi, 0);
    sb_puts(b, backward ? " backwards {" : " {");
  } else if (backward) {
    sb_printf(b, "for (long i%d = ", li);
    int_text(e, b, l->hi, 1);
    sb_printf(b, " - 1; i%d >= ", li);
    int_text(e, b, l->lo, 0);
    sb_printf(b, "; i%d--) {", li);
  } else {
    sb_printf(b, "for (long i%d = ", li);
    int_text(e, b, l->lo, 0);
    sb_printf(b, "; i%d < ", li);
    int_text(e, b, l->hi, 0);
    sb_printf(b, "; i%d++) {", li);
  }
}

/* The storage of logsumexp loop li's weights (a SAVE node), or -1. */
static int weight_tape(const Em *e, int li) {
  const LoopSpan *s = &e->lspans[li];
  for (int i = s->lo; i < s->body_hi; i++)
    if (e->g->nodes.v[i].op == OP_SAVE && e->g->nodes.v[i].aux == li && stores_weights(e->g, i))
      return is_tape(e, i) ? i : -1;
  return -1;
}

/* The end of a block opened by a line ending in '{'. */
static void close_brace(Em *e, StrBuf *b) {
  e->depth--;
  sb_puts(b, "}");
  put_line(e, b);
}

static void put_statement(Em *e, StrBuf *b) {
  if (!e->dry && !e->ssa)
    sb_putc(b, ';');
  put_line(e, b);
}

/* Logsumexp's term t, when the reverse sweep reads the weights: the sum of
 * exponentials stores each term's (relative to the largest term so far),
 * and the factor by which a new largest term rescales the earlier ones. */
static void lse_update_stored(Em *e, int li, int red, const char *t, int w) {
  StrBuf *b = &e->line, p0 = {0}, p1 = {0};
  Ref pos = e->g->nodes.v[w].a[1];
  tape_place(e, &p0, w, pos, 0);
  tape_place(e, &p1, w, pos, 1);
  char mbuf[NAME_LEN];
  const char *m = name_text(e->ns[red].name, mbuf), *huge = huge_val(e);
  const char *decl = e->ssa ? "" : "const ", *T = e->ssa ? "" : e->T, *sp = e->ssa ? "" : " ";
  const char *s0 = p0.s ? p0.s : "", *s1 = p1.s ? p1.s : "";
  sb_printf(b, "if (%s > %s) {", t, m);
  put_line(e, b);
  e->depth++;
  sb_printf(b, "%s%s%sadc_r = %s > -%s ? exp%s(%s - %s) : 0.0%s", decl, T, sp, m, huge, e->fs, m, t, e->ls);
  put_statement(e, b);
  sb_printf(b, "adc_s%d = adc_s%d * adc_r + 1.0%s", li, li, e->ls);
  put_statement(e, b);
  sb_printf(b, "%s = %s", m, t);
  put_statement(e, b);
  sb_printf(b, "%s = 1.0%s", s0, e->ls);
  put_statement(e, b);
  sb_printf(b, "%s = adc_r", s1);
  put_statement(e, b);
  e->depth--;
  sb_puts(b, "} else {");
  put_line(e, b);
  e->depth++;
  sb_printf(b, "%s%s%sadc_w = %s > -%s ? exp%s(%s - %s) : 0.0%s", decl, T, sp, m, huge, e->fs, t, m, e->ls);
  put_statement(e, b);
  sb_printf(b, "adc_s%d += adc_w", li);
  put_statement(e, b);
  sb_printf(b, "%s = adc_w", s0);
  put_statement(e, b);
  sb_printf(b, "%s = 1.0%s", s1, e->ls);
  put_statement(e, b);
  close_brace(e, b);
  sb_free(&p0);
  sb_free(&p1);
}

/* After logsumexp loop li: its stored terms become the weights
 * exp(term - result), from the last term back (each earlier one is
 * rescaled by every larger term that came after it). */
static void lse_weights(Em *e, int li) {
  int w = weight_tape(e, li);
  if (w < 0)
    return;
  const Loop *l = &e->g->loops.v[li];
  StrBuf *b = &e->line, p0 = {0}, p1 = {0};
  Ref pos = e->g->nodes.v[w].a[1];
  tape_place(e, &p0, w, pos, 0);
  tape_place(e, &p1, w, pos, 1);
  if (!e->dry) {
    indent(e);
    put(e, e->ssa ? "# the terms' weights exp(term - result), for the reverse sweep\n"
                  : "/* the terms' weights exp(term - result), for the reverse sweep */\n");
  }
  sb_printf(b, "%s%sadc_p%d = 1.0%s / adc_s%d", e->ssa ? "" : e->T, e->ssa ? "" : " ", li, e->ls, li);
  put_statement(e, b);
  loop_head(e, b, l, li, 1);
  put_line(e, b);
  e->depth++;
  sb_printf(b, "%s *= adc_p%d", p0.s ? p0.s : "", li);
  put_statement(e, b);
  sb_printf(b, "adc_p%d *= %s", li, p1.s ? p1.s : "");
  put_statement(e, b);
  close_brace(e, b);
  sb_free(&p0);
  sb_free(&p1);
}

/* At the end of an iteration: the reduction takes in its term. */
static void reduce_update(Em *e, int li, int red, int count) {
  const Graph *g = e->g;
  StrBuf *b = &e->line, t = {0};
  const Node *nd = &g->nodes.v[red];
  ref_use(e, &t, nd->a[0]);
  char rbuf[NAME_LEN], cbuf[NAME_LEN];
  const char *r = name_text(e->ns[red].name, rbuf), *ts = t.s ? t.s : "";
  LoopKind k = g->loops.v[li].kind;
  int w;
  if (k == LK_SUM) {
    sb_printf(b, "%s += %s", r, ts);
    line_end(e, b, nd->src);
  } else if (k == LK_LSE && (w = weight_tape(e, li)) >= 0) {
    lse_update_stored(e, li, red, ts, w);
  } else if (k == LK_LSE) { /* the first term (largest so far) needs no exponential */
    const char *huge = huge_val(e);
    sb_printf(b, "if (%s > %s) { adc_s%d = %s > -%s ? adc_s%d * exp%s(%s - %s) + 1.0%s : 1.0%s; %s = %s; } "
                 "else if (%s > -%s) { adc_s%d += exp%s(%s - %s); }",
              ts, r, li, r, huge, li, e->fs, r, ts, e->ls, e->ls, r, ts, r, huge, li, e->fs, ts, r);
    put_line(e, b);
  } else {
    const char *cmp = k == LK_MIN ? "<" : ">";
    if (count >= 0)
      sb_printf(b, "if (%s %s %s) { %s = %s; %s = 1.0%s; } else if (%s == %s) { %s += 1.0%s; }", ts, cmp,
                r, r, ts, name_text(e->ns[count].name, cbuf), e->ls, ts, r, cbuf, e->ls);
    else
      sb_printf(b, "if (%s %s %s) { %s = %s; }", ts, cmp, r, r, ts);
    put_line(e, b);
  }
  sb_free(&t);
}

/* At the very end of an iteration: carried values take their next values;
 * one that is another carried value is read into a temporary first, so
 * that swaps work. */
static void loop_nexts(Em *e, int li, int lo, int hi) {
  const Graph *g = e->g;
  StrBuf *b = &e->line;
  for (int i = lo; i < hi; i++) {
    Ref v = g->nodes.v[i].a[1];
    if (!ref_is_const(v) && g->nodes.v[v].op == OP_CARRY && g->nodes.v[v].aux == li &&
        v != g->nodes.v[i].a[0]) {
      if (e->ssa)
        sb_printf(b, "adc_next%d = ", i);
      else
        sb_printf(b, "const %s adc_next%d = ", e->T, i);
      ref_use(e, b, v);
      line_end(e, b, g->nodes.v[i].src);
    }
  }
  for (int i = lo; i < hi; i++) {
    const Node *nd = &g->nodes.v[i];
    Ref v = nd->a[1];
    if (v == nd->a[0])
      continue;
    put_name(b, e->ns[nd->a[0]].name);
    sb_puts(b, " = ");
    if (!ref_is_const(v) && g->nodes.v[v].op == OP_CARRY && g->nodes.v[v].aux == li)
      sb_printf(b, "adc_next%d", i);
    else
      ref_use(e, b, v);
    line_end(e, b, nd->src);
  }
}

/* A cached value made before loop u, the outermost it does not change
 * with, by a loop nest over those it changes with:
 *   for (int i1 = 0; i1 < K; i1++) {
 *     adc_t31[i1] = exp(icf[i1]);  ... } */
static void emit_hoisted(Em *e, int v, int u) {
  const Graph *g = e->g;
  int s = e->pl.cached_in[v], loops[64], ch[64];
  int n = plan_unchanged_loops(g, s, loops);
  int nch = plan_changed_loops(g, v, u, loops, n, ch);
  StrBuf *b = &e->line;
  if (!e->dry) {
    indent(e);
    put(e, e->ssa ? "# made once: the loop below does not change it\n"
                  : "/* made once: the loop below does not change it */\n");
  }
  for (int k = nch - 1; k >= 0; k--) {
    loop_head(e, b, &g->loops.v[ch[k]], ch[k], 0);
    put_line(e, b);
    e->depth++;
  }
  e->inline_lo = e->lspans[u].lo;
  tape_place(e, b, s, g->nodes.v[s].a[1], 0);
  if (!e->dry)
    sb_puts(b, " = ");
  expr_text(e, b, v);
  e->inline_lo = -1;
  line_end(e, b, g->nodes.v[v].src);
  for (int k = 0; k < nch; k++)
    close_brace(e, b);
}

/* Where loop k's body ends but for its NEXT nodes (the carried values'
 * updates, printed last). */
static int body_end(const Em *e, int k) {
  const LoopSpan *r = &e->lspans[k];
  int nx = r->body_hi;
  while (nx > r->lo && e->g->nodes.v[nx - 1].op == OP_NEXT && e->g->nodes.v[nx - 1].aux == k)
    nx--;
  return nx;
}

/* The body of loop k, run in the iterations of the loop being printed
 * (its fused reverse loop, or a loop joined to it). */
static void emit_absorbed(Em *e, int k) {
  int nx = body_end(e, k);
  emit_range(e, e->g->loops.v[k].body, e->lspans[k].lo, nx);
  loop_nexts(e, k, nx, e->lspans[k].body_hi);
}

static void emit_loop(Em *e, int li) {
  const Graph *g = e->g;
  const Loop *l = &g->loops.v[li];
  const LoopSpan *s = &e->lspans[li];
  StrBuf *b = &e->line;
  for (int v = e->pl.hoist_first ? e->pl.hoist_first[li] : -1; v >= 0; v = e->pl.hoist_next[v])
    emit_hoisted(e, v, li);
  int rv = e->pl.fused_with ? e->pl.fused_with[li] : -1;
  if (rv >= 0)
    loop_declarations(e, rv);
  for (int k = e->pl.joined ? e->pl.joined[li] : -1; k >= 0; k = e->pl.joined[k])
    loop_declarations(e, k);
  loop_declarations(e, li);
  loop_head(e, b, l, li, l->backward);
  put_line(e, b);
  int mark = e->undo_node.n;
  e->depth++;
  int nx = body_end(e, li);
  emit_range(e, l->body, s->lo, nx);
  if (rv >= 0) { /* the reverse sweep of this term, in the same iteration */
    indent(e);
    put(e, e->ssa ? "# its reverse sweep (the terms of a sum are independent)\n"
                  : "/* its reverse sweep (the terms of a sum are independent) */\n");
    emit_absorbed(e, rv);
  }
  for (int k = e->pl.joined ? e->pl.joined[li] : -1; k >= 0; k = e->pl.joined[k]) {
    indent(e); /* the loops after it over the same range, in the same iteration */
    put(e, e->ssa ? "# and in the same iteration\n" : "/* and in the same iteration */\n");
    emit_absorbed(e, k);
  }
  int red = -1, count = -1;
  for (int i = s->body_hi; i < s->hi; i++)
    if (g->nodes.v[i].op == OP_REDUCE)
      red = i;
    else if (g->nodes.v[i].op == OP_RCOUNT)
      count = i;
  if (red >= 0)
    reduce_update(e, li, red, count);
  loop_nexts(e, li, nx, s->body_hi);
  e->depth--;
  leave_block(e, mark);
  indent(e);
  put(e, "}\n");
  if (red >= 0 && l->kind == LK_LSE) {
    put_name(b, e->ns[red].name);
    sb_printf(b, " += log%s(adc_s%d)", e->fs, li);
    line_end(e, b, g->nodes.v[red].src);
    lse_weights(e, li);
  }
  emit_exits(e, li);
}

static void emit_exits(Em *e, int li) {
  const LoopSpan *s = &e->lspans[li];
  for (int i = s->body_hi; i < s->hi; i++)
    if (e->g->nodes.v[i].op == OP_LOOPOUT)
      emit_node(e, i);
}

/* Integer operations of one family: a chain of them prints as one
 * parenthesised list, as the source wrote it (a + b - c). */
static int dim_family(int op) {
  return op == OP_IADD || op == OP_ISUB ? 1 : op == OP_IMUL || op == OP_IDIV ? 2 : op == OP_IMOD ? 3 : 0;
}

static void dim_text(const Em *e, StrBuf *b, Ref d);

/* The operands and operators of a chain, without its parentheses. */
static void dim_chain(const Em *e, StrBuf *b, Ref d) {
  const Node *nd = &e->fg->sig->dims.nodes.v[d];
  Ref l = nd->a[0];
  if (!ref_is_const(l) && dim_family(e->fg->sig->dims.nodes.v[l].op) == dim_family(nd->op))
    dim_chain(e, b, l);
  else
    dim_text(e, b, l);
  sb_puts(b, nd->op == OP_IADD ? " + " : nd->op == OP_ISUB ? " - " : nd->op == OP_IMUL ? " * "
             : nd->op == OP_IDIV ? " / " : " % ");
  dim_text(e, b, nd->a[1]);
}

/* A dimension, with sizes under their emitted names. */
static void dim_text(const Em *e, StrBuf *b, Ref d) {
  const Graph *g = &e->fg->sig->dims;
  if (ref_is_const(d)) {
    sb_printf(b, "%lld", (long long)graph_const(g, d));
    return;
  }
  const Node *nd = &g->nodes.v[d];
  if (nd->op == OP_SIZE) {
    sb_puts(b, e->nm->sizes[nd->aux]);
  } else if (nd->op == OP_INEG) {
    sb_puts(b, "-(");
    dim_text(e, b, nd->a[0]);
    sb_putc(b, ')');
  } else {
    sb_putc(b, '(');
    dim_chain(e, b, d);
    sb_putc(b, ')');
  }
}

/* The element count of array parameter p, as C text. */
static void length_text(const Em *e, StrBuf *b, int p) {
  const SigParam *pa = &e->fg->sig->params[p];
  for (int k = 0; k < pa->ndims; k++) {
    if (k)
      sb_puts(b, " * ");
    dim_text(e, b, pa->dims[k]);
  }
}

static int has_gradient(const Em *e, int p) { return !e->fg->sig->params[p].is_const; }
static int is_array(const Em *e, int p) { return e->fg->sig->params[p].ndims > 0; }

/* ---- the gradient's arrays stored into where they can be ---- */

enum { DIRECT_MAX = 4096 }; /* elements of an array zeroed one line each, at most */

/* The number of elements of array parameter p when its dimensions are
 * literals (at most DIRECT_MAX), else -1. */
static int const_length(const Em *e, int p) {
  const SigParam *pa = &e->fg->sig->params[p];
  long long n = 1;
  for (int k = 0; k < pa->ndims; k++) {
    if (!ref_is_const(pa->dims[k]))
      return -1;
    n *= (long long)graph_const(&e->fg->sig->dims, pa->dims[k]);
    if (n > DIRECT_MAX)
      return -1;
  }
  return n < 0 ? -1 : (int)n;
}

/* f_grad and f_jac add each partial into its element of an array zeroed by
 * a loop first. Where every addition into an array parameter's elements is
 * in straight-line code (the function's top level) at a constant place, and
 * the array has a constant size, the first addition into each element is a
 * store (`=`, later ones add) and only the elements nothing stores into are
 * zeroed, one line each: no loop, and no load of what the loop stored (BA's
 * 2 x 15 Jacobian: 95 -> 75 ns). For f_jac all array parameters must qualify
 * (one loop zeroed the whole matrix). */
static void plan_direct(Em *e) {
  const Graph *g = e->g;
  int np = g->nparams, any = 0;
  if (e->kind != FN_GRAD || e->ssa || e->nparts > 1)
    return;
  int *len = xmalloc(sizeof *len * (size_t)(np ? np : 1)), *seen = xcalloc((size_t)(np ? np : 1), sizeof *seen);
  for (int p = 0; p < np; p++)
    len[p] = has_gradient(e, p) && is_array(e, p) ? const_length(e, p) : -1;
  for (int n = 0; n < g->nodes.n; n++) {
    const Node *nd = &g->nodes.v[n];
    if (nd->op != OP_ACCUM)
      continue;
    int p = g->nodes.v[nd->a[0]].aux;
    if (nd->blk != 0 || !ref_is_const(nd->a[1]))
      len[p] = -1;
    seen[p] = 1;
  }
  for (int p = 0; p < np; p++) {
    if (!has_gradient(e, p) || !is_array(e, p))
      continue;
    if (len[p] < 0 || !seen[p]) {
      if (e->several) { /* the matrix's loop stays */
        free(len);
        free(seen);
        return;
      }
      len[p] = -1;
    }
    any |= len[p] >= 0;
  }
  if (any) {
    int rows = e->several ? e->fg->fwd.outs.n : 1;
    e->stores = xcalloc((size_t)g->nodes.n, 1);
    unsigned char **written = xcalloc((size_t)np, sizeof *written);
    for (int p = 0; p < np; p++)
      if (len[p] >= 0)
        written[p] = xcalloc((size_t)(rows * len[p] + 1), 1);
    for (int n = 0; n < g->nodes.n; n++) { /* in the order they are printed */
      const Node *nd = &g->nodes.v[n];
      if (nd->op != OP_ACCUM || !written[g->nodes.v[nd->a[0]].aux])
        continue;
      int p = g->nodes.v[nd->a[0]].aux, k = (int)graph_const(g, nd->a[1]);
      int at = (e->several ? nd->aux : 0) * len[p] + k;
      if (k >= 0 && k < len[p] && !written[p][at])
        e->stores[n] = written[p][at] = 1;
    }
    e->written = written;
    e->direct_len = len;
    len = NULL;
  }
  free(len);
  free(seen);
}

/* f_grad stores and f_jac writes every entry: arrays, added into, start at 0
 * (those stored into directly: only the elements nothing stores into). */
static void emit_zeroing(Em *e) {
  StrBuf b = {0};
  int np = e->g->nparams, any = 0;
  for (int p = 0; p < np; p++)
    any |= has_gradient(e, p) && is_array(e, p);
  if (e->kind != FN_GRAD || !any || e->ssa)
    return;
  if (e->several && !e->written) {
    sb_printf(&b, "for (int adc_k = 0; adc_k < %d * (%s); adc_k++) %s[adc_k] = 0.0%s;\n",
              e->fg->fwd.outs.n, e->ncols, e->nm->jacp, e->ls);
    indent(e);
    put_n(e, b.s, b.len);
    sb_free(&b);
    return;
  }
  int rows = e->several ? e->fg->fwd.outs.n : 1;
  for (int p = 0; p < np; p++) {
    if (!has_gradient(e, p) || !is_array(e, p))
      continue;
    if (!e->written || !e->written[p]) {
      b.len = 0;
      sb_puts(&b, "for (int adc_k = 0; adc_k < ");
      length_text(e, &b, p);
      sb_printf(&b, "; adc_k++) %s[adc_k] = 0.0%s;\n", e->nm->bars[p], e->ls);
      indent(e);
      put_n(e, b.s, b.len);
      continue;
    }
    for (int at = 0; at < rows * e->direct_len[p]; at++) {
      if (e->written[p][at])
        continue;
      b.len = 0;
      if (e->several)
        sb_printf(&b, "%s[%d * (%s) + %s + %d] = 0.0%s;\n", e->nm->jacp, at / e->direct_len[p], e->ncols,
                  e->col_off[p], at % e->direct_len[p], e->ls);
      else
        sb_printf(&b, "%s[%d] = 0.0%s;\n", e->nm->bars[p], at, e->ls);
      indent(e);
      put_n(e, b.s, b.len);
    }
  }
  sb_free(&b);
}

/* The number of iterations of the loops around node n (twice that for a
 * logsumexp's weights), as C text into b (when b is not NULL); returns it
 * when it is a constant, else -1. */
static long long storage_size(Em *e, StrBuf *b, int n) {
  const Graph *g = e->g;
  long long size = 1;
  int first = 1;
  if (g->nodes.v[n].op == OP_SAVE && stores_weights(g, n)) {
    size = 2;
    first = 0;
    if (b)
      sb_puts(b, "(size_t)2");
  }
  for (int k = g->nodes.v[n].blk; k > 0; k = g->blocks.v[k].parent) {
    int l = g->blocks.v[k].loop;
    if (l < 0 || !plan_reads_index(g, g->nodes.v[n].a[1], l))
      continue; /* a value one iteration of l does not change has one place */
    if (e->pl.reused && e->pl.reused[n] >= 0 && plan_counter_dropped(&e->pl, g, e->pl.reused[n], l))
      continue; /* each iteration of l uses the places again */
    Ref lo = g->loops.v[l].lo, hi = g->loops.v[l].hi;
    if (lo == hi) { /* an empty range */
      if (b)
        sb_puts(b, first ? "(size_t)0" : " * (size_t)0");
      first = 0;
      size = 0;
      continue;
    }
    if (size >= 0 && ref_is_const(lo) && ref_is_const(hi)) {
      long long t = (long long)graph_const(g, hi) - (long long)graph_const(g, lo);
      size *= t > 0 ? t : 0;
    } else if (size != 0) {
      size = -1;
    }
    if (!b)
      continue;
    sb_puts(b, first ? "(size_t)(" : " * (size_t)(");
    first = 0;
    int_text(e, b, hi, 2);
    sb_puts(b, " > ");
    int_text(e, b, lo, 2);
    sb_puts(b, " ? ");
    if (ref_is_const(lo) && graph_const(g, lo) == 0) {
      int_text(e, b, hi, 0);
    } else {
      int_text(e, b, hi, 1);
      sb_puts(b, " - ");
      int_text(e, b, lo, 2);
    }
    sb_puts(b, " : 0)");
  }
  return size;
}

/* Is the storage small and of constant size: then it lives on the stack. */
static int tape_on_stack(Em *e) {
  long long total = 0;
  for (int i = 0; i < e->g->nodes.n; i++)
    if (is_tape(e, i)) {
      long long n = storage_size(e, NULL, i);
      if (n < 0)
        return 0;
      total += n;
    }
  return total <= 4096;
}

/* Storage for the values the reverse sweep reads back (one region per
 * SAVE node, adc_tK, indexed by iteration): on the stack when small and of
 * constant size, else one malloc freed before returning. An allocation
 * failure sets errno to ENOMEM and returns NaN (or nothing). */
static void emit_tapes(Em *e) {
  const Graph *g = e->g;
  if (!e->ntapes || e->dry || e->ssa)
    return;
  StrBuf b = {0};
  int stack = tape_on_stack(e);
  long long total = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (is_tape(e, i)) {
      if (stack) {
        total += storage_size(e, NULL, i);
        continue;
      }
      b.len = 0;
      sb_printf(&b, "const size_t adc_n%d = ", i);
      storage_size(e, &b, i);
      sb_puts(&b, ";\n");
      indent(e);
      put_n(e, b.s, b.len);
    }
  b.len = 0;
  if (stack) {
    sb_printf(&b, "%s adc_tape[%lld];\n", e->T, total ? total : 1);
  } else {
    sb_printf(&b, "%s *const adc_tape = (%s *)malloc(sizeof(%s) * (1", e->T, e->T, e->T);
    for (int i = 0; i < g->nodes.n; i++)
      if (is_tape(e, i))
        sb_printf(&b, " + adc_n%d", i);
    sb_printf(&b, "));\n");
    indent(e);
    put_n(e, b.s, b.len);
    b.len = 0;
    sb_printf(&b, "if (adc_tape == NULL) {\n    errno = ENOMEM;\n    return%s;\n  }\n",
              e->kind == FN_GRAD && !e->several ? " NAN" : "");
  }
  indent(e);
  put_n(e, b.s, b.len);
  int prev = -1;
  long long off = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (is_tape(e, i)) {
      b.len = 0;
      if (prev < 0)
        sb_printf(&b, "%s *const adc_t%d = adc_tape;\n", e->T, i);
      else if (stack)
        sb_printf(&b, "%s *const adc_t%d = adc_tape + %lld;\n", e->T, i, off);
      else
        sb_printf(&b, "%s *const adc_t%d = adc_t%d + adc_n%d;\n", e->T, i, prev, prev);
      if (stack)
        off += storage_size(e, NULL, i);
      indent(e);
      put_n(e, b.s, b.len);
      prev = i;
    }
  sb_free(&b);
}

static void emit_outputs(Em *e) {
  const Graph *g = e->g;
  StrBuf b = {0};
  int np = g->nparams, nv = e->fg->fwd.outs.n;
  int values = e->kind == FN_VJP ? 0 : nv;
  if (e->kind == FN_FWD || (e->kind == FN_GRAD && e->several))
    for (int o = 0; o < nv && e->several; o++) {
      sb_printf(&b, e->ssa ? "%s = " : "*%s = ", e->nm->outs[o]);
      ref_use(e, &b, g->outs.v[o]);
      line_end(e, &b, (Loc){0, 0});
    }
  int rows = e->kind == FN_GRAD && e->several ? nv : e->kind == FN_FWD ? 0 : 1;
  for (int row = 0; row < rows; row++)
    for (int i = 0; i < np; i++) {
      Ref r = g->outs.v[values + row * np + i];
      if (!has_gradient(e, i) || is_array(e, i))
        continue;
      if (e->kind == FN_VJP && ref_is_const(r) && graph_const(g, r) == 0)
        continue;
      if (e->several && e->kind == FN_GRAD)
        sb_printf(&b, "%s[%d * (%s) + %s] = ", e->nm->jacp, row, e->ncols, e->col_off[i]);
      else
        sb_printf(&b, e->ssa ? "%s %s " : "*%s %s ", e->nm->bars[i], e->kind == FN_VJP ? "+=" : "=");
      ref_use(e, &b, r);
      line_end(e, &b, (Loc){0, 0});
    }
  e->marker = NULL; /* a reverse sweep with no line of its own (fused into loops) */
  if (e->ntapes && !e->ssa && !tape_on_stack(e)) {
    indent(e);
    put(e, "free(adc_tape);\n");
  }
  if (e->nparts > 1 && e->nslots > STACK_SLOTS) {
    if (e->kind != FN_VJP && !e->several)
      read_pending(e, g->outs.v[0]); /* the value returned, before adc_v goes */
    indent(e);
    put(e, "free(adc_v);\n");
  }
  if (e->kind != FN_VJP && !e->several) {
    sb_puts(&b, "return ");
    ref_use(e, &b, g->outs.v[0]);
    line_end(e, &b, (Loc){0, 0});
  }
  sb_free(&b);
}

/* (void) casts for parameters the body does not read, so that the file
 * compiles cleanly under -Wall -Wextra. */
static void emit_unused(Em *e, const char *const *unused, int n) {
  for (int i = 0; i < n; i++) {
    indent(e);
    put(e, "(void)");
    put(e, unused[i]);
    put(e, ";\n");
  }
}

static void emit_pass(Em *e) {
  const Graph *g = e->g;
  e->rev_marked = 0;
  e->marker = NULL;
  e->rev_start = reverse_start(g);
  if (e->kind != FN_FWD && !e->dry) {
    e->marker = e->ssa ? "# forward sweep\n" : "/* forward sweep */\n";
  }
  e->helper = 0;
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].name >= e->helper)
      e->helper = g->nodes.v[i].name + 1;
  for (int i = 0; i < g->labels.n; i++)
    if (g->labels.v[i].name >= e->helper)
      e->helper = g->labels.v[i].name + 1;
  for (int i = 0; i < g->nodes.n; i++)
    e->ns[i].curl = -1;
  e->undo_node.n = e->undo_curl.n = 0;
  if (e->nparts > 1)
    begin_part(e, 0);
  emit_range(e, 0, 0, g->nodes.n);
  emit_outputs(e);
}

/* Which parameters (values, seeds, gradient pointers, sizes) the body never
 * reads; known after the dry pass. Casting a used one would be harmless. */
static int collect_unused(const Em *e, const char **out) {
  const Graph *g = e->g;
  int n = 0, np = g->nparams, nv = e->fg->fwd.outs.n, ns = e->fg->sig->nsizes;
  char *used = xcalloc((size_t)(np + nv + 2), 1), *sused = xcalloc((size_t)ns + 1, 1);
  char *accum = xcalloc((size_t)np + 1, 1);
  for (int i = 0; i < g->nodes.n; i++) {
    const Node *nd = &g->nodes.v[i];
    if ((nd->op == OP_INPUT || nd->op == OP_ARRAY) && e->ns[i].refs)
      used[nd->aux] = 1;
    if (nd->op == OP_SIZE && e->ns[i].refs)
      sused[nd->aux] = 1;
    if (nd->op == OP_ACCUM)
      accum[g->nodes.v[nd->a[0]].aux] = 1;
  }
  for (int i = 0; i < ns; i++)
    if (!sused[i])
      out[n++] = e->nm->sizes[i];
  for (int i = 0; i < np; i++)
    if (!used[i])
      out[n++] = e->nm->params[i];
  if (e->kind == FN_VJP) {
    for (int o = 0; o < nv; o++)
      if (!used[np + o])
        out[n++] = e->several ? e->nm->outbars[o] : e->nm->seed;
    for (int i = 0; i < np; i++)
      if (has_gradient(e, i) && (is_array(e, i) ? !accum[i]
                                 : ref_is_const(g->outs.v[i]) && graph_const(g, g->outs.v[i]) == 0))
        out[n++] = e->nm->bars[i];
  }
  if (e->kind == FN_GRAD && e->several && strcmp(e->ncols, "0") == 0)
    out[n++] = e->nm->jacp;
  free(used);
  free(sused);
  free(accum);
  return n;
}

/* How many values are stored; f_jac's column offsets. */
static void em_layout(Em *e) {
  const Graph *g = e->g;
  for (int i = 0; i < g->nodes.n; i++)
    e->ntapes += g->nodes.v[i].op == OP_SAVE;
  int np = g->nparams;
  e->col_off = arena_alloc(&e->arena, (size_t)(np + 1) * sizeof *e->col_off);
  StrBuf b = {0};
  sb_puts(&b, "0");
  for (int p = 0; p < np; p++) {
    e->col_off[p] = arena_strndup(&e->arena, b.s, b.len);
    if (!has_gradient(e, p))
      continue;
    if (strcmp(b.s, "0") == 0)
      b.len = 0, b.s[0] = '\0';
    else
      sb_puts(&b, " + ");
    if (is_array(e, p))
      length_text(e, &b, p);
    else
      sb_puts(&b, "1");
  }
  e->ncols = arena_strndup(&e->arena, b.s, b.len);
  sb_free(&b);
}

/* Every per-node and per-label table the walk needs. */
static void em_init(Em *e, StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa) {
  const Graph *g = kind == FN_FWD ? &fg->fwd : kind == FN_GRAD ? &fg->grad : &fg->vjp;
  memset(e, 0, sizeof *e);
  e->inline_lo = -1;
  e->reuse_f = -1;
  e->ref_step = 1;
  e->fg = fg;
  e->opts = o;
  e->presumed = -1;
  shown_as_init(e->shown_as);
  e->T = cg_real_type(o->real);
  e->fs = cg_real_fn(o->real);
  e->ls = cg_real_lit(o->real);
  e->several = fg->fwd.outs.n > 1;
  e->out = out;
  e->ssa = ssa;
  e->g = g;
  e->nm = fg->names;
  e->src = o->src;
  e->kind = kind;
  e->depth = 1;
  size_t n = (size_t)(g->nodes.n ? g->nodes.n : 1), nl = (size_t)(g->labels.n ? g->labels.n : 1);
  e->spans = ir_group_spans(g);
  e->lspans = ir_loop_spans(g);
  e->ns = xcalloc(n + 1, sizeof *e->ns);
  for (size_t i = 0; i <= n; i++)
    e->ns[i].slot = e->ns[i].lastload = e->ns[i].pending = -1;
  for (int i = 0; i < g->nodes.n; i++)
    e->ns[i].kind = (uint8_t)op_info[g->nodes.v[i].op].kind;
  e->direct = xmalloc(n * sizeof *e->direct);
  e->ctext = xcalloc((size_t)(g->consts.n ? g->consts.n : 1), sizeof *e->ctext);
  e->label_used = xcalloc(nl, 1);
  e->label_dep = xmalloc(nl * sizeof *e->label_dep);
  e->blk_labels = xcalloc((size_t)g->blocks.n, sizeof *e->blk_labels);
  e->lab_first = xcalloc((size_t)g->nodes.n + 2, sizeof *e->lab_first);
  for (size_t i = 0; i < n; i++)
    e->direct[i] = -1;
  /* Labels are made in position order, and passes keep that order. */
  for (int i = 0; i < g->labels.n; i++) {
    const Label *l = &g->labels.v[i];
    e->label_dep[i] = -1;
    e->lab_first[l->pos + 1]++;
    e->blk_labels[l->blk]++;
    if (e->direct[l->val] < 0 && g->nodes.v[l->val].blk == l->blk && g->nodes.v[l->val].name < 0)
      e->direct[l->val] = i;
  }
  for (int p = 0; p <= g->nodes.n; p++)
    e->lab_first[p + 1] += e->lab_first[p];
  em_layout(e);
}

static void em_free(Em *e) {
  free(e->spans);
  free(e->lspans);
  free(e->ns);
  free(e->direct);
  free(e->ctext);
  free(e->label_used);
  free(e->label_dep);
  free(e->blk_labels);
  free(e->lab_first);
  sb_free(&e->line);
  sb_free(&e->last_comment);
  for (int p = 0; e->written && p < e->g->nparams; p++)
    free(e->written[p]);
  free(e->written);
  free(e->direct_len);
  free(e->stores);
  for (int i = 0; i < (int)(sizeof e->reads / sizeof e->reads[0]); i++)
    sb_free(&e->reads[i]);
  vec_free(&e->undo_node);
  vec_free(&e->undo_curl);
  free(e->cut);
  free(e->loadat);
  vec_free(&e->loadpart);
  vec_free(&e->loadnode);
  vec_free(&e->loadnear);
  free(e->loadfirst);
  free(e->sorted);
  free(e->sortnear);
  free(e->pused);
  plan_free(&e->pl);
  arena_free(&e->arena);
}

/* After the dry pass: a copy line read by a used copy line is used, and the
 * value a used copy line names is referenced. */
static void resolve_usage(Em *e) {
  const Graph *g = e->g;
  for (int i = g->labels.n - 1; i >= 0; i--)
    if (e->label_used[i] && e->label_dep[i] >= 0)
      e->label_used[e->label_dep[i]] = 1;
  for (int i = 0; i < g->labels.n; i++)
    if (e->label_used[i] && e->label_dep[i] < 0 && !ref_is_const(g->labels.v[i].val))
      e->ns[g->labels.v[i].val].refs++;
}

/* After the dry pass: a value written out in the line of a value made
 * before its loops, and read by nothing else, is not printed where it was;
 * the values its own line read lose that reader (from the last back, so
 * that chains of them go). */
static void drop_unread_inlined(Em *e) {
  if (!e->pl.inlined)
    return;
  StrBuf scratch = {0};
  e->ref_step = -1;
  for (int n = e->g->nodes.n - 1; n >= 0; n--)
    if ((e->pl.inlined[n] & 1) && e->pl.cached_in[n] < 0 && !e->ns[n].refs)
      expr_text(e, &scratch, n);
  e->ref_step = 1;
  sb_free(&scratch);
}

/* ---- a long function's f_vjp, from its f_grad ---- */

int cg_vjp_by_grad(const FnGraphs *fg, int split) {
  EmitOpts o = {0};
  o.split = split;
  if (fg->fwd.outs.n != 1 || !cg_splits(&fg->grad, &o, 0))
    return 0;
  for (int p = 0; p < fg->sig->nparams; p++)
    if (!fg->sig->params[p].is_const)
      return 1;
  return 0;
}

/* "(L > 0 ? (size_t)(L) : 0)" for array parameter p of length L. */
static void places_text(const Em *e, StrBuf *b, int p) {
  StrBuf len = {0};
  length_text(e, &len, p);
  sb_printf(b, "(%s > 0 ? (size_t)(%s) : 0)", len.s, len.s);
  sb_free(&len);
}

/* f_vjp adds f_bar times the gradient f_grad stores into temporaries
 * (adc_gP for parameter P; arrays in one malloc, ENOMEM as for storage;
 * if f_grad's own malloc fails, it has zeroed the arrays, and the scalars
 * start at 0: nothing is added):
 * the file then holds one reverse sweep, not two, and C compilers take
 * time in proportion to its length. */
static void emit_vjp_by_grad(const FnGraphs *fg, const EmitOpts *o, StrBuf *out, const BodyHead *h) {
  Em e;
  memset(&e, 0, sizeof e);
  e.fg = fg;
  e.nm = fg->names;
  e.opts = o;
  const char *T = cg_real_type(o->real);
  const Signature *f = fg->sig;
  int np = f->nparams, prev = -1;
  StrBuf b = {0};
  sb_puts(&b, h->comment);
  sb_puts(&b, h->head);
  sb_puts(&b, " {\n");
  for (int p = 0; p < np; p++)
    if (!f->params[p].is_const && !f->params[p].ndims)
      sb_printf(&b, "  %s adc_g%d = 0.0%s;\n", T, p, cg_real_lit(o->real)); /* f_grad may fail */
  for (int p = 0; p < np; p++) {
    if (f->params[p].is_const || !f->params[p].ndims)
      continue;
    if (prev < 0) {
      sb_printf(&b, "  %s *const adc_g%d = (%s *)malloc(sizeof(%s) * (1", T, p, T, T);
      for (int q = p; q < np; q++)
        if (!f->params[q].is_const && f->params[q].ndims) {
          sb_puts(&b, " + ");
          places_text(&e, &b, q);
        }
      sb_printf(&b, "));\n  if (adc_g%d == NULL) {\n    errno = ENOMEM;\n    return;\n  }\n", p);
    } else {
      sb_printf(&b, "  %s *const adc_g%d = adc_g%d + ", T, p, prev);
      places_text(&e, &b, prev);
      sb_puts(&b, ";\n");
    }
    prev = p;
  }
  sb_printf(&b, "  (void)%s(", fg->names->grad);
  int n = 0;
  for (int k = 0; k < fg->sig->nsizes; k++)
    sb_printf(&b, "%s%s", n++ ? ", " : "", fg->names->sizes[k]);
  for (int p = 0; p < np; p++)
    sb_printf(&b, "%s%s", n++ ? ", " : "", fg->names->params[p]);
  for (int p = 0; p < np; p++)
    if (!f->params[p].is_const)
      sb_printf(&b, "%s%sadc_g%d", n++ ? ", " : "", f->params[p].ndims ? "" : "&", p);
  sb_puts(&b, ");\n");
  for (int p = 0; p < np; p++) {
    if (f->params[p].is_const)
      continue;
    if (f->params[p].ndims) {
      sb_puts(&b, "  for (int adc_k = 0; adc_k < ");
      length_text(&e, &b, p);
      sb_printf(&b, "; adc_k++) %s[adc_k] += %s * adc_g%d[adc_k];\n", fg->names->bars[p], fg->names->seed, p);
    } else {
      sb_printf(&b, "  *%s += %s * adc_g%d;\n", fg->names->bars[p], fg->names->seed, p);
    }
  }
  for (int p = 0; p < np; p++)
    if (!f->params[p].is_const && f->params[p].ndims) {
      sb_printf(&b, "  free(adc_g%d);\n", p);
      break;
    }
  sb_puts(&b, "}\n\n");
  sb_puts(out, b.s);
  sb_drain(out, 0);
  sb_free(&b);
}

/* f runs the parts of f_grad that make its forward sweep (FwdShare): the
 * file then holds one forward sweep of a long function, not two. */
static void emit_fwd_by_grad(const FnGraphs *fg, const EmitOpts *o, StrBuf *out, const BodyHead *h) {
  const FwdShare *sh = h->share;
  const char *T = cg_real_type(o->real);
  int heap = sh->nslots > STACK_SLOTS;
  StrBuf b = {0};
  sb_puts(&b, h->comment);
  sb_puts(&b, h->head);
  sb_puts(&b, " {\n  ");
  adc_v_text(&b, T, sh->nslots, 1);
  sb_printf(&b, "  %s_forward(", fg->names->grad);
  fwd_call_args(&b, fg);
  sb_puts(&b, ";\n");
  if (heap)
    sb_printf(&b, "  const %s adc_r = adc_v[%d];\n  free(adc_v);\n  return adc_r;\n}\n\n", T, sh->slot);
  else
    sb_printf(&b, "  return adc_v[%d];\n}\n\n", sh->slot);
  sb_puts(out, b.s);
  sb_drain(out, 0);
  sb_free(&b);
}

void cg_body(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa, const BodyHead *h) {
  if (kind == FN_VJP && !ssa && cg_vjp_by_grad(fg, o->split)) {
    emit_vjp_by_grad(fg, o, out, h);
    return;
  }
  if (kind == FN_FWD && !ssa && h->share && h->share->parts) {
    emit_fwd_by_grad(fg, o, out, h);
    return;
  }
  Em e;
  em_init(&e, out, fg, kind, o, ssa);
  e.bh = h;
  plan_parts(&e);
  plan_direct(&e);
  plan_speed(&e.pl, e.g, e.lspans, e.spans, e.nparts == 1);
  if (e.pl.unread) { /* fused loops read some storage no more */
    e.ntapes = 0;
    for (int i = 0; i < e.g->nodes.n; i++)
      e.ntapes += is_tape(&e, i);
  }
  e.dry = 1;
  emit_pass(&e);
  resolve_usage(&e);
  drop_unread_inlined(&e);
  finish_plan(&e);
  plan_share(&e);
  e.dry = 0;
  if (e.nparts == 1) {
    sb_puts(out, h->comment);
    sb_puts(out, h->head);
    sb_puts(out, ssa ? ":\n" : " {\n");
    const char **unused = xcalloc((size_t)(e.g->nparams * 2 + fg->fwd.outs.n + fg->sig->nsizes + 2),
                                  sizeof *unused);
    int nunused = collect_unused(&e, unused);
    if (!ssa)
      emit_unused(&e, unused, nunused);
    free(unused);
    emit_zeroing(&e);
    emit_tapes(&e);
  }
  emit_pass(&e);
  sb_puts(out, ssa ? "\n" : "}\n\n");
  em_free(&e);
}
