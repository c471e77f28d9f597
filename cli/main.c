/* main.c - adc's entry point. */
#include <signal.h>

#include "driver.h"
#include "support.h"

/* A signal that ends adc (^C, kill, a closed pipe on standard output)
 * takes the temporaries of unfinished outputs with it, as gcc's do: the
 * files they were to replace stay as they were. */
static void on_fatal_signal(int sig) {
  adc_remove_temporaries();
  signal(sig, SIG_DFL);
  raise(sig);
}

int main(int argc, char **argv) {
  Options o;
  int rc = adc_parse_args(argc, argv, &o, stdout, stderr);
  if (rc >= 0)
    return rc;
  static const int fatal[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
    if (signal(fatal[i], on_fatal_signal) == SIG_IGN) /* (ignored, as under nohup: it stays so) */
      signal(fatal[i], SIG_IGN);
  heap_tune(); /* support/heap.c */
  return adc_run(&o, stderr);
}
