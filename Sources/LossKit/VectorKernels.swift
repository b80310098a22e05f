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

    /// out[k] += factor · a[k], each a multiply then an add (no fused multiply-add), as a plain loop rounds them.
    @inline(__always)
    static func addScaled<T: Scalar>(_ a: UnsafePointer<T>, _ factor: T, into out: UnsafeMutablePointer<T>, count: Int) {
        let factors = SIMD8<T>(repeating: factor)
        var k = 0
        while k + 8 <= count {
            store(load(out + k) + factors * load(a + k), out + k)
            k += 8
        }
        while k < count {
            out[k] += factor * a[k]
            k += 1
        }
    }

    /// out[k] += a[k].
    @inline(__always)
    static func add<T: Scalar>(_ a: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, count: Int) {
        var k = 0
        while k + 8 <= count {
            store(load(out + k) + load(a + k), out + k)
            k += 8
        }
        while k < count {
            out[k] += a[k]
            k += 1
        }
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

    /// AnglE's row sums in one pass: ‖x‖², ‖y‖² and Σ x·y + Σ (x2·y1 − x1·y2), where x1, x2 are
    /// the halves of the row after a zero is appended to an odd one (x1 the first ⌈d/2⌉
    /// values). The appended zero only shortens the second half, so the first half's last
    /// value is paired with nothing when d is odd.
    @inline(__always)
    static func angleSums<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count d: Int) -> (xx: T, yy: T, cosPlusSin: T) {
        let half = (d + 1) / 2, paired = d - half
        var xx = SIMD8<T>(), yy = SIMD8<T>(), r = SIMD8<T>()
        var p = 0
        while p + 8 <= paired {
            let (x1, x2, y1, y2) = (load(x + p), load(x + half + p), load(y + p), load(y + half + p))
            xx += x1 * x1 + x2 * x2
            yy += y1 * y1 + y2 * y2
            r += x1 * (y1 - y2) + x2 * (y1 + y2)
            p += 8
        }
        var (sxx, syy, sr) = (xx.sum(), yy.sum(), r.sum())
        while p < paired {
            let (x1, x2, y1, y2) = (x[p], x[half + p], y[p], y[half + p])
            sxx += x1 * x1 + x2 * x2
            syy += y1 * y1 + y2 * y2
            sr += x1 * (y1 - y2) + x2 * (y1 + y2)
            p += 1
        }
        if paired < half {
            sxx += x[paired] * x[paired]
            syy += y[paired] * y[paired]
            sr += x[paired] * y[paired]
        }
        return (sxx, syy, sr)
    }

    /// The gradient rows of AnglE's similarity r = angleSums' cosPlusSin / (‖x‖ ‖y‖), given
    /// 1/‖x‖ and 1/‖y‖, r, the upstream factor over each norm (`outer`) and whether each norm
    /// passes gradient (`keep`, 0 where the clamp holds it): on the normalised rows x̂, ŷ,
    /// gx = outer.x · (∂r/∂x̂ − keep.x · r · x̂) and likewise for y, halves as in `angleSums`.
    @inline(__always)
    static func angleBackward<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count d: Int, inverseNorms: (x: T, y: T),
                                         similarity r: T, outer: (x: T, y: T), keep: (x: T, y: T),
                                         _ gx: UnsafeMutablePointer<T>, _ gy: UnsafeMutablePointer<T>) {
        let half = (d + 1) / 2, paired = d - half
        let (ix, iy, cx, cy) = (inverseNorms.x, inverseNorms.y, outer.x, outer.y)
        let (rx, ry) = (keep.x * r, keep.y * r)
        let (ixs, iys, cxs, cys) = (SIMD8(repeating: ix), SIMD8(repeating: iy), SIMD8(repeating: cx), SIMD8(repeating: cy))
        let (rxs, rys) = (SIMD8(repeating: rx), SIMD8(repeating: ry))
        var p = 0
        while p + 8 <= paired {
            let (x1, x2) = (load(x + p) * ixs, load(x + half + p) * ixs)
            let (y1, y2) = (load(y + p) * iys, load(y + half + p) * iys)
            store(cxs * ((y1 - y2) - rxs * x1), gx + p)
            store(cxs * ((y1 + y2) - rxs * x2), gx + half + p)
            store(cys * ((x1 + x2) - rys * y1), gy + p)
            store(cys * ((x2 - x1) - rys * y2), gy + half + p)
            p += 8
        }
        while p < paired {
            let (x1, x2, y1, y2) = (x[p] * ix, x[half + p] * ix, y[p] * iy, y[half + p] * iy)
            gx[p] = cx * ((y1 - y2) - rx * x1)
            gx[half + p] = cx * ((y1 + y2) - rx * x2)
            gy[p] = cy * ((x1 + x2) - ry * y1)
            gy[half + p] = cy * ((x2 - x1) - ry * y2)
            p += 1
        }
        if paired < half {
            let (x1, y1) = (x[paired] * ix, y[paired] * iy)
            gx[paired] = cx * (y1 - rx * x1)
            gy[paired] = cy * (x1 - ry * y1)
        }
    }

    @inline(__always)
    static func store<T: Scalar>(_ value: SIMD8<T>, _ pointer: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<T>.self)
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
