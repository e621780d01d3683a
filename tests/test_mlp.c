/*
 * test_mlp.c - the MLP workload: IDX parsing of good, malformed, truncated and
 * hostile input (buffers and plain/gzip files), splits, configuration checks,
 * a finite-difference gradient check, PyTorch's optimizer rules, overfitting
 * one batch, accuracy on a synthetic separable dataset, and determinism.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "mlp/data.h"
#include "mlp/mlp.h"
#include "support/test_util.h"

/* ---------------------------------------------------------------------- */
/* Helpers */

/* An IDX image: header for dims[0..n_dims), then payload bytes i % 251. */
static uint8_t *make_idx(const uint32_t *dims, size_t n_dims, size_t *out_len)
{
    size_t payload = 1, len;
    uint8_t *buf;
    for (size_t i = 0; i < n_dims; i++)
        payload *= dims[i];
    len = 4 + 4 * n_dims + payload;
    buf = malloc(len);
    assert_non_null(buf);
    buf[0] = 0;
    buf[1] = 0;
    buf[2] = 0x08;
    buf[3] = (uint8_t)n_dims;
    for (size_t i = 0; i < n_dims; i++) {
        buf[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
        buf[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
        buf[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
        buf[7 + 4 * i] = (uint8_t)dims[i];
    }
    for (size_t i = 0; i < payload; i++)
        buf[4 + 4 * n_dims + i] = (uint8_t)(i % 251);
    *out_len = len;
    return buf;
}

static char tmp_dir[64];

static int make_tmp_dir(void **state)
{
    (void)state;
    strcpy(tmp_dir, "/tmp/hpo_test_mlp_XXXXXX");
    return mkdtemp(tmp_dir) == NULL ? -1 : 0;
}

static int remove_tmp_dir(void **state)
{
    const char *names[] = {"plain.idx",
                           "good.gz",
                           "trunc.gz",
                           "bad.gz",
                           "trail.gz",
                           "train-images-idx3-ubyte",
                           "train-labels-idx1-ubyte.gz"};
    char path[128];
    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmp_dir, names[i]);
        unlink(path);
    }
    rmdir(tmp_dir);
    return 0;
}

static void tmp_path(char *path, size_t len, const char *name)
{
    snprintf(path, len, "%s/%s", tmp_dir, name);
}

static void write_plain(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_gz(const char *path, const uint8_t *buf, size_t len)
{
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, buf, (unsigned)len), (int)len);
    assert_int_equal(gzclose(f), Z_OK);
}

/* ---------------------------------------------------------------------- */
/* IDX from memory */

static void test_idx_parse_good(void **state)
{
    uint32_t dims[3] = {5, 3, 4};
    size_t len;
    uint8_t *buf = make_idx(dims, 3, &len);
    hpo_mlp_idx idx;
    (void)state;
    assert_ok(hpo__mlp_idx_parse(&idx, buf, len, 3, "images"));
    hpo_assert_eq_i64(idx.n_items, 5);
    hpo_assert_eq_i64(idx.item_len, 12);
    hpo_assert_eq_i64(idx.dims[2], 4);
    assert_memory_equal(idx.data, buf + 16, 60);
    hpo__mlp_idx_release(&idx);
    assert_null(idx.data);
    free(buf);
}

