import RealModule

/// sentence-transformers 6.2's `DistillKLDivLoss`: (query, candidate_1, candidate_2, ...) columns
/// and the teacher's score of every candidate, (B, candidates). The student's scores
/// sim(q, c_j) / student_temperature go through a log-softmax, the teacher's scores /
/// teacher_temperature through a softmax, and the loss is KL(teacher ‖ student) summed over the
/// candidates and averaged over the rows ("batchmean"), times student_temperature² (only the
/// student's temperature scales it, as in 6.2.0). Both temperatures default to `temperature`.
///
/// The teacher side runs in the batch's precision. (On the float32 label tensor a dataset
/// collates to, PyTorch's softmax runs in float32 with an approximate vectorised exp, which no
/// other code reproduces bit for bit; the two agree to about 1e-7.) A -inf teacher score leaves its
/// candidate out (probability 0, no gradient); a row whose scores are all -inf, or holding
/// +inf, has a NaN softmax, so the loss and that row's gradients are NaN as in 6.2.0, and the
/// result warns. A NaN teacher score is refused, as 6.2.0 refuses it.
public struct DistillKLDivLoss: EmbeddingLoss {
    public static let className = "DistillKLDivLoss"
    public static let summary = "the student's softmax over the candidates matched to a teacher's (KL divergence)"
    public static let parameters: [LossParameter] = [
        LossParameter("similarity_fct", .choice(PairwiseSimilarity.allCases.map(\.rawValue)), default: "pairwise_dot_score",
                      role: .metric, "util pairwise similarity of the query with each candidate")
            .script(.expressions(Dictionary(uniqueKeysWithValues: PairwiseSimilarity.allCases.map { ($0.rawValue, "util." + $0.rawValue) }))),
        LossParameter("temperature", .number, default: "1", "divides both sides' scores unless their own temperature is set"),
        LossParameter("student_temperature", .number, default: "none", "divides the student's scores; the loss is scaled by its square"),
        LossParameter("teacher_temperature", .number, default: "none", "divides the teacher's scores"),
    ]
    public static let inputSpec = LossInputSpec(minColumns: 3, maxColumns: nil, labels: .teacherScores)

    public var similarity: PairwiseSimilarity
    public var temperature: Double
    public var studentTemperature: Double
    public var teacherTemperature: Double

    public init(similarity: PairwiseSimilarity = .dotScore, temperature: Double = 1,
                studentTemperature: Double? = nil, teacherTemperature: Double? = nil) {
        self.similarity = similarity
        self.temperature = temperature
        self.studentTemperature = studentTemperature ?? temperature
        self.teacherTemperature = teacherTemperature ?? temperature
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        similarity = try settings.choice("similarity_fct", accepted: PairwiseSimilarity.accepted, parse: PairwiseSimilarity.parse)
        let optional = { (text: String) -> Double?? in
            let word = text.trimmingCharacters(in: .whitespaces)
            if word.lowercased() == "none" { return .some(nil) }
            return DecimalNumber.double(word).map { .some($0) }
        }
        temperature = try settings.double("temperature")
        let student = try settings.choice("student_temperature", accepted: "a positive number or none", parse: optional)
        let teacher = try settings.choice("teacher_temperature", accepted: "a positive number or none", parse: optional)
        try settings.finish()
        studentTemperature = student ?? temperature
        teacherTemperature = teacher ?? temperature
        for (name, value) in [("temperature", temperature), ("student_temperature", studentTemperature),
                              ("teacher_temperature", teacherTemperature)] where !(value > 0 && value < .infinity) {
            throw LossError("\(Self.className): \(name) must be a positive finite number, got \(value)")
        }
    }

