import Foundation

/// The softmax over in-batch candidates of sentence-transformers 6.2's
/// `MultipleNegativesRankingLoss`, shared by it, `MultipleNegativesSymmetricRankingLoss` and
/// their cached forms (which run it over chunks of query rows).
///
/// Columns: queries q (column 0), then documents D = [positives p; hard negatives...]; D_j
/// belongs to row j mod B. Per query row i, with S the similarity and s = scale:
/// - query_to_doc  s·S(q_i, D_j) (+ the detached hardness penalty α·S on the entries its mode picks);
/// - query_to_query s·S(q_i, q_j), j ≠ i;
/// - doc_to_query  s·S(q_j, p_i);
/// - doc_to_doc    s·S(D_j, p_i), j mod B ≠ i.
/// `joint`: one log-sum-exp over every enabled block, minus the positive s·S(q_i, p_i);
/// `per_direction`: the mean of each block's log-sum-exp, minus the positive. The loss is the
/// mean over the rows.
/// A loss that, with some settings, sees its batch only through the cosine similarities of
/// column 0's rows against the other columns' rows stacked: a wrapper that can compute that matrix
/// more cheaply than the loss would (MatryoshkaLoss, from products its prefixes share) hands the
/// loss the matrix instead of the embeddings.
protocol CosineMatrixLoss {
    /// The ranking to call `cosineLoss` on; nil when the settings make the loss read more.
    var cosineRanking: InBatchRanking? { get }
}

public struct InBatchRanking: Sendable, Equatable {
    public enum Direction: String, Sendable, CaseIterable {
        case queryToDoc = "query_to_doc", queryToQuery = "query_to_query", docToQuery = "doc_to_query", docToDoc = "doc_to_doc"
    }

    public enum Partition: String, Sendable, CaseIterable {
        case joint, perDirection = "per_direction"
    }

    public enum Hardness: String, Sendable, CaseIterable {
        case inBatchNegatives = "in_batch_negatives", hardNegatives = "hard_negatives", allNegatives = "all_negatives"
    }

    public var scale: Double
    public var similarity: MatrixSimilarity
    public var directions: Set<Direction>
    public var partition: Partition
    public var hardness: Hardness?
    public var hardnessStrength: Double
    /// Accepted for the reference's signature: in one process the gather returns its input.
    public var gatherAcrossDevices: Bool

    public init(scale: Double = 20, similarity: MatrixSimilarity = .cosSim, directions: Set<Direction> = [.queryToDoc],
                partition: Partition = .joint, hardness: Hardness? = nil, hardnessStrength: Double = 0,
                gatherAcrossDevices: Bool = false) {
        self.scale = scale
        self.similarity = similarity
        self.directions = directions
        self.partition = partition
        self.hardness = hardness
        self.hardnessStrength = hardnessStrength
        self.gatherAcrossDevices = gatherAcrossDevices
    }

    // MARK: - Parameters

    static let scaleParameter = LossParameter("scale", .number, default: "20", role: .scale,
                                              "multiplies the similarities before the softmax (1 / temperature); must be > 0")
    static let similarityParameter = LossParameter("similarity_fct", .choice(MatrixSimilarity.allCases.map(\.rawValue)), default: "cos_sim",
                                                   role: .metric, "util similarity of queries and documents")
        .script(.expressions(Dictionary(uniqueKeysWithValues: MatrixSimilarity.allCases.map { ($0.rawValue, "util." + $0.rawValue) })))
    static let gatherParameter = LossParameter("gather_across_devices", .flag, default: "false",
                                               "gather other devices' candidates (one process here: no effect)").added(in: .v6_2_0)
    static let directionsParameter = LossParameter("directions", .set(members: Direction.allCases.map(\.rawValue), required: "query_to_doc"),
                                                   default: "query_to_doc",
                                                   "which similarity blocks enter the softmax, comma-joined in any order (query_to_doc,doc_to_query)")
        .added(in: .v6_2_0)
    static let partitionParameter = LossParameter("partition_mode", .choice(Partition.allCases.map(\.rawValue)), default: "joint",
                                                  "one softmax over all directions, or one per direction averaged (query_to_doc, doc_to_query only)")
        .added(in: .v6_2_0)
    static let hardnessParameter = LossParameter("hardness_mode", .choice(["none"] + Hardness.allCases.map(\.rawValue)), default: "none", role: .hardness,
                                                 "which query_to_doc negatives get the penalty hardness_strength · similarity (detached)")
        .added(in: .v6_2_0)
    static let strengthParameter = LossParameter("hardness_strength", .number, default: "0", role: .hardnessStrength,
                                                 "the penalty's weight, ≥ 0 (0: no penalty)").added(in: .v6_2_0)

