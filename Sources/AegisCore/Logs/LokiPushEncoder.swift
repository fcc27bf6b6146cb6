/// Loki's JSON push body: `{"streams":[{"stream":{labels},"values":[["<unix ns>","line"],…]}]}`.
/// Written by hand rather than through `JSONEncoder`: this runs for every line shipped, and the
/// shape is fixed.
public enum LokiPushEncoder {
    public static func encode(_ batch: LogBatch) -> [UInt8] {
        var out = ""
        out.reserveCapacity(batch.bytes + batch.entryCount * 32 + 256)
        out += "{\"streams\":["
        for (streamNumber, stream) in batch.streams.enumerated() {
            if streamNumber > 0 { out += "," }
            out += "{\"stream\":{"
            for (labelNumber, pair) in stream.labels.pairs.enumerated() {
                if labelNumber > 0 { out += "," }
                out += "\"" + escaped(pair.name) + "\":\"" + escaped(pair.value) + "\""
            }
            out += "},\"values\":["
            for (entryNumber, entry) in stream.entries.enumerated() {
                if entryNumber > 0 { out += "," }
                out += "[\"" + String(entry.timestampNs) + "\",\"" + escaped(entry.line) + "\"]"
            }
            out += "]}"
        }
        out += "]}"
        return Array(out.utf8)
    }

    /// A JSON string's contents: quote, backslash and control characters escaped.
    public static func escaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
