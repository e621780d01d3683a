/*
 * mlp.c - the MLP trainer: forward and backward passes through CBLAS sgemm,
 * fused elementwise passes, SGD/Adam, and a small team of worker threads that
 * split each minibatch by rows.
 *
 * Layout: activations are row-major (rows x units); a layer's weights are
 * (out x in) row-major as in PyTorch, so the forward product is X W^T, the
 * weight gradient dZ^T X and the input gradient dZ W: all three are plain sgemm
 * calls with a transpose flag, no copies. Per hidden layer the forward pass
 * makes one extra pass over its output (bias + ReLU + dropout fused) and the
 * backward pass one (ReLU/dropout mask + bias gradient fused). The mask is not
 * stored: a unit passed gradient iff its stored output is > 0.
 *
 * All parameters live in one array (and the optimizer state in arrays of the
 * same layout), so the optimizer is a single loop that workers split by range.
 */
#include "mlp/mlp.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86_SIMD 1
#else
#define HAVE_X86_SIMD 0
#endif

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"

/* Rows a worker's buffers hold at least, so evaluation runs in large chunks. */
#define EVAL_ROWS 256
/* Busy-wait iterations before a waiting thread sleeps. */
#define WAIT_SPIN 4096

/* ---------------------------------------------------------------------- */
/*
 * Phases. An epoch is a sequence of phases (per minibatch: the row chunks'
 * forward/backward, then the parameter slices' updates), each made of
 * n_threads tasks with fixed inputs and outputs. Any thread may run any task:
 * a thread first claims its own, then any left unclaimed, and starts a phase
 * only once every task of the previous one has finished. The results do not
 * depend on which thread ran what, and a thread the OS deschedules does not
 * stall the others as it would at a barrier: they take over its tasks.
 */
typedef struct phaser {
    atomic_ullong done; /* tasks finished in this epoch */
    atomic_uint sleepers;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} phaser;

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Wait until at least target tasks have finished: spin briefly (a phase takes
 * well under a millisecond), then sleep. */
static void phaser_wait(phaser *ph, unsigned long long target)
{
    if (atomic_load(&ph->done) >= target)
        return;
    for (int i = 0; i < WAIT_SPIN; i++) {
        cpu_relax();
        if (atomic_load(&ph->done) >= target)
            return;
    }
    /* sleepers is raised before done is re-read under the lock, and a finisher
     * raises done before reading sleepers, so no wake-up is lost. */
    atomic_fetch_add(&ph->sleepers, 1);
    pthread_mutex_lock(&ph->mu);
    while (atomic_load(&ph->done) < target)
        pthread_cond_wait(&ph->cv, &ph->mu);
    pthread_mutex_unlock(&ph->mu);
    atomic_fetch_sub(&ph->sleepers, 1);
}

static void phaser_finish(phaser *ph)
{
    atomic_fetch_add(&ph->done, 1);
    if (atomic_load(&ph->sleepers) > 0) {
        pthread_mutex_lock(&ph->mu);
        pthread_cond_broadcast(&ph->cv);
        pthread_mutex_unlock(&ph->mu);
    }
}

/* ---------------------------------------------------------------------- */
/* The network. */

typedef struct worker {
    struct hpo_mlp *m;
    int id;
    size_t cap;                         /* rows the buffers hold */
    float *x;                           /* cap x n_in, the normalised batch */
    uint8_t *y;                         /* cap labels */
    float *act[HPO_MLP_MAX_HIDDEN + 1]; /* output of each layer; the last are logits */
    float *d0, *d1;                     /* cap x widest layer: gradient ping-pong */
    uint16_t *coins;                    /* one row of dropout coins (widest + 3) */
    float *grad;                        /* n_params */
    hpo_rng rng;                        /* dropout */
    size_t p0, p1;                      /* parameter slice this worker updates */
    atomic_ullong claimed;              /* phases whose task here was claimed */
    double loss_sum;                    /* over the rows it processed */
    size_t n_correct;
} worker;

struct hpo_mlp {
    hpo_mlp_config cfg;
    size_t n_layers;                      /* linear layers: n_hidden + 1 */
    size_t width[HPO_MLP_MAX_HIDDEN + 2]; /* width[0] inputs ... width[n_layers] classes */
    size_t w_off[HPO_MLP_MAX_HIDDEN + 1]; /* offsets of weights and biases in params */
    size_t b_off[HPO_MLP_MAX_HIDDEN + 1];
    size_t n_params;
    float *params;
    float *state1;   /* Adam exp_avg or SGD momentum buffer (NULL without momentum) */
    float *state2;   /* Adam exp_avg_sq */
    int64_t n_steps; /* optimizer steps taken */
    hpo_rng rng;     /* shuffling */
    float lut[256];  /* pixel byte -> normalised float */
    int n_threads;
    worker *workers;
    phaser ph;
    /* What the team works on during one call (read-only while it runs). */
    const hpo_mlp_data *data;
    const size_t *order;
    size_t n_order;
    void (*job)(worker *w);
};

void hpo__mlp_config_default(hpo_mlp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->n_hidden = 2;
    cfg->hidden[0] = 256;
    cfg->hidden[1] = 256;
    cfg->optimizer = HPO_MLP_ADAM;
    cfg->lr = 1e-3;
    cfg->beta1 = 0.9;
    cfg->beta2 = 0.999;
    cfg->eps = 1e-8;
    cfg->momentum = 0.0;
    cfg->dropout = 0.2;
    cfg->batch = 64;
    cfg->seed = 0;
    cfg->n_threads = 1;
}

static int check_unit(double v, double lo, bool lo_open, double hi, bool hi_open, const char *name)
{
    bool ok = isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
    if (!ok)
        return hpo__error_set(HPO_EINVAL, "%s = %g is out of range %s%g, %g%s", name, v,
                              lo_open ? "(" : "[", lo, hi, hi_open ? ")" : "]");
    return HPO_OK;
}