static void test_idx_parse_bad(void **state)
{
    uint32_t dims[1] = {10};
    size_t len;
    uint8_t *buf = make_idx(dims, 1, &len);
    hpo_mlp_idx idx;
    (void)state;
    /* Shorter than a header, or NULL. */
    assert_status(hpo__mlp_idx_parse(&idx, buf, 3, 1, "labels"), HPO_EINVAL);
    assert_msg_has("too short");
    assert_status(hpo__mlp_idx_parse(&idx, NULL, 0, 1, "labels"), HPO_EINVAL);
    /* The wrong number of dimensions for the role. */
    assert_status(hpo__mlp_idx_parse(&idx, buf, len, 3, "images"), HPO_EINVAL);
    assert_msg_has("1 dimensions, expected 3");
    /* Truncated payload and trailing bytes. */
    assert_status(hpo__mlp_idx_parse(&idx, buf, len - 1, 1, "labels"), HPO_EINVAL);
    assert_msg_has("truncated");
    assert_status(hpo__mlp_idx_parse(&idx, buf, 6, 1, "labels"), HPO_EINVAL);
    assert_msg_has("header truncated");
    /* Bad magic, unsupported element type. */
    buf[1] = 1;
    assert_status(hpo__mlp_idx_parse(&idx, buf, len, 1, "labels"), HPO_EINVAL);
    assert_msg_has("not an IDX file");
    buf[1] = 0;
    buf[2] = 0x0D;
    assert_status(hpo__mlp_idx_parse(&idx, buf, len, 1, "labels"), HPO_EINVAL);
    assert_msg_has("0x0d");
    assert_null(idx.data);
    free(buf);
    {
        uint8_t longer[4 + 4 + 12] = {0, 0, 8, 1, 0, 0, 0, 10};
        assert_status(hpo__mlp_idx_parse(&idx, longer, sizeof(longer), 1, "labels"), HPO_EINVAL);
        assert_msg_has("there are 12");
    }
}

static void test_idx_parse_hostile(void **state)
{
    /* Dimensions whose product overflows or exceeds the cap must be refused
     * before any allocation or read, whatever length the buffer claims. */
    uint8_t huge[16] = {0,    0,    8,    3,    0xff, 0xff, 0xff, 0xff,
                        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t big[16] = {0,    0,    8,    3,    0x00, 0x01, 0x00, 0x00,
                       0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00};
    uint8_t zero[16] = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    hpo_mlp_idx idx;
    (void)state;
    assert_status(hpo__mlp_idx_parse(&idx, huge, sizeof(huge), 3, "x"), HPO_EINVAL);
    assert_msg_has("more than");
    assert_status(hpo__mlp_idx_parse(&idx, big, sizeof(big), 3, "x"), HPO_EINVAL);
    assert_msg_has("more than");
    assert_status(hpo__mlp_idx_parse(&idx, zero, sizeof(zero), 3, "x"), HPO_EINVAL);
    assert_msg_has("dimension 1 is 0");
    /* Every prefix of a valid file is an error, never an overread (ASan checks). */
    {
        uint32_t dims[3] = {2, 2, 3};
        size_t len;
        uint8_t *buf = make_idx(dims, 3, &len);
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *copy = malloc(cut + 1);
            memcpy(copy, buf, cut);
            assert_status(hpo__mlp_idx_parse(&idx, copy, cut, 3, "x"), HPO_EINVAL);
            free(copy);
        }
        free(buf);
    }
}

static void test_idx_parse_oom(void **state)
{
    uint32_t dims[1] = {10};
    size_t len;
    uint8_t *buf = make_idx(dims, 1, &len);
    hpo_mlp_idx idx;
    (void)state;
    hpo__fail_alloc_after(0);
    assert_status(hpo__mlp_idx_parse(&idx, buf, len, 1, "labels"), HPO_ENOMEM);
    hpo__fail_alloc_after(-1);
    assert_null(idx.data);
    free(buf);
}

/* ---------------------------------------------------------------------- */
/* IDX files */

