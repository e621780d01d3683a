/*
 * error.h - the thread-local last-error message behind hpo_last_error().
 *
 * A failure is one line: return hpo__error_set(HPO_EINVAL, "low (%g) > high (%g)", ...);
 * The buffer is fixed-size so that reporting ENOMEM never allocates.
 */
#ifndef HPO_CORE_ERROR_H
#define HPO_CORE_ERROR_H

#include "hpo/hpo.h"

/** Record a formatted message for this thread and return status unchanged. */
int hpo__error_set(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Prefix the current message with "context: " and return status. */
int hpo__error_wrap(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Send a diagnostic to the user's log callback, if any. */
void hpo__log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define HPO_LOG_DEBUG   0
#define HPO_LOG_INFO    1
#define HPO_LOG_WARNING 2

/* Propagate a failing status. */
#define HPO_TRY(expr)                                                                   \
    do {                                                                                \
        int hpo__rc_ = (expr);                                                          \
        if (hpo__rc_ != HPO_OK)                                                         \
            return hpo__rc_;                                                            \
    } while (0)

#endif
