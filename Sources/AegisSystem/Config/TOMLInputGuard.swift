/// Refuses, before TOMLKit's parser (toml++ 3.4) sees the text, the input that parser does not
/// survive: a table header with no name after its `[` (`[` or `[[` followed by a comment, a
/// line end or another symbol) and a `}` inside an array (`a = [}`), on which toml++ asserts
/// and the process aborts, and keys nested thousands of levels deep (`[a.b.b.b…]`), which
/// overflow its recursion. Found by fuzzing `config check`. Everything else is the parser's.
///
/// It walks the text the way the parser walks the root table: statements start at line
/// beginnings, and a value (strings of every kind, arrays and inline tables over several lines,
/// comments inside them) is skipped whole, so a `[` inside a value is never taken for a header.
enum TOMLInputGuard {
    /// Far beyond any key of the configuration (the deepest is three levels), far below what
    /// overflows the parser.
    static let maxKeyDepth = 64

    /// "line L, column C: what is wrong", or nil when the parser can be given the text.
    static func problem(in text: String) -> String? {
        var scanner = Scanner(Array(text.unicodeScalars))
        return scanner.run()
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        /// The scanning position in `scalars`.
        var i = 0
        var line = 1
        var lineStart = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        func at(_ index: Int) -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        func position(_ index: Int) -> String { "line \(line), column \(index - lineStart + 1)" }

        static func isBare(_ c: Unicode.Scalar) -> Bool {
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_")
        }

        /// TOML's whitespace; a carriage return is not (only as part of a CRLF line end).
        static func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }

        mutating func newline() {
            line += 1
            lineStart = i + 1
        }

        mutating func skipBlanks() {
            while let c = at(i), Self.isBlank(c) { i += 1 }
        }

        mutating func skipToLineEnd() {
            while let c = at(i), c != "\n" { i += 1 }
        }

        mutating func run() -> String? {
            while let c = at(i) {
                if Self.isBlank(c) || c == "\r" {
                    i += 1
                } else if c == "\n" {
                    newline()
                    i += 1
                } else if c == "#" {
                    skipToLineEnd()
                } else if c == "[" {
                    if let problem = header() { return problem }
                } else {
                    if let problem = keyValue() { return problem }
                }
            }
            return nil
        }

        /// `[name]` or `[[name]]`: a name must follow, and not too deeply dotted.
        mutating func header() -> String? {
            i += 1
            skipBlanks()
            if at(i) == "[" {
                i += 1
                skipBlanks()
            }
            guard let c = at(i) else { return nil }
            guard Self.isBare(c) || c == "\"" || c == "'" || c == "]" else {
                return "\(position(i)): a table header needs a name after \"[\" (e.g. [postgres.backend])"
            }
            if let problem = key(until: "]") { return problem }
            skipToLineEnd()
            return nil
        }

        /// `key = value`, the value skipped whole.
        mutating func keyValue() -> String? {
            if let problem = key(until: "=") { return problem }
            guard at(i) == "=" else {
                skipToLineEnd()
                return nil
            }
            i += 1
            return skipValue()
        }

        /// Counts a key's dotted parts up to `end` (or the line's end); quoted parts may hold
        /// dots and brackets.
        mutating func key(until end: Unicode.Scalar) -> String? {
            let start = i
            var parts = 1
            while let c = at(i), c != end, c != "\n" {
                if c == "\"" || c == "'" {
                    skipString(quote: c)
                    continue
                }
                if c == "." {
                    parts += 1
                    if parts > TOMLInputGuard.maxKeyDepth {
                        return "\(position(start)): a key nested more than \(TOMLInputGuard.maxKeyDepth) levels deep"
                    }
                }
                i += 1
            }
            return nil
        }

        /// A value: up to the line end outside any string, array or inline table. A `}` that
        /// would close an array is refused here (toml++ asserts on it where a value is expected).
        mutating func skipValue() -> String? {
            var open: [Unicode.Scalar] = []
            while let c = at(i) {
                switch c {
                case "\"", "'":
                    skipString(quote: c)
                    continue
                case "[", "{": open.append(c)
                case "]": _ = open.popLast()
                case "}":
                    if open.last == "[" { return "\(position(i)): \"}\" inside an array, which \"]\" must close" }
                    _ = open.popLast()
                case "#": skipToLineEnd()
                    continue
                case "\n":
                    if open.isEmpty { return nil }
                    newline()
                default: break
                }
                i += 1
            }
            return nil
        }

        /// A string from its opening quote: basic (with escapes) or literal, single-line or
        /// triple-quoted multi-line. Stops at a line end an unterminated single-line string
        /// runs into; the parser reports that.
        mutating func skipString(quote: Unicode.Scalar) {
            let triple = at(i + 1) == quote && at(i + 2) == quote
            i += triple ? 3 : 1
            while let c = at(i) {
                if c == "\\" && quote == "\"" {
                    if at(i + 1) == "\n" { i += 1; continue }
                    i += 2
                    continue
                }
                if c == "\n" {
                    guard triple else { return }
                    newline()
                } else if c == quote {
                    if !triple {
                        i += 1
                        return
                    }
                    if at(i + 1) == quote && at(i + 2) == quote {
                        i += 3
                        // Up to two more quotes may belong to the content ("""a"""" ends in one).
                        while at(i) == quote { i += 1 }
                        return
                    }
                }
                i += 1
            }
        }
    }
}
