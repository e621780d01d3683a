/*
 * data.c - IDX files (plain or gzip through zlib), MNIST-style datasets and
 * seeded train/validation splits for the MLP workload.
 *
 * IDX layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte,
 * the only type MNIST uses), the number of dimensions, then one uint32 per
 * dimension, then the payload. Every size is checked against the header before
 * anything is read or allocated: a hostile file gets a message, never an
 * overread or a huge allocation.
 */
#include "mlp/data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int check_magic(const uint8_t magic[4], size_t want_dims, const char *name)
{
    if (magic[0] != 0 || magic[1] != 0)
        return hpo__error_set(
                HPO_EINVAL,
                "%s: not an IDX file (magic bytes %02x %02x %02x %02x, expected 00 00 08 %02zx)",
                name, magic[0], magic[1], magic[2], magic[3], want_dims);
    if (magic[2] != 0x08)
        return hpo__error_set(
                HPO_EINVAL,
                "%s: IDX element type 0x%02x is not supported (only 0x08, unsigned byte)", name,
                magic[2]);
    if (magic[3] != want_dims)
        return hpo__error_set(HPO_EINVAL, "%s: IDX file has %u dimensions, expected %zu", name,
                              magic[3], want_dims);
    return HPO_OK;
}

/* Fill the shape from the big-endian dimension words and check the payload size. */
static int read_dims(hpo_mlp_idx *idx, const uint8_t *words, size_t n_dims, const char *name)
{
    size_t total = 1;
    idx->n_dims = n_dims;
    for (size_t i = 0; i < n_dims; i++) {
        idx->dims[i] = be32(words + 4 * i);
        if (idx->dims[i] == 0 && i > 0)
            return hpo__error_set(HPO_EINVAL, "%s: IDX dimension %zu is 0", name, i);
        if (__builtin_mul_overflow(total, (size_t)idx->dims[i], &total) ||
            total > HPO_MLP_IDX_MAX_BYTES)
            return hpo__error_set(
                    HPO_EINVAL,
                    "%s: IDX dimensions declare more than %zu bytes of data (dimension %zu = %u)",
                    name, HPO_MLP_IDX_MAX_BYTES, i, idx->dims[i]);
    }
    idx->n_items = idx->dims[0];
    idx->item_len = 1;
    for (size_t i = 1; i < n_dims; i++)
        idx->item_len *= idx->dims[i];
    return HPO_OK;
}

static size_t payload_len(const hpo_mlp_idx *idx)
{
    return idx->n_items * idx->item_len; /* bounded by read_dims */
}

int hpo__mlp_idx_parse(
        hpo_mlp_idx *out, const uint8_t *buf, size_t len, size_t want_dims, const char *name)
{
    size_t header, need;
    int rc;

    memset(out, 0, sizeof(*out));
    if (want_dims == 0 || want_dims > HPO_MLP_IDX_MAX_DIMS)
        return hpo__error_set(HPO_EINVAL, "%s: IDX dimension count %zu out of range", name,
                              want_dims);
    if (buf == NULL || len < 4)
        return hpo__error_set(HPO_EINVAL, "%s: %zu bytes is too short for an IDX header", name,
                              buf == NULL ? (size_t)0 : len);
    if ((rc = check_magic(buf, want_dims, name)) != HPO_OK)
        return rc;
    header = 4 + 4 * want_dims;
    if (len < header)
        return hpo__error_set(HPO_EINVAL, "%s: IDX header truncated (%zu of %zu bytes)", name, len,
                              header);
    if ((rc = read_dims(out, buf + 4, want_dims, name)) != HPO_OK)
        goto fail;
    need = payload_len(out);
    if (len - header != need) {
        rc = hpo__error_set(HPO_EINVAL, "%s: IDX header declares %zu data bytes but %s %zu", name,
                            need, len - header < need ? "the input is truncated at" : "there are",
                            len - header);
        goto fail;
    }
    out->data = hpo__malloc(need);
    if (out->data == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "%s: out of memory for %zu bytes", name, need);
        goto fail;
    }
    memcpy(out->data, buf + header, need);
    return HPO_OK;
fail:
    memset(out, 0, sizeof(*out));
    return rc;
}

/* Read exactly len bytes or explain why not. */
static int gz_read_exact(gzFile f, uint8_t *dst, size_t len, const char *path, const char *what)
{
    size_t done = 0;
    while (done < len) {
        size_t chunk = len - done > ((size_t)1 << 30) ? ((size_t)1 << 30) : len - done;
        int got = gzread(f, dst + done, (unsigned)chunk);
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            return hpo__error_set(HPO_EINVAL, "%s: corrupt or unreadable %s: %s", path, what, msg);
        }
        if (got == 0)
            return hpo__error_set(HPO_EINVAL, "%s: file truncated: %s ends after %zu of %zu bytes",
                                  path, what, done, len);
        done += (size_t)got;
    }
    return HPO_OK;
}

