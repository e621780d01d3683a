/*
 * cmd_trial.c - `hpo trial ...`: define-by-run from inside a child of
 * `hpo run`, in any language. The trial is found through HPO_STORAGE,
 * HPO_STUDY and HPO_TRIAL_ID (set by `hpo run`), and the study's sampler and
 * pruner are rebuilt from HPO_SAMPLER, HPO_PRUNER and HPO_SEED, so a suggestion
 * made here is the one the parent's sampler would have made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/runner/algo.h"
#include "cli/runner/common.h"
#include "cli/space.h"

/* Exit status of `hpo trial report` when the trial should stop. */
#define EXIT_PRUNE 3

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hpo trial COMMAND [ARGS] [--storage URL --study NAME --trial-id ID]\n"
            "\n"
            "Define-by-run from a program started by 'hpo run', in any language. The trial\n"
            "comes from $HPO_STORAGE, $HPO_STUDY and $HPO_TRIAL_ID unless given; the storage\n"
            "must be shared (sqlite:// or postgresql://, not :memory:).\n"
            "\n"
            "commands:\n"
            "  suggest-float NAME LOW HIGH [--log] [--step S]   print the value\n"
            "  suggest-int NAME LOW HIGH [--log] [--step S]     print the value\n"
            "  suggest-categorical NAME CHOICE...               print the chosen string\n"
            "  report VALUE [--step K]    record an intermediate value (step: next after the\n"
            "                             last reported); exit status 3: stop, the trial\n"
            "                             should be pruned ('hpo run' records it PRUNED)\n"
            "  should-prune               exit status 3 when the trial should be pruned\n"
            "  set-attr KEY VALUE [--json]  user attribute (a string, or JSON text)\n"
            "\n"
            "Exit status: 0 success, 1 error, 2 usage error, 3 prune.\n"
            "\n"
            "Example (in a shell script run by hpo run):\n"
            "  lr=$(hpo trial suggest-float lr 1e-5 1e-1 --log)\n"
            "  for epoch in 1 2 3; do\n"
            "      acc=$(train_one_epoch --lr \"$lr\")\n"
            "      hpo trial report \"$acc\" --step $epoch || exit 0\n"
            "  done\n"
            "  echo \"accuracy=$acc\"\n");
}

typedef struct trial_ctx {
    hpo_storage *storage;
    hpo_study *study;
    hpo_trial *trial;
} trial_ctx;

static void ctx_close(trial_ctx *c)
{
    hpo_trial_free(c->trial);
    hpo_study_free(c->study);
    hpo_storage_free(c->storage);
}

/* FNV-1a of a name, to give each parameter its own random stream. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/*
 * Open the trial. salt (the parameter name) goes into the sampler's seed: each
 * `hpo trial` call is a new process, and the same seed in every call would
 * draw the same random numbers for every parameter of every trial.
 */
static int ctx_open(trial_ctx *c, const char *storage, const char *study, const char *trial_id,
        const char *salt)
{
    const char *url = cli_storage_url("trial", storage);
    const char *name = cli_study_name("trial", study);
    const char *id_text = trial_id ? trial_id : getenv("HPO_TRIAL_ID");
    const char *seed_text = getenv("HPO_SEED");
    int64_t id, seed = 0;
    char err[512];
    memset(c, 0, sizeof(*c));
    if (url == NULL || name == NULL)
        return CLI_EXIT_USAGE;
    if (id_text == NULL || cli_parse_i64(id_text, &id) != 0)
        return cli_usage_error("trial", "no trial: set HPO_TRIAL_ID (hpo run does) or give "
                                        "--trial-id ID");
    if (strcmp(url, ":memory:") == 0 || strncmp(url, "memory:", 7) == 0)
        return cli_fail("trial", "storage '%s' is private to the 'hpo run' process; run it with "
                                 "--storage sqlite:///FILE.db to use 'hpo trial'",
                url);
    if (seed_text != NULL && cli_parse_i64(seed_text, &seed) != 0)
        seed = 0;
    if ((c->storage = cli_open_storage("trial", url)) == NULL)
        return CLI_EXIT_FAIL;
    if ((c->study = cli_load_study("trial", c->storage, name)) == NULL)
        return CLI_EXIT_FAIL;
    if (cli_study_set_algorithms(c->study, getenv("HPO_SAMPLER"),
                cli_seed_mix(cli_seed_mix((uint64_t)seed, (uint64_t)id), name_hash(salt)),
                getenv("HPO_PRUNER"), err, sizeof(err)) != 0)
        return cli_fail("trial", "HPO_SAMPLER/HPO_PRUNER: %s", err);
    if (hpo_study_open_trial(c->study, id, &c->trial) != HPO_OK)
        return cli_fail("trial", "%s", hpo_last_error());
    return CLI_EXIT_OK;
}

