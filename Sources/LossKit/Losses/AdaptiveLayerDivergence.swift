/// AdaptiveLayerLoss's KL term: the row softmaxes of the last layer (the teacher) and the
/// divergence of an earlier layer's from them, with its gradient.
///
/// Rows are independent, so the cores take disjoint blocks of them; within a row every value is
/// computed as a plain row-by-row loop computes it, and the divergence is summed in that loop's
/// order, so the results are the same bit for bit.
extension AdaptiveLayerLoss {
    /// softmax(x / t) of every row, computed stably.
    static func softmaxRows<T: Scalar>(_ x: Matrix<T>, temperature: T) -> Matrix<T> {
        let width = x.cols
        return Matrix(rows: x.rows, cols: width) { out in
            x.values.withUnsafeBufferPointer { input in
                let source = SharedReadPointer(input), target = SharedPointer(out)
                ParallelRows.run(rows: x.rows, elementsPerRow: 4 * width) { range in
                    for r in range {
                        let row = source.base + r * width, probabilities = target.base + r * width
                        var largest = -T.infinity
                        for k in 0..<width { largest = max(largest, row[k] / temperature) }
                        var total = T(0)
                        for k in 0..<width {
                            let e = T.exp(row[k] / temperature - largest)
                            (probabilities + k).initialize(to: e)
                            total += e
                        }
                        for k in 0..<width { probabilities[k] /= total }
                    }
                }
            }
        }
    }

    /// torch's kl_div(log_softmax(student / t), teacher, reduction "batchmean") over `rows`
    /// rows in all, for one column; adds the gradient of weight · t · (that) to `gradient`.
    /// A teacher probability of 0 adds nothing (torch's xlogy).
    static func klDivergence<T: Scalar>(teacher: Matrix<T>, student: Matrix<T>, temperature: T, rows: Int, weight: T,
                                        gradient: inout Matrix<T>) -> T {
        precondition(teacher.rows == student.rows && teacher.cols == student.cols && gradient.rows == student.rows && gradient.cols == student.cols,
                     "KL term: the teacher, the student and the gradient differ in shape")
        let scale = weight / T(rows)
        let width = student.cols
        // Each value's term of the sum, +0 where the teacher's probability is not > 0: the sum
        // starts at +0 and so never reaches -0, and adding +0 to it changes nothing.
        let terms = Matrix<T>(rows: student.rows, cols: width) { out in
            teacher.values.withUnsafeBufferPointer { teacherBuffer in
                student.values.withUnsafeBufferPointer { studentBuffer in
                    gradient.values.withUnsafeMutableBufferPointer { gradientBuffer in
                        let p = SharedReadPointer(teacherBuffer), s = SharedReadPointer(studentBuffer)
                        let g = SharedPointer(gradientBuffer), term = SharedPointer(out)
                        ParallelRows.run(rows: student.rows, elementsPerRow: 4 * width) { range in
                            for r in range {
                                divergenceRow(teacher: p.base + r * width, student: s.base + r * width, width: width, temperature: temperature,
                                              scale: scale, terms: term.base + r * width, gradient: g.base + r * width)
                            }
                        }
                    }
                }
            }
        }
        var total = T(0)
        terms.values.withUnsafeBufferPointer { values in
            for value in values { total += value }
        }
        return total / T(rows)
    }

    /// One row of `klDivergence`: its terms (written, not added) and its gradient (added).
    @inline(__always)
    private static func divergenceRow<T: Scalar>(teacher: UnsafePointer<T>, student: UnsafePointer<T>, width: Int, temperature: T, scale: T,
                                                 terms: UnsafeMutablePointer<T>, gradient: UnsafeMutablePointer<T>) {
        var largest = -T.infinity
        for k in 0..<width { largest = max(largest, student[k] / temperature) }
        var sum = T(0)
        for k in 0..<width { sum += T.exp(student[k] / temperature - largest) }
        let logSum = largest + T.log(sum)
        var teacherSum = T(0)
        for k in 0..<width {
            let p = teacher[k]
            teacherSum += p
            (terms + k).initialize(to: p > 0 ? p * (T.log(p) - (student[k] / temperature - logSum)) : 0)
        }
        // d/d(student) of weight · t · Σ p (log p - log q) / rows = weight / rows · (q Σp - p).
        for k in 0..<width {
            let q = T.exp(student[k] / temperature - logSum)
            gradient[k] += scale * (q * teacherSum - teacher[k])
        }
    }
}
