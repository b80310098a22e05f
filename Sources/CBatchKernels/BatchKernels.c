// The training step's per-batch bookkeeping in AVX-512 (Swift has no per-function target
// attributes, so it lives here): batch-hard mining, the triplet census and the pair sums of
// the embedding health. Each has a portable twin; mining and the census give the same results
// on both, bit for bit.
#include "BatchKernels.h"
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>

// a + b * c must round twice, as the Swift it replaces does.
#pragma STDC FP_CONTRACT OFF

enum { lanes = 16 };

static int uses_avx512(void) {
    static int supported = -1;
    if (supported < 0) supported = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return supported;
}

// MARK: batch-hard mining

static inline float positive_value(const float *row, const double *labels, int64_t a, int64_t j, double own) {
    return (j != a && labels[j] == own ? 1.0f : 0.0f) * row[j];
}

static inline float negative_value(const float *row, const double *labels, int64_t j, double own, float rowMaximum) {
    return row[j] + rowMaximum * (1.0f - (labels[j] != own ? 1.0f : 0.0f));
}

void batch_hard_mine_portable(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                              int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                              float *negativeDistance) {
    for (int64_t a = first; a < end; a++) {
        const float *row = distances + a * n;
        double own = labels[a];
        int64_t p = 0, m = 0, best = 0;
        float pv = -INFINITY, mv = -INFINITY, nv = INFINITY;
        for (int64_t j = 0; j < n; j++) {
            float value = positive_value(row, labels, a, j, own);
            if (j == 0 || value > pv) { p = j; pv = value; }
            if (j == 0 || row[j] > mv) { m = j; mv = row[j]; }
        }
        for (int64_t j = 0; j < n; j++) {
            float value = negative_value(row, labels, j, own, mv);
            if (j == 0 || value < nv) { best = j; nv = value; }
        }
        positive[a] = p;
        negative[a] = best;
        rowMaximum[a] = labels[best] != own ? -1 : m;
        positiveDistance[a] = pv;
        negativeDistance[a] = nv;
    }
}

__attribute__((target("avx512f")))
static inline __mmask16 tail_mask(int64_t n, int64_t j) {
    return n - j >= lanes ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
}

// Lanes j..j+15 whose label equals `own` (ordered: a NaN label equals nothing).
__attribute__((target("avx512f")))
static inline __mmask16 same_label(const double *labels, int64_t j, __m512d own, __mmask16 valid) {
    __mmask8 low = (__mmask8)valid, high = (__mmask8)(valid >> 8);
    __mmask8 a = _mm512_mask_cmp_pd_mask(low, _mm512_maskz_loadu_pd(low, labels + j), own, _CMP_EQ_OQ);
    __mmask8 b = _mm512_mask_cmp_pd_mask(high, _mm512_maskz_loadu_pd(high, labels + j + 8), own, _CMP_EQ_OQ);
    return (__mmask16)((unsigned)a | ((unsigned)b << 8));
}

// The scan's answer from per-lane bests. Each lane holds the first index of its lane reaching
// its best non-NaN value (index -1 when none moved it). The sequential scan starts at index 0
// whatever its value and moves only to strictly better ones, so it ends at index 0 when value
// 0 is NaN or at least as good as every lane's best, else at the first index reaching the best.
__attribute__((target("avx512f")))
static inline int64_t first_best(__m512 values, __m512i indices, float first, int maximum) {
    __mmask16 moved = _mm512_cmpge_epi32_mask(indices, _mm512_setzero_si512());
    if (first != first || moved == 0) return 0;
    float best = maximum ? _mm512_mask_reduce_max_ps(moved, values) : _mm512_mask_reduce_min_ps(moved, values);
    if (maximum ? first >= best : first <= best) return 0;
    __mmask16 reaching = _mm512_mask_cmp_ps_mask(moved, values, _mm512_set1_ps(best), _CMP_EQ_OQ);
    return _mm512_mask_reduce_min_epi32(reaching, indices);
}

