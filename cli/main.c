/* main.c - adc's entry point. */
#include "driver.h"
#include "support.h"

int main(int argc, char **argv) {
  Options o;
  int rc = adc_parse_args(argc, argv, &o, stdout, stderr);
  if (rc >= 0)
    return rc;
  heap_tune(); /* support/heap.c */
  return adc_run(&o, stderr);
}
