import Foundation
import Testing

@testable import AegisCore

@Suite struct BackupNamingTests {
    @Test(arguments: [
        // Epoch, leap day, end of a leap century year, far future, before the epoch.
        (Int64(0), "19700101_000000", "1970-01-01T00:00:00Z"),
        (Int64(951_782_400), "20000229_000000", "2000-02-29T00:00:00Z"),
        (Int64(978_307_199), "20001231_235959", "2000-12-31T23:59:59Z"),
        (Int64(1_795_831_200), "20261128_020000", "2026-11-28T02:00:00Z"),
        (Int64(-1), "19691231_235959", "1969-12-31T23:59:59Z"),
    ])
    func testTimestamp_formatsAndParsesBothWays(seconds: Int64, stamp: String, rfc3339: String) {
        let time = UTCTimestamp(secondsSinceEpoch: seconds)
        #expect(time.fileStamp == stamp)
        #expect(time.description == rfc3339)
        #expect(UTCTimestamp(fileStamp: stamp) == time)
        #expect(UTCTimestamp(rfc3339: rfc3339) == time)
    }

    @Test(arguments: ["2026112_020000", "20261328_020000", "20261128-020000", "20261128_240000", "2026-11-28 02:00:00Z", ""])
    func testTimestamp_rejectsMalformedText(text: String) {
        #expect(UTCTimestamp(fileStamp: text) == nil)
        #expect(UTCTimestamp(rfc3339: text) == nil)
    }

    @Test func testNames_followTheSeedsLayout_withTheFormatInTheName() {
        let time = UTCTimestamp(year: 2026, month: 11, day: 28, hour: 2)
        let backend = BackupName(service: .postgresBackend, createdAt: time, encrypted: true)
        #expect(backend.fileName == "backend_20261128_020000.sql.gz.age")
        #expect(backend.manifestName == "backend_20261128_020000.manifest.json")
        #expect(backend.temporaryName == ".backend_20261128_020000.sql.gz.age.partial")
        let redis = BackupName(service: .redis, createdAt: time, encrypted: false)
        #expect(redis.fileName == "redis_20261128_020000.rdb.gz")
    }

    @Test(arguments: [
        ("backend_20261128_020000.sql.gz.age", ServiceID.postgresBackend, true),
        ("backend_20261128_020000.sql.gz", .postgresBackend, true),
        ("redis_20261128_020000.rdb.gz.age", .redis, true),
        ("ai_20261128_020000.sql.gz.age", .postgresBackend, false),
        ("backend_20261128_020000.manifest.json", .postgresBackend, false),
        (".backend_20261128_020000.sql.gz.age.partial", .postgresBackend, false),
        ("backend_20261128_020000.rdb.gz.age", .postgresBackend, false),
        ("backend_20261128_020000.sql.gz.age.bak", .postgresBackend, false),
    ])
    func testNames_parseOnlyTheirOwnBackups(fileName: String, service: ServiceID, parses: Bool) {
        let name = BackupName(fileName: fileName, service: service)
        #expect((name != nil) == parses)
        if let name { #expect(name.fileName == fileName) }
    }

    @Test func testManifest_roundTripsThroughJSON_withSnakeCaseKeys() throws {
        var manifest = BackupManifest(
            service: .postgresAI, file: "ai_20261128_020000.sql.gz.age", database: "aegis_ai", status: .complete,
            startedAt: UTCTimestamp(year: 2026, month: 11, day: 28, hour: 2),
            finishedAt: UTCTimestamp(year: 2026, month: 11, day: 28, hour: 2, second: 7),
            size: 10, plainSize: 100, compressedSize: 9, sha256: "ab", encryption: "x25519",
            recipients: ["age1x"], serverVersion: "15.18", rowCounts: ["public.t": 3])
        manifest.verifiedAt = UTCTimestamp(year: 2026, month: 11, day: 29)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(manifest), as: UTF8.self)
        #expect(json.contains("\"started_at\":\"2026-11-28T02:00:00Z\""))
        #expect(json.contains("\"row_counts\":{\"public.t\":3}"))
        #expect(try JSONDecoder().decode(BackupManifest.self, from: Data(json.utf8)) == manifest)
    }
}
