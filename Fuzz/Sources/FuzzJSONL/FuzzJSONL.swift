import FuzzSupport
import LossData

/// The JSON Lines loader: the strict one-line JSON parser (depth limit, escapes, surrogates,
/// NaN/Infinity literals), record layouts, embeddings, pair labels and the text pool.
/// Thrown DataErrors naming the file are fine; crashes and any other error fail.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let path = Fuzz.write(input, to: "input.jsonl")
    if let dataset = Fuzz.expectDataErrors("DatasetLoader.load(jsonl)", names: [path], { try DatasetLoader.load(path: path) }) {
        do {
            try dataset.validate()
        } catch {
            fatalError("a loaded dataset fails validate(): \(error)")
        }
    }
    return 0
}
