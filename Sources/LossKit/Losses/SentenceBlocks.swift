import Foundation

/// The classifier input of SoftmaxLoss: the chosen blocks among u, v, |u - v|, u * v, side by side.
struct SentenceBlocks {
    var rep: Bool
    var difference: Bool
    var multiplication: Bool

    /// Up to this many classes the fused passes (no stored features) beat three GEMMs.
    static let fusedLabelLimit = 16

    var blockCount: Int { (rep ? 2 : 0) + (difference ? 1 : 0) + (multiplication ? 1 : 0) }

    /// One row of features (k·D) from rows u and v (D each).
    @inline(__always)
    func writeRow<T: Scalar>(_ ar: UnsafePointer<T>, _ br: UnsafePointer<T>, dim d: Int, into row: UnsafeMutablePointer<T>) {
        var fr = row
        if rep {
            fr.update(from: ar, count: d)
            (fr + d).update(from: br, count: d)
            fr += 2 * d
        }
        if difference {
            for k in 0..<d { fr[k] = abs(ar[k] - br[k]) }
            fr += d
        }
        if multiplication {
            for k in 0..<d { fr[k] = ar[k] * br[k] }
        }
    }

    /// Rows of dL/du and dL/dv (D each) from one row of dL/dfeatures (k·D). |u - v| passes
    /// sign(u - v), 0 where they agree.
    @inline(__always)
    func backwardRow<T: Scalar>(_ gradientRow: UnsafePointer<T>, _ ar: UnsafePointer<T>, _ br: UnsafePointer<T>, dim d: Int,
                                du dar: UnsafeMutablePointer<T>, dv dbr: UnsafeMutablePointer<T>) {
        var gr = gradientRow
        if rep {
            dar.update(from: gr, count: d)
            dbr.update(from: gr + d, count: d)
            gr += 2 * d
        } else {
            dar.update(repeating: 0, count: d)
            dbr.update(repeating: 0, count: d)
        }
        if difference {
            for k in 0..<d {
                let diff = ar[k] - br[k]
                let sign: T = (diff > 0 ? 1 : 0) - (diff < 0 ? 1 : 0)
                let signed = sign * gr[k]
                dar[k] += signed
                dbr[k] -= signed
            }
            gr += d
        }
        if multiplication {
            for k in 0..<d {
                dar[k] += gr[k] * br[k]
                dbr[k] += gr[k] * ar[k]
            }
        }
    }

    /// (N, k·D) from two (N, D) columns.
    func features<T: Scalar>(_ u: Matrix<T>, _ v: Matrix<T>) -> Matrix<T> {
        let n = u.rows, d = u.cols, width = blockCount * d
        if n == 0 || d == 0 { return Matrix(zeros: n, width) }
        let blocks = self
        return Matrix(rows: n, cols: width) { fv in
            u.values.withUnsafeBufferPointer { ua in
                v.values.withUnsafeBufferPointer { vb in
                    let a = SharedReadPointer(ua), b = SharedReadPointer(vb), f = SharedPointer(fv)
                    ParallelRows.run(rows: n, elementsPerRow: width) { rows in
                        for i in rows { blocks.writeRow(a.base + i * d, b.base + i * d, dim: d, into: f.base + i * width) }
                    }
                }
            }
        }
    }

