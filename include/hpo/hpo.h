/*
 * hpo.h - the public API of libhpo, hyperparameter optimisation in C.
 *
 * This header is the specification: anything not declared here is not API.
 *
 * Model. A *storage* holds *studies*; a study holds *trials*. A trial samples
 * *parameters* from *distributions* (define-by-run: the objective calls
 * hpo_trial_suggest_* as it goes), may report intermediate values, and ends
 * COMPLETE (with values), PRUNED or FAIL. The study's *sampler* (TPE by
 * default) proposes values; its *pruner* (median by default) decides whether a
 * running trial should stop early. Semantics follow Optuna 5.0 wherever a user
 * would expect them to.
 *
 * Errors. Every fallible function returns an int status: HPO_OK (0) or one of
 * the negative codes below. On failure, hpo_last_error() gives a message that
 * names the bad value; it is thread-local and only meaningful right after a
 * failed call. A failed call leaves its objects unchanged and sets pointer
 * out-parameters to NULL. libhpo never aborts, exits or prints on bad input.
 *
 * Ownership.
 *  1. hpo_x_new/open/create(&out, ...) gives the caller an object released with
 *     hpo_x_free(), which accepts NULL.
 *  2. A pointer returned as the function's value is borrowed; each function says
 *     for how long it stays valid.
 *  3. The library copies its inputs and keeps no caller pointer after return,
 *     except callback payloads, which it never frees.
 *  4. Buffers the library allocates (JSON text) come out as char ** and are
 *     released with hpo_free().
 *  5. Functions that take ownership of an argument (hpo_study_set_sampler,
 *     hpo_study_set_pruner) take it also when they fail.
 *
 * Thread safety (the default is "not thread safe unless stated"):
 *  - immutable, shareable: hpo_distribution, hpo_frozen_trial;
 *  - internally synchronised: hpo_storage, hpo_study;
 *  - one thread at a time: hpo_trial, hpo_sampler and hpo_pruner before they
 *    are handed to a study (after that the study serialises calls into them).
 */
#ifndef HPO_HPO_H
#define HPO_HPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HPO_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define HPO_EXTERN(type) type
#endif

#define HPO_VERSION_MAJOR  0
#define HPO_VERSION_MINOR  1
#define HPO_VERSION_PATCH  0
#define HPO_VERSION_STRING "0.1.0"

/** The library's version as MAJOR*10000 + MINOR*100 + PATCH. */
HPO_EXTERN(int) hpo_version_number(void);
/** The library's version string, static. */
HPO_EXTERN(const char *) hpo_version_string(void);

/* ========================================================================== */
/* Status codes                                                                */
/* ========================================================================== */

/* One list generates the enum, the names and the messages. Numbers are
 * append-only and never reused. */
#define HPO_STATUS_MAP(XX)                                                          \
    XX(OK, 0, "success")                                                            \
    XX(ERROR, -1, "error")                                                          \
    XX(EINVAL, -2, "invalid argument")                                              \
    XX(ENOMEM, -3, "out of memory")                                                 \
    XX(ENOTFOUND, -4, "not found")                                                  \
    XX(EEXISTS, -5, "already exists")                                               \
    XX(ESTATE, -6, "operation not allowed in the object's current state")           \
    XX(EBUSY, -7, "resource busy, try again")                                       \
    XX(ESTORAGE, -8, "storage backend failure")                                     \
    XX(ESCHEMA, -9, "incompatible database schema")                                 \
    XX(EVERSION, -10, "unsupported options or interface version")                   \
    XX(EMISUSE, -11, "library misuse (NULL or freed handle)")                       \
    XX(EUNSUPPORTED, -12, "operation not supported")                                \
    XX(EINTERRUPTED, -13, "interrupted")                                            \
    XX(EPRUNED, -14, "trial pruned")

typedef enum hpo_status {
#define HPO_XX_ENUM(name, num, msg) HPO_##name = (num),
    HPO_STATUS_MAP(HPO_XX_ENUM)
#undef HPO_XX_ENUM
} hpo_status;

/** "HPO_EINVAL" for HPO_EINVAL; "HPO_UNKNOWN" for a number not in the list. Static. */
HPO_EXTERN(const char *) hpo_status_name(int status);
/** Static text describing the status, e.g. "invalid argument". */
HPO_EXTERN(const char *) hpo_status_str(int status);
/**
 * The calling thread's message for its last failed call. Never NULL; owned by
 * the library and overwritten by the next failing call on this thread.
 */
HPO_EXTERN(const char *) hpo_last_error(void);
/** Forget the calling thread's last error message. */
HPO_EXTERN(void) hpo_clear_error(void);

/** Release a buffer the library allocated (JSON text). NULL is a no-op. */
HPO_EXTERN(void) hpo_free(void *ptr);

/**
 * Diagnostics (warnings such as "high adjusted to step") go to this callback;
 * by default they are dropped. level: 0 debug, 1 info, 2 warning. Called on the
 * thread that produced the message. Set it once, before other calls.
 */
typedef void (*hpo_log_fn)(int level, const char *message, void *payload);
HPO_EXTERN(void) hpo_set_log_callback(hpo_log_fn fn, void *payload);

/* ========================================================================== */
/* Values and distributions                                                    */
/* ========================================================================== */

/** The type of a categorical choice or an external parameter value. */
typedef enum hpo_value_type {
    HPO_VALUE_NULL = 0,
    HPO_VALUE_BOOL = 1,
    HPO_VALUE_INT = 2,
    HPO_VALUE_FLOAT = 3,
    HPO_VALUE_STRING = 4
} hpo_value_type;

/**
 * A tagged value. Strings are borrowed in inputs (copied by the library) and
 * borrowed from their owner in outputs, as each function states.
 */
typedef struct hpo_value {
    hpo_value_type type;
    union {
        bool b;
        int64_t i;
        double f;
        const char *s;
    } u;
} hpo_value;

/** Convenience constructors for hpo_value. */
HPO_EXTERN(hpo_value) hpo_value_null(void);
HPO_EXTERN(hpo_value) hpo_value_bool(bool b);
HPO_EXTERN(hpo_value) hpo_value_int(int64_t i);
HPO_EXTERN(hpo_value) hpo_value_float(double f);
HPO_EXTERN(hpo_value) hpo_value_string(const char *s);

typedef enum hpo_dist_kind {
    HPO_DIST_FLOAT = 0,
    HPO_DIST_INT = 1,
    HPO_DIST_CATEGORICAL = 2
} hpo_dist_kind;

/** For suggest_float and hpo_distribution_float_new: no step (continuous). */
#define HPO_NO_STEP 0.0

/**
 * A parameter's distribution (Optuna's FloatDistribution, IntDistribution,
 * CategoricalDistribution). Immutable once created.
 * Thread safety: immutable, may be shared.
 */
typedef struct hpo_distribution hpo_distribution;

/**
 * Float distribution over [low, high]. step: HPO_NO_STEP (0) for continuous,
 * otherwise > 0; when step does not divide high - low, high is lowered to the
 * last multiple (decimal arithmetic, as Optuna) and a warning is logged.
 * Errors (HPO_EINVAL): NaN/inf bounds or step, low > high, log with low <= 0,
 * step < 0, log together with a step.
 */
HPO_EXTERN(int) hpo_distribution_float_new(hpo_distribution **out, double low, double high,
        double step, bool log);
/**
 * Int distribution over [low, high] with step >= 1; high adjusted down to the
 * last multiple of step. Errors: low > high, step < 1, log with step != 1, log
 * with low < 1.
 */
HPO_EXTERN(int) hpo_distribution_int_new(hpo_distribution **out, int64_t low, int64_t high,
        int64_t step, bool log);
/**
 * Categorical distribution; choices are copied. Duplicates are allowed.
 * Errors: n_choices == 0, NULL string choice, unknown value type.
 */
HPO_EXTERN(int) hpo_distribution_categorical_new(hpo_distribution **out,
        const hpo_value *choices, size_t n_choices);
/**
 * Parse Optuna's distribution JSON (modern, legacy and abbreviated forms).
 * Errors: HPO_EINVAL with the reason for malformed or invalid input.
 */
HPO_EXTERN(int) hpo_distribution_from_json(hpo_distribution **out, const char *json);
/**
 * Serialise as Optuna does, byte for byte, e.g.
 * {"name": "IntDistribution", "attributes": {"log": false, "step": 1, "low": 1, "high": 10}}.
 * *out is released with hpo_free().
 */