int hpo__mlp_idx_read(hpo_mlp_idx *out, const char *path, size_t want_dims)
{
    uint8_t head[4 + 4 * HPO_MLP_IDX_MAX_DIMS];
    uint8_t extra;
    size_t need;
    gzFile f = NULL;
    int rc, got;

    memset(out, 0, sizeof(*out));
    if (want_dims == 0 || want_dims > HPO_MLP_IDX_MAX_DIMS)
        return hpo__error_set(HPO_EINVAL, "%s: IDX dimension count %zu out of range", path,
                              want_dims);
    errno = 0;
    f = gzopen(path, "rb");
    if (f == NULL) {
        char why[128] = "out of memory";
        if (errno != 0)
            strerror_r(errno, why, sizeof(why));
        return hpo__error_set(errno == ENOENT ? HPO_ENOTFOUND : HPO_ERROR,
                              "cannot open IDX file %s: %s", path, why);
    }
    gzbuffer(f, 1 << 17);
    if ((rc = gz_read_exact(f, head, 4, path, "the IDX header")) != HPO_OK)
        goto fail;
    if ((rc = check_magic(head, want_dims, path)) != HPO_OK)
        goto fail;
    if ((rc = gz_read_exact(f, head + 4, 4 * want_dims, path, "the IDX header")) != HPO_OK)
        goto fail;
    if ((rc = read_dims(out, head + 4, want_dims, path)) != HPO_OK)
        goto fail;
    need = payload_len(out);
    out->data = hpo__malloc(need);
    if (out->data == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "%s: out of memory for %zu bytes", path, need);
        goto fail;
    }
    if ((rc = gz_read_exact(f, out->data, need, path, "the IDX data")) != HPO_OK)
        goto fail;
    got = gzread(f, &extra, 1);
    if (got != 0) {
        int zerr;
        rc = got > 0 ? hpo__error_set(HPO_EINVAL,
                                      "%s: trailing bytes after the %zu data bytes the IDX header "
                                      "declares",
                                      path, need)
                     : hpo__error_set(HPO_EINVAL, "%s: corrupt or unreadable file: %s", path,
                                      gzerror(f, &zerr));
        goto fail;
    }
    gzclose(f);
    return HPO_OK;
fail:
    if (f != NULL)
        gzclose(f);
    hpo__mlp_idx_release(out);
    return rc;
}

void hpo__mlp_idx_release(hpo_mlp_idx *idx)
{
    if (idx == NULL)
        return;
    hpo__free(idx->data);
    memset(idx, 0, sizeof(*idx));
}

int hpo__mlp_data_from_idx(hpo_mlp_data **out, hpo_mlp_idx *images, hpo_mlp_idx *labels)
{
    hpo_mlp_data *d = NULL;
    int rc;

    *out = NULL;
    if (images->n_dims != 3 || labels->n_dims != 1) {
        rc = hpo__error_set(HPO_EINVAL,
                            "images must be a 3-d IDX and labels a 1-d IDX (got %zu "
                            "and %zu dimensions)",
                            images->n_dims, labels->n_dims);
        goto fail;
    }
    if (images->n_items == 0) {
        rc = hpo__error_set(HPO_EINVAL, "the image file holds no images");
        goto fail;
    }
    if (images->n_items != labels->n_items) {
        rc = hpo__error_set(HPO_EINVAL, "%zu images but %zu labels", images->n_items,
                            labels->n_items);
        goto fail;
    }
    for (size_t i = 0; i < labels->n_items; i++)
        if (labels->data[i] >= HPO_MLP_MAX_CLASSES) {
            rc = hpo__error_set(HPO_EINVAL, "label %zu is %u, expected a class below %d", i,
                                labels->data[i], HPO_MLP_MAX_CLASSES);
            goto fail;
        }
    d = hpo__calloc(1, sizeof(*d));
    if (d == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for a dataset");
        goto fail;
    }
    d->images = images->data;
    d->labels = labels->data;
    d->n = images->n_items;
    d->rows = images->dims[1];
    d->cols = images->dims[2];
    d->dim = images->item_len;
    images->data = NULL;
    labels->data = NULL;
    hpo__mlp_idx_release(images);
    hpo__mlp_idx_release(labels);
    *out = d;
    return HPO_OK;
fail:
    hpo__mlp_idx_release(images);
    hpo__mlp_idx_release(labels);
    return rc;
}

