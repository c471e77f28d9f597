/* frame.c - what surrounds the walk of a body (emit.h): the gradient
 * arrays zeroed (or stored into directly), the storage a reverse sweep
 * reads back, the (void) casts of unread parameters, and at the end the
 * results and gradients written out. */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* ---- the gradient's arrays stored into where they can be ---- */

enum { DIRECT_MAX = 4096 }; /* elements of an array zeroed one line each, at most */

/* Which array parameters qualify (len[p] >= 0): every addition into their
 * elements at the top level at a constant place, their size a literal.
 * 0 when f_jac must keep its loop (one parameter does not qualify). */
/* The array parameter whose gradient an ACCUM adds into, or -1 (not an
 * ACCUM, or one into a local array's adjoint or f_hvp's gradient tangent). */
static int accum_param(const Graph *g, const Node *nd) {
  return nd->op == OP_ACCUM && g->nodes.v[nd->a[0]].op == OP_ARRAY && g->nodes.v[nd->a[0]].aux < g->nparams
             ? g->nodes.v[nd->a[0]].aux : -1;
}

static int direct_arrays(Em *e, int *len) {
  const Graph *g = e->g;
  int np = g->nparams, any = 0;
  int *seen = xcalloc((size_t)(np ? np : 1), sizeof *seen);
  for (int p = 0; p < np; p++)
    len[p] = has_gradient(e, p) && is_array(e, p) ? cg_const_length(e->fg, p, DIRECT_MAX) : -1;
  for (int n = 0; n < g->nodes.n; n++) {
    const Node *nd = &g->nodes.v[n];
    int p = accum_param(g, nd);
    if (p < 0)
      continue;
    if (nd->blk != 0 || !ref_is_const(nd->a[1]))
      len[p] = -1;
    seen[p] = 1;
  }
  for (int p = 0; p < np; p++) {
    if (!has_gradient(e, p) || !is_array(e, p))
      continue;
    if (len[p] < 0 || !seen[p]) {
      if (e->several) { /* the matrix's loop stays */
        free(seen);
        return 0;
      }
      len[p] = -1;
    }
    any |= len[p] >= 0;
  }
  free(seen);
  return any;
}

/* f_grad and f_jac add each partial into its element of an array zeroed by
 * a loop first. Where every addition into an array parameter's elements is
 * in straight-line code (the function's top level) at a constant place, and
 * the array has a constant size, the first addition into each element is a
 * store (`=`, later ones add) and only the elements nothing stores into are
 * zeroed, one line each: no loop, and no load of what the loop stored (BA's
 * 2 x 15 Jacobian: 95 -> 75 ns). For f_jac all array parameters must qualify
 * (one loop zeroed the whole matrix). */
void plan_direct(Em *e) {
  const Graph *g = e->g;
  int np = g->nparams;
  if (e->kind != FN_GRAD || e->ssa || e->nparts > 1)
    return;
  int *len = xmalloc(sizeof *len * (size_t)(np ? np : 1));
  if (!direct_arrays(e, len)) {
    free(len);
    return;
  }
  int rows = e->several ? e->fg->fwd.outs.n : 1;
  e->stores = xcalloc((size_t)g->nodes.n, 1);
  unsigned char **written = xcalloc((size_t)np, sizeof *written);
  for (int p = 0; p < np; p++)
    if (len[p] >= 0)
      written[p] = xcalloc((size_t)(rows * len[p] + 1), 1);
  for (int n = 0; n < g->nodes.n; n++) { /* in the order they are printed */
    const Node *nd = &g->nodes.v[n];
    int p = accum_param(g, nd);
    if (p < 0 || !written[p])
      continue;
    int k = (int)graph_const(g, nd->a[1]);
    int at = (e->several ? nd->aux : 0) * len[p] + k;
    if (k >= 0 && k < len[p] && !written[p][at])
      e->stores[n] = written[p][at] = 1;
  }
  e->written = written;
  e->direct_len = len;
}

/* The elements of direct array p nothing stores into, zeroed one line each. */
static void zero_unwritten(Em *e, StrBuf *b, int p) {
  int rows = e->several ? e->fg->fwd.outs.n : 1;
  for (int at = 0; at < rows * e->direct_len[p]; at++) {
    if (e->written[p][at])
      continue;
    b->len = 0;
    if (e->several)
      sb_printf(b, "%s[%d * (%s) + %s + %d] = 0.0%s;\n", e->nm->jacp, at / e->direct_len[p], e->ncols,
                e->col_off[p], at % e->direct_len[p], e->ls);
    else
      sb_printf(b, "%s[%d] = 0.0%s;\n", e->nm->bars[p], at, e->ls);
    indent(e);
    put_n(e, b->s, b->len);
  }
}