/* Options shared by every subcommand; positional arguments go to pos. */
typedef struct trial_args {
    const char *storage, *study, *trial_id, *step;
    bool log, json;
    const char *pos[256];
    int n_pos;
} trial_args;

static int parse_args(int argc, char **argv, trial_args *a)
{
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        const char *v;
        int m;
        if ((m = cli_opt_value("trial", argc, argv, &i, "--storage", NULL, &v)) != 0)
            a->storage = v;
        else if ((m = cli_opt_value("trial", argc, argv, &i, "--study", "--study-name", &v)) != 0)
            a->study = v;
        else if ((m = cli_opt_value("trial", argc, argv, &i, "--trial-id", NULL, &v)) != 0)
            a->trial_id = v;
        else if ((m = cli_opt_value("trial", argc, argv, &i, "--step", NULL, &v)) != 0)
            a->step = v;
        else if (strcmp(argv[i], "--log") == 0)
            a->log = true;
        else if (strcmp(argv[i], "--json") == 0)
            a->json = true;
        else if (a->n_pos == 256)
            return cli_usage_error("trial", "too many arguments");
        else
            a->pos[a->n_pos++] = argv[i];
        if (m < 0)
            return CLI_EXIT_USAGE;
        if (m > 0)
            continue;
    }
    return CLI_EXIT_OK;
}

