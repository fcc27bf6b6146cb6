import AegisCore
import Testing

/// The renewal plan as a table: conditions on disk, wanted names, time → changes.
@Suite struct CertificatePlanTests {
    static let now = UTCTimestamp(year: 2030, month: 6, day: 1)
    static let policy = CertificatePolicy(leafValidityDays: 90, renewBeforeDays: 30, caValidityDays: 3650)
    static let redis = CertificateRequest.server(.redis, hostNames: ["aegis-host"], extraNames: [])
    static let backendClient = CertificateRequest.client(.backend)

    static func info(_ request: CertificateRequest, daysLeft: Int, names: [String]? = nil, subject: String? = nil) -> CertificateInfo {
        CertificateInfo(
            subject: subject ?? request.commonName, issuer: "Aegis internal CA", subjectAltNames: names ?? request.subjectAltNames,
            serial: "01", notBefore: now.adding(seconds: -86_400), notAfter: now.adding(seconds: Int64(daysLeft) * 86_400 + 3600),
            isCA: false, sha256Fingerprint: "")
    }

    static let goodCA = CertificateCondition.present(CertificateInfo(
        subject: "Aegis internal CA", issuer: "Aegis internal CA", subjectAltNames: [], serial: "02",
        notBefore: UTCTimestamp(year: 2025, month: 1, day: 1), notAfter: UTCTimestamp(year: 2035, month: 1, day: 1),
        isCA: true, sha256Fingerprint: ""))

    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var ca: CertificateCondition = goodCA
        var leaf: CertificateCondition
        var request: CertificateRequest = redis
        var rotation: CertificatePlan.Rotation = .none
        var expected: [CertificateChange]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "first start", ca: .missing, leaf: .missing, expected: [
            CertificateChange(role: .ca, kind: .created, reason: .missing),
            CertificateChange(role: .server(.redis), kind: .created, reason: .missing),
        ]),
        Row(name: "all fine", leaf: .present(info(redis, daysLeft: 60)), expected: []),
        Row(name: "exactly at the threshold is not due", leaf: .present(info(redis, daysLeft: 30)), expected: []),
        Row(name: "inside the renewal window", leaf: .present(info(redis, daysLeft: 29)), expected: [
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .expiresSoon(daysLeft: 29)),
        ]),
        Row(name: "expired", leaf: .present(info(redis, daysLeft: -3)), expected: [
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .expired(notAfter: now.adding(seconds: -3 * 86_400 + 3600))),
        ]),
        Row(name: "leaf missing, CA kept", leaf: .missing, expected: [
            CertificateChange(role: .server(.redis), kind: .created, reason: .missing),
        ]),
        Row(name: "leaf unusable", leaf: .unusable("the key does not match"), expected: [
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .unusable("the key does not match")),
        ]),
        Row(name: "a name added", leaf: .present(info(redis, daysLeft: 60, names: ["localhost", "127.0.0.1", "::1"])), expected: [
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .namesChanged(added: ["aegis-host"], removed: [])),
        ]),
        Row(name: "a name dropped", leaf: .present(info(redis, daysLeft: 60, names: redis.subjectAltNames + ["old.example"])), expected: [
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .namesChanged(added: [], removed: ["old.example"])),
        ]),
        Row(name: "same names in another order and case",
            leaf: .present(info(redis, daysLeft: 60, names: ["AEGIS-HOST", "::1", "127.0.0.1", "localhost"])), expected: []),
        Row(name: "client role renamed", leaf: .present(info(backendClient, daysLeft: 60, subject: "old_user")), request: backendClient, expected: [
            CertificateChange(role: .client(.backend), kind: .renewed, reason: .commonNameChanged(from: "old_user", to: "aegis_backend_user")),
        ]),
        Row(name: "rotate leaves", leaf: .present(info(redis, daysLeft: 60)), rotation: .leaves, expected: [
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .rotationRequested),
        ]),
        Row(name: "rotate everything", leaf: .present(info(redis, daysLeft: 60)), rotation: .all, expected: [
            CertificateChange(role: .ca, kind: .renewed, reason: .rotationRequested),
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .newCA),
        ]),
        Row(name: "CA gone, leaves left over", ca: .missing, leaf: .present(info(redis, daysLeft: 60)), expected: [
            CertificateChange(role: .ca, kind: .created, reason: .missing),
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .newCA),
        ]),
        Row(name: "CA unusable but rotation of everything asked",
            ca: .unusable("ca.key is not readable"), leaf: .present(info(redis, daysLeft: 60)), rotation: .all, expected: [
                CertificateChange(role: .ca, kind: .renewed, reason: .unusable("ca.key is not readable")),
                CertificateChange(role: .server(.redis), kind: .renewed, reason: .newCA),
            ]),
    ]

    @Test(arguments: rows)
    func testPlan(_ row: Row) throws {
        let changes = try CertificatePlan.make(
            ca: row.ca, leaves: [(row.request, row.leaf)], policy: Self.policy, now: Self.now, rotation: row.rotation)
        #expect(changes == row.expected)
    }

    @Test func testPlan_caNearItsEnd_isRenewedWithEveryLeaf() throws {
        let ca = CertificateCondition.present(CertificateInfo(
            subject: "Aegis internal CA", issuer: "Aegis internal CA", subjectAltNames: [], serial: "02",
            notBefore: UTCTimestamp(year: 2020, month: 6, day: 1), notAfter: Self.now.adding(seconds: 10 * 86_400),
            isCA: true, sha256Fingerprint: ""))
        let changes = try CertificatePlan.make(
            ca: ca, leaves: [(Self.redis, .present(Self.info(Self.redis, daysLeft: 5))), (Self.backendClient, .missing)],
            policy: Self.policy, now: Self.now)
        #expect(changes == [
            CertificateChange(role: .ca, kind: .renewed, reason: .expiresSoon(daysLeft: 10)),
            CertificateChange(role: .server(.redis), kind: .renewed, reason: .newCA),
            CertificateChange(role: .client(.backend), kind: .created, reason: .missing),
        ])
    }

    @Test func testPlan_unusableCA_isRefusedWithAHint() {
        let error = #expect(throws: CertificatePlan.Refusal.self) {
            try CertificatePlan.make(ca: .unusable("ca.key is not readable"), leaves: [(Self.redis, .missing)], policy: Self.policy, now: Self.now)
        }
        #expect(error?.message.hasPrefix("the CA cannot be used: ca.key is not readable. Restore ca.crt and ca.key") == true)
    }

    @Test(arguments: [
        (CertificatePolicy(leafValidityDays: 30, renewBeforeDays: 30), "must be longer than the renewal threshold"),
        (CertificatePolicy(leafValidityDays: 0, renewBeforeDays: 0), "at least 1 day"),
        (CertificatePolicy(leafValidityDays: 90, renewBeforeDays: -1), "must not be negative"),
        (CertificatePolicy(leafValidityDays: 400, renewBeforeDays: 30, caValidityDays: 365), "CA validity"),
    ])
    func testPlan_impossiblePolicy_isRefused(policy: CertificatePolicy, words: String) {
        #expect(policy.problem?.contains(words) == true, "\(String(describing: policy.problem))")
        #expect(throws: CertificatePlan.Refusal.self) {
            try CertificatePlan.make(ca: .missing, leaves: [], policy: policy, now: Self.now)
        }
    }

    @Test func testServerRequest_dropsDuplicatesAndBlanks() {
        let request = CertificateRequest.server(.loki, hostNames: ["LOCALHOST", "aegis-host"], extraNames: [" aegis-host ", "", "logs.example"])
        #expect(request.commonName == "loki")
        #expect(request.subjectAltNames == ["localhost", "127.0.0.1", "::1", "aegis-host", "logs.example"])
        #expect(CertificateRequest.client(.ai).commonName == "aegis_ai_user")
    }

    @Test func testReasons_readWellAndRolesRoundTripAsText() {
        #expect(CertificateChange.Reason.namesChanged(added: ["a.example"], removed: ["b.example"]).description
            == "its names change: adds a.example and drops b.example")
        #expect(CertificateChange(role: .server(.redis), kind: .renewed, reason: .expiresSoon(daysLeft: 1)).description
            == "server:redis renewed: it expires in 1 day")
        for role in [CertificateRole.ca, .server(.postgresAI), .client(.executor), .metrics, .replicationClient] {
            #expect(CertificateRole(text: role.description) == role)
        }
        #expect(CertificateRole(text: "server:nope") == nil)
        #expect(CertificateRole.replicationClient.description == "replication-client")
        #expect(CertificateRole.server(.loki).service == .loki)
        #expect(CertificateRole.client(.ai).service == nil)
    }

    @Test func testDaysLeft_roundsDown() {
        let info = Self.info(Self.redis, daysLeft: 0)
        #expect(info.daysLeft(now: Self.now) == 0)
        #expect(info.daysLeft(now: Self.now.adding(seconds: 3601)) == -1)
        #expect(info.isValid(at: Self.now))
    }
}
