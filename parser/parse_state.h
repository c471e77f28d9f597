/* parse_state.h - state shared by the flex scanner and the bison parser. */
#ifndef ADC_PARSE_STATE_H
#define ADC_PARSE_STATE_H

#include "ast.h"

/* Brackets may nest this deep; deeper input is a clean error, never a
 * stack overflow (doc/limits.md). */
enum { MAX_NESTING = 1000, MAX_NAME_LEN = 1000 };

typedef struct ParseState {
  const Source *src;
  Diag *diag;
  Arena *arena;
  Program *prog;
  int offset;                /* byte offset of the scanner */
  int prev_hi;               /* end of the token before the newest */
  int last_hi;               /* end of the newest token */
  int lex_spoiled;           /* a lexical error since the last ';' or '}' */
  int depth;                 /* open brackets */
  int open_at[MAX_NESTING];  /* where each open bracket is */
  char open_ch[MAX_NESTING]; /* which bracket */
  int fatal;                 /* stop: further syntax errors would be noise */
  Func *func;                /* the function whose header is being read */
  int after_end;             /* the last token was ';', '{' or '}' (or none yet) */
  Loc lead;                  /* the first word of the newest statement, if it is a name */
} ParseState;

#define YYLTYPE Loc
#define YYLTYPE_IS_DECLARED 1

#endif
