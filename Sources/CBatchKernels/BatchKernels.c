// The training step's per-batch bookkeeping in AVX-512 and in AVX2 (Swift has no per-function
// target attributes, so it lives here): batch-hard mining, the euclidean distances, the triplet
// census and the pair sums of the embedding health. Each has a portable twin; mining, the
// distances and the census give the same results on all three, bit for bit.
#include "BatchKernels.h"
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>

// a + b * c must round twice, as the Swift it replaces does.
#pragma STDC FP_CONTRACT OFF

enum { lanes = 16, lanes8 = 8 };

#define AVX2 __attribute__((target("avx2,fma")))

static int uses_avx512(void) {
    static int supported = -1;
    if (supported < 0) supported = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return supported;
}

static int uses_avx2(void) {
    static int supported = -1;
    if (supported < 0) supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
    return supported;
}

enum path { portable_path, avx2_path, avx512_path };

static enum path path_for(int level) {
    if (level == batch_kernels_portable) return portable_path;
    if (level != batch_kernels_avx2 && uses_avx512()) return avx512_path;
    return uses_avx2() ? avx2_path : portable_path;
}

// MARK: AVX2 helpers

// Row k of the table moves the lanes set in k (bit l: lane l) to the front, in order.
static int32_t left_pack[256][8];

__attribute__((constructor)) static void fill_left_pack(void) {
    for (int mask = 0; mask < 256; mask++) {
        int kept = 0;
        for (int l = 0; l < 8; l++)
            if (mask & (1 << l)) left_pack[mask][kept++] = l;
        while (kept < 8) left_pack[mask][kept++] = 0;
    }
}

AVX2 static inline __m256i lane_indices8(void) { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }

// All-ones in the lanes j..j+7 below n.
AVX2 static inline __m256i tail_mask8(int64_t n, int64_t j) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)(n - j < lanes8 ? n - j : lanes8)), lane_indices8());
}

// All-ones in the lanes of labels[0..8) equal to `own` (ordered: a NaN label equals nothing);
// `whole`: all 8 are valid, else only the lanes of `valid` are read.
AVX2 static inline __m256 same_label8(const double *labels, __m256d own, __m256i valid, int whole) {
    __m256d low, high;
    if (whole) {
        low = _mm256_loadu_pd(labels);
        high = _mm256_loadu_pd(labels + 4);
    } else {
        low = _mm256_maskload_pd(labels, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(valid)));
        high = _mm256_maskload_pd(labels + 4, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(valid, 1)));
    }
    __m256 a = _mm256_castpd_ps(_mm256_cmp_pd(low, own, _CMP_EQ_OQ)), b = _mm256_castpd_ps(_mm256_cmp_pd(high, own, _CMP_EQ_OQ));
    // Both halves of a 64-bit lane's mask are equal: the even halves of a and b, in 64-bit
    // pairs (0 1) (4 5) (2 3) (6 7), then the pairs in order.
    __m256 pairs = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    __m256 same = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(pairs), _MM_SHUFFLE(3, 1, 2, 0)));
    return whole ? same : _mm256_and_ps(same, _mm256_castsi256_ps(valid));
}

AVX2 static inline __m256 load8(const float *v, __m256i valid, int whole) {
    return whole ? _mm256_loadu_ps(v) : _mm256_maskload_ps(v, valid);
}

// Where `take` is set, `into` gets `value` and `at` gets `index`.
AVX2 static inline void take8(__m256 take, __m256 value, __m256i index, __m256 *into, __m256i *at) {
    *into = _mm256_blendv_ps(*into, value, take);
    *at = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(*at), _mm256_castsi256_ps(index), take));
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

