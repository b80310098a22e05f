import Foundation

/// The cached symmetric ranking loss (query_to_doc and doc_to_query, one softmax per
/// direction, no penalty) in two passes over its mini-batches, four products per mini-batch
/// instead of six.
///
/// Computed as the other directions are, each mini-batch would take its doc_to_query block
/// S(p_chunk, Q) as a product of its own and send two more products back through it. But that
/// block is a band of columns of the query_to_doc scores every mini-batch computes anyway, so
/// the first pass keeps, per column, a running maximum and sum of exponentials (merged from one
/// mini-batch to the next), and the second computes the scores again and writes each entry's
/// gradient with both directions' shares, sent back by the usual two products. The values
/// agree with the separate directions up to rounding (the column sums are added in another order).
extension InBatchRanking {
    /// Whether `compute(batch, chunk:)` takes the two-pass path for this loss and chunk.
    func usesTwoPassSymmetric(rows b: Int, chunk: Int) -> Bool {
        chunk < b && partition == .perDirection && directions == [.queryToDoc, .docToQuery]
            && (hardness == nil || hardnessStrength == 0)
    }

    func computeTwoPassSymmetric<T: Scalar>(_ batch: LossBatch<T>, chunk: Int, meter: ScratchMeter) -> LossResult<T> {
        meter.exclude(batch.columns)
        let documentColumns = Array(batch.columns.dropFirst())
        let q = similarity.prepare(batch.columns[0])
        let docs = similarity.prepare(documentColumns.count == 1 ? documentColumns[0] : Matrix.vstack(documentColumns))
        let b = q.rows.rows, width = docs.rows.rows
        let alpha = T(scale)
        let step = max(chunk, 1)
        let meanScale = 1 / T(b * 2)
        var dQ: Matrix<T>? = nil, dD: Matrix<T>? = nil
        var tuples: [MinedTuple] = []
        tuples.reserveCapacity(b)
        var counts = MiningCounts(valid: b * max(width - 1, 0), used: b)
        // Per query column j < b (the positives): the largest logit over all query rows, and the
        // sum of exponentials relative to it; then, once both are final, the column's loss.
        var tops = [T](repeating: -.infinity, count: b), sums = [T](repeating: 0, count: b)
        var columnLosses = [T](repeating: 0, count: b)
        let otherBytes = ScratchMeter.bytes(MinedTuple.self, b) + ScratchMeter.bytes(T.self, 4 * b)

        // Pass 1: the columns' statistics.
        var miniBatches = 0
        for start in stride(from: 0, to: b, by: step) {
            let range = start..<min(start + step, b)
            miniBatches += 1
            let qd = similarity.scores(q.rows.rows(range), docs.rows, alpha: alpha)
            Self.mergeColumnStatistics(qd, columns: b, tops: &tops, sums: &sums)
            // Column j's target is row j's own entry, in this mini-batch when j is one of its rows.
            for (local, j) in range.enumerated() { columnLosses[j] = -qd[local, j] }
            meter.sample([q.input, q.rows, docs.input, docs.rows, qd, dQ, dD], otherBytes: otherBytes)
        }
        // factors: meanScale / sum, what each column's softmax share is multiplied by.
        var factors = [T](repeating: 0, count: b)
        for j in 0..<b {
            columnLosses[j] += T.log(sums[j]) + tops[j]
            factors[j] = meanScale / sums[j]
        }

        // Pass 2: the scores again, both directions' gradient, the two products back.
        var value: T = 0, forwardSum: T = 0
        for start in stride(from: 0, to: b, by: step) {
            let range = start..<min(start + step, b)
            let queries = q.rows.rows(range)
            let qd = similarity.scores(queries, docs.rows, alpha: alpha)
            var ranked = CrossEntropy.evaluate(logits: qd, targets: Array(range), rankTargets: true, meanOver: b * 2)
            CrossEntropy.addColumnShares(logits: qd, into: &ranked.gradient, rows: range, columns: b, tops: tops, factors: factors,
                                         meanScale: meanScale)
            let rowSum = ranked.rowLosses.reduce(0, +)
            forwardSum += rowSum
            value += rowSum / T(b * 2)
            let rowLosses = range.enumerated().map { local, i in (ranked.rowLosses[local] + columnLosses[i]) / 2 }
            meter.sample([q.input, q.rows, docs.input, docs.rows, queries, qd, ranked.gradient, dQ, dD], otherBytes: otherBytes)
            appendTuples(&tuples, &counts, qd: qd, ranked: ranked, rowLosses: rowLosses, rows: range, b: b, alpha: alpha, strength: 0)
            let g = ranked.gradient
            if similarity.isBilinear {
                Self.accumulate(g, docs.rows, alpha: alpha, into: &dQ, rows: b, atRow: start)
                Self.accumulate(g, transposed: true, queries, alpha: alpha, into: &dD, rows: width, atRow: 0)
                meter.sample([q.input, q.rows, docs.input, docs.rows, queries, qd, g, dQ, dD], otherBytes: otherBytes)
            } else {
                let part = similarity.backward(g, queries, docs.rows, alpha: alpha)
                meter.sample([q.input, q.rows, docs.input, docs.rows, queries, qd, g, part.x, part.y, dQ, dD], otherBytes: otherBytes)
                Self.add(part.x, into: &dQ, rows: b, atRow: start)
                Self.add(part.y, into: &dD, rows: width, atRow: 0)
            }
        }
        let reverseSum = columnLosses.reduce(0, +)
        value += reverseSum / T(b * 2)

        let gradientQ = similarity.finish(dQ!, q), gradientD = similarity.finish(dD!, docs)
        meter.sample([q.input, q.rows, docs.input, docs.rows, dQ, dD, gradientQ, gradientD], otherBytes: otherBytes)
        var report = MiningReport(kind: .ranking, tuples: tuples, counts: counts)
        if batch.explain {
            report.parts = [NamedShare(Direction.queryToDoc.rawValue, Double(forwardSum) / Double(b * 2)),
                            NamedShare(Direction.docToQuery.rawValue, Double(reverseSum) / Double(b * 2))]
        }
        let documentGradients = documentColumns.count == 1 ? [gradientD] : gradientD.splitRows(documentColumns.map(\.rows))
        meter.sample([q.input, q.rows, docs.input, docs.rows, dQ, dD, gradientQ, gradientD] + documentGradients, otherBytes: otherBytes)
        var result = LossResult(value: value, columnGradients: [gradientQ] + documentGradients, mining: report)
        result.scratch = ScratchUse(peakBytes: meter.peakBytes, miniBatches: miniBatches)
        return result
    }