static void test_idx_read_files(void **state)
{
    uint32_t dims[3] = {7, 28, 28};
    size_t len;
    uint8_t *buf = make_idx(dims, 3, &len);
    char path[128];
    hpo_mlp_idx idx;
    (void)state;

    tmp_path(path, sizeof(path), "plain.idx");
    write_plain(path, buf, len);
    assert_ok(hpo__mlp_idx_read(&idx, path, 3));
    hpo_assert_eq_i64(idx.n_items, 7);
    assert_memory_equal(idx.data, buf + 16, len - 16);
    hpo__mlp_idx_release(&idx);

    tmp_path(path, sizeof(path), "good.gz");
    write_gz(path, buf, len);
    assert_ok(hpo__mlp_idx_read(&idx, path, 3));
    hpo_assert_eq_i64(idx.item_len, 784);
    assert_memory_equal(idx.data, buf + 16, len - 16);
    hpo__mlp_idx_release(&idx);

    /* The compressed stream cut in half. */
    tmp_path(path, sizeof(path), "trunc.gz");
    write_gz(path, buf, len);
    {
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(truncate(path, st.st_size / 2), 0);
    }
    assert_status(hpo__mlp_idx_read(&idx, path, 3), HPO_EINVAL);
    assert_msg_has("trunc.gz");
    assert_null(idx.data);

    /* A gzip member whose data is shorter than the header declares. */
    tmp_path(path, sizeof(path), "bad.gz");
    write_gz(path, buf, len - 100);
    assert_status(hpo__mlp_idx_read(&idx, path, 3), HPO_EINVAL);
    assert_msg_has("truncated");

    /* Trailing bytes after the declared payload. */
    tmp_path(path, sizeof(path), "trail.gz");
    {
        uint8_t *longer = malloc(len + 5);
        memcpy(longer, buf, len);
        memset(longer + len, 0, 5);
        write_gz(path, longer, len + 5);
        free(longer);
    }
    assert_status(hpo__mlp_idx_read(&idx, path, 3), HPO_EINVAL);
    assert_msg_has("trailing");

    /* Wrong role, missing file. */
    tmp_path(path, sizeof(path), "good.gz");
    assert_status(hpo__mlp_idx_read(&idx, path, 1), HPO_EINVAL);
    tmp_path(path, sizeof(path), "missing.gz");
    assert_status(hpo__mlp_idx_read(&idx, path, 3), HPO_ENOTFOUND);
    assert_msg_has("missing.gz");
    free(buf);
}

static void test_data_load_dir(void **state)
{
    uint32_t idims[3] = {6, 2, 2}, ldims[1] = {6};
    size_t ilen, llen;
    uint8_t *img = make_idx(idims, 3, &ilen), *lbl = make_idx(ldims, 1, &llen);
    char path[128];
    hpo_mlp_data *d = NULL;
    (void)state;

    /* Missing files name the package to install. */
    assert_status(hpo__mlp_data_load(&d, tmp_dir, "train"), HPO_ENOTFOUND);
    assert_msg_has("dataset-fashion-mnist");
    assert_msg_has("train-images-idx3-ubyte");
    assert_null(d);

    /* Plain images with gzip labels; labels 0..5 are all < 10. */
    tmp_path(path, sizeof(path), "train-images-idx3-ubyte");
    write_plain(path, img, ilen);
    tmp_path(path, sizeof(path), "train-labels-idx1-ubyte.gz");
    write_gz(path, lbl, llen);
    assert_ok(hpo__mlp_data_load(&d, tmp_dir, "train"));
    hpo_assert_eq_i64(d->n, 6);
    hpo_assert_eq_i64(d->dim, 4);
    hpo_assert_eq_i64(d->labels[5], 5);
    hpo__mlp_data_free(d);
    assert_status(hpo__mlp_data_load(&d, tmp_dir, "t10k"), HPO_ENOTFOUND);
    assert_status(hpo__mlp_data_load(&d, tmp_dir, "../x"), HPO_EINVAL);

    /* A label out of range is refused. */
    lbl[8 + 2] = 200;
    write_gz(path, lbl, llen);
    assert_status(hpo__mlp_data_load(&d, tmp_dir, "train"), HPO_EINVAL);
    assert_msg_has("label 2 is 200");
    /* Counts that disagree. */
    ldims[0] = 5;
    free(lbl);
    lbl = make_idx(ldims, 1, &llen);
    write_gz(path, lbl, llen);
    assert_status(hpo__mlp_data_load(&d, tmp_dir, "train"), HPO_EINVAL);
    assert_msg_has("6 images but 5 labels");
    free(img);
    free(lbl);
}

/* ---------------------------------------------------------------------- */
/* Splits and configuration */

