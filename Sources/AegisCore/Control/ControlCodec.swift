#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns lines of the control protocol into messages and back. Pure: bytes in, values out, so
/// that every way a request can be wrong is decided here and table-tested without a socket.
public enum ControlCodec {
    /// The outcome of decoding one request line: a request to hand to the daemon, or the error
    /// reply to send back without bothering it.
    public enum Decoded: Sendable, Equatable {
        case request(ControlRequest)
        case reject(ControlReply)
    }

    /// Versions of the protocol this build understands (only the current one so far).
    public static let supportedVersions: [Int] = [ControlProtocol.version]

    /// Decodes one request line (without or with its trailing newline).
    ///
    /// Version is checked before the command: a newer client may send commands this daemon has
    /// never heard of, and "unsupported version" is the more useful thing to tell it.
    public static func decodeRequest(_ line: some Collection<UInt8>) -> Decoded {
        let bytes = trimmed(line)
        if bytes.isEmpty {
            return .reject(.failure(.badRequest, "empty request; send one JSON object per line, e.g. \(example)"))
        }
        let raw: RawRequest
        do {
            raw = try JSONDecoder().decode(RawRequest.self, from: Data(bytes))
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            return .reject(.failure(.badRequest, "request must be a JSON object, e.g. \(example)"))
        } catch let DecodingError.typeMismatch(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .reject(.failure(.badRequest, "field \"\(field)\" has the wrong type: \(context.debugDescription)"))
        } catch {
            return .reject(.failure(.badRequest, "request is not valid JSON; send one JSON object per line, e.g. \(example)"))
        }

        guard let version = raw.v else {
            return .reject(.failure(.badRequest, "missing field \"v\" (the protocol version, \(versionList))"))
        }
        guard supportedVersions.contains(version) else {
            return .reject(.failure(
                .unsupportedVersion,
                "protocol version \(version) is not supported; this daemon speaks \(versionList)"))
        }
        guard let name = raw.command else {
            return .reject(.failure(.badRequest, "missing field \"command\"; valid commands: \(commandList)"))
        }
        guard let command = ControlCommand(rawValue: name) else {
            return .reject(.failure(.badRequest, "unknown command \"\(name)\"; valid commands: \(commandList)"))
        }
        if let service = raw.service, ServiceID(rawValue: service) == nil {
            return .reject(.failure(.unknownService, "unknown service \"\(service)\"; services: \(serviceList)"))
        }
        if needsService(command), raw.service == nil {
            return .reject(.failure(
                .badRequest, "command \"\(name)\" needs field \"service\" (one of: \(serviceList))"))
        }
        if let problem = identityProblem(raw, command: command) {
            return .reject(.failure(.badRequest, problem))
        }
        if raw.remote == true, command == .backups, raw.service == nil {
            return .reject(.failure(.badRequest, "command \"backups\" with \"remote\" needs field \"service\" (one of: \(serviceList))"))
        }
        if raw.remote == true, ![.backups, .backupsPrune, .restore, .verify].contains(command) {
            return .reject(.failure(.badRequest, "field \"remote\" is only for backups, backups-prune, restore and verify, not \"\(name)\""))
        }
        if command == .maintenanceRun, raw.job == nil {
            return .reject(.failure(.badRequest, "command \"\(name)\" needs field \"job\" (see maintenance-list)"))
        }
        if raw.host != nil, command != .replicationBundle {
            return .reject(.failure(.badRequest, "field \"host\" is only for replication-bundle, not \"\(name)\""))
        }
        if raw.force != nil, command != .promote {
            return .reject(.failure(.badRequest, "field \"force\" is only for promote, not \"\(name)\""))
        }
        if (raw.bundle != nil) != (command == .replicationRejoin) {
            return .reject(.failure(.badRequest, command == .replicationRejoin
                ? "command \"\(name)\" needs field \"bundle\" (the text of the bundle aegisctl replication bundle wrote on the new primary)"
                : "field \"bundle\" is only for replication-rejoin, not \"\(name)\""))
        }
        if (raw.slot != nil) != (command == .replicationDropSlot) {
            return .reject(.failure(.badRequest, command == .replicationDropSlot
                ? "command \"\(name)\" needs field \"slot\" (the slot's name, as status lists it)"
                : "field \"slot\" is only for replication-drop-slot, not \"\(name)\""))
        }
        if let problem = pitrProblem(raw, command: command) {
            return .reject(.failure(.badRequest, problem))
        }
        return .request(request(command, raw: raw))
    }

