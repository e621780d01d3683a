/*
 * error.c - status names and texts (generated from HPO_STATUS_MAP), the
 * thread-local last-error buffer and the optional log callback.
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[1024];

/* The log callback is set once, before other calls (documented in hpo.h). */
static hpo_log_fn log_fn;
static void *log_payload;

const char *hpo_status_name(int status)
{
    switch (status) {
#define XX(name, num, msg)                                                                   \
    case (num):                                                                              \
        return "HPO_" #name;
        HPO_STATUS_MAP(XX)
#undef XX
    default:
        return "HPO_UNKNOWN";
    }
}

const char *hpo_status_str(int status)
{
    switch (status) {
#define XX(name, num, msg)                                                                   \
    case (num):                                                                              \
        return msg;
        HPO_STATUS_MAP(XX)
#undef XX
    default:
        return "unknown status";
    }
}

const char *hpo_last_error(void)
{
    return last_error;
}

void hpo_clear_error(void)
{
    last_error[0] = '\0';
}

int hpo__error_set(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    return status;
}

int hpo__error_wrap(int status, const char *fmt, ...)
{
    char prefix[512];
    char old[sizeof(last_error)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    size_t n;
    memcpy(old, last_error, sizeof(old));
    /* prefix, then as much of the old message as fits. */
    n = strlen(prefix);
    if (n > sizeof(last_error) - 3)
        n = sizeof(last_error) - 3;
    memcpy(last_error, prefix, n);
    memcpy(last_error + n, ": ", 2);
    n += 2;
    memcpy(last_error + n, old, sizeof(last_error) - n - 1);
    last_error[sizeof(last_error) - 1] = '\0';
    return status;
}

void hpo_set_log_callback(hpo_log_fn fn, void *payload)
{
    log_fn = fn;
    log_payload = payload;
}

void hpo__log(int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (log_fn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_fn(level, msg, log_payload);
}

int hpo_version_number(void)
{
    return HPO_VERSION_MAJOR * 10000 + HPO_VERSION_MINOR * 100 + HPO_VERSION_PATCH;
}

const char *hpo_version_string(void)
{
    return HPO_VERSION_STRING;
}