static void test_split(void **state)
{
    hpo_mlp_split a, b;
    char *seen = calloc(1000, 1);
    (void)state;
    assert_ok(hpo__mlp_split_make(&a, 1000, 0.2, 0.5, 7));
    hpo_assert_eq_i64(a.n_val, 200);
    hpo_assert_eq_i64(a.n_train, 400);
    for (size_t i = 0; i < a.n_val; i++)
        seen[a.val[i]]++;
    for (size_t i = 0; i < a.n_train; i++)
        seen[a.train[i]]++;
    for (size_t i = 0; i < 1000; i++)
        assert_true(seen[i] <= 1); /* disjoint, no repeats */
    assert_ok(hpo__mlp_split_make(&b, 1000, 0.2, 0.5, 7));
    assert_memory_equal(a.train, b.train, a.n_train * sizeof(size_t));
    hpo__mlp_split_release(&b);
    assert_ok(hpo__mlp_split_make(&b, 1000, 0.2, 0.5, 8));
    assert_true(memcmp(a.train, b.train, a.n_train * sizeof(size_t)) != 0);
    hpo__mlp_split_release(&b);
    hpo__mlp_split_release(&a);

    assert_ok(hpo__mlp_split_make(&a, 10, 0.0, 0.01, 1));
    hpo_assert_eq_i64(a.n_train, 1);
    assert_null(a.val);
    hpo__mlp_split_release(&a);

    assert_status(hpo__mlp_split_make(&a, 10, 1.0, 1.0, 1), HPO_EINVAL);
    assert_status(hpo__mlp_split_make(&a, 10, NAN, 1.0, 1), HPO_EINVAL);
    assert_status(hpo__mlp_split_make(&a, 10, 0.1, 0.0, 1), HPO_EINVAL);
    assert_msg_has("subsample 0");
    assert_status(hpo__mlp_split_make(&a, 10, 0.1, 1.5, 1), HPO_EINVAL);
    assert_status(hpo__mlp_split_make(&a, 1, 0.6, 1.0, 1), HPO_EINVAL);
    free(seen);
}

static void test_config_check(void **state)
{
    hpo_mlp_config c;
    hpo_mlp *m = NULL;
    (void)state;
    hpo__mlp_config_default(&c);
    assert_ok(hpo__mlp_config_check(&c));
    c.lr = NAN;
    assert_status(hpo__mlp_config_check(&c), HPO_EINVAL);
    assert_msg_has("lr");
    hpo__mlp_config_default(&c);
    c.dropout = 1.0;
    assert_status(hpo__mlp_config_check(&c), HPO_EINVAL);
    assert_msg_has("dropout = 1");
    hpo__mlp_config_default(&c);
    c.beta2 = -0.1;
    assert_status(hpo__mlp_config_check(&c), HPO_EINVAL);
    hpo__mlp_config_default(&c);
    c.hidden[1] = 0;
    assert_status(hpo__mlp_config_check(&c), HPO_EINVAL);
    assert_msg_has("hidden layer 2");
    hpo__mlp_config_default(&c);
    c.batch = 0;
    assert_status(hpo__mlp_config_check(&c), HPO_EINVAL);
    hpo__mlp_config_default(&c);
    c.n_threads = 0;
    assert_status(hpo__mlp_new(&m, &c, 784, 10), HPO_EINVAL);
    assert_null(m);
    hpo__mlp_config_default(&c);
    assert_status(hpo__mlp_new(&m, &c, 784, 1), HPO_EINVAL);
}

static void test_new_oom(void **state)
{
    hpo_mlp_config c;
    hpo_mlp *m = NULL;
    int rc;
    (void)state;
    hpo__mlp_config_default(&c);
    c.n_threads = 2;
    for (long n = 0;; n++) {
        hpo__fail_alloc_after(n);
        rc = hpo__mlp_new(&m, &c, 20, 3);
        hpo__fail_alloc_after(-1);
        if (rc == HPO_OK)
            break;
        assert_status(rc, HPO_ENOMEM);
        assert_null(m);
    }
    hpo__mlp_free(m);
}

/* ---------------------------------------------------------------------- */
/* Numerics */

static void random_inputs(float *x, size_t n, uint64_t seed)
{
    hpo_rng r;
    hpo__rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)hpo__rng_normal(&r);
}

