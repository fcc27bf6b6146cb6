import AegisCore
import AegisSystem
import Logging

/// Raises aegisd's own alerts: each metrics collection is evaluated (`AlertEvaluator`), and
/// every alert that fires or resolves becomes one journald entry with the kind's stable
/// `MESSAGE_ID` (explained by `aegisd.catalog` under `journalctl -x`), or a log line where
/// there is no journald.
actor AlertJournal {
    private var evaluator = AlertEvaluator()
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func observe(_ input: MetricsInput) {
        for event in evaluator.evaluate(input) { record(event) }
    }

    private func record(_ event: AlertEvent) {
        let condition = event.condition
        let kind = condition.kind
        let message = "alert \(kind.rawValue) \(event.state.rawValue): \(condition.summary)"
        // crit / warning when firing, notice when resolved.
        let priority = event.state == .resolved ? 5 : (kind.isCritical ? 2 : 4)
        var fields: [(String, String)] = [
            ("MESSAGE", message), ("MESSAGE_ID", kind.messageID), ("PRIORITY", String(priority)),
            ("SYSLOG_IDENTIFIER", "aegisd"), ("AEGIS_ALERT", kind.rawValue), ("AEGIS_ALERT_STATE", event.state.rawValue),
            ("AEGIS_ALERT_SUBJECT", condition.subject),
        ]
        if ServiceID(rawValue: condition.subject) != nil { fields.append(("AEGIS_SERVICE", condition.subject)) }
        if JournalWriter.isAvailable, JournalWriter.send(fields) { return }
        switch event.state {
        case .resolved: logger.notice("\(message)")
        case .firing where kind.isCritical: logger.critical("\(message)")
        case .firing: logger.warning("\(message)")
        }
    }
}