__attribute__((target("avx512f")))
static void mine_avx512(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                        int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                        float *negativeDistance) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    for (int64_t a = first; a < end; a++) {
        const float *row = distances + a * n;
        double own = labels[a];
        __m512d ownVector = _mm512_set1_pd(own);
        __m512i self = _mm512_set1_epi32((int32_t)a);
        __m512 pv = _mm512_set1_ps(-INFINITY), mv = pv;
        __m512i pi = _mm512_set1_epi32(-1), mi = pi;
        for (int64_t j = 0; j < n; j += lanes) {
            __mmask16 valid = tail_mask(n, j);
            __m512i index = _mm512_add_epi32(_mm512_set1_epi32((int32_t)j), lane);
            __m512 d = _mm512_maskz_loadu_ps(valid, row + j);
            __mmask16 isPositive = same_label(labels, j, ownVector, valid) & _mm512_cmpneq_epi32_mask(index, self);
            __m512 value = _mm512_mul_ps(_mm512_mask_blend_ps(isPositive, zero, one), d);
            __mmask16 better = _mm512_mask_cmp_ps_mask(valid, value, pv, _CMP_GT_OQ);
            pv = _mm512_mask_mov_ps(pv, better, value);
            pi = _mm512_mask_mov_epi32(pi, better, index);
            __mmask16 higher = _mm512_mask_cmp_ps_mask(valid, d, mv, _CMP_GT_OQ);
            mv = _mm512_mask_mov_ps(mv, higher, d);
            mi = _mm512_mask_mov_epi32(mi, higher, index);
        }
        int64_t p = first_best(pv, pi, positive_value(row, labels, a, 0, own), 1);
        int64_t m = first_best(mv, mi, row[0], 1);
        float maximum = row[m];
        __m512 maximumVector = _mm512_set1_ps(maximum);
        __m512 nv = _mm512_set1_ps(INFINITY);
        __m512i ni = _mm512_set1_epi32(-1);
        for (int64_t j = 0; j < n; j += lanes) {
            __mmask16 valid = tail_mask(n, j);
            __m512i index = _mm512_add_epi32(_mm512_set1_epi32((int32_t)j), lane);
            __m512 d = _mm512_maskz_loadu_ps(valid, row + j);
            __mmask16 isNegative = valid & ~same_label(labels, j, ownVector, valid);
            __m512 keep = _mm512_sub_ps(one, _mm512_mask_blend_ps(isNegative, zero, one));
            __m512 value = _mm512_add_ps(d, _mm512_mul_ps(maximumVector, keep));
            __mmask16 better = _mm512_mask_cmp_ps_mask(valid, value, nv, _CMP_LT_OQ);
            nv = _mm512_mask_mov_ps(nv, better, value);
            ni = _mm512_mask_mov_epi32(ni, better, index);
        }
        int64_t best = first_best(nv, ni, negative_value(row, labels, 0, own, maximum), 0);
        positive[a] = p;
        negative[a] = best;
        rowMaximum[a] = labels[best] != own ? -1 : m;
        positiveDistance[a] = positive_value(row, labels, a, p, own);
        negativeDistance[a] = negative_value(row, labels, best, own, maximum);
    }
}

void batch_hard_mine(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                     int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                     float *negativeDistance) {
    if (uses_avx512() && n <= INT32_MAX)
        mine_avx512(distances, labels, n, first, end, positive, negative, rowMaximum, positiveDistance, negativeDistance);
    else
        batch_hard_mine_portable(distances, labels, n, first, end, positive, negative, rowMaximum, positiveDistance, negativeDistance);
}

// MARK: euclidean distances

static void euclidean_portable(const float *gram, const float *diagonal, int64_t n, int64_t first, int64_t end, float *out) {
    for (int64_t i = first; i < end; i++) {
        for (int64_t j = 0; j < n; j++) {
            float squared = (diagonal[j] - 2 * gram[i * n + j]) + diagonal[i];
            out[i * n + j] = squared > 0 ? sqrtf(squared) : (squared != squared ? squared : 0);
        }
    }
}

__attribute__((target("avx512f")))
static void euclidean_avx512(const float *gram, const float *diagonal, int64_t n, int64_t first, int64_t end, float *out) {
    const __m512 two = _mm512_set1_ps(2.0f), zero = _mm512_setzero_ps();
    for (int64_t i = first; i < end; i++) {
        __m512 own = _mm512_set1_ps(diagonal[i]);
        for (int64_t j = 0; j < n; j += lanes) {
            __mmask16 valid = tail_mask(n, j);
            __m512 g = _mm512_maskz_loadu_ps(valid, gram + i * n + j), other = _mm512_maskz_loadu_ps(valid, diagonal + j);
            __m512 squared = _mm512_add_ps(_mm512_sub_ps(other, _mm512_mul_ps(two, g)), own);
            // Positive: its root; NaN: itself; else 0.
            __mmask16 positive = _mm512_cmp_ps_mask(squared, zero, _CMP_GT_OQ), nan = _mm512_cmp_ps_mask(squared, squared, _CMP_UNORD_Q);
            __m512 d = _mm512_mask_mov_ps(_mm512_maskz_mov_ps(nan, squared), positive, _mm512_sqrt_ps(squared));
            _mm512_mask_storeu_ps(out + i * n + j, valid, d);
        }
    }
}

