/*
 * cmd_run.c - `hpo run`: tune any training command with no code changes.
 * Parses the options into an rn_config, opens the storage and the study, and
 * hands over to the trial loop in cli/runner/runner.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/env.h"
#include "cli/viz_cli.h"
#include "cli/runner/algo.h"
#include "cli/runner/common.h"
#include "cli/runner/gpu.h"
#include "cli/runner/runner.h"
#include "cli/space.h"

#define MAX_OBJECTIVES 16

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hpo run [options] -- COMMAND [ARGS...]\n"
            "\n"
            "Run COMMAND once per trial with sampled values substituted for {name} in its\n"
            "arguments, read metrics from its output, prune bad trials early, and record\n"
            "everything in the study. COMMAND is executed directly, never through a shell.\n"
            "\n"
            "Search space (at least one, or let the command call 'hpo trial suggest-*'):\n"
            "  --param NAME=float:LOW:HIGH[:log][:step=S]\n"
            "  --param NAME=int:LOW:HIGH[:log][:step=S]\n"
            "  --param NAME=cat:A,B,C\n"
            "  --space FILE          .json or .yaml: {\"lr\": \"float:1e-5:1e-1:log\",\n"
            "                        \"opt\": [\"Adam\", \"SGD\"], \"beta1\": {\"type\": \"float\",\n"
            "                        \"low\": 0.8, \"high\": 0.99, \"when\": {\"opt\": \"Adam\"}}}\n"
            "\n"
            "Study:\n"
            "  --storage URL         sqlite:///hpo.db, postgresql://..., :memory: (default\n"
            "                        $HPO_STORAGE, else :memory:, which keeps nothing)\n"
            "  --study NAME          created if missing (default $HPO_STUDY, else 'default')\n"
            "  --direction D         minimize (default) or maximize; once per --metric\n"
            "  --metric NAME         the objective, read as NAME=VALUE or {\"NAME\": VALUE}\n"
            "                        lines; repeat for a multi-objective study\n"
            "  --metric-strategy S   last (default), max or min of the values printed\n"
            "  --steps MODE          auto (default): a value with step=K or epoch=K on its\n"
            "                        line is an intermediate value at step K, one without\n"
            "                        only a final value; counter: every value is an\n"
            "                        intermediate value, stepless ones at 0, 1, 2, ...\n"
            "  --sampler SPEC        the search algorithm (default auto; see Samplers below)\n"
            "  --pruner SPEC         early stopping (default median; see Pruners below)\n"
            "  --seed N              sampler seed (default: random)\n"
            "\n"
            "Budget and processes:\n"
            "  --trials N            stop when the study has N trials (study-wide: other\n"
            "                        'hpo run' processes on the same study count too)\n"
            "  --timeout SECONDS     start no trial after this long\n"
            "  --jobs J              trials at once (default 1, or one per GPU slot)\n"
            "  --gpus LIST|all       GPU ids (0,1 or all from nvidia-smi -L); each trial gets\n"
            "                        CUDA_VISIBLE_DEVICES for its slot only\n"
            "  --per-gpu K           trials per GPU (default 1)\n"
            "  --gpu-mem MIB         start a trial only on a GPU with at least MIB of free\n"
            "                        memory (nvidia-smi); otherwise wait for one\n"
            "  --trial-timeout S     stop a trial after S seconds (FAIL)\n"
            "  --grace S             seconds between SIGTERM and SIGKILL (default 10)\n"
            "  --retries R           re-enqueue a failed trial with the same values up to R times\n"
            "  --requeue-interrupted on Ctrl-C, running trials are failed and also enqueued\n"
            "                        again with the same values, for the next 'hpo run'\n"
            "  --log-dir DIR         keep each trial's full output in DIR/trial-N.log\n"
            "  --report FILE         at the end, write a self-contained HTML report there\n"
            "  --heartbeat S         refresh a heartbeat of each running trial every S seconds;\n"
            "                        RUNNING trials silent for 2 S (a killed 'hpo run' on\n"
            "                        another machine) are failed (SQLite, PostgreSQL)\n"
            "\n"
            "Output:\n"
            "  -q, --quiet           errors only\n"
            "  -v, --verbose         also each launch and the children's output\n"
            "  -h, --help            this help\n");
    fprintf(out,
            "\n"
            "Samplers (--sampler NAME[:KEY=VALUE]...):\n"
            "  auto[:gp_max=N]       per trial: gp while the study has fewer than N (300)\n"
            "                        complete trials, tpe for several objectives, conditional\n"
            "                        or mostly categorical spaces, cmaes after that\n"
            "  tpe[:startup=N][:candidates=N][:multivariate=0|1][:liar=0|1][:group=0|1]\n"
            "  gp[:startup=N][:deterministic=0|1][:warp=0|1]   Gaussian-process BO\n"
            "  cmaes[:popsize=N][:sigma0=X][:restart=ipop|none][:margin=0|1][:startup=N]\n"
            "  qmc[:type=sobol|halton][:scramble=0|1]   quasi-random, point n for trial n\n"
            "  grid:NAME=V1,V2,...[:NAME=...]   every combination once, then the run ends\n"
            "  brute-force[:strict=0|1]   every value of a finite space once, then it ends\n"
            "  nsga2[:population=N][:crossover=uniform|blxalpha|sbx|vsbx|undx|spx]\n"
            "       [:mutation=P][:crossover_prob=P][:swapping=P]   genetic, several objectives\n"
            "  random\n"
            "\n"
            "Pruners (--pruner NAME[:KEY=VALUE]...; steps are the intermediate values' steps):\n"
            "  median[:startup=N][:warmup=N][:interval=N][:min_trials=N]\n"
            "  percentile:P[:startup=N][:warmup=N][:interval=N][:min_trials=N]\n"
            "  successive-halving[:min_resource=N|auto][:reduction=N][:min_rate=N]\n"
            "       [:bootstrap=N]   asynchronous successive halving (alias asha)\n"
            "  hyperband[:min_resource=N][:max_resource=N|auto][:reduction=N][:bootstrap=N]\n"
            "       [:filter=0|1]   brackets of successive halving; filter=0: the sampler\n"
            "       also sees other brackets' trials\n"
            "  threshold[:lower=X][:upper=X][:warmup=N][:interval=N]\n"
            "  patient[:patience=N][:min_delta=X][:wrap=PRUNER]   stop a stalled curve\n"
            "  wilcoxon[:p=X][:startup=N]   signed-rank test against the best trial\n"
            "  nop                   never prune\n"
            "\n"
            "In COMMAND's arguments {NAME} becomes the value, {trial_number} and {trial_id}\n"
            "the trial's; {{ and }} are literal braces. An argument naming a conditional\n"
            "parameter that is inactive in a trial is left out. The command also gets\n"
            "HPO_PARAM_<NAME>, HPO_STORAGE, HPO_STUDY, HPO_TRIAL_ID, HPO_TRIAL_NUMBER.\n"
            "A value of the first metric with step=K or epoch=K on its line is an\n"
            "intermediate value for the pruner (see --steps); a pruned trial gets SIGTERM\n"
            "(then SIGKILL after --grace) and is PRUNED only if that stopped it: a command\n"
            "that exits 0 is COMPLETE with its value, as a returning Optuna objective.\n"
            "\n"
            "Exit status: 0 done, 1 error, 2 usage error, 130 interrupted (Ctrl-C; the\n"
            "running trials are stopped and recorded as FAIL; a second Ctrl-C kills them).\n"
            "\n"
            "Example:\n"
            "  hpo run --storage sqlite:///hpo.db --study mlp --direction maximize \\\n"
            "      --metric accuracy --trials 50 --jobs 2 --gpus 0,1 \\\n"
            "      --param lr=float:1e-5:1e-1:log --param opt=cat:Adam,SGD \\\n"
            "      -- python3 train.py --lr {lr} --optimizer {opt}\n");
}

typedef struct run_opts {
    const char *storage, *study, *sampler, *pruner, *log_dir, *gpus_arg, *report;
    const char *metrics[MAX_OBJECTIVES];
    hpo_direction dirs[MAX_OBJECTIVES];
    size_t n_metrics, n_dirs;
    bool have_seed;
    uint64_t seed;
    double heartbeat;
    rn_config cfg;
    cli_space space;
} run_opts;

static int parse_nonneg(const char *flag, const char *v, double *out)
{
    if (cli_parse_double(v, out) != 0 || !(*out >= 0.0) || *out > 1e9)
        return cli_usage_error("run", "%s '%s' must be a number of seconds >= 0", flag, v);
    return 0;
}

static int parse_count(const char *flag, const char *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (cli_parse_i64(v, out) != 0 || *out < lo || *out > hi)
        return cli_usage_error("run", "%s '%s' must be an integer in [%lld, %lld]", flag, v,
                (long long)lo, (long long)hi);
    return 0;
}

/* One option at argv[*i]; 0 handled, 1 not an option of ours, 2 usage error. */
static int parse_one(run_opts *o, int argc, char **argv, int *i)
{
    const char *v = NULL;
    char err[1024];
    int64_t n;
    int m;
#define VALUE(name, alias) ((m = cli_opt_value("run", argc, argv, i, name, alias, &v)) != 0)
    if (VALUE("--storage", NULL))
        o->storage = v;
    else if (VALUE("--study", "--study-name"))
        o->study = v;
    else if (VALUE("--metric", NULL)) {
        if (m > 0 && o->n_metrics == MAX_OBJECTIVES)
            return cli_usage_error("run", "at most %d --metric", MAX_OBJECTIVES);
        if (m > 0)
            o->metrics[o->n_metrics++] = v;
    } else if (VALUE("--direction", NULL)) {
        if (m > 0 && o->n_dirs == MAX_OBJECTIVES)
            return cli_usage_error("run", "at most %d --direction", MAX_OBJECTIVES);
        if (m > 0 && cli_parse_direction(v, &o->dirs[o->n_dirs++]) != 0)
            return cli_usage_error("run", "--direction '%s': minimize or maximize", v);
    } else if (VALUE("--metric-strategy", NULL)) {
        if (m > 0 && strcmp(v, "last") == 0)
            o->cfg.strategy = RN_LAST;
        else if (m > 0 && strcmp(v, "max") == 0)
            o->cfg.strategy = RN_MAX;
        else if (m > 0 && strcmp(v, "min") == 0)
            o->cfg.strategy = RN_MIN;
        else if (m > 0)
            return cli_usage_error("run", "--metric-strategy '%s': last, max or min", v);
    } else if (VALUE("--steps", NULL)) {
        if (m > 0 && strcmp(v, "auto") == 0)
            o->cfg.steps_counter = false;
        else if (m > 0 && strcmp(v, "counter") == 0)
            o->cfg.steps_counter = true;
        else if (m > 0)
            return cli_usage_error("run", "--steps '%s': auto or counter", v);
    } else if (VALUE("--param", NULL)) {
        if (m > 0 && cli_space_add_flag(&o->space, v, err, sizeof(err)) != 0)
            return cli_usage_error("run", "%s", err);
    } else if (VALUE("--space", NULL)) {
        if (m > 0 && cli_space_load_file(&o->space, v, err, sizeof(err)) != 0)
            return cli_usage_error("run", "%s", err);
    } else if (VALUE("--sampler", NULL))
        o->sampler = v;
    else if (VALUE("--pruner", NULL))
        o->pruner = v;
    else if (VALUE("--seed", NULL)) {
        if (m > 0 && cli_parse_i64(v, &n) != 0)
            return cli_usage_error("run", "--seed '%s' is not an integer", v);
        if (m > 0) {
            o->have_seed = true;
            o->seed = (uint64_t)n;
        }
    } else if (VALUE("--trials", "--n-trials")) {
        if (m > 0 && parse_count("--trials", v, 0, INT64_MAX / 2, &o->cfg.n_trials) != 0)
            return 2;
    } else if (VALUE("--timeout", NULL)) {
        if (m > 0 && parse_nonneg("--timeout", v, &o->cfg.timeout) != 0)
            return 2;
    } else if (VALUE("--jobs", "-j")) {
        if (m > 0 && parse_count("--jobs", v, 1, 4096, &n) != 0)
            return 2;
        if (m > 0)
            o->cfg.jobs = (int)n;
    } else if (VALUE("--gpus", NULL))
        o->gpus_arg = v;
    else if (VALUE("--gpu-mem", NULL)) {
        if (m > 0 && parse_count("--gpu-mem", v, 1, INT64_MAX / 2, &o->cfg.gpu_mem_mib) != 0)
            return 2;
    } else if (VALUE("--per-gpu", NULL)) {
        if (m > 0 && parse_count("--per-gpu", v, 1, 1024, &n) != 0)
            return 2;
        if (m > 0)
            o->cfg.per_gpu = (int)n;
    } else if (VALUE("--trial-timeout", NULL)) {
        if (m > 0 && parse_nonneg("--trial-timeout", v, &o->cfg.trial_timeout) != 0)
            return 2;
    } else if (VALUE("--grace", NULL)) {
        if (m > 0 && parse_nonneg("--grace", v, &o->cfg.grace) != 0)
            return 2;
    } else if (VALUE("--retries", NULL)) {
        if (m > 0 && parse_count("--retries", v, 0, 1000, &n) != 0)
            return 2;
        if (m > 0)
            o->cfg.retries = (int)n;
    } else if (VALUE("--heartbeat", NULL)) {
        if (m > 0 && parse_nonneg("--heartbeat", v, &o->heartbeat) != 0)
            return 2;
    } else if (VALUE("--log-dir", NULL))
        o->log_dir = v;
    else if (cli_opt_flag(argv[*i], "--requeue-interrupted", NULL))
        o->cfg.requeue_interrupted = true;
    else if (VALUE("--report", NULL))
        o->report = v;
    else if (cli_opt_flag(argv[*i], "--quiet", "-q"))
        o->cfg.verbosity = 0;
    else if (cli_opt_flag(argv[*i], "--verbose", "-v"))
        o->cfg.verbosity = 2;
    else
        return argv[*i][0] == '-' ? cli_usage_error("run", "unknown option '%s'", argv[*i]) : 1;
#undef VALUE
    return m < 0 ? 2 : 0;
}