static void test_init_bounds(void **state)
{
    hpo_mlp_config c;
    hpo_mlp *m;
    size_t n;
    float *p, bound1 = 1.0f / sqrtf(784.0f), bound2 = 1.0f / sqrtf(256.0f);
    float lo = 0.0f, hi = 0.0f;
    (void)state;
    hpo__mlp_config_default(&c);
    assert_ok(hpo__mlp_new(&m, &c, 784, 10));
    p = hpo__mlp_params(m, &n);
    hpo_assert_eq_i64(n, 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10);
    for (size_t i = 0; i < 784 * 256 + 256; i++) {
        assert_true(fabsf(p[i]) <= bound1);
        lo = p[i] < lo ? p[i] : lo;
        hi = p[i] > hi ? p[i] : hi;
    }
    /* Uniform over the whole range, not a narrower one. */
    assert_true(hi > 0.99f * bound1 && lo < -0.99f * bound1);
    for (size_t i = 784 * 256 + 256; i < n; i++)
        assert_true(fabsf(p[i]) <= bound2);
    hpo__mlp_free(m);
}

/* Central differences on a 6-5-4-3 net (two hidden layers, no dropout). */
static void test_gradient_check(void **state)
{
    enum { ROWS = 4, IN = 6 };
    hpo_mlp_config c;
    hpo_mlp *m;
    float x[ROWS * IN], *p, *g;
    uint8_t y[ROWS] = {0, 2, 1, 2};
    size_t n;
    double loss, lp, lm, max_g = 0.0;
    (void)state;
    hpo__mlp_config_default(&c);
    c.hidden[0] = 5;
    c.hidden[1] = 4;
    c.dropout = 0.0;
    c.seed = 3;
    assert_ok(hpo__mlp_new(&m, &c, IN, 3));
    random_inputs(x, ROWS * IN, 11);
    assert_ok(hpo__mlp_batch_grad(m, x, y, ROWS, false, &loss));
    assert_true(loss > 0.5 && loss < 3.0);
    p = hpo__mlp_params(m, &n);
    g = malloc(n * sizeof(float));
    memcpy(g, hpo__mlp_grads(m), n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        float saved = p[i];
        const float h = 1e-2f;
        double numeric;
        p[i] = saved + h;
        assert_ok(hpo__mlp_batch_grad(m, x, y, ROWS, false, &lp));
        p[i] = saved - h;
        assert_ok(hpo__mlp_batch_grad(m, x, y, ROWS, false, &lm));
        p[i] = saved;
        numeric = (lp - lm) / (2.0 * (double)h);
        /* float32 losses: differences carry ~1e-7 / h of noise. */
        assert_near(g[i], numeric, 1e-3 + 2e-2 * fabs(numeric));
        max_g = fmax(max_g, fabs(g[i]));
    }
    assert_true(max_g > 1e-2); /* the check compared real gradients */
    free(g);
    hpo__mlp_free(m);
}

/* One Adam step and two SGD-momentum steps against the formulas in double. */
static void test_optimizer_rules(void **state)
{
    enum { IN = 4 };
    hpo_mlp_config c;
    hpo_mlp *m;
    float x[2 * IN], *p, *p0, *g;
    uint8_t y[2] = {1, 0};
    size_t n;
    double loss;
    (void)state;
    random_inputs(x, 2 * IN, 5);

    hpo__mlp_config_default(&c);
    c.n_hidden = 1;
    c.hidden[0] = 3;
    c.dropout = 0.0;
    c.lr = 0.01;
    c.beta1 = 0.8;
    c.beta2 = 0.95;
    assert_ok(hpo__mlp_new(&m, &c, IN, 2));
    assert_ok(hpo__mlp_batch_grad(m, x, y, 2, false, &loss));
    p = hpo__mlp_params(m, &n);
    p0 = malloc(n * sizeof(float));
    g = malloc(n * sizeof(float));
    memcpy(p0, p, n * sizeof(float));
    memcpy(g, hpo__mlp_grads(m), n * sizeof(float));
    hpo__mlp_apply_grads(m);
    for (size_t i = 0; i < n; i++) {
        double gi = g[i], mi = 0.2 * gi, vi = 0.05 * gi * gi;
        double want = (double)p0[i] - 0.01 / (1 - 0.8) * mi / (sqrt(vi) / sqrt(1 - 0.95) + 1e-8);
        assert_near(p[i], want, 1e-6);
    }
    hpo__mlp_free(m);

    c.optimizer = HPO_MLP_SGD;
    c.momentum = 0.9;
    c.lr = 0.1;
    assert_ok(hpo__mlp_new(&m, &c, IN, 2));
    assert_ok(hpo__mlp_batch_grad(m, x, y, 2, false, &loss));
    p = hpo__mlp_params(m, &n);
    memcpy(p0, p, n * sizeof(float));
    memcpy(g, hpo__mlp_grads(m), n * sizeof(float));
    hpo__mlp_apply_grads(m); /* buf = g */
    hpo__mlp_apply_grads(m); /* same g again: buf = 0.9 g + g */
    for (size_t i = 0; i < n; i++)
        assert_near(p[i], (double)p0[i] - 0.1 * (double)g[i] - 0.1 * 1.9 * (double)g[i], 1e-6);
    free(p0);
    free(g);
    hpo__mlp_free(m);
}

