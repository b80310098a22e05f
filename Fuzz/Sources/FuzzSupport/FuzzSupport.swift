#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LossData

/// Helpers shared by the fuzz targets: a scratch directory for the loaders that take paths,
/// and the checks that turn a broken promise into a crash libFuzzer records.
public enum Fuzz {
    /// A private scratch directory (under $FUZZ_TMPDIR, /dev/shm or /tmp), made once.
    public static let directory: String = {
        let environment = getenv("FUZZ_TMPDIR").map { String(cString: $0) }
        let bases = [environment, "/dev/shm", "/tmp"].compactMap { $0 }
        for base in bases {
            var template = Array("\(base)/losslab-fuzz-XXXXXX".utf8CString)
            if let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) {
                let path = String(cString: made)
                atexit(Fuzz.removeScratch)
                return path
            }
        }
        fatalError("cannot make a scratch directory in any of \(bases)")
    }()

    /// Scratch files written so far, removed at exit.
    nonisolated(unsafe) private static var written: Set<String> = []

    private static let removeScratch: @convention(c) () -> Void = {
        for path in Fuzz.written { unlink(path) }
        rmdir(Fuzz.directory)
    }

    /// Writes `bytes` to the scratch file `name` (replacing it) and returns its path.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, to name: String) -> String {
        let path = directory + "/" + name
        written.insert(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("fuzz harness: cannot create \(path): \(String(cString: strerror(errno)))") }
        var done = 0
        while done < bytes.count {
            let wrote = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            guard wrote > 0 else { fatalError("fuzz harness: cannot write \(path)") }
            done += wrote
        }
        close(fd)
        return path
    }

    @discardableResult
    public static func write(_ bytes: [UInt8], to name: String) -> String {
        bytes.withUnsafeBytes { write($0, to: name) }
    }

    /// A thrown error is the expected answer to bad input, but it must be the documented
    /// kind: a DataError whose message starts with one of `names` (the file's path, or the
    /// labels file's). Anything else is a bug (a wrong error), reported as a crash.
    public static func checkDataError(_ error: any Error, names: [String], during what: String) {
        guard let error = error as? DataError else {
            fatalError("\(what) threw \(type(of: error)) (\(error)), not a DataError")
        }
        guard names.contains(where: { error.message.hasPrefix($0) }) else {
            fatalError("\(what): the DataError message does not start with \(names): \(error.message)")
        }
    }

    /// Runs `body`; a thrown DataError naming the file is fine, anything else is a bug.
    @discardableResult
    public static func expectDataErrors<T>(_ what: String, names: [String], _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            checkDataError(error, names: names, during: what)
            return nil
        }
    }

    /// The same values bit for bit (NaNs included), for differential checks.
    public static func sameBits(_ a: NumpyArray.Storage, _ b: NumpyArray.Storage) -> Bool {
        switch (a, b) {
        case (.floats32(let x), .floats32(let y)): x.map(\.bitPattern) == y.map(\.bitPattern)
        case (.floats64(let x), .floats64(let y)): x.map(\.bitPattern) == y.map(\.bitPattern)
        case (.ints(let x), .ints(let y)): x == y
        case (.strings(let x), .strings(let y)): x == y
        default: false
        }
    }

    /// The same values, any NaN matching any NaN (payloads need not survive a conversion).
    public static func sameValues(_ a: NumpyArray.Storage, _ b: NumpyArray.Storage) -> Bool {
        switch (a, b) {
        case (.floats32(let x), .floats32(let y)): x.elementsEqual(y) { $0 == $1 || ($0.isNaN && $1.isNaN) }
        case (.floats64(let x), .floats64(let y)): x.elementsEqual(y) { $0 == $1 || ($0.isNaN && $1.isNaN) }
        case (.ints(let x), .ints(let y)): x == y
        case (.strings(let x), .strings(let y)): x == y
        default: false
        }
    }

    /// The invariant every array a reader returns keeps: as many values as the shape says.
    public static func checkArray(_ array: NumpyArray, what: String) {
        var expected = 1
        for dimension in array.shape {
            guard dimension >= 0 else { fatalError("\(what): negative dimension in shape \(array.shape)") }
            let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
            guard !overflow else { fatalError("\(what): shape \(array.shape) overflows") }
            expected = product
        }
        guard expected == array.count else {
            fatalError("\(what): shape \(array.shape) needs \(expected) values but \(array.count) were returned")
        }
    }

    /// Exercises what callers do with a freshly read array (matrix conversion, label use,
    /// non-finite search); errors are fine, crashes are not.
    public static func useArray(_ array: NumpyArray) {
        _ = array.hasNonFinite
        _ = array.firstNonFinite()
        _ = try? array.int64s()
        _ = try? array.matrix(Float.self)
        _ = try? array.matrix(Double.self)
        _ = try? array.embeddingMatrix(Float.self)
        _ = try? array.exactDoubles()
        _ = try? LabelValues.read(array)
    }
}
