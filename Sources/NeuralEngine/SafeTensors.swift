import Foundation
import ImageCore

/// The safetensors file format (Hugging Face / PyTorch): an 8-byte little-endian header length, a
/// JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
///
/// Entries keep their order; `write` emits them in that order with a compact header padded with
/// spaces to a multiple of 8 bytes, so reading a file this code wrote and writing it again gives
/// the same bytes.
public struct SafeTensors: Equatable {
    public enum DType: String, Sendable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        public var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }
    }

    public struct Entry: Equatable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        public var bytes: Data
    }

    public var entries: [Entry] = []
    public var metadata: [String: String] = [:]
    /// Where this set was read from (for messages).
    public var source: String = "safetensors"

    public init() {}

    public subscript(name: String) -> Entry? { entries.first { $0.name == name } }
    public var names: [String] { entries.map(\.name) }

    // MARK: values

    /// Stores `t` as F32, or as F16 (IEEE half, rounded to nearest) to halve a shipped model's size.
    public mutating func set(_ name: String, _ t: Tensor, dtype: DType = .f32) {
        precondition(dtype == .f32 || dtype == .f16, "tensors are stored as F32 or F16")
        let bytes = dtype == .f16
            ? t.data.map { Float16($0).bitPattern.littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) }
            : t.data.withUnsafeBufferPointer { Data(buffer: $0) }
        put(Entry(name: name, dtype: dtype, shape: t.shape, bytes: bytes))
    }

    public mutating func set(_ name: String, int64 values: [Int64], shape: [Int]) {
        let bytes = values.map { $0.littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) }
        put(Entry(name: name, dtype: .i64, shape: shape, bytes: bytes))
    }

    private mutating func put(_ e: Entry) {
        if let i = entries.firstIndex(where: { $0.name == e.name }) { entries[i] = e } else { entries.append(e) }
    }

    /// A float tensor (F32 as stored; F64 rounded, F16 and BF16 widened to Float32).
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = self[name] else { throw NeuralEngineError.safetensors(file: source, problem: "no tensor named '\(name)'") }
        let n = e.shape.reduce(1, *)
        switch e.dtype {
        case .f32:
            var out = [Float](repeating: 0, count: n)
            _ = out.withUnsafeMutableBytes { e.bytes.copyBytes(to: $0) }
            return Tensor(shape: e.shape, data: out.map { Float(bitPattern: $0.bitPattern.littleEndian) })
        case .f64:
            var out = [Double](repeating: 0, count: n)
            _ = out.withUnsafeMutableBytes { e.bytes.copyBytes(to: $0) }
            return Tensor(shape: e.shape, data: out.map { Float(Double(bitPattern: $0.bitPattern.littleEndian)) })
        case .f16, .bf16:
            var out = [UInt16](repeating: 0, count: n)
            _ = out.withUnsafeMutableBytes { e.bytes.copyBytes(to: $0) }
            let half = e.dtype == .f16
            return Tensor(shape: e.shape, data: out.map { b in
                let bits = UInt16(littleEndian: b)
                return half ? Float(Float16(bitPattern: bits)) : Float(bitPattern: UInt32(bits) << 16)
            })
        default:
            throw NeuralEngineError.safetensors(file: source, problem: "'\(name)' is \(e.dtype.rawValue), expected F32")
        }
    }

    /// Integer values (I64 or I32) widened to Int64.
    public func int64s(_ name: String) throws -> [Int64] {
        guard let e = self[name] else { throw NeuralEngineError.safetensors(file: source, problem: "no tensor named '\(name)'") }
        let n = e.shape.reduce(1, *)
        switch e.dtype {
        case .i64:
            var out = [Int64](repeating: 0, count: n)
            _ = out.withUnsafeMutableBytes { e.bytes.copyBytes(to: $0) }
            return out.map { Int64(littleEndian: $0) }
        case .i32:
            var out = [Int32](repeating: 0, count: n)
            _ = out.withUnsafeMutableBytes { e.bytes.copyBytes(to: $0) }
            return out.map { Int64(Int32(littleEndian: $0)) }
        default:
            throw NeuralEngineError.safetensors(file: source, problem: "'\(name)' is \(e.dtype.rawValue), expected an integer type")
        }
    }

    // MARK: file I/O

    public static func read(_ url: URL) throws -> SafeTensors {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw NeuralEngineError.safetensors(file: url.path, problem: "cannot be read: \(error.localizedDescription)")
        }
        return try parse(data, source: url.path)
    }

    public static func parse(_ data: Data, source: String = "safetensors") throws -> SafeTensors {
        func fail(_ p: String) -> NeuralEngineError { .safetensors(file: source, problem: p) }
        guard data.count >= 8 else { throw fail("too short to be a safetensors file (\(data.count) bytes)") }
        var len: UInt64 = 0
        for i in 0..<8 { len |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard len > 0, len <= UInt64(data.count - 8), len < 100_000_000 else {
            throw fail("header length \(len) does not fit the file size \(data.count)")
        }
        let headerStart = data.startIndex + 8, dataStart = headerStart + Int(len)
        let header = data[headerStart..<dataStart]
        guard let json = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        var set = SafeTensors()
        set.source = source
        let available = data.count - (dataStart - data.startIndex)
        var ordered: [(Int, Entry)] = []
        for (name, value) in json {
            if name == "__metadata__" {
                guard let meta = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in meta { set.metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let info = value as? [String: Any], let dt = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offs = info["data_offsets"] as? [Int], offs.count == 2 else {
                throw fail("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dt) else { throw fail("entry '\(name)' has unsupported dtype \(dt)") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("entry '\(name)' has a negative dimension") }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (m, o) = acc.0.multipliedReportingOverflow(by: d); return (m, acc.1 || o)
            }
            guard !overflow, offs[0] >= 0, offs[1] >= offs[0], offs[1] <= available,
                  offs[1] - offs[0] == count * dtype.size else {
                throw fail("entry '\(name)' has byte range \(offs) that does not match shape \(shape) of \(dt) or the file size")
            }
            let bytes = Data(data[(dataStart + offs[0])..<(dataStart + offs[1])])
            ordered.append((offs[0], Entry(name: name, dtype: dtype, shape: shape, bytes: bytes)))
        }
        set.entries = ordered.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.name < $1.1.name }.map(\.1)
        return set
    }

    /// The file's bytes.
    public func serialized() -> Data {
        var parts: [String] = []
        if !metadata.isEmpty {
            let meta = metadata.keys.sorted().map { "\(JSONText.quoted($0)):\(JSONText.quoted(metadata[$0]!))" }.joined(separator: ",")
            parts.append("\"__metadata__\":{\(meta)}")
        }
        var offset = 0
        for e in entries {
            let shape = e.shape.map(String.init).joined(separator: ",")
            parts.append("\(JSONText.quoted(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}")
            offset += e.bytes.count
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = Data(capacity: 8 + header.count + offset)
        var len = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for e in entries { out.append(e.bytes) }
        return out
    }

    /// Writes atomically (temporary file + rename).
    public func write(to url: URL) throws {
        try AtomicFile.write(serialized(), to: url)
    }
}

extension StateProvider {
    /// The model's state under PyTorch state_dict names, in state order.
    /// The state under PyTorch names; float tensors as `floatType` (F32, or F16 for a smaller file).
    public func stateDict(floatType: SafeTensors.DType = .f32) -> SafeTensors {
        var st = SafeTensors()
        for (name, item) in stateItems() {
            switch item {
            case .tensor(let p): st.set(name, p.value, dtype: floatType)
            case .counter(let c): st.set(name, int64: [c.value], shape: [])
            }
        }
        return st
    }

    /// Loads every state entry by name. Missing names, unexpected names (when `strict`) and shape
    /// mismatches are errors listing the offending keys; nothing is changed unless all fit.
    public func load(_ st: SafeTensors, strict: Bool = true) throws {
        func fail(_ p: String) -> NeuralEngineError { .safetensors(file: st.source, problem: p) }
        let items = stateItems()
        let known = Set(items.map(\.0))
        let missing = items.map(\.0).filter { st[$0] == nil }
        if !missing.isEmpty { throw fail("missing \(missing.count) tensors the model needs: \(missing.prefix(8).joined(separator: ", "))") }
        if strict {
            let extra = st.names.filter { !known.contains($0) }
            if !extra.isEmpty { throw fail("\(extra.count) tensors the model does not have: \(extra.prefix(8).joined(separator: ", "))") }
        }
        var tensors: [String: Tensor] = [:], counters: [String: Int64] = [:]
        for (name, item) in items {
            switch item {
            case .tensor(let p):
                let t = try st.tensor(name)
                guard t.shape == p.shape else { throw fail("'\(name)' has shape \(t.shape), the model needs \(p.shape)") }
                tensors[name] = t
            case .counter:
                let v = try st.int64s(name)
                guard v.count == 1 else { throw fail("'\(name)' should hold one integer, holds \(v.count)") }
                counters[name] = v[0]
            }
        }
        for (name, item) in items {
            switch item {
            case .tensor(let p): p.value = tensors[name]!
            case .counter(let c): c.value = counters[name]!
            }
        }
    }
}