    public var settings: [(name: String, value: String)] {
        [("similarity_fct", similarity.rawValue), ("temperature", "\(temperature)"),
         ("student_temperature", studentTemperature == temperature ? "none" : "\(studentTemperature)"),
         ("teacher_temperature", teacherTemperature == temperature ? "none" : "\(teacherTemperature)")]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let query = batch.columns[0]
        let candidates = Array(batch.columns.dropFirst())
        let n = query.rows, k = candidates.count
        let scores = batch.teacherScores!
        if scores.cols != k {
            throw LossError("\(Self.className) needs the teacher's score of each of the \(k) candidate columns, (rows x \(k)); the labels have \(scores.cols) per row")
        }
        let teacher = Self.teacherProbabilities(scores, temperature: teacherTemperature)

        let student = similarity.forward(query, candidates: candidates)
        let scale = T(studentTemperature * studentTemperature) / T(n)
        var total: T = 0
        var rowLosses = [T](repeating: 0, count: n)
        var dScores = [[T]](repeating: [T](repeating: 0, count: n), count: k)
        var logits = [T](repeating: 0, count: k)
        for i in 0..<n {
            for j in 0..<k { logits[j] = student[j][i] / T(studentTemperature) }
            let high = logits.max()!
            var sum: T = 0
            for j in 0..<k { sum += T.exp(logits[j] - high) }
            let logSum = high + T.log(sum)
            // Σ_j t_j (log t_j − log p_j); d/d(log p_j) = −t_j, then through the log-softmax.
            var row: T = 0, teacherMass: T = 0
            for j in 0..<k {
                let t = teacher.probabilities[i * k + j]
                row += teacher.selfInformation[i * k + j] - t * (logits[j] - logSum)
                teacherMass += t
            }
            for j in 0..<k {
                let t = teacher.probabilities[i * k + j]
                let p = T.exp(logits[j] - logSum)
                dScores[j][i] = scale * (p * teacherMass - t) / T(studentTemperature)
            }
            rowLosses[i] = row
            total += row
        }

        let backward = similarity.backward(query, candidates: candidates, dScores)
        let dQuery = backward.query, gradients = backward.candidates
        let tuples = (0..<n).map { i in
            MinedTuple(anchor: i, positive: i, positiveScore: Double(student[0][i]), loss: Double(rowLosses[i] * scale),
                       label: Double(teacher.probabilities[i * k]))
        }
        let active = tuples.filter { $0.loss != 0 }.count
        var report = MiningReport(kind: .item, tuples: tuples, counts: MiningCounts(valid: n, used: n, active: active))
        if batch.explain {
            // The teacher's margins in its own units, before teacher_temperature.
            report.distillation = DistillationReport.margins(student: student.map { $0.map { Double($0) } },
                                                             teacherMargin: { i, c in Double(scores[i, 0]) - Double(scores[i, c]) },
                                                             measure: "KL(teacher ‖ student)", rowDivergence: rowLosses.map { Double($0) })
            report.namedCounts = report.distillation!.metrics
        }
        var result = LossResult(value: total * scale, columnGradients: [dQuery] + gradients, mining: report)
        result.warnings = teacher.warnings
        return result
    }

    /// The teacher's softmax over each row and t·log t (0 where t = 0), with what 6.2.0 would
    /// warn about.
    static func teacherProbabilities<T: Scalar>(_ scores: Matrix<T>, temperature: Double)
        -> (probabilities: [T], selfInformation: [T], warnings: [String]) {
        let n = scores.rows, k = scores.cols
        var probabilities = [T](repeating: 0, count: n * k)
        var selfInformation = [T](repeating: 0, count: n * k)
        var nanRows: [Int] = []
        for i in 0..<n {
            let z = (0..<k).map { scores[i, $0] / T(temperature) }
            let high = z.max()!
            let e = z.map { T.exp($0 - high) }
            let total = e.reduce(0, +)
            for j in 0..<k {
                let t = e[j] / total
                probabilities[i * k + j] = t
                selfInformation[i * k + j] = t == 0 ? 0 : t * T.log(t)
            }
            if e.contains(where: \.isNaN) { nanRows.append(i) }
        }
        var warnings: [String] = []
        let infinite = scores.values.filter(\.isInfinite).count
        if infinite > 0 {
            warnings.append("\(className): \(infinite) teacher score\(infinite == 1 ? " is" : "s are") infinite; a -inf score leaves its candidate out (probability 0)")
        } else {
            let collapsed = probabilities.filter { $0 == 0 }.count
            if collapsed > 0 {
                warnings.append("\(className): teacher_temperature=\(temperature) underflows \(collapsed) of \(n * k) teacher probabilities to exactly 0, so those candidates carry no gradient; raise teacher_temperature")
            }
        }
        if !nanRows.isEmpty {
            let rows = nanRows.prefix(5).map(String.init).joined(separator: ", ") + (nanRows.count > 5 ? ", ..." : "")
            warnings.append("\(className): the teacher's softmax is NaN in row\(nanRows.count == 1 ? "" : "s") \(rows) (every score -inf, or one +inf), so the loss is NaN, as in 6.2.0")
        }
        return (probabilities, selfInformation, warnings)
    }
}
