/*
 * data.h - the MLP workload's data: an IDX reader (the MNIST file format, plain
 * or gzip-compressed), image/label datasets built from IDX pairs, and seeded
 * train/validation splits with an optional subsample.
 *
 * The workload is an hpo objective like any other: it links libhpo statically,
 * uses its internal conventions (hpo status codes, hpo__error_set messages,
 * core/alloc.h) and is never used by libhpo itself.
 *
 * Images stay uint8 in memory (47 MB for 60 000 28x28 images instead of 188 MB
 * as float); the trainer normalises each minibatch while gathering it, a copy
 * that shuffling needs anyway.
 *
 * Thread safety: a loaded hpo_mlp_data is immutable and may be shared by any
 * number of trainers on any threads.
 */
#ifndef HPO_WORKLOADS_MLP_DATA_H
#define HPO_WORKLOADS_MLP_DATA_H

#include <stddef.h>
#include <stdint.h>

/* The largest IDX payload accepted, so a hostile header cannot make us allocate
 * more than this (the whole MNIST training set is 47 MB). */
#define HPO_MLP_IDX_MAX_BYTES ((size_t)1 << 31)
#define HPO_MLP_IDX_MAX_DIMS  4
/* Labels are class indices below this (MNIST and Fashion-MNIST use 10). */
#define HPO_MLP_MAX_CLASSES 10

/** One IDX array of unsigned bytes (type 0x08). */
typedef struct hpo_mlp_idx {
    uint8_t *data;                       /* n_items * item_len bytes, owned */
    size_t n_dims;                       /* 1..HPO_MLP_IDX_MAX_DIMS */
    uint32_t dims[HPO_MLP_IDX_MAX_DIMS]; /* dims[0] is the item count */
    size_t n_items;                      /* dims[0] */
    size_t item_len;                     /* product of dims[1..] (1 for 1-d) */
} hpo_mlp_idx;

/**
 * Parse an IDX image held in memory (already decompressed). want_dims is the
 * number of dimensions required (1 for labels, 3 for images); name labels the
 * input in error messages. The payload is copied, buf is not kept.
 * Errors: HPO_EINVAL when the magic number, type, dimension count or size is
 * wrong, or the buffer is shorter or longer than the header says; HPO_ENOMEM.
 * On failure *out is zeroed.
 */
int hpo__mlp_idx_parse(
        hpo_mlp_idx *out, const uint8_t *buf, size_t len, size_t want_dims, const char *name);

/**
 * Read an IDX file, plain or gzip-compressed (zlib detects which). Reads
 * exactly the size the header declares and rejects trailing bytes, so neither a
 * truncated file nor a compression bomb can overread or over-allocate.
 * Errors: HPO_ENOTFOUND (cannot open), HPO_EINVAL (malformed, truncated,
 * corrupt), HPO_ENOMEM. On failure *out is zeroed.
 */
int hpo__mlp_idx_read(hpo_mlp_idx *out, const char *path, size_t want_dims);

/** Free the payload and zero *idx. NULL-safe. */
void hpo__mlp_idx_release(hpo_mlp_idx *idx);

/** A set of images with their labels. */
typedef struct hpo_mlp_data {
    uint8_t *images;   /* n * dim bytes, row-major, owned */
    uint8_t *labels;   /* n bytes, each < HPO_MLP_MAX_CLASSES, owned */
    size_t n;          /* number of images */
    size_t rows, cols; /* image shape */
    size_t dim;        /* rows * cols */
} hpo_mlp_data;

/**
 * Build a dataset from an image IDX (3-d) and a label IDX (1-d). Takes
 * ownership of both payloads, also on failure (they are released).
 * Errors: HPO_EINVAL (no images, counts differ, a label >= 10), HPO_ENOMEM.
 */
int hpo__mlp_data_from_idx(hpo_mlp_data **out, hpo_mlp_idx *images, hpo_mlp_idx *labels);

/**
 * Load "<dir>/<prefix>-images-idx3-ubyte[.gz]" and "<prefix>-labels-idx1-ubyte[.gz]",
 * prefix "train" or "t10k" (the MNIST and Fashion-MNIST names). dir NULL means
 * HPO_MLP_DEFAULT_DATA_DIR.
 * Errors: HPO_ENOTFOUND naming the missing files and the Debian package that
 * provides them; those of hpo__mlp_idx_read and hpo__mlp_data_from_idx.
 */
int hpo__mlp_data_load(hpo_mlp_data **out, const char *dir, const char *prefix);

#define HPO_MLP_DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"

/** NULL-safe. */
void hpo__mlp_data_free(hpo_mlp_data *d);

/** Indices into a dataset: a training part and a validation part. */
typedef struct hpo_mlp_split {
    size_t *train; /* n_train indices, owned */
    size_t n_train;
    size_t *val; /* n_val indices, owned (NULL when n_val is 0) */
    size_t n_val;
} hpo_mlp_split;

/**
 * Shuffle 0..n-1 with seed, put the first round(n * val_fraction) indices in
 * the validation part and the first max(1, round(subsample * rest)) of the rest
 * in the training part. val_fraction in [0, 1), subsample in (0, 1].
 * Errors: HPO_EINVAL (fractions out of range or NaN, nothing left to train on),
 * HPO_ENOMEM. On failure *out is zeroed.
 */
int hpo__mlp_split_make(
        hpo_mlp_split *out, size_t n, double val_fraction, double subsample, uint64_t seed);

/** Free both parts and zero *s. NULL-safe. */
void hpo__mlp_split_release(hpo_mlp_split *s);

#endif
