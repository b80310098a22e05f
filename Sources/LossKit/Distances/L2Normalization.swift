/// Row-wise L2 normalisation as `torch.nn.functional.normalize(x, p=2, dim=1)` computes it:
/// x / max(|x|, 1e-12). A row shorter than eps is divided by eps, so a zero row stays zero but
/// still passes gradient (scaled by 1/eps), exactly as in the reference.
public enum L2Normalization {
    public static let eps = 1e-12

    /// output (N, D): normalised rows; norms: the unclamped row norms.
    public static func forward<T: Scalar>(_ x: Matrix<T>) -> (output: Matrix<T>, norms: [T]) {
        var norms = [T](repeating: 0, count: x.rows)
        let eps = T(Self.eps)
        let dim = x.cols
        let output = Matrix<T>(rows: x.rows, cols: dim) { out in
            x.values.withUnsafeBufferPointer { input in
                norms.withUnsafeMutableBufferPointer { normBuffer in
                    let xs = SharedReadPointer(input), os = SharedPointer(out), ns = SharedPointer(normBuffer)
                    ParallelRows.run(rows: x.rows, elementsPerRow: dim) { rows in
                        for i in rows {
                            let row = xs.base + i * dim, o = os.base + i * dim
                            let norm = VectorKernels.sumOfSquares(row, count: dim).squareRoot()
                            ns[i] = norm
                            // One division per row: the products differ from x / |x| by rounding only.
                            let inverse = 1 / max(norm, eps)
                            for k in 0..<dim { o[k] = row[k] * inverse }
                        }
                    }
                }
            }
        }
        return (output, norms)
    }

    /// dL/dx from dL/d(output).
    public static func backward<T: Scalar>(_ gradient: Matrix<T>, output: Matrix<T>, input: Matrix<T>, norms: [T]) -> Matrix<T> {
        let eps = T(Self.eps)
        let dim = input.cols
        return Matrix<T>(rows: input.rows, cols: dim) { out in
            gradient.values.withUnsafeBufferPointer { g in
                output.values.withUnsafeBufferPointer { y in
                    norms.withUnsafeBufferPointer { normBuffer in
                        let gs = SharedReadPointer(g), ys = SharedReadPointer(y), os = SharedPointer(out)
                        let ns = SharedReadPointer(normBuffer)
                        ParallelRows.run(rows: input.rows, elementsPerRow: dim) { rows in
                            for i in rows {
                                let gr = gs.base + i * dim, yr = ys.base + i * dim, o = os.base + i * dim
                                let norm = ns[i]
                                if norm >= eps {
                                    // d(x/|x|) = (dy - y (y·dy)) / |x|
                                    let dot = VectorKernels.dot(gr, yr, count: dim), inverse = 1 / norm
                                    for k in 0..<dim { o[k] = (gr[k] - yr[k] * dot) * inverse }
                                } else {
                                    for k in 0..<dim { o[k] = gr[k] / eps }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `forward` of the first `count` columns of every row of `x`, without copying them out
    /// first: the same sums and products, so the same values.
    public static func forward<T: Scalar>(_ x: Matrix<T>, prefix count: Int) -> (output: Matrix<T>, norms: [T]) {
        precondition(count >= 0 && count <= x.cols, "a prefix of \(count) columns of a \(x.cols)-column matrix")
        if count == x.cols { return forward(x) }
        var norms = [T](repeating: 0, count: x.rows)
        let eps = T(Self.eps)
        let stride = x.cols
        let output = Matrix<T>(rows: x.rows, cols: count) { out in
            x.values.withUnsafeBufferPointer { input in
                norms.withUnsafeMutableBufferPointer { normBuffer in
                    let xs = SharedReadPointer(input), os = SharedPointer(out), ns = SharedPointer(normBuffer)
                    ParallelRows.run(rows: x.rows, elementsPerRow: count) { rows in
                        for i in rows {
                            let row = xs.base + i * stride, o = os.base + i * count
                            let norm = VectorKernels.sumOfSquares(row, count: count).squareRoot()
                            ns[i] = norm
                            let inverse = 1 / max(norm, eps)
                            for k in 0..<count { o[k] = row[k] * inverse }
                        }
                    }
                }
            }
        }
        return (output, norms)
    }

    /// target[:, :output.cols] += `backward(gradient, output:, norms:)`, computed row by row into
    /// the wider matrix instead of into a matrix of its own and added after: each value is
    /// computed as there and then added, so the sums are the same.
    public static func backward<T: Scalar>(_ gradient: Matrix<T>, output: Matrix<T>, norms: [T], addingInto target: inout Matrix<T>) {
        let eps = T(Self.eps)
        let dim = output.cols, stride = target.cols
        precondition(gradient.rows == output.rows && gradient.cols == dim && target.rows == output.rows && stride >= dim,
                     "the gradient, the output and the wider target must agree")
        target.values.withUnsafeMutableBufferPointer { out in
            gradient.values.withUnsafeBufferPointer { g in
                output.values.withUnsafeBufferPointer { y in
                    norms.withUnsafeBufferPointer { normBuffer in
                        let gs = SharedReadPointer(g), ys = SharedReadPointer(y), os = SharedPointer(out)
                        let ns = SharedReadPointer(normBuffer)
                        ParallelRows.run(rows: output.rows, elementsPerRow: dim) { rows in
                            for i in rows {
                                let gr = gs.base + i * dim, yr = ys.base + i * dim, o = os.base + i * stride
                                let norm = ns[i]
                                if norm >= eps {
                                    let dot = VectorKernels.dot(gr, yr, count: dim), inverse = 1 / norm
                                    for k in 0..<dim { o[k] += (gr[k] - yr[k] * dot) * inverse }
                                } else {
                                    for k in 0..<dim { o[k] += gr[k] / eps }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