int hpo__mlp_config_check(const hpo_mlp_config *cfg)
{
    if (cfg == NULL)
        return hpo__error_set(HPO_EINVAL, "MLP config is NULL");
    if (cfg->n_hidden > HPO_MLP_MAX_HIDDEN)
        return hpo__error_set(HPO_EINVAL, "%zu hidden layers; at most %d are supported",
                              cfg->n_hidden, HPO_MLP_MAX_HIDDEN);
    for (size_t i = 0; i < cfg->n_hidden; i++)
        if (cfg->hidden[i] == 0 || cfg->hidden[i] > HPO_MLP_MAX_UNITS)
            return hpo__error_set(HPO_EINVAL, "hidden layer %zu has %zu units; expected 1..%d",
                                  i + 1, cfg->hidden[i], HPO_MLP_MAX_UNITS);
    if (cfg->optimizer != HPO_MLP_ADAM && cfg->optimizer != HPO_MLP_SGD)
        return hpo__error_set(HPO_EINVAL, "unknown optimizer %d", (int)cfg->optimizer);
    HPO_TRY(check_unit(cfg->lr, 0.0, true, INFINITY, true, "lr"));
    HPO_TRY(check_unit(cfg->beta1, 0.0, false, 1.0, true, "beta1"));
    HPO_TRY(check_unit(cfg->beta2, 0.0, false, 1.0, true, "beta2"));
    HPO_TRY(check_unit(cfg->eps, 0.0, true, INFINITY, true, "eps"));
    HPO_TRY(check_unit(cfg->momentum, 0.0, false, 1.0, true, "momentum"));
    HPO_TRY(check_unit(cfg->dropout, 0.0, false, 1.0, true, "dropout"));
    if (cfg->batch == 0 || cfg->batch > HPO_MLP_MAX_BATCH)
        return hpo__error_set(HPO_EINVAL, "batch = %zu; expected 1..%d", cfg->batch,
                              HPO_MLP_MAX_BATCH);
    if (cfg->n_threads < 1 || cfg->n_threads > HPO_MLP_MAX_THREADS)
        return hpo__error_set(HPO_EINVAL, "threads = %d; expected 1..%d", cfg->n_threads,
                              HPO_MLP_MAX_THREADS);
    return HPO_OK;
}

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_single_thread(void)
{
    /* Our workers are the threads; OpenBLAS's pool would only contend with them. */
    openblas_set_num_threads(1);
}

void hpo__mlp_blas_init(void)
{
    pthread_once(&blas_once, blas_single_thread);
}

static void *alloc_floats(size_t n)
{
    return hpo__reallocarray(NULL, n == 0 ? 1 : n, sizeof(float));
}

/* MurmurHash3's 64-bit finaliser: a bijective mix of all input bits. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
    z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
    return z ^ (z >> 33);
}

static void worker_release(worker *w)
{
    hpo__free(w->x);
    hpo__free(w->y);
    for (size_t l = 0; l <= HPO_MLP_MAX_HIDDEN; l++)
        hpo__free(w->act[l]);
    hpo__free(w->d0);
    hpo__free(w->d1);
    hpo__free(w->coins);
    hpo__free(w->grad);
}

static int worker_init(hpo_mlp *m, worker *w, int id)
{
    size_t widest = 0, rows_per = (m->cfg.batch + (size_t)m->n_threads - 1) / (size_t)m->n_threads;
    size_t n;

    w->m = m;
    w->id = id;
    w->cap = rows_per > EVAL_ROWS ? rows_per : EVAL_ROWS;
    for (size_t l = 1; l <= m->n_layers; l++)
        widest = m->width[l] > widest ? m->width[l] : widest;
    /* Sizes below are bounded by the config limits (65536 squared fits size_t). */
    w->x = alloc_floats(w->cap * m->width[0]);
    w->y = hpo__malloc(w->cap);
    w->d0 = alloc_floats(w->cap * widest);
    w->d1 = alloc_floats(w->cap * widest);
    w->grad = alloc_floats(m->n_params);
    w->coins = hpo__reallocarray(NULL, widest + 3, sizeof(uint16_t));
    if (w->x == NULL || w->y == NULL || w->d0 == NULL || w->d1 == NULL || w->grad == NULL ||
        w->coins == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for MLP worker buffers");
    for (size_t l = 0; l < m->n_layers; l++) {
        w->act[l] = alloc_floats(w->cap * m->width[l + 1]);
        if (w->act[l] == NULL)
            return hpo__error_set(HPO_ENOMEM, "out of memory for MLP activations");
    }
    memset(w->grad, 0, m->n_params * sizeof(float));
    /* Distinct dropout streams per worker, all derived from the seed. The seed
     * is hashed first: hpo__rng_seed steps splitmix64 by the golden gamma, so
     * seeds that differ by multiples of it would give overlapping states. */
    hpo__rng_seed(&w->rng, mix64(m->cfg.seed + 0x632be59bd9b4e019ULL * (uint64_t)(id + 1)));
    /* Slice boundaries on 16-float multiples keep the slices cache-line aligned. */
    n = m->n_params;
    w->p0 = (n * (size_t)id / (size_t)m->n_threads) & ~(size_t)15;
    w->p1 = id + 1 == m->n_threads ? n
                                   : (n * (size_t)(id + 1) / (size_t)m->n_threads) & ~(size_t)15;
    return HPO_OK;
}

/* PyTorch's nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) gives the
 * bound 1/sqrt(fan_in) for the weights, and the bias uses the same bound. */
