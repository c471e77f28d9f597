/* emit_dot.c - Graphviz pictures of the forward and adjoint graphs. */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

static void node_label(StrBuf *b, const Graph *g, int n, const FnNames *nm) {
  const Node *nd = &g->nodes.v[n];
  if (nd->op == OP_INPUT) {
    sb_printf(b, "z%d = %s", n, nd->aux < g->nparams ? nm->params[nd->aux] : nm->seed);
    return;
  }
  sb_printf(b, "z%d = ", n);
  const char *f = op_info[nd->op].cfmt;
  char generic[64];
  if (!f && nd->op == OP_POWI) {
    f = "%0 ^ %1";
  } else if (!f) { /* phi(...), load(...), accum(...), ...: the operation and its arguments */
    static const char *const args[] = {"", "(%0)", "(%0, %1)", "(%0, %1, %2)"};
    size_t k = 0;
    for (const char *c = op_info[nd->op].name; *c && k < 40; c++)
      generic[k++] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    snprintf(generic + k, sizeof generic - k, "%s", args[op_info[nd->op].arity]);
    f = generic;
  }
  for (const char *p = f; *p; p++) {
    if (*p == '%' && p[1] == '%') {
      sb_putc(b, '%');
      p++;
    } else if (*p == '%' && p[1] >= '0' && p[1] <= '2') {
      Ref r = nd->a[p[1] - '0'];
      if (ref_is_const(r))
        sb_double(b, graph_const(g, r));
      else
        sb_printf(b, "z%d", r);
      p++;
    } else if (*p == '"' || *p == '\\') {
      sb_printf(b, "\\%c", *p);
    } else {
      sb_putc(b, *p);
    }
  }
}

static void emit_graph(StrBuf *out, const Graph *g, const FnNames *nm, const char *id) {
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
  int nv = g->outs.n / (g->nparams + 1); /* the results come first, then their gradients */
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

void cg_emit_dot(StrBuf *out, const FnGraphs *fns, int n, const EmitOpts *o) {
  (void)o;
  sb_puts(out, "digraph adc {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n");
  for (int i = 0; i < n; i++) {
    const FnGraphs *f = &fns[i];
    sb_printf(out, "  subgraph cluster_%d {\n  label=\"%s: forward (white) and adjoint (orange, dashed)\";\n",
              i, f->names->fwd);
    char id[32];
    snprintf(id, sizeof id, "f%d", i);
    emit_graph(out, &f->grad, f->names, id);
    sb_puts(out, "  }\n");
  }
  sb_puts(out, "}\n");
}
