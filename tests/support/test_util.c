/* test_util.c - decimal assertions and study fixtures shared by the unit tests. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hpo_test_eq_i64(int64_t a, int64_t b, const char *ea, const char *eb, const char *file,
        int line)
{
    if (a != b) {
        print_error("%s (%lld) != %s (%lld)\n", ea, (long long)a, eb, (long long)b);
        _fail(file, line);
    }
}

void hpo_test_status(int got, int want, const char *expr, const char *file, int line)
{
    if (got != want) {
        print_error("%s returned %s (%d), expected %s; last error: %s\n", expr,
                hpo_status_name(got), got, hpo_status_name(want), hpo_last_error());
        _fail(file, line);
    }
}

void hpo_test_near(double a, double b, double tol, const char *ea, const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", ea, a, b, tol);
        _fail(file, line);
    }
}

void hpo_test_msg_has(const char *needle, const char *file, int line)
{
    const char *msg = hpo_last_error();
    if (strstr(msg, needle) == NULL) {
        print_error("last error \"%s\" does not mention \"%s\"\n", msg, needle);
        _fail(file, line);
    }
}

void hpo_test_env_open(hpo_test_env *env, hpo_direction dir)
{
    memset(env, 0, sizeof(*env));
    assert_ok(hpo_storage_open(&env->storage, NULL));
    assert_ok(hpo_study_create(&env->study, env->storage, "test", &dir, 1, NULL));
}

void hpo_test_env_close(hpo_test_env *env)
{
    hpo_study_free(env->study);
    hpo_storage_free(env->storage);
    memset(env, 0, sizeof(*env));
}

int hpo_test_run(const char *group, const struct CMUnitTest *tests, size_t n)
{
    /* TAP lines let run_tests.sh count results across binaries. */
    setenv("CMOCKA_MESSAGE_OUTPUT", "TAP", 0);
    return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}