HPO_EXTERN(int) hpo_distribution_to_json(const hpo_distribution *d, char **out);
HPO_EXTERN(void) hpo_distribution_free(hpo_distribution *d);

HPO_EXTERN(hpo_dist_kind) hpo_distribution_kind(const hpo_distribution *d);
/** Bounds after adjustment (as doubles for int distributions). */
HPO_EXTERN(double) hpo_distribution_low(const hpo_distribution *d);
HPO_EXTERN(double) hpo_distribution_high(const hpo_distribution *d);
/** The step, or HPO_NO_STEP for continuous float distributions. */
HPO_EXTERN(double) hpo_distribution_step(const hpo_distribution *d);
HPO_EXTERN(bool) hpo_distribution_is_log(const hpo_distribution *d);
HPO_EXTERN(size_t) hpo_distribution_n_choices(const hpo_distribution *d);
/** Choice i, borrowed: valid while d lives. Out of range gives a null value. */
HPO_EXTERN(hpo_value) hpo_distribution_choice(const hpo_distribution *d, size_t i);

/* ========================================================================== */
/* Storage                                                                     */
/* ========================================================================== */

/**
 * Where studies live. URLs: NULL, "", ":memory:" or "memory://" for a
 * process-local in-memory storage; "sqlite:///relative.db" or
 * "sqlite:////absolute/path.db" for an SQLite file (created when missing);
 * "postgresql://user:pass@host:port/db" (also "postgres://", libpq parameters
 * such as "?sslmode=require" pass through) for a PostgreSQL database shared by
 * many workers. SQLite and PostgreSQL use Optuna's schema (alembic v3.2.0.a;
 * v3.0.0.d databases are read and written without restamping), so Optuna and
 * optuna-dashboard open the same database.
 * Thread safety: internally synchronised; one storage may be shared by many
 * studies and threads. It must outlive every study opened on it.
 */
typedef struct hpo_storage hpo_storage;

/**
 * Open a storage by URL. Errors: HPO_EINVAL (malformed or unknown URL scheme),
 * HPO_ESTORAGE (cannot connect, not a database, truncated, read-only file),
 * HPO_ESCHEMA (a database at an alembic revision other than v3.2.0.a/v3.0.0.d).
 */
HPO_EXTERN(int) hpo_storage_open(hpo_storage **out, const char *url);
HPO_EXTERN(void) hpo_storage_free(hpo_storage *storage);

/**
 * Heartbeats (SQLite and PostgreSQL storages; Optuna's heartbeat_interval and
 * grace_period). With interval > 0 seconds, every trial this storage starts
 * (ask, optimize) gets a heartbeat row that a background thread refreshes every
 * interval until the trial finishes. Before starting a trial (at most once per
 * interval) the storage fails the study's RUNNING trials whose heartbeat is
 * older than grace_period seconds (0 means 2 * interval), e.g. those of a killed
 * worker. With retry_failed, each such trial is re-enqueued as a WAITING trial
 * with its parameters and user attributes and Optuna's system attributes
 * failed_trial (the original number) and retry_history (the chain of numbers);
 * max_retry >= 0 caps the chain's length, -1 is unlimited. interval 0 turns
 * heartbeats off. Errors: HPO_EUNSUPPORTED (in-memory storage), HPO_EINVAL
 * (negative or non-finite times, grace_period shorter than interval).
 */
HPO_EXTERN(int) hpo_storage_set_heartbeat(hpo_storage *storage, double interval,
        double grace_period, bool retry_failed, int max_retry);
/**
 * Fail the named study's stale trials now (as above); *n_failed (may be NULL)
 * receives how many this call failed. Errors: HPO_ESTATE (heartbeats are off),
 * HPO_ENOTFOUND (no such study), HPO_EUNSUPPORTED (in-memory storage).
 */
HPO_EXTERN(int) hpo_storage_fail_stale_trials(hpo_storage *storage, const char *study_name,
        size_t *n_failed);
/**
 * Bring an Optuna 3.0-3.1 database (alembic v3.0.0.d) to v3.2.0.a in place, as
 * "optuna storage upgrade" does; a v3.2.0.a database is left as is, an empty
 * one is initialised. Errors: HPO_EINVAL (not an SQLite/PostgreSQL URL),
 * HPO_ESCHEMA (any other revision), HPO_ESTORAGE.
 */
HPO_EXTERN(int) hpo_storage_upgrade(const char *url);

/* ========================================================================== */
/* Samplers and pruners                                                        */
/* ========================================================================== */

/** A sampler. Handed to a study with hpo_study_set_sampler(), which owns it. */
typedef struct hpo_sampler hpo_sampler;
/** A pruner. Handed to a study with hpo_study_set_pruner(), which owns it. */
typedef struct hpo_pruner hpo_pruner;

HPO_EXTERN(void) hpo_sampler_free(hpo_sampler *sampler);
HPO_EXTERN(void) hpo_pruner_free(hpo_pruner *pruner);

/** Uniform random sampling (Optuna's RandomSampler). */
HPO_EXTERN(int) hpo_sampler_random_new(hpo_sampler **out, uint64_t seed);

/** Which Optuna release's TPE defaults to reproduce. */
typedef enum hpo_tpe_compat {
    HPO_TPE_COMPAT_5_0 = 0, /* multivariate on, constant liar on, neighbour bandwidth */
    HPO_TPE_COMPAT_4_9 = 1  /* multivariate off, liar off, Scott bandwidth when multivariate */
} hpo_tpe_compat;

/** Gamma: how many of n observations form the "below" (good) set. */
typedef size_t (*hpo_tpe_gamma_fn)(size_t n, void *payload);
/** Weights: fill out[0..n) for n observations in ascending trial order. */
typedef void (*hpo_tpe_weights_fn)(size_t n, double *out, void *payload);

#define HPO_TPE_OPTIONS_VERSION 1
/**
 * TPE options; fields are append-only. Use HPO_TPE_OPTIONS_INIT or
 * hpo_tpe_options_init(), then change what you need. Defaults are Optuna 5.0's.
 */
typedef struct hpo_tpe_options {
    unsigned int version;
    uint64_t seed;
    size_t n_startup_trials;     /* 10: random sampling until this many COMPLETE/PRUNED */
    size_t n_ei_candidates;      /* 24 */
    int multivariate;            /* -1 auto (on for single objective), 0 off, 1 on */
    bool group;                  /* decompose the space into conditional groups */
    int constant_liar;           /* -1 auto (5.0: on; 4.9: off), 0 off, 1 on */
    double prior_weight;         /* 1.0 */
    bool consider_magic_clip;    /* true */
    bool consider_endpoints;     /* false */
    hpo_tpe_compat compat;       /* HPO_TPE_COMPAT_5_0 */
    hpo_tpe_gamma_fn gamma;      /* NULL: min(ceil(0.1 n), 25) */
    hpo_tpe_weights_fn weights;  /* NULL: Optuna's default_weights */
    void *fn_payload;            /* passed to gamma and weights */
} hpo_tpe_options;

#define HPO_TPE_OPTIONS_INIT \
    { HPO_TPE_OPTIONS_VERSION, 0, 10, 24, -1, false, -1, 1.0, true, false, \
      HPO_TPE_COMPAT_5_0, NULL, NULL, NULL }

/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION. */
HPO_EXTERN(int) hpo_tpe_options_init(hpo_tpe_options *opts, unsigned int version);
/** TPE sampler; opts NULL means defaults with seed 0. Errors: EINVAL, EVERSION. */
HPO_EXTERN(int) hpo_sampler_tpe_new(hpo_sampler **out, const hpo_tpe_options *opts);
/** Optuna's default gamma, min(ceil(0.1 n), 25). */
HPO_EXTERN(size_t) hpo_tpe_default_gamma(size_t n);
/** Optuna's default weights for n observations into out[0..n). */
HPO_EXTERN(void) hpo_tpe_default_weights(size_t n, double *out);

/* ---- GP (Gaussian-process BO) ---- */

#define HPO_GP_OPTIONS_VERSION 1
/**
 * Gaussian-process Bayesian optimisation (Optuna's GPSampler): Matern-5/2 ARD
 * kernel fitted by L-BFGS-B on the log marginal likelihood plus Optuna's
 * priors, log EI maximised over the mixed space. Best when trials are few and
 * expensive; an ask costs O(n^3) in the n COMPLETE trials. Parameters outside
 * the intersection space, and every parameter during startup, are drawn at
 * random. Several objectives: ParEGO scalarisation per trial (Optuna: log EHVI).
 * Fields are append-only.
 */
