/* ir.h - the SSA graph: the heart of adc.
 *
 * A Graph is an array of nodes, inputs first, each an operation of the table
 * in ops.def and up to three argument Refs. A Ref >= 0 names a node; a Ref < 0
 * names a constant (so constants never need a node, a temporary or an
 * adjoint). Arguments always precede their users.
 *
 * Structured control flow lives in nested blocks: block 0 is the function
 * body; a conditional Group owns two child blocks (then, else) and is joined
 * by PHI nodes in the parent block. The nodes of a group are contiguous: its
 * then-block (and everything nested in it), its else-block, then its phis.
 * Every transform keeps that order, so a group is a range of the array and
 * codegen prints it as one if/else. */
#ifndef ADC_IR_H
#define ADC_IR_H

#include <stdint.h>

#include "support.h"

typedef int32_t Ref;
#define REF_NONE INT32_MIN

enum {
#define OP(name, src, ar, kind, cfmt, fold, d0, d1, d2) OP_##name,
#include "ops.def"
#undef OP
  OP_COUNT
};

typedef enum OpKind { K_VAL, K_CND, K_INP, K_PHI, K_INT, K_ARR, K_EFF, K_CAR, K_EXIT } OpKind;

typedef struct OpInfo {
  const char *name; /* enum tag, for dumps */
  const char *src;  /* builtin name in .ad, or NULL */
  int arity;
  OpKind kind;
  const char *cfmt; /* C spelling, %0 %1 %2 for the arguments */
} OpInfo;

extern const OpInfo op_info[OP_COUNT];
double op_fold(int op, double a, double b, double c); /* the table's FOLD */
int op_lookup_builtin(const char *name);              /* OP_x, or -1 */
int op_is_commutative(int op);
int op_is_costly(int op); /* a <math.h> function: reading it back beats recomputing it */
int op_constant_partials(int op); /* every partial a constant (+ - and negation): 0 * it is 0 */
int op_keeps_aux(int op); /* built by b_op, but aux set after (ACCUM's row, ABUF's number...) */

typedef struct Node {
  uint8_t op;
  uint8_t arr;  /* a CARRY, PHI or loop exit whose value is an array (a local array's version) */
  uint8_t tan;  /* a tangent (tangent.c): it prints as zK_dot, K its name */
  int32_t blk;  /* the block the node is computed in */
  Ref a[3];     /* arguments; unused ones are REF_NONE */
  int32_t aux;  /* INPUT, IPARAM, ARRAY: parameter index; SIZE: size index; PHI:
                 * group; loop ops: loop; ACCUM: output row */
  int32_t name; /* K of the temporary zK it prints as, or -1 (named late) */
  Loc src;      /* source span it comes from, for comments; lo < 0 marks a
                 * later step of a chain a + b + c, whose span "+ c" starts
                 * at -1 - lo and is shown as "... + c" */
} Node;

typedef struct Block {
  int parent; /* -1 for the body */
  int group;  /* the group owning it, or -1 */
  int sense;  /* 1: taken when the group's condition holds; 0: otherwise */
  int loop;   /* the loop whose body it is, or -1 */
} Block;

typedef struct Group {
  Ref cond;     /* a condition node (or constant) in the parent block */
  int parent;   /* block holding the condition and the phis */
  int then_blk, else_blk;
} Group;

/* A loop owns one body block, run for each index in [lo, hi) (from hi - 1
 * down when backward). Like a group it is one range of the node array: its
 * body (everything nested in it; the NEXT nodes last), then its exits
 * (LOOPOUT, REDUCE, RCOUNT) in the parent block. */
typedef enum LoopKind { LK_FOR, LK_SUM, LK_MIN, LK_MAX, LK_LSE } LoopKind;

typedef struct Loop {
  int parent, body; /* blocks */
  Ref lo, hi;       /* integer refs visible in the parent */
  LoopKind kind;    /* FOR: carried values; the others reduce one term */
  int backward;
  Ref idx;          /* its IDX node, or REF_NONE */
} Loop;

