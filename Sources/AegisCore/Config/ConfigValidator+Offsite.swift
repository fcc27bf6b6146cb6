extension ConfigValidator {
    /// `[offsite]`: checked only when a remote is set, so the defaults validate as "off".
    static func offsiteIssues(_ offsite: OffsiteSettings) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "offsite.\(key)", reason: problem)) }
        }
        check("retention_days", offsite.retentionDays >= 1 ? nil : "must be at least 1 day (found \(offsite.retentionDays))")
        check("keep_at_least", offsite.keepAtLeast >= 1
            ? nil : "must be at least 1 (found \(offsite.keepAtLeast)): the newest off-host copy is never removed")
        check("upload_timeout_s", offsite.uploadTimeoutS >= 1 ? nil : "must be at least 1 second (found \(offsite.uploadTimeoutS))")
        check("retry_initial_s", offsite.retryInitialS >= 1 ? nil : "must be at least 1 second (found \(offsite.retryInitialS))")
        if offsite.retryMaxS < offsite.retryInitialS {
            check("retry_max_s", "must be at least retry_initial_s (\(offsite.retryInitialS)) (found \(offsite.retryMaxS))")
        } else if offsite.retryMaxS > 86_400 {
            // A day between tries is plenty, and keeps the delay in nanoseconds far from overflow.
            check("retry_max_s", "must be at most 86400 seconds, a day (found \(offsite.retryMaxS))")
        }
        check("bandwidth_limit", bandwidthProblem(offsite.bandwidthLimit))
        check("rclone_config", offsite.enabled && offsite.rcloneConfig.isEmpty
            ? "must name rclone's configuration file (an absolute path, mode 0600) when remote is set"
            : ConfigRules.absolutePathProblem(offsite.rcloneConfig, allowEmpty: true))
        check("remote", remoteProblem(offsite.remote))
        if !offsite.verifySchedule.isEmpty {
            check("verify_schedule", offsite.enabled
                ? ConfigRules.cronProblem(offsite.verifySchedule)
                : "needs offsite.remote: the drills read the backups from the store")
        }
        return issues
    }

    /// An rclone remote path names a configured remote: `NAME:path`. A bare local path would
    /// put the "off-host" copies on this host; a leading `-` would read as an rclone option.
    static func remoteProblem(_ remote: String) -> String? {
        guard !remote.isEmpty else { return nil }
        guard let colon = remote.firstIndex(of: ":"), colon != remote.startIndex else {
            return "\"\(remote)\" is not an rclone remote path: write NAME:bucket/prefix, where NAME is a remote in rclone_config"
        }
        let name = remote[..<colon]
        guard !name.hasPrefix("-"), name.allSatisfy({ $0.isLetter || $0.isNumber || "_-. ".contains($0) }) else {
            return "\"\(name)\" is not an rclone remote name (letters, digits, _, -, . and spaces)"
        }
        guard !remote.contains(where: { $0.isNewline || $0 == "\0" }) else { return "must be one line" }
        return nil
    }

    /// rclone's `--bwlimit` as a single rate: a number with an optional B, K, M, G, T or P
    /// suffix (KiB/s by default), or `off`.
    static func bandwidthProblem(_ limit: String) -> String? {
        guard !limit.isEmpty, limit != "off" else { return nil }
        var digits = Substring(limit)
        if let last = digits.last, "bBkKmMgGtTpP".contains(last) { digits = digits.dropLast() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !digits.isEmpty && parts.count <= 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
        return valid ? nil : "\"\(limit)\" is not a rate: write a number with an optional unit, e.g. 512K or 10M (bytes per second), or leave it empty for no limit"
    }
}
