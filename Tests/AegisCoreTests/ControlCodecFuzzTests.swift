import AegisCore
import AegisTestSupport
import Testing

/// The control-protocol decoder against many generated bad requests: it never crashes, every
/// refusal names its problem, and whatever it accepts survives encoding and decoding again.
@Suite struct ControlCodecFuzzTests {
    static let samples: [ControlRequest] = [
        .status, .version, .start(.redis), .stop(.postgresBackend), .restart(.loki), .backup(nil), .backup(.postgresAI),
        .backups(.postgresExecutor), .reload, .certsStatus, .certsRotate,
        .restore(RestoreTarget(service: .postgresBackend, backup: "20260101T000000Z", identity: .path("/etc/aegis/id.txt"))),
        .verify(RestoreTarget(service: .redis, identity: .key(SecretText("AGE-SECRET-KEY-1QQQ")))),
        .connectInfo(.redis, app: "worker", showSecrets: true), .logs(.loki, last: 50, after: nil), .logs(.redis, last: nil, after: 7),
        .migrateStatus(nil), .stats(.redis), .maintenanceList, .maintenanceRun(job: "vacuum-analyze"),
    ]

    static let tokens = [
        #""v":"#, #""command":"#, #""service":"#, #""identity_key":"#, #""identity":"#, #""lines":"#, #""after":"#,
        #""show_secrets":true"#, #""job":"#, #""status""#, #""restore""#, #""redis""#, ",", ":", "{", "}", "[", "]",
        #"\u0000"#, #"\""#, "true", "false", "1", "2",
    ]

    /// A refusal must say what is wrong with the request in words.
    static func checkRefusal(_ reply: ControlReply, input: [UInt8]) {
        #expect(reply.ok == false, "\(FuzzInput.describe(input))")
        let message = reply.error?.message ?? ""
        #expect(message.count >= 10, "refusal without a clear message for \(FuzzInput.describe(input))")
        #expect([.badRequest, .unsupportedVersion, .unknownService].contains(reply.error?.code), "\(FuzzInput.describe(input))")
    }

    @Test func testGeneratedRequests_areDecodedOrRefusedClearly() {
        var fuzz = FuzzInput()
        let encoded = Self.samples.map { ControlCodec.encode($0) }
        var accepted = 0
        for iteration in 0..<FuzzInput.iterations(default: 20_000) {
            let input = iteration % 10 == 0
                ? fuzz.bytes(fuzz.int(0...300))
                : fuzz.mutate(fuzz.pick(encoded), tokens: Self.tokens, maxEdits: 6)
            switch ControlCodec.decodeRequest(input) {
            case .reject(let reply):
                Self.checkRefusal(reply, input: input)
            case .request(let request):
                accepted += 1
                #expect(ControlCodec.decodeRequest(ControlCodec.encode(request)) == .request(request),
                        "accepted request does not round-trip: \(FuzzInput.describe(input)), seed \(FuzzInput.seed)")
            }
        }
        // Mutations that keep a request valid exist (a changed service, a reordered field);
        // none at all would mean the generator never reaches the decoder's later checks.
        #expect(accepted > 0)
    }

    /// Deep nesting is a classic way to overflow a recursive JSON parser's stack; a request
    /// line is at most 64 KiB, so that is the depth to survive.
    @Test(arguments: ["[", "{\"a\":", "{\"v\":[", "[{\"v\":"])
    func testDeeplyNestedRequests_areRefused(_ opener: String) {
        let count = ControlProtocol.maxRequestBytes / opener.utf8.count
        let input = Array(String(repeating: opener, count: count).utf8)
        guard case .reject(let reply) = ControlCodec.decodeRequest(input) else {
            Issue.record("a \(count)-deep nesting was accepted")
            return
        }
        Self.checkRefusal(reply, input: input)
    }

    /// Valid JSON of every other shape, and fields of the wrong types, are refused by name.
    @Test(arguments: [
        "null", "1", "\"status\"", "[]", "[{\"v\":1,\"command\":\"status\"}]", "{}", "{\"v\":\"1\",\"command\":\"status\"}",
        "{\"v\":1.5,\"command\":\"status\"}", "{\"v\":1e400,\"command\":\"status\"}", "{\"v\":1,\"command\":[\"status\"]}",
        "{\"v\":1,\"command\":\"logs\",\"service\":\"redis\",\"lines\":99999999999999999999}",
        "{\"v\":1,\"command\":\"connect-info\",\"service\":\"redis\",\"show_secrets\":\"yes\"}",
        "{\"v\":1,\"command\":\"restore\",\"service\":\"redis\",\"identity_key\":5}",
        "{\"v\":9223372036854775808,\"command\":\"status\"}", "{\"v\":1,\"command\":\"status\"} trailing",
    ])
    func testWrongShapes_areRefusedByName(_ text: String) {
        let input = Array(text.utf8)
        guard case .reject(let reply) = ControlCodec.decodeRequest(input) else {
            Issue.record("accepted \(text)")
            return
        }
        Self.checkRefusal(reply, input: input)
    }
}