/* A label names a value "zK_bar": the adjoint of forward node K, final at
 * position pos (nodes before pos are computed) in block blk. */
typedef struct Label {
  Ref val;
  int name; /* K */
  int pos;
  int blk;
  Loc src;  /* the forward node's source span */
  int tan;  /* 1: the tangent of that adjoint, zK_bar_dot (f_hvp) */
} Label;

struct Signature;

typedef struct Graph {
  VEC(Node) nodes;
  VEC(double) consts;
  VEC(Block) blocks;
  VEC(Group) groups;
  VEC(Loop) loops;
  VEC(Label) labels;
  VEC(Ref) outs; /* results, in an order the emitter knows */
  int nparams;   /* INPUT, IPARAM and ARRAY nodes with aux < nparams are parameters */
  const struct Signature *sig; /* the function's interface (its parameters' constness) */
} Graph;

static inline int ref_is_const(Ref r) { return r < 0; }
static inline int ref_const_index(Ref r) { return -1 - r; }

void graph_init(Graph *g);
void graph_free(Graph *g);
void graph_clone(Graph *dst, const Graph *src, int room); /* room: nodes dst holds before it grows */
double graph_const(const Graph *g, Ref r);
int graph_is_ancestor(const Graph *g, int anc, int blk); /* anc == blk counts */
int graph_has_saves(const Graph *g); /* stores iterations of a loop (OP_SAVE) */
/* What a reference gives its user: a value, a condition, an integer, an
 * array, an effect (phis, inputs, carried values and loop exits are values).
 * Inline: every pass asks it of every argument. */
static inline OpKind graph_ref_kind(const Graph *g, Ref r) {
  if (r == REF_NONE)
    return K_INP;
  if (ref_is_const(r))
    return K_VAL;
  const Node *nd = &g->nodes.v[r];
  OpKind k = op_info[nd->op].kind;
  return nd->arr ? K_ARR : k == K_PHI || k == K_INP || k == K_CAR || k == K_EXIT ? K_VAL : k;
}

/* ---- sig.c: a function's interface, in the IR's own terms. build.c fills it
 * from what sema learnt; reverse mode reads which parameters are
 * differentiated from it, and the printers and the interpreter their names,
 * sizes and dimensions. It is the one source of truth about them after
 * sema: nothing past build reads the syntax tree. ---- */
typedef struct SigParam {
  const char *name;
  Loc loc;
  int is_const;  /* data: read, never differentiated (no gradient) */
  int is_int;    /* integer data (const int): an IPARAM, or an ARRAY read by ILOAD */
  int ndims;     /* 0 for a scalar */
  Ref *dims;     /* each dimension, an integer expression of Signature.dims */
  Loc *dimlocs;  /* where each dimension is written */
} SigParam;

typedef struct Signature {
  const char *name;
  Loc loc;            /* from 'fn' to the end of the function */
  Loc nameloc;
  int nsizes;
  const char **sizes; /* size parameters, in order of first appearance */
  int nparams;
  SigParam *params;
  int nouts;          /* results: 1, or as many as the names after '->' */
  const char **outs;  /* those names; NULL for one unnamed result */
  SigParam *results;  /* per result: its name (or the function's) and dimensions (none: a scalar) */
  int is_private;     /* 'private fn': inlined into its callers, not emitted */
  Graph dims;         /* the dimensions: SIZE leaves (aux: the size), constants,
                       * IADD ISUB IMUL IDIV IMOD INEG, as the source writes them
                       * (built unoptimised: nothing folded or reordered) */
  Arena arena;        /* the names and arrays above */
} Signature;

void ir_sig_free(Signature *s);
/* Dimension d (a Ref of s->dims) for the given size values (size[k] for
 * s->sizes[k], -1 unknown); -1 when unknown, negative or a division by 0. */
long ir_dim_value(const Signature *s, Ref d, const long *size);
/* The element count of parameter p (1 for a scalar); -1 when unknown. */
long ir_param_length(const Signature *s, int p, const long *size);
long ir_result_length(const Signature *s, int o, const long *size); /* of result o, the same way */
int ir_sig_array_results(const Signature *s); /* has an array result (-> y[n]) */

