/// The guided in-batch-negatives softmax of sentence-transformers 6.2's `GISTEmbedLoss`, shared
/// with `CachedGISTEmbedLoss` (which runs it over chunks of anchor rows).
///
/// Columns: anchors a, positives p, negatives n¹, n², ...; a guide model's embeddings of the
/// same texts ride in `LossBatch.guides`. Row i's candidates are the blocks AP (a_i against
/// every p_j), AA (a_j, with contrast_anchors), PP (p_i against p_j, with contrast_positives)
/// and one AN block per negative column, all scored by the model's cosine. A candidate whose
/// guide cosine is strictly above the row's threshold (the guide's own anchor–positive cosine,
/// less the margin) is a probable false negative and leaves the softmax; the true positive
/// AP_ii never does. Loss: mean over rows of cross-entropy over the remaining candidates /
/// temperature, target AP_ii.
public struct GuidedInBatchNegatives: Sendable, Equatable {
    public enum MarginStrategy: String, Sendable, CaseIterable {
        case absolute, relative
    }

    public var temperature: Double
    public var marginStrategy: MarginStrategy
    public var margin: Double
    public var contrastAnchors: Bool
    public var contrastPositives: Bool
    public var gatherAcrossDevices: Bool

    static let parameterTable: [LossParameter] = [
        LossParameter("temperature", .number, default: "0.01", "divides the cosines before the softmax"),
        LossParameter("margin_strategy", .choice(MarginStrategy.allCases.map(\.rawValue)), default: "absolute",
                      "threshold = guide cos(anchor, positive) − margin, or − |that| · margin (relative)"),
        LossParameter("margin", .number, default: "0", role: .margin, "how far below the guide's positive score a candidate is still kept"),
        LossParameter("contrast_anchors", .flag, default: "true", "anchors are candidates too (AA block)"),
        LossParameter("contrast_positives", .flag, default: "true", "positives against positives (PP block)"),
        LossParameter("gather_across_devices", .flag, default: "false", "gather other devices' candidates (one process here: no effect)"),
    ]

