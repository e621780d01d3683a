/*
 * distribution.h - internals of hpo_distribution (Optuna's Float/Int/Categorical
 * distributions): validation, the internal representation (a double; a
 * categorical's choice index), JSON in Optuna's byte-exact form, and the
 * same-name compatibility rules of define-by-run.
 */
#ifndef HPO_CORE_DISTRIBUTION_H
#define HPO_CORE_DISTRIBUTION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "hpo/hpo.h"

/* A stored choice owns its string. */
typedef struct hpo__choice {
    hpo_value v; /* for strings, v.u.s points to an owned copy */
} hpo__choice;

struct hpo_distribution {
    unsigned int magic;
    atomic_int refcount; /* immutable, so copies share one object */
    hpo_dist_kind kind;
    bool log;
    bool has_step;   /* float only; int distributions always have a step */
    double low;      /* float: bounds/step; int: the same values as doubles */
    double high;
    double step;     /* HPO_NO_STEP when !has_step */
    int64_t ilow;    /* int only */
    int64_t ihigh;
    int64_t istep;
    hpo_value *choices; /* categorical only; string payloads owned */
    size_t n_choices;
};

#define HPO__DIST_MAGIC 0x44495354u

/** Another reference to the same immutable distribution (never allocates). */
int hpo__dist_copy(const hpo_distribution *d, hpo_distribution **out);
/** Structural equality (categorical: same choices in order, NaN == NaN). */
bool hpo__dist_equal(const hpo_distribution *a, const hpo_distribution *b);
/**
 * Optuna's check_distribution_compatibility(old, new): HPO_OK or HPO_EINVAL with
 * a message naming param_name and the reason.
 */
int hpo__dist_check_compatible(const hpo_distribution *old_d, const hpo_distribution *new_d,
        const char *param_name);
/** True when the distribution has a single value (not sampled). */
bool hpo__dist_single(const hpo_distribution *d);
/** The value a single distribution always takes (internal form). */
double hpo__dist_single_value(const hpo_distribution *d);
/** Whether an internal value lies in the distribution (Optuna's _contains). */
bool hpo__dist_contains(const hpo_distribution *d, double internal);
/**
 * External value -> internal. Float/int: the number (ints as doubles);
 * categorical: index of the first equal choice (Python ==, so true == 1 == 1.0).
 * Errors: HPO_EINVAL when the value has the wrong type or is not a choice.
 */
int hpo__dist_to_internal(const hpo_distribution *d, const hpo_value *v, double *out);
/** Internal -> external. Strings are borrowed from d. Errors: index out of range. */
int hpo__dist_to_external(const hpo_distribution *d, double internal, hpo_value *out);
/** Append the Optuna JSON form to b. */
void hpo__dist_put_json(hpo_buf *b, const hpo_distribution *d);
/** Python-style equality of two choice values (NaN == NaN, true == 1 == 1.0). */
bool hpo__value_equal(const hpo_value *a, const hpo_value *b);
/** Python repr-like text of a value for messages, into out (size n). */
const char *hpo__value_describe(const hpo_value *v, char *out, size_t n);

#endif
