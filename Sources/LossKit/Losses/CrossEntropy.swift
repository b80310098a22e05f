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
                        if T.self == Float.self {
                            // Float training: a vectorisable exp (within 2 ulp); Double keeps libm for the golden checks.
                            let zr = UnsafeRawPointer(z.baseAddress! + base).assumingMemoryBound(to: Float.self)
                            let pr = UnsafeMutableRawPointer(p.baseAddress! + base).assumingMemoryBound(to: Float.self)
                            let shift = Float(top)
                            var floatSum: Float = 0
                            for j in 0..<c {
                                let e = FastExp.exp(zr[j] - shift)
                                pr[j] = e
                                floatSum += e
                            }
                            sum = T(floatSum)
                        } else {
                            for j in 0..<c {
                                let e = T.exp(z[base + j] - top)
                                p[base + j] = e
                                sum += e
                            }
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

/// exp for Float without a libm call per element, so loops over it vectorise: 2^n · p(r) with
/// x = n·ln 2 + r, |r| ≤ ln 2 / 2, and a degree-6 Taylor polynomial (relative error ≤ 2e-7).
/// Arguments below -87.3 (results under 1.2e-38) are clamped there.
enum FastExp {
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87.3), 88.7)
        let n = (clamped * 1.442695041).rounded()
        let r = (clamped - n * 0.693145752) - n * 1.428606765e-6
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        return p * Float(bitPattern: UInt32(Int32(n) + 127) << 23)
    }
}