/* f_grad stores and f_jac writes every entry: arrays, added into, start at 0
 * (those stored into directly: only the elements nothing stores into);
 * f_hvp's gradients and their tangents too. */
void emit_zeroing(Em *e) {
  StrBuf b = {0};
  int np = e->g->nparams, any = 0;
  for (int p = 0; p < np; p++)
    any |= has_gradient(e, p) && is_array(e, p);
  if ((e->kind != FN_GRAD && e->kind != FN_HVP) || !any || e->ssa)
    return;
  if (e->several && !e->written) {
    sb_printf(&b, "for (int adc_k = 0; adc_k < %d * (%s); adc_k++) %s[adc_k] = 0.0%s;\n",
              e->fg->fwd.outs.n, e->ncols, e->nm->jacp, e->ls);
    indent(e);
    put_n(e, b.s, b.len);
    sb_free(&b);
    return;
  }
  for (int p = 0; p < np; p++) {
    if (!has_gradient(e, p) || !is_array(e, p))
      continue;
    if (e->written && e->written[p]) {
      zero_unwritten(e, &b, p);
      continue;
    }
    for (int k = 0; k < (e->kind == FN_HVP ? 1 + cg_dirs(e->fg) : 1); k++) {
      b.len = 0;
      sb_puts(&b, "for (int adc_k = 0; adc_k < ");
      cg_length_text(&b, e->fg, p);
      sb_printf(&b, "; adc_k++) %s[adc_k] = 0.0%s;\n", k ? e->nm->bardots[(k - 1) * np + p] : e->nm->bars[p], e->ls);
      indent(e);
      put_n(e, b.s, b.len);
    }
  }
  sb_free(&b);
}

/* ---- storage for the reverse sweep ---- */

/* "(size_t)(hi > lo ? hi - lo : 0)": the places of loop l's index (its
 * span: graph_span), as C text. */
static void iterations_text(Em *e, StrBuf *b, int l, int first) {
  const Graph *g = e->g;
  Ref lo = g->loops.v[l].lo;
  sb_puts(b, first ? "(size_t)(" : " * (size_t)(");
  span_text(e, b, l, 1, 2);
  sb_puts(b, " > ");
  int_text(e, b, lo, 2);
  sb_puts(b, " ? ");
  if (ref_is_const(lo) && graph_const(g, lo) == 0) {
    span_text(e, b, l, 1, 0);
  } else {
    span_text(e, b, l, 1, 1);
    sb_puts(b, " - ");
    int_text(e, b, lo, 2);
  }
  sb_puts(b, " : 0)");
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
    if (l < 0 || !graph_reads_index(g, g->nodes.v[n].a[1], l))
      continue; /* a value one iteration of l does not change has one place */
    if (e->pl.reused && e->pl.reused[n] >= 0 && plan_counter_dropped(&e->pl, g, e->pl.reused[n], l))
      continue; /* each iteration of l uses the places again */
    Ref lo = g->loops.v[l].lo, hi;
    long add;
    graph_span(g, l, &hi, &add);
    if (lo == hi && add <= 0) { /* an empty range */
      if (b)
        sb_puts(b, first ? "(size_t)0" : " * (size_t)0");
      first = 0;
      size = 0;
      continue;
    }
    if (size >= 0 && ref_is_const(lo) && ref_is_const(hi)) {
      long long t = (long long)graph_const(g, hi) + add - (long long)graph_const(g, lo);
      size *= t > 0 ? t : 0;
    } else if (size != 0) {
      size = -1;
    }
    if (b)
      iterations_text(e, b, l, first);
    first = 0;
  }
  if (b && first) /* no loop changes it: one place */
    sb_puts(b, "(size_t)1");
  return size;
}

/* Is the storage small and of constant size: then it lives on the stack. */
int tape_on_stack(Em *e) {
  long long total = 0;
  for (int i = 0; i < e->g->nodes.n; i++)
    if (is_tape(e, i)) {
      long long n = storage_size(e, NULL, i);
      if (n < 0)
        return 0;
      total += n;
    }
  return total <= STACK_SLOTS;
}

