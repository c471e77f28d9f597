/* emit_dot.c - Graphviz pictures of the forward and adjoint graphs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

static void arg_text(StrBuf *b, const Graph *g, Ref r) {
  if (!ref_is_const(r))
    sb_printf(b, "z%d", r);
  else if (fabs(graph_const(g, r)) < 1e15 && graph_const(g, r) == floor(graph_const(g, r)))
    sb_printf(b, "%lld", (long long)graph_const(g, r)); /* integers as integers */
  else
    sb_double(b, graph_const(g, r));
}

/* The words of the loop and array operations, for people: "x[z3]",
 * "x_bar[z21] += z25", "sum(z13)", ... NULL when the table's spelling will do. */
static const char *special(const Node *nd) {
  switch (nd->op) {
  case OP_LOAD: case OP_ILOAD: return "%A[%1]";
  case OP_ACCUM: return "%B[%1] += %2";
  case OP_REDUCE: return "%R(%0)";
  case OP_RCOUNT: return "ties(%0)";
  case OP_LOOPOUT: return "%0 after the loop";
  case OP_CARRY: return "carried, from %0";
  case OP_NEXT: return "next %0 = %1";
  case OP_SAVE: return "store %0 at %1";
  case OP_RESTORE: return "read back %0 at %1";
  case OP_LSEW: return "weight of term %0 (after the loop)";
  case OP_PHI: return "%0 ? %1 : %2";
  case OP_POWI: return "%0 ^ %1";
  case OP_ABUF: return "a buffer of %0";
  case OP_AFILL: return "%0 filled with %1";
  case OP_ACOPY: return "%0 copied from %1";
  case OP_AMOVE: return "%0 moved from %1";
  case OP_ASET: return "%0 with [%1] = %2";
  case OP_ABAR: return "adjoint of %0 at [%1]";
  case OP_AZERO: return "adjoint of %0 at [%1] = 0";
  case OP_ACLEAR: return "adjoint of %0 = 0";
  case OP_ASWAP: return "swap the adjoints of %0 and %1";
  case OP_CHECK: return "check 0 <= %0 < %1";
  default: return NULL;
  }
}

static void node_label(StrBuf *b, const Graph *g, int n, const FnNames *nm) {
  static const char *const reduction[] = {"", "sum", "min", "max", "logsumexp"};
  const Node *nd = &g->nodes.v[n];
  switch (nd->op) {
  case OP_INPUT: /* a parameter, or f_vjp's cotangent (one per result when named) */
    sb_printf(b, "z%d = %s", n, nd->aux < g->nparams ? nm->params[nd->aux] : g->sig && (g->sig->nouts > 1 || ir_sig_array_results(g->sig)) ? nm->outbars[nd->aux - g->nparams]
                                                                                       : nm->seed);
    return;
  case OP_IPARAM:
    sb_printf(b, "z%d = %s", n, nm->params[nd->aux]);
    return;
  case OP_ARRAY: /* a parameter, or the cotangent of an array result */
    sb_printf(b, "z%d = %s[]", n, nd->aux < g->nparams ? nm->params[nd->aux] : nm->outbars[nd->aux - g->nparams]);
    return;
  case OP_SIZE:
    sb_printf(b, "z%d = %s", n, nm->sizes[nd->aux]);
    return;
  case OP_IDX:
    sb_printf(b, "z%d = i%d", n, nd->aux);
    return;
  default:
    break;
  }
  const char *f = special(nd) ? special(nd) : op_info[nd->op].cfmt;
  if (op_info[nd->op].kind != K_EFF)
    sb_printf(b, "z%d = ", n);
  for (const char *p = f; *p; p++) {
    if (*p == '%' && p[1] == '%') {
      sb_putc(b, '%');
      p++;
    } else if (*p == '%' && p[1] >= '0' && p[1] <= '2') {
      arg_text(b, g, nd->a[p[1] - '0']);
      p++;
    } else if (*p == '%' && (p[1] == 'A' || p[1] == 'B')) { /* the array, or its gradient */
      const Node *arr = &g->nodes.v[nd->a[0]];
      if (arr->op != OP_ARRAY) /* a local array's version, or its buffer's adjoint */
        sb_printf(b, p[1] == 'A' ? "z%d" : "adjoint of z%d", nd->a[0]);
      else
        sb_printf(b, "%s", p[1] == 'A' || !nm->bars[arr->aux] ? nm->params[arr->aux] : nm->bars[arr->aux]);
      p++;
    } else if (*p == '%' && p[1] == 'R') {
      sb_puts(b, reduction[g->loops.v[nd->aux].kind]);
      p++;
    } else if (*p == '"' || *p == '\\') {
      sb_printf(b, "\\%c", *p);
    } else {
      sb_putc(b, *p);
    }
  }
}

