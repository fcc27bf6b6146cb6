import AegisCore
import AegisSystem
import Testing

/// The inputs that crashed the TOML parser (found by ConfigFuzzTests) are refused with a
/// position; valid files whose values contain the same characters are not.
@Suite struct TOMLInputGuardTests {
    static func reasons(_ text: String) -> [String] {
        do {
            _ = try ConfigTOML.parse(text, file: "t.toml")
            return []
        } catch {
            return error.issues.map(\.reason)
        }
    }

    @Test(arguments: ["[#", "[[# The Prometheus endpoint.\n[metrics]\n", "[ \n", "[[\t=\n", "x = 1\n\n  [\n", "[\rpostgres]\n"])
    func testAHeaderWithoutAName_isRefusedWithItsPosition(_ text: String) {
        let reasons = Self.reasons(text)
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains("a table header needs a name after \"[\"") == true, "\(reasons)")
        #expect(reasons.first?.hasPrefix("line ") == true, "\(reasons)")
    }

    @Test(arguments: ["a = [}", "a = [ }", "a = [1, }", "a = [[}]]", "extra_names = [}\n"])
    func testACurlyBraceClosingAnArray_isRefused(_ text: String) {
        let reasons = Self.reasons(text)
        #expect(reasons.count == 1 && reasons.first?.contains("\"}\" inside an array") == true, "\(reasons)")
    }

    /// At the end of the file the parser itself says what is missing.
    @Test(arguments: ["[", "[[", "[ "])
    func testAnOpenHeaderAtTheEnd_isTheParsersError(_ text: String) {
        let reasons = Self.reasons(text)
        #expect(reasons.count == 1 && reasons.first?.hasPrefix("line 1, column ") == true, "\(reasons)")
    }

    @Test(arguments: ["header", "key"])
    func testKeysNestedThousandsDeep_areRefused(_ kind: String) {
        let dotted = "a" + String(repeating: ".b", count: 20_000)
        let reasons = Self.reasons(kind == "header" ? "[\(dotted)]\n" : "\(dotted) = 1\n")
        #expect(reasons == ["line 1, column \(kind == "header" ? 2 : 1): a key nested more than 64 levels deep"])
    }

    /// `[` at a line's start inside a value, quoted keys with dots, `#` and `[` in strings of
    /// every kind: all valid TOML, all parsed.
    @Test func testBracketsInsideValues_areNotHeaders() throws {
        let text = #"""
            a = [
              [1, 2],
            [
              3 ], # a comment [ with a bracket
            ]
            b = """
            [not a header
            # nor a comment """
            c = '''
            [[ still the string'''
            d = "[# \" ["
            e = '[#'
            "f.g[h]" = { i = "[" }
            [section."quoted.part"]
            j = 1
            [[list]]
            k = "\\"
            """#
        let table = try ConfigTOML.parse(text, file: "t.toml")
        #expect(table["a"] != nil && table["b"] != nil && table["list"] != nil && table["f.g[h]"] != nil)
    }
}