/* ---- graph.c: the builder. Every node is made here, folded and
 * hash-consed (at -O1), so every pass gets CSE and folding for free. ---- */
/* Limits that keep memory near 2 GB at most (about 500 bytes per node
 * through the whole pipeline): nodes in any one graph, and forward nodes
 * of all functions of a program together (doc/limits.md). */
enum { MAX_NODES = 1 << 22, MAX_PROGRAM_NODES = 1 << 22 };

typedef struct Builder {
  Graph *g;
  int optimize; /* fold constants and share equal nodes */
  int blk;      /* block new nodes go in */
  Loc src;      /* source span new nodes carry */
  int name;     /* name new nodes carry (-1: none) */
  int32_t *table; /* open hash of node indices (tagged: graph.c), -1 empty */
  uint32_t tcap;
  uint8_t *users; /* per node: its users so far (0, 1, 2 for more) | IN_TABLE (graph.c) */
  int32_t *first; /* per node: its first user */
  int ucap;
  int32_t *ctable; /* open hash of constant indices */
  uint32_t ccap;
  int overflow; /* set when MAX_NODES was reached */
} Builder;

/* Indexes g's nodes, with room for `nodes` in all (a hint: the table grows) */
void b_init(Builder *b, Graph *g, int optimize, int nodes);
void b_reserve(Builder *b, int nodes); /* room for `nodes` in all */
void b_free(Builder *b);
Ref b_const(Builder *b, double v);
Ref b_op(Builder *b, int op, Ref x, Ref y, Ref w);
Ref b_input(Builder *b, int index);
Ref b_leaf(Builder *b, int op, int index); /* SIZE, IPARAM or ARRAY: parameters in block 0 */
int b_group(Builder *b, Ref cond); /* opens a group under b->blk */
int b_loop(Builder *b, LoopKind kind, Ref lo, Ref hi, int backward); /* opens a loop under b->blk */
Ref b_loop_op(Builder *b, int op, int loop, Ref x, Ref y); /* loop ops, never shared */
Ref b_storage_pos(Builder *b, int blk, uint64_t mask); /* a value's position in per-iteration
                                                        * storage (over the loops in mask), or REF_NONE */
/* Stores value v of block blk per iteration of the loops in mask around it
 * (a SAVE in blk); 0 when blk is in no loop or v cannot be stored there. */
int b_save(Builder *b, int blk, Ref v, uint64_t mask);
#define ALL_LOOPS (~(uint64_t)0)
int graph_uses_index(const Graph *g, Ref x); /* integer x depends on a loop index */
uint64_t graph_index_loops(const Graph *g, Ref x); /* the loops whose index integer x reads (bit L % 64) */
/* Integer x is read from data: it depends on integer data, or on the index
 * of a loop whose range does (what --bounds-check checks). */
int graph_from_data(const Graph *g, Ref x);
int graph_has_checks(const Graph *g); /* --bounds-check's CHECK nodes */
int graph_has_arrays(const Graph *g); /* local arrays (ABUF nodes) */
/* Per node: the ARRAY parameter or local array buffer (ABUF) its array
 * value lives in, -1 for other values (free() it). */
int *graph_buffers(const Graph *g);
int graph_buffer_of(const Graph *g, Ref v); /* the same for one array value (walks its versions) */
int graph_innermost_loop(const Graph *g, int blk); /* the loop whose body blk is or lies in, or -1 */
/* Is node sv a SAVE of element k of a local array version, in a loop over
 * every k of its buffer lying directly in the version's block (a snapshot
 * of the version, made by build.c's take_snapshots: there whenever the
 * version is; one in a branch below would not be)? The version, else
 * REF_NONE. buf: graph_buffers(g). */
Ref graph_snapshot_of(const Graph *g, int sv, const int *buf);
/* Does the integer expression r read the counter of loop li? */
int graph_reads_index(const Graph *g, Ref r, int li);
/* The values loop l's index takes over every iteration of the loops around
 * it: [lo, *hi + *add). The loop whose counter its upper bound reads (the
 * triangle's c in 0..j with j in 0..D spans 0..D-1: *hi = D, *add = -1;
 * only when the range is empty wherever that loop does not run), -1 when
 * the range reads no counter (its own range), -2 when it has no such span. */
