/// Evaluates the alert conditions on each metrics snapshot and says which alerts fired or
/// resolved: the same conditions as the shipped Prometheus rules, for hosts without Prometheus.
/// Pure: time comes with the snapshot (`MetricsInput.now`).
///
/// Rules over a window (restart storm: 15 minutes; dropped log lines: 10 minutes; slow health
/// checks: 5 minutes; the disk's trend: 6 hours, in `AlertTrends`) keep the counters they saw; a condition with a hold (`AlertKind.holdSeconds`) fires only after it held
/// that long; an alert resolves as soon as its condition is gone.
public struct AlertEvaluator: Sendable {
    private var pendingSince: [String: Double] = [:]
    private var firing: [String: AlertCondition] = [:]
    private var restarts: [(at: Double, counts: [String: Int])] = []
    private var dropped: [(at: Double, total: Int)] = []
    private var trends = AlertTrends()

    public init() {}

    /// The alerts firing now.
    public var active: [AlertCondition] { firing.values.sorted { $0.key < $1.key } }

    public mutating func evaluate(_ input: MetricsInput) -> [AlertEvent] {
        let now = input.now
        remember(input)
        let conditions = Self.conditions(input) + windowConditions(input)
        var events: [AlertEvent] = []
        var holding = Set<String>()
        for condition in conditions {
            holding.insert(condition.key)
            let since = pendingSince[condition.key] ?? now
            pendingSince[condition.key] = since
            if firing[condition.key] == nil, now - since >= condition.kind.holdSeconds {
                firing[condition.key] = condition
                events.append(AlertEvent(condition: condition, state: .firing, at: now))
            }
        }
        for key in Array(pendingSince.keys) where !holding.contains(key) { pendingSince[key] = nil }
        for (key, condition) in firing.sorted(by: { $0.key < $1.key }) where !holding.contains(key) {
            firing[key] = nil
            events.append(AlertEvent(condition: condition, state: .resolved, at: now))
        }
        return events
    }

    private mutating func remember(_ input: MetricsInput) {
        let counts = Dictionary(uniqueKeysWithValues: input.status.services.map { ($0.name, $0.restarts) })
        restarts.append((input.now, counts))
        restarts.removeAll { input.now - $0.at > 900 }
        if let logs = input.status.logs {
            dropped.append((input.now, logs.linesDropped + (logs.journalDropped ?? 0) + (logs.outputDroppedBytes ?? 0)))
        }
        dropped.removeAll { input.now - $0.at > 600 }
        trends.remember(input)
    }

    private func windowConditions(_ input: MetricsInput) -> [AlertCondition] {
        var conditions: [AlertCondition] = []
        if let oldest = restarts.first, let newest = restarts.last {
            for (service, count) in newest.counts.sorted(by: { $0.key < $1.key }) {
                let increase = count - (oldest.counts[service] ?? 0)
                if increase > 3 {
                    conditions.append(AlertCondition(
                        kind: .restartStorm, subject: service, summary: "\(service) restarted \(increase) times in 15 minutes"))
                }
            }
        }
        if let oldest = dropped.first, let newest = dropped.last, newest.total > oldest.total {
            conditions.append(AlertCondition(
                kind: .logLinesDropped, subject: "logs",
                summary: "log entries or output are being dropped (\(newest.total - oldest.total) in 10 minutes); see aegisctl status"))
        }
        for (service, share) in trends.slowHealthChecks() {
            conditions.append(AlertCondition(
                kind: .healthCheckSlow, subject: service,
                summary: "\(Int((share * 100).rounded()))% of the health checks of \(service) in 5 minutes took over 0.5 s"))
        }
        for (path, predicted) in trends.fillingUp(now: input.now) {
            conditions.append(AlertCondition(
                kind: .diskFillingUp, subject: path,
                summary: "the filesystem of \(path) is predicted full within 24 hours (6-hour trend: "
                    + "\(Int(-predicted / 1_048_576)) MiB short)"))
        }
        return conditions
    }

