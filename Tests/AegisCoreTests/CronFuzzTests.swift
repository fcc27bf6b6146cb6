import AegisCore
import AegisTestSupport
import Foundation
import Testing

/// The cron parser against many generated expressions: it never crashes, every error names the
/// field and the text at fault, and whatever it accepts can be scheduled without hanging.
@Suite struct CronFuzzTests {
    static let samples = [
        "0 3 * * *", "*/15 * * * *", "0 0 1 1 *", "30 2 * * 1-5", "0 0 29 2 *", "5,10,15-20/2 */3 1-31/7 JAN-DEC MON-SUN",
        "@daily", "@hourly", "@weekly", "0 4 L * *", "0 0 31 4 *",
    ]
    static let tokens = ["*", "/", "-", ",", " ", "L", "?", "#", "@", "60", "24", "32", "13", "7", "8", "0", "MON", "FEB", "@reboot"]

    @Test func testGeneratedExpressions_parseOrFailNamingTheProblem() {
        var fuzz = FuzzInput()
        let start = UTCTimestamp(year: 2026, month: 3, day: 29)
        var parsed = 0
        for iteration in 0..<FuzzInput.iterations(default: 20_000) {
            let bytes = iteration % 10 == 0
                ? fuzz.bytes(fuzz.int(0...40))
                : fuzz.mutate(Array(fuzz.pick(Self.samples).utf8), tokens: Self.tokens, maxEdits: 3)
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let expression = try CronExpression(text)
                parsed += 1
                // An accepted expression that can never fire (31 April) must say so with nil,
                // promptly, rather than search forever.
                if let next = expression.nextFire(after: start, in: CronTestSupport.utc) {
                    #expect(next > start, "\(text.debugDescription)")
                }
            } catch {
                #expect(!error.reason.isEmpty && !error.description.isEmpty, "no reason for \(text.debugDescription)")
                if error.field != nil {
                    #expect(!error.text.isEmpty || error.reason.contains("empty"), "\(text.debugDescription): \(error)")
                }
            }
        }
        #expect(parsed > 0)
    }
}
