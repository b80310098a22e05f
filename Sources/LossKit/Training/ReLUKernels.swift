/// The mlp's ReLU, forward and backward, as branch-free vector selects split over the cores.
///
/// A plain `if !(v > 0) { v = 0 }` loop mispredicts on half of random activations; a select
/// has no branch and takes eight values at a time. Each value is decided on its own, so the results are those
/// of the plain loop, bit for bit.
enum ReLUKernels {
    /// relu(values) in place: every value that is not > 0 (a negative, either zero, NaN)
    /// becomes +0, the others stay.
    static func forward<T: Scalar>(_ matrix: inout Matrix<T>) {
        let rows = matrix.rows, width = matrix.cols
        matrix.values.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedPointer(buffer)
            ParallelRows.run(rows: rows, elementsPerRow: width) { range in
                clamp(shared.base + range.lowerBound * width, count: range.count * width)
            }
        }
    }

    /// threshold_backward: the gradient passes where the ReLU's output was > 0 and becomes
    /// +0 everywhere else.
    static func backward<T: Scalar>(_ gradient: inout Matrix<T>, output: Matrix<T>) {
        precondition(gradient.rows == output.rows && gradient.cols == output.cols, "ReLU backward: the gradient is not shaped as the output")
        let rows = gradient.rows, width = gradient.cols
        output.values.withUnsafeBufferPointer { outputBuffer in
            gradient.values.withUnsafeMutableBufferPointer { buffer in
                let shared = SharedPointer(buffer), read = SharedReadPointer(outputBuffer)
                ParallelRows.run(rows: rows, elementsPerRow: width) { range in
                    let start = range.lowerBound * width
                    mask(shared.base + start, by: read.base + start, count: range.count * width)
                }
            }
        }
    }

    // Generic SIMD comparisons compile lane by lane, and a scalar `v = v > 0 ? v : 0` in place
    // becomes a conditional store again (the store of v is redundant), so Float and Double
    // get concrete vector loops; any other scalar type the plain one.
    @inline(__always)
    static func clamp<T: Scalar>(_ values: UnsafeMutablePointer<T>, count: Int) {
        var k = 0
        if T.self == Float.self {
            k = clampVectors(UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self), count: count)
        } else if T.self == Double.self {
            k = clampVectors(UnsafeMutableRawPointer(values).assumingMemoryBound(to: Double.self), count: count)
        }
        while k < count {
            if !(values[k] > 0) { values[k] = 0 }
            k += 1
        }
    }

    @inline(__always)
    static func mask<T: Scalar>(_ gradient: UnsafeMutablePointer<T>, by output: UnsafePointer<T>, count: Int) {
        var k = 0
        if T.self == Float.self {
            k = maskVectors(UnsafeMutableRawPointer(gradient).assumingMemoryBound(to: Float.self),
                            by: UnsafeRawPointer(output).assumingMemoryBound(to: Float.self), count: count)
        } else if T.self == Double.self {
            k = maskVectors(UnsafeMutableRawPointer(gradient).assumingMemoryBound(to: Double.self),
                            by: UnsafeRawPointer(output).assumingMemoryBound(to: Double.self), count: count)
        }
        while k < count {
            if !(output[k] > 0) { gradient[k] = 0 }
            k += 1
        }
    }

    /// The whole blocks of eight of `clamp`; returns where the tail starts.
    @inline(__always)
    static func clampVectors(_ values: UnsafeMutablePointer<Float>, count: Int) -> Int {
        let zero = SIMD8<Float>()
        var k = 0
        while k + 8 <= count {
            let v = UnsafeRawPointer(values + k).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(values + k).storeBytes(of: zero.replacing(with: v, where: v .> zero), as: SIMD8<Float>.self)
            k += 8
        }
        return k
    }

    @inline(__always)
    static func clampVectors(_ values: UnsafeMutablePointer<Double>, count: Int) -> Int {
        let zero = SIMD8<Double>()
        var k = 0
        while k + 8 <= count {
            let v = UnsafeRawPointer(values + k).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(values + k).storeBytes(of: zero.replacing(with: v, where: v .> zero), as: SIMD8<Double>.self)
            k += 8
        }
        return k
    }

    @inline(__always)
    static func maskVectors(_ gradient: UnsafeMutablePointer<Float>, by output: UnsafePointer<Float>, count: Int) -> Int {
        let zero = SIMD8<Float>()
        var k = 0
        while k + 8 <= count {
            let h = UnsafeRawPointer(output + k).loadUnaligned(as: SIMD8<Float>.self)
            let g = UnsafeRawPointer(gradient + k).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(gradient + k).storeBytes(of: zero.replacing(with: g, where: h .> zero), as: SIMD8<Float>.self)
            k += 8
        }
        return k
    }

    @inline(__always)
    static func maskVectors(_ gradient: UnsafeMutablePointer<Double>, by output: UnsafePointer<Double>, count: Int) -> Int {
        let zero = SIMD8<Double>()
        var k = 0
        while k + 8 <= count {
            let h = UnsafeRawPointer(output + k).loadUnaligned(as: SIMD8<Double>.self)
            let g = UnsafeRawPointer(gradient + k).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(gradient + k).storeBytes(of: zero.replacing(with: g, where: h .> zero), as: SIMD8<Double>.self)
            k += 8
        }
        return k
    }
}