// first_best in AVX2. A lane that never moved still holds its start (-infinity for a maximum,
// +infinity for a minimum), which every moved lane beats, so the best of all lanes is the best
// of the moved ones.
AVX2 static inline int64_t first_best8(__m256 values, __m256i indices, float first, int maximum) {
    __m256i moved = _mm256_cmpgt_epi32(indices, _mm256_set1_epi32(-1));
    if (first != first || _mm256_testz_si256(moved, moved)) return 0;
    __m256 t = _mm256_permute2f128_ps(values, values, 1);
    t = maximum ? _mm256_max_ps(values, t) : _mm256_min_ps(values, t);
    __m256 u = _mm256_shuffle_ps(t, t, _MM_SHUFFLE(1, 0, 3, 2));
    t = maximum ? _mm256_max_ps(t, u) : _mm256_min_ps(t, u);
    u = _mm256_shuffle_ps(t, t, _MM_SHUFFLE(2, 3, 0, 1));
    t = maximum ? _mm256_max_ps(t, u) : _mm256_min_ps(t, u);
    float best = _mm256_cvtss_f32(t);
    if (maximum ? first >= best : first <= best) return 0;
    __m256i reaching = _mm256_and_si256(moved, _mm256_castps_si256(_mm256_cmp_ps(values, t, _CMP_EQ_OQ)));
    __m256i at = _mm256_blendv_epi8(_mm256_set1_epi32(INT32_MAX), indices, reaching);
    at = _mm256_min_epi32(at, _mm256_permute2x128_si256(at, at, 1));
    at = _mm256_min_epi32(at, _mm256_shuffle_epi32(at, _MM_SHUFFLE(1, 0, 3, 2)));
    at = _mm256_min_epi32(at, _mm256_shuffle_epi32(at, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm256_cvtsi256_si32(at);
}

// One block of 8 columns of the first pass: the positives' and the row's maxima per lane.
__attribute__((always_inline)) AVX2 static inline void
mine_maxima8(const float *row, const double *labels, int64_t n, int64_t j, __m256d own, __m256i self, int whole,
             __m256 *pv, __m256i *pi, __m256 *mv, __m256i *mi) {
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256i valid = tail_mask8(n, j), index = _mm256_add_epi32(_mm256_set1_epi32((int32_t)j), lane_indices8());
    __m256 d = load8(row + j, valid, whole);
    __m256 notSelf = _mm256_castsi256_ps(_mm256_cmpeq_epi32(index, self));
    __m256 isPositive = _mm256_andnot_ps(notSelf, same_label8(labels + j, own, valid, whole));
    __m256 value = _mm256_mul_ps(_mm256_and_ps(isPositive, one), d);
    __m256 better = _mm256_cmp_ps(value, *pv, _CMP_GT_OQ), higher = _mm256_cmp_ps(d, *mv, _CMP_GT_OQ);
    if (!whole) {
        better = _mm256_and_ps(better, _mm256_castsi256_ps(valid));
        higher = _mm256_and_ps(higher, _mm256_castsi256_ps(valid));
    }
    take8(better, value, index, pv, pi);
    take8(higher, d, index, mv, mi);
}

// One block of 8 columns of the second pass: the negatives' minima per lane.
__attribute__((always_inline)) AVX2 static inline void
mine_minima8(const float *row, const double *labels, int64_t n, int64_t j, __m256d own, __m256 maximum, int whole,
             __m256 *nv, __m256i *ni) {
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256i valid = tail_mask8(n, j), index = _mm256_add_epi32(_mm256_set1_epi32((int32_t)j), lane_indices8());
    __m256 d = load8(row + j, valid, whole);
    __m256 same = same_label8(labels + j, own, valid, whole);
    __m256 keep = _mm256_sub_ps(one, _mm256_andnot_ps(same, one));
    __m256 value = _mm256_add_ps(d, _mm256_mul_ps(maximum, keep));
    __m256 better = _mm256_cmp_ps(value, *nv, _CMP_LT_OQ);
    if (!whole) better = _mm256_and_ps(better, _mm256_castsi256_ps(valid));
    take8(better, value, index, nv, ni);
}

AVX2 static void mine_avx2(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                           int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                           float *negativeDistance) {
    int64_t whole = n - n % lanes8;
    for (int64_t a = first; a < end; a++) {
        const float *row = distances + a * n;
        double own = labels[a];
        __m256d ownVector = _mm256_set1_pd(own);
        __m256i self = _mm256_set1_epi32((int32_t)a);
        __m256 pv = _mm256_set1_ps(-INFINITY), mv = pv;
        __m256i pi = _mm256_set1_epi32(-1), mi = pi;
        for (int64_t j = 0; j < whole; j += lanes8) mine_maxima8(row, labels, n, j, ownVector, self, 1, &pv, &pi, &mv, &mi);
        if (whole < n) mine_maxima8(row, labels, n, whole, ownVector, self, 0, &pv, &pi, &mv, &mi);
        int64_t p = first_best8(pv, pi, positive_value(row, labels, a, 0, own), 1);
        int64_t m = first_best8(mv, mi, row[0], 1);
        float maximum = row[m];
        __m256 maximumVector = _mm256_set1_ps(maximum), nv = _mm256_set1_ps(INFINITY);
        __m256i ni = _mm256_set1_epi32(-1);
        for (int64_t j = 0; j < whole; j += lanes8) mine_minima8(row, labels, n, j, ownVector, maximumVector, 1, &nv, &ni);
        if (whole < n) mine_minima8(row, labels, n, whole, ownVector, maximumVector, 0, &nv, &ni);
        int64_t best = first_best8(nv, ni, negative_value(row, labels, 0, own, maximum), 0);
        positive[a] = p;
        negative[a] = best;
        rowMaximum[a] = labels[best] != own ? -1 : m;
        positiveDistance[a] = positive_value(row, labels, a, p, own);
        negativeDistance[a] = negative_value(row, labels, best, own, maximum);
    }
}

void batch_hard_mine_avx2(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                          int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                          float *negativeDistance) {
    if (uses_avx2() && n <= INT32_MAX)
        mine_avx2(distances, labels, n, first, end, positive, negative, rowMaximum, positiveDistance, negativeDistance);
    else
        batch_hard_mine_portable(distances, labels, n, first, end, positive, negative, rowMaximum, positiveDistance, negativeDistance);
}

void batch_hard_mine(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                     int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                     float *negativeDistance) {
    if (uses_avx512() && n <= INT32_MAX)
        mine_avx512(distances, labels, n, first, end, positive, negative, rowMaximum, positiveDistance, negativeDistance);
    else
        batch_hard_mine_avx2(distances, labels, n, first, end, positive, negative, rowMaximum, positiveDistance, negativeDistance);
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
            __m512 partial = _mm512_sub_ps(other, _mm512_mul_ps(two, g));
            // A NaN partial sum is what the scalar add returns (its first operand), whichever
            // operand order the compiler gives the vector add.
            __m512 squared = _mm512_mask_mov_ps(_mm512_add_ps(partial, own), _mm512_cmp_ps_mask(partial, partial, _CMP_UNORD_Q), partial);
            // Positive: its root; NaN: itself; else 0.
            __mmask16 positive = _mm512_cmp_ps_mask(squared, zero, _CMP_GT_OQ), nan = _mm512_cmp_ps_mask(squared, squared, _CMP_UNORD_Q);
            __m512 d = _mm512_mask_mov_ps(_mm512_maskz_mov_ps(nan, squared), positive, _mm512_sqrt_ps(squared));
            _mm512_mask_storeu_ps(out + i * n + j, valid, d);
        }
    }
}

