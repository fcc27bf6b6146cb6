extension AgeX25519Identity {
    /// Reads an identity file as `age-keygen` writes it: one `AGE-SECRET-KEY-1…` per line,
    /// blank lines and `#` comments ignored (the "# public key:" line among them).
    public static func parseIdentityFile(_ contents: String) throws(AgeError) -> [AgeX25519Identity] {
        var identities: [AgeX25519Identity] = []
        for (index, rawLine) in contents.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            do {
                identities.append(try AgeX25519Identity(parsing: String(line)))
            } catch {
                // The problem, never the line itself: it may be most of a secret key.
                throw .invalidIdentityFile("line \(index + 1): \(error)")
            }
        }
        guard !identities.isEmpty else { throw .invalidIdentityFile("it contains no AGE-SECRET-KEY-1… line") }
        return identities
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
