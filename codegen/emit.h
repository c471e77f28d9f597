/* emit.h - the emitter of one function's body, inside codegen: its state
 * and the files that share it.
 *
 * A body is walked twice by the same code (walk.c). The first walk counts:
 * its text goes nowhere (Em.out is NULL) and what each line reads is
 * recorded (Em.count: uses.c). The second prints: its text goes to the file
 * and it records nothing, but it reads what the first learnt (Em.known):
 * a copy line or a parameter's line that nothing reads is left out, a value
 * a later part reads is passed on. Since both walks format every line the
 * same way, what is counted is what is printed.
 *
 * The sections follow the files from the bottom up; each file calls only
 * into the files of the sections above its own (tests/layers.sh checks). */
#ifndef ADC_EMIT_H
#define ADC_EMIT_H

#include "codegen.h"
#include "plan.h"

/* The emitted function's head, printed by the walk (the last part of a
 * split function has it too): its convention comment and "head", printed as
 * "head {" in C or "head:" in SSA. symbol names the parts of a function
 * too large to be one C function. */
typedef struct BodyHead {
  const char *comment;
  const char *head;
  const char *symbol;
  struct FwdShare *share; /* f_grad: filled in; f: runs f_grad's parts (below) */
} BodyHead;

/* A long f_grad whose forward sweep f runs instead of a copy of its own: its
 * first `parts` parts take f's arguments and compute no adjoint, and leave
 * f's value in adc_v[slot] (adc_v of nslots places). parts is 0 when f_grad
 * is not split, or its forward sweep does not end between two parts. */
typedef struct FwdShare {
  int parts, nslots, slot;
} FwdShare;

/* A temporary's name as a number, written out where it is used: NAME_KINDS K
 * + 1 is zK, + 2 zK_bar, then its tangents' (text.c), 0 none yet. (As strings, every operand was a read
 * of text somewhere in memory: on a large random DAG, a cache miss each.) */
typedef int32_t Name;
enum { NAME_LEN = 32 }; /* "z", up to 20 digits, "_bar_dot4", NUL */

/* The size of a part (in nodes; smaller when --split is smaller): register
 * allocation and alias analysis in C compilers grow faster than linearly
 * with the length of a function (gcc -O2: 2 s for 8,000 lines, 19 s for
 * 20,000; with parts, the time per line stays that of short functions).
 * adc_v and the storage live on the stack up to STACK_SLOTS places. */
enum { PART_NODES = 200, STACK_SLOTS = 4096 };

/* What the emitter keeps per node, in one place: a node is looked up each
 * time it is an operand, and a random DAG's operands are anywhere before
 * their user (one array per field was a cache miss per field). Who writes
 * each field: layout (before the walks), the first walk, or each walk. */
typedef struct NodeState {
  Name name;        /* first walk: its own name (0 before); the second reads it */
  int32_t curl;     /* each walk: copy line (label) whose name references use now, or -1 */
  int32_t refs;     /* first walk: lines that read it */
  int32_t partof;   /* layout: the part of its position (also for position n) */
  int32_t slot;     /* first walk: its place in adc_v, or -1 */
  int32_t lastload; /* the last part that reads it from adc_v, or -1: noted by the
                     * first walk, printed by the second */
  int32_t pending;  /* second walk: the part whose read of it waits for its first use, or -1 */
  uint8_t kind;     /* layout: op_info[op].kind */
  uint8_t remake;   /* layout: remakable (see remade) */
  uint8_t stored;   /* second walk: passed on in adc_v where it is made */
} NodeState;

