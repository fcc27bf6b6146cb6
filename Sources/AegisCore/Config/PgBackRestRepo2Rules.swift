/// The rules of `[pitr] repo2_…`: pgBackRest's repository 2 on S3-compatible object storage.
/// Checked in `ConfigValidator` so a bad value stops `config check`, a start and a reload with
/// a message naming the key, rather than failing in pgBackRest's words at the first archive.
public enum PgBackRestRepo2Rules {
    /// The endpoint split for pgBackRest: `repo2-s3-endpoint` takes the host only and
    /// `repo2-storage-port` the port (443 when none is written).
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// Why `repo2_endpoint` cannot be used.
    public struct EndpointProblem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// `host` or `host:port`, without a scheme: pgBackRest always speaks HTTPS to S3.
    public static func endpoint(_ text: String) -> Result<Endpoint, EndpointProblem> {
        func fail(_ reason: String) -> Result<Endpoint, EndpointProblem> { .failure(EndpointProblem(description: reason)) }
        if text.contains("://") {
            return fail("\"\(text)\" has a scheme: write host or host:port alone (pgBackRest always speaks HTTPS to the store)")
        }
        // `[::1]:9000` for an IPv6 address; otherwise at most one colon, before the port.
        let portStart = text.hasPrefix("[") ? text.firstIndex(of: "]").map(text.index(after:)) : text.firstIndex(of: ":")
        var host = Substring(text)
        var port = 443
        if let portStart, portStart < text.endIndex {
            guard text[portStart] == ":", let number = Int(text[text.index(after: portStart)...]), (1...65_535).contains(number) else {
                return fail("\"\(text)\" has no valid port after the colon (host:port, port 1–65535)")
            }
            host = text[..<portStart]
            port = number
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || "-._[]:".contains($0) }) else {
            return fail("\"\(text)\" is not a host name or address (host or host:port)")
        }
        return .success(Endpoint(host: String(host), port: port))
    }

    /// Every problem of a configured repository 2, as (key under `[pitr]`, reason).
    public static func problems(_ pitr: PITRSettings) -> [(key: String, reason: String)] {
        var problems: [(key: String, reason: String)] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { problems.append((key, problem)) }
        }
        if case .failure(let problem) = endpoint(pitr.repo2Endpoint) { check("repo2_endpoint", problem.description) }
        // S3's bucket names: 3–63 lower-case letters, digits, dots and hyphens.
        let bucket = pitr.repo2Bucket
        check("repo2_bucket", bucket.isEmpty
            ? "must name the bucket of repository 2 (repo2_endpoint is set)"
            : (3...63).contains(bucket.count) && bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || ".-".contains($0)) })
                ? nil : "\"\(bucket)\" is not an S3 bucket name (3–63 lower-case letters, digits, dots and hyphens)")
        check("repo2_region", pitr.repo2Region.isEmpty || pitr.repo2Region.contains(where: \.isWhitespace)
            ? "must name a region (us-east-1 for stores without regions)" : nil)
        check("repo2_path", pitr.repo2Path.hasPrefix("/") && !pitr.repo2Path.contains(where: { $0.isWhitespace || $0.isNewline })
            ? nil : "\"\(pitr.repo2Path)\" must start with / (a path inside the bucket, e.g. /aegis-pgbackrest/HOST)")
        for (key, path) in [("repo2_key_file", pitr.repo2KeyFile), ("repo2_secret_key_file", pitr.repo2SecretKeyFile)] {
            check(key, path.isEmpty
                ? "must name the file holding repository 2's \(key == "repo2_key_file" ? "access key id" : "secret access key") (one line, mode 0600)"
                : ConfigRules.absolutePathProblem(path))
        }
        if pitr.repo2CAFile != PITRSettings.aegisdCA {
            check("repo2_ca_file", ConfigRules.absolutePathProblem(pitr.repo2CAFile, allowEmpty: true).map {
                "\($0); or \"\" for the system's CA store, or \"aegisd\" for aegisd's own CA"
            })
        }
        check("repo2_uri_style", ["host", "path"].contains(pitr.repo2URIStyle)
            ? nil : "\"\(pitr.repo2URIStyle)\" is not host or path (path for SeaweedFS and MinIO)")
        check("repo2_retention_full", (1...9_999_999).contains(pitr.repo2RetentionFull)
            ? nil : "must be at least 1 full backup (found \(pitr.repo2RetentionFull))")
        return problems
    }
}
