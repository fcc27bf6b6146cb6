/// Loki's JSON push body: `{"streams":[{"stream":{labels},"values":[["<unix ns>","line"],…]}]}`.
/// Written by hand, straight into bytes, rather than through `JSONEncoder`: this runs for every
/// line shipped, and the shape is fixed.
public enum LokiPushEncoder {
    public static func encode(_ batch: LogBatch) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(batch.bytes + batch.entryCount * 32 + 256)
        append("{\"streams\":[", to: &out)
        for (streamNumber, stream) in batch.streams.enumerated() {
            if streamNumber > 0 { out.append(UInt8(ascii: ",")) }
            append("{\"stream\":{", to: &out)
            for (labelNumber, pair) in stream.labels.pairs.enumerated() {
                if labelNumber > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "\""))
                appendEscaped(pair.name, to: &out)
                append("\":\"", to: &out)
                appendEscaped(pair.value, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            append("},\"values\":[", to: &out)
            for (entryNumber, entry) in stream.entries.enumerated() {
                if entryNumber > 0 { out.append(UInt8(ascii: ",")) }
                append("[\"", to: &out)
                appendDecimal(entry.timestampNs, to: &out)
                append("\",\"", to: &out)
                appendEscaped(entry.line, to: &out)
                append("\"]", to: &out)
            }
            append("]}", to: &out)
        }
        append("]}", to: &out)
        return out
    }

    /// A JSON string's contents: quote, backslash and control characters escaped.
    public static func escaped(_ text: String) -> String {
        var out: [UInt8] = []
        appendEscaped(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` escaped for a JSON string, copying the runs that need no escape whole.
    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var run = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                switch byte {
                case UInt8(ascii: "\""): append("\\\"", to: &out)
                case UInt8(ascii: "\\"): append("\\\\", to: &out)
                case UInt8(ascii: "\n"): append("\\n", to: &out)
                case UInt8(ascii: "\r"): append("\\r", to: &out)
                case UInt8(ascii: "\t"): append("\\t", to: &out)
                default:
                    append("\\u00", to: &out)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                }
                run = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
    }

    /// A non-negative timestamp's decimal digits, without a String in between.
    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        guard value > 0 else {
            if value == 0 { out.append(UInt8(ascii: "0")) } else { out.append(contentsOf: String(value).utf8) }
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for Int64's 19 digits
        var count = 0
        var rest = UInt64(value)
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            out.append(contentsOf: buffer[(24 - count)...])
        }
    }

    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
