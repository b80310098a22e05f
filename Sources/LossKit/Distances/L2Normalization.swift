/// Row-wise L2 normalisation as `torch.nn.functional.normalize(x, p=2, dim=1)` computes it:
/// x / max(|x|, 1e-12). A row shorter than eps is divided by eps, so a zero row stays zero but
/// still passes gradient (scaled by 1/eps), exactly as in the reference.
public enum L2Normalization {
    public static let eps = 1e-12

    /// output (N, D): normalised rows; norms: the unclamped row norms.
    public static func forward<T: Scalar>(_ x: Matrix<T>) -> (output: Matrix<T>, norms: [T]) {
        var output = x
        var norms = [T](repeating: 0, count: x.rows)
        let eps = T(Self.eps)
        let dim = x.cols
        x.values.withUnsafeBufferPointer { input in
            output.values.withUnsafeMutableBufferPointer { out in
                for i in 0..<x.rows {
                    let row = input.baseAddress! + i * dim, o = out.baseAddress! + i * dim
                    var sum: T = 0
                    for k in 0..<dim { sum += row[k] * row[k] }
                    let norm = sum.squareRoot()
                    norms[i] = norm
                    let denominator = max(norm, eps)
                    for k in 0..<dim { o[k] = row[k] / denominator }
                }
            }
        }
        return (output, norms)
    }

    /// dL/dx from dL/d(output).
    public static func backward<T: Scalar>(_ gradient: Matrix<T>, output: Matrix<T>, input: Matrix<T>, norms: [T]) -> Matrix<T> {
        var dx = gradient
        let eps = T(Self.eps)
        let dim = input.cols
        gradient.values.withUnsafeBufferPointer { g in
            output.values.withUnsafeBufferPointer { y in
                dx.values.withUnsafeMutableBufferPointer { out in
                    for i in 0..<input.rows {
                        let gr = g.baseAddress! + i * dim, yr = y.baseAddress! + i * dim, o = out.baseAddress! + i * dim
                        let norm = norms[i]
                        if norm >= eps {
                            // d(x/|x|) = (dy - y (y·dy)) / |x|
                            var dot: T = 0
                            for k in 0..<dim { dot += gr[k] * yr[k] }
                            for k in 0..<dim { o[k] = (gr[k] - yr[k] * dot) / norm }
                        } else {
                            for k in 0..<dim { o[k] = gr[k] / eps }
                        }
                    }
                }
            }
        }
        return dx
    }
}