static void init_params(hpo_mlp *m)
{
    for (size_t l = 0; l < m->n_layers; l++) {
        size_t fan_in = m->width[l], fan_out = m->width[l + 1];
        double bound = 1.0 / sqrt((double)fan_in);
        float *wt = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        for (size_t i = 0; i < fan_in * fan_out; i++)
            wt[i] = (float)((2.0 * hpo__rng_uniform(&m->rng) - 1.0) * bound);
        for (size_t i = 0; i < fan_out; i++)
            b[i] = (float)((2.0 * hpo__rng_uniform(&m->rng) - 1.0) * bound);
    }
}

int hpo__mlp_new(hpo_mlp **out, const hpo_mlp_config *cfg, size_t n_in, size_t n_out)
{
    hpo_mlp *m = NULL;
    size_t off = 0;
    int rc;

    *out = NULL;
    HPO_TRY(hpo__mlp_config_check(cfg));
    if (n_in == 0 || n_in > HPO_MLP_MAX_UNITS || n_out < 2 || n_out > HPO_MLP_MAX_UNITS)
        return hpo__error_set(HPO_EINVAL,
                              "MLP with %zu inputs and %zu classes; expected 1..%d "
                              "inputs and 2..%d classes",
                              n_in, n_out, HPO_MLP_MAX_UNITS, HPO_MLP_MAX_UNITS);
    pthread_once(&blas_once, blas_single_thread);
    m = hpo__calloc(1, sizeof(*m));
    if (m == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for an MLP");
    m->cfg = *cfg;
    m->n_layers = cfg->n_hidden + 1;
    m->width[0] = n_in;
    for (size_t i = 0; i < cfg->n_hidden; i++)
        m->width[i + 1] = cfg->hidden[i];
    m->width[m->n_layers] = n_out;
    for (size_t l = 0; l < m->n_layers; l++) {
        m->w_off[l] = off;
        off += m->width[l] * m->width[l + 1];
        m->b_off[l] = off;
        off += m->width[l + 1];
    }
    m->n_params = off;
    m->n_threads = cfg->n_threads;
    for (int v = 0; v < 256; v++)
        m->lut[v] = ((float)v / 255.0f - 0.5f) / 0.5f; /* ToTensor, Normalize(0.5, 0.5) */
    hpo__rng_seed(&m->rng, cfg->seed);
    m->params = alloc_floats(m->n_params);
    if (m->params == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for %zu MLP parameters", m->n_params);
        goto fail;
    }
    if (cfg->optimizer == HPO_MLP_ADAM || cfg->momentum > 0.0) {
        m->state1 = hpo__calloc(m->n_params, sizeof(float));
        if (m->state1 == NULL) {
            rc = hpo__error_set(HPO_ENOMEM, "out of memory for optimizer state");
            goto fail;
        }
    }
    if (cfg->optimizer == HPO_MLP_ADAM) {
        m->state2 = hpo__calloc(m->n_params, sizeof(float));
        if (m->state2 == NULL) {
            rc = hpo__error_set(HPO_ENOMEM, "out of memory for optimizer state");
            goto fail;
        }
    }
    m->workers = hpo__calloc((size_t)m->n_threads, sizeof(worker));
    if (m->workers == NULL) {
        rc = hpo__error_set(HPO_ENOMEM, "out of memory for MLP workers");
        goto fail;
    }
    for (int t = 0; t < m->n_threads; t++)
        if ((rc = worker_init(m, &m->workers[t], t)) != HPO_OK)
            goto fail;
    atomic_init(&m->ph.done, 0);
    atomic_init(&m->ph.sleepers, 0);
    if (pthread_mutex_init(&m->ph.mu, NULL) != 0) {
        rc = hpo__error_set(HPO_ERROR, "cannot create a mutex");
        goto fail;
    }
    if (pthread_cond_init(&m->ph.cv, NULL) != 0) {
        pthread_mutex_destroy(&m->ph.mu);
        rc = hpo__error_set(HPO_ERROR, "cannot create a condition variable");
        goto fail;
    }
    init_params(m);
    *out = m;
    return HPO_OK;
fail:
    if (m->workers != NULL)
        for (int t = 0; t < m->n_threads; t++)
            worker_release(&m->workers[t]);
    hpo__free(m->workers);
    hpo__free(m->state2);
    hpo__free(m->state1);
    hpo__free(m->params);
    hpo__free(m);
    return rc;
}

void hpo__mlp_free(hpo_mlp *m)
{
    if (m == NULL)
        return;
    for (int t = 0; t < m->n_threads; t++)
        worker_release(&m->workers[t]);
    pthread_cond_destroy(&m->ph.cv);
    pthread_mutex_destroy(&m->ph.mu);
    hpo__free(m->workers);
    hpo__free(m->state2);
    hpo__free(m->state1);
    hpo__free(m->params);
    hpo__free(m);
}

/* ---------------------------------------------------------------------- */
/* Forward and backward on one worker's rows. */

/*
 * The elementwise passes. Each has a scalar loop and, on x86-64, an AVX-512
 * version chosen at run time (the build targets baseline x86-64, so the
 * compiler alone would use 4-wide SSE at best). Both compute every element with
 * the same operations in the same order, so results do not depend on which ran.
 */
#if HAVE_X86_SIMD
static int has_avx512(void)
{
    static int cached = -1; /* benign race: every thread stores the same value */
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}
#endif

/* Dropout coins for one row: 16-bit uniforms, four per 64-bit draw. A unit is
 * kept iff its coin >= round(p * 65536), so p is honoured to within 2^-17. */
static void fill_coins(hpo_rng *rng, uint16_t *coins, size_t cols)
{
    for (size_t j = 0; j < cols; j += 4) {
        uint64_t u = hpo__rng_u64(rng);
        coins[j] = (uint16_t)u;
        coins[j + 1] = (uint16_t)(u >> 16);
        coins[j + 2] = (uint16_t)(u >> 32);
        coins[j + 3] = (uint16_t)(u >> 48);
    }
}

#if HAVE_X86_SIMD
__attribute__((target("avx512f"))) static size_t bias_relu_avx512(
        float *o, const float *b, const uint16_t *coins, size_t cols, uint32_t thr, float scale)
{
    __m512 zero = _mm512_setzero_ps(), sc = _mm512_set1_ps(scale);
    __m512i th = _mm512_set1_epi32((int)thr);
    size_t j = 0;
    for (; j + 16 <= cols; j += 16) {
        __m512 v = _mm512_add_ps(_mm512_loadu_ps(o + j), _mm512_loadu_ps(b + j));
        __mmask16 k = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
        if (coins != NULL) {
            __m512i c = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const void *)(coins + j)));
            k = _mm512_kand(k, _mm512_cmpge_epu32_mask(c, th));
        }
        _mm512_storeu_ps(o + j, _mm512_maskz_mul_ps(k, v, sc));
    }
    return j;
}
#endif