typedef struct hpo_gp_options {
    unsigned int version;
    uint64_t seed;
    size_t n_startup_trials;     /* 10: random until this many COMPLETE trials */
    bool deterministic_objective; /* false: fit the noise; true: fix it at 1e-6 */
    bool warp_output;            /* true: fit -log(1 + gap to the best / median gap), a
                                    monotone warp (not in Optuna) that keeps a few very bad
                                    values from flattening the good region; false: Optuna's
                                    plain standardisation */
} hpo_gp_options;
#define HPO_GP_OPTIONS_INIT { HPO_GP_OPTIONS_VERSION, 0, 10, false, true }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION. */
HPO_EXTERN(int) hpo_gp_options_init(hpo_gp_options *opts, unsigned int version);
/** GP sampler; opts NULL means defaults with seed 0. Errors: HPO_EVERSION. */
HPO_EXTERN(int) hpo_sampler_gp_new(hpo_sampler **out, const hpo_gp_options *opts);

/* ---- CMA-ES ---- */

/** What CMA-ES does when a run has converged (the `cmaes` termination tests fire). */
typedef enum hpo_cmaes_restart {
    HPO_CMAES_RESTART_NONE = 0, /* keep sampling from the converged run */
    HPO_CMAES_RESTART_IPOP = 1  /* restart at a random mean with popsize * inc_popsize */
} hpo_cmaes_restart;

#define HPO_CMAES_OPTIONS_VERSION 1
/**
 * CMA-ES (Optuna's CmaEsSampler over the `cmaes` package's CMA / CMAwM) on
 * the intersection of the non-single float and int parameters of COMPLETE
 * trials, normalised to [0,1] (log parameters in log space, steps widened by
 * half a step). Categoricals, parameters outside that space and every
 * parameter during startup are drawn at random. Single objective only: a
 * multi-objective study gets HPO_EINVAL at the first suggest.
 * Unlike Optuna (whose restart_strategy is deprecated and off), the default
 * here restarts with IPOP, as the project asked: when a run converges (the
 * `cmaes` termination tests), a new one starts at a random mean with the
 * population multiplied by inc_popsize (capped at 2^20).
 * State lives in trial system attributes (cma:generation, cma:n_restarts,
 * cma:popsize; cmawm:... and x_for_tell with margin), never pickled: every
 * worker rebuilds the same optimizer by replaying the COMPLETE trials. NaN
 * values are never told; +-inf are clipped to the generation's finite range.
 * Fields are append-only.
 */
typedef struct hpo_cmaes_options {
    unsigned int version;
    uint64_t seed;
    size_t n_startup_trials;       /* 1: random until this many COMPLETE trials */
    double sigma0;                 /* 1/6: initial step size in the normalised space */
    size_t popsize;                /* 0: 4 + floor(3 ln d); otherwise 2..2^20 */
    hpo_cmaes_restart restart;     /* HPO_CMAES_RESTART_IPOP */
    int inc_popsize;               /* 2: IPOP's population multiplier, >= 1 */
    int with_margin;               /* -1 auto (on when a dimension is discrete), 0 off, 1 on */
    bool consider_pruned_trials;   /* false: true tells PRUNED trials at their last value */
} hpo_cmaes_options;
#define HPO_CMAES_OPTIONS_INIT \
    { HPO_CMAES_OPTIONS_VERSION, 0, 1, 1.0 / 6.0, 0, HPO_CMAES_RESTART_IPOP, 2, -1, false }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION, HPO_EMISUSE. */
HPO_EXTERN(int) hpo_cmaes_options_init(hpo_cmaes_options *opts, unsigned int version);
/**
 * CMA-ES sampler; opts NULL means defaults with seed 0. Errors: HPO_EVERSION,
 * HPO_EINVAL naming the field (popsize 1, sigma0 <= 0 / NaN / inf,
 * inc_popsize < 1, with_margin not -1/0/1, unknown restart).
 */
HPO_EXTERN(int) hpo_sampler_cmaes_new(hpo_sampler **out, const hpo_cmaes_options *opts);

/* ---- QMC ---- */

/** The low-discrepancy sequence of the qmc sampler. */
typedef enum hpo_qmc_type {
    HPO_QMC_SOBOL = 0, /* Joe-Kuo direction numbers, up to 1024 parameters */
    HPO_QMC_HALTON = 1 /* radical inverses in the first primes */
} hpo_qmc_type;

#define HPO_QMC_OPTIONS_VERSION 1
/**
 * Quasi-Monte Carlo sampling (Optuna's QMCSampler): the parameters of the
 * study's first finished trial (before one exists: those running trials have
 * suggested) are drawn jointly from point n of a Sobol or Halton sequence,
 * where n is the trial number (Optuna keeps a counter in a study attribute;
 * the number is unique across workers, so no two trials share a point). Other
 * parameters, and the first trial's, are drawn at random. Scrambling (Sobol:
 * linear matrix scramble plus digital shift; Halton: random digit
 * permutations) is seeded by seed. Fields are append-only.
 */
typedef struct hpo_qmc_options {
    unsigned int version;
    uint64_t seed;
    hpo_qmc_type qmc_type; /* HPO_QMC_SOBOL */
    bool scramble;         /* false, as Optuna */
} hpo_qmc_options;
#define HPO_QMC_OPTIONS_INIT { HPO_QMC_OPTIONS_VERSION, 0, HPO_QMC_SOBOL, false }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION. */
HPO_EXTERN(int) hpo_qmc_options_init(hpo_qmc_options *opts, unsigned int version);
/** QMC sampler; opts NULL means defaults. Errors: HPO_EVERSION, HPO_EINVAL (qmc_type). */
HPO_EXTERN(int) hpo_sampler_qmc_new(hpo_sampler **out, const hpo_qmc_options *opts);

/* ---- grid ---- */

/**
 * Grid search (Optuna's GridSampler). search_space_json is an object of value
 * lists, e.g. {"lr": [0.001, 0.01], "opt": ["adam", "sgd"]}; the grid is their
 * Cartesian product with parameters sorted by name, shuffled once by seed.
 * Trial n takes point n (system attributes "grid_id" and "search_space", as
 * Optuna writes them), so workers sharing the study cover every point exactly
 * once; hpo_study_trial_limit() is the grid's size, past which ask refuses to
 * start a trial and optimize() ends. A value that its parameter's distribution
 * does not contain, or a parameter not in the grid, fails that suggest with
 * HPO_EINVAL. Errors: HPO_EINVAL (not an object of non-empty lists of scalars,
 * more than 2^24 points), HPO_EMISUSE (out NULL), HPO_ENOMEM.
 */
HPO_EXTERN(int) hpo_sampler_grid_new(hpo_sampler **out, const char *search_space_json,
        uint64_t seed);

/* ---- brute force ---- */
#define HPO_BRUTE_FORCE_OPTIONS_VERSION 1
/**
 * Exhaustive search over the define-by-run space (Optuna's BruteForceSampler).
 * Each suggest rebuilds, from the COMPLETE, PRUNED, RUNNING and FAIL trials
 * that agree with this trial's parameters so far, the tree of what has been
 * tried below this point, and picks a candidate whose subtree is not yet
 * exhausted (weighted half by the number of untried branches, half flat;
 * candidates only running trials took come last). When none is left, a
 * uniformly random candidate is returned. When a trial ends and nothing
 * untried remains, the sampler calls hpo_study_stop(), so optimize() ends.
 * Categorical, int and stepped float parameters only (at most 2^20 candidates
 * each); a float without a step fails its suggest with HPO_EINVAL, as does a
 * search space that changes between trials. Fields are append-only.
 */
typedef struct hpo_brute_force_options {
    unsigned int version;
    uint64_t seed;             /* 0: fixes the (random) search order */
    bool avoid_premature_stop; /* false: true treats a running trial as possibly unfinished */
} hpo_brute_force_options;
#define HPO_BRUTE_FORCE_OPTIONS_INIT { HPO_BRUTE_FORCE_OPTIONS_VERSION, 0, false }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION, HPO_EMISUSE. */
HPO_EXTERN(int) hpo_brute_force_options_init(hpo_brute_force_options *opts, unsigned int version);
/**
 * Brute-force sampler; opts NULL means defaults with seed 0. Errors:
 * HPO_EMISUSE (out NULL), HPO_EVERSION, HPO_ENOMEM.
 */
