/// `nn.CrossEntropyLoss` with mean reduction over rows: -log softmax(logits)[target].
enum CrossEntropy {
    struct Output<T: Scalar> {
        var value: T
        /// dL/dlogits, (N, C).
        var gradient: Matrix<T>
        /// Per-row -log p(target), before averaging.
        var rowLosses: [T]
        /// Per-row softmax probabilities, (N, C), when asked for.
        var probabilities: Matrix<T>?
        /// Per row, when asked for: 1 + how many other logits beat the target's, and the
        /// largest non-target logit's column (the first on ties; nil with a single column).
        var ranks: [Int]
        var strongestRivals: [Int?]
    }

    /// logits: (N, C); targets: N class indices in 0..<C. Rows run in parallel. `meanOver`
    /// divides by another row count than N (a chunk of a larger batch).
    static func evaluate<T: Scalar>(logits: Matrix<T>, targets: [Int], keepProbabilities: Bool = false,
                                    rankTargets: Bool = false, meanOver: Int? = nil) -> Output<T> {
        let n = logits.rows, c = logits.cols
        let meanRows = T(meanOver ?? n)
        let meanScale = 1 / meanRows
        var rowLosses = [T](repeating: 0, count: n)
        var ranks = [Int](repeating: 1, count: rankTargets ? n : 0)
        var rivals = [Int](repeating: -1, count: rankTargets ? n : 0)
        // Every gradient entry is written below.
        let gradient = Matrix<T>(rows: n, cols: c) { g in
            logits.values.withUnsafeBufferPointer { zv in
                targets.withUnsafeBufferPointer { tv in
                    rowLosses.withUnsafeMutableBufferPointer { lv in
                        ranks.withUnsafeMutableBufferPointer { rv in
                            rivals.withUnsafeMutableBufferPointer { sv in
                                let z = SharedReadPointer(zv), out = SharedPointer(g), t = SharedReadPointer(tv)
                                let losses = SharedPointer(lv)
                                let rankOut = rankTargets ? SharedPointer(rv) : nil, rivalOut = rankTargets ? SharedPointer(sv) : nil
                                ParallelRows.run(rows: n, elementsPerRow: c * 8) { rows in
                                    for i in rows {
                                        let zr = z.base + i * c, gr = out.base + i * c, target = t[i]
                                        let row = softmaxRow(zr, gr, count: c, target: target, meanScale: meanScale)
                                        losses[i] = row.loss
                                        if let rankOut, let rivalOut {
                                            let ranking = rank(zr, count: c, target: target, top: row.top)
                                            rankOut[i] = ranking.rank
                                            rivalOut[i] = ranking.rival
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var probabilities: Matrix<T>?
        if keepProbabilities {
            // p = n·g, plus 1 at the target: recovered from the gradient rather than kept twice.
            var p = gradient
            for i in 0..<n {
                for j in 0..<c { p[i, j] *= meanRows }
                p[i, targets[i]] += 1
            }
            probabilities = p
        }
        let total = rowLosses.reduce(0, +)
        return Output(value: total / meanRows, gradient: gradient, rowLosses: rowLosses, probabilities: probabilities,
                      ranks: ranks, strongestRivals: rivals.map { $0 < 0 ? nil : $0 })
    }

    /// With class probabilities as targets (N, C), as `nn.CrossEntropyLoss` takes them: row i
    /// loses -Σ_k y_ik · log softmax(z_i)_k, the mean over rows. Rows need not sum to 1 (an
    /// all-zero row loses 0 but still counts in the mean); dL/dz_i = (softmax(z_i)·Σ_k y_ik - y_i) / N.
    static func evaluate<T: Scalar>(logits: Matrix<T>, distributions targets: Matrix<T>) -> Output<T> {
        let n = logits.rows, c = logits.cols
        let meanScale = 1 / T(n)
        var rowLosses = [T](repeating: 0, count: n)
        var probabilities = Matrix<T>(zeros: n, c)
        let gradient = Matrix<T>(rows: n, cols: c) { g in
            logits.values.withUnsafeBufferPointer { zv in
                targets.values.withUnsafeBufferPointer { yv in
                    rowLosses.withUnsafeMutableBufferPointer { lv in
                        probabilities.values.withUnsafeMutableBufferPointer { pv in
                            let z = SharedReadPointer(zv), y = SharedReadPointer(yv), out = SharedPointer(g)
                            let losses = SharedPointer(lv), p = SharedPointer(pv)
                            ParallelRows.run(rows: n, elementsPerRow: c * 8) { rows in
                                for i in rows {
                                    let zr = z.base + i * c, yr = y.base + i * c, gr = out.base + i * c, pr = p.base + i * c
                                    let top = VectorKernels.maximum(zr, count: c)
                                    for j in 0..<c { pr[j] = T.exp(zr[j] - top) }
                                    let sum = VectorKernels.sum(UnsafePointer(pr), count: c)
                                    let logSum = T.log(sum) + top
                                    var loss: T = 0
                                    for j in 0..<c {
                                        pr[j] /= sum
                                        loss += yr[j] * (logSum - zr[j])
                                    }
                                    let mass = VectorKernels.sum(yr, count: c)
                                    for j in 0..<c { gr[j] = (pr[j] * mass - yr[j]) * meanScale }
                                    losses[i] = loss
                                }
                            }
                        }
                    }
                }
            }
        }
        let total = rowLosses.reduce(0, +)
        return Output(value: total / T(n), gradient: gradient, rowLosses: rowLosses, probabilities: probabilities,
                      ranks: [], strongestRivals: [])
    }

    /// Both directions of an in-batch softmax in one call, without transposing the logits:
    /// row i of z (n, c), c ≥ n, against target i over all c columns, and column j of the first
    /// n columns (its n rows) against target j. The gradient is the sum of the two directions'
    /// gradients, each divided by `meanOver`: what evaluating the rows and the transposed first
    /// n columns separately and adding the second gradient transposed gives, up to rounding
    /// (the column sums are added in another order).
    struct Symmetric<T: Scalar> {
        var gradient: Matrix<T>
        /// -log p(target) of each row over its c columns, and of each of the first n columns over its n rows.
        var rowLosses: [T]
        var columnLosses: [T]
        /// The rows' ranks and strongest rivals, as `evaluate(rankTargets: true)` gives them.
        var ranks: [Int]
        var strongestRivals: [Int?]
        /// Σ gradient ∘ z, when asked for (a trained scale's gradient).
        var gradientDotLogits: T
    }

    static func symmetric<T: Scalar>(logits: Matrix<T>, meanOver: Int, dotWithLogits: Bool = false) -> Symmetric<T> {
        let n = logits.rows, c = logits.cols
        precondition(c >= n, "a symmetric softmax needs at least as many columns as rows")
        let meanScale = 1 / T(meanOver)
        var columnTops = [T](repeating: -.infinity, count: n), columnFactors = [T](repeating: 0, count: n)
        var columnLosses = [T](repeating: 0, count: n), rowLosses = [T](repeating: 0, count: n)
        var ranks = [Int](repeating: 1, count: n), rivals = [Int](repeating: -1, count: n)
        var rowDots = [T](repeating: 0, count: dotWithLogits ? n : 0)
        let gradient = Matrix<T>(rows: n, cols: c) { g in
            logits.values.withUnsafeBufferPointer { zv in
                columnTops.withUnsafeMutableBufferPointer { topBuffer in
                    columnFactors.withUnsafeMutableBufferPointer { factorBuffer in
                        columnLosses.withUnsafeMutableBufferPointer { columnBuffer in
                            let z = SharedReadPointer(zv), tops = SharedPointer(topBuffer), factors = SharedPointer(factorBuffer)
                            let columns = SharedPointer(columnBuffer)
                            // The columns' maxima and sums of exponentials, a band of columns per
                            // task, every row streamed through it.
                            let band = 32, bands = (n + band - 1) / band
                            ParallelRows.run(rows: bands, elementsPerRow: band * n * 8) { range in
                                for index in range {
                                    let j0 = index * band, j1 = Swift.min(j0 + band, n)
                                    columnStatistics(z.base, rowCount: n, stride: c, columns: j0..<j1, tops: tops.base,
                                                     factors: factors.base)
                                    for j in j0..<j1 {
                                        // factors held the sums until here.
                                        let sum = factors[j]
                                        columns[j] = (T.log(sum) + tops[j]) - z[j * c + j]
                                        factors[j] = meanScale / sum
                                    }
                                }
                            }
                            rowLosses.withUnsafeMutableBufferPointer { lv in
                                ranks.withUnsafeMutableBufferPointer { rv in
                                    rivals.withUnsafeMutableBufferPointer { sv in
                                        rowDots.withUnsafeMutableBufferPointer { dv in
                                            let out = SharedPointer(g), losses = SharedPointer(lv), rankOut = SharedPointer(rv)
                                            let rivalOut = SharedPointer(sv), dots = SharedPointer(dv)
                                            let columnTops = SharedReadPointer(UnsafeBufferPointer(topBuffer))
                                            let columnFactors = SharedReadPointer(UnsafeBufferPointer(factorBuffer))
                                            ParallelRows.run(rows: n, elementsPerRow: c * 8) { rows in
                                                for i in rows {
                                                    let zr = z.base + i * c, gr = out.base + i * c
                                                    let row = softmaxRow(zr, gr, count: c, target: i, meanScale: meanScale)
                                                    losses[i] = row.loss
                                                    let ranking = rank(zr, count: c, target: i, top: row.top)
                                                    rankOut[i] = ranking.rank
                                                    rivalOut[i] = ranking.rival
                                                    addColumnSoftmax(zr, gr, count: n, row: i, tops: columnTops.base,
                                                                     factors: columnFactors.base, meanScale: meanScale)
                                                    if dotWithLogits { dots[i] = VectorKernels.dot(UnsafePointer(gr), zr, count: c) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Added in row order, so the thread split does not change it.
        var dot: T = 0
        for value in rowDots { dot += value }
        return Symmetric(gradient: gradient, rowLosses: rowLosses, columnLosses: columnLosses, ranks: ranks,
                         strongestRivals: rivals.map { $0 < 0 ? nil : $0 }, gradientDotLogits: dot)
    }

    /// For each column j in `columns`: tops[j] = the largest z[i, j] over the rows, factors[j] =
    /// Σ_i exp(z[i, j] - tops[j]). The band is transposed into a scratch tile and each column read as a row by `exponentials`, the rows' own code: the same sums, in the
    /// same order, as the rows of the transposed matrix give (so a symmetric matrix's two
    /// directions agree bit for bit, and two encoders fed the same sentences stay equal).
    @inline(__always)
    private static func columnStatistics<T: Scalar>(_ z: UnsafePointer<T>, rowCount n: Int, stride c: Int, columns: Range<Int>,
                                                    tops: UnsafeMutablePointer<T>, factors: UnsafeMutablePointer<T>) {
        // The tile's rows are n + 16 apart: n apart, a 4 KiB multiple at n = 1024, every store of
        // one source row would land in the same cache set.
        let width = columns.count, j0 = columns.lowerBound, ld = n + 16
        withUnsafeTemporaryAllocation(of: T.self, capacity: width * ld + n) { scratch in
            let tile = scratch.baseAddress!, exps = tile + width * ld
            for i in 0..<n {
                let zr = z + (i &* c &+ j0)
                var j = 0
                while j < width {
                    tile[j &* ld &+ i] = zr[j]
                    j &+= 1
                }
            }
            for j in 0..<width {
                let (top, sum) = exponentials(UnsafePointer(tile + j * ld), into: exps, count: n)
                tops[j0 + j] = top
                factors[j0 + j] = sum
            }
        }
    }

    /// Adds the column softmax's share to the gradient rows of `rows` (a mini-batch of query rows,
    /// the first `columns` columns of `logits` and `gradient`), with each column's final maximum
    /// and meanScale / sum of exponentials: what the fused symmetric pass adds to a whole batch.
    static func addColumnShares<T: Scalar>(logits: Matrix<T>, into gradient: inout Matrix<T>, rows: Range<Int>, columns: Int,
                                           tops: [T], factors: [T], meanScale: T) {
        let c = logits.cols
        precondition(logits.rows == rows.count && gradient.rows == rows.count && gradient.cols == c && columns <= c
                     && tops.count >= columns && factors.count >= columns, "column shares of a mini-batch need its logits and gradient")
        logits.values.withUnsafeBufferPointer { zv in
            gradient.values.withUnsafeMutableBufferPointer { gv in
                tops.withUnsafeBufferPointer { tv in
                    factors.withUnsafeBufferPointer { fv in
                        let z = SharedReadPointer(zv), g = SharedPointer(gv), t = SharedReadPointer(tv), f = SharedReadPointer(fv)
                        ParallelRows.run(rows: rows.count, elementsPerRow: columns * 8) { locals in
                            for local in locals {
                                addColumnSoftmax(z.base + local * c, g.base + local * c, count: columns, row: rows.lowerBound + local,
                                                 tops: t.base, factors: f.base, meanScale: meanScale)
                            }
                        }
                    }
                }
            }
        }
    }

    /// g[j] += (exp(z[j] - tops[j]) · factors[j]) for j < count, the column softmax's share of row
    /// `row`, minus meanScale at the row's own column (column `row`'s target).
    @inline(__always)
    static func addColumnSoftmax<T: Scalar>(_ z: UnsafePointer<T>, _ g: UnsafeMutablePointer<T>, count n: Int, row: Int,
                                                    tops: UnsafePointer<T>, factors: UnsafePointer<T>, meanScale: T) {
        // The own column's term is added as (p · factor - meanScale), as the separate gradient held it.
        let own = g[row]
        if T.self == Float.self {
            let zf = UnsafeRawPointer(z).assumingMemoryBound(to: Float.self)
            let gf = UnsafeMutableRawPointer(g).assumingMemoryBound(to: Float.self)
            let topsF = UnsafeRawPointer(tops).assumingMemoryBound(to: Float.self)
            let factorsF = UnsafeRawPointer(factors).assumingMemoryBound(to: Float.self)
            let cutoff = SIMD8<Float>(repeating: -60)
            var j = 0
            while j + 8 <= n {
                let x = UnsafeRawPointer(zf + j).loadUnaligned(as: SIMD8<Float>.self)
                    - UnsafeRawPointer(topsF + j).loadUnaligned(as: SIMD8<Float>.self)
                let e = FastExp.exp(x).replacing(with: 0, where: x .< cutoff)
                let f = UnsafeRawPointer(factorsF + j).loadUnaligned(as: SIMD8<Float>.self)
                let old = UnsafeRawPointer(gf + j).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(gf + j).storeBytes(of: old + e * f, as: SIMD8<Float>.self)
                j += 8
            }
            while j < n {
                let x = zf[j] - topsF[j]
                gf[j] += (x < -60 ? 0 : FastExp.exp(x)) * factorsF[j]
                j += 1
            }
            let x = zf[row] - topsF[row]
            gf[row] = Float(own) + ((x < -60 ? 0 : FastExp.exp(x)) * factorsF[row] - Float(meanScale))
        } else {
            for j in 0..<n { g[j] += T.exp(z[j] - tops[j]) * factors[j] }
            g[row] = own + (T.exp(z[row] - tops[row]) * factors[row] - meanScale)
        }
    }

    /// Writes (softmax(z) - onehot(target)) · meanScale into g; returns -log softmax(z)[target]
    /// and the row's largest logit.
    @inline(__always)
    private static func softmaxRow<T: Scalar>(_ z: UnsafePointer<T>, _ g: UnsafeMutablePointer<T>, count c: Int,
                                              target: Int, meanScale: T) -> (loss: T, top: T) {
        let (top, sum) = exponentials(z, into: g, count: c)
        let factor = meanScale / sum
        for j in 0..<c { g[j] *= factor }
        g[target] -= meanScale
        return ((T.log(sum) + top) - z[target], top)
    }

    /// Writes exp(z[j] - max z) into e; returns the maximum and the exponentials' sum. One
    /// function for rows and (transposed) columns, so that a symmetric matrix's row and column
    /// statistics are the same numbers bit for bit.
    @inline(__always)
    private static func exponentials<T: Scalar>(_ z: UnsafePointer<T>, into g: UnsafeMutablePointer<T>, count c: Int) -> (top: T, sum: T) {
        let top = VectorKernels.maximum(z, count: c)
        if T.self == Float.self {
            // Float training: a vectorisable exp (within 2 ulp); Double keeps libm for the golden checks.
            let zf = UnsafeRawPointer(z).assumingMemoryBound(to: Float.self)
            let gf = UnsafeMutableRawPointer(g).assumingMemoryBound(to: Float.self)
            let shift = Float(top)
            // Terms below e^-60 of the row's largest are 0: scaled by 1/N they would become
            // subnormal, and a GEMM over subnormal gradients runs many times slower (GIST's
            // masked candidates, a small temperature). What is dropped is far below Float's precision.
            // The exponentials are summed as they are written, eight lanes at a time.
            var partial = SIMD8<Float>()
            let shifts = SIMD8<Float>(repeating: shift), cutoff = SIMD8<Float>(repeating: -60)
            var j = 0
            while j + 8 <= c {
                let x = UnsafeRawPointer(zf + j).loadUnaligned(as: SIMD8<Float>.self) - shifts
                let e = FastExp.exp(x).replacing(with: 0, where: x .< cutoff)
                UnsafeMutableRawPointer(gf + j).storeBytes(of: e, as: SIMD8<Float>.self)
                partial += e
                j += 8
            }
            var total = partial.sum()
            while j < c {
                let x = zf[j] - shift
                gf[j] = x < -60 ? 0 : FastExp.exp(x)
                total += gf[j]
                j += 1
            }
            return (top, T(Double(total)))
        } else {
            for j in 0..<c { g[j] = T.exp(z[j] - top) }
            return (top, VectorKernels.sum(UnsafePointer(g), count: c))
        }
    }

    @inline(__always)
    private static func rank<T: Scalar>(_ z: UnsafePointer<T>, count c: Int, target: Int, top: T) -> (rank: Int, rival: Int) {
        guard c > 1 else { return (1, -1) }
        let score = z[target]
        let rank = 1 + VectorKernels.count(z, count: c) { $0 > score }
        // The strongest rival is the row maximum unless the target holds it; then the largest of the rest.
        var best = top
        if !(score < best) {
            let before = target > 0 ? VectorKernels.maximum(z, count: target) : -T.infinity
            let after = target + 1 < c ? VectorKernels.maximum(z + target + 1, count: c - target - 1) : -T.infinity
            best = Swift.max(before, after)
        }
        for j in 0..<c where j != target && z[j] == best { return (rank, j) }
        // NaN or -infinity everywhere else: the first other column, as a plain scan would keep it.
        return (rank, target == 0 ? 1 : 0)
    }
}

/// exp for Float without a libm call per element, so loops over it vectorise: 2^n · p(r) with
/// x = n·ln 2 + r, |r| ≤ ln 2 / 2, and a degree-6 Taylor polynomial (relative error ≤ 2e-7).
/// Arguments below -87.3 (results under 1.2e-38) are clamped there; NaN stays NaN.
enum FastExp {
    /// 1.5 · 2^23: adding it rounds to an integer held in the low mantissa bits.
    private static let roundingMagic: Float = 12_582_912

    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.3), 88.7)
        let shifted = clamped * 1.442695041 + roundingMagic
        let n = shifted - roundingMagic
        let r = (clamped - n * 0.693145752) - n * 1.428606765e-6
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // The integer n sits in shifted's mantissa (offset by 2^22): move it, biased, into an exponent.
        let exponent = (shifted.bitPattern &- roundingMagic.bitPattern &+ 127) << 23
        return p * Float(bitPattern: exponent)
    }

    /// The same, eight lanes at once (the same operations, so the same results lane by lane).
    /// Transparent: with `@inline(__always)` the optimiser still left it out of line in the
    /// softmax loops, a call per eight exponentials.
    @_transparent
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Two compare-and-selects rather than `clamped(lowerBound:upperBound:)`, which the
        // compiler leaves as calls to the generic pointwiseMax and pointwiseMin (a profile of
        // the ranking losses found them outside the inlined loop); the same values for every
        // non-NaN lane.
        let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88.7)
        let raised = x.replacing(with: low, where: x .< low)
        let clamped = raised.replacing(with: high, where: raised .> high)
        let magic = SIMD8<Float>(repeating: roundingMagic)
        let shifted = clamped * 1.442695041 + magic
        let n = shifted - magic
        let r = (clamped - n * 0.693145752) - n * 1.428606765e-6
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- roundingMagic.bitPattern &+ 127
        // The vector clamp would turn NaN into a bound; NaN stays NaN, as in the scalar exp.
        return (p * unsafeBitCast(bits &<< 23, to: SIMD8<Float>.self)).replacing(with: x, where: x .!= x)
    }
}
