// The retrieval metrics' inner loop: every query against every gallery item, keeping only the
// items at or above each query's threshold. Swift has no per-function target attributes, so
// the AVX-512 and AVX2 loops live here, picked at run time; the portable loop computes the same
// fused multiply-add chain, so both keep exactly the same items with the same scores.
#include "RankingKernels.h"
#include <math.h>
#include <string.h>
#include <immintrin.h>

enum { lanes = 16, group = 8 };

void ranking_pack_panels(const float *rows, int64_t count, int64_t dim, float *panels) {
    int64_t panelCount = (count + lanes - 1) / lanes;
    memset(panels, 0, (size_t)(panelCount * dim * lanes) * sizeof(float));
    for (int64_t i = 0; i < count; i++) {
        float *panel = panels + (i / lanes) * dim * lanes + i % lanes;
        for (int64_t k = 0; k < dim; k++) panel[k * lanes] = rows[i * dim + k];
    }
}

float ranking_score(const float *query, const float *item, int64_t dim) {
    float s = 0;
    for (int64_t k = 0; k < dim; k++) s = fmaf(query[k], item[k], s);
    return s;
}

void ranking_scan_portable(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                          int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                          RankingCandidates *out) {
    for (int64_t p = firstPanel; p < endPanel; p++) {
        const float *panel = panels + p * dim * lanes;
        int64_t valid = itemCount - p * lanes < lanes ? itemCount - p * lanes : lanes;
        for (int j = 0; j < group; j++) {
            RankingCandidates *c = out + j;
            for (int64_t l = 0; l < valid; l++) {
                if (p * lanes + l == queryItems[j]) continue;
                float s = 0;
                for (int64_t k = 0; k < dim; k++) s = fmaf(queries[k * group + j], panel[k * lanes + l], s);
                if (s >= thresholds[j]) {
                    if (c->count < c->capacity) {
                        c->scores[c->count] = s;
                        c->codes[c->count] = codes[p * lanes + l];
                    }
                    c->count++;
                }
            }
        }
    }
}

// Without a branch on the mask, which is as good as random: every query stores 16 lanes for
// every panel, the kept ones compressed to the front; the store goes past the end of what is
// kept, into the slack, and after an overflow into `spill`.
__attribute__((target("avx512f")))
static inline void keep(RankingCandidates *c, __m512 scores, __mmask16 mask, __m512i codes, float *spillScores, int32_t *spillCodes) {
    int64_t kept = __builtin_popcount(mask);
    int fits = c->count + kept <= c->capacity;
    float *scoreTarget = fits ? c->scores + c->count : spillScores;
    int32_t *codeTarget = fits ? c->codes + c->count : spillCodes;
    _mm512_storeu_ps(scoreTarget, _mm512_maskz_compress_ps(mask, scores));
    _mm512_storeu_si512(codeTarget, _mm512_maskz_compress_epi32(mask, codes));
    // Past capacity once, past it for good: nothing is stored out of order.
    c->count += kept;
}

__attribute__((target("avx512f")))
static inline __mmask16 valid_lanes(int64_t itemCount, int64_t panel) {
    int64_t remaining = itemCount - panel * lanes;
    return remaining >= lanes ? (__mmask16)0xFFFF : (__mmask16)((1u << remaining) - 1);
}

// Two panels at a time: each broadcast query value feeds two products, and the sixteen
// accumulators are independent chains, enough to hide the multiply-add's latency. `sparse`:
// when a query keeps few items, most of its masks are empty and skipping them (a well
// predicted branch) saves the stores; when it keeps many, the branch is a coin toss and the
// unconditional stores are cheaper.
__attribute__((target("avx512f"), always_inline))
static inline void scan_avx512(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                               int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                               RankingCandidates *out, int sparse) {
    __m512 t[group];
    __m512i self[group];
    for (int j = 0; j < group; j++) {
        t[j] = _mm512_set1_ps(thresholds[j]);
        self[j] = _mm512_set1_epi32((int32_t)queryItems[j]);
    }
    float spillScores[lanes];
    int32_t spillCodes[lanes];
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int64_t p = firstPanel; p < endPanel; p += 2) {
        // An odd last panel is paired with itself, and its copy keeps nothing.
        int64_t second = p + 1 < endPanel ? p + 1 : p;
        const float *x0 = panels + p * dim * lanes, *x1 = panels + second * dim * lanes;
        __m512 a[group], b[group];
        for (int j = 0; j < group; j++) a[j] = b[j] = _mm512_setzero_ps();
        for (int64_t k = 0; k < dim; k++) {
            __m512 u = _mm512_loadu_ps(x0 + k * lanes), v = _mm512_loadu_ps(x1 + k * lanes);
            const float *column = queries + k * group;
            for (int j = 0; j < group; j++) {
                __m512 w = _mm512_set1_ps(column[j]);
                a[j] = _mm512_fmadd_ps(w, u, a[j]);
                b[j] = _mm512_fmadd_ps(w, v, b[j]);
            }
        }
        __mmask16 valid0 = valid_lanes(itemCount, p), valid1 = second == p ? 0 : valid_lanes(itemCount, second);
        __m512i items0 = _mm512_add_epi32(_mm512_set1_epi32((int32_t)(p * lanes)), lane);
        __m512i items1 = _mm512_add_epi32(items0, _mm512_set1_epi32(lanes));
        __m512i codes0 = _mm512_loadu_si512(codes + p * lanes), codes1 = _mm512_loadu_si512(codes + second * lanes);
        for (int j = 0; j < group; j++) {
            // Ordered comparisons: a NaN score or threshold keeps nothing.
            __mmask16 m0 = _mm512_mask_cmp_ps_mask(valid0, a[j], t[j], _CMP_GE_OQ);
            __mmask16 m1 = _mm512_mask_cmp_ps_mask(valid1, b[j], t[j], _CMP_GE_OQ);
            if (sparse && __builtin_expect((m0 | m1) == 0, 1)) continue;
            keep(out + j, a[j], _mm512_mask_cmpneq_epi32_mask(m0, items0, self[j]), codes0, spillScores, spillCodes);
            keep(out + j, b[j], _mm512_mask_cmpneq_epi32_mask(m1, items1, self[j]), codes1, spillScores, spillCodes);
        }
    }
}

