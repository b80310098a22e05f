/// The first NaN or infinity in float values, at memory speed: a block at a time, sixteen
/// lanes at once (x * 0 is 0 for every finite x and NaN otherwise), and only a block that
/// holds one is searched element by element.
public enum FiniteScan {
    public static func firstNonFinite(_ values: [Float]) -> Int? {
        values.withUnsafeBufferPointer { firstNonFinite($0) }
    }

    public static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        scan(values, lanes: SIMD16<Float>.self)
    }

    public static func firstNonFinite(_ values: UnsafeBufferPointer<Double>) -> Int? {
        scan(values, lanes: SIMD8<Double>.self)
    }

    @inline(__always)
    private static func scan<V: SIMD>(_ buffer: UnsafeBufferPointer<V.Scalar>, lanes _: V.Type) -> Int?
    where V.Scalar: BinaryFloatingPoint {
        guard let base = buffer.baseAddress else { return nil }
        let count = buffer.count, block = 4096, width = V.scalarCount
        var start = 0
        while start < count {
            let end = min(start + block, count)
            var lanes = V()
            var index = start
            while index + width <= end {
                lanes += UnsafeRawPointer(base + index).loadUnaligned(as: V.self) * 0
                index += width
            }
            var tail: V.Scalar = 0
            while index < end { tail += base[index] * 0; index += 1 }
            if any(lanes .!= lanes) || tail != tail {
                return (start..<end).first { !base[$0].isFinite }
            }
            start = end
        }
        return nil
    }
}
