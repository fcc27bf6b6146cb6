/// How `aegisctl replication rejoin` rewrites `aegisd.toml` on an old primary so that it
/// follows the new one: a line edit of the `[replication]` section (comments and every other
/// line kept), as `PromotionEdit` does for a promotion. It sets `role = "standby"`, the new
/// primary's host and ports and the slot name, drops `promoted` (nothing here is promoted any
/// more) and turns `synchronous` off (a standby does not commit on its own).
public enum RejoinEdit {
    /// The file's text after rejoining the primary the bundle names, with `slotName` as this
    /// host's slot there. A file without a `[replication]` section gets one at its end.
    public static func apply(to text: String, bundle: ReplicationBundle, slotName: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let isHeader = TOMLLine.isHeader
        let key = TOMLLine.key
        if !lines.contains(where: { $0.trimmingCharacters(in: " ") == "[replication]" }) {
            if lines.last == "" { lines.removeLast() }
            lines += ["", "[replication]", ""]
        }
        let header = lines.firstIndex { $0.trimmingCharacters(in: " ") == "[replication]" }!
        var wanted: [(String, String)] = [
            ("role", "\"standby\""), ("primary_host", quoted(bundle.primaryHost)), ("slot_name", quoted(slotName)),
        ]
        for service in ReplicationSettings.promotable {
            let port = service == .redis && bundle.redisUser == nil ? 0 : bundle.ports[service.rawValue] ?? 0
            wanted.append((portKey(service), String(port)))
        }
        // Each key replaced where it stands; a missing one goes after the role line, in order.
        var after = header
        for (name, value) in wanted {
            let end = lines[(header + 1)...].firstIndex(where: isHeader) ?? lines.endIndex
            if let index = (header + 1..<end).first(where: { key(lines[$0]) == name }) {
                lines[index] = "\(name) = \(value)"
                if name == "role" { after = index }
            } else {
                after += 1
                lines.insert("\(name) = \(value)", at: after)
            }
        }
        let end = lines[(header + 1)...].firstIndex(where: isHeader) ?? lines.endIndex
        if let index = (header + 1..<end).first(where: { key(lines[$0]) == "synchronous" }) { lines[index] = "synchronous = false" }
        if let index = (header + 1..<end).first(where: { key(lines[$0]) == "promoted" }) { lines.remove(at: index) }
        return lines.joined(separator: "\n")
    }

    static func portKey(_ service: ServiceID) -> String {
        switch service {
        case .postgresBackend: "primary_backend_port"
        case .postgresAI: "primary_ai_port"
        case .postgresExecutor: "primary_executor_port"
        case .redis, .loki: "primary_redis_port"
        }
    }

    /// A TOML basic string.
    static func quoted(_ value: String) -> String {
        "\"" + value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}
