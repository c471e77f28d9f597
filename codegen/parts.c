/* parts.c - a function too long for C compilers to optimise quickly, as
 * parts (emit.h, codegen.h's policy): cut at top-level items, each part a
 * static function taking the function's arguments and adc_v, through which
 * values cross to later parts; the last part is the function itself. */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

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

/* Is f_grad asked to share its forward sweep with f (emit_c.c asks when
 * f_vjp is built from f_grad)? */
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

/* Cuts at top-level items once a part holds PART_NODES nodes. */
void plan_parts(Em *e) {
  const Graph *g = e->g;
  int n = g->nodes.n;
  e->nparts = 1;
  if (!cg_splits(g, e->opts->split, e->ssa))
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
  e->use.loadat = xmalloc(sizeof *e->use.loadat * (size_t)n);
  for (int i = 0; i < n; i++)
    e->ns[i].remake = (uint8_t)remakable(g, i);
  e->nuse = e->fg->sig->nsizes + (2 + 2 * cg_dirs(e->fg)) * g->nparams + e->fg->fwd.outs.n + 1;
  e->use.pused = xcalloc((size_t)e->nparts * (size_t)e->nuse, 1);
}

/* Each part's reads, grouped by part (a counting sort of the entries). */
static void sort_loads(Uses *u, int nparts) {
  u->loadfirst = xcalloc((size_t)nparts + 1, sizeof *u->loadfirst);
  u->sorted = xmalloc(sizeof *u->sorted * (size_t)(u->loadnode.n + 1));
  u->sortnear = xmalloc(sizeof *u->sortnear * (size_t)(u->loadnode.n + 1));
  for (int k = 0; k < u->loadpart.n; k++)
    u->loadfirst[u->loadpart.v[k] + 1]++;
  for (int q = 0; q < nparts; q++)
    u->loadfirst[q + 1] += u->loadfirst[q];
  int *fill = xmalloc(sizeof *fill * (size_t)nparts);
  memcpy(fill, u->loadfirst, sizeof *fill * (size_t)nparts);
  for (int k = 0; k < u->loadpart.n; k++) {
    u->sortnear[fill[u->loadpart.v[k]]] = u->loadnear.v[k];
    u->sorted[fill[u->loadpart.v[k]]++] = u->loadnode.v[k];
  }
  free(fill);
}

/* After the first walk: copy lines printed in a later part than their value
 * read it from adc_v; parameters are read where their INPUT line is; each
 * part's reads are grouped. */
void finish_parts(Em *e) {
  const Graph *g = e->g;
  if (e->nparts <= 1)
    return;
  for (int i = 0; i < g->labels.n; i++) {
    const Label *l = &g->labels.v[i];
    if (e->use.label_used[i] && e->use.label_dep[i] < 0 && !ref_is_const(l->val) &&
        op_info[g->nodes.v[l->val].op].kind != K_INT && op_info[g->nodes.v[l->val].op].kind != K_ARR)
      note_crossing(e, l->val, e->ns[l->pos].partof, l->blk == 0);
  }
  for (int i = 0; i < g->nodes.n; i++)
    if (g->nodes.v[i].op == OP_INPUT && e->ns[i].refs && !remade(e, i)) {
      int a = g->nodes.v[i].aux;
      int k;
      ArgRole role = input_role(e, a, &k);
      mark_use_in(e, e->ns[i].partof, role, k);
    }
  sort_loads(&e->use, e->nparts);
  for (int i = 0; i < g->nodes.n; i++) /* now: read in this part already */
    e->ns[i].lastload = -1;
}

/* After finish_parts: f_grad's parts up to f's value run f's forward sweep
 * for f too, when they read no gradient pointer and the value is passed on
 * in adc_v (FwdShare). */
