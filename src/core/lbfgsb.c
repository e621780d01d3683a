/*
 * lbfgsb.c - drives the Fortran setulb_ routine of L-BFGS-B 3.0 (Byrd, Lu,
 * Nocedal, Zhu; Morales & Nocedal 2011). The routine asks for f and g through
 * its task string ("FG"), reports each new iterate ("NEW_X") and stops with
 * "CONV", "ABNO" or "ERROR"; character arguments are blank-padded and their
 * lengths passed as hidden trailing arguments (gfortran: size_t).
 */
#include "core/lbfgsb.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define TASK_LEN 60

void setulb_(const int *n, const int *m, double *x, const double *l, const double *u,
        const int *nbd, double *f, double *g, const double *factr, const double *pgtol,
        double *wa, int *iwa, char *task, const int *iprint, char *csave, int *lsave,
        int *isave, double *dsave, size_t task_len, size_t csave_len);

static void set_task(char *task, const char *text)
{
    size_t len = strlen(text);
    memset(task, ' ', TASK_LEN);
    memcpy(task, text, len);
}

static bool task_is(const char *task, const char *prefix)
{
    return strncmp(task, prefix, strlen(prefix)) == 0;
}

/* nbd codes: 0 free, 1 lower only, 2 both, 3 upper only. */
static int bound_kind(const double *lo, const double *hi, size_t i)
{
    bool has_lo = lo != NULL && isfinite(lo[i]);
    bool has_hi = hi != NULL && isfinite(hi[i]);
    return has_lo ? (has_hi ? 2 : 1) : (has_hi ? 3 : 0);
}

typedef struct work {
    double *l, *u, *g, *wa, *best, *xin;
    int *nbd, *iwa;
} work;

static void work_free(work *w)
{
    hpo__free(w->l);
    hpo__free(w->u);
    hpo__free(w->g);
    hpo__free(w->wa);
    hpo__free(w->best);
    hpo__free(w->xin);
    hpo__free(w->nbd);
    hpo__free(w->iwa);
}

static int work_alloc(work *w, size_t n, int m)
{
    size_t wa_len = 2 * (size_t)m * n + 5 * n + 11 * (size_t)m * (size_t)m + 8 * (size_t)m;
    memset(w, 0, sizeof(*w));
    w->l = hpo__calloc(n, sizeof(double));
    w->u = hpo__calloc(n, sizeof(double));
    w->g = hpo__calloc(n, sizeof(double));
    w->wa = hpo__calloc(wa_len, sizeof(double));
    w->best = hpo__calloc(n, sizeof(double));
    w->xin = hpo__calloc(n, sizeof(double));
    w->nbd = hpo__calloc(n, sizeof(int));
    w->iwa = hpo__calloc(3 * n, sizeof(int));
    if (!w->l || !w->u || !w->g || !w->wa || !w->best || !w->xin || !w->nbd || !w->iwa) {
        work_free(w);
        return hpo__error_set(HPO_ENOMEM, "L-BFGS-B: out of memory (n=%zu)", n);
    }
    return HPO_OK;
}

int hpo__lbfgsb_minimize(size_t n, double *x, const double *lo, const double *hi,
        hpo__lbfgsb_fn fn, void *payload, const hpo__lbfgsb_opts *opts, double *f_out)
{
    hpo__lbfgsb_opts o = HPO__LBFGSB_OPTS_INIT;
    char task[TASK_LEN], csave[TASK_LEN];
    int lsave[4], isave[44], iprint = -1, ni = (int)n, evals = 0;
    double dsave[29], f = 0.0, best_f = HUGE_VAL;
    work w;
    if (opts != NULL)
        o = *opts;
    if (n == 0 || n > 1000000 || fn == NULL || x == NULL || o.m < 1)
        return hpo__error_set(HPO_EINVAL, "L-BFGS-B: bad arguments (n=%zu)", n);
    HPO_TRY(work_alloc(&w, n, o.m));
    for (size_t i = 0; i < n; i++) {
        w.nbd[i] = bound_kind(lo, hi, i);
        w.l[i] = lo != NULL ? lo[i] : 0.0;
        w.u[i] = hi != NULL ? hi[i] : 0.0;
        /* setulb_ requires a start inside the box */
        if ((w.nbd[i] == 1 || w.nbd[i] == 2) && x[i] < w.l[i])
            x[i] = w.l[i];
        if ((w.nbd[i] == 2 || w.nbd[i] == 3) && x[i] > w.u[i])
            x[i] = w.u[i];
    }
    memcpy(w.best, x, n * sizeof(double));
    memset(csave, ' ', sizeof(csave));
    set_task(task, "START");
    for (;;) {
        setulb_(&ni, &o.m, x, w.l, w.u, w.nbd, &f, w.g, &o.factr, &o.pgtol, w.wa, w.iwa, task,
                &iprint, csave, lsave, isave, dsave, TASK_LEN, TASK_LEN);
        if (task_is(task, "FG")) {
            if (evals >= o.max_evals)
                break;
            /* fn sees a copy: setulb_ owns x between calls */
            memcpy(w.xin, x, n * sizeof(double));
            f = fn(w.xin, w.g, payload);
            evals++;
            if (!isfinite(f))
                break;
            for (size_t i = 0; i < n; i++)
                if (!isfinite(w.g[i]))
                    w.g[i] = 0.0;
            if (f < best_f) {
                best_f = f;
                memcpy(w.best, x, n * sizeof(double));
            }
            continue;
        }
        if (task_is(task, "NEW_X"))
            continue;
        break; /* CONV, ABNORMAL, ERROR or WARNING: keep the best point */
    }
    memcpy(x, w.best, n * sizeof(double));
    work_free(&w);
    *f_out = best_f;
    if (!isfinite(best_f))
        return hpo__error_set(HPO_EINVAL, "L-BFGS-B: no finite function value from the start");
    return HPO_OK;
}
