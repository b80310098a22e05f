/// The sentence-transformers release whose behaviour a loss reproduces. LossLab speaks today's
/// release by default; 1.2.0 (2021) on request, for its documented quirks.
public enum LossReference: String, Sendable, CaseIterable, Comparable {
    case v1_2_0 = "1.2.0"
    case v6_2_0 = "6.2.0"

    public static let latest = v6_2_0

    /// "1.2.0", "1.2", "v6.2.0", "6.2"...; nil for a release LossLab does not reproduce.
    public init?(text: String) {
        var version = text.trimmingCharacters(in: .whitespaces).lowercased()
        if version.hasPrefix("v") { version.removeFirst() }
        if version.split(separator: ".").count == 2 { version += ".0" }
        guard let reference = Self(rawValue: version) else { return nil }
        self = reference
    }

    public static func parse(_ text: String) throws -> LossReference {
        guard let reference = LossReference(text: text) else {
            throw LossError("reference '\(text)' is not one LossLab reproduces; it knows \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return reference
    }

    public static func < (a: LossReference, b: LossReference) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// "sentence-transformers 6.2.0"
    public var title: String { "sentence-transformers \(rawValue)" }
}
