/* fuzz_adc.c - libFuzzer target over the whole compiler: bytes -> parse ->
 * sema -> IR (fold, CSE, DCE) -> reverse -> every emitter, into memory.
 * The options (-O0/-O1, --real, --split, --line, --static) come from a
 * checksum of the input, so each mutation also tries other options; the
 * sanitizers and libFuzzer's limits turn any crash, leak, hang or runaway
 * allocation into a finding. Built and run by 'make fuzz'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "sig.h"
#include "support.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink)
    sink = fopen("/dev/null", "w");
  if (size > 1 << 20)
    return 0;
  unsigned h = 2166136261u;
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 16777619u;
  Options o;
  memset(&o, 0, sizeof o);
  o.input = "fuzz.ad";
  o.optimize = (h & 7) != 0;
  o.real = (int)((h >> 3) % 3);
  o.split = (h >> 5) & 1 ? 1 + (int)((h >> 6) % 64) : 6000;
  o.line = (h >> 12) & 1;
  o.static_fns = (h >> 13) & 1;
  o.modes = (h >> 14) & 1 ? MODE_ALL : MODE_DEFAULT;
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  StrBuf out = {0};
  adc_compile_memory(&o, text, (int)size, &out, sink);
  sb_free(&out);
  free(text);
  return 0;
}
