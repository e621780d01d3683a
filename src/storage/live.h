/*
 * live.h - the trials a storage handle started and is still running, with what
 * it wrote to them without waiting for the disk (PostgreSQL asynchronous
 * commit). Such writes are lost only if the database server itself crashes
 * before its WAL writer flushes them; after that every connection breaks, so a
 * handle that saw a connection break checks each live trial against the
 * database before writing to it again (rdb.c, verify_live). The set does no
 * locking: its owner holds its lock.
 */
#ifndef HPO_STORAGE_LIVE_H
#define HPO_STORAGE_LIVE_H

#include <stddef.h>
#include <stdint.h>

typedef struct hpo__live_trial {
    int64_t id;
    int64_t study_id;
    int64_t number;
    double start;         /* datetime_start as stored */
    unsigned long checked; /* the handle's connection-loss count when last known intact */
    char **names;         /* parameters written without waiting */
    size_t n_names, cap_names;
} hpo__live_trial;

typedef struct hpo__live_set {
    hpo__live_trial *items;
    size_t n, cap;
} hpo__live_set;

/** Add (or reset) trial id. HPO_ENOMEM. */
int hpo__live_add(hpo__live_set *s, int64_t id, int64_t study_id, int64_t number, double start,
        unsigned long checked);
/** The live trial with this id, or NULL; valid until the set changes. */
hpo__live_trial *hpo__live_find(hpo__live_set *s, int64_t id);
/** Remember a parameter written to t. HPO_ENOMEM. */
int hpo__live_add_name(hpo__live_trial *t, const char *name);
/** Forget trial id (no-op if absent). */
void hpo__live_remove(hpo__live_set *s, int64_t id);
void hpo__live_clear(hpo__live_set *s);

#endif
