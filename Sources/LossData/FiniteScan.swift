/// The first NaN or infinity in a float array, at memory speed: a block at a time, sixteen
/// lanes at once (x * 0 is 0 for every finite x and NaN otherwise), and only a block that
/// holds one is searched element by element.
public enum FiniteScan {
    public static func firstNonFinite(_ values: [Float]) -> Int? {
        values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            let count = buffer.count, block = 4096
            var start = 0
            while start < count {
                let end = min(start + block, count)
                var lanes = SIMD16<Float>(repeating: 0)
                var index = start
                while index + 16 <= end {
                    lanes += UnsafeRawPointer(base + index).loadUnaligned(as: SIMD16<Float>.self) * 0
                    index += 16
                }
                var tail: Float = 0
                while index < end { tail += base[index] * 0; index += 1 }
                if any(lanes .!= lanes) || tail != tail {
                    return (start..<end).first { !base[$0].isFinite }
                }
                start = end
            }
            return nil
        }
    }
}