static void emit_graph(StrBuf *out, const Graph *g, int nv, const FnNames *nm, const char *id) {
  /* the adjoint sweep starts at the first node without a forward name */
  int nfwd = g->nodes.n;
  for (int n = 0; n < g->nodes.n && nfwd == g->nodes.n; n++)
    if (g->nodes.v[n].name < 0)
      nfwd = n;
  /* labels of each node, as a linked list through the label array */
  int *first = xmalloc((size_t)(g->nodes.n + 1) * sizeof *first);
  int *next = xmalloc((size_t)(g->labels.n + 1) * sizeof *next);
  for (int n = 0; n < g->nodes.n; n++)
    first[n] = -1;
  for (int l = g->labels.n - 1; l >= 0; l--)
    if (!ref_is_const(g->labels.v[l].val)) {
      next[l] = first[g->labels.v[l].val];
      first[g->labels.v[l].val] = l;
    }
  for (int n = 0; n < g->nodes.n; n++) {
    const Node *nd = &g->nodes.v[n];
    int adjoint = n >= nfwd;
    const char *shape = nd->op == OP_INPUT ? "invhouse" : "box";
    const char *color = adjoint ? "#fde2c8" : nd->op == OP_INPUT ? "#d6eaf8" : "#ffffff";
    sb_printf(out, "  %s_%d [shape=%s, style=filled, fillcolor=\"%s\", label=\"", id, n, shape, color);
    node_label(out, g, n, nm);
    for (int l = first[n]; l >= 0; l = next[l])
      sb_printf(out, "\\n= z%d_bar", g->labels.v[l].name);
    sb_puts(out, "\"];\n");
    for (int k = 0; k < 3; k++) {
      Ref a = nd->a[k];
      if (a == REF_NONE || ref_is_const(a))
        continue;
      sb_printf(out, "  %s_%d -> %s_%d%s;\n", id, a, id, n,
                adjoint ? " [color=\"#d35400\", style=dashed]" : "");
    }
  }
  /* the nv results come first, then their gradients (f_jac: per result, or
   * with an array result per row of its loop) */
  for (int i = 0; i < g->outs.n; i++) {
    Ref r = g->outs.v[i];
    if (ref_is_const(r))
      continue;
    int p = i < nv ? -1 : (i - nv) % (g->nparams ? g->nparams : 1);
    const char *what = p < 0 ? "result" : nm->bars[p];
    if (!what)
      continue;
    sb_printf(out, "  %s_out%d [shape=house, style=filled, fillcolor=\"#d5f5e3\", label=\"%s\"];\n",
              id, i, what);
    sb_printf(out, "  %s_%d -> %s_out%d;\n", id, r, id, i);
  }
  free(first);
  free(next);
}

/* The loops as nested clusters: "for i in lo..hi" around their nodes
 * (forward loops in grey, the reverse sweep's in orange). */
static void emit_loops(StrBuf *out, const Graph *g, const char *id) {
  if (!g->loops.n)
    return;
  LoopSpan *sp = ir_loop_spans(g);
  int *stack = xmalloc((size_t)g->loops.n * sizeof *stack), depth = 0;
  for (int n = 0; n < g->nodes.n; n++) {
    while (depth && n >= sp[stack[depth - 1]].body_hi) { /* leaving loops */
      sb_puts(out, "  }\n");
      depth--;
    }
    for (int l = 0; l < g->loops.n; l++) /* entering loops that start here, outermost first */
      if (sp[l].lo == n && sp[l].body_hi > sp[l].lo) {
        const Loop *lp = &g->loops.v[l];
        sb_printf(out, "  subgraph cluster_%s_loop%d {\n  style=rounded; color=\"%s\"; label=\"for i%d in ", id, l,
                  lp->backward ? "#d35400" : "#7f8c8d", l);
        if (ref_is_const(lp->lo))
          sb_printf(out, "%lld", (long long)graph_const(g, lp->lo));
        else
          sb_printf(out, "z%d", lp->lo);
        sb_puts(out, "..");
        if (ref_is_const(lp->hi))
          sb_printf(out, "%lld", (long long)graph_const(g, lp->hi));
        else
          sb_printf(out, "z%d", lp->hi);
        sb_printf(out, "%s\";\n", lp->backward ? ", backwards" : "");
        stack[depth++] = l;
      }
    if (depth)
      sb_printf(out, "  %s_%d;\n", id, n);
  }
  while (depth--)
    sb_puts(out, "  }\n");
  free(stack);
  free(sp);
}

void cg_emit_dot(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  (void)o;
  sb_puts(out, "digraph adc {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n");
  for (int i = 0; i < n; i++) {
    const FnGraphs *f = &fns[i];
    sb_printf(out, "  subgraph cluster_%d {\n  label=\"%s: forward (white) and adjoint (orange, dashed)\";\n",
              i, f->names->fwd);
    char id[32];
    snprintf(id, sizeof id, "f%d", i);
    const Graph *g = &f->grad;
    emit_graph(out, g, f->fwd.outs.n, f->names, id);
    emit_loops(out, g, id);
    sb_puts(out, "  }\n");
  }
  sb_puts(out, "}\n");
}