int graph_span(const Graph *g, int l, Ref *hi, long *add);
/* The forward loops around SAVE node s that its position does not read
 * (innermost first, into loops[], room for 64); 0 when none, or when the
 * first visit of a place of its storage might not be their first iteration
 * (a branch on the way, a loop range reading one of their counters but
 * through a span: graph_spans_unchanged). */
int graph_unchanged_loops(const Graph *g, int s, int *loops);
/* Does a loop around SAVE node s range over a span (graph_span) of one of
 * those loops? Its places are then not all visited in their first
 * iteration: a cache must be made before them, by a loop nest of its own. */
int graph_spans_unchanged(const Graph *g, int s);
/* Is value v worth storing once rather than making again in each iteration
 * of a loop it does not change with: a <math.h> call, a sum (gmm.ad's
 * sum(j in 0..D, icf[k, j]) in the loop over the points), or arithmetic on
 * two elements of parameters (gmm.ad's x[i, c] - means[k, c] in the loop
 * over j: one read of storage then does the work of two and a subtraction)? */
int graph_worth_caching(const Graph *g, Ref v);
/* Is node s a store worth keeping as a cache: a SAVE of such a value
 * made in its own block, at a place that does not change with some loops
 * around it? Those loops into loops[] (graph_unchanged_loops), how many; 0
 * when not. The forward function keeps such stores (opt.c) and the emitter
 * makes their values once per place (codegen/plan.c's caching). */
int graph_cache_loops(const Graph *g, int s, int *loops);
Ref b_phi(Builder *b, int group, Ref x, Ref y);
void b_label(Builder *b, int name, Ref val);
int b_is_zero(const Builder *b, Ref r);

/* ---- copy.c: replay nodes [lo, hi) of a source graph into a builder.
 * map[] holds the new Ref of every source node before lo that the range
 * uses, and receives the range's; source block root_blk becomes the
 * builder's current block. A group whose condition folds to a constant keeps
 * only its taken branch. */
typedef struct Copier {
  const Graph *src;
  int *bmap, *gmap, *lmap; /* source block/group/loop -> new one; -3 unset */
  int skip_saves;          /* recomputation: stored values are read from the original SAVEs */
  const Ref *offset;       /* inlining: per source node, where an array parameter starts in
                            * the array mapped for it (a row), REF_NONE at its start; or NULL */
  const char *buffered;    /* inlining: per source node, 1 for an array parameter mapped to a
                            * caller's local array, whose element reads inside loops are
                            * stored per iteration (the buffer may change); or NULL */
  VEC(int) touched_b, touched_g, touched_l;
} Copier;
void copier_init(Copier *c, const Graph *src);
void copier_free(Copier *c);
void copier_run(Copier *c, Builder *b, int lo, int hi, Ref *map, int root_blk, int keep_names);

/* ---- reverse.c (with scope.c, recompute.c: reverse.h): graph-to-graph
 * reverse mode. The result holds the forward nodes first, then the
 * adjoint sweep(s). Outputs:
 *   REV_GRAD: the values, then one gradient per parameter (seed 1 on the
 *             single output);
 *   REV_VJP:  one gradient per parameter, the cotangents being INPUT nodes
 *             nparams + o;
 *   REV_JAC:  the values, then per output o one gradient per parameter;
 *   REV_ROWS: the values, then REV_VJP's gradients (f_jac of array
 *             results: the reverse sweep run once per row, its
 *             cotangent a unit vector).
 * Parameters that are arrays or data get 0 there: array gradients are
 * ACCUM nodes (aux: the output's row). weights: read logsumexp's weights
 * from the storage the forward sweep fills (else, 0, take each term's
 * exponential again, which needs none); 2: read each through an LSEWT of
 * its term and the result, for a tangent to be taken of the sweep (f_hvp).
 * *err_at: where a REV_STORED_RANGE or REV_NO_DERIVATIVE is. */