/* One row: o = keep ? (o + b) * scale : 0, keep = o + b > 0 and (no coins or
 * coin >= thr). Without dropout scale is 1, which leaves values exact. */
static void bias_relu_row(float *restrict o,
                          const float *restrict b,
                          const uint16_t *restrict coins,
                          size_t cols,
                          uint32_t thr,
                          float scale)
{
    size_t j = 0;
#if HAVE_X86_SIMD
    if (has_avx512())
        j = bias_relu_avx512(o, b, coins, cols, thr, scale);
#endif
    for (; j < cols; j++) {
        float v = o[j] + b[j];
        int keep = v > 0.0f && (coins == NULL || coins[j] >= thr);
        o[j] = keep ? v * scale : 0.0f;
    }
}

/* out = dropout(relu(out + b)), in place. Every element draws its dropout coin,
 * whatever its value, so the random stream depends only on the shapes. */
static void
bias_relu_dropout(worker *w, float *out, const float *b, size_t rows, size_t cols, double p)
{
    uint32_t thr = 0;
    float scale = 1.0f;
    if (p > 0.0) {
        thr = (uint32_t)lround(p * 65536.0);
        scale = (float)(1.0 / (1.0 - p));
    }
    for (size_t r = 0; r < rows; r++) {
        if (p > 0.0)
            fill_coins(&w->rng, w->coins, cols);
        bias_relu_row(out + r * cols, b, p > 0.0 ? w->coins : NULL, cols, thr, scale);
    }
}

static void add_bias(float *restrict out, const float *restrict b, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++)
            out[r * cols + j] += b[j];
}

static void forward(worker *w, size_t rows, bool is_train)
{
    hpo_mlp *m = w->m;
    const float *in = w->x;
    for (size_t l = 0; l < m->n_layers; l++) {
        size_t n_in = m->width[l], n_out = m->width[l + 1];
        const float *wt = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        float *out = w->act[l];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n_out, (int)n_in, 1.0f,
                    in, (int)n_in, wt, (int)n_in, 0.0f, out, (int)n_out);
        if (l + 1 < m->n_layers)
            bias_relu_dropout(w, out, b, rows, n_out, is_train ? m->cfg.dropout : 0.0);
        else
            add_bias(out, b, rows, n_out);
        in = out;
    }
}

/* Softmax cross-entropy on the logits: adds the rows' losses and correct
 * predictions to the worker; with dz, writes d(mean loss)/d(logits), scaled by
 * inv_batch, and the output layer's bias gradient (column sums) into gb. */
static void
softmax_xent(worker *w, size_t rows, float inv_batch, float *restrict dz, float *restrict gb)
{
    hpo_mlp *m = w->m;
    size_t k = m->width[m->n_layers];
    const float *logits = w->act[m->n_layers - 1];
    if (gb != NULL)
        memset(gb, 0, k * sizeof(float));
    for (size_t r = 0; r < rows; r++) {
        const float *z = logits + r * k;
        size_t best = 0, y = w->y[r];
        float mx = z[0], sum = 0.0f;
        for (size_t j = 1; j < k; j++)
            if (z[j] > mx) {
                mx = z[j];
                best = j;
            }
        for (size_t j = 0; j < k; j++)
            sum += expf(z[j] - mx);
        w->loss_sum += (double)(logf(sum) - (z[y] - mx));
        w->n_correct += best == y;
        if (dz != NULL) {
            float inv = 1.0f / sum;
            float *d = dz + r * k;
            for (size_t j = 0; j < k; j++) {
                float g = expf(z[j] - mx) * inv - (j == y ? 1.0f : 0.0f);
                d[j] = g * inv_batch;
                gb[j] += d[j];
            }
        }
    }
}

#if HAVE_X86_SIMD
__attribute__((target("avx512f"))) static size_t
relu_back_avx512(float *d, const float *a, size_t cols, float scale, float *gb)
{
    __m512 zero = _mm512_setzero_ps(), sc = _mm512_set1_ps(scale);
    size_t j = 0;
    for (; j + 16 <= cols; j += 16) {
        __mmask16 k = _mm512_cmp_ps_mask(_mm512_loadu_ps(a + j), zero, _CMP_GT_OQ);
        __m512 g = _mm512_maskz_mul_ps(k, _mm512_loadu_ps(d + j), sc);
        _mm512_storeu_ps(d + j, g);
        _mm512_storeu_ps(gb + j, _mm512_add_ps(_mm512_loadu_ps(gb + j), g));
    }
    return j;
}
#endif