    static func read(_ settings: inout LossSettings) throws -> GuidedInBatchNegatives {
        GuidedInBatchNegatives(
            temperature: try settings.double("temperature"),
            marginStrategy: try settings.choice("margin_strategy", parse: { MarginStrategy(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }),
            margin: try settings.double("margin"),
            contrastAnchors: try settings.bool("contrast_anchors"),
            contrastPositives: try settings.bool("contrast_positives"),
            gatherAcrossDevices: try settings.bool("gather_across_devices"))
    }

    var settings: [(name: String, value: String)] {
        [("temperature", "\(temperature)"), ("margin_strategy", marginStrategy.rawValue), ("margin", "\(margin)"),
         ("contrast_anchors", "\(contrastAnchors)"), ("contrast_positives", "\(contrastPositives)"),
         ("gather_across_devices", "\(gatherAcrossDevices)")]
    }

    /// Blocks per row: AP, [AA], [PP], one AN per negative column; B wide each.
    func blockCount(columns: Int) -> Int { 1 + (contrastAnchors ? 1 : 0) + (contrastPositives ? 1 : 0) + max(columns - 2, 0) }

    /// The logits, their gradient and a copy for `chunk` rows, plus the guide's scores.
    func scratchBytes(rows: Int, chunk: Int, columns: Int, scalarBytes: Int) -> Double {
        4 * Double(min(chunk, rows)) * Double(rows * blockCount(columns: columns)) * Double(scalarBytes)
    }

    /// Checks the guide columns against the batch's.
    func validateGuides<T: Scalar>(_ batch: LossBatch<T>, owner: String) throws {
        guard batch.guides.count == batch.columns.count else {
            throw LossError("\(owner) needs a guide model's embeddings of every column (\(batch.columns.count)), got \(batch.guides.count)")
        }
        for (index, (guide, column)) in zip(batch.guides, batch.columns).enumerated() {
            if guide.rows != column.rows {
                throw LossError("\(owner): guide \(index) has \(guide.rows) rows but column \(index) has \(column.rows)")
            }
            if guide.cols != batch.guides[0].cols {
                throw LossError("\(owner): guide \(index) has dimension \(guide.cols) but guide 0 has \(batch.guides[0].cols)")
            }
        }
    }

    /// `meter` counts what the computation holds at its fullest points.
    func compute<T: Scalar>(_ batch: LossBatch<T>, chunk: Int, meter: ScratchMeter = ScratchMeter()) -> LossResult<T> {
        meter.exclude(batch.columns)
        meter.exclude(batch.guides)
        var miniBatches = 0
        let columns = batch.columns.count
        let b = batch.columns[0].rows
        let model = batch.columns.map { CosineRows.forward($0) }
        let guide = batch.guides.map { CosineRows.forward($0).rows }
        // Which model rows and guide rows each block compares row i with.
        var blocks: [(left: Int, right: Int)] = [(0, 1)]
        if contrastAnchors { blocks.append((0, 0)) }
        if contrastPositives { blocks.append((1, 1)) }
        for negative in 2..<max(columns, 2) { blocks.append((0, negative)) }
        let width = b * blocks.count
        let inverseTemperature = T(1 / temperature)
        var gradients = model.map { Matrix<T>(zeros: $0.rows.rows, $0.rows.cols) }
        var value: T = 0
        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: 0, used: b)
        // For the views (`batch.explain`): the masked candidates and the anchors left with none.
        var maskedCount = 0
        var masked: [MaskedCandidate] = []
        var unopposed: [Int] = []
        tuples.reserveCapacity(b)
        let reportBytes = ScratchMeter.bytes(MinedTuple.self, b)

        for start in stride(from: 0, to: b, by: max(chunk, 1)) {
            let range = start..<min(start + max(chunk, 1), b)
            let n = range.count
            miniBatches += 1
            let leftRows = [0, 1].map { model[$0].rows.rows(range) }
            let positiveGuides = range.map { CosineRows.dot(guide[0], $0, guide[1], $0) }
            let thresholds = positiveGuides.map { g -> T in
                marginStrategy == .absolute ? g - T(margin) : g - g.magnitude * T(margin)
            }
            var logits = Matrix<T>(zeros: n, width)
            let guideLeft = [0, 1].map { guide[$0].rows(range) }
            // The guide's scores through a product; those within rounding of the threshold are
            // recomputed pair by pair, so that equal rows tie exactly as the rule needs.
            let band = T(T.self == Float.self ? 1e-4 : 1e-10)
            for (k, block) in blocks.enumerated() {
                let scores = Matrix.product(leftRows[block.left], model[block.right].rows, transposeB: true, alpha: inverseTemperature)
                let guideScores = Matrix.product(guideLeft[block.left], guide[block.right], transposeB: true)
                meter.sample(model.map(\.rows) + guide + gradients + leftRows + guideLeft + [logits, scores, guideScores],
                             otherBytes: reportBytes)
                for local in 0..<n {
                    let i = range.lowerBound + local, threshold = thresholds[local]
                    for j in 0..<b {
                        var score = guideScores[local, j]
                        if (score - threshold).magnitude <= band { score = CosineRows.dot(guide[block.left], i, guide[block.right], j) }
                        let isMasked = !(k == 0 && j == i) && score > threshold
                        logits[local, k * b + j] = isMasked ? -.infinity : scores[local, j]
                        // An anchor against itself (AA_ii, PP_ii) is no false negative: left out.
                        if isMasked && batch.explain && !(block.left == block.right && j == i) {
                            maskedCount += 1
                            if masked.count < MiningReport.scoreLimit {
                                masked.append(MaskedCandidate(anchor: i, from: block.left, column: block.right, row: j, score: Double(scores[local, j] / inverseTemperature),
                                                              guideScore: Double(score), positiveGuideScore: Double(positiveGuides[local]),
                                                              threshold: Double(threshold)))
                            }
                        }
                    }
                }
            }
            let ce = CrossEntropy.evaluate(logits: logits, targets: Array(range), meanOver: b)
            meter.sample(model.map(\.rows) + guide + gradients + leftRows + guideLeft + [logits, ce.gradient], otherBytes: reportBytes)
            value += ce.rowLosses.reduce(0, +) / T(b)
            for local in 0..<n {
                let i = range.lowerBound + local
                var kept = 0, above = 0, rival: Int? = nil
                for k in blocks.indices {
                    for j in 0..<b where !(k == 0 && j == i) && logits[local, k * b + j] > -.infinity {
                        kept += 1
                        if logits[local, k * b + j] > logits[local, i] { above += 1 }
                        // The strongest kept candidate among the documents (AP and AN blocks).
                        let isDocument = blocks[k].left == 0 && blocks[k].right >= 1
                        let document = isDocument ? Optional(documentIndex(block: blocks[k], j, b: b)) : nil
                        if let document, rival.map({ logits[local, k * b + j] > logits[local, blockColumn(of: $0, blocks: blocks, b: b)] }) ?? true {
                            rival = document
                        }
                    }
                }
                counts.valid += kept
                if kept == 0 && batch.explain { unopposed.append(i) }
                if above > 0 { counts.hard += 1; counts.active += 1 } else { counts.easy += 1 }
                tuples.append(MinedTuple(anchor: i, positive: i, negative: rival, positiveScore: Double(logits[local, i] / inverseTemperature),
                                         negativeScore: rival.map { Double(logits[local, blockColumn(of: $0, blocks: blocks, b: b)] / inverseTemperature) },
                                         loss: Double(ce.rowLosses[local]), label: Double(above + 1)))
            }
            // Back through each block's product: d(scores) = gradient · (1/temperature).
            for (k, block) in blocks.enumerated() {
                var g = Matrix<T>(zeros: n, b)
                for local in 0..<n {
                    for j in 0..<b { g[local, j] = ce.gradient[local, k * b + j] }
                }
                let dLeft = Matrix.product(g, model[block.right].rows, alpha: inverseTemperature)
                let dRight = Matrix.product(g, transposeA: true, leftRows[block.left], alpha: inverseTemperature)
                meter.sample(model.map(\.rows) + guide + gradients + leftRows + guideLeft + [logits, ce.gradient, g, dLeft, dRight],
                             otherBytes: reportBytes)
                let d = gradients[block.left].cols
                for local in 0..<n {
                    for c in 0..<d { gradients[block.left][range.lowerBound + local, c] += dLeft[local, c] }
                }
                for k2 in gradients[block.right].values.indices { gradients[block.right].values[k2] += dRight.values[k2] }
            }
        }
        let columnGradients = zip(gradients, model).map { CosineRows.backward($0, $1) }
        meter.sample(model.map(\.rows) + guide + gradients + columnGradients, otherBytes: reportBytes)
        var report = MiningReport(kind: .ranking, tuples: tuples, counts: counts)
        if batch.explain {
            report.namedCounts = [NamedCount("masked", Double(maskedCount))]
            // Anchor by anchor, whatever the chunks (the sort is stable: blocks stay in order).
            report.masked = masked.sorted { $0.anchor < $1.anchor }
            report.unopposed = unopposed
        }
        var result = LossResult(value: value, columnGradients: columnGradients, mining: report)
        result.scratch = ScratchUse(peakBytes: meter.peakBytes, miniBatches: miniBatches)
        return result
    }

