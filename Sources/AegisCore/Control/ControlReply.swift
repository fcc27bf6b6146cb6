/// The daemon's answer to one request: how it went (`ok` with an optional message for people,
/// or a `ControlError` whose code scripts branch on) and the one payload the command carries.
/// On the socket it is a `ControlReplyWire` (`ControlCodec` converts, both ways).
public struct ControlReply: Sendable, Equatable {
    public var outcome: Outcome
    public var payload: ControlPayload

    public enum Outcome: Sendable, Equatable {
        /// Done; the message, when there is one, is for people.
        case ok(message: String?)
        case failed(ControlError)
    }

    public init(_ outcome: Outcome, _ payload: ControlPayload = .none) {
        self.outcome = outcome
        self.payload = payload
    }

    /// Success, with a message for people and the command's payload.
    public static func success(_ message: String? = nil, _ payload: ControlPayload = .none) -> ControlReply {
        ControlReply(.ok(message: message), payload)
    }

    /// Success carrying `payload` and no message.
    public static func success(_ payload: ControlPayload) -> ControlReply { ControlReply(.ok(message: nil), payload) }

    /// Failure: a stable code, a message that says what to do, and what payload there is
    /// (a failed backup's reports, a failed drill's status).
    public static func failure(
        _ code: ControlError.Code, _ message: String, _ payload: ControlPayload = .none
    ) -> ControlReply {
        ControlReply(.failed(ControlError(code: code, message: message)), payload)
    }

    public var ok: Bool {
        if case .ok = outcome { true } else { false }
    }

    public var error: ControlError? {
        if case .failed(let error) = outcome { error } else { nil }
    }

    public var message: String? {
        if case .ok(let message) = outcome { message } else { nil }
    }

    // The payload by kind, for clients that print one field.
    public var status: StatusReport? { if case .status(let value) = payload { value } else { nil } }
    public var version: VersionInfo? { if case .version(let value) = payload { value } else { nil } }
    public var backups: [BackupReport]? { if case .backups(let value) = payload { value } else { nil } }
    public var certificates: [CertificateStatus]? { if case .certificates(let value) = payload { value } else { nil } }
    public var connection: [String: String]? { if case .connection(let value) = payload { value } else { nil } }
    public var logs: [LogLineReport]? { if case .logs(let value) = payload { value } else { nil } }
    public var migrations: [MigrationStatus]? { if case .migrations(let value) = payload { value } else { nil } }
    public var stats: [ServiceStats]? { if case .stats(let value) = payload { value } else { nil } }
    public var maintenance: [MaintenanceJobStatus]? { if case .maintenance(let value) = payload { value } else { nil } }
    public var pitr: [PITRStatus]? { if case .pitr(let value) = payload { value } else { nil } }
    public var bundle: SecretText? { if case .bundle(let value) = payload { value } else { nil } }
    public var promotions: [PromotionReport]? { if case .promotions(let value) = payload { value } else { nil } }
    public var rejoin: [RejoinReport]? { if case .rejoin(let value) = payload { value } else { nil } }
}

