/*
 * pruner.c - the generic pruner shell: wraps an implementation's ops table and
 * private state in the opaque hpo_pruner handle the public API passes around.
 * Algorithms (nop.c, percentile.c, ...) build their state and hand it here.
 */
#include "pruners/pruner.h"

#include "core/alloc.h"
#include "core/error.h"

/*
 * Allocate a pruner shell around impl. Ownership of impl passes to the shell;
 * if the shell cannot be allocated, impl is released through ops->destroy so
 * the caller never has to clean up after a failed call.
 */
int hpo__pruner_new(hpo_pruner **out, const hpo__pruner_ops *ops, void *impl)
{
    hpo_pruner *p;

    if (out == NULL || ops == NULL || ops->prune == NULL)
        return hpo__error_set(HPO_EINVAL, "hpo__pruner_new: out, ops and ops->prune are required");
    *out = NULL;
    if (ops->version != HPO__PRUNER_OPS_VERSION) {
        return hpo__error_set(HPO_EVERSION, "pruner ops version %u is not supported (expected %d)",
                              ops->version, HPO__PRUNER_OPS_VERSION);
    }
    p = hpo__calloc(1, sizeof(*p));
    if (p == NULL) {
        if (ops->destroy != NULL) {
            /* A stack shell lets destroy see impl exactly as it would in a real handle. */
            hpo_pruner tmp = {0, ops, impl};
            ops->destroy(&tmp);
        }
        return hpo__error_set(HPO_ENOMEM, "out of memory allocating pruner '%s'", ops->name);
    }
    p->magic = HPO__PRUNER_MAGIC;
    p->ops = ops;
    p->impl = impl;
    *out = p;
    return HPO_OK;
}

/* Release a pruner and its implementation state. NULL, or a handle that is not
 * a live pruner (wrong magic), is ignored rather than trusted. */
void hpo_pruner_free(hpo_pruner *pruner)
{
    if (pruner == NULL || pruner->magic != HPO__PRUNER_MAGIC)
        return;
    if (pruner->ops->destroy != NULL)
        pruner->ops->destroy(pruner);
    pruner->magic = 0;
    hpo__free(pruner);
}

void hpo__pruner_free_impl(hpo_pruner *p)
{
    hpo__free(p->impl);
    p->impl = NULL;
}
