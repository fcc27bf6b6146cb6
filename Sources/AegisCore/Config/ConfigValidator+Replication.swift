/// `[replication]`: the role, a primary's standby networks and WAL bound, a standby's primary.
extension ConfigValidator {
    static func replicationIssues(_ config: AegisConfig) -> [ConfigIssue] {
        let replication = config.replication
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "replication.\(key)", reason: problem)) }
        }
        check("role", ReplicationSettings.roles.contains(replication.role)
            ? nil : "\"\(replication.role)\" is not one of " + ReplicationSettings.roles.joined(separator: ", "))
        for (index, network) in replication.standbyNetworks.enumerated() {
            do { _ = try IPNetwork(network) } catch { check("standby_networks[\(index)]", error.description) }
        }
        // PostgreSQL's bound is 2^31-1 MB; below 64 MiB a short network hiccup already loses the slot.
        check("max_slot_wal_keep_size_mb", (64...2_147_483_647).contains(replication.maxSlotWalKeepSizeMb)
            ? nil : "\(replication.maxSlotWalKeepSizeMb) is not in 64–2147483647 (MiB of WAL kept for an absent standby)")
        if (replication.isStandby || !replication.standbyNetworks.isEmpty) && !config.tls.enabled {
            check("role", "replication runs over TLS only: set [tls] enabled = true")
        }
        for (index, name) in replication.promoted.enumerated()
        where !ReplicationSettings.promotable.map(\.rawValue).contains(name) {
            check("promoted[\(index)]", "\"\(name)\" is not one of " + ReplicationSettings.promotable.map(\.rawValue).joined(separator: ", "))
        }
        guard replication.isStandby else { return issues }
        if replication.synchronous {
            check("synchronous", "is for a primary: a standby does not commit on its own")
        }
        check("primary_host", replication.primaryHost.isEmpty
            ? "must name the primary (aegisd config init --standby-of BUNDLE writes it)" : nil)
        for service in ServiceID.allCases where service.kind == .postgres {
            guard let instance = service.postgresInstance, config.postgres.instances[instance]?.enabled == true else { continue }
            check("primary_\(instance.rawValue)_port", ConfigRules.portProblem(replication.primaryPort(of: service)))
        }
        if replication.primaryRedisPort != 0 { check("primary_redis_port", ConfigRules.portProblem(replication.primaryRedisPort)) }
        check("slot_name", slotNameProblem(replication.slotName))
        check("credentials_dir", ConfigRules.absolutePathProblem(replication.credentialsDir, allowEmpty: true))
        return issues
    }

    /// PostgreSQL's rule for a replication slot's name.
    static func slotNameProblem(_ name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        return !name.isEmpty && name.count <= 63 && allowed
            ? nil : "\"\(name)\" is not a slot name: 1–63 lower-case letters, digits and _"
    }
}
