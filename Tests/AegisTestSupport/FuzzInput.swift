import Foundation

/// Seeded generation of bad input for the fuzz tests: random bytes, and valid samples mutated
/// (bytes flipped, inserted, deleted, duplicated, cut short, spliced with tokens that parsers
/// treat specially). The same seed gives the same inputs, so a failure can be replayed:
///
///     AEGIS_FUZZ_SEED=1234 AEGIS_FUZZ_ITERATIONS=100000 swift test --filter Fuzz
///
/// With `AEGIS_FUZZ_LAST=FILE` each input is written there before it is tried (see `keep`).
/// Every test prints neither seed nor inputs on success; a failing expectation names both.
public struct FuzzInput: RandomNumberGenerator {
    /// How many inputs each fuzz test tries: `AEGIS_FUZZ_ITERATIONS`, or `default` (kept modest
    /// so that `make test` stays quick on two cores).
    public static func iterations(default fallback: Int) -> Int {
        ProcessInfo.processInfo.environment["AEGIS_FUZZ_ITERATIONS"].flatMap(Int.init).map { max(1, $0) } ?? fallback
    }

    /// `AEGIS_FUZZ_SEED`, or a fixed seed so that `make test` is repeatable.
    public static var seed: UInt64 {
        ProcessInfo.processInfo.environment["AEGIS_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5EED_AE61_5D00_0001
    }

    private var state: UInt64

    public init(seed: UInt64 = FuzzInput.seed) { state = seed }

    /// SplitMix64: small, fast, and good enough to spread inputs around.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    public mutating func chance(_ oneIn: Int) -> Bool { int(1...oneIn) == 1 }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...(choices.count - 1))] }

    /// `count` bytes of noise, biased towards ASCII so that tokenizers get past their first byte
    /// (one in three any byte, the rest printable); `excluded` (a newline, say) becomes a space.
    ///
    /// Four bytes per draw, in a plain loop: a generic `random(in:using:)` per byte looks up
    /// type metadata at run time in a debug build, and made the control flood's 64 KiB requests
    /// cost the test far more CPU than the daemon it floods.
    public mutating func bytes(_ count: Int, except excluded: UInt8? = nil) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            var index = 0
            while index < count {
                var word = next()
                for _ in 0..<min(4, count - index) {
                    let value = UInt8(truncatingIfNeeded: word)
                    let anyByte = UInt8(truncatingIfNeeded: word >> 8) % 3 == 0
                    let byte = anyByte ? value : 0x20 + value % 95
                    buffer[index] = byte == excluded ? 0x20 : byte
                    word >>= 16
                    index += 1
                }
            }
        }
        return out
    }

    /// `sample` with one to `maxEdits` random edits; `tokens` are spliced in now and then.
    public mutating func mutate(_ sample: [UInt8], tokens: [String] = [], maxEdits: Int = 4) -> [UInt8] {
        var out = sample
        for _ in 0..<int(1...maxEdits) {
            let position = out.isEmpty ? 0 : int(0...out.count)
            switch int(0...7) {
            case 0 where position < out.count: out[position] ^= UInt8(1 << int(0...7))
            case 1: out.insert(contentsOf: bytes(int(1...8)), at: position)
            case 2 where !out.isEmpty:
                let end = min(out.count, position + int(1...16))
                out.removeSubrange(min(position, out.count - 1)..<end)
            case 3 where position < out.count:
                let end = min(out.count, position + int(1...64))
                out.insert(contentsOf: out[position..<end], at: position)
            case 4: out = Array(out.prefix(position))
            case 5 where !tokens.isEmpty: out.insert(contentsOf: Array(pick(tokens).utf8), at: position)
            case 6 where position < out.count: out[position] = pick([0x00, 0x0A, 0x0D, 0x22, 0x5C, 0x7F, 0xFF, 0xC3])
            default: out.insert(contentsOf: Array(pick(Self.interesting).utf8), at: position)
            }
        }
        return out
    }

    /// Values that trip numeric and string handling.
    public static let interesting = [
        "0", "-1", "-0", "2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "1e308", "1e-400", "NaN", "inf", "\"\"", "\\u0000", "\\ud800", "[]", "{}", "null", " ", "\t", "=",
        String(repeating: "9", count: 40), String(repeating: "a", count: 300),
    ]

    /// Writes `input` to the file `AEGIS_FUZZ_LAST` names, when set, before it is tried: a
    /// crash (which no expectation can report) then leaves the input that caused it behind.
    public static func keep(_ input: [UInt8]) {
        guard let path = ProcessInfo.processInfo.environment["AEGIS_FUZZ_LAST"] else { return }
        // Best effort: an unwritable path leaves no replay file, and the fuzzing goes on.
        _ = FileManager.default.createFile(atPath: path, contents: Data(input))
    }

    /// Describes an input in a failure message: its length and its first bytes, escaped.
    public static func describe(_ input: [UInt8]) -> String {
        let text = String(decoding: input.prefix(200), as: UTF8.self).debugDescription
        return "\(input.count) bytes: \(text)\(input.count > 200 ? "…" : "")"
    }
}