/* dz = (a > 0) ? da * scale : 0, in place in da; gb = column sums of dz. */
static void relu_dropout_backward(float *restrict da,
                                  const float *restrict a,
                                  size_t rows,
                                  size_t cols,
                                  float scale,
                                  float *restrict gb)
{
    memset(gb, 0, cols * sizeof(float));
    for (size_t r = 0; r < rows; r++) {
        float *d = da + r * cols;
        const float *ar = a + r * cols;
        size_t j = 0;
#if HAVE_X86_SIMD
        if (has_avx512())
            j = relu_back_avx512(d, ar, cols, scale, gb);
#endif
        for (; j < cols; j++) {
            float g = ar[j] > 0.0f ? d[j] * scale : 0.0f;
            d[j] = g;
            gb[j] += g;
        }
    }
}

/* Gradients of the batch's mean loss (batch rows in all, this worker's rows
 * here) into w->grad; forward must have run. */
static void backward(worker *w, size_t rows, float inv_batch, bool is_train)
{
    hpo_mlp *m = w->m;
    size_t last = m->n_layers - 1;
    float scale = is_train && m->cfg.dropout > 0.0 ? (float)(1.0 / (1.0 - m->cfg.dropout)) : 1.0f;
    float *dz = w->d0, *dnext = w->d1;

    if (rows == 0) {
        /* A batch smaller than the team leaves this worker nothing to add. */
        memset(w->grad, 0, m->n_params * sizeof(float));
        return;
    }
    softmax_xent(w, rows, inv_batch, dz, w->grad + m->b_off[last]);
    for (size_t l = last + 1; l-- > 0;) {
        size_t n_in = m->width[l], n_out = m->width[l + 1];
        const float *a_prev = l > 0 ? w->act[l - 1] : w->x;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_out, (int)n_in, (int)rows, 1.0f,
                    dz, (int)n_out, a_prev, (int)n_in, 0.0f, w->grad + m->w_off[l], (int)n_in);
        if (l > 0) {
            float *t;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n_in, (int)n_out,
                        1.0f, dz, (int)n_out, m->params + m->w_off[l], (int)n_in, 0.0f, dnext,
                        (int)n_in);
            relu_dropout_backward(dnext, a_prev, rows, n_in, scale, w->grad + m->b_off[l - 1]);
            t = dz;
            dz = dnext;
            dnext = t;
        }
    }
}

#if HAVE_X86_SIMD
/* (v / 255 - 0.5) / 0.5 exactly as the scalar table was built: one division by
 * 255 rounded once, then exact steps (dividing by 0.5 is multiplying by 2). */
__attribute__((target("avx512f"))) static size_t
normalise_avx512(float *dst, const uint8_t *src, size_t n)
{
    __m512 k255 = _mm512_set1_ps(255.0f), half = _mm512_set1_ps(0.5f);
    __m512 two = _mm512_set1_ps(2.0f);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)(src + j)));
        __m512 x = _mm512_div_ps(_mm512_cvtepi32_ps(v), k255);
        _mm512_storeu_ps(dst + j, _mm512_mul_ps(_mm512_sub_ps(x, half), two));
    }
    return j;
}
#endif

/* Gather rows idx[0..rows) of the dataset into w->x (normalised) and w->y. */
static void gather(worker *w, const hpo_mlp_data *d, const size_t *idx, size_t rows)
{
    const float *lut = w->m->lut;
    size_t dim = d->dim;
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *src = d->images + idx[r] * dim;
        float *dst = w->x + r * dim;
        size_t j = 0;
#if HAVE_X86_SIMD
        if (has_avx512())
            j = normalise_avx512(dst, src, dim);
#endif
        for (; j < dim; j++)
            dst[j] = lut[src[j]];
        w->y[r] = d->labels[idx[r]];
    }
}

/* ---------------------------------------------------------------------- */
/* Optimizers (PyTorch's rules, weight decay 0). */

/* Workers 2.. add their gradients into worker 0's (the update adds worker 1's). */
static void sum_grads(hpo_mlp *m, size_t p0, size_t p1)
{
    float *g = m->workers[0].grad;
    for (int t = 2; t < m->n_threads; t++) {
        const float *gt = m->workers[t].grad;
        for (size_t i = p0; i < p1; i++)
            g[i] += gt[i];
    }
}

/* The Adam update's constants for one step. */
typedef struct adam_k {
    float b1, b2, c1, c2, step_size, inv_bc2_sqrt, eps;
} adam_k;

/* exp_avg = b1 m + (1-b1) g; exp_avg_sq = b2 v + (1-b2) g^2;
 * p -= lr / bc1 * exp_avg / (sqrt(exp_avg_sq) / sqrt(bc2) + eps). */
static void adam_scalar(const adam_k *k,
                        float *restrict p,
                        float *restrict m1,
                        float *restrict m2,
                        const float *restrict g,
                        const float *restrict g2,
                        size_t p0,
                        size_t p1)
{
    for (size_t i = p0; i < p1; i++) {
        float gi = g2 != NULL ? g[i] + g2[i] : g[i];
        float mi = k->b1 * m1[i] + k->c1 * gi;
        float vi = k->b2 * m2[i] + k->c2 * gi * gi;
        m1[i] = mi;
        m2[i] = vi;
        p[i] -= k->step_size * mi / (sqrtf(vi) * k->inv_bc2_sqrt + k->eps);
    }
}

#if HAVE_X86_SIMD
/* The same arithmetic, 16 and 8 lanes wide (no FMA contraction, so every lane
 * rounds exactly as adam_scalar does). The scalar loop spends ~20 cycles per
 * parameter on sqrtss/divss, and Adam touches every parameter every step. */