/* Check the options against each other and fill the rest of cfg. */
static int finish_opts(run_opts *o, char **gpus, size_t n_gpus)
{
    rn_config *c = &o->cfg;
    if (o->n_metrics == 0)
        return cli_usage_error("run", "--metric NAME is required (the value to optimise)");
    if (o->n_dirs == 0) {
        for (size_t k = 0; k < o->n_metrics; k++)
            o->dirs[k] = HPO_MINIMIZE;
        o->n_dirs = o->n_metrics;
    }
    if (o->n_dirs != o->n_metrics)
        return cli_usage_error("run", "%zu --direction for %zu --metric", o->n_dirs,
                o->n_metrics);
    /* Grid and brute force end by themselves once every point has been tried. */
    if (c->n_trials == 0 && c->timeout == 0.0 && !cli_sampler_ends_itself(o->sampler))
        return cli_usage_error("run", "give --trials N or --timeout SECONDS");
    {
        /* Build them once here so that a bad spec is a usage error. */
        hpo_sampler *s = NULL;
        hpo_pruner *p = NULL;
        char err[512];
        int bad = cli_sampler_new(o->sampler, 0, &s, err, sizeof(err)) != 0 ||
                  cli_pruner_new(o->pruner, &p, err, sizeof(err)) != 0;
        hpo_sampler_free(s);
        hpo_pruner_free(p);
        if (bad)
            return cli_usage_error("run", "%s", err);
    }
    if (c->gpu_mem_mib > 0 && gpus == NULL)
        return cli_usage_error("run", "--gpu-mem needs --gpus (the GPUs whose memory to check)");
    if (gpus != NULL) {
        size_t slots = n_gpus * (size_t)c->per_gpu;
        if (c->jobs == 0)
            c->jobs = (int)slots;
        if ((size_t)c->jobs > slots)
            return cli_usage_error("run", "--jobs %d is more than the %zu GPU slots (%zu GPU(s) x "
                                          "--per-gpu %d)",
                    c->jobs, slots, n_gpus, c->per_gpu);
    }
    if (c->jobs == 0)
        c->jobs = 1;
    c->gpus = gpus;
    c->n_gpus = n_gpus;
    c->metrics = o->metrics;
    c->n_metrics = o->n_metrics;
    c->space = &o->space;
    c->sampler_spec = o->sampler;
    c->pruner_spec = o->pruner;
    c->seed = o->have_seed ? o->seed : cli_random_seed();
    c->log_dir = o->log_dir;
    c->live = c->verbosity > 0 && isatty(STDERR_FILENO);
    return 0;
}