// The same scan for machines with AVX2 and FMA but no AVX-512: a panel's 16 items as two halves
// of 8 lanes, eight queries' accumulators per half. The FMA chain is the portable loop's, so
// the scores are the same bits. AVX2 has no compressing store: a table of permutations moves
// the kept lanes to the front, and the whole 8 lanes are stored into the slack.
static int32_t pack_order[256][8];

// Filled when the library loads, before any thread can scan.
__attribute__((constructor)) static void fill_pack_order(void) {
    for (int mask = 0; mask < 256; mask++) {
        int next = 0;
        for (int l = 0; l < 8; l++) if (mask & (1 << l)) pack_order[mask][next++] = l;
        while (next < 8) pack_order[mask][next++] = 0;
    }
}

__attribute__((target("avx2,fma")))
static inline void keep8(RankingCandidates *c, __m256 scores, int mask, __m256i codes, float *spillScores, int32_t *spillCodes) {
    int64_t kept = __builtin_popcount((unsigned)mask);
    int fits = c->count + kept <= c->capacity;
    float *scoreTarget = fits ? c->scores + c->count : spillScores;
    int32_t *codeTarget = fits ? c->codes + c->count : spillCodes;
    __m256i order = _mm256_loadu_si256((const __m256i *)pack_order[mask]);
    _mm256_storeu_ps(scoreTarget, _mm256_permutevar8x32_ps(scores, order));
    _mm256_storeu_si256((__m256i *)codeTarget, _mm256_permutevar8x32_epi32(codes, order));
    c->count += kept;
}

// Four queries at a time against both halves of a panel: eight independent accumulator chains,
// enough to hide the multiply-add's latency, with two panel loads and four broadcasts per
// coordinate. `sparse` as for AVX-512.
__attribute__((target("avx2,fma"), always_inline))
static inline void scan_avx2(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                             int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                             RankingCandidates *out, int sparse) {
    float spillScores[8];
    int32_t spillCodes[8];
    for (int64_t p = firstPanel; p < endPanel; p++) {
        const float *x = panels + p * dim * lanes;
        int64_t first = p * lanes, remaining = itemCount - first;
        int valid0 = remaining >= 8 ? 0xFF : (1 << remaining) - 1;
        int valid1 = remaining >= 16 ? 0xFF : remaining <= 8 ? 0 : (1 << (remaining - 8)) - 1;
        __m256i codes0 = _mm256_loadu_si256((const __m256i *)(codes + first));
        __m256i codes1 = _mm256_loadu_si256((const __m256i *)(codes + first + 8));
        for (int set = 0; set < group; set += 4) {
            __m256 a[4], b[4];
            for (int j = 0; j < 4; j++) a[j] = b[j] = _mm256_setzero_ps();
            for (int64_t k = 0; k < dim; k++) {
                __m256 u = _mm256_loadu_ps(x + k * lanes), v = _mm256_loadu_ps(x + k * lanes + 8);
                const float *column = queries + k * group + set;
                for (int j = 0; j < 4; j++) {
                    __m256 w = _mm256_broadcast_ss(column + j);
                    a[j] = _mm256_fmadd_ps(w, u, a[j]);
                    b[j] = _mm256_fmadd_ps(w, v, b[j]);
                }
            }
            for (int j = 0; j < 4; j++) {
                int q = set + j;
                __m256 t = _mm256_broadcast_ss(thresholds + q);
                // Ordered comparisons: a NaN score or threshold keeps nothing.
                int m0 = _mm256_movemask_ps(_mm256_cmp_ps(a[j], t, _CMP_GE_OQ)) & valid0;
                int m1 = _mm256_movemask_ps(_mm256_cmp_ps(b[j], t, _CMP_GE_OQ)) & valid1;
                if (sparse && __builtin_expect((m0 | m1) == 0, 1)) continue;
                // The query's own item, if it is in this panel, as a bit of the 16 lanes.
                uint64_t offset = (uint64_t)(queryItems[q] - first);
                int self = offset < 16 ? 1 << offset : 0;
                keep8(out + q, a[j], m0 & ~self, codes0, spillScores, spillCodes);
                keep8(out + q, b[j], m1 & ~(self >> 8), codes1, spillScores, spillCodes);
            }
        }
    }
}