    /// pitr-backup's type and pitr-restore's target, checked before the daemon sees them.
    private static func pitrProblem(_ raw: RawRequest, command: ControlCommand) -> String? {
        switch command {
        case .pitrBackup:
            if let type = raw.pitr_type, PITRBackupType(rawValue: type) == nil {
                return "field \"pitr_type\" must be one of full, diff, incr (found \"\(type)\")"
            }
        case .pitrRestore:
            let latest = raw.to_latest ?? false
            if latest == (raw.to_time != nil) {
                return "command \"pitr-restore\" needs exactly one of \"to_time\" (a time with its offset) or \"to_latest\": true"
            }
        default:
            if raw.pitr_type != nil || raw.to_time != nil || raw.to_latest != nil {
                return "fields \"pitr_type\", \"to_time\" and \"to_latest\" are only for pitr-backup and pitr-restore"
            }
        }
        return nil
    }

    /// The typed request of a raw one whose fields were checked above: a service where the
    /// command needs one, a job for maintenance-run, at most one way of giving an identity.
    private static func request(_ command: ControlCommand, raw: RawRequest) -> ControlRequest {
        let service = raw.service.flatMap(ServiceID.init(rawValue:))
        func named() -> ServiceID {
            guard let service else { preconditionFailure("\(command.rawValue) reached without a service") }
            return service
        }
        func target() -> RestoreTarget {
            let identity: IdentityInput = raw.identity_key.map { .key($0) } ?? raw.identity.map { .path($0) } ?? .daemonDefault
            return RestoreTarget(service: named(), backup: raw.backup, identity: identity, remote: raw.remote ?? false)
        }
        switch command {
        case .status: return .status
        case .version: return .version
        case .start: return .start(named())
        case .stop: return .stop(named())
        case .restart: return .restart(named())
        case .backup: return .backup(service)
        case .backups: return raw.remote == true ? .remoteBackups(named()) : .backups(service)
        case .backupsPrune: return .prunePlan(service, remote: raw.remote ?? false)
        case .restore: return .restore(target())
        case .verify: return .verify(target())
        case .reload: return .reload
        case .certsStatus: return .certsStatus
        case .certsRotate: return .certsRotate
        case .connectInfo: return .connectInfo(named(), app: raw.app, showSecrets: raw.show_secrets ?? false)
        case .logs: return .logs(named(), last: raw.lines, after: raw.after)
        case .migrateStatus: return .migrateStatus(service)
        case .stats: return .stats(service)
        case .maintenanceList: return .maintenanceList
        case .maintenanceRun: return .maintenanceRun(job: raw.job ?? "")
        case .pitrBackup: return .pitrBackup(named(), type: raw.pitr_type.flatMap(PITRBackupType.init(rawValue:)) ?? .full)
        case .pitrStatus: return .pitrStatus(service)
        case .pitrRestore: return .pitrRestore(named(), to: raw.to_time.map { .time($0) } ?? .latest)
        case .pitrDrill: return .pitrDrill(named())
        case .replicationBundle: return .replicationBundle(host: raw.host)
        case .promote: return .promote(service, force: raw.force ?? false)
        case .replicationReseed: return .replicationReseed(named())
        case .replicationRejoin: return .replicationRejoin(bundle: raw.bundle ?? SecretText(""))
        case .replicationDropSlot: return .replicationDropSlot(named(), slot: raw.slot ?? "")
        }
    }

