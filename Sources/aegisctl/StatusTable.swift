import AegisCore
import Foundation

/// The human form of `aegisctl status`: the summary line, then one aligned row per service.
enum StatusTable {
    static let headers = ["NAME", "STATE", "HEALTH", "PID", "RESTARTS", "UPTIME", "MESSAGE"]

    /// The whole output, ending in a newline.
    static func render(_ report: StatusReport) -> String {
        let rows = report.services.map { service in
            [
                service.name,
                service.state.rawValue,
                service.state == .unavailable ? "-" : (service.healthy ? "healthy" : "unhealthy"),
                service.pid.map(String.init) ?? "-",
                String(service.restarts),
                // Time in the current state is uptime only while running.
                service.state == .running ? service.sinceSeconds.map(duration) ?? "-" : "-",
                service.message ?? "",
            ]
        }
        return report.summary + "\n" + table([headers] + rows) + replicationLines(report.services) + backupTable(report.backups ?? []) + pitrTable(report.pitr ?? [])
            + (report.logs.map { "\n" + logsLine($0) + "\n" } ?? "")
            + diskLines(report.filesystems ?? []) + (report.daemon.metricsURL.map { "metrics: \($0)\n" } ?? "")
    }

    /// One line per service that replicates: a standby's state and lag, or a primary's
    /// standbys and slots. Nothing for a primary nobody replicates from.
    static func replicationLines(_ services: [ServiceStatus]) -> String {
        let lines = services.compactMap { service -> String? in
            guard let role = service.role else { return nil }
            let detail = service.replication
            if let seeding = detail?.seeding { return "  \(service.name) standby, \(seeding)" }
            if let error = detail?.error, role == "standby" { return "  \(service.name) standby, figures unreadable: \(error)" }
            if role == "standby" {
                guard detail?.streaming == true else { return "  \(service.name) standby, NOT streaming from the primary (lag unknown)" }
                let bytes = service.replicationLagBytes.map { "\($0) B" } ?? "?"
                let seconds = service.replicationLagSeconds.map { String(format: "%.1f s", $0) } ?? "?"
                return "  \(service.name) standby, streaming, lag \(bytes) / \(seconds)"
            }
            let standbys = (detail?.standbys ?? []).map { "\($0.name) (\($0.state)\($0.syncState.map { ", \($0)" } ?? ""), lag \($0.lagBytes.map { "\($0) B" } ?? "?"))" }
            let slots = (detail?.slots ?? []).map { "\($0.name) (\($0.walStatus)\($0.active ? ", active" : ", inactive")\($0.isLost ? ": LOST, re-seed the standby" : ""))" }
            guard !standbys.isEmpty || !slots.isEmpty else { return nil }
            return "  \(service.name) primary, standbys: " + (standbys.isEmpty ? "none" : standbys.joined(separator: ", "))
                + (slots.isEmpty ? "" : "; slots: " + slots.joined(separator: ", "))
        }
        return lines.isEmpty ? "" : "\nreplication:\n" + lines.joined(separator: "\n") + "\n"
    }

    /// `disk: /var/lib/aegisd/data 75.6 GiB free of 252.0 GiB (30%)`, one line per directory.
    static func diskLines(_ filesystems: [FilesystemFigures]) -> String {
        filesystems.map { fs in
            "disk: \(fs.path) \(gibibytes(fs.availableBytes)) free of \(gibibytes(fs.sizeBytes)) (\(Int(fs.freePercent.rounded()))%)\n"
        }.joined()
    }

    static func gibibytes(_ bytes: Double) -> String {
        "\((bytes / 1_073_741_824 * 10).rounded() / 10) GiB"
    }