HPO_EXTERN(int) hpo_sampler_brute_force_new(hpo_sampler **out,
        const hpo_brute_force_options *opts);

/* ---- partial fixed ---- */

/**
 * Fixed values for some parameters, the base sampler for the rest (Optuna's
 * PartialFixedSampler). fixed_params_json is an object {"name": value}; a
 * fixed value is converted to its distribution at the suggest (HPO_EINVAL
 * when it is not a number for a float/int, or not a choice), and one outside
 * the range is used with a warning, as Optuna does. The base sampler's joint
 * space loses the fixed names. Takes ownership of base, also on failure.
 * Errors: HPO_EINVAL (NULL base or JSON, not an object of scalars), HPO_EMISUSE.
 */
HPO_EXTERN(int) hpo_sampler_partial_fixed_new(hpo_sampler **out, const char *fixed_params_json,
        hpo_sampler *base);

/* ---- NSGA-II ---- */

/** How NSGA-II recombines the numerical parameters of its parents (Optuna's crossovers). */
typedef enum hpo_nsga2_crossover {
    HPO_NSGA2_CROSSOVER_UNIFORM = 0,  /* each gene from either parent (swapping_prob) */
    HPO_NSGA2_CROSSOVER_BLXALPHA = 1, /* uniform in the parents' box widened by alpha 0.5 */
    HPO_NSGA2_CROSSOVER_SBX = 2,      /* simulated binary; eta 20 multi-, 2 single-objective */
    HPO_NSGA2_CROSSOVER_VSBX = 3,     /* vector SBX, same eta */
    HPO_NSGA2_CROSSOVER_UNDX = 4,     /* unimodal normal, three parents */
    HPO_NSGA2_CROSSOVER_SPX = 5       /* simplex, three parents, epsilon sqrt(d + 2) */
} hpo_nsga2_crossover;

#define HPO_NSGA2_OPTIONS_VERSION 1
/**
 * NSGA-II (Optuna's NSGAIISampler), for one or several objectives. Trials are
 * grouped in generations of population_size COMPLETE trials (the trial system
 * attribute "NSGAIISampler:generation", as Optuna writes it); generation 0 is
 * random. The parents of generation g are the elite of generation g-1 plus the
 * parents of g-1: whole non-domination ranks (constraint-aware when a trial has
 * a "constraints" / "constraints:<name>" attribute: feasible first, then by
 * total violation), the last rank cut by crowding distance. They are recomputed
 * from the storage, never cached in it, so every worker agrees. A child is, with
 * crossover_prob, a crossover of parents picked by binary tournament on
 * (constrained) dominance, else a copy of a random parent; then each parameter
 * is redrawn at random with mutation_prob. Categorical parameters cross over
 * uniformly; parameters outside the intersection space are drawn at random.
 * Every random choice comes from (seed, trial number). Fields are append-only.
 */
typedef struct hpo_nsga2_options {
    unsigned int version;
    uint64_t seed;
    size_t population_size;        /* 50: >= 2 and >= the crossover's parents (3: UNDX, SPX) */
    double mutation_prob;          /* -1 (NaN or < 0): 1 / max(1, n_params); else [0, 1] */
    hpo_nsga2_crossover crossover; /* HPO_NSGA2_CROSSOVER_UNIFORM */
    double crossover_prob;         /* 0.9, in [0, 1] */
    double swapping_prob;          /* 0.5, in [0, 1]: uniform crossover's swap chance */
} hpo_nsga2_options;
#define HPO_NSGA2_OPTIONS_INIT \
    { HPO_NSGA2_OPTIONS_VERSION, 0, 50, -1.0, HPO_NSGA2_CROSSOVER_UNIFORM, 0.9, 0.5 }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION, HPO_EMISUSE. */
HPO_EXTERN(int) hpo_nsga2_options_init(hpo_nsga2_options *opts, unsigned int version);
/**
 * NSGA-II sampler; opts NULL means defaults with seed 0. Errors: HPO_EVERSION,
 * HPO_EINVAL naming the field (population_size < 2 or below the crossover's
 * parents, mutation_prob > 1, crossover_prob or swapping_prob outside [0, 1]
 * or NaN, unknown crossover).
 */
HPO_EXTERN(int) hpo_sampler_nsga2_new(hpo_sampler **out, const hpo_nsga2_options *opts);

/* ---- auto (the default sampler) ---- */
#define HPO_AUTO_OPTIONS_VERSION 1
/**
 * The default sampler of new studies: each trial is delegated to GP, TPE or
 * CMA-ES by the study's search space and history (several objectives,
 * conditional or mostly categorical spaces: TPE; fewer than gp_max_trials
 * COMPLETE trials: GP; longer all-numeric runs: CMA-ES; else TPE). The choice
 * is stored on the trial as the system attribute "auto:sampler" ("gp", "tpe",
 * "cmaes"). Fields are append-only.
 */
typedef struct hpo_auto_options {
    unsigned int version;
    uint64_t seed;
    size_t gp_max_trials; /* 300: GP while the study has fewer COMPLETE trials */
} hpo_auto_options;
#define HPO_AUTO_OPTIONS_INIT { HPO_AUTO_OPTIONS_VERSION, 0, 300 }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION. */
HPO_EXTERN(int) hpo_auto_options_init(hpo_auto_options *opts, unsigned int version);
/** The auto sampler; opts NULL means defaults with seed 0. Errors: HPO_EVERSION. */
HPO_EXTERN(int) hpo_sampler_auto_new(hpo_sampler **out, const hpo_auto_options *opts);


/** Never prunes. */
HPO_EXTERN(int) hpo_pruner_nop_new(hpo_pruner **out);

#define HPO_PERCENTILE_OPTIONS_VERSION 1
typedef struct hpo_percentile_options {
    unsigned int version;
    size_t n_startup_trials; /* 5: no pruning until this many COMPLETE trials */
    int64_t n_warmup_steps;  /* 0: no pruning before this step */
    int64_t interval_steps;  /* 1: check at every interval-th step after warm-up */
    size_t n_min_trials;     /* 1: completed trials that reported the step */
} hpo_percentile_options;
#define HPO_PERCENTILE_OPTIONS_INIT { HPO_PERCENTILE_OPTIONS_VERSION, 5, 0, 1, 1 }
HPO_EXTERN(int) hpo_percentile_options_init(hpo_percentile_options *opts, unsigned int version);

/**
 * Prunes a trial whose best intermediate value is worse than the given
 * percentile (0..100) of completed trials at the same step. Errors: percentile
 * outside [0,100] or NaN, n_warmup_steps < 0, interval_steps < 1, n_min_trials < 1.
 */
HPO_EXTERN(int) hpo_pruner_percentile_new(hpo_pruner **out, double percentile,
        const hpo_percentile_options *opts);
/** The percentile pruner at 50 (Optuna's default MedianPruner). */
HPO_EXTERN(int) hpo_pruner_median_new(hpo_pruner **out, const hpo_percentile_options *opts);

/* ---- successive halving ---- */
#define HPO_SUCCESSIVE_HALVING_OPTIONS_VERSION 1
typedef struct hpo_successive_halving_options {
    unsigned int version;
    int64_t min_resource;            /* 0 = "auto": max last step of COMPLETE trials / 100, >= 1 */
    int64_t reduction_factor;        /* 4: about 1/reduction_factor of a rung is promoted */
    int64_t min_early_stopping_rate; /* 0: rung k ends at min_resource * rf^(rate + k) */
    int64_t bootstrap_count;         /* 0: a rung needs more values than this to promote any */
} hpo_successive_halving_options;
#define HPO_SUCCESSIVE_HALVING_OPTIONS_INIT { HPO_SUCCESSIVE_HALVING_OPTIONS_VERSION, 0, 4, 0, 0 }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION, HPO_EINVAL. */
HPO_EXTERN(int) hpo_successive_halving_options_init(hpo_successive_halving_options *opts,
        unsigned int version);
/**
 * Asynchronous successive halving (Optuna's SuccessiveHalvingPruner). When a
 * trial's last step reaches a rung, its value there is stored in the trial's
 * system attribute completed_rung_<k> and it goes on only if it ranks in the top
 * 1/reduction_factor of all the study's values for that rung; a NaN value at a
 * rung prunes. opts NULL means defaults. Errors: HPO_EVERSION, HPO_EINVAL
 * naming the field (min_resource < 0, reduction_factor < 2,
 * min_early_stopping_rate < 0, bootstrap_count < 0, bootstrap_count > 0 with
 * min_resource "auto").
 */
