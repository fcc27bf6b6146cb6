import AegisCore
import AegisSystem
import Logging

/// Raises aegisd's own alerts: each metrics collection is evaluated (`AlertEvaluator`), and
/// every alert that fires or resolves becomes one journald entry with the kind's stable
/// `MESSAGE_ID` (explained by `aegisd.catalog` under `journalctl -x`), or a log line where
/// there is no journald. The same events (and reminders of alerts still firing) go to the
/// `[[alerts.notify]]` targets.
actor AlertJournal {
    private var evaluator = AlertEvaluator()
    private var schedule: NotificationSchedule
    private let notifier: AlertNotifier
    private let logger: Logger

    init(settings: AlertsSettings, logger: Logger) {
        self.logger = logger
        schedule = NotificationSchedule(repeatSeconds: Double(settings.repeatIntervalS))
        notifier = AlertNotifier(targets: settings.notify, logger: logger)
    }

    /// Delivers the notifications until cancelled (`AlertNotifier.run`).
    nonisolated func runDeliveries() async { await notifier.run() }

    /// The alerts firing now.
    var active: [AlertCondition] { evaluator.active }

    /// Notifications sent so far, per target and outcome.
    nonisolated var deliveries: [NotificationCount] { notifier.deliveries }

    func observe(_ input: MetricsInput) {
        let events = evaluator.evaluate(input)
        for event in events { record(event) }
        for (event, isRepeat) in schedule.due(events, active: evaluator.active, now: input.now) {
            notifier.send(event, repeat: isRepeat)
        }
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