/// What a reply carries besides its outcome: one case per kind, each named as its field on the
/// wire. Which commands answer with which:
///
/// | payload        | commands                                                        |
/// |----------------|-----------------------------------------------------------------|
/// | `status`       | status                                                          |
/// | `version`      | version                                                         |
/// | `backups`      | backup, backups, backups-prune, verify                          |
/// | `certificates` | certs-status, certs-rotate                                      |
/// | `connection`   | connect-info                                                    |
/// | `logs`         | logs                                                            |
/// | `migrations`   | migrate-status                                                  |
/// | `stats`        | stats                                                           |
/// | `maintenance`  | maintenance-list, maintenance-run                               |
/// | `pitr`         | pitr-backup, pitr-status, pitr-restore, pitr-drill              |
/// | `bundle`       | replication-bundle                                              |
/// | `promotions`   | promote                                                         |
/// | `rejoin`       | replication-rejoin                                              |
/// | `none`         | start, stop, restart, restore, reload, replication-drop-slot, and every refusal |
public enum ControlPayload: Sendable, Equatable {
    case none
    case status(StatusReport)
    case version(VersionInfo)
    case backups([BackupReport])
    case certificates([CertificateStatus])
    /// Key → value (`host`, `port`, `user`, `url`, `sslrootcert`, …).
    case connection([String: String])
    /// Entries, oldest first.
    case logs([LogLineReport])
    case migrations([MigrationStatus])
    case stats([ServiceStats])
    case maintenance([MaintenanceJobStatus])
    case pitr([PITRStatus])
    /// A standby's pairing bundle (JSON): a secret the client writes to a 0600 file.
    case bundle(SecretText)
    /// Each promoted service, with its new timeline.
    case promotions([PromotionReport])
    /// Each service of a rejoin: rewound, re-seeded, following or failed.
    case rejoin([RejoinReport])
}

extension ControlReply {
    /// The reply as the wire carries it.
    public var wire: ControlReplyWire {
        var wire = ControlReplyWire(ok: ok, error: error, message: message)
        switch payload {
        case .none: break
        case .status(let value): wire.status = value
        case .version(let value): wire.version = value
        case .backups(let value): wire.backups = value
        case .certificates(let value): wire.certificates = value
        case .connection(let value): wire.connection = value
        case .logs(let value): wire.logs = value
        case .migrations(let value): wire.migrations = value
        case .stats(let value): wire.stats = value
        case .maintenance(let value): wire.maintenance = value
        case .pitr(let value): wire.pitr = value
        case .bundle(let value): wire.bundle = value
        case .promotions(let value): wire.promotions = value
        case .rejoin(let value): wire.rejoin = value
        }
        return wire
    }

    /// The reply a wire message means. Throws when it carries more than one payload, or says
    /// it failed without an error (no aegisd sends either).
    public init(wire: ControlReplyWire) throws(ControlCodecError) {
        var payloads: [(String, ControlPayload)] = []
        if let value = wire.status { payloads.append(("status", .status(value))) }
        if let value = wire.version { payloads.append(("version", .version(value))) }
        if let value = wire.backups { payloads.append(("backups", .backups(value))) }
        if let value = wire.certificates { payloads.append(("certificates", .certificates(value))) }
        if let value = wire.connection { payloads.append(("connection", .connection(value))) }
        if let value = wire.logs { payloads.append(("logs", .logs(value))) }
        if let value = wire.migrations { payloads.append(("migrations", .migrations(value))) }
        if let value = wire.stats { payloads.append(("stats", .stats(value))) }
        if let value = wire.maintenance { payloads.append(("maintenance", .maintenance(value))) }
        if let value = wire.pitr { payloads.append(("pitr", .pitr(value))) }
        if let value = wire.bundle { payloads.append(("bundle", .bundle(value))) }
        if let value = wire.promotions { payloads.append(("promotions", .promotions(value))) }
        if let value = wire.rejoin { payloads.append(("rejoin", .rejoin(value))) }
        guard payloads.count <= 1 else {
            throw ControlCodecError(message: "reply carries more than one payload: \(payloads.map(\.0).joined(separator: ", "))")
        }
        let payload = payloads.first?.1 ?? .none
        if wire.ok {
            self.init(.ok(message: wire.message), payload)
        } else if let error = wire.error {
            self.init(.failed(error), payload)
        } else {
            throw ControlCodecError(message: "reply says it failed (\"ok\": false) without an \"error\"")
        }
    }
}

/// Encoded as its wire shape, so `aegisctl --json` prints what the daemon sent.
extension ControlReply: Codable {
    public func encode(to encoder: any Encoder) throws { try wire.encode(to: encoder) }

    public init(from decoder: any Decoder) throws {
        let wire = try ControlReplyWire(from: decoder)
        do {
            try self.init(wire: wire)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }
}