HPO_EXTERN(int) hpo_pruner_successive_halving_new(hpo_pruner **out,
        const hpo_successive_halving_options *opts);

/* ---- hyperband ---- */
#define HPO_HYPERBAND_OPTIONS_VERSION 1
typedef struct hpo_hyperband_options {
    unsigned int version;
    int64_t min_resource;     /* 1: the first rung of bracket 0 */
    int64_t max_resource;     /* 0 = "auto": max last step of COMPLETE trials + 1 */
    int64_t reduction_factor; /* 3 */
    int64_t bootstrap_count;  /* 0: as for successive halving, in every bracket */
    bool filter_sampler;      /* true: samplers see only the trial's own bracket */
} hpo_hyperband_options;
#define HPO_HYPERBAND_OPTIONS_INIT { HPO_HYPERBAND_OPTIONS_VERSION, 1, 0, 3, 0, true }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION, HPO_EINVAL. */
HPO_EXTERN(int) hpo_hyperband_options_init(hpo_hyperband_options *opts, unsigned int version);
/**
 * Hyperband (Optuna's HyperbandPruner): floor(log_rf(max/min)) + 1 brackets,
 * bracket b a successive halving pruner with min_early_stopping_rate b. A trial's
 * bracket is a budget-weighted crc32 of "<study name>_<trial number>", so every
 * worker and process agrees; it is pruned only against trials of its bracket.
 * With filter_sampler, the study's sampler sees only those trials too (Optuna's
 * bracket study; Optuna 5.0's built-in samplers bypass it, so false matches them).
 * With max_resource "auto" nothing is pruned until a COMPLETE trial has reported.
 * opts NULL means defaults. Errors: HPO_EVERSION, HPO_EINVAL naming the field
 * (min_resource < 1, max_resource < 0 or below min_resource, reduction_factor < 2,
 * bootstrap_count < 0, bootstrap_count > 0 with max_resource "auto"),
 * HPO_EUNSUPPORTED (brackets too many to budget exactly).
 */
HPO_EXTERN(int) hpo_pruner_hyperband_new(hpo_pruner **out, const hpo_hyperband_options *opts);

/* ---- threshold ---- */

/* NAN for HPO_THRESHOLD_OPTIONS_INIT, included outside the extern "C" block
 * because C++'s <math.h> declares overloads. */
