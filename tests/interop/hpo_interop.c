/*
 * hpo_interop.c - the hpo side of the Optuna interoperability tests
 * (tests/interop/test_optuna.py drives it):
 *   hpo_interop dump URL STUDY       one JSON object per trial on stdout, as hpo reads it
 *   hpo_interop run URL STUDY N      run N more trials (every distribution kind,
 *                                    intermediate values, attributes, an inf value,
 *                                    a FAIL and a PRUNED trial); creates the study
 *   hpo_interop upgrade URL          hpo_storage_upgrade
 * Built by tests/interop/run.sh against libhpo; exit status 0 on success.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpo/hpo.h"

static int fail(const char *what, int rc)
{
    fprintf(stderr, "hpo_interop: %s: %s: %s\n", what, hpo_status_name(rc), hpo_last_error());
    return 1;
}

/* A JSON number as Python's json would read it back (NaN/Infinity tokens included). */
static void put_num(double v)
{
    if (isnan(v))
        printf("NaN");
    else if (isinf(v))
        printf(v > 0 ? "Infinity" : "-Infinity");
    else {
        char buf[40];
        snprintf(buf, sizeof(buf), "%.17g", v);
        /* Keep floats floats for Python (0.0, not 0). */
        printf("%s%s", buf, strpbrk(buf, ".en") ? "" : ".0");
    }
}

static void put_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void dump_trial(const hpo_frozen_trial *t)
{
    size_t n;
    printf("{\"number\": %lld, \"state\": ", (long long)hpo_frozen_trial_number(t));
    put_str(hpo_trial_state_name(hpo_frozen_trial_state(t)));
    printf(", \"values\": [");
    for (size_t i = 0; i < hpo_frozen_trial_n_values(t); i++) {
        printf(i ? ", " : "");
        put_num(hpo_frozen_trial_value(t, i));
    }
    printf("], \"params\": {");
    n = hpo_frozen_trial_n_params(t);
    for (size_t i = 0; i < n; i++) {
        char *dj = NULL;
        hpo_distribution_to_json(hpo_frozen_trial_param_distribution(t, i), &dj);
        printf(i ? ", " : "");
        put_str(hpo_frozen_trial_param_name(t, i));
        printf(": {\"internal\": ");
        put_num(hpo_frozen_trial_param_internal(t, i));
        printf(", \"distribution\": ");
        put_str(dj ? dj : "");
        printf("}");
        hpo_free(dj);
    }
    printf("}, \"intermediate\": {");
    n = hpo_frozen_trial_n_intermediate(t);
    for (size_t i = 0; i < n; i++) {
        int64_t step;
        double v;
        hpo_frozen_trial_intermediate(t, i, &step, &v);
        printf("%s\"%lld\": ", i ? ", " : "", (long long)step);
        put_num(v);
    }
    printf("}, \"datetime_start\": ");
    put_num(hpo_frozen_trial_datetime_start(t));
    printf(", \"datetime_complete\": ");
    put_num(hpo_frozen_trial_datetime_complete(t));
    printf("}\n");
}

static int dump(const char *url, const char *name)
{
    hpo_storage *s;
    hpo_study *st;
    hpo_frozen_trial **ts;
    size_t n;
    int rc;
    if ((rc = hpo_storage_open(&s, url)) != HPO_OK)
        return fail("open", rc);
    if ((rc = hpo_study_load(&st, s, name, NULL)) != HPO_OK)
        return fail("load", rc);
    if ((rc = hpo_study_get_trials(st, HPO_STATES_ALL, &ts, &n)) != HPO_OK)
        return fail("trials", rc);
    for (size_t i = 0; i < n; i++)
        dump_trial(ts[i]);
    hpo_frozen_trials_free(ts, n);
    hpo_study_free(st);
    hpo_storage_free(s);
    return 0;
}

/* One trial of every kind of data Optuna stores; trial k decides its outcome. */
static int objective(hpo_trial *t, double *values, void *payload)
{
    static const hpo_value choices[5] = {{HPO_VALUE_STRING, {.s = "a"}}, {HPO_VALUE_NULL, {0}},
            {HPO_VALUE_INT, {.i = 1}}, {HPO_VALUE_FLOAT, {.f = 2.5}}, {HPO_VALUE_BOOL, {.b = true}}};
    int *count = payload;
    int k = (*count)++ % 5, rc;
    double x, lr, q;
    int64_t n, m, u;
    size_t c;
    if ((rc = hpo_trial_suggest_float(t, "x", -10, 10, HPO_NO_STEP, false, &x)) != HPO_OK ||
            (rc = hpo_trial_suggest_float(t, "lr", 1e-5, 1e-1, HPO_NO_STEP, true, &lr)) != HPO_OK ||
            (rc = hpo_trial_suggest_float(t, "q", 0, 0.9, 0.3, false, &q)) != HPO_OK ||
            (rc = hpo_trial_suggest_int(t, "n", 1, 10, 3, false, &n)) != HPO_OK ||
            (rc = hpo_trial_suggest_int(t, "m", 1, 100, 1, true, &m)) != HPO_OK ||
            (rc = hpo_trial_suggest_int(t, "u", -3, 3, 1, false, &u)) != HPO_OK ||
            (rc = hpo_trial_suggest_categorical(t, "c", choices, 5, &c)) != HPO_OK)
        return rc;
    for (int step = 0; step < 3; step++)
        if ((rc = hpo_trial_report(t, x * x / (step + 1), step)) != HPO_OK)
            return rc;
    if ((rc = hpo_trial_set_user_attr(t, "note", "{\"k\": [1, 2.5, \"s\", null]}")) != HPO_OK)
        return rc;
    if (k == 1)
        return HPO_EINVAL; /* FAIL */
    if (k == 2)
        return HPO_EPRUNED;
    values[0] = k == 3 ? INFINITY : x * x + (double)n;
    return HPO_OK;
}

static int run(const char *url, const char *name, long n)
{
    hpo_storage *s;
    hpo_study *st;
    hpo_optimize_options o = HPO_OPTIMIZE_OPTIONS_INIT;
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    hpo_pruner *p;
    int count = 0, rc;
    so.load_if_exists = true;
    if ((rc = hpo_storage_open(&s, url)) != HPO_OK)
        return fail("open", rc);
    if ((rc = hpo_study_create(&st, s, name, NULL, 0, &so)) != HPO_OK)
        return fail("create", rc);
    if ((rc = hpo_pruner_nop_new(&p)) != HPO_OK || (rc = hpo_study_set_pruner(st, p)) != HPO_OK)
        return fail("pruner", rc);
    o.n_trials = n;
    if ((rc = hpo_study_optimize(st, objective, &count, &o)) != HPO_OK)
        return fail("optimize", rc);
    hpo_study_free(st);
    hpo_storage_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    int rc;
    if (argc == 4 && strcmp(argv[1], "dump") == 0)
        return dump(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "run") == 0)
        return run(argv[2], argv[3], strtol(argv[4], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "upgrade") == 0) {
        if ((rc = hpo_storage_upgrade(argv[2])) != HPO_OK)
            return fail("upgrade", rc);
        return 0;
    }
    fprintf(stderr, "usage: hpo_interop dump|run|upgrade URL [STUDY [N]]\n");
    return 2;
}
