/* check_main.c - runs every suite. CK_FORK=no for gdb or valgrind. */
#include <stdlib.h>

#include "harness.h"

int main(void) {
  SRunner *sr = srunner_create(suite_front());
  srunner_add_suite(sr, suite_sema());
  srunner_add_suite(sr, suite_ir());
  srunner_add_suite(sr, suite_reverse());
  srunner_add_suite(sr, suite_random());
  srunner_add_suite(sr, suite_diff());
  srunner_add_suite(sr, suite_robust());
  srunner_add_suite(sr, suite_cli());
  srunner_add_suite(sr, suite_golden());
  srunner_add_suite(sr, suite_rules());
  srunner_add_suite(sr, suite_errors());
  srunner_add_suite(sr, suite_e2e());
  srunner_add_suite(sr, suite_arrays());
  srunner_add_suite(sr, suite_tools());
  srunner_add_suite(sr, suite_split());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