/* The pointers adc_tK into adc_tape, one per storage. */
static void tape_pointers(Em *e, StrBuf *b, int stack) {
  int prev = -1;
  long long off = 0;
  for (int i = 0; i < e->g->nodes.n; i++)
    if (is_tape(e, i)) {
      b->len = 0;
      if (prev < 0)
        sb_printf(b, "%s *const adc_t%d = adc_tape;\n", e->T, i);
      else if (stack)
        sb_printf(b, "%s *const adc_t%d = adc_tape + %lld;\n", e->T, i, off);
      else
        sb_printf(b, "%s *const adc_t%d = adc_t%d + adc_n%d;\n", e->T, i, prev, prev);
      if (stack)
        off += storage_size(e, NULL, i);
      indent(e);
      put_n(e, b->s, b->len);
      prev = i;
    }
}

/* Is some storage written in a branch only? Then the reverse sweep reads
 * it in the same branch, which C compilers cannot always see: storage on
 * the stack starts zeroed, or gcc -O1 warns that it may be read unset. */
static int tape_in_branch(const Em *e) {
  const Graph *g = e->g;
  for (int i = 0; i < g->nodes.n; i++)
    if (is_tape(e, i))
      for (int k = g->nodes.v[i].blk; k > 0; k = g->blocks.v[k].parent)
        if (g->blocks.v[k].group >= 0)
          return 1;
  return 0;
}

/* Storage for the values the reverse sweep reads back (one region per
 * SAVE node, adc_tK, indexed by iteration): on the stack when small and of
 * constant size, else one malloc freed before returning. An allocation
 * failure sets errno to ENOMEM and returns NaN (or nothing). */
void emit_tapes(Em *e) {
  const Graph *g = e->g;
  if (!e->ntapes || e->ssa)
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
    sb_printf(&b, "%s adc_tape[%lld]%s;\n", e->T, total ? total : 1, tape_in_branch(e) ? " = {0}" : "");
  } else {
    sb_printf(&b, "%s *const adc_tape = (%s *)malloc(sizeof(%s) * (1", e->T, e->T, e->T);
    for (int i = 0; i < g->nodes.n; i++)
      if (is_tape(e, i))
        sb_printf(&b, " + adc_n%d", i);
    sb_printf(&b, "));\n");
    indent(e);
    put_n(e, b.s, b.len);
    b.len = 0;
    sb_printf(&b, "if (adc_tape == NULL) {\n    errno = ENOMEM;\n    return%s;\n  }\n", fail_value(e));
  }
  indent(e);
  put_n(e, b.s, b.len);
  tape_pointers(e, &b, stack);
  sb_free(&b);
}

/* ---- local arrays ---- */

/* " NAN" where the function returns a value, for its early returns. */
const char *fail_value(const Em *e) { return e->kind != FN_VJP && !e->several ? " NAN" : ""; }

/* What buffer K's arrays need here: bit 1 its values (adc_aK), bit 2 its
 * adjoint (adc_bK): per ABUF node. */
static char *buffer_uses(const Em *e) {
  const Graph *g = e->g;
  char *use = xcalloc((size_t)g->nodes.n + 1, 1);
  for (int i = 0; i < g->nodes.n; i++) {
    const Node *nd = &g->nodes.v[i];
    int b = e->buf_of[i];
    if (nd->op != OP_ABUF && b >= 0 && g->nodes.v[b].op == OP_ABUF)
      use[b] |= 1;
    if (nd->op == OP_ABAR || nd->op == OP_AZERO || nd->op == OP_ACLEAR || nd->op == OP_ASWAP ||
        (nd->op == OP_ACCUM && g->nodes.v[nd->a[0]].op == OP_ABUF))
      use[nd->a[0]] |= 2;
    if (nd->op == OP_ASWAP)
      use[nd->a[1]] |= 2;
  }
  return use;
}

/* The total length of the buffers of kind `want` (1 values, 2 adjoints) as
 * C text into b, per row for adjoints; its value when constant, else -1. */
static long long buffers_length(Em *e, const char *use, int want, StrBuf *b) {
  const Graph *g = e->g;
  int rows = want == 2 && e->several && e->kind == FN_GRAD ? e->fg->fwd.outs.n : 1;
  long long total = 0;
  sb_puts(b, "1");
  for (int i = 0; i < g->nodes.n; i++)
    if (use[i] & want) {
      Ref len = g->nodes.v[i].a[0];
      total = total < 0 || !ref_is_const(len) ? -1 : total + rows * (long long)graph_const(g, len);
      sb_printf(b, rows > 1 ? " + %d * (size_t)(" : " + (size_t)(", rows);
      int_text(e, b, len, 0);
      sb_putc(b, ')');
    }
  return total;
}