/* What the first walk learns besides NodeState's refs and slots. */
typedef struct Uses {
  char *label_used;  /* per label: its copy line is read */
  int *label_dep;    /* per label: the copy line its own line reads, or -1 */
  int step;          /* what a reference adds to refs: 1, or -1 to take back
                      * those of a line that will not be printed */
  int nslots;        /* adc_v's length */
  int nwritten[2];   /* slots given to values of even and of odd parts */
  /* (part, node, near): part q reads node from adc_v (or makes it again);
   * near: every read of it there is at the part's top level, so that its
   * line can wait for the first (see read_line) */
  VEC(int) loadpart, loadnode, loadnear;
  int *loadat;       /* per node: its latest entry in those */
  unsigned char *pused; /* per part, each argument slot it reads (see use_slot) */
  /* after the walk (finish_parts): part q's reads are entries
   * [loadfirst[q], loadfirst[q + 1]) of sorted and sortnear */
  int *loadfirst, *sorted, *sortnear;
} Uses;

typedef struct Em {
  /* ---- the function, fixed for both walks (layout.c) ---- */
  const FnGraphs *fg;
  const Graph *g;
  const FnNames *nm;
  FnKind kind;
  int several;      /* several results: FN_GRAD prints f_jac */
  int rows;         /* f_jac of array results: printed as f_vjp (kind FN_VJP) from the
                     * grad graph (REV_ROWS), the results written after the forward
                     * sweep, the reverse sweep run once per row of the Jacobian with a
                     * unit cotangent (frame.c); 2 once that loop is open */
  int ssa;          /* SSA text instead of C */
  const EmitOpts *opts;
  const Source *src;
  const BodyHead *bh;
  const char *T, *fs, *ls; /* --real: the type, <math.h> and literal suffixes */
  NodeState *ns;    /* per node (and one past the last) */
  GroupSpan *spans;
  LoopSpan *lspans;
  int *direct;      /* per node: the label that names the node itself, or -1 */
  int *blk_labels;  /* labels per block */
  int *lab_first;   /* labels at position p: [lab_first[p], lab_first[p + 1]) */
  char **ctext;     /* text of each constant, made once */
  Arena arena;
  char **col_off;   /* f_jac: each parameter's first column, as C text */
  char *ncols;      /* f_jac: the Jacobian's columns, as C text */
  int ntapes;       /* SAVE nodes whose storage is needed: adc_tK for node K */
  int *buf_of;      /* per node: the ARRAY or ABUF its array value lives in, or -1 */
  int *copy_snap;   /* per node: a copy of a whole version that a snapshot of the same
                     * version follows in its block (heat's `let v[n] = u;`): that
                     * snapshot's loop, printed there with the copy in its body (one
                     * pass over the version), or -1 (layout.c) */
  int *snap_moved;  /* per loop: 1 + the copy a snapshot loop is printed with, or 0 */
  int *stride_of;   /* per integer node: the loop whose counter adc_oR stands for it
                     * while that loop's body is printed (stride.c), or -1; NULL: none */
  VEC(int) strides; /* those nodes, innermost loop's last (a stack, as loops nest) */
  int nbufs;        /* ABUF nodes: local arrays, adc_aK (adjoints adc_bK, adc_bK_R for f_jac's row R) */
  int heap_tape;    /* their storage is malloc'd (freed before every return) */
  int heap_arrays;  /* local arrays' buffers are malloc'd: adc_arr, adc_adj (arr_blocks: bit 1, 2) */
  int arr_blocks;
  Plan pl;          /* fusion, joining, caching, reuse (plan.c) */
  char *stores;     /* per ACCUM node: the first into its element there: `=` */
  unsigned char **written; /* f_grad, f_jac: per array parameter whose elements are
                     * stored into, not added into an array zeroed first (plan_direct),
                     * which of them are (by row); NULL for the others */
  int *direct_len;  /* per direct array: its number of elements */
  /* A function too large for C compilers to optimise quickly is split at
   * top-level items into parts: static functions called in order, the
   * last part being the function itself (parts.c). */
  int nparts;
  int *cut;         /* part q is positions [cut[q], cut[q + 1]) */
  int fwd_parts;    /* f_grad: its first parts, f's forward sweep, run by f too (FwdShare) */
  int nuse;         /* argument slots per part (Uses.pused) */

  /* ---- what the first walk learns ---- */
  Uses use;
  Uses *count;       /* the walk records into this (first walk), or NULL */
  const Uses *known; /* what the first walk learnt (second walk), or NULL */

  /* ---- the walk ---- */
  int depth;
  int part;
  int helper;       /* next zK number for nodes without a forward name */
  VEC(int) undo_node; /* (node, previous curl) pairs, to leave a block */
  VEC(int) undo_curl;
  int rev_start;    /* first position of the reverse sweep */
  int rev_marked;   /* its marker is placed */
  int zero_late;    /* checks of indices (--bounds-check) come first: the gradient
                     * arrays are zeroed where the reverse sweep starts (1), done (2) */
  StrBuf *line;     /* the line being built: linebuf, or NULL (the first walk:
                     * lines are built nowhere, sb_* on NULL do nothing) */
  StrBuf linebuf;
  int remaking;     /* printing a remade value: its parameters by their names */
  int inline_lo;    /* printing a hoisted value: the values it reads from this
                     * position on are written out, not named (-1: none) */
  int whole_arg;    /* the next operand printed is a whole function argument */
  int reuse_f;      /* printing a position in storage reused by each iteration of
                     * this fused loop (Plan.reused), or -1 */
  StrBuf reads[4];  /* read_line's lines, one per nesting (a remade value's reads) */
  int nreads;

  /* ---- the text (text.c) ---- */
  StrBuf *out;      /* where the text goes (second walk), or NULL */
  const char *marker; /* a section heading to print before the next line */
  int presumed;     /* with --line: the .ad line the compiler takes the next line for, or -1 */
  StrBuf last_comment; /* the comment of the source span last_at (see comment) */
  Loc last_at;
  unsigned char shown_as[256]; /* make_comment's view of each source byte */
  int line_lo, line_hi, line_no; /* the .ad line last asked for: its bytes, its number */
} Em;