#ifdef __cplusplus
}
#endif
#include <math.h>
#ifdef __cplusplus
extern "C" {
#endif

#define HPO_THRESHOLD_OPTIONS_VERSION 1
/**
 * Options of the threshold pruner (Optuna's ThresholdPruner). A bound that is
 * NaN is unset; at least one must be set. Fields are append-only.
 */
typedef struct hpo_threshold_options {
    unsigned int version;
    double lower;           /* NaN: prune when the latest value is below it */
    double upper;           /* NaN: prune when the latest value is above it */
    int64_t n_warmup_steps; /* 0: no pruning before this step */
    int64_t interval_steps; /* 1: check at every interval-th step after warm-up */
} hpo_threshold_options;
#define HPO_THRESHOLD_OPTIONS_INIT { HPO_THRESHOLD_OPTIONS_VERSION, NAN, NAN, 0, 1 }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION. */
HPO_EXTERN(int) hpo_threshold_options_init(hpo_threshold_options *opts, unsigned int version);
/**
 * Prunes a trial whose latest intermediate value is NaN, below lower or above
 * upper, at the first report at or after each interval checkpoint past the
 * warm-up. opts NULL means defaults, which set no bound and so fail.
 * Errors: HPO_EVERSION; HPO_EINVAL when neither bound is set, a bound is
 * infinite, lower > upper, n_warmup_steps < 0 or interval_steps < 1.
 */
HPO_EXTERN(int) hpo_pruner_threshold_new(hpo_pruner **out, const hpo_threshold_options *opts);

/* ---- patient ---- */

/**
 * Optuna's PatientPruner: once the best intermediate value of the last
 * patience + 1 steps is no better (by more than min_delta, in the study's
 * direction) than the best before them, the decision is the wrapped pruner's,
 * or "prune" when wrapped is NULL; before that it never prunes. NaN values are
 * ignored; an all-NaN side never prunes. Takes ownership of wrapped, also when
 * it fails. Errors: HPO_EINVAL for patience < 0, min_delta < 0, NaN or infinite,
 * or a wrapped handle that is not a live pruner (not freed then).
 */
HPO_EXTERN(int) hpo_pruner_patient_new(hpo_pruner **out, hpo_pruner *wrapped, int64_t patience,
        double min_delta);

/* ---- wilcoxon ---- */

#define HPO_WILCOXON_OPTIONS_VERSION 1
/** Options of the Wilcoxon pruner. Fields are append-only. */
typedef struct hpo_wilcoxon_options {
    unsigned int version;
    double p_threshold;      /* 0.1: prune when the one-sided p-value is below it */
    int64_t n_startup_steps; /* 2: steps shared with the best trial before any test */
} hpo_wilcoxon_options;
#define HPO_WILCOXON_OPTIONS_INIT { HPO_WILCOXON_OPTIONS_VERSION, 0.1, 2 }
/** Fill *opts with defaults for the given version. Errors: HPO_EVERSION. */
HPO_EXTERN(int) hpo_wilcoxon_options_init(hpo_wilcoxon_options *opts, unsigned int version);
/**
 * Optuna's WilcoxonPruner: pairs the trial's intermediate values with the best
 * COMPLETE trial's at the steps both reported (steps are instance ids, in any
 * order) and prunes when scipy's one-sided Wilcoxon signed-rank test
 * (zero_method "zsplit", method "auto") finds the trial worse with p below
 * p_threshold, unless its mean is no worse than the best trial's mean. A trial
 * or best trial with a NaN or infinite value is never pruned. opts NULL means
 * defaults. Errors: HPO_EVERSION; HPO_EINVAL for p_threshold outside [0, 1]
 * or NaN, n_startup_steps < 0.
 */
HPO_EXTERN(int) hpo_pruner_wilcoxon_new(hpo_pruner **out, const hpo_wilcoxon_options *opts);

/* ========================================================================== */
/* Studies                                                                     */
/* ========================================================================== */

typedef enum hpo_direction {
    HPO_NOT_SET = 0,
    HPO_MINIMIZE = 1,
    HPO_MAXIMIZE = 2
} hpo_direction;

typedef enum hpo_trial_state {
    HPO_TRIAL_RUNNING = 0,
    HPO_TRIAL_COMPLETE = 1,
    HPO_TRIAL_PRUNED = 2,
    HPO_TRIAL_FAIL = 3,
    HPO_TRIAL_WAITING = 4
} hpo_trial_state;

/** Bit masks of states for trial listings. */
#define HPO_STATES(s)      (1u << (s))
#define HPO_STATES_ALL     0x1fu
#define HPO_STATES_FINISHED \
    (HPO_STATES(HPO_TRIAL_COMPLETE) | HPO_STATES(HPO_TRIAL_PRUNED) | HPO_STATES(HPO_TRIAL_FAIL))

/** "RUNNING", "COMPLETE", ...; "UNKNOWN" otherwise. Static. */
HPO_EXTERN(const char *) hpo_trial_state_name(hpo_trial_state state);
/** "MINIMIZE", "MAXIMIZE", "NOT_SET"; static. */
HPO_EXTERN(const char *) hpo_direction_name(hpo_direction d);

/**
 * A study: a named optimisation in a storage, with a sampler and a pruner.
 * Thread safety: internally synchronised; the same study may run trials from
 * many threads (hpo_study_optimize with n_jobs > 1 does exactly that).
 */
typedef struct hpo_study hpo_study;

/**
 * A finished-or-not snapshot of one trial. Immutable, reference counted:
 * release each one you receive with hpo_frozen_trial_free().
 * Thread safety: immutable, may be shared.
 */
typedef struct hpo_frozen_trial hpo_frozen_trial;

/**
 * A running trial being evaluated: the define-by-run handle passed to an
 * objective. Thread safety: one thread at a time.
 */
typedef struct hpo_trial hpo_trial;

#define HPO_STUDY_OPTIONS_VERSION 1
typedef struct hpo_study_options {
    unsigned int version;
    bool load_if_exists; /* create: load an existing study of that name instead of failing */
    uint64_t seed;       /* seed of the default (auto) sampler; 0 is a valid seed */
} hpo_study_options;
#define HPO_STUDY_OPTIONS_INIT { HPO_STUDY_OPTIONS_VERSION, false, 0 }

/**
 * Create a study. name NULL picks "no-name-<uuid>". directions: 1..k
 * objectives (MINIMIZE/MAXIMIZE); NULL with n_directions 0 means one MINIMIZE.
 * The study gets the auto sampler (seeded from opts->seed: GP, TPE or CMA-ES
 * per trial, see hpo_sampler_auto_new) and the median pruner; replace
 * them with hpo_study_set_sampler/pruner. Errors: HPO_EEXISTS (name taken and
 * not load_if_exists), HPO_EINVAL (bad direction, empty or over-long name).
 */
HPO_EXTERN(int) hpo_study_create(hpo_study **out, hpo_storage *storage, const char *name,
        const hpo_direction *directions, size_t n_directions, const hpo_study_options *opts);
/** Load an existing study. Errors: HPO_ENOTFOUND naming the study. */
HPO_EXTERN(int) hpo_study_load(hpo_study **out, hpo_storage *storage, const char *name,
        const hpo_study_options *opts);
/** Delete a study and all its trials. Errors: HPO_ENOTFOUND. */
HPO_EXTERN(int) hpo_study_delete(hpo_storage *storage, const char *name);
/**
 * The names of all studies, in creation order. *out is a NULL-terminated array
 * released (array and strings together) with hpo_free().
 */
HPO_EXTERN(int) hpo_study_list(hpo_storage *storage, char ***out, size_t *n_out);
/** Release the study handle (not the stored study). NULL is a no-op. */
HPO_EXTERN(void) hpo_study_free(hpo_study *study);

/** Replace the sampler; the study owns it from now on, also when this fails. */
HPO_EXTERN(int) hpo_study_set_sampler(hpo_study *study, hpo_sampler *sampler);
/** Replace the pruner; the study owns it from now on, also when this fails. */
HPO_EXTERN(int) hpo_study_set_pruner(hpo_study *study, hpo_pruner *pruner);

/** Borrowed name, valid while the study handle lives. */
HPO_EXTERN(const char *) hpo_study_name(const hpo_study *study);
HPO_EXTERN(size_t) hpo_study_n_objectives(const hpo_study *study);
HPO_EXTERN(hpo_direction) hpo_study_direction(const hpo_study *study, size_t objective);

/**
 * Study user attributes. value_json is any JSON text (NaN/Infinity allowed, as
 * Python writes them); it is validated and stored as given.
 */
HPO_EXTERN(int) hpo_study_set_user_attr(hpo_study *study, const char *key,
        const char *value_json);
/** *out is the JSON text (hpo_free it). Errors: HPO_ENOTFOUND for a missing key. */
HPO_EXTERN(int) hpo_study_get_user_attr(hpo_study *study, const char *key, char **out);
/** Set a study system attribute (JSON text, validated), e.g. "study:metric_names". */
HPO_EXTERN(int) hpo_study_set_system_attr(hpo_study *study, const char *key,
        const char *value_json);
/**
 * Every user (system false) or system attribute of the study as one JSON object
 * {"key": value, ...}; *out is released with hpo_free(). Errors: HPO_ESTORAGE.
 */
HPO_EXTERN(int) hpo_study_attrs_json(hpo_study *study, bool system, char **out);

/**
 * Queue a trial with fixed parameter values (external values, by name); the
 * next ask() pops it and suggest_* returns these values. Errors: HPO_EINVAL.
 */
HPO_EXTERN(int) hpo_study_enqueue_trial(hpo_study *study, const char *const *names,
        const hpo_value *values, size_t n_params);

/**
 * Start a trial: pops the oldest WAITING (enqueued) trial or creates a new
 * RUNNING one. The caller owns *out and frees it with hpo_trial_free() after
 * hpo_study_tell().
 */
HPO_EXTERN(int) hpo_study_ask(hpo_study *study, hpo_trial **out);
/**
 * hpo_study_ask, unless the study already has max_trials started trials
 * (RUNNING or finished; WAITING ones do not count): then nothing starts, *out is
 * NULL and HPO_ESTATE is returned. The count and the start are one atomic step
 * in storage, so workers sharing a study never overshoot a study-wide target
 * (Optuna's MaxTrialsCallback can). max_trials -1: no cap. Errors: as
 * hpo_study_ask, HPO_EINVAL (max_trials < -1).
 */
HPO_EXTERN(int) hpo_study_ask_capped(hpo_study *study, int64_t max_trials, hpo_trial **out);

/**
 * Finish a trial. state COMPLETE needs values[0..n_objectives) (NaN turns the
 * trial into FAIL, logged, and returns HPO_OK; ±inf is allowed). PRUNED and FAIL
 * take no values (values NULL, n 0): a PRUNED trial keeps its last intermediate
 * value as its value. Errors: HPO_ESTATE (already finished), HPO_EINVAL (wrong
 * number of values, values with PRUNED/FAIL, bad state).
 */
HPO_EXTERN(int) hpo_study_tell(hpo_study *study, hpo_trial *trial, hpo_trial_state state,
        const double *values, size_t n_values);
/** As hpo_study_tell, naming the trial by number. */
HPO_EXTERN(int) hpo_study_tell_number(hpo_study *study, int64_t number, hpo_trial_state state,
        const double *values, size_t n_values);

/**
 * Objective: evaluate the trial, write n_objectives values into values[], and
 * return HPO_OK (COMPLETE), HPO_EPRUNED (PRUNED) or any other status (FAIL).
 * Called on the worker thread that runs the trial.
 */
typedef int (*hpo_objective_fn)(hpo_trial *trial, double *values, void *payload);
/**
 * Called after each finished trial on the thread that ran it, with a borrowed
 * snapshot (valid during the call). Return non-zero to stop the optimisation
 * after running trials finish (like study.stop()).
 */
typedef int (*hpo_callback_fn)(hpo_study *study, const hpo_frozen_trial *trial, void *payload);

#define HPO_OPTIMIZE_OPTIONS_VERSION 1
typedef struct hpo_optimize_options {
    unsigned int version;
    int64_t n_trials;       /* trials to run in this call; 0 = no limit (needs timeout) */
    double timeout;         /* seconds; 0 = none. Checked before each new trial */
    int n_jobs;             /* worker threads; -1 = number of CPUs */
    bool catch_failures;    /* true: a failing objective makes the trial FAIL and goes on */
    bool study_wide_target; /* true: stop when the study has n_trials started trials */
    hpo_callback_fn callback;
    void *callback_payload;
} hpo_optimize_options;
#define HPO_OPTIMIZE_OPTIONS_INIT \
    { HPO_OPTIMIZE_OPTIONS_VERSION, 0, 0.0, 1, true, false, NULL, NULL }
HPO_EXTERN(int) hpo_optimize_options_init(hpo_optimize_options *opts, unsigned int version);

/**
 * Run trials of objective until n_trials or timeout. A NaN value makes the trial
 * FAIL and the study goes on. When catch_failures is false, the first failing
 * objective stops the loop and its status is returned (after the trial is
 * recorded as FAIL). Errors: HPO_EINVAL (n_trials < 0, no limit at all,
 * timeout NaN or < 0, n_jobs 0 or < -1), HPO_ESTATE (nested optimize).
 */
HPO_EXTERN(int) hpo_study_optimize(hpo_study *study, hpo_objective_fn objective, void *payload,
        const hpo_optimize_options *opts);
/**
 * The most trials the study's sampler can start (a grid sampler's number of
 * points), or -1 when unlimited. hpo_study_ask and optimize() stop there: ask
 * returns HPO_ESTATE, optimize() ends normally.
 */
HPO_EXTERN(int64_t) hpo_study_trial_limit(hpo_study *study);
/** Ask a running optimize() to stop after its running trials. Thread safe. */
HPO_EXTERN(void) hpo_study_stop(hpo_study *study);
/**
 * Whether hpo_study_stop() was called (by a callback, or by a sampler that has
 * exhausted its space, such as brute force) since the last optimize() began.
 * A loop of its own (ask/tell) reads this where optimize() would have stopped.
 */
HPO_EXTERN(bool) hpo_study_stop_requested(hpo_study *study);

/**
 * The best COMPLETE trial (single objective): lowest (or highest) value, ties to
 * the lowest number. Errors: HPO_ENOTFOUND (no complete trial),
 * HPO_EUNSUPPORTED (multi-objective study).
 */
HPO_EXTERN(int) hpo_study_best_trial(hpo_study *study, hpo_frozen_trial **out);
/**
 * Snapshots of the study's trials whose state is in states_mask (HPO_STATES_ALL
 * for all), ordered by number. Release with hpo_frozen_trials_free(*out, *n).
 */
HPO_EXTERN(int) hpo_study_get_trials(hpo_study *study, unsigned int states_mask,
        hpo_frozen_trial ***out, size_t *n_out);
/** Snapshot of one trial by number. Errors: HPO_ENOTFOUND. */
HPO_EXTERN(int) hpo_study_get_trial(hpo_study *study, int64_t number, hpo_frozen_trial **out);

/* ========================================================================== */
/* Trials (define-by-run)                                                      */
/* ========================================================================== */

/**
 * Suggest a float in [low, high]. step HPO_NO_STEP (0) means continuous; log
 * samples on a log scale. The value is recorded in storage at once. Calling
 * again with the same name returns the first value. Errors: HPO_EINVAL (bad
 * bounds/step, or a distribution incompatible with the one this name has in the
 * study), HPO_ESTATE (trial finished).
 */
HPO_EXTERN(int) hpo_trial_suggest_float(hpo_trial *trial, const char *name, double low,
        double high, double step, bool log, double *out);
/** Suggest an integer in [low, high] with step >= 1 (log needs step 1). */
HPO_EXTERN(int) hpo_trial_suggest_int(hpo_trial *trial, const char *name, int64_t low,
        int64_t high, int64_t step, bool log, int64_t *out);
/** Suggest one of choices; *index_out is its index in choices. */
HPO_EXTERN(int) hpo_trial_suggest_categorical(hpo_trial *trial, const char *name,
        const hpo_value *choices, size_t n_choices, size_t *index_out);
/** Same, for string choices; *index_out is the chosen index. */
HPO_EXTERN(int) hpo_trial_suggest_categorical_str(hpo_trial *trial, const char *name,
        const char *const *choices, size_t n_choices, size_t *index_out);
/** Suggest with an explicit distribution; *internal_out is the internal value. */
HPO_EXTERN(int) hpo_trial_suggest(hpo_trial *trial, const char *name,
        const hpo_distribution *dist, double *internal_out);

/**
 * Report an intermediate value at step >= 0 (NaN and ±inf are allowed). A second
 * report at the same step is ignored (logged), as in Optuna. Errors: HPO_ESTATE
 * (trial finished), HPO_EINVAL (step < 0), HPO_EUNSUPPORTED (multi-objective).
 */
HPO_EXTERN(int) hpo_trial_report(hpo_trial *trial, double value, int64_t step);
/** Ask the study's pruner whether this trial should stop. */
HPO_EXTERN(int) hpo_trial_should_prune(hpo_trial *trial, bool *out);
/**
 * A constraint value (feasible when <= 0), Optuna 5.0's trial.set_constraint:
 * the system attribute "constraints:<name>"; the first value stands (a later
 * one is ignored with a warning). Samplers that model constraints (gp, nsga2)
 * read it. Errors: HPO_EINVAL (bad name, NaN), HPO_ESTATE (trial finished).
 */
HPO_EXTERN(int) hpo_trial_set_constraint(hpo_trial *trial, const char *name, double value);
/**
 * All constraint values at once, as Optuna's constraints_func stores them: the
 * system attribute "constraints" (a list; feasible when every value <= 0),
 * replaced on each call. Errors: HPO_EINVAL (NaN, NULL values), HPO_ESTATE.
 */
HPO_EXTERN(int) hpo_trial_set_constraints(hpo_trial *trial, const double *values, size_t n);
/**
 * Set a system attribute (JSON text, validated), as Optuna's deprecated
 * trial.set_system_attr; keys of libhpo's own (gp:, cma:, auto:, hpo:) are
 * better left alone. Errors: HPO_EINVAL, HPO_ESTATE (trial finished).
 */
HPO_EXTERN(int) hpo_trial_set_system_attr(hpo_trial *trial, const char *key,
        const char *value_json);
/** Set a user attribute (JSON text, validated). */
HPO_EXTERN(int) hpo_trial_set_user_attr(hpo_trial *trial, const char *key,
        const char *value_json);

HPO_EXTERN(int64_t) hpo_trial_number(const hpo_trial *trial);
HPO_EXTERN(int64_t) hpo_trial_id(const hpo_trial *trial);
/** The trial's parameter value by name, external form; strings borrowed until
 * the trial is freed. Errors: HPO_ENOTFOUND. */
HPO_EXTERN(int) hpo_trial_param(const hpo_trial *trial, const char *name, hpo_value *out);
/** A snapshot of the trial as stored now (release with hpo_frozen_trial_free). */
HPO_EXTERN(int) hpo_trial_snapshot(hpo_trial *trial, hpo_frozen_trial **out);
HPO_EXTERN(void) hpo_trial_free(hpo_trial *trial);

/* ========================================================================== */
/* Attaching to a running trial (another process: `hpo trial` in a child)      */
/* ========================================================================== */

/**
 * Open a handle on the RUNNING trial with this id, which belongs to the study
 * and was asked elsewhere (typically by `hpo run` in a parent process sharing
 * the storage). suggest_*, report, should_prune and set_user_attr work as on
 * the asking handle, running the study's sampler and pruner here; parameters
 * already suggested and enqueued fixed values are honoured. The caller frees
 * *out with hpo_trial_free(); hpo_study_tell() may finish the trial.
 * Errors: HPO_ENOTFOUND (no such trial in this study), HPO_ESTATE (the trial
 * is not RUNNING).
 */
HPO_EXTERN(int) hpo_study_open_trial(hpo_study *study, int64_t trial_id, hpo_trial **out);

/* ========================================================================== */
/* Frozen trials (read-only snapshots)                                         */
/* ========================================================================== */

HPO_EXTERN(void) hpo_frozen_trial_free(hpo_frozen_trial *t);
/** Release an array from hpo_study_get_trials (each element and the array). */
HPO_EXTERN(void) hpo_frozen_trials_free(hpo_frozen_trial **trials, size_t n);

HPO_EXTERN(int64_t) hpo_frozen_trial_number(const hpo_frozen_trial *t);
HPO_EXTERN(int64_t) hpo_frozen_trial_id(const hpo_frozen_trial *t);
HPO_EXTERN(hpo_trial_state) hpo_frozen_trial_state(const hpo_frozen_trial *t);
/** Number of objective values (0 unless COMPLETE, or PRUNED with a value). */
HPO_EXTERN(size_t) hpo_frozen_trial_n_values(const hpo_frozen_trial *t);
/** Value i, NaN when out of range. */
HPO_EXTERN(double) hpo_frozen_trial_value(const hpo_frozen_trial *t, size_t i);
HPO_EXTERN(size_t) hpo_frozen_trial_n_params(const hpo_frozen_trial *t);
/** Parameter i's name (borrowed, valid while t lives), in suggestion order. */
HPO_EXTERN(const char *) hpo_frozen_trial_param_name(const hpo_frozen_trial *t, size_t i);
/** Parameter i's distribution (borrowed, valid while t lives). */
HPO_EXTERN(const hpo_distribution *) hpo_frozen_trial_param_distribution(
        const hpo_frozen_trial *t, size_t i);
/** Parameter i's internal value (categorical: choice index). */
HPO_EXTERN(double) hpo_frozen_trial_param_internal(const hpo_frozen_trial *t, size_t i);
/** Parameter value by name, external form, strings borrowed while t lives. */
HPO_EXTERN(int) hpo_frozen_trial_param(const hpo_frozen_trial *t, const char *name,
        hpo_value *out);
HPO_EXTERN(size_t) hpo_frozen_trial_n_intermediate(const hpo_frozen_trial *t);
/** Intermediate value i in ascending step order. */
HPO_EXTERN(int) hpo_frozen_trial_intermediate(const hpo_frozen_trial *t, size_t i,
        int64_t *step_out, double *value_out);
/** User attribute JSON text by key, borrowed while t lives; NULL if absent. */
HPO_EXTERN(const char *) hpo_frozen_trial_user_attr(const hpo_frozen_trial *t, const char *key);
/** Number of user attributes. */
HPO_EXTERN(size_t) hpo_frozen_trial_n_user_attrs(const hpo_frozen_trial *t);
/** User attribute i's key (borrowed while t lives), in the order they were set; NULL if out of range. */
HPO_EXTERN(const char *) hpo_frozen_trial_user_attr_key(const hpo_frozen_trial *t, size_t i);
/** System attribute JSON text by key, borrowed while t lives; NULL if absent. */
HPO_EXTERN(const char *) hpo_frozen_trial_system_attr(const hpo_frozen_trial *t,
        const char *key);
/** Number of system attributes. */
HPO_EXTERN(size_t) hpo_frozen_trial_n_system_attrs(const hpo_frozen_trial *t);
/** System attribute i's key (borrowed while t lives); NULL if out of range. */
HPO_EXTERN(const char *) hpo_frozen_trial_system_attr_key(const hpo_frozen_trial *t, size_t i);
/** Start and completion time, Unix seconds (UTC); NaN when unset. */
HPO_EXTERN(double) hpo_frozen_trial_datetime_start(const hpo_frozen_trial *t);
HPO_EXTERN(double) hpo_frozen_trial_datetime_complete(const hpo_frozen_trial *t);

/* ========================================================================== */
/* Importance                                                                  */
/* ========================================================================== */

/** Parameter-importance evaluators (Optuna's PedAnova- and FanovaImportanceEvaluator). */
typedef enum hpo_importance_kind {
    HPO_IMPORTANCE_PEDANOVA = 0, /* Optuna 5.0's default: fast, handles conditional params */
    HPO_IMPORTANCE_FANOVA = 1    /* fANOVA on a random forest (Optuna <= 4.9's default) */
} hpo_importance_kind;

#define HPO_IMPORTANCE_OPTIONS_VERSION 1
/** Importance options; fields are append-only. Defaults are Optuna's. */
typedef struct hpo_importance_options {
    unsigned int version;
    uint64_t seed;             /* fANOVA: forest seed (0 is a valid seed) */
    size_t n_trees;            /* fANOVA: 64 */
    size_t max_depth;          /* fANOVA: 64 */
    double target_quantile;    /* PED-ANOVA: 0.1, the "good" trials */
    double region_quantile;    /* PED-ANOVA: 1.0, the trials compared against */
    bool evaluate_on_local;    /* PED-ANOVA: true (false: against a uniform density) */
    size_t objective;          /* which objective is the target: 0; or
                                  HPO_IMPORTANCE_ALL_OBJECTIVES (PED-ANOVA only) */
    const char *const *params; /* NULL: fANOVA uses the parameters every trial has,
                                  PED-ANOVA every parameter any trial has */
    size_t n_params;
    int n_threads;             /* fANOVA trees in parallel; <= 0: one per CPU, at most 8 */
} hpo_importance_options;
/*
 * objective value for PED-ANOVA on every objective at once, as Optuna does for a
 * multi-objective study without a target: the "good" trials are the best by
 * non-domination rank, the last rank cut by hypervolume subset selection.
 */
#define HPO_IMPORTANCE_ALL_OBJECTIVES ((size_t)-1)
#define HPO_IMPORTANCE_OPTIONS_INIT \
    { HPO_IMPORTANCE_OPTIONS_VERSION, 0, 64, 64, 0.1, 1.0, true, 0, NULL, 0, 0 }
HPO_EXTERN(int) hpo_importance_options_init(hpo_importance_options *opts, unsigned int version);

/**
 * Parameter importances from the study's COMPLETE trials with a finite target,
 * normalised to sum to 1 (equal shares when every score is 0), ordered by
 * importance descending (ties by name). Parameters with a single-valued
 * distribution score 0. fANOVA leaves out trials lacking any scored parameter
 * (or with a different distribution for it); PED-ANOVA scores each parameter on
 * the trials that have it. *names_out is a NULL-terminated array (array and
 * strings in one block) and *values_out an array of *n_out doubles, both
 * released with hpo_free(); no trials give n 0 and NULL arrays.
 * Errors: HPO_EINVAL (bad options, unknown or duplicate parameter name),
 * HPO_EVERSION, HPO_EUNSUPPORTED (categorical too large for the evaluator).
 */
HPO_EXTERN(int) hpo_importance(hpo_study *study, hpo_importance_kind kind,
        const hpo_importance_options *opts, char ***names_out, double **values_out,
        size_t *n_out);

/* ========================================================================== */
/* Visualisation                                                               */
/* ========================================================================== */

/** Plots (Optuna's plot_* functions), each rendered as a standalone SVG document. */
typedef enum hpo_plot_kind {
    HPO_PLOT_HISTORY = 0,      /* objective per COMPLETE trial and the best so far */
    HPO_PLOT_INTERMEDIATE = 1, /* intermediate values per trial, pruned trials marked */
    HPO_PLOT_IMPORTANCE = 2,   /* parameter importances, horizontal bars */
    HPO_PLOT_PARALLEL = 3,     /* parallel coordinates coloured by objective */
    HPO_PLOT_SLICE = 4,        /* objective against each parameter */
    HPO_PLOT_CONTOUR = 5,      /* interpolated objective over two parameters */
    HPO_PLOT_EDF = 6,          /* empirical distribution of the objective */
    HPO_PLOT_TIMELINE = 7,     /* start-to-end bars by state */
    HPO_PLOT_PARETO = 8        /* first two objectives, Pareto front highlighted */
} hpo_plot_kind;
#define HPO_PLOT_KIND_COUNT 9

/** "history", "intermediate", ..., "pareto"; NULL for an unknown kind. Static. */
HPO_EXTERN(const char *) hpo_plot_kind_name(hpo_plot_kind kind);
/** The kind named name (as hpo_plot_kind_name). Errors: HPO_EINVAL. */
HPO_EXTERN(int) hpo_plot_kind_from_name(const char *name, hpo_plot_kind *out);

#define HPO_PLOT_OPTIONS_VERSION 1
/** Plot options; fields are append-only. */
typedef struct hpo_plot_options {
    unsigned int version;
    unsigned int width;        /* pixels; 0: 720 */
    unsigned int height;       /* pixels; 0: 420 */
    size_t objective;          /* objective of single-objective plots: 0 */
    const char *const *params; /* NULL: every parameter (contour: the two most frequent) */
    size_t n_params;
    hpo_importance_kind importance; /* evaluator of HPO_PLOT_IMPORTANCE */
    uint64_t seed;             /* fANOVA seed */
    double now;                /* timeline: end of RUNNING bars, Unix s; 0: latest time seen */
    size_t max_points;         /* marks per plot before thinning; 0: 5000 */
} hpo_plot_options;
#define HPO_PLOT_OPTIONS_INIT \
    { HPO_PLOT_OPTIONS_VERSION, 0, 0, 0, NULL, 0, HPO_IMPORTANCE_PEDANOVA, 0, 0.0, 0 }
HPO_EXTERN(int) hpo_plot_options_init(hpo_plot_options *opts, unsigned int version);

/**
 * Render one plot of the study as an SVG document (UTF-8, user text escaped).
 * The same trials and options give the same bytes. Large studies are thinned
 * deterministically to at most max_points marks per plot (lines keep every
 * change of the best value). A plot with no data says so in its text.
 * *svg_out is released with hpo_free(); len_out may be NULL.
 * Errors: HPO_EINVAL (unknown kind, bad options, unknown parameter),
 * HPO_EUNSUPPORTED (pareto on a single-objective study), HPO_ENOMEM.
 */
HPO_EXTERN(int) hpo_plot_svg(hpo_study *study, hpo_plot_kind kind,
        const hpo_plot_options *opts, char **svg_out, size_t *len_out);

#define HPO_REPORT_OPTIONS_VERSION 1
typedef struct hpo_report_options {
    unsigned int version;
    hpo_importance_kind importance; /* evaluator for the importance plot */
    uint64_t seed;
    size_t max_table_rows;          /* trial table rows (best first); 0: every trial */
} hpo_report_options;
#define HPO_REPORT_OPTIONS_INIT { HPO_REPORT_OPTIONS_VERSION, HPO_IMPORTANCE_PEDANOVA, 0, 0 }
HPO_EXTERN(int) hpo_report_options_init(hpo_report_options *opts, unsigned int version);

/**
 * A self-contained HTML report of the study (inline CSS, SVG and a little
 * JavaScript for sorting; nothing fetched from the network): summary, best
 * trial, every plot that applies and a sortable trial table.
 * *html_out is released with hpo_free(); len_out may be NULL.
 * Errors: HPO_EINVAL, HPO_EVERSION, HPO_ENOMEM.
 */
HPO_EXTERN(int) hpo_report_html(hpo_study *study, const hpo_report_options *opts,
        char **html_out, size_t *len_out);

#ifdef __cplusplus
}
#endif
#endif /* HPO_HPO_H */