/* The pointers into a block: "double *adc_a0 = adc_arr; double *adc_a1 =
 * adc_a0 + (n);" (decl), or set again to those places: "adc_a0 = adc_arr; ...". */
static void buffer_pointers(Em *e, const char *use, int want, const char *block, int decl) {
  const Graph *g = e->g;
  int rows = want == 2 && e->several && e->kind == FN_GRAD ? e->fg->fwd.outs.n : 1;
  StrBuf b = {0}, prev = {0};
  int before = -1; /* the buffer before, whose length this one starts after */
  for (int i = 0; i < g->nodes.n; i++)
    for (int r = 0; r < rows && (use[i] & want); r++) {
      b.len = 0;
      if (decl)
        sb_printf(&b, "%s *", e->T);
      buffer_text(e, &b, i, want == 2, r);
      if (before < 0) {
        sb_printf(&b, " = %s;\n", block);
      } else {
        sb_printf(&b, " = %s + (", prev.s);
        int_text(e, &b, g->nodes.v[before].a[0], 0);
        sb_puts(&b, ");\n");
      }
      indent(e);
      put_n(e, b.s, b.len);
      prev.len = 0;
      buffer_text(e, &prev, i, want == 2, r);
      before = i;
    }
  sb_free(&b);
  sb_free(&prev);
}

/* Local arrays' buffers (adc_aK) and, where the reverse sweep reads them,
 * their adjoints (adc_bK), zeroed: on the stack when small and of constant
 * size, else calloc'd, freed before every return. An allocation failure
 * sets errno to ENOMEM and returns NaN (or nothing). */
void emit_buffers(Em *e) {
  if (!e->nbufs || e->ssa)
    return;
  char *use = buffer_uses(e);
  StrBuf len[2] = {{0}, {0}}, b = {0};
  static const char *const block[2] = {"adc_arr", "adc_adj"};
  long long n[2];
  for (int k = 0; k < 2; k++)
    n[k] = buffers_length(e, use, k + 1, &len[k]);
  e->heap_arrays = n[0] < 0 || n[1] < 0 || n[0] + n[1] > STACK_SLOTS;
  for (int k = 0; k < 2; k++) {
    if (n[k] == 0)
      continue;
    b.len = 0;
    /* zeroed, the values too: a C compiler cannot tell that an element is
     * written before it is read (gcc -O2 warns when a loop may run 0 times) */
    if (!e->heap_arrays)
      sb_printf(&b, "%s %s[%lld] = {0};\n", e->T, block[k], n[k]);
    else
      sb_printf(&b, "%s *const %s = (%s *)calloc(%s, sizeof(%s));\n", e->T, block[k], e->T, len[k].s, e->T);
    indent(e);
    put_n(e, b.s, b.len);
  }
  if (e->heap_arrays) {
    b.len = 0;
    sb_puts(&b, "if (");
    sb_puts(&b, n[0] ? "adc_arr == NULL" : "");
    sb_puts(&b, n[0] && n[1] ? " || " : "");
    sb_puts(&b, n[1] ? "adc_adj == NULL" : "");
    sb_puts(&b, ") {\n");
    int tape = e->heap_tape, blocks = e->arr_blocks;
    e->arr_blocks = n[0] && n[1] ? 3 : 0; /* the other may have been allocated; free(NULL) does nothing */
    StrBuf f = {0};
    free_heap(e, &f);
    if (f.s)
      sb_printf(&b, "   %s\n", f.s);
    sb_printf(&b, "    errno = ENOMEM;\n    return%s;\n  }\n", fail_value(e));
    sb_free(&f);
    e->heap_tape = tape;
    e->arr_blocks = blocks;
    indent(e);
    put_n(e, b.s, b.len);
  }
  for (int k = 0; k < 2; k++)
    if (n[k])
      buffer_pointers(e, use, k + 1, block[k], 1);
  e->arr_blocks = (n[0] != 0) | (n[1] != 0) << 1;
  sb_free(&b);
  sb_free(&len[0]);
  sb_free(&len[1]);
  free(use);
}