/* ---- text.c: output, lines and their comments ---- */
Name z_name(int k);
Name bar_name(int k);
/* tangents in direction w (0: f_jvp's, f_hvp's; f_hess's block: the w+1-th
 * column) print zK_dot, zK_dot2 ... and zK_bar_dot, zK_bar_dot2 ... */
Name dot_name(int k, int w);     /* zK_dot: a tangent (f_jvp) */
Name bar_dot_name(int k, int w); /* zK_bar_dot: an adjoint's tangent (f_hvp) */
enum { NAME_KINDS = 2 + 2 * IR_MAX_DIRS }; /* names per node: zK, zK_bar, then the tangents' */
/* nm as C text at buf (NUL-ended); its length. */
static inline int put_name_at(char *buf, Name nm) {
  static const char *const suffix[NAME_KINDS] = {"",     "_bar",     "_dot",      "_dot2",      "_dot3",
                                                 "_dot4", "_bar_dot", "_bar_dot2", "_bar_dot3", "_bar_dot4"};
  static const int len[NAME_KINDS] = {0, 4, 4, 5, 5, 5, 8, 9, 9, 9};
  buf[0] = 'z';
  int n = 1 + put_decimal(buf + 1, (nm - 1) / NAME_KINDS), k = (nm - 1) % NAME_KINDS;
  memcpy(buf + n, suffix[k], (size_t)len[k] + 1);
  return n + len[k];
}
/* Inline: every operand printed is a name. */
static inline void put_name(StrBuf *b, Name nm) {
  if (!b)
    return;
  if (b->len + NAME_LEN > b->cap)
    sb_reserve(b, NAME_LEN);
  b->len += (size_t)put_name_at(b->s + b->len, nm);
}
const char *name_text(Name nm, char *buf); /* for formats: nm's text in buf */
void put_n(Em *e, const char *s, size_t n);
void put(Em *e, const char *s);
void indent(Em *e);
void put_decl(StrBuf *b, const char *type); /* "const double " */
void put_line(Em *e, StrBuf *b);            /* b as a line at the current depth; emptied */
void buffer_text(Em *e, StrBuf *b, int buf, int adjoint, int row); /* x, adc_a0, adc_b0 */
void line_end(Em *e, StrBuf *b, Loc at);    /* b as a statement: ';', comment, #line */
void block_end(Em *e, StrBuf *b, Loc at);   /* b, ending in a block '}': comment, #line */
void put_statement(Em *e, StrBuf *b);       /* b as a statement without comment */
void close_brace(Em *e, StrBuf *b);         /* "}" of a block opened by a line ending in '{' */
void emit_unused(Em *e, const char *const *unused, int n); /* "(void)x;" lines */
const char *huge_val(const Em *e);          /* HUGE_VAL of the type */
void text_init(Em *e);

