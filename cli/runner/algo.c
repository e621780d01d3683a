/*
 * algo.c - sampler and pruner specs (see algo.h): "name[:key=value]...".
 */
#include "algo.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define SPEC_MAX_FIELDS 16

typedef struct spec {
    char *copy;
    char *name;
    char *keys[SPEC_MAX_FIELDS];
    char *values[SPEC_MAX_FIELDS];
    size_t n;
} spec;

/* A growing string for the grid's JSON (the CLI has no access to libhpo's hpo_buf). */
typedef struct hpo_buf_text {
    char *data;
    size_t len, cap;
    bool failed;
} hpo_buf_text;

static void text_add(hpo_buf_text *b, const char *s)
{
    size_t n = strlen(s);
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

static int split_spec(const char *text, spec *s, char *err, size_t errlen)
{
    char *save = NULL, *tok;
    memset(s, 0, sizeof(*s));
    s->copy = strdup(text);
    if (s->copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->name = strtok_r(s->copy, ":", &save);
    if (s->name == NULL) {
        snprintf(err, errlen, "empty sampler or pruner name");
        return -1;
    }
    while ((tok = strtok_r(NULL, ":", &save)) != NULL) {
        char *eq = strchr(tok, '=');
        if (s->n == SPEC_MAX_FIELDS) {
            snprintf(err, errlen, "'%.200s': too many options", text);
            return -1;
        }
        if (eq != NULL)
            *eq = '\0';
        s->keys[s->n] = eq ? tok : NULL; /* a bare value (percentile:25) */
        s->values[s->n] = eq ? eq + 1 : tok;
        s->n++;
    }
    return 0;
}

static int spec_int(const char *what, const char *key, const char *v, long long lo,
        long long *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    *out = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || errno == ERANGE || *out < lo) {
        snprintf(err, errlen, "%s: %s=%.100s must be an integer >= %lld", what, key, v, lo);
        return -1;
    }
    return 0;
}

static int unknown_key(const char *what, const char *key, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: unknown option '%.100s'", what, key ? key : "(no key)");
    return -1;
}

static int tpe_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err, size_t errlen)
{
    hpo_tpe_options o = HPO_TPE_OPTIONS_INIT;
    long long v;
    o.seed = seed;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i];
        if (k != NULL && strcmp(k, "compat") == 0) {
            if (strcmp(s->values[i], "4.9") != 0 && strcmp(s->values[i], "5.0") != 0) {
                snprintf(err, errlen, "tpe: compat must be 4.9 or 5.0");
                return -1;
            }
            o.compat = strcmp(s->values[i], "4.9") == 0 ? HPO_TPE_COMPAT_4_9 : HPO_TPE_COMPAT_5_0;
            continue;
        }
        if (k == NULL)
            return unknown_key("tpe", s->values[i], err, errlen);
        if (spec_int("tpe", k, s->values[i], 0, &v, err, errlen) != 0)
            return -1;
        if (strcmp(k, "startup") == 0)
            o.n_startup_trials = (size_t)v;
        else if (strcmp(k, "candidates") == 0 && v >= 1)
            o.n_ei_candidates = (size_t)v;
        else if (strcmp(k, "multivariate") == 0 && v <= 1)
            o.multivariate = (int)v;
        else if (strcmp(k, "liar") == 0 && v <= 1)
            o.constant_liar = (int)v;
        else if (strcmp(k, "group") == 0 && v <= 1)
            o.group = v == 1;
        else
            return unknown_key("tpe", k, err, errlen);
    }
    if (hpo_sampler_tpe_new(out, &o) != HPO_OK) {
        snprintf(err, errlen, "tpe: %s", hpo_last_error());
        return -1;
    }
    return 0;
}

static int made(const char *what, int status, char *err, size_t errlen)
{
    if (status == HPO_OK)
        return 0;
    snprintf(err, errlen, "%s: %s", what, hpo_last_error());
    return -1;
}

static int random_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err, size_t errlen)
{
    if (s->n > 0)
        return unknown_key("random", s->keys[0] ? s->keys[0] : s->values[0], err, errlen);
    return made("random", hpo_sampler_random_new(out, seed), err, errlen);
}

