/// Reductions over contiguous rows, kept in several independent SIMD partial sums.
///
/// Swift adds floating-point numbers strictly in source order, so `sum += a[k] * b[k]` is one
/// long dependency chain that never vectorises: at 768 columns that costs more than the
/// memory traffic. Sixteen lanes in two SIMD registers cut the chain sixteenfold. The order
/// of the additions differs from a plain loop only by rounding, as PyTorch's own vectorised
/// reductions do.
enum VectorKernels {
    @inline(__always)
    static func load<T: Scalar>(_ pointer: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<T>.self)
    }

    /// Σ a[k]·b[k].
    @inline(__always)
    static func dot<T: Scalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, count: Int) -> T {
        var first = SIMD8<T>(), second = SIMD8<T>()
        var k = 0
        while k + 16 <= count {
            first += load(a + k) * load(b + k)
            second += load(a + k + 8) * load(b + k + 8)
            k += 16
        }
        if k + 8 <= count {
            first += load(a + k) * load(b + k)
            k += 8
        }
        var total = (first + second).sum()
        while k < count {
            total += a[k] * b[k]
            k += 1
        }
        return total
    }

    /// Σ a[k]².
    @inline(__always)
    static func sumOfSquares<T: Scalar>(_ a: UnsafePointer<T>, count: Int) -> T {
        dot(a, a, count: count)
    }

    /// Σ a[k].
    @inline(__always)
    static func sum<T: Scalar>(_ a: UnsafePointer<T>, count: Int) -> T {
        var first = SIMD8<T>(), second = SIMD8<T>()
        var k = 0
        while k + 16 <= count {
            first += load(a + k)
            second += load(a + k + 8)
            k += 16
        }
        if k + 8 <= count {
            first += load(a + k)
            k += 8
        }
        var total = (first + second).sum()
        while k < count {
            total += a[k]
            k += 1
        }
        return total
    }

    /// Σ ((a[k] - b[k]) + shift)², the squared `pairwise_distance` with its eps per difference.
    @inline(__always)
    static func squaredDistance<T: Scalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, shift: T, count: Int) -> T {
        let shifts = SIMD8<T>(repeating: shift)
        var first = SIMD8<T>(), second = SIMD8<T>()
        var k = 0
        while k + 16 <= count {
            let d0 = (load(a + k) - load(b + k)) + shifts
            let d1 = (load(a + k + 8) - load(b + k + 8)) + shifts
            first += d0 * d0
            second += d1 * d1
            k += 16
        }
        if k + 8 <= count {
            let d0 = (load(a + k) - load(b + k)) + shifts
            first += d0 * d0
            k += 8
        }
        var total = (first + second).sum()
        while k < count {
            let d = (a[k] - b[k]) + shift
            total += d * d
            k += 1
        }
        return total
    }

    /// Σ |(a[k] - b[k]) + shift|, the manhattan `pairwise_distance`. Four running sums as
    /// scalars (the compiler packs them); generic SIMD has no cheap absolute value.
    @inline(__always)
    static func absoluteDistance<T: Scalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, shift: T, count: Int) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
        var k = 0
        while k &+ 4 <= count {
            s0 += ((a[k] - b[k]) + shift).magnitude
            s1 += ((a[k &+ 1] - b[k &+ 1]) + shift).magnitude
            s2 += ((a[k &+ 2] - b[k &+ 2]) + shift).magnitude
            s3 += ((a[k &+ 3] - b[k &+ 3]) + shift).magnitude
            k &+= 4
        }
        var total = (s0 + s1) + (s2 + s3)
        while k < count {
            total += ((a[k] - b[k]) + shift).magnitude
            k &+= 1
        }
        return total
    }

    /// Σ (a[k] / aScale) · (b[k] / bScale): `cosine_similarity`'s sum over the scaled rows.
    @inline(__always)
    static func scaledDot<T: Scalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, dividedBy aScale: T, _ bScale: T, count: Int) -> T {
        let aScales = SIMD8<T>(repeating: aScale), bScales = SIMD8<T>(repeating: bScale)
        var first = SIMD8<T>(), second = SIMD8<T>()
        var k = 0
        while k + 16 <= count {
            first += (load(a + k) / aScales) * (load(b + k) / bScales)
            second += (load(a + k + 8) / aScales) * (load(b + k + 8) / bScales)
            k += 16
        }
        var total = (first + second).sum()
        while k < count {
            total += (a[k] / aScale) * (b[k] / bScale)
            k += 1
        }
        return total
    }

    /// The largest of a[0..<count] (-infinity when empty); a NaN anywhere may or may not win.
    /// Eight running maxima as scalars: the compiler packs them into one vector max; generic
    /// SIMD comparisons would be compiled lane by lane.
    @inline(__always)
    static func maximum<T: Scalar>(_ a: UnsafePointer<T>, count: Int) -> T {
        var m0 = -T.infinity, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0
        var k = 0
        while k &+ 8 <= count {
            m0 = a[k] > m0 ? a[k] : m0
            m1 = a[k &+ 1] > m1 ? a[k &+ 1] : m1
            m2 = a[k &+ 2] > m2 ? a[k &+ 2] : m2
            m3 = a[k &+ 3] > m3 ? a[k &+ 3] : m3
            m4 = a[k &+ 4] > m4 ? a[k &+ 4] : m4
            m5 = a[k &+ 5] > m5 ? a[k &+ 5] : m5
            m6 = a[k &+ 6] > m6 ? a[k &+ 6] : m6
            m7 = a[k &+ 7] > m7 ? a[k &+ 7] : m7
            k &+= 8
        }
        var top = Swift.max(Swift.max(Swift.max(m0, m1), Swift.max(m2, m3)), Swift.max(Swift.max(m4, m5), Swift.max(m6, m7)))
        while k < count {
            if a[k] > top { top = a[k] }
            k &+= 1
        }
        return top
    }

    /// How many of a[0..<count] satisfy `test`. (A plain `while` loop with wrapping adds: the
    /// shape the compiler vectorises once the test is inlined.)
    @inline(__always)
    static func count<T: Scalar>(_ a: UnsafePointer<T>, count: Int, where test: (T) -> Bool) -> Int {
        var total = 0
        var k = 0
        while k < count {
            total &+= test(a[k]) ? 1 : 0
            k &+= 1
        }
        return total
    }
}