void batch_euclidean(const float *gram, const float *diagonal, int64_t n, int64_t first, int64_t end, float *out, int portable) {
    if (uses_avx512() && !portable) euclidean_avx512(gram, diagonal, n, first, end, out);
    else euclidean_portable(gram, diagonal, n, first, end, out);
}

// MARK: the triplet census

static int ascending(const void *x, const void *y) {
    float a = *(const float *)x, b = *(const float *)y;
    return a < b ? -1 : a > b ? 1 : 0;
}

// How many of the sorted values v[0..<count] are greater than `limit` (after adding `shift`).
static inline int64_t count_above(const float *v, int64_t count, float shift, float limit) {
    int64_t low = 0, high = count;
    while (low < high) {
        int64_t middle = (low + high) / 2;
        if (v[middle] + shift > limit) high = middle; else low = middle + 1;
    }
    return count - low;
}

__attribute__((target("avx512f")))
static int64_t count_below_avx512(const float *v, int64_t count, float limit) {
    __m512 bound = _mm512_set1_ps(limit);
    int64_t total = 0;
    for (int64_t j = 0; j < count; j += lanes) {
        __mmask16 valid = tail_mask(count, j);
        total += __builtin_popcount(_mm512_mask_cmp_ps_mask(valid, _mm512_maskz_loadu_ps(valid, v + j), bound, _CMP_LT_OQ));
    }
    return total;
}

static int64_t count_below_portable(const float *v, int64_t count, float limit) {
    int64_t total = 0;
    for (int64_t j = 0; j < count; j++) total += v[j] < limit;
    return total;
}

// The anchor's distances to its positives and to its negatives, each in row order.
static void partition_portable(const float *row, const double *labels, int64_t n, int64_t a, float *positives, int64_t *p,
                               float *negatives, int64_t *m) {
    double own = labels[a];
    *p = *m = 0;
    for (int64_t k = 0; k < n; k++) {
        if (labels[k] != own) negatives[(*m)++] = row[k];
        else if (k != a) positives[(*p)++] = row[k];
    }
}

__attribute__((target("avx512f")))
static void partition_avx512(const float *row, const double *labels, int64_t n, int64_t a, float *positives, int64_t *p,
                             float *negatives, int64_t *m) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512d own = _mm512_set1_pd(labels[a]);
    __m512i self = _mm512_set1_epi32((int32_t)a);
    int64_t kept = 0, other = 0;
    for (int64_t k = 0; k < n; k += lanes) {
        __mmask16 valid = tail_mask(n, k);
        __m512 d = _mm512_maskz_loadu_ps(valid, row + k);
        __mmask16 same = same_label(labels, k, own, valid);
        __mmask16 isPositive = same & _mm512_cmpneq_epi32_mask(_mm512_add_epi32(_mm512_set1_epi32((int32_t)k), lane), self);
        __mmask16 isNegative = valid & ~same;
        // Whole-vector stores of the compressed lanes: the lists have 16 floats of slack.
        _mm512_storeu_ps(positives + kept, _mm512_maskz_compress_ps(isPositive, d));
        _mm512_storeu_ps(negatives + other, _mm512_maskz_compress_ps(isNegative, d));
        kept += __builtin_popcount(isPositive);
        other += __builtin_popcount(isNegative);
    }
    *p = kept;
    *m = other;
}

void batch_census(const float *distances, const double *labels, int64_t n, float margin, int64_t first, int64_t end,
                  int64_t *valid, int64_t *hard, int64_t *notEasy, float *scratch, int portable) {
    int wide = uses_avx512() && !portable && n <= INT32_MAX;
    int64_t (*count_below)(const float *, int64_t, float) = wide ? count_below_avx512 : count_below_portable;
    float *positives = scratch, *negatives = scratch + n + lanes;
    for (int64_t a = first; a < end; a++) {
        const float *row = distances + a * n;
        int64_t p = 0, m = 0;
        if (wide) partition_avx512(row, labels, n, a, positives, &p, negatives, &m);
        else partition_portable(row, labels, n, a, positives, &p, negatives, &m);
        valid[a] = hard[a] = notEasy[a] = 0;
        if (p == 0 || m == 0) continue;
        valid[a] = p * m;
        int64_t h = 0, e = 0;
        if (p <= 16) {
            for (int64_t i = 0; i < p; i++) {
                h += count_below(negatives, m, positives[i]);
                e += count_below(negatives, m, positives[i] + margin);
            }
        } else {
            qsort(positives, (size_t)p, sizeof(float), ascending);
            for (int64_t j = 0; j < m; j++) {
                h += count_above(positives, p, 0.0f, negatives[j]);
                e += count_above(positives, p, margin, negatives[j]);
            }
        }
        hard[a] = h;
        notEasy[a] = e;
    }
}