/* " free(adc_tape); free(adc_arr);": what is on the heap, before a return. */
void free_heap(const Em *e, StrBuf *b) {
  if (e->heap_tape)
    sb_puts(b, " free(adc_tape);");
  if (e->heap_arrays && (e->arr_blocks & 1))
    sb_puts(b, " free(adc_arr);");
  if (e->heap_arrays && (e->arr_blocks & 2))
    sb_puts(b, " free(adc_adj);");
  if (e->rows == 2)
    sb_puts(b, " free(adc_e);");
}

/* ---- the end: results, gradients, freeing ---- */

/* The gradients of scalar parameters (f_jac: their columns of each row). */
static void scalar_gradients(Em *e, StrBuf *b) {
  const Graph *g = e->g;
  int np = g->nparams, nv = e->fg->fwd.outs.n;
  int values = e->kind == FN_VJP && !e->rows ? 0 : nv;
  /* f_hvp: the gradient, then its tangent (outs: value, gradient, the
   * gradient's tangent; f_hess's helper: its tangent in each direction) */
  int rows = e->kind == FN_GRAD && e->several ? nv : e->kind == FN_HVP ? 1 + cg_dirs(e->fg)
             : e->kind == FN_FWD || e->kind == FN_JVP ? 0 : 1;
  for (int row = 0; row < rows; row++)
    for (int i = 0; i < np; i++) {
      Ref r = g->outs.v[values + row * np + i];
      if (!has_gradient(e, i) || is_array(e, i))
        continue;
      if (e->kind == FN_VJP && ref_is_const(r) && graph_const(g, r) == 0)
        continue;
      if (e->several && e->kind == FN_GRAD)
        sb_printf(b, "%s[%d * (%s) + %s] = ", e->nm->jacp, row, e->ncols, e->col_off[i]);
      else
        sb_printf(b, e->ssa ? "%s %s " : "*%s %s ", row && e->kind == FN_HVP ? e->nm->bardots[(row - 1) * np + i] : e->nm->bars[i],
                  e->kind == FN_VJP ? "+=" : "=");
      ref_use(e, b, r);
      line_end(e, b, (Loc){0, 0});
    }
}

/* Results written through pointers (an array result's buffer copied out):
 * several results, and f_jvp's tangents (outs[nv + o], after the values). */
static void results_out(Em *e, StrBuf *b, int tangents) {
  const Graph *g = e->g;
  int nv = e->fg->fwd.outs.n;
  for (int o = 0; o < nv; o++) {
    Ref r = g->outs.v[tangents ? nv + o : o];
    const char *name = tangents ? e->nm->outdots[o] : e->nm->outs[o];
    if (!ref_is_const(r) && e->ns[r].kind == K_ARR && !e->ssa) {
      sb_puts(b, "for (long adc_k = 0; adc_k < ");
      int_text(e, b, g->nodes.v[e->buf_of[r]].a[0], 0);
      sb_printf(b, "; adc_k++) %s[adc_k] = ", name);
      ref_use(e, b, r);
      sb_puts(b, "[adc_k]");
    } else {
      sb_printf(b, e->ssa ? "%s = " : "*%s = ", name);
      ref_use(e, b, r);
    }
    line_end(e, b, (Loc){0, 0});
  }
}

/* ---- f_jac of array results: the reverse sweep once per row ---- */

/* "(a) + (b)": the lengths of results [0, end); "0" for none. */
static void result_offset(const Em *e, StrBuf *b, int end) {
  for (int o = 0; o < end; o++) {
    sb_puts(b, o ? " + (" : "(");
    cg_result_length_text(b, e->fg, o);
    sb_putc(b, ')');
  }
  if (!end)
    sb_putc(b, '0');
}

/* The length of the block of buffers of kind want (buffers_length) as C
 * text: a number when constant; 0 when there are none. */
static int block_length(Em *e, const char *use, int want, StrBuf *b) {
  long long n = buffers_length(e, use, want, b);
  if (n >= 0) {
    b->len = 0;
    sb_printf(b, "%lld", n);
  }
  return n != 0;
}

/* b as a line at the current depth (the first walk prints nothing); emptied. */
static void put_text_line(Em *e, StrBuf *b) {
  indent(e);
  put_n(e, b->s, b->len);
  b->len = 0;
}

/* The row's cotangents (its unit vector adc_e), its columns (gradients,
 * added into) and the casts of those the reverse sweep does not read. */
