/*
 * test_util.h - shared helpers for the cmocka unit tests.
 * cmocka 1.1.5 prints assert_int_equal operands in hex; these print decimals
 * and, for statuses, the library's last error message.
 */
#ifndef HPO_TESTS_TEST_UTIL_H
#define HPO_TESTS_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hpo/hpo.h"

void hpo_test_eq_i64(int64_t a, int64_t b, const char *ea, const char *eb, const char *file,
        int line);
void hpo_test_status(int got, int want, const char *expr, const char *file, int line);
void hpo_test_near(double a, double b, double tol, const char *ea, const char *file, int line);
/** Assert that the last error message contains needle. */
void hpo_test_msg_has(const char *needle, const char *file, int line);

#define hpo_assert_eq_i64(a, b) hpo_test_eq_i64((int64_t)(a), (int64_t)(b), #a, #b, __FILE__, __LINE__)
/* Assert a call returns the given status (HPO_OK, HPO_EINVAL, ...). */
#define assert_status(expr, want) hpo_test_status((expr), (want), #expr, __FILE__, __LINE__)
#define assert_ok(expr)           assert_status((expr), HPO_OK)
#define assert_near(a, b, tol)    hpo_test_near((a), (b), (tol), #a, __FILE__, __LINE__)
/* The last error names the culprit. */
#define assert_msg_has(needle)    hpo_test_msg_has((needle), __FILE__, __LINE__)

/** A study on a fresh in-memory storage with the given sampler/pruner (NULL: defaults). */
typedef struct hpo_test_env {
    hpo_storage *storage;
    hpo_study *study;
} hpo_test_env;

void hpo_test_env_open(hpo_test_env *env, hpo_direction dir);
void hpo_test_env_close(hpo_test_env *env);

/** Run tests with the output format run_tests.sh expects (TAP). */
int hpo_test_run(const char *group, const struct CMUnitTest *tests, size_t n);
#define HPO_RUN_TESTS(group, tests) hpo_test_run(group, tests, sizeof(tests) / sizeof((tests)[0]))

#endif