typedef enum RevMode { REV_GRAD, REV_VJP, REV_JAC, REV_ROWS } RevMode;
typedef enum RevStatus {
  REV_OK,
  REV_TOO_LARGE,     /* more than MAX_NODES */
  REV_STORED_RANGE,  /* a loop that must be stored has a range depending on an enclosing index */
  REV_NO_DERIVATIVE, /* an operation without a derivative (lgamma) of a value depending on the parameters */
} RevStatus;
RevStatus ir_reverse(const Graph *fwd, Graph *out, int optimize, RevMode mode, int weights, Loc *err_at);

/* ---- tangent.c: forward mode (f_jvp, f_hvp) as a graph-to-graph
 * transform. The result's outs are the values, then the tangents of those
 * from the first-th on (f_hvp: not the value's), for each of ndir
 * directions (f_hess's block: IR_MAX_DIRS at most) in turn; the tangent of
 * parameter p in direction w is INPUT (an array: ARRAY) nparams (1 + 2w) +
 * p, its gradient's (f_hvp) ARRAY nparams (2 + 2w) + p: one direction's are
 * nparams + p and 2 nparams + p. *err_at: where a TAN_NO_DERIVATIVE is. ---- */
enum { IR_MAX_DIRS = 4 };
typedef enum TanStatus { TAN_OK, TAN_TOO_LARGE, TAN_NO_DERIVATIVE } TanStatus;
TanStatus ir_tangent(const Graph *fwd, Graph *out, int first, int ndir, int optimize, Loc *err_at);

/* ---- active.c: which forward values depend on a differentiated
 * parameter (per node, 0 or 1; free() it). ---- */
char *ir_active(const Graph *f);

/* ---- opt.c ---- */
void ir_dce(Graph *g); /* drop nodes no output needs; renumbers */
void ir_dce_keep(Graph *g, int keep_saves); /* keep_saves: a forward graph to reverse later */
void ir_dce_forward(Graph *g); /* the forward function's: stores kept only as caches (opt.c) */
/* Could ir_dce drop more of g than ir_dce_keep(g, 1) left? Only a graph
 * with loops or branches holds what keep_saves keeps. */
int ir_dce_has_kept(const Graph *g);
Ref ir_exported(const Graph *g, int n); /* v when phi n is "c ? v : 0" or "c ? 0 : v" */
void ir_name_nodes(Graph *g); /* name every node zK by its index */

/* ---- region extents, for the passes that walk groups and loops as ranges ---- */
typedef struct LoopSpan {
  int lo, body_hi, hi; /* body [lo, body_hi), exits [body_hi, hi) */
} LoopSpan;
LoopSpan *ir_loop_spans(const Graph *g); /* one per loop; free() it */

typedef struct GroupSpan {
  int lo, then_hi, phi_lo, hi; /* then [lo, then_hi), else [then_hi, phi_lo), phis [phi_lo, hi) */
  int live;                    /* has at least one phi */
} GroupSpan;
GroupSpan *ir_group_spans(const Graph *g); /* one per group; free() it */
/* Per block, the range [lo, hi) of the nodes in it and its sub-blocks, and
 * their count (lo = INT_MAX, hi = -1, count = 0 when it has none). */
typedef struct Extents {
  int *lo, *hi, *count;
} Extents;
void ir_extents(const Graph *g, Extents *x);
void ir_extents_free(Extents *x);

/* ---- verify.c ---- */
int ir_verify(const Graph *g, char *why, int whylen); /* 0 when well formed */
/* After each pass: verify (debug builds abort on a broken graph), and with
 * ADC_DUMP set in the environment, print the graph to stderr. ir_check_step
 * is for a graph the next pass rewrites at once: verified only with
 * ADC_VERIFY=each in the environment (the graph after that pass always is). */
void ir_check(const Graph *g, const char *pass);
void ir_check_step(const Graph *g, const char *pass);

/* ---- dump ---- */
void ir_dump(const Graph *g, FILE *out);

#endif