static void row_arguments(Em *e) {
  StrBuf b = {0};
  int np = e->g->nparams, nv = e->fg->fwd.outs.n, bars = 0;
  sb_printf(&b, "adc_e[adc_i] = 1.0%s;\n", e->ls);
  put_text_line(e, &b);
  for (int p = 0; p < np; p++)
    bars += has_gradient(e, p);
  if (bars) {
    sb_printf(&b, "%s *const adc_row = %s + adc_i * adc_cols;\n", e->T, e->nm->jacp);
    put_text_line(e, &b);
  }
  for (int o = 0; o < nv; o++) {
    int arr = e->fg->sig->results[o].ndims > 0;
    sb_printf(&b, arr ? "const %s *const %s = adc_e + " : "const %s %s = adc_e[", e->T, e->nm->outbars[o]);
    result_offset(e, &b, o);
    sb_puts(&b, arr ? ";\n" : "];\n");
    put_text_line(e, &b);
  }
  for (int p = 0; p < np; p++)
    if (has_gradient(e, p)) {
      sb_printf(&b, "%s *const %s = adc_row + %s;\n", e->T, e->nm->bars[p], e->col_off[p]);
      put_text_line(e, &b);
    }
  const char **unused = xcalloc((size_t)cg_max_args(e->fg) + 1, sizeof *unused);
  emit_unused(e, unused, collect_unused(e, unused, 1));
  free(unused);
  sb_free(&b);
}

/* After the forward sweep: the results written; the Jacobian zeroed; the
 * unit cotangent adc_e; then the loop over rows, each starting from the
 * state the forward sweep left (the reverse sweep writes no local array's
 * values: walk.c), its adjoints zero, its cotangent and columns its own. */
static void open_rows(Em *e) {
  StrBuf b = {0}, alen = {0}, f = {0};
  results_out(e, e->line, 0);
  char *use = buffer_uses(e);
  int adjoints = (e->arr_blocks & 2) && block_length(e, use, 2, &alen);
  sb_puts(&b, "const size_t adc_rows = ");
  result_offset(e, &b, e->fg->fwd.outs.n);
  sb_printf(&b, ", adc_cols = %s;\n", e->ncols);
  put_text_line(e, &b);
  sb_printf(&b, "for (size_t adc_k = 0; adc_k < adc_rows * adc_cols; adc_k++) %s[adc_k] = 0.0%s;\n",
            e->nm->jacp, e->ls);
  put_text_line(e, &b);
  sb_printf(&b, "%s *const adc_e = (%s *)calloc(adc_rows + 1, sizeof(%s));\n", e->T, e->T, e->T);
  put_text_line(e, &b);
  free_heap(e, &f);
  sb_puts(&b, "if (adc_e == NULL) {\n");
  if (f.s)
    sb_printf(&b, "   %s\n", f.s);
  sb_puts(&b, "    errno = ENOMEM;\n    return;\n  }\n");
  put_text_line(e, &b);
  e->rows = 2;
  sb_puts(&b, "for (size_t adc_i = 0; adc_i < adc_rows; adc_i++) {\n");
  put_text_line(e, &b);
  e->depth++;
  row_arguments(e);
  if (adjoints) {
    sb_printf(&b, "for (size_t adc_k = 0; adc_k < %s; adc_k++) adc_adj[adc_k] = 0.0%s;\n", alen.s, e->ls);
    put_text_line(e, &b);
    buffer_pointers(e, use, 2, "adc_adj", 0);
  }
  free(use);
  sb_free(&b);
  sb_free(&f);
  sb_free(&alen);
}

/* Where the reverse sweep starts: f_jac of array results opens its loop
 * over rows. */
void begin_reverse(Em *e) {
  if (e->rows == 1 && !e->ssa)
    open_rows(e);
}