static void test_overfit_batch(void **state)
{
    enum { ROWS = 16, IN = 20 };
    hpo_mlp_config c;
    hpo_mlp *m;
    float x[ROWS * IN];
    uint8_t y[ROWS];
    double loss = 0.0, first = 0.0;
    (void)state;
    random_inputs(x, ROWS * IN, 9);
    for (size_t i = 0; i < ROWS; i++)
        y[i] = (uint8_t)((i * 7) % 4); /* arbitrary labels: only memorising fits them */
    hpo__mlp_config_default(&c);
    c.hidden[0] = 32;
    c.hidden[1] = 32;
    c.dropout = 0.0;
    c.lr = 1e-2;
    assert_ok(hpo__mlp_new(&m, &c, IN, 4));
    for (int step = 0; step < 300; step++) {
        assert_ok(hpo__mlp_batch_grad(m, x, y, ROWS, true, &loss));
        if (step == 0)
            first = loss;
        hpo__mlp_apply_grads(m);
    }
    assert_ok(hpo__mlp_batch_grad(m, x, y, ROWS, false, &loss));
    assert_true(first > 1.0);
    assert_true(loss < 0.01);
    hpo__mlp_free(m);
}

/* ---------------------------------------------------------------------- */
/* Whole epochs on a synthetic dataset */

/* 8x8 images in 4 classes: class c lights quadrant c, over uniform noise. */
static hpo_mlp_data *synthetic(size_t n, uint64_t seed)
{
    hpo_mlp_data *d = calloc(1, sizeof(*d));
    hpo_rng r;
    hpo__rng_seed(&r, seed);
    d->n = n;
    d->rows = d->cols = 8;
    d->dim = 64;
    d->images = malloc(n * 64);
    d->labels = malloc(n);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)hpo__rng_below(&r, 4);
        d->labels[i] = c;
        for (size_t px = 0; px < 64; px++) {
            size_t q = (px / 8 >= 4) * 2 + (px % 8 >= 4);
            unsigned v = (unsigned)hpo__rng_below(&r, 160) + (q == c ? 60 : 0);
            d->images[i * 64 + px] = (uint8_t)v;
        }
    }
    return d;
}

static void synthetic_free(hpo_mlp_data *d)
{
    free(d->images);
    free(d->labels);
    free(d);
}

static void run_epochs(int threads, uint64_t seed, int epochs, double *losses, double *acc)
{
    hpo_mlp_data *train = synthetic(1000, 1), *test = synthetic(400, 2);
    hpo_mlp_config c;
    hpo_mlp *m;
    hpo__mlp_config_default(&c);
    c.hidden[0] = 32;
    c.hidden[1] = 16;
    c.batch = 32;
    c.n_threads = threads;
    c.seed = seed;
    assert_ok(hpo__mlp_new(&m, &c, 64, 4));
    for (int e = 0; e < epochs; e++)
        assert_ok(hpo__mlp_train_epoch(m, train, NULL, 0, &losses[e]));
    assert_ok(hpo__mlp_evaluate(m, test, NULL, 0, acc, NULL));
    hpo__mlp_free(m);
    synthetic_free(train);
    synthetic_free(test);
}

static void test_accuracy_synthetic(void **state)
{
    double losses[4], acc;
    (void)state;
    run_epochs(1, 1, 4, losses, &acc);
    assert_true(losses[3] < losses[0]);
    assert_true(acc >= 0.95);
    run_epochs(3, 1, 4, losses, &acc);
    assert_true(acc >= 0.95);
}

