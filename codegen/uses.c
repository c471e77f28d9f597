/* uses.c - what the first walk records of the lines it formats (emit.h):
 * how often each node is read, which copy lines are read, and in a function
 * split into parts, which values cross from one part to a later one and
 * which arguments each part reads. The second walk asks here what is known;
 * before anything is (the first walk), every line counts as read. */
#include <ctype.h>
#include <string.h>

#include "emit.h"

/* Each part notes which arguments it reads, to cast the others to void. */
int use_slot(const Em *e, ArgRole role, int index) {
  int ns = e->fg->sig->nsizes, np = e->g->nparams, nv = e->fg->fwd.outs.n, nd = cg_dirs(e->fg) * np;
  switch (role) {
  case ARG_SIZE: return index;
  case ARG_PARAM: return ns + index;
  case ARG_SEED: return ns + np + index;
  case ARG_BAR: return ns + np + nv + index;
  case ARG_JAC: return ns + 2 * np + nv;
  case ARG_DOT: return ns + 2 * np + nv + 1 + index;
  case ARG_BARDOT: return ns + 2 * np + nd + nv + 1 + index;
  default: return -1; /* output pointers: written by the last part only */
  }
}

/* The argument INPUT or ARRAY number aux stands for: a parameter, f_vjp's
 * cotangent, f_jvp's and f_hvp's tangent, f_hvp's gradient tangent (those
 * of direction w, in f_hess's helper, at index w nparams + p: tangent.c
 * numbers them nparams (1 + 2w) + p and nparams (2 + 2w) + p). */
ArgRole input_role(const Em *e, int aux, int *index) {
  int np = e->g->nparams, tangents = e->kind == FN_JVP || e->kind == FN_HVP;
  if (aux < np || !tangents) {
    *index = aux < np ? aux : aux - np;
    return aux < np ? ARG_PARAM : ARG_SEED;
  }
  int w = (aux - np) / (2 * np), k = (aux - np) % (2 * np);
  *index = w * np + k % np;
  return k < np ? ARG_DOT : ARG_BARDOT;
}

/* The name of the argument INPUT or ARRAY number aux stands for. */
const char *input_name(const Em *e, int aux) {
  int i;
  switch (input_role(e, aux, &i)) {
  case ARG_PARAM: return e->nm->params[i];
  case ARG_DOT: return e->nm->dots[i];
  case ARG_BARDOT: return e->nm->bardots[i];
  default: return e->several ? e->nm->outbars[i] : e->nm->seed;
  }
}

void mark_use_in(Em *e, int q, ArgRole role, int index) {
  if (e->nparts > 1)
    e->use.pused[(size_t)q * (size_t)e->nuse + (size_t)use_slot(e, role, index)] = 1;
}

void mark_use(Em *e, ArgRole role, int index) { mark_use_in(e, e->part, role, index); }

/* Part q reads the parameters (or cotangents) remade node r is made of. */
static void mark_remade_use(Em *e, Ref r, int q) {
  const Node *nd = &e->g->nodes.v[r];
  for (int k = -1; k < op_info[nd->op].arity; k++) {
    Ref a = k < 0 ? r : nd->a[k];
    if (ref_is_const(a) || e->g->nodes.v[a].op != OP_INPUT)
      continue;
    int i;
    ArgRole role = input_role(e, e->g->nodes.v[a].aux, &i);
    mark_use_in(e, q, role, i);
  }
}

/* Values of even parts take the even slots of adc_v, those of odd parts the
 * odd ones, so that no part stores into neighbouring slots: gcc -O2 takes
 * a run of stores to consecutive places for a vector to build and searches
 * the whole part for one, which cost it 15% of its time on long sums and
 * products (and more memory than the rest of the compilation). */
static void give_slot(Em *e, Ref r) {
  int odd = e->ns[r].partof & 1;
  e->ns[r].slot = 2 * e->use.nwritten[odd]++ + odd;
  if (e->ns[r].slot >= e->use.nslots)
    e->use.nslots = e->ns[r].slot + 1;
}