__attribute__((target("avx512f"))) static size_t adam_avx512(const adam_k *k,
                                                             float *p,
                                                             float *m1,
                                                             float *m2,
                                                             const float *g,
                                                             const float *g2,
                                                             size_t p0,
                                                             size_t p1)
{
    __m512 b1 = _mm512_set1_ps(k->b1), b2 = _mm512_set1_ps(k->b2);
    __m512 c1 = _mm512_set1_ps(k->c1), c2 = _mm512_set1_ps(k->c2);
    __m512 ss = _mm512_set1_ps(k->step_size), ib = _mm512_set1_ps(k->inv_bc2_sqrt);
    __m512 eps = _mm512_set1_ps(k->eps);
    size_t i = p0;
    for (; i + 16 <= p1; i += 16) {
        __m512 gi = _mm512_loadu_ps(g + i);
        if (g2 != NULL)
            gi = _mm512_add_ps(gi, _mm512_loadu_ps(g2 + i));
        __m512 mi =
                _mm512_add_ps(_mm512_mul_ps(b1, _mm512_loadu_ps(m1 + i)), _mm512_mul_ps(c1, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_loadu_ps(m2 + i)),
                                  _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
        __m512 den = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vi), ib), eps);
        __m512 upd = _mm512_div_ps(_mm512_mul_ps(ss, mi), den);
        _mm512_storeu_ps(m1 + i, mi);
        _mm512_storeu_ps(m2 + i, vi);
        _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_loadu_ps(p + i), upd));
    }
    return i;
}

__attribute__((target("avx"))) static size_t adam_avx(const adam_k *k,
                                                      float *p,
                                                      float *m1,
                                                      float *m2,
                                                      const float *g,
                                                      const float *g2,
                                                      size_t p0,
                                                      size_t p1)
{
    __m256 b1 = _mm256_set1_ps(k->b1), b2 = _mm256_set1_ps(k->b2);
    __m256 c1 = _mm256_set1_ps(k->c1), c2 = _mm256_set1_ps(k->c2);
    __m256 ss = _mm256_set1_ps(k->step_size), ib = _mm256_set1_ps(k->inv_bc2_sqrt);
    __m256 eps = _mm256_set1_ps(k->eps);
    size_t i = p0;
    for (; i + 8 <= p1; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        if (g2 != NULL)
            gi = _mm256_add_ps(gi, _mm256_loadu_ps(g2 + i));
        __m256 mi =
                _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m1 + i)), _mm256_mul_ps(c1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(m2 + i)),
                                  _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
        __m256 den = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(vi), ib), eps);
        __m256 upd = _mm256_div_ps(_mm256_mul_ps(ss, mi), den);
        _mm256_storeu_ps(m1 + i, mi);
        _mm256_storeu_ps(m2 + i, vi);
        _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_loadu_ps(p + i), upd));
    }
    return i;
}
#endif

static void adam_step(const adam_k *k,
                      float *p,
                      float *m1,
                      float *m2,
                      const float *g,
                      const float *g2,
                      size_t p0,
                      size_t p1)
{
    size_t i = p0;
#if HAVE_X86_SIMD
    if (has_avx512())
        i = adam_avx512(k, p, m1, m2, g, g2, p0, p1);
    else if (__builtin_cpu_supports("avx"))
        i = adam_avx(k, p, m1, m2, g, g2, p0, p1);
#endif
    adam_scalar(k, p, m1, m2, g, g2, i, p1);
}

#if HAVE_X86_SIMD
/* SGD: buf = mu buf + g; p -= lr buf (mu 0 and no buf: p -= lr g). */
__attribute__((target("avx512f"))) static size_t sgd_avx512(float *p,
                                                            float *buf,
                                                            const float *g,
                                                            const float *g2,
                                                            float mu,
                                                            float lr,
                                                            size_t p0,
                                                            size_t p1)
{
    __m512 vmu = _mm512_set1_ps(mu), vlr = _mm512_set1_ps(lr);
    size_t i = p0;
    for (; i + 16 <= p1; i += 16) {
        __m512 gi = _mm512_loadu_ps(g + i);
        if (g2 != NULL)
            gi = _mm512_add_ps(gi, _mm512_loadu_ps(g2 + i));
        if (buf != NULL) {
            gi = _mm512_add_ps(_mm512_mul_ps(vmu, _mm512_loadu_ps(buf + i)), gi);
            _mm512_storeu_ps(buf + i, gi);
        }
        _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_loadu_ps(p + i), _mm512_mul_ps(vlr, gi)));
    }
    return i;
}
#endif

/* One step on params[p0..p1) with gradients g (+ g2 when not NULL, summed in
 * the update loop so the sum is never stored); step is 1-based. */
static void optimizer_step(hpo_mlp *m,
                           const float *restrict g,
                           const float *restrict g2,
                           size_t p0,
                           size_t p1,
                           int64_t step)
{
    float *restrict p = m->params;
    if (m->cfg.optimizer == HPO_MLP_ADAM) {
        adam_k k;
        double bc1 = 1.0 - pow(m->cfg.beta1, (double)step);
        double bc2 = 1.0 - pow(m->cfg.beta2, (double)step);
        k.b1 = (float)m->cfg.beta1;
        k.b2 = (float)m->cfg.beta2;
        k.c1 = (float)(1.0 - m->cfg.beta1);
        k.c2 = (float)(1.0 - m->cfg.beta2);
        k.step_size = (float)(m->cfg.lr / bc1);
        k.inv_bc2_sqrt = (float)(1.0 / sqrt(bc2));
        k.eps = (float)m->cfg.eps;
        adam_step(&k, p, m->state1, m->state2, g, g2, p0, p1);
    } else if (m->state1 != NULL) {
        /* buf = momentum * buf + g (buf starts at 0, so the first step is g); p -= lr buf. */
        float *restrict buf = m->state1;
        float mu = (float)m->cfg.momentum, lr = (float)m->cfg.lr;
#if HAVE_X86_SIMD
        if (has_avx512())
            p0 = sgd_avx512(p, buf, g, g2, mu, lr, p0, p1);
#endif
        for (size_t i = p0; i < p1; i++) {
            float bi = mu * buf[i] + (g2 != NULL ? g[i] + g2[i] : g[i]);
            buf[i] = bi;
            p[i] -= lr * bi;
        }
    } else {
        float lr = (float)m->cfg.lr;
#if HAVE_X86_SIMD
        if (has_avx512())
            p0 = sgd_avx512(p, NULL, g, g2, 0.0f, lr, p0, p1);
#endif
        for (size_t i = p0; i < p1; i++)
            p[i] -= lr * (g2 != NULL ? g[i] + g2[i] : g[i]);
    }
}

