/// `nn.CrossEntropyLoss` with mean reduction over rows: -log softmax(logits)[target].
enum CrossEntropy {
    struct Output<T: Scalar> {
        var value: T
        /// dL/dlogits, (N, C).
        var gradient: Matrix<T>
        /// Per-row -log p(target), before averaging.
        var rowLosses: [T]
        /// Per-row softmax probabilities, (N, C).
        var probabilities: Matrix<T>
    }

    /// logits: (N, C); targets: N class indices in 0..<C.
    static func evaluate<T: Scalar>(logits: Matrix<T>, targets: [Int]) -> Output<T> {
        let n = logits.rows, c = logits.cols
        var probabilities = Matrix<T>(zeros: n, c)
        var gradient = Matrix<T>(zeros: n, c)
        var rowLosses = [T](repeating: 0, count: n)
        var total: T = 0
        logits.values.withUnsafeBufferPointer { z in
            probabilities.values.withUnsafeMutableBufferPointer { p in
                gradient.values.withUnsafeMutableBufferPointer { g in
                    for i in 0..<n {
                        let base = i * c
                        var top = -T.infinity
                        for j in 0..<c { top = max(top, z[base + j]) }
                        // One exp per entry: e^(z - top), then scaled by 1/sum.
                        var sum: T = 0
                        for j in 0..<c {
                            let e = T.exp(z[base + j] - top)
                            p[base + j] = e
                            sum += e
                        }
                        let rowLoss = (T.log(sum) + top) - z[base + targets[i]]
                        rowLosses[i] = rowLoss
                        total += rowLoss
                        let inverse = 1 / sum
                        let scale = 1 / T(n)
                        for j in 0..<c {
                            let probability = p[base + j] * inverse
                            p[base + j] = probability
                            g[base + j] = probability * scale
                        }
                        g[base + targets[i]] -= scale
                    }
                }
            }
        }
        return Output(value: total / T(n), gradient: gradient, rowLosses: rowLosses, probabilities: probabilities)
    }
}