static int gp_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err, size_t errlen)
{
    hpo_gp_options o = HPO_GP_OPTIONS_INIT;
    long long v;
    o.seed = seed;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i];
        if (k == NULL)
            return unknown_key("gp", s->values[i], err, errlen);
        if (spec_int("gp", k, s->values[i], 0, &v, err, errlen) != 0)
            return -1;
        if (strcmp(k, "startup") == 0)
            o.n_startup_trials = (size_t)v;
        else if (strcmp(k, "deterministic") == 0 && v <= 1)
            o.deterministic_objective = v == 1;
        else if (strcmp(k, "warp") == 0 && v <= 1)
            o.warp_output = v == 1;
        else
            return unknown_key("gp", k, err, errlen);
    }
    return made("gp", hpo_sampler_gp_new(out, &o), err, errlen);
}

static int cmaes_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err, size_t errlen)
{
    hpo_cmaes_options o = HPO_CMAES_OPTIONS_INIT;
    long long v;
    o.seed = seed;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i], *val = s->values[i];
        if (k == NULL)
            return unknown_key("cmaes", val, err, errlen);
        if (strcmp(k, "restart") == 0) {
            if (strcmp(val, "ipop") != 0 && strcmp(val, "none") != 0) {
                snprintf(err, errlen, "cmaes: restart must be ipop or none");
                return -1;
            }
            o.restart = strcmp(val, "ipop") == 0 ? HPO_CMAES_RESTART_IPOP : HPO_CMAES_RESTART_NONE;
            continue;
        }
        if (strcmp(k, "sigma0") == 0) {
            char *end;
            o.sigma0 = strtod(val, &end);
            if (end == val || *end != '\0') {
                snprintf(err, errlen, "cmaes: sigma0=%.100s is not a number", val);
                return -1;
            }
            continue;
        }
        if (spec_int("cmaes", k, val, 0, &v, err, errlen) != 0)
            return -1;
        if (strcmp(k, "popsize") == 0)
            o.popsize = (size_t)v;
        else if (strcmp(k, "startup") == 0)
            o.n_startup_trials = (size_t)v;
        else if (strcmp(k, "margin") == 0 && v <= 1)
            o.with_margin = (int)v;
        else if (strcmp(k, "inc") == 0 && v <= 1000)
            o.inc_popsize = (int)v;
        else if (strcmp(k, "pruned") == 0 && v <= 1)
            o.consider_pruned_trials = v == 1;
        else
            return unknown_key("cmaes", k, err, errlen);
    }
    return made("cmaes", hpo_sampler_cmaes_new(out, &o), err, errlen);
}

static int auto_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err, size_t errlen)
{
    hpo_auto_options o = HPO_AUTO_OPTIONS_INIT;
    long long v;
    o.seed = seed;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i];
        if (k == NULL)
            return unknown_key("auto", s->values[i], err, errlen);
        if (spec_int("auto", k, s->values[i], 0, &v, err, errlen) != 0)
            return -1;
        if (strcmp(k, "gp_max") == 0)
            o.gp_max_trials = (size_t)v;
        else
            return unknown_key("auto", k, err, errlen);
    }
    return made("auto", hpo_sampler_auto_new(out, &o), err, errlen);
}

static int qmc_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err, size_t errlen)
{
    hpo_qmc_options o = HPO_QMC_OPTIONS_INIT;
    long long v;
    o.seed = seed;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i], *val = s->values[i];
        if (k == NULL)
            return unknown_key("qmc", val, err, errlen);
        if (strcmp(k, "type") == 0) {
            if (strcmp(val, "sobol") != 0 && strcmp(val, "halton") != 0) {
                snprintf(err, errlen, "qmc: type must be sobol or halton");
                return -1;
            }
            o.qmc_type = strcmp(val, "sobol") == 0 ? HPO_QMC_SOBOL : HPO_QMC_HALTON;
        } else if (strcmp(k, "scramble") == 0 &&
                   spec_int("qmc", k, val, 0, &v, err, errlen) == 0 && v <= 1) {
            o.scramble = v == 1;
        } else {
            return unknown_key("qmc", k, err, errlen);
        }
    }
    return made("qmc", hpo_sampler_qmc_new(out, &o), err, errlen);
}

