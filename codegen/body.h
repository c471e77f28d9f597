/* body.h - the emitter of one function body, shared by the C and SSA
 * printers (emit_c.c). */
#ifndef ADC_BODY_H
#define ADC_BODY_H

#include "codegen.h"

typedef enum FnKind { FN_FWD, FN_GRAD, FN_VJP } FnKind;

/* Source excerpts for comments, cached by span across a whole file. */
typedef struct CommentCache CommentCache;
CommentCache *cg_comments_new(void);
void cg_comments_free(CommentCache *c);

/* Prints "head {" (C) or "head:" (SSA), the body of fg's graph of the given
 * kind, and the closing brace. */
void cg_body(StrBuf *out, const FnGraphs *fg, FnKind kind, const EmitOpts *o, int ssa,
             CommentCache *comments, const char *head);

#endif
