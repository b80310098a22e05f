import FuzzSupport
import LossData

/// The .npy reader, both ways in: bytes in memory (NumpyFile.read(data:name:)) and a file
/// (NumpyFile.read(path:), which reads float32/float64/int64 data straight from the file).
/// Thrown DataErrors are the right answer to bad input; the harness fails on a crash, on any
/// other error, and when the two entry points disagree about the same bytes. An array that
/// reads is then used as the loader would: as item vectors and as a labels file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpy(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let bytes = [UInt8](input)
    let name = "fuzz-input.npy"
    let fromData = Fuzz.expectDataErrors("NumpyFile.read(data:)", names: [name]) {
        try NumpyFile.read(data: bytes, name: name)
    }
    let path = Fuzz.write(input, to: "input.npy")
    let fromFile = Fuzz.expectDataErrors("NumpyFile.read(path:)", names: [path]) {
        try NumpyFile.read(path: path)
    }
    switch (fromData, fromFile) {
    case (nil, nil):
        return 0
    case (let a?, let b?):
        Fuzz.checkArray(a, what: "NumpyFile.read(data:)")
        Fuzz.checkArray(b, what: "NumpyFile.read(path:)")
        guard a.shape == b.shape, a.dtype == b.dtype, Fuzz.sameBits(a.storage, b.storage) else {
            fatalError("read(data:) and read(path:) disagree: \(a.shape) \(a.dtype) vs \(b.shape) \(b.dtype)")
        }
        Fuzz.useArray(a)
        if case .strings = a.storage {
            // String arrays (labels) are read, never written: the writer refuses them.
            _ = Fuzz.expectDataErrors("NumpyFile.encode(strings)", names: [name]) { try NumpyFile.encode(a) }
        } else {
            // The writer's image of what was read reads back the same (C order, same dtype).
            let rewritten = try! NumpyFile.encode(a)
            let again = try! NumpyFile.read(data: rewritten, name: "rewritten.npy")
            guard again.shape == a.shape, again.dtype == a.dtype, Fuzz.sameValues(again.storage, a.storage) else {
                fatalError("NumpyFile.encode of a read array does not read back the same")
            }
        }
        // As item vectors (no labels: refused after the vectors are checked).
        Fuzz.expectDataErrors("DatasetLoader.load(npy)", names: [path]) { try DatasetLoader.load(path: path) }
        // As a labels file for that many zero vectors.
        let rows = a.shape.first ?? 0
        if (a.rank == 1 || (a.rank == 2 && a.shape[1] == 1)) && rows > 0 && rows <= 4096 {
            let vectors = NumpyArray(shape: [rows, 2], dtype: .float32, storage: .floats32(.init(repeating: 0, count: 2 * rows)))
            let encoded = try! NumpyFile.encode(vectors)
            let vectorsPath = Fuzz.write(encoded, to: "vectors.npy")
            Fuzz.expectDataErrors("DatasetLoader.load(npy, labels: npy)", names: [vectorsPath, path]) {
                try DatasetLoader.load(path: vectorsPath, labels: path)
            }
        }
    case (let a?, nil):
        fatalError("read(data:) accepted \(a.shape) \(a.dtype) but read(path:) threw")
    case (nil, let b?):
        fatalError("read(path:) accepted \(b.shape) \(b.dtype) but read(data:) threw")
    }
    return 0
}