/* One grid value: a JSON number, true/false/null, or else a string. */
static void grid_value(hpo_buf_text *b, const char *v, size_t n)
{
    char tmp[256], *end;
    snprintf(tmp, sizeof(tmp), "%.*s", (int)(n < 255 ? n : 255), v);
    strtod(tmp, &end);
    if ((end != tmp && *end == '\0' && strcspn(tmp, "xXnN") == strlen(tmp)) ||
            strcmp(tmp, "true") == 0 || strcmp(tmp, "false") == 0 || strcmp(tmp, "null") == 0) {
        text_add(b, tmp);
        return;
    }
    text_add(b, "\"");
    for (const char *c = tmp; *c; c++) {
        char esc[8];
        if (*c == '"' || *c == '\\')
            snprintf(esc, sizeof(esc), "\\%c", *c);
        else if ((unsigned char)*c < 0x20)
            snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)*c);
        else
            snprintf(esc, sizeof(esc), "%c", *c);
        text_add(b, esc);
    }
    text_add(b, "\"");
}

/* grid:NAME=V1,V2,...[:NAME=...] as the JSON object the library takes. */
static int grid_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err, size_t errlen)
{
    hpo_buf_text b = {0};
    int rc;
    if (s->n == 0) {
        snprintf(err, errlen, "grid: give the values, e.g. grid:lr=0.001,0.01:opt=adam,sgd "
                              "(or use brute-force to try every value of a finite space)");
        return -1;
    }
    text_add(&b, "{");
    for (size_t i = 0; i < s->n; i++) {
        const char *v = s->values[i];
        if (s->keys[i] == NULL || s->keys[i][0] == '\0') {
            free(b.data);
            snprintf(err, errlen, "grid: '%.100s' is not NAME=V1,V2,...", v);
            return -1;
        }
        text_add(&b, i ? ", " : "");
        grid_value(&b, s->keys[i], strlen(s->keys[i]));
        text_add(&b, ": [");
        for (size_t n = 0;; n++) {
            size_t len = strcspn(v, ",");
            text_add(&b, n ? ", " : "");
            grid_value(&b, v, len);
            if (v[len] == '\0')
                break;
            v += len + 1;
        }
        text_add(&b, "]");
    }
    text_add(&b, "}");
    if (b.failed) {
        free(b.data);
        snprintf(err, errlen, "grid: out of memory");
        return -1;
    }
    rc = made("grid", hpo_sampler_grid_new(out, b.data, seed), err, errlen);
    free(b.data);
    return rc;
}

static int brute_force_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err,
        size_t errlen)
{
    hpo_brute_force_options o = HPO_BRUTE_FORCE_OPTIONS_INIT;
    long long v;
    o.seed = seed;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i];
        if (k == NULL)
            return unknown_key("brute-force", s->values[i], err, errlen);
        if (strcmp(k, "strict") == 0 &&
                spec_int("brute-force", k, s->values[i], 0, &v, err, errlen) == 0 && v <= 1)
            o.avoid_premature_stop = v == 1;
        else
            return unknown_key("brute-force", k, err, errlen);
    }
    return made("brute-force", hpo_sampler_brute_force_new(out, &o), err, errlen);
}

static int spec_prob(const char *what, const char *key, const char *v, double *out, char *err,
        size_t errlen)
{
    char *end;
    *out = strtod(v, &end);
    if (end == v || *end != '\0' || !(*out >= 0.0 && *out <= 1.0)) {
        snprintf(err, errlen, "%s: %s=%.100s must be a number in [0, 1]", what, key, v);
        return -1;
    }
    return 0;
}

static const char *const crossovers[] = {"uniform", "blxalpha", "sbx", "vsbx", "undx", "spx"};

static int nsga2_new(const spec *s, uint64_t seed, hpo_sampler **out, char *err, size_t errlen)
{
    hpo_nsga2_options o = HPO_NSGA2_OPTIONS_INIT;
    long long v;
    o.seed = seed;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i], *val = s->values[i];
        int bad = 0;
        if (k == NULL)
            return unknown_key("nsga2", val, err, errlen);
        if (strcmp(k, "population") == 0) {
            bad = spec_int("nsga2", k, val, 2, &v, err, errlen);
            o.population_size = (size_t)v;
        } else if (strcmp(k, "mutation") == 0) {
            bad = spec_prob("nsga2", k, val, &o.mutation_prob, err, errlen);
        } else if (strcmp(k, "crossover_prob") == 0) {
            bad = spec_prob("nsga2", k, val, &o.crossover_prob, err, errlen);
        } else if (strcmp(k, "swapping") == 0) {
            bad = spec_prob("nsga2", k, val, &o.swapping_prob, err, errlen);
        } else if (strcmp(k, "crossover") == 0) {
            size_t c = 0;
            while (c < sizeof(crossovers) / sizeof(crossovers[0]) && strcmp(val, crossovers[c]))
                c++;
            if (c == sizeof(crossovers) / sizeof(crossovers[0])) {
                snprintf(err, errlen, "nsga2: crossover must be uniform, blxalpha, sbx, vsbx, "
                                      "undx or spx");
                return -1;
            }
            o.crossover = (hpo_nsga2_crossover)c;
        } else {
            return unknown_key("nsga2", k, err, errlen);
        }
        if (bad)
            return -1;
    }
    return made("nsga2", hpo_sampler_nsga2_new(out, &o), err, errlen);
}