    /// A document candidate's index in MultipleNegativesRankingLoss's numbering (positives,
    /// then each negative column), so the views name the same rows.
    private func documentIndex(block: (left: Int, right: Int), _ j: Int, b: Int) -> Int { (block.right - 1) * b + j }

    private func blockColumn(of document: Int, blocks: [(left: Int, right: Int)], b: Int) -> Int {
        let column = document / b + 1, j = document % b
        let k = column == 1 ? 0 : blocks.firstIndex { $0.left == 0 && $0.right == column }!
        return k * b + j
    }
}

/// `torch.nn.CosineSimilarity`'s row normalisation (eps 1e-8): the value divides by
/// max(‖x‖, 1e-8), the gradient runs through the true norm as if it were the clamped one
/// (the reference clamps in place without recording it).
enum CosineRows {
    static let eps = 1e-8

    struct Normalized<T: Scalar>: Sendable {
        let input: Matrix<T>
        let rows: Matrix<T>
        let norms: [T]
    }

    static func forward<T: Scalar>(_ x: Matrix<T>) -> Normalized<T> {
        var rows = x
        var norms = [T](repeating: 0, count: x.rows)
        let d = x.cols
        x.values.withUnsafeBufferPointer { input in
            for i in 0..<x.rows {
                let norm = VectorKernels.sumOfSquares(input.baseAddress! + i * d, count: d).squareRoot()
                norms[i] = norm
                let clamped = max(norm, T(eps))
                for k in 0..<d { rows.values[i * d + k] = input[i * d + k] / clamped }
            }
        }
        return Normalized(input: x, rows: rows, norms: norms)
    }

    /// dL/dx = g / n_c − x (x·g) / (‖x‖ n_c²), n_c = max(‖x‖, eps); a zero row: g / eps.
    static func backward<T: Scalar>(_ g: Matrix<T>, _ normalized: Normalized<T>) -> Matrix<T> {
        var out = g
        let d = g.cols, x = normalized.input
        for i in 0..<g.rows {
            let norm = normalized.norms[i], clamped = max(norm, T(eps))
            var dot: T = 0
            for k in 0..<d { dot += x.values[i * d + k] * g.values[i * d + k] }
            let radial = norm > 0 ? dot / (norm * clamped * clamped) : 0
            for k in 0..<d { out.values[i * d + k] = g.values[i * d + k] / clamped - x.values[i * d + k] * radial }
        }
        return out
    }

    /// The cosine of row i of a and row j of b (normalised rows), the same arithmetic for every
    /// pair, so identical rows tie exactly.
    @inline(__always)
    static func dot<T: Scalar>(_ a: Matrix<T>, _ i: Int, _ b: Matrix<T>, _ j: Int) -> T {
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                VectorKernels.dot(pa.baseAddress! + i * a.cols, pb.baseAddress! + j * b.cols, count: a.cols)
            }
        }
    }
}