    /// (dL/du, dL/dv) from dL/dfeatures (N, k·D).
    func backward<T: Scalar>(_ gradient: Matrix<T>, _ u: Matrix<T>, _ v: Matrix<T>) -> (Matrix<T>, Matrix<T>) {
        let n = u.rows, d = u.cols, width = gradient.cols
        var du = Matrix<T>(zeros: n, d), dv = Matrix<T>(zeros: n, d)
        if n == 0 || d == 0 { return (du, dv) }
        let blocks = self
        u.values.withUnsafeBufferPointer { ua in
            v.values.withUnsafeBufferPointer { vb in
                gradient.values.withUnsafeBufferPointer { gv in
                    du.values.withUnsafeMutableBufferPointer { dav in
                        dv.values.withUnsafeMutableBufferPointer { dbv in
                            let a = SharedReadPointer(ua), b = SharedReadPointer(vb), g = SharedReadPointer(gv)
                            let da = SharedPointer(dav), db = SharedPointer(dbv)
                            ParallelRows.run(rows: n, elementsPerRow: width) { rows in
                                for i in rows {
                                    blocks.backwardRow(g.base + i * width, a.base + i * d, b.base + i * d, dim: d,
                                                       du: da.base + i * d, dv: db.base + i * d)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (du, dv)
    }

    /// Fused forward: logits (N, L) = features · weightᵀ + bias, one feature row at a time.
    func logits<T: Scalar>(_ u: Matrix<T>, _ v: Matrix<T>, weight: Matrix<T>, bias: Matrix<T>) -> Matrix<T> {
        let n = u.rows, d = u.cols, width = weight.cols, labels = weight.rows
        let blocks = self
        return Matrix(rows: n, cols: labels) { out in
            u.values.withUnsafeBufferPointer { ua in
                v.values.withUnsafeBufferPointer { vb in
                    weight.values.withUnsafeBufferPointer { wv in
                        let a = SharedReadPointer(ua), b = SharedReadPointer(vb), w = SharedReadPointer(wv)
                        let o = SharedPointer(out), biases = bias.values
                        ParallelRows.run(rows: n, elementsPerRow: 2 * width) { rows in
                            let row = UnsafeMutablePointer<T>.allocate(capacity: max(width, 1))
                            defer { row.deallocate() }
                            for i in rows {
                                blocks.writeRow(a.base + i * d, b.base + i * d, dim: d, into: row)
                                for c in 0..<labels {
                                    o[i * labels + c] = VectorKernels.dot(row, w.base + c * width, count: width) + biases[c]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fused backward from dL/dlogits (N, L): dL/du, dL/dv and dL/dweight, without storing the
    /// features or their gradient. Each thread sums its rows' weight gradient, then the parts
    /// are added.
    func backward<T: Scalar>(logitGradient: Matrix<T>, _ u: Matrix<T>, _ v: Matrix<T>, weight: Matrix<T>)
        -> (du: Matrix<T>, dv: Matrix<T>, dWeight: Matrix<T>) {
        let n = u.rows, d = u.cols, width = weight.cols, labels = weight.rows
        var du = Matrix<T>(zeros: n, d), dv = Matrix<T>(zeros: n, d)
        var dWeight = Matrix<T>(zeros: labels, width)
        let lock = NSLock()
        let blocks = self
        u.values.withUnsafeBufferPointer { ua in
            v.values.withUnsafeBufferPointer { vb in
                weight.values.withUnsafeBufferPointer { wv in
                    logitGradient.values.withUnsafeBufferPointer { gv in
                        du.values.withUnsafeMutableBufferPointer { dav in
                            dv.values.withUnsafeMutableBufferPointer { dbv in
                                dWeight.values.withUnsafeMutableBufferPointer { dwv in
                                    let a = SharedReadPointer(ua), b = SharedReadPointer(vb), w = SharedReadPointer(wv)
                                    let g = SharedReadPointer(gv), da = SharedPointer(dav), db = SharedPointer(dbv)
                                    let total = SharedPointer(dwv)
                                    ParallelRows.run(rows: n, elementsPerRow: 4 * width) { rows in
                                        let features = UnsafeMutablePointer<T>.allocate(capacity: max(width, 1))
                                        let featureGradient = UnsafeMutablePointer<T>.allocate(capacity: max(width, 1))
                                        let partial = UnsafeMutablePointer<T>.allocate(capacity: max(labels * width, 1))
                                        partial.initialize(repeating: 0, count: labels * width)
                                        defer {
                                            features.deallocate()
                                            featureGradient.deallocate()
                                            partial.deallocate()
                                        }
                                        for i in rows {
                                            let ar = a.base + i * d, br = b.base + i * d, gr = g.base + i * labels
                                            blocks.writeRow(ar, br, dim: d, into: features)
                                            featureGradient.update(repeating: 0, count: width)
                                            for c in 0..<labels {
                                                let gc = gr[c], wr = w.base + c * width, pr = partial + c * width
                                                for k in 0..<width {
                                                    featureGradient[k] += gc * wr[k]
                                                    pr[k] += gc * features[k]
                                                }
                                            }
                                            blocks.backwardRow(featureGradient, ar, br, dim: d, du: da.base + i * d, dv: db.base + i * d)
                                        }
                                        lock.lock()
                                        for k in 0..<(labels * width) { total[k] += partial[k] }
                                        lock.unlock()
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (du, dv, dWeight)
    }
}
