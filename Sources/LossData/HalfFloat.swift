/// IEEE 754 binary16 conversions done on bit patterns, so they work on every platform
/// whether or not Swift's Float16 type is available there.
enum HalfFloat {
    /// The Float with the same value as the half-precision bit pattern (exact).
    static func toFloat(_ bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }

    /// The nearest half-precision bit pattern (ties to even; overflow gives infinity).
    static func fromFloat(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        if value.isNaN { return sign | 0x7E00 }
        let magnitude = abs(value)
        if magnitude >= 65520 { return sign | 0x7C00 }  // rounds up to infinity
        if magnitude < 0x1p-14 {
            // Subnormal half (or zero): count units of 2^-24; scaling by a power of two is exact.
            let units = (magnitude * 0x1p24).rounded(.toNearestOrEven)
            return sign | UInt16(units)  // 1024 units carries into the smallest normal, correctly
        }
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        let mantissa = bits & 0x7F_FFFF
        var half = UInt32(exponent) << 10 | (mantissa >> 13)
        let dropped = mantissa & 0x1FFF
        if dropped > 0x1000 || (dropped == 0x1000 && half & 1 == 1) {
            half += 1  // a carry out of the mantissa bumps the exponent, which is right
        }
        return sign | UInt16(half)
    }
}
