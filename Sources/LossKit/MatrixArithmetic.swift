extension Matrix {
    /// Elementwise sum of two matrices of the same shape.
    @inlinable
    public func adding(_ other: Matrix) -> Matrix {
        precondition(rows == other.rows && cols == other.cols, "adding needs equal shapes")
        return Matrix(rows: rows, cols: cols) { out in
            values.withUnsafeBufferPointer { a in
                other.values.withUnsafeBufferPointer { b in
                    for k in 0..<out.count { out[k] = a[k] + b[k] }
                }
            }
        }
    }

    /// scale · (self + selfᵀ) for a square matrix, in cache-sized tiles.
    public func symmetrized(scale: T) -> Matrix {
        precondition(rows == cols, "symmetrized needs a square matrix")
        let n = rows, tile = 32
        var out = Matrix(zeros: n, n)
        values.withUnsafeBufferPointer { a in
            out.values.withUnsafeMutableBufferPointer { s in
                for i0 in stride(from: 0, to: n, by: tile) {
                    for j0 in stride(from: 0, to: n, by: tile) {
                        for i in i0..<min(i0 + tile, n) {
                            for j in j0..<min(j0 + tile, n) {
                                s[i * n + j] = scale * (a[i * n + j] + a[j * n + i])
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The (1, cols) sum of every row: a bias's gradient.
    public func columnSums() -> Matrix {
        var sums = Matrix(zeros: 1, cols)
        let width = cols
        values.withUnsafeBufferPointer { v in
            sums.values.withUnsafeMutableBufferPointer { out in
                for row in 0..<rows {
                    for k in 0..<width { out[k] += v[row * width + k] }
                }
            }
        }
        return sums
    }

    /// Rows [start, end) as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, values: Array(values[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// Splits the rows into consecutive blocks of the given sizes.
    public func splitRows(_ sizes: [Int]) -> [Matrix] {
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return rows(start..<(start + size))
        }
    }
}

extension MiningCounts {
    mutating func add(_ hardness: Hardness) {
        switch hardness {
        case .easy: easy += 1
        case .semiHard: semiHard += 1
        case .hard: hard += 1
        }
    }
}
