import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
//
//     [u64 little-endian N][N bytes of UTF-8 JSON header, space padded][data section]
//
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} with
// offsets relative to the start of the data section, plus an optional "__metadata__" object of
// string to string. Tensor data is little-endian and row-major; tensors must not overlap and
// must together cover the data section exactly.
//
// Nothing in this file traps on malformed input: every size computation is overflow-checked
// explicitly (the engine is compiled with -Ounchecked, where arithmetic traps are removed),
// and every problem becomes a `SafeTensorsError`.

// MARK: - Errors

/// A problem reading or writing a safetensors file: which file, which tensor (if any), and a
/// message saying what is wrong and what was expected.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable, LocalizedError {
    /// Path of the file concerned (`"<memory>"` for `SafeTensorsWriter.encode`).
    public var file: String
    /// The tensor concerned, if the problem is specific to one.
    public var tensor: String?
    /// What is wrong and what was expected.
    public var message: String

    public init(file: String, tensor: String? = nil, message: String) {
        self.file = file
        self.tensor = tensor
        self.message = message
    }

    /// `file: tensor "name": message`, or `file: message` when no tensor is concerned.
    public var description: String {
        if let tensor { return "\(file): tensor \(SafeTensorsJSON.quoted(tensor)): \(message)" }
        return "\(file): \(message)"
    }

    public var errorDescription: String? { description }
}

// MARK: - Data types

/// Element types of the safetensors format, spelled as in the header.
///
/// Sub-byte types of recent format revisions (F4, F6_*, F8_E8M0) are not supported and are
/// rejected as unknown when reading.
public enum SafeTensorDType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3 = "F8_E4M3"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Whether `SafeTensorsFile.copyFloats` can read this type (F32, F16, BF16, F64).
    public var isConvertibleToFloat: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: return true
        default: return false
        }
    }

    /// IEEE 754 binary16 bits to Float, exactly (every half value is representable).
    /// Written out by hand because `Float16` is unavailable on x86_64 macOS.
    static func floatFromF16Bits(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F {
            // Infinity or NaN (payload kept in the top mantissa bits).
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        // Normal: rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// bfloat16 bits to Float: the bits are the upper half of a Float.
    static func floatFromBF16Bits(_ b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }
}

// MARK: - Tensor info

/// One tensor of a safetensors file, as declared by its header (validated).
public struct SafeTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafeTensorDType
    /// Row-major dimensions; `[]` is a scalar (one element), a zero dimension means no elements.
    public let shape: [Int]
    /// Bytes of the tensor, relative to the start of the data section (the header's `data_offsets`).
    public let dataRange: Range<Int>

    /// Number of elements, the product of `shape` (1 for a scalar).
    public var elementCount: Int { SafeTensorsLayout.elementCount(shape) ?? 0 }
}

/// Overflow-checked size arithmetic shared by the reader and the writer.
enum SafeTensorsLayout {
    /// Product of `shape`, or nil if a dimension is negative or the product overflows `Int`.
    /// A shape containing 0 has 0 elements whatever its other dimensions.
    static func elementCount(_ shape: [Int]) -> Int? {
        if shape.contains(where: { $0 < 0 }) { return nil }
        if shape.contains(0) { return 0 }
        var product = 1
        for d in shape {
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            product = p
        }
        return product
    }

    /// `[2, 3]`-style rendering of a shape for messages.
    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}

// MARK: - Reader

/// A safetensors file held in memory (read fully, not memory-mapped, so a file truncated by
/// another process cannot fault), with its header fully validated on load. Tensors are converted on access with `copyFloats`, `floats` and
/// `int32s`.
public struct SafeTensorsFile: Sendable {
    /// Path of the file (as given to `init(data:path:)`), used in error messages.
    public let path: String
    /// The header's `__metadata__` object (empty if absent).
    public let metadata: [String: String]
    /// All tensors, ordered by their position in the data section.
    public let tensors: [SafeTensorInfo]
    /// Byte offset of the data section in the file: 8 + header length.
    public let dataOffset: Int

    /// Largest header accepted, as in the reference implementation.
    public static let maxHeaderLength = 100_000_000

    private let data: Data
    private let indexByName: [String: Int]

    /// The tensor called `name`, or nil.
    public subscript(name: String) -> SafeTensorInfo? {
        guard let i = indexByName[name] else { return nil }
        return tensors[i]
    }

