/// Words and their ids for token items: id 0 is "<pad>", id 1 is "<unk>", then the words.
public struct Vocabulary: Sendable, Equatable {
    public static let padding = "<pad>"
    public static let unknown = "<unk>"
    public static let paddingID = 0
    public static let unknownID = 1

    /// Index = id.
    public let words: [String]
    private let index: [String: Int]

    /// A vocabulary over `words` as given; "<pad>" and "<unk>" are put first when missing, and a
    /// repeated word keeps its first id.
    public init(words: [String]) {
        var list = [Self.padding, Self.unknown]
        list += words.filter { $0 != Self.padding && $0 != Self.unknown }
        var index = [String: Int](minimumCapacity: list.count)
        for (id, word) in list.enumerated() where index[word] == nil { index[word] = id }
        self.words = list
        self.index = index
    }

    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool { lhs.words == rhs.words }

    public var count: Int { words.count }

    /// The id of one (already tokenized) word, "<unk>"'s when it is not in the vocabulary.
    public func id(of word: String) -> Int { index[word] ?? Self.unknownID }

    /// The text's tokens (see `tokenize`) as ids; unknown words get id 1.
    public func ids(for text: String) -> [Int] {
        Self.tokenize(text).map { id(of: $0) }
    }

    /// The words of `ids` joined by spaces, padding left out; ids out of range read "<unk>".
    public func text(for ids: [Int]) -> String {
        ids.compactMap { id -> String? in
            if id == Self.paddingID { return nil }
            return words.indices.contains(id) ? words[id] : Self.unknown
        }.joined(separator: " ")
    }

    /// Lowercase words: letters and digits are kept, apostrophes are dropped (so "don't" becomes
    /// "dont"), and every other character (spaces, punctuation, symbols) separates words.
    public static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if character == "'" || character == "\u{2019}" {
                continue
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// The words of `texts` seen at least `minCount` times (values below 1 count as 1), most
    /// frequent first, ties in alphabetical order, after "<pad>" (0) and "<unk>" (1).
    public static func build(from texts: [String], minCount: Int = 1) -> Vocabulary {
        var counts: [String: Int] = [:]
        for text in texts {
            for token in tokenize(text) { counts[token, default: 0] += 1 }
        }
        let floor = max(minCount, 1)
        let kept = counts.filter { $0.value >= floor }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map(\.key)
        return Vocabulary(words: kept)
    }
}