    /// MultipleNegativesRankingLoss's own table, in the reference's order.
    static let rankingParameters = [scaleParameter, similarityParameter, gatherParameter, directionsParameter,
                                    partitionParameter, hardnessParameter, strengthParameter]
    /// The symmetric losses fix directions and partition_mode.
    static let symmetricParameters = [scaleParameter, similarityParameter, gatherParameter]

    /// The cached losses' own parameters.
    static let cachedParameters = [
        LossParameter("mini_batch_size", .wholeNumber(minimum: 1), default: "32", "query rows whose logits are held at once"),
        LossParameter("mini_batch_num_tokens", .fixed, default: "none", "mini-batches by token count (LossLab has no tokens: none only)"),
    ]

    static func readCached(_ settings: inout LossSettings) throws -> Int {
        try settings.fixed("mini_batch_num_tokens") { ["none", "null"].contains($0.trimmingCharacters(in: .whitespaces).lowercased()) }
        return try settings.int("mini_batch_size")
    }

    /// Reads the table's parameters the loss has (the symmetric ones fix the rest) and checks them as the reference does.
    static func read(_ settings: inout LossSettings, owner: String, symmetric: Bool) throws -> InBatchRanking {
        var ranking = InBatchRanking()
        ranking.scale = try settings.double("scale")
        // 1.2.0 took any scale; 6.2.0 refuses a scale that is not positive.
        if settings.reference >= .v6_2_0 && !(ranking.scale > 0) {
            throw LossError("\(owner): scale must be greater than 0, got \(ranking.scale)")
        }
        ranking.similarity = try settings.choice("similarity_fct", parse: MatrixSimilarity.parse)
        ranking.gatherAcrossDevices = try settings.bool("gather_across_devices")
        if symmetric {
            ranking.directions = [.queryToDoc, .docToQuery]
            ranking.partition = .perDirection
            return ranking
        }
        ranking.directions = try settings.choice("directions", accepted: "a comma-joined set of "
            + Direction.allCases.map(\.rawValue).joined(separator: ", "), parse: parseDirections(owner))
        if !ranking.directions.contains(.queryToDoc) {
            throw LossError("\(owner): directions must include query_to_doc, got \(describe(ranking.directions))")
        }
        ranking.partition = try settings.choice("partition_mode", parse: { Partition(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) })
        if ranking.partition == .perDirection, !ranking.directions.isSubset(of: [.queryToDoc, .docToQuery]) {
            throw LossError("\(owner): partition_mode=per_direction takes only query_to_doc and doc_to_query, got \(describe(ranking.directions))")
        }
        ranking.hardness = try settings.choice("hardness_mode", parse: { text -> Hardness?? in
            let word = text.trimmingCharacters(in: .whitespaces).lowercased()
            return word == "none" ? .some(nil) : Hardness(rawValue: word).map { .some($0) }
        })
        ranking.hardnessStrength = try settings.double("hardness_strength")
        if ranking.hardnessStrength < 0 {
            throw LossError("\(owner): hardness_strength must be at least 0, got \(ranking.hardnessStrength)")
        }
        return ranking
    }