/* ---------------------------------------------------------------------- */
/* The team: the calling thread is worker 0, n_threads - 1 helpers join it. */

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state; /* 0 wait, 1 go, -1 abort */
} gate;

typedef struct helper_arg {
    worker *w;
    gate *g;
} helper_arg;

/* Flush denormals to zero while the workers run: Adam's running averages of
 * units that stopped learning decay into the denormal range, where every
 * operation on them costs about a hundred cycles (measured: the optimizer
 * took 60 % of an epoch). The thread's previous mode is restored after. */
static unsigned fast_float_begin(void)
{
#if HAVE_X86_SIMD
    unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040); /* FTZ | DAZ */
    return saved;
#else
    return 0;
#endif
}

static void fast_float_end(unsigned saved)
{
#if HAVE_X86_SIMD
    _mm_setcsr(saved);
#else
    (void)saved;
#endif
}

static void *helper_main(void *arg)
{
    helper_arg *h = arg;
    int state;
    (void)fast_float_begin(); /* a fresh thread: nothing to restore */
    pthread_mutex_lock(&h->g->mu);
    while (h->g->state == 0)
        pthread_cond_wait(&h->g->cv, &h->g->mu);
    state = h->g->state;
    pthread_mutex_unlock(&h->g->mu);
    if (state > 0)
        h->w->m->job(h->w);
    return NULL;
}