static int print_value(hpo_value v)
{
    char *text = cli_value_text(v);
    if (text == NULL)
        return cli_fail("trial", "out of memory");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

static int suggest_numeric(const trial_args *a, bool is_int)
{
    const char *what = is_int ? "suggest-int" : "suggest-float";
    trial_ctx c;
    int rc;
    if (a->n_pos != 3)
        return cli_usage_error("trial", "%s NAME LOW HIGH [--log] [--step S]", what);
    if ((rc = ctx_open(&c, a->storage, a->study, a->trial_id, a->pos[0])) == CLI_EXIT_OK) {
        if (is_int) {
            int64_t lo, hi, step = 1, v;
            if (cli_parse_i64(a->pos[1], &lo) != 0 || cli_parse_i64(a->pos[2], &hi) != 0 ||
                    (a->step && cli_parse_i64(a->step, &step) != 0))
                rc = cli_usage_error("trial", "%s: LOW, HIGH and --step must be integers", what);
            else if (hpo_trial_suggest_int(c.trial, a->pos[0], lo, hi, step, a->log, &v) != HPO_OK)
                rc = cli_fail("trial", "%s", hpo_last_error());
            else
                rc = print_value(hpo_value_int(v));
        } else {
            double lo, hi, step = HPO_NO_STEP, v;
            if (cli_parse_double(a->pos[1], &lo) != 0 || cli_parse_double(a->pos[2], &hi) != 0 ||
                    (a->step && cli_parse_double(a->step, &step) != 0))
                rc = cli_usage_error("trial", "%s: LOW, HIGH and --step must be numbers", what);
            else if (hpo_trial_suggest_float(c.trial, a->pos[0], lo, hi, step, a->log, &v) !=
                     HPO_OK)
                rc = cli_fail("trial", "%s", hpo_last_error());
            else
                rc = print_value(hpo_value_float(v));
        }
    }
    ctx_close(&c);
    return rc;
}

static int suggest_categorical(const trial_args *a)
{
    trial_ctx c;
    size_t idx;
    int rc;
    if (a->n_pos < 2)
        return cli_usage_error("trial", "suggest-categorical NAME CHOICE...");
    if ((rc = ctx_open(&c, a->storage, a->study, a->trial_id, a->pos[0])) == CLI_EXIT_OK) {
        if (hpo_trial_suggest_categorical_str(c.trial, a->pos[0], a->pos + 1,
                    (size_t)a->n_pos - 1, &idx) != HPO_OK)
            rc = cli_fail("trial", "%s", hpo_last_error());
        else
            rc = print_value(hpo_value_string(a->pos[1 + idx]));
    }
    ctx_close(&c);
    return rc;
}

/* The step after the last reported one (0 when none). */
static int next_step(hpo_trial *t, int64_t *out)
{
    hpo_frozen_trial *snap = NULL;
    size_t n;
    *out = 0;
    if (hpo_trial_snapshot(t, &snap) != HPO_OK)
        return -1;
    n = hpo_frozen_trial_n_intermediate(snap);
    if (n > 0) {
        double v;
        hpo_frozen_trial_intermediate(snap, n - 1, out, &v);
        (*out)++;
    }
    hpo_frozen_trial_free(snap);
    return 0;
}

static int prune_status(trial_ctx *c)
{
    bool prune = false;
    if (hpo_trial_should_prune(c->trial, &prune) != HPO_OK)
        return cli_fail("trial", "%s", hpo_last_error());
    if (prune)
        fprintf(stderr, "hpo trial: trial %lld should be pruned\n",
                (long long)hpo_trial_number(c->trial));
    return prune ? EXIT_PRUNE : CLI_EXIT_OK;
}

static int report(const trial_args *a)
{
    trial_ctx c;
    double v;
    int64_t step;
    int rc;
    if (a->n_pos != 1 || cli_parse_double(a->pos[0], &v) != 0)
        return cli_usage_error("trial", "report VALUE [--step K] (VALUE a number)");
    if (a->step != NULL && (cli_parse_i64(a->step, &step) != 0 || step < 0))
        return cli_usage_error("trial", "--step '%s' must be an integer >= 0", a->step);
    if ((rc = ctx_open(&c, a->storage, a->study, a->trial_id, "")) == CLI_EXIT_OK) {
        if (a->step == NULL && next_step(c.trial, &step) != 0)
            rc = cli_fail("trial", "%s", hpo_last_error());
        else if (hpo_trial_report(c.trial, v, step) != HPO_OK)
            rc = cli_fail("trial", "%s", hpo_last_error());
        else
            rc = prune_status(&c);
    }
    ctx_close(&c);
    return rc;
}

static int should_prune(const trial_args *a)
{
    trial_ctx c;
    int rc;
    if (a->n_pos != 0)
        return cli_usage_error("trial", "should-prune takes no arguments");
    if ((rc = ctx_open(&c, a->storage, a->study, a->trial_id, "")) == CLI_EXIT_OK)
        rc = prune_status(&c);
    ctx_close(&c);
    return rc;
}

static int set_attr(const trial_args *a)
{
    trial_ctx c;
    char *json = NULL;
    int rc;
    if (a->n_pos != 2)
        return cli_usage_error("trial", "set-attr KEY VALUE [--json]");
    if (!a->json) {
        json_t *s = json_string(a->pos[1]);
        json = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
        json_decref(s);
        if (json == NULL)
            return cli_usage_error("trial", "set-attr: VALUE is not valid UTF-8");
    }
    if ((rc = ctx_open(&c, a->storage, a->study, a->trial_id, "")) == CLI_EXIT_OK &&
            hpo_trial_set_user_attr(c.trial, a->pos[0], json ? json : a->pos[1]) != HPO_OK)
        rc = cli_fail("trial", "%s", hpo_last_error());
    ctx_close(&c);
    free(json);
    return rc;
}

int cmd_trial(int argc, char **argv)
{
    trial_args a;
    const char *sub = argc > 1 ? argv[1] : NULL;
    int rc;
    if (sub == NULL || cli_opt_flag(sub, "--help", "-h") || strcmp(sub, "help") == 0) {
        usage(sub ? stdout : stderr);
        return sub ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
    }
    if ((rc = parse_args(argc, argv, &a)) != CLI_EXIT_OK)
        return rc;
    if (strcmp(sub, "suggest-float") == 0)
        return suggest_numeric(&a, false);
    if (strcmp(sub, "suggest-int") == 0)
        return suggest_numeric(&a, true);
    if (strcmp(sub, "suggest-categorical") == 0)
        return suggest_categorical(&a);
    if (strcmp(sub, "report") == 0)
        return report(&a);
    if (strcmp(sub, "should-prune") == 0)
        return should_prune(&a);
    if (strcmp(sub, "set-attr") == 0)
        return set_attr(&a);
    return cli_usage_error("trial", "unknown command '%s'", sub);
}