    /// Reads the whole file at `url` into memory and validates its header.
    public init(contentsOf url: URL) throws {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw SafeTensorsError(file: url.path, message: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(data: bytes, path: url.path)
    }

    /// Validates `data` as a complete safetensors file; `path` names it in errors.
    ///
    /// Checks: the length prefix and header fit in the file; the header is UTF-8 JSON of an
    /// object; each entry has a known dtype, a shape of non-negative integers and
    /// `data_offsets` `[begin, end]` with begin <= end spanning exactly
    /// product(shape) · dtype size bytes; every tensor lies within the data section; tensors
    /// neither overlap nor leave gaps and cover the data section; `__metadata__`, if present,
    /// maps strings to strings.
    public init(data: Data, path: String) throws {
        func fail(_ tensor: String?, _ message: String) -> SafeTensorsError {
            SafeTensorsError(file: path, tensor: tensor, message: message)
        }
        let total = data.count
        guard total >= 8 else {
            throw fail(nil, "the file is \(total) bytes long, shorter than the 8-byte header length "
                + "prefix of a safetensors file (file truncated?)")
        }
        let declared: UInt64 = data.withUnsafeBytes { raw in
            UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        }
        guard declared <= UInt64(SafeTensorsFile.maxHeaderLength) else {
            throw fail(nil, "the header length prefix says \(declared) bytes, more than the limit of "
                + "\(SafeTensorsFile.maxHeaderLength); this is not a safetensors file or it is corrupt")
        }
        let headerLength = Int(declared)
        guard headerLength <= total - 8 else {
            throw fail(nil, "the header length prefix says \(headerLength) bytes but only \(total - 8) "
                + "bytes follow it (file truncated?)")
        }
        let headerBytes: [UInt8] = data.withUnsafeBytes { raw in
            Array(UnsafeRawBufferPointer(rebasing: raw[8 ..< 8 + headerLength]))
        }
        // Decoding replaces ill-formed sequences, so the bytes round-trip only if valid UTF-8.
        guard String(decoding: headerBytes, as: UTF8.self).utf8.elementsEqual(headerBytes) else {
            throw fail(nil, "the header is not valid UTF-8")
        }
        let root: SafeTensorsJSONValue
        do {
            root = try SafeTensorsJSON.parse(headerBytes)
        } catch let e as SafeTensorsJSONSyntaxError {
            throw fail(nil, "the header is not valid JSON: \(e.message) at byte \(e.offset) of the header")
        }
        guard case .object(let members) = root else {
            throw fail(nil, "the header must be a JSON object mapping tensor names to "
                + "{\"dtype\", \"shape\", \"data_offsets\"}, found \(root.kindDescription)")
        }

        var metadata: [String: String] = [:]
        var infos: [SafeTensorInfo] = []
        infos.reserveCapacity(members.count)
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try Self.parseMetadata(value, fail: fail)
            } else {
                infos.append(try Self.parseEntry(name: key, value, fail: fail))
            }
        }

        // Order by position; ties (empty tensors) by end, then by name for determinism.
        infos.sort { a, b in
            if a.dataRange.lowerBound != b.dataRange.lowerBound {
                return a.dataRange.lowerBound < b.dataRange.lowerBound
            }
            if a.dataRange.upperBound != b.dataRange.upperBound {
                return a.dataRange.upperBound < b.dataRange.upperBound
            }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }

        let dataLength = total - 8 - headerLength
        // Bounds first, in position order, so a truncated file names the tensor the cut falls in.
        for info in infos where info.dataRange.upperBound > dataLength {
            throw fail(info.name, "needs bytes [\(info.dataRange.lowerBound), \(info.dataRange.upperBound)) "
                + "but the data section has only \(dataLength) bytes (file truncated?)")
        }
        var covered = 0
        var previous: String?
        for info in infos {
            let begin = info.dataRange.lowerBound
            if begin < covered {
                throw fail(info.name, "bytes [\(begin), \(info.dataRange.upperBound)) overlap tensor "
                    + "\(SafeTensorsJSON.quoted(previous ?? "")), which ends at byte \(covered); "
                    + "tensors must not overlap")
            }
            if begin > covered {
                let before = previous.map { "tensor \(SafeTensorsJSON.quoted($0)) ends" } ?? "the data section starts"
                throw fail(info.name, "starts at byte \(begin) but \(before) at byte \(covered); "
                    + "tensors must cover the data section without gaps")
            }
            covered = info.dataRange.upperBound
            previous = info.name
        }
        guard covered == dataLength else {
            throw fail(nil, "the data section has \(dataLength) bytes but the tensors cover only the "
                + "first \(covered); expected no trailing bytes after the last tensor")
        }