static void gate_open(gate *g, int state)
{
    pthread_mutex_lock(&g->mu);
    g->state = state;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* Run m->job on every worker. The helpers start only once all exist, so a
 * failed pthread_create leaves nothing half done. */
static int run_team(hpo_mlp *m)
{
    pthread_t tids[HPO_MLP_MAX_THREADS];
    helper_arg args[HPO_MLP_MAX_THREADS];
    gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    int n_started = 0, rc = HPO_OK;

    for (int t = 1; t < m->n_threads; t++) {
        args[t].w = &m->workers[t];
        args[t].g = &g;
        if (pthread_create(&tids[t], NULL, helper_main, &args[t]) != 0) {
            rc = hpo__error_set(HPO_ERROR, "cannot start MLP worker thread %d of %d", t + 1,
                                m->n_threads);
            break;
        }
        n_started++;
    }
    gate_open(&g, rc == HPO_OK ? 1 : -1);
    if (rc == HPO_OK) {
        unsigned saved = fast_float_begin();
        m->job(&m->workers[0]);
        fast_float_end(saved);
    }
    for (int t = 1; t <= n_started; t++)
        pthread_join(tids[t], NULL);
    pthread_mutex_destroy(&g.mu);
    pthread_cond_destroy(&g.cv);
    return rc;
}

/* Task k of phase q: even phases run rows chunk k of minibatch q / 2 through
 * forward and backward, odd phases update parameter slice k. */
static void train_task(hpo_mlp *m, size_t q, size_t k)
{
    worker *w = &m->workers[k];
    size_t batch = m->cfg.batch, n = m->n_order, T = (size_t)m->n_threads;
    size_t start = q / 2 * batch, rows = n - start < batch ? n - start : batch;
    if (q % 2 == 0) {
        size_t r0 = rows * k / T, r1 = rows * (k + 1) / T;
        gather(w, m->data, m->order + start + r0, r1 - r0);
        if (r1 > r0)
            forward(w, r1 - r0, true);
        backward(w, r1 - r0, 1.0f / (float)rows, true);
    } else {
        sum_grads(m, w->p0, w->p1);
        optimizer_step(m, m->workers[0].grad, T > 1 ? m->workers[1].grad : NULL, w->p0, w->p1,
                       m->n_steps + (int64_t)(q / 2) + 1);
    }
}

static void train_job(worker *home)
{
    hpo_mlp *m = home->m;
    size_t T = (size_t)m->n_threads, n_batches = (m->n_order + m->cfg.batch - 1) / m->cfg.batch;
    for (size_t q = 0; q < 2 * n_batches; q++) {
        if (T == 1) {
            train_task(m, q, 0);
            continue;
        }
        phaser_wait(&m->ph, (unsigned long long)(q * T));
        for (size_t j = 0; j < T; j++) {
            size_t k = ((size_t)home->id + j) % T;
            unsigned long long expected = q;
            if (atomic_compare_exchange_strong(&m->workers[k].claimed, &expected, q + 1)) {
                train_task(m, q, k);
                phaser_finish(&m->ph);
            }
        }
    }
}

static void eval_job(worker *w)
{
    hpo_mlp *m = w->m;
    size_t n = m->n_order, T = (size_t)m->n_threads;
    size_t r0 = n * (size_t)w->id / T, r1 = n * (size_t)(w->id + 1) / T;
    for (size_t s = r0; s < r1; s += w->cap) {
        size_t rows = r1 - s < w->cap ? r1 - s : w->cap;
        gather(w, m->data, m->order + s, rows);
        forward(w, rows, false);
        softmax_xent(w, rows, 0.0f, NULL, NULL);
    }
}

static int check_data(const hpo_mlp *m, const hpo_mlp_data *d, const size_t *idx, size_t n)
{
    if (d == NULL)
        return hpo__error_set(HPO_EINVAL, "dataset is NULL");
    if (d->dim != m->width[0])
        return hpo__error_set(HPO_EINVAL, "images have %zu pixels but the network has %zu inputs",
                              d->dim, m->width[0]);
    if (n == 0)
        return hpo__error_set(HPO_EINVAL, "no examples to train or evaluate on");
    for (size_t i = 0; idx != NULL && i < n; i++)
        if (idx[i] >= d->n)
            return hpo__error_set(HPO_EINVAL, "example index %zu out of range (%zu examples)",
                                  idx[i], d->n);
    for (size_t i = 0; i < d->n; i++)
        if (d->labels[i] >= m->width[m->n_layers])
            return hpo__error_set(HPO_EINVAL, "label %u of example %zu is not below %zu classes",
                                  d->labels[i], i, m->width[m->n_layers]);
    return HPO_OK;
}

static void reset_tallies(hpo_mlp *m)
{
    for (int t = 0; t < m->n_threads; t++) {
        m->workers[t].loss_sum = 0.0;
        m->workers[t].n_correct = 0;
    }
}

static void sum_tallies(const hpo_mlp *m, double *loss, size_t *correct)
{
    *loss = 0.0;
    *correct = 0;
    for (int t = 0; t < m->n_threads; t++) {
        *loss += m->workers[t].loss_sum;
        *correct += m->workers[t].n_correct;
    }
}

int hpo__mlp_train_epoch(
        hpo_mlp *m, const hpo_mlp_data *d, const size_t *idx, size_t n, double *out_loss)
{
    size_t *order = NULL, correct;
    double loss;
    int rc;

    if (m == NULL)
        return hpo__error_set(HPO_EMISUSE, "MLP is NULL");
    if (idx == NULL && d != NULL)
        n = d->n;
    HPO_TRY(check_data(m, d, idx, n));
    order = hpo__reallocarray(NULL, n, sizeof(*order));
    if (order == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for a %zu-example epoch", n);
    for (size_t i = 0; i < n; i++)
        order[i] = idx != NULL ? idx[i] : i;
    /* A fresh permutation every epoch, as DataLoader(shuffle=True). */
    {
        hpo_rng saved = m->rng;
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)hpo__rng_below(&m->rng, i);
            size_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        m->data = d;
        m->order = order;
        m->n_order = n;
        m->job = train_job;
        atomic_store(&m->ph.done, 0);
        for (int t = 0; t < m->n_threads; t++)
            atomic_store(&m->workers[t].claimed, 0);
        reset_tallies(m);
        rc = run_team(m);
        if (rc != HPO_OK)
            m->rng = saved;
    }
    if (rc == HPO_OK) {
        m->n_steps += (int64_t)((n + m->cfg.batch - 1) / m->cfg.batch);
        sum_tallies(m, &loss, &correct);
        if (out_loss != NULL)
            *out_loss = loss / (double)n;
    }
    m->order = NULL;
    hpo__free(order);
    return rc;
}

int hpo__mlp_evaluate(hpo_mlp *m,
                      const hpo_mlp_data *d,
                      const size_t *idx,
                      size_t n,
                      double *out_accuracy,
                      double *out_loss)
{
    size_t *order = NULL, correct;
    double loss;
    int rc;

    if (m == NULL)
        return hpo__error_set(HPO_EMISUSE, "MLP is NULL");
    if (idx == NULL && d != NULL)
        n = d->n;
    HPO_TRY(check_data(m, d, idx, n));
    order = hpo__reallocarray(NULL, n, sizeof(*order));
    if (order == NULL)
        return hpo__error_set(HPO_ENOMEM, "out of memory for a %zu-example evaluation", n);
    for (size_t i = 0; i < n; i++)
        order[i] = idx != NULL ? idx[i] : i;
    m->data = d;
    m->order = order;
    m->n_order = n;
    m->job = eval_job;
    reset_tallies(m);
    rc = run_team(m);
    if (rc == HPO_OK) {
        sum_tallies(m, &loss, &correct);
        if (out_accuracy != NULL)
            *out_accuracy = (double)correct / (double)n;
        if (out_loss != NULL)
            *out_loss = loss / (double)n;
    }
    m->order = NULL;
    hpo__free(order);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Low-level access for tests. */

float *hpo__mlp_params(hpo_mlp *m, size_t *out_n)
{
    *out_n = m->n_params;
    return m->params;
}

const float *hpo__mlp_grads(const hpo_mlp *m)
{
    return m->workers[0].grad;
}

int hpo__mlp_batch_grad(
        hpo_mlp *m, const float *x, const uint8_t *y, size_t rows, bool is_train, double *out_loss)
{
    worker *w;
    if (m == NULL || x == NULL || y == NULL)
        return hpo__error_set(HPO_EINVAL, "NULL MLP, inputs or labels");
    w = &m->workers[0];
    if (rows == 0 || rows > w->cap)
        return hpo__error_set(HPO_EINVAL, "batch of %zu rows; expected 1..%zu", rows, w->cap);
    for (size_t r = 0; r < rows; r++)
        if (y[r] >= m->width[m->n_layers])
            return hpo__error_set(HPO_EINVAL, "label %u of row %zu is not below %zu classes", y[r],
                                  r, m->width[m->n_layers]);
    memcpy(w->x, x, rows * m->width[0] * sizeof(float));
    memcpy(w->y, y, rows);
    w->loss_sum = 0.0;
    w->n_correct = 0;
    forward(w, rows, is_train);
    backward(w, rows, 1.0f / (float)rows, is_train);
    if (out_loss != NULL)
        *out_loss = w->loss_sum / (double)rows;
    return HPO_OK;
}

void hpo__mlp_apply_grads(hpo_mlp *m)
{
    m->n_steps++;
    optimizer_step(m, m->workers[0].grad, NULL, 0, m->n_params, m->n_steps);
}
