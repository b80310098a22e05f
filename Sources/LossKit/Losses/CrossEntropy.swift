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
        for i in 0..<n {
            var top = -T.infinity
            for j in 0..<c { top = max(top, logits[i, j]) }
            var sum: T = 0
            for j in 0..<c { sum += T.exp(logits[i, j] - top) }
            let logSum = T.log(sum) + top
            let rowLoss = logSum - logits[i, targets[i]]
            rowLosses[i] = rowLoss
            total += rowLoss
            for j in 0..<c {
                let p = T.exp(logits[i, j] - logSum)
                probabilities[i, j] = p
                gradient[i, j] = (p - (j == targets[i] ? 1 : 0)) / T(n)
            }
        }
        return Output(value: total / T(n), gradient: gradient, rowLosses: rowLosses, probabilities: probabilities)
    }
}