        var index: [String: Int] = [:]
        for (i, info) in infos.enumerated() { index[info.name] = i }
        self.path = path
        self.metadata = metadata
        self.tensors = infos
        self.dataOffset = 8 + headerLength
        self.data = data
        self.indexByName = index
    }

    private static func parseMetadata(
        _ value: SafeTensorsJSONValue, fail: (String?, String) -> SafeTensorsError
    ) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw fail(nil, "\"__metadata__\" must be an object of string to string, found \(value.kindDescription)")
        }
        var result: [String: String] = [:]
        for (key, v) in members {
            guard case .string(let s) = v else {
                throw fail(nil, "\"__metadata__\" must be an object of string to string, but the value of "
                    + "key \(SafeTensorsJSON.quoted(key)) is \(v.kindDescription)")
            }
            result[key] = s
        }
        return result
    }

    private static func parseEntry(
        name: String, _ value: SafeTensorsJSONValue, fail report: (String?, String) -> SafeTensorsError
    ) throws -> SafeTensorInfo {
        func fail(_ message: String) -> SafeTensorsError { report(name, message) }
        guard case .object(let fields) = value else {
            throw fail("the entry must be an object with \"dtype\", \"shape\" and \"data_offsets\", "
                + "found \(value.kindDescription)")
        }
        func field(_ key: String) -> SafeTensorsJSONValue? { fields.first { $0.key == key }?.value }
        let known = SafeTensorDType.allCases.map(\.rawValue).joined(separator: ", ")

        guard let dtypeValue = field("dtype") else {
            throw fail("missing \"dtype\"; expected one of \(known)")
        }
        guard case .string(let dtypeName) = dtypeValue else {
            throw fail("\"dtype\" must be a string, one of \(known); found \(dtypeValue.kindDescription)")
        }
        guard let dtype = SafeTensorDType(rawValue: dtypeName) else {
            throw fail("unknown dtype \(SafeTensorsJSON.quoted(dtypeName)); expected one of \(known)")
        }

        guard let shapeValue = field("shape") else {
            throw fail("missing \"shape\"; expected an array of non-negative integers")
        }
        guard case .array(let dims) = shapeValue else {
            throw fail("\"shape\" must be an array of non-negative integers, found \(shapeValue.kindDescription)")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for (i, d) in dims.enumerated() {
            guard let n = d.exactInt, n >= 0 else {
                throw fail("\"shape\" must be an array of non-negative integers, but element \(i) is "
                    + "\(d.kindDescription)")
            }
            shape.append(n)
        }

        guard let offsetsValue = field("data_offsets") else {
            throw fail("missing \"data_offsets\"; expected [begin, end]")
        }
        guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
            throw fail("\"data_offsets\" must be an array [begin, end] of two integers, found "
                + "\(offsetsValue.kindDescription)")
        }
        guard let begin = offsets[0].exactInt, let end = offsets[1].exactInt, begin >= 0, end >= 0 else {
            throw fail("\"data_offsets\" must be two non-negative integers [begin, end], found "
                + "[\(offsets[0].kindDescription), \(offsets[1].kindDescription)]")
        }
        guard begin <= end else {
            throw fail("\"data_offsets\" [\(begin), \(end)] has begin > end; expected begin <= end")
        }

        guard let count = SafeTensorsLayout.elementCount(shape) else {
            throw fail("shape \(SafeTensorsLayout.describe(shape)) has more elements than fit in a 64-bit integer")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else {
            throw fail("shape \(SafeTensorsLayout.describe(shape)) of \(dtype.rawValue) needs more bytes than "
                + "fit in a 64-bit integer")
        }
        guard end - begin == needed else {
            throw fail("\"data_offsets\" [\(begin), \(end)] span \(end - begin) bytes but shape "
                + "\(SafeTensorsLayout.describe(shape)) of \(dtype.rawValue) needs \(needed) bytes "
                + "(\(count) elements × \(dtype.byteSize))")
        }
        return SafeTensorInfo(name: name, dtype: dtype, shape: shape, dataRange: begin ..< end)
    }

    private func lookup(_ name: String) throws -> SafeTensorInfo {
        guard let info = self[name] else {
            throw SafeTensorsError(file: path, tensor: name,
                                   message: "no such tensor in the file (it has \(tensors.count) tensors)")
        }
        return info
    }

    /// Calls `body` with the tensor's raw little-endian bytes (valid only during the call).
    private func withBytes<R>(of info: SafeTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try data.withUnsafeBytes { raw in
            let start = dataOffset + info.dataRange.lowerBound
            return try body(UnsafeRawBufferPointer(rebasing: raw[start ..< start + info.dataRange.count]))
        }
    }

    /// Copies tensor `name` as Float32 into `destination`, converting F16/BF16/F64 to Float;
    /// validates that the tensor exists, that its shape equals `expectedShape`, that its dtype
    /// is a floating-point one and that `destination` holds exactly its element count.
    public func copyFloats(_ name: String, expectedShape: [Int],
                           into destination: UnsafeMutableBufferPointer<Float>) throws {
        let info = try lookup(name)
        guard info.shape == expectedShape else {
            throw SafeTensorsError(file: path, tensor: name,
                                   message: "has shape \(SafeTensorsLayout.describe(info.shape)) but shape "
                                       + "\(SafeTensorsLayout.describe(expectedShape)) was expected")
        }
        try copyFloats(info, into: destination)
    }

    private func copyFloats(_ info: SafeTensorInfo, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard info.dtype.isConvertibleToFloat else {
            throw SafeTensorsError(file: path, tensor: info.name,
                                   message: "has dtype \(info.dtype.rawValue), which cannot be read as floats; "
                                       + "expected F32, F16, BF16 or F64")
        }
        let count = info.elementCount
        guard destination.count == count else {
            throw SafeTensorsError(file: path, tensor: info.name,
                                   message: "the destination holds \(destination.count) floats but the tensor "
                                       + "has \(count) elements")
        }
        guard count > 0, let dst = destination.baseAddress else { return }
        withBytes(of: info) { src in
            switch info.dtype {
            case .f32:
                #if _endian(little)
                UnsafeMutableRawBufferPointer(destination).copyMemory(from: src)
                #else
                for i in 0 ..< count {
                    dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                #endif
            case .f16:
                for i in 0 ..< count {
                    let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    dst[i] = SafeTensorDType.floatFromF16Bits(bits)
                }
            case .bf16:
                for i in 0 ..< count {
                    let bits = UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    dst[i] = SafeTensorDType.floatFromBF16Bits(bits)
                }
            case .f64:
                for i in 0 ..< count {
                    let bits = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                    dst[i] = Float(Double(bitPattern: bits))
                }
            default:
                break  // excluded by isConvertibleToFloat above
            }
        }
    }

    /// Tensor `name` as Float32 values (row-major), converting F16/BF16/F64.
    public func floats(_ name: String) throws -> [Float] {
        let info = try lookup(name)
        let count = info.elementCount
        return try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            try copyFloats(info, into: UnsafeMutableBufferPointer(rebasing: buffer[0 ..< count]))
            initialized = count
        }
    }

    /// Tensor `name` as Int32 values (row-major). Accepts I32, and I64 when every value fits
    /// in Int32 (used by test fixtures for token ids).
    public func int32s(_ name: String) throws -> [Int32] {
        let info = try lookup(name)
        let count = info.elementCount
        switch info.dtype {
        case .i32:
            return withBytes(of: info) { src in
                (0 ..< count).map { Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            }
        case .i64:
            return try withBytes(of: info) { src in
                var out: [Int32] = []
                out.reserveCapacity(count)
                for i in 0 ..< count {
                    let v = Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
                    guard let narrow = Int32(exactly: v) else {
                        throw SafeTensorsError(file: path, tensor: name,
                                               message: "element \(i) is \(v), which does not fit in Int32")
                    }
                    out.append(narrow)
                }
                return out
            }
        default:
            throw SafeTensorsError(file: path, tensor: name,
                                   message: "has dtype \(info.dtype.rawValue), which cannot be read as Int32; "
                                       + "expected I32 or I64")
        }
    }
}

// MARK: - Writer

/// Writes Float32 tensors as safetensors files.
///
/// Output is deterministic: header keys are sorted by their UTF-8 bytes, each entry lists
/// `dtype`, `shape`, `data_offsets` in that order with no whitespace, the header is padded
/// with spaces to a multiple of 8 bytes, and tensor data follows in the order given. The same
/// inputs therefore give byte-identical files.
public enum SafeTensorsWriter {
    /// One tensor to write, as F32. `values` must stay valid for the duration of the call.
    public struct Entry {
        public var name: String
        public var shape: [Int]
        public var values: UnsafeBufferPointer<Float>

        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Writes atomically: the file is written to a temporary file in the same directory,
    /// flushed to disk, then renamed over `url`, so readers see either the old or the new file.
    public static func write(_ entries: [Entry], metadata: [String: String], to url: URL) throws {
        let path = url.path
        let bytes = try encode(entries, metadata: metadata, path: path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError(file: path, message: message) }
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw fail("cannot create the temporary file \(temporary.path)")
            }
            let handle: FileHandle
            do {
                handle = try FileHandle(forWritingTo: temporary)
            } catch {
                throw fail("cannot open the temporary file \(temporary.path): \(error.localizedDescription)")
            }
            do {
                try handle.write(contentsOf: bytes)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw fail("cannot write the temporary file \(temporary.path): \(error.localizedDescription)")
            }
            guard rename(temporary.path, path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw fail("cannot rename \(temporary.path) to the destination: \(reason)")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        // Make the rename durable (best effort; not all file systems allow fsync on a directory).
        let fd = open(directory.path, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }

    /// The bytes of the safetensors file `write` would produce.
    ///
    /// Rejects empty names, the reserved name `__metadata__`, duplicate names, negative
    /// dimensions and shapes whose element count differs from `values.count`.
    public static func encode(_ entries: [Entry], metadata: [String: String]) throws -> Data {
        try encode(entries, metadata: metadata, path: "<memory>")
    }

    static func encode(_ entries: [Entry], metadata: [String: String], path: String) throws -> Data {
        func fail(_ tensor: String?, _ message: String) -> SafeTensorsError {
            SafeTensorsError(file: path, tensor: tensor, message: message)
        }
        var keyed: [(key: String, json: String)] = []
        keyed.reserveCapacity(entries.count + 1)
        var names = Set<String>()
        var offset = 0
        for entry in entries {
            guard !entry.name.isEmpty else { throw fail(entry.name, "tensor names must not be empty") }
            guard entry.name != "__metadata__" else {
                throw fail(entry.name, "\"__metadata__\" is reserved for the metadata object")
            }
            guard names.insert(entry.name).inserted else {
                throw fail(entry.name, "duplicate tensor name; each name must appear once")
            }
            guard let count = SafeTensorsLayout.elementCount(entry.shape) else {
                throw fail(entry.name, "shape \(SafeTensorsLayout.describe(entry.shape)) must have non-negative "
                    + "dimensions whose product fits in a 64-bit integer")
            }
            guard count == entry.values.count else {
                throw fail(entry.name, "shape \(SafeTensorsLayout.describe(entry.shape)) has \(count) elements "
                    + "but \(entry.values.count) values were given")
            }
            let (size, overflow1) = count.multipliedReportingOverflow(by: 4)
            let (end, overflow2) = offset.addingReportingOverflow(size)
            guard !overflow1, !overflow2 else { throw fail(entry.name, "the data section would exceed 2^63 bytes") }
            let shapeJSON = entry.shape.map(String.init).joined(separator: ",")
            keyed.append((key: entry.name,
                          json: "{\"dtype\":\"F32\",\"shape\":[\(shapeJSON)],\"data_offsets\":[\(offset),\(end)]}"))
            offset = end
        }
        if !metadata.isEmpty {
            let items = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { SafeTensorsJSON.quoted($0.key) + ":" + SafeTensorsJSON.quoted($0.value) }
            keyed.append((key: "__metadata__", json: "{" + items.joined(separator: ",") + "}"))
        }
        keyed.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var header = Array(("{" + keyed.map { SafeTensorsJSON.quoted($0.key) + ":" + $0.json }
            .joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        guard header.count <= SafeTensorsFile.maxHeaderLength else {
            throw fail(nil, "the header would be \(header.count) bytes, more than readers accept "
                + "(\(SafeTensorsFile.maxHeaderLength))")
        }

        var out = Data()
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for entry in entries where !entry.values.isEmpty {
            #if _endian(little)
            out.append(entry.values)
            #else
            for v in entry.values {
                withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
            #endif
        }
        return out
    }
}