    /// A comma-joined set; unknown or empty members make it unreadable (nil).
    static func parseDirections(_ owner: String) -> (String) -> Set<Direction>? {
        { text in
            let words = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let parsed = words.map { Direction(rawValue: $0) }
            guard !words.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
            return Set(parsed.compactMap { $0 })
        }
    }

    static func describe(_ directions: Set<Direction>) -> String {
        Direction.allCases.filter(directions.contains).map(\.rawValue).joined(separator: ",")
    }

    var rankingSettings: [(name: String, value: String)] {
        [("scale", "\(scale)"), ("similarity_fct", similarity.rawValue), ("gather_across_devices", "\(gatherAcrossDevices)"),
         ("directions", Self.describe(directions)), ("partition_mode", partition.rawValue),
         ("hardness_mode", hardness?.rawValue ?? "none"), ("hardness_strength", "\(hardnessStrength)")]
    }

    var symmetricSettings: [(name: String, value: String)] { Array(rankingSettings.prefix(3)) }

    // MARK: - Memory

    /// Logits of every block, their softmax gradient and one copy while they are split or
    /// joined, for `chunk` query rows at a time; and the report: a tuple per row, and the
    /// query-document scores of a small batch computed whole (in Double, at most
    /// `MiningReport.scoreLimit`).
    /// The copies of the rows (prepared, accumulated and final gradients) are the
    /// `LossMemory.rowCopies` the session adds.
    func scratchBytes(rows: Int, chunk: Int, columns: Int, scalarBytes: Int) -> Double {
        let b = Double(rows), documents = b * Double(max(columns - 1, 1))
        var width = documents
        if directions.contains(.queryToQuery) { width += b }
        if directions.contains(.docToQuery) { width += b }
        if directions.contains(.docToDoc) { width += documents }
        let report = (chunk >= rows && b * documents <= Double(MiningReport.scoreLimit) ? b * documents * 8 : 0)
            + 2 * b * Double(MemoryLayout<MinedTuple>.stride)
        return 3 * Double(min(chunk, rows)) * width * Double(scalarBytes) + report
    }

    // MARK: - Forward and backward

    /// Value, gradients and the ranking report, computed over `chunk` query rows at a time
    /// (the whole batch when `chunk` ≥ its rows); the result does not depend on `chunk` beyond
    /// rounding. `meter` counts what the computation holds at its fullest points.
    func compute<T: Scalar>(_ batch: LossBatch<T>, chunk: Int, meter: ScratchMeter = ScratchMeter()) -> LossResult<T> {
        if usesTwoPassSymmetric(rows: batch.columns[0].rows, chunk: chunk) {
            return computeTwoPassSymmetric(batch, chunk: chunk, meter: meter)
        }
        meter.exclude(batch.columns)
        var miniBatches = 0
        let documentColumns = Array(batch.columns.dropFirst())
        let q = similarity.prepare(batch.columns[0])
        let docs = similarity.prepare(documentColumns.count == 1 ? documentColumns[0] : Matrix.vstack(documentColumns))
        let b = q.rows.rows, width = docs.rows.rows, dim = q.rows.cols
        let alpha = T(scale)
        let whole = chunk >= b
        let needsPositives = directions.contains(.docToDoc) || (!whole && directions.contains(.docToQuery))
        var dQ: Matrix<T>? = nil, dD: Matrix<T>? = nil
        var value: T = 0
        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: b * max(width - 1, 0), used: b)
        var reportScores: [Double] = []
        // A cached loss exists not to hold the batch's scores at once; the report would. Only
        // the views read them (the softmax inspector), so a batch no view shows goes without:
        // at 256 rows the Double copy was ~3% of the loss's CPU time.
        let keepScores = batch.explain && whole && b * width <= MiningReport.scoreLimit
        let penaltyScale = T(hardness != nil ? hardnessStrength : 0)
        // For the views: each direction's part of the value, and the hardness weights.
        let explainParts = batch.explain && directions.count > 1
        var partValues = [Direction: Double]()
        var weights = batch.explain && keepScores && penaltyScale > 0 ? CandidateWeights() : nil
        // Reserved at once, so the report's arrays are allocated once, at a known size.
        tuples.reserveCapacity(b)
        if keepScores { reportScores.reserveCapacity(b * width) }
        let reportBytes = ScratchMeter.bytes(MinedTuple.self, b) + ScratchMeter.bytes(Double.self, keepScores ? b * width : 0)