__attribute__((always_inline)) AVX2 static inline void
euclidean8(const float *gram, const float *diagonal, int64_t n, int64_t j, __m256 own, float *out, int whole) {
    const __m256 two = _mm256_set1_ps(2.0f), zero = _mm256_setzero_ps();
    __m256i valid = tail_mask8(n, j);
    __m256 g = load8(gram + j, valid, whole), other = load8(diagonal + j, valid, whole);
    __m256 partial = _mm256_sub_ps(other, _mm256_mul_ps(two, g));
    // A NaN partial sum is what the scalar add returns (its first operand), whichever operand
    // order the compiler gives the vector add (it may swap them: the NaNs' bits may differ).
    __m256 squared = _mm256_blendv_ps(_mm256_add_ps(partial, own), partial, _mm256_cmp_ps(partial, partial, _CMP_UNORD_Q));
    // Positive: its root; NaN: itself; else 0.
    __m256 positive = _mm256_cmp_ps(squared, zero, _CMP_GT_OQ), nan = _mm256_cmp_ps(squared, squared, _CMP_UNORD_Q);
    __m256 d = _mm256_blendv_ps(_mm256_and_ps(nan, squared), _mm256_sqrt_ps(squared), positive);
    if (whole) _mm256_storeu_ps(out + j, d);
    else _mm256_maskstore_ps(out + j, valid, d);
}