/* ---- layout.c: what is known of the function before it is walked ---- */
void em_init(Em *e, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa, const BodyHead *h);
void em_free(Em *e);
/* The item of block blk that starts at position i: a node, a group (*grp)
 * or a loop (*loop); returns the position after it. */
int item_at(const Em *e, int blk, int i, int *grp, int *loop);
int reverse_start(const Graph *g); /* the first position of the reverse sweep */
int is_tape(const Em *e, int n);   /* a SAVE node whose storage is needed */
int tape_on_stack(Em *e);
const char *fail_value(const Em *e); /* " NAN" or "": what an early return returns */
void free_heap(const Em *e, StrBuf *b); /* " free(adc_tape);" and the arrays' blocks */          /* the storage is small and of constant size (frame.c) */
int stores_weights(const Graph *g, int sv); /* a SAVE of a logsumexp's weights */
/* Made again in each part that reads it (parts.c). Asked of every operand
 * printed: looked up, made once per node by plan_parts (the operands of a
 * large graph are far apart in memory). */
static inline int remade(const Em *e, Ref r) { return e->nparts > 1 && !ref_is_const(r) && e->ns[r].remake; }
int has_gradient(const Em *e, int p);
int is_array(const Em *e, int p);

/* ---- uses.c: what the first walk records ---- */
int use_slot(const Em *e, ArgRole role, int index);
void mark_use_in(Em *e, int q, ArgRole role, int index); /* part q reads this argument */
void mark_use(Em *e, ArgRole role, int index);
void note_crossing(Em *e, Ref r, int q, int near); /* part q reads r (near: at its top level) */
void count_operand_(Em *e, Ref r);
void count_ref_(Em *e, Ref r);
void count_int_(Em *e, Ref r);
/* A line reads r (before its text); and after it: r counted, its copy line
 * used; an integer node printed. Inline: asked of every operand, and only
 * the first walk records. */
static inline void count_operand(Em *e, Ref r) {
  if (e->count)
    count_operand_(e, r);
}
static inline void count_ref(Em *e, Ref r) {
  if (e->count)
    count_ref_(e, r);
}
static inline void count_int(Em *e, Ref r) {
  if (e->count)
    count_int_(e, r);
}
void count_accum(Em *e, int p);   /* an addition into parameter p's gradient */
void count_label(Em *e, int li, int dep); /* copy line li's line reads copy line dep */
/* Node n's line is read (all are, before they are known); copy line li is. */
static inline int is_read(const Em *e, int n) { return !e->known || e->ns[n].refs; }
static inline int copy_line_used(const Em *e, int li) { return !e->known || e->known->label_used[li]; }
int arg_used(const Em *e, int q, ArgRole role, int index);
void resolve_usage(Em *e);        /* after the first walk */