/* Create or load the study and check it matches the metrics. */
static hpo_study *open_study(run_opts *o, hpo_storage *storage)
{
    hpo_study_options so = HPO_STUDY_OPTIONS_INIT;
    hpo_study *st = NULL;
    char err[512];
    so.load_if_exists = true;
    so.seed = o->cfg.seed;
    if (hpo_study_create(&st, storage, o->study, o->dirs, o->n_dirs, &so) != HPO_OK) {
        cli_fail("run", "study '%s': %s", o->study, hpo_last_error());
        return NULL;
    }
    if (hpo_study_n_objectives(st) != o->n_metrics) {
        cli_fail("run", "study '%s' has %zu objective(s), but %zu --metric were given", o->study,
                hpo_study_n_objectives(st), o->n_metrics);
        goto fail;
    }
    for (size_t k = 0; k < o->n_metrics; k++) {
        if (hpo_study_direction(st, k) != o->dirs[k]) {
            cli_fail("run", "study '%s' objective %zu is %s, not %s", o->study, k,
                    hpo_direction_name(hpo_study_direction(st, k)),
                    hpo_direction_name(o->dirs[k]));
            goto fail;
        }
    }
    if (cli_study_set_algorithms(st, o->sampler, o->cfg.seed, o->pruner, err, sizeof(err)) != 0) {
        cli_usage_error("run", "%s", err);
        goto fail;
    }
    return st;
fail:
    hpo_study_free(st);
    return NULL;
}