AVX2 static void euclidean_avx2(const float *gram, const float *diagonal, int64_t n, int64_t first, int64_t end, float *out) {
    int64_t whole = n - n % lanes8;
    for (int64_t i = first; i < end; i++) {
        __m256 own = _mm256_set1_ps(diagonal[i]);
        for (int64_t j = 0; j < whole; j += lanes8) euclidean8(gram + i * n, diagonal, n, j, own, out + i * n, 1);
        if (whole < n) euclidean8(gram + i * n, diagonal, n, whole, own, out + i * n, 0);
    }
}

void batch_euclidean(const float *gram, const float *diagonal, int64_t n, int64_t first, int64_t end, float *out, int level) {
    switch (path_for(level)) {
    case avx512_path: euclidean_avx512(gram, diagonal, n, first, end, out); break;
    case avx2_path: euclidean_avx2(gram, diagonal, n, first, end, out); break;
    case portable_path: euclidean_portable(gram, diagonal, n, first, end, out); break;
    }
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

// One block of 8 columns: its positives and negatives appended to the lists, left-packed by the
// table (whole-vector stores: the lists have 16 floats of slack).
__attribute__((always_inline)) AVX2 static inline void
partition8(const float *row, const double *labels, int64_t n, int64_t k, __m256d own, __m256i self, int whole,
           float *positives, int64_t *kept, float *negatives, int64_t *other) {
    __m256i valid = tail_mask8(n, k), index = _mm256_add_epi32(_mm256_set1_epi32((int32_t)k), lane_indices8());
    __m256 d = load8(row + k, valid, whole);
    __m256 same = same_label8(labels + k, own, valid, whole);
    int isPositive = _mm256_movemask_ps(_mm256_andnot_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(index, self)), same));
    int isNegative = _mm256_movemask_ps(_mm256_andnot_ps(same, _mm256_castsi256_ps(valid)));
    _mm256_storeu_ps(positives + *kept, _mm256_permutevar8x32_ps(d, _mm256_loadu_si256((const __m256i *)left_pack[isPositive])));
    _mm256_storeu_ps(negatives + *other, _mm256_permutevar8x32_ps(d, _mm256_loadu_si256((const __m256i *)left_pack[isNegative])));
    *kept += __builtin_popcount((unsigned)isPositive);
    *other += __builtin_popcount((unsigned)isNegative);
}

AVX2 static void partition_avx2(const float *row, const double *labels, int64_t n, int64_t a, float *positives, int64_t *p,
                                float *negatives, int64_t *m) {
    __m256d own = _mm256_set1_pd(labels[a]);
    __m256i self = _mm256_set1_epi32((int32_t)a);
    int64_t kept = 0, other = 0, whole = n - n % lanes8;
    for (int64_t k = 0; k < whole; k += lanes8) partition8(row, labels, n, k, own, self, 1, positives, &kept, negatives, &other);
    if (whole < n) partition8(row, labels, n, whole, own, self, 0, positives, &kept, negatives, &other);
    *p = kept;
    *m = other;
}

AVX2 static inline int64_t sum8(__m256i counts) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(counts), _mm256_extracti128_si256(counts, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return (int64_t)(uint32_t)_mm_cvtsi128_si32(s);
}