    /// Encodes a reply as one line of JSON (sorted keys, so the output is stable) ending in "\n".
    public static func encode(_ reply: ControlReply) -> [UInt8] {
        if let line = try? line(reply.wire) { return line }
        // Our own types always encode; should one ever not, the client still gets a valid line.
        return Array(#"{"error":{"code":"failed","message":"reply could not be encoded"},"ok":false,"v":1}"#.utf8) + [0x0A]
    }

    /// Encodes a request as one line of JSON ending in "\n" (what `aegisctl` sends).
    public static func encode(_ request: ControlRequest) -> [UInt8] {
        encode(request.wire)
    }

    /// Encodes a request in its wire shape as it is (what an older or a hand-written client may send).
    public static func encode(_ wire: ControlRequestWire) -> [UInt8] {
        (try? line(wire)) ?? Array(#"{"command":"status","v":1}"#.utf8) + [0x0A]
    }

    /// Decodes a reply line (the client side). Throws `ControlCodecError` naming what was wrong.
    public static func decodeReply(_ line: some Collection<UInt8>) throws(ControlCodecError) -> ControlReply {
        let wire: ControlReplyWire
        do {
            wire = try JSONDecoder().decode(ControlReplyWire.self, from: Data(trimmed(line)))
        } catch {
            let preview = String(decoding: trimmed(line).prefix(200), as: UTF8.self)
            throw ControlCodecError(message: "reply is not a control protocol message (\(error)): \(preview)")
        }
        return try ControlReply(wire: wire)
    }

    /// The commands that act on one named service.
    public static func needsService(_ command: ControlCommand) -> Bool {
        switch command {
        case .start, .stop, .restart, .restore, .verify, .connectInfo, .logs, .pitrBackup, .pitrRestore, .pitrDrill, .replicationReseed,
            .replicationDropSlot: true
        case .replicationRejoin,
            .status, .version, .backup, .backups, .backupsPrune, .reload, .certsStatus, .certsRotate, .migrateStatus, .stats,
            .maintenanceList, .maintenanceRun, .pitrStatus, .replicationBundle, .promote: false
        }
    }

    // MARK: - Private

    /// An identity (a path or the key itself) belongs to restore and verify only, and one way
    /// of giving it is enough. The messages name fields, never what they hold.
    private static func identityProblem(_ raw: RawRequest, command: ControlCommand) -> String? {
        guard raw.identity != nil || raw.identity_key != nil else { return nil }
        guard command == .restore || command == .verify else {
            let field = raw.identity_key != nil ? "identity_key" : "identity"
            return "field \"\(field)\" is only for restore and verify, not \"\(command.rawValue)\""
        }
        if raw.identity != nil && raw.identity_key != nil {
            return "send either \"identity_key\" (the identity itself) or \"identity\" (a file the daemon opens), not both"
        }
        return nil
    }

    /// Every field optional so that a missing one is reported by name rather than as a
    /// generic decoding failure.
    private struct RawRequest: Decodable {
        var v: Int?
        var command: String?
        var service: String?
        var backup: String?
        var identity: String?
        // swiftlint:disable:next identifier_name
        var identity_key: SecretText?
        var app: String?
        // swiftlint:disable:next identifier_name
        var show_secrets: Bool?
        var lines: Int?
        var after: Int?
        var job: String?
        // swiftlint:disable:next identifier_name
        var pitr_type: String?
        // swiftlint:disable:next identifier_name
        var to_time: String?
        // swiftlint:disable:next identifier_name
        var to_latest: Bool?
        var remote: Bool?
        var host: String?
        var force: Bool?
        var bundle: SecretText?
        var slot: String?
    }

    private static let example = #"{"v":1,"command":"status"}"#
    private static var commandList: String { ControlCommand.allCases.map(\.rawValue).joined(separator: ", ") }
    private static var serviceList: String { ServiceID.allCases.map(\.rawValue).joined(separator: ", ") }
    private static var versionList: String {
        supportedVersions.count == 1
            ? "version \(supportedVersions[0])" : "versions \(supportedVersions.map(String.init).joined(separator: ", "))"
    }

    private static func line(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        // No pretty printing: a reply must stay on one line; JSON escapes newlines inside strings.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }

    /// Drops the line terminator (and a CR from clients that send CRLF) and surrounding blanks.
    private static func trimmed(_ line: some Collection<UInt8>) -> ArraySlice<UInt8> {
        let bytes = ArraySlice(line)
        let isBlank: (UInt8) -> Bool = { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }),
            let last = bytes.lastIndex(where: { !isBlank($0) })
        else { return [] }
        return bytes[first...last]
    }
}

/// A reply line that could not be understood (the client side of the codec).
public struct ControlCodecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}
