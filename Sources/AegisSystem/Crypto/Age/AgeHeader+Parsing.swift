extension AgeHeader {
    /// Parses a complete header, `bytes` ending with the newline of its `--- MAC` line, and
    /// enforces the format strictly (canonical base64, 64-column bodies, one scrypt stanza
    /// alone), since anything lenient here would be a way to alter a file unnoticed.
    static func parse(_ bytes: [UInt8]) throws(AgeError) -> AgeHeader {
        precondition(bytes.last == 0x0A, "a header ends with its MAC line's newline")
        var lines = LineCursor(bytes: bytes)
        guard let version = lines.next() else { throw .truncatedHeader }
        guard bytes[version].elementsEqual(AgeFormat.versionLine) else {
            guard bytes[version].starts(with: AgeFormat.versionPrefix) else { throw .notAnAgeFile }
            let name = String(decoding: bytes[version].dropFirst(AgeFormat.versionPrefix.count), as: UTF8.self)
            throw .unsupportedVersion(name)
        }

        var stanzas: [AgeStanza] = []
        while let line = lines.next() {
            let text = bytes[line]
            if text.starts(with: AgeFormat.macLinePrefix) {
                guard !stanzas.isEmpty else { throw .malformedHeader("no recipient stanza") }
                guard lines.isAtEnd else { throw .malformedHeader("data after the MAC line") }
                let mac = try parseMACLine(text)
                return AgeHeader(stanzas: stanzas, mac: mac, authenticatedBytes: Array(bytes[..<(line.lowerBound + 3)]))
            }
            guard text.starts(with: AgeFormat.stanzaPrefix) else {
                throw .malformedHeader("line \(lines.number) is neither a stanza nor the MAC line")
            }
            stanzas.append(try parseStanza(arguments: text.dropFirst(AgeFormat.stanzaPrefix.count), lines: &lines, bytes: bytes))
        }
        throw .truncatedHeader
    }

    private static func parseStanza(arguments: ArraySlice<UInt8>, lines: inout LineCursor, bytes: [UInt8]) throws(AgeError) -> AgeStanza {
        let stanzaLine = lines.number
        let parts = arguments.split(separator: 0x20, omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x21...0x7E).contains($0) } }) else {
            throw .malformedHeader("stanza on line \(stanzaLine) has an empty or non-printable argument")
        }
        var encodedBody: [UInt8] = []
        while true {
            guard let line = lines.next() else { throw .malformedHeader("stanza on line \(stanzaLine) has no final body line") }
            let text = bytes[line]
            guard text.count <= AgeFormat.stanzaLineWidth, text.allSatisfy(AgeBase64.isAlphabet) else {
                throw .malformedHeader("stanza on line \(stanzaLine) has a body line that is not 64-column base64")
            }
            encodedBody += text
            if text.count < AgeFormat.stanzaLineWidth { break }
        }
        guard let body = AgeBase64.decode(encodedBody) else {
            throw .malformedHeader("stanza on line \(stanzaLine) has a non-canonical base64 body")
        }
        return AgeStanza(arguments: parts.map { String(decoding: $0, as: UTF8.self) }, body: body)
    }

    /// `--- ` and exactly 43 canonical base64 characters: a 32-byte MAC.
    private static func parseMACLine(_ text: ArraySlice<UInt8>) throws(AgeError) -> [UInt8] {
        guard text.count == 4 + 43, text[text.startIndex + 3] == 0x20,
              let mac = AgeBase64.decode(text.dropFirst(4)), mac.count == 32
        else { throw .malformedHeader("the MAC line is not \"--- \" and a 32-byte base64 MAC") }
        return mac
    }

    /// Walks newline-terminated lines, yielding each line's range without its newline.
    private struct LineCursor {
        let bytes: [UInt8]
        var offset = 0
        /// One-based number of the line last returned.
        var number = 0

        var isAtEnd: Bool { offset >= bytes.count }

        mutating func next() -> Range<Int>? {
            guard offset < bytes.count, let end = bytes[offset...].firstIndex(of: 0x0A) else { return nil }
            defer { offset = end + 1 }
            number += 1
            return offset..<end
        }
    }
}
