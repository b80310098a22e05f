#ifndef LOSSLAB_BATCH_KERNELS_H
#define LOSSLAB_BATCH_KERNELS_H

#include <stdint.h>

/// Which code a kernel runs (its `level` argument): the best the machine has (AVX-512, else AVX2
/// with FMA, else the portable loops), the portable loops, or AVX2 at most (so the tests run the
/// AVX2 code on AVX-512 machines too; the portable loops where the machine has no AVX2).
enum { batch_kernels_best = 0, batch_kernels_portable = 1, batch_kernels_avx2 = 2 };

/// Batch-hard mining of anchors [first, end) of an n x n float distance matrix (row-major) with
/// one label per row. Per anchor a, as BatchHardMining defines it:
/// - positive[a]: argmax over j of (j != a && labels[j] == labels[a] ? 1 : 0) * d[a][j], and
///   positiveDistance[a] that value;
/// - rowMaximum[a]: argmax over j of d[a][j];
/// - negative[a]: argmin over j of d[a][j] + max_j d[a][j] * (labels[j] != labels[a] ? 0 : 1),
///   and negativeDistance[a] that value.
/// Each argmax/argmin is the first index reached by scanning j = 0, 1, ... and moving only on a
/// strictly better value (so index 0 when value 0 is NaN).
void batch_hard_mine(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                     int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                     float *negativeDistance);

/// `batch_hard_mine` on the portable loops, as it runs on machines without AVX2.
void batch_hard_mine_portable(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                              int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                              float *negativeDistance);

/// `batch_hard_mine` in AVX2 at most, as it runs on machines with AVX2 but no AVX-512.
void batch_hard_mine_avx2(const float *distances, const double *labels, int64_t n, int64_t first, int64_t end,
                          int64_t *positive, int64_t *negative, int64_t *rowMaximum, float *positiveDistance,
                          float *negativeDistance);

/// The triplet census of anchors [first, end): for anchor a with positives p (same label, p != a)
/// and negatives m (other label), valid[a] = #p * #m, hard[a] = #(p, m) with d[a][m] < d[a][p],
/// notEasy[a] = #(p, m) with d[a][m] < d[a][p] + margin (the sum in float). An anchor without a
/// positive or a negative counts 0 everywhere. scratch: room for 2n + 32 floats; level: a
/// `batch_kernels_*`.
void batch_census(const float *distances, const double *labels, int64_t n, float margin, int64_t first, int64_t end,
                  int64_t *valid, int64_t *hard, int64_t *notEasy, float *scratch, int level);

/// Sums over the pairs i < j of an n x n Gram matrix in double (row-major) with the rows' norms:
/// sums[0] += cosine, sums[1] += euclidean distance, sums[2] += exp(-2 max(2 - 2 cosine, 0)),
/// cosine = gram[i][j] / (max(norm_i, 1e-12) max(norm_j, 1e-12)), distance =
/// sqrt(max(gram[i][i] + gram[j][j] - 2 gram[i][j], 0)). The exponential is within a few units
/// in the last place of libm's. level: a `batch_kernels_*`.
void batch_pair_sums(const double *gram, const double *norms, int64_t n, double *sums, int level);

/// Rows [first, end) of the euclidean distances from an n x n Gram matrix (row-major) and its
/// diagonal: s = (diagonal[j] - 2 gram[i][j]) + diagonal[i], out[i][j] = sqrt(s) where s > 0, s
/// where s is NaN, else 0. level: a `batch_kernels_*`.
void batch_euclidean(const float *gram, const float *diagonal, int64_t n, int64_t first, int64_t end, float *out, int level);

#endif
