#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The C library's sine and cosine, kept in this file so the rest of Toy/ sees no C names.

func toyCos(_ x: Double) -> Double { cos(x) }

func toySin(_ x: Double) -> Double { sin(x) }
