/// What the embedding-distillation losses (MSELoss, EmbedDistillLoss) share: the teacher of
/// each column, and the optional trained nn.Linear (projection.weight (P, D), projection.bias
/// (P)) that maps the student to the teacher's width first.
enum TeacherProjection {
    static let weightName = "projection.weight"
    static let biasName = "projection.bias"
    static let weightNames = [weightName, biasName]
    /// The widest projection a setting may ask for.
    static let widest = 65_536

    /// A fresh projection as nn.Linear initialises one: uniform in ±1/sqrt(D), seeded; none
    /// without projection_dim.
    static func initialWeights<T: Scalar>(projectionDim: Int?, dimension: Int, seed: UInt64) -> [String: Matrix<T>] {
        guard let projectionDim else { return [:] }
        let bound = 1 / Double(dimension).squareRoot()
        var random = SeededRandom(seed: seed)
        let weight = (0..<(projectionDim * dimension)).map { _ in T(random.uniform(-bound, bound)) }
        let bias = (0..<projectionDim).map { _ in T(random.uniform(-bound, bound)) }
        return [weightName: Matrix(rows: projectionDim, cols: dimension, values: weight),
                biasName: Matrix(rows: 1, cols: projectionDim, values: bias)]
    }

    /// Column c's teacher for each compared column: the one teacher matrix, or one per column.
    static func teachers<T: Scalar>(_ batch: LossBatch<T>, compared: Int, owner: String) throws -> [Matrix<T>] {
        guard let perColumn = batch.columnTargets else {
            return Array(repeating: batch.targets!, count: compared)
        }
        if perColumn.count != batch.columns.count {
            throw LossError("\(owner): the labels hold \(perColumn.count) teacher\(perColumn.count == 1 ? "" : "s") per row but there are \(batch.columns.count) columns; give one per column (rows x \(batch.columns.count) x width), or one teacher matrix (rows x width) for every column")
        }
        return perColumn
    }

    /// The projection's weight (P, D) and bias (1, P), checked; nil without projection_dim.
    static func read<T: Scalar>(_ batch: LossBatch<T>, dimension d: Int, projectionDim: Int?, owner: String) throws
        -> (weight: Matrix<T>, bias: Matrix<T>)? {
        guard let projectionDim else { return nil }
        guard let weight = batch.parameters[weightName], let bias = batch.parameters[biasName] else {
            throw LossError("\(owner) with projection_dim needs its projection parameters \(weightName) and \(biasName)")
        }
        if weight.rows != projectionDim || weight.cols != d {
            throw LossError("\(owner): \(weightName) is \(weight.rows) x \(weight.cols) but projection_dim x the embeddings' width is \(projectionDim) x \(d)")
        }
        if bias.count != projectionDim {
            throw LossError("\(owner): \(biasName) has \(bias.count) values but projection_dim is \(projectionDim)")
        }
        return (weight, bias)
    }

    /// x Wᵀ + b, as nn.Linear.
    static func project<T: Scalar>(_ x: Matrix<T>, _ weight: Matrix<T>, _ bias: Matrix<T>) -> Matrix<T> {
        var out = Matrix.product(x, weight, transposeB: true)
        let width = weight.rows
        for i in 0..<x.rows { for k in 0..<width { out.values[i * width + k] += bias.values[k] } }
        return out
    }
}