static void test_determinism(void **state)
{
    double a[3], b[3], acc_a, acc_b;
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        run_epochs(threads, 42, 3, a, &acc_a);
        run_epochs(threads, 42, 3, b, &acc_b);
        assert_memory_equal(a, b, sizeof(a)); /* bit-identical */
        assert_true(acc_a == acc_b);
        run_epochs(threads, 43, 3, b, &acc_b);
        assert_true(memcmp(a, b, sizeof(a)) != 0);
    }
}

static void test_epoch_errors(void **state)
{
    hpo_mlp_data *d = synthetic(50, 1);
    hpo_mlp_config c;
    hpo_mlp *m;
    size_t idx[2] = {3, 50};
    double acc;
    (void)state;
    hpo__mlp_config_default(&c);
    c.hidden[0] = 4;
    c.hidden[1] = 4;
    assert_ok(hpo__mlp_new(&m, &c, 64, 4));
    assert_status(hpo__mlp_train_epoch(m, d, idx, 2, NULL), HPO_EINVAL);
    assert_msg_has("index 50");
    assert_status(hpo__mlp_evaluate(m, d, idx, 0, &acc, NULL), HPO_EINVAL);
    d->labels[7] = 4; /* the net has 4 classes */
    assert_status(hpo__mlp_evaluate(m, d, NULL, 0, &acc, NULL), HPO_EINVAL);
    assert_msg_has("label 4");
    hpo__mlp_free(m);
    assert_ok(hpo__mlp_new(&m, &c, 63, 4));
    assert_status(hpo__mlp_evaluate(m, d, NULL, 0, &acc, NULL), HPO_EINVAL);
    assert_msg_has("64 pixels");
    hpo__mlp_free(m);
    synthetic_free(d);
}

/* A slice of the real dataset, when the Debian package is installed. */
static void test_fashion_mnist_slice(void **state)
{
    hpo_mlp_data *d = NULL;
    hpo_mlp_split s;
    hpo_mlp_config c;
    hpo_mlp *m;
    double acc, loss;
    (void)state;
    if (hpo__mlp_data_load(&d, NULL, "t10k") != HPO_OK) {
        print_message("# skipped: %s\n", hpo_last_error());
        skip();
    }
    hpo_assert_eq_i64(d->n, 10000);
    hpo_assert_eq_i64(d->dim, 784);
    assert_ok(hpo__mlp_split_make(&s, d->n, 0.2, 1.0, 0));
    hpo__mlp_config_default(&c);
    c.hidden[0] = 64;
    c.hidden[1] = 64;
    c.n_threads = 2;
    assert_ok(hpo__mlp_new(&m, &c, d->dim, 10));
    for (int e = 0; e < 2; e++)
        assert_ok(hpo__mlp_train_epoch(m, d, s.train, s.n_train, &loss));
    assert_ok(hpo__mlp_evaluate(m, d, s.val, s.n_val, &acc, NULL));
    assert_true(acc > 0.75); /* PyTorch reaches ~0.80 on this slice */
    hpo__mlp_free(m);
    hpo__mlp_split_release(&s);
    hpo__mlp_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_idx_parse_good),
            cmocka_unit_test(test_idx_parse_bad),
            cmocka_unit_test(test_idx_parse_hostile),
            cmocka_unit_test(test_idx_parse_oom),
            cmocka_unit_test_setup_teardown(test_idx_read_files, make_tmp_dir, remove_tmp_dir),
            cmocka_unit_test_setup_teardown(test_data_load_dir, make_tmp_dir, remove_tmp_dir),
            cmocka_unit_test(test_split),
            cmocka_unit_test(test_config_check),
            cmocka_unit_test(test_new_oom),
            cmocka_unit_test(test_init_bounds),
            cmocka_unit_test(test_gradient_check),
            cmocka_unit_test(test_optimizer_rules),
            cmocka_unit_test(test_overfit_batch),
            cmocka_unit_test(test_accuracy_synthetic),
            cmocka_unit_test(test_determinism),
            cmocka_unit_test(test_epoch_errors),
            cmocka_unit_test(test_fashion_mnist_slice),
    };
    return HPO_RUN_TESTS("mlp", tests);
}
