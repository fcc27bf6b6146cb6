extension StringProtocol {
    /// Without leading and trailing whitespace and newlines (AegisCore has no Foundation).
    /// By Character: "\r\n" is one Character, which a set of characters would miss.
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
