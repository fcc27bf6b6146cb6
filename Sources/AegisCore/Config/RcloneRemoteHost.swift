/// The host an rclone remote connects to, read from the remote's section of the rclone
/// configuration, so that `config check` can name the address aegisd's unit must let out (the
/// shipped unit allows only loopback). Pure: the caller reads the file and resolves names.
///
/// Only the host is read; nothing else of the file (it holds the store's credentials) is kept
/// or printed.
public enum RcloneRemoteHost {
    public enum Finding: Sendable, Equatable {
        /// A host name or address, from the section's `endpoint` (S3 and compatible stores),
        /// `url` (WebDAV, HTTP) or `host` (SFTP, FTP, SMB).
        case host(String)
        /// The section names no host: the backend's default endpoint, a cloud provider's public
        /// addresses (AWS S3 without `endpoint`, GCS, Azure, B2…).
        case providerDefault(type: String)
        /// The remote stores on this machine (`type = local`): nothing to let out.
        case local
        /// The file has no section for the remote (rclone itself will say so at the first upload).
        case unknownRemote
    }

    /// The finding for `remote` (`NAME:path` as in `offsite.remote`) in `configText`. A remote
    /// that wraps another (`crypt`, `alias`, `chunker`, `compress`, `hasher`: a `remote = …`
    /// key) is followed to the one that connects, a few levels at most.
    public static func find(remote: String, configText: String) -> Finding {
        let sections = parse(configText)
        var name = remoteName(remote)
        for _ in 0..<8 {
            guard let section = sections[name] else { return .unknownRemote }
            if section["type"] == "local" { return .local }
            if let wrapped = section["remote"] {
                guard wrapped.contains(":") else { return .local }  // a wrapper around a local path
                name = remoteName(wrapped)
                continue
            }
            for key in ["endpoint", "url", "host"] {
                if let value = section[key], let host = host(ofEndpoint: value) { return .host(host) }
            }
            return .providerDefault(type: section["type"] ?? "unknown")
        }
        return .unknownRemote
    }

    /// The host of an endpoint written as a URL (`https://10.0.0.5:8333/`), as `host:port`, or
    /// as a bare name or address; IPv6 in brackets or bare.
    public static func host(ofEndpoint value: String) -> String? {
        var rest = Substring(value.trimmingWhitespace())
        while let first = rest.first, first == "\"" || first == "'" { rest.removeFirst() }
        while let last = rest.last, last == "\"" || last == "'" { rest.removeLast() }
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") { rest = rest[rest.index(colon, offsetBy: 3)...] }
        rest = rest.prefix { !$0.isWhitespace && $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            rest = rest[rest.index(after: rest.startIndex)..<close]
        } else if rest.filter({ $0 == ":" }).count == 1 {
            rest = rest.prefix { $0 != ":" }
        }
        return rest.isEmpty ? nil : String(rest)
    }

    /// `NAME` of `NAME:path`.
    public static func remoteName(_ remote: String) -> String {
        String(remote.prefix { $0 != ":" })
    }

    /// rclone's INI: `[name]` sections of `key = value` lines; `#` and `;` start comments.
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingWhitespace()
                sections[current!, default: [:]] = sections[current!] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingWhitespace()
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