        for start in stride(from: 0, to: b, by: max(chunk, 1)) {
            let range = start..<min(start + max(chunk, 1), b)
            let n = range.count
            miniBatches += 1
            let queries = whole ? q.rows : q.rows.rows(range)
            let ownPositives = needsPositives ? docs.rows.rows(range) : docs.rows

            // Blocks, each (n, its width).
            var qd = similarity.scores(queries, docs.rows, alpha: alpha)
            var dq: Matrix<T>? = nil
            // A whole batch's doc_to_query block is the first b columns of query_to_doc, read
            // down the columns; per direction, without a penalty (which changes query_to_doc
            // after the block is taken), both softmaxes run in one pass over qd instead.
            let fusedSymmetric = whole && partition == .perDirection && directions.contains(.docToQuery) && penaltyScale == 0
            if directions.contains(.docToQuery) && !fusedSymmetric {
                dq = whole ? qd.transposed(firstColumns: b) : similarity.scores(ownPositives, q.rows, alpha: alpha)
            }
            if keepScores { reportScores += qd.values.map { Double($0 / alpha) } }
            if penaltyScale > 0 { addPenalty(&qd, rows: range, b: b, strength: penaltyScale / alpha) }
            var qq: Matrix<T>? = nil
            if directions.contains(.queryToQuery) {
                var block = similarity.scores(queries, q.rows, alpha: alpha)
                for i in 0..<n { block[i, range.lowerBound + i] = -.infinity }
                qq = block
            }
            var dd: Matrix<T>? = nil
            if directions.contains(.docToDoc) {
                var block = similarity.scores(ownPositives, docs.rows, alpha: alpha)
                for i in 0..<n {
                    for j in stride(from: range.lowerBound + i, to: width, by: b) { block[i, j] = -.infinity }
                }
                dd = block
            }

            // Softmax gradients of each block.
            let targets = Array(range)
            var gQD: Matrix<T>, gQQ: Matrix<T>? = nil, gDQ: Matrix<T>? = nil, gDD: Matrix<T>? = nil
            var ranked: CrossEntropy.Output<T>
            var rowLosses: [T]
            switch partition {
            case .joint:
                let blocks = [qd] + [qq, dq, dd].compactMap { $0 }
                let logits = blocks.count == 1 ? qd : Self.joined(blocks)
                ranked = CrossEntropy.evaluate(logits: logits, targets: targets, rankTargets: blocks.count == 1, meanOver: b)
                meter.sample([q.input, q.rows, docs.input, docs.rows, queries, ownPositives, qd, qq, dq, dd, logits, ranked.gradient, dQ, dD],
                             otherBytes: reportBytes)
                rowLosses = ranked.rowLosses
                value += ranked.rowLosses.reduce(0, +) / T(b)
                var parts = blocks.count == 1 ? [ranked.gradient] : Self.split(ranked.gradient, widths: blocks.map(\.cols))
                gQD = parts.removeFirst()
                if qq != nil { gQQ = parts.removeFirst() }
                if dq != nil { gDQ = parts.removeFirst() }
                if dd != nil { gDD = parts.removeFirst() }
            case .perDirection where fusedSymmetric:
                let both = CrossEntropy.symmetric(logits: qd, meanOver: b * 2)
                let forwardSum = both.rowLosses.reduce(0, +), reverseSum = both.columnLosses.reduce(0, +)
                let forward = forwardSum / T(b * 2)
                value += forward
                value += reverseSum / T(b * 2)
                if explainParts {
                    partValues[.queryToDoc, default: 0] += Double(forwardSum) / Double(b * 2)
                    partValues[.docToQuery, default: 0] += Double(reverseSum) / Double(b * 2)
                }
                rowLosses = zip(both.rowLosses, both.columnLosses).map { ($0 + $1) / 2 }
                ranked = CrossEntropy.Output(value: forward, gradient: both.gradient, rowLosses: both.rowLosses, probabilities: nil,
                                             ranks: both.ranks, strongestRivals: both.strongestRivals)
                gQD = both.gradient
            case .perDirection:
                let k = dq == nil ? 1 : 2
                ranked = CrossEntropy.evaluate(logits: qd, targets: targets, rankTargets: true, meanOver: b * k)
                value += ranked.rowLosses.reduce(0, +) / T(b * k)
                if explainParts { partValues[.queryToDoc, default: 0] += Double(ranked.rowLosses.reduce(0, +)) / Double(b * k) }
                rowLosses = ranked.rowLosses
                gQD = ranked.gradient
                if let dq {
                    let reverse = CrossEntropy.evaluate(logits: dq, targets: targets, meanOver: b * k)
                    value += reverse.rowLosses.reduce(0, +) / T(b * k)
                    if explainParts { partValues[.docToQuery, default: 0] += Double(reverse.rowLosses.reduce(0, +)) / Double(b * k) }
                    rowLosses = zip(rowLosses, reverse.rowLosses).map { ($0 + $1) / 2 }
                    gDQ = reverse.gradient
                }
            }
            // The fullest point of a mini-batch: its blocks, their softmax gradient and its parts.
            meter.sample([q.input, q.rows, docs.input, docs.rows, queries, ownPositives, qd, qq, dq, dd, ranked.gradient, gQD, gQQ, gDQ, gDD, dQ, dD],
                         otherBytes: reportBytes)
            appendTuples(&tuples, &counts, qd: qd, ranked: ranked, rowLosses: rowLosses, rows: range, b: b, alpha: alpha,
                         strength: penaltyScale)
            if explainParts && partition == .joint {
                let blocks: [(Direction, Matrix<T>?)] = [(.queryToDoc, gQD), (.queryToQuery, gQQ), (.docToQuery, gDQ), (.docToDoc, gDD)]
                Self.shareJointLoss(rowLosses, blocks: blocks.compactMap { d, g in g.map { (d, $0) } }, rows: range, b: b, into: &partValues)
            }
            if weights != nil {
                let meanOver = Double(partition == .joint ? b : b * (dq == nil ? 1 : 2))
                for (local, i) in range.enumerated() {
                    for j in 0..<width {
                        let penalised = penalized(i, j, b: b)
                        let similarity = Double(qd[local, j]) / (penalised ? Double(alpha + penaltyScale) : Double(alpha))
                        weights!.factors.append(penalised ? Foundation.exp(Double(penaltyScale) * similarity) : 1)
                        weights!.probabilities.append(Double(gQD[local, j]) * meanOver + (j == i ? 1 : 0))
                    }
                }
            }

            // Back to the prepared rows.
            if whole, let g = gDQ {
                gQD.addTransposed(g)
                gDQ = nil
            }
            if !whole && similarity.isBilinear {
                // A mini-batch's products go straight into the accumulated gradients (GEMM with
                // beta 1): no product matrix per block, no separate pass adding it.
                let (x, y) = (queries, ownPositives)
                Self.accumulate(gQD, docs.rows, alpha: alpha, into: &dQ, rows: b, atRow: start)
                Self.accumulate(gQD, transposed: true, x, alpha: alpha, into: &dD, rows: width, atRow: 0)
                if let g = gQQ {
                    Self.accumulate(g, q.rows, alpha: alpha, into: &dQ, rows: b, atRow: start)
                    Self.accumulate(g, transposed: true, x, alpha: alpha, into: &dQ, rows: b, atRow: 0)
                }
                if let g = gDQ {
                    Self.accumulate(g, q.rows, alpha: alpha, into: &dD, rows: width, atRow: start)
                    Self.accumulate(g, transposed: true, y, alpha: alpha, into: &dQ, rows: b, atRow: 0)
                }
                if let g = gDD {
                    Self.accumulate(g, docs.rows, alpha: alpha, into: &dD, rows: width, atRow: start)
                    Self.accumulate(g, transposed: true, y, alpha: alpha, into: &dD, rows: width, atRow: 0)
                }
                meter.sample([q.input, q.rows, docs.input, docs.rows, queries, ownPositives, qd, qq, dq, dd, ranked.gradient, gQD, gQQ, gDQ,
                              gDD, dQ, dD],
                             otherBytes: reportBytes)
                continue
            }
            let fromQD = similarity.backward(gQD, queries, docs.rows, alpha: alpha)
            meter.sample([q.input, q.rows, docs.input, docs.rows, queries, ownPositives, qd, qq, dq, dd, ranked.gradient, gQD, gQQ, gDQ, gDD,
                          fromQD.x, fromQD.y, dQ, dD],
                         otherBytes: reportBytes)
            Self.add(fromQD.x, into: &dQ, rows: b, atRow: start)
            Self.add(fromQD.y, into: &dD, rows: width, atRow: 0)
            if let g = gQQ {
                let part = similarity.backward(g, queries, q.rows, alpha: alpha)
                Self.add(part.x, into: &dQ, rows: b, atRow: start)
                Self.add(part.y, into: &dQ, rows: b, atRow: 0)
            }
            if let g = gDQ {
                let part = similarity.backward(g, ownPositives, q.rows, alpha: alpha)
                Self.add(part.x, into: &dD, rows: width, atRow: start)
                Self.add(part.y, into: &dQ, rows: b, atRow: 0)
            }
            if let g = gDD {
                let part = similarity.backward(g, ownPositives, docs.rows, alpha: alpha)
                Self.add(part.x, into: &dD, rows: width, atRow: start)
                Self.add(part.y, into: &dD, rows: width, atRow: 0)
            }
        }

