import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Testing

/// The configuration loader (TOML parser, decoder and validator together) against many
/// generated files: the example configuration with values swapped for odd ones of every type,
/// and with its bytes damaged. It never crashes, and every refusal lists issues that each say
/// what is wrong; the operator must be able to fix the file from the message alone.
@Suite struct ConfigFuzzTests {
    static let example: String = {
        let path = ConfigTestDirectory.packageRoot + "/config/aegisd.example.toml"
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    /// Values of every TOML type, and strings that look like the values the keys expect.
    static let values = [
        "0", "-1", "65536", "9223372036854775807", "-9223372036854775808", "1.5", "-0.0", "inf", "nan", "1e308",
        "true", "false", "\"\"", "\" \"", "\"0\"", "\"-1\"", "\"1GB\"", "\"-5MB\"", "\"99999999999999999999TB\"",
        "\"0 0 * * *\"", "\"61 * * * *\"", "\"/\"", "\"relative/path\"", "\"/nonexistent\"", "\"127.0.0.1\"", "\"::1\"",
        "\"999.0.0.1\"", "\"0.0.0.0/33\"", "\"https://\"", "\"http://[::1\"", "\"\\u0000\"", "\"a\\nb\"", "[]", "[1, \"a\"]",
        "{}", "{ x = 1 }", "1979-05-27T07:32:00Z", "07:32:00", "\"\(String(repeating: "x", count: 5000))\"",
    ]

    static func check(_ text: String, iteration: Int) -> Bool {
        FuzzInput.keep(Array(text.utf8))
        do {
            _ = try ConfigLoader.load(text: text, file: "fuzz.toml")
            return true
        } catch {
            #expect(error.file == "fuzz.toml")
            #expect(!error.issues.isEmpty, "a refusal without issues, iteration \(iteration), seed \(FuzzInput.seed)")
            for issue in error.issues {
                #expect(issue.reason.count >= 8, "issue without a clear reason: \(issue), iteration \(iteration)")
            }
            #expect(!error.description.isEmpty)
            return false
        }
    }

    @Test func testTheExampleLoads() {
        #expect(!Self.example.isEmpty)
        #expect(Self.check(Self.example, iteration: -1))
    }

    /// One to three keys of the example get an odd value: the decoder and validator see every
    /// key with values of every type.
    @Test func testOddValues_areAcceptedOrNamed() {
        var fuzz = FuzzInput()
        let lines = Self.example.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let assignments = lines.indices.filter { lines[$0].range(of: #"^#? ?[a-z_]+ = "#, options: .regularExpression) != nil }
        #expect(assignments.count > 50)
        var refused = 0
        for iteration in 0..<FuzzInput.iterations(default: 1_500) {
            var mutated = lines
            for _ in 0..<fuzz.int(1...3) {
                let index = fuzz.pick(assignments)
                var line = mutated[index]
                if line.hasPrefix("# ") { line.removeFirst(2) }
                let key = line.prefix { $0 != " " }
                mutated[index] = "\(key) = \(fuzz.pick(Self.values))"
            }
            if !Self.check(mutated.joined(separator: "\n"), iteration: iteration) { refused += 1 }
        }
        #expect(refused > 0)
    }

    /// Damaged bytes: the TOML parser's errors name a line and column.
    @Test func testDamagedFiles_areRefusedWithAPosition() {
        var fuzz = FuzzInput()
        let bytes = Array(Self.example.utf8)
        let tokens = ["[", "]", "[[", "]]", "=", "\"", "'''", "\"\"\"", "#", ".", ",", "{", "}", "\\", "[postgres]", "[aegisd]"]
        for iteration in 0..<FuzzInput.iterations(default: 1_500) {
            let text = String(decoding: fuzz.mutate(bytes, tokens: tokens, maxEdits: 5), as: UTF8.self)
            _ = Self.check(text, iteration: iteration)
        }
    }

    /// Nesting deep enough to overflow a recursive parser's stack: arrays, inline tables, and
    /// a dotted table name.
    @Test(arguments: ["arrays", "inline tables", "dotted keys"])
    func testDeepNesting_isRefused(_ kind: String) {
        let depth = 100_000
        let text = switch kind {
        case "arrays": "a = " + String(repeating: "[", count: depth)
        case "inline tables": "a = " + String(repeating: "{ b = ", count: depth)
        default: "[a." + String(repeating: "b.", count: depth) + "c]"
        }
        #expect(!Self.check(text, iteration: 0))
    }
}