/* ---- expr.c: references, integers, expressions ---- */
Name label_name(const Em *e, int li);
int cur_label(const Em *e, Ref r);
Name own_name(Em *e, int n);         /* made by the first walk, kept for the second */
void set_cur(Em *e, int n, int li);  /* references to n print as copy line li now */
void leave_block(Em *e, int mark);   /* copy lines made since undo_node.n was mark: out of scope */
void ref_text(Em *e, StrBuf *b, Ref r); /* r's name (or text); nothing recorded */
void ref_use(Em *e, StrBuf *b, Ref r);  /* r as an operand: recorded, then ref_text */
void int_text(Em *e, StrBuf *b, Ref r, int need);
void subscript_text(Em *e, StrBuf *b, Ref r); /* "[r]" */
void tape_place(Em *e, StrBuf *b, Ref sv, Ref pos, int half);
void tape_text(Em *e, StrBuf *b, Ref sv, Ref pos);
void expr_text(Em *e, StrBuf *b, int n);
void read_line(Em *e, int n);      /* a value read from adc_v (or made again) */
void read_pending(Em *e, Ref r);   /* ... before its first use, if it waits */

/* ---- stride.c: triangular indices kept in counters of their own ---- */
void stride_plan(Em *e, int li);  /* loop li's counters (before its head) */
void stride_end(Em *e, int li);   /* after its closing brace */
void stride_text(Em *e, StrBuf *b, int li, int step); /* its head's ", adc_oR = ..." or "adc_oR += ..., " */

/* ---- loops.c: the pieces of loops that need no walk of a body ---- */
void loop_declarations(Em *e, int li);
void loop_head(Em *e, StrBuf *b, const Loop *l, int li, int backward, int span);
void span_text(Em *e, StrBuf *b, int li, int span, int need);
void reduce_update(Em *e, int li, int red, int count);
void lse_finish(Em *e, int li, int red);
ArgRole input_role(const Em *e, int aux, int *index); /* uses.c: what INPUT/ARRAY aux stands for */
const char *input_name(const Em *e, int aux);          /* and its argument's name */
void loop_nexts(Em *e, int li, int lo, int hi);
int body_end(const Em *e, int k);
void first_iteration(Em *e, int s, StrBuf *b);

/* ---- frame.c: what surrounds the walk of a body ---- */
void plan_direct(Em *e);
void emit_zeroing(Em *e);
void emit_tapes(Em *e);
void emit_buffers(Em *e); /* local arrays and their adjoints */
void begin_reverse(Em *e); /* f_jac of array results: its loop over rows opens */
void emit_outputs(Em *e);
int collect_unused(const Em *e, const char **out, int locals);
void emit_head(Em *e); /* comment, head, unused casts, zeroing, storage */

/* ---- parts.c: a long function as parts ---- */
void plan_parts(Em *e);
void finish_parts(Em *e);
void plan_share(Em *e);
void begin_part(Em *e, int q);
void next_part(Em *e);
void store_at_def_(Em *e, int n);
/* Node n, just made, is passed on to later parts now if they read it. */
static inline void store_at_def(Em *e, int n) {
  if (e->nparts > 1 && e->known)
    store_at_def_(e, n);
}
void adc_v_text(StrBuf *b, const char *T, int nslots, int returns_value);
void fwd_call_args(StrBuf *b, const FnGraphs *fg);

/* ---- walk.c: the walk over a body's groups and loops ---- */
void emit_pass(Em *e);

/* ---- derived.c: a long function's f_vjp and f, from its f_grad ---- */
void emit_vjp_by_grad(const FnGraphs *fg, const EmitOpts *o, StrBuf *out, const BodyHead *h);
void emit_fwd_by_grad(const FnGraphs *fg, const EmitOpts *o, StrBuf *out, const BodyHead *h);
void emit_hess_by_hvp(const FnGraphs *fg, const EmitOpts *o, StrBuf *out, const BodyHead *h);

/* ---- body.c: one function, both walks ---- */
/* Prints the function: comment, head, body of fg's graph of the given kind,
 * closing brace; before them, the parts it is split into, if any. */
void cg_body(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa, const BodyHead *h);

#endif