void emit_outputs(Em *e) {
  const Graph *g = e->g;
  StrBuf *b = e->line;
  if (e->several && e->kind != FN_VJP)
    results_out(e, b, 0);
  if (e->kind == FN_JVP)
    results_out(e, b, 1);
  if (e->zero_late == 1) { /* a reverse sweep that never started */
    emit_zeroing(e);
    e->zero_late = 2;
  }
  begin_reverse(e); /* (if it never started) */
  scalar_gradients(e, b);
  if (e->rows == 2) { /* the end of the row: its cotangent back to 0 */
    StrBuf r = {0};
    sb_printf(&r, "adc_e[adc_i] = 0.0%s;\n", e->ls);
    put_text_line(e, &r);
    e->depth--;
    sb_puts(&r, "}\n");
    put_text_line(e, &r);
    sb_free(&r);
  }
  e->marker = NULL; /* a reverse sweep with no line of its own (fused into loops) */
  if (e->heap_tape || e->heap_arrays || e->rows == 2) {
    StrBuf f = {0};
    free_heap(e, &f);
    indent(e);
    put(e, f.s + 1);
    put(e, "\n");
    sb_free(&f);
  }
  if (e->rows) /* for the next walk */
    e->rows = 1;
  if (e->nparts > 1 && e->use.nslots > STACK_SLOTS) {
    if (e->kind != FN_VJP && !e->several)
      read_pending(e, g->outs.v[0]); /* the value returned, before adc_v goes */
    indent(e);
    put(e, "free(adc_v);\n");
  }
  if (e->kind != FN_VJP && !e->several) {
    sb_puts(b, "return ");
    ref_use(e, b, g->outs.v[0]);
    line_end(e, b, (Loc){0, 0});
  }
}

/* Which parameters (values, seeds, gradient pointers, sizes) the body never
 * reads; known after the first walk. Casting a used one would be harmless.
 * f_jac of array results: the seeds and gradient pointers are the row's
 * locals (locals: those alone, else the others). */
int collect_unused(const Em *e, const char **out, int locals) {
  const Graph *g = e->g;
  int n = 0, np = g->nparams, nv = e->fg->fwd.outs.n, ns = e->fg->sig->nsizes;
  char *used = xcalloc((size_t)((2 + 2 * IR_MAX_DIRS) * np + nv + 2), 1), *sused = xcalloc((size_t)ns + 1, 1);
  char *accum = xcalloc((size_t)np + 1, 1);
  for (int i = 0; i < g->nodes.n; i++) {
    const Node *nd = &g->nodes.v[i];
    if ((nd->op == OP_INPUT || nd->op == OP_IPARAM || nd->op == OP_ARRAY) && e->ns[i].refs)
      used[nd->aux] = 1;
    if (nd->op == OP_SIZE && e->ns[i].refs)
      sused[nd->aux] = 1;
    int p = accum_param(g, nd);
    if (p >= 0)
      accum[p] = 1;
  }
  for (int i = 0; i < ns && !locals; i++)
    if (!sused[i])
      out[n++] = e->nm->sizes[i];
  for (int i = 0; i < np && !locals; i++)
    if (!used[i])
      out[n++] = e->nm->params[i];
  if (e->kind == FN_VJP && locals == (e->rows != 0)) {
    const Ref *grads = g->outs.v + (e->rows ? nv : 0); /* f_jac of array results: the values first */
    for (int o = 0; o < nv; o++)
      if (!used[np + o])
        out[n++] = e->several ? e->nm->outbars[o] : e->nm->seed;
    for (int i = 0; i < np; i++)
      if (has_gradient(e, i) && (is_array(e, i) ? !accum[i] : ref_is_const(grads[i]) && graph_const(g, grads[i]) == 0))
        out[n++] = e->nm->bars[i];
  }
  if (e->kind == FN_GRAD && e->several && strcmp(e->ncols, "0") == 0)
    out[n++] = e->nm->jacp;
  int tangents = (e->kind == FN_JVP || e->kind == FN_HVP) && !locals;
  for (int w = 0; w < (tangents ? cg_dirs(e->fg) : 0); w++) /* (tangent.c's numbers of direction w's) */
    for (int i = 0; i < np; i++)
      if (has_gradient(e, i) && !used[np * (1 + 2 * w) + i])
        out[n++] = e->nm->dots[w * np + i];
  free(used);
  free(sused);
  free(accum);
  return n;
}

/* The start of a function printed whole: its comment and head, the casts
 * of what it does not read, the gradient arrays zeroed, the storage. */
void emit_head(Em *e) {
  put(e, e->bh->comment);
  put(e, e->bh->head);
  put(e, e->ssa ? ":\n" : " {\n");
  const char **unused = xcalloc((size_t)cg_max_args(e->fg) + 1, sizeof *unused);
  int nunused = collect_unused(e, unused, 0);
  if (!e->ssa)
    emit_unused(e, unused, nunused);
  free(unused);
  if (!e->zero_late)
    emit_zeroing(e);
  emit_tapes(e);
  emit_buffers(e);
}