    /// `logs: 1204 read, 1180 shipped, 0 dropped, 3 retries, spool 0 B → http://…` (+ the last error).
    static func logsLine(_ logs: LogsStatus) -> String {
        var line = "logs: \(logs.linesRead) read"
        if logs.shipping {
            line += ", \(logs.linesShipped) shipped, \(logs.linesDropped) dropped, \(logs.retries) retries, spool \(logs.spoolBytes) B"
            if let url = logs.lokiURL { line += " → \(url)" }
            if let waiting = logs.waitingFor { line += "\n  waiting for \(waiting); batches are kept meanwhile" }
            if let error = logs.lastError { line += "\n  last error: \(error)" }
        } else {
            line += " (not shipped to Loki: [logs] ship = false)"
        }
        // Only when it happened: losses before the entries existed, or journald left behind.
        if let bytes = logs.outputDroppedBytes, bytes > 0 { line += "\n  children's output dropped: \(bytes) B (aegisd fell behind)" }
        if let entries = logs.journalDropped, entries > 0 { line += "\n  not sent to journald: \(entries) entries (journald fell behind)" }
        return line
    }

    static let backupHeaders = ["BACKUPS", "LAST SUCCESS", "AGE", "VERIFIED", "LAST FAILURE"]

    /// The backups section: the newest success per service, its age, the last drill, and a
    /// failure newer than the success with its reason.
    static func backupTable(_ backups: [BackupStatus]) -> String {
        guard !backups.isEmpty else { return "" }
        if let skipped = backups.first?.skipped, backups.allSatisfy({ $0.skipped != nil }) { return "\nbackups: \(skipped)\n" }
        let rows = backups.map { status in
            [
                status.service,
                status.lastSuccessAt?.description ?? "never",
                status.newestAgeSeconds.map { duration(Double($0)) + (status.stale ? " (stale)" : "") } ?? (status.stale ? "(stale)" : "-"),
                status.drillFailedLast
                    ? "FAILED \(status.lastDrillFailureAt?.description ?? "")" : status.lastVerifiedAt?.description ?? "-",
                status.lastFailureAt.flatMap { failed in
                    status.lastSuccessAt.map { failed > $0 } ?? true ? "\(failed): \(status.lastFailureReason ?? "")" : nil
                } ?? "",
            ]
        }
        return "\n" + table([backupHeaders] + rows) + offsiteLines(backups)
    }

    /// One line per service when off-host copies are on: the newest copy, what waits and why.
    static func offsiteLines(_ backups: [BackupStatus]) -> String {
        let lines = backups.compactMap { status -> String? in
            guard let offsite = status.offsite else { return nil }
            var line = "off-host \(status.service): " + (offsite.lastSuccessAt.map { "last copy \($0)" } ?? "no copy yet")
            if let verified = offsite.lastVerifiedAt { line += ", drill passed elsewhere \(verified)" }
            if offsite.pending > 0 {
                line += ", \(offsite.pending) pending"
                if let next = offsite.nextAttemptAt { line += ", next try \(next)" }
                if let error = offsite.lastError { line += "\n  last error: \(error)" }
            }
            return line
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    static let pitrHeaders = ["PITR", "WINDOW", "NEWEST BASE BACKUP", "ARCHIVE"]

    /// Point-in-time recovery per instance: the recoverable window, the newest base backup's
    /// age, and whether archiving keeps up (or what is wrong).
    static func pitrTable(_ statuses: [PITRStatus]) -> String {
        guard !statuses.isEmpty else { return "" }
        let rows = statuses.map { status in
            [
                status.service,
                status.windowText,
                status.newestBackupAgeSeconds.map { duration(Double($0)) + " ago" } ?? "none",
                status.problem ?? (status.stanzaReady ? "ok" : "stanza not ready yet"),
            ]
        }
        return "\n" + table([pitrHeaders] + rows)
    }

    /// Left-aligned columns two spaces apart; the last column is not padded.
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count else { return "" }
        let widths = (0..<columns).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == columns - 1 ? cell : cell.padding(to: widths[column])
            }
            .joined(separator: "  ")
            .trimmingTrailingSpaces()
        }
        .joined(separator: "\n") + "\n"
    }

    /// Two most significant units: 42s, 3m05s, 2h07m, 4d03h.
    static func duration(_ seconds: Double) -> String {
        let total = max(0, Int(seconds))
        let (days, hours, minutes, secs) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if days > 0 { return "\(days)d\(two(hours))h" }
        if hours > 0 { return "\(hours)h\(two(minutes))m" }
        if minutes > 0 { return "\(minutes)m\(two(secs))s" }
        return "\(secs)s"
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
