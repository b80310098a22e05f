#ifndef LOSSLAB_RANKING_KERNELS_H
#define LOSSLAB_RANKING_KERNELS_H

#include <stdint.h>

/// One query's kept items (their scores and class codes), filled in item order. `count` goes on counting past `capacity`
/// (nothing more is stored then), so the caller knows how much room a second try needs.
/// The buffers need 16 entries of slack past `capacity`: a store always writes 16 lanes.
typedef struct {
    float *scores;
    int32_t *codes;
    int64_t count;
    int64_t capacity;
} RankingCandidates;

/// The gallery's rows in panels of 16 items: panel p holds, for each coordinate k, the 16
/// items' k-th values side by side (dim * 16 floats); a last partial panel is zero-padded.
void ranking_pack_panels(const float *rows, int64_t count, int64_t dim, float *panels);

/// For 8 queries (column-major: the 8 queries' k-th values at queries[8k...8k+7]) and the panels [firstPanel, endPanel) of a packed
/// gallery of `itemCount` items, appends to out[j] every item but queryItems[j] whose score
/// s = fma(q[dim-1], x[dim-1], ... fma(q[1], x[1], fma(q[0], x[0], 0))) is >= thresholds[j]:
/// the score and the item's entry of `codes` (one per item, readable up to the panels' end).
/// A NaN threshold keeps nothing (a padding query). `ranking_score` is the same score, one item.
void ranking_scan(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                  int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                  RankingCandidates *out);

/// `ranking_scan` for queries that keep few items (under about 1%): the same items, faster then.
void ranking_scan_sparse(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                         int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                         RankingCandidates *out);

/// `ranking_scan` without vector instructions, as it runs on machines with neither AVX-512 nor AVX2.
void ranking_scan_portable(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                           int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                           RankingCandidates *out);

/// `ranking_scan` on AVX2 and FMA even where AVX-512 is there (the portable loop without AVX2).
void ranking_scan_avx2(const float *panels, const int32_t *codes, int64_t itemCount, int64_t dim, int64_t firstPanel,
                       int64_t endPanel, const float *queries, const int64_t *queryItems, const float *thresholds,
                       RankingCandidates *out);

/// The score `ranking_scan` compares, for one query row and one item row.
float ranking_score(const float *query, const float *item, int64_t dim);

/// 1 when the scan runs on AVX-512, 0 otherwise.
int ranking_uses_avx512(void);

/// 1 when the machine has AVX2 and FMA (the scan's loop without AVX-512).
int ranking_uses_avx2(void);

/// One query's metrics from its kept items, in item order (`RetrievalOrder`): ordered best
/// first (higher score, then lower item), the first `wanted` read for a hit at 1, a hit at 5 and
/// Σ over the relevant items among the first `relevant` of (relevant so far) / rank. An item is
/// relevant when its code is `own`. keys, orderedKeys: room for `count`; marks, orderedMarks:
/// `count` bytes; starts: room for 65536.
void ranking_order(const float *scores, const int32_t *codes, int64_t count, int32_t own, int64_t wanted, int64_t relevant,
                   uint32_t *keys, uint8_t *marks, uint32_t *orderedKeys, uint8_t *orderedMarks, int64_t *starts,
                   int32_t *hitAt1, int32_t *hitAt5, double *precisionSum);

#endif