int ranking_uses_avx2(void) {
    static int supported = -1;
    if (supported < 0) supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
    return supported;
}

__attribute__((target("avx2,fma")))
static void scan_avx2_dense(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                            int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                            RankingCandidates *out) {
    scan_avx2(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out, 0);
}

__attribute__((target("avx2,fma")))
static void scan_avx2_sparse(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                             int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                             RankingCandidates *out) {
    scan_avx2(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out, 1);
}

void ranking_scan_avx2(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                       int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                       RankingCandidates *out) {
    if (ranking_uses_avx2()) scan_avx2_dense(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out);
    else ranking_scan_portable(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out);
}

int ranking_uses_avx512(void) {
    static int supported = -1;
    if (supported < 0) supported = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return supported;
}

__attribute__((target("avx512f")))
static void scan_avx512_dense(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                              int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                              RankingCandidates *out) {
    scan_avx512(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out, 0);
}

__attribute__((target("avx512f")))
static void scan_avx512_sparse(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                               int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                               RankingCandidates *out) {
    scan_avx512(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out, 1);
}

void ranking_scan(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                  int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                  RankingCandidates *out) {
    if (ranking_uses_avx512()) scan_avx512_dense(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out);
    else if (ranking_uses_avx2()) scan_avx2_dense(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out);
    else ranking_scan_portable(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out);
}

void ranking_scan_sparse(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                         int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                         RankingCandidates *out) {
    if (ranking_uses_avx512()) scan_avx512_sparse(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out);
    else if (ranking_uses_avx2()) scan_avx2_sparse(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out);
    else ranking_scan_portable(panels, codes, itemCount, dim, firstPanel, endPanel, queries, queryItems, thresholds, out);
}

// A float's bits made monotone and flipped: ascending keys are descending scores (-0 as 0).
static inline uint32_t order_key(float score) {
    float value = score + 0.0f;
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return ~((bits & 0x80000000u) ? ~bits : (bits | 0x80000000u));
}

// One bucket pass on the keys' leading bits (about one bucket per item, 2^12 to 2^16), only
// the buckets up to the one holding the wanted-th item kept, then an insertion sort inside the
// runs; both steps are stable, so equal scores stay in item order.
void ranking_order(const float *scores, const int32_t *codes, int64_t count, int32_t own, int64_t wanted, int64_t relevant,
                   uint32_t *keys, uint8_t *marks, uint32_t *orderedKeys, uint8_t *orderedMarks, int64_t *starts,
                   int32_t *hitAt1, int32_t *hitAt5, double *precisionSum) {
    *hitAt1 = *hitAt5 = 0;
    *precisionSum = 0;
    uint32_t low = UINT32_MAX, high = 0;
    for (int64_t i = 0; i < count; i++) {
        uint32_t key = order_key(scores[i]);
        keys[i] = key;
        marks[i] = codes[i] == own;
        low = key < low ? key : low;
        high = key > high ? key : high;
    }
    int64_t take = wanted < count ? wanted : count;
    if (take <= 0) return;
    uint32_t span = high - low;
    int width = 64 - __builtin_clzll((unsigned long long)count);
    int bits = width < 12 ? 12 : width > 16 ? 16 : width;
    int spanBits = span == 0 ? 0 : 32 - __builtin_clz(span);
    int shift = spanBits - bits > 0 ? spanBits - bits : 0;
    int64_t used = (int64_t)(span >> shift) + 1;
    memset(starts, 0, (size_t)used * sizeof *starts);
    for (int64_t i = 0; i < count; i++) starts[(keys[i] - low) >> shift]++;
    int64_t cut = 0, total = 0;
    for (;;) {
        int64_t size = starts[cut];
        starts[cut] = total;
        total += size;
        if (total >= take) break;
        cut++;
    }
    for (int64_t i = 0; i < count; i++) {
        int64_t b = (keys[i] - low) >> shift;
        if (b > cut) continue;
        orderedKeys[starts[b]] = keys[i];
        orderedMarks[starts[b]] = marks[i];
        starts[b]++;
    }
    for (int64_t i = 1; i < total; i++) {
        uint32_t key = orderedKeys[i];
        uint8_t mark = orderedMarks[i];
        int64_t j = i;
        while (j > 0 && orderedKeys[j - 1] > key) {
            orderedKeys[j] = orderedKeys[j - 1];
            orderedMarks[j] = orderedMarks[j - 1];
            j--;
        }
        orderedKeys[j] = key;
        orderedMarks[j] = mark;
    }
    int64_t hits = 0;
    for (int64_t i = 0; i < take; i++) {
        if (!orderedMarks[i]) continue;
        if (i == 0) *hitAt1 = 1;
        if (i < 5) *hitAt5 = 1;
        if (i < relevant) {
            hits++;
            *precisionSum += (double)hits / (double)(i + 1);
        }
    }
}