/* Part q reads node r (near: at its top level). */
static void note_read(Em *e, Ref r, int q, int near) {
  Uses *u = &e->use;
  if (e->ns[r].lastload == q) {
    if (!near)
      u->loadnear.v[u->loadat[r]] = 0;
    return;
  }
  e->ns[r].lastload = q;
  u->loadat[r] = u->loadnode.n;
  vec_push(&u->loadpart, q);
  vec_push(&u->loadnode, (int)r);
  vec_push(&u->loadnear, near);
}

/* r gets a slot in adc_v, and part q reads it (or, remade, makes it again:
 * then in its own part too), before its first use when all are at the top
 * level, else at the start of the part. */
void note_crossing(Em *e, Ref r, int q, int near) {
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

/* An array is a parameter the part reads; a value may cross from an
 * earlier part. (Integers are counted as they are printed: count_int.) */
void count_operand_(Em *e, Ref r) {
  if (ref_is_const(r))
    return;
  OpKind kind = (OpKind)e->ns[r].kind;
  if (kind == K_ARR && e->g->nodes.v[e->buf_of[r]].op == OP_ARRAY) {
    int i;
    ArgRole role = input_role(e, e->g->nodes.v[e->buf_of[r]].aux, &i);
    mark_use(e, role, i);
  }
  else if (kind != K_INT)
    note_crossing(e, r, e->part, e->depth == 1);
}

void count_ref_(Em *e, Ref r) {
  if (ref_is_const(r))
    return;
  e->ns[r].refs += e->count->step;
  if (e->ns[r].curl >= 0) /* the copy line it is read by now */
    e->count->label_used[e->ns[r].curl] = 1;
}

void count_int_(Em *e, Ref r) {
  e->ns[r].refs += e->count->step;
  if (e->g->nodes.v[r].op == OP_SIZE)
    mark_use(e, ARG_SIZE, e->g->nodes.v[r].aux);
  else if (e->g->nodes.v[r].op == OP_IPARAM)
    mark_use(e, ARG_PARAM, e->g->nodes.v[r].aux);
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

/* f_jac's additions read the Jacobian and the sizes its column offsets name. */
void count_accum(Em *e, int p) {
  if (!e->count)
    return;
  if (e->several && e->kind == FN_GRAD) {
    mark_use(e, ARG_JAC, 0);
    for (int k = 0; k < e->fg->sig->nsizes; k++)
      if (names_word(e->ncols, e->nm->sizes[k]) || names_word(e->col_off[p], e->nm->sizes[k]))
        mark_use(e, ARG_SIZE, k);
  } else if (p >= e->g->nparams) {
    int i;
    ArgRole role = input_role(e, p, &i);
    mark_use(e, role, i);
  } else {
    mark_use(e, ARG_BAR, p);
  }
}

void count_label(Em *e, int li, int dep) {
  if (e->count)
    e->count->label_dep[li] = dep;
}

int arg_used(const Em *e, int q, ArgRole role, int index) {
  int u = use_slot(e, role, index);
  return !e->known || (u >= 0 && e->use.pused[(size_t)q * (size_t)e->nuse + (size_t)u]);
}

/* After the first walk: a copy line read by a used copy line is used, and
 * the value a used copy line names is read. */
void resolve_usage(Em *e) {
  const Graph *g = e->g;
  Uses *u = &e->use;
  for (int i = g->labels.n - 1; i >= 0; i--)
    if (u->label_used[i] && u->label_dep[i] >= 0)
      u->label_used[u->label_dep[i]] = 1;
  for (int i = 0; i < g->labels.n; i++)
    if (u->label_used[i] && u->label_dep[i] < 0 && !ref_is_const(g->labels.v[i].val))
      e->ns[g->labels.v[i].val].refs++;
}
