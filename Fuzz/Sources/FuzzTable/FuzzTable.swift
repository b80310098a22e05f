import FuzzSupport
import LossData

/// The CSV/TSV table loader (DelimitedReader, TextLineReader's UTF-8 and NUL checks, header
/// and column-role detection, labels) and the labels-file reader. Each input is loaded as a
/// .csv, as a .tsv, and as the Embedding Projector pair (the same bytes as vectors.tsv and
/// as its metadata file), with column options chosen by the input's length so the corpus
/// stays plain files. Thrown DataErrors naming the file are fine; anything else fails.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTable(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let options: LoadOptions
    switch count % 5 {
    case 1: options = LoadOptions(labelColumn: "label")
    case 2: options = LoadOptions(textColumn: "text")
    case 3: options = LoadOptions(labelColumn: "0", textColumn: "1")
    case 4: options = LoadOptions(labelColumn: "y")
    default: options = LoadOptions()
    }
    let csv = Fuzz.write(input, to: "input.csv")
    Fuzz.expectDataErrors("DatasetLoader.load(csv)", names: [csv]) { try DatasetLoader.load(path: csv, options: options) }
    let tsv = Fuzz.write(input, to: "input.tsv")
    Fuzz.expectDataErrors("DatasetLoader.load(tsv)", names: [tsv]) { try DatasetLoader.load(path: tsv, options: options) }
    let metadata = Fuzz.write(input, to: "metadata.txt")
    Fuzz.expectDataErrors("DatasetLoader.load(tsv, labels: txt)", names: [tsv, metadata]) {
        try DatasetLoader.load(path: tsv, labels: metadata, options: options)
    }
    return 0
}
