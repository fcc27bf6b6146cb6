/// One recipient stanza of an age header: `-> type args…` and a body that wraps the file key.
struct AgeStanza: Equatable {
    /// The stanza's arguments; the first names its type (`X25519`, `scrypt`, …).
    var arguments: [String]
    var body: [UInt8]

    var type: String { arguments[0] }

    /// `-> args\n` then the base64 body in 64-column lines; the last line is always shorter
    /// than 64 (possibly empty), which is how a reader finds the end of the stanza.
    func serialized() -> [UInt8] {
        var text = AgeFormat.stanzaPrefix + Array(arguments.joined(separator: " ").utf8) + [0x0A]
        let encoded = Array(AgeBase64.encode(body).utf8)
        var offset = 0
        while encoded.count - offset >= AgeFormat.stanzaLineWidth {
            text += encoded[offset..<(offset + AgeFormat.stanzaLineWidth)]
            text.append(0x0A)
            offset += AgeFormat.stanzaLineWidth
        }
        text += encoded[offset...]
        text.append(0x0A)
        return text
    }
}