typedef int (*sampler_ctor)(const spec *s, uint64_t seed, hpo_sampler **out, char *err,
        size_t errlen);

static const struct {
    const char *name;
    sampler_ctor ctor;
} samplers[] = {
        {"tpe", tpe_new},
        {"auto", auto_new},
        {"gp", gp_new},
        {"cmaes", cmaes_new},
        {"qmc", qmc_new},
        {"grid", grid_new},
        {"nsga2", nsga2_new},
        {"brute-force", brute_force_new},
        {"random", random_new},
};

#define SAMPLER_NAMES "auto, tpe, gp, cmaes, qmc, grid, brute-force, nsga2 or random"

int cli_sampler_new(const char *text, uint64_t seed, hpo_sampler **out, char *err,
        size_t errlen)
{
    spec s;
    int rc = -1;
    *out = NULL;
    if (split_spec(text ? text : CLI_DEFAULT_SAMPLER, &s, err, errlen) != 0)
        goto done;
    for (size_t i = 0; i < sizeof(samplers) / sizeof(samplers[0]); i++)
        if (strcmp(s.name, samplers[i].name) == 0) {
            rc = samplers[i].ctor(&s, seed, out, err, errlen);
            goto done;
        }
    snprintf(err, errlen, "unknown sampler '%.100s' (" SAMPLER_NAMES ")", s.name);
done:
    free(s.copy);
    return rc;
}

bool cli_sampler_ends_itself(const char *text)
{
    size_t n = text ? strcspn(text, ":") : 0;
    return text != NULL && ((n == 4 && strncmp(text, "grid", 4) == 0) ||
                                   (n == 11 && strncmp(text, "brute-force", 11) == 0));
}

static int spec_double(const char *what, const char *key, const char *v, double *out,
        char *err, size_t errlen)
{
    char *end;
    *out = strtod(v, &end);
    if (end == v || *end != '\0') {
        snprintf(err, errlen, "%s: %s=%.100s is not a number", what, key, v);
        return -1;
    }
    return 0;
}

typedef int (*pruner_ctor)(const spec *s, hpo_pruner **out, char *err, size_t errlen);

static int nop_new(const spec *s, hpo_pruner **out, char *err, size_t errlen)
{
    if (s->n > 0)
        return unknown_key("nop", s->keys[0] ? s->keys[0] : s->values[0], err, errlen);
    return made("nop", hpo_pruner_nop_new(out), err, errlen);
}

/* median[:startup=N][:warmup=N][:interval=N][:min_trials=N] and percentile:P[...]. */
static int percentile_new(const spec *s, hpo_pruner **out, char *err, size_t errlen)
{
    hpo_percentile_options o = HPO_PERCENTILE_OPTIONS_INIT;
    double percentile = 50.0;
    size_t first = 0;
    if (strcmp(s->name, "percentile") == 0) {
        if (s->n == 0 || s->keys[0] != NULL) {
            snprintf(err, errlen, "percentile: expected percentile:P, e.g. percentile:25");
            return -1;
        }
        if (spec_double("percentile", "P", s->values[0], &percentile, err, errlen) != 0)
            return -1;
        first = 1;
    }
    for (size_t i = first; i < s->n; i++) {
        long long v;
        const char *k = s->keys[i];
        if (k == NULL)
            return unknown_key(s->name, s->values[i], err, errlen);
        if (spec_int(s->name, k, s->values[i], 0, &v, err, errlen) != 0)
            return -1;
        if (strcmp(k, "startup") == 0)
            o.n_startup_trials = (size_t)v;
        else if (strcmp(k, "warmup") == 0)
            o.n_warmup_steps = v;
        else if (strcmp(k, "interval") == 0)
            o.interval_steps = v;
        else if (strcmp(k, "min_trials") == 0)
            o.n_min_trials = (size_t)v;
        else
            return unknown_key(s->name, k, err, errlen);
    }
    return made(s->name, hpo_pruner_percentile_new(out, percentile, &o), err, errlen);
}

