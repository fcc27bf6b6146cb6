/// How `aegisctl promote` rewrites `aegisd.toml` so that a restart keeps what it promoted a
/// primary: a line edit of the `[replication]` section, so that the operator's comments and
/// every other line stay as they are. Every service promoted: `role = "primary"` (and no
/// `promoted`); some: `promoted = [...]` naming them.
public enum PromotionEdit {
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The file's text after promoting `promoted` (everything promoted so far, this time's
    /// included) of `all` the services that follow the primary.
    public static func apply(to text: String, promoted: [ServiceID], all: [ServiceID]) throws(Refusal) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let isHeader = TOMLLine.isHeader
        let key = TOMLLine.key
        guard let header = lines.firstIndex(where: { $0.trimmingCharacters(in: " ") == "[replication]" }) else {
            throw Refusal(message: "it has no [replication] section; set role = \"primary\" there by hand")
        }
        let end = lines[(header + 1)...].firstIndex(where: isHeader) ?? lines.endIndex
        let section = header + 1..<end
        guard let roleLine = section.first(where: { key(lines[$0]) == "role" }) else {
            throw Refusal(message: "its [replication] section has no role line; set role = \"primary\" there by hand")
        }
        let everything = all.allSatisfy(promoted.contains)
        let promotedLine = section.first { key(lines[$0]) == "promoted" }
        if everything {
            lines[roleLine] = "role = \"primary\""
            if let promotedLine { lines.remove(at: promotedLine) }
        } else {
            let names = ServiceID.allCases.filter(promoted.contains).map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            let line = "promoted = [\(names)]"
            if let promotedLine { lines[promotedLine] = line } else { lines.insert(line, at: roleLine + 1) }
        }
        return lines.joined(separator: "\n")
    }

    /// The file's text after `promotedNow`, with what the file itself says (the services it
    /// has promoted already, the ones it has follow the primary) for the rest: how a client
    /// that reads the file, not the daemon's state, rewrites it.
    public static func apply(to text: String, config: AegisConfig, promotedNow: [ServiceID]) throws(Refusal) -> String {
        let already = config.replication.promoted.compactMap(ServiceID.init(rawValue:))
        let promoted = already + promotedNow.filter { !already.contains($0) }
        let following = ReplicationSettings.promotable.filter { service in
            config.isEnabled(service) && config.replication.follows(service) && (service != .redis || RedisReplica.follows(config))
        }
        return try apply(to: text, promoted: promoted, all: promoted + following.filter { !promoted.contains($0) })
    }
}
