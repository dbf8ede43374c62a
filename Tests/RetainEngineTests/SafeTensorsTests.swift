import Foundation
import XCTest
@testable import RetainEngine

final class SafeTensorsTests: XCTestCase {
    // MARK: - Helpers

    /// Writer entries backed by freshly allocated buffers, freed with the object: keep it alive
    /// (`withExtendedLifetime`) while its entries are in use.
    private final class Tensors {
        private var buffers: [UnsafeMutableBufferPointer<Float>] = []
        private(set) var entries: [SafeTensorsWriter.Entry] = []

        init(_ specs: [(name: String, shape: [Int], values: [Float])]) {
            for spec in specs {
                let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: spec.values.count)
                _ = buffer.initialize(from: spec.values)
                buffers.append(buffer)
                entries.append(.init(name: spec.name, shape: spec.shape, values: UnsafeBufferPointer(buffer)))
            }
        }

        deinit { buffers.forEach { $0.deallocate() } }
    }

    /// A safetensors file from a literal header (unpadded) and data bytes.
    private func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        let h = Array(header.utf8)
        var out = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: h)
        out.append(contentsOf: data)
        return out
    }

    private func littleEndianBytes(_ values: [UInt16]) -> [UInt8] {
        values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    private func littleEndianBytes(_ values: [UInt64]) -> [UInt8] {
        values.flatMap { v in (0 ..< 8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }
    }

    /// Loads `data` expecting a `SafeTensorsError`; returns it (nil and a failure otherwise).
    @discardableResult
    private func loadError(_ data: Data, _ label: String = "", file: StaticString = #filePath,
                           line: UInt = #line) -> SafeTensorsError? {
        do {
            let loaded = try SafeTensorsFile(data: data, path: "test.safetensors")
            XCTFail("\(label): expected an error, loaded \(loaded.tensors.map(\.name))", file: file, line: line)
            return nil
        } catch let e as SafeTensorsError {
            XCTAssertEqual(e.file, "test.safetensors", label, file: file, line: line)
            return e
        } catch {
            XCTFail("\(label): expected SafeTensorsError, got \(error)", file: file, line: line)
            return nil
        }
    }

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private static let sample: [(name: String, shape: [Int], values: [Float])] = [
        ("model.embed.weight", [2, 3], [1, -2.5, 0x1p-140, -0.0, .infinity, Float(bitPattern: 0x7FC0_1234)]),
        ("scalar", [], [42.25]),
        ("empty", [0, 3], []),
        ("name with \"quotes\", \\ and \n é 😀", [4], [0.1, 0.2, 0.3, -.greatestFiniteMagnitude]),
        ("norm", [1, 1, 2], [1, 1]),
    ]

    // MARK: - Round trip

    func testRoundTripIsBitExactKeepsMetadataAndIsDeterministic() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("model.safetensors")
        let tensors = Tensors(Self.sample)
        defer { withExtendedLifetime(tensors) {} }  // entries point into its buffers
        var metadata: [String: String] = [:]
        for i in 0 ..< 20 { metadata["key\(i)"] = "value \(i) \"q\" ü" }
        try SafeTensorsWriter.write(tensors.entries, metadata: metadata, to: url)
        // Overwriting an existing file works too, and leaves no temporary files behind.
        try SafeTensorsWriter.write(tensors.entries, metadata: metadata, to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model.safetensors"])

        let loaded = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(loaded.path, url.path)
        XCTAssertEqual(loaded.metadata, metadata)
        XCTAssertEqual(loaded.tensors.map(\.name), Self.sample.map(\.name), "tensors are in data order = given order")
        for spec in Self.sample {
            let info = try XCTUnwrap(loaded[spec.name])
            XCTAssertEqual(info.dtype, .f32)
            XCTAssertEqual(info.shape, spec.shape)
            XCTAssertEqual(info.elementCount, spec.values.count)
            let values = try loaded.floats(spec.name)
            XCTAssertEqual(values.map(\.bitPattern), spec.values.map(\.bitPattern), spec.name)
            var copied = [Float](repeating: 7, count: spec.values.count)
            try copied.withUnsafeMutableBufferPointer {
                try loaded.copyFloats(spec.name, expectedShape: spec.shape, into: $0)
            }
            XCTAssertEqual(copied.map(\.bitPattern), spec.values.map(\.bitPattern), spec.name)
        }
        XCTAssertEqual(loaded["scalar"]?.dataRange.count, 4, "a 0-d tensor holds one element")
        XCTAssertEqual(loaded["empty"]?.dataRange.count, 0)

        // Determinism: the same inputs (metadata built in another insertion order) give the same bytes.
        var reversed: [String: String] = [:]
        for i in (0 ..< 20).reversed() { reversed["key\(i)"] = "value \(i) \"q\" ü" }
        let encoded = try SafeTensorsWriter.encode(tensors.entries, metadata: reversed)
        XCTAssertEqual(try Data(contentsOf: url), encoded)
        let url2 = dir.appendingPathComponent("again.safetensors")
        let copies = Tensors(Self.sample)  // same values in other buffers
        defer { withExtendedLifetime(copies) {} }
        try SafeTensorsWriter.write(copies.entries, metadata: metadata, to: url2)
        XCTAssertEqual(try Data(contentsOf: url), try Data(contentsOf: url2))
    }

    func testHeaderLayoutIsAlignedAndMatchesHandCheckedBytes() throws {
        let tensors = Tensors([("w", [2], [1, 2]), ("a", [1], [-1]), ("B", [], [0.5])])
        defer { withExtendedLifetime(tensors) {} }  // entries point into its buffers
        let bytes = [UInt8](try SafeTensorsWriter.encode(tensors.entries, metadata: ["k": "v"]))

        // Keys sorted by UTF-8 bytes ("B" < "__metadata__" < "a" < "w"); data in the given order.
        let json = #"{"B":{"dtype":"F32","shape":[],"data_offsets":[12,16]},"__metadata__":{"k":"v"},"#
            + #""a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"#
            + #""w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        XCTAssertEqual(padded.utf8.count % 8, 0)
        let n = padded.utf8.count
        XCTAssertEqual(Array(bytes[0 ..< 8]), [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(String(decoding: bytes[8 ..< 8 + n], as: UTF8.self), padded)
        XCTAssertEqual(Array(bytes[(8 + n)...]), [
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40,  // w = [1, 2]
            0x00, 0x00, 0x80, 0xBF,  // a = [-1]
            0x00, 0x00, 0x00, 0x3F,  // B = 0.5
        ])
        XCTAssertEqual((8 + n) % 8, 0, "data section starts 8-byte aligned")

        let loaded = try SafeTensorsFile(data: Data(bytes), path: "layout")
        XCTAssertEqual(loaded.dataOffset, 8 + n)
        XCTAssertEqual(loaded.tensors.map(\.name), ["w", "a", "B"])
        XCTAssertEqual(loaded["a"]?.dataRange, 8 ..< 12)
    }

    func testWriterOmitsEmptyMetadataAndAcceptsNoTensors() throws {
        let bytes = try SafeTensorsWriter.encode([], metadata: [:])
        XCTAssertEqual([UInt8](bytes), [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        let loaded = try SafeTensorsFile(data: bytes, path: "empty")
        XCTAssertEqual(loaded.tensors, [])
        XCTAssertEqual(loaded.metadata, [:])
    }

    // MARK: - Conversions

    func testF16BF16AndF64TensorsBuiltByHandConvertToTheRightFloats() throws {
        let f16: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x3555, 0x8000, 0x7C00, 0xFC00, 0x3800]
        let f16Expected: [Float] = [1, -2, 65504, 0x1p-24, 0x1p-14, 0.333251953125, -0.0, .infinity, -.infinity, 0.5]
        let bf16: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x0001, 0x7F80, 0xFF7F]
        let bf16Expected: [Float] = [1, -2, 3.140625, Float(bitPattern: 0x0001_0000), .infinity,
                                     -Float(bitPattern: 0x7F7F_0000)]
        let f64: [UInt64] = [(0.1 as Double).bitPattern, (-3.5 as Double).bitPattern, (1e300 as Double).bitPattern]
        let f64Expected: [Float] = [0.1, -3.5, .infinity]
        let nan: [UInt16] = [0x7E00]

        let header = #"{"h":{"dtype":"F16","shape":[2,5],"data_offsets":[0,20]},"#
            + #""b":{"dtype":"BF16","shape":[6],"data_offsets":[20,32]},"#
            + #""d":{"dtype":"F64","shape":[3],"data_offsets":[32,56]},"#
            + #""n":{"dtype":"F16","shape":[],"data_offsets":[56,58]}}"#
        let data = littleEndianBytes(f16) + littleEndianBytes(bf16) + littleEndianBytes(f64) + littleEndianBytes(nan)
        let loaded = try SafeTensorsFile(data: file(header: header, data: data), path: "mixed")
        XCTAssertEqual(loaded["h"]?.dtype, .f16)
        XCTAssertEqual(try loaded.floats("h").map(\.bitPattern), f16Expected.map(\.bitPattern))
        XCTAssertEqual(try loaded.floats("b").map(\.bitPattern), bf16Expected.map(\.bitPattern))
        XCTAssertEqual(try loaded.floats("d").map(\.bitPattern), f64Expected.map(\.bitPattern))
        XCTAssertTrue(try loaded.floats("n")[0].isNaN)

        var into = [Float](repeating: 0, count: 10)
        try into.withUnsafeMutableBufferPointer { try loaded.copyFloats("h", expectedShape: [2, 5], into: $0) }
        XCTAssertEqual(into.map(\.bitPattern), f16Expected.map(\.bitPattern))
    }

    func testF16ConversionMatchesFloat16ForEveryBitPattern() throws {
        #if arch(x86_64) && os(macOS)
        throw XCTSkip("Float16 is unavailable on x86_64 macOS")
        #else
        for bits in 0 ... UInt16.max {
            let mine = SafeTensorDType.floatFromF16Bits(bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                XCTAssertTrue(mine.isNaN, "0x\(String(bits, radix: 16))")
                XCTAssertEqual(mine.sign, reference.sign, "0x\(String(bits, radix: 16))")
            } else if mine.bitPattern != reference.bitPattern {
                XCTFail("0x\(String(bits, radix: 16)): \(mine) != \(reference)")
                return
            }
        }
        #endif
    }

    func testInt32sReadsI32AndRangeCheckedI64() throws {
        let i32: [UInt8] = [1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]
        let i64 = littleEndianBytes([UInt64(7), UInt64(bitPattern: -3)])
        let big = littleEndianBytes([UInt64(1) << 31])
        let header = #"{"ids":{"dtype":"I32","shape":[3],"data_offsets":[0,12]},"#
            + #""ids64":{"dtype":"I64","shape":[2],"data_offsets":[12,28]},"#
            + #""big":{"dtype":"I64","shape":[1],"data_offsets":[28,36]},"#
            + #""f":{"dtype":"F32","shape":[],"data_offsets":[36,40]}}"#
        let loaded = try SafeTensorsFile(data: file(header: header, data: i32 + i64 + big + [0, 0, 0, 0]), path: "ids")
        XCTAssertEqual(try loaded.int32s("ids"), [1, -1, Int32.max])
        XCTAssertEqual(try loaded.int32s("ids64"), [7, -3])
        XCTAssertThrowsError(try loaded.int32s("big")) { e in
            XCTAssertEqual((e as? SafeTensorsError)?.tensor, "big")
            XCTAssertTrue((e as? SafeTensorsError)?.message.contains("2147483648") ?? false, "\(e)")
        }
        XCTAssertThrowsError(try loaded.int32s("f")) { e in
            XCTAssertEqual((e as? SafeTensorsError)?.tensor, "f")
        }
        XCTAssertThrowsError(try loaded.floats("ids")) { e in
            XCTAssertEqual((e as? SafeTensorsError)?.tensor, "ids")
            XCTAssertTrue((e as? SafeTensorsError)?.message.contains("I32") ?? false, "\(e)")
        }
    }

    // MARK: - Lookups

    func testCopyFloatsRejectsWrongShapeMissingTensorAndWrongDestinationSize() throws {
        let tensors = Tensors([("layer.w", [2, 3], [1, 2, 3, 4, 5, 6])])
        defer { withExtendedLifetime(tensors) {} }  // entries point into its buffers
        let loaded = try SafeTensorsFile(data: SafeTensorsWriter.encode(tensors.entries, metadata: [:]), path: "m")
        var buffer = [Float](repeating: 0, count: 6)
        try buffer.withUnsafeMutableBufferPointer { dst in
            XCTAssertThrowsError(try loaded.copyFloats("layer.w", expectedShape: [3, 2], into: dst)) { e in
                let e = e as? SafeTensorsError
                XCTAssertEqual(e?.tensor, "layer.w")
                XCTAssertEqual(e?.file, "m")
                XCTAssertTrue(e?.message.contains("[2, 3]") ?? false, "\(String(describing: e))")
                XCTAssertTrue(e?.message.contains("[3, 2]") ?? false, "\(String(describing: e))")
                XCTAssertTrue(e?.description.contains("layer.w") ?? false)
            }
            XCTAssertThrowsError(try loaded.copyFloats("layer.v", expectedShape: [2, 3], into: dst)) { e in
                XCTAssertEqual((e as? SafeTensorsError)?.tensor, "layer.v")
                XCTAssertTrue((e as? SafeTensorsError)?.message.contains("no such tensor") ?? false)
            }
            XCTAssertThrowsError(try loaded.copyFloats("layer.w", expectedShape: [2, 3],
                                                       into: UnsafeMutableBufferPointer(rebasing: dst[0 ..< 5]))) { e in
                XCTAssertEqual((e as? SafeTensorsError)?.tensor, "layer.w")
                XCTAssertTrue((e as? SafeTensorsError)?.message.contains("5 floats") ?? false)
            }
        }
        XCTAssertEqual(buffer, [0, 0, 0, 0, 0, 0], "nothing is written when the checks fail")
        XCTAssertThrowsError(try loaded.floats("nope")) { e in
            XCTAssertEqual((e as? SafeTensorsError)?.tensor, "nope")
        }
    }

    // MARK: - Writer validation

    func testWriterRejectsBadEntries() {
        let cases: [(label: String, specs: [(name: String, shape: [Int], values: [Float])], tensor: String, text: String)] = [
            ("duplicate", [("a", [1], [1]), ("a", [1], [2])], "a", "duplicate"),
            ("shape mismatch", [("a", [2, 2], [1, 2, 3])], "a", "4 elements but 3 values"),
            ("empty name", [("", [1], [1])], "", "empty"),
            ("reserved", [("__metadata__", [1], [1])], "__metadata__", "reserved"),
            ("negative", [("n", [-1, -2], [1, 2])], "n", "non-negative"),
        ]
        for c in cases {
            let tensors = Tensors(c.specs)
            defer { withExtendedLifetime(tensors) {} }  // entries point into its buffers
            XCTAssertThrowsError(try SafeTensorsWriter.encode(tensors.entries, metadata: [:]), c.label) { e in
                XCTAssertEqual((e as? SafeTensorsError)?.tensor, c.tensor, c.label)
                XCTAssertTrue((e as? SafeTensorsError)?.message.contains(c.text) ?? false, "\(c.label): \(e)")
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-dir-\(UUID().uuidString)")
        let url = dir.appendingPathComponent("x.safetensors")
        XCTAssertThrowsError(try SafeTensorsWriter.write([], metadata: [:], to: url)) { e in
            XCTAssertEqual((e as? SafeTensorsError)?.file, url.path)
        }
    }

    // MARK: - Truncation and corruption

    func testEveryTruncationThrowsAndNamesTheTensorTheCutFallsIn() throws {
        let tensors = Tensors([("a", [2, 2], [1, 2, 3, 4]), ("b", [3], [5, 6, 7]), ("c", [], [8])])
        defer { withExtendedLifetime(tensors) {} }  // entries point into its buffers
        let full = try SafeTensorsWriter.encode(tensors.entries, metadata: ["step": "10"])
        let valid = try SafeTensorsFile(data: full, path: "test.safetensors")
        let dataOffset = valid.dataOffset
        for length in 0 ..< full.count {
            guard let e = loadError(full.prefix(length), "length \(length)") else { continue }
            XCTAssertTrue(e.message.contains("truncated"), "length \(length): \(e)")
            if length < dataOffset {
                XCTAssertNil(e.tensor, "length \(length): \(e)")
            } else {
                let cut = length - dataOffset
                let expected = valid.tensors.first { $0.dataRange.contains(cut) }?.name
                XCTAssertNotNil(expected)
                XCTAssertEqual(e.tensor, expected, "length \(length): \(e)")
                XCTAssertTrue(e.message.contains("has only \(cut) bytes"), "length \(length): \(e)")
            }
        }
        XCTAssertNoThrow(try SafeTensorsFile(data: full, path: "full"))
    }

    func testCorruptHeadersThrowNamingTheTensorOrField() {
        let f32x2 = [UInt8](repeating: 0, count: 8)
        func entry(_ name: String = "w", dtype: String = #""F32""#, shape: String = "[2]",
                   offsets: String = "[0,8]") -> String {
            #""\#(name)":{"dtype":\#(dtype),"shape":\#(shape),"data_offsets":\#(offsets)}"#
        }
        let cases: [(label: String, data: Data, tensor: String?, texts: [String])] = [
            ("short file", Data([1, 2, 3]), nil, ["shorter than", "truncated"]),
            ("huge header length", file(header: "{}", declaredLength: UInt64.max), nil, ["limit"]),
            ("header over limit", file(header: "{}", declaredLength: 100_000_001), nil, ["limit"]),
            ("header beyond file", file(header: "{}", declaredLength: 1000), nil, ["1000", "truncated"]),
            ("bad JSON", file(header: #"{"w":"#), nil, ["not valid JSON"]),
            ("trailing junk", file(header: "{} x"), nil, ["not valid JSON"]),
            ("NUL padding", file(header: "{}\0\0"), nil, ["not valid JSON"]),
            ("empty header", file(header: ""), nil, ["not valid JSON"]),
            ("bad UTF-8", Data([4, 0, 0, 0, 0, 0, 0, 0]) + Data([0x7B, 0x22, 0xFF, 0x22]), nil, ["UTF-8"]),
            ("not an object", file(header: "[1,2]"), nil, ["must be a JSON object", "an array"]),
            ("duplicate key", file(header: "{" + entry() + "," + entry() + "}", data: f32x2), nil, ["duplicate", "\"w\""]),
            ("deep nesting", file(header: String(repeating: "[", count: 100_000)), nil, ["nesting"]),
            ("entry not object", file(header: #"{"w":3}"#), "w", ["must be an object", "3"]),
            ("missing dtype", file(header: #"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, data: f32x2), "w", ["missing \"dtype\""]),
            ("unknown dtype", file(header: "{" + entry(dtype: #""F33""#) + "}", data: f32x2), "w", ["unknown dtype", "F33", "F32"]),
            ("dtype not string", file(header: "{" + entry(dtype: "4") + "}", data: f32x2), "w", ["\"dtype\""]),
            ("negative dim", file(header: "{" + entry(shape: "[-2]") + "}", data: f32x2), "w", ["\"shape\"", "-2"]),
            ("fractional dim", file(header: "{" + entry(shape: "[1.5]") + "}", data: f32x2), "w", ["\"shape\"", "1.5"]),
            ("float-written dim", file(header: "{" + entry(shape: "[2.0]") + "}", data: f32x2), "w", ["\"shape\"", "2.0"]),
            ("exponent dim", file(header: "{" + entry(shape: "[2e0]") + "}", data: f32x2), "w", ["\"shape\"", "2e0"]),
            ("shape not array", file(header: "{" + entry(shape: #""[2]""#) + "}", data: f32x2), "w", ["\"shape\""]),
            ("shape overflow", file(header: "{" + entry(shape: "[4611686018427387904,4]") + "}", data: f32x2), "w", ["more elements"]),
            ("bytes overflow", file(header: "{" + entry(shape: "[4611686018427387904]") + "}", data: f32x2), "w", ["more bytes"]),
            ("missing offsets", file(header: #"{"w":{"dtype":"F32","shape":[2]}}"#, data: f32x2), "w", ["\"data_offsets\""]),
            ("one offset", file(header: "{" + entry(offsets: "[8]") + "}", data: f32x2), "w", ["\"data_offsets\""]),
            ("offset too big for Int", file(header: "{" + entry(offsets: "[0,99999999999999999999]") + "}", data: f32x2),
             "w", ["\"data_offsets\"", "99999999999999999999"]),
            ("negative offset", file(header: "{" + entry(offsets: "[-8,0]") + "}", data: f32x2), "w", ["\"data_offsets\"", "-8"]),
            ("begin after end", file(header: "{" + entry(offsets: "[8,0]") + "}", data: f32x2), "w", ["begin > end"]),
            ("offsets mismatch shape", file(header: "{" + entry(offsets: "[0,4]") + "}", data: f32x2[0 ..< 4] + []),
             "w", ["span 4 bytes", "needs 8 bytes", "[2]"]),
            ("offsets wider than shape", file(header: "{" + entry(shape: "[1]") + "}", data: f32x2),
             "w", ["span 8 bytes", "needs 4 bytes", "[1]"]),
            ("beyond data", file(header: "{" + entry(offsets: "[8,16]") + "}", data: f32x2), "w", ["[8, 16)", "only 8 bytes"]),
            ("overlap", file(header: "{" + entry("a") + "," + entry("b", offsets: "[4,12]") + "}", data: f32x2 + [0, 0, 0, 0]),
             "b", ["overlap", "\"a\""]),
            ("empty inside another", file(header: "{" + entry("a") + "," + entry("e", shape: "[0]", offsets: "[4,4]") + "}", data: f32x2),
             "e", ["overlap"]),
            ("gap", file(header: "{" + entry("a") + "," + entry("b", offsets: "[12,20]") + "}", data: f32x2 + f32x2 + [0, 0, 0, 0]),
             "b", ["gaps", "12"]),
            ("gap at start", file(header: "{" + entry("a", offsets: "[4,12]") + "}", data: f32x2 + [0, 0, 0, 0]),
             "a", ["gaps", "data section starts"]),
            ("trailing bytes", file(header: "{" + entry() + "}", data: f32x2 + [0]), nil, ["9 bytes", "trailing"]),
            ("metadata not object", file(header: #"{"__metadata__":[]}"#), nil, ["__metadata__", "an array"]),
            ("metadata value not string", file(header: #"{"__metadata__":{"k":1}}"#), nil, ["__metadata__", "\"k\"", "the number 1"]),
            ("lone surrogate", file(header: #"{"\ud800":1}"#), nil, ["surrogate"]),
        ]
        for c in cases {
            guard let e = loadError(c.data, c.label) else { continue }
            XCTAssertEqual(e.tensor, c.tensor, "\(c.label): \(e)")
            for text in c.texts {
                XCTAssertTrue(e.message.contains(text), "\(c.label): expected \"\(text)\" in \(e)")
            }
        }
    }

    func testLenientButValidHeadersLoad() throws {
        // Whitespace and padding anywhere JSON allows, escaped names, unknown extra fields,
        // zero-sized tensors with huge other dimensions, keys out of offset order.
        let header = "\n { \"\\ud83d\\ude00\\u00e9\" : { \"data_offsets\" : [4, 8], \"shape\" : [ 1 ],"
            + " \"dtype\" : \"F32\", \"extra\": {\"x\": [null, true, false, -1.5e-3]} },\t"
            + #""z":{"dtype":"BF16","shape":[4611686018427387904,4611686018427387904,0],"data_offsets":[8,8]},"#
            + #""a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}         "#
        let data: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]
        let loaded = try SafeTensorsFile(data: file(header: header, data: data), path: "lenient")
        XCTAssertEqual(loaded.tensors.map(\.name), ["a", "😀é", "z"])
        XCTAssertEqual(try loaded.floats("😀é"), [2])
        XCTAssertEqual(try loaded.floats("a"), [1])
        XCTAssertEqual(try loaded.floats("z"), [])
        XCTAssertEqual(loaded["z"]?.elementCount, 0)
    }

    func testRandomHeaderByteFlipsNeverCrash() throws {
        let tensors = Tensors([("embed", [3, 2], [1, 2, 3, 4, 5, 6]), ("s", [], [7]), ("e", [0], []),
                               ("norm", [2], [8, 9])])
        defer { withExtendedLifetime(tensors) {} }  // entries point into its buffers
        defer { withExtendedLifetime(tensors) {} }  // entries point into its buffers
        let base = [UInt8](try SafeTensorsWriter.encode(tensors.entries, metadata: ["a": "b", "step": "3"]))
        let dataOffset = try SafeTensorsFile(data: Data(base), path: "base").dataOffset
        var rng = SeededRandom(seed: 0x5AFE_7E45)
        var loadedCount = 0, rejectedCount = 0
        for trial in 0 ..< 500 {
            var bytes = base
            for _ in 0 ..< 1 + Int(rng.next() % 3) {
                let position = Int(rng.next() % UInt64(dataOffset))
                if rng.next() % 2 == 0 {
                    bytes[position] ^= UInt8(1) << UInt8(rng.next() % 8)
                } else {
                    bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            do {
                let loaded = try SafeTensorsFile(data: Data(bytes), path: "flip")
                loadedCount += 1
                for info in loaded.tensors {
                    if info.dtype.isConvertibleToFloat {
                        XCTAssertEqual(try loaded.floats(info.name).count, info.elementCount)
                    } else {
                        _ = try? loaded.int32s(info.name)
                    }
                }
            } catch is SafeTensorsError {
                rejectedCount += 1
            } catch {
                XCTFail("trial \(trial): unexpected error \(error)")
            }
        }
        XCTAssertGreaterThan(rejectedCount, 250, "most flips break the header")
        XCTAssertEqual(loadedCount + rejectedCount, 500)
    }
}
