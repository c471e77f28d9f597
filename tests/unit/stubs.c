#include "harness.h"
Suite *suite_codegen(void) { return suite_create("codegen"); }
Suite *suite_cli(void) { return suite_create("cli"); }
Suite *suite_golden(void) { return suite_create("golden"); }
Suite *suite_errors(void) { return suite_create("errors"); }
