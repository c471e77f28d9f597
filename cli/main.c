/* main.c - adc's entry point. */
#include "driver.h"

int main(int argc, char **argv) {
  Options o;
  int rc = adc_parse_args(argc, argv, &o, stdout, stderr);
  if (rc >= 0)
    return rc;
  return adc_run(&o, stderr);
}
