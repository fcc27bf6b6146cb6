import AegisCore
import Foundation
import Testing

@Suite("ControlCodec")
struct ControlCodecTests {
    /// One malformed or unusual request line and what the codec must answer.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var line: String
        var code: ControlError.Code
        /// Parts the message must contain, so that it tells the user what to do.
        var mentions: [String]
        var testDescription: String { name }
    }

    static let rejections: [Case] = [
        Case(name: "empty", line: "", code: .badRequest, mentions: ["empty request"]),
        Case(name: "blank", line: "  \r", code: .badRequest, mentions: ["empty request"]),
        Case(name: "not JSON", line: "status please", code: .badRequest, mentions: ["not valid JSON"]),
        Case(name: "truncated JSON", line: #"{"v":1,"command":"#, code: .badRequest, mentions: ["not valid JSON"]),
        Case(name: "array", line: "[1,2]", code: .badRequest, mentions: ["must be a JSON object"]),
        Case(name: "string", line: #""status""#, code: .badRequest, mentions: ["must be a JSON object"]),
        Case(name: "number", line: "42", code: .badRequest, mentions: ["must be a JSON object"]),
        Case(name: "missing v", line: #"{"command":"status"}"#, code: .badRequest, mentions: [#""v""#, "version 1"]),
        Case(name: "v wrong type", line: #"{"v":"1","command":"status"}"#, code: .badRequest, mentions: [#""v""#, "wrong type"]),
        Case(
            name: "future version", line: #"{"v":2,"command":"status"}"#, code: .unsupportedVersion,
            mentions: ["version 2", "version 1"]),
        Case(
            name: "version before command", line: #"{"v":9,"command":"teleport"}"#, code: .unsupportedVersion,
            mentions: ["version 9"]),
        Case(
            name: "missing command", line: #"{"v":1}"#, code: .badRequest,
            mentions: [#""command""#, "status, start, stop, restart, version"]),
        Case(
            name: "unknown command", line: #"{"v":1,"command":"teleport"}"#, code: .badRequest,
            mentions: [#"unknown command "teleport""#, "status, start, stop, restart, version"]),
        Case(
            name: "command wrong type", line: #"{"v":1,"command":7}"#, code: .badRequest,
            mentions: [#""command""#, "wrong type"]),
        Case(
            name: "start without service", line: #"{"v":1,"command":"start"}"#, code: .badRequest,
            mentions: [#""service""#, "postgres-backend"]),
        Case(
            name: "unknown service", line: #"{"v":1,"command":"stop","service":"mysql"}"#, code: .unknownService,
            mentions: [#""mysql""#, "redis", "loki"]),
        Case(
            name: "maintenance-run without job", line: #"{"v":1,"command":"maintenance-run"}"#, code: .badRequest,
            mentions: [#""job""#, "maintenance-list"]),
        Case(
            name: "identity and identity_key both",
            line: #"{"v":1,"command":"restore","service":"redis","identity":"/k","identity_key":"AGE-SECRET-KEY-1X"}"#,
            code: .badRequest, mentions: [#""identity_key""#, #""identity""#, "not both"]),
        Case(
            name: "identity_key on another command",
            line: #"{"v":1,"command":"backup","identity_key":"AGE-SECRET-KEY-1X"}"#, code: .badRequest,
            mentions: [#""identity_key""#, "restore and verify"]),
        Case(
            name: "identity_key wrong type", line: #"{"v":1,"command":"verify","service":"redis","identity_key":7}"#,
            code: .badRequest, mentions: [#""identity_key""#, "wrong type"]),
    ]

    @Test("rejects", arguments: rejections)
    func rejects(_ example: Case) throws {
        guard case .reject(let reply) = ControlCodec.decodeRequest(Array(example.line.utf8)) else {
            Issue.record("accepted \(example.line)")
            return
        }
        #expect(reply.ok == false)
        #expect(reply.wire.v == ControlProtocol.version)
        let error = try #require(reply.error)
        #expect(error.code == example.code)
        for part in example.mentions {
            #expect(error.message.contains(part), "\(error.message) should mention \(part)")
        }
    }

    @Test func rejectsBinaryGarbage() {
        let garbage: [UInt8] = [0xFF, 0x00, 0xFE, 0x7B, 0x80, 0x0A]
        guard case .reject(let reply) = ControlCodec.decodeRequest(garbage) else {
            Issue.record("accepted binary garbage")
            return
        }
        #expect(reply.error?.code == .badRequest)
    }

    static let acceptances: [(String, ControlRequest)] = [
        (#"{"v":1,"command":"status"}"#, ControlRequest.status),
        (#"{"v":1,"command":"status"}"# + "\n", ControlRequest.status),
        (#"  {"command":"version","v":1}"# + "\r\n", ControlRequest.version),
        (#"{"v":1,"command":"restart","service":"postgres-ai"}"#, ControlRequest.restart(.postgresAI)),
        // Unknown fields are ignored so that newer clients can add optional ones.
        (#"{"v":1,"command":"status","verbose":true}"#, ControlRequest.status),
        // Clients that send a path, as aegisctl did before it sent the key itself.
        (
            #"{"v":1,"command":"restore","service":"redis","backup":"latest","identity":"/root/backup.agekey"}"#,
            ControlRequest.restore(RestoreTarget(service: .redis, backup: "latest", identity: .path("/root/backup.agekey")))
        ),
        (
            #"{"v":1,"command":"verify","service":"redis","identity_key":"AGE-SECRET-KEY-1X\n"}"#,
            ControlRequest.verify(RestoreTarget(service: .redis, identity: .key(SecretText("AGE-SECRET-KEY-1X\n"))))
        ),
    ]

    @Test("accepts", arguments: acceptances)
    func accepts(_ line: String, _ expected: ControlRequest) {
        #expect(ControlCodec.decodeRequest(Array(line.utf8)) == .request(expected))
    }

    @Test func replyIsOneSortedLine() {
        let reply = ControlReply.failure(.badRequest, "two\nlines")
        let bytes = ControlCodec.encode(reply)
        #expect(bytes.last == 0x0A)
        #expect(bytes.dropLast().contains(0x0A) == false)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == #"{"error":{"code":"bad_request","message":"two\nlines"},"ok":false,"v":1}"# + "\n")
    }

    @Test func statusReplyRoundTripsWithNullPid() throws {
        let report = StatusReport(
            daemon: DaemonStatus(version: "0.1.0", pid: 7, uptimeSeconds: 3, ready: true),
            services: [ServiceStatus(name: "redis", state: .stopped, healthy: false, pid: nil, restarts: 0)])
        let bytes = ControlCodec.encode(ControlReply.success(.status(report)))
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""pid":null"#))
        #expect(try ControlCodec.decodeReply(bytes) == .success(.status(report)))
    }

    @Test func requestRoundTrips() {
        let request = ControlRequest.stop(.loki)
        let bytes = ControlCodec.encode(request)
        #expect(bytes.last == 0x0A)
        #expect(ControlCodec.decodeRequest(bytes) == .request(request))
    }

    @Test func maintenanceRunRequestKeepsItsJob() {
        let request = ControlRequest.maintenanceRun(job: "vacuum-postgres-ai")
        #expect(ControlCodec.decodeRequest(ControlCodec.encode(request)) == .request(request))
    }

    /// The key travels as a plain JSON string, and nothing that describes a request shows it.
    @Test func identityKeyRoundTrips_butIsNeverShownInADescription() {
        let key = "# public key: age1xyz\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"
        let request = ControlRequest.restore(RestoreTarget(service: .postgresAI, backup: "latest", identity: .key(SecretText(key))))
        let line = ControlCodec.encode(request)
        #expect(String(decoding: line, as: UTF8.self).contains(##""identity_key":"# public key: age1xyz\nAGE-SECRET-KEY-1QQ"##))
        #expect(ControlCodec.decodeRequest(line) == .request(request))
        var dumped = ""
        dump(request, to: &dumped)
        for shown in ["\(request)", String(reflecting: request), dumped, "\(request.wire)", "\(SecretText(key))"] {
            #expect(!shown.contains("AGE-SECRET-KEY"), "\(shown)")
        }
    }

    /// One request of every command: each goes out as its wire shape and comes back the same.
    static let everyCommand: [ControlRequest] = [
        .status, .version, .start(.redis), .stop(.postgresAI), .restart(.loki), .backup(nil), .backup(.redis),
        .backups(.postgresExecutor), .restore(RestoreTarget(service: .redis)),
        .verify(RestoreTarget(service: .postgresBackend, backup: "backend_20261130_020000.sql.gz.age", identity: .path("/k"))),
        .reload, .certsStatus, .certsRotate, .connectInfo(.redis, app: "ai", showSecrets: true),
        .connectInfo(.postgresAI, app: nil, showSecrets: false), .logs(.redis, last: 5, after: nil),
        .logs(.loki, last: nil, after: 42), .migrateStatus(nil), .stats(.postgresBackend), .maintenanceList,
        .maintenanceRun(job: "vacuum-postgres-ai"),
        .pitrBackup(.postgresBackend, type: .diff), .pitrStatus(nil), .pitrStatus(.postgresAI),
        .pitrRestore(.postgresExecutor, to: .time("2026-12-01 10:42:00+00")), .pitrRestore(.postgresBackend, to: .latest),
        .pitrDrill(.postgresAI), .replicationBundle(host: nil), .replicationBundle(host: "db1.example.com"), .promote(nil, force: false), .promote(.redis, force: true), .replicationReseed(.postgresAI),
        .replicationRejoin(bundle: SecretText("{}")), .replicationDropSlot(.postgresBackend, slot: "standby_x"),
        .remoteBackups(.postgresAI), .prunePlan(nil, remote: false), .prunePlan(.redis, remote: true),
        .restore(RestoreTarget(service: .postgresAI, backup: "latest", identity: .key(SecretText("AGE-SECRET-KEY-1X")), remote: true)),
        .verify(RestoreTarget(service: .redis, remote: true)),
    ]

    @Test func remoteIsOnlyForBackupsPruneRestoreAndVerify_andRemoteBackupsNeedAService() {
        func decoded(_ json: String) -> ControlCodec.Decoded { ControlCodec.decodeRequest(Array((json + "\n").utf8)) }
        #expect(decoded(#"{"v":1,"command":"backups","service":"redis","remote":true}"#) == .request(.remoteBackups(.redis)))
        #expect(decoded(#"{"v":1,"command":"backups","remote":false}"#) == .request(.backups(nil)))
        guard case .reject(let noService) = decoded(#"{"v":1,"command":"backups","remote":true}"#) else {
            Issue.record("backups --remote without a service was accepted")
            return
        }
        #expect(noService.error?.message.contains("needs field \"service\"") == true)
        guard case .reject(let elsewhere) = decoded(#"{"v":1,"command":"status","remote":true}"#) else {
            Issue.record("remote on status was accepted")
            return
        }
        #expect(elsewhere.error?.message == "field \"remote\" is only for backups, backups-prune, restore and verify, not \"status\"")
    }

    @Test func everyCommandRoundTripsThroughTheWire() {
        #expect(Set(Self.everyCommand.map(\.command)) == Set(ControlCommand.allCases), "the table covers every command")
        for request in Self.everyCommand {
            #expect(ControlCodec.decodeRequest(ControlCodec.encode(request)) == .request(request), "\(request.command)")
            #expect(request.wire.command == request.command && request.wire.service == request.service?.rawValue)
        }
    }

    @Test func garbledReplyIsAnError() {
        #expect(throws: ControlCodecError.self) { try ControlCodec.decodeReply(Array("hello".utf8)) }
    }
}