/* An integer option that may also be "auto" (0). */
static int spec_auto(const char *what, const char *key, const char *v, long long lo,
        int64_t *out, char *err, size_t errlen)
{
    long long x;
    if (strcmp(v, "auto") == 0) {
        *out = 0;
        return 0;
    }
    if (spec_int(what, key, v, lo, &x, err, errlen) != 0)
        return -1;
    *out = (int64_t)x;
    return 0;
}

static int sha_new(const spec *s, hpo_pruner **out, char *err, size_t errlen)
{
    hpo_successive_halving_options o = HPO_SUCCESSIVE_HALVING_OPTIONS_INIT;
    const char *w = "successive-halving";
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i], *v = s->values[i];
        long long x = 0;
        int bad;
        if (k == NULL)
            return unknown_key(w, v, err, errlen);
        if (strcmp(k, "min_resource") == 0) {
            bad = spec_auto(w, k, v, 1, &o.min_resource, err, errlen);
        } else {
            bad = spec_int(w, k, v, 0, &x, err, errlen);
            if (!bad && strcmp(k, "reduction") == 0)
                o.reduction_factor = x;
            else if (!bad && strcmp(k, "min_rate") == 0)
                o.min_early_stopping_rate = x;
            else if (!bad && strcmp(k, "bootstrap") == 0)
                o.bootstrap_count = x;
            else if (!bad)
                return unknown_key(w, k, err, errlen);
        }
        if (bad)
            return -1;
    }
    return made(w, hpo_pruner_successive_halving_new(out, &o), err, errlen);
}

static int hyperband_new(const spec *s, hpo_pruner **out, char *err, size_t errlen)
{
    hpo_hyperband_options o = HPO_HYPERBAND_OPTIONS_INIT;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i], *v = s->values[i];
        long long x = 0;
        int bad;
        if (k == NULL)
            return unknown_key("hyperband", v, err, errlen);
        if (strcmp(k, "max_resource") == 0) {
            bad = spec_auto("hyperband", k, v, 1, &o.max_resource, err, errlen);
        } else {
            bad = spec_int("hyperband", k, v, 0, &x, err, errlen);
            if (!bad && strcmp(k, "min_resource") == 0)
                o.min_resource = x;
            else if (!bad && strcmp(k, "reduction") == 0)
                o.reduction_factor = x;
            else if (!bad && strcmp(k, "bootstrap") == 0)
                o.bootstrap_count = x;
            else if (!bad && strcmp(k, "filter") == 0 && x <= 1)
                o.filter_sampler = x == 1;
            else if (!bad)
                return unknown_key("hyperband", k, err, errlen);
        }
        if (bad)
            return -1;
    }
    return made("hyperband", hpo_pruner_hyperband_new(out, &o), err, errlen);
}

static int threshold_new(const spec *s, hpo_pruner **out, char *err, size_t errlen)
{
    hpo_threshold_options o = HPO_THRESHOLD_OPTIONS_INIT;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i], *v = s->values[i];
        long long x;
        if (k == NULL)
            return unknown_key("threshold", v, err, errlen);
        if (strcmp(k, "lower") == 0 || strcmp(k, "upper") == 0) {
            if (spec_double("threshold", k, v, k[0] == 'l' ? &o.lower : &o.upper, err,
                        errlen) != 0)
                return -1;
            continue;
        }
        if (spec_int("threshold", k, v, 0, &x, err, errlen) != 0)
            return -1;
        if (strcmp(k, "warmup") == 0)
            o.n_warmup_steps = x;
        else if (strcmp(k, "interval") == 0)
            o.interval_steps = x;
        else
            return unknown_key("threshold", k, err, errlen);
    }
    return made("threshold", hpo_pruner_threshold_new(out, &o), err, errlen);
}