    /// The conditions that hold in one snapshot, without windows or holds.
    public static func conditions(_ input: MetricsInput) -> [AlertCondition] {
        var found: [AlertCondition] = []
        func add(_ kind: AlertKind, _ subject: String, _ summary: String) {
            found.append(AlertCondition(kind: kind, subject: subject, summary: summary))
        }
        let wanted: Set<ServiceStateName> = [.starting, .running, .backoff, .stopping]
        for service in input.status.services {
            if service.state == .failed {
                add(.serviceFailed, service.name, "\(service.name) failed and is no longer restarted: \(service.message ?? "see its log")")
            } else if !service.healthy, wanted.contains(service.state) {
                add(.serviceDown, service.name, "\(service.name) is not healthy (\(service.state.rawValue))")
            }
        }
        let now = input.now
        let uptime = input.status.daemon.uptimeSeconds
        for backup in input.status.backups ?? [] {
            let success = backup.lastSuccessAt.map { Double($0.secondsSinceEpoch) }
            if let failure = backup.lastFailureAt.map({ Double($0.secondsSinceEpoch) }), success.map({ failure > $0 }) ?? true {
                add(.backupFailed, backup.service, "the last backup of \(backup.service) failed: \(backup.lastFailureReason ?? "unknown reason")")
            }
            if let period = input.backupPeriodSeconds[backup.service].map(Double.init) {
                if let success, now - success > 1.5 * period {
                    add(.backupMissing, backup.service, "the newest backup of \(backup.service) is older than 1.5 schedule periods")
                } else if success == nil, uptime > 1.5 * period {
                    add(.backupMissing, backup.service, "\(backup.service) has no backup after 1.5 schedule periods")
                }
            }
            if let offsite = backup.offsite, let period = input.backupPeriodSeconds[backup.service].map(Double.init) {
                // As AegisBackupMissing, for the newest copy checked in the store.
                let copied = offsite.lastSuccessAt.map { Double($0.secondsSinceEpoch) }
                let why = offsite.lastError.map { "; last upload error: \($0)" } ?? ""
                if let copied, now - copied > 1.5 * period {
                    add(.backupOffsiteStale, backup.service, "the newest off-host copy of \(backup.service) is older than 1.5 schedule periods\(why)")
                } else if copied == nil, uptime > 1.5 * period {
                    add(.backupOffsiteStale, backup.service, "\(backup.service) has no off-host copy after 1.5 schedule periods\(why)")
                }
            }
            if backup.drillFailedLast {
                add(.backupDrillFailed, backup.service,
                    "the last restore drill of \(backup.service) failed: \(backup.lastDrillError ?? "unknown reason")")
            }
            if let period = input.drillPeriodSeconds[backup.service].map(Double.init) {
                let drill = backup.lastVerifiedAt.map { Double($0.secondsSinceEpoch) }
                if drill.map({ now - $0 > 1.5 * period }) ?? (uptime > 1.5 * period) {
                    add(.backupDrillStale, backup.service, "no restore drill of \(backup.service) passed in 1.5 drill periods")
                }
            }
        }
        for certificate in input.certificates {
            guard let info = certificate.info else { continue }
            let left = Double(info.notAfter.secondsSinceEpoch) - now
            if left < 14 * 86_400 {
                add(.certificateExpiring, certificate.role.description,
                    "certificate \(certificate.role) expires in \(Int(left / 86_400)) days (\(info.notAfter))"
                        + (certificate.role == .replicationClient
                            ? "; the primary's CA issued it: apply a new bundle of the primary with aegisctl replication rejoin --bundle FILE"
                            : ""))
            }
        }
        for filesystem in input.status.filesystems ?? [] where filesystem.sizeBytes > 0 && filesystem.freePercent < 10 {
            add(.diskSpaceLow, filesystem.path, "under 10% free on the filesystem of \(filesystem.path) (\(Int(filesystem.freePercent))%)")
        }
        for figures in input.databases {
            if figures.error != nil {
                add(.databaseFiguresFailing, figures.service, "aegisd cannot read the figures of \(figures.service): \(figures.error ?? "")")
            }
            if let p = figures.postgres {
                if p.oldestXidAge > 1_000_000_000 {
                    add(.postgresXidAgeHigh, figures.service,
                        "\(figures.service) is half-way to transaction id wraparound (age \(Int(p.oldestXidAge)))")
                }
                let sessions = p.connectionsByState.values.reduce(0, +)
                if p.maxConnections > 0, sessions / p.maxConnections > 0.9 {
                    add(.postgresConnectionsNearMax, figures.service,
                        "\(figures.service) uses \(Int(sessions)) of \(Int(p.maxConnections)) connections")
                }
            }
            if let r = figures.redis {
                if r.maxMemoryBytes > 0, r.usedMemoryBytes / r.maxMemoryBytes > 0.9 {
                    add(.redisMemoryNearMax, figures.service, "Redis uses over 90% of maxmemory")
                }
                if !r.rdbLastSaveSucceeded || (r.aofEnabled && !r.aofLastWriteSucceeded) {
                    add(.redisPersistenceFailing, figures.service, "Redis cannot save its data (last RDB save or AOF write failed)")
                }
            }
        }
        for pitr in input.status.pitr ?? [] {
            if let lag = pitr.archiveLagSeconds, lag > 300 {
                add(.pitrArchiveFailing, pitr.service, "WAL archiving of \(pitr.service) has been failing for \(lag) s; see aegisctl pitr status")
            }
            if let newest = pitr.backups.last(where: { !$0.error }), now - Double(newest.stoppedAt) > 2 * 86_400 {
                add(.pitrBaseBackupStale, pitr.service, "the newest base backup of \(pitr.service) is over 2 days old")
            }
            for repository in pitr.repositories ?? [] {
                let subject = "\(pitr.service) repo\(repository.repo)"
                if !repository.readable {
                    add(.pitrRepositoryFailing, subject,
                        "pgBackRest cannot read repo\(repository.repo) of \(pitr.service) (\(repository.location)): \(repository.error ?? "no reason given")")
                } else if let error = repository.lastBackupError {
                    add(.pitrRepositoryFailing, subject,
                        "the last base backup of \(pitr.service) into repo\(repository.repo) (\(repository.location)) failed: \(error)")
                }
            }
            if !pitr.stanzaReady {
                add(.pitrStanzaNotReady, pitr.service,
                    "point-in-time recovery of \(pitr.service) is not working: \(pitr.problem ?? "the stanza is not checked yet")")
            }
        }
        for service in input.status.services {
            replicationConditions(service, add: add)
        }
        return found
    }

    /// As the replication rules: a standby that does not stream (not while it is first copied),
    /// one too far behind, and a primary's slot invalidated.
    private static func replicationConditions(_ service: ServiceStatus, add: (AlertKind, String, String) -> Void) {
        guard let replication = service.replication else { return }
        if service.role == "standby", replication.seeding == nil, replication.streaming == false {
            add(.replicationStandbyDisconnected, service.name, "the standby \(service.name) does not stream from its primary"
                + (replication.error.map { ": \($0)" } ?? ""))
        }
        if service.role == "standby", (service.replicationLagBytes ?? 0) > 256 << 20 || (service.replicationLagSeconds ?? 0) > 300 {
            add(.replicationLagHigh, service.name, "the standby \(service.name) is \(service.replicationLagBytes ?? 0) bytes and "
                + "\(Int(service.replicationLagSeconds ?? 0)) s of replay behind its primary")
        }
        for slot in replication.slots ?? [] where service.role == "primary" && slot.isLost {
            add(.replicationSlotLost, "\(service.name)/\(slot.name)", "the replication slot \(slot.name) of \(service.name) is lost: "
                + "its standby must be copied again (aegisctl replication reseed on the standby)")
        }
    }
}
