/* check_tools.c - what users do around the compiler: install it (binary,
 * man page, adc.mk), and build C projects that generate their gradients
 * with make (through adc.mk) and with CMake (add_custom_command). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* make install / uninstall into a DESTDIR; the installed adc runs, the man
 * page renders without a warning, and uninstall leaves nothing behind. */
START_TEST(install_and_uninstall) {
  const char *dest = ht_path("destdir");
  ck_assert_int_eq(ht_sh("rm -rf '%s' && make -s install DESTDIR='%s' PREFIX=/usr ADC='%s' >/dev/null", dest,
                         dest, ht_adc()),
                   0);
  ck_assert_int_eq(ht_sh("'%s/usr/bin/adc' --version | grep -q '^adc 0'", dest), 0);
  ck_assert_int_eq(ht_sh("test -f '%s/usr/include/adc.mk' && test -f '%s/usr/share/man/man1/adc.1'", dest, dest),
                   0);
  ck_assert_int_eq(ht_sh("groff -man -ww -z '%s/usr/share/man/man1/adc.1' 2>&1 | grep -q . && exit 1 || exit 0",
                         dest),
                   0);
  ck_assert_int_eq(ht_sh("make -s uninstall DESTDIR='%s' PREFIX=/usr ADC='%s' >/dev/null && "
                         "test -z \"$(find '%s' -type f)\"",
                         dest, ht_adc(), dest),
                   0);
}
END_TEST

/* The man page names every option of --help. */
START_TEST(man_page_has_every_option) {
  static const char *const options[] = {"\\-o", "\\-\\-output", "\\-\\-header", "\\-\\-emit", "\\-\\-prefix",
                                        "\\-\\-static", "\\-O0", "\\-O1", "\\-\\-help", "\\-\\-version"};
  char *man = ht_slurp("doc/adc.1", NULL);
  ck_assert_ptr_nonnull(man);
  for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
    ck_assert_msg(strstr(man, options[i]) != NULL, "doc/adc.1 does not mention %s", options[i]);
  free(man);
}
END_TEST

/* samples/integration with make: adc.mk's rule generates both files. */
START_TEST(integration_with_make) {
  const char *dir = ht_path("integration_make");
  char *root = getcwd(NULL, 0);
  ck_assert_int_eq(ht_sh("rm -rf '%s' && cp -r samples/integration '%s' && rm -f '%s'/*_grad.[ch] && "
                         "make -s -C '%s' ADC='%s' ADC_MK='%s/adc.mk' >/dev/null && '%s/integration' >/dev/null",
                         dir, dir, dir, dir, ht_adc(), root, dir),
                   0);
  free(root);
}
END_TEST

/* The same project through an installed adc.mk, found by 'include adc.mk'. */
START_TEST(integration_with_installed_mk) {
  const char *dest = ht_path("destdir_mk"), *dir = ht_path("integration_inst");
  ck_assert_int_eq(ht_sh("rm -rf '%s' '%s' && make -s install DESTDIR='%s' PREFIX=/usr ADC='%s' >/dev/null", dest,
                         dir, dest, ht_adc()),
                   0);
  ck_assert_int_eq(ht_sh("cp -r samples/integration '%s' && rm -f '%s'/*_grad.[ch] && "
                         "make -s -C '%s' -I '%s/usr/include' ADC='%s/usr/bin/adc' ADC_MK=adc.mk >/dev/null && "
                         "'%s/integration' >/dev/null",
                         dir, dir, dir, dest, dest, dir),
                   0);
}
END_TEST

/* samples/integration with CMake: add_custom_command per .ad file. */
START_TEST(integration_with_cmake) {
  const char *dir = ht_path("integration_cmake");
  ck_assert_int_eq(ht_sh("rm -rf '%s' && cmake -S samples/integration -B '%s' -DADC='%s' >/dev/null && "
                         "cmake --build '%s' >/dev/null && '%s/integration' >/dev/null",
                         dir, dir, ht_adc(), dir, dir),
                   0);
}
END_TEST

Suite *suite_tools(void) {
  Suite *s = suite_create("tools");
  TCase *tc = tcase_create("install");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, install_and_uninstall);
  tcase_add_test(tc, man_page_has_every_option);
  tcase_add_test(tc, integration_with_make);
  tcase_add_test(tc, integration_with_installed_mk);
  tcase_add_test(tc, integration_with_cmake);
  suite_add_tcase(s, tc);
  return s;
}
