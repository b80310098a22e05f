/// What a distillation loss shows about a batch (when the batch asks, `LossBatch.explain`): the
/// student's numbers against the teacher's, one point per comparison, and each row's
/// divergence, with summary measures that join the step's metrics.
///
/// The ranking distillation losses (MarginMSELoss, DistillKLDivLoss) compare margins, a
/// query's score of its positive (column 1) minus its score of each other candidate, so that
/// the two losses read the same on the same batch; the embedding losses (MSELoss,
/// EmbedDistillLoss) compare the cosine similarity of every pair of the batch's column-0 rows,
/// whether the student keeps the teacher's geometry.
public struct DistillationReport: Sendable, Equatable {
    public enum Quantity: String, Sendable {
        case margin
        case pairCosine = "pair cosine"
    }

    public struct Point: Sendable, Equatable {
        /// The batch row (a pair's first row for pair cosines).
        public var row: Int
        /// The other candidate's column (margins) or the pair's second row (pair cosines).
        public var other: Int
        public var teacher: Double
        public var student: Double
        public init(row: Int, other: Int, teacher: Double, student: Double) {
            self.row = row
            self.other = other
            self.teacher = teacher
            self.student = student
        }
    }

    public var quantity: Quantity
    /// What `rowDivergence` measures, in words ("KL(teacher ‖ student)", "squared margin error").
    public var measure: String
    public var points: [Point]
    /// Per batch row: its divergence from the teacher, as the loss counts it.
    public var rowDivergence: [Double]
    /// The most points kept: a batch's pair cosines grow with its square.
    public static let pointLimit = 65_536

    public init(quantity: Quantity, measure: String, points: [Point], rowDivergence: [Double]) {
        self.quantity = quantity
        self.measure = measure
        self.points = points
        self.rowDivergence = rowDivergence
    }

    /// The step metrics: `teacher_correlation` (Pearson's r of student against teacher),
    /// `teacher_slope` (the least-squares slope of student on teacher: 1 when the student keeps
    /// the teacher's scale), `teacher_error` (the mean squared difference) and `order_agreement`
    /// (the share of comparisons whose sign the student gets right: margins, or pair cosines
    /// above and below their mean).
    public var metrics: [NamedCount] {
        let finite = points.filter { $0.teacher.isFinite && $0.student.isFinite }
        guard !finite.isEmpty else { return [] }
        let count = Double(finite.count)
        let meanTeacher = finite.reduce(0) { $0 + $1.teacher } / count
        let meanStudent = finite.reduce(0) { $0 + $1.student } / count
        var covariance = 0.0, teacherVariance = 0.0, studentVariance = 0.0, squaredError = 0.0, agreeing = 0.0
        for point in finite {
            let t = point.teacher - meanTeacher, s = point.student - meanStudent
            covariance += t * s
            teacherVariance += t * t
            studentVariance += s * s
            squaredError += (point.student - point.teacher) * (point.student - point.teacher)
            // A margin's sign is its ordering; a pair cosine's is its side of the batch's mean.
            let (a, b) = quantity == .margin ? (point.teacher, point.student) : (t, s)
            if (a > 0) == (b > 0) { agreeing += 1 }
        }
        let spread = (teacherVariance * studentVariance).squareRoot()
        return [
            NamedCount("teacher_correlation", spread > 0 ? covariance / spread : 0),
            NamedCount("teacher_slope", teacherVariance > 0 ? covariance / teacherVariance : 0),
            NamedCount("teacher_error", squaredError / count),
            NamedCount("order_agreement", agreeing / count),
        ]
    }

    /// Margins of a ranking loss: for each row i and candidate c ≥ 1 past the positive,
    /// student[0][i] − student[c][i] against the teacher's margin `teacherMargin(i, c)`.
    public static func margins(student: [[Double]], teacherMargin: (Int, Int) -> Double, measure: String,
                               rowDivergence: [Double]) -> DistillationReport {
        let rows = student.first?.count ?? 0
        var points: [Point] = []
        points.reserveCapacity(min(rows * max(student.count - 1, 0), pointLimit))
        outer: for i in 0..<rows {
            for c in 1..<max(student.count, 1) {
                if points.count == pointLimit { break outer }
                points.append(Point(row: i, other: c, teacher: teacherMargin(i, c), student: student[0][i] - student[c][i]))
            }
        }
        return DistillationReport(quantity: .margin, measure: measure, points: points, rowDivergence: rowDivergence)
    }

    /// The cosine of every pair of rows i < j, of the student's rows against the teacher's.
    public static func pairCosines<T: Scalar>(student: Matrix<T>, teacher: Matrix<T>, measure: String,
                                              rowDivergence: [Double]) -> DistillationReport {
        let s = unitRows(student), t = unitRows(teacher)
        var points: [Point] = []
        outer: for i in 0..<student.rows {
            for j in (i + 1)..<max(student.rows, i + 1) {
                if points.count == pointLimit { break outer }
                points.append(Point(row: i, other: j, teacher: dot(t, i, j), student: dot(s, i, j)))
            }
        }
        return DistillationReport(quantity: .pairCosine, measure: measure, points: points, rowDivergence: rowDivergence)
    }

    private static func unitRows<T: Scalar>(_ matrix: Matrix<T>) -> [[Double]] {
        (0..<matrix.rows).map { i in
            let row = (0..<matrix.cols).map { Double(matrix[i, $0]) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? row.map { $0 / norm } : row
        }
    }

    private static func dot(_ rows: [[Double]], _ i: Int, _ j: Int) -> Double {
        zip(rows[i], rows[j]).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