void plan_share(Em *e) {
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
      if (e->use.pused[(size_t)p * (size_t)e->nuse + (size_t)use_slot(e, ARG_BAR, i)])
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

void fwd_call_args(StrBuf *b, const FnGraphs *fg) {
  SigArg *args = xmalloc(sizeof *args * (size_t)cg_max_args(fg));
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

void adc_v_text(StrBuf *b, const char *T, int nslots, int returns_value) {
  if (nslots <= STACK_SLOTS)
    sb_printf(b, "%s adc_v[%d];\n", T, nslots ? nslots : 1);
  else
    sb_printf(b, "%s *const adc_v = (%s *)malloc(sizeof(%s) * %d);\n"
                 "  if (adc_v == NULL) {\n    errno = ENOMEM;\n    return%s;\n  }\n",
              T, T, T, nslots, returns_value ? " NAN" : "");
}

/* Part q's reads of values from earlier parts: those read in nested
 * blocks at its start, the others when first used. */
static void part_loads(Em *e, int q) {
  const Uses *u = &e->use;
  for (int k = u->loadfirst[q]; k < u->loadfirst[q + 1]; k++) {
    int n = u->sorted[k];
    if (e->ns[n].lastload == q) /* a copy line's value noted twice */
      continue;
    if (u->sortnear[k])
      e->ns[n].pending = q;
    else
      read_line(e, n);
  }
}

/* The head of a part before the last: a static function; the arguments it
 * does not read (or adc_v) cast to void. */
static void part_head(Em *e, int q, const SigArg *args, int nargs, FnKind kind) {
  StrBuf b = {0};
  sb_printf(&b, "/* %s, part %d of %d: long functions are split so that C compilers\n"
                " * stay fast; values read by later parts are passed on in adc_v. */\n"
                "static ADC_NOINLINE void %s_part%d(", e->bh->symbol, q + 1, e->nparts, e->bh->symbol, q + 1);
  cg_sig_params(&b, e->fg, kind, e->opts->real);
  sb_printf(&b, "%s%s *adc_v) {\n", nargs ? ", " : "", e->T);
  put_n(e, b.s, b.len);
  int io = 0; /* adc_v is read or written (remade values are not passed) */
  for (int k = e->use.loadfirst[q]; k < e->use.loadfirst[q + 1] && !io; k++)
    io = !remade(e, e->use.sorted[k]);
  for (int i = e->cut[q]; i < e->cut[q + 1] && !io; i++)
    io = e->ns[i].slot >= 0;
  for (int k = 0; k < nargs; k++)
    if (!arg_used(e, q, args[k].role, args[k].index))
      emit_unused(e, &args[k].name, 1);
  if (!io) {
    const char *v = "adc_v";
    emit_unused(e, &v, 1);
  }
  sb_free(&b);
}

/* The head of the last part, the function itself: it zeroes the gradient,
 * makes adc_v and calls the parts before it (the forward ones through the
 * function that runs them). */
static void last_head(Em *e, const SigArg *args, int nargs) {
  StrBuf b = {0};
  put(e, e->bh->comment);
  put(e, e->bh->head);
  put(e, " {\n");
  emit_zeroing(e);
  adc_v_text(&b, e->T, e->use.nslots, e->kind != FN_VJP && !e->several);
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
  sb_free(&b);
}

/* Part q begins: copy lines are local to their part. Its head and its
 * reads depend on what the first walk learnt: the second walk prints them. */
void begin_part(Em *e, int q) {
  e->part = q;
  leave_block(e, 0);
  if (!e->known)
    return;
  const char *marker = e->marker; /* the sweep heading belongs inside */
  e->marker = NULL;
  SigArg *args = xmalloc(sizeof *args * (size_t)cg_max_args(e->fg));
  FnKind kind = q < e->fwd_parts ? FN_FWD : e->kind; /* f's forward sweep: f's arguments */
  int nargs = cg_sig_args(e->fg, kind, args);
  if (q + 1 < e->nparts)
    part_head(e, q, args, nargs, kind);
  else
    last_head(e, args, nargs);
  part_loads(e, q);
  free(args);
  e->marker = marker;
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
void store_at_def_(Em *e, int n) {
  if (e->depth != 1 || e->ns[n].slot < 0 || e->ns[n].partof != e->part ||
      e->part + 1 >= e->nparts)
    return;
  StrBuf *b = e->line;
  store_text(b, e->ns[n].slot, e->ns[n].name);
  indent(e);
  put_n(e, b->s, b->len);
  b->len = 0;
  e->ns[n].stored = 1;
}

/* The end of a part that is not the last: it passes its values on. */
void next_part(Em *e) {
  if (e->known) {
    const char *marker = e->marker;
    e->marker = NULL;
    StrBuf *b = e->line;
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