/* "<dir>/<base>" if it exists, else "<dir>/<base>.gz" if that exists; 0 if neither. */
static int find_file(char *path, size_t path_len, const char *dir, const char *base)
{
    struct stat st;
    int n = snprintf(path, path_len, "%s/%s", dir, base);
    if (n < 0 || (size_t)n >= path_len)
        return 0;
    if (stat(path, &st) == 0)
        return 1;
    n = snprintf(path, path_len, "%s/%s.gz", dir, base);
    if (n < 0 || (size_t)n >= path_len)
        return 0;
    return stat(path, &st) == 0;
}

int hpo__mlp_data_load(hpo_mlp_data **out, const char *dir, const char *prefix)
{
    char img_base[64], lbl_base[64], img_path[4096], lbl_path[4096];
    hpo_mlp_idx images = {0}, labels = {0};
    int rc, has_img, has_lbl;

    *out = NULL;
    if (dir == NULL)
        dir = HPO_MLP_DEFAULT_DATA_DIR;
    if (prefix == NULL || (strcmp(prefix, "train") != 0 && strcmp(prefix, "t10k") != 0))
        return hpo__error_set(HPO_EINVAL, "dataset part must be \"train\" or \"t10k\", not \"%s\"",
                              prefix == NULL ? "(null)" : prefix);
    snprintf(img_base, sizeof(img_base), "%s-images-idx3-ubyte", prefix);
    snprintf(lbl_base, sizeof(lbl_base), "%s-labels-idx1-ubyte", prefix);
    has_img = find_file(img_path, sizeof(img_path), dir, img_base);
    has_lbl = find_file(lbl_path, sizeof(lbl_path), dir, lbl_base);
    if (!has_img || !has_lbl)
        return hpo__error_set(
                HPO_ENOTFOUND,
                "dataset not found: %s has no %s%s%s (plain or .gz); install Fashion-MNIST with "
                "'apt-get install dataset-fashion-mnist' (it fills %s), or point --data at a "
                "directory holding the MNIST or Fashion-MNIST IDX files "
                "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                "t10k-labels-idx1-ubyte (each may be .gz)",
                dir, has_img ? "" : img_base, !has_img && !has_lbl ? " or " : "",
                has_lbl ? "" : lbl_base, HPO_MLP_DEFAULT_DATA_DIR);
    if ((rc = hpo__mlp_idx_read(&images, img_path, 3)) != HPO_OK)
        return rc;
    if ((rc = hpo__mlp_idx_read(&labels, lbl_path, 1)) != HPO_OK) {
        hpo__mlp_idx_release(&images);
        return rc;
    }
    if ((rc = hpo__mlp_data_from_idx(out, &images, &labels)) != HPO_OK)
        return hpo__error_wrap(rc, "%s", dir);
    return HPO_OK;
}

void hpo__mlp_data_free(hpo_mlp_data *d)
{
    if (d == NULL)
        return;
    hpo__free(d->images);
    hpo__free(d->labels);
    hpo__free(d);
}

int hpo__mlp_split_make(
        hpo_mlp_split *out, size_t n, double val_fraction, double subsample, uint64_t seed)
{
    size_t *perm = NULL, n_val, n_rest, n_train;
    hpo_rng rng;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!(val_fraction >= 0.0 && val_fraction < 1.0))
        return hpo__error_set(HPO_EINVAL, "validation fraction %g must be in [0, 1)", val_fraction);
    if (!(subsample > 0.0 && subsample <= 1.0))
        return hpo__error_set(HPO_EINVAL, "subsample %g must be in (0, 1]", subsample);
    n_val = (size_t)llround((double)n * val_fraction);
    if (n_val >= n)
        return hpo__error_set(HPO_EINVAL,
                              "no training examples left: %zu examples, validation fraction %g", n,
                              val_fraction);
    n_rest = n - n_val;
    n_train = (size_t)llround((double)n_rest * subsample);
    if (n_train == 0)
        n_train = 1;
    perm = hpo__reallocarray(NULL, n, sizeof(*perm));
    if (perm == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for a %zu-index split", n);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    hpo__rng_seed(&rng, seed);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)hpo__rng_below(&rng, i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    if (n_val > 0) {
        out->val = hpo__reallocarray(NULL, n_val, sizeof(*out->val));
        if (out->val == NULL) {
            rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu validation indices", n_val);
            goto fail;
        }
        memcpy(out->val, perm, n_val * sizeof(*perm));
    }
    /* The training part reuses the permutation's buffer: move its slice to the front. */
    memmove(perm, perm + n_val, n_train * sizeof(*perm));
    out->train = perm;
    out->n_train = n_train;
    out->n_val = n_val;
    return HPO_OK;
fail:
    hpo__free(perm);
    hpo__mlp_split_release(out);
    return rc;
}

void hpo__mlp_split_release(hpo_mlp_split *s)
{
    if (s == NULL)
        return;
    hpo__free(s->train);
    hpo__free(s->val);
    memset(s, 0, sizeof(*s));
}
