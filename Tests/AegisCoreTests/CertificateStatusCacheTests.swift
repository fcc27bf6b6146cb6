import Testing

@testable import AegisCore

/// Certificate statuses are read again only when a file changed or a date in them was crossed,
/// and what they say is then what a new reading would say.
@Suite struct CertificateStatusCacheTests {
    static let day: Int64 = 86_400
    static let issued = UTCTimestamp(year: 2026, month: 11, day: 1)
    static let expires = UTCTimestamp(year: 2026, month: 12, day: 31, hour: 12)

    static func info(notBefore: UTCTimestamp = issued, notAfter: UTCTimestamp = expires) -> CertificateInfo {
        CertificateInfo(
            subject: "redis", issuer: "aegis CA", subjectAltNames: ["localhost"], serial: "01",
            notBefore: notBefore, notAfter: notAfter, isCA: false, sha256Fingerprint: "00")
    }

    static func at(_ seconds: Int64) -> UTCTimestamp { UTCTimestamp(secondsSinceEpoch: seconds) }

    // MARK: - nextChange

    /// Every instant from a day before to a day after the expiry, a second apart around each
    /// boundary: nothing `daysLeft` or `isValid` says changes before `nextChange`, and
    /// something does at it.
    @Test func testNextChange_isTheFirstSecondAnythingDatedAnswersDifferently() {
        let info = Self.info()
        let end = Self.expires.secondsSinceEpoch
        let probes: [Int64] = [-2 * Self.day - 1, -2 * Self.day, -Self.day - 1, -Self.day, -Self.day + 1, -7_200, -1, 0, 1, 2,
                               Self.day - 1, Self.day, Self.day + 1]
        for offset in probes {
            let now = Self.at(end + offset)
            let next = info.nextChange(after: now)
            #expect(next > now, "at notAfter\(offset >= 0 ? "+" : "")\(offset)")
            let before = Self.at(next.secondsSinceEpoch - 1)
            #expect(info.daysLeft(now: before) == info.daysLeft(now: now) && info.isValid(at: before) == info.isValid(at: now),
                    "at notAfter\(offset >= 0 ? "+" : "")\(offset): changed before \(next)")
            #expect(info.daysLeft(now: next) != info.daysLeft(now: now) || info.isValid(at: next) != info.isValid(at: now),
                    "at notAfter\(offset >= 0 ? "+" : "")\(offset): nothing changed at \(next)")
        }
    }

    @Test func testNextChange_atTheExpiry_isTheSecondAfter() {
        let info = Self.info()
        #expect(info.nextChange(after: Self.expires) == Self.at(Self.expires.secondsSinceEpoch + 1))
        #expect(info.isValid(at: Self.expires) && !info.isValid(at: Self.at(Self.expires.secondsSinceEpoch + 1)))
    }

    @Test func testNextChange_beforeNotBefore_isNotBefore_whenThatComesFirst() {
        let start = UTCTimestamp(year: 2026, month: 12, day: 1, hour: 6)
        let info = Self.info(notBefore: start)
        // 30 days and 6 hours left at midnight: the day boundary is at noon, notBefore at 6:00.
        let midnight = UTCTimestamp(year: 2026, month: 12, day: 1)
        #expect(info.nextChange(after: midnight) == start)
        #expect(info.nextChange(after: start) == UTCTimestamp(year: 2026, month: 12, day: 1, hour: 12, second: 1))
    }

    // MARK: - the cache

    struct Reader {
        var reads = 0
        var info = CertificateStatusCacheTests.info()

        mutating func read() -> [CertificateStatus] {
            reads += 1
            return [CertificateStatus(role: .server(.redis), certificatePath: "/c", keyPath: "/k", info: info, daysLeft: nil, problem: nil)]
        }
    }

    @Test func testSameFilesAndDay_areReadOnce() {
        var cache = CertificateStatusCache<Int>()
        var reader = Reader()
        let now = UTCTimestamp(year: 2026, month: 12, day: 2)
        for minute in 0..<60 {
            _ = cache.statuses(stamps: [1, 2, nil], now: Self.at(now.secondsSinceEpoch + Int64(minute) * 60)) { reader.read() }
        }
        #expect(reader.reads == 1)
    }

    @Test(arguments: [[1, 3, nil], [1, 2, 4], [1, nil, nil], [1, 2], [2, 1, nil]] as [[Int?]])
    func testAChangedAddedOrRemovedFile_isReadAgain(stamps: [Int?]) {
        var cache = CertificateStatusCache<Int>()
        var reader = Reader()
        let now = UTCTimestamp(year: 2026, month: 12, day: 2)
        _ = cache.statuses(stamps: [1, 2, nil], now: now) { reader.read() }
        reader.info = Self.info(notAfter: UTCTimestamp(year: 2027, month: 3, day: 1))
        let statuses = cache.statuses(stamps: stamps, now: now) { reader.read() }
        #expect(reader.reads == 2)
        #expect(statuses.first?.info?.notAfter == UTCTimestamp(year: 2027, month: 3, day: 1))
        _ = cache.statuses(stamps: stamps, now: now) { reader.read() }
        #expect(reader.reads == 2)
    }

    @Test func testADayOfDaysLeftRunningOut_isReadAgain_atThatSecond() {
        var cache = CertificateStatusCache<Int>()
        var reader = Reader()
        // Expiry at 12:00: a day of daysLeft runs out at 12:00:01 every day.
        let halfAnHourBefore = UTCTimestamp(year: 2026, month: 12, day: 2, hour: 11, minute: 30)
        _ = cache.statuses(stamps: [1], now: halfAnHourBefore) { reader.read() }
        _ = cache.statuses(stamps: [1], now: UTCTimestamp(year: 2026, month: 12, day: 2, hour: 12)) { reader.read() }
        #expect(reader.reads == 1)
        _ = cache.statuses(stamps: [1], now: UTCTimestamp(year: 2026, month: 12, day: 2, hour: 12, second: 1)) { reader.read() }
        #expect(reader.reads == 2)
    }

    @Test func testNothingIsKeptLongerThanTheMaximumAge() {
        var cache = CertificateStatusCache<Int>()
        var reader = Reader()
        // Just after a day boundary: the next is almost a day away, the ceiling comes first.
        let start = UTCTimestamp(year: 2026, month: 12, day: 2, hour: 12, second: 1)
        let ceiling = start.secondsSinceEpoch + CertificateStatusCache<Int>.maximumAgeSeconds
        _ = cache.statuses(stamps: [1], now: start) { reader.read() }
        _ = cache.statuses(stamps: [1], now: Self.at(ceiling - 1)) { reader.read() }
        #expect(reader.reads == 1)
        _ = cache.statuses(stamps: [1], now: Self.at(ceiling)) { reader.read() }
        #expect(reader.reads == 2)
    }

    @Test func testStatusesWithoutCertificates_areKeptUpToTheMaximumAge() {
        var cache = CertificateStatusCache<Int>()
        var reads = 0
        let missing = CertificateStatus(role: .ca, certificatePath: "/ca", keyPath: "", info: nil, daysLeft: nil, problem: "missing")
        let start = UTCTimestamp(year: 2026, month: 12, day: 2)
        for seconds in [0, 1, 3599, 3600] as [Int64] {
            _ = cache.statuses(stamps: [nil], now: Self.at(start.secondsSinceEpoch + seconds)) {
                reads += 1
                return [missing]
            }
        }
        #expect(reads == 2)
    }

    @Test func testForget_readsAgain() {
        var cache = CertificateStatusCache<Int>()
        var reader = Reader()
        let now = UTCTimestamp(year: 2026, month: 12, day: 2)
        _ = cache.statuses(stamps: [1], now: now) { reader.read() }
        cache.forget()
        _ = cache.statuses(stamps: [1], now: now) { reader.read() }
        #expect(reader.reads == 2)
    }
}
