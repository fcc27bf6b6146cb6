import AegisCore
import Testing

/// The control protocol's lines, byte for byte, as aegisctl and aegisd of protocol version 1
/// have always written them: what an older client sends still decodes to the same request,
/// what this client sends is what an older daemon expects, and replies go both ways unchanged.
/// A change that breaks one of these lines breaks deployed clients: bump `ControlProtocol.version`.
@Suite struct ControlWireGoldenTests {
    static let requests: [(String, ControlRequest)] = [
        (#"{"command":"status","v":1}"#, .status),
        (#"{"command":"version","v":1}"#, .version),
        (#"{"command":"start","service":"redis","v":1}"#, .start(.redis)),
        (#"{"command":"stop","service":"loki","v":1}"#, .stop(.loki)),
        (#"{"command":"restart","service":"postgres-ai","v":1}"#, .restart(.postgresAI)),
        (#"{"command":"backup","v":1}"#, .backup(nil)),
        (#"{"command":"backup","service":"postgres-backend","v":1}"#, .backup(.postgresBackend)),
        (#"{"command":"backups","v":1}"#, .backups(nil)),
        (#"{"command":"backups","remote":true,"service":"redis","v":1}"#, .remoteBackups(.redis)),
        (#"{"command":"backups-prune","v":1}"#, .prunePlan(nil, remote: false)),
        (#"{"command":"backups-prune","remote":true,"service":"redis","v":1}"#, .prunePlan(.redis, remote: true)),
        (
            #"{"backup":"latest","command":"restore","identity_key":"AGE-SECRET-KEY-1X\n","service":"redis","v":1}"#,
            .restore(RestoreTarget(service: .redis, backup: "latest", identity: .key(SecretText("AGE-SECRET-KEY-1X\n"))))
        ),
        (
            #"{"backup":"latest","command":"verify","remote":true,"service":"postgres-ai","v":1}"#,
            .verify(RestoreTarget(service: .postgresAI, backup: "latest", remote: true))
        ),
        (#"{"command":"reload","v":1}"#, .reload),
        (#"{"command":"certs-status","v":1}"#, .certsStatus),
        (#"{"command":"certs-rotate","v":1}"#, .certsRotate),
        (#"{"app":"ai","command":"connect-info","service":"redis","show_secrets":true,"v":1}"#, .connectInfo(.redis, app: "ai", showSecrets: true)),
        (#"{"command":"logs","lines":50,"service":"redis","v":1}"#, .logs(.redis, last: 50, after: nil)),
        (#"{"after":7,"command":"logs","service":"redis","v":1}"#, .logs(.redis, last: nil, after: 7)),
        (#"{"command":"migrate-status","service":"postgres-ai","v":1}"#, .migrateStatus(.postgresAI)),
        (#"{"command":"stats","v":1}"#, .stats(nil)),
        (#"{"command":"maintenance-list","v":1}"#, .maintenanceList),
        (#"{"command":"maintenance-run","job":"vacuum-analyze","v":1}"#, .maintenanceRun(job: "vacuum-analyze")),
        (#"{"command":"pitr-backup","pitr_type":"diff","service":"postgres-ai","v":1}"#, .pitrBackup(.postgresAI, type: .diff)),
        (#"{"command":"pitr-status","v":1}"#, .pitrStatus(nil)),
        (
            #"{"command":"pitr-restore","service":"postgres-ai","to_time":"2026-12-01 10:42:00+00","v":1}"#,
            .pitrRestore(.postgresAI, to: .time("2026-12-01 10:42:00+00"))
        ),
        (#"{"command":"pitr-restore","service":"postgres-ai","to_latest":true,"v":1}"#, .pitrRestore(.postgresAI, to: .latest)),
        (#"{"command":"pitr-drill","service":"postgres-ai","v":1}"#, .pitrDrill(.postgresAI)),
        (#"{"command":"replication-bundle","v":1}"#, .replicationBundle(host: nil)),
        (#"{"command":"replication-bundle","host":"db1.example.net","v":1}"#, .replicationBundle(host: "db1.example.net")),
        (#"{"command":"promote","v":1}"#, .promote(nil, force: false)),
        (#"{"command":"promote","force":true,"service":"postgres-ai","v":1}"#, .promote(.postgresAI, force: true)),
        (#"{"command":"replication-reseed","service":"postgres-ai","v":1}"#, .replicationReseed(.postgresAI)),
        (#"{"bundle":"{\"format\":1}\n","command":"replication-rejoin","v":1}"#, .replicationRejoin(bundle: SecretText("{\"format\":1}\n"))),
        (#"{"command":"replication-drop-slot","service":"postgres-ai","slot":"standby_db2","v":1}"#, .replicationDropSlot(.postgresAI, slot: "standby_db2")),
    ]

    @Test func everyCommandHasAGoldenRequest() {
        #expect(Set(Self.requests.map(\.1.command)) == Set(ControlCommand.allCases))
    }

    @Test("an old client's request decodes, and this client sends the same bytes", arguments: requests)
    func request(_ line: String, _ expected: ControlRequest) {
        #expect(ControlCodec.decodeRequest(Array(line.utf8)) == .request(expected))
        #expect(String(decoding: ControlCodec.encode(expected), as: UTF8.self) == line + "\n")
    }

    static let replies: [(String, ControlReply)] = [
        (#"{"message":"redis is running and healthy","ok":true,"v":1}"#, .success("redis is running and healthy")),
        (#"{"ok":true,"v":1}"#, .success()),
        (
            #"{"error":{"code":"unknown_service","message":"no enabled service named 'loki'; services: redis"},"ok":false,"v":1}"#,
            .failure(.unknownService, "no enabled service named 'loki'; services: redis")
        ),
        (#"{"ok":true,"v":1,"version":{"daemon":"0.1.0","protocol":1}}"#, .success(.version(VersionInfo(daemon: "0.1.0")))),
        (
            #"{"connection":{"host":"127.0.0.1","port":"6379"},"ok":true,"v":1}"#,
            .success(.connection(["host": "127.0.0.1", "port": "6379"]))
        ),
        (
            #"{"logs":[{"level":"info","line":"ready","seq":3,"stream":"stderr","ts_ns":1700000000000000000}],"ok":true,"v":1}"#,
            .success(.logs([LogLineReport(sequence: 3, timestampNs: 1_700_000_000_000_000_000, level: "info", stream: "stderr", line: "ready")]))
        ),
        (
            #"{"backups":[{"created_at":"2026-03-01T02:00:00Z","error":"cut short","name":"redis-20260301T020000Z.rdb.gz","path":"/b/redis-20260301T020000Z.rdb.gz","service":"redis","size":0,"status":"failed","verified_at":null}],"error":{"code":"failed","message":"redis: cut short"},"ok":false,"v":1}"#,
            .failure(.failed, "redis: cut short", .backups([failedBackup]))
        ),
        (#"{"maintenance":[],"message":"done","ok":true,"v":1}"#, .success("done", .maintenance([]))),
        (
            #"{"message":"promoted","ok":true,"promotions":[{"message":"accepts writes","service":"postgres-ai","timeline":2}],"v":1}"#,
            .success("promoted", .promotions([PromotionReport(service: "postgres-ai", timeline: 2, message: "accepts writes")]))
        ),
        (
            #"{"message":"rejoined","ok":true,"rejoin":[{"message":"pg_rewind","outcome":"rewound","service":"postgres-ai"},{"message":"aside","outcome":"re-seeded","service":"postgres-backend"}],"v":1}"#,
            .success("rejoined", .rejoin([
                RejoinReport(service: "postgres-ai", outcome: .rewound, message: "pg_rewind"),
                RejoinReport(service: "postgres-backend", outcome: .reseeded, message: "aside"),
            ]))
        ),
    ]

    static var failedBackup: BackupReport {
        var report = BackupReport(
            service: "redis", name: "redis-20260301T020000Z.rdb.gz", path: "/b/redis-20260301T020000Z.rdb.gz",
            createdAt: UTCTimestamp(year: 2026, month: 3, day: 1, hour: 2), size: 0, status: "failed")
        report.error = "cut short"
        return report
    }

    @Test("an old daemon's reply decodes, and this daemon writes the same bytes", arguments: replies)
    func reply(_ line: String, _ expected: ControlReply) throws {
        #expect(try ControlCodec.decodeReply(Array(line.utf8)) == expected)
        #expect(String(decoding: ControlCodec.encode(expected), as: UTF8.self) == line + "\n")
    }

    @Test func aReplyWithTwoPayloads_orFailedWithoutAnError_isRefusedByTheClient() {
        #expect(throws: ControlCodecError.self) {
            try ControlCodec.decodeReply(Array(#"{"ok":true,"v":1,"logs":[],"stats":[]}"#.utf8))
        }
        #expect(throws: ControlCodecError.self) { try ControlCodec.decodeReply(Array(#"{"ok":false,"v":1}"#.utf8)) }
    }
}
