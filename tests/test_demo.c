/*
 * test_demo.c - `hpo demo` end to end on the real dataset (a tiny run), its
 * --retrain and --report, and its usage errors. Skips the dataset cases with a
 * message when Debian's dataset-fashion-mnist is not installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mlp/data.h"
#include "support/test_util.h"

static char tmpdir[256];

/* Run "hpo ARGS" through the shell (test-only), capturing stdout+stderr into out. */
static int run_hpo(const char *args, char *out, size_t n)
{
    char cmd[2048];
    const char *build = getenv("HPO_TEST_BUILD");
    FILE *p;
    size_t got;
    int status;
    snprintf(cmd, sizeof(cmd), "%s/hpo %s 2>&1", build ? build : "build/release", args);
    p = popen(cmd, "r");
    assert_non_null(p);
    got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool have_dataset(void)
{
    struct stat st;
    return stat(HPO_MLP_DEFAULT_DATA_DIR "/train-images-idx3-ubyte.gz", &st) == 0;
}

static void test_tiny_study_retrain_report(void **state)
{
    static char out[65536];
    char args[1024], path[512];
    struct stat st;
    (void)state;
    if (!have_dataset()) {
        printf("# skipped: %s missing (apt-get install dataset-fashion-mnist)\n",
                HPO_MLP_DEFAULT_DATA_DIR);
        return;
    }
    snprintf(path, sizeof(path), "%s/report.html", tmpdir);
    snprintf(args, sizeof(args),
            "demo --storage sqlite:///%s/demo.db --trials 4 --epochs 2 --subsample 0.01 "
            "--threads 1 --report %s",
            tmpdir, path);
    hpo_assert_eq_i64(run_hpo(args, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "best trial"));
    assert_non_null(strstr(out, "hpo train-mlp --layers"));
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 1000);
    /* A second call continues the study: trials 4..7. */
    hpo_assert_eq_i64(run_hpo(args, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "trial 7 "));
    snprintf(args, sizeof(args),
            "demo --storage sqlite:///%s/demo.db --retrain --epochs 1 --threads 1", tmpdir);
    hpo_assert_eq_i64(run_hpo(args, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "test accuracy after 1 epochs"));
}

static void test_usage_errors(void **state)
{
    static char out[8192];
    char args[512];
    (void)state;
    hpo_assert_eq_i64(run_hpo("demo --trials 0", out, sizeof(out)), 2);
    assert_non_null(strstr(out, "--trials"));
    hpo_assert_eq_i64(run_hpo("demo --subsample nan", out, sizeof(out)), 2);
    hpo_assert_eq_i64(run_hpo("demo --subsample 1.5", out, sizeof(out)), 2);
    hpo_assert_eq_i64(run_hpo("demo --epochs", out, sizeof(out)), 2);
    assert_non_null(strstr(out, "needs a value"));
    hpo_assert_eq_i64(run_hpo("demo --bogus 1", out, sizeof(out)), 2);
    hpo_assert_eq_i64(run_hpo("demo --help", out, sizeof(out)), 0);
    assert_non_null(strstr(out, "--retrain"));
    /* A missing dataset names the package and the files. */
    snprintf(args, sizeof(args), "demo --storage :memory: --data %s/none --trials 1", tmpdir);
    hpo_assert_eq_i64(run_hpo(args, out, sizeof(out)), 1);
    assert_non_null(strstr(out, "dataset-fashion-mnist"));
    /* Retraining a study that does not exist is a clear error. */
    hpo_assert_eq_i64(run_hpo("demo --storage :memory: --retrain", out, sizeof(out)), 1);
    assert_non_null(strstr(out, "mlp-fashion-mnist"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_study_retrain_report),
        cmocka_unit_test(test_usage_errors),
    };
    int rc;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/hpo-test-demo.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    rc = HPO_RUN_TESTS("demo", tests);
    {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            rc = rc ? rc : 1;
    }
    return rc;
}