    /// Folds the first `columns` columns of `z` into each column's running maximum and sum of
    /// exponentials relative to it: the sum so far is rescaled to the new maximum, then the
    /// block's terms are added in row order. Float terms below e^-60 of the maximum are 0, as in
    /// the softmax. Columns are independent, so bands of them run in parallel with the same
    /// results however the bands fall.
    static func mergeColumnStatistics<T: Scalar>(_ z: Matrix<T>, columns b: Int, tops: inout [T], sums: inout [T]) {
        let n = z.rows, c = z.cols, band = 64
        z.values.withUnsafeBufferPointer { zv in
            tops.withUnsafeMutableBufferPointer { tv in
                sums.withUnsafeMutableBufferPointer { sv in
                    let zs = SharedReadPointer(zv), ts = SharedPointer(tv), ss = SharedPointer(sv)
                    ParallelRows.run(rows: (b + band - 1) / band, elementsPerRow: band * n * 8) { bands in
                        withUnsafeTemporaryAllocation(of: T.self, capacity: band) { scratch in
                            let blockTops = scratch.baseAddress!
                            for index in bands {
                                let j0 = index * band, w = min(band, b - j0)
                                for j in 0..<w { blockTops[j] = -.infinity }
                                for i in 0..<n {
                                    let row = zs.base + i * c + j0
                                    for j in 0..<w { blockTops[j] = row[j] > blockTops[j] ? row[j] : blockTops[j] }
                                }
                                for j in j0..<(j0 + w) {
                                    let top = max(ts[j], blockTops[j - j0])
                                    // -inf - -inf would be NaN; a column with no finite logit yet has nothing to rescale.
                                    if ss[j] != 0 { ss[j] *= Self.columnExp(ts[j] - top) }
                                    ts[j] = top
                                }
                                for i in 0..<n {
                                    Self.addExponentials(zs.base + i * c + j0, tops: UnsafePointer(ts.base + j0), into: ss.base + j0, count: w)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func columnExp<T: Scalar>(_ x: T) -> T {
        if T.self == Float.self {
            let xf = Float(Double(x))
            return T(Double(xf < -60 ? 0 : FastExp.exp(xf)))
        }
        return T.exp(x)
    }

    /// sums[j] += exp(row[j] - tops[j]) for j < count.
    @inline(__always)
    private static func addExponentials<T: Scalar>(_ row: UnsafePointer<T>, tops: UnsafePointer<T>, into sums: UnsafeMutablePointer<T>,
                                                   count: Int) {
        if T.self == Float.self {
            let zf = UnsafeRawPointer(row).assumingMemoryBound(to: Float.self)
            let tf = UnsafeRawPointer(tops).assumingMemoryBound(to: Float.self)
            let sf = UnsafeMutableRawPointer(sums).assumingMemoryBound(to: Float.self)
            let cutoff = SIMD8<Float>(repeating: -60)
            var j = 0
            while j + 8 <= count {
                let x = UnsafeRawPointer(zf + j).loadUnaligned(as: SIMD8<Float>.self)
                    - UnsafeRawPointer(tf + j).loadUnaligned(as: SIMD8<Float>.self)
                let e = FastExp.exp(x).replacing(with: 0, where: x .< cutoff)
                let old = UnsafeRawPointer(sf + j).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(sf + j).storeBytes(of: old + e, as: SIMD8<Float>.self)
                j += 8
            }
            while j < count {
                let x = zf[j] - tf[j]
                sf[j] += x < -60 ? 0 : FastExp.exp(x)
                j += 1
            }
        } else {
            for j in 0..<count { sums[j] += T.exp(row[j] - tops[j]) }
        }
    }
}
