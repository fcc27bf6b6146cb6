import AegisCore
import Testing

@Suite struct LogLevelParserTests {
    @Test(arguments: [
        ("2026-11-28 17:00:00.123 UTC [42] LOG:  database system is ready to accept connections", LogLevel.info),
        ("2026-11-28 17:00:00.123 UTC [42] aegis@aegis_backend WARNING:  there is no transaction in progress", .warning),
        ("2026-11-28 17:00:00.123 UTC [42] aegis@aegis_backend ERROR:  relation \"x\" does not exist", .error),
        ("2026-11-28 17:00:00.123 UTC [42] aegis@aegis_backend FATAL:  password authentication failed", .critical),
        ("2026-11-28 17:00:00.123 UTC [42] PANIC:  could not write to file", .emergency),
        ("2026-11-28 17:00:00.123 UTC [42] DEBUG2:  checkpointer", .debug),
        ("1234:M 28 Nov 2026 17:00:00.123 * Ready to accept connections tcp", .notice),
        ("1234:M 28 Nov 2026 17:00:00.123 # WARNING overcommit_memory is set to 0", .warning),
        ("1234:S 28 Nov 2026 17:00:00.123 . Client closed connection", .debug),
        ("1234:C 28 Nov 2026 17:00:00.123 - Accepted 127.0.0.1:5555", .debug),
        ("level=error ts=2026-11-28T17:00:00Z caller=main.go msg=\"boom\"", .error),
        ("level=warn ts=2026-11-28T17:00:00Z msg=\"slow\"", .warning),
        ("ts=2026-11-28T17:00:00Z level=debug msg=x", .debug),
        ("{\"level\":\"ERROR\",\"msg\":\"policy failed\"}", .error),
        ("plain text with a - dash and a # hash", .info),
        ("", .info),
    ])
    func testLevel_isReadFromEachServersFormat(line: String, expected: LogLevel) {
        #expect(LogLevelParser.level(of: line) == expected)
    }

    @Test func testPriorities_matchSyslog() {
        #expect(LogLineClassifier.priority(of: "x [1] FATAL:  y") == 2)
        #expect(LogLineClassifier.priority(of: "x [1] ERROR:  y") == 3)
        #expect(LogLineClassifier.priority(of: "x [1] LOG:  y") == 6)
        #expect(LogLevel.warning.lokiName == "warn")
    }
}