// MARK: the embedding health's pair sums

// e^x to within a few units in the last place: x = k ln 2 + r with |r| <= ln 2 / 2, e^r by its
// Taylor series to the 13th power (the next term is below 1e-17), times 2^k.
__attribute__((target("avx512f")))
static inline __m512d exp_avx512(__m512d x) {
    const __m512d log2e = _mm512_set1_pd(1.4426950408889634), ln2High = _mm512_set1_pd(6.93147180369123816490e-01),
                  ln2Low = _mm512_set1_pd(1.90821492927058770002e-10);
    x = _mm512_min_pd(_mm512_set1_pd(709.0), _mm512_max_pd(_mm512_set1_pd(-746.0), x));
    __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(k, ln2High, x);
    r = _mm512_fnmadd_pd(k, ln2Low, r);
    static const double inverseFactorials[] = {
        1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
        1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
    __m512d p = _mm512_set1_pd(inverseFactorials[0]);
    for (int i = 1; i < 14; i++) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(inverseFactorials[i]));
    return _mm512_scalef_pd(p, k);
}

__attribute__((target("avx512f")))
static void pair_sums_avx512(const double *gram, const double *norms, int64_t n, double *sums) {
    const __m512d zero = _mm512_setzero_pd(), two = _mm512_set1_pd(2.0), minusTwo = _mm512_set1_pd(-2.0),
                  smallest = _mm512_set1_pd(1e-12);
    // Lane l of a block starting at j reads the diagonal at (j + l)(n + 1).
    const __m512i diagonalStep = _mm512_setr_epi64(0, n + 1, 2 * (n + 1), 3 * (n + 1), 4 * (n + 1), 5 * (n + 1), 6 * (n + 1), 7 * (n + 1));
    __m512d cosines = zero, distances = zero, uniform = zero;
    for (int64_t i = 0; i + 1 < n; i++) {
        const double *row = gram + i * n;
        __m512d normI = _mm512_set1_pd(norms[i] > 1e-12 ? norms[i] : 1e-12), own = _mm512_set1_pd(row[i]);
        for (int64_t j = i + 1; j < n; j += 8) {
            __mmask8 valid = n - j >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (n - j)) - 1);
            __m512d g = _mm512_maskz_loadu_pd(valid, row + j);
            __m512d normJ = _mm512_max_pd(smallest, _mm512_maskz_loadu_pd(valid, norms + j));
            __m512i diagonal = _mm512_add_epi64(_mm512_set1_epi64(j * (n + 1)), diagonalStep);
            __m512d other = _mm512_mask_i64gather_pd(zero, valid, diagonal, gram, 8);
            __m512d c = _mm512_div_pd(g, _mm512_mul_pd(normI, normJ));
            __m512d squared = _mm512_sub_pd(_mm512_add_pd(own, other), _mm512_mul_pd(two, g));
            __m512d d = _mm512_sqrt_pd(_mm512_max_pd(zero, squared));
            __m512d u = exp_avx512(_mm512_mul_pd(minusTwo, _mm512_max_pd(zero, _mm512_sub_pd(two, _mm512_mul_pd(two, c)))));
            cosines = _mm512_mask_add_pd(cosines, valid, cosines, c);
            distances = _mm512_mask_add_pd(distances, valid, distances, d);
            uniform = _mm512_mask_add_pd(uniform, valid, uniform, u);
        }
    }
    sums[0] += _mm512_reduce_add_pd(cosines);
    sums[1] += _mm512_reduce_add_pd(distances);
    sums[2] += _mm512_reduce_add_pd(uniform);
}

static void pair_sums_portable(const double *gram, const double *norms, int64_t n, double *sums) {
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = i + 1; j < n; j++) {
            double normI = norms[i] > 1e-12 ? norms[i] : 1e-12, normJ = norms[j] > 1e-12 ? norms[j] : 1e-12;
            double c = gram[i * n + j] / (normI * normJ);
            double squared = gram[i * n + i] + gram[j * n + j] - 2 * gram[i * n + j];
            double reach = 2 - 2 * c;
            sums[0] += c;
            sums[1] += sqrt(squared > 0 || squared != squared ? squared : 0);
            sums[2] += exp(-2 * (reach > 0 || reach != reach ? reach : 0));
        }
    }
}

void batch_pair_sums(const double *gram, const double *norms, int64_t n, double *sums, int portable) {
    if (uses_avx512() && !portable) pair_sums_avx512(gram, norms, n, sums);
    else pair_sums_portable(gram, norms, n, sums);
}