/* The HTML report of the study, written when --report is given (also after Ctrl-C). */
static int write_report(hpo_study *study, const char *path)
{
    hpo_report_options ro = HPO_REPORT_OPTIONS_INIT;
    char *html = NULL;
    size_t len = 0;
    int rc;
    ro.max_table_rows = 10000;
    if (hpo_report_html(study, &ro, &html, &len) != HPO_OK)
        return cli_fail("run", "report: %s", hpo_last_error());
    rc = viz_cli_write("run", path, html, len);
    hpo_free(html);
    if (rc == 0)
        fprintf(stderr, "hpo run: report written to %s\n", path);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/*
 * This worker's environment fingerprint: stored once per distinct hash in the study
 * (system attribute hpo:env:<hash>, which Optuna reads too); a warning when the
 * study already holds another, since its workers then ran different environments.
 */
static void record_env(const run_opts *o, char hash[17])
{
    json_t *env = cli_env_collect();
    char key[64], *text = NULL, *attrs = NULL;
    json_t *all;
    const char *k;
    json_t *v;
    int others = 0;
    if (env == NULL) {
        snprintf(hash, 17, "unknown");
        return;
    }
    cli_env_hash(env, hash);
    snprintf(key, sizeof(key), "hpo:env:%s", hash);
    if (hpo_study_attrs_json(o->cfg.study, true, &attrs) == HPO_OK &&
            (all = json_loads(attrs, 0, NULL)) != NULL) {
        json_object_foreach(all, k, v) others += strncmp(k, "hpo:env:", 8) == 0 &&
                                                  strcmp(k, key) != 0;
        if (json_object_get(all, key) == NULL &&
                (text = json_dumps(env, JSON_SORT_KEYS | JSON_COMPACT)) != NULL &&
                hpo_study_set_system_attr(o->cfg.study, key, text) != HPO_OK)
            fprintf(stderr, "hpo run: cannot record the environment: %s\n", hpo_last_error());
        json_decref(all);
    }
    if (others > 0 && o->cfg.verbosity > 0)
        fprintf(stderr, "hpo run: warning: this study's workers ran %d other environment(s) "
                        "than this one (%s); see hpo env diff --study %s\n",
                others, hash, o->study);
    free(text);
    hpo_free(attrs);
    json_decref(env);
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    hpo_storage *storage = NULL;
    char **gpus = NULL, env_hash[17];
    size_t n_gpus = 0;
    int i, rc = CLI_EXIT_USAGE;
    memset(&o, 0, sizeof(o));
    o.cfg.verbosity = 1;
    o.cfg.per_gpu = 1;
    o.cfg.grace = 10.0;
    for (i = 1; i < argc; i++) {
        int r;
        if (cli_opt_flag(argv[i], "--help", "-h")) {
            usage(stdout);
            rc = CLI_EXIT_OK;
            goto out;
        }
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        r = parse_one(&o, argc, argv, &i);
        if (r == 2)
            goto out;
        if (r == 1)
            break; /* the command starts here */
    }
    if (i >= argc) {
        rc = cli_usage_error("run", "no command: put it after '--'");
        goto out;
    }
    o.cfg.cmd = argv + i;
    o.cfg.n_cmd = (size_t)(argc - i);
    if (o.gpus_arg != NULL) {
        char err[512];
        if (rn_gpus_parse(o.gpus_arg, &gpus, &n_gpus, err, sizeof(err)) != 0) {
            rc = cli_usage_error("run", "--gpus: %s", err);
            goto out;
        }
    }
    if ((rc = finish_opts(&o, gpus, n_gpus)) != 0)
        goto out;
    if (o.storage == NULL)
        o.storage = getenv("HPO_STORAGE");
    if (o.storage == NULL || o.storage[0] == '\0') {
        o.storage = ":memory:";
        if (o.cfg.verbosity > 0)
            fprintf(stderr, "hpo run: no --storage: results live in memory only\n");
    }
    if (o.study == NULL)
        o.study = getenv("HPO_STUDY");
    if (o.study == NULL || o.study[0] == '\0')
        o.study = "default";
    if (o.log_dir != NULL && mkdir(o.log_dir, 0777) != 0 && errno != EEXIST) {
        rc = cli_fail("run", "--log-dir '%s': %s", o.log_dir, strerror(errno));
        goto out;
    }
    rc = CLI_EXIT_FAIL;
    if ((storage = cli_open_storage("run", o.storage)) == NULL)
        goto out;
    if (o.heartbeat > 0 && hpo_storage_set_heartbeat(storage, o.heartbeat, 0, false, -1) != HPO_OK) {
        rc = cli_usage_error("run", "--heartbeat: %s", hpo_last_error());
        goto out;
    }
    if ((o.cfg.study = open_study(&o, storage)) == NULL)
        goto out;
    o.cfg.storage_url = o.storage;
    o.cfg.study_name = o.study;
    record_env(&o, env_hash);
    o.cfg.env_hash = env_hash;
    rc = rn_run(&o.cfg);
    if (o.report != NULL && (rc == CLI_EXIT_OK || rc == 130)) {
        int wrc = write_report(o.cfg.study, o.report);
        rc = rc == CLI_EXIT_OK ? wrc : rc;
    }
out:
    hpo_study_free(o.cfg.study);
    hpo_storage_free(storage);
    rn_gpus_free(gpus, n_gpus);
    cli_space_free(&o.space);
    return rc;
}