// How many of v[0..<count] are below `limit` and how many below `limit2`, in one pass. v is
// padded with NaN (below nothing) to a whole number of vectors.
AVX2 static void count_below_twice_avx2(const float *v, int64_t count, float limit, float limit2, int64_t *below, int64_t *below2) {
    __m256 bound = _mm256_set1_ps(limit), bound2 = _mm256_set1_ps(limit2);
    __m256i total = _mm256_setzero_si256(), total2 = total;
    for (int64_t j = 0; j < count; j += lanes8) {
        __m256 x = _mm256_loadu_ps(v + j);
        total = _mm256_sub_epi32(total, _mm256_castps_si256(_mm256_cmp_ps(x, bound, _CMP_LT_OQ)));
        total2 = _mm256_sub_epi32(total2, _mm256_castps_si256(_mm256_cmp_ps(x, bound2, _CMP_LT_OQ)));
    }
    *below += sum8(total);
    *below2 += sum8(total2);
}

void batch_census(const float *distances, const double *labels, int64_t n, float margin, int64_t first, int64_t end,
                  int64_t *valid, int64_t *hard, int64_t *notEasy, float *scratch, int level) {
    enum path path = n <= INT32_MAX ? path_for(level) : portable_path;
    int64_t (*count_below)(const float *, int64_t, float) = path == avx512_path ? count_below_avx512 : count_below_portable;
    float *positives = scratch, *negatives = scratch + n + lanes;
    for (int64_t a = first; a < end; a++) {
        const float *row = distances + a * n;
        int64_t p = 0, m = 0;
        if (path == avx512_path) partition_avx512(row, labels, n, a, positives, &p, negatives, &m);
        else if (path == avx2_path) partition_avx2(row, labels, n, a, positives, &p, negatives, &m);
        else partition_portable(row, labels, n, a, positives, &p, negatives, &m);
        valid[a] = hard[a] = notEasy[a] = 0;
        if (p == 0 || m == 0) continue;
        valid[a] = p * m;
        int64_t h = 0, e = 0;
        if (p <= 16 && path == avx2_path) {
            for (int64_t j = m; j % lanes8 != 0; j++) negatives[j] = NAN;
            for (int64_t i = 0; i < p; i++) count_below_twice_avx2(negatives, m, positives[i], positives[i] + margin, &h, &e);
        } else if (p <= 16) {
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

// exp_avx512 without scalef: the same reduction and polynomial, 2^k built from exponent bits as
// 2^h 2^(k-h), h = floor(k / 2): two normal powers even where the result is subnormal (k >=
// -1076), so the product is rounded once, as scalef rounds it. Against glibc's exp on 16M random
// points of [-8, 0] (the pair sums' range), 16M of [-745, 709] and 4M of the subnormal results'
// [-745.13, -708]: at most 1 unit in the last place apart. NaN stays NaN, -infinity gives 0.
AVX2 static inline __m256d exp_avx2(__m256d x) {
    const __m256d log2e = _mm256_set1_pd(1.4426950408889634), ln2High = _mm256_set1_pd(6.93147180369123816490e-01),
                  ln2Low = _mm256_set1_pd(1.90821492927058770002e-10);
    x = _mm256_min_pd(_mm256_set1_pd(709.0), _mm256_max_pd(_mm256_set1_pd(-746.0), x));
    __m256d k = _mm256_round_pd(_mm256_mul_pd(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(k, ln2High, x);
    r = _mm256_fnmadd_pd(k, ln2Low, r);
    static const double inverseFactorials[] = {
        1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
        1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
    __m256d p = _mm256_set1_pd(inverseFactorials[0]);
    for (int i = 1; i < 14; i++) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(inverseFactorials[i]));
    __m128i whole = _mm256_cvtpd_epi32(k), half = _mm_srai_epi32(whole, 1), rest = _mm_sub_epi32(whole, half);
    const __m128i bias = _mm_set1_epi32(1023);
    __m256d halfPower = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_cvtepi32_epi64(_mm_add_epi32(half, bias)), 52));
    __m256d restPower = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_cvtepi32_epi64(_mm_add_epi32(rest, bias)), 52));
    return _mm256_mul_pd(_mm256_mul_pd(p, halfPower), restPower);
}

// Pairs (i, j..j+3), the lanes past n masked off.
__attribute__((always_inline)) AVX2 static inline void
pair_sums4(const double *gram, const double *norms, int64_t n, int64_t i, int64_t j, __m256d normI, __m256d own, int whole,
           __m256d *cosines, __m256d *distances, __m256d *uniform) {
    const __m256d zero = _mm256_setzero_pd(), two = _mm256_set1_pd(2.0), minusTwo = _mm256_set1_pd(-2.0),
                  smallest = _mm256_set1_pd(1e-12);
    __m256i valid = _mm256_cmpgt_epi64(_mm256_set1_epi64x(n - j), _mm256_setr_epi64x(0, 1, 2, 3));
    __m256i diagonal = _mm256_add_epi64(_mm256_set1_epi64x(j * (n + 1)), _mm256_setr_epi64x(0, n + 1, 2 * (n + 1), 3 * (n + 1)));
    __m256d g, normJ, other;
    if (whole) {
        g = _mm256_loadu_pd(gram + i * n + j);
        normJ = _mm256_loadu_pd(norms + j);
        other = _mm256_i64gather_pd(gram, diagonal, 8);
    } else {
        g = _mm256_maskload_pd(gram + i * n + j, valid);
        normJ = _mm256_maskload_pd(norms + j, valid);
        other = _mm256_mask_i64gather_pd(zero, gram, diagonal, _mm256_castsi256_pd(valid), 8);
    }
    normJ = _mm256_max_pd(smallest, normJ);
    __m256d c = _mm256_div_pd(g, _mm256_mul_pd(normI, normJ));
    __m256d squared = _mm256_sub_pd(_mm256_add_pd(own, other), _mm256_mul_pd(two, g));
    __m256d d = _mm256_sqrt_pd(_mm256_max_pd(zero, squared));
    __m256d u = exp_avx2(_mm256_mul_pd(minusTwo, _mm256_max_pd(zero, _mm256_sub_pd(two, _mm256_mul_pd(two, c)))));
    if (!whole) {
        __m256d keep = _mm256_castsi256_pd(valid);
        c = _mm256_and_pd(keep, c);
        d = _mm256_and_pd(keep, d);
        u = _mm256_and_pd(keep, u);
    }
    *cosines = _mm256_add_pd(*cosines, c);
    *distances = _mm256_add_pd(*distances, d);
    *uniform = _mm256_add_pd(*uniform, u);
}

AVX2 static inline double sum4(__m256d v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

AVX2 static void pair_sums_avx2(const double *gram, const double *norms, int64_t n, double *sums) {
    __m256d cosines = _mm256_setzero_pd(), distances = cosines, uniform = cosines;
    for (int64_t i = 0; i + 1 < n; i++) {
        __m256d normI = _mm256_set1_pd(norms[i] > 1e-12 ? norms[i] : 1e-12), own = _mm256_set1_pd(gram[i * n + i]);
        int64_t j = i + 1;
        for (; j + 4 <= n; j += 4) pair_sums4(gram, norms, n, i, j, normI, own, 1, &cosines, &distances, &uniform);
        if (j < n) pair_sums4(gram, norms, n, i, j, normI, own, 0, &cosines, &distances, &uniform);
    }
    sums[0] += sum4(cosines);
    sums[1] += sum4(distances);
    sums[2] += sum4(uniform);
}

void batch_pair_sums(const double *gram, const double *norms, int64_t n, double *sums, int level) {
    switch (path_for(level)) {
    case avx512_path: pair_sums_avx512(gram, norms, n, sums); break;
    case avx2_path: pair_sums_avx2(gram, norms, n, sums); break;
    case portable_path: pair_sums_portable(gram, norms, n, sums); break;
    }
}