        let gradientQ = similarity.finish(dQ!, q), gradientD = similarity.finish(dD!, docs)
        meter.sample([q.input, q.rows, docs.input, docs.rows, dQ, dD, gradientQ, gradientD], otherBytes: reportBytes)
        var report = MiningReport(kind: .ranking, tuples: tuples, counts: counts)
        if keepScores {
            report.scores = reportScores
            report.scoreColumns = width
        }
        if explainParts { report.parts = Direction.allCases.filter(directions.contains).map { NamedShare($0.rawValue, partValues[$0] ?? 0) } }
        report.weights = weights
        let documentGradients = documentColumns.count == 1 ? [gradientD] : gradientD.splitRows(documentColumns.map(\.rows))
        meter.sample([q.input, q.rows, docs.input, docs.rows, dQ, dD, gradientQ, gradientD] + documentGradients,
                     otherBytes: reportBytes)
        var result = LossResult(value: value, columnGradients: [gradientQ] + documentGradients, mining: report)
        result.scratch = ScratchUse(peakBytes: meter.peakBytes, miniBatches: miniBatches)
        return result
    }

    // MARK: - The cosine matrix from outside

    /// Whether the loss sees its batch only through S, the cosine similarities of the queries
    /// against the stacked documents: cos_sim, query_to_doc alone (or with doc_to_query per
    /// direction, the symmetric loss), no hardness penalty. A wrapper may then compute S itself
    /// (`cosineLoss(logits:report:)`).
    var readsOnlyCosines: Bool {
        guard similarity == .cosSim, hardness == nil || hardnessStrength == 0 else { return false }
        return directions == [.queryToDoc] || (directions == [.queryToDoc, .docToQuery] && partition == .perDirection)
    }

    /// The loss of a whole batch from its logits scale · S, S the cosine matrix (queries,
    /// documents), when `readsOnlyCosines`: the value, dL/dlogits, and (report) the ranks and
    /// strongest rivals that `compute` reports. The same softmaxes as `compute`'s.
    func cosineLoss<T: Scalar>(logits: Matrix<T>, report: Bool) -> (value: T, gradient: Matrix<T>, mining: MiningReport?) {
        precondition(readsOnlyCosines, "cosineLoss needs a ranking that reads only the cosine matrix")
        let b = logits.rows, width = logits.cols
        var value: T = 0
        let ranked: CrossEntropy.Output<T>
        let rowLosses: [T]
        if directions.contains(.docToQuery) {
            let both = CrossEntropy.symmetric(logits: logits, meanOver: b * 2)
            value += both.rowLosses.reduce(0, +) / T(b * 2)
            value += both.columnLosses.reduce(0, +) / T(b * 2)
            rowLosses = zip(both.rowLosses, both.columnLosses).map { ($0 + $1) / 2 }
            ranked = CrossEntropy.Output(value: value, gradient: both.gradient, rowLosses: both.rowLosses, probabilities: nil,
                                         ranks: both.ranks, strongestRivals: both.strongestRivals)
        } else {
            ranked = CrossEntropy.evaluate(logits: logits, targets: Array(0..<b), rankTargets: report, meanOver: b)
            value += ranked.rowLosses.reduce(0, +) / T(b)
            rowLosses = ranked.rowLosses
        }
        guard report else { return (value, ranked.gradient, nil) }
        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: b * max(width - 1, 0), used: b)
        tuples.reserveCapacity(b)
        appendTuples(&tuples, &counts, qd: logits, ranked: ranked, rowLosses: rowLosses, rows: 0..<b, b: b, alpha: T(scale), strength: 0)
        return (value, ranked.gradient, MiningReport(kind: .ranking, tuples: tuples, counts: counts))
    }

    /// Whether the hardness mode penalises query i's document j.
    @inline(__always)
    private func penalized(_ i: Int, _ j: Int, b: Int) -> Bool {
        switch hardness {
        case .inBatchNegatives: return j % b != i
        case .hardNegatives: return j >= b && j % b == i
        case .allNegatives: return j != i
        case nil: return false
        }
    }

    /// logit += (α / scale) · logit on the penalised entries: α · S, with S the similarity.
    private func addPenalty<T: Scalar>(_ qd: inout Matrix<T>, rows: Range<Int>, b: Int, strength: T) {
        let width = qd.cols
        for (local, i) in rows.enumerated() {
            for j in 0..<width where penalized(i, j, b: b) { qd[local, j] += strength * qd[local, j] }
        }
    }

    /// Each query's rank among its query_to_doc logits and its strongest rival document.
    func appendTuples<T: Scalar>(_ tuples: inout [MinedTuple], _ counts: inout MiningCounts, qd: Matrix<T>,
                                         ranked: CrossEntropy.Output<T>, rowLosses: [T], rows: Range<Int>, b: Int, alpha: T,
                                         strength: T) {
        let width = qd.cols
        // The similarity behind a (possibly penalised) logit.
        func similarityAt(_ local: Int, _ j: Int) -> Double {
            let i = rows.lowerBound + local
            return Double(qd[local, j] / (penalized(i, j, b: b) && strength > 0 ? alpha + strength : alpha))
        }
        for (local, i) in rows.enumerated() {
            let rank: Int, rival: Int?
            if !ranked.ranks.isEmpty {
                rank = ranked.ranks[local]
                rival = ranked.strongestRivals[local]
            } else {
                let own = qd[local, i]
                var count = 1, best: Int? = nil
                for j in 0..<width where j != i {
                    if qd[local, j] > own { count += 1 }
                    if best.map({ qd[local, j] > qd[local, $0] }) ?? true { best = j }
                }
                rank = count
                rival = best
            }
            if rank > 1 { counts.hard += 1; counts.active += 1 } else { counts.easy += 1 }
            var tuple = MinedTuple(anchor: i, positive: i, negative: rival, positiveScore: similarityAt(local, i),
                                   negativeScore: rival.map { similarityAt(local, $0) },
                                   loss: Double(rowLosses[local]), label: Double(rank))
            if let rival, strength > 0, penalized(i, rival, b: b) {
                tuple.negativeWeight = Foundation.exp(Double(strength) * similarityAt(local, rival))
            }
            tuples.append(tuple)
        }
    }

    /// Joint softmax: row i's loss log(1 + Σ_blocks M_d), with M_d the d block's candidates'
    /// mass relative to the positive, is split over the directions in proportion to M_d (read
    /// from the softmax gradient: each entry is p / rows, the target's (p − 1) / rows).
    private static func shareJointLoss<T: Scalar>(_ rowLosses: [T], blocks: [(Direction, Matrix<T>)], rows: Range<Int>, b: Int,
                                                  into parts: inout [Direction: Double]) {
        for (local, i) in rows.enumerated() where rowLosses[local] > 0 {
            var masses = blocks.map { direction, g -> Double in
                var total = 0.0
                for j in 0..<g.cols where !(direction == .queryToDoc && j == i) { total += Double(g[local, j]) }
                return total
            }
            let all = masses.reduce(0, +)
            guard all > 0 else { continue }
            masses = masses.map { $0 / all }
            for (index, block) in blocks.enumerated() {
                parts[block.0, default: 0] += Double(rowLosses[local]) / Double(b) * masses[index]
            }
        }
    }

    // MARK: - Block plumbing

    /// Blocks with the same rows side by side.
    private static func joined<T: Scalar>(_ blocks: [Matrix<T>]) -> Matrix<T> {
        let n = blocks[0].rows, total = blocks.reduce(0) { $0 + $1.cols }
        var values: [T] = []
        values.reserveCapacity(n * total)
        for i in 0..<n {
            for block in blocks { values += block.values[(i * block.cols)..<((i + 1) * block.cols)] }
        }
        return Matrix(rows: n, cols: total, values: values)
    }

    /// The inverse of `joined`.
    private static func split<T: Scalar>(_ m: Matrix<T>, widths: [Int]) -> [Matrix<T>] {
        var start = 0
        return widths.map { width in
            defer { start += width }
            var values: [T] = []
            values.reserveCapacity(m.rows * width)
            for i in 0..<m.rows { values += m.values[(i * m.cols + start)..<(i * m.cols + start + width)] }
            return Matrix(rows: m.rows, cols: width, values: values)
        }
    }

    /// target[row..., :] += alpha · op(g) · y, op(g) = gᵀ when `transposed`, computed into the
    /// target by the product itself (beta 1); target (rows, y.cols) starting at zero.
    static func accumulate<T: Scalar>(_ g: Matrix<T>, transposed: Bool = false, _ y: Matrix<T>, alpha: T,
                                              into accumulated: inout Matrix<T>?, rows: Int, atRow row: Int) {
        if accumulated == nil { accumulated = Matrix(zeros: rows, y.cols) }
        let m = transposed ? g.cols : g.rows, k = transposed ? g.rows : g.cols, n = y.cols
        precondition(row + m <= rows && y.rows == k, "a (\(m), \(n)) product does not fit at row \(row) of \(rows)")
        if m == 0 || n == 0 || k == 0 { return }
        accumulated!.values.withUnsafeMutableBufferPointer { target in
            Matrix.gemm(g, transposeA: transposed, y, transposeB: false, into: target.baseAddress! + row * n, m: m, n: n, k: k,
                        alpha: alpha, beta: 1)
        }
    }

    /// target[row..., :] += part, target (rows, part.cols) starting at zero; a first part that
    /// covers it all is taken as it is.
    static func add<T: Scalar>(_ part: Matrix<T>, into accumulated: inout Matrix<T>?, rows: Int, atRow row: Int) {
        if accumulated == nil {
            if row == 0 && part.rows == rows { accumulated = part; return }
            accumulated = Matrix(zeros: rows, part.cols)
        }
        let offset = row * part.cols
        accumulated!.values.withUnsafeMutableBufferPointer { t in
            part.values.withUnsafeBufferPointer { p in
                for k in 0..<p.count { t[offset + k] += p[k] }
            }
        }
    }
}