static int wilcoxon_new(const spec *s, hpo_pruner **out, char *err, size_t errlen)
{
    hpo_wilcoxon_options o = HPO_WILCOXON_OPTIONS_INIT;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i], *v = s->values[i];
        long long x;
        if (k == NULL)
            return unknown_key("wilcoxon", v, err, errlen);
        if (strcmp(k, "p") == 0) {
            if (spec_double("wilcoxon", k, v, &o.p_threshold, err, errlen) != 0)
                return -1;
        } else if (strcmp(k, "startup") == 0) {
            if (spec_int("wilcoxon", k, v, 0, &x, err, errlen) != 0)
                return -1;
            o.n_startup_steps = x;
        } else {
            return unknown_key("wilcoxon", k, err, errlen);
        }
    }
    return made("wilcoxon", hpo_pruner_wilcoxon_new(out, &o), err, errlen);
}

static int patient_new(const spec *s, hpo_pruner **out, char *err, size_t errlen);

static const struct {
    const char *name;
    pruner_ctor ctor;
} pruners[] = {
        {"median", percentile_new},
        {"percentile", percentile_new},
        {"nop", nop_new},
        {"none", nop_new},
        {"successive-halving", sha_new},
        {"asha", sha_new},
        {"hyperband", hyperband_new},
        {"threshold", threshold_new},
        {"patient", patient_new},
        {"wilcoxon", wilcoxon_new},
};

#define PRUNER_NAMES \
    "median, percentile:P, successive-halving, hyperband, threshold, patient, wilcoxon or nop"

static int pruner_from(const spec *s, hpo_pruner **out, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(pruners) / sizeof(pruners[0]); i++)
        if (strcmp(s->name, pruners[i].name) == 0)
            return pruners[i].ctor(s, out, err, errlen);
    snprintf(err, errlen, "unknown pruner '%.100s' (" PRUNER_NAMES ")", s->name);
    return -1;
}

/* patient[:patience=N][:min_delta=X][:wrap=NAME]: NAME is another pruner, with its
 * defaults (the spec's colons cannot nest); without wrap, patience alone prunes. */
static int patient_new(const spec *s, hpo_pruner **out, char *err, size_t errlen)
{
    long long patience = 0;
    double min_delta = 0.0;
    const char *wrap = NULL;
    hpo_pruner *wrapped = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->keys[i], *v = s->values[i];
        int bad = 0;
        if (k == NULL)
            return unknown_key("patient", v, err, errlen);
        if (strcmp(k, "patience") == 0)
            bad = spec_int("patient", k, v, 0, &patience, err, errlen);
        else if (strcmp(k, "min_delta") == 0)
            bad = spec_double("patient", k, v, &min_delta, err, errlen);
        else if (strcmp(k, "wrap") == 0)
            wrap = v;
        else
            return unknown_key("patient", k, err, errlen);
        if (bad)
            return -1;
    }
    if (wrap != NULL) {
        spec w = {.name = (char *)wrap};
        if (strcmp(wrap, "patient") == 0) {
            snprintf(err, errlen, "patient: wrap=patient would nest without end");
            return -1;
        }
        if (pruner_from(&w, &wrapped, err, errlen) != 0)
            return -1;
    }
    return made("patient", hpo_pruner_patient_new(out, wrapped, (int64_t)patience, min_delta),
            err, errlen);
}

int cli_pruner_new(const char *text, hpo_pruner **out, char *err, size_t errlen)
{
    spec s;
    int rc = -1;
    *out = NULL;
    if (split_spec(text ? text : "median", &s, err, errlen) == 0)
        rc = pruner_from(&s, out, err, errlen);
    free(s.copy);
    return rc;
}

int cli_study_set_algorithms(hpo_study *study, const char *sampler, uint64_t seed,
        const char *pruner, char *err, size_t errlen)
{
    hpo_sampler *s = NULL;
    hpo_pruner *p = NULL;
    if (cli_sampler_new(sampler, seed, &s, err, errlen) != 0)
        return -1;
    if (hpo_study_set_sampler(study, s) != HPO_OK) {
        snprintf(err, errlen, "%s", hpo_last_error());
        return -1;
    }
    if (cli_pruner_new(pruner, &p, err, errlen) != 0)
        return -1;
    if (hpo_study_set_pruner(study, p) != HPO_OK) {
        snprintf(err, errlen, "%s", hpo_last_error());
        return -1;
    }
    return 0;
}

uint64_t cli_seed_mix(uint64_t seed, uint64_t value)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * (value + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t cli_random_seed(void)
{
    uint64_t s = 0;
    struct timespec ts;
    if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
        return s;
    /* No entropy yet (early boot): time and pid still differ between runs. */
    clock_gettime(CLOCK_REALTIME, &ts);
    return cli_seed_mix((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
            (uint64_t)getpid());
}
