import AegisCore
import Foundation
import Testing

@Suite struct AlertNotificationTests {
    static let condition = AlertCondition(kind: .backupFailed, subject: "redis", summary: "the last backup of redis failed: x")

    @Test func testJSON_hasEveryDocumentedField() throws {
        let event = AlertEvent(condition: Self.condition, state: .firing, at: 1_764_540_000)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(AlertNotification(event, host: "db1")), as: UTF8.self)
        #expect(json == """
            {"alert":"AegisBackupFailed","at":"2025-11-30T22:00:00Z","host":"db1","message_id":"c459ea94b3194326b1ae146ccaa86201",\
            "repeat":false,"severity":"critical","state":"firing","subject":"redis","summary":"the last backup of redis failed: x"}
            """)
    }

    @Test func testSchedule_sendsEachChangeOnce_andRemindersAtTheInterval() {
        var schedule = NotificationSchedule(repeatSeconds: 100)
        let fired = AlertEvent(condition: Self.condition, state: .firing, at: 0)
        #expect(schedule.due([fired], active: [Self.condition], now: 0).map(\.1) == [false])
        #expect(schedule.due([], active: [Self.condition], now: 99).isEmpty)
        let reminder = schedule.due([], active: [Self.condition], now: 100)
        #expect(reminder.map(\.1) == [true] && reminder.first?.0.state == .firing)
        #expect(schedule.due([], active: [Self.condition], now: 150).isEmpty)
        let resolved = AlertEvent(condition: Self.condition, state: .resolved, at: 160)
        #expect(schedule.due([resolved], active: [], now: 160).map(\.0.state) == [.resolved])
        #expect(schedule.due([], active: [], now: 1_000).isEmpty)
    }

    @Test func testNoRepeats_whenTheIntervalIsZero() {
        var schedule = NotificationSchedule(repeatSeconds: 0)
        _ = schedule.due([AlertEvent(condition: Self.condition, state: .firing, at: 0)], active: [Self.condition], now: 0)
        #expect(schedule.due([], active: [Self.condition], now: 1_000_000).isEmpty)
    }

    @Test(arguments: [
        ("https://hooks.example.com:443/aegisd", "hooks.example.com", 443, "/aegisd", true),
        ("http://127.0.0.1:8080", "127.0.0.1", 8080, "/", false),
        ("http://localhost:9/a/b?c=d", "localhost", 9, "/a/b?c=d", false),
    ])
    func testWebhookEndpoint(url: String, host: String, port: Int, path: String, secure: Bool) throws {
        let endpoint = try WebhookEndpoint(url: url)
        #expect(endpoint.host == host && endpoint.port == port && endpoint.path == path && endpoint.secure == secure)
    }

    @Test func testNotifyTables_decode_andBadOnesAreNamed() {
        let document: [String: ConfigValue] = [
            "alerts": .table([
                "repeat_interval_s": .integer(60),
                "notify": .array([
                    .table(["command": .array([.string("/usr/local/bin/page")]), "timeout_s": .integer(3)]),
                    .table(["url": .string("http://example.com:80/x")]),
                    .table(["command": .array([.string("page")])]),
                    .table([:]),
                ]),
            ])
        ]
        let (config, issues) = ConfigDecoder.decode(document)
        #expect(issues.isEmpty)
        #expect(config.alerts.repeatIntervalS == 60)
        #expect(config.alerts.notify.first == AlertNotifySettings(command: ["/usr/local/bin/page"], timeoutS: 3))
        let problems = ConfigValidator.validate(config).map(\.path)
        #expect(problems == ["alerts.notify[1].url", "alerts.notify[2].command", "alerts.notify[3]"])
    }
}
