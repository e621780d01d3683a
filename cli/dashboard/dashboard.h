/*
 * dashboard.h - `hpo dashboard`: a read-only web view of a storage's studies
 * (libmicrohttpd). Pages and JSON are generated from trial records; no file is
 * ever served, so there is no path to traverse. Requests are GET/HEAD only,
 * bounded in size by the server, and every user string is escaped.
 */
#ifndef HPO_CLI_DASHBOARD_DASHBOARD_H
#define HPO_CLI_DASHBOARD_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "hpo/hpo.h"
#include "viz/viz.h"

typedef struct dash_config {
    const char *storage_url;
    const char *host; /* numeric IPv4 or IPv6 address; NULL: 127.0.0.1 */
    unsigned port;    /* 0: any free port (see dash_port) */
} dash_config;

typedef struct dash dash;

/** Open the storage and start serving on a background thread. 0, or -1 with *err set. */
int dash_start(dash **out, const dash_config *cfg, char *err, size_t err_len);
/** The port actually bound. */
unsigned dash_port(const dash *d);
/** Stop serving and release everything. NULL is a no-op. */
void dash_stop(dash *d);

/* Page rendering (pages.c); each appends to b and returns an HPO status. */

/* One study as the pages see it. */
typedef struct dash_study {
    const char *name;
    hpo__viz_data d;
} dash_study;

/* Parsed query of a study page. */
typedef struct dash_query {
    size_t page;   /* 0-based page of the trial table */
    bool by_value; /* order the table best first instead of newest first */
} dash_query;

int dash_page_index(hpo_buf *b, const dash_study *studies, size_t n);
int dash_page_study(hpo_buf *b, const dash_study *s, const dash_query *q);
int dash_page_trial(hpo_buf *b, const dash_study *s, const hpo__record *r);
int dash_json_studies(hpo_buf *b, const dash_study *studies, size_t n);
int dash_json_study(hpo_buf *b, const dash_study *s);
int dash_json_trials(hpo_buf *b, const dash_study *s, size_t offset, size_t limit);
int dash_json_trial(hpo_buf *b, const dash_study *s, const hpo__record *r);
/** A small page with a status message (404, 405, ...), escaped. */
void dash_page_error(hpo_buf *b, unsigned code, const char *message);

#endif
