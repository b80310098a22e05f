import FuzzSupport
import LossData

/// The .npz reader (ZIP directory, zip64, stored and deflate entries, CRC-32, and the .npy
/// reader on every entry) through NumpyArchive.read(data:name:), then the same bytes as a
/// file through DatasetLoader (key choice, labels and teacher arrays). Thrown DataErrors are
/// fine; crashes, other errors and disagreement between the two are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let bytes = [UInt8](input)
    let name = "fuzz-input.npz"
    let arrays = Fuzz.expectDataErrors("NumpyArchive.read(data:)", names: [name]) {
        try NumpyArchive.read(data: bytes, name: name)
    }
    let path = Fuzz.write(input, to: "input.npz")
    let fromFile = Fuzz.expectDataErrors("NumpyArchive.read(path:)", names: [path]) {
        try NumpyArchive.read(path: path)
    }
    guard (arrays == nil) == (fromFile == nil) else {
        fatalError("NumpyArchive.read(data:) and read(path:) disagree about the same bytes")
    }
    if let arrays {
        for (key, array) in arrays {
            Fuzz.checkArray(array, what: "entry \(key)")
            Fuzz.useArray(array)
        }
        Fuzz.expectDataErrors("DatasetLoader.load(npz)", names: [path]) { try DatasetLoader.load(path: path) }
        if let key = arrays.keys.sorted().first {
            Fuzz.expectDataErrors("DatasetLoader.load(npz, arrayKey)", names: [path]) {
                try DatasetLoader.load(path: path, options: LoadOptions(arrayKey: key))
            }
        }
    }
    return 0
}
